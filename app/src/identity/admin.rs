//! The admin screens' rules: users (system admin: create staff with a
//! one-time password, unlock, reset, disable, enable, give roles) and the
//! online sessions (security admin: force a logout). Each change is one
//! transaction with its audit row.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use techreg_entities::identity::{app_user, enterprise_claim, role, user_session};

use super::Identity;
use super::bootstrap::one_time_password;
use super::directory::ActiveOffice;
use super::model::{
    CLAIM_APPROVED, Created, DisableForm, KIND_ENTERPRISE, KIND_STAFF, NewUserForm, RoleForm,
    STATUS_ACTIVE, STATUS_DISABLED, STATUS_PENDING, SessionForm,
};
use super::roles::{AssignError, assign_role, holds_role, load_grants};
use super::sessions::{self, Ending};
use super::users::{NewUser, create_user, find_by_username, set_password};
use super::validate;
use crate::audit::{self, Entry, Outcome};
use crate::core::{Caller, DomainError, DomainResult, FieldErrors, Grants, Scope};
use crate::security::rbac::perm;

/// Roles a system admin hands out here. Enterprise roles come from
/// registration and verification; service point staff are scoped to a
/// service point, given with service point management (offices module).
async fn grantable_roles(id: &Identity) -> DomainResult<Vec<role::Model>> {
    Ok(role::Entity::find()
        .filter(role::Column::Code.is_not_in([
            "applicant",
            "enterprise_admin",
            "service_point_staff",
        ]))
        .order_by_asc(role::Column::Id)
        .all(&id.core.db)
        .await?)
}

async fn offices(id: &Identity) -> DomainResult<Vec<ActiveOffice>> {
    Ok(id.offices.active_offices((&id.core.db).into()).await?)
}

/// The choices of the role form: the roles and the offices.
pub struct Choices {
    pub roles: Vec<role::Model>,
    pub offices: Vec<ActiveOffice>,
}

async fn choices(id: &Identity) -> DomainResult<Choices> {
    Ok(Choices {
        roles: grantable_roles(id).await?,
        offices: offices(id).await?,
    })
}

/// Checks a role picked on a form and finds its scope: office positions
/// need their office, every other role reaches all data. `None` with the
/// field's message added when either is wrong.
fn scope_for(choices: &Choices, form: &RoleForm, errors: &mut FieldErrors) -> Option<Scope> {
    if !choices.roles.iter().any(|r| r.code == form.role) {
        errors.add("role", "请选择角色");
    }
    if !form.role.starts_with("office_") {
        return Some(Scope::All);
    }
    let office: Option<i64> = form.office.parse().ok();
    let known = choices.offices.iter().any(|o| Some(o.id) == office);
    match office.filter(|_| known) {
        Some(office) => Some(Scope::Office(office)),
        None => {
            errors.add("office", "登记处岗位须选择所属登记处");
            None
        }
    }
}

/// The user list: up to 200 users matching the search, each with their
/// grants, and the choices of the create form.
pub struct UsersPage {
    pub now: DateTime<Utc>,
    pub users: Vec<(app_user::Model, Grants)>,
    pub choices: Choices,
}

pub async fn users(id: &Identity, caller: &Caller, q: &str) -> DomainResult<UsersPage> {
    caller.require(perm::USER_MANAGE)?;
    let mut query = app_user::Entity::find()
        .order_by_asc(app_user::Column::Id)
        .limit(200);
    if !q.trim().is_empty() {
        let like = format!("%{}%", q.trim());
        query = query.filter(
            Condition::any()
                .add(app_user::Column::Username.like(like.clone()))
                .add(app_user::Column::DisplayName.like(like)),
        );
    }
    let mut users = Vec::new();
    for u in query.all(&id.core.db).await? {
        let (grants, _) = load_grants(&id.core.db, id.keys.as_ref(), u.id).await?;
        users.push((u, grants));
    }
    Ok(UsersPage {
        now: id.core.now(),
        users,
        choices: choices(id).await?,
    })
}

