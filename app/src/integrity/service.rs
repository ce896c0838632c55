//! Reading and changing the integrity library and anomaly records. Every
//! change is one transaction with an enterprise history row and an audit
//! row; open cases of the enterprise follow a change of the list.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr,
    EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::json;
use techreg_entities::contract::contract;
use techreg_entities::org::{enterprise, enterprise_anomaly, integrity_entry};

use crate::audit::{self, Actor, Entry, Outcome};
use crate::contracts::queues::OPEN;

/// Longest reason, description or source text.
pub const TEXT_MAX: usize = 500;

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

/// Why a new entry cannot be added.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error("该企业已在诚信企业库中（{0}），请勿重复列入")]
    AlreadyListed(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

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

/// Sets `integrity_listed` of the enterprise's open cases to whether it is
/// listed on `on`.
pub async fn sync_open_cases<C: ConnectionTrait>(
    db: &C,
    enterprise_id: i64,
    on: NaiveDate,
) -> Result<(), DbErr> {
    let listed = listing(db, enterprise_id, on).await?.is_some();
    contract::Entity::update_many()
        .col_expr(contract::Column::IntegrityListed, Expr::value(listed))
        .filter(contract::Column::EnterpriseId.eq(enterprise_id))
        .filter(contract::Column::Status.is_in(OPEN.map(|s| s.as_str())))
        .exec(db)
        .await?;
    Ok(())
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

/// Adds entries (one or an imported list) inside the caller's transaction.
pub async fn add_entries<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    entries: &[NewEntry],
    source: &str,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, ListError> {
    let mut ids = Vec::with_capacity(entries.len());
    for e in entries {
        lock_enterprise(db, e.enterprise_id).await?;
        if let Some(old) = overlapping(db, e.enterprise_id, e.valid_from, e.valid_to).await? {
            return Err(ListError::AlreadyListed(validity(
                old.valid_from,
                old.valid_to,
            )));
        }
        let row = integrity_entry::ActiveModel {
            enterprise_id: Set(e.enterprise_id),
            reason: Set(e.reason.clone()),
            valid_from: Set(e.valid_from),
            valid_to: Set(e.valid_to),
            source: Set(source.to_owned()),
            added_by: Set(actor.name.clone()),
            added_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
        let change = json!({
            "entry": row.id, "reason": e.reason,
            "valid_from": e.valid_from.to_string(),
            "valid_to": e.valid_to.map(|d| d.to_string()), "source": source,
        });
        crate::org::enterprise_history(
            db,
            e.enterprise_id,
            &actor.name,
            "integrity_add",
            change,
            now,
        )
        .await?;
        sync_open_cases(db, e.enterprise_id, today).await?;
        ids.push(row.id);
    }
    audit::record(
        db,
        now,
        actor,
        Entry {
            action: "integrity.add",
            object_type: Some("integrity_entry"),
            object_id: (ids.len() == 1).then(|| ids[0].to_string()),
            outcome: Outcome::Success,
            detail: json!({ "entries": ids, "source": source }),
        },
    )
    .await?;
    Ok(ids)
}

/// Removes an entry in force or scheduled; `false` when it was already
/// removed (a second click).
pub async fn remove_entry<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: i64,
    reason: &str,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let Some(e) = integrity_entry::Entity::find_by_id(id).one(db).await? else {
        return Ok(false);
    };
    let n = integrity_entry::Entity::update_many()
        .col_expr(integrity_entry::Column::RemovedAt, Expr::value(Some(now)))
        .col_expr(
            integrity_entry::Column::RemovedBy,
            Expr::value(Some(actor.name.clone())),
        )
        .col_expr(
            integrity_entry::Column::RemovalReason,
            Expr::value(Some(reason.to_owned())),
        )
        .filter(integrity_entry::Column::Id.eq(id))
        .filter(integrity_entry::Column::RemovedAt.is_null())
        .exec(db)
        .await?
        .rows_affected;
    if n == 0 {
        return Ok(false);
    }
    crate::org::enterprise_history(
        db,
        e.enterprise_id,
        &actor.name,
        "integrity_remove",
        json!({ "entry": id, "reason": reason }),
        now,
    )
    .await?;
    sync_open_cases(db, e.enterprise_id, today).await?;
    audit::record(
        db,
        now,
        actor,
        Entry {
            action: "integrity.remove",
            object_type: Some("integrity_entry"),
            object_id: Some(id.to_string()),
            outcome: Outcome::Success,
            detail: json!({ "enterprise_id": e.enterprise_id, "reason": reason }),
        },
    )
    .await?;
    Ok(true)
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

/// Whether a record with the same content is already there and not lifted.
pub async fn same_anomaly<C: ConnectionTrait>(db: &C, a: &NewAnomaly) -> Result<bool, DbErr> {
    use enterprise_anomaly::Column as C;
    lock_enterprise(db, a.enterprise_id).await?;
    Ok(enterprise_anomaly::Entity::find()
        .filter(C::EnterpriseId.eq(a.enterprise_id))
        .filter(C::TypeCode.eq(&a.type_code))
        .filter(C::Description.eq(&a.description))
        .filter(C::ValidFrom.eq(a.valid_from))
        .filter(C::LiftedAt.is_null())
        .one(db)
        .await?
        .is_some())
}

pub async fn add_anomaly<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    a: &NewAnomaly,
    now: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let row = enterprise_anomaly::ActiveModel {
        enterprise_id: Set(a.enterprise_id),
        type_code: Set(a.type_code.clone()),
        description: Set(a.description.clone()),
        source: Set(a.source.clone()),
        recorded_on: Set(a.recorded_on),
        valid_from: Set(a.valid_from),
        valid_to: Set(a.valid_to),
        blocking: Set(a.blocking),
        added_by: Set(actor.name.clone()),
        added_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let detail = json!({
        "anomaly": row.id, "type": a.type_code, "description": a.description,
        "source": a.source, "recorded_on": a.recorded_on.to_string(),
        "valid_from": a.valid_from.to_string(),
        "valid_to": a.valid_to.map(|d| d.to_string()), "blocking": a.blocking,
    });
    crate::org::enterprise_history(
        db,
        a.enterprise_id,
        &actor.name,
        "anomaly_add",
        detail.clone(),
        now,
    )
    .await?;
    audit::record(
        db,
        now,
        actor,
        Entry {
            action: "anomaly.add",
            object_type: Some("enterprise_anomaly"),
            object_id: Some(row.id.to_string()),
            outcome: Outcome::Success,
            detail,
        },
    )
    .await?;
    Ok(row.id)
}

/// Lifts a record; `false` when it was already lifted.
pub async fn lift_anomaly<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let Some(a) = enterprise_anomaly::Entity::find_by_id(id).one(db).await? else {
        return Ok(false);
    };
    let n = enterprise_anomaly::Entity::update_many()
        .col_expr(enterprise_anomaly::Column::LiftedAt, Expr::value(Some(now)))
        .col_expr(
            enterprise_anomaly::Column::LiftedBy,
            Expr::value(Some(actor.name.clone())),
        )
        .col_expr(
            enterprise_anomaly::Column::LiftReason,
            Expr::value(Some(reason.to_owned())),
        )
        .filter(enterprise_anomaly::Column::Id.eq(id))
        .filter(enterprise_anomaly::Column::LiftedAt.is_null())
        .exec(db)
        .await?
        .rows_affected;
    if n == 0 {
        return Ok(false);
    }
    crate::org::enterprise_history(
        db,
        a.enterprise_id,
        &actor.name,
        "anomaly_lift",
        json!({ "anomaly": id, "reason": reason }),
        now,
    )
    .await?;
    audit::record(
        db,
        now,
        actor,
        Entry {
            action: "anomaly.lift",
            object_type: Some("enterprise_anomaly"),
            object_id: Some(id.to_string()),
            outcome: Outcome::Success,
            detail: json!({ "enterprise_id": a.enterprise_id, "reason": reason }),
        },
    )
    .await?;
    Ok(true)
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
