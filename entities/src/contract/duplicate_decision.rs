use sea_orm::entity::prelude::*;

/// A reviewer's decision on a pair of contracts (`contract_a` < `contract_b`):
/// `duplicate` or `not_duplicate`, with the reason.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "duplicate_decision")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contract_a: i64,
    pub contract_b: i64,
    pub decision: String,
    pub reason: String,
    pub user_id: Option<i64>,
    pub actor: String,
    pub decided_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
