//! Service points (服务点) of the offices: list, create, edit with a version
//! check, status with a reason (OFFICE_MANAGE), and their staff
//! (`service_point_staff` scoped to the service point) for STAFF_MANAGE
//! holders covering the service point's office, so an office head manages
//! the staff of their own service points. The audit log is the history.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::{Value, json};
use techreg_entities::audit::audit_log;
use techreg_entities::identity::{app_user, role, role_assignment};
use techreg_entities::org::{office, service_point, staff_posting};

use super::Org;
use super::model::{
    OfficeChoiceQuery, REASON_MAX, STATUS_ACTIVE, ServicePointForm, ServicePointGrantForm,
    ServicePointRevokeForm, StatusForm, WHOLE_FORM, check_reason,
};
use super::positions::{
    PositionChange, Postings, check_belongs, grant_position, offices_by_code, open_since, postings,
    revoke_position, staff_user, users_by_id,
};
use super::postings::{SERVICE_POINT_POSITION, holds, office_object};
use crate::audit::{self, Entry, Outcome};
use crate::core::version::update_at;
use crate::core::{Caller, DomainError, DomainResult, FieldErrors, ObjectScope, Scope};
use crate::security::rbac::perm;

fn object(sp: &service_point::Model) -> ObjectScope {
    ObjectScope {
        office_id: Some(sp.office_id),
        service_point_id: Some(sp.id),
        ..Default::default()
    }
}

/// Forbidden unless the caller manages offices or staff at all.
fn require_any(caller: &Caller) -> DomainResult<()> {
    if caller.grants.has(perm::OFFICE_MANAGE) || caller.grants.has(perm::STAFF_MANAGE) {
        Ok(())
    } else {
        Err(DomainError::Forbidden("missing permission"))
    }
}

fn reaches(caller: &Caller, obj: &ObjectScope) -> bool {
    caller
        .grants
        .covers(perm::OFFICE_MANAGE, obj, caller.user.id)
        || caller
            .grants
            .covers(perm::STAFF_MANAGE, obj, caller.user.id)
}

async fn find<C: ConnectionTrait>(db: &C, id: i64) -> DomainResult<service_point::Model> {
    service_point::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)
}

/// The service points the caller reaches, with their offices and staff
/// counts, and the offices they may choose.
pub struct ListData {
    pub rows: Vec<service_point::Model>,
    pub office_names: BTreeMap<i64, String>,
    pub staff: BTreeMap<i64, usize>,
    pub choices: Vec<office::Model>,
    pub filter: Option<i64>,
    pub can_create: bool,
}

pub async fn list(org: &Org, caller: &Caller, query: &OfficeChoiceQuery) -> DomainResult<ListData> {
    require_any(caller)?;
    let db = &org.core.db;
    let filter = query.office.as_deref().and_then(|s| s.trim().parse().ok());
    let mut q = service_point::Entity::find()
        .order_by_asc(service_point::Column::OfficeId)
        .order_by_asc(service_point::Column::Id);
    if let Some(id) = filter {
        q = q.filter(service_point::Column::OfficeId.eq(id));
    }
    let rows: Vec<service_point::Model> = q
        .all(db)
        .await?
        .into_iter()
        .filter(|s| reaches(caller, &object(s)))
        .collect();
    let staff_role = role::Entity::find()
        .filter(role::Column::Code.eq(SERVICE_POINT_POSITION))
        .one(db)
        .await?
        .map(|r| r.id);
    let mut staff: BTreeMap<i64, usize> = BTreeMap::new();
    for a in role_assignment::Entity::find()
        .filter(role_assignment::Column::ScopeKind.eq("service_point"))
        .filter(role_assignment::Column::RoleId.eq(staff_role.unwrap_or(-1)))
        .all(db)
        .await?
    {
        if let Some(id) = a.scope_id {
            *staff.entry(id).or_default() += 1;
        }
    }
    let offices = offices_by_code(db).await?;
    Ok(ListData {
        rows,
        office_names: offices.iter().map(|o| (o.id, o.name.clone())).collect(),
        staff,
        choices: offices
            .into_iter()
            .filter(|o| reaches(caller, &office_object(o.id)))
            .collect(),
        filter,
        can_create: caller.grants.has(perm::OFFICE_MANAGE),
    })
}

async fn name_taken<C: ConnectionTrait>(
    db: &C,
    office_id: i64,
    name: &str,
    except: Option<i64>,
) -> DomainResult<bool> {
    Ok(service_point::Entity::find()
        .filter(service_point::Column::OfficeId.eq(office_id))
        .filter(service_point::Column::Name.eq(name))
        .all(db)
        .await?
        .iter()
        .any(|s| Some(s.id) != except))
}

