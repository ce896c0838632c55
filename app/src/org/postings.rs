//! Office staff (F46): who holds which position where, and since when.
//! The grant itself is a scoped role assignment (`identity::roles`); the
//! dated history is `staff_posting`, one row per position held at an office
//! or one of its service points. `valid_to` is the first day the position
//! is no longer held (as in `enterprise_assignment`); an open posting has
//! none.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter,
};
use techreg_entities::identity::{role, role_assignment, role_permission};
use techreg_entities::org::{service_point, staff_posting};

use crate::core::{Grants, ObjectScope, Scope};
use crate::identity::load_grants;
use crate::security::keys::{KeyName, KeyProvider};
use crate::security::rbac::{perm, permission_tag, tag_matches};

/// The positions of a registration office, in display order.
pub const OFFICE_POSITIONS: &[&str] = &[
    "office_clerk",
    "office_reviewer",
    "office_large_approver",
    "office_head",
    "office_assistant",
];

/// The one position at a service point.
pub const SERVICE_POINT_POSITION: &str = "service_point_staff";

pub fn is_office_position(code: &str) -> bool {
    OFFICE_POSITIONS.contains(&code)
}

/// A role's current permissions, checked against their integrity tags.
pub struct RolePermissions {
    pub code: String,
    pub name: String,
    pub permissions: BTreeSet<String>,
    /// False when any permission row fails its tag: nothing may rely on it.
    pub intact: bool,
}

pub async fn role_permissions<C: ConnectionTrait>(
    db: &C,
    keys: &dyn KeyProvider,
    code: &str,
) -> Result<Option<RolePermissions>, DbErr> {
    let Some(r) = role::Entity::find()
        .filter(role::Column::Code.eq(code))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let key = keys.secret(KeyName::Integrity);
    let mut permissions = BTreeSet::new();
    let mut intact = true;
    for p in role_permission::Entity::find()
        .filter(role_permission::Column::RoleId.eq(r.id))
        .all(db)
        .await?
    {
        if tag_matches(&permission_tag(key, p.id, p.role_id, &p.permission), &p.tag) {
            permissions.insert(p.permission);
        } else {
            intact = false;
        }
    }
    Ok(Some(RolePermissions {
        code: r.code,
        name: r.name,
        permissions,
        intact,
    }))
}

/// Whether the grants hold `permission` for all data (a system admin's
/// STAFF_MANAGE, as opposed to an office head's).
pub fn holds_everywhere(grants: &Grants, permission: &str) -> bool {
    grants
        .0
        .iter()
        .any(|g| g.scope == Scope::All && g.permissions.contains(permission))
}

pub fn office_object(office_id: i64) -> ObjectScope {
    ObjectScope {
        office_id: Some(office_id),
        ..Default::default()
    }
}

/// Every permission the grants carry for an office.
pub fn permissions_on_office(grants: &Grants, user_id: i64, office_id: i64) -> BTreeSet<String> {
    let object = office_object(office_id);
    grants
        .0
        .iter()
        .filter(|g| g.scope.covers(&object, user_id))
        .flat_map(|g| g.permissions.iter().cloned())
        .collect()
}

/// The delegation rule for office positions: a STAFF_MANAGE holder for all
/// data grants any position; an office head only positions whose
/// permissions they hold for the office themselves, and never one that
/// carries STAFF_MANAGE. `Err` is the message shown.
pub fn may_delegate(
    grants: &Grants,
    user_id: i64,
    office_id: i64,
    position: &RolePermissions,
) -> Result<(), String> {
    if !position.intact {
        return Err("该岗位的权限未通过完整性校验，请联系安全管理员".into());
    }
    if holds_everywhere(grants, perm::STAFF_MANAGE) {
        return Ok(());
    }
    if position.permissions.contains(perm::STAFF_MANAGE) {
        return Err(format!(
            "“{}”岗位含人员管理权限，只能由系统管理员授予或撤销",
            position.name
        ));
    }
    let held = permissions_on_office(grants, user_id, office_id);
    let missing: Vec<&str> = position
        .permissions
        .iter()
        .filter(|p| !held.contains(*p))
        .map(|p| {
            perm::ALL
                .iter()
                .find(|(code, _)| code == p)
                .map_or(p.as_str(), |(_, label)| *label)
        })
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "“{}”岗位含有您在本登记处不具有的权限（{}），不能授予或撤销",
            position.name,
            missing.join("、")
        ))
    }
}

/// Where a user works now: offices reached through office or service point
/// positions, and any other role (held for all data, an enterprise, self).
#[derive(Default, Debug)]
pub struct Placement {
    pub offices: BTreeSet<i64>,
    pub other_roles: Vec<String>,
}

