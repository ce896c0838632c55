//! Sign-in, registration and account pages.

use chrono::Duration;
use poem::http::StatusCode;
use poem::web::Form;
use poem::{Request, Response, Route, get, handler, post};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::json;
use techreg_entities::identity::{app_user, user_session};
use techreg_views::components::{Crumb, Flash, FlashKind};
use techreg_views::pages::identity::{
    self as pages, FormState, HomeInfo, SecurityView, SessionRow,
};

use super::auth::{self, client_ip};
use super::login::{self, FactorCheck, PasswordCheck};
use super::register::{self, form_from};
use super::session_store::{Stage, session_key};
use super::sms::{self, Purpose, SmsError};
use super::users::{self, MFA_SMS, MFA_TOTP, STATUS_PENDING};
use super::{totp, validate};
use crate::audit::{self, Entry, Outcome};
use crate::core::Caller;
use crate::web::middleware::SessionId;
use crate::web::{Ctx, WebError};

type Fields = Form<Vec<(String, String)>>;

pub fn routes(route: Route) -> Route {
    route
        .at("/login", get(login_page).post(login_post))
        .at("/login/verify", get(verify_page).post(verify_post))
        .at("/login/resend", post(resend_post))
        .at("/logout", post(logout_post))
        .at("/register", get(register_page))
        .at(
            "/register/enterprise",
            get(register_enterprise_page).post(register_enterprise_post),
        )
        .at(
            "/register/individual",
            get(register_individual_page).post(register_individual_post),
        )
        .at("/register/sms-code", post(register_sms_post))
        .at("/my", get(my_page))
        .at("/account/password", get(password_page).post(password_post))
        .at("/account/sessions", get(sessions_page))
        .at("/account/sessions/end", post(session_end_post))
        .at(
            "/account/sessions/end-others",
            post(sessions_end_others_post),
        )
        .at("/account/security", get(security_page))
        .at("/account/security/sms-code", post(security_sms_code_post))
        .at("/account/security/totp/start", post(totp_start_post))
        .at("/account/security/totp/confirm", post(totp_confirm_post))
        .at("/account/security/sms", post(use_sms_post))
        .at("/account/mobile", get(mobile_page).post(mobile_post))
        .at("/account/mobile/new-code", post(mobile_new_code_post))
        .at(
            "/account/mobile/current-code",
            post(mobile_current_code_post),
        )
        .at("/demo/sms", get(demo_sms_page))
}

fn cookie_header(ctx: &Ctx, sid: &str) -> String {
    let name = ctx.site.session_cookie_name();
    let secure = if ctx.state.core.config.is_https() {
        "; Secure"
    } else {
        ""
    };
    format!("{name}={sid}; Path=/; HttpOnly; SameSite=Lax{secure}")
}

fn with_session_cookie(mut resp: Response, ctx: &Ctx, sid: &str) -> Response {
    if let Ok(v) = poem::http::HeaderValue::from_str(&cookie_header(ctx, sid)) {
        resp.headers_mut().append(poem::http::header::SET_COOKIE, v);
    }
    resp
}

fn flash(kind: FlashKind, message: &str) -> Option<Flash> {
    Some(Flash {
        kind,
        message: message.to_owned(),
    })
}

fn cookie_sid(req: &Request) -> Option<String> {
    req.extensions()
        .get::<SessionId>()
        .filter(|s| !s.is_new)
        .map(|s| s.id.clone())
}

#[handler]
async fn login_page(ctx: Ctx) -> Response {
    ctx.public("登录", pages::login(&ctx.csrf_token, &FormState::default()))
        .await
}

