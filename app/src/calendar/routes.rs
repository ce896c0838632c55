//! The calendar screen (system admin): a year at a glance, adding,
//! changing and removing one day, and importing a year's arrangement with a
//! preview and an explicit confirmation. Every change is written with its
//! audit row in one transaction; the audit log is the history.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use poem::http::StatusCode;
use poem::web::{Form, Multipart, Query};
use poem::{Response, Route, get, handler, post};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;
use serde_json::{Value, json};
use techreg_entities::audit::audit_log;
use techreg_entities::system::calendar_day;
use techreg_views::components::{Crumb, Flash, FlashKind};
use techreg_views::pages::calendar::{
    self as pages, DayCell, HistoryRow, Month, OverrideRow, Preview, PreviewRow, TryOut,
};
use techreg_views::pages::identity::FormState;

use super::arith::{DayKind, WorkCalendar, weekday_label};
use super::import::{self, MAX_FILE_BYTES, MAX_YEAR, MIN_YEAR, Parsed, Verdict};
use super::service;
use crate::audit::{self, Entry, Outcome};
use crate::core::Caller;
use crate::identity::register::form_from;
use crate::security::rbac::perm;
use crate::web::{Ctx, WebError};

type Fields = Form<Vec<(String, String)>>;

const OBJECT_TYPE: &str = "calendar";

pub fn routes(route: Route) -> Route {
    route
        .at("/admin/calendar", get(year_page).post(set_post))
        .at("/admin/calendar/remove", post(remove_post))
        .at("/admin/calendar/import", post(import_post))
        .at("/admin/calendar/import/confirm", post(confirm_post))
}

fn crumbs() -> Vec<Crumb> {
    vec![
        Crumb {
            label: "工作台".into(),
            href: Some("/my".into()),
        },
        Crumb {
            label: "工作日历".into(),
            href: Some("/admin/calendar".into()),
        },
    ]
}

fn this_year(ctx: &Ctx) -> i32 {
    crate::core::clock::shanghai_date(ctx.state.core.clock.now()).year()
}

fn parse_year(input: &str) -> Option<i32> {
    crate::core::text::to_half_width(input)
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (MIN_YEAR..=MAX_YEAR).contains(y))
}

fn day_json(r: &calendar_day::Model) -> Value {
    json!({ "day": r.day.to_string(), "kind": r.kind, "name": r.name })
}

fn kind_label(code: &str) -> &'static str {
    DayKind::from_code(code).map_or("未知", DayKind::label)
}

fn described(v: &Value) -> String {
    format!(
        "{}（{}）",
        kind_label(v["kind"].as_str().unwrap_or_default()),
        v["name"].as_str().unwrap_or_default()
    )
}

/// One line of history from an audit row's detail.
fn summary(action: &str, d: &Value) -> String {
    let day = d["day"].as_str().unwrap_or_default();
    match action {
        "calendar.set" if d["before"].is_null() => {
            format!("{day} 设为{}", described(&d["after"]))
        }
        "calendar.set" => format!(
            "{day} 由{}改为{}",
            described(&d["before"]),
            described(&d["after"])
        ),
        "calendar.remove" => format!("删除 {day} {}", described(&d["before"])),
        "calendar.import" => format!(
            "导入 {} 年安排：写入 {} 条，替换原有 {} 条",
            d["year"],
            d["after"].as_array().map_or(0, Vec::len),
            d["before"].as_array().map_or(0, Vec::len)
        ),
        other => other.to_owned(),
    }
}

