//! Signed-in sessions: starting them (with a new session id), recording
//! them so they can be listed and ended, ending them, and turning a
//! session into its `Caller` (`authenticate`, which the web floor's
//! authenticator asks on every signed-in request).

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter,
};
use techreg_entities::identity::{app_user, user_session};

use super::Identity;
use super::model::STATUS_DISABLED;
use super::roles::{Tampered, load_grants};
use super::session_store::{SessionData, Stage, session_key};
use crate::audit::{self, Actor, Entry, Outcome};
use crate::core::{Caller, CallerUser, DomainError, DomainResult};

/// Pages a user with an expired or one-time password may still open.
const PASSWORD_CHANGE_PATHS: &[&str] = &["/account/password", "/logout"];

/// Requests the page makes by itself (the badge polling every minute): they
/// need a signed-in user but are not activity, so an unattended page still
/// reaches the idle timeout.
const PASSIVE_PATHS: &[&str] = &["/messages/badge", "/review/contracts/badge"];

pub fn new_session_id() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Stores a session under a fresh id and returns the cookie value. The old
/// session (if any) is dropped: a new id at every step of signing in.
pub async fn start(
    id: &Identity,
    old_cookie: Option<&str>,
    user_id: i64,
    stage: Stage,
    now: DateTime<Utc>,
) -> DomainResult<String> {
    if let Some(old) = old_cookie {
        id.sessions.delete(&session_key(old)).await?;
    }
    let sid = new_session_id();
    let data = SessionData {
        user_id,
        stage,
        created_at: now.timestamp(),
        last_seen_at: now.timestamp(),
        pending_totp: None,
    };
    id.sessions.put(&session_key(&sid), &data).await?;
    Ok(sid)
}

/// Records a fully signed-in session so it can be listed and ended.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    sid: &str,
    user_id: i64,
    ip: &str,
    user_agent: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    user_session::ActiveModel {
        id: Set(session_key(sid)),
        user_id: Set(user_id),
        ip: Set(ip.chars().take(45).collect()),
        user_agent: Set(user_agent.chars().take(300).collect()),
        created_at: Set(now),
        last_seen_at: Set(now),
        ended_at: Set(None),
        end_reason: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The session stored under `key`, if any.
pub async fn current(id: &Identity, key: &str) -> DomainResult<Option<SessionData>> {
    Ok(id.sessions.get(key).await?)
}

/// Marks the listed record of a session ended, if it is still open.
async fn close<C: ConnectionTrait>(
    db: &C,
    key: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let row = user_session::Entity::find_by_id(key.to_owned())
        .one(db)
        .await?;
    if let Some(row) = row.filter(|r| r.ended_at.is_none()) {
        let mut m: user_session::ActiveModel = row.into();
        m.ended_at = Set(Some(now));
        m.end_reason = Set(Some(reason.to_owned()));
        m.update(db).await?;
    }
    Ok(())
}

/// Ends a session everywhere: the store entry and the listed record.
pub async fn end(id: &Identity, key: &str, reason: &str, now: DateTime<Utc>) -> DomainResult<()> {
    id.sessions.delete(key).await?;
    close(&id.core.db, key, reason, now).await?;
    Ok(())
}

/// What ending a session on someone's request records.
pub struct Ending<'a> {
    pub reason: &'a str,
    pub actor: &'a Actor,
    pub action: &'a str,
    /// The user whose session it is.
    pub user_id: i64,
}

