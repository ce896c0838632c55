//! The settings handle: cached reads of each setting, writes with their
//! audit row in one transaction, and the `cache_version` rows every cached
//! domain bumps on a change and polls.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::Utc;
use moka::future::Cache;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use serde_json::Value;
use techreg_entities::system::{app_setting, cache_version};

use super::registry::{SettingDef, find};
use crate::audit::{self, Actor, Entry, Outcome};
use crate::core::config::Config;

pub const CACHE_NAME: &str = "settings";

#[derive(Debug, thiserror::Error)]
pub enum SettingError {
    #[error("未知的设置项：{0}")]
    Unknown(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

#[derive(Clone)]
pub struct Settings {
    inner: Arc<Inner>,
}

struct Inner {
    db: DatabaseConnection,
    config: Arc<Config>,
    cache: Cache<&'static str, Value>,
    seen_version: AtomicI64,
}

impl Settings {
    pub fn new(db: DatabaseConnection, config: Arc<Config>) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                config,
                cache: Cache::builder().max_capacity(1_000).build(),
                seen_version: AtomicI64::new(i64::MIN),
            }),
        }
    }

    /// The current value of a known setting (cached).
    pub async fn get(&self, key: &str) -> Result<Value, SettingError> {
        let def = find(key).ok_or_else(|| SettingError::Unknown(key.to_owned()))?;
        let inner = self.inner.clone();
        self.inner
            .cache
            .try_get_with(def.key, async move { load(&inner, def).await })
            .await
            .map_err(|e| SettingError::Db(DbErr::Custom(e.to_string())))
    }

    pub async fn get_string(&self, key: &str) -> Result<String, SettingError> {
        Ok(self.get(key).await?.as_str().unwrap_or_default().to_owned())
    }

    pub async fn get_i64(&self, key: &str) -> Result<i64, SettingError> {
        let def = find(key).ok_or_else(|| SettingError::Unknown(key.to_owned()))?;
        Ok(self.get(key).await?.as_i64().unwrap_or_else(|| {
            (def.default)(&self.inner.config)
                .as_i64()
                .unwrap_or_default()
        }))
    }

    /// Validates and stores a new value and bumps the version in one
    /// transaction, then drops this node's cache at once.
    pub async fn set(&self, key: &str, input: &str, actor: &str) -> Result<Value, SettingError> {
        let def = find(key).ok_or_else(|| SettingError::Unknown(key.to_owned()))?;
        let value = def.parse(input).map_err(SettingError::Invalid)?;
        let txn = crate::core::db::begin(&self.inner.db).await?;
        store_value(&txn, def.key, &value, actor).await?;
        let who = Actor {
            name: actor.to_owned(),
            ..Actor::system()
        };
        audit::record(
            &txn,
            Utc::now(),
            &who,
            Entry {
                action: "settings.change",
                object_type: Some("settings"),
                object_id: Some(def.key.to_owned()),
                outcome: Outcome::Success,
                detail: serde_json::json!({ def.key: value }),
            },
        )
        .await?;
        txn.commit().await?;
        self.inner.cache.invalidate_all();
        Ok(value)
    }

    /// Stores the values an admin changed on one form in one transaction
    /// with one audit row (`object_id` names the form), then drops this
    /// node's cache; the other nodes follow within `settings.poll_seconds`.
    pub async fn store_form(
        &self,
        now: chrono::DateTime<Utc>,
        actor: &Actor,
        object_id: Option<&str>,
        changes: &[(&str, Value)],
    ) -> Result<(), DbErr> {
        let txn = crate::core::db::begin(&self.inner.db).await?;
        for (key, value) in changes {
            store_value(&txn, key, value, &actor.name).await?;
        }
        audit::record(
            &txn,
            now,
            actor,
            Entry {
                action: "settings.change",
                object_type: Some("settings"),
                object_id: object_id.map(str::to_owned),
                outcome: Outcome::Success,
                detail: serde_json::Value::Object(
                    changes
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.clone()))
                        .collect(),
                ),
            },
        )
        .await?;
        txn.commit().await?;
        self.invalidate();
        Ok(())
    }

    /// Drops this node's cache at once (after a change written elsewhere in
    /// the same process, e.g. inside a larger transaction).
    pub fn invalidate(&self) {
        self.inner.cache.invalidate_all();
    }

    /// Drops the cache when another node changed something. Returns whether
    /// it did.
    pub async fn poll(&self) -> Result<bool, DbErr> {
        let version = current_version(&self.inner.db, CACHE_NAME).await?;
        let previous = self.inner.seen_version.swap(version, Ordering::SeqCst);
        if previous != version {
            self.inner.cache.invalidate_all();
            return Ok(previous != i64::MIN);
        }
        Ok(false)
    }

    /// Polls in the background until the returned handle is aborted.
    pub fn spawn_poller(&self) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        let every = Duration::from_secs(self.inner.config.settings.poll_seconds);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = this.poll().await {
                    tracing::warn!(error = %e, "settings version poll failed");
                }
            }
        })
    }
}

/// Upserts a setting and bumps the version, inside the caller's transaction.
pub async fn store_value<C: sea_orm::ConnectionTrait>(
    db: &C,
    key: &str,
    value: &Value,
    actor: &str,
) -> Result<(), DbErr> {
    app_setting::Entity::insert(app_setting::ActiveModel {
        key: Set(key.to_owned()),
        value: Set(value.to_string()),
        updated_at: Set(Utc::now()),
        updated_by: Set(actor.to_owned()),
    })
    .on_conflict(
        OnConflict::column(app_setting::Column::Key)
            .update_columns([
                app_setting::Column::Value,
                app_setting::Column::UpdatedAt,
                app_setting::Column::UpdatedBy,
            ])
            .to_owned(),
    )
    .exec(db)
    .await?;
    bump_version(db, CACHE_NAME).await
}

async fn load(inner: &Inner, def: &'static SettingDef) -> Result<Value, DbErr> {
    let row = app_setting::Entity::find_by_id(def.key.to_owned())
        .one(&inner.db)
        .await?;
    Ok(
        match row.and_then(|r| serde_json::from_str(&r.value).ok()) {
            Some(v) => v,
            None => (def.default)(&inner.config),
        },
    )
}

/// Increments a cache version inside the caller's transaction.
pub async fn bump_version<C: sea_orm::ConnectionTrait>(db: &C, name: &str) -> Result<(), DbErr> {
    cache_version::Entity::insert(cache_version::ActiveModel {
        name: Set(name.to_owned()),
        version: Set(1),
    })
    .on_conflict(
        OnConflict::column(cache_version::Column::Name)
            .value(
                cache_version::Column::Version,
                Expr::col((cache_version::Entity, cache_version::Column::Version)).add(1),
            )
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

pub async fn current_version<C: sea_orm::ConnectionTrait>(
    db: &C,
    name: &str,
) -> Result<i64, DbErr> {
    Ok(cache_version::Entity::find()
        .filter(cache_version::Column::Name.eq(name))
        .one(db)
        .await?
        .map(|r| r.version)
        .unwrap_or(0))
}
