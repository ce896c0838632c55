//! Enterprises: history rows, the responsible office on a date for many
//! enterprises at once, and reassignment of one or many enterprises to an
//! office from an effective date. Callers own the transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
};
use serde_json::{Value, json};
use techreg_entities::org::{enterprise, enterprise_assignment, enterprise_history, office};

use super::service::STATUS_ACTIVE;

/// `IN (...)` lists are cut to this size so that neither backend's
/// parameter limit is reached.
const CHUNK: usize = 500;

pub async fn history<C: ConnectionTrait>(
    db: &C,
    enterprise_id: i64,
    actor: &str,
    action: &str,
    change: Value,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    history_many(db, &[enterprise_id], actor, action, &change, now).await
}

pub async fn history_many<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
    actor: &str,
    action: &str,
    change: &Value,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let text = change.to_string();
    for chunk in ids.chunks(CHUNK) {
        enterprise_history::Entity::insert_many(chunk.iter().map(|id| {
            enterprise_history::ActiveModel {
                enterprise_id: Set(*id),
                at: Set(now),
                actor: Set(actor.to_owned()),
                action: Set(action.to_owned()),
                change: Set(text.clone()),
                ..Default::default()
            }
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

/// The assignment rows in force on `on`, and rows scheduled after it.
pub struct Assignments {
    pub current: BTreeMap<i64, enterprise_assignment::Model>,
    pub scheduled: BTreeMap<i64, enterprise_assignment::Model>,
}

/// Current and scheduled assignments of the given enterprises on a date.
pub async fn assignments_on<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
    on: NaiveDate,
) -> Result<Assignments, DbErr> {
    let mut out = Assignments {
        current: BTreeMap::new(),
        scheduled: BTreeMap::new(),
    };
    for chunk in ids.chunks(CHUNK) {
        let rows = enterprise_assignment::Entity::find()
            .filter(enterprise_assignment::Column::EnterpriseId.is_in(chunk.iter().copied()))
            .filter(
                Condition::any()
                    .add(enterprise_assignment::Column::ValidTo.is_null())
                    .add(enterprise_assignment::Column::ValidTo.gt(on)),
            )
            .all(db)
            .await?;
        for a in rows {
            if a.valid_from <= on {
                out.current.insert(a.enterprise_id, a);
            } else {
                out.scheduled.insert(a.enterprise_id, a);
            }
        }
    }
    Ok(out)
}

/// `enterprise.id IN (enterprises assigned to office on date)`.
pub fn assigned_to(office_id: i64, on: NaiveDate) -> sea_orm::sea_query::SimpleExpr {
    Expr::col((enterprise::Entity, enterprise::Column::Id)).in_subquery(
        Query::select()
            .column(enterprise_assignment::Column::EnterpriseId)
            .from(enterprise_assignment::Entity)
            .and_where(enterprise_assignment::Column::OfficeId.eq(office_id))
            .and_where(in_force(on))
            .to_owned(),
    )
}

/// `enterprise.id NOT IN (enterprises with any office on date)`.
pub fn unassigned(on: NaiveDate) -> sea_orm::sea_query::SimpleExpr {
    Expr::col((enterprise::Entity, enterprise::Column::Id)).not_in_subquery(
        Query::select()
            .column(enterprise_assignment::Column::EnterpriseId)
            .from(enterprise_assignment::Entity)
            .and_where(in_force(on))
            .to_owned(),
    )
}

fn in_force(on: NaiveDate) -> sea_orm::sea_query::SimpleExpr {
    enterprise_assignment::Column::ValidFrom.lte(on).and(
        enterprise_assignment::Column::ValidTo
            .is_null()
            .or(enterprise_assignment::Column::ValidTo.gt(on)),
    )
}

#[derive(Debug, thiserror::Error)]
pub enum ReassignError {
    #[error("目标登记处不存在或未处于正常状态")]
    OfficeUnavailable,
    #[error("生效日期不能早于{credit_code}现有对口关系的开始日期（{since}）")]
    BeforeCurrent {
        credit_code: String,
        since: NaiveDate,
    },
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// What a reassignment did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Reassigned {
    pub changed: Vec<i64>,
    /// Already with the target office from that date on.
    pub unchanged: usize,
}

/// Makes `office_id` responsible for every enterprise in `ids` from `from`
/// on: the latest row of each ends on `from` and a new open row starts.
/// Either all are reassigned or, on an error, none (the caller rolls back).
pub async fn reassign_many<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
    office_id: i64,
    from: NaiveDate,
    reason: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Reassigned, ReassignError> {
    let target = office::Entity::find_by_id(office_id).one(db).await?;
    let Some(target) = target.filter(|o| o.status == STATUS_ACTIVE) else {
        return Err(ReassignError::OfficeUnavailable);
    };
    let mut result = Reassigned::default();
    for chunk in ids.chunks(CHUNK) {
        let open: BTreeMap<i64, enterprise_assignment::Model> =
            enterprise_assignment::Entity::find()
                .filter(enterprise_assignment::Column::EnterpriseId.is_in(chunk.iter().copied()))
                .filter(enterprise_assignment::Column::ValidTo.is_null())
                .all(db)
                .await?
                .into_iter()
                .map(|a| (a.enterprise_id, a))
                .collect();
        let mut moving = Vec::with_capacity(chunk.len());
        for id in chunk {
            match open.get(id) {
                Some(a) if a.office_id == office_id && a.valid_from <= from => {
                    result.unchanged += 1;
                }
                Some(a) if a.valid_from > from => {
                    let credit_code = enterprise::Entity::find_by_id(*id)
                        .one(db)
                        .await?
                        .map(|e| e.credit_code)
                        .unwrap_or_default();
                    return Err(ReassignError::BeforeCurrent {
                        credit_code,
                        since: a.valid_from,
                    });
                }
                _ => moving.push(*id),
            }
        }
        if moving.is_empty() {
            continue;
        }
        enterprise_assignment::Entity::update_many()
            .col_expr(
                enterprise_assignment::Column::ValidTo,
                Expr::value(Some(from)),
            )
            .filter(enterprise_assignment::Column::EnterpriseId.is_in(moving.iter().copied()))
            .filter(enterprise_assignment::Column::ValidTo.is_null())
            .exec(db)
            .await?;
        enterprise_assignment::Entity::insert_many(moving.iter().map(|id| {
            enterprise_assignment::ActiveModel {
                enterprise_id: Set(*id),
                office_id: Set(office_id),
                valid_from: Set(from),
                valid_to: Set(None),
                reason: Set(reason.to_owned()),
                actor: Set(actor.to_owned()),
                created_at: Set(now),
                ..Default::default()
            }
        }))
        .exec(db)
        .await?;
        enterprise_history::Entity::insert_many(moving.iter().map(|id| {
            let change = json!({
                "from_office_id": open.get(id).map(|a| a.office_id),
                "to_office_id": office_id,
                "to_office": target.name,
                "effective": from.to_string(),
                "reason": reason,
            });
            enterprise_history::ActiveModel {
                enterprise_id: Set(*id),
                at: Set(now),
                actor: Set(actor.to_owned()),
                action: Set("reassign".to_owned()),
                change: Set(change.to_string()),
                ..Default::default()
            }
        }))
        .exec(db)
        .await?;
        result.changed.extend(moving);
    }
    Ok(result)
}
