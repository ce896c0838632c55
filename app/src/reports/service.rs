//! The reports' services: what the caller may report on, the query read
//! within it (a period that does not parse is a field error, an office
//! outside it not found), the reports, and their Excel exports with an
//! audit row each.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use techreg_entities::org::office;

use super::Reports;
use super::export;
use super::growth::{Growth, enterprise_growth};
use super::integrity::{Report, integrity_report};
use super::model::{GrowthQuery, IntegrityQuery};
use crate::audit::{self, Entry, Outcome};
use crate::core::clock::shanghai_date;
use crate::core::period::{Period, parse_period};
use crate::core::{Caller, Coverage, DomainError, DomainResult, FieldErrors, Scope};
use crate::security::rbac::perm;

pub fn today(cx: &Reports) -> NaiveDate {
    shanghai_date(cx.core.now())
}

/// The offices the caller may report on: all (city-wide scope) or the
/// offices of their office-scoped `report.view` grants.
pub fn coverage(caller: &Caller) -> DomainResult<Coverage> {
    caller.require(perm::REPORT_VIEW)?;
    let mut ids = BTreeSet::new();
    for g in caller
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
        return Err(DomainError::Forbidden("report.view without an office"));
    }
    Ok(Coverage::Offices(ids))
}

/// What a query asks for, within what the caller may see: the period, the
/// caller's coverage and the one office asked for, if any.
struct Asked {
    period: Period,
    coverage: Coverage,
    office: Option<i64>,
}

async fn resolve(
    cx: &Reports,
    coverage: Coverage,
    (period, from, to): (&str, &str, &str),
    office: &str,
) -> DomainResult<Asked> {
    let period = match parse_period(period, from, to, today(cx)) {
        Ok(p) => p,
        Err(e) => return FieldErrors::one("period", e),
    };
    let office = office.trim();
    if office.is_empty() {
        return Ok(Asked {
            period,
            coverage,
            office: None,
        });
    }
    let Ok(id) = office.parse::<i64>() else {
        return FieldErrors::one("office", "登记处无效");
    };
    let visible = match &coverage {
        Coverage::City => office::Entity::find_by_id(id)
            .one(&cx.core.db)
            .await?
            .is_some(),
        Coverage::Offices(ids) => ids.contains(&id),
    };
    if !visible {
        return Err(DomainError::NotFound);
    }
    Ok(Asked {
        period,
        coverage,
        office: Some(id),
    })
}

/// A workbook to download: its content, its name and an ASCII name for
/// clients that cannot take the other.
pub struct Export {
    pub bytes: Vec<u8>,
    pub name: String,
    pub ascii_name: String,
}

fn offices_json(coverage: &Coverage) -> Value {
    match coverage {
        Coverage::City => json!("all"),
        Coverage::Offices(ids) => json!(ids),
    }
}

