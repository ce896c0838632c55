use sea_orm::entity::prelude::*;

/// A staff member's position at an office (or one of its service points)
/// over a period; the current grant itself is a scoped role assignment.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_posting")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub office_id: i64,
    pub service_point_id: Option<i64>,
    pub role_code: String,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
    pub reason: String,
    pub actor: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
