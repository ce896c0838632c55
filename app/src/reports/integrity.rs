//! Enterprise integrity statistics (F35): the enterprises in the integrity
//! library during a period, by office, with the applications they
//! submitted in the period and their outcomes; filtered by office and
//! enterprise; exported to Excel. Office-scoped `report.view` sees its
//! offices' rows only.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use poem::http::{StatusCode, header};
use poem::web::Query;
use poem::{IntoResponse, Response, Route, get, handler};
use sea_orm::sea_query::Query as SqlQuery;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::json;
use techreg_entities::contract::contract;
use techreg_entities::org::{enterprise, integrity_entry, office};
use techreg_views::components::Crumb;
use techreg_views::pages::integrity::{self as pages, OfficeChoice, ReportRow, ReportView};

use super::routes::{allowed, content_disposition};
use super::{Period, parse_period};
use crate::audit::{self, Entry, Outcome};
use crate::contracts::money::format_fen;
use crate::contracts::queues::OPEN;
use crate::contracts::state::Status;
use crate::core::Caller;
use crate::core::Coverage;
use crate::integrity::{enterprises_by_id, validity};
use crate::web::{Ctx, WebError};

pub fn routes(route: Route) -> Route {
    route
        .at("/reports/integrity", get(report_page))
        .at("/reports/integrity.xlsx", get(report_xlsx))
}

const TITLE: &str = "企业诚信统计";
pub const UNASSIGNED: &str = "（未对口）";

#[derive(Deserialize, Serialize, Default, Clone)]
struct ReportQuery {
    #[serde(default)]
    period: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    office: String,
    #[serde(default)]
    q: String,
}

/// One enterprise at one office.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub office: Option<office::Model>,
    pub enterprise: enterprise::Model,
    pub validity: String,
    pub submitted: u64,
    pub registered: u64,
    pub not_accepted: u64,
    pub refused: u64,
    pub in_progress: u64,
    /// Registered 技术交易额 (approved where adjusted), fen.
    pub tech_amount: i64,
}

#[derive(Clone, Debug, Default)]
pub struct Report {
    pub lines: Vec<Line>,
}

impl Line {
    fn new(office: Option<office::Model>, enterprise: enterprise::Model, validity: String) -> Line {
        Line {
            office,
            enterprise,
            validity,
            submitted: 0,
            registered: 0,
            not_accepted: 0,
            refused: 0,
            in_progress: 0,
            tech_amount: 0,
        }
    }
}

impl Report {
    pub fn total(&self) -> (u64, u64, u64, u64, u64, i64) {
        self.lines.iter().fold((0, 0, 0, 0, 0, 0), |t, l| {
            (
                t.0 + l.submitted,
                t.1 + l.registered,
                t.2 + l.not_accepted,
                t.3 + l.refused,
                t.4 + l.in_progress,
                t.5 + l.tech_amount,
            )
        })
    }
}

