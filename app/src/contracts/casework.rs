//! Work on a case besides status changes: who works it (claim, reassign by
//! the office head) and the opinions of the experts during 专家评审. Each
//! write is one transaction with the version check, a `contract_event`
//! (status unchanged) and an audit row, like the transitions in `service`.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder,
};
use serde_json::{Value, json};
use techreg_entities::contract::{contract, event, expert_opinion};
use techreg_entities::identity::{app_user, role, role_assignment};

use super::service::{object_scope, position_for, status_of};
use super::state::Status;
use crate::audit::{self, Actor, Entry, Outcome};
use crate::boot::AppState;
use crate::core::Caller;
use crate::core::Scope;
use crate::security::rbac::perm;
use crate::web::WebError;

/// Conclusions an expert may reach: (code, label).
pub const EXPERT_CONCLUSIONS: &[(&str, &str)] = &[
    ("agree", "同意"),
    ("agree_with_changes", "修改后同意"),
    ("disagree", "不同意"),
];

pub fn conclusion_label(code: &str) -> &str {
    EXPERT_CONCLUSIONS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
        .unwrap_or(code)
}

fn conflict() -> WebError {
    WebError::Conflict("该申请已由他人处理或已在其他窗口中修改，请刷新后查看最新状态。".into())
}

/// Staff of the office holding `position` (role code): (user id, name),
/// active accounts only, by name.
pub async fn holders<C: ConnectionTrait>(
    db: &C,
    office_id: i64,
    position: &str,
) -> Result<Vec<(i64, String)>, DbErr> {
    let Some(r) = role::Entity::find()
        .filter(role::Column::Code.eq(position))
        .one(db)
        .await?
    else {
        return Ok(Vec::new());
    };
    let ids: Vec<i64> = role_assignment::Entity::find()
        .filter(role_assignment::Column::RoleId.eq(r.id))
        .filter(role_assignment::Column::ScopeKind.eq("office"))
        .filter(role_assignment::Column::ScopeId.eq(office_id))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.user_id)
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(app_user::Entity::find()
        .filter(app_user::Column::Id.is_in(ids))
        .filter(app_user::Column::Status.eq(crate::identity::STATUS_ACTIVE))
        .order_by_asc(app_user::Column::DisplayName)
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect())
}

/// Whether `user` holds the position that works the case now, at its office.
pub fn holds_position(user: &Caller, c: &contract::Model) -> bool {
    match (position_for(status_of(c)), c.office_id) {
        (Some(p), Some(o)) => user
            .grants
            .0
            .iter()
            .any(|g| g.role_code == p && g.scope == Scope::Office(o)),
        _ => false,
    }
}

/// Whether `user` may reassign the office's cases: the head (staff
/// management) who also works cases there.
pub fn may_reassign(user: &Caller, c: &contract::Model) -> bool {
    let scope = object_scope(c);
    let id = user.user.id;
    user.grants.covers(perm::STAFF_MANAGE, &scope, id)
        && (user.grants.covers(perm::CONTRACT_ACCEPT, &scope, id)
            || user.grants.covers(perm::CONTRACT_REVIEW, &scope, id))
        && position_for(status_of(c)).is_some()
}

