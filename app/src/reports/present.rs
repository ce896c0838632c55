//! The reports as their pages show them: rows, totals, the office choices,
//! the quick periods and the export links.

use chrono::{Datelike, NaiveDate};
use techreg_entities::org::office;
use techreg_views::pages::integrity::{OfficeChoice, ReportRow};
use techreg_views::pages::reports::{GrowthReport, GrowthRow, OfficeOption};

use super::growth::{Counts, Growth, UNASSIGNED, month_label};
use super::integrity::Report;
use super::model::{GrowthQuery, IntegrityQuery};
use crate::contracts::money::format_fen;
use crate::core::period::Period;

fn office_label(o: &office::Model) -> String {
    format!("{} {}", o.code, o.name)
}

pub fn growth_offices(offices: &[office::Model]) -> Vec<OfficeOption> {
    offices
        .iter()
        .map(|o| OfficeOption {
            id: o.id,
            label: office_label(o),
        })
        .collect()
}

pub fn integrity_offices(offices: &[office::Model]) -> Vec<OfficeChoice> {
    offices
        .iter()
        .map(|o| OfficeChoice {
            id: o.id,
            label: office_label(o),
        })
        .collect()
}

/// Quick periods (label, query string) around `today`.
pub fn shortcuts(today: NaiveDate) -> Vec<(String, String)> {
    let y = today.year();
    let q = (today.month() - 1) / 3 + 1;
    let (py, pm) = if today.month() == 1 {
        (y - 1, 12)
    } else {
        (y, today.month() - 1)
    };
    vec![
        ("本年".into(), format!("period={y}")),
        ("上年".into(), format!("period={}", y - 1)),
        ("本季度".into(), format!("period={y}-Q{q}")),
        ("本月".into(), format!("period={y}-{:02}", today.month())),
        ("上月".into(), format!("period={py}-{pm:02}")),
    ]
}

fn growth_row(code: &str, name: &str, c: &Counts) -> GrowthRow {
    GrowthRow {
        code: code.to_owned(),
        name: name.to_owned(),
        new_enterprises: c.new_enterprises,
        first_contract: c.first_contract,
        active: c.active,
    }
}

/// The growth report with the link that exports it: the dates it used
/// and the office asked for.
pub fn growth_report(g: &Growth, office: &str) -> GrowthReport {
    let export = GrowthQuery {
        period: String::new(),
        from: g.period.from.to_string(),
        to: g.period.to.to_string(),
        office: office.trim().to_owned(),
    };
    GrowthReport {
        period_label: g.period.label(),
        rows: g
            .rows
            .iter()
            .map(|r| match &r.office {
                Some(o) => growth_row(&o.code, &o.name, &r.counts),
                None => growth_row("", UNASSIGNED, &r.counts),
            })
            .collect(),
        total: growth_row("", "合计", &g.total),
        months: g
            .months
            .iter()
            .map(|m| growth_row("", &month_label(&m.period), &m.counts))
            .collect(),
        xlsx_href: format!(
            "/reports/enterprise-growth.xlsx?{}",
            serde_urlencoded::to_string(&export).unwrap_or_default()
        ),
    }
}

/// The integrity report's rows and its total row.
pub fn integrity_rows(r: &Report) -> (Vec<ReportRow>, ReportRow) {
    let rows = r
        .lines
        .iter()
        .map(|l| ReportRow {
            office: l.office_label(),
            credit_code: l.enterprise.credit_code.clone(),
            name: l.enterprise.name.clone(),
            validity: l.validity.clone(),
            submitted: l.submitted,
            registered: l.registered,
            not_accepted: l.not_accepted,
            refused: l.refused,
            in_progress: l.in_progress,
            tech_amount: format_fen(l.tech_amount),
        })
        .collect();
    let t = r.total();
    let total = ReportRow {
        office: String::new(),
        credit_code: String::new(),
        name: format!("合计（{} 家）", r.lines.len()),
        validity: String::new(),
        submitted: t.0,
        registered: t.1,
        not_accepted: t.2,
        refused: t.3,
        in_progress: t.4,
        tech_amount: format_fen(t.5),
    };
    (rows, total)
}

/// The link that exports the integrity report as shown.
pub fn integrity_href(period: &Period, q: &IntegrityQuery) -> String {
    let export = IntegrityQuery {
        period: String::new(),
        from: period.from.to_string(),
        to: period.to.to_string(),
        office: q.office.trim().to_owned(),
        q: q.q.trim().to_owned(),
    };
    format!(
        "/reports/integrity.xlsx?{}",
        serde_urlencoded::to_string(&export).unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortcuts_wrap_around_the_year() {
        let q = shortcuts(NaiveDate::from_ymd_opt(2026, 1, 15).unwrap());
        let queries: Vec<&str> = q.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(
            queries,
            [
                "period=2026",
                "period=2025",
                "period=2026-Q1",
                "period=2026-01",
                "period=2025-12"
            ]
        );
    }
}
