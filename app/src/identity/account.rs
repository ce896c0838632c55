//! The signed-in user's own account: the account row read afresh for each
//! page, the password, the sessions, the second factor (SMS or an
//! authenticator app) and the mobile. A wrong code or password here counts
//! towards the lock like one at login; a change ends the other sessions.

use chrono::Duration;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::json;
use techreg_entities::identity::{app_user, user_session};

use super::Identity;
use super::login::{factor_ok, mobile_of, record_failure};
use super::model::{
    CodeForm, MFA_SMS, MFA_TOTP, MobileForm, PasswordForm, SessionForm, Signed, TotpForm,
};
use super::sessions::{self, Ending};
use super::sms::{self, Purpose};
use super::totp;
use super::users::{reused, set_password};
use super::validate::{self, PasswordPolicy};
use crate::audit::{self, Entry, Outcome};
use crate::core::{Caller, DomainError, DomainResult, FieldErrors};
use crate::security::crypto::verify_password;

/// The caller's account row, read afresh, with the mobile in clear.
pub struct Account {
    pub user: app_user::Model,
    pub mobile: Option<String>,
}

/// The caller's own account; signed out when the row is gone.
pub async fn account(id: &Identity, caller: &Caller) -> DomainResult<Signed<Account>> {
    let user = app_user::Entity::find_by_id(caller.user.id)
        .one(&id.core.db)
        .await?;
    Ok(match user {
        Some(user) => Signed::In(Account {
            mobile: mobile_of(id.keys.as_ref(), &user),
            user,
        }),
        None => Signed::Out,
    })
}

/// A wrong code or password inside a signed-in session counts towards the
/// lock like one at login; the lock ends every session of the account.
async fn count_failure(id: &Identity, caller: &Caller, reason: &str) -> DomainResult<Signed<()>> {
    let Signed::In(me) = account(id, caller).await? else {
        return Ok(Signed::Out);
    };
    if record_failure(id, me.user, &caller.client_ip, reason)
        .await?
        .is_some()
    {
        sessions::end_others(id, caller.user.id, None, "locked", id.core.now()).await?;
        return Ok(Signed::Out);
    }
    Ok(Signed::In(()))
}

/// Checks the current factor for a change of factor or mobile: an SMS
/// code (purpose change_factor) or the authenticator. A wrong one counts.
async fn current_factor_ok(
    id: &Identity,
    caller: &Caller,
    code: &str,
) -> DomainResult<Signed<bool>> {
    let Signed::In(me) = account(id, caller).await? else {
        return Ok(Signed::Out);
    };
    let ok = factor_ok(id, &me.user, Purpose::ChangeFactor, code, id.core.now()).await?;
    if !ok && count_failure(id, caller, "wrong_code").await? == Signed::Out {
        return Ok(Signed::Out);
    }
    Ok(Signed::In(ok))
}

/// What the password page shows: the policy's length, and whether the
/// change is forced (one-time or expired password).
pub struct PasswordRules {
    pub min_length: i64,
    pub forced: bool,
}

pub async fn password_rules(id: &Identity, caller: &Caller) -> DomainResult<Signed<PasswordRules>> {
    let Signed::In(Account { user: me, .. }) = account(id, caller).await? else {
        return Ok(Signed::Out);
    };
    let min_length = id.number("security.password_min_length", 8).await;
    let max_age = id.number("security.password_max_age_days", 90).await;
    let forced =
        me.must_change_password || id.core.now() - me.password_changed_at > Duration::days(max_age);
    Ok(Signed::In(PasswordRules { min_length, forced }))
}

