//! The account's security settings: the second factor (SMS codes or an
//! authenticator app) and the mobile number.

use poem::http::StatusCode;
use poem::web::Data;
use poem::{Response, Route, get, handler, post};
use techreg_views::components::{FlashKind, trail};
use techreg_views::pages::identity::{self as pages, FormState, SecurityView};

use super::account::account;
use super::{flash, signed, success};
use crate::core::{Caller, DomainError};
use crate::identity::Identity;
use crate::identity::account::{self as service, CodeSent, TotpEnabled};
use crate::identity::model::{CodeForm, MFA_TOTP, MobileForm, TotpForm};
use crate::identity::present;
use crate::identity::totp::enrolment;
use crate::web::form::{Form, filled, form_state};
use crate::web::{Ctx, WebResult};

pub fn routes(route: Route) -> Route {
    route
        .at("/account/security", get(security_page))
        .at("/account/security/sms-code", post(factor_code_post))
        .at("/account/security/totp/start", post(totp_start_post))
        .at("/account/security/totp/confirm", post(totp_confirm_post))
        .at("/account/security/sms", post(use_sms_post))
        .at("/account/mobile", get(mobile_page).post(mobile_post))
        .at("/account/mobile/new-code", post(new_code_post))
        .at("/account/mobile/current-code", post(current_code_post))
}

/// What the security page shows besides the form.
#[derive(Default)]
struct Shown {
    /// An enrolment in progress: the QR code and the secret.
    enrolment: Option<(String, String)>,
    recovery_codes: Option<Vec<String>>,
}

async fn security_view(
    ctx: &Ctx,
    caller: &Caller,
    id: &Identity,
    shown: Shown,
    form: &FormState,
    status: StatusCode,
) -> WebResult<Response> {
    let me = account(id, caller).await?;
    let masked = present::masked(me.mobile.as_deref(), "");
    let view = SecurityView {
        method: &me.user.mfa_method,
        masked_mobile: &masked,
        enrolment: shown.enrolment,
        recovery_codes: shown.recovery_codes,
    };
    Ok(ctx
        .work_with_status(
            status,
            caller,
            "安全设置",
            &trail(&[]),
            pages::security(&ctx.csrf_token, &view, form),
        )
        .await)
}

/// The enrolment in progress in this session, as the page shows it.
async fn enrolment_shown(id: &Identity, caller: &Caller) -> WebResult<Shown> {
    let secret = service::pending_totp(id, caller).await?;
    Ok(Shown {
        enrolment: secret.map(|s| enrolment(&s, &caller.user.username)),
        recovery_codes: None,
    })
}

#[handler]
async fn security_page(ctx: Ctx, caller: Caller, Data(id): Data<&Identity>) -> WebResult<Response> {
    let shown = enrolment_shown(id, &caller).await?;
    let form = FormState::default();
    security_view(&ctx, &caller, id, shown, &form, StatusCode::OK).await
}

#[handler]
async fn factor_code_post(
    ctx: Ctx,
    caller: Caller,
    Data(id): Data<&Identity>,
) -> WebResult<Response> {
    let message = match signed(service::send_factor_code(id, &caller).await?)? {
        CodeSent::Sent => success("验证码已发送。"),
        CodeSent::NoMobile => flash(FlashKind::Error, "账户没有登记手机号码。"),
        CodeSent::Refused(why) => flash(FlashKind::Warning, &why),
    };
    Ok(ctx.redirect("/account/security", message))
}

#[handler]
async fn totp_start_post(
    ctx: Ctx,
    caller: Caller,
    Data(id): Data<&Identity>,
) -> WebResult<Response> {
    signed(service::start_totp(id, &caller).await?)?;
    Ok(ctx.redirect("/account/security", None))
}

