//! Signing in: the password, then the second factor (SMS code, authenticator
//! code or a recovery code), each step under a new session id; signing out.
//! Wrong passwords and wrong codes count together; at the threshold the
//! account locks for a while. The counter is in the database, so it
//! survives restarts.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, QueryFilter};
use serde_json::json;
use techreg_entities::identity::app_user;

use super::Identity;
use super::model::{CodeForm, LoginForm, MFA_TOTP, STATUS_DISABLED};
use super::session_store::{Stage, session_key};
use super::sessions::{self, Ending};
use super::sms::{self, Purpose, SmsError};
use super::users::find_by_username;
use super::{totp, validate};
use crate::audit::{self, Actor, Entry, Outcome};
use crate::core::clock::shanghai_minute;
use crate::core::{DomainError, DomainResult, FieldErrors};
use crate::security::crypto::verify_password;
use crate::security::keys::KeyProvider;
use crate::security::rate_limit;

/// The browser signing in: where from, with what, and the session cookie
/// it sent (if any).
pub struct Visitor {
    pub ip: String,
    pub user_agent: String,
    pub sid: Option<String>,
}

enum PasswordCheck {
    Ok(Box<app_user::Model>),
    Wrong,
    Locked(DateTime<Utc>),
    Disabled,
    RateLimited,
}

/// A hash of a password nobody has, with the configured iterations, so an
/// unknown username costs the same time as a known one.
fn dummy_hash(iterations: u32) -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| crate::security::crypto::hash_password("not a password", iterations))
}

async fn rate_limited(id: &Identity, name: &str, ip: &str) -> Result<bool, DbErr> {
    let now = id.core.now();
    let per_ip = id.number("security.login_rate_per_ip", 50).await as i32;
    let window = Duration::minutes(10);
    let db = &id.core.db;
    Ok(
        !rate_limit::hit(db, &format!("login:ip:{ip}"), window, per_ip, now).await?
            || !rate_limit::hit(db, &format!("login:user:{name}"), window, 20, now).await?,
    )
}

async fn check_password(
    id: &Identity,
    username: &str,
    password: &str,
    ip: &str,
) -> Result<PasswordCheck, DbErr> {
    let now = id.core.now();
    let name = username.trim().to_ascii_lowercase();
    if rate_limited(id, &name, ip).await? {
        return Ok(PasswordCheck::RateLimited);
    }
    let Some(user) = find_by_username(&id.core.db, &name).await? else {
        verify_password(
            password,
            dummy_hash(id.core.config.security.pbkdf2_iterations),
        );
        audit::record(
            &id.core.db,
            now,
            &Actor::anonymous(Some(ip.to_owned())),
            Entry {
                action: "login.failure",
                object_type: Some("user"),
                object_id: None,
                outcome: Outcome::Failure,
                detail: json!({ "reason": "unknown_user", "username": name.chars().take(50).collect::<String>() }),
            },
        )
        .await?;
        return Ok(PasswordCheck::Wrong);
    };
    if let Some(until) = user.locked_until.filter(|u| *u > now) {
        return Ok(PasswordCheck::Locked(until));
    }
    if user.status == STATUS_DISABLED {
        return Ok(PasswordCheck::Disabled);
    }
    if verify_password(password, &user.password_hash) {
        Ok(PasswordCheck::Ok(Box::new(user)))
    } else {
        Ok(
            match record_failure(id, user, ip, "wrong_password").await? {
                Some(until) => PasswordCheck::Locked(until),
                None => PasswordCheck::Wrong,
            },
        )
    }
}

fn actor_of(user: &app_user::Model, ip: &str) -> Actor {
    Actor {
        user_id: Some(user.id),
        name: user.username.clone(),
        role: None,
        client_ip: Some(ip.to_owned()),
        on_behalf_of: None,
    }
}

