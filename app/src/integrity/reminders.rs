//! F28: reminders through the whole process for cases of listed
//! enterprises. When such a case reaches the acceptance queue (submitted
//! or reinstated) the clerk who gets it is told to accept it first; when
//! it is accepted, the reviewer who gets it; when it has a result
//! (registered, refused, not accepted), the applicant.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use techreg_entities::contract::contract;

use super::submission::display_name;
use crate::alerts::{self, Kind, NewMessage};
use crate::contracts::service::status_of;
use crate::contracts::state::{Action, Status};
use crate::web::WebError;

pub const TITLE_PREFIX: &str = "诚信企业提醒";

/// Sends the reminder the transition calls for, inside its transaction.
pub async fn after_transition<C: ConnectionTrait>(
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
    let name = display_name(after);
    let staff = |stage: &str, ask: &str| {
        format!(
            "“{name}”（统一审批编码 {}）的申请单位为诚信企业库在库企业，该申请已{stage}，并在队列中优先排列，请{ask}。",
            after.approval_code
        )
    };
    let (user_id, body, link) = match (action, to) {
        (Action::Submit | Action::Reinstate, Status::Submitted) => (
            after.assigned_user_id,
            staff("提交至本登记处", "优先受理"),
            format!("/review/contracts/{}", after.id),
        ),
        (Action::Accept | Action::AutoAccept, Status::Reviewing)
            if before.assigned_user_id != after.assigned_user_id =>
        {
            (
                after.assigned_user_id,
                staff("受理", "优先审查"),
                format!("/review/contracts/{}", after.id),
            )
        }
        (_, Status::Registered | Status::Refused | Status::NotAccepted) => (
            Some(after.applicant_user_id),
            format!(
                "贵单位为上海市技术合同登记诚信企业库在库企业，申请“{name}”（统一审批编码 {}）已办结，结果：{}。",
                after.approval_code,
                to.label()
            ),
            format!("/my/contracts/{}", after.id),
        ),
        _ => return Ok(()),
    };
    let Some(user_id) = user_id else {
        return Ok(());
    };
    let title = format!("{TITLE_PREFIX}：{name}");
    alerts::send(
        db,
        &NewMessage {
            user_id,
            kind: Kind::System,
            title: &title,
            body: &body,
            link: Some(&link),
            object: Some(("contract", after.id)),
        },
        now,
    )
    .await?;
    Ok(())
}