/// Changes the caller's password: the current one, the policy, the
/// history; then the other sessions end.
pub async fn change_password(
    id: &Identity,
    caller: &Caller,
    form: &PasswordForm,
) -> DomainResult<Signed<()>> {
    let Signed::In(Account { user: me, .. }) = account(id, caller).await? else {
        return Ok(Signed::Out);
    };
    let mut errors = FieldErrors::new();
    if !verify_password(&form.current_password, &me.password_hash) {
        errors.add("current_password", "当前密码不正确");
        if count_failure(id, caller, "wrong_password").await? == Signed::Out {
            return Ok(Signed::Out);
        }
    }
    let min_length = id.number("security.password_min_length", 8).await as usize;
    if let Err(found) = form.check(&PasswordPolicy { min_length }, &caller.user.username) {
        for (field, message) in found.iter() {
            errors.add(field, message);
        }
    }
    let history = id.number("security.password_history", 5).await as u64;
    if errors.is_empty() && reused(&id.core.db, caller.user.id, &form.new_password, history).await?
    {
        errors.add(
            "new_password",
            format!("新密码不能与最近 {history} 次使用过的密码相同"),
        );
    }
    if !errors.is_empty() {
        return Err(DomainError::Invalid(errors));
    }
    let now = id.core.now();
    let txn = id.core.begin().await?;
    let current = app_user::Entity::find_by_id(caller.user.id)
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound)?;
    if current.version != me.version {
        return Err(DomainError::Conflict(
            "密码已在其他页面修改，请刷新后重试。".into(),
        ));
    }
    let iterations = id.core.config.security.pbkdf2_iterations;
    set_password(&txn, current, &form.new_password, iterations, false, now).await?;
    audit::record(
        &txn,
        now,
        &caller.actor(),
        Entry {
            action: "password.change",
            object_type: Some("user"),
            object_id: Some(caller.user.id.to_string()),
            outcome: Outcome::Success,
            detail: json!({ "was_forced": me.must_change_password }),
        },
    )
    .await?;
    txn.commit().await?;
    let keep = Some(caller.session_key.as_str());
    sessions::end_others(id, caller.user.id, keep, "password_changed", now).await?;
    Ok(Signed::In(()))
}

/// The caller's open sessions, most recently active first.
pub async fn my_sessions(id: &Identity, caller: &Caller) -> DomainResult<Vec<user_session::Model>> {
    Ok(user_session::Entity::find()
        .filter(user_session::Column::UserId.eq(caller.user.id))
        .filter(user_session::Column::EndedAt.is_null())
        .order_by_desc(user_session::Column::LastSeenAt)
        .all(&id.core.db)
        .await?)
}

/// Ends one of the caller's own sessions (not found for anyone else's).
async fn end_own(id: &Identity, caller: &Caller, key: &str) -> DomainResult<()> {
    let row = user_session::Entity::find_by_id(key.to_owned())
        .one(&id.core.db)
        .await?;
    match row {
        Some(r) if r.user_id == caller.user.id => {
            let actor = caller.actor();
            let ending = Ending {
                reason: "ended_by_user",
                actor: &actor,
                action: "session.end_own",
                user_id: caller.user.id,
            };
            sessions::end_audited(id, key, &ending, id.core.now()).await
        }
        _ => Err(DomainError::NotFound),
    }
}

pub async fn end_session(id: &Identity, caller: &Caller, form: &SessionForm) -> DomainResult<()> {
    end_own(id, caller, &form.session).await
}

pub async fn end_other_sessions(id: &Identity, caller: &Caller) -> DomainResult<()> {
    let others = user_session::Entity::find()
        .filter(user_session::Column::UserId.eq(caller.user.id))
        .filter(user_session::Column::EndedAt.is_null())
        .filter(user_session::Column::Id.ne(caller.session_key.clone()))
        .all(&id.core.db)
        .await?;
    for s in others {
        end_own(id, caller, &s.id).await?;
    }
    Ok(())
}

/// The outcome of asking for a code to the current mobile.
pub enum CodeSent {
    Sent,
    NoMobile,
    /// Not sent; the reason for the user.
    Refused(String),
}

/// Sends a code to the caller's mobile to confirm a change of factor.
pub async fn send_factor_code(id: &Identity, caller: &Caller) -> DomainResult<Signed<CodeSent>> {
    let Signed::In(me) = account(id, caller).await? else {
        return Ok(Signed::Out);
    };
    let Some(mobile) = me.mobile else {
        return Ok(Signed::In(CodeSent::NoMobile));
    };
    Ok(Signed::In(
        match sms::send_code(id, Purpose::ChangeFactor, &mobile, &caller.client_ip).await {
            Ok(()) => CodeSent::Sent,
            Err(e) => CodeSent::Refused(e.told()?),
        },
    ))
}

/// The authenticator secret being enrolled in this session, if any
/// (kept SM4-encrypted in the session).
pub async fn pending_totp(id: &Identity, caller: &Caller) -> DomainResult<Option<Vec<u8>>> {
    let data = sessions::current(id, &caller.session_key).await?;
    Ok(data
        .and_then(|d| d.pending_totp)
        .and_then(|enc| id.keys.fields().decrypt(&enc).ok())
        .and_then(|h| hex::decode(h).ok()))
}