/// Ends a session and writes its audit row in the same transaction; the
/// store entry goes right after.
pub async fn end_audited(
    id: &Identity,
    key: &str,
    ending: &Ending<'_>,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let txn = id.core.begin().await?;
    close(&txn, key, ending.reason, now).await?;
    audit::record(
        &txn,
        now,
        ending.actor,
        Entry {
            action: ending.action,
            object_type: Some("user"),
            object_id: Some(ending.user_id.to_string()),
            outcome: Outcome::Success,
            detail: serde_json::json!({ "reason": ending.reason }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(id.sessions.delete(key).await?)
}

/// Ends every open session of a user except `keep` (after a password,
/// mobile or factor change, a reset or a lock).
pub async fn end_others(
    id: &Identity,
    user_id: i64,
    keep: Option<&str>,
    reason: &str,
    now: DateTime<Utc>,
) -> DomainResult<u64> {
    let open = user_session::Entity::find()
        .filter(user_session::Column::UserId.eq(user_id))
        .filter(user_session::Column::EndedAt.is_null())
        .all(&id.core.db)
        .await?;
    let mut ended = 0;
    for s in open.into_iter().filter(|s| Some(s.id.as_str()) != keep) {
        end(id, &s.id, reason, now).await?;
        ended += 1;
    }
    Ok(ended)
}

/// How the session behind a request stands.
pub enum Authenticated {
    Caller(Box<Caller>),
    /// Not signed in, or the session ended (`timed_out` when by a limit).
    SignedOut {
        timed_out: bool,
    },
    /// A one-time or expired password must be changed first.
    PasswordChange,
}

/// A request as the authenticator sees it.
pub struct Arrival<'a> {
    /// The store key of the browser's session cookie, if it sent one.
    pub key: Option<String>,
    pub path: &'a str,
    pub client_ip: String,
}

/// Resolves a request's session into its caller: the idle and absolute
/// limits, a session ended elsewhere, a disabled account, the grants'
/// integrity tags (a failure is audited and forbidden), and a password
/// that must be changed first. Activity moves the idle limit on.
pub async fn authenticate(id: &Identity, req: Arrival<'_>) -> DomainResult<Authenticated> {
    let out = |timed_out| Ok(Authenticated::SignedOut { timed_out });
    let Some(key) = req.key else {
        return out(false);
    };
    let Some(mut data) = current(id, &key).await? else {
        return out(false);
    };
    if data.stage != Stage::Authenticated {
        return out(false);
    }
    let now = id.core.now();
    if let Some(reason) = past_a_limit(id, &data, now).await {
        end(id, &key, reason, now).await?;
        return out(true);
    }
    let record = user_session::Entity::find_by_id(key.clone())
        .one(&id.core.db)
        .await?;
    let Some(record) = record.filter(|r| r.ended_at.is_none()) else {
        // Ended elsewhere (forced logout, another node).
        let _ = id.sessions.delete(&key).await;
        return out(false);
    };
    let user = app_user::Entity::find_by_id(data.user_id)
        .one(&id.core.db)
        .await?;
    let Some(user) = user.filter(|u| u.status != STATUS_DISABLED) else {
        end(id, &key, "disabled", now).await?;
        return out(false);
    };
    let (grants, tampered) = load_grants(&id.core.db, id.keys.as_ref(), user.id).await?;
    if !tampered.is_empty() {
        return Err(refuse_tampered(id, &user, &req.client_ip, &tampered, now).await);
    }
    if !PASSIVE_PATHS.contains(&req.path) {
        data.last_seen_at = now.timestamp();
        id.sessions.put(&key, &data).await?;
        if now - record.last_seen_at > Duration::seconds(60) {
            let mut m: user_session::ActiveModel = record.into();
            m.last_seen_at = Set(now);
            m.update(&id.core.db).await?;
        }
    }
    let max_age = id.number("security.password_max_age_days", 90).await;
    let expired = now - user.password_changed_at > Duration::days(max_age);
    if (user.must_change_password || expired) && !PASSWORD_CHANGE_PATHS.contains(&req.path) {
        return Ok(Authenticated::PasswordChange);
    }
    Ok(Authenticated::Caller(Box::new(Caller {
        user: CallerUser::from(&user),
        grants,
        session_key: key,
        client_ip: req.client_ip,
        acting_for: None,
    })))
}

/// The limit a session is past (idle, then absolute), if any.
async fn past_a_limit(
    id: &Identity,
    data: &SessionData,
    now: DateTime<Utc>,
) -> Option<&'static str> {
    let idle = id.number("security.session_idle_minutes", 30).await;
    let absolute = id.number("security.session_absolute_hours", 12).await;
    let last_seen = DateTime::from_timestamp(data.last_seen_at, 0).unwrap_or(now);
    let created = DateTime::from_timestamp(data.created_at, 0).unwrap_or(now);
    if now - last_seen > Duration::minutes(idle) {
        Some("idle_timeout")
    } else if now - created > Duration::hours(absolute) {
        Some("absolute_timeout")
    } else {
        None
    }
}

/// Audits grant rows that fail their tags and answers forbidden.
async fn refuse_tampered(
    id: &Identity,
    user: &app_user::Model,
    ip: &str,
    tampered: &[Tampered],
    now: DateTime<Utc>,
) -> DomainError {
    let actor = Actor {
        user_id: Some(user.id),
        name: user.username.clone(),
        role: None,
        client_ip: Some(ip.to_owned()),
        on_behalf_of: None,
    };
    let detail = serde_json::json!({
        "rows": tampered.iter().map(|t| format!("{}#{}", t.table, t.id)).collect::<Vec<_>>()
    });
    let recorded = audit::record(
        &id.core.db,
        now,
        &actor,
        Entry {
            action: "security.grant_tampered",
            object_type: Some("user"),
            object_id: Some(user.id.to_string()),
            outcome: Outcome::Denied,
            detail,
        },
    )
    .await;
    if let Err(e) = recorded {
        return e.into();
    }
    tracing::error!(user = user.id, ?tampered, "grant integrity check failed");
    DomainError::Forbidden("grant integrity")
}
