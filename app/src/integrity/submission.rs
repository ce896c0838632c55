//! What a submission meets (F28, F30): the case of a listed enterprise is
//! marked for priority; a submission by an enterprise with a blocking
//! anomaly in force is not accepted by the system at once, with the reason
//! on the case and in the applicant's messages. The city office may lift
//! such a refusal (`Action::Reinstate`), with a reason, audited.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use techreg_entities::contract::{contract, event};
use techreg_entities::org::enterprise_anomaly;
use techreg_entities::system::dictionary_entry;

use super::service::{anomalies, listing, validity};
use crate::alerts::{self, Kind, NewMessage};
use crate::audit::Actor;
use crate::boot::AppState;
use crate::contracts::service::{ActInput, record_event};
use crate::contracts::state::{Action, Status};
use crate::dictionary::DICT_ANOMALY_TYPE;
use crate::web::WebError;

/// Marks the detail of the system's 不予受理 event.
pub const AUTOMATIC: &str = "blocking_anomaly";

pub enum Outcome {
    Proceed(contract::Model),
    NotAccepted(contract::Model),
}

async fn type_label<C: ConnectionTrait>(db: &C, code: &str) -> Result<String, DbErr> {
    Ok(dictionary_entry::Entity::find()
        .filter(dictionary_entry::Column::DictionaryCode.eq(DICT_ANOMALY_TYPE))
        .filter(dictionary_entry::Column::Code.eq(code))
        .one(db)
        .await?
        .map(|e| e.label)
        .unwrap_or_else(|| code.to_owned()))
}

/// The reason the applicant reads: every blocking record in force.
pub async fn refusal_reason<C: ConnectionTrait>(
    db: &C,
    blocking: &[enterprise_anomaly::Model],
) -> Result<String, DbErr> {
    let mut parts = Vec::new();
    for a in blocking {
        parts.push(format!(
            "{}（{}；来源：{}；认定日期：{}；有效期：{}）",
            type_label(db, &a.type_code).await?,
            a.description,
            a.source,
            a.recorded_on,
            validity(a.valid_from, a.valid_to)
        ));
    }
    Ok(format!(
        "系统自动不予受理：申请单位存在限制受理的异常信息——{}。如有异议，请联系上海市技术市场管理办公室。",
        parts.join("；")
    ))
}

/// Runs inside the submission's transaction, after the case became
/// 待受理 and before anyone is told.
pub async fn on_submit<C: ConnectionTrait>(
    txn: &C,
    state: &AppState,
    after: contract::Model,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Outcome, WebError> {
    let Some(enterprise_id) = after.enterprise_id else {
        return Ok(Outcome::Proceed(after));
    };
    let listed = listing(txn, enterprise_id, today).await?.is_some();
    let blocking: Vec<_> = anomalies(txn, enterprise_id, today)
        .await?
        .into_iter()
        .filter(|a| a.blocking)
        .collect();
    if blocking.is_empty() {
        if listed == after.integrity_listed {
            return Ok(Outcome::Proceed(after));
        }
        contract::Entity::update_many()
            .col_expr(contract::Column::IntegrityListed, Expr::value(listed))
            .filter(contract::Column::Id.eq(after.id))
            .exec(txn)
            .await?;
        return Ok(Outcome::Proceed(contract::Model {
            integrity_listed: listed,
            ..after
        }));
    }
    let reason = refusal_reason(txn, &blocking).await?;
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
    record_event(
        txn,
        &Actor::system(),
        after.id,
        Action::NotAccept,
        Status::Submitted,
        Status::NotAccepted,
        &ActInput {
            reason: reason.clone(),
            detail: json!({
                "automatic": AUTOMATIC,
                "anomalies": blocking.iter().map(|a| a.id).collect::<Vec<_>>(),
            }),
            ..Default::default()
        },
        now,
    )
    .await?;
    let refused = contract::Entity::find_by_id(after.id)
        .one(txn)
        .await?
        .ok_or(WebError::NotFound)?;
    let title = format!("不予受理：{}", display_name(&refused));
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
        txn,
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
    Ok(Outcome::NotAccepted(refused))
}

pub fn display_name(c: &contract::Model) -> &str {
    if c.name.is_empty() {
        "技术合同登记申请"
    } else {
        &c.name
    }
}

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