/// Starts enrolling an authenticator app: a new secret in the session.
pub async fn start_totp(id: &Identity, caller: &Caller) -> DomainResult<Signed<()>> {
    let Some(mut data) = sessions::current(id, &caller.session_key).await? else {
        return Ok(Signed::Out);
    };
    let secret = totp::new_secret();
    data.pending_totp = Some(id.keys.fields().encrypt(&hex::encode(&secret)));
    id.sessions.put(&caller.session_key, &data).await?;
    Ok(Signed::In(()))
}

/// Enabling an authenticator app: not started, or done with the recovery
/// codes to show once.
pub enum TotpEnabled {
    NotStarted,
    Enabled(Vec<String>),
}

/// Switches to the authenticator being enrolled: its code and the current
/// factor's code must both be right.
pub async fn confirm_totp(
    id: &Identity,
    caller: &Caller,
    form: &TotpForm,
) -> DomainResult<Signed<TotpEnabled>> {
    let Some(secret) = pending_totp(id, caller).await? else {
        return Ok(Signed::In(TotpEnabled::NotStarted));
    };
    let now = id.core.now();
    let mut errors = FieldErrors::new();
    let step = totp::step_of(&secret, form.totp_code.trim(), now);
    if step.is_none() {
        errors.add("totp_code", "验证器应用的验证码不正确");
    }
    let code = form.code.trim();
    if code.is_empty() {
        errors.add("code", "请填写当前验证方式的验证码");
    } else if errors.is_empty() {
        match current_factor_ok(id, caller, code).await? {
            Signed::Out => return Ok(Signed::Out),
            Signed::In(false) => errors.add("code", "当前验证方式的验证码错误或已过期"),
            Signed::In(true) => {}
        }
    }
    if !errors.is_empty() {
        return Err(DomainError::Invalid(errors));
    }
    let txn = id.core.begin().await?;
    let current = app_user::Entity::find_by_id(caller.user.id)
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound)?;
    let version = current.version;
    let from = current.mfa_method.clone();
    let mut m: app_user::ActiveModel = current.into();
    m.mfa_method = Set(MFA_TOTP.into());
    m.totp_secret_enc = Set(Some(id.keys.fields().encrypt(&hex::encode(&secret))));
    m.totp_last_step = Set(step);
    m.version = Set(version + 1);
    m.update(&txn).await?;
    let codes = totp::new_recovery_codes(&txn, id, caller.user.id).await?;
    record_factor_change(&txn, caller, now, &from, MFA_TOTP).await?;
    txn.commit().await?;
    let keep = Some(caller.session_key.as_str());
    sessions::end_others(id, caller.user.id, keep, "factor_changed", now).await?;
    if let Some(mut data) = sessions::current(id, &caller.session_key).await? {
        data.pending_totp = None;
        id.sessions.put(&caller.session_key, &data).await?;
    }
    Ok(Signed::In(TotpEnabled::Enabled(codes)))
}

async fn record_factor_change(
    txn: &sea_orm::DatabaseTransaction,
    caller: &Caller,
    now: chrono::DateTime<chrono::Utc>,
    from: &str,
    to: &str,
) -> Result<(), sea_orm::DbErr> {
    audit::record(
        txn,
        now,
        &caller.actor(),
        Entry {
            action: "mfa.change",
            object_type: Some("user"),
            object_id: Some(caller.user.id.to_string()),
            outcome: Outcome::Success,
            detail: json!({ "from": from, "to": to }),
        },
    )
    .await
}

/// Switches back from the authenticator to SMS codes (the authenticator's
/// code confirms). `false` when the factor is SMS already.
pub async fn use_sms(
    id: &Identity,
    caller: &Caller,
    form: &CodeForm,
) -> DomainResult<Signed<bool>> {
    let Signed::In(me) = account(id, caller).await? else {
        return Ok(Signed::Out);
    };
    if me.user.mfa_method != MFA_TOTP {
        return Ok(Signed::In(false));
    }
    match current_factor_ok(id, caller, form.code.trim()).await? {
        Signed::Out => return Ok(Signed::Out),
        Signed::In(false) => return FieldErrors::one("code", "验证码不正确"),
        Signed::In(true) => {}
    }
    let now = id.core.now();
    let txn = id.core.begin().await?;
    let current = app_user::Entity::find_by_id(caller.user.id)
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound)?;
    let version = current.version;
    let mut m: app_user::ActiveModel = current.into();
    m.mfa_method = Set(MFA_SMS.into());
    m.totp_secret_enc = Set(None);
    m.totp_last_step = Set(None);
    m.version = Set(version + 1);
    m.update(&txn).await?;
    record_factor_change(&txn, caller, now, MFA_TOTP, MFA_SMS).await?;
    txn.commit().await?;
    let keep = Some(caller.session_key.as_str());
    sessions::end_others(id, caller.user.id, keep, "factor_changed", now).await?;
    Ok(Signed::In(true))
}

