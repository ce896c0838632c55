//! The account pages: the workbench home, the password, the sessions.

use poem::http::StatusCode;
use poem::web::Data;
use poem::{Response, Route, get, handler, post};
use techreg_views::components::trail;
use techreg_views::pages::identity::{self as pages, FormState, HomeInfo};

use super::{signed, success};
use crate::core::{Caller, DomainError};
use crate::identity::Identity;
use crate::identity::account::{self, Account};
use crate::identity::model::{PasswordForm, STATUS_PENDING, SessionForm};
use crate::identity::present::{self, user_status_label};
use crate::web::form::{Form, form_state};
use crate::web::{Ctx, WebResult};

pub fn routes(route: Route) -> Route {
    route
        .at("/my", get(home_page))
        .at("/account/password", get(password_page).post(password_post))
        .at("/account/sessions", get(sessions_page))
        .at("/account/sessions/end", post(session_end_post))
        .at("/account/sessions/end-others", post(end_others_post))
}

/// The caller's own account row, read afresh (signed out when it is gone).
pub(super) async fn account(id: &Identity, caller: &Caller) -> WebResult<Account> {
    signed(account::account(id, caller).await?)
}

#[handler]
async fn home_page(ctx: Ctx, caller: Caller, Data(id): Data<&Identity>) -> WebResult<Response> {
    let me = account(id, &caller).await?;
    let masked = present::masked(me.mobile.as_deref(), "未登记");
    let roles = caller.grants.role_label();
    let info = HomeInfo {
        display_name: &caller.user.display_name,
        status_label: user_status_label(&me.user.status),
        pending: me.user.status == STATUS_PENDING,
        masked_mobile: &masked,
        mfa_label: present::factor_label(&me.user.mfa_method),
        roles: &roles,
    };
    Ok(ctx
        .work(&caller, "工作台", &[], pages::my_home(&info))
        .await)
}

async fn password_view(
    ctx: &Ctx,
    caller: &Caller,
    id: &Identity,
    form: &FormState,
    status: StatusCode,
) -> WebResult<Response> {
    let rules = signed(account::password_rules(id, caller).await?)?;
    let body = pages::change_password(&ctx.csrf_token, form, rules.forced, rules.min_length);
    Ok(ctx
        .work_with_status(status, caller, "修改密码", &trail(&[]), body)
        .await)
}

#[handler]
async fn password_page(ctx: Ctx, caller: Caller, Data(id): Data<&Identity>) -> WebResult<Response> {
    password_view(&ctx, &caller, id, &FormState::default(), StatusCode::OK).await
}

#[handler]
async fn password_post(
    ctx: Ctx,
    caller: Caller,
    Data(id): Data<&Identity>,
    Form(form): Form<PasswordForm>,
) -> WebResult<Response> {
    match account::change_password(id, &caller, &form).await {
        Ok(done) => {
            signed(done)?;
            Ok(ctx.redirect("/my", success("密码已修改，其他会话已退出。")))
        }
        Err(DomainError::Invalid(errors)) => {
            let state = form_state(&form, &errors);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            password_view(&ctx, &caller, id, &state, status).await
        }
        Err(e) => Err(e.into()),
    }
}

#[handler]
async fn sessions_page(ctx: Ctx, caller: Caller, Data(id): Data<&Identity>) -> WebResult<Response> {
    let rows = present::session_rows(
        account::my_sessions(id, &caller).await?,
        &caller.session_key,
    );
    Ok(ctx
        .work(
            &caller,
            "我的会话",
            &trail(&[]),
            pages::my_sessions(&ctx.csrf_token, &rows),
        )
        .await)
}

#[handler]
async fn session_end_post(
    ctx: Ctx,
    caller: Caller,
    Data(id): Data<&Identity>,
    Form(form): Form<SessionForm>,
) -> WebResult<Response> {
    account::end_session(id, &caller, &form).await?;
    Ok(ctx.redirect("/account/sessions", success("已退出该会话。")))
}

#[handler]
async fn end_others_post(
    ctx: Ctx,
    caller: Caller,
    Data(id): Data<&Identity>,
) -> WebResult<Response> {
    account::end_other_sessions(id, &caller).await?;
    Ok(ctx.redirect("/account/sessions", success("已退出其他所有会话。")))
}
