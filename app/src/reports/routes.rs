//! Report pages and exports. `report.view` held with an office scope shows
//! that office only; with the city-wide scope, every office.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use poem::http::{StatusCode, header};
use poem::web::Query;
use poem::{IntoResponse, Response, Route, get, handler};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use serde_json::json;
use techreg_entities::org::office;
use techreg_views::components::Crumb;
use techreg_views::pages::reports::{self as pages, GrowthRow, OfficeOption};

use super::growth::{self, Counts, Growth, UNASSIGNED};
use super::{Period, parse_period};
use crate::audit::{self, Entry, Outcome};
use crate::core::Caller;
use crate::core::Coverage;
use crate::core::Scope;
use crate::security::rbac::perm;
use crate::web::{Ctx, WebError};

pub fn routes(route: Route) -> Route {
    route
        .at("/reports/enterprise-growth", get(growth_page))
        .at("/reports/enterprise-growth.xlsx", get(growth_xlsx))
}

const TITLE: &str = "企业增长统计";

#[derive(Deserialize, Serialize, Default)]
struct GrowthQuery {
    #[serde(default)]
    period: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    office: String,
}

/// The offices the user may report on: all (city-wide scope) or the
/// offices of their office-scoped `report.view` grants.
pub(crate) fn allowed(user: &Caller) -> Result<Coverage, WebError> {
    user.require(perm::REPORT_VIEW)?;
    let mut ids = BTreeSet::new();
    for g in user
        .grants
        .0
        .iter()
        .filter(|g| g.permissions.contains(perm::REPORT_VIEW))
    {
        match g.scope {
            Scope::All => return Ok(Coverage::City),
            Scope::Office(id) => {
                ids.insert(id);
            }
            _ => {}
        }
    }
    if ids.is_empty() {
        return Err(WebError::Forbidden("report.view without an office"));
    }
    Ok(Coverage::Offices(ids))
}

/// What the query asks for, within what the user may see.
enum Asked {
    Report(Period, Coverage),
    Refused(String),
}

