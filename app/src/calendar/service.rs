//! The calendar held in `AppState`: a cached `WorkCalendar` snapshot of all
//! `calendar_day` rows, and the writes that keep every node's copy fresh.
//!
//! Every write bumps the `calendar` row of `cache_version` in the caller's
//! transaction. The node that wrote drops its snapshot at once
//! (`Calendar::invalidate`); the others notice the new version within
//! `settings.poll_seconds` (`Calendar::spawn_poller`). A snapshot remembers
//! the version it was loaded at (read before the rows), so one loaded while
//! a change was committing is replaced at the next poll.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use moka::future::Cache;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder,
};
use techreg_entities::system::calendar_day;

use super::arith::{DayKind, WorkCalendar};
use crate::core::config::Config;
use crate::settings::{bump_version, current_version};

pub const CACHE_NAME: &str = "calendar";

#[derive(Clone)]
pub struct Calendar {
    inner: Arc<Inner>,
}

struct Inner {
    db: DatabaseConnection,
    poll_every: Duration,
    cache: Cache<(), Arc<Loaded>>,
}

struct Loaded {
    version: i64,
    calendar: Arc<WorkCalendar>,
}

impl Calendar {
    pub fn new(db: DatabaseConnection, config: &Config) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                poll_every: Duration::from_secs(config.settings.poll_seconds.max(1)),
                cache: Cache::builder().max_capacity(1).build(),
            }),
        }
    }

    /// All holidays and make-up working days, as of the last change this
    /// node has seen.
    pub async fn snapshot(&self) -> Result<Arc<WorkCalendar>, DbErr> {
        let db = self.inner.db.clone();
        self.inner
            .cache
            .try_get_with((), async move { load(&db).await.map(Arc::new) })
            .await
            .map(|loaded| loaded.calendar.clone())
            .map_err(|e| DbErr::Custom(e.to_string()))
    }

    /// Drops this node's snapshot (after a change committed here).
    pub fn invalidate(&self) {
        self.inner.cache.invalidate_all();
    }

    /// Drops the snapshot when the version moved. Returns whether it did.
    pub async fn poll(&self) -> Result<bool, DbErr> {
        let version = current_version(&self.inner.db, CACHE_NAME).await?;
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

fn year_bounds(year: i32) -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(year, 1, 1).expect("a valid year"),
        NaiveDate::from_ymd_opt(year, 12, 31).expect("a valid year"),
    )
}

/// The overrides of one year, in date order.
pub async fn year_rows<C: ConnectionTrait>(
    db: &C,
    year: i32,
) -> Result<Vec<calendar_day::Model>, DbErr> {
    let (first, last) = year_bounds(year);
    calendar_day::Entity::find()
        .filter(calendar_day::Column::Day.between(first, last))
        .order_by_asc(calendar_day::Column::Day)
        .all(db)
        .await
}

// Every write bumps the version first: on PostgreSQL the upsert locks the
// `calendar` row of `cache_version` until commit, so calendar writes run
// one after another (SQLite's `BEGIN IMMEDIATE` does the same), and the
// read-then-write below cannot race another writer.

/// Sets one day, inside the caller's transaction; returns the row it
/// replaced, if any.
pub async fn set_day<C: ConnectionTrait>(
    db: &C,
    day: NaiveDate,
    kind: DayKind,
    name: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Option<calendar_day::Model>, DbErr> {
    bump_version(db, CACHE_NAME).await?;
    let before = calendar_day::Entity::find_by_id(day).one(db).await?;
    if before.is_some() {
        calendar_day::Entity::delete_by_id(day).exec(db).await?;
    }
    insert(db, day, kind, name, actor, now).await?;
    Ok(before)
}

/// Removes one day, inside the caller's transaction; returns the removed
/// row, or `None` when there was none (the caller then rolls back).
pub async fn remove_day<C: ConnectionTrait>(
    db: &C,
    day: NaiveDate,
) -> Result<Option<calendar_day::Model>, DbErr> {
    bump_version(db, CACHE_NAME).await?;
    let Some(before) = calendar_day::Entity::find_by_id(day).one(db).await? else {
        return Ok(None);
    };
    calendar_day::Entity::delete_by_id(day).exec(db).await?;
    Ok(Some(before))
}

/// Replaces all overrides of `year` with `days`, inside the caller's
/// transaction; returns the rows it replaced.
pub async fn replace_year<C: ConnectionTrait>(
    db: &C,
    year: i32,
    days: &[(NaiveDate, DayKind, String)],
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Vec<calendar_day::Model>, DbErr> {
    bump_version(db, CACHE_NAME).await?;
    let before = year_rows(db, year).await?;
    let (first, last) = year_bounds(year);
    calendar_day::Entity::delete_many()
        .filter(calendar_day::Column::Day.between(first, last))
        .exec(db)
        .await?;
    for (day, kind, name) in days {
        insert(db, *day, *kind, name, actor, now).await?;
    }
    Ok(before)
}

async fn insert<C: ConnectionTrait>(
    db: &C,
    day: NaiveDate,
    kind: DayKind,
    name: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    calendar_day::Entity::insert(calendar_day::ActiveModel {
        day: Set(day),
        kind: Set(kind.code().to_owned()),
        name: Set(name.to_owned()),
        updated_at: Set(now),
        updated_by: Set(actor.to_owned()),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}
