use sea_orm::entity::prelude::*;

/// One transition of a contract: who, when, from, to, why.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contract_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contract_id: i64,
    pub at: DateTimeUtc,
    pub actor: String,
    pub actor_user_id: Option<i64>,
    pub acting_for: Option<String>,
    pub action: String,
    pub from_status: String,
    pub to_status: String,
    /// Coded reasons, comma-separated dictionary codes.
    pub reason_code: Option<String>,
    pub reason: String,
    pub detail: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