async fn resolve(ctx: &Ctx, allowed: &Coverage, q: &GrowthQuery) -> Result<Asked, WebError> {
    let today = crate::core::clock::shanghai_date(ctx.state.core.clock.now());
    let period = match parse_period(&q.period, &q.from, &q.to, today) {
        Ok(p) => p,
        Err(e) => return Ok(Asked::Refused(e)),
    };
    let office = q.office.trim();
    if office.is_empty() {
        return Ok(Asked::Report(period, allowed.clone()));
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
    Ok(Asked::Report(
        period,
        Coverage::Offices(BTreeSet::from([id])),
    ))
}

fn row(code: &str, name: &str, c: &Counts) -> GrowthRow {
    GrowthRow {
        code: code.to_owned(),
        name: name.to_owned(),
        new_enterprises: c.new_enterprises,
        first_contract: c.first_contract,
        active: c.active,
    }
}

fn shortcuts(today: NaiveDate) -> Vec<(String, String)> {
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
async fn growth_page(
    ctx: Ctx,
    user: Caller,
    Query(q): Query<GrowthQuery>,
) -> Result<Response, WebError> {
    let allowed = allowed(&user)?;
    // Choosing an office makes sense with more than one to choose from.
    let choices = match &allowed {
        Coverage::City => Some(office::Entity::find()),
        Coverage::Offices(ids) if ids.len() > 1 => {
            Some(office::Entity::find().filter(office::Column::Id.is_in(ids.iter().copied())))
        }
        Coverage::Offices(_) => None,
    };
    let office_choices: Option<Vec<OfficeOption>> = match choices {
        Some(select) => Some(
            select
                .order_by_asc(office::Column::Code)
                .all(&ctx.state.core.db)
                .await?
                .into_iter()
                .map(|o| OfficeOption {
                    id: o.id,
                    label: format!("{} {}", o.code, o.name),
                })
                .collect(),
        ),
        None => None,
    };
    let today = crate::core::clock::shanghai_date(ctx.state.core.clock.now());
    let shortcuts = shortcuts(today);
    let (status, error, report, period) = match resolve(&ctx, &allowed, &q).await? {
        Asked::Refused(e) => (StatusCode::UNPROCESSABLE_ENTITY, Some(e), None, None),
        Asked::Report(period, coverage) => {
            let g = growth::enterprise_growth(&ctx.state.core.db, period, &coverage).await?;
            (StatusCode::OK, None, Some(g), Some(period))
        }
    };
    // The form shows the dates the report used.
    let (from, to) = match period {
        Some(p) => (p.from.to_string(), p.to.to_string()),
        None => (q.from.clone(), q.to.clone()),
    };
    let report_view = report.map(|g| {
        let export = GrowthQuery {
            period: String::new(),
            from: from.clone(),
            to: to.clone(),
            office: q.office.trim().to_owned(),
        };
        pages::GrowthReport {
            period_label: g.period.label(),
            rows: office_rows(&g),
            total: row("", "合计", &g.total),
            months: g
                .months
                .iter()
                .map(|m| row("", &growth::month_label(&m.period), &m.counts))
                .collect(),
            xlsx_href: format!(
                "/reports/enterprise-growth.xlsx?{}",
                serde_urlencoded::to_string(&export).unwrap_or_default()
            ),
        }
    });
    let body = pages::enterprise_growth(&pages::GrowthView {
        preset: q.period.trim(),
        from: &from,
        to: &to,
        offices: office_choices.as_deref(),
        office: q.office.trim().parse().ok(),
        shortcuts: &shortcuts,
        error: error.as_deref(),
        report: report_view,
    });
    Ok(ctx
        .work_with_status(status, &user, TITLE, &crumbs(), body)
        .await)
}

fn office_rows(g: &Growth) -> Vec<GrowthRow> {
    g.rows
        .iter()
        .map(|r| match &r.office {
            Some(o) => row(&o.code, &o.name, &r.counts),
            None => row("", UNASSIGNED, &r.counts),
        })
        .collect()
}

/// `attachment` with an ASCII fallback name and the Chinese name (RFC 6266).
pub(crate) fn content_disposition(ascii: &str, utf8: &str) -> String {
    let encoded: String = utf8
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[handler]
async fn growth_xlsx(
    ctx: Ctx,
    user: Caller,
    Query(q): Query<GrowthQuery>,
) -> Result<Response, WebError> {
    let allowed = allowed(&user)?;
    let (period, coverage) = match resolve(&ctx, &allowed, &q).await? {
        Asked::Report(p, c) => (p, c),
        Asked::Refused(e) => {
            let body = pages::enterprise_growth(&pages::GrowthView {
                preset: q.period.trim(),
                from: &q.from,
                to: &q.to,
                offices: None,
                office: None,
                shortcuts: &[],
                error: Some(&e),
                report: None,
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
    let g = growth::enterprise_growth(&ctx.state.core.db, period, &coverage).await?;
    let bytes = growth::to_xlsx(&g).map_err(|e| WebError::Internal(e.into()))?;
    audit::record(
        &ctx.state.core.db,
        ctx.state.core.clock.now(),
        &user.actor(),
        Entry {
            action: "report.export",
            object_type: Some("report"),
            object_id: Some("enterprise-growth".into()),
            outcome: Outcome::Success,
            detail: json!({
                "from": period.from.to_string(),
                "to": period.to.to_string(),
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
                &format!("enterprise-growth-{f}-{t}.xlsx"),
                &format!("企业增长统计_{f}-{t}.xlsx"),
            ),
        )
        .with_header(header::CACHE_CONTROL, "no-store")
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_download_name_is_ascii_with_a_utf8_alternative() {
        assert_eq!(
            content_disposition("a-1.xlsx", "统计 1.xlsx"),
            "attachment; filename=\"a-1.xlsx\"; filename*=UTF-8''%E7%BB%9F%E8%AE%A1%201.xlsx"
        );
    }

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
