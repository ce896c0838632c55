//! Further users of a verified enterprise, added by its enterprise admin
//! (permission `enterprise.users`, scoped to that enterprise).

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use techreg_entities::identity::app_user;
use techreg_entities::org::enterprise;

use super::Identity;
use super::bootstrap::one_time_password;
use super::login::mobile_of;
use super::model::{Created, KIND_ENTERPRISE, MemberForm, STATUS_ACTIVE};
use super::roles::assign_role;
use super::users::{NewUser, create_user, find_by_username};
use super::validate;
use crate::audit::{self, Entry, Outcome};
use crate::core::{Caller, DomainError, DomainResult, ObjectScope, Scope};
use crate::security::rbac::perm;

/// The admin's enterprise, checked against the grant's scope.
async fn own_enterprise(id: &Identity, caller: &Caller) -> DomainResult<enterprise::Model> {
    caller.require(perm::ENTERPRISE_USERS)?;
    let enterprise_id = caller.user.enterprise_id.ok_or(DomainError::NotFound)?;
    caller.require_on(
        perm::ENTERPRISE_USERS,
        &ObjectScope {
            enterprise_id: Some(enterprise_id),
            ..Default::default()
        },
    )?;
    enterprise::Entity::find_by_id(enterprise_id)
        .one(&id.core.db)
        .await?
        .ok_or(DomainError::NotFound)
}

/// A user of the enterprise, with their mobile in clear.
pub struct Member {
    pub user: app_user::Model,
    pub mobile: Option<String>,
}

pub struct Members {
    pub enterprise: enterprise::Model,
    pub members: Vec<Member>,
}

/// The admin's enterprise and its users.
pub async fn members(id: &Identity, caller: &Caller) -> DomainResult<Members> {
    let enterprise = own_enterprise(id, caller).await?;
    let members = app_user::Entity::find()
        .filter(app_user::Column::EnterpriseId.eq(enterprise.id))
        .order_by_asc(app_user::Column::Id)
        .all(&id.core.db)
        .await?
        .into_iter()
        .map(|user| Member {
            mobile: mobile_of(id.keys.as_ref(), &user),
            user,
        })
        .collect();
    Ok(Members {
        enterprise,
        members,
    })
}

/// Adds a user with a one-time password and the applicant role for the
/// enterprise.
pub async fn add_member(
    id: &Identity,
    caller: &Caller,
    form: &MemberForm,
) -> DomainResult<Created> {
    let ent = own_enterprise(id, caller).await?;
    let checked = form.check();
    let mut errors = checked.as_ref().err().cloned().unwrap_or_default();
    if let Ok(u) = validate::username(&form.username)
        && find_by_username(&id.core.db, &u).await?.is_some()
    {
        errors.add("username", "该用户名已被使用");
    }
    let person = match checked {
        Ok(p) if errors.is_empty() => p,
        _ => return Err(DomainError::Invalid(errors)),
    };
    let password = one_time_password();
    let now = id.core.now();
    let txn = id.core.begin().await?;
    let member = create_user(
        &txn,
        id.keys.as_ref(),
        id.core.config.security.pbkdf2_iterations,
        NewUser {
            username: &person.username,
            display_name: &person.display_name,
            kind: KIND_ENTERPRISE,
            status: STATUS_ACTIVE,
            enterprise_id: Some(ent.id),
            is_enterprise_admin: false,
            mobile: Some(&person.mobile),
            id_card: None,
            password: &password,
            must_change_password: true,
        },
        now,
    )
    .await?;
    assign_role(
        &txn,
        id.keys.as_ref(),
        member.id,
        "applicant",
        Scope::Enterprise(ent.id),
        Some(caller.user.id),
        now,
    )
    .await
    .map_err(|e| DomainError::Internal(anyhow::anyhow!(e.to_string())))?;
    audit::record(
        &txn,
        now,
        &caller.actor(),
        Entry {
            action: "enterprise.add_user",
            object_type: Some("user"),
            object_id: Some(member.id.to_string()),
            outcome: Outcome::Success,
            detail: json!({ "enterprise_id": ent.id, "username": person.username }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Created {
        username: person.username,
        password,
    })
}
