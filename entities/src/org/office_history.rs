use sea_orm::entity::prelude::*;

/// One change of an office (created, edited, status changed): who, when,
/// and the fields before and after as JSON.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "office_history")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub office_id: i64,
    pub at: DateTimeUtc,
    pub actor: String,
    pub action: String,
    pub change: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
