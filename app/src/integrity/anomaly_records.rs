//! Anomaly records (F29): listing, recording and lifting. Every change is
//! one transaction with an enterprise history row and an audit row.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::json;
use techreg_entities::org::{enterprise, enterprise_anomaly};

use super::Integrity;
use super::entries::LIST_LIMIT;
use super::import::enterprise_of;
use super::model::{AnomalyForm, NewAnomaly, ReasonForm};
use super::service::{
    enterprises_by_id, history, lock_enterprise, matching_enterprises, merge, require_manage, today,
};
use crate::audit::{self, Entry, Outcome};
use crate::core::{Caller, DomainError, DomainResult, FieldErrors};
use crate::dictionary::{DICT_ANOMALY_TYPE, Entry as DictEntry};

/// A page of anomaly records (newest first), whether more matched, their
/// enterprises, every anomaly type (for the labels) and the active ones
/// (for the form).
pub struct AnomalyList {
    pub today: NaiveDate,
    pub records: Vec<enterprise_anomaly::Model>,
    pub truncated: bool,
    pub enterprises: BTreeMap<i64, enterprise::Model>,
    pub types: std::sync::Arc<Vec<DictEntry>>,
    pub active_types: std::sync::Arc<Vec<DictEntry>>,
}

/// The records matching `q`: in force or scheduled, or all with `all`.
pub async fn list(
    cx: &Integrity,
    caller: &Caller,
    q: &super::model::ListQuery,
) -> DomainResult<AnomalyList> {
    require_manage(caller)?;
    let on = today(cx);
    let mut select = enterprise_anomaly::Entity::find();
    if !q.show_all() {
        use enterprise_anomaly::Column as C;
        select = select.filter(C::LiftedAt.is_null()).filter(
            Condition::any()
                .add(C::ValidTo.is_null())
                .add(C::ValidTo.gte(on)),
        );
    }
    if let Some(sub) = matching_enterprises(&q.q) {
        select = select.filter(enterprise_anomaly::Column::EnterpriseId.in_subquery(sub));
    }
    let mut records = select
        .order_by_desc(enterprise_anomaly::Column::Id)
        .limit(LIST_LIMIT + 1)
        .all(&cx.core.db)
        .await?;
    let truncated = records.len() as u64 > LIST_LIMIT;
    records.truncate(LIST_LIMIT as usize);
    let enterprises =
        enterprises_by_id(&cx.core.db, records.iter().map(|e| e.enterprise_id)).await?;
    Ok(AnomalyList {
        today: on,
        records,
        truncated,
        enterprises,
        types: cx.dictionaries.entries(DICT_ANOMALY_TYPE).await?,
        active_types: cx.dictionaries.active(DICT_ANOMALY_TYPE).await?,
    })
}

/// A record as stored: the enterprise's name and whether it blocks.
pub struct Recorded {
    pub name: String,
    pub blocking: bool,
}

