use sea_orm::entity::prelude::*;

/// A role held by a user within a data scope, with its integrity tag.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "role_assignment")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub role_id: i64,
    pub scope_kind: String,
    pub scope_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub created_by: Option<i64>,
    pub tag: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