#[handler]
async fn login_post(ctx: Ctx, req: &Request, Form(fields): Fields) -> Result<Response, WebError> {
    let mut form = form_from(&fields);
    let ip = client_ip(req);
    if form.value("username").trim().is_empty() {
        form.add_error("username", "请填写用户名");
    }
    if form.value("password").is_empty() {
        form.add_error("password", "请填写密码");
    }
    if !form.has_errors() {
        match login::check_password(
            &ctx.state,
            form.value("username"),
            form.value("password"),
            &ip,
        )
        .await?
        {
            PasswordCheck::Ok(user) => {
                let now = ctx.state.core.clock.now();
                let sid = auth::start(
                    &ctx.state,
                    cookie_sid(req).as_deref(),
                    user.id,
                    Stage::PasswordOk,
                    now,
                )
                .await?;
                let notice = match login::send_login_code(&ctx.state, &user, &ip).await {
                    // A code sent a moment ago is still valid.
                    Ok(()) | Err(SmsError::TooSoon) => None,
                    Err(SmsError::Db(e)) => return Err(e.into()),
                    Err(e) => flash(
                        FlashKind::Warning,
                        &format!("{e}。可点击“重新发送验证码”。"),
                    ),
                };
                return Ok(with_session_cookie(
                    ctx.redirect("/login/verify", notice),
                    &ctx,
                    &sid,
                ));
            }
            PasswordCheck::Wrong => form.message = Some("用户名或密码错误".into()),
            PasswordCheck::Locked(until) => {
                form.message = Some(format!(
                    "连续输错次数过多，账户已锁定，请于 {} 后再试，或联系管理员解锁",
                    crate::core::clock::shanghai_minute(until)
                ))
            }
            PasswordCheck::Disabled => form.message = Some("该账户已停用，请联系管理员".into()),
            PasswordCheck::RateLimited => {
                form.message = Some("登录尝试过于频繁，请 10 分钟后再试".into())
            }
        }
    }
    Ok(ctx
        .public_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            "登录",
            pages::login(&ctx.csrf_token, &form),
        )
        .await)
}

/// The user half-way through signing in (password accepted).
async fn pending_user(ctx: &Ctx, req: &Request) -> Result<Option<app_user::Model>, WebError> {
    let Some((_, data)) = auth::current(&ctx.state, req).await? else {
        return Ok(None);
    };
    if data.stage != Stage::PasswordOk {
        return Ok(None);
    }
    // A half-finished login lasts as long as a code does, and not past a
    // change of password.
    let started = chrono::DateTime::from_timestamp(data.created_at, 0).unwrap_or_default();
    let minutes = ctx
        .state
        .settings
        .get_i64("security.sms_code_minutes")
        .await
        .unwrap_or(5);
    if ctx.state.core.clock.now() - started > Duration::minutes(minutes + 5) {
        return Ok(None);
    }
    let user = app_user::Entity::find_by_id(data.user_id)
        .one(&ctx.state.core.db)
        .await?;
    Ok(user.filter(|u| u.password_changed_at.timestamp() <= data.created_at))
}

fn factor_label(ctx: &Ctx, user: &app_user::Model) -> String {
    if user.mfa_method == MFA_TOTP {
        "请输入验证器应用中显示的 6 位验证码。".into()
    } else {
        let masked = login::mobile_of(&ctx.state, user)
            .map(|m| validate::mask_mobile(&m))
            .unwrap_or_default();
        format!("验证码已发送至手机 {masked}，5 分钟内有效。")
    }
}

#[handler]
async fn verify_page(ctx: Ctx, req: &Request) -> Result<Response, WebError> {
    let Some(user) = pending_user(&ctx, req).await? else {
        return Ok(ctx.redirect("/login", None));
    };
    let body = pages::second_factor(
        &ctx.csrf_token,
        &factor_label(&ctx, &user),
        &FormState::default(),
        user.mfa_method == MFA_SMS,
    );
    Ok(ctx.public("身份验证", body).await)
}

#[handler]
async fn verify_post(ctx: Ctx, req: &Request, Form(fields): Fields) -> Result<Response, WebError> {
    let Some(user) = pending_user(&ctx, req).await? else {
        return Ok(ctx.redirect("/login", flash(FlashKind::Info, "请重新登录。")));
    };
    let mut form = form_from(&fields);
    let ip = client_ip(req);
    let code = form.value("code").trim().to_owned();
    if code.is_empty() {
        form.add_error("code", "请填写验证码");
    } else {
        match login::check_second_factor(&ctx.state, user.clone(), &code, &ip).await? {
            FactorCheck::Ok(user) => {
                let now = ctx.state.core.clock.now();
                let sid = auth::start(
                    &ctx.state,
                    cookie_sid(req).as_deref(),
                    user.id,
                    Stage::Authenticated,
                    now,
                )
                .await?;
                let ua = req.header("user-agent").unwrap_or("");
                auth::record(&ctx.state, &sid, user.id, &ip, ua, now).await?;
                return Ok(with_session_cookie(ctx.redirect("/my", None), &ctx, &sid));
            }
            FactorCheck::Wrong => form.add_error("code", "验证码错误或已过期"),
            FactorCheck::Locked(until) => {
                if let Some(sid) = cookie_sid(req) {
                    auth::end(
                        &ctx.state,
                        &session_key(&sid),
                        "locked",
                        ctx.state.core.clock.now(),
                    )
                    .await?;
                }
                let message = format!(
                    "连续输错次数过多，账户已锁定，请于 {} 后再试",
                    crate::core::clock::shanghai_minute(until)
                );
                return Ok(ctx.redirect("/login", flash(FlashKind::Error, &message)));
            }
        }
    }
    let body = pages::second_factor(
        &ctx.csrf_token,
        &factor_label(&ctx, &user),
        &form,
        user.mfa_method == MFA_SMS,
    );
    Ok(ctx
        .public_with_status(StatusCode::UNPROCESSABLE_ENTITY, "身份验证", body)
        .await)
}

