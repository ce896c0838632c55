use sea_orm::entity::prelude::*;

/// A technology contract application. Only the columns statistics need so
/// far; the contract registration module grows it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contract")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub enterprise_id: i64,
    /// The office handling it (the enterprise's office on the submission date).
    pub office_id: Option<i64>,
    pub status: String,
    pub submitted_at: Option<DateTimeUtc>,
    pub registered_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