#[handler]
async fn totp_confirm_post(
    ctx: Ctx,
    caller: Caller,
    Data(id): Data<&Identity>,
    Form(form): Form<TotpForm>,
) -> WebResult<Response> {
    let (shown, state, status) = match service::confirm_totp(id, &caller, &form).await {
        Ok(done) => match signed(done)? {
            TotpEnabled::NotStarted => {
                let message = flash(FlashKind::Info, "请先点击“改用验证器应用”。");
                return Ok(ctx.redirect("/account/security", message));
            }
            TotpEnabled::Enabled(codes) => {
                let shown = Shown {
                    enrolment: None,
                    recovery_codes: Some(codes),
                };
                (shown, FormState::default(), StatusCode::OK)
            }
        },
        Err(DomainError::Invalid(errors)) => {
            let shown = enrolment_shown(id, &caller).await?;
            let state = form_state(&form, &errors);
            (shown, state, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => return Err(e.into()),
    };
    security_view(&ctx, &caller, id, shown, &state, status).await
}

#[handler]
async fn use_sms_post(
    ctx: Ctx,
    caller: Caller,
    Data(id): Data<&Identity>,
    Form(form): Form<CodeForm>,
) -> WebResult<Response> {
    match service::use_sms(id, &caller, &form).await {
        Ok(done) => Ok(ctx.redirect(
            "/account/security",
            if signed(done)? {
                success("已改用短信验证码，其他会话已退出。")
            } else {
                None
            },
        )),
        Err(DomainError::Invalid(errors)) => {
            let state = form_state(&form, &errors);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            security_view(&ctx, &caller, id, Shown::default(), &state, status).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn mobile_view(
    ctx: &Ctx,
    caller: &Caller,
    id: &Identity,
    form: &FormState,
    status: StatusCode,
) -> WebResult<Response> {
    let me = account(id, caller).await?;
    let masked = present::masked(me.mobile.as_deref(), "未登记");
    let uses_totp = me.user.mfa_method == MFA_TOTP;
    let body = pages::change_mobile(&ctx.csrf_token, &masked, uses_totp, form);
    Ok(ctx
        .work_with_status(status, caller, "更换手机号码", &trail(&[]), body)
        .await)
}

#[handler]
async fn mobile_page(ctx: Ctx, caller: Caller, Data(id): Data<&Identity>) -> WebResult<Response> {
    mobile_view(&ctx, &caller, id, &FormState::default(), StatusCode::OK).await
}

/// The mobile form again after asking for a code: what was typed, and the
/// problem if the code was not sent.
async fn after_code(
    ctx: &Ctx,
    caller: &Caller,
    id: &Identity,
    form: &MobileForm,
    sent: Result<(), DomainError>,
) -> WebResult<Response> {
    match sent {
        Ok(()) => mobile_view(ctx, caller, id, &filled(form), StatusCode::OK).await,
        Err(DomainError::Invalid(errors)) => {
            let state = form_state(form, &errors);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            mobile_view(ctx, caller, id, &state, status).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Sends a code to the new number; the form comes back with what was typed.
#[handler]
async fn new_code_post(
    ctx: Ctx,
    caller: Caller,
    Data(id): Data<&Identity>,
    Form(form): Form<MobileForm>,
) -> WebResult<Response> {
    let sent = service::send_new_mobile_code(id, &caller, &form).await;
    after_code(&ctx, &caller, id, &form, sent).await
}

#[handler]
async fn current_code_post(
    ctx: Ctx,
    caller: Caller,
    Data(id): Data<&Identity>,
    Form(form): Form<MobileForm>,
) -> WebResult<Response> {
    let sent = match service::send_current_mobile_code(id, &caller).await {
        Ok(answer) => Ok(signed(answer)?),
        Err(e) => Err(e),
    };
    after_code(&ctx, &caller, id, &form, sent).await
}

#[handler]
async fn mobile_post(
    ctx: Ctx,
    caller: Caller,
    Data(id): Data<&Identity>,
    Form(form): Form<MobileForm>,
) -> WebResult<Response> {
    match service::change_mobile(id, &caller, &form).await {
        Ok(done) => {
            signed(done)?;
            Ok(ctx.redirect(
                "/account/security",
                success("手机号码已更换，其他会话已退出。"),
            ))
        }
        Err(DomainError::Invalid(errors)) => {
            let state = form_state(&form, &errors);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            mobile_view(&ctx, &caller, id, &state, status).await
        }
        Err(e) => Err(e.into()),
    }
}
