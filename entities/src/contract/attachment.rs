use sea_orm::entity::prelude::*;

/// A file attached to a contract, stored under its SM3 digest.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contract_attachment")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contract_id: i64,
    /// `contract` (the contract scan) or `proof`.
    pub kind: String,
    pub digest: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub round: i32,
    pub uploaded_at: DateTimeUtc,
    pub uploaded_by: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