pub async fn placement<C: ConnectionTrait>(
    db: &C,
    keys: &dyn KeyProvider,
    user_id: i64,
) -> Result<Placement, DbErr> {
    let (grants, _) = load_grants(db, keys, user_id).await?;
    let mut out = Placement::default();
    for g in grants.0 {
        match g.scope {
            Scope::Office(id) => {
                out.offices.insert(id);
            }
            Scope::ServicePoint(id) => {
                if let Some(sp) = service_point::Entity::find_by_id(id).one(db).await? {
                    out.offices.insert(sp.office_id);
                }
            }
            _ => out.other_roles.push(g.role_name),
        }
    }
    Ok(out)
}

/// The office and service point a scope places a posting at.
async fn place_of<C: ConnectionTrait>(
    db: &C,
    scope: Scope,
) -> Result<Option<(i64, Option<i64>)>, DbErr> {
    Ok(match scope {
        Scope::Office(id) => Some((id, None)),
        Scope::ServicePoint(id) => service_point::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|sp| (sp.office_id, Some(sp.id))),
        _ => None,
    })
}

#[allow(clippy::too_many_arguments)]
pub async fn open_posting<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    office_id: i64,
    service_point_id: Option<i64>,
    role_code: &str,
    from: NaiveDate,
    reason: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<staff_posting::Model, DbErr> {
    staff_posting::ActiveModel {
        user_id: Set(user_id),
        office_id: Set(office_id),
        service_point_id: Set(service_point_id),
        role_code: Set(role_code.to_owned()),
        valid_from: Set(from),
        valid_to: Set(None),
        reason: Set(reason.chars().take(200).collect()),
        actor: Set(actor.chars().take(100).collect()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Opens the posting that goes with a role assignment just made in
/// `scope`, when it is an office or service point position (used by the
/// user administration screen too, so the history is complete).
pub async fn open_posting_for_scope<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    role_code: &str,
    scope: Scope,
    reason: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if let Some((office_id, sp)) = place_of(db, scope).await? {
        open_posting(
            db,
            user_id,
            office_id,
            sp,
            role_code,
            crate::core::clock::shanghai_date(now),
            reason,
            actor,
            now,
        )
        .await?;
    }
    Ok(())
}

/// Whether the user holds the role in exactly this scope.
pub async fn holds<C: ConnectionTrait>(
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
    Ok(!assignments(db, user_id, r.id, scope).await?.is_empty())
}

async fn assignments<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    role_id: i64,
    scope: Scope,
) -> Result<Vec<role_assignment::Model>, DbErr> {
    let mut q = role_assignment::Entity::find()
        .filter(role_assignment::Column::UserId.eq(user_id))
        .filter(role_assignment::Column::RoleId.eq(role_id))
        .filter(role_assignment::Column::ScopeKind.eq(scope.kind()));
    q = match scope.id() {
        Some(id) => q.filter(role_assignment::Column::ScopeId.eq(id)),
        None => q.filter(role_assignment::Column::ScopeId.is_null()),
    };
    q.all(db).await
}

/// Appends a closing note to a posting's reason, within the column's size.
fn with_note(reason: &str, note: &str) -> String {
    format!("{reason}；{note}").chars().take(200).collect()
}

/// Ends a position: deletes its role assignment(s) and closes the open
/// posting on `on` with `note`. An assignment made before postings were
/// kept gets a closed posting from the day it was made. Returns whether
/// the position was held.
#[allow(clippy::too_many_arguments)]
pub async fn end_position<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    role_code: &str,
    scope: Scope,
    on: NaiveDate,
    note: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let Some(r) = role::Entity::find()
        .filter(role::Column::Code.eq(role_code))
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    let held = assignments(db, user_id, r.id, scope).await?;
    let Some((office_id, sp)) = place_of(db, scope).await? else {
        return Ok(false);
    };
    let mut open = staff_posting::Entity::find()
        .filter(staff_posting::Column::UserId.eq(user_id))
        .filter(staff_posting::Column::OfficeId.eq(office_id))
        .filter(staff_posting::Column::RoleCode.eq(role_code))
        .filter(staff_posting::Column::ValidTo.is_null());
    open = match sp {
        Some(id) => open.filter(staff_posting::Column::ServicePointId.eq(id)),
        None => open.filter(staff_posting::Column::ServicePointId.is_null()),
    };
    let open = open.all(db).await?;
    if held.is_empty() && open.is_empty() {
        return Ok(false);
    }
    role_assignment::Entity::delete_many()
        .filter(role_assignment::Column::Id.is_in(held.iter().map(|a| a.id)))
        .exec(db)
        .await?;
    if open.is_empty() {
        let since = held
            .iter()
            .map(|a| crate::core::clock::shanghai_date(a.created_at))
            .min()
            .map_or(on, |d| d.min(on));
        let row =
            open_posting(db, user_id, office_id, sp, role_code, since, "", actor, now).await?;
        let mut m: staff_posting::ActiveModel = row.into();
        m.valid_to = Set(Some(on));
        m.reason = Set(note.chars().take(200).collect());
        m.update(db).await?;
    }
    for p in open {
        let from = p.valid_from;
        let reason = with_note(&p.reason, note);
        let mut m: staff_posting::ActiveModel = p.into();
        m.valid_to = Set(Some(on.max(from)));
        m.reason = Set(reason);
        m.update(db).await?;
    }
    Ok(true)
}

