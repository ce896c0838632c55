//! Service point screens: list and create, the detail page with edit,
//! status and staff.

use poem::http::StatusCode;
use poem::web::{Data, Path, Query};
use poem::{Response, Route, get, handler, post};
use techreg_views::components::trail;
use techreg_views::pages::identity::FormState;
use techreg_views::pages::service_points::{self as pages, DetailForms, ServicePointDetail};

use super::{as_message, shown, success};
use crate::core::{Caller, DomainError};
use crate::org::Org;
use crate::org::model::{
    OfficeChoiceQuery, ServicePointForm, ServicePointGrantForm, ServicePointRevokeForm, StatusForm,
};
use crate::org::present;
use crate::org::service_points::{self, Detail};
use crate::web::form::Form;
use crate::web::{Ctx, WebResult};

pub fn routes(route: Route) -> Route {
    route
        .at("/admin/service-points", get(list_page).post(create_post))
        .at(
            "/admin/service-points/:id",
            get(detail_page).post(edit_post),
        )
        .at("/admin/service-points/:id/status", post(status_post))
        .at(
            "/admin/service-points/:id/staff/grant",
            post(staff_grant_post),
        )
        .at(
            "/admin/service-points/:id/staff/revoke",
            post(staff_revoke_post),
        )
}

async fn list_view(
    ctx: &Ctx,
    caller: &Caller,
    org: &Org,
    query: &OfficeChoiceQuery,
    form: &FormState,
    status: StatusCode,
) -> WebResult<Response> {
    let data = service_points::list(org, caller, query).await?;
    let rows = present::service_point_rows(&data);
    let choices = present::office_choices(&data.choices);
    let body = pages::list(
        &ctx.csrf_token,
        &choices,
        data.filter,
        &rows,
        form,
        data.can_create,
    );
    Ok(ctx
        .work_with_status(status, caller, "服务点管理", &trail(&[]), body)
        .await)
}

#[handler]
async fn list_page(
    ctx: Ctx,
    caller: Caller,
    Data(org): Data<&Org>,
    Query(q): Query<OfficeChoiceQuery>,
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
    Form(form): Form<ServicePointForm>,
) -> WebResult<Response> {
    match service_points::create(org, &caller, &form).await {
        Ok(id) => Ok(done(&ctx, id, "服务点已创建。")),
        Err(DomainError::Invalid(errors)) => {
            let state = shown(&form, &errors);
            let (q, status) = (
                OfficeChoiceQuery::default(),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
            list_view(&ctx, &caller, org, &q, &state, status).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The detail page's forms: the edit form shown again, or filled in.
#[derive(Default)]
struct SpForms {
    edit: Option<FormState>,
    status: FormState,
    staff: FormState,
}

async fn detail_view(
    ctx: &Ctx,
    caller: &Caller,
    d: &Detail,
    forms: SpForms,
    status: StatusCode,
) -> WebResult<Response> {
    let sp = &d.service_point;
    let v = present::service_point_view(d);
    let detail = ServicePointDetail {
        id: sp.id,
        version: sp.version,
        office_id: sp.office_id,
        office_name: d.office_name.clone(),
        name: sp.name.clone(),
        status: present::status_label(&sp.status),
        status_reason: v.status_reason,
    };
    let edit = forms
        .edit
        .unwrap_or_else(|| present::service_point_form(sp));
    let forms = DetailForms {
        edit: &edit,
        status: &forms.status,
        staff: &forms.staff,
    };
    let body = pages::detail(
        &ctx.csrf_token,
        &detail,
        &forms,
        d.can_edit,
        &v.staff,
        &v.postings,
        &v.changes,
    );
    let crumbs = trail(&[("服务点管理", "/admin/service-points")]);
    Ok(ctx
        .work_with_status(status, caller, &sp.name, &crumbs, body)
        .await)
}

/// The detail page again with one form's errors.
async fn invalid(
    ctx: &Ctx,
    caller: &Caller,
    org: &Org,
    id: i64,
    forms: SpForms,
) -> WebResult<Response> {
    let d = service_points::detail(org, caller, id).await?;
    detail_view(ctx, caller, &d, forms, StatusCode::UNPROCESSABLE_ENTITY).await
}

fn done(ctx: &Ctx, id: i64, message: &str) -> Response {
    ctx.redirect(&format!("/admin/service-points/{id}"), success(message))
}

#[handler]
async fn detail_page(
    ctx: Ctx,
    caller: Caller,
    Data(org): Data<&Org>,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let d = service_points::detail(org, &caller, id).await?;
    detail_view(&ctx, &caller, &d, SpForms::default(), StatusCode::OK).await
}

#[handler]
async fn edit_post(
    ctx: Ctx,
    caller: Caller,
    Data(org): Data<&Org>,
    Path(id): Path<i64>,
    Form(form): Form<ServicePointForm>,
) -> WebResult<Response> {
    match service_points::edit(org, &caller, id, &form).await {
        Ok(()) => Ok(done(&ctx, id, "已保存。")),
        Err(DomainError::Invalid(errors)) => {
            let forms = SpForms {
                edit: Some(shown(&form, &errors)),
                ..Default::default()
            };
            invalid(&ctx, &caller, org, id, forms).await
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
    match service_points::change_status(org, &caller, id, &form).await {
        Ok(()) => Ok(done(&ctx, id, "状态已变更。")),
        Err(DomainError::Invalid(errors)) => {
            let forms = SpForms {
                status: shown(&form, &errors),
                ..Default::default()
            };
            invalid(&ctx, &caller, org, id, forms).await
        }
        Err(e) => Err(e.into()),
    }
}

#[handler]
async fn staff_grant_post(
    ctx: Ctx,
    caller: Caller,
    Data(org): Data<&Org>,
    Path(id): Path<i64>,
    Form(form): Form<ServicePointGrantForm>,
) -> WebResult<Response> {
    match service_points::grant_staff(org, &caller, id, &form).await {
        Ok(()) => Ok(done(&ctx, id, "已授予服务点人员岗位。")),
        Err(DomainError::Invalid(errors)) => {
            let forms = SpForms {
                staff: shown(&form, &errors),
                ..Default::default()
            };
            invalid(&ctx, &caller, org, id, forms).await
        }
        Err(e) => Err(e.into()),
    }
}

#[handler]
async fn staff_revoke_post(
    ctx: Ctx,
    caller: Caller,
    Data(org): Data<&Org>,
    Path(id): Path<i64>,
    Form(form): Form<ServicePointRevokeForm>,
) -> WebResult<Response> {
    match service_points::revoke_staff(org, &caller, id, &form).await {
        Ok(()) => Ok(done(&ctx, id, "已撤销服务点人员岗位。")),
        Err(DomainError::Invalid(errors)) => {
            let forms = SpForms {
                staff: as_message(&errors),
                ..Default::default()
            };
            invalid(&ctx, &caller, org, id, forms).await
        }
        Err(e) => Err(e.into()),
    }
}