/// The report: entries in force at some time in the period (not removed
/// before it began), their enterprises' applications submitted in it.
pub async fn integrity_report<C: ConnectionTrait>(
    db: &C,
    period: Period,
    coverage: &Coverage,
    office_filter: Option<i64>,
    q: &str,
    today: NaiveDate,
) -> Result<Report, DbErr> {
    use integrity_entry::Column as E;
    let mut select = integrity_entry::Entity::find()
        .filter(E::ValidFrom.lte(period.to))
        .filter(
            Condition::any()
                .add(E::ValidTo.is_null())
                .add(E::ValidTo.gte(period.from)),
        )
        .filter(
            Condition::any()
                .add(E::RemovedAt.is_null())
                .add(E::RemovedAt.gte(period.start_utc())),
        );
    let q = q.trim();
    if !q.is_empty() {
        let code = crate::core::text::normalize_code(q);
        select = select.filter(
            E::EnterpriseId.in_subquery(
                SqlQuery::select()
                    .column(enterprise::Column::Id)
                    .from(enterprise::Entity)
                    .cond_where(
                        Condition::any()
                            .add(enterprise::Column::Name.like(format!("%{q}%")))
                            .add(enterprise::Column::CreditCode.like(format!("{code}%"))),
                    )
                    .to_owned(),
            ),
        );
    }
    let entries = select.all(db).await?;
    // The validity shown: every entry of the enterprise that touches the period.
    let mut validity_of: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for e in &entries {
        validity_of
            .entry(e.enterprise_id)
            .or_default()
            .push(validity(e.valid_from, e.valid_to));
    }
    let ids: Vec<i64> = validity_of.keys().copied().collect();
    let enterprises = enterprises_by_id(db, ids.iter().copied()).await?;
    let offices: BTreeMap<i64, office::Model> = office::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let mut lines: BTreeMap<(Option<i64>, i64), Line> = BTreeMap::new();
    let mut with_cases: BTreeSet<i64> = BTreeSet::new();
    for chunk in ids.chunks(500) {
        let cases = contract::Entity::find()
            .filter(contract::Column::EnterpriseId.is_in(chunk.iter().copied()))
            .filter(contract::Column::SubmittedAt.gte(period.start_utc()))
            .filter(contract::Column::SubmittedAt.lt(period.end_utc()))
            .filter(contract::Column::OfficeId.is_not_null())
            .all(db)
            .await?;
        for c in cases {
            let Some(e) = c.enterprise_id.and_then(|e| enterprises.get(&e)) else {
                continue;
            };
            with_cases.insert(e.id);
            let line = lines.entry((c.office_id, e.id)).or_insert_with(|| {
                Line::new(
                    c.office_id.and_then(|o| offices.get(&o)).cloned(),
                    e.clone(),
                    validity_of[&e.id].join("；"),
                )
            });
            line.submitted += 1;
            let status = Status::parse(&c.status).unwrap_or(Status::Draft);
            if c.registered_at.is_some() {
                line.registered += 1;
                line.tech_amount += c.approved_tech_amount.or(c.tech_amount).unwrap_or(0);
            } else if status == Status::NotAccepted {
                line.not_accepted += 1;
            } else if status == Status::Refused {
                line.refused += 1;
            } else if OPEN.contains(&status) || status == Status::Returned {
                line.in_progress += 1;
            }
        }
    }
    let on = period.to.min(today);
    for id in &ids {
        if with_cases.contains(id) {
            continue;
        }
        let Some(e) = enterprises.get(id) else {
            continue;
        };
        let office_id = crate::org::responsible_office(db, *id, on).await?;
        lines.insert(
            (office_id, *id),
            Line::new(
                office_id.and_then(|o| offices.get(&o)).cloned(),
                e.clone(),
                validity_of[id].join("；"),
            ),
        );
    }
    let mut lines: Vec<Line> = lines
        .into_values()
        .filter(|l| {
            let o = l.office.as_ref().map(|o| o.id);
            let covered = match coverage {
                Coverage::City => true,
                Coverage::Offices(ids) => o.is_some_and(|o| ids.contains(&o)),
            };
            covered && office_filter.is_none_or(|f| o == Some(f))
        })
        .collect();
    lines.sort_by(|a, b| {
        let key = |l: &Line| {
            (
                l.office
                    .as_ref()
                    .map(|o| o.code.clone())
                    .unwrap_or_else(|| "~".into()),
                l.enterprise.credit_code.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    Ok(Report { lines })
}

fn office_label(l: &Line) -> String {
    l.office
        .as_ref()
        .map(|o| o.name.clone())
        .unwrap_or_else(|| UNASSIGNED.into())
}

fn view_rows(r: &Report) -> (Vec<ReportRow>, ReportRow) {
    let rows = r
        .lines
        .iter()
        .map(|l| ReportRow {
            office: office_label(l),
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

pub fn to_xlsx(r: &Report, period: &Period) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
    let title = Format::new()
        .set_bold()
        .set_font_size(14)
        .set_align(FormatAlign::Center);
    let head = Format::new()
        .set_bold()
        .set_background_color("F0F3F7")
        .set_border(FormatBorder::Thin);
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    let bold_money = Format::new().set_bold().set_num_format("#,##0.00");
    let headers = [
        "登记处",
        "统一社会信用代码",
        "单位名称",
        "在库有效期",
        "提交申请",
        "已登记",
        "不予受理",
        "不予登记",
        "办理中",
        "登记技术交易额（元）",
    ];
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("企业诚信统计")?;
    ws.merge_range(
        0,
        0,
        0,
        headers.len() as u16 - 1,
        &format!("诚信企业统计（{}）", period.label()),
        &title,
    )?;
    for (col, h) in headers.iter().enumerate() {
        ws.write_string_with_format(1, col as u16, *h, &head)?;
    }
    let mut row = 2u32;
    for l in &r.lines {
        ws.write_string(row, 0, office_label(l))?;
        ws.write_string(row, 1, &l.enterprise.credit_code)?;
        ws.write_string(row, 2, &l.enterprise.name)?;
        ws.write_string(row, 3, &l.validity)?;
        for (i, n) in [
            l.submitted,
            l.registered,
            l.not_accepted,
            l.refused,
            l.in_progress,
        ]
        .into_iter()
        .enumerate()
        {
            ws.write_number(row, 4 + i as u16, n as f64)?;
        }
        ws.write_number_with_format(row, 9, l.tech_amount as f64 / 100.0, &money)?;
        row += 1;
    }
    let t = r.total();
    ws.write_string_with_format(row, 2, format!("合计（{} 家）", r.lines.len()), &bold)?;
    for (i, n) in [t.0, t.1, t.2, t.3, t.4].into_iter().enumerate() {
        ws.write_number_with_format(row, 4 + i as u16, n as f64, &bold)?;
    }
    ws.write_number_with_format(row, 9, t.5 as f64 / 100.0, &bold_money)?;
    ws.set_column_width(0, 24)?;
    ws.set_column_width(1, 22)?;
    ws.set_column_width(2, 32)?;
    ws.set_column_width(3, 26)?;
    for c in 4..9 {
        ws.set_column_width(c, 10)?;
    }
    ws.set_column_width(9, 20)?;
    wb.save_to_buffer()
}

enum Asked {
    Report(Period, Coverage, Option<i64>),
    Refused(String),
}

async fn resolve(ctx: &Ctx, allowed: &Coverage, q: &ReportQuery) -> Result<Asked, WebError> {
    let today = crate::core::clock::shanghai_date(ctx.state.core.clock.now());
    let period = match parse_period(&q.period, &q.from, &q.to, today) {
        Ok(p) => p,
        Err(e) => return Ok(Asked::Refused(e)),
    };
    let office = q.office.trim();
    if office.is_empty() {
        return Ok(Asked::Report(period, allowed.clone(), None));
    }
    let Ok(id) = office.parse::<i64>() else {
        return Ok(Asked::Refused("登记处无效".into()));
    };
    let visible = match allowed {
        Coverage::City => office::Entity::find_by_id(id)
            .one(&ctx.state.core.db)
            .await?
            .is_some(),
        Coverage::Offices(ids) => ids.contains(&id),
    };
    if !visible {
        return Err(WebError::NotFound);
    }
    Ok(Asked::Report(period, allowed.clone(), Some(id)))
}

fn crumbs() -> Vec<Crumb> {
    vec![
        Crumb {
            label: "工作台".into(),
            href: Some("/my".into()),
        },
        Crumb {
            label: TITLE.into(),
            href: None,
        },
    ]
}

#[handler]
async fn report_page(
    ctx: Ctx,
    user: Caller,
    Query(q): Query<ReportQuery>,
) -> Result<Response, WebError> {
    let allowed = allowed(&user)?;
    let offices: Option<Vec<OfficeChoice>> = match &allowed {
        Coverage::Offices(ids) if ids.len() < 2 => None,
        _ => Some(
            office::Entity::find()
                .all(&ctx.state.core.db)
                .await?
                .into_iter()
                .filter(|o| match &allowed {
                    Coverage::City => true,
                    Coverage::Offices(ids) => ids.contains(&o.id),
                })
                .map(|o| OfficeChoice {
                    id: o.id,
                    label: format!("{} {}", o.code, o.name),
                })
                .collect(),
        ),
    };
    let today = crate::core::clock::shanghai_date(ctx.state.core.clock.now());
    let (status, error, report) = match resolve(&ctx, &allowed, &q).await? {
        Asked::Refused(e) => (StatusCode::UNPROCESSABLE_ENTITY, Some(e), None),
        Asked::Report(period, coverage, office) => {
            let r = integrity_report(&ctx.state.core.db, period, &coverage, office, &q.q, today)
                .await?;
            (StatusCode::OK, None, Some((period, r)))
        }
    };
    let (from, to) = match &report {
        Some((p, _)) => (p.from.to_string(), p.to.to_string()),
        None => (q.from.clone(), q.to.clone()),
    };
    let (rows, total) = match &report {
        Some((_, r)) => {
            let (rows, total) = view_rows(r);
            (rows, Some(total))
        }
        None => (Vec::new(), None),
    };
    let xlsx_href = report.as_ref().map(|_| {
        let export = ReportQuery {
            period: String::new(),
            from: from.clone(),
            to: to.clone(),
            office: q.office.trim().to_owned(),
            q: q.q.trim().to_owned(),
        };
        format!(
            "/reports/integrity.xlsx?{}",
            serde_urlencoded::to_string(&export).unwrap_or_default()
        )
    });
    let body = pages::report_page(&ReportView {
        preset: q.period.trim(),
        from: &from,
        to: &to,
        q: &q.q,
        offices: offices.as_deref(),
        office: q.office.trim().parse().ok(),
        error: error.as_deref(),
        period_label: report.as_ref().map(|(p, _)| p.label()),
        rows: &rows,
        total,
        xlsx_href,
    });
    Ok(ctx
        .work_with_status(status, &user, TITLE, &crumbs(), body)
        .await)
}

#[handler]
async fn report_xlsx(
    ctx: Ctx,
    user: Caller,
    Query(q): Query<ReportQuery>,
) -> Result<Response, WebError> {
    let allowed = allowed(&user)?;
    let (period, coverage, office) = match resolve(&ctx, &allowed, &q).await? {
        Asked::Report(p, c, o) => (p, c, o),
        Asked::Refused(e) => {
            let body = pages::report_page(&ReportView {
                preset: q.period.trim(),
                from: &q.from,
                to: &q.to,
                q: &q.q,
                offices: None,
                office: None,
                error: Some(&e),
                period_label: None,
                rows: &[],
                total: None,
                xlsx_href: None,
            });
            return Ok(ctx
                .work_with_status(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &user,
                    TITLE,
                    &crumbs(),
                    body,
                )
                .await);
        }
    };
    let today = crate::core::clock::shanghai_date(ctx.state.core.clock.now());
    let r = integrity_report(&ctx.state.core.db, period, &coverage, office, &q.q, today).await?;
    let bytes = to_xlsx(&r, &period).map_err(|e| WebError::Internal(e.into()))?;
    audit::record(
        &ctx.state.core.db,
        ctx.state.core.clock.now(),
        &user.actor(),
        Entry {
            action: "report.export",
            object_type: Some("report"),
            object_id: Some("integrity".into()),
            outcome: Outcome::Success,
            detail: json!({
                "from": period.from.to_string(), "to": period.to.to_string(),
                "office": office, "q": q.q.trim(),
                "offices": match &coverage {
                    Coverage::City => json!("all"),
                    Coverage::Offices(ids) => json!(ids),
                },
            }),
        },
    )
    .await?;
    let (f, t) = (period.from.format("%Y%m%d"), period.to.format("%Y%m%d"));
    Ok(bytes
        .with_content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .with_header(
            header::CONTENT_DISPOSITION,
            content_disposition(
                &format!("integrity-{f}-{t}.xlsx"),
                &format!("企业诚信统计_{f}-{t}.xlsx"),
            ),
        )
        .with_header(header::CACHE_CONTROL, "no-store")
        .into_response())
}
