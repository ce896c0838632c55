//! The calendar's forms and the values they check into.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::arith::DayKind;
use super::import::{self, MAX_YEAR, MIN_YEAR};
use crate::core::FieldErrors;
use crate::core::text::to_half_width;

/// A year as typed (full-width digits allowed), within the range kept.
pub fn parse_year(input: &str) -> Option<i32> {
    to_half_width(input)
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (MIN_YEAR..=MAX_YEAR).contains(y))
}

pub fn year_range_message() -> String {
    format!("年份应在 {MIN_YEAR}–{MAX_YEAR} 之间")
}

/// One day set or removed on the calendar screen.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct DayForm {
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
}

/// A day as checked: when, what, and its name.
pub struct Day {
    pub day: NaiveDate,
    pub kind: DayKind,
    pub name: String,
}

impl DayForm {
    /// The checked day, or a message per field.
    pub fn check(&self) -> Result<Day, FieldErrors> {
        let mut errors = FieldErrors::new();
        let day = import::parse_date(&self.date);
        let kind = DayKind::from_code(&self.kind);
        match day {
            None => errors.add("date", "请填写有效的日期，如 2026-10-01"),
            Some(d) => {
                if let Some(k) = kind
                    && let Err(e) = import::check_day(d, k)
                {
                    errors.add("date", e);
                } else if !(MIN_YEAR..=MAX_YEAR).contains(&d.year()) {
                    errors.add("date", format!("日期应在 {MIN_YEAR}–{MAX_YEAR} 年之间"));
                }
            }
        }
        if kind.is_none() {
            errors.add("kind", "请选择类型");
        }
        let name = import::check_name(&self.name).map_err(|e| errors.add("name", e));
        match (day, kind, name) {
            (Some(day), Some(kind), Ok(name)) if errors.is_empty() => Ok(Day { day, kind, name }),
            _ => Err(errors),
        }
    }

    /// The year the form was about, when its date says so.
    pub fn year(&self) -> Option<i32> {
        import::parse_date(&self.date)
            .map(|d| d.year())
            .filter(|y| (MIN_YEAR..=MAX_YEAR).contains(y))
    }
}

/// The confirmation of an import: the year and the preview's rows as text,
/// read and checked again.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ConfirmForm {
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub content: String,
}

/// The calendar screen's query: the year shown and the calculator's input.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct YearQuery {
    pub year: Option<String>,
    pub from: Option<String>,
    pub days: Option<String>,
}
