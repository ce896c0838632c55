//! The integrity library (F27): listing, adding one enterprise, removing
//! an entry and importing a list. Every change is one transaction with an
//! enterprise history row and an audit row; open cases of the enterprise
//! follow a change of the list (`integrity_listed`).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use techreg_entities::contract::contract;
use techreg_entities::org::{enterprise, integrity_entry};

use super::Integrity;
use super::import::enterprise_of;
use super::import::{self, Plan};
use super::model::{ConfirmForm, EntryForm, NewEntry, ReasonForm, validity};
use super::service::{
    enterprises_by_id, history, listing, lock_enterprise, matching_enterprises, merge, overlapping,
    require_manage, today,
};
use crate::audit::{self, Actor, Entry, Outcome};
use crate::core::{Caller, DomainError, DomainResult, FieldErrors};
use crate::tabular::{self, Row};

/// Rows a list page shows at most.
pub const LIST_LIMIT: u64 = 500;

/// A page of the library: the entries (newest first), whether more
/// matched, and their enterprises.
pub struct EntryList {
    pub today: NaiveDate,
    pub entries: Vec<integrity_entry::Model>,
    pub truncated: bool,
    pub enterprises: BTreeMap<i64, enterprise::Model>,
}

/// The entries matching `q`: in force or scheduled, or all with `all`.
pub async fn list(
    cx: &Integrity,
    caller: &Caller,
    q: &super::model::ListQuery,
) -> DomainResult<EntryList> {
    require_manage(caller)?;
    let on = today(cx);
    let mut select = integrity_entry::Entity::find();
    if !q.show_all() {
        use integrity_entry::Column as C;
        select = select.filter(C::RemovedAt.is_null()).filter(
            Condition::any()
                .add(C::ValidTo.is_null())
                .add(C::ValidTo.gte(on)),
        );
    }
    if let Some(sub) = matching_enterprises(&q.q) {
        select = select.filter(integrity_entry::Column::EnterpriseId.in_subquery(sub));
    }
    let mut entries = select
        .order_by_desc(integrity_entry::Column::Id)
        .limit(LIST_LIMIT + 1)
        .all(&cx.core.db)
        .await?;
    let truncated = entries.len() as u64 > LIST_LIMIT;
    entries.truncate(LIST_LIMIT as usize);
    let enterprises =
        enterprises_by_id(&cx.core.db, entries.iter().map(|e| e.enterprise_id)).await?;
    Ok(EntryList {
        today: on,
        entries,
        truncated,
        enterprises,
    })
}

