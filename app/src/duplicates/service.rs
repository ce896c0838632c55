//! The duplicate domain's rules and transactions: the configured
//! thresholds, the reviewer's decision on a pair (audited, remembered per
//! pair, version-checked), the record of a comparison with another
//! office's contract, and the supervision batch check with its export.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::json;
use techreg_entities::contract::duplicate_decision;
use techreg_entities::org::office;

use super::Duplicates;
use super::matching::decision_of;
use super::model::{DecisionForm, ReportQuery, Thresholds, pair};
use super::report::{self, Cluster};
use crate::audit::{self, Entry, Outcome};
use crate::core::clock::shanghai_date;
use crate::core::period::Period;
use crate::core::{Caller, Coverage, DomainError, DomainResult, ObjectScope, Scope};
use crate::security::rbac::perm;

/// Review staff: who may decide on the duplicates of a case they reach.
const STAFF: [&str; 4] = [
    perm::CONTRACT_ACCEPT,
    perm::CONTRACT_REVIEW,
    perm::CONTRACT_LARGE,
    perm::CONTRACT_APPROVE,
];

/// The configured thresholds.
pub async fn thresholds(cx: &Duplicates) -> Thresholds {
    let d = Thresholds::default();
    let get = async |key: &str, default: i64| cx.settings.get_i64(key).await.unwrap_or(default);
    Thresholds {
        min_score: get("duplicates.min_score", d.min_score as i64).await as u32,
        date_window_days: get("duplicates.date_window_days", d.date_window_days).await,
        amount_tolerance_pct: get("duplicates.amount_tolerance_pct", d.amount_tolerance_pct).await,
    }
}

/// Whether the caller works the case at `case` (any review permission
/// whose scope covers it) and so may decide on its duplicates.
pub fn may_decide(caller: &Caller, case: &ObjectScope) -> bool {
    STAFF
        .iter()
        .any(|p| caller.grants.covers(p, case, caller.user.id))
}

/// A decision as stored.
pub struct Decided {
    pub duplicate: bool,
}

