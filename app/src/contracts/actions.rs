//! Every action after submission, through the state machine: one
//! transaction with a version check (a second click or a second reviewer
//! gets "已由他人处理"), a `contract_event` row and an audit row.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, StatementBuilder,
};
use serde_json::{Value, json};
use techreg_entities::contract::{comment, contract, event, registration_serial};
use techreg_entities::org::office;

use super::case::*;
use super::routing::*;
use super::state::{self, Action, Guards, Status};
use super::submission::*;
use crate::audit::{self, Actor, Entry, Outcome};
use crate::boot::AppState;
use crate::core::Caller;
use crate::core::clock::shanghai_date;
use crate::security::rbac::perm;
use crate::web::WebError;

#[derive(Debug, Default, Clone)]
pub struct ActInput {
    pub reason_codes: Vec<String>,
    pub reason: String,
    /// Per-field comments when returning for correction: (field, comment).
    pub comments: Vec<(String, String)>,
    /// An adjusted 技术交易额 (fen) with the proposal.
    pub adjusted_tech_amount: Option<i64>,
    /// Why the 技术交易额 was adjusted; `reason` when not given.
    pub adjust_reason: Option<String>,
    pub detail: Value,
}

/// Who may take an action: the permission and whether it is the
/// applicant's own action.
pub fn permission_for(action: Action, from: Status) -> Option<&'static str> {
    use Action as A;
    Some(match action {
        A::Submit | A::Withdraw | A::RequestChange | A::RequestCancel => perm::CONTRACT_APPLY,
        A::Accept | A::NotAccept => perm::CONTRACT_ACCEPT,
        A::Return if from == Status::Submitted => perm::CONTRACT_ACCEPT,
        A::Return | A::SendToExperts | A::FinishExperts | A::ProposeRegister | A::ProposeRefuse => {
            perm::CONTRACT_REVIEW
        }
        A::ApproveLarge | A::RejectLarge => perm::CONTRACT_LARGE,
        A::Approve
        | A::Refuse
        | A::SendBack
        | A::ApproveChange
        | A::RejectChange
        | A::ApproveCancel
        | A::RejectCancel
        | A::Revoke => perm::CONTRACT_APPROVE,
        A::Reinstate => perm::INTEGRITY_MANAGE,
        A::AutoAccept => return None,
    })
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn record_event<C: ConnectionTrait>(
    txn: &C,
    actor: &Actor,
    id: i64,
    action: Action,
    from: Status,
    to: Status,
    input: &ActInput,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let codes = (!input.reason_codes.is_empty()).then(|| input.reason_codes.join(","));
    event::ActiveModel {
        contract_id: Set(id),
        at: Set(now),
        actor: Set(actor.name.clone()),
        actor_user_id: Set(actor.user_id),
        acting_for: Set(actor.on_behalf_of.clone()),
        action: Set(action.as_str().into()),
        from_status: Set(from.as_str().into()),
        to_status: Set(to.as_str().into()),
        reason_code: Set(codes.clone()),
        reason: Set(input.reason.clone()),
        detail: Set(input.detail.to_string()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    audit::record(
        txn,
        now,
        actor,
        Entry {
            action: "contract.transition",
            object_type: Some("contract"),
            object_id: Some(id.to_string()),
            outcome: Outcome::Success,
            detail: json!({
                "action": action.as_str(), "from": from.as_str(), "to": to.as_str(),
                "reason_codes": codes, "reason": input.reason, "detail": input.detail,
            }),
        },
    )
    .await?;
    Ok(())
}

/// Takes `action` on a contract at `version` as `user` (or the system when
/// `user` is `None`), moving it through the state machine.
pub async fn act(
    state: &AppState,
    user: Option<&Caller>,
    id: i64,
    version: i32,
    action: Action,
    input: ActInput,
) -> Result<contract::Model, WebError> {
    let now = state.core.clock.now();
    let today = shanghai_date(now);
    let calendar = state.calendar.snapshot().await?;
    let review_days = setting_i64(state, "contracts.review_days").await?;
    let acceptance_days = setting_i64(state, "contracts.acceptance_days").await?;
    let expert_days = setting_i64(state, "contracts.expert_review_days").await?;
    let threshold = setting_i64(state, "contracts.large_threshold_yuan").await? * 100;
    let pause = state
        .settings
        .get_string("contracts.return_clock")
        .await
        .map_err(|e| WebError::Internal(e.into()))?
        == "pause";
    let txn = crate::core::db::begin(&state.core.db).await?;
    let c = contract::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(WebError::NotFound)?;
    let from = status_of(&c);
    let actor = match user {
        Some(u) => {
            let needed = permission_for(action, from).ok_or(WebError::Forbidden("system only"))?;
            if needed == perm::CONTRACT_APPLY {
                own(&txn, u, id).await?;
            } else {
                u.require_on(needed, &object_scope(&c))?;
            }
            u.actor()
        }
        None => Actor::system(),
    };
    if c.version != version {
        return Err(conflict().into());
    }
    // A 技术交易额 adjusted up to the threshold needs the large-contract
    // approver too; one adjusted down keeps the check it was submitted with.
    let large = c.large
        || (matches!(action, Action::ProposeRegister | Action::ProposeRefuse)
            && input.adjusted_tech_amount.is_some_and(|t| t >= threshold));
    let to = state::next(from, action, Guards { large })
        .map_err(|e| WebError::Conflict(e.to_string()))?;
    let mut update = contract::Entity::update_many()
        .col_expr(contract::Column::Status, Expr::value(to.as_str()))
        .col_expr(contract::Column::Large, Expr::value(large))
        .col_expr(contract::Column::UpdatedAt, Expr::value(now))
        .col_expr(contract::Column::Version, Expr::value(c.version + 1));
    // The stage clock and the person who works the next stage.
    let mut deadline = c.stage_deadline;
    match (action, to) {
        (Action::Accept | Action::AutoAccept, _) => {
            let days = match c.paused_days {
                Some(left) if pause => left as i64,
                _ => review_days,
            };
            deadline = Some(calendar.add_working_days(today, days));
            update = update
                .col_expr(contract::Column::AcceptedAt, Expr::value(Some(now)))
                .col_expr(contract::Column::StageStartedOn, Expr::value(Some(today)))
                .col_expr(contract::Column::PausedDays, Expr::value(None::<i32>));
        }
        (Action::Reinstate, _) => {
            deadline = Some(calendar.add_working_days(today, acceptance_days));
            update = update.col_expr(contract::Column::StageStartedOn, Expr::value(Some(today)));
        }
        (Action::SendToExperts, _) => {
            let started = c.stage_started_on.unwrap_or(today);
            deadline = Some(calendar.add_working_days(started, expert_days));
        }
        (Action::Return, _) => {
            let left = c
                .stage_deadline
                .filter(|_| from == Status::Reviewing)
                .map(|d| std::cmp::max(calendar.working_days_between(today, d), 0) as i32);
            deadline = None;
            update = update.col_expr(contract::Column::PausedDays, Expr::value(left));
            if !input.comments.is_empty() {
                comment::Entity::insert_many(input.comments.iter().map(|(field, text)| {
                    comment::ActiveModel {
                        contract_id: Set(id),
                        round: Set(c.round),
                        field: Set(field.clone()),
                        comment: Set(text.clone()),
                        author: Set(actor.name.clone()),
                        at: Set(now),
                        ..Default::default()
                    }
                }))
                .exec_without_returning(&txn)
                .await?;
            }
        }
        (Action::ProposeRegister | Action::ProposeRefuse, _) => {
            let proposal = if action == Action::ProposeRegister {
                "register"
            } else {
                "refuse"
            };
            update = update.col_expr(contract::Column::Proposal, Expr::value(Some(proposal)));
            if let Some(t) = input.adjusted_tech_amount {
                let why = input
                    .adjust_reason
                    .clone()
                    .unwrap_or_else(|| input.reason.clone());
                update = update
                    .col_expr(contract::Column::ApprovedTechAmount, Expr::value(Some(t)))
                    .col_expr(contract::Column::AmountAdjustReason, Expr::value(Some(why)));
            }
        }
        (Action::Approve, _) => {
            let number = next_registration_number(state, &txn, &c, today).await?;
            update = update
                .col_expr(
                    contract::Column::RegistrationNumber,
                    Expr::value(Some(number)),
                )
                .col_expr(contract::Column::RegisteredAt, Expr::value(Some(now)));
            deadline = None;
        }
        (_, Status::Registered | Status::Refused | Status::NotAccepted | Status::Withdrawn) => {
            deadline = None;
        }
        _ => {}
    }
    let assignee = match (position_for(to), c.office_id) {
        (Some(p), Some(o)) if position_for(from) != Some(p) => least_loaded(&txn, o, p).await?,
        (Some(_), _) => c.assigned_user_id,
        (None, _) => None,
    };
    let n = update
        .col_expr(contract::Column::StageDeadline, Expr::value(deadline))
        .col_expr(contract::Column::AssignedUserId, Expr::value(assignee))
        .filter(contract::Column::Id.eq(id))
        .filter(contract::Column::Version.eq(version))
        .exec(&txn)
        .await?
        .rows_affected;
    if n == 0 {
        return Err(conflict().into());
    }
    record_event(&txn, &actor, id, action, from, to, &input, now).await?;
    if action == Action::ApproveChange
        && let Some(full) = load(&txn, id).await?
    {
        // A change re-indexes the contract with what it now says.
        crate::duplicates::put(&txn, &super::duplicate_cases::subject_of(&full)).await?;
    }
    let after = contract::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(WebError::NotFound)?;
    super::effects::certificate(&txn, state, &after, action, &input.reason, now).await?;
    super::effects::notify(&txn, state, &c, &after, action, actor.user_id, now).await?;
    txn.commit().await?;
    // SMS notices leave after the commit; a failed delivery stays recorded.
    if let Err(e) = crate::alerts::deliver_pending(&state.alerts).await {
        tracing::warn!(error = %e, "SMS delivery after a contract action failed");
    }
    Ok(after)
}

/// The next registration number of the contract's office and year, from the
/// configured format; serials are never reused (an atomic counter row per
/// scope).
pub(crate) async fn next_registration_number<C: ConnectionTrait>(
    state: &AppState,
    txn: &C,
    c: &contract::Model,
    today: NaiveDate,
) -> Result<String, WebError> {
    use chrono::Datelike;
    let office_code = match c.office_id {
        Some(o) => office::Entity::find_by_id(o)
            .one(txn)
            .await?
            .map(|o| o.code)
            .unwrap_or_default(),
        None => String::new(),
    };
    let year = today.year();
    let scope = format!("{year}-{office_code}");
    let mut insert = Query::insert();
    insert
        .into_table(registration_serial::Entity)
        .columns([
            registration_serial::Column::Scope,
            registration_serial::Column::NextValue,
        ])
        .values_panic([scope.clone().into(), 1i64.into()])
        .on_conflict(
            OnConflict::column(registration_serial::Column::Scope)
                .value(
                    registration_serial::Column::NextValue,
                    Expr::col((
                        registration_serial::Entity,
                        registration_serial::Column::NextValue,
                    ))
                    .add(1),
                )
                .to_owned(),
        )
        .returning_col(registration_serial::Column::NextValue);
    let stmt = StatementBuilder::build(&insert, &txn.get_database_backend());
    let row = txn
        .query_one_raw(stmt)
        .await?
        .ok_or_else(|| DbErr::Custom("serial upsert returned nothing".into()))?;
    let serial: i64 = row.try_get("", "next_value")?;
    let format = state
        .settings
        .get_string("contracts.number_format")
        .await
        .map_err(|e| WebError::Internal(e.into()))?;
    Ok(format
        .replace("{year}", &year.to_string())
        .replace("{office}", &office_code)
        .replace("{serial}", &format!("{serial:06}")))
}