/// Why a new entry cannot be added.
#[derive(Debug, thiserror::Error)]
enum ListError {
    #[error("该企业已在诚信企业库中（{0}），请勿重复列入")]
    AlreadyListed(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Sets `integrity_listed` of the enterprise's open cases to whether it is
/// listed on `on`.
async fn sync_open_cases<C: ConnectionTrait>(
    cx: &Integrity,
    db: &C,
    enterprise_id: i64,
    on: NaiveDate,
) -> Result<(), DbErr> {
    let listed = listing(db, enterprise_id, on).await?.is_some();
    contract::Entity::update_many()
        .col_expr(contract::Column::IntegrityListed, Expr::value(listed))
        .filter(contract::Column::EnterpriseId.eq(enterprise_id))
        .filter(contract::Column::Status.is_in(cx.open_statuses.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}

/// Adds entries (one or an imported list) inside the caller's transaction.
async fn add_entries<C: ConnectionTrait>(
    cx: &Integrity,
    db: &C,
    actor: &Actor,
    entries: &[NewEntry],
    source: &str,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, ListError> {
    let today = today(cx);
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
        history(
            db,
            e.enterprise_id,
            &actor.name,
            "integrity_add",
            change,
            now,
        )
        .await?;
        sync_open_cases(cx, db, e.enterprise_id, today).await?;
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

/// An entry as added: the enterprise's name and the validity.
pub struct Added {
    pub name: String,
    pub validity: String,
}

/// Lists one enterprise by hand.
pub async fn add(cx: &Integrity, caller: &Caller, form: &EntryForm) -> DomainResult<Added> {
    require_manage(caller)?;
    let mut errors = FieldErrors::new();
    let found = enterprise_of(&cx.core.db, &form.credit_code, &mut errors).await?;
    let checked = merge(&mut errors, form.check(today(cx)));
    let (Some(e), Some(c), true) = (found, checked, errors.is_empty()) else {
        return Err(DomainError::Invalid(errors));
    };
    let entry = NewEntry {
        enterprise_id: e.id,
        reason: c.reason,
        valid_from: c.valid_from,
        valid_to: c.valid_to,
    };
    let now = cx.core.now();
    let txn = cx.core.begin().await?;
    match add_entries(cx, &txn, &caller.actor(), &[entry], "manual", now).await {
        Ok(_) => {}
        Err(ListError::Db(e)) => return Err(e.into()),
        Err(err @ ListError::AlreadyListed(_)) => {
            drop(txn);
            return FieldErrors::one("credit_code", err.to_string());
        }
    }
    txn.commit().await?;
    Ok(Added {
        name: e.name,
        validity: validity(c.valid_from, c.valid_to),
    })
}

/// Removes an entry in force or scheduled, with a reason; a second click
/// is a conflict.
pub async fn remove(
    cx: &Integrity,
    caller: &Caller,
    id: i64,
    form: &ReasonForm,
) -> DomainResult<()> {
    require_manage(caller)?;
    let e = integrity_entry::Entity::find_by_id(id)
        .one(&cx.core.db)
        .await?
        .ok_or(DomainError::NotFound)?;
    let reason = form.check("移出原因").map_err(DomainError::Invalid)?;
    let now = cx.core.now();
    let actor = caller.actor();
    let txn = cx.core.begin().await?;
    let n = integrity_entry::Entity::update_many()
        .col_expr(integrity_entry::Column::RemovedAt, Expr::value(Some(now)))
        .col_expr(
            integrity_entry::Column::RemovedBy,
            Expr::value(Some(actor.name.clone())),
        )
        .col_expr(
            integrity_entry::Column::RemovalReason,
            Expr::value(Some(reason.clone())),
        )
        .filter(integrity_entry::Column::Id.eq(id))
        .filter(integrity_entry::Column::RemovedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    if n == 0 {
        return Err(DomainError::Conflict(
            "该记录已被移出，请刷新后查看。".into(),
        ));
    }
    history(
        &txn,
        e.enterprise_id,
        &actor.name,
        "integrity_remove",
        json!({ "entry": id, "reason": reason }),
        now,
    )
    .await?;
    sync_open_cases(cx, &txn, e.enterprise_id, today(cx)).await?;
    audit::record(
        &txn,
        now,
        &actor,
        Entry {
            action: "integrity.remove",
            object_type: Some("integrity_entry"),
            object_id: Some(id.to_string()),
            outcome: Outcome::Success,
            detail: json!({ "enterprise_id": e.enterprise_id, "reason": reason }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Checks an uploaded list row by row; writes nothing.
pub async fn preview_import(cx: &Integrity, caller: &Caller, rows: &[Row]) -> DomainResult<Plan> {
    require_manage(caller)?;
    Ok(import::plan(&cx.core.db, rows, today(cx)).await?)
}

/// What a confirmed import came to.
pub enum Imported {
    /// This many enterprises listed.
    Listed(usize),
    /// The rows no longer pass (the data moved since the preview): the
    /// preview again.
    Preview { rows: Vec<Row>, plan: Plan },
    /// Nothing written, and why.
    Refused(String),
}

/// Stores a confirmed import, every row checked again inside the
/// transaction, with its audit row.
pub async fn confirm_import(
    cx: &Integrity,
    caller: &Caller,
    form: &ConfirmForm,
) -> DomainResult<Imported> {
    require_manage(caller)?;
    let rows = tabular::from_payload(&form.payload)
        .ok_or_else(|| DomainError::BadRequest("payload".into()))?;
    let now = cx.core.now();
    let txn = cx.core.begin().await?;
    let plan = import::plan(&txn, &rows, today(cx)).await?;
    if !plan.errors.is_empty() || plan.lines.is_empty() {
        drop(txn);
        return Ok(Imported::Preview { rows, plan });
    }
    let entries: Vec<NewEntry> = plan.lines.iter().map(|l| l.entry.clone()).collect();
    match add_entries(cx, &txn, &caller.actor(), &entries, "import", now).await {
        Ok(_) => {}
        Err(ListError::Db(e)) => return Err(e.into()),
        Err(e) => {
            drop(txn);
            return Ok(Imported::Refused(format!("未写入任何数据：{e}")));
        }
    }
    audit::record(
        &txn,
        now,
        &caller.actor(),
        Entry {
            action: "integrity.import",
            object_type: Some("integrity_entry"),
            object_id: None,
            outcome: Outcome::Success,
            detail: json!({ "file": form.file_name, "rows": entries.len() }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Imported::Listed(entries.len()))
}