/// How each day of `year` is shown: its class and name. A weekend day in
/// one run of rest days with a holiday belongs to that holiday (the notice
/// counts it: 放假调休共 N 天), though it is not stored.
fn year_cells(
    cal: &WorkCalendar,
    rows: &[calendar_day::Model],
    year: i32,
) -> BTreeMap<NaiveDate, (&'static str, Option<String>)> {
    let name_of = |day: NaiveDate| rows.iter().find(|r| r.day == day).map(|r| r.name.clone());
    let mut out = BTreeMap::new();
    let mut run: Vec<NaiveDate> = Vec::new();
    let first = NaiveDate::from_ymd_opt(year, 1, 1).expect("a valid year");
    let days = first.iter_days().take_while(|d| d.year() == year);
    for day in days.map(Some).chain([None]) {
        if let Some(day) = day.filter(|d| !cal.is_working_day(*d)) {
            run.push(day);
            continue;
        }
        let holiday = run
            .iter()
            .find(|d| cal.kind_of(**d) == Some(DayKind::Holiday))
            .and_then(|d| name_of(*d));
        for rest in run.drain(..) {
            let cell = match (cal.kind_of(rest), &holiday) {
                (Some(DayKind::Holiday), _) => ("holiday", name_of(rest)),
                (_, Some(name)) => ("holiday", Some(name.clone())),
                _ => ("rest", None),
            };
            out.insert(rest, cell);
        }
        if let Some(day) = day {
            let cell = match cal.kind_of(day) {
                Some(DayKind::Workday) => ("makeup", name_of(day)),
                _ => ("workday", None),
            };
            out.insert(day, cell);
        }
    }
    out
}

fn month_of(
    cal: &WorkCalendar,
    cells: &BTreeMap<NaiveDate, (&'static str, Option<String>)>,
    year: i32,
    month: u32,
    today: NaiveDate,
) -> Month {
    let first = NaiveDate::from_ymd_opt(year, month, 1).expect("a valid month");
    let before = first.pred_opt().expect("a day before");
    let mut weeks = Vec::new();
    let mut week: [Option<DayCell>; 7] = Default::default();
    let mut last = first;
    for day in first.iter_days().take_while(|d| d.month() == month) {
        let slot = day.weekday().num_days_from_monday() as usize;
        let (class, name) = cells.get(&day).cloned().unwrap_or(("workday", None));
        week[slot] = Some(DayCell {
            day: day.day(),
            class,
            name,
            today: day == today,
        });
        if slot == 6 {
            weeks.push(std::mem::take(&mut week));
        }
        last = day;
    }
    if week.iter().any(Option::is_some) {
        weeks.push(week);
    }
    Month {
        month,
        weeks,
        working_days: cal.working_days_between(before, last),
    }
}

#[derive(Deserialize, Default)]
struct YearQuery {
    year: Option<String>,
    from: Option<String>,
    days: Option<String>,
}

/// The calculator's answer from the cached snapshot: what deadlines use.
async fn try_out(ctx: &Ctx, q: &YearQuery) -> Result<TryOut, WebError> {
    let from = q.from.clone().unwrap_or_default();
    let days = q.days.clone().unwrap_or_default();
    let mut out = TryOut {
        from: from.clone(),
        days: days.clone(),
        result: None,
        error: None,
    };
    if from.trim().is_empty() && days.trim().is_empty() {
        return Ok(out);
    }
    let start = import::parse_date(&from).filter(|d| (MIN_YEAR..=MAX_YEAR).contains(&d.year()));
    let n = crate::core::text::to_half_width(&days)
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| n.abs() <= 366);
    match (start, n) {
        (Some(start), Some(n)) => {
            let cal = ctx.state.calendar.snapshot().await?;
            let end = cal.add_working_days(start, n);
            out.result = Some(format!(
                "{start}（{}）起第 {n} 个工作日：{end}（{}）；区间内工作日 {} 天。",
                weekday_label(start),
                weekday_label(end),
                cal.working_days_between(start, end)
            ));
        }
        _ => out.error = Some("请填写有效的日期和天数（-366 至 366）".into()),
    }
    Ok(out)
}

