use sea_orm::entity::prelude::*;

/// One message in a user's message center (消息中心).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "message")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub created_at: DateTimeUtc,
    /// `status`, `work` or `system`.
    pub kind: String,
    pub title: String,
    pub body: String,
    /// An in-app path ("/my/contracts/42"), never another site.
    pub link: Option<String>,
    /// What the message is about, e.g. ("contract", 42).
    pub object_type: Option<String>,
    pub object_id: Option<i64>,
    pub read_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