async fn record_export(
    cx: &Reports,
    caller: &Caller,
    report: &str,
    detail: Value,
) -> DomainResult<()> {
    let txn = cx.core.begin().await?;
    audit::record(
        &txn,
        cx.core.now(),
        &caller.actor(),
        Entry {
            action: "report.export",
            object_type: Some("report"),
            object_id: Some(report.into()),
            outcome: Outcome::Success,
            detail,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

fn day_stamps(period: &Period) -> (String, String) {
    (
        period.from.format("%Y%m%d").to_string(),
        period.to.format("%Y%m%d").to_string(),
    )
}

/// The offices the growth page offers, by code: only with more than one
/// to choose from.
pub async fn growth_offices(
    cx: &Reports,
    caller: &Caller,
) -> DomainResult<Option<Vec<office::Model>>> {
    let select = match coverage(caller)? {
        Coverage::City => office::Entity::find(),
        Coverage::Offices(ids) if ids.len() > 1 => {
            office::Entity::find().filter(office::Column::Id.is_in(ids))
        }
        Coverage::Offices(_) => return Ok(None),
    };
    let offices = select
        .order_by_asc(office::Column::Code)
        .all(&cx.core.db)
        .await?;
    Ok(Some(offices))
}

async fn growth_asked(cx: &Reports, caller: &Caller, q: &GrowthQuery) -> DomainResult<Asked> {
    let coverage = coverage(caller)?;
    let mut asked = resolve(cx, coverage, (&q.period, &q.from, &q.to), &q.office).await?;
    if let Some(id) = asked.office {
        asked.coverage = Coverage::Offices(BTreeSet::from([id]));
    }
    Ok(asked)
}

/// The growth report the query asks for.
pub async fn growth(cx: &Reports, caller: &Caller, q: &GrowthQuery) -> DomainResult<Growth> {
    let asked = growth_asked(cx, caller, q).await?;
    Ok(enterprise_growth(&cx.core.db, asked.period, &asked.coverage).await?)
}

pub async fn growth_export(cx: &Reports, caller: &Caller, q: &GrowthQuery) -> DomainResult<Export> {
    let Asked {
        period, coverage, ..
    } = growth_asked(cx, caller, q).await?;
    let g = enterprise_growth(&cx.core.db, period, &coverage).await?;
    let bytes = export::growth(&g).map_err(|e| DomainError::Internal(e.into()))?;
    let detail = json!({
        "from": period.from.to_string(),
        "to": period.to.to_string(),
        "offices": offices_json(&coverage),
    });
    record_export(cx, caller, "enterprise-growth", detail).await?;
    let (f, t) = day_stamps(&period);
    Ok(Export {
        bytes,
        name: format!("企业增长统计_{f}-{t}.xlsx"),
        ascii_name: format!("enterprise-growth-{f}-{t}.xlsx"),
    })
}

/// The offices the integrity page offers: only with more than one to
/// choose from.
pub async fn integrity_offices(
    cx: &Reports,
    caller: &Caller,
) -> DomainResult<Option<Vec<office::Model>>> {
    let coverage = coverage(caller)?;
    if matches!(&coverage, Coverage::Offices(ids) if ids.len() < 2) {
        return Ok(None);
    }
    let offices = office::Entity::find()
        .all(&cx.core.db)
        .await?
        .into_iter()
        .filter(|o| coverage.includes(Some(o.id)))
        .collect();
    Ok(Some(offices))
}

/// The integrity report the query asks for, over its period.
pub async fn integrity(
    cx: &Reports,
    caller: &Caller,
    q: &IntegrityQuery,
) -> DomainResult<(Period, Report)> {
    let coverage = coverage(caller)?;
    let asked = resolve(cx, coverage, (&q.period, &q.from, &q.to), &q.office).await?;
    let r = integrity_report(
        &cx.core.db,
        asked.period,
        &asked.coverage,
        asked.office,
        &q.q,
        today(cx),
    )
    .await?;
    Ok((asked.period, r))
}

pub async fn integrity_export(
    cx: &Reports,
    caller: &Caller,
    q: &IntegrityQuery,
) -> DomainResult<Export> {
    let coverage = coverage(caller)?;
    let Asked {
        period,
        coverage,
        office,
    } = resolve(cx, coverage, (&q.period, &q.from, &q.to), &q.office).await?;
    let r = integrity_report(&cx.core.db, period, &coverage, office, &q.q, today(cx)).await?;
    let bytes = export::integrity(&r, &period).map_err(|e| DomainError::Internal(e.into()))?;
    let detail = json!({
        "from": period.from.to_string(), "to": period.to.to_string(),
        "office": office, "q": q.q.trim(),
        "offices": offices_json(&coverage),
    });
    record_export(cx, caller, "integrity", detail).await?;
    let (f, t) = day_stamps(&period);
    Ok(Export {
        bytes,
        name: format!("企业诚信统计_{f}-{t}.xlsx"),
        ascii_name: format!("integrity-{f}-{t}.xlsx"),
    })
}
