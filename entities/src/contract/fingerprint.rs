use sea_orm::entity::prelude::*;

/// The duplicate-detection index row of a submitted contract: exact keys
/// and MinHash-LSH band hashes (see `techreg::duplicates`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contract_fingerprint")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub contract_id: i64,
    /// Seller, buyer and normalised contract number (none without a number).
    pub number_key: Option<i64>,
    /// Normalised name, deal amount and signing date.
    pub content_key: Option<i64>,
    pub seller_key: i64,
    pub buyer_key: i64,
    pub b0: Option<i64>,
    pub b1: Option<i64>,
    pub b2: Option<i64>,
    pub b3: Option<i64>,
    pub b4: Option<i64>,
    pub b5: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
