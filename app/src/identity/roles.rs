//! Roles, their permissions and users' role assignments, each row carrying
//! an HMAC-SM3 tag over all its columns (id included). A row changed, added
//! or re-inserted outside the application fails its tag when used.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter,
};
use techreg_entities::identity::{role, role_assignment, role_permission};

use crate::core::{Duty, Grant, Grants, Scope};
use crate::security::keys::{KeyName, KeyProvider};
use crate::security::rbac::{BUILT_IN_ROLES, assignment_tag, permission_tag, tag_matches};

/// Creates the built-in roles and their permissions when missing.
pub async fn ensure_built_in_roles(
    db: &DatabaseConnection,
    keys: &dyn KeyProvider,
) -> Result<(), DbErr> {
    let key = keys.secret(KeyName::Integrity);
    let txn = crate::core::db::begin(db).await?;
    for r in BUILT_IN_ROLES {
        if role::Entity::find()
            .filter(role::Column::Code.eq(r.code))
            .one(&txn)
            .await?
            .is_some()
        {
            continue;
        }
        let created = role::ActiveModel {
            code: Set(r.code.into()),
            name: Set(r.name.into()),
            duty: Set(r.duty.as_str().into()),
            built_in: Set(true),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        for p in r.permissions {
            grant_permission(&txn, key, created.id, p).await?;
        }
    }
    txn.commit().await
}

pub async fn grant_permission<C: ConnectionTrait>(
    db: &C,
    key: &[u8],
    role_id: i64,
    permission: &str,
) -> Result<(), DbErr> {
    let row = role_permission::ActiveModel {
        role_id: Set(role_id),
        permission: Set(permission.to_owned()),
        tag: Set(String::new()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let tag = permission_tag(key, row.id, role_id, permission);
    let mut m: role_permission::ActiveModel = row.into();
    m.tag = Set(tag);
    m.update(db).await?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum AssignError {
    #[error("三员分立：同一账户不能同时担任系统管理员、安全管理员、审计管理员中的两个")]
    DutyConflict,
    #[error("角色不存在")]
    UnknownRole,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Gives `user_id` a role within `scope`, inside the caller's transaction.
pub async fn assign_role<C: ConnectionTrait>(
    db: &C,
    keys: &dyn KeyProvider,
    user_id: i64,
    role_code: &str,
    scope: Scope,
    created_by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), AssignError> {
    let role = role::Entity::find()
        .filter(role::Column::Code.eq(role_code))
        .one(db)
        .await?
        .ok_or(AssignError::UnknownRole)?;
    let duty = Duty::parse(&role.duty);
    if duty != Duty::None {
        let held = role_assignment::Entity::find()
            .filter(role_assignment::Column::UserId.eq(user_id))
            .all(db)
            .await?;
        let role_ids: Vec<i64> = held.iter().map(|a| a.role_id).collect();
        let duties = role::Entity::find()
            .filter(role::Column::Id.is_in(role_ids))
            .all(db)
            .await?;
        if duties
            .iter()
            .any(|r| Duty::parse(&r.duty) != Duty::None && Duty::parse(&r.duty) != duty)
        {
            return Err(AssignError::DutyConflict);
        }
    }
    let created_at = now.trunc_subsecs(6);
    let row = role_assignment::ActiveModel {
        user_id: Set(user_id),
        role_id: Set(role.id),
        scope_kind: Set(scope.kind().into()),
        scope_id: Set(scope.id()),
        created_at: Set(created_at),
        created_by: Set(created_by),
        tag: Set(String::new()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let tag = assignment_tag(
        keys.secret(KeyName::Integrity),
        row.id,
        user_id,
        role.id,
        scope.kind(),
        scope.id(),
        created_at,
        created_by,
    );
    let mut m: role_assignment::ActiveModel = row.into();
    m.tag = Set(tag);
    m.update(db).await?;
    Ok(())
}

/// A grant row whose tag does not match.
#[derive(Debug, Clone)]
pub struct Tampered {
    pub table: &'static str,
    pub id: i64,
}

/// Loads the user's grants, checking every tag. Rows that fail are left out
/// and reported, so the caller denies access and audits the event.
pub async fn load_grants<C: ConnectionTrait>(
    db: &C,
    keys: &dyn KeyProvider,
    user_id: i64,
) -> Result<(Grants, Vec<Tampered>), DbErr> {
    let key = keys.secret(KeyName::Integrity);
    let mut tampered = Vec::new();
    let assignments = role_assignment::Entity::find()
        .filter(role_assignment::Column::UserId.eq(user_id))
        .all(db)
        .await?;
    let role_ids: BTreeSet<i64> = assignments.iter().map(|a| a.role_id).collect();
    let roles: BTreeMap<i64, role::Model> = role::Entity::find()
        .filter(role::Column::Id.is_in(role_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let mut perms: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
    for p in role_permission::Entity::find()
        .filter(role_permission::Column::RoleId.is_in(role_ids.iter().copied()))
        .all(db)
        .await?
    {
        if tag_matches(&permission_tag(key, p.id, p.role_id, &p.permission), &p.tag) {
            perms.entry(p.role_id).or_default().insert(p.permission);
        } else {
            tampered.push(Tampered {
                table: "role_permission",
                id: p.id,
            });
        }
    }
    let mut grants = Vec::new();
    for a in assignments {
        let expected = assignment_tag(
            key,
            a.id,
            a.user_id,
            a.role_id,
            &a.scope_kind,
            a.scope_id,
            a.created_at,
            a.created_by,
        );
        let scope = Scope::from_parts(&a.scope_kind, a.scope_id);
        match (tag_matches(&expected, &a.tag), scope, roles.get(&a.role_id)) {
            (true, Some(scope), Some(r)) => grants.push(Grant {
                role_code: r.code.clone(),
                role_name: r.name.clone(),
                duty: Duty::parse(&r.duty),
                scope,
                permissions: perms.get(&a.role_id).cloned().unwrap_or_default(),
            }),
            _ => tampered.push(Tampered {
                table: "role_assignment",
                id: a.id,
            }),
        }
    }
    Ok((Grants(grants), tampered))
}

/// Whether the user holds the role in exactly this scope.
pub async fn holds_role<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    role_code: &str,
    scope: Scope,
) -> Result<bool, DbErr> {
    let Some(r) = role::Entity::find()
        .filter(role::Column::Code.eq(role_code))
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    let mut held = role_assignment::Entity::find()
        .filter(role_assignment::Column::UserId.eq(user_id))
        .filter(role_assignment::Column::RoleId.eq(r.id))
        .filter(role_assignment::Column::ScopeKind.eq(scope.kind()));
    held = match scope.id() {
        Some(id) => held.filter(role_assignment::Column::ScopeId.eq(id)),
        None => held.filter(role_assignment::Column::ScopeId.is_null()),
    };
    Ok(held.one(db).await?.is_some())
}