#[handler]
async fn resend_post(ctx: Ctx, req: &Request) -> Result<Response, WebError> {
    let Some(user) = pending_user(&ctx, req).await? else {
        return Ok(ctx.redirect("/login", None));
    };
    let message = match login::send_login_code(&ctx.state, &user, &client_ip(req)).await {
        Ok(()) => flash(FlashKind::Success, "验证码已重新发送。"),
        Err(SmsError::Db(e)) => return Err(e.into()),
        Err(e) => flash(FlashKind::Warning, &e.to_string()),
    };
    Ok(ctx.redirect("/login/verify", message))
}

#[handler]
async fn logout_post(ctx: Ctx, req: &Request) -> Result<Response, WebError> {
    if let Some((key, data)) = auth::current(&ctx.state, req).await? {
        let now = ctx.state.core.clock.now();
        let user = app_user::Entity::find_by_id(data.user_id)
            .one(&ctx.state.core.db)
            .await?;
        match user.filter(|_| data.stage == Stage::Authenticated) {
            Some(user) => {
                let actor = audit::Actor {
                    user_id: Some(user.id),
                    name: user.username,
                    role: None,
                    client_ip: Some(client_ip(req)),
                    on_behalf_of: None,
                };
                auth::end_audited(
                    &ctx.state,
                    &key,
                    "logout",
                    now,
                    &actor,
                    "logout",
                    data.user_id,
                )
                .await?;
            }
            None => auth::end(&ctx.state, &key, "logout", now).await?,
        }
    }
    let sid = auth::new_session_id();
    Ok(with_session_cookie(
        ctx.redirect("/", flash(FlashKind::Success, "您已安全退出。")),
        &ctx,
        &sid,
    ))
}

#[handler]
async fn register_page(ctx: Ctx) -> Response {
    ctx.public("注册", pages::register_choice()).await
}

#[handler]
async fn register_enterprise_page(ctx: Ctx) -> Response {
    let body = pages::register_enterprise(
        &ctx.csrf_token,
        &FormState::default(),
        crate::dictionary::SHANGHAI,
    );
    ctx.public("单位用户注册", body).await
}

#[handler]
async fn register_enterprise_post(
    ctx: Ctx,
    req: &Request,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    let mut form = form_from(&fields);
    if register::enterprise(&ctx.state, &mut form, &client_ip(req))
        .await?
        .is_some()
    {
        return Ok(ctx.redirect(
            "/login",
            flash(
                FlashKind::Success,
                "注册成功。请登录后上传营业执照（或登记证书）和授权书，等待登记处核验。",
            ),
        ));
    }
    let body = pages::register_enterprise(&ctx.csrf_token, &form, crate::dictionary::SHANGHAI);
    Ok(ctx
        .public_with_status(StatusCode::UNPROCESSABLE_ENTITY, "单位用户注册", body)
        .await)
}

#[handler]
async fn register_individual_page(ctx: Ctx) -> Response {
    ctx.public(
        "个人用户注册",
        pages::register_individual(&ctx.csrf_token, &FormState::default()),
    )
    .await
}

#[handler]
async fn register_individual_post(
    ctx: Ctx,
    req: &Request,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    let mut form = form_from(&fields);
    if register::individual(&ctx.state, &mut form, &client_ip(req))
        .await?
        .is_some()
    {
        return Ok(ctx.redirect("/login", flash(FlashKind::Success, "注册成功，请登录。")));
    }
    let body = pages::register_individual(&ctx.csrf_token, &form);
    Ok(ctx
        .public_with_status(StatusCode::UNPROCESSABLE_ENTITY, "个人用户注册", body)
        .await)
}

