//! The integrity domain's values and forms: a new library entry, a new
//! anomaly record, and the forms of the city office's screens with their
//! checks (what needs the database, the enterprise of a credit code or an
//! entry already there, the services add).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::core::FieldErrors;

/// Longest reason, description or source text.
pub const TEXT_MAX: usize = 500;

/// `2026-01-01 至 长期` / `2026-01-01 至 2027-12-31`
pub fn validity(from: NaiveDate, to: Option<NaiveDate>) -> String {
    match to {
        Some(t) => format!("{from} 至 {t}"),
        None => format!("{from} 至 长期"),
    }
}

/// A checked new entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub enterprise_id: i64,
    pub reason: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

/// A checked new anomaly record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAnomaly {
    pub enterprise_id: i64,
    pub type_code: String,
    pub description: String,
    pub source: String,
    pub recorded_on: NaiveDate,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub blocking: bool,
}

/// A list screen's query: a name or credit-code search, and whether to
/// show removed and expired rows too (`all=1`).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub all: String,
}

impl ListQuery {
    pub fn show_all(&self) -> bool {
        self.all == "1"
    }
}

/// A date field: `None` when empty (an error if required) or invalid.
fn date_of(
    errors: &mut FieldErrors,
    value: &str,
    key: &str,
    label: &str,
    required: bool,
) -> Option<NaiveDate> {
    let v = value.trim();
    if v.is_empty() {
        if required {
            errors.add(key, format!("请填写{label}"));
        }
        return None;
    }
    let d = NaiveDate::parse_from_str(v, "%Y-%m-%d").ok();
    if d.is_none() {
        errors.add(key, format!("{label}无效，格式应为 年-月-日"));
    }
    d
}

/// A required text of at most `TEXT_MAX` characters.
fn text_of(errors: &mut FieldErrors, value: &str, key: &str, label: &str) -> String {
    let v = value.trim().to_owned();
    if v.is_empty() {
        errors.add(key, format!("请填写{label}"));
    } else if v.chars().count() > TEXT_MAX {
        errors.add(key, format!("{label}不能超过 {TEXT_MAX} 个字"));
    }
    v
}

/// Validity dates: from (required), to (optional, not before from nor
/// before today).
fn validity_of(
    errors: &mut FieldErrors,
    from: &str,
    to: &str,
    today: NaiveDate,
) -> Option<(NaiveDate, Option<NaiveDate>)> {
    let from = date_of(errors, from, "valid_from", "有效期起", true);
    let to = date_of(errors, to, "valid_to", "有效期止", false);
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        errors.add("valid_to", "有效期止不能早于有效期起");
    }
    if to.is_some_and(|t| t < today) {
        errors.add("valid_to", "有效期止已过，请检查日期");
    }
    Some((from?, to))
}

/// Listing one enterprise by hand.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct EntryForm {
    #[serde(default)]
    pub credit_code: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub valid_from: String,
    #[serde(default)]
    pub valid_to: String,
}

/// An entry as checked, before its enterprise is looked up.
pub struct CheckedEntry {
    pub reason: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

impl EntryForm {
    /// The reason and the dates (the credit code is the service's, which
    /// looks its enterprise up).
    pub fn check(&self, today: NaiveDate) -> Result<CheckedEntry, FieldErrors> {
        let mut errors = FieldErrors::new();
        let reason = text_of(&mut errors, &self.reason, "reason", "列入原因");
        let dates = validity_of(&mut errors, &self.valid_from, &self.valid_to, today);
        match dates {
            Some((valid_from, valid_to)) if errors.is_empty() => Ok(CheckedEntry {
                reason,
                valid_from,
                valid_to,
            }),
            _ => Err(errors),
        }
    }
}

/// Recording an anomaly.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct AnomalyForm {
    #[serde(default)]
    pub credit_code: String,
    #[serde(default)]
    pub type_code: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub recorded_on: String,
    #[serde(default)]
    pub valid_from: String,
    #[serde(default)]
    pub valid_to: String,
    #[serde(default)]
    pub blocking: String,
}

/// An anomaly as checked, before its enterprise and type are looked up.
pub struct CheckedAnomaly {
    pub type_code: String,
    pub description: String,
    pub source: String,
    pub recorded_on: NaiveDate,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub blocking: bool,
}

impl AnomalyForm {
    /// Everything but the credit code and whether the type is in the
    /// dictionary (the service's); `type_known` says the latter.
    pub fn check(&self, type_known: bool, today: NaiveDate) -> Result<CheckedAnomaly, FieldErrors> {
        let mut errors = FieldErrors::new();
        let type_code = self.type_code.trim().to_owned();
        if type_code.is_empty() || !type_known {
            errors.add("type_code", "请从列表中选择异常信息类型");
        }
        let description = text_of(&mut errors, &self.description, "description", "说明");
        let source = text_of(&mut errors, &self.source, "source", "来源");
        let recorded_on = date_of(
            &mut errors,
            &self.recorded_on,
            "recorded_on",
            "认定日期",
            true,
        );
        if recorded_on.is_some_and(|d| d > today) {
            errors.add("recorded_on", "认定日期不能晚于今天");
        }
        let dates = validity_of(&mut errors, &self.valid_from, &self.valid_to, today);
        match (recorded_on, dates) {
            (Some(recorded_on), Some((valid_from, valid_to))) if errors.is_empty() => {
                Ok(CheckedAnomaly {
                    type_code,
                    description,
                    source,
                    recorded_on,
                    valid_from,
                    valid_to,
                    blocking: self.blocking == "1",
                })
            }
            _ => Err(errors),
        }
    }
}

/// Removing an entry or lifting a record: the reason.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ReasonForm {
    #[serde(default)]
    pub reason: String,
}

impl ReasonForm {
    /// A required reason of at most `TEXT_MAX` characters.
    pub fn check(&self, label: &str) -> Result<String, FieldErrors> {
        let r = self.reason.trim();
        let mut errors = FieldErrors::new();
        if r.is_empty() {
            errors.add("reason", format!("请填写{label}"));
        } else if r.chars().count() > TEXT_MAX {
            errors.add("reason", format!("{label}不能超过 {TEXT_MAX} 个字"));
        }
        if errors.is_empty() {
            Ok(r.to_owned())
        } else {
            Err(errors)
        }
    }
}

/// The confirmation of an import: the file's name and its rows as the
/// preview read them.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ConfirmForm {
    #[serde(default)]
    pub file_name: String,
    #[serde(default)]
    pub payload: String,
}