/// Sends a code to the new number typed in.
pub async fn send_new_mobile_code(
    id: &Identity,
    caller: &Caller,
    form: &MobileForm,
) -> DomainResult<()> {
    let mobile = match validate::mobile(&form.new_mobile) {
        Ok(m) => m,
        Err(e) => return FieldErrors::one("new_mobile", e),
    };
    match sms::send_code(id, Purpose::ChangeMobile, &mobile, &caller.client_ip).await {
        Ok(()) => Ok(()),
        Err(e) => FieldErrors::one("new_mobile", e.told()?),
    }
}

/// Sends a code to the current number (to confirm the change).
pub async fn send_current_mobile_code(id: &Identity, caller: &Caller) -> DomainResult<Signed<()>> {
    let Signed::In(me) = account(id, caller).await? else {
        return Ok(Signed::Out);
    };
    if let Some(mobile) = me.mobile
        && let Err(e) = sms::send_code(id, Purpose::ChangeFactor, &mobile, &caller.client_ip).await
    {
        return FieldErrors::one("current_code", e.told()?);
    }
    Ok(Signed::In(()))
}

/// A new mobile needs a code sent to it and the current second factor.
pub async fn change_mobile(
    id: &Identity,
    caller: &Caller,
    form: &MobileForm,
) -> DomainResult<Signed<()>> {
    let now = id.core.now();
    let mut errors = FieldErrors::new();
    let new_mobile = validate::mobile(&form.new_mobile)
        .map_err(|e| errors.add("new_mobile", e))
        .ok();
    let Signed::In(Account {
        mobile: current, ..
    }) = account(id, caller).await?
    else {
        return Ok(Signed::Out);
    };
    if new_mobile.is_some() && new_mobile == current {
        errors.add("new_mobile", "新号码与当前号码相同");
    }
    if form.new_code.trim().is_empty() {
        errors.add("new_code", "请填写新号码收到的验证码");
    }
    if form.current_code.trim().is_empty() {
        errors.add("current_code", "请填写当前验证方式的验证码");
    }
    if let Some(m) = new_mobile.as_deref().filter(|_| errors.is_empty()) {
        if !sms::check_code(id, Purpose::ChangeMobile, m, &form.new_code, now).await? {
            errors.add("new_code", "验证码错误或已过期");
        } else {
            match current_factor_ok(id, caller, form.current_code.trim()).await? {
                Signed::Out => return Ok(Signed::Out),
                Signed::In(false) => errors.add("current_code", "当前验证方式的验证码错误或已过期"),
                Signed::In(true) => {}
            }
        }
    }
    let Some(new_mobile) = new_mobile.filter(|_| errors.is_empty()) else {
        return Err(DomainError::Invalid(errors));
    };
    let fields = id.keys.fields();
    let txn = id.core.begin().await?;
    let row = app_user::Entity::find_by_id(caller.user.id)
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound)?;
    let version = row.version;
    let mut m: app_user::ActiveModel = row.into();
    m.mobile_enc = Set(Some(fields.encrypt(&new_mobile)));
    m.mobile_index = Set(Some(fields.blind_index("mobile", &new_mobile)));
    m.version = Set(version + 1);
    m.update(&txn).await?;
    audit::record(
        &txn,
        now,
        &caller.actor(),
        Entry {
            action: "mobile.change",
            object_type: Some("user"),
            object_id: Some(caller.user.id.to_string()),
            outcome: Outcome::Success,
            detail: json!({ "new": validate::mask_mobile(&new_mobile) }),
        },
    )
    .await?;
    txn.commit().await?;
    let keep = Some(caller.session_key.as_str());
    sessions::end_others(id, caller.user.id, keep, "mobile_changed", now).await?;
    Ok(Signed::In(()))
}