/// Counts a failure; returns the lock expiry when this one locked the
/// account.
pub async fn record_failure(
    id: &Identity,
    user: app_user::Model,
    ip: &str,
    reason: &str,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    let now = id.core.now();
    let threshold = id.number("security.lockout_threshold", 5).await as i32;
    let minutes = id.number("security.lockout_minutes", 30).await;
    let txn = id.core.begin().await?;
    // An atomic increment (a row lock on PostgreSQL, the write lock on
    // SQLite), so concurrent failures all count.
    app_user::Entity::update_many()
        .col_expr(
            app_user::Column::FailedAttempts,
            Expr::col(app_user::Column::FailedAttempts).add(1),
        )
        .filter(app_user::Column::Id.eq(user.id))
        .exec(&txn)
        .await?;
    let user = app_user::Entity::find_by_id(user.id)
        .one(&txn)
        .await?
        .unwrap_or(user);
    let actor = actor_of(&user, ip);
    let attempts = user.failed_attempts;
    let locks = attempts >= threshold;
    let until = now + Duration::minutes(minutes);
    let user_id = user.id;
    if locks {
        let mut m: app_user::ActiveModel = user.into();
        m.failed_attempts = Set(0);
        m.locked_until = Set(Some(until));
        m.update(&txn).await?;
    }
    let entry = |action, outcome, detail| Entry {
        action,
        object_type: Some("user"),
        object_id: Some(user_id.to_string()),
        outcome,
        detail,
    };
    let failed = json!({ "reason": reason, "attempts": attempts });
    audit::record(
        &txn,
        now,
        &actor,
        entry("login.failure", Outcome::Failure, failed),
    )
    .await?;
    if locks {
        let locked = json!({ "until": until.to_rfc3339(), "minutes": minutes });
        audit::record(
            &txn,
            now,
            &actor,
            entry("account.locked", Outcome::Success, locked),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(locks.then_some(until))
}

/// The user's mobile in clear, for sending codes.
pub fn mobile_of(keys: &dyn KeyProvider, user: &app_user::Model) -> Option<String> {
    user.mobile_enc
        .as_deref()
        .and_then(|m| keys.fields().decrypt(m).ok())
}

/// Sends the login code when the user's factor is SMS.
async fn send_login_code(id: &Identity, user: &app_user::Model, ip: &str) -> Result<(), SmsError> {
    match mobile_of(id.keys.as_ref(), user) {
        Some(mobile) if user.mfa_method != MFA_TOTP => {
            sms::send_code(id, Purpose::Login, &mobile, ip).await
        }
        _ => Ok(()),
    }
}

/// Whether `code` is the user's current second factor: an SMS code of
/// `purpose`, or an authenticator or recovery code.
pub async fn factor_ok(
    id: &Identity,
    user: &app_user::Model,
    purpose: Purpose,
    code: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    if user.mfa_method == MFA_TOTP {
        totp::verify_login(id, user, code, now).await
    } else {
        match mobile_of(id.keys.as_ref(), user) {
            Some(mobile) => sms::check_code(id, purpose, &mobile, code, now).await,
            None => Ok(false),
        }
    }
}

/// The password accepted: the session cookie of the half-finished login,
/// and what to tell the user when the SMS code could not be sent.
pub struct PasswordAccepted {
    pub sid: String,
    pub notice: Option<String>,
}

/// The first step. A wrong password, a lock, a disabled account or too
/// many attempts are refused with the message the login form shows.
pub async fn sign_in(
    id: &Identity,
    form: &LoginForm,
    visitor: &Visitor,
) -> DomainResult<PasswordAccepted> {
    form.check().map_err(DomainError::Invalid)?;
    let refused = |m: String| Err(DomainError::Rejected(m));
    let user = match check_password(id, &form.username, &form.password, &visitor.ip).await? {
        PasswordCheck::Ok(user) => user,
        PasswordCheck::Wrong => return refused("用户名或密码错误".into()),
        PasswordCheck::Locked(until) => {
            return refused(format!(
                "连续输错次数过多，账户已锁定，请于 {} 后再试，或联系管理员解锁",
                shanghai_minute(until)
            ));
        }
        PasswordCheck::Disabled => return refused("该账户已停用，请联系管理员".into()),
        PasswordCheck::RateLimited => return refused("登录尝试过于频繁，请 10 分钟后再试".into()),
    };
    let now = id.core.now();
    let sid = sessions::start(id, visitor.sid.as_deref(), user.id, Stage::PasswordOk, now).await?;
    let notice = match send_login_code(id, &user, &visitor.ip).await {
        // A code sent a moment ago is still valid.
        Ok(()) | Err(SmsError::TooSoon) => None,
        Err(e) => Some(format!("{}。可点击“重新发送验证码”。", e.told()?)),
    };
    Ok(PasswordAccepted { sid, notice })
}

/// A login half done (password accepted), with the masked mobile the code
/// went to.
pub struct Pending {
    pub user: app_user::Model,
    pub masked_mobile: String,
}

/// The user half-way through signing in with the session `sid`, if any.
pub async fn pending(id: &Identity, sid: Option<&str>) -> DomainResult<Option<Pending>> {
    let Some(sid) = sid else {
        return Ok(None);
    };
    let Some(data) = sessions::current(id, &session_key(sid)).await? else {
        return Ok(None);
    };
    if data.stage != Stage::PasswordOk {
        return Ok(None);
    }
    // A half-finished login lasts as long as a code does, and not past a
    // change of password.
    let started = DateTime::from_timestamp(data.created_at, 0).unwrap_or_default();
    let minutes = id.number("security.sms_code_minutes", 5).await;
    if id.core.now() - started > Duration::minutes(minutes + 5) {
        return Ok(None);
    }
    let user = app_user::Entity::find_by_id(data.user_id)
        .one(&id.core.db)
        .await?
        .filter(|u| u.password_changed_at.timestamp() <= data.created_at);
    Ok(user.map(|user| Pending {
        masked_mobile: mobile_of(id.keys.as_ref(), &user)
            .map(|m| validate::mask_mobile(&m))
            .unwrap_or_default(),
        user,
    }))
}

/// The second step's outcome (a wrong code is the code field's error).
pub enum Verified {
    /// Signed in: the new session cookie.
    SignedIn { sid: String },
    /// This wrong code locked the account; the half-done login is ended.
    Locked { until: DateTime<Utc> },
}

/// The second step: the code, then a fresh session, the login recorded.
pub async fn verify(
    id: &Identity,
    user: app_user::Model,
    form: &CodeForm,
    visitor: &Visitor,
) -> DomainResult<Verified> {
    let code = form.code.trim();
    if code.is_empty() {
        return FieldErrors::one("code", "请填写验证码");
    }
    let now = id.core.now();
    if let Some(until) = user.locked_until.filter(|u| *u > now) {
        return locked(id, visitor, until).await;
    }
    const WRONG: &str = "验证码错误或已过期";
    if user.status == STATUS_DISABLED {
        return FieldErrors::one("code", WRONG);
    }
    if !factor_ok(id, &user, Purpose::Login, code, now).await? {
        return match record_failure(id, user, &visitor.ip, "wrong_code").await? {
            Some(until) => locked(id, visitor, until).await,
            None => FieldErrors::one("code", WRONG),
        };
    }
    let sid = sessions::start(
        id,
        visitor.sid.as_deref(),
        user.id,
        Stage::Authenticated,
        now,
    )
    .await?;
    let txn = id.core.begin().await?;
    let user = app_user::Entity::find_by_id(user.id)
        .one(&txn)
        .await?
        .unwrap_or(user);
    let actor = actor_of(&user, &visitor.ip);
    let mut m: app_user::ActiveModel = user.into();
    m.failed_attempts = Set(0);
    m.locked_until = Set(None);
    m.last_login_at = Set(Some(now));
    let user = m.update(&txn).await?;
    audit::record(
        &txn,
        now,
        &actor,
        Entry {
            action: "login.success",
            object_type: Some("user"),
            object_id: Some(user.id.to_string()),
            outcome: Outcome::Success,
            detail: json!({ "factor": user.mfa_method }),
        },
    )
    .await?;
    sessions::record(&txn, &sid, user.id, &visitor.ip, &visitor.user_agent, now).await?;
    txn.commit().await?;
    Ok(Verified::SignedIn { sid })
}

async fn locked(id: &Identity, visitor: &Visitor, until: DateTime<Utc>) -> DomainResult<Verified> {
    if let Some(sid) = &visitor.sid {
        sessions::end(id, &session_key(sid), "locked", id.core.now()).await?;
    }
    Ok(Verified::Locked { until })
}

/// Sends the login code again; what to tell the user when it was not sent.
pub async fn resend(
    id: &Identity,
    user: &app_user::Model,
    ip: &str,
) -> DomainResult<Option<String>> {
    match send_login_code(id, user, ip).await {
        Ok(()) => Ok(None),
        Err(e) => Ok(Some(e.told()?)),
    }
}

/// Ends the browser's session (audited when it was fully signed in).
pub async fn sign_out(id: &Identity, visitor: &Visitor) -> DomainResult<()> {
    let Some(key) = visitor.sid.as_deref().map(session_key) else {
        return Ok(());
    };
    let Some(data) = sessions::current(id, &key).await? else {
        return Ok(());
    };
    let now = id.core.now();
    let user = app_user::Entity::find_by_id(data.user_id)
        .one(&id.core.db)
        .await?;
    match user.filter(|_| data.stage == Stage::Authenticated) {
        Some(user) => {
            let actor = actor_of(&user, &visitor.ip);
            let ending = Ending {
                reason: "logout",
                actor: &actor,
                action: "logout",
                user_id: data.user_id,
            };
            sessions::end_audited(id, &key, &ending, now).await
        }
        None => sessions::end(id, &key, "logout", now).await,
    }
}
