use sea_orm::entity::prelude::*;

/// A registration office (登记处): a district or an industry office.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "office")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub code: String,
    pub name: String,
    /// `district` or `industry`.
    pub kind: String,
    pub district_code: Option<String>,
    pub address: String,
    pub phone: String,
    pub head_name: String,
    /// What the office handles (受理范围), free text shown to applicants and staff.
    pub handles: String,
    /// `active`, `suspended` or `closed`.
    pub status: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