fn snapshot(s: &service_point::Model) -> Value {
    json!({
        "office": s.office_id, "name": s.name, "address": s.address,
        "phone": s.phone, "status": s.status,
    })
}

fn entry(action: &str, id: i64, detail: Value) -> Entry<'_> {
    Entry {
        action,
        object_type: Some("service_point"),
        object_id: Some(id.to_string()),
        outcome: Outcome::Success,
        detail,
    }
}

/// Creates a service point of an active office; returns its id.
pub async fn create(org: &Org, caller: &Caller, form: &ServicePointForm) -> DomainResult<i64> {
    caller.require(perm::OFFICE_MANAGE)?;
    let db = &org.core.db;
    let mut errors = FieldErrors::new();
    let office = match form.office.parse::<i64>() {
        Ok(id) => office::Entity::find_by_id(id).one(db).await?,
        Err(_) => None,
    };
    match &office {
        None => errors.add("office", "请选择所属登记处"),
        Some(o) if o.status != STATUS_ACTIVE => errors.add("office", "该登记处已暂停或撤销"),
        Some(o) => caller.require_on(perm::OFFICE_MANAGE, &office_object(o.id))?,
    }
    let input = form.check();
    if let Err(e) = &input {
        for (field, message) in e.iter() {
            errors.add(field, message);
        }
    }
    if let (Some(o), Ok(i)) = (&office, &input)
        && name_taken(db, o.id, &i.name, None).await?
    {
        errors.add("name", "该登记处已有同名服务点");
    }
    let (Some(o), Ok(i)) = (office, input) else {
        return Err(DomainError::Invalid(errors));
    };
    errors.or_ok(())?;
    let now = org.core.now();
    let txn = org.core.begin().await?;
    let sp = service_point::ActiveModel {
        office_id: Set(o.id),
        name: Set(i.name),
        status: Set(STATUS_ACTIVE.into()),
        created_at: Set(now),
        address: Set(i.address),
        phone: Set(i.phone),
        version: Set(0),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let created = entry("service_point.create", sp.id, snapshot(&sp));
    audit::record(&txn, now, &caller.actor(), created).await?;
    txn.commit().await?;
    Ok(sp.id)
}

/// A service point's page: its office, staff (with the start of each
/// posting), postings, and the audit rows about it (newest first).
pub struct Detail {
    pub service_point: service_point::Model,
    pub office_name: String,
    pub changes: Vec<audit_log::Model>,
    pub staff: Vec<(app_user::Model, Option<NaiveDate>)>,
    pub postings: Postings,
    pub can_edit: bool,
}

pub async fn detail(org: &Org, caller: &Caller, id: i64) -> DomainResult<Detail> {
    require_any(caller)?;
    let db = &org.core.db;
    let sp = find(db, id).await?;
    if !reaches(caller, &object(&sp)) {
        return Err(DomainError::NotFound);
    }
    let office_name = office::Entity::find_by_id(sp.office_id)
        .one(db)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let changes = audit_log::Entity::find()
        .filter(audit_log::Column::ObjectType.eq("service_point"))
        .filter(audit_log::Column::ObjectId.eq(sp.id.to_string()))
        .order_by_desc(audit_log::Column::Id)
        .limit(200)
        .all(db)
        .await?;
    let since = open_since(db, sp.office_id).await?;
    let staff_role = role::Entity::find()
        .filter(role::Column::Code.eq(SERVICE_POINT_POSITION))
        .one(db)
        .await?
        .map(|r| r.id)
        .unwrap_or(-1);
    let assignments = role_assignment::Entity::find()
        .filter(role_assignment::Column::RoleId.eq(staff_role))
        .filter(role_assignment::Column::ScopeKind.eq("service_point"))
        .filter(role_assignment::Column::ScopeId.eq(sp.id))
        .order_by_asc(role_assignment::Column::Id)
        .all(db)
        .await?;
    let users = users_by_id(db, assignments.iter().map(|a| a.user_id)).await?;
    let key = |u: i64| (u, SERVICE_POINT_POSITION.to_owned(), Some(sp.id));
    let staff = assignments
        .iter()
        .filter_map(|a| users.get(&a.user_id))
        .map(|u| (u.clone(), since.get(&key(u.id)).copied()))
        .collect();
    Ok(Detail {
        office_name,
        changes,
        staff,
        postings: postings(db, staff_posting::Column::ServicePointId.eq(sp.id)).await?,
        can_edit: caller
            .grants
            .covers(perm::OFFICE_MANAGE, &object(&sp), caller.user.id),
        service_point: sp,
    })
}

/// The service point, checked for a change by this caller under `permission`.
async fn for_change(
    org: &Org,
    caller: &Caller,
    id: i64,
    permission: &str,
) -> DomainResult<service_point::Model> {
    caller.require(permission)?;
    let sp = find(&org.core.db, id).await?;
    caller.require_on(permission, &object(&sp))?;
    Ok(sp)
}

pub async fn edit(
    org: &Org,
    caller: &Caller,
    id: i64,
    form: &ServicePointForm,
) -> DomainResult<()> {
    let before = for_change(org, caller, id, perm::OFFICE_MANAGE).await?;
    let i = form.check().map_err(DomainError::Invalid)?;
    if name_taken(&org.core.db, before.office_id, &i.name, Some(id)).await? {
        return FieldErrors::one("name", "该登记处已有同名服务点");
    }
    let now = org.core.now();
    let txn = org.core.begin().await?;
    let update = service_point::Entity::update_many()
        .col_expr(service_point::Column::Name, Expr::value(i.name))
        .col_expr(service_point::Column::Address, Expr::value(i.address))
        .col_expr(service_point::Column::Phone, Expr::value(i.phone));
    let which = service_point::Column::Id.eq(id);
    update_at(
        &txn,
        update,
        which,
        service_point::Column::Version,
        i.version,
    )
    .await?;
    let after = find(&txn, id).await?;
    let detail = json!({ "before": snapshot(&before), "after": snapshot(&after) });
    let edited = entry("service_point.edit", id, detail);
    audit::record(&txn, now, &caller.actor(), edited).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn change_status(
    org: &Org,
    caller: &Caller,
    id: i64,
    form: &StatusForm,
) -> DomainResult<()> {
    let before = for_change(org, caller, id, perm::OFFICE_MANAGE).await?;
    let c = form.check_service_point().map_err(DomainError::Invalid)?;
    let now = org.core.now();
    let txn = org.core.begin().await?;
    let update = service_point::Entity::update_many()
        .col_expr(service_point::Column::Status, Expr::value(c.status.clone()));
    let which = service_point::Column::Id.eq(id);
    update_at(
        &txn,
        update,
        which,
        service_point::Column::Version,
        c.version,
    )
    .await?;
    let detail = json!({ "from": before.status, "to": c.status, "reason": c.reason });
    let changed = entry("service_point.status", id, detail);
    audit::record(&txn, now, &caller.actor(), changed).await?;
    txn.commit().await?;
    Ok(())
}

/// Makes a staff user service point staff (STAFF_MANAGE for its office).
pub async fn grant_staff(
    org: &Org,
    caller: &Caller,
    id: i64,
    form: &ServicePointGrantForm,
) -> DomainResult<()> {
    let sp = for_change(org, caller, id, perm::STAFF_MANAGE).await?;
    let db = &org.core.db;
    let mut errors = FieldErrors::new();
    if sp.status != STATUS_ACTIVE {
        errors.add(WHOLE_FORM, "服务点已暂停，不能授予岗位");
    }
    let target = staff_user(db, &mut errors, "username", &form.username).await?;
    let reason = check_reason(&mut errors, "reason", &form.reason);
    let scope = Scope::ServicePoint(sp.id);
    if let Some(t) = &target {
        if t.id == caller.user.id {
            errors.add("username", "不能给自己授予岗位，请由他人办理");
        } else {
            check_belongs(org, caller, t, sp.office_id, &mut errors, "username").await?;
        }
        if holds(db, t.id, SERVICE_POINT_POSITION, scope).await? {
            errors.add("username", "该用户已是本服务点人员");
        }
    }
    let (Some(t), Some(reason)) = (target, reason) else {
        return Err(DomainError::Invalid(errors));
    };
    errors.or_ok(())?;
    let change = PositionChange {
        user_id: t.id,
        role_code: SERVICE_POINT_POSITION,
        scope,
        reason: &reason,
    };
    grant_position(org, caller, &change).await
}

/// Ends a person's service point staff position.
pub async fn revoke_staff(
    org: &Org,
    caller: &Caller,
    id: i64,
    form: &ServicePointRevokeForm,
) -> DomainResult<()> {
    let sp = for_change(org, caller, id, perm::STAFF_MANAGE).await?;
    let target_id: i64 = form.user.parse().map_err(|_| DomainError::NotFound)?;
    let scope = Scope::ServicePoint(sp.id);
    let reason = form.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > REASON_MAX {
        let message = format!("请填写撤销原因（不超过 {REASON_MAX} 个字）");
        return FieldErrors::one(WHOLE_FORM, message);
    }
    if !holds(&org.core.db, target_id, SERVICE_POINT_POSITION, scope).await? {
        return FieldErrors::one(WHOLE_FORM, "该用户不是本服务点人员");
    }
    let change = PositionChange {
        user_id: target_id,
        role_code: SERVICE_POINT_POSITION,
        scope,
        reason: &reason,
    };
    revoke_position(org, caller, &change).await
}