/// Creates a staff account with a one-time password and its first role
/// (an office position with its dated posting).
pub async fn create_staff(
    id: &Identity,
    caller: &Caller,
    form: &NewUserForm,
) -> DomainResult<Created> {
    caller.require(perm::USER_MANAGE)?;
    let checked = form.check();
    let mut errors = checked.as_ref().err().cloned().unwrap_or_default();
    if let Ok(u) = validate::username(&form.username)
        && find_by_username(&id.core.db, &u).await?.is_some()
    {
        errors.add("username", "该用户名已被使用");
    }
    let role = RoleForm {
        role: form.role.clone(),
        office: form.office.clone(),
    };
    let scope = scope_for(&choices(id).await?, &role, &mut errors);
    let (Ok(person), Some(scope)) = (checked, scope.filter(|_| errors.is_empty())) else {
        return Err(DomainError::Invalid(errors));
    };
    let password = one_time_password();
    let now = id.core.now();
    let txn = id.core.begin().await?;
    let created = create_user(
        &txn,
        id.keys.as_ref(),
        id.core.config.security.pbkdf2_iterations,
        NewUser {
            username: &person.username,
            display_name: &person.display_name,
            kind: KIND_STAFF,
            status: STATUS_ACTIVE,
            enterprise_id: None,
            is_enterprise_admin: false,
            mobile: Some(&person.mobile),
            id_card: None,
            password: &password,
            must_change_password: true,
        },
        now,
    )
    .await?;
    let grant = Grant {
        user_id: created.id,
        role: &form.role,
        scope,
        reason: "用户管理中创建账号时分配",
    };
    give_role(id, &txn, caller, &grant, now).await?;
    audit::record(
        &txn,
        now,
        &caller.actor(),
        Entry {
            action: "user.create",
            object_type: Some("user"),
            object_id: Some(created.id.to_string()),
            outcome: Outcome::Success,
            detail: json!({ "username": person.username, "role": form.role }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Created {
        username: person.username,
        password,
    })
}

struct Grant<'a> {
    user_id: i64,
    role: &'a str,
    scope: Scope,
    /// Why, for the posting of an office position.
    reason: &'a str,
}

/// Assigns the role inside `txn`, and for an office position opens its
/// dated posting, as on the staff screen. A rule refusing the role is the
/// role field's error.
async fn give_role(
    id: &Identity,
    txn: &DatabaseTransaction,
    caller: &Caller,
    grant: &Grant<'_>,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let keys = id.keys.as_ref();
    let by = Some(caller.user.id);
    match assign_role(txn, keys, grant.user_id, grant.role, grant.scope, by, now).await {
        Ok(()) => {}
        Err(AssignError::Db(e)) => return Err(e.into()),
        Err(e) => return FieldErrors::one("role", e.to_string()),
    }
    let actor = &caller.user.username;
    id.offices
        .open_posting(
            txn,
            grant.user_id,
            grant.role,
            grant.scope,
            grant.reason,
            actor,
            now,
        )
        .await?;
    Ok(())
}

async fn target(id: &Identity, user_id: i64) -> DomainResult<app_user::Model> {
    app_user::Entity::find_by_id(user_id)
        .one(&id.core.db)
        .await?
        .ok_or(DomainError::NotFound)
}

/// One user's page: the account, its grants, the role form's choices.
pub struct UserPage {
    pub now: DateTime<Utc>,
    pub user: app_user::Model,
    pub grants: Grants,
    pub choices: Choices,
}

pub async fn user(id: &Identity, caller: &Caller, user_id: i64) -> DomainResult<UserPage> {
    caller.require(perm::USER_MANAGE)?;
    let user = target(id, user_id).await?;
    let (grants, _) = load_grants(&id.core.db, id.keys.as_ref(), user.id).await?;
    Ok(UserPage {
        now: id.core.now(),
        user,
        grants,
        choices: choices(id).await?,
    })
}

/// Applies a change to a user in one transaction with its audit row.
async fn change_user(
    id: &Identity,
    caller: &Caller,
    user_id: i64,
    action: &str,
    detail: serde_json::Value,
    apply: impl FnOnce(&mut app_user::ActiveModel),
) -> DomainResult<()> {
    let t = target(id, user_id).await?;
    let now = id.core.now();
    let txn = id.core.begin().await?;
    let version = t.version;
    let mut m: app_user::ActiveModel = t.into();
    apply(&mut m);
    m.version = Set(version + 1);
    m.update(&txn).await?;
    record(&txn, caller, now, action, user_id, detail).await?;
    txn.commit().await?;
    Ok(())
}

async fn record(
    txn: &DatabaseTransaction,
    caller: &Caller,
    now: DateTime<Utc>,
    action: &str,
    user_id: i64,
    detail: serde_json::Value,
) -> Result<(), sea_orm::DbErr> {
    audit::record(
        txn,
        now,
        &caller.actor(),
        Entry {
            action,
            object_type: Some("user"),
            object_id: Some(user_id.to_string()),
            outcome: Outcome::Success,
            detail,
        },
    )
    .await
}

pub async fn unlock(id: &Identity, caller: &Caller, user_id: i64) -> DomainResult<()> {
    caller.require(perm::USER_MANAGE)?;
    change_user(id, caller, user_id, "account.unlock", json!({}), |m| {
        m.locked_until = Set(None);
        m.failed_attempts = Set(0);
    })
    .await
}

/// A new one-time password (shown once); lifts a lock and signs the user
/// out everywhere.
pub async fn reset_password(id: &Identity, caller: &Caller, user_id: i64) -> DomainResult<String> {
    caller.require(perm::USER_MANAGE)?;
    let t = target(id, user_id).await?;
    let password = one_time_password();
    let now = id.core.now();
    let txn = id.core.begin().await?;
    let iterations = id.core.config.security.pbkdf2_iterations;
    let updated = set_password(&txn, t, &password, iterations, true, now).await?;
    let mut m: app_user::ActiveModel = updated.into();
    m.locked_until = Set(None);
    m.failed_attempts = Set(0);
    m.update(&txn).await?;
    record(&txn, caller, now, "password.reset", user_id, json!({})).await?;
    txn.commit().await?;
    sessions::end_others(id, user_id, None, "password_reset", now).await?;
    Ok(password)
}

/// Disables an account (with a reason, never one's own) and ends its
/// sessions.
pub async fn disable(
    id: &Identity,
    caller: &Caller,
    user_id: i64,
    form: &DisableForm,
) -> DomainResult<()> {
    caller.require(perm::USER_MANAGE)?;
    let reason = form.check().map_err(DomainError::Invalid)?;
    if user_id == caller.user.id {
        return Err(DomainError::Rejected("不能停用自己的账号".into()));
    }
    let detail = json!({ "reason": reason });
    change_user(id, caller, user_id, "user.disable", detail, |m| {
        m.status = Set(STATUS_DISABLED.into());
    })
    .await?;
    sessions::end_others(id, user_id, None, "disabled", id.core.now()).await?;
    Ok(())
}

/// Enables an account again. An enterprise admin whose claim was never
/// approved goes back to waiting for verification, not straight to active.
pub async fn enable(id: &Identity, caller: &Caller, user_id: i64) -> DomainResult<()> {
    caller.require(perm::USER_MANAGE)?;
    let t = target(id, user_id).await?;
    let approved = enterprise_claim::Entity::find()
        .filter(enterprise_claim::Column::UserId.eq(user_id))
        .filter(enterprise_claim::Column::Status.eq(CLAIM_APPROVED))
        .one(&id.core.db)
        .await?
        .is_some();
    let status = if t.kind == KIND_ENTERPRISE && t.is_enterprise_admin && !approved {
        STATUS_PENDING
    } else {
        STATUS_ACTIVE
    };
    let detail = json!({ "status": status });
    change_user(id, caller, user_id, "user.enable", detail, |m| {
        m.status = Set(status.into());
    })
    .await
}

/// Gives a user another role (never oneself: another system admin must),
/// once per scope.
pub async fn give(
    id: &Identity,
    caller: &Caller,
    user_id: i64,
    form: &RoleForm,
) -> DomainResult<()> {
    caller.require(perm::ROLE_MANAGE)?;
    if user_id == caller.user.id {
        return Err(DomainError::Rejected(
            "不能给自己分配角色，请由另一位系统管理员操作".into(),
        ));
    }
    let choices = choices(id).await?;
    let mut errors = FieldErrors::new();
    let scope = scope_for(&choices, form, &mut errors);
    // One problem at a time: the role first, then its office.
    if let Some(message) = errors.get("role") {
        return FieldErrors::one("role", message);
    }
    let Some(scope) = scope else {
        return Err(DomainError::Invalid(errors));
    };
    target(id, user_id).await?;
    if holds_role(&id.core.db, user_id, &form.role, scope).await? {
        return FieldErrors::one("role", "该用户已在此范围担任该角色");
    }
    let now = id.core.now();
    let txn = id.core.begin().await?;
    let grant = Grant {
        user_id,
        role: &form.role,
        scope,
        reason: "用户管理中分配",
    };
    give_role(id, &txn, caller, &grant, now).await?;
    let detail = json!({ "role": form.role });
    record(&txn, caller, now, "role.assign", user_id, detail).await?;
    txn.commit().await?;
    Ok(())
}

/// The sessions online: open and active within the idle timeout (an idle
/// one ends at its next request), with their usernames.
pub async fn online(
    id: &Identity,
    caller: &Caller,
) -> DomainResult<Vec<(user_session::Model, String)>> {
    caller.require(perm::SESSION_MANAGE)?;
    let idle = id.number("security.session_idle_minutes", 30).await;
    let since = id.core.now() - Duration::minutes(idle);
    let rows = user_session::Entity::find()
        .filter(user_session::Column::EndedAt.is_null())
        .filter(user_session::Column::LastSeenAt.gt(since))
        .order_by_desc(user_session::Column::LastSeenAt)
        .limit(500)
        .all(&id.core.db)
        .await?;
    let mut out = Vec::new();
    for r in rows {
        let name = app_user::Entity::find_by_id(r.user_id)
            .one(&id.core.db)
            .await?
            .map(|u| u.username)
            .unwrap_or_default();
        out.push((r, name));
    }
    Ok(out)
}

pub async fn force_logout(id: &Identity, caller: &Caller, form: &SessionForm) -> DomainResult<()> {
    caller.require(perm::SESSION_MANAGE)?;
    let row = user_session::Entity::find_by_id(form.session.clone())
        .one(&id.core.db)
        .await?
        .ok_or(DomainError::NotFound)?;
    let actor = caller.actor();
    let ending = Ending {
        reason: "forced_by_admin",
        actor: &actor,
        action: "session.force_logout",
        user_id: row.user_id,
    };
    sessions::end_audited(id, &form.session, &ending, id.core.now()).await
}
