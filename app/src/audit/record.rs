use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};
use serde_json::Value;

pub use crate::core::Actor;
use techreg_entities::audit::audit_log;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    Denied,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Entry<'a> {
    pub action: &'a str,
    pub object_type: Option<&'a str>,
    pub object_id: Option<String>,
    pub outcome: Outcome,
    pub detail: Value,
}

/// Appends one audit row inside the caller's transaction. Timestamps are
/// kept to the microsecond so both backends give back the same value.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    at: DateTime<Utc>,
    actor: &Actor,
    entry: Entry<'_>,
) -> Result<(), DbErr> {
    audit_log::Entity::insert(audit_log::ActiveModel {
        at: Set(at.trunc_subsecs(6)),
        actor_id: Set(actor.user_id),
        actor_name: Set(actor.name.clone()),
        on_behalf_of: Set(actor.on_behalf_of.clone()),
        role: Set(actor.role.clone()),
        client_ip: Set(actor.client_ip.clone()),
        action: Set(entry.action.to_owned()),
        object_type: Set(entry.object_type.map(str::to_owned)),
        object_id: Set(entry.object_id),
        result: Set(entry.outcome.as_str().to_owned()),
        detail: Set(entry.detail.to_string()),
        seal_seq: Set(None),
        tag: Set(None),
        ..Default::default()
    })
    .exec(db)
    .await?;
    Ok(())
}
