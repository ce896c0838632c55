//! What other parts ask of the integrity library and anomaly records:
//! whether an enterprise is listed or has anomalies in force on a day (one
//! or a page of enterprises), the marks on a case, and what a submission
//! meets (F28, F30): the listing, and the blocking anomalies with the
//! reason the applicant reads. Also the city-scope rule of the screens.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use techreg_entities::org::{enterprise, enterprise_anomaly, integrity_entry};
use techreg_entities::system::dictionary_entry;

use super::Integrity;
use super::model::validity;
use crate::core::clock::shanghai_date;
use crate::core::{Caller, DomainError, DomainResult, FieldErrors, Scope};
use crate::dictionary::DICT_ANOMALY_TYPE;
use crate::security::rbac::perm;

/// The screens and the reinstatement of refusals need `integrity.manage`
/// with the city-wide scope.
pub fn require_manage(caller: &Caller) -> DomainResult<()> {
    caller.require(perm::INTEGRITY_MANAGE)?;
    if caller
        .grants
        .0
        .iter()
        .any(|g| g.permissions.contains(perm::INTEGRITY_MANAGE) && g.scope == Scope::All)
    {
        Ok(())
    } else {
        Err(DomainError::Forbidden(
            "integrity.manage without the city scope",
        ))
    }
}

/// Today in Shanghai: what "in force" is measured against.
pub fn today(cx: &Integrity) -> NaiveDate {
    shanghai_date(cx.core.now())
}

/// Writes the enterprise's history row of a change to its listing or
/// records, inside the caller's transaction.
pub(super) async fn history<C: ConnectionTrait>(
    db: &C,
    enterprise_id: i64,
    actor: &str,
    kind: &str,
    change: serde_json::Value,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), DbErr> {
    crate::org::enterprise_history(db, enterprise_id, actor, kind, change, now).await?;
    Ok(())
}

/// A form's own check added to what the service found: the checked value
/// when there was nothing wrong with it.
pub(super) fn merge<T>(errors: &mut FieldErrors, checked: Result<T, FieldErrors>) -> Option<T> {
    match checked {
        Ok(v) => Some(v),
        Err(found) => {
            for (field, message) in found.iter() {
                errors.add(field, message);
            }
            None
        }
    }
}

/// Enterprises matching a name or credit-code search, as a subquery.
pub(super) fn matching_enterprises(q: &str) -> Option<SelectStatement> {
    let q = q.trim();
    if q.is_empty() {
        return None;
    }
    let code = crate::core::text::normalize_code(q);
    Some(
        Query::select()
            .column(enterprise::Column::Id)
            .from(enterprise::Entity)
            .cond_where(
                Condition::any()
                    .add(enterprise::Column::Name.like(format!("%{q}%")))
                    .add(enterprise::Column::CreditCode.like(format!("{code}%"))),
            )
            .to_owned(),
    )
}

/// Entries in force on `on`.
pub fn entry_active(on: NaiveDate) -> Condition {
    use integrity_entry::Column as C;
    Condition::all()
        .add(C::RemovedAt.is_null())
        .add(C::ValidFrom.lte(on))
        .add(
            Condition::any()
                .add(C::ValidTo.is_null())
                .add(C::ValidTo.gte(on)),
        )
}

/// Anomaly records in force on `on`.
pub fn anomaly_active(on: NaiveDate) -> Condition {
    use enterprise_anomaly::Column as C;
    Condition::all()
        .add(C::LiftedAt.is_null())
        .add(C::ValidFrom.lte(on))
        .add(
            Condition::any()
                .add(C::ValidTo.is_null())
                .add(C::ValidTo.gte(on)),
        )
}

/// The entry in force for an enterprise, if any.
pub async fn listing<C: ConnectionTrait>(
    db: &C,
    enterprise_id: i64,
    on: NaiveDate,
) -> Result<Option<integrity_entry::Model>, DbErr> {
    integrity_entry::Entity::find()
        .filter(integrity_entry::Column::EnterpriseId.eq(enterprise_id))
        .filter(entry_active(on))
        .order_by_desc(integrity_entry::Column::Id)
        .one(db)
        .await
}

/// Anomaly records in force for an enterprise, blocking ones first.
pub async fn anomalies<C: ConnectionTrait>(
    db: &C,
    enterprise_id: i64,
    on: NaiveDate,
) -> Result<Vec<enterprise_anomaly::Model>, DbErr> {
    let mut found = enterprise_anomaly::Entity::find()
        .filter(enterprise_anomaly::Column::EnterpriseId.eq(enterprise_id))
        .filter(anomaly_active(on))
        .order_by_asc(enterprise_anomaly::Column::Id)
        .all(db)
        .await?;
    found.sort_by_key(|a| !a.blocking);
    Ok(found)
}

/// Of `ids`, the enterprises listed on `on` and those with an anomaly in
/// force: the marks of a page of enterprises in one query each.
pub async fn marks<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
    on: NaiveDate,
) -> Result<(BTreeSet<i64>, BTreeSet<i64>), DbErr> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let listed = integrity_entry::Entity::find()
        .filter(integrity_entry::Column::EnterpriseId.is_in(ids.iter().copied()))
        .filter(entry_active(on))
        .all(db)
        .await?
        .into_iter()
        .map(|e| e.enterprise_id)
        .collect();
    let anomalous = enterprise_anomaly::Entity::find()
        .filter(enterprise_anomaly::Column::EnterpriseId.is_in(ids.iter().copied()))
        .filter(anomaly_active(on))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.enterprise_id)
        .collect();
    Ok((listed, anomalous))
}

