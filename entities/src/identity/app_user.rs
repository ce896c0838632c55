use sea_orm::entity::prelude::*;

/// A person who signs in: enterprise user, individual, or staff.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "app_user")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub kind: String,
    pub status: String,
    pub enterprise_id: Option<i64>,
    pub is_enterprise_admin: bool,
    pub mobile_enc: Option<String>,
    pub mobile_index: Option<String>,
    pub id_card_enc: Option<String>,
    pub id_card_index: Option<String>,
    pub password_hash: String,
    pub password_changed_at: DateTimeUtc,
    pub must_change_password: bool,
    pub mfa_method: String,
    pub totp_secret_enc: Option<String>,
    pub totp_last_step: Option<i64>,
    pub failed_attempts: i32,
    pub locked_until: Option<DateTimeUtc>,
    pub last_login_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
