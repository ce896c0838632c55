//! The role matrix (system admin) and the security policy (security admin).

use poem::http::StatusCode;
use poem::web::Data;
use poem::{Response, Route, get, handler};
use techreg_views::components::trail;
use techreg_views::pages::admin as pages;

use super::success;
use crate::core::{Caller, DomainError};
use crate::identity::Identity;
use crate::identity::model::{MatrixForm, PolicyForm};
use crate::identity::policy;
use crate::identity::present;
use crate::security::rbac::perm;
use crate::web::form::Form;
use crate::web::{Ctx, WebResult};

pub fn routes(route: Route) -> Route {
    route
        .at("/admin/roles", get(matrix_page).post(matrix_post))
        .at("/admin/security", get(policy_page).post(policy_post))
}

async fn matrix_view(
    ctx: &Ctx,
    caller: &Caller,
    id: &Identity,
    message: Option<&str>,
    status: StatusCode,
) -> WebResult<Response> {
    let matrix = policy::matrix(id, caller).await?;
    let roles = present::matrix_roles(matrix.roles);
    let body = pages::role_matrix(&ctx.csrf_token, perm::ALL, &roles, &matrix.granted, message);
    Ok(ctx
        .work_with_status(status, caller, "角色与权限", &trail(&[]), body)
        .await)
}

#[handler]
async fn matrix_page(ctx: Ctx, caller: Caller, Data(id): Data<&Identity>) -> WebResult<Response> {
    matrix_view(&ctx, &caller, id, None, StatusCode::OK).await
}

#[handler]
async fn matrix_post(
    ctx: Ctx,
    caller: Caller,
    Data(id): Data<&Identity>,
    Form(form): Form<MatrixForm>,
) -> WebResult<Response> {
    match policy::save_matrix(id, &caller, &form).await {
        Ok(()) => Ok(ctx.redirect("/admin/roles", success("已保存。"))),
        Err(DomainError::Rejected(message)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            matrix_view(&ctx, &caller, id, Some(&message), status).await
        }
        Err(e) => Err(e.into()),
    }
}

#[handler]
async fn policy_page(ctx: Ctx, caller: Caller, Data(id): Data<&Identity>) -> WebResult<Response> {
    let rows = present::policy_rows(policy::policy(id, &caller).await?);
    Ok(ctx
        .work(
            &caller,
            "安全策略",
            &trail(&[]),
            pages::security_policy(&ctx.csrf_token, &rows),
        )
        .await)
}

#[handler]
async fn policy_post(
    ctx: Ctx,
    caller: Caller,
    Data(id): Data<&Identity>,
    Form(form): Form<PolicyForm>,
) -> WebResult<Response> {
    let errors = match policy::save_policy(id, &caller, &form).await {
        Ok(()) => {
            let message = success("安全策略已保存，各节点数秒内生效。");
            return Ok(ctx.redirect("/admin/security", message));
        }
        Err(DomainError::Invalid(errors)) => errors,
        Err(e) => return Err(e.into()),
    };
    let mut rows = present::policy_rows(policy::policy(id, &caller).await?);
    for row in &mut rows {
        row.value = form.value(row.key).to_owned();
        row.error = errors.get(row.key).map(str::to_owned);
    }
    let body = pages::security_policy(&ctx.csrf_token, &rows);
    Ok(ctx
        .work_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &caller,
            "安全策略",
            &trail(&[]),
            body,
        )
        .await)
}
