//! Enterprise claims: the applicant's documents, and the review queue of
//! the offices (approve, or reject with a reason).

use poem::http::{HeaderValue, StatusCode, header};
use poem::web::{Data, Multipart, Path};
use poem::{Response, Route, get, handler, post};
use techreg_views::components::trail;
use techreg_views::pages::claims as pages;
use techreg_views::pages::identity::FormState;

use super::success;
use crate::core::{Caller, DomainError};
use crate::identity::Identity;
use crate::identity::claims::{self, Proof};
use crate::identity::model::DecisionForm;
use crate::identity::present;
use crate::web::download::attachment;
use crate::web::form::{Form, form_state};
use crate::web::{Ctx, WebError, WebResult};

pub fn routes(route: Route) -> Route {
    route
        .at("/my/claim", get(my_claim_page).post(my_claim_post))
        .at("/review/claims", get(queue_page))
        .at("/review/claims/:id", get(review_page))
        .at("/review/claims/:id/file/:which", get(file_get))
        .at("/review/claims/:id/approve", post(approve_post))
        .at("/review/claims/:id/reject", post(reject_post))
}

const TITLE: &str = "单位认领核验";

async fn my_claim_view(
    ctx: &Ctx,
    caller: &Caller,
    id: &Identity,
    form: &FormState,
    status: StatusCode,
) -> WebResult<Response> {
    let claim = claims::own_claim(id, caller).await?;
    let view = present::claim_view(&claim);
    let body = pages::my_claim(&ctx.csrf_token, &view, form);
    Ok(ctx
        .work_with_status(status, caller, TITLE, &trail(&[]), body)
        .await)
}

#[handler]
async fn my_claim_page(ctx: Ctx, caller: Caller, Data(id): Data<&Identity>) -> WebResult<Response> {
    my_claim_view(&ctx, &caller, id, &FormState::default(), StatusCode::OK).await
}

async fn read_proof(multipart: &mut Multipart) -> WebResult<Proof> {
    let mut proof = Proof {
        licence: Vec::new(),
        letter: Vec::new(),
        version: None,
    };
    let bad = |e: &dyn std::fmt::Display| WebError::BadRequest(e.to_string());
    while let Some(field) = multipart.next_field().await.map_err(|e| bad(&e))? {
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(|e| bad(&e))?;
        match name.as_str() {
            "licence" => proof.licence = bytes,
            "letter" => proof.letter = bytes,
            "version" => {
                proof.version = String::from_utf8(bytes)
                    .ok()
                    .and_then(|v| v.trim().parse::<i32>().ok())
            }
            _ => {}
        }
    }
    Ok(proof)
}

#[handler]
async fn my_claim_post(
    ctx: Ctx,
    caller: Caller,
    Data(id): Data<&Identity>,
    mut multipart: Multipart,
) -> WebResult<Response> {
    // No claim: not found before the body is read, as ever.
    claims::own_claim(id, &caller).await?;
    let proof = read_proof(&mut multipart).await?;
    let state = match claims::submit_proof(id, &caller, &proof).await {
        Ok(()) => {
            let message = success("材料已提交，请等待登记处核验。");
            return Ok(ctx.redirect("/my/claim", message));
        }
        Err(DomainError::Invalid(errors)) => FormState {
            errors: errors
                .iter()
                .map(|(f, m)| (f.to_owned(), m.to_owned()))
                .collect(),
            ..FormState::default()
        },
        Err(DomainError::Rejected(message)) => FormState {
            message: Some(message),
            ..FormState::default()
        },
        Err(e) => return Err(e.into()),
    };
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    my_claim_view(&ctx, &caller, id, &state, status).await
}

#[handler]
async fn queue_page(ctx: Ctx, caller: Caller, Data(id): Data<&Identity>) -> WebResult<Response> {
    let rows = present::queue_rows(claims::queue(id, &caller).await?);
    Ok(ctx
        .work(&caller, TITLE, &trail(&[]), pages::queue(&rows))
        .await)
}

async fn review_view(
    ctx: &Ctx,
    caller: &Caller,
    id: &Identity,
    claim_id: i64,
    form: &FormState,
    status: StatusCode,
) -> WebResult<Response> {
    let review = claims::review(id, caller, claim_id).await?;
    let view = present::claim_view(&review.claim);
    let masked = present::masked(review.mobile.as_deref(), "");
    let body = pages::review(
        &ctx.csrf_token,
        &view,
        &review.applicant.display_name,
        &masked,
        form,
    );
    let crumbs = trail(&[(TITLE, "/review/claims")]);
    Ok(ctx
        .work_with_status(status, caller, "核验单位认领", &crumbs, body)
        .await)
}

#[handler]
async fn review_page(
    ctx: Ctx,
    caller: Caller,
    Data(id): Data<&Identity>,
    Path(claim_id): Path<i64>,
) -> WebResult<Response> {
    let form = FormState::default();
    review_view(&ctx, &caller, id, claim_id, &form, StatusCode::OK).await
}

#[handler]
async fn file_get(
    caller: Caller,
    Data(id): Data<&Identity>,
    Path((claim_id, which)): Path<(i64, String)>,
) -> WebResult<Response> {
    let (bytes, content_type) = claims::document(id, &caller, claim_id, &which).await?;
    let mut resp = attachment(bytes, &content_type, &format!("{which}-{claim_id}"));
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

#[handler]
async fn approve_post(
    ctx: Ctx,
    caller: Caller,
    Data(id): Data<&Identity>,
    Path(claim_id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> WebResult<Response> {
    claims::approve(id, &caller, claim_id, &form).await?;
    Ok(ctx.redirect("/review/claims", success("已核验通过，申请人账号已启用。")))
}

#[handler]
async fn reject_post(
    ctx: Ctx,
    caller: Caller,
    Data(id): Data<&Identity>,
    Path(claim_id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> WebResult<Response> {
    match claims::reject(id, &caller, claim_id, &form).await {
        Ok(()) => Ok(ctx.redirect(
            "/review/claims",
            success("已退回，申请人可补充材料后重新提交。"),
        )),
        Err(DomainError::Invalid(errors)) => {
            let state = form_state(&form, &errors);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            review_view(&ctx, &caller, id, claim_id, &state, status).await
        }
        Err(e) => Err(e.into()),
    }
}
