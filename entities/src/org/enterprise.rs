use sea_orm::entity::prelude::*;

/// An enterprise (or institution) that registers contracts.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enterprise")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub credit_code: String,
    pub name: String,
    /// GB/T 2260 district code.
    pub district_code: Option<String>,
    pub status: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// 法人类型, a code of the `legal_form` dictionary.
    pub legal_form_code: Option<String>,
    pub address: String,
    pub legal_rep: String,
    pub contact_name: String,
    pub contact_phone: String,
    /// `registration`, `import` or `demo`.
    pub source: String,
    /// Flags kept by later modules (commitment library, integrity list, anomalies).
    pub in_commitment_library: bool,
    pub in_integrity_list: bool,
    pub has_anomaly: bool,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