/// An entry not removed whose validity meets the new one's, `from` to
/// `to` (open-ended when `None`).
pub async fn overlapping<C: ConnectionTrait>(
    db: &C,
    enterprise_id: i64,
    from: NaiveDate,
    to: Option<NaiveDate>,
) -> Result<Option<integrity_entry::Model>, DbErr> {
    use integrity_entry::Column as C;
    let mut select = integrity_entry::Entity::find()
        .filter(C::EnterpriseId.eq(enterprise_id))
        .filter(C::RemovedAt.is_null())
        .filter(
            Condition::any()
                .add(C::ValidTo.is_null())
                .add(C::ValidTo.gte(from)),
        );
    if let Some(to) = to {
        select = select.filter(C::ValidFrom.lte(to));
    }
    select.one(db).await
}

/// Takes the enterprise's row lock for the rest of the transaction, so two
/// city officers adding for one enterprise at once check one after the
/// other (PostgreSQL; SQLite writes one transaction at a time anyway).
pub async fn lock_enterprise<C: ConnectionTrait>(db: &C, enterprise_id: i64) -> Result<(), DbErr> {
    enterprise::Entity::update_many()
        .col_expr(enterprise::Column::Id, Expr::col(enterprise::Column::Id))
        .filter(enterprise::Column::Id.eq(enterprise_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Enterprises by id, for the names on list pages.
pub async fn enterprises_by_id<C: ConnectionTrait>(
    db: &C,
    ids: impl IntoIterator<Item = i64>,
) -> Result<BTreeMap<i64, enterprise::Model>, DbErr> {
    let ids: BTreeSet<i64> = ids.into_iter().collect();
    let mut out = BTreeMap::new();
    let ids: Vec<i64> = ids.into_iter().collect();
    for chunk in ids.chunks(500) {
        for e in enterprise::Entity::find()
            .filter(enterprise::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            out.insert(e.id, e);
        }
    }
    Ok(out)
}

/// Lines for a case's header: the enterprise's integrity listing and
/// anomalies in force on `on`. `listed_at_submission` is what the case
/// remembered when it was submitted.
pub async fn case_marks<C: ConnectionTrait>(
    db: &C,
    enterprise_id: Option<i64>,
    listed_at_submission: bool,
    on: NaiveDate,
) -> Result<Vec<(&'static str, String)>, DbErr> {
    let Some(e) = enterprise_id else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    if let Some(l) = listing(db, e, on).await? {
        out.push((
            "诚信企业",
            format!(
                "诚信企业库在库企业（{}），优先办理",
                validity(l.valid_from, l.valid_to)
            ),
        ));
    } else if listed_at_submission {
        out.push(("诚信企业", "提交时为诚信企业库在库企业，优先办理".into()));
    }
    let found = anomalies(db, e, on).await?;
    if !found.is_empty() {
        let text: Vec<String> = found
            .iter()
            .map(|a| {
                format!(
                    "{}{}（{}）",
                    if a.blocking { "【限制受理】" } else { "" },
                    a.description,
                    a.source
                )
            })
            .collect();
        out.push(("异常信息", text.join("；")));
    }
    Ok(out)
}

/// What a submission by an enterprise meets on a day: whether it is
/// listed (its case is marked for priority, F28), and the blocking
/// anomalies in force (the system does not accept it, F30).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Standing {
    pub listed: bool,
    pub blocking: Option<Blocking>,
}

/// The blocking anomalies in force, and the reason the applicant reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blocking {
    pub anomaly_ids: Vec<i64>,
    pub reason: String,
}

/// The enterprise's standing on `on`, read in the caller's transaction.
pub async fn standing<C: ConnectionTrait>(
    db: &C,
    enterprise_id: i64,
    on: NaiveDate,
) -> Result<Standing, DbErr> {
    let listed = listing(db, enterprise_id, on).await?.is_some();
    let found: Vec<_> = anomalies(db, enterprise_id, on)
        .await?
        .into_iter()
        .filter(|a| a.blocking)
        .collect();
    let blocking = if found.is_empty() {
        None
    } else {
        Some(Blocking {
            anomaly_ids: found.iter().map(|a| a.id).collect(),
            reason: refusal_reason(db, &found).await?,
        })
    };
    Ok(Standing { listed, blocking })
}

async fn type_label<C: ConnectionTrait>(db: &C, code: &str) -> Result<String, DbErr> {
    Ok(dictionary_entry::Entity::find()
        .filter(dictionary_entry::Column::DictionaryCode.eq(DICT_ANOMALY_TYPE))
        .filter(dictionary_entry::Column::Code.eq(code))
        .one(db)
        .await?
        .map(|e| e.label)
        .unwrap_or_else(|| code.to_owned()))
}

/// The reason the applicant reads: every blocking record in force.
async fn refusal_reason<C: ConnectionTrait>(
    db: &C,
    blocking: &[enterprise_anomaly::Model],
) -> Result<String, DbErr> {
    let mut parts = Vec::new();
    for a in blocking {
        parts.push(format!(
            "{}（{}；来源：{}；认定日期：{}；有效期：{}）",
            type_label(db, &a.type_code).await?,
            a.description,
            a.source,
            a.recorded_on,
            validity(a.valid_from, a.valid_to)
        ));
    }
    Ok(format!(
        "系统自动不予受理：申请单位存在限制受理的异常信息——{}。如有异议，请联系上海市技术市场管理办公室。",
        parts.join("；")
    ))
}
