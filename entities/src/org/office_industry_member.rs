use sea_orm::entity::prelude::*;

/// An enterprise (by credit code) on an industry office's list; new
/// enterprises on a list are assigned to that office instead of their
/// district's.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "office_industry_member")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub office_id: i64,
    pub credit_code: String,
    pub actor: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