#[allow(clippy::too_many_arguments)]
async fn record<C: ConnectionTrait>(
    txn: &C,
    actor: &Actor,
    c: &contract::Model,
    version: i32,
    action: &'static str,
    reason: &str,
    detail: Value,
    now: DateTime<Utc>,
    assignee: Option<Option<i64>>,
) -> Result<(), WebError> {
    let mut update = contract::Entity::update_many()
        .col_expr(contract::Column::UpdatedAt, Expr::value(now))
        .col_expr(contract::Column::Version, Expr::value(version + 1));
    if let Some(a) = assignee {
        update = update.col_expr(contract::Column::AssignedUserId, Expr::value(a));
    }
    let n = update
        .filter(contract::Column::Id.eq(c.id))
        .filter(contract::Column::Version.eq(version))
        .exec(txn)
        .await?
        .rows_affected;
    if n == 0 {
        return Err(conflict());
    }
    event::ActiveModel {
        contract_id: Set(c.id),
        at: Set(now),
        actor: Set(actor.name.clone()),
        actor_user_id: Set(actor.user_id),
        acting_for: Set(actor.on_behalf_of.clone()),
        action: Set(action.into()),
        from_status: Set(c.status.clone()),
        to_status: Set(c.status.clone()),
        reason_code: Set(None),
        reason: Set(reason.to_owned()),
        detail: Set(detail.to_string()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    audit::record(
        txn,
        now,
        actor,
        Entry {
            action: match action {
                "claim" => "contract.claim",
                "assign" => "contract.assign",
                _ => "contract.expert_opinion",
            },
            object_type: Some("contract"),
            object_id: Some(c.id.to_string()),
            outcome: Outcome::Success,
            detail: json!({ "reason": reason, "detail": detail }),
        },
    )
    .await?;
    Ok(())
}

async fn current<C: ConnectionTrait>(txn: &C, id: i64) -> Result<contract::Model, WebError> {
    contract::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(WebError::NotFound)
}

/// A holder of the stage's position at the office takes the case.
pub async fn claim(state: &AppState, user: &Caller, id: i64, version: i32) -> Result<(), WebError> {
    let now = state.core.clock.now();
    let txn = crate::core::db::begin(&state.core.db).await?;
    let c = current(&txn, id).await?;
    if c.version != version {
        return Err(conflict());
    }
    if !holds_position(user, &c) {
        return Err(WebError::Forbidden("not a holder of the stage's position"));
    }
    if c.assigned_user_id == Some(user.user.id) {
        return Err(WebError::Conflict("该申请已由您办理。".into()));
    }
    let detail = json!({ "from_user": c.assigned_user_id, "to_user": user.user.id });
    record(
        &txn,
        &user.actor(),
        &c,
        version,
        "claim",
        "",
        detail,
        now,
        Some(Some(user.user.id)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Why a reassignment was refused, for the form.
#[derive(Debug)]
pub enum AssignError {
    /// The target does not hold the stage's position at the office.
    NotAHolder,
    Web(WebError),
}

impl From<WebError> for AssignError {
    fn from(e: WebError) -> Self {
        AssignError::Web(e)
    }
}

impl From<DbErr> for AssignError {
    fn from(e: DbErr) -> Self {
        AssignError::Web(e.into())
    }
}

/// The office head gives the case to another holder of the stage's
/// position at the office.
pub async fn reassign(
    state: &AppState,
    user: &Caller,
    id: i64,
    version: i32,
    to_user: i64,
    reason: &str,
) -> Result<(), AssignError> {
    let now = state.core.clock.now();
    let txn = crate::core::db::begin(&state.core.db).await?;
    let c = current(&txn, id).await?;
    if !may_reassign(user, &c) {
        return Err(WebError::Forbidden("office head only").into());
    }
    if c.version != version {
        return Err(conflict().into());
    }
    let (Some(position), Some(office)) = (position_for(status_of(&c)), c.office_id) else {
        return Err(WebError::Forbidden("no position works this stage").into());
    };
    if !holders(&txn, office, position)
        .await?
        .iter()
        .any(|(u, _)| *u == to_user)
    {
        return Err(AssignError::NotAHolder);
    }
    let detail = json!({ "from_user": c.assigned_user_id, "to_user": to_user });
    record(
        &txn,
        &user.actor(),
        &c,
        version,
        "assign",
        reason,
        detail,
        now,
        Some(Some(to_user)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// One expert's opinion, recorded by a reviewer while the case is in
/// expert review.
pub struct Opinion<'a> {
    pub expert: &'a str,
    pub conclusion: &'a str,
    pub opinion: &'a str,
}

pub async fn record_opinion(
    state: &AppState,
    user: &Caller,
    id: i64,
    version: i32,
    o: &Opinion<'_>,
) -> Result<(), WebError> {
    let now = state.core.clock.now();
    let txn = crate::core::db::begin(&state.core.db).await?;
    let c = current(&txn, id).await?;
    user.require_on(perm::CONTRACT_REVIEW, &object_scope(&c))?;
    if c.version != version {
        return Err(conflict());
    }
    if status_of(&c) != Status::ExpertReview {
        return Err(WebError::Conflict(format!(
            "当前状态（{}）下不能记录专家意见",
            status_of(&c).label()
        )));
    }
    let actor = user.actor();
    expert_opinion::ActiveModel {
        contract_id: Set(id),
        expert: Set(o.expert.to_owned()),
        conclusion: Set(o.conclusion.to_owned()),
        opinion: Set(o.opinion.to_owned()),
        recorded_by: Set(actor.name.clone()),
        at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let detail = json!({ "expert": o.expert, "conclusion": o.conclusion });
    record(
        &txn,
        &actor,
        &c,
        version,
        "expert_opinion",
        o.opinion,
        detail,
        now,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Opinions recorded on a case, oldest first.
pub async fn opinions<C: ConnectionTrait>(
    db: &C,
    id: i64,
) -> Result<Vec<expert_opinion::Model>, DbErr> {
    expert_opinion::Entity::find()
        .filter(expert_opinion::Column::ContractId.eq(id))
        .order_by_asc(expert_opinion::Column::Id)
        .all(db)
        .await
}
