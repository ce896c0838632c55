//! What follows a transition inside its transaction: the certificate at
//! registration and its status after a change, cancellation or revocation,
//! and the notices to the applicant (by SMS too for final results) and to
//! the staff member who gets the case.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, EntityTrait};
use techreg_entities::contract::contract;
use techreg_entities::org::office;

use super::categories;
use super::certificate::canonical::{CertifiedData, PartyRef};
use super::certificate::service::{self as certificates, CertError};
use super::service::Full;
use super::state::{Action, Status};
use crate::alerts::{self, Kind, NewMessage};
use crate::boot::AppState;
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
    let to = super::service::status_of(after);
    let name = if after.name.is_empty() {
        "技术合同登记申请"
    } else {
        after.name.as_str()
    };
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
    crate::integrity::reminders::after_transition(db, before, after, action, now).await?;
    Ok(())
}
