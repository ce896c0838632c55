//! The calendar as the views show it: a year of month grids, the list of
//! overrides, the history lines, the import preview's rows.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde_json::Value;
use techreg_entities::system::calendar_day;
use techreg_views::pages::calendar::{DayCell, HistoryRow, Month, OverrideRow, PreviewRow};

use super::arith::{DayKind, WorkCalendar, weekday_label};
use super::import::{Parsed, Verdict};
use super::service::YearData;
use crate::core::clock::shanghai_minute;

pub fn kind_label(code: &str) -> &'static str {
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

/// The year's grids, its working-day count, the override list and the
/// history, from what the service read.
pub struct YearView {
    pub months: Vec<Month>,
    pub working_days: i64,
    pub rows: Vec<OverrideRow>,
    pub history: Vec<HistoryRow>,
}

pub fn year_view(data: &YearData) -> YearView {
    let year = data.year;
    let cal: WorkCalendar = data
        .rows
        .iter()
        .filter_map(|r| Some((r.day, DayKind::from_code(&r.kind)?)))
        .collect();
    let cells = year_cells(&cal, &data.rows, year);
    let months = (1..=12)
        .map(|m| month_of(&cal, &cells, year, m, data.today))
        .collect();
    let first = NaiveDate::from_ymd_opt(year, 1, 1).expect("a valid year");
    let last = NaiveDate::from_ymd_opt(year, 12, 31).expect("a valid year");
    let rows = data
        .rows
        .iter()
        .map(|r| OverrideRow {
            date: r.day.to_string(),
            weekday: weekday_label(r.day),
            kind: kind_label(&r.kind),
            kind_code: DayKind::from_code(&r.kind).map_or("", DayKind::code),
            name: r.name.clone(),
            updated_at: shanghai_minute(r.updated_at),
            updated_by: r.updated_by.clone(),
        })
        .collect();
    let history = data
        .history
        .iter()
        .map(|a| HistoryRow {
            at: shanghai_minute(a.at),
            summary: summary(
                &a.action,
                &serde_json::from_str(&a.detail).unwrap_or(Value::Null),
            ),
            actor: a.actor_name.clone(),
        })
        .collect();
    YearView {
        months,
        working_days: cal.working_days_between(first.pred_opt().expect("a day before"), last),
        rows,
        history,
    }
}

pub fn preview_rows(parsed: &Parsed) -> Vec<PreviewRow> {
    parsed
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
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekends_inside_a_holiday_are_shown_as_part_of_it() {
        let parsed = super::super::import::parse(super::super::ARRANGEMENT_2026, 2026);
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