/// Sends a registration code. htmx gets a status line; a plain form post
/// gets the registration form back with a message.
#[handler]
async fn register_sms_post(
    ctx: Ctx,
    req: &Request,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    let mut form = form_from(&fields);
    let outcome = match validate::mobile(form.value("mobile")) {
        Err(e) => Err(e.to_owned()),
        Ok(mobile) => {
            match sms::send_code(&ctx.state, Purpose::Register, &mobile, &client_ip(req)).await {
                Ok(()) => Ok(format!("验证码已发送至 {}", validate::mask_mobile(&mobile))),
                Err(SmsError::Db(e)) => return Err(e.into()),
                Err(e) => Err(e.to_string()),
            }
        }
    };
    if ctx.fragment {
        let (status, text) = match outcome {
            Ok(t) => (StatusCode::OK, t),
            Err(t) => (StatusCode::UNPROCESSABLE_ENTITY, t),
        };
        return Ok(ctx
            .public_with_status(status, "", maud::html! { (text) })
            .await);
    }
    let status = match outcome {
        Ok(t) => {
            form.message = None;
            form.values.push(("_notice".into(), t));
            StatusCode::OK
        }
        Err(t) => {
            form.add_error("mobile", t);
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    let body = if form.value("credit_code").is_empty() && !form.value("id_card").is_empty()
        || !form.value("real_name").is_empty()
    {
        pages::register_individual(&ctx.csrf_token, &form)
    } else {
        pages::register_enterprise(&ctx.csrf_token, &form, crate::dictionary::SHANGHAI)
    };
    Ok(ctx.public_with_status(status, "注册", body).await)
}

pub fn status_label(status: &str) -> &'static str {
    match status {
        users::STATUS_ACTIVE => "正常",
        STATUS_PENDING => "待核验",
        users::STATUS_DISABLED => "已停用",
        _ => "未知",
    }
}

#[handler]
async fn my_page(ctx: Ctx, user: Caller) -> Result<Response, WebError> {
    let me = account(&ctx, &user).await?;
    let masked = login::mobile_of(&ctx.state, &me)
        .map(|m| validate::mask_mobile(&m))
        .unwrap_or_else(|| "未登记".into());
    let roles = user.grants.role_label();
    let info = HomeInfo {
        display_name: &user.user.display_name,
        status_label: status_label(&me.status),
        pending: me.status == STATUS_PENDING,
        masked_mobile: &masked,
        mfa_label: if me.mfa_method == MFA_TOTP {
            "验证器应用"
        } else {
            "短信验证码"
        },
        roles: &roles,
    };
    Ok(ctx.work(&user, "工作台", &[], pages::my_home(&info)).await)
}

/// The caller's own account row, read afresh for the account pages.
async fn account(ctx: &Ctx, user: &Caller) -> Result<app_user::Model, WebError> {
    app_user::Entity::find_by_id(user.user.id)
        .one(&ctx.state.core.db)
        .await?
        .ok_or(WebError::LoginRequired { timed_out: false })
}

fn crumbs(label: &str) -> Vec<Crumb> {
    vec![
        Crumb {
            label: "工作台".into(),
            href: Some("/my".into()),
        },
        Crumb {
            label: label.into(),
            href: None,
        },
    ]
}

async fn password_view(
    ctx: &Ctx,
    user: &Caller,
    form: &FormState,
    status: StatusCode,
) -> Result<Response, WebError> {
    let me = account(ctx, user).await?;
    let min = ctx
        .state
        .settings
        .get_i64("security.password_min_length")
        .await
        .unwrap_or(8);
    let max_age = ctx
        .state
        .settings
        .get_i64("security.password_max_age_days")
        .await
        .unwrap_or(90);
    let forced = me.must_change_password
        || ctx.state.core.clock.now() - me.password_changed_at > Duration::days(max_age);
    let body = pages::change_password(&ctx.csrf_token, form, forced, min);
    Ok(ctx
        .work_with_status(status, user, "修改密码", &crumbs("修改密码"), body)
        .await)
}

#[handler]
async fn password_page(ctx: Ctx, user: Caller) -> Result<Response, WebError> {
    password_view(&ctx, &user, &FormState::default(), StatusCode::OK).await
}

#[handler]
async fn password_post(ctx: Ctx, user: Caller, Form(fields): Fields) -> Result<Response, WebError> {
    let mut form = form_from(&fields);
    let me = account(&ctx, &user).await?;
    let st = &ctx.state;
    if !crate::security::crypto::verify_password(form.value("current_password"), &me.password_hash)
    {
        form.add_error("current_password", "当前密码不正确");
        count_failure(&ctx, &user, "wrong_password").await?;
    }
    let new = form.value("new_password").to_owned();
    let min = st
        .settings
        .get_i64("security.password_min_length")
        .await
        .unwrap_or(8) as usize;
    if let Err(e) = validate::password(
        &validate::PasswordPolicy { min_length: min },
        &new,
        &user.user.username,
    ) {
        form.add_error("new_password", e);
    }
    if form.value("confirm_password") != new {
        form.add_error("confirm_password", "两次输入的密码不一致");
    }
    let history = st
        .settings
        .get_i64("security.password_history")
        .await
        .unwrap_or(5) as u64;
    if !form.has_errors() && users::reused(&st.core.db, user.user.id, &new, history).await? {
        form.add_error(
            "new_password",
            format!("新密码不能与最近 {history} 次使用过的密码相同"),
        );
    }
    if form.has_errors() {
        return password_view(&ctx, &user, &form, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let now = st.core.clock.now();
    let txn = crate::core::db::begin(&st.core.db).await?;
    let current = app_user::Entity::find_by_id(user.user.id)
        .one(&txn)
        .await?
        .ok_or(WebError::NotFound)?;
    if current.version != me.version {
        return Err(WebError::Conflict(
            "密码已在其他页面修改，请刷新后重试。".into(),
        ));
    }
    users::set_password(
        &txn,
        current,
        &new,
        st.core.config.security.pbkdf2_iterations,
        false,
        now,
    )
    .await?;
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry {
            action: "password.change",
            object_type: Some("user"),
            object_id: Some(user.user.id.to_string()),
            outcome: Outcome::Success,
            detail: json!({ "was_forced": me.must_change_password }),
        },
    )
    .await?;
    txn.commit().await?;
    auth::end_others(
        st,
        user.user.id,
        Some(&user.session_key),
        "password_changed",
        now,
    )
    .await?;
    Ok(ctx.redirect(
        "/my",
        flash(FlashKind::Success, "密码已修改，其他会话已退出。"),
    ))
}

#[handler]
async fn sessions_page(ctx: Ctx, user: Caller) -> Result<Response, WebError> {
    let rows = user_session::Entity::find()
        .filter(user_session::Column::UserId.eq(user.user.id))
        .filter(user_session::Column::EndedAt.is_null())
        .order_by_desc(user_session::Column::LastSeenAt)
        .all(&ctx.state.core.db)
        .await?
        .into_iter()
        .map(|r| SessionRow {
            current: r.id == user.session_key,
            key: r.id,
            ip: r.ip,
            user_agent: r.user_agent.chars().take(60).collect(),
            created: crate::core::clock::shanghai_minute(r.created_at),
            last_seen: crate::core::clock::shanghai_minute(r.last_seen_at),
        })
        .collect::<Vec<_>>();
    Ok(ctx
        .work(
            &user,
            "我的会话",
            &crumbs("我的会话"),
            pages::my_sessions(&ctx.csrf_token, &rows),
        )
        .await)
}

async fn end_own(
    ctx: &Ctx,
    user: &Caller,
    key: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), WebError> {
    let row = user_session::Entity::find_by_id(key.to_owned())
        .one(&ctx.state.core.db)
        .await?;
    match row {
        Some(r) if r.user_id == user.user.id => {
            let actor = user.actor();
            auth::end_audited(
                &ctx.state,
                key,
                "ended_by_user",
                now,
                &actor,
                "session.end_own",
                user.user.id,
            )
            .await
        }
        _ => Err(WebError::NotFound),
    }
}

#[handler]
async fn session_end_post(
    ctx: Ctx,
    user: Caller,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    let key = fields
        .iter()
        .find(|(k, _)| k == "session")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    end_own(&ctx, &user, &key, ctx.state.core.clock.now()).await?;
    Ok(ctx.redirect(
        "/account/sessions",
        flash(FlashKind::Success, "已退出该会话。"),
    ))
}

#[handler]
async fn sessions_end_others_post(ctx: Ctx, user: Caller) -> Result<Response, WebError> {
    let now = ctx.state.core.clock.now();
    let others = user_session::Entity::find()
        .filter(user_session::Column::UserId.eq(user.user.id))
        .filter(user_session::Column::EndedAt.is_null())
        .filter(user_session::Column::Id.ne(user.session_key.clone()))
        .all(&ctx.state.core.db)
        .await?;
    for s in others {
        end_own(&ctx, &user, &s.id, now).await?;
    }
    Ok(ctx.redirect(
        "/account/sessions",
        flash(FlashKind::Success, "已退出其他所有会话。"),
    ))
}

async fn security_view(
    ctx: &Ctx,
    user: &Caller,
    enrolment: Option<(String, String)>,
    codes: Option<Vec<String>>,
    form: &FormState,
    status: StatusCode,
) -> Result<Response, WebError> {
    let me = account(ctx, user).await?;
    let masked = login::mobile_of(&ctx.state, &me)
        .map(|m| validate::mask_mobile(&m))
        .unwrap_or_default();
    let view = SecurityView {
        method: &me.mfa_method,
        masked_mobile: &masked,
        enrolment,
        recovery_codes: codes,
    };
    Ok(ctx
        .work_with_status(
            status,
            user,
            "安全设置",
            &crumbs("安全设置"),
            pages::security(&ctx.csrf_token, &view, form),
        )
        .await)
}

/// The enrolment in progress, from the session (secret SM4-encrypted).
async fn pending_totp(ctx: &Ctx, req: &Request) -> Result<Option<Vec<u8>>, WebError> {
    let data = auth::current(&ctx.state, req).await?;
    Ok(data
        .and_then(|(_, d)| d.pending_totp)
        .and_then(|enc| ctx.state.keys.fields().decrypt(&enc).ok())
        .and_then(|h| hex::decode(h).ok()))
}

fn enrolment_of(secret: &[u8], user: &Caller) -> (String, String) {
    let url = totp::url(secret, &user.user.username);
    let b32 = url
        .split("secret=")
        .nth(1)
        .and_then(|s| s.split('&').next())
        .unwrap_or("")
        .to_owned();
    (totp::qr_svg(&url), b32)
}

#[handler]
async fn security_page(ctx: Ctx, req: &Request, user: Caller) -> Result<Response, WebError> {
    let enrolment = pending_totp(&ctx, req)
        .await?
        .map(|s| enrolment_of(&s, &user));
    security_view(
        &ctx,
        &user,
        enrolment,
        None,
        &FormState::default(),
        StatusCode::OK,
    )
    .await
}

#[handler]
async fn security_sms_code_post(
    ctx: Ctx,
    req: &Request,
    user: Caller,
) -> Result<Response, WebError> {
    let me = account(&ctx, &user).await?;
    let message = match login::mobile_of(&ctx.state, &me) {
        None => flash(FlashKind::Error, "账户没有登记手机号码。"),
        Some(m) => {
            match sms::send_code(&ctx.state, Purpose::ChangeFactor, &m, &client_ip(req)).await {
                Ok(()) => flash(FlashKind::Success, "验证码已发送。"),
                Err(SmsError::Db(e)) => return Err(e.into()),
                Err(e) => flash(FlashKind::Warning, &e.to_string()),
            }
        }
    };
    Ok(ctx.redirect("/account/security", message))
}

#[handler]
async fn totp_start_post(ctx: Ctx, req: &Request, user: Caller) -> Result<Response, WebError> {
    let Some((key, mut data)) = auth::current(&ctx.state, req).await? else {
        return Err(WebError::LoginRequired { timed_out: false });
    };
    let secret = totp::new_secret();
    data.pending_totp = Some(ctx.state.keys.fields().encrypt(&hex::encode(&secret)));
    ctx.state
        .sessions
        .put(&key, &data)
        .await
        .map_err(|e| WebError::Unavailable(e.to_string()))?;
    let _ = user;
    Ok(ctx.redirect("/account/security", None))
}

/// Checks the current factor for a change of factor: an SMS code (purpose
/// change_factor) or the authenticator.
async fn current_factor_ok(ctx: &Ctx, user: &Caller, code: &str) -> Result<bool, WebError> {
    let now = ctx.state.core.clock.now();
    let me = account(ctx, user).await?;
    let ok = if me.mfa_method == MFA_TOTP {
        totp::verify_login(&ctx.state, &me, code, now).await?
    } else {
        match login::mobile_of(&ctx.state, &me) {
            Some(m) => {
                sms::check_code(
                    &ctx.state,
                    &ctx.state.core.db,
                    Purpose::ChangeFactor,
                    &m,
                    code,
                    now,
                )
                .await?
            }
            None => false,
        }
    };
    if !ok {
        count_failure(ctx, user, "wrong_code").await?;
    }
    Ok(ok)
}

/// A wrong code or password inside a signed-in session counts towards the
/// lock like one at login; the lock ends every session of the account.
async fn count_failure(ctx: &Ctx, user: &Caller, reason: &str) -> Result<(), WebError> {
    let me = account(ctx, user).await?;
    if login::record_failure(&ctx.state, me, &user.client_ip, reason)
        .await?
        .is_some()
    {
        auth::end_others(
            &ctx.state,
            user.user.id,
            None,
            "locked",
            ctx.state.core.clock.now(),
        )
        .await?;
        return Err(WebError::LoginRequired { timed_out: false });
    }
    Ok(())
}

#[handler]
async fn totp_confirm_post(
    ctx: Ctx,
    req: &Request,
    user: Caller,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    let mut form = form_from(&fields);
    let Some(secret) = pending_totp(&ctx, req).await? else {
        return Ok(ctx.redirect(
            "/account/security",
            flash(FlashKind::Info, "请先点击“改用验证器应用”。"),
        ));
    };
    let now = ctx.state.core.clock.now();
    let step = totp::step_of(&secret, form.value("totp_code").trim(), now);
    if step.is_none() {
        form.add_error("totp_code", "验证器应用的验证码不正确");
    }
    if form.value("code").trim().is_empty() {
        form.add_error("code", "请填写当前验证方式的验证码");
    } else if !form.has_errors()
        && !current_factor_ok(&ctx, &user, form.value("code").trim()).await?
    {
        form.add_error("code", "当前验证方式的验证码错误或已过期");
    }
    if form.has_errors() {
        let enrolment = Some(enrolment_of(&secret, &user));
        return security_view(
            &ctx,
            &user,
            enrolment,
            None,
            &form,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    let current = app_user::Entity::find_by_id(user.user.id)
        .one(&txn)
        .await?
        .ok_or(WebError::NotFound)?;
    let version = current.version;
    let from = current.mfa_method.clone();
    let mut m: app_user::ActiveModel = current.into();
    m.mfa_method = Set(MFA_TOTP.into());
    m.totp_secret_enc = Set(Some(ctx.state.keys.fields().encrypt(&hex::encode(&secret))));
    m.totp_last_step = Set(step);
    m.version = Set(version + 1);
    m.update(&txn).await?;
    let codes = totp::new_recovery_codes(&txn, &ctx.state, user.user.id).await?;
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry {
            action: "mfa.change",
            object_type: Some("user"),
            object_id: Some(user.user.id.to_string()),
            outcome: Outcome::Success,
            detail: json!({ "from": from, "to": MFA_TOTP }),
        },
    )
    .await?;
    txn.commit().await?;
    auth::end_others(
        &ctx.state,
        user.user.id,
        Some(&user.session_key),
        "factor_changed",
        now,
    )
    .await?;
    if let Some((key, mut data)) = auth::current(&ctx.state, req).await? {
        data.pending_totp = None;
        ctx.state
            .sessions
            .put(&key, &data)
            .await
            .map_err(|e| WebError::Unavailable(e.to_string()))?;
    }
    security_view(
        &ctx,
        &user,
        None,
        Some(codes),
        &FormState::default(),
        StatusCode::OK,
    )
    .await
}

#[handler]
async fn use_sms_post(ctx: Ctx, user: Caller, Form(fields): Fields) -> Result<Response, WebError> {
    let mut form = form_from(&fields);
    if account(&ctx, &user).await?.mfa_method != MFA_TOTP {
        return Ok(ctx.redirect("/account/security", None));
    }
    if !current_factor_ok(&ctx, &user, form.value("code").trim()).await? {
        form.add_error("code", "验证码不正确");
        return security_view(
            &ctx,
            &user,
            None,
            None,
            &form,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    let current = app_user::Entity::find_by_id(user.user.id)
        .one(&txn)
        .await?
        .ok_or(WebError::NotFound)?;
    let version = current.version;
    let mut m: app_user::ActiveModel = current.into();
    m.mfa_method = Set(MFA_SMS.into());
    m.totp_secret_enc = Set(None);
    m.totp_last_step = Set(None);
    m.version = Set(version + 1);
    m.update(&txn).await?;
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry {
            action: "mfa.change",
            object_type: Some("user"),
            object_id: Some(user.user.id.to_string()),
            outcome: Outcome::Success,
            detail: json!({ "from": MFA_TOTP, "to": MFA_SMS }),
        },
    )
    .await?;
    txn.commit().await?;
    auth::end_others(
        &ctx.state,
        user.user.id,
        Some(&user.session_key),
        "factor_changed",
        now,
    )
    .await?;
    Ok(ctx.redirect(
        "/account/security",
        flash(FlashKind::Success, "已改用短信验证码，其他会话已退出。"),
    ))
}

/// Demo mode only: the messages the log driver kept, codes included.
#[handler]
async fn demo_sms_page(ctx: Ctx) -> Result<Response, WebError> {
    if ctx.site.core.mode != crate::RunMode::Demo {
        return Err(WebError::NotFound);
    }
    let rows = sms::recent(&ctx.state, 50)
        .await?
        .into_iter()
        .map(|(at, mobile, body)| (crate::core::clock::shanghai_minute(at), mobile, body))
        .collect::<Vec<_>>();
    Ok(ctx.public("演示短信收件箱", pages::demo_inbox(&rows)).await)
}

async fn mobile_view(
    ctx: &Ctx,
    user: &Caller,
    form: &FormState,
    status: StatusCode,
) -> Result<Response, WebError> {
    let me = account(ctx, user).await?;
    let masked = login::mobile_of(&ctx.state, &me)
        .map(|m| validate::mask_mobile(&m))
        .unwrap_or_else(|| "未登记".into());
    let body = pages::change_mobile(&ctx.csrf_token, &masked, me.mfa_method == MFA_TOTP, form);
    Ok(ctx
        .work_with_status(status, user, "更换手机号码", &crumbs("更换手机号码"), body)
        .await)
}

#[handler]
async fn mobile_page(ctx: Ctx, user: Caller) -> Result<Response, WebError> {
    mobile_view(&ctx, &user, &FormState::default(), StatusCode::OK).await
}

/// Sends a code to the new number; the form comes back with what was typed.
#[handler]
async fn mobile_new_code_post(
    ctx: Ctx,
    req: &Request,
    user: Caller,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    let mut form = form_from(&fields);
    match validate::mobile(form.value("new_mobile")) {
        Err(e) => form.add_error("new_mobile", e),
        Ok(m) => match sms::send_code(&ctx.state, Purpose::ChangeMobile, &m, &client_ip(req)).await
        {
            Ok(()) => form.message = None,
            Err(SmsError::Db(e)) => return Err(e.into()),
            Err(e) => form.add_error("new_mobile", e.to_string()),
        },
    }
    let status = if form.has_errors() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    mobile_view(&ctx, &user, &form, status).await
}

#[handler]
async fn mobile_current_code_post(
    ctx: Ctx,
    req: &Request,
    user: Caller,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    let mut form = form_from(&fields);
    if let Some(m) = login::mobile_of(&ctx.state, &account(&ctx, &user).await?) {
        match sms::send_code(&ctx.state, Purpose::ChangeFactor, &m, &client_ip(req)).await {
            Ok(()) => {}
            Err(SmsError::Db(e)) => return Err(e.into()),
            Err(e) => form.add_error("current_code", e.to_string()),
        }
    }
    let status = if form.has_errors() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    mobile_view(&ctx, &user, &form, status).await
}

/// A new mobile needs a code sent to it and the current second factor.
#[handler]
async fn mobile_post(ctx: Ctx, user: Caller, Form(fields): Fields) -> Result<Response, WebError> {
    let mut form = form_from(&fields);
    let now = ctx.state.core.clock.now();
    let new_mobile = match validate::mobile(form.value("new_mobile")) {
        Ok(m) => Some(m),
        Err(e) => {
            form.add_error("new_mobile", e);
            None
        }
    };
    let current = login::mobile_of(&ctx.state, &account(&ctx, &user).await?);
    if new_mobile.is_some() && new_mobile == current {
        form.add_error("new_mobile", "新号码与当前号码相同");
    }
    if form.value("new_code").trim().is_empty() {
        form.add_error("new_code", "请填写新号码收到的验证码");
    }
    if form.value("current_code").trim().is_empty() {
        form.add_error("current_code", "请填写当前验证方式的验证码");
    }
    if !form.has_errors() {
        let m = new_mobile.clone().expect("checked");
        if !sms::check_code(
            &ctx.state,
            &ctx.state.core.db,
            Purpose::ChangeMobile,
            &m,
            form.value("new_code"),
            now,
        )
        .await?
        {
            form.add_error("new_code", "验证码错误或已过期");
        } else if !current_factor_ok(&ctx, &user, form.value("current_code").trim()).await? {
            form.add_error("current_code", "当前验证方式的验证码错误或已过期");
        }
    }
    if form.has_errors() {
        return mobile_view(&ctx, &user, &form, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let new_mobile = new_mobile.expect("checked");
    let fields_cipher = ctx.state.keys.fields();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    let row = app_user::Entity::find_by_id(user.user.id)
        .one(&txn)
        .await?
        .ok_or(WebError::NotFound)?;
    let version = row.version;
    let mut m: app_user::ActiveModel = row.into();
    m.mobile_enc = Set(Some(fields_cipher.encrypt(&new_mobile)));
    m.mobile_index = Set(Some(fields_cipher.blind_index("mobile", &new_mobile)));
    m.version = Set(version + 1);
    m.update(&txn).await?;
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry {
            action: "mobile.change",
            object_type: Some("user"),
            object_id: Some(user.user.id.to_string()),
            outcome: Outcome::Success,
            detail: json!({ "new": validate::mask_mobile(&new_mobile) }),
        },
    )
    .await?;
    txn.commit().await?;
    auth::end_others(
        &ctx.state,
        user.user.id,
        Some(&user.session_key),
        "mobile_changed",
        now,
    )
    .await?;
    Ok(ctx.redirect(
        "/account/security",
        flash(FlashKind::Success, "手机号码已更换，其他会话已退出。"),
    ))
}
