//! The calendar's rules and transactions: what the screen shows, setting,
//! removing and importing days (each with its audit row in one
//! transaction), and the published arrangements shipped with the program.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder,
};
use serde_json::{Value, json};
use techreg_entities::audit::audit_log;
use techreg_entities::system::calendar_day;

use super::arith::{DayKind, weekday_label};
use super::cache::{CACHE_NAME, Calendar};
use super::import::{self, MAX_FILE_BYTES, MAX_YEAR, MIN_YEAR, Parsed};
use super::model::{ConfirmForm, DayForm, parse_year, year_range_message};
use crate::audit::{self, Entry, Outcome};
use crate::core::clock::shanghai_date;
use crate::core::{Caller, DomainError, DomainResult};
use crate::security::rbac::perm;
use crate::settings::bump_version;

const OBJECT_TYPE: &str = "calendar";

/// What the calendar screen shows of one year: the stored overrides (the
/// table as it is now, not this node's snapshot) and the year's history.
pub struct YearData {
    pub year: i32,
    pub today: NaiveDate,
    pub rows: Vec<calendar_day::Model>,
    pub history: Vec<audit_log::Model>,
}

pub fn this_year(cal: &Calendar) -> i32 {
    shanghai_date(cal.core().now()).year()
}

pub async fn year(cal: &Calendar, caller: &Caller, year: i32) -> DomainResult<YearData> {
    caller.require(perm::CALENDAR_MANAGE)?;
    let db = &cal.core().db;
    Ok(YearData {
        year,
        today: shanghai_date(cal.core().now()),
        rows: year_rows(db, year).await?,
        history: audit::history_of(db, OBJECT_TYPE, &year.to_string(), 50).await?,
    })
}

/// The calculator's answer from the cached snapshot (what deadlines use):
/// `None` when nothing was asked.
pub async fn try_out(
    cal: &Calendar,
    from: &str,
    days: &str,
) -> DomainResult<Option<Result<String, String>>> {
    if from.trim().is_empty() && days.trim().is_empty() {
        return Ok(None);
    }
    let start = import::parse_date(from).filter(|d| (MIN_YEAR..=MAX_YEAR).contains(&d.year()));
    let n = crate::core::text::to_half_width(days)
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| n.abs() <= 366);
    let (Some(start), Some(n)) = (start, n) else {
        return Ok(Some(Err("请填写有效的日期和天数（-366 至 366）".into())));
    };
    let snapshot = cal.snapshot().await?;
    let end = snapshot.add_working_days(start, n);
    Ok(Some(Ok(format!(
        "{start}（{}）起第 {n} 个工作日：{end}（{}）；区间内工作日 {} 天。",
        weekday_label(start),
        weekday_label(end),
        snapshot.working_days_between(start, end)
    ))))
}

fn day_json(r: &calendar_day::Model) -> Value {
    json!({ "day": r.day.to_string(), "kind": r.kind, "name": r.name })
}

async fn record<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    now: DateTime<Utc>,
    action: &str,
    object_id: String,
    detail: Value,
) -> Result<(), DbErr> {
    audit::record(
        db,
        now,
        &caller.actor(),
        Entry {
            action,
            object_type: Some(OBJECT_TYPE),
            object_id: Some(object_id),
            outcome: Outcome::Success,
            detail,
        },
    )
    .await
}

/// What a saved day was before (if anything).
pub struct Saved {
    pub day: NaiveDate,
    pub kind: DayKind,
    pub name: String,
}

pub async fn set_day(cal: &Calendar, caller: &Caller, form: &DayForm) -> DomainResult<Saved> {
    caller.require(perm::CALENDAR_MANAGE)?;
    let d = form.check().map_err(DomainError::Invalid)?;
    let now = cal.core().now();
    let txn = cal.core().begin().await?;
    let before = write_day(&txn, d.day, d.kind, &d.name, &caller.user.username, now).await?;
    let detail = json!({
        "day": d.day.to_string(),
        "before": before.as_ref().map(day_json),
        "after": { "kind": d.kind.code(), "name": d.name },
    });
    record(&txn, caller, now, "calendar.set", d.day.to_string(), detail).await?;
    txn.commit().await?;
    cal.invalidate();
    Ok(Saved {
        day: d.day,
        kind: d.kind,
        name: d.name,
    })
}

/// Removes one day; returns the removed row. Not found when the day has no
/// override.
pub async fn remove_day(
    cal: &Calendar,
    caller: &Caller,
    form: &DayForm,
) -> DomainResult<calendar_day::Model> {
    caller.require(perm::CALENDAR_MANAGE)?;
    let day = import::parse_date(&form.date)
        .ok_or_else(|| DomainError::BadRequest("invalid date".into()))?;
    let now = cal.core().now();
    let txn = cal.core().begin().await?;
    bump_version(&txn, CACHE_NAME).await?;
    let Some(before) = calendar_day::Entity::find_by_id(day).one(&txn).await? else {
        return Err(DomainError::NotFound);
    };
    calendar_day::Entity::delete_by_id(day).exec(&txn).await?;
    let detail = json!({ "day": day.to_string(), "before": day_json(&before) });
    record(
        &txn,
        caller,
        now,
        "calendar.remove",
        day.to_string(),
        detail,
    )
    .await?;
    txn.commit().await?;
    cal.invalidate();
    Ok(before)
}

