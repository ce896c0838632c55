//! Admin screens: users (system admin), online sessions (security admin).

use poem::http::StatusCode;
use poem::web::{Data, Path, Query};
use poem::{Response, Route, get, handler, post};
use techreg_views::components::trail;
use techreg_views::pages::admin as pages;
use techreg_views::pages::identity::FormState;

use super::success;
use crate::core::{Caller, DomainError, DomainResult};
use crate::identity::Identity;
use crate::identity::admin;
use crate::identity::model::{DisableForm, NewUserForm, RoleForm, SessionForm, UserSearch};
use crate::identity::present;
use crate::web::form::{Form, form_state};
use crate::web::{Ctx, WebResult};

pub fn routes(route: Route) -> Route {
    route
        .at("/admin/users", get(users_page).post(create_post))
        .at("/admin/users/:id", get(user_page))
        .at("/admin/users/:id/unlock", post(unlock_post))
        .at("/admin/users/:id/reset-password", post(reset_password_post))
        .at("/admin/users/:id/disable", post(disable_post))
        .at("/admin/users/:id/enable", post(enable_post))
        .at("/admin/users/:id/roles", post(role_post))
        .at("/admin/sessions", get(sessions_page))
        .at("/admin/sessions/end", post(end_session_post))
}

const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

async fn users_view(
    ctx: &Ctx,
    caller: &Caller,
    id: &Identity,
    q: &str,
    form: &FormState,
    created: Option<(&str, &str)>,
    status: StatusCode,
) -> WebResult<Response> {
    let page = admin::users(id, caller, q).await?;
    let body = pages::users(
        &ctx.csrf_token,
        q,
        &present::user_rows(&page),
        &present::role_options(&page.choices.roles),
        &present::office_options(&page.choices),
        form,
        created,
    );
    Ok(ctx
        .work_with_status(status, caller, "用户管理", &trail(&[]), body)
        .await)
}

#[handler]
async fn users_page(
    ctx: Ctx,
    caller: Caller,
    Data(id): Data<&Identity>,
    Query(s): Query<UserSearch>,
) -> WebResult<Response> {
    let q = s.q.as_deref().unwrap_or("");
    let form = FormState::default();
    users_view(&ctx, &caller, id, q, &form, None, StatusCode::OK).await
}

#[handler]
async fn create_post(
    ctx: Ctx,
    caller: Caller,
    Data(id): Data<&Identity>,
    Form(form): Form<NewUserForm>,
) -> WebResult<Response> {
    match admin::create_staff(id, &caller, &form).await {
        Ok(c) => {
            let created = Some((c.username.as_str(), c.password.as_str()));
            let blank = FormState::default();
            users_view(&ctx, &caller, id, "", &blank, created, StatusCode::OK).await
        }
        Err(DomainError::Invalid(errors)) => {
            let state = form_state(&form, &errors);
            users_view(&ctx, &caller, id, "", &state, None, UNPROCESSABLE).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn user_view(
    ctx: &Ctx,
    caller: &Caller,
    id: &Identity,
    user_id: i64,
    form: &FormState,
    new_password: Option<&str>,
    status: StatusCode,
) -> WebResult<Response> {
    let page = admin::user(id, caller, user_id).await?;
    let body = pages::user_detail(
        &ctx.csrf_token,
        &present::user_detail(&page),
        &present::role_options(&page.choices.roles),
        &present::office_options(&page.choices),
        form,
        new_password,
    );
    let crumbs = trail(&[("用户管理", "/admin/users")]);
    Ok(ctx
        .work_with_status(status, caller, &page.user.display_name, &crumbs, body)
        .await)
}

#[handler]
async fn user_page(
    ctx: Ctx,
    caller: Caller,
    Data(id): Data<&Identity>,
    Path(user_id): Path<i64>,
) -> WebResult<Response> {
    let form = FormState::default();
    user_view(&ctx, &caller, id, user_id, &form, None, StatusCode::OK).await
}

/// Back to the user's page after a change: with the message, or the form
/// again with what the service refused.
async fn after<F: serde::Serialize>(
    ctx: &Ctx,
    caller: &Caller,
    id: &Identity,
    user_id: i64,
    form: &F,
    done: DomainResult<()>,
    message: &str,
) -> WebResult<Response> {
    let state = match done {
        Ok(()) => return Ok(ctx.redirect(&format!("/admin/users/{user_id}"), success(message))),
        Err(DomainError::Invalid(errors)) => form_state(form, &errors),
        Err(DomainError::Rejected(message)) => FormState {
            message: Some(message),
            ..form_state(form, &Default::default())
        },
        Err(e) => return Err(e.into()),
    };
    user_view(ctx, caller, id, user_id, &state, None, UNPROCESSABLE).await
}

#[handler]
async fn unlock_post(
    ctx: Ctx,
    caller: Caller,
    Data(id): Data<&Identity>,
    Path(user_id): Path<i64>,
) -> WebResult<Response> {
    admin::unlock(id, &caller, user_id).await?;
    Ok(ctx.redirect(&format!("/admin/users/{user_id}"), success("已解锁。")))
}

#[handler]
async fn reset_password_post(
    ctx: Ctx,
    caller: Caller,
    Data(id): Data<&Identity>,
    Path(user_id): Path<i64>,
) -> WebResult<Response> {
    let password = admin::reset_password(id, &caller, user_id).await?;
    let form = FormState::default();
    user_view(
        &ctx,
        &caller,
        id,
        user_id,
        &form,
        Some(&password),
        StatusCode::OK,
    )
    .await
}

#[handler]
async fn disable_post(
    ctx: Ctx,
    caller: Caller,
    Data(id): Data<&Identity>,
    Path(user_id): Path<i64>,
    Form(form): Form<DisableForm>,
) -> WebResult<Response> {
    let done = admin::disable(id, &caller, user_id, &form).await;
    let message = "已停用，该用户的会话已结束。";
    after(&ctx, &caller, id, user_id, &form, done, message).await
}

#[handler]
async fn enable_post(
    ctx: Ctx,
    caller: Caller,
    Data(id): Data<&Identity>,
    Path(user_id): Path<i64>,
) -> WebResult<Response> {
    admin::enable(id, &caller, user_id).await?;
    Ok(ctx.redirect(&format!("/admin/users/{user_id}"), success("已启用。")))
}

#[handler]
async fn role_post(
    ctx: Ctx,
    caller: Caller,
    Data(id): Data<&Identity>,
    Path(user_id): Path<i64>,
    Form(form): Form<RoleForm>,
) -> WebResult<Response> {
    let done = admin::give(id, &caller, user_id, &form).await;
    after(&ctx, &caller, id, user_id, &form, done, "已分配角色。").await
}

#[handler]
async fn sessions_page(ctx: Ctx, caller: Caller, Data(id): Data<&Identity>) -> WebResult<Response> {
    let rows = present::online_rows(admin::online(id, &caller).await?);
    let body = pages::online_sessions(&ctx.csrf_token, &rows);
    Ok(ctx.work(&caller, "在线会话", &trail(&[]), body).await)
}

#[handler]
async fn end_session_post(
    ctx: Ctx,
    caller: Caller,
    Data(id): Data<&Identity>,
    Form(form): Form<SessionForm>,
) -> WebResult<Response> {
    admin::force_logout(id, &caller, &form).await?;
    Ok(ctx.redirect("/admin/sessions", success("已强制下线。")))
}
