//! Submission (and resubmission after correction): the checks, routing to
//! the responsible office, the deadline.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, QueryFilter};
use serde_json::json;
use techreg_entities::contract::{contract, snapshot};

use super::actions::*;
use super::application::Problem;
use super::case::*;
use super::drafts::*;
use super::routing::*;
use super::state::{self, Action, Guards};
use crate::boot::AppState;
use crate::core::Caller;
use crate::core::clock::shanghai_date;
use crate::web::WebError;

pub(super) async fn setting_i64(state: &AppState, key: &str) -> Result<i64, WebError> {
    state
        .settings
        .get_i64(key)
        .await
        .map_err(|e| WebError::Internal(e.into()))
}

#[derive(Debug)]
pub enum SubmitError {
    /// The application is not complete or not consistent.
    Problems(Vec<Problem>),
    /// No office serves the applicant.
    NoOffice,
    Web(WebError),
}

impl From<WebError> for SubmitError {
    fn from(e: WebError) -> Self {
        SubmitError::Web(e)
    }
}

impl From<crate::core::DomainError> for SubmitError {
    fn from(e: crate::core::DomainError) -> Self {
        SubmitError::Web(e.into())
    }
}

impl From<DbErr> for SubmitError {
    fn from(e: DbErr) -> Self {
        SubmitError::Web(e.into())
    }
}

/// Submits (or resubmits after correction) an application.
pub async fn submit(
    state: &AppState,
    user: &Caller,
    id: i64,
    version: i32,
    declared: bool,
) -> Result<contract::Model, SubmitError> {
    let now = state.core.clock.now();
    let today = shanghai_date(now);
    let codes = codes(state).await?;
    let calendar = state.calendar.snapshot().await?;
    let acceptance_days = setting_i64(state, "contracts.acceptance_days").await?;
    let threshold = setting_i64(state, "contracts.large_threshold_yuan").await? * 100;
    let duplicate_thresholds = crate::duplicates::thresholds(&state.duplicates).await;
    let txn = crate::core::db::begin(&state.core.db).await?;
    let c = editable(&txn, user, id, version).await?;
    let full = load(&txn, id).await?.ok_or(WebError::NotFound)?;
    let mut problems = check_all(&full, &codes, today);
    if !declared {
        problems.push(Problem {
            step: 6,
            field: "declaration".into(),
            message: "请阅读并勾选申报声明".into(),
        });
    }
    if !problems.is_empty() {
        return Err(SubmitError::Problems(problems));
    }
    let office_id = route(&txn, &full, today)
        .await?
        .ok_or(SubmitError::NoOffice)?;
    let from = status_of(&c);
    let to = state::next(from, Action::Submit, Guards::default())
        .map_err(|e| WebError::Conflict(e.to_string()))?;
    let round = c.round + 1;
    let large = full.contract.tech_amount.is_some_and(|t| t >= threshold);
    let assignee = least_loaded(&txn, office_id, "office_clerk").await?;
    let deadline = calendar.add_working_days(today, acceptance_days);
    let n = contract::Entity::update_many()
        .col_expr(contract::Column::Status, Expr::value(to.as_str()))
        .col_expr(contract::Column::OfficeId, Expr::value(Some(office_id)))
        .col_expr(contract::Column::AssignedUserId, Expr::value(assignee))
        .col_expr(contract::Column::Large, Expr::value(large))
        .col_expr(contract::Column::Round, Expr::value(round))
        .col_expr(contract::Column::SubmittedAt, Expr::value(Some(now)))
        .col_expr(contract::Column::StageStartedOn, Expr::value(Some(today)))
        .col_expr(contract::Column::StageDeadline, Expr::value(Some(deadline)))
        .col_expr(
            contract::Column::StepsDone,
            Expr::value(c.steps_done | (1 << 5)),
        )
        .col_expr(contract::Column::UpdatedAt, Expr::value(now))
        .col_expr(contract::Column::Version, Expr::value(c.version + 1))
        .filter(contract::Column::Id.eq(id))
        .filter(contract::Column::Version.eq(c.version))
        .exec(&txn)
        .await?
        .rows_affected;
    if n == 0 {
        return Err(conflict().into());
    }
    // The duplicate index follows every submission, in its transaction;
    // what the check finds now is recorded with the submission.
    let subject = super::duplicate_cases::subject_of(&full);
    crate::duplicates::put(&txn, &subject).await?;
    let found =
        crate::duplicates::check(&state.duplicates, &txn, &subject, &duplicate_thresholds).await?;
    let flagged = |exact: bool| {
        found
            .iter()
            .filter(|m| m.raised() && m.is_exact() == exact)
            .map(|m| m.other.id)
            .collect::<Vec<_>>()
    };
    snapshot::ActiveModel {
        contract_id: Set(id),
        round: Set(round),
        data: Set(full.snapshot().to_string()),
        at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    record_event(
        &txn,
        &user.actor(),
        id,
        Action::Submit,
        from,
        to,
        &ActInput {
            detail: json!({
                "round": round, "office_id": office_id, "deadline": deadline,
                "duplicates": flagged(true), "possible_duplicates": flagged(false),
            }),
            ..Default::default()
        },
        now,
    )
    .await?;
    let after = contract::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(WebError::NotFound)?;
    // F28/F30: integrity priority; a blocking anomaly refuses at once.
    let after =
        match super::effects::integrity_at_submission(&txn, state, after, today, now).await? {
            super::effects::Submitted::Proceed(after) => after,
            super::effects::Submitted::NotAccepted(after) => {
                txn.commit().await?;
                if let Err(e) = crate::alerts::deliver_pending(&state.alerts).await {
                    tracing::warn!(error = %e, "SMS delivery after an automatic refusal failed");
                }
                return Ok(after);
            }
        };
    super::effects::notify(
        &txn,
        state,
        &c,
        &after,
        Action::Submit,
        Some(user.user.id),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}
