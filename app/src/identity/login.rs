//! Password and second-factor checks with lockout: wrong passwords and wrong
//! codes count together; at the threshold the account locks for a while.
//! The counter is in the database, so it survives restarts.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, QueryFilter};
use serde_json::json;
use techreg_entities::identity::app_user;

use super::sms::{self, Purpose};
use super::totp;
use super::users::{self, MFA_TOTP, STATUS_DISABLED};
use crate::audit::{self, Actor, Entry, Outcome};
use crate::boot::AppState;
use crate::security::crypto::verify_password;
use crate::security::rate_limit;

pub enum PasswordCheck {
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

pub async fn check_password(
    state: &AppState,
    username: &str,
    password: &str,
    ip: &str,
) -> Result<PasswordCheck, DbErr> {
    let now = state.core.clock.now();
    let per_ip = state
        .settings
        .get_i64("security.login_rate_per_ip")
        .await
        .unwrap_or(50) as i32;
    let name = username.trim().to_ascii_lowercase();
    if !rate_limit::hit(
        &state.core.db,
        &format!("login:ip:{ip}"),
        Duration::minutes(10),
        per_ip,
        now,
    )
    .await?
        || !rate_limit::hit(
            &state.core.db,
            &format!("login:user:{name}"),
            Duration::minutes(10),
            20,
            now,
        )
        .await?
    {
        return Ok(PasswordCheck::RateLimited);
    }
    let Some(user) = users::find_by_username(&state.core.db, &name).await? else {
        verify_password(
            password,
            dummy_hash(state.core.config.security.pbkdf2_iterations),
        );
        audit::record(
            &state.core.db,
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
            match record_failure(state, user, ip, "wrong_password").await? {
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
    state: &AppState,
    user: app_user::Model,
    ip: &str,
    reason: &str,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    let now = state.core.clock.now();
    let threshold = state
        .settings
        .get_i64("security.lockout_threshold")
        .await
        .unwrap_or(5) as i32;
    let minutes = state
        .settings
        .get_i64("security.lockout_minutes")
        .await
        .unwrap_or(30);
    let txn = crate::core::db::begin(&state.core.db).await?;
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
    let id = user.id;
    if locks {
        let mut m: app_user::ActiveModel = user.into();
        m.failed_attempts = Set(0);
        m.locked_until = Set(Some(until));
        m.update(&txn).await?;
    }
    audit::record(
        &txn,
        now,
        &actor,
        Entry {
            action: "login.failure",
            object_type: Some("user"),
            object_id: Some(id.to_string()),
            outcome: Outcome::Failure,
            detail: json!({ "reason": reason, "attempts": attempts }),
        },
    )
    .await?;
    if locks {
        audit::record(
            &txn,
            now,
            &actor,
            Entry {
                action: "account.locked",
                object_type: Some("user"),
                object_id: Some(id.to_string()),
                outcome: Outcome::Success,
                detail: json!({ "until": until.to_rfc3339(), "minutes": minutes }),
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(locks.then_some(until))
}

/// The user's mobile in clear, for sending codes.
pub fn mobile_of(state: &AppState, user: &app_user::Model) -> Option<String> {
    user.mobile_enc
        .as_deref()
        .and_then(|m| state.keys.fields().decrypt(m).ok())
}

/// Sends the login code when the user's factor is SMS.
pub async fn send_login_code(
    state: &AppState,
    user: &app_user::Model,
    ip: &str,
) -> Result<(), sms::SmsError> {
    match mobile_of(state, user) {
        Some(mobile) if user.mfa_method != MFA_TOTP => {
            sms::send_code(state, Purpose::Login, &mobile, ip).await
        }
        _ => Ok(()),
    }
}

pub enum FactorCheck {
    Ok(Box<app_user::Model>),
    Wrong,
    Locked(DateTime<Utc>),
}

/// Checks the second factor (SMS code, authenticator code or a recovery
/// code) and, when right, finishes the login bookkeeping.
pub async fn check_second_factor(
    state: &AppState,
    user: app_user::Model,
    code: &str,
    ip: &str,
) -> Result<FactorCheck, DbErr> {
    let now = state.core.clock.now();
    if let Some(until) = user.locked_until.filter(|u| *u > now) {
        return Ok(FactorCheck::Locked(until));
    }
    if user.status == STATUS_DISABLED {
        return Ok(FactorCheck::Wrong);
    }
    let code = code.trim();
    let ok = if user.mfa_method == MFA_TOTP {
        totp::verify_login(state, &user, code, now).await?
    } else {
        match mobile_of(state, &user) {
            Some(mobile) => {
                sms::check_code(state, &state.core.db, Purpose::Login, &mobile, code, now).await?
            }
            None => false,
        }
    };
    if !ok {
        return Ok(match record_failure(state, user, ip, "wrong_code").await? {
            Some(until) => FactorCheck::Locked(until),
            None => FactorCheck::Wrong,
        });
    }
    let txn = crate::core::db::begin(&state.core.db).await?;
    let user = app_user::Entity::find_by_id(user.id)
        .one(&txn)
        .await?
        .unwrap_or(user);
    let actor = actor_of(&user, ip);
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
    txn.commit().await?;
    Ok(FactorCheck::Ok(Box::new(user)))
}
