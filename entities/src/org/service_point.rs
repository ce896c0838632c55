use sea_orm::entity::prelude::*;

/// A service point (服务点) attached to an office; its staff file on behalf
/// of enterprises but decide nothing.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_point")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub office_id: i64,
    pub name: String,
    pub status: String,
    pub created_at: DateTimeUtc,
    pub address: String,
    pub phone: String,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
