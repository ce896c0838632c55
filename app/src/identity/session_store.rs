//! Signed-in session data: in memory by default, in Redis when configured so
//! that app nodes share sessions. Keys are the SM3 digest of the session
//! cookie, so neither the store nor the database holds a usable cookie.
//! If Redis is configured and unreachable, every lookup fails (503): no one
//! is let in on a guess.

use std::time::Duration;

use moka::future::Cache;
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::security::crypto::sm3;

/// Where a browser stands in signing in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    /// Password accepted; the second factor is still due.
    PasswordOk,
    /// Fully signed in.
    Authenticated,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionData {
    pub user_id: i64,
    pub stage: Stage,
    /// Unix seconds.
    pub created_at: i64,
    pub last_seen_at: i64,
    /// An authenticator secret being enrolled (SM4-encrypted).
    pub pending_totp: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("session store unavailable: {0}")]
pub struct StoreError(pub String);

impl From<StoreError> for crate::core::DomainError {
    fn from(e: StoreError) -> Self {
        crate::core::DomainError::Unavailable(e.to_string())
    }
}

/// Cheap to clone: every clone shares the one cache or connection.
#[derive(Clone)]
pub enum SessionStore {
    Memory(Cache<String, SessionData>),
    Redis {
        client: redis::Client,
        conn: std::sync::Arc<Mutex<Option<redis::aio::MultiplexedConnection>>>,
    },
}

/// The store key (and `user_session.id`) for a session cookie value.
pub fn session_key(cookie_value: &str) -> String {
    hex::encode(sm3(cookie_value.as_bytes()))
}

const REDIS_PREFIX: &str = "techreg:session:";
/// Upper bound for any session (the absolute limit is enforced from the
/// stored timestamps; this only lets abandoned entries expire).
const MAX_TTL: Duration = Duration::from_secs(24 * 3600);

impl SessionStore {
    pub fn memory() -> Self {
        SessionStore::Memory(
            Cache::builder()
                .time_to_idle(MAX_TTL)
                .max_capacity(100_000)
                .build(),
        )
    }

    pub fn redis(client: redis::Client) -> Self {
        SessionStore::Redis {
            client,
            conn: std::sync::Arc::new(Mutex::new(None)),
        }
    }

    async fn redis_conn(
        client: &redis::Client,
        slot: &Mutex<Option<redis::aio::MultiplexedConnection>>,
    ) -> Result<redis::aio::MultiplexedConnection, StoreError> {
        let mut guard = slot.lock().await;
        if let Some(c) = guard.as_ref() {
            return Ok(c.clone());
        }
        let conn = tokio::time::timeout(
            Duration::from_secs(2),
            client.get_multiplexed_async_connection(),
        )
        .await
        .map_err(|_| StoreError("connect timeout".into()))?
        .map_err(|e| StoreError(e.to_string()))?;
        *guard = Some(conn.clone());
        Ok(conn)
    }

    async fn redis_cmd<T: redis::FromRedisValue>(
        client: &redis::Client,
        slot: &Mutex<Option<redis::aio::MultiplexedConnection>>,
        cmd: redis::Cmd,
    ) -> Result<T, StoreError> {
        let mut conn = Self::redis_conn(client, slot).await?;
        let result =
            tokio::time::timeout(Duration::from_secs(2), cmd.query_async::<T>(&mut conn)).await;
        match result {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => {
                *slot.lock().await = None;
                Err(StoreError(e.to_string()))
            }
            Err(_) => {
                *slot.lock().await = None;
                Err(StoreError("command timeout".into()))
            }
        }
    }

    pub async fn get(&self, key: &str) -> Result<Option<SessionData>, StoreError> {
        match self {
            SessionStore::Memory(cache) => Ok(cache.get(key).await),
            SessionStore::Redis { client, conn } => {
                let mut cmd = redis::cmd("GET");
                cmd.arg(format!("{REDIS_PREFIX}{key}"));
                let raw: Option<String> = Self::redis_cmd(client, conn, cmd).await?;
                Ok(raw.and_then(|s| serde_json::from_str(&s).ok()))
            }
        }
    }

    pub async fn put(&self, key: &str, data: &SessionData) -> Result<(), StoreError> {
        match self {
            SessionStore::Memory(cache) => {
                cache.insert(key.to_owned(), data.clone()).await;
                Ok(())
            }
            SessionStore::Redis { client, conn } => {
                let mut cmd = redis::cmd("SET");
                cmd.arg(format!("{REDIS_PREFIX}{key}"))
                    .arg(serde_json::to_string(data).expect("serialisable"))
                    .arg("EX")
                    .arg(MAX_TTL.as_secs());
                Self::redis_cmd::<()>(client, conn, cmd).await
            }
        }
    }

    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        match self {
            SessionStore::Memory(cache) => {
                cache.invalidate(key).await;
                Ok(())
            }
            SessionStore::Redis { client, conn } => {
                let mut cmd = redis::cmd("DEL");
                cmd.arg(format!("{REDIS_PREFIX}{key}"));
                Self::redis_cmd::<()>(client, conn, cmd).await
            }
        }
    }
}
