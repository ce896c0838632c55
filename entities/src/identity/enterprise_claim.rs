use sea_orm::entity::prelude::*;

/// A user's claim to act for an enterprise, with its proof, decided by staff.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enterprise_claim")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub enterprise_id: i64,
    pub user_id: i64,
    pub status: String,
    /// Claims an enterprise that is already verified: staff decide with
    /// the proof whether the claimant may act for it too.
    pub contested: bool,
    pub licence_digest: Option<String>,
    pub letter_digest: Option<String>,
    pub reason: Option<String>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
