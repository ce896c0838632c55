//! Enterprise growth per registration office (F47): newly registered
//! enterprises, enterprises with their first registered contract, and
//! active enterprises (a contract submitted), per office and per month.
//!
//! The period filter runs in SQL on UTC instants (indexed columns); the
//! office responsible on the event's Shanghai date is resolved in Rust from
//! the matched enterprises' assignment rows, so a reassignment in the middle
//! of a period counts each event for the office of its own day.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use techreg_entities::contract::contract;
use techreg_entities::org::{enterprise, enterprise_assignment, office};

use super::Period;
use crate::clock::shanghai_date;

/// The status of a registered contract (已登记).
pub const CONTRACT_REGISTERED: &str = "registered";

/// Enterprise ids per `IN (…)` query: below the bind limits of SQLite and
/// PostgreSQL.
const CHUNK: usize = 5000;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// 新增注册企业
    pub new_enterprises: u64,
    /// 首次登记合同企业
    pub first_contract: u64,
    /// 活跃企业
    pub active: u64,
}

/// One office's row; `office` is `None` for enterprises no office was
/// responsible for (and contracts without a handling office).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfficeRow {
    pub office: Option<office::Model>,
    pub counts: Counts,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonthRow {
    /// The month, cut to the report period.
    pub period: Period,
    pub counts: Counts,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Growth {
    pub period: Period,
    pub rows: Vec<OfficeRow>,
    /// Distinct enterprises over the covered offices.
    pub total: Counts,
    /// The total month by month.
    pub months: Vec<MonthRow>,
}

/// Which offices a report covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Coverage {
    /// Every office, plus a row for enterprises without one.
    City,
    Offices(BTreeSet<i64>),
}

impl Coverage {
    fn includes(&self, office: Option<i64>) -> bool {
        match self {
            Coverage::City => true,
            Coverage::Offices(ids) => office.is_some_and(|o| ids.contains(&o)),
        }
    }
}

/// An enterprise's assignment rows.
type Assignments = HashMap<i64, Vec<(i64, NaiveDate, Option<NaiveDate>)>>;

async fn assignments_of<C: ConnectionTrait>(db: &C, ids: &[i64]) -> Result<Assignments, DbErr> {
    let mut out: Assignments = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<(i64, i64, NaiveDate, Option<NaiveDate>)> =
            enterprise_assignment::Entity::find()
                .select_only()
                .column(enterprise_assignment::Column::EnterpriseId)
                .column(enterprise_assignment::Column::OfficeId)
                .column(enterprise_assignment::Column::ValidFrom)
                .column(enterprise_assignment::Column::ValidTo)
                .filter(enterprise_assignment::Column::EnterpriseId.is_in(chunk.iter().copied()))
                .into_tuple()
                .all(db)
                .await?;
        for (e, o, from, to) in rows {
            out.entry(e).or_default().push((o, from, to));
        }
    }
    Ok(out)
}

/// As `org::service::responsible_office`, over rows already loaded.
fn responsible(
    rows: Option<&Vec<(i64, NaiveDate, Option<NaiveDate>)>>,
    on: NaiveDate,
) -> Option<i64> {
    rows?
        .iter()
        .filter(|(_, from, to)| *from <= on && to.is_none_or(|t| t > on))
        .max_by_key(|(_, from, _)| *from)
        .map(|(o, _, _)| *o)
}

/// Events (enterprise, instant) attributed to the responsible office on the
/// event's Shanghai date: per-office counts, the distinct total, per-month
/// totals. Each enterprise has at most one event here.
async fn attribute<C: ConnectionTrait>(
    db: &C,
    events: Vec<(i64, DateTime<Utc>)>,
    coverage: &Coverage,
    months: &[Period],
) -> Result<(HashMap<Option<i64>, u64>, u64, Vec<u64>), DbErr> {
    let ids: Vec<i64> = events.iter().map(|(e, _)| *e).collect();
    let assignments = assignments_of(db, &ids).await?;
    let mut per_office: HashMap<Option<i64>, u64> = HashMap::new();
    let mut total = 0;
    let mut per_month = vec![0; months.len()];
    for (e, at) in events {
        let day = shanghai_date(at);
        let office = responsible(assignments.get(&e), day);
        if !coverage.includes(office) {
            continue;
        }
        *per_office.entry(office).or_default() += 1;
        total += 1;
        if let Some(i) = months.iter().position(|m| m.contains(day)) {
            per_month[i] += 1;
        }
    }
    Ok((per_office, total, per_month))
}

