//! The role matrix (system admin) and the security policy (security
//! admin). The matrix keeps the three admin duties apart (三员分立) and
//! never leaves an admin permission on no role.

use std::collections::BTreeSet;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use techreg_entities::identity::{role, role_permission};

use super::Identity;
use super::model::{MatrixForm, PolicyForm};
use super::roles::grant_permission;
use crate::audit::{self, Entry, Outcome};
use crate::core::{Caller, DomainError, DomainResult, Duty, FieldErrors};
use crate::security::keys::KeyName;
use crate::security::rbac::perm;
use crate::settings::{self, SettingDef};

/// The duty a permission belongs to, if it is an admin permission.
fn duty_of(permission: &str) -> Duty {
    match permission {
        perm::USER_MANAGE
        | perm::ROLE_MANAGE
        | perm::OFFICE_MANAGE
        | perm::CALENDAR_MANAGE
        | perm::DICTIONARY_MANAGE
        | perm::JOBS_MANAGE => Duty::System,
        perm::SECURITY_MANAGE | perm::SESSION_MANAGE => Duty::Security,
        perm::AUDIT_VIEW => Duty::Audit,
        _ => Duty::None,
    }
}

/// Every role and what it is granted, as "permission|role code".
pub struct Matrix {
    pub roles: Vec<role::Model>,
    pub granted: BTreeSet<String>,
}

pub async fn matrix(id: &Identity, caller: &Caller) -> DomainResult<Matrix> {
    caller.require(perm::ROLE_MANAGE)?;
    let roles = role::Entity::find()
        .order_by_asc(role::Column::Id)
        .all(&id.core.db)
        .await?;
    let mut granted = BTreeSet::new();
    for p in role_permission::Entity::find().all(&id.core.db).await? {
        if let Some(r) = roles.iter().find(|r| r.id == p.role_id) {
            granted.insert(format!("{}|{}", p.permission, r.code));
        }
    }
    Ok(Matrix { roles, granted })
}

/// Why the ticked matrix may not be saved, if it may not.
fn refusal(wanted: &BTreeSet<(String, String)>, roles: &[role::Model]) -> Option<String> {
    for (p, r) in wanted {
        let Some(role) = roles.iter().find(|x| &x.code == r) else {
            return Some("角色不存在".into());
        };
        if !perm::ALL.iter().any(|(code, _)| code == p) {
            return Some("权限不存在".into());
        }
        let needed = duty_of(p);
        if needed != Duty::None && Duty::parse(&role.duty) != needed {
            return Some(format!(
                "三员分立：权限 {p} 只能授予对应的管理员角色，不能授予“{}”",
                role.name
            ));
        }
    }
    // Nobody may lock the administrators out.
    [
        perm::USER_MANAGE,
        perm::ROLE_MANAGE,
        perm::SECURITY_MANAGE,
        perm::SESSION_MANAGE,
        perm::AUDIT_VIEW,
    ]
    .into_iter()
    .find(|p| !wanted.iter().any(|(wp, _)| wp == p))
    .map(|p| format!("权限 {p} 必须至少保留在一个角色上，否则将无人能管理系统"))
}

/// Stores the matrix as ticked: removed grants deleted, new ones tagged.
/// A refusal is the message the matrix shows.
pub async fn save_matrix(id: &Identity, caller: &Caller, form: &MatrixForm) -> DomainResult<()> {
    caller.require(perm::ROLE_MANAGE)?;
    let wanted = form.wanted();
    let roles = role::Entity::find().all(&id.core.db).await?;
    if let Some(message) = refusal(&wanted, &roles) {
        return Err(DomainError::Rejected(message));
    }
    let now = id.core.now();
    let key = id.keys.secret(KeyName::Integrity).to_vec();
    let txn = id.core.begin().await?;
    let current = role_permission::Entity::find().all(&txn).await?;
    let mut added = Vec::new();
    let mut removed = Vec::new();
    for row in &current {
        let code = roles
            .iter()
            .find(|r| r.id == row.role_id)
            .map(|r| r.code.clone())
            .unwrap_or_default();
        if !wanted.contains(&(row.permission.clone(), code.clone())) {
            role_permission::Entity::delete_many()
                .filter(role_permission::Column::Id.eq(row.id))
                .exec(&txn)
                .await?;
            removed.push(format!("{}|{code}", row.permission));
        }
    }
    for (p, r) in &wanted {
        let role = roles.iter().find(|x| &x.code == r).expect("checked");
        if !current
            .iter()
            .any(|row| row.role_id == role.id && &row.permission == p)
        {
            grant_permission(&txn, &key, role.id, p).await?;
            added.push(format!("{p}|{r}"));
        }
    }
    audit::record(
        &txn,
        now,
        &caller.actor(),
        Entry {
            action: "role.permissions_change",
            object_type: Some("role"),
            object_id: None,
            outcome: Outcome::Success,
            detail: json!({ "added": added, "removed": removed }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

fn security_settings() -> impl Iterator<Item = &'static SettingDef> {
    settings::definitions()
        .iter()
        .filter(|d| d.key.starts_with("security."))
}

/// The security policy: each setting with its current value as text.
pub async fn policy(
    id: &Identity,
    caller: &Caller,
) -> DomainResult<Vec<(&'static SettingDef, String)>> {
    caller.require(perm::SECURITY_MANAGE)?;
    let mut rows = Vec::new();
    for def in security_settings() {
        let value = id
            .settings
            .get(def.key)
            .await
            .map_err(|e| DomainError::Internal(anyhow::anyhow!(e.to_string())))?;
        let shown = value
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| value.to_string());
        rows.push((def, shown));
    }
    Ok(rows)
}

/// Stores the policy as typed, every value checked (a wrong one is its
/// field's error, keyed by the setting); one audit row.
pub async fn save_policy(id: &Identity, caller: &Caller, form: &PolicyForm) -> DomainResult<()> {
    policy(id, caller).await?;
    let mut errors = FieldErrors::new();
    let mut changes = Vec::new();
    for def in security_settings() {
        match def.parse(form.value(def.key)) {
            Ok(v) => changes.push((def.key, v)),
            Err(e) => errors.add(def.key, e),
        }
    }
    if !errors.is_empty() {
        return Err(DomainError::Invalid(errors));
    }
    id.settings
        .store_form(id.core.now(), &caller.actor(), None, &changes)
        .await?;
    Ok(())
}