async fn year_view(
    ctx: &Ctx,
    user: &Caller,
    year: i32,
    form: &FormState,
    query: &YearQuery,
    status: StatusCode,
) -> Result<Response, WebError> {
    let db = &ctx.state.core.db;
    let rows = service::year_rows(db, year).await?;
    // The grid shows the table as it is now, not this node's snapshot.
    let cal: WorkCalendar = rows
        .iter()
        .filter_map(|r| Some((r.day, DayKind::from_code(&r.kind)?)))
        .collect();
    let today = crate::core::clock::shanghai_date(ctx.state.core.clock.now());
    let cells = year_cells(&cal, &rows, year);
    let months: Vec<Month> = (1..=12)
        .map(|m| month_of(&cal, &cells, year, m, today))
        .collect();
    let first = NaiveDate::from_ymd_opt(year, 1, 1).expect("a valid year");
    let last = NaiveDate::from_ymd_opt(year, 12, 31).expect("a valid year");
    let working_days = cal.working_days_between(first.pred_opt().expect("a day before"), last);
    let list: Vec<OverrideRow> = rows
        .iter()
        .map(|r| OverrideRow {
            date: r.day.to_string(),
            weekday: weekday_label(r.day),
            kind: kind_label(&r.kind),
            kind_code: DayKind::from_code(&r.kind).map_or("", DayKind::code),
            name: r.name.clone(),
            updated_at: crate::core::clock::shanghai_minute(r.updated_at),
            updated_by: r.updated_by.clone(),
        })
        .collect();
    let history: Vec<HistoryRow> = audit_log::Entity::find()
        .filter(audit_log::Column::ObjectType.eq(OBJECT_TYPE))
        .filter(audit_log::Column::ObjectId.starts_with(year.to_string()))
        .order_by_desc(audit_log::Column::Id)
        .limit(50)
        .all(db)
        .await?
        .into_iter()
        .map(|a| HistoryRow {
            at: crate::core::clock::shanghai_minute(a.at),
            summary: summary(
                &a.action,
                &serde_json::from_str(&a.detail).unwrap_or(Value::Null),
            ),
            actor: a.actor_name,
        })
        .collect();
    let tryout = try_out(ctx, query).await?;
    let body = pages::year_page(&pages::YearPage {
        csrf: &ctx.csrf_token,
        year,
        maintained: !rows.is_empty(),
        working_days,
        months: &months,
        rows: &list,
        form,
        tryout: &tryout,
        history: &history,
    });
    Ok(ctx
        .work_with_status(status, user, "工作日历", &crumbs()[..1], body)
        .await)
}

#[handler]
async fn year_page(
    ctx: Ctx,
    user: Caller,
    Query(q): Query<YearQuery>,
) -> Result<Response, WebError> {
    user.require(perm::CALENDAR_MANAGE)?;
    let year = match q.year.as_deref().filter(|y| !y.trim().is_empty()) {
        None => this_year(&ctx),
        Some(y) => parse_year(y)
            .ok_or_else(|| WebError::BadRequest(format!("年份应在 {MIN_YEAR}–{MAX_YEAR} 之间")))?,
    };
    let form = FormState {
        values: vec![("kind".into(), "holiday".into())],
        ..FormState::default()
    };
    year_view(&ctx, &user, year, &form, &q, StatusCode::OK).await
}

fn success(message: String) -> Option<Flash> {
    Some(Flash {
        kind: FlashKind::Success,
        message,
    })
}

