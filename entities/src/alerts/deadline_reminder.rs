use sea_orm::entity::prelude::*;

/// One deadline reminder sent to one person for one point of one stage.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deadline_reminder")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contract_id: i64,
    /// The contract's status when the reminder was due.
    pub status: String,
    pub deadline: Date,
    /// `before1`, `due`, `over1`, `over2` …
    pub point: String,
    pub user_id: i64,
    pub message_id: Option<i64>,
    /// The queued SMS, whose row carries the delivery status.
    pub sms_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
