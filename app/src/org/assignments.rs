//! The enterprise ↔ office assignment (对口关系). Every enterprise has one
//! responsible office at any date; a new enterprise goes to the industry
//! office whose list holds its credit code, else to its district's active
//! office. Reassignment of one or many enterprises to an office from an
//! effective date ends the rows in force and keeps them. These run inside
//! the caller's transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr,
    EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::json;
use techreg_entities::org::{
    enterprise, enterprise_assignment, enterprise_history, office, office_industry_member,
};

use super::model::{KIND_DISTRICT, STATUS_ACTIVE};
use crate::core::clock::shanghai_date;

/// `IN (...)` lists are cut to this size so that neither backend's
/// parameter limit is reached.
const CHUNK: usize = 500;

/// The active district office of a GB/T 2260 district code.
pub async fn district_office<C: ConnectionTrait>(
    db: &C,
    district: &str,
) -> Result<Option<office::Model>, DbErr> {
    office::Entity::find()
        .filter(office::Column::Kind.eq(KIND_DISTRICT))
        .filter(office::Column::Status.eq(STATUS_ACTIVE))
        .filter(office::Column::DistrictCode.eq(district))
        .order_by_asc(office::Column::Id)
        .one(db)
        .await
}

/// Makes `office_id` responsible from `from` on, ending the current row.
pub async fn assign<C: ConnectionTrait>(
    db: &C,
    enterprise_id: i64,
    office_id: i64,
    from: NaiveDate,
    reason: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    enterprise_assignment::Entity::update_many()
        .col_expr(
            enterprise_assignment::Column::ValidTo,
            Expr::value(Some(from)),
        )
        .filter(enterprise_assignment::Column::EnterpriseId.eq(enterprise_id))
        .filter(enterprise_assignment::Column::ValidTo.is_null())
        .exec(db)
        .await?;
    enterprise_assignment::ActiveModel {
        enterprise_id: Set(enterprise_id),
        office_id: Set(office_id),
        valid_from: Set(from),
        valid_to: Set(None),
        reason: Set(reason.to_owned()),
        actor: Set(actor.to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The active industry office whose list holds the credit code.
pub async fn industry_office<C: ConnectionTrait>(
    db: &C,
    credit_code: &str,
) -> Result<Option<office::Model>, DbErr> {
    let Some(member) = office_industry_member::Entity::find()
        .filter(office_industry_member::Column::CreditCode.eq(credit_code))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(office::Entity::find_by_id(member.office_id)
        .one(db)
        .await?
        .filter(|o| o.status == STATUS_ACTIVE))
}

/// The office the rules give a new enterprise, with the rule's wording.
pub async fn office_by_rules<C: ConnectionTrait>(
    db: &C,
    credit_code: &str,
    district: Option<&str>,
) -> Result<Option<(office::Model, &'static str)>, DbErr> {
    if let Some(o) = industry_office(db, credit_code).await? {
        return Ok(Some((o, "按行业名单自动分配")));
    }
    if let Some(d) = district
        && let Some(o) = district_office(db, d).await?
    {
        return Ok(Some((o, "按所在区自动分配")));
    }
    Ok(None)
}

/// Assigns a new enterprise by the rules; `None` when no office serves it
/// (the city office then assigns one by hand).
pub async fn assign_new<C: ConnectionTrait>(
    db: &C,
    enterprise_id: i64,
    credit_code: &str,
    district: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<i64>, DbErr> {
    let Some((o, rule)) = office_by_rules(db, credit_code, district).await? else {
        return Ok(None);
    };
    assign(
        db,
        enterprise_id,
        o.id,
        shanghai_date(now),
        rule,
        "system",
        now,
    )
    .await?;
    Ok(Some(o.id))
}

/// The office responsible for an enterprise on a date.
pub async fn responsible_office<C: ConnectionTrait>(
    db: &C,
    enterprise_id: i64,
    on: NaiveDate,
) -> Result<Option<i64>, DbErr> {
    Ok(enterprise_assignment::Entity::find()
        .filter(enterprise_assignment::Column::EnterpriseId.eq(enterprise_id))
        .filter(enterprise_assignment::Column::ValidFrom.lte(on))
        .filter(
            Condition::any()
                .add(enterprise_assignment::Column::ValidTo.is_null())
                .add(enterprise_assignment::Column::ValidTo.gt(on)),
        )
        .order_by_desc(enterprise_assignment::Column::ValidFrom)
        .one(db)
        .await?
        .map(|a| a.office_id))
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
