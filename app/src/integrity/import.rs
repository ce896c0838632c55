//! Enterprises by credit code, as typed on a form or listed in a file, and
//! the integrity list import: rows of a CSV or Excel file become new
//! entries; every bad row is reported and a file with any error writes
//! nothing.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use techreg_entities::org::enterprise;

use super::model::{NewEntry, TEXT_MAX, validity};
use super::service::overlapping;
use crate::core::FieldErrors;
use crate::tabular::{Row, header_positions};

/// Accepted header labels per column, canonical label first.
pub const COLUMNS: &[&[&str]] = &[
    &["统一社会信用代码", "信用代码", "社会信用代码"],
    &["列入原因", "原因", "列入理由"],
    &["有效期起", "生效日期", "开始日期"],
    &["有效期止", "截止日期", "结束日期"],
    &["单位名称", "企业名称", "名称"],
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub line: usize,
    pub credit_code: String,
    pub name: String,
    pub entry: NewEntry,
}

#[derive(Debug, Default)]
pub struct Plan {
    pub lines: Vec<Line>,
    /// (line, message)
    pub errors: Vec<(usize, String)>,
}

/// The enterprise of a typed credit code; a message on `credit_code` when
/// the code is invalid or nobody has it.
pub(super) async fn enterprise_of<C: ConnectionTrait>(
    db: &C,
    input: &str,
    errors: &mut FieldErrors,
) -> Result<Option<enterprise::Model>, DbErr> {
    let code = match crate::identity::credit_code(input) {
        Ok(c) => c,
        Err(m) => {
            errors.add("credit_code", m);
            return Ok(None);
        }
    };
    let found = enterprise::Entity::find()
        .filter(enterprise::Column::CreditCode.eq(&code))
        .one(db)
        .await?;
    if found.is_none() {
        errors.add("credit_code", "该统一社会信用代码的单位尚未在系统中建档");
    }
    Ok(found)
}

/// A date cell: `2026-01-01`, `2026/1/1` or an Excel date.
fn date_cell(cell: &str) -> Option<NaiveDate> {
    let cell = cell.split_whitespace().next().unwrap_or("");
    ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(cell, f).ok())
}

/// The reason and validity cells of a row, with what is wrong with them.
fn cells(
    reason: &str,
    from: &str,
    to: &str,
    today: NaiveDate,
    problems: &mut Vec<String>,
) -> (String, Option<NaiveDate>, Option<NaiveDate>) {
    let reason = reason.to_owned();
    if reason.is_empty() {
        problems.push("请填写列入原因".into());
    } else if reason.chars().count() > TEXT_MAX {
        problems.push(format!("列入原因不能超过 {TEXT_MAX} 个字"));
    }
    let from = match from {
        "" => Some(today),
        c => {
            let d = date_cell(c);
            if d.is_none() {
                problems.push(format!("有效期起“{c}”不是有效日期（年-月-日）"));
            }
            d
        }
    };
    let to = match to {
        "" | "长期" => None,
        c => {
            let d = date_cell(c);
            if d.is_none() {
                problems.push(format!("有效期止“{c}”不是有效日期（年-月-日）"));
            }
            d
        }
    };
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        problems.push("有效期止不能早于有效期起".into());
    }
    if to.is_some_and(|t| t < today) {
        problems.push("有效期止已过，无需列入".into());
    }
    (reason, from, to)
}

/// Checks every row against the header and the database; never writes.
pub async fn plan<C: ConnectionTrait>(
    db: &C,
    rows: &[Row],
    today: NaiveDate,
) -> Result<Plan, DbErr> {
    let mut plan = Plan::default();
    let Some((header, body)) = rows.split_first() else {
        plan.errors.push((0, "文件中没有数据".into()));
        return Ok(plan);
    };
    let pos = header_positions(header, COLUMNS);
    for (i, required) in [(0usize, "统一社会信用代码"), (1, "列入原因")] {
        if pos[i].is_none() {
            plan.errors
                .push((header.line, format!("表头缺少“{required}”列")));
        }
    }
    if !plan.errors.is_empty() {
        return Ok(plan);
    }
    if body.is_empty() {
        plan.errors
            .push((header.line, "文件中只有表头，没有数据行".into()));
        return Ok(plan);
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for row in body {
        let cell = |i: usize| -> &str {
            pos[i]
                .and_then(|p| row.cells.get(p))
                .map(String::as_str)
                .unwrap_or("")
        };
        let mut problems: Vec<String> = Vec::new();
        let code = match crate::identity::credit_code(cell(0)) {
            Ok(c) => c,
            Err(m) => {
                problems.push(m.to_owned());
                String::new()
            }
        };
        if !code.is_empty()
            && let Some(first) = seen.insert(code.clone(), row.line)
        {
            problems.push(format!("统一社会信用代码与第 {first} 行重复"));
        }
        let (reason, from, to) = cells(cell(1), cell(2), cell(3), today, &mut problems);
        let found = if code.is_empty() {
            None
        } else {
            enterprise::Entity::find()
                .filter(enterprise::Column::CreditCode.eq(&code))
                .one(db)
                .await?
        };
        if !code.is_empty() && found.is_none() {
            problems.push("该统一社会信用代码的单位尚未在系统中建档".into());
        }
        if let (Some(e), Some(f)) = (&found, from)
            && let Some(old) = overlapping(db, e.id, f, to).await?
        {
            problems.push(format!(
                "该单位已在诚信企业库中（{}）",
                validity(old.valid_from, old.valid_to)
            ));
        }
        match (found, from) {
            (Some(e), Some(from)) if problems.is_empty() => plan.lines.push(Line {
                line: row.line,
                credit_code: code,
                name: e.name,
                entry: NewEntry {
                    enterprise_id: e.id,
                    reason,
                    valid_from: from,
                    valid_to: to,
                },
            }),
            _ => plan.errors.push((row.line, problems.join("；"))),
        }
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_common_spreadsheet_forms_are_read() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        assert_eq!(date_cell("2026-01-05"), Some(d));
        assert_eq!(date_cell("2026/1/5"), Some(d));
        assert_eq!(date_cell("2026-01-05 00:00:00"), Some(d));
        assert_eq!(date_cell("5.1.2026"), None);
    }
}
