//! The contract with everything that hangs off it, and who may see it.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use techreg_entities::contract::{attachment, contract, deduction, ip_item, party};

use super::application::{Amounts, Basics, IpItem, Party, Technology};
use super::state::Status;
use crate::core::Caller;
use crate::core::DomainError;
use crate::core::ObjectScope;
use crate::security::rbac::perm;

/// A contract with everything that hangs off it.
#[derive(Debug, Clone)]
pub struct Full {
    pub contract: contract::Model,
    pub parties: Vec<party::Model>,
    pub deductions: Vec<deduction::Model>,
    pub ip_items: Vec<ip_item::Model>,
    pub attachments: Vec<attachment::Model>,
}

pub async fn load<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<Full>, DbErr> {
    let Some(c) = contract::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    Ok(Some(Full {
        parties: party::Entity::find()
            .filter(party::Column::ContractId.eq(id))
            .order_by_asc(party::Column::Seq)
            .all(db)
            .await?,
        deductions: deduction::Entity::find()
            .filter(deduction::Column::ContractId.eq(id))
            .order_by_asc(deduction::Column::Seq)
            .all(db)
            .await?,
        ip_items: ip_item::Entity::find()
            .filter(ip_item::Column::ContractId.eq(id))
            .order_by_asc(ip_item::Column::Seq)
            .all(db)
            .await?,
        attachments: attachment::Entity::find()
            .filter(attachment::Column::ContractId.eq(id))
            .order_by_asc(attachment::Column::Id)
            .all(db)
            .await?,
        contract: c,
    }))
}

/// Where a contract lives, for scope checks.
pub fn object_scope(c: &contract::Model) -> ObjectScope {
    ObjectScope {
        office_id: c.office_id,
        enterprise_id: c.enterprise_id,
        owner_user_id: Some(c.applicant_user_id),
        ..Default::default()
    }
}

pub fn status_of(c: &contract::Model) -> Status {
    Status::parse(&c.status).unwrap_or(Status::Draft)
}

impl Full {
    pub fn basics(&self) -> Basics {
        let c = &self.contract;
        Basics {
            category: c.category.clone().unwrap_or_default(),
            subtype: c.subtype.clone().unwrap_or_default(),
            name: c.name.clone(),
            contract_number: c.contract_number.clone(),
            signed_on: c.signed_on,
            valid_from: c.valid_from,
            valid_to: c.valid_to,
            applicant_side: c.applicant_side.clone(),
        }
    }

    pub fn parties_input(&self) -> Vec<Party> {
        self.parties
            .iter()
            .map(|p| Party {
                role: p.role.clone(),
                name: p.name.clone(),
                credit_code: p.credit_code.clone(),
                region: p.region.clone(),
                legal_form: p.legal_form.clone(),
                country: p.country.clone(),
                contact: p.contact.clone(),
            })
            .collect()
    }

    pub fn amounts(&self) -> Amounts {
        Amounts {
            deal_amount: self.contract.deal_amount,
            deductions: self
                .deductions
                .iter()
                .map(|d| (d.item.clone(), d.amount))
                .collect(),
            payment_method: self.contract.payment_method.clone(),
            payment_schedule: self.contract.payment_schedule.clone(),
        }
    }

    pub fn technology(&self) -> Technology {
        let c = &self.contract;
        Technology {
            tech_field: c.tech_field.clone().unwrap_or_default(),
            socio_goal: c.socio_goal.clone(),
            project_leader: c.project_leader.clone(),
            leader_phone: c.leader_phone.clone(),
            summary: c.summary.clone(),
            ip_items: self
                .ip_items
                .iter()
                .map(|i| IpItem {
                    ip_type: i.ip_type.clone(),
                    number: i.number.clone(),
                    owner: i.owner.clone(),
                })
                .collect(),
        }
    }

    pub fn contract_scans(&self) -> usize {
        self.attachments
            .iter()
            .filter(|a| a.kind == "contract")
            .count()
    }

    /// The application as the applicant sees it, for snapshots and diffs.
    pub fn snapshot(&self) -> Value {
        let c = &self.contract;
        json!({
            "category": c.category, "subtype": c.subtype, "name": c.name,
            "contract_number": c.contract_number, "signed_on": c.signed_on,
            "valid_from": c.valid_from, "valid_to": c.valid_to,
            "applicant_side": c.applicant_side,
            "parties": self.parties.iter().map(|p| json!({
                "role": p.role, "name": p.name, "credit_code": p.credit_code,
                "region": p.region, "legal_form": p.legal_form, "country": p.country,
                "contact": p.contact,
            })).collect::<Vec<_>>(),
            "deal_amount": c.deal_amount, "tech_amount": c.tech_amount,
            "deductions": self.deductions.iter().map(|d| json!([d.item, d.amount])).collect::<Vec<_>>(),
            "payment_method": c.payment_method, "payment_schedule": c.payment_schedule,
            "tech_field": c.tech_field, "socio_goal": c.socio_goal,
            "project_leader": c.project_leader, "leader_phone": c.leader_phone,
            "summary": c.summary,
            "ip_items": self.ip_items.iter().map(|i| json!([i.ip_type, i.number, i.owner])).collect::<Vec<_>>(),
            "attachments": self.attachments.iter().map(|a| json!({
                "kind": a.kind, "digest": a.digest, "file_name": a.file_name,
            })).collect::<Vec<_>>(),
        })
    }
}

pub(super) fn conflict() -> DomainError {
    DomainError::Conflict("该申请已由他人处理或已在其他窗口中修改，请刷新后查看最新状态。".into())
}

/// The applicant's own contract, or 404 (403 without the permission).
pub async fn own<C: ConnectionTrait>(
    db: &C,
    user: &Caller,
    id: i64,
) -> Result<contract::Model, DomainError> {
    user.require(perm::CONTRACT_APPLY)?;
    let c = contract::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)?;
    if is_own(user, &c) {
        Ok(c)
    } else {
        Err(DomainError::NotFound)
    }
}

/// Whether `c` is the user's own application or one of an enterprise the
/// user applies for.
pub fn is_own(user: &Caller, c: &contract::Model) -> bool {
    c.applicant_user_id == user.user.id
        || c.enterprise_id.is_some_and(|e| {
            user.grants.covers(
                perm::CONTRACT_APPLY,
                &ObjectScope {
                    enterprise_id: Some(e),
                    ..Default::default()
                },
                user.user.id,
            )
        })
}

/// A contract the user may read: their own (or their enterprise's), or one
/// in the scope of their office or city role; 403 for users with no
/// contract role at all, 404 outside their scope.
pub async fn readable<C: ConnectionTrait>(
    db: &C,
    user: &Caller,
    id: i64,
) -> Result<contract::Model, DomainError> {
    const STAFF: [&str; 4] = [
        perm::CONTRACT_ACCEPT,
        perm::CONTRACT_REVIEW,
        perm::CONTRACT_LARGE,
        perm::CONTRACT_APPROVE,
    ];
    if user.grants.has(perm::CONTRACT_APPLY)
        && let Ok(c) = own(db, user, id).await
    {
        return Ok(c);
    }
    if !STAFF.iter().any(|p| user.grants.has(p)) {
        return if user.grants.has(perm::CONTRACT_APPLY) {
            Err(DomainError::NotFound)
        } else {
            Err(DomainError::Forbidden("missing permission"))
        };
    }
    let c = contract::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)?;
    let scope = object_scope(&c);
    if STAFF
        .iter()
        .any(|p| user.grants.covers(p, &scope, user.user.id))
    {
        Ok(c)
    } else {
        Err(DomainError::NotFound)
    }
}
