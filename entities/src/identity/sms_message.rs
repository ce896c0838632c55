use sea_orm::entity::prelude::*;

/// An SMS sent (or logged); mobile and body SM4-encrypted, codes only as HMAC.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sms_message")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub mobile_index: String,
    pub mobile_enc: String,
    pub purpose: String,
    pub body_enc: String,
    pub code_hash: Option<String>,
    pub expires_at: Option<DateTimeUtc>,
    pub used_at: Option<DateTimeUtc>,
    pub attempts: i32,
    pub status: String,
    pub created_at: DateTimeUtc,
    /// A notice that failed waits until then before the next attempt.
    pub next_attempt_at: Option<DateTimeUtc>,
    /// When a node took it for sending (a row left `sending` long after
    /// this was claimed by a node that died).
    pub claimed_at: Option<DateTimeUtc>,
    pub sent_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