/// Enterprises with at least one contract submitted in `[start, end)`:
/// per handling office, and distinct over the covered offices.
async fn active<C: ConnectionTrait>(
    db: &C,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    coverage: &Coverage,
    per_office: bool,
) -> Result<(HashMap<Option<i64>, u64>, u64), DbErr> {
    let distinct = || {
        Expr::expr(Func::count_distinct(Expr::col(
            contract::Column::EnterpriseId,
        )))
    };
    let base = || {
        let q = contract::Entity::find()
            .select_only()
            .filter(contract::Column::SubmittedAt.gte(start))
            .filter(contract::Column::SubmittedAt.lt(end));
        match coverage {
            Coverage::City => q,
            Coverage::Offices(ids) => {
                q.filter(contract::Column::OfficeId.is_in(ids.iter().copied()))
            }
        }
    };
    let mut rows = HashMap::new();
    if per_office {
        let found: Vec<(Option<i64>, i64)> = base()
            .column(contract::Column::OfficeId)
            .column_as(distinct(), "n")
            .group_by(contract::Column::OfficeId)
            .into_tuple()
            .all(db)
            .await?;
        rows = found.into_iter().map(|(o, n)| (o, n as u64)).collect();
    }
    let total: Option<i64> = base()
        .column_as(distinct(), "n")
        .into_tuple()
        .one(db)
        .await?;
    Ok((rows, total.unwrap_or(0) as u64))
}

/// The growth report for `period` over `coverage`.
pub async fn enterprise_growth<C: ConnectionTrait>(
    db: &C,
    period: Period,
    coverage: &Coverage,
) -> Result<Growth, DbErr> {
    let (start, end) = (period.start_utc(), period.end_utc());
    let months = period.months();

    let created: Vec<(i64, DateTime<Utc>)> = enterprise::Entity::find()
        .select_only()
        .column(enterprise::Column::Id)
        .column(enterprise::Column::CreatedAt)
        .filter(enterprise::Column::CreatedAt.gte(start))
        .filter(enterprise::Column::CreatedAt.lt(end))
        .into_tuple()
        .all(db)
        .await?;
    let (new_by_office, new_total, new_by_month) =
        attribute(db, created, coverage, &months).await?;

    // The first registration over all time, kept when it falls in the period.
    let first_at = Expr::expr(Func::min(Expr::col(contract::Column::RegisteredAt)));
    let firsts: Vec<(i64, DateTime<Utc>)> = contract::Entity::find()
        .select_only()
        .column(contract::Column::EnterpriseId)
        .column_as(first_at.clone(), "first_at")
        .filter(contract::Column::Status.eq(CONTRACT_REGISTERED))
        .filter(contract::Column::RegisteredAt.is_not_null())
        .group_by(contract::Column::EnterpriseId)
        .having(first_at.clone().gte(start))
        .having(first_at.lt(end))
        .into_tuple()
        .all(db)
        .await?;
    let (first_by_office, first_total, first_by_month) =
        attribute(db, firsts, coverage, &months).await?;

    let (active_by_office, active_total) = active(db, start, end, coverage, true).await?;
    let mut month_rows = Vec::with_capacity(months.len());
    for (i, m) in months.iter().enumerate() {
        let (_, n) = active(db, m.start_utc(), m.end_utc(), coverage, false).await?;
        month_rows.push(MonthRow {
            period: *m,
            counts: Counts {
                new_enterprises: new_by_month[i],
                first_contract: first_by_month[i],
                active: n,
            },
        });
    }

    let counts_of = |o: Option<i64>| Counts {
        new_enterprises: new_by_office.get(&o).copied().unwrap_or(0),
        first_contract: first_by_office.get(&o).copied().unwrap_or(0),
        active: active_by_office.get(&o).copied().unwrap_or(0),
    };
    let mut offices = office::Entity::find().order_by_asc(office::Column::Code);
    if let Coverage::Offices(ids) = coverage {
        offices = offices.filter(office::Column::Id.is_in(ids.iter().copied()));
    }
    let mut rows: Vec<OfficeRow> = offices
        .all(db)
        .await?
        .into_iter()
        .map(|o| OfficeRow {
            counts: counts_of(Some(o.id)),
            office: Some(o),
        })
        .filter(|r| {
            // Closed offices only while they still have something to show.
            r.office.as_ref().is_some_and(|o| o.status != "closed") || r.counts != Counts::default()
        })
        .collect();
    let unassigned = counts_of(None);
    if *coverage == Coverage::City && unassigned != Counts::default() {
        rows.push(OfficeRow {
            office: None,
            counts: unassigned,
        });
    }
    Ok(Growth {
        period,
        rows,
        total: Counts {
            new_enterprises: new_total,
            first_contract: first_total,
            active: active_total,
        },
        months: month_rows,
    })
}

