//! The calendar's handle: a cached `WorkCalendar` snapshot of all
//! `calendar_day` rows, kept fresh on every node.
//!
//! Every write bumps the `calendar` row of `cache_version` in its
//! transaction (`service`). The node that wrote drops its snapshot at once
//! (`Calendar::invalidate`); the others notice the new version within
//! `settings.poll_seconds` (`Calendar::spawn_poller`). A snapshot remembers
//! the version it was loaded at (read before the rows), so one loaded while
//! a change was committing is replaced at the next poll.

use std::sync::Arc;
use std::time::Duration;

use moka::future::Cache;
use sea_orm::{DatabaseConnection, DbErr, EntityTrait};
use techreg_entities::system::calendar_day;

use super::arith::{DayKind, WorkCalendar};
use crate::core::Core;
use crate::settings::current_version;

pub const CACHE_NAME: &str = "calendar";

#[derive(Clone)]
pub struct Calendar {
    inner: Arc<Inner>,
}

struct Inner {
    core: Core,
    poll_every: Duration,
    cache: Cache<(), Arc<Loaded>>,
}

struct Loaded {
    version: i64,
    calendar: Arc<WorkCalendar>,
}

impl Calendar {
    pub fn new(core: Core) -> Self {
        Self {
            inner: Arc::new(Inner {
                poll_every: Duration::from_secs(core.config.settings.poll_seconds.max(1)),
                core,
                cache: Cache::builder().max_capacity(1).build(),
            }),
        }
    }

    /// All holidays and make-up working days, as of the last change this
    /// node has seen.
    pub async fn snapshot(&self) -> Result<Arc<WorkCalendar>, DbErr> {
        let db = self.inner.core.db.clone();
        self.inner
            .cache
            .try_get_with((), async move { load(&db).await.map(Arc::new) })
            .await
            .map(|loaded| loaded.calendar.clone())
            .map_err(|e| DbErr::Custom(e.to_string()))
    }

    pub fn core(&self) -> &Core {
        &self.inner.core
    }

    /// Drops this node's snapshot (after a change committed here).
    pub fn invalidate(&self) {
        self.inner.cache.invalidate_all();
    }

    /// Drops the snapshot when the version moved. Returns whether it did.
    pub async fn poll(&self) -> Result<bool, DbErr> {
        let version = current_version(&self.inner.core.db, CACHE_NAME).await?;
        match self.inner.cache.get(&()).await {
            Some(loaded) if loaded.version != version => {
                self.inner.cache.invalidate_all();
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Polls in the background until the returned handle is aborted.
    pub fn spawn_poller(&self) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(this.inner.poll_every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = this.poll().await {
                    tracing::warn!(error = %e, "calendar version poll failed");
                }
            }
        })
    }
}

async fn load(db: &DatabaseConnection) -> Result<Loaded, DbErr> {
    let version = current_version(db, CACHE_NAME).await?;
    let rows = calendar_day::Entity::find().all(db).await?;
    let calendar = rows
        .into_iter()
        .filter_map(|r| Some((r.day, DayKind::from_code(&r.kind)?)))
        .collect();
    Ok(Loaded {
        version,
        calendar: Arc::new(calendar),
    })
}
