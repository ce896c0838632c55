//! Signing in (password, then the second factor) and out.

use poem::http::StatusCode;
use poem::web::Data;
use poem::{Request, Response, Route, get, handler, post};
use techreg_views::components::FlashKind;
use techreg_views::pages::identity::{self as pages, FormState};

use super::{flash, visitor, with_session_cookie};
use crate::core::DomainError;
use crate::core::clock::shanghai_minute;
use crate::identity::Identity;
use crate::identity::login::{self, Pending, Verified};
use crate::identity::model::{CodeForm, LoginForm, MFA_SMS};
use crate::identity::present;
use crate::identity::sessions::new_session_id;
use crate::web::form::{Form, filled, form_state};
use crate::web::{Ctx, WebResult};

pub fn routes(route: Route) -> Route {
    route
        .at("/login", get(login_page).post(login_post))
        .at("/login/verify", get(verify_page).post(verify_post))
        .at("/login/resend", post(resend_post))
        .at("/logout", post(logout_post))
}

#[handler]
async fn login_page(ctx: Ctx) -> Response {
    ctx.public("登录", pages::login(&ctx.csrf_token, &FormState::default()))
        .await
}

#[handler]
async fn login_post(
    ctx: Ctx,
    req: &Request,
    Data(id): Data<&Identity>,
    Form(form): Form<LoginForm>,
) -> WebResult<Response> {
    let state = match login::sign_in(id, &form, &visitor(req)).await {
        Ok(accepted) => {
            let notice = accepted.notice.as_deref();
            let to = ctx.redirect("/login/verify", notice.and_then(warning));
            return Ok(with_session_cookie(to, &ctx, &accepted.sid));
        }
        Err(DomainError::Invalid(errors)) => form_state(&form, &errors),
        Err(DomainError::Rejected(message)) => FormState {
            message: Some(message),
            ..filled(&form)
        },
        Err(e) => return Err(e.into()),
    };
    Ok(ctx
        .public_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            "登录",
            pages::login(&ctx.csrf_token, &state),
        )
        .await)
}

fn warning(message: &str) -> Option<techreg_views::components::Flash> {
    flash(FlashKind::Warning, message)
}

async fn verify_view(
    ctx: &Ctx,
    pending: &Pending,
    form: &FormState,
    status: StatusCode,
) -> Response {
    let body = pages::second_factor(
        &ctx.csrf_token,
        &present::factor_prompt(pending),
        form,
        pending.user.mfa_method == MFA_SMS,
    );
    ctx.public_with_status(status, "身份验证", body).await
}

#[handler]
async fn verify_page(ctx: Ctx, req: &Request, Data(id): Data<&Identity>) -> WebResult<Response> {
    let Some(pending) = login::pending(id, visitor(req).sid.as_deref()).await? else {
        return Ok(ctx.redirect("/login", None));
    };
    Ok(verify_view(&ctx, &pending, &FormState::default(), StatusCode::OK).await)
}

#[handler]
async fn verify_post(
    ctx: Ctx,
    req: &Request,
    Data(id): Data<&Identity>,
    Form(form): Form<CodeForm>,
) -> WebResult<Response> {
    let visitor = visitor(req);
    let Some(pending) = login::pending(id, visitor.sid.as_deref()).await? else {
        return Ok(ctx.redirect("/login", flash(FlashKind::Info, "请重新登录。")));
    };
    match login::verify(id, pending.user.clone(), &form, &visitor).await {
        Ok(Verified::SignedIn { sid }) => {
            Ok(with_session_cookie(ctx.redirect("/my", None), &ctx, &sid))
        }
        Ok(Verified::Locked { until }) => {
            let message = format!(
                "连续输错次数过多，账户已锁定，请于 {} 后再试",
                shanghai_minute(until)
            );
            Ok(ctx.redirect("/login", flash(FlashKind::Error, &message)))
        }
        Err(DomainError::Invalid(errors)) => {
            let state = form_state(&form, &errors);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(verify_view(&ctx, &pending, &state, status).await)
        }
        Err(e) => Err(e.into()),
    }
}

#[handler]
async fn resend_post(ctx: Ctx, req: &Request, Data(id): Data<&Identity>) -> WebResult<Response> {
    let visitor = visitor(req);
    let Some(pending) = login::pending(id, visitor.sid.as_deref()).await? else {
        return Ok(ctx.redirect("/login", None));
    };
    let message = match login::resend(id, &pending.user, &visitor.ip).await? {
        None => flash(FlashKind::Success, "验证码已重新发送。"),
        Some(problem) => warning(&problem),
    };
    Ok(ctx.redirect("/login/verify", message))
}

#[handler]
async fn logout_post(ctx: Ctx, req: &Request, Data(id): Data<&Identity>) -> WebResult<Response> {
    login::sign_out(id, &visitor(req)).await?;
    Ok(with_session_cookie(
        ctx.redirect("/", flash(FlashKind::Success, "您已安全退出。")),
        &ctx,
        &new_session_id(),
    ))
}