/// The report as an Excel workbook: one sheet per office, one per month,
/// a title row with the period, numbers as numbers.
pub fn to_xlsx(g: &Growth) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, FormatAlign, Workbook};
    let title = Format::new()
        .set_bold()
        .set_font_size(14)
        .set_align(FormatAlign::Center);
    let head = Format::new()
        .set_bold()
        .set_background_color("F0F3F7")
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let bold = Format::new().set_bold();
    let headers = ["新增注册企业", "首次登记合同企业", "活跃企业"];
    let numbers = |c: &Counts| [c.new_enterprises, c.first_contract, c.active];

    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("各登记处")?;
    ws.merge_range(
        0,
        0,
        0,
        4,
        &format!("各登记处企业增长统计（{}）", g.period.label()),
        &title,
    )?;
    for (col, h) in ["登记处编码", "登记处"]
        .iter()
        .chain(headers.iter())
        .enumerate()
    {
        ws.write_string_with_format(1, col as u16, *h, &head)?;
    }
    let mut row = 2u32;
    for r in &g.rows {
        let (code, name) = match &r.office {
            Some(o) => (o.code.as_str(), o.name.as_str()),
            None => ("", UNASSIGNED),
        };
        ws.write_string(row, 0, code)?;
        ws.write_string(row, 1, name)?;
        for (i, n) in numbers(&r.counts).into_iter().enumerate() {
            ws.write_number(row, 2 + i as u16, n as f64)?;
        }
        row += 1;
    }
    ws.write_string_with_format(row, 1, "合计", &bold)?;
    for (i, n) in numbers(&g.total).into_iter().enumerate() {
        ws.write_number_with_format(row, 2 + i as u16, n as f64, &bold)?;
    }
    ws.set_column_width(0, 14)?;
    ws.set_column_width(1, 30)?;
    for c in 2..5 {
        ws.set_column_width(c, 18)?;
    }

    let ws = wb.add_worksheet();
    ws.set_name("按月")?;
    ws.merge_range(
        0,
        0,
        0,
        3,
        &format!("企业增长按月统计（{}）", g.period.label()),
        &title,
    )?;
    for (col, h) in ["月份"].iter().chain(headers.iter()).enumerate() {
        ws.write_string_with_format(1, col as u16, *h, &head)?;
    }
    for (i, m) in g.months.iter().enumerate() {
        let row = 2 + i as u32;
        ws.write_string(row, 0, month_label(&m.period))?;
        for (j, n) in numbers(&m.counts).into_iter().enumerate() {
            ws.write_number(row, 1 + j as u16, n as f64)?;
        }
    }
    ws.set_column_width(0, 12)?;
    for c in 1..4 {
        ws.set_column_width(c, 18)?;
    }
    wb.save_to_buffer()
}

/// The row label of enterprises without a responsible office.
pub const UNASSIGNED: &str = "未分配登记处";

/// `2026-07`
pub fn month_label(m: &Period) -> String {
    m.from.format("%Y-%m").to_string()
}