#[handler]
async fn set_post(ctx: Ctx, user: Caller, Form(fields): Fields) -> Result<Response, WebError> {
    user.require(perm::CALENDAR_MANAGE)?;
    let mut form = form_from(&fields);
    let day = import::parse_date(form.value("date"));
    let kind = DayKind::from_code(form.value("kind"));
    match day {
        None => form.add_error("date", "请填写有效的日期，如 2026-10-01"),
        Some(d) => {
            if let Some(k) = kind
                && let Err(e) = import::check_day(d, k)
            {
                form.add_error("date", e);
            } else if !(MIN_YEAR..=MAX_YEAR).contains(&d.year()) {
                form.add_error("date", format!("日期应在 {MIN_YEAR}–{MAX_YEAR} 年之间"));
            }
        }
    }
    if kind.is_none() {
        form.add_error("kind", "请选择类型");
    }
    let name = import::check_name(form.value("name")).map_err(|e| form.add_error("name", e));
    let (Some(day), Some(kind), Ok(name)) = (day, kind, name) else {
        let year = day
            .map(|d| d.year())
            .filter(|y| (MIN_YEAR..=MAX_YEAR).contains(y))
            .unwrap_or_else(|| this_year(&ctx));
        return year_view(
            &ctx,
            &user,
            year,
            &form,
            &YearQuery::default(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    if form.has_errors() {
        return year_view(
            &ctx,
            &user,
            day.year(),
            &form,
            &YearQuery::default(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    let before = service::set_day(&txn, day, kind, &name, &user.user.username, now).await?;
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry {
            action: "calendar.set",
            object_type: Some(OBJECT_TYPE),
            object_id: Some(day.to_string()),
            outcome: Outcome::Success,
            detail: json!({
                "day": day.to_string(),
                "before": before.as_ref().map(day_json),
                "after": { "kind": kind.code(), "name": name },
            }),
        },
    )
    .await?;
    txn.commit().await?;
    ctx.state.calendar.invalidate();
    Ok(ctx.redirect(
        &format!("/admin/calendar?year={}", day.year()),
        success(format!("已保存：{day} {}（{name}）。", kind.label())),
    ))
}

#[handler]
async fn remove_post(ctx: Ctx, user: Caller, Form(fields): Fields) -> Result<Response, WebError> {
    user.require(perm::CALENDAR_MANAGE)?;
    let form = form_from(&fields);
    let day = import::parse_date(form.value("date"))
        .ok_or_else(|| WebError::BadRequest("invalid date".into()))?;
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    let Some(before) = service::remove_day(&txn, day).await? else {
        return Err(WebError::NotFound);
    };
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry {
            action: "calendar.remove",
            object_type: Some(OBJECT_TYPE),
            object_id: Some(day.to_string()),
            outcome: Outcome::Success,
            detail: json!({ "day": day.to_string(), "before": day_json(&before) }),
        },
    )
    .await?;
    txn.commit().await?;
    ctx.state.calendar.invalidate();
    Ok(ctx.redirect(
        &format!("/admin/calendar?year={}", day.year()),
        success(format!(
            "已删除：{day} {}（{}）。",
            kind_label(&before.kind),
            before.name
        )),
    ))
}

async fn preview(
    ctx: &Ctx,
    user: &Caller,
    parsed: &Parsed,
    encoding: &str,
) -> Result<Response, WebError> {
    let replaces = service::year_rows(&ctx.state.core.db, parsed.year)
        .await?
        .len();
    let rows: Vec<PreviewRow> = parsed
        .rows
        .iter()
        .map(|r| {
            let (status, message) = match &r.verdict {
                Verdict::Keep => ("keep", String::new()),
                Verdict::Skip(m) => ("skip", m.clone()),
                Verdict::Error(m) => ("error", m.clone()),
            };
            PreviewRow {
                line: r.line,
                raw: r.raw.clone(),
                date: r.day.map(|d| d.to_string()).unwrap_or_default(),
                weekday: r.day.map_or("", weekday_label),
                kind: r.kind.map_or("", DayKind::label),
                name: r.name.clone(),
                status,
                message,
            }
        })
        .collect();
    let canonical = parsed.is_ok().then(|| parsed.canonical());
    let body = pages::import_preview(&Preview {
        csrf: &ctx.csrf_token,
        year: parsed.year,
        encoding,
        rows: &rows,
        errors: parsed.error_count(),
        problem: parsed.problem.as_deref(),
        keep: parsed.kept().len(),
        replaces,
        canonical: canonical.as_deref(),
    });
    let status = if parsed.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(ctx
        .work_with_status(status, user, "导入预览", &crumbs(), body)
        .await)
}

/// A preview that shows only a problem with the upload as a whole.
fn refused(year: i32, problem: String) -> Parsed {
    Parsed {
        year,
        rows: Vec::new(),
        problem: Some(problem),
    }
}

#[handler]
async fn import_post(
    ctx: Ctx,
    user: Caller,
    multipart: poem::Result<Multipart>,
) -> Result<Response, WebError> {
    // Permission first: a wrong content type must not answer before it.
    user.require(perm::CALENDAR_MANAGE)?;
    let mut multipart = multipart.map_err(|e| WebError::BadRequest(e.to_string()))?;
    let mut year_input = String::new();
    let mut file: Option<Vec<u8>> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| WebError::BadRequest(e.to_string()))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| WebError::BadRequest(e.to_string()))?;
        match name.as_str() {
            "year" => year_input = String::from_utf8_lossy(&bytes).into_owned(),
            "file" => file = Some(bytes),
            _ => {}
        }
    }
    let Some(year) = parse_year(&year_input) else {
        let parsed = refused(
            this_year(&ctx),
            format!("年份应在 {MIN_YEAR}–{MAX_YEAR} 之间"),
        );
        return preview(&ctx, &user, &parsed, "—").await;
    };
    let bytes = file.unwrap_or_default();
    if bytes.is_empty() {
        return preview(&ctx, &user, &refused(year, "请选择文件".into()), "—").await;
    }
    if bytes.len() > MAX_FILE_BYTES {
        let problem = format!("文件不能超过 {} KB", MAX_FILE_BYTES / 1024);
        return preview(&ctx, &user, &refused(year, problem), "—").await;
    }
    let (text, encoding) = match import::decode(&bytes) {
        Ok(decoded) => decoded,
        Err(problem) => return preview(&ctx, &user, &refused(year, problem), "—").await,
    };
    let parsed = import::parse(&text, year);
    preview(&ctx, &user, &parsed, encoding).await
}

#[handler]
async fn confirm_post(ctx: Ctx, user: Caller, Form(fields): Fields) -> Result<Response, WebError> {
    user.require(perm::CALENDAR_MANAGE)?;
    let form = form_from(&fields);
    let Some(year) = parse_year(form.value("year")) else {
        let parsed = refused(
            this_year(&ctx),
            format!("年份应在 {MIN_YEAR}–{MAX_YEAR} 之间"),
        );
        return preview(&ctx, &user, &parsed, "UTF-8").await;
    };
    // The preview's rows come back as text and are checked again.
    let parsed = import::parse(form.value("content"), year);
    if !parsed.is_ok() {
        return preview(&ctx, &user, &parsed, "UTF-8").await;
    }
    let days = parsed.kept();
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    let before = service::replace_year(&txn, year, &days, &user.user.username, now).await?;
    let after: Vec<Value> = days
        .iter()
        .map(|(day, kind, name)| json!({ "day": day.to_string(), "kind": kind.code(), "name": name }))
        .collect();
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry {
            action: "calendar.import",
            object_type: Some(OBJECT_TYPE),
            object_id: Some(year.to_string()),
            outcome: Outcome::Success,
            detail: json!({
                "year": year,
                "before": before.iter().map(day_json).collect::<Vec<_>>(),
                "after": after,
            }),
        },
    )
    .await?;
    txn.commit().await?;
    ctx.state.calendar.invalidate();
    Ok(ctx.redirect(
        &format!("/admin/calendar?year={year}"),
        success(format!(
            "已导入 {year} 年节假日安排：{} 条，替换原有 {} 条。",
            days.len(),
            before.len()
        )),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekends_inside_a_holiday_are_shown_as_part_of_it() {
        let parsed = import::parse(super::super::ARRANGEMENT_2026, 2026);
        let now = chrono::Utc::now();
        let rows: Vec<calendar_day::Model> = parsed
            .kept()
            .into_iter()
            .map(|(day, kind, name)| calendar_day::Model {
                day,
                kind: kind.code().into(),
                name,
                updated_at: now,
                updated_by: "system".into(),
            })
            .collect();
        let cal: WorkCalendar = parsed.kept().into_iter().map(|(d, k, _)| (d, k)).collect();
        let cells = year_cells(&cal, &rows, 2026);
        let at = |m, d| cells[&NaiveDate::from_ymd_opt(2026, m, d).unwrap()].clone();
        assert_eq!(at(1, 3), ("holiday", Some("元旦".into())));
        assert_eq!(at(1, 4), ("makeup", Some("元旦调休".into())));
        assert_eq!(at(2, 15), ("holiday", Some("春节".into())));
        assert_eq!(at(2, 21), ("holiday", Some("春节".into())));
        assert_eq!(at(2, 23), ("holiday", Some("春节".into())));
        assert_eq!(at(2, 24), ("workday", None));
        assert_eq!(at(3, 7), ("rest", None));
        assert_eq!(at(9, 26), ("holiday", Some("中秋节".into())));
        assert_eq!(at(10, 4), ("holiday", Some("国庆节".into())));
        assert_eq!(cells.len(), 365);
        let month = month_of(
            &cal,
            &cells,
            2026,
            2,
            NaiveDate::from_ymd_opt(2026, 2, 14).unwrap(),
        );
        assert_eq!(month.working_days, 16);
        assert_eq!(month.weeks.len(), 5);
        assert!(
            month.weeks[2][5]
                .as_ref()
                .is_some_and(|c| c.today && c.class == "makeup")
        );
    }
}