/// Records the caller's decision on the pair (`id`, the case at `case`;
/// `other`) at the version the form showed. Someone else deciding first
/// is a conflict with the text to show.
pub async fn decide(
    cx: &Duplicates,
    caller: &Caller,
    case: &ObjectScope,
    id: i64,
    other: i64,
    form: &DecisionForm,
) -> DomainResult<Decided> {
    if !may_decide(caller, case) {
        return Err(DomainError::Forbidden("contract review"));
    }
    let (version, decision) = form.parsed()?;
    let reason = form.check().map_err(DomainError::Invalid)?;
    let (x, y) = pair(id, other);
    let now = cx.core.now();
    let actor = caller.actor();
    let txn = cx.core.begin().await?;
    let current = decision_of(&txn, x, y).await?;
    let ok = match &current {
        None if version == 0 => duplicate_decision::ActiveModel {
            contract_a: Set(x),
            contract_b: Set(y),
            decision: Set(decision.to_owned()),
            reason: Set(reason.clone()),
            user_id: Set(Some(caller.user.id)),
            actor: Set(actor.name.clone()),
            decided_at: Set(now),
            version: Set(1),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .is_ok(),
        Some(d) if d.version == version => {
            update(&txn, d.id, version, decision, &reason, caller, now).await?
        }
        _ => false,
    };
    if !ok {
        drop(txn);
        return Err(DomainError::Conflict(
            "已由他人判定，未重复办理；下面是最新的判定。".into(),
        ));
    }
    audit::record(
        &txn,
        now,
        &actor,
        Entry {
            action: "duplicate.decide",
            object_type: Some("contract"),
            object_id: Some(id.to_string()),
            outcome: Outcome::Success,
            detail: json!({
                "pair": [x, y], "decision": decision, "reason": reason,
                "previous": current.as_ref().map(|d| d.decision.clone()),
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Decided {
        duplicate: decision == super::model::DUPLICATE,
    })
}

/// Changes the decision row `row_id` at `version`; whether it still was.
async fn update(
    txn: &sea_orm::DatabaseTransaction,
    row_id: i64,
    version: i32,
    decision: &str,
    reason: &str,
    caller: &Caller,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    use duplicate_decision::Column as D;
    let n = duplicate_decision::Entity::update_many()
        .col_expr(D::Decision, Expr::value(decision.to_owned()))
        .col_expr(D::Reason, Expr::value(reason.to_owned()))
        .col_expr(D::UserId, Expr::value(Some(caller.user.id)))
        .col_expr(D::Actor, Expr::value(caller.user.username.clone()))
        .col_expr(D::DecidedAt, Expr::value(now))
        .col_expr(D::Version, Expr::value(version + 1))
        .filter(D::Id.eq(row_id))
        .filter(D::Version.eq(version))
        .exec(txn)
        .await?
        .rows_affected;
    Ok(n == 1)
}

/// Records that the caller was shown `other`, another office's contract,
/// to compare it with the case `id`.
pub async fn record_comparison(
    cx: &Duplicates,
    caller: &Caller,
    id: i64,
    other: i64,
) -> DomainResult<()> {
    let txn = cx.core.begin().await?;
    audit::record(
        &txn,
        cx.core.now(),
        &caller.actor(),
        Entry {
            action: "duplicate.compare",
            object_type: Some("contract"),
            object_id: Some(other.to_string()),
            outcome: Outcome::Success,
            detail: json!({ "case": id }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// City-wide for a city-wide `supervision.sample` grant, otherwise the
/// grant's offices.
fn allowed(caller: &Caller) -> DomainResult<Coverage> {
    caller.require(perm::SUPERVISION_SAMPLE)?;
    let mut ids = BTreeSet::new();
    for g in caller
        .grants
        .0
        .iter()
        .filter(|g| g.permissions.contains(perm::SUPERVISION_SAMPLE))
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
        return Err(DomainError::Forbidden(
            "supervision.sample without an office",
        ));
    }
    Ok(Coverage::Offices(ids))
}

/// The period and offices asked for, or the message why not. An office
/// outside the caller's is not found.
fn resolve(
    allowed: &Coverage,
    q: &ReportQuery,
    today: NaiveDate,
) -> DomainResult<Result<(Period, Coverage), String>> {
    let parse = |s: &str, default: NaiveDate| {
        if s.trim().is_empty() {
            Ok(default)
        } else {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map_err(|_| "日期格式应为 YYYY-MM-DD".to_owned())
        }
    };
    let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    let period = match (parse(&q.from, year_start), parse(&q.to, today)) {
        (Ok(f), Ok(t)) => Period::new(f, t),
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    let period = match period {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    let office = q.office.trim();
    if office.is_empty() {
        return Ok(Ok((period, allowed.clone())));
    }
    let Ok(id) = office.parse::<i64>() else {
        return Ok(Err("登记处无效".into()));
    };
    if let Coverage::Offices(ids) = allowed
        && !ids.contains(&id)
    {
        return Err(DomainError::NotFound);
    }
    Ok(Ok((period, Coverage::Offices(BTreeSet::from([id])))))
}

/// What the batch check screen shows: the offices to choose from, and the
/// clusters of the period asked for (or why it could not be read).
pub struct ReportData {
    pub offices: Vec<(i64, String)>,
    pub result: Result<(Period, Vec<Cluster>), String>,
}

pub async fn report(cx: &Duplicates, caller: &Caller, q: &ReportQuery) -> DomainResult<ReportData> {
    let allowed = allowed(caller)?;
    let today = shanghai_date(cx.core.now());
    let offices: Vec<(i64, String)> = office::Entity::find()
        .order_by_asc(office::Column::Code)
        .all(&cx.core.db)
        .await?
        .into_iter()
        .filter(|o| allowed.includes(Some(o.id)))
        .map(|o| (o.id, format!("{} {}", o.code, o.name)))
        .collect();
    let result = match resolve(&allowed, q, today)? {
        Err(e) => Err(e),
        Ok((period, coverage)) => {
            let t = thresholds(cx).await;
            let clusters = report::clusters(cx, &cx.core.db, period, &coverage, &t).await?;
            Ok((period, clusters))
        }
    };
    Ok(ReportData { offices, result })
}

/// The batch check as an Excel workbook, with its file name; the export is
/// audited.
pub async fn export(
    cx: &Duplicates,
    caller: &Caller,
    q: &ReportQuery,
) -> DomainResult<(Vec<u8>, String)> {
    let allowed = allowed(caller)?;
    let today = shanghai_date(cx.core.now());
    let (period, coverage) = resolve(&allowed, q, today)?.map_err(DomainError::BadRequest)?;
    let t = thresholds(cx).await;
    let clusters = report::clusters(cx, &cx.core.db, period, &coverage, &t).await?;
    let bytes = report::to_xlsx(period, &clusters).map_err(|e| DomainError::Internal(e.into()))?;
    let txn = cx.core.begin().await?;
    audit::record(
        &txn,
        cx.core.now(),
        &caller.actor(),
        Entry {
            action: "report.export",
            object_type: Some("report"),
            object_id: Some("duplicates".into()),
            outcome: Outcome::Success,
            detail: json!({
                "from": period.from.to_string(), "to": period.to.to_string(),
                "offices": match &coverage { Coverage::City => json!("all"), Coverage::Offices(ids) => json!(ids) },
                "clusters": clusters.len(),
            }),
        },
    )
    .await?;
    txn.commit().await?;
    let (f, t) = (period.from.format("%Y%m%d"), period.to.format("%Y%m%d"));
    Ok((bytes, format!("duplicates-{f}-{t}.xlsx")))
}
