use sea_orm::entity::prelude::*;

/// A party to a contract: seller, buyer or other.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contract_party")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contract_id: i64,
    /// `seller`, `buyer` or `other`.
    pub role: String,
    pub seq: i32,
    pub name: String,
    pub credit_code: Option<String>,
    /// GB/T 2260 region code (domestic parties).
    pub region: Option<String>,
    pub legal_form: Option<String>,
    /// 3-digit country code (foreign parties).
    pub country: Option<String>,
    pub contact: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
