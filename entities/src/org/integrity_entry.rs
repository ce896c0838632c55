use sea_orm::entity::prelude::*;

/// An enterprise's listing in the integrity enterprise library (诚信企业库):
/// active from `valid_from` through `valid_to` (inclusive, open-ended when
/// empty) unless removed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "integrity_entry")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub enterprise_id: i64,
    pub reason: String,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
    /// `manual`, `import` or `demo`.
    pub source: String,
    pub added_by: String,
    pub added_at: DateTimeUtc,
    pub removed_at: Option<DateTimeUtc>,
    pub removed_by: Option<String>,
    pub removal_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
