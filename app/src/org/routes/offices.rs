//! Registration office management (F45): the list with search and
//! filters, create, edit, status with a reason, an industry office's list.

use poem::http::StatusCode;
use poem::web::{Data, Path, Query};
use poem::{Response, Route, get, handler, post};
use techreg_views::components::trail;
use techreg_views::pages::identity::FormState;
use techreg_views::pages::offices as pages;

use super::{shown, success, with_errors};
use crate::core::{Caller, DomainError};
use crate::dictionary::SHANGHAI;
use crate::org::Org;
use crate::org::model::{IndustryListForm, OfficeForm, OfficeQuery, StatusForm};
use crate::org::offices::{self, OfficeDetail};
use crate::org::present;
use crate::web::form::Form;
use crate::web::{Ctx, WebResult};

pub fn routes(route: Route) -> Route {
    route
        .at("/admin/offices", get(list_page).post(create_post))
        .at("/admin/offices/:id", get(detail_page).post(edit_post))
        .at("/admin/offices/:id/status", post(status_post))
        .at("/admin/offices/:id/industry-list", post(industry_list_post))
}

fn detail_url(id: i64) -> String {
    format!("/admin/offices/{id}")
}

async fn list_view(
    ctx: &Ctx,
    caller: &Caller,
    org: &Org,
    query: &OfficeQuery,
    form: &FormState,
    status: StatusCode,
) -> WebResult<Response> {
    let rows = present::office_rows(offices::list(org, caller, query).await?);
    let filter = pages::Filter {
        q: query.q.as_deref().unwrap_or_default(),
        kind: query.kind.as_deref().unwrap_or_default(),
        status: query.status.as_deref().unwrap_or_default(),
    };
    let body = pages::list(&ctx.csrf_token, &filter, &rows, form, SHANGHAI);
    Ok(ctx
        .work_with_status(status, caller, "登记处管理", &trail(&[]), body)
        .await)
}

#[handler]
async fn list_page(
    ctx: Ctx,
    caller: Caller,
    Data(org): Data<&Org>,
    Query(q): Query<OfficeQuery>,
) -> WebResult<Response> {
    list_view(
        &ctx,
        &caller,
        org,
        &q,
        &FormState::default(),
        StatusCode::OK,
    )
    .await
}

#[handler]
async fn create_post(
    ctx: Ctx,
    caller: Caller,
    Data(org): Data<&Org>,
    Form(form): Form<OfficeForm>,
) -> WebResult<Response> {
    match offices::create(org, &caller, &form).await {
        Ok(o) => Ok(ctx.redirect(&detail_url(o.id), success("登记处已创建。"))),
        Err(DomainError::Invalid(errors)) => {
            let state = shown(&form, &errors);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            list_view(&ctx, &caller, org, &OfficeQuery::default(), &state, status).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn detail_view(
    ctx: &Ctx,
    caller: &Caller,
    d: OfficeDetail,
    form: &FormState,
    status: StatusCode,
) -> WebResult<Response> {
    let o = &d.office;
    let list = present::industry_list(d.members.as_deref(), form);
    let body = pages::detail(
        &ctx.csrf_token,
        o.id,
        o.version,
        present::status_label(&o.status),
        form,
        SHANGHAI,
        &present::office_history(d.history),
        list.as_ref(),
    );
    let crumbs = trail(&[("登记处管理", "/admin/offices")]);
    Ok(ctx
        .work_with_status(status, caller, &o.name, &crumbs, body)
        .await)
}

#[handler]
async fn detail_page(
    ctx: Ctx,
    caller: Caller,
    Data(org): Data<&Org>,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let d = offices::detail(org, &caller, id).await?;
    let form = present::office_form(&d.office);
    detail_view(&ctx, &caller, d, &form, StatusCode::OK).await
}

#[handler]
async fn edit_post(
    ctx: Ctx,
    caller: Caller,
    Data(org): Data<&Org>,
    Path(id): Path<i64>,
    Form(form): Form<OfficeForm>,
) -> WebResult<Response> {
    match offices::edit(org, &caller, id, &form).await {
        Ok(()) => Ok(ctx.redirect(&detail_url(id), success("已保存。"))),
        Err(DomainError::Invalid(errors)) => {
            let d = offices::detail(org, &caller, id).await?;
            let state = shown(&form, &errors);
            detail_view(&ctx, &caller, d, &state, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

#[handler]
async fn status_post(
    ctx: Ctx,
    caller: Caller,
    Data(org): Data<&Org>,
    Path(id): Path<i64>,
    Form(form): Form<StatusForm>,
) -> WebResult<Response> {
    match offices::change_status(org, &caller, id, &form).await {
        Ok(()) => Ok(ctx.redirect(&detail_url(id), success("状态已变更。"))),
        Err(DomainError::Invalid(errors)) => {
            let d = offices::detail(org, &caller, id).await?;
            let state = with_errors(present::office_form(&d.office), &errors);
            detail_view(&ctx, &caller, d, &state, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Replaces an industry office's list of credit codes (one per line).
#[handler]
async fn industry_list_post(
    ctx: Ctx,
    caller: Caller,
    Data(org): Data<&Org>,
    Path(id): Path<i64>,
    Form(form): Form<IndustryListForm>,
) -> WebResult<Response> {
    match offices::replace_industry_list(org, &caller, id, &form).await {
        Ok(count) => Ok(ctx.redirect(
            &detail_url(id),
            success(format!("行业名单已保存，共 {count} 家企业。")),
        )),
        Err(DomainError::Invalid(errors)) => {
            let d = offices::detail(org, &caller, id).await?;
            let mut state = with_errors(present::office_form(&d.office), &errors);
            state.values.push(("codes".into(), form.codes.clone()));
            detail_view(&ctx, &caller, d, &state, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}
