use sea_orm::entity::prelude::*;

/// The chain's head (last sealed row) and the tag of the last purged row,
/// so a cut tail is noticed and purging keeps the chain verifiable.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_anchor")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub head_seq: i64,
    pub head_tag: String,
    pub purged_seq: i64,
    pub purged_tag: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
