//! `techreg admin bootstrap`: the first system, security and audit admins,
//! each with a random one-time password. There are no default passwords.

use chrono::Utc;
use rand::Rng;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use serde_json::json;
use techreg_entities::identity::{role, role_assignment};

use super::model::{KIND_STAFF, STATUS_ACTIVE};
use super::roles::assign_role;
use super::users::{NewUser, create_user};
use super::validate;
use crate::audit::{self, Actor, Entry, Outcome};
use crate::core::Scope;
use crate::security::keys::KeyProvider;

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("已有管理员账号，bootstrap 只能执行一次 / admins already exist")]
    AlreadyDone,
    #[error("手机号码无效: {0}")]
    Mobile(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// A password that meets the policy: letters of both cases, digits, symbol.
pub fn one_time_password() -> String {
    const LOWER: &[u8] = b"abcdefghijkmnpqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGIT: &[u8] = b"23456789";
    const SYMBOL: &[u8] = b"#%+=@";
    let mut rng = rand::rng();
    let mut pick = |set: &[u8]| set[rng.random_range(0..set.len())] as char;
    let mut chars: Vec<char> = (0..12)
        .map(|i| match i % 4 {
            0 => pick(LOWER),
            1 => pick(UPPER),
            2 => pick(DIGIT),
            _ => pick(SYMBOL),
        })
        .collect();
    chars.rotate_left(rand::rng().random_range(0..12));
    chars.into_iter().collect()
}

/// Creates the three admins (once) and returns username, role label and
/// one-time password of each.
pub async fn bootstrap_admins(
    db: &DatabaseConnection,
    keys: &dyn KeyProvider,
    iterations: u32,
    mobiles: [&str; 3],
) -> Result<Vec<(String, String, String)>, BootstrapError> {
    let admin_roles = role::Entity::find()
        .filter(role::Column::Duty.ne("none"))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect::<Vec<_>>();
    let existing = role_assignment::Entity::find()
        .filter(role_assignment::Column::RoleId.is_in(admin_roles))
        .one(db)
        .await?;
    if existing.is_some() {
        return Err(BootstrapError::AlreadyDone);
    }
    let now = Utc::now();
    let txn = crate::core::db::begin(db).await?;
    let mut created = Vec::new();
    for ((username, role_code, label), mobile) in [
        ("sysadmin", "system_admin", "系统管理员"),
        ("secadmin", "security_admin", "安全管理员"),
        ("auditadmin", "audit_admin", "审计管理员"),
    ]
    .into_iter()
    .zip(mobiles)
    {
        let mobile = validate::mobile(mobile)
            .map_err(|e| BootstrapError::Mobile(format!("{mobile}: {e}")))?;
        let password = one_time_password();
        let user = create_user(
            &txn,
            keys,
            iterations,
            NewUser {
                username,
                display_name: label,
                kind: KIND_STAFF,
                status: STATUS_ACTIVE,
                enterprise_id: None,
                is_enterprise_admin: false,
                mobile: Some(&mobile),
                id_card: None,
                password: &password,
                must_change_password: true,
            },
            now,
        )
        .await?;
        assign_role(&txn, keys, user.id, role_code, Scope::All, None, now)
            .await
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        audit::record(
            &txn,
            now,
            &Actor::system(),
            Entry {
                action: "user.bootstrap",
                object_type: Some("user"),
                object_id: Some(user.id.to_string()),
                outcome: Outcome::Success,
                detail: json!({ "role": role_code }),
            },
        )
        .await?;
        created.push((username.to_owned(), label.to_owned(), password));
    }
    txn.commit().await?;
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_time_passwords_meet_the_policy() {
        for _ in 0..50 {
            let p = one_time_password();
            assert!(
                validate::password(&validate::PasswordPolicy { min_length: 12 }, &p, "sysadmin")
                    .is_ok(),
                "{p}"
            );
        }
    }
}