/// Records an anomaly. The same record (same type, description and start,
/// not lifted) again is refused with a message, so a second click adds
/// nothing.
pub async fn add(cx: &Integrity, caller: &Caller, form: &AnomalyForm) -> DomainResult<Recorded> {
    require_manage(caller)?;
    let mut errors = FieldErrors::new();
    let found = enterprise_of(&cx.core.db, &form.credit_code, &mut errors).await?;
    let type_code = form.type_code.trim();
    let known = !type_code.is_empty()
        && cx
            .dictionaries
            .is_active_code(DICT_ANOMALY_TYPE, type_code)
            .await?;
    let checked = merge(&mut errors, form.check(known, today(cx)));
    let (Some(e), Some(c), true) = (found, checked, errors.is_empty()) else {
        return Err(DomainError::Invalid(errors));
    };
    let new = NewAnomaly {
        enterprise_id: e.id,
        type_code: c.type_code,
        description: c.description,
        source: c.source,
        recorded_on: c.recorded_on,
        valid_from: c.valid_from,
        valid_to: c.valid_to,
        blocking: c.blocking,
    };
    let now = cx.core.now();
    let actor = caller.actor();
    let txn = cx.core.begin().await?;
    if same_anomaly(&txn, &new).await? {
        drop(txn);
        return Err(DomainError::Rejected(
            "该单位已有内容相同且未解除的异常信息，未重复登记。".into(),
        ));
    }
    let row = enterprise_anomaly::ActiveModel {
        enterprise_id: Set(new.enterprise_id),
        type_code: Set(new.type_code.clone()),
        description: Set(new.description.clone()),
        source: Set(new.source.clone()),
        recorded_on: Set(new.recorded_on),
        valid_from: Set(new.valid_from),
        valid_to: Set(new.valid_to),
        blocking: Set(new.blocking),
        added_by: Set(actor.name.clone()),
        added_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let detail = json!({
        "anomaly": row.id, "type": new.type_code, "description": new.description,
        "source": new.source, "recorded_on": new.recorded_on.to_string(),
        "valid_from": new.valid_from.to_string(),
        "valid_to": new.valid_to.map(|d| d.to_string()), "blocking": new.blocking,
    });
    history(
        &txn,
        new.enterprise_id,
        &actor.name,
        "anomaly_add",
        detail.clone(),
        now,
    )
    .await?;
    audit::record(
        &txn,
        now,
        &actor,
        Entry {
            action: "anomaly.add",
            object_type: Some("enterprise_anomaly"),
            object_id: Some(row.id.to_string()),
            outcome: Outcome::Success,
            detail,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Recorded {
        name: e.name,
        blocking: new.blocking,
    })
}

/// Whether a record with the same content is already there and not lifted.
async fn same_anomaly(txn: &sea_orm::DatabaseTransaction, a: &NewAnomaly) -> DomainResult<bool> {
    use enterprise_anomaly::Column as C;
    lock_enterprise(txn, a.enterprise_id).await?;
    Ok(enterprise_anomaly::Entity::find()
        .filter(C::EnterpriseId.eq(a.enterprise_id))
        .filter(C::TypeCode.eq(&a.type_code))
        .filter(C::Description.eq(&a.description))
        .filter(C::ValidFrom.eq(a.valid_from))
        .filter(C::LiftedAt.is_null())
        .one(txn)
        .await?
        .is_some())
}

/// Lifts a record, with a reason; a second click is a conflict.
pub async fn lift(cx: &Integrity, caller: &Caller, id: i64, form: &ReasonForm) -> DomainResult<()> {
    require_manage(caller)?;
    let a = enterprise_anomaly::Entity::find_by_id(id)
        .one(&cx.core.db)
        .await?
        .ok_or(DomainError::NotFound)?;
    let reason = form.check("解除原因").map_err(DomainError::Invalid)?;
    let now = cx.core.now();
    let actor = caller.actor();
    let txn = cx.core.begin().await?;
    let n = enterprise_anomaly::Entity::update_many()
        .col_expr(enterprise_anomaly::Column::LiftedAt, Expr::value(Some(now)))
        .col_expr(
            enterprise_anomaly::Column::LiftedBy,
            Expr::value(Some(actor.name.clone())),
        )
        .col_expr(
            enterprise_anomaly::Column::LiftReason,
            Expr::value(Some(reason.clone())),
        )
        .filter(enterprise_anomaly::Column::Id.eq(id))
        .filter(enterprise_anomaly::Column::LiftedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    if n == 0 {
        return Err(DomainError::Conflict(
            "该异常信息已解除，请刷新后查看。".into(),
        ));
    }
    history(
        &txn,
        a.enterprise_id,
        &actor.name,
        "anomaly_lift",
        json!({ "anomaly": id, "reason": reason }),
        now,
    )
    .await?;
    audit::record(
        &txn,
        now,
        &actor,
        Entry {
            action: "anomaly.lift",
            object_type: Some("enterprise_anomaly"),
            object_id: Some(id.to_string()),
            outcome: Outcome::Success,
            detail: json!({ "enterprise_id": a.enterprise_id, "reason": reason }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
