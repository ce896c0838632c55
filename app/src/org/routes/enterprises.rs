//! Enterprise screens: the list with filters and bulk reassignment, the
//! detail page (data, office, users, contracts, history) with edit and
//! reassignment.

use poem::http::StatusCode;
use poem::web::{Data, Path, Query};
use poem::{Response, Route, get, handler, post};
use techreg_views::components::trail;
use techreg_views::pages::enterprises::{self as pages, DetailView, Info, ListView};
use techreg_views::pages::identity::FormState;

use super::{shown, success};
use crate::core::{Caller, DomainError};
use crate::dictionary::SHANGHAI;
use crate::org::Org;
use crate::org::enterprises::{self, DetailData};
use crate::org::model::{BulkReassignForm, EnterpriseForm, EnterpriseQuery, ReassignForm};
use crate::org::present;
use crate::web::form::Form;
use crate::web::{Ctx, WebResult};

pub fn routes(route: Route) -> Route {
    route
        .at("/admin/enterprises", get(list_page))
        .at("/admin/enterprises/reassign", post(bulk_reassign_post))
        .at("/admin/enterprises/:id", get(detail_page).post(edit_post))
        .at("/admin/enterprises/:id/reassign", post(reassign_post))
}

fn detail_url(id: i64) -> String {
    format!("/admin/enterprises/{id}")
}

async fn list_view(
    ctx: &Ctx,
    caller: &Caller,
    org: &Org,
    q: &EnterpriseQuery,
    form: &FormState,
    status: StatusCode,
) -> WebResult<Response> {
    let data = enterprises::list(org, caller, q).await?;
    let shown = present::enterprise_list(&data);
    let today = data.today.to_string();
    let view = ListView {
        filter: pages::Filter {
            q: q.q.as_deref().unwrap_or(""),
            office: q.office.as_deref().unwrap_or(""),
            district: q.district.as_deref().unwrap_or(""),
            unassigned: q.only_unassigned(),
            query: q.query_string(),
        },
        rows: &shown.rows,
        next_after: data.next_after,
        matching: data.matching,
        can_manage: data.can_manage,
        filter_offices: &shown.filter_offices,
        target_offices: &shown.target_offices,
        today: &today,
    };
    let body = pages::list(&ctx.csrf_token, &view, form, SHANGHAI);
    Ok(ctx
        .work_with_status(status, caller, "企业与对口关系", &trail(&[]), body)
        .await)
}

#[handler]
async fn list_page(
    ctx: Ctx,
    caller: Caller,
    Data(org): Data<&Org>,
    Query(q): Query<EnterpriseQuery>,
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
async fn bulk_reassign_post(
    ctx: Ctx,
    caller: Caller,
    Data(org): Data<&Org>,
    Form(form): Form<BulkReassignForm>,
) -> WebResult<Response> {
    let q = form.query();
    let done = match enterprises::bulk_reassign(org, &caller, &form).await {
        Ok(done) => done,
        Err(DomainError::Invalid(errors)) => {
            let state = shown(&form, &errors);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return list_view(&ctx, &caller, org, &q, &state, status).await;
        }
        Err(e) => return Err(e.into()),
    };
    let mut message = format!("已调整 {} 家企业的对口登记处", done.changed.len());
    if done.unchanged > 0 {
        message.push_str(&format!(
            "；{} 家原已对口该登记处，未作改动",
            done.unchanged
        ));
    }
    message.push('。');
    let to = format!("/admin/enterprises?{}", q.query_string());
    Ok(ctx.redirect(&to, success(message)))
}

async fn detail_view(
    ctx: &Ctx,
    caller: &Caller,
    d: &DetailData,
    edit: &FormState,
    reassign: &FormState,
    status: StatusCode,
) -> WebResult<Response> {
    let e = &d.enterprise;
    let shown = present::enterprise_detail(d);
    let today = d.today.to_string();
    let view = DetailView {
        info: Info {
            id: e.id,
            version: e.version,
            credit_code: &e.credit_code,
            status: present::enterprise_status_label(&e.status),
            source: present::source_label(&e.source),
            office: &shown.office,
            scheduled: shown.scheduled.as_deref(),
            flags: shown.flags,
            created: &shown.created,
        },
        can_manage: d.can_manage,
        legal_forms: &shown.legal_forms,
        target_offices: &shown.target_offices,
        today: &today,
        assignments: &shown.assignments,
        users: &shown.users,
        contracts: &shown.contracts,
        history: &shown.history,
    };
    let body = pages::detail(&ctx.csrf_token, &view, edit, reassign, SHANGHAI);
    let crumbs = trail(&[("企业与对口关系", "/admin/enterprises")]);
    Ok(ctx
        .work_with_status(status, caller, &e.name, &crumbs, body)
        .await)
}

#[handler]
async fn detail_page(
    ctx: Ctx,
    caller: Caller,
    Data(org): Data<&Org>,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let d = enterprises::detail(org, &caller, id).await?;
    let edit = present::enterprise_form(&d.enterprise);
    detail_view(
        &ctx,
        &caller,
        &d,
        &edit,
        &FormState::default(),
        StatusCode::OK,
    )
    .await
}

#[handler]
async fn edit_post(
    ctx: Ctx,
    caller: Caller,
    Data(org): Data<&Org>,
    Path(id): Path<i64>,
    Form(form): Form<EnterpriseForm>,
) -> WebResult<Response> {
    match enterprises::edit(org, &caller, id, &form).await {
        Ok(()) => Ok(ctx.redirect(&detail_url(id), success("已保存。"))),
        Err(DomainError::Invalid(errors)) => {
            let d = enterprises::detail(org, &caller, id).await?;
            let edit = shown(&form, &errors);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            detail_view(&ctx, &caller, &d, &edit, &FormState::default(), status).await
        }
        Err(e) => Err(e.into()),
    }
}

#[handler]
async fn reassign_post(
    ctx: Ctx,
    caller: Caller,
    Data(org): Data<&Org>,
    Path(id): Path<i64>,
    Form(form): Form<ReassignForm>,
) -> WebResult<Response> {
    match enterprises::reassign(org, &caller, id, &form).await {
        Ok(done) => Ok(ctx.redirect(
            &detail_url(id),
            success(format!("对口登记处已调整，自 {} 起生效。", done.effective)),
        )),
        Err(DomainError::Invalid(errors)) => {
            let d = enterprises::detail(org, &caller, id).await?;
            let edit = present::enterprise_form(&d.enterprise);
            let reassign = shown(&form, &errors);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            detail_view(&ctx, &caller, &d, &edit, &reassign, status).await
        }
        Err(e) => Err(e.into()),
    }
}
