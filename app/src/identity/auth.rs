//! Signed-in sessions: starting them (with a new session id), ending them,
//! and the authenticator that turns a request into its `Caller`.

use chrono::{DateTime, Duration, Utc};
use poem::Request;
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use techreg_entities::identity::{app_user, user_session};

use super::roles::load_grants;
use super::session_store::{SessionData, Stage, session_key};
use super::users::STATUS_DISABLED;
use crate::audit::{self, Actor, Entry, Outcome};
use crate::boot::AppState;
use crate::core::{Caller, CallerUser};
use crate::web::WebError;
use crate::web::auth::Authenticator;
use crate::web::client_ip::ClientIp;
use crate::web::middleware::SessionId;

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

pub fn client_ip(req: &Request) -> String {
    req.extensions()
        .get::<ClientIp>()
        .map(|c| c.0.to_string())
        .unwrap_or_default()
}

/// Stores a session under a fresh id and returns the cookie value. The old
/// session (if any) is dropped: a new id at every step of signing in.
pub async fn start(
    state: &AppState,
    old_cookie: Option<&str>,
    user_id: i64,
    stage: Stage,
    now: DateTime<Utc>,
) -> Result<String, WebError> {
    if let Some(old) = old_cookie {
        state
            .sessions
            .delete(&session_key(old))
            .await
            .map_err(|e| WebError::Unavailable(e.to_string()))?;
    }
    let sid = new_session_id();
    let data = SessionData {
        user_id,
        stage,
        created_at: now.timestamp(),
        last_seen_at: now.timestamp(),
        pending_totp: None,
    };
    state
        .sessions
        .put(&session_key(&sid), &data)
        .await
        .map_err(|e| WebError::Unavailable(e.to_string()))?;
    Ok(sid)
}

/// Records a fully signed-in session so it can be listed and ended.
pub async fn record(
    state: &AppState,
    sid: &str,
    user_id: i64,
    ip: &str,
    user_agent: &str,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
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
    .insert(&state.core.db)
    .await?;
    Ok(())
}

/// Ends a session everywhere: the store entry and the listed record.
pub async fn end(
    state: &AppState,
    key: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), WebError> {
    state
        .sessions
        .delete(key)
        .await
        .map_err(|e| WebError::Unavailable(e.to_string()))?;
    let row = user_session::Entity::find_by_id(key.to_owned())
        .one(&state.core.db)
        .await?;
    if let Some(row) = row.filter(|r| r.ended_at.is_none()) {
        let mut m: user_session::ActiveModel = row.into();
        m.ended_at = Set(Some(now));
        m.end_reason = Set(Some(reason.to_owned()));
        m.update(&state.core.db).await?;
    }
    Ok(())
}

/// Ends a session and writes its audit row in the same transaction; the
/// store entry goes right after.
pub async fn end_audited(
    state: &AppState,
    key: &str,
    reason: &str,
    now: DateTime<Utc>,
    actor: &crate::audit::Actor,
    action: &str,
    user_id: i64,
) -> Result<(), WebError> {
    let txn = crate::core::db::begin(&state.core.db).await?;
    let row = user_session::Entity::find_by_id(key.to_owned())
        .one(&txn)
        .await?;
    if let Some(row) = row.filter(|r| r.ended_at.is_none()) {
        let mut m: user_session::ActiveModel = row.into();
        m.ended_at = Set(Some(now));
        m.end_reason = Set(Some(reason.to_owned()));
        m.update(&txn).await?;
    }
    crate::audit::record(
        &txn,
        now,
        actor,
        crate::audit::Entry {
            action,
            object_type: Some("user"),
            object_id: Some(user_id.to_string()),
            outcome: crate::audit::Outcome::Success,
            detail: serde_json::json!({ "reason": reason }),
        },
    )
    .await?;
    txn.commit().await?;
    state
        .sessions
        .delete(key)
        .await
        .map_err(|e| WebError::Unavailable(e.to_string()))
}

/// Ends every open session of a user except `keep` (after a password,
/// mobile or factor change, a reset or a lock).
pub async fn end_others(
    state: &AppState,
    user_id: i64,
    keep: Option<&str>,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<u64, WebError> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let open = user_session::Entity::find()
        .filter(user_session::Column::UserId.eq(user_id))
        .filter(user_session::Column::EndedAt.is_null())
        .all(&state.core.db)
        .await?;
    let mut ended = 0;
    for s in open.into_iter().filter(|s| Some(s.id.as_str()) != keep) {
        end(state, &s.id, reason, now).await?;
        ended += 1;
    }
    Ok(ended)
}

