//! Applications the system did not accept at submission because the
//! enterprise had a blocking anomaly in force (F30), and the city office's
//! reinstatement of such a case (`Action::Reinstate`, with a reason).

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use techreg_entities::contract::{contract, event};
use techreg_entities::org::enterprise;

use super::Contracts;
use super::state::{Action, Status};
use crate::core::{Caller, DomainError, DomainResult, FieldErrors};

/// Marks the detail of the system's 不予受理 event.
pub const AUTOMATIC: &str = "blocking_anomaly";

/// Cases the refusal list shows at most.
const LIST_LIMIT: u64 = 500;
const REASON_MAX: usize = 2000;

/// The system's 不予受理 event of the case's current round, if its last
/// transition was one: only such a refusal may be lifted.
pub async fn automatic_refusal<C: ConnectionTrait>(
    db: &C,
    contract_id: i64,
) -> Result<Option<event::Model>, DbErr> {
    let last = event::Entity::find()
        .filter(event::Column::ContractId.eq(contract_id))
        .order_by_desc(event::Column::Id)
        .one(db)
        .await?;
    Ok(last.filter(|e| {
        e.action == Action::NotAccept.as_str()
            && e.actor_user_id.is_none()
            && e.to_status == Status::NotAccepted.as_str()
            && e.detail.contains(AUTOMATIC)
    }))
}

/// A case whose last transition is the system's 不予受理.
pub struct Refusal {
    pub contract: contract::Model,
    pub event: event::Model,
    pub enterprise: Option<enterprise::Model>,
}

/// The automatic refusals, newest first.
pub async fn refusals(cx: &Contracts, caller: &Caller) -> DomainResult<Vec<Refusal>> {
    crate::integrity::require_manage(caller)?;
    let db = &cx.core.db;
    let ids: Vec<i64> = event::Entity::find()
        .select_only()
        .column(event::Column::ContractId)
        .filter(event::Column::Action.eq(Action::NotAccept.as_str()))
        .filter(event::Column::ActorUserId.is_null())
        .filter(event::Column::Detail.contains(AUTOMATIC))
        .order_by_desc(event::Column::Id)
        .limit(LIST_LIMIT)
        .into_tuple()
        .all(db)
        .await?;
    let cases = contract::Entity::find()
        .filter(contract::Column::Id.is_in(ids))
        .filter(contract::Column::Status.eq(Status::NotAccepted.as_str()))
        .order_by_desc(contract::Column::UpdatedAt)
        .all(db)
        .await?;
    let mut found = Vec::new();
    for c in cases {
        if let Some(e) = automatic_refusal(db, c.id).await? {
            found.push((c, e));
        }
    }
    let names =
        crate::integrity::enterprises_by_id(db, found.iter().filter_map(|(c, _)| c.enterprise_id))
            .await?;
    Ok(found
        .into_iter()
        .map(|(c, e)| Refusal {
            enterprise: c.enterprise_id.and_then(|id| names.get(&id).cloned()),
            contract: c,
            event: e,
        })
        .collect())
}

/// The city office's reinstatement of an automatic refusal.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ReinstateForm {
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub version: String,
}

/// A reinstatement as checked: the reason, the case's version the form
/// showed and the refusal it overrides.
pub struct Reinstatement {
    pub reason: String,
    pub version: i32,
    pub overrides_event: i64,
}

/// Checks a reinstatement of the case `id`: it must be an automatic
/// refusal still, with a reason (the message names the case).
pub async fn check_reinstatement(
    cx: &Contracts,
    caller: &Caller,
    id: i64,
    form: &ReinstateForm,
) -> DomainResult<Reinstatement> {
    crate::integrity::require_manage(caller)?;
    let db = &cx.core.db;
    let c = contract::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)?;
    let Some(refusal) = automatic_refusal(db, id).await? else {
        return Err(DomainError::Conflict(
            "该申请不是系统自动不予受理的申请，或已被处理，不能撤销。".into(),
        ));
    };
    let reason = form.reason.trim();
    let problem = if reason.is_empty() {
        Some("请填写撤销理由".to_owned())
    } else if reason.chars().count() > REASON_MAX {
        Some(format!("撤销理由不能超过 {REASON_MAX} 个字"))
    } else {
        None
    };
    if let Some(m) = problem {
        return FieldErrors::one("reason", format!("{}：{m}", c.approval_code));
    }
    let version: i32 = form
        .version
        .trim()
        .parse()
        .map_err(|_| DomainError::BadRequest("version".into()))?;
    Ok(Reinstatement {
        reason: reason.to_owned(),
        version,
        overrides_event: refusal.id,
    })
}
