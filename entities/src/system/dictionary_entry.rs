use sea_orm::entity::prelude::*;

/// One code of a dictionary. Entries are deactivated, never deleted while
/// records refer to them; `parent_code` (same dictionary) makes hierarchies.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dictionary_entry")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub dictionary_code: String,
    pub code: String,
    pub label: String,
    pub parent_code: Option<String>,
    pub sort_order: i32,
    pub active: bool,
    /// Seeded by the application; may be deactivated but not deleted.
    pub built_in: bool,
    pub version: i32,
    pub updated_at: DateTimeUtc,
    pub updated_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
