//! What follows a transition inside its transaction: the certificate at
//! registration and its status after a change, cancellation or revocation,
//! and the notices to the applicant (by SMS too for final results) and to
//! the staff member who gets the case.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;
use techreg_entities::contract::contract;
use techreg_entities::org::office;

use super::categories;
use super::certificate::canonical::{CertifiedData, PartyRef};
use super::certificate::service::{self as certificates, CertError};
use super::refusals::AUTOMATIC;
use super::service::{ActInput, Full, record_event, status_of};
use super::state::{Action, Status};
use crate::alerts::{self, Kind, NewMessage};
use crate::audit::Actor;
use crate::boot::AppState;
use crate::integrity::Stage;
use crate::web::WebError;

fn internal(e: CertError) -> WebError {
    match e {
        CertError::Db(e) => e.into(),
        other => WebError::Internal(anyhow::anyhow!(other.to_string())),
    }
}

/// The data the certificate certifies, from a registered contract.
pub async fn certified<C: ConnectionTrait>(
    db: &C,
    full: &Full,
    registered_on: NaiveDate,
) -> Result<CertifiedData, WebError> {
    let c = &full.contract;
    let office = match c.office_id {
        Some(id) => office::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    let (category, subtype) = (
        c.category.clone().unwrap_or_default(),
        c.subtype.clone().unwrap_or_default(),
    );
    let cat = categories::category(&c.rule_version, &category);
    let sub = categories::subtype(&c.rule_version, &category, &subtype);
    let side = |role: &str| {
        full.parties
            .iter()
            .filter(|p| p.role == role)
            .map(|p| PartyRef {
                name: p.name.clone(),
                credit_code: p.credit_code.clone(),
            })
            .collect()
    };
    let missing =
        || WebError::Internal(anyhow::anyhow!("registered contract {} lacks dates", c.id));
    Ok(CertifiedData {
        registration_number: c.registration_number.clone().ok_or_else(missing)?,
        approval_code: c.approval_code.clone(),
        contract_name: c.name.clone(),
        contract_number: c.contract_number.clone(),
        category,
        category_label: cat.map(|x| x.label).unwrap_or_default().to_owned(),
        subtype_label: sub.map(|x| x.label).unwrap_or_default().to_owned(),
        signed_on: c.signed_on.ok_or_else(missing)?,
        valid_from: c.valid_from.ok_or_else(missing)?,
        valid_to: c.valid_to.ok_or_else(missing)?,
        sellers: side("seller"),
        buyers: side("buyer"),
        deal_amount_fen: c.deal_amount.unwrap_or_default(),
        tech_amount_fen: c.approved_tech_amount.or(c.tech_amount).unwrap_or_default(),
        office_code: office.as_ref().map(|o| o.code.clone()).unwrap_or_default(),
        office_name: office.map(|o| o.name).unwrap_or_default(),
        registered_on,
    })
}

/// Certificate work after the transition `action` left `c` in `to`.
pub async fn certificate<C: ConnectionTrait>(
    db: &C,
    state: &AppState,
    c: &contract::Model,
    action: Action,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), WebError> {
    let status = match action {
        Action::Approve => {
            let full = super::service::load(db, c.id)
                .await?
                .ok_or(WebError::NotFound)?;
            let data = certified(db, &full, crate::core::clock::shanghai_date(now)).await?;
            certificates::issue(db, state, c.id, &data, now)
                .await
                .map_err(internal)?;
            return Ok(());
        }
        Action::ApproveChange => certificates::Status::Changed,
        Action::ApproveCancel => certificates::Status::Cancelled,
        Action::Revoke => certificates::Status::Revoked,
        _ => return Ok(()),
    };
    if let Some(number) = &c.registration_number {
        certificates::set_status(db, number, status, reason, now)
            .await
            .map_err(internal)?;
    }
    Ok(())
}

/// Final results reach the applicant by SMS as well.
fn is_final_result(to: Status) -> bool {
    matches!(
        to,
        Status::Registered
            | Status::Refused
            | Status::NotAccepted
            | Status::Revoked
            | Status::Cancelled
    )
}

/// Notices of a transition: the applicant hears of every status change
/// made by someone else; the newly assigned staff member gets the work.
pub async fn notify<C: ConnectionTrait>(
    db: &C,
    state: &AppState,
    before: &contract::Model,
    after: &contract::Model,
    action: Action,
    actor_user_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), WebError> {
    let to = status_of(after);
    let name = display_name(after);
    let link = format!("/my/contracts/{}", after.id);
    if actor_user_id != Some(after.applicant_user_id) {
        let title = format!("{}：{}", to.label(), name);
        let body = format!(
            "您的申请（统一审批编码 {}）已{}，当前状态：{}。",
            after.approval_code,
            action.label(),
            to.label()
        );
        let m = NewMessage {
            user_id: after.applicant_user_id,
            kind: Kind::Status,
            title: &title,
            body: &body,
            link: Some(&link),
            object: Some(("contract", after.id)),
        };
        if is_final_result(to) {
            let sms = format!(
                "您的技术合同登记申请（{}）结果：{}。详情请登录系统查看。",
                after.approval_code,
                to.label()
            );
            alerts::send_with_sms(db, &state.alerts, &m, &sms, now).await?;
        } else {
            alerts::send(db, &m, now).await?;
        }
    }
    if let Some(u) = after.assigned_user_id
        && before.assigned_user_id != Some(u)
        && actor_user_id != Some(u)
    {
        let title = format!("新的待办：{}", name);
        let body = format!(
            "统一审批编码 {} 的申请已分派给您，当前状态：{}。",
            after.approval_code,
            to.label()
        );
        let review_link = format!("/review/contracts/{}", after.id);
        alerts::send(
            db,
            &NewMessage {
                user_id: u,
                kind: Kind::Work,
                title: &title,
                body: &body,
                link: Some(&review_link),
                object: Some(("contract", after.id)),
            },
            now,
        )
        .await?;
    }
    integrity_reminder(db, before, after, action, now).await?;
    Ok(())
}

pub fn display_name(c: &contract::Model) -> &str {
    if c.name.is_empty() {
        "技术合同登记申请"
    } else {
        &c.name
    }
}

/// F28: the reminder a transition of a listed enterprise's case calls
/// for: the clerk who gets it in the acceptance queue, the reviewer who
/// gets it accepted, the applicant when it has a result.
async fn integrity_reminder<C: ConnectionTrait>(
    db: &C,
    before: &contract::Model,
    after: &contract::Model,
    action: Action,
    now: DateTime<Utc>,
) -> Result<(), WebError> {
    if !after.integrity_listed {
        return Ok(());
    }
    let to = status_of(after);
    let review_link = format!("/review/contracts/{}", after.id);
    let (user_id, stage, link) = match (action, to) {
        (Action::Submit | Action::Reinstate, Status::Submitted) => {
            (after.assigned_user_id, Stage::ToAccept, review_link)
        }
        (Action::Accept | Action::AutoAccept, Status::Reviewing)
            if before.assigned_user_id != after.assigned_user_id =>
        {
            (after.assigned_user_id, Stage::ToReview, review_link)
        }
        (_, Status::Registered | Status::Refused | Status::NotAccepted) => (
            Some(after.applicant_user_id),
            Stage::Finished { result: to.label() },
            format!("/my/contracts/{}", after.id),
        ),
        _ => return Ok(()),
    };
    let Some(user_id) = user_id else {
        return Ok(());
    };
    let r = crate::integrity::reminder(stage, display_name(after), &after.approval_code);
    alerts::send(
        db,
        &NewMessage {
            user_id,
            kind: Kind::System,
            title: &r.title,
            body: &r.body,
            link: Some(&link),
            object: Some(("contract", after.id)),
        },
        now,
    )
    .await?;
    Ok(())
}

/// What a submission came to after the integrity check.
pub enum Submitted {
    Proceed(contract::Model),
    NotAccepted(contract::Model),
}

/// F28/F30, inside the submission's transaction after the case became
/// 待受理 and before anyone is told: the case remembers whether its
/// enterprise is listed; with a blocking anomaly in force the system does
/// not accept it at once, with the reason on the case and in the
/// applicant's messages (by SMS too).
pub async fn integrity_at_submission<C: ConnectionTrait>(
    txn: &C,
    state: &AppState,
    after: contract::Model,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Submitted, WebError> {
    let Some(enterprise_id) = after.enterprise_id else {
        return Ok(Submitted::Proceed(after));
    };
    let standing = crate::integrity::standing(txn, enterprise_id, today).await?;
    let listed = standing.listed;
    let Some(blocking) = standing.blocking else {
        if listed == after.integrity_listed {
            return Ok(Submitted::Proceed(after));
        }
        contract::Entity::update_many()
            .col_expr(contract::Column::IntegrityListed, Expr::value(listed))
            .filter(contract::Column::Id.eq(after.id))
            .exec(txn)
            .await?;
        return Ok(Submitted::Proceed(contract::Model {
            integrity_listed: listed,
            ..after
        }));
    };
    let n = contract::Entity::update_many()
        .col_expr(
            contract::Column::Status,
            Expr::value(Status::NotAccepted.as_str()),
        )
        .col_expr(contract::Column::IntegrityListed, Expr::value(listed))
        .col_expr(contract::Column::AssignedUserId, Expr::value(None::<i64>))
        .col_expr(
            contract::Column::StageDeadline,
            Expr::value(None::<NaiveDate>),
        )
        .col_expr(contract::Column::Version, Expr::value(after.version + 1))
        .filter(contract::Column::Id.eq(after.id))
        .filter(contract::Column::Version.eq(after.version))
        .exec(txn)
        .await?
        .rows_affected;
    if n == 0 {
        return Err(WebError::Conflict("已由他人处理，请刷新后查看。".into()));
    }
    let input = ActInput {
        reason: blocking.reason.clone(),
        detail: json!({ "automatic": AUTOMATIC, "anomalies": blocking.anomaly_ids }),
        ..Default::default()
    };
    let (from, to) = (Status::Submitted, Status::NotAccepted);
    record_event(
        txn,
        &Actor::system(),
        after.id,
        Action::NotAccept,
        from,
        to,
        &input,
        now,
    )
    .await?;
    let refused = contract::Entity::find_by_id(after.id)
        .one(txn)
        .await?
        .ok_or(WebError::NotFound)?;
    not_accepted_notice(txn, state, &refused, &blocking.reason, now).await?;
    Ok(Submitted::NotAccepted(refused))
}

/// The applicant's message (and SMS) of an automatic refusal.
async fn not_accepted_notice<C: ConnectionTrait>(
    db: &C,
    state: &AppState,
    refused: &contract::Model,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), WebError> {
    let title = format!("不予受理：{}", display_name(refused));
    let body = format!(
        "您的申请（统一审批编码 {}）{}",
        refused.approval_code, reason
    );
    let link = format!("/my/contracts/{}", refused.id);
    let sms = format!(
        "您的技术合同登记申请（{}）因存在限制受理的异常信息，系统自动不予受理。详情请登录系统查看。",
        refused.approval_code
    );
    alerts::send_with_sms(
        db,
        &state.alerts,
        &NewMessage {
            user_id: refused.applicant_user_id,
            kind: Kind::Status,
            title: &title,
            body: &body,
            link: Some(&link),
            object: Some(("contract", refused.id)),
        },
        &sms,
        now,
    )
    .await?;
    Ok(())
}
