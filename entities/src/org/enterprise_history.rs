use sea_orm::entity::prelude::*;

/// One change to an enterprise: created, edited, reassigned, imported.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enterprise_history")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub enterprise_id: i64,
    pub at: DateTimeUtc,
    pub actor: String,
    pub action: String,
    /// JSON object of the changed fields, `{"field": [old, new]}` or details.
    pub change: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
