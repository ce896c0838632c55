//! Where a case goes: the responsible office and the least loaded holder
//! of the position that works it.

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use techreg_entities::contract::contract;
use techreg_entities::identity::{role, role_assignment};

use super::case::*;
use super::state::Status;

pub fn position_for(status: Status) -> Option<&'static str> {
    match status {
        Status::Submitted => Some("office_clerk"),
        Status::Reviewing | Status::ExpertReview => Some("office_reviewer"),
        Status::LargeApproval => Some("office_large_approver"),
        _ => None,
    }
}

/// The least loaded holder of `position` at the office (ties: lowest id).
pub async fn least_loaded<C: ConnectionTrait>(
    db: &C,
    office_id: i64,
    position: &str,
) -> Result<Option<i64>, DbErr> {
    let Some(r) = role::Entity::find()
        .filter(role::Column::Code.eq(position))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let holders: Vec<i64> = role_assignment::Entity::find()
        .filter(role_assignment::Column::RoleId.eq(r.id))
        .filter(role_assignment::Column::ScopeKind.eq("office"))
        .filter(role_assignment::Column::ScopeId.eq(office_id))
        .order_by_asc(role_assignment::Column::UserId)
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.user_id)
        .collect();
    let open = [
        Status::Submitted,
        Status::Reviewing,
        Status::ExpertReview,
        Status::LargeApproval,
    ]
    .map(|s| s.as_str());
    let mut best: Option<(u64, i64)> = None;
    for u in holders {
        let load = contract::Entity::find()
            .filter(contract::Column::AssignedUserId.eq(u))
            .filter(contract::Column::Status.is_in(open))
            .count_rows(db)
            .await?;
        if best.is_none_or(|(l, _)| load < l) {
            best = Some((load, u));
        }
    }
    Ok(best.map(|(_, u)| u))
}

trait CountRows {
    async fn count_rows<C: ConnectionTrait>(self, db: &C) -> Result<u64, DbErr>;
}

impl CountRows for sea_orm::Select<contract::Entity> {
    async fn count_rows<C: ConnectionTrait>(self, db: &C) -> Result<u64, DbErr> {
        use sea_orm::PaginatorTrait;
        self.count(db).await
    }
}

/// The office a submission goes to: the enterprise's responsible office on
/// the submission date; for an individual, the district office of the
/// applicant's side's first party.
pub(super) async fn route<C: ConnectionTrait>(
    db: &C,
    full: &Full,
    on: NaiveDate,
) -> Result<Option<i64>, DbErr> {
    if let Some(e) = full.contract.enterprise_id {
        return crate::org::responsible_office(db, e, on).await;
    }
    let side = &full.contract.applicant_side;
    let region = full
        .parties
        .iter()
        .find(|p| &p.role == side)
        .and_then(|p| p.region.clone());
    Ok(match region {
        Some(r) => crate::org::district_office(db, &r).await?.map(|o| o.id),
        None => None,
    })
}