/// Every position the user holds at an office, directly or at one of its
/// service points, with the scope it is held in.
pub async fn positions_at<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    office_id: i64,
) -> Result<Vec<(String, Scope)>, DbErr> {
    let sps: BTreeSet<i64> = service_point::Entity::find()
        .filter(service_point::Column::OfficeId.eq(office_id))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let rows = role_assignment::Entity::find()
        .filter(role_assignment::Column::UserId.eq(user_id))
        .all(db)
        .await?;
    let roles: BTreeMap<i64, String> = role::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.code))
        .collect();
    let mut out = Vec::new();
    for a in rows {
        let scope = Scope::from_parts(&a.scope_kind, a.scope_id);
        let here = match scope {
            Some(Scope::Office(id)) => id == office_id,
            Some(Scope::ServicePoint(id)) => sps.contains(&id),
            _ => false,
        };
        if let (true, Some(scope), Some(code)) = (here, scope, roles.get(&a.role_id))
            && !out.iter().any(|(c, s)| c == code && *s == scope)
        {
            out.push((code.clone(), scope));
        }
    }
    Ok(out)
}

/// The open postings' latest start at an office (a move cannot take effect
/// before it).
pub async fn latest_start<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    office_id: i64,
) -> Result<Option<NaiveDate>, DbErr> {
    Ok(staff_posting::Entity::find()
        .filter(staff_posting::Column::UserId.eq(user_id))
        .filter(staff_posting::Column::OfficeId.eq(office_id))
        .filter(staff_posting::Column::ValidTo.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.valid_from)
        .max())
}

#[cfg(test)]
mod tests {
    use super::super::model::REASON_MAX;
    use super::*;
    use crate::core::{Duty, Grant};

    fn grant(code: &str, scope: Scope, perms: &[&str]) -> Grant {
        Grant {
            role_code: code.into(),
            role_name: code.into(),
            duty: Duty::None,
            scope,
            permissions: perms.iter().map(|p| p.to_string()).collect(),
        }
    }

    fn position(name: &str, perms: &[&str]) -> RolePermissions {
        RolePermissions {
            code: name.into(),
            name: name.into(),
            permissions: perms.iter().map(|p| p.to_string()).collect(),
            intact: true,
        }
    }

    #[test]
    fn a_head_delegates_only_what_they_hold_for_their_office() {
        let head = Grants(vec![grant(
            "office_head",
            Scope::Office(1),
            &[
                perm::CONTRACT_ACCEPT,
                perm::CONTRACT_REVIEW,
                perm::STAFF_MANAGE,
            ],
        )]);
        let reviewer = position("审查员", &[perm::CONTRACT_REVIEW]);
        assert!(may_delegate(&head, 9, 1, &reviewer).is_ok());
        assert!(
            may_delegate(&head, 9, 2, &reviewer).is_err(),
            "other office"
        );
        let approver = position("审定", &[perm::CONTRACT_APPROVE]);
        let err = may_delegate(&head, 9, 1, &approver).unwrap_err();
        assert!(err.contains("审定"), "{err}");
        let head_position = position("登记处负责人", &[perm::STAFF_MANAGE]);
        assert!(may_delegate(&head, 9, 1, &head_position).is_err());
        assert!(may_delegate(&head, 9, 1, &position("辅助人员", &[])).is_ok());
        let tampered = RolePermissions {
            intact: false,
            ..position("审查员", &[])
        };
        assert!(may_delegate(&head, 9, 1, &tampered).is_err());
    }

    #[test]
    fn a_system_admin_grants_any_position() {
        let admin = Grants(vec![grant(
            "system_admin",
            Scope::All,
            &[perm::STAFF_MANAGE, perm::OFFICE_MANAGE],
        )]);
        let head_position = position("登记处负责人", &[perm::STAFF_MANAGE, perm::REPORT_VIEW]);
        assert!(may_delegate(&admin, 9, 5, &head_position).is_ok());
        assert!(holds_everywhere(&admin, perm::STAFF_MANAGE));
    }

    #[test]
    fn closing_notes_fit_the_column() {
        let long = "因".repeat(REASON_MAX);
        let r = with_note(&long, &format!("撤销：{long}"));
        assert!(r.chars().count() <= 200);
        assert!(r.starts_with(&long));
    }
}