/// The session data behind the browser's cookie, if any.
pub async fn current(
    state: &AppState,
    req: &Request,
) -> Result<Option<(String, SessionData)>, WebError> {
    let Some(session) = req.extensions().get::<SessionId>() else {
        return Ok(None);
    };
    if session.is_new {
        return Ok(None);
    }
    let key = session_key(&session.id);
    let data = state
        .sessions
        .get(&key)
        .await
        .map_err(|e| WebError::Unavailable(e.to_string()))?;
    Ok(data.map(|d| (key, d)))
}

fn login_required(timed_out: bool) -> WebError {
    WebError::LoginRequired { timed_out }
}

/// Resolves the browser's session into its caller for every signed-in
/// page (`web::auth::Authenticator`).
pub struct SessionAuthenticator(pub std::sync::Arc<AppState>);

#[async_trait::async_trait]
impl Authenticator for SessionAuthenticator {
    async fn caller(&self, req: &Request) -> Result<Caller, WebError> {
        let state = &self.0;
        let Some((key, mut data)) = current(state, req).await? else {
            return Err(login_required(false));
        };
        if data.stage != Stage::Authenticated {
            return Err(login_required(false));
        }
        let now = state.core.clock.now();
        let idle = state
            .settings
            .get_i64("security.session_idle_minutes")
            .await
            .unwrap_or(30);
        let absolute = state
            .settings
            .get_i64("security.session_absolute_hours")
            .await
            .unwrap_or(12);
        let last_seen = DateTime::from_timestamp(data.last_seen_at, 0).unwrap_or(now);
        let created = DateTime::from_timestamp(data.created_at, 0).unwrap_or(now);
        if now - last_seen > Duration::minutes(idle) {
            end(state, &key, "idle_timeout", now).await?;
            return Err(login_required(true));
        }
        if now - created > Duration::hours(absolute) {
            end(state, &key, "absolute_timeout", now).await?;
            return Err(login_required(true));
        }
        let record = user_session::Entity::find_by_id(key.clone())
            .one(&state.core.db)
            .await
            .map_err(WebError::from)?;
        let Some(record) = record.filter(|r| r.ended_at.is_none()) else {
            // Ended elsewhere (forced logout, another node).
            let _ = state.sessions.delete(&key).await;
            return Err(login_required(false));
        };
        let user = app_user::Entity::find_by_id(data.user_id)
            .one(&state.core.db)
            .await
            .map_err(WebError::from)?;
        let Some(user) = user.filter(|u| u.status != STATUS_DISABLED) else {
            end(state, &key, "disabled", now).await?;
            return Err(login_required(false));
        };
        let ip = client_ip(req);
        let (grants, tampered) = load_grants(&state.core.db, state.keys.as_ref(), user.id)
            .await
            .map_err(WebError::from)?;
        if !tampered.is_empty() {
            let actor = Actor {
                user_id: Some(user.id),
                name: user.username.clone(),
                role: None,
                client_ip: Some(ip.clone()),
                on_behalf_of: None,
            };
            let detail = serde_json::json!({
                "rows": tampered.iter().map(|t| format!("{}#{}", t.table, t.id)).collect::<Vec<_>>()
            });
            audit::record(
                &state.core.db,
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
            .await
            .map_err(WebError::from)?;
            tracing::error!(user = user.id, ?tampered, "grant integrity check failed");
            return Err(WebError::Forbidden("grant integrity"));
        }
        let active = !PASSIVE_PATHS.contains(&req.uri().path());
        if active {
            data.last_seen_at = now.timestamp();
            state
                .sessions
                .put(&key, &data)
                .await
                .map_err(|e| WebError::Unavailable(e.to_string()))?;
        }
        if active && now - record.last_seen_at > Duration::seconds(60) {
            let mut m: user_session::ActiveModel = record.into();
            m.last_seen_at = Set(now);
            m.update(&state.core.db).await.map_err(WebError::from)?;
        }
        let max_age = state
            .settings
            .get_i64("security.password_max_age_days")
            .await
            .unwrap_or(90);
        let expired = now - user.password_changed_at > Duration::days(max_age);
        if (user.must_change_password || expired)
            && !PASSWORD_CHANGE_PATHS.contains(&req.uri().path())
        {
            return Err(WebError::PasswordChangeRequired);
        }
        Ok(Caller {
            user: CallerUser::from(&user),
            grants,
            session_key: key,
            client_ip: ip,
            acting_for: None,
        })
    }
}
