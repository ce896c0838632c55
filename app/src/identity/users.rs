//! Account rows: creating users, setting passwords (with their history),
//! finding a user by name. Each runs inside the caller's transaction.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use techreg_entities::identity::{app_user, password_history};

use super::model::MFA_SMS;
use crate::security::crypto::{hash_password, verify_password};
use crate::security::keys::KeyProvider;

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub kind: &'a str,
    pub status: &'a str,
    pub enterprise_id: Option<i64>,
    pub is_enterprise_admin: bool,
    pub mobile: Option<&'a str>,
    pub id_card: Option<&'a str>,
    pub password: &'a str,
    /// One-time passwords (staff, reset) must be changed at first login.
    pub must_change_password: bool,
}

/// Creates a user with their first password.
pub async fn create_user<C: ConnectionTrait>(
    db: &C,
    keys: &dyn KeyProvider,
    iterations: u32,
    u: NewUser<'_>,
    now: DateTime<Utc>,
) -> Result<app_user::Model, DbErr> {
    let fields = keys.fields();
    let hash = hash_password(u.password, iterations);
    let user = app_user::ActiveModel {
        username: Set(u.username.to_owned()),
        display_name: Set(u.display_name.to_owned()),
        kind: Set(u.kind.to_owned()),
        status: Set(u.status.to_owned()),
        enterprise_id: Set(u.enterprise_id),
        is_enterprise_admin: Set(u.is_enterprise_admin),
        mobile_enc: Set(u.mobile.map(|m| fields.encrypt(m))),
        mobile_index: Set(u.mobile.map(|m| fields.blind_index("mobile", m))),
        id_card_enc: Set(u.id_card.map(|m| fields.encrypt(m))),
        id_card_index: Set(u.id_card.map(|m| fields.blind_index("id_card", m))),
        password_hash: Set(hash.clone()),
        password_changed_at: Set(now),
        must_change_password: Set(u.must_change_password),
        mfa_method: Set(MFA_SMS.to_owned()),
        totp_secret_enc: Set(None),
        totp_last_step: Set(None),
        failed_attempts: Set(0),
        locked_until: Set(None),
        last_login_at: Set(None),
        created_at: Set(now),
        version: Set(0),
        ..Default::default()
    }
    .insert(db)
    .await?;
    remember_password(db, user.id, &hash, now).await?;
    Ok(user)
}

async fn remember_password<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    password_history::ActiveModel {
        user_id: Set(user_id),
        password_hash: Set(hash.to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Whether `password` equals one of the user's last `count` passwords.
pub async fn reused<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    password: &str,
    count: u64,
) -> Result<bool, DbErr> {
    let recent = password_history::Entity::find()
        .filter(password_history::Column::UserId.eq(user_id))
        .order_by_desc(password_history::Column::Id)
        .limit(count)
        .all(db)
        .await?;
    Ok(recent
        .iter()
        .any(|h| verify_password(password, &h.password_hash)))
}

/// Sets a new password (already checked against policy and history).
pub async fn set_password<C: ConnectionTrait>(
    db: &C,
    user: app_user::Model,
    password: &str,
    iterations: u32,
    must_change: bool,
    now: DateTime<Utc>,
) -> Result<app_user::Model, DbErr> {
    let hash = hash_password(password, iterations);
    let id = user.id;
    let version = user.version;
    let mut m: app_user::ActiveModel = user.into();
    m.password_hash = Set(hash.clone());
    m.password_changed_at = Set(now);
    m.must_change_password = Set(must_change);
    m.version = Set(version + 1);
    let updated = m.update(db).await?;
    remember_password(db, id, &hash, now).await?;
    Ok(updated)
}

pub async fn find_by_username<C: ConnectionTrait>(
    db: &C,
    username: &str,
) -> Result<Option<app_user::Model>, DbErr> {
    app_user::Entity::find()
        .filter(app_user::Column::Username.eq(username.trim().to_ascii_lowercase()))
        .one(db)
        .await
}