/// An import as previewed: the rows with their verdicts, the encoding the
/// file was read in, and how many stored days it would replace.
pub struct Preview {
    pub parsed: Parsed,
    pub encoding: &'static str,
    pub replaces: usize,
}

/// A preview that shows only a problem with the upload as a whole.
fn refused(year: i32, problem: String) -> Parsed {
    Parsed {
        year,
        rows: Vec::new(),
        problem: Some(problem),
    }
}

async fn preview_of(
    cal: &Calendar,
    parsed: Parsed,
    encoding: &'static str,
) -> DomainResult<Preview> {
    let replaces = year_rows(&cal.core().db, parsed.year).await?.len();
    Ok(Preview {
        parsed,
        encoding,
        replaces,
    })
}

/// Reads an uploaded arrangement for `year_input`; writes nothing.
pub async fn preview_import(
    cal: &Calendar,
    caller: &Caller,
    year_input: &str,
    bytes: &[u8],
) -> DomainResult<Preview> {
    caller.require(perm::CALENDAR_MANAGE)?;
    let Some(year) = parse_year(year_input) else {
        let parsed = refused(this_year(cal), year_range_message());
        return preview_of(cal, parsed, "—").await;
    };
    if bytes.is_empty() {
        return preview_of(cal, refused(year, "请选择文件".into()), "—").await;
    }
    if bytes.len() > MAX_FILE_BYTES {
        let problem = format!("文件不能超过 {} KB", MAX_FILE_BYTES / 1024);
        return preview_of(cal, refused(year, problem), "—").await;
    }
    match import::decode(bytes) {
        Ok((text, encoding)) => preview_of(cal, import::parse(&text, year), encoding).await,
        Err(problem) => preview_of(cal, refused(year, problem), "—").await,
    }
}

/// An import as stored: how many days, and how many it replaced.
pub struct Imported {
    pub year: i32,
    pub written: usize,
    pub replaced: usize,
}

/// Stores a confirmed import, the preview's rows checked again; a preview
/// with errors comes back instead.
pub async fn confirm_import(
    cal: &Calendar,
    caller: &Caller,
    form: &ConfirmForm,
) -> DomainResult<Result<Imported, Preview>> {
    caller.require(perm::CALENDAR_MANAGE)?;
    let Some(year) = parse_year(&form.year) else {
        let parsed = refused(this_year(cal), year_range_message());
        return Ok(Err(preview_of(cal, parsed, "UTF-8").await?));
    };
    let parsed = import::parse(&form.content, year);
    if !parsed.is_ok() {
        return Ok(Err(preview_of(cal, parsed, "UTF-8").await?));
    }
    let days = parsed.kept();
    let now = cal.core().now();
    let txn = cal.core().begin().await?;
    let before = replace_year(&txn, year, &days, &caller.user.username, now).await?;
    let after: Vec<Value> = days
        .iter()
        .map(|(day, kind, name)| json!({ "day": day.to_string(), "kind": kind.code(), "name": name }))
        .collect();
    let detail = json!({
        "year": year,
        "before": before.iter().map(day_json).collect::<Vec<_>>(),
        "after": after,
    });
    record(
        &txn,
        caller,
        now,
        "calendar.import",
        year.to_string(),
        detail,
    )
    .await?;
    txn.commit().await?;
    cal.invalidate();
    Ok(Ok(Imported {
        year,
        written: days.len(),
        replaced: before.len(),
    }))
}

/// Loads each shipped arrangement whose year has no overrides yet (so an
/// admin's own changes are never overwritten). Used by the demo seed.
pub async fn seed_published(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<(), DbErr> {
    let txn = crate::core::db::begin(db).await?;
    for (year, text) in super::PUBLISHED {
        if year_rows(&txn, *year).await?.is_empty() {
            let parsed = import::parse(text, *year);
            debug_assert!(parsed.is_ok());
            replace_year(&txn, *year, &parsed.kept(), "system", now).await?;
        }
    }
    txn.commit().await
}

fn year_bounds(year: i32) -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(year, 1, 1).expect("a valid year"),
        NaiveDate::from_ymd_opt(year, 12, 31).expect("a valid year"),
    )
}

/// The overrides of one year, in date order.
async fn year_rows<C: ConnectionTrait>(
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

/// Sets one day inside the transaction `db`; returns the row it replaced,
/// if any. The calendar screen's `set_day` calls it; tests use it to hold
/// two writes open at once.
pub async fn write_day<C: ConnectionTrait>(
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

/// Replaces all overrides of `year` with `days`, inside the caller's
/// transaction; returns the rows it replaced.
async fn replace_year<C: ConnectionTrait>(
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
