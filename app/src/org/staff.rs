//! Office staff (F46) at `/admin/staff`. A system admin (STAFF_MANAGE for
//! all data) manages every office and moves people between offices; an
//! office head (STAFF_MANAGE for their office) manages their own office's
//! staff, granting only positions within their own rights. Each change
//! writes the role assignment, the dated posting and the audit row in one
//! transaction (`positions`; the rules of postings are in `postings`).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, DbErr, EntityTrait, ExprTrait, QueryFilter, QueryOrder};
use serde_json::json;
use techreg_entities::identity::{app_user, role, role_assignment};
use techreg_entities::org::{office, service_point, staff_posting};

use super::Org;
use super::model::{GrantForm, MoveForm, RevokeForm, STATUS_ACTIVE, check_reason};
use super::positions::{
    PositionChange, Postings, assign_failed, check_belongs, grant_position, offices_by_code,
    open_since, postings, revoke_position, role_names, staff_entry, staff_user, users_by_id,
};
use super::postings::{
    self, OFFICE_POSITIONS, RolePermissions, SERVICE_POINT_POSITION, holds, holds_everywhere,
    is_office_position, may_delegate, office_object,
};
use crate::audit;
use crate::core::clock::shanghai_date;
use crate::core::{Caller, DomainError, DomainResult, FieldErrors, Scope};
use crate::security::rbac::perm;

/// The office positions with their current permissions, in display order.
async fn positions(org: &Org) -> Result<Vec<RolePermissions>, DbErr> {
    let mut out = Vec::new();
    for code in OFFICE_POSITIONS {
        if let Some(r) = postings::role_permissions(&org.core.db, org.keys.as_ref(), code).await? {
            out.push(r);
        }
    }
    Ok(out)
}

/// The office a head manages, when no office is named.
fn own_office(caller: &Caller) -> Option<i64> {
    caller.grants.0.iter().find_map(|g| match g.scope {
        Scope::Office(id) if g.permissions.contains(perm::STAFF_MANAGE) => Some(id),
        _ => None,
    })
}

/// The office a form or query names, checked against the caller's scope:
/// not found when unknown or outside it.
async fn managed_office(org: &Org, caller: &Caller, raw: &str) -> DomainResult<office::Model> {
    let id: i64 = raw.trim().parse().map_err(|_| DomainError::NotFound)?;
    let o = office::Entity::find_by_id(id)
        .one(&org.core.db)
        .await?
        .ok_or(DomainError::NotFound)?;
    caller.require_on(perm::STAFF_MANAGE, &office_object(o.id))?;
    Ok(o)
}

/// One position someone holds at the office or one of its service points.
pub struct Held {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub code: String,
    pub service_point: Option<i64>,
    pub since: Option<NaiveDate>,
    /// Whether the caller may revoke it from the list.
    pub revocable: bool,
}

/// An office's staff page.
pub struct OfficeStaff {
    pub office: office::Model,
    pub held: Vec<Held>,
    pub positions: Vec<RolePermissions>,
    /// The positions the caller may grant and revoke at this office.
    pub delegable: BTreeSet<String>,
    pub role_names: BTreeMap<String, String>,
    pub service_points: Vec<service_point::Model>,
    pub postings: Postings,
    /// Every office, for the move form (system admins only).
    pub offices: Vec<office::Model>,
    pub can_move: bool,
    pub today: NaiveDate,
}

/// What `/admin/staff` shows: the office chooser, or an office's staff.
pub enum StaffPage {
    Choose(Vec<office::Model>),
    Office(Box<OfficeStaff>),
}

pub async fn page(org: &Org, caller: &Caller, named: Option<&str>) -> DomainResult<StaffPage> {
    caller.require(perm::STAFF_MANAGE)?;
    let named = named.filter(|s| !s.trim().is_empty());
    let everywhere = holds_everywhere(&caller.grants, perm::STAFF_MANAGE);
    let raw = match (named, own_office(caller)) {
        (Some(raw), _) => raw.to_owned(),
        (None, Some(own)) if !everywhere => own.to_string(),
        _ => return Ok(StaffPage::Choose(offices_by_code(&org.core.db).await?)),
    };
    Ok(StaffPage::Office(Box::new(
        office_staff(org, caller, &raw).await?,
    )))
}

/// The staff page of the office `raw` names (a form's office, when it is
/// shown again with its errors).
pub async fn office_staff(org: &Org, caller: &Caller, raw: &str) -> DomainResult<OfficeStaff> {
    caller.require(perm::STAFF_MANAGE)?;
    let o = managed_office(org, caller, raw).await?;
    let db = &org.core.db;
    let everywhere = holds_everywhere(&caller.grants, perm::STAFF_MANAGE);
    let positions = positions(org).await?;
    let delegable: BTreeSet<String> = positions
        .iter()
        .filter(|p| may_delegate(&caller.grants, caller.user.id, o.id, p).is_ok())
        .map(|p| p.code.clone())
        .collect();
    let service_points = service_point::Entity::find()
        .filter(service_point::Column::OfficeId.eq(o.id))
        .order_by_asc(service_point::Column::Id)
        .all(db)
        .await?;
    let held = held_at(org, caller, &o, &service_points, &delegable).await?;
    Ok(OfficeStaff {
        held,
        positions,
        delegable,
        role_names: role_names(db).await?,
        postings: postings(db, staff_posting::Column::OfficeId.eq(o.id)).await?,
        offices: if everywhere {
            offices_by_code(db).await?
        } else {
            Vec::new()
        },
        can_move: everywhere,
        service_points,
        today: shanghai_date(org.core.now()),
        office: o,
    })
}

/// Current positions: office positions at the office, service point
/// staff at its service points, in the order they were granted.
async fn held_at(
    org: &Org,
    caller: &Caller,
    o: &office::Model,
    sps: &[service_point::Model],
    delegable: &BTreeSet<String>,
) -> Result<Vec<Held>, DbErr> {
    let db = &org.core.db;
    let role_codes: BTreeMap<i64, String> = role::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.code))
        .collect();
    let since = open_since(db, o.id).await?;
    let rows = role_assignment::Entity::find()
        .filter(
            Condition::any()
                .add(
                    role_assignment::Column::ScopeKind
                        .eq("office")
                        .and(role_assignment::Column::ScopeId.eq(o.id)),
                )
                .add(
                    role_assignment::Column::ScopeKind
                        .eq("service_point")
                        .and(role_assignment::Column::ScopeId.is_in(sps.iter().map(|s| s.id))),
                ),
        )
        .order_by_asc(role_assignment::Column::Id)
        .all(db)
        .await?;
    let users = users_by_id(db, rows.iter().map(|a| a.user_id)).await?;
    let mut out = Vec::new();
    for a in rows {
        let Some(code) = role_codes.get(&a.role_id) else {
            continue;
        };
        let at_sp = (a.scope_kind == "service_point")
            .then_some(a.scope_id)
            .flatten();
        if at_sp.is_none() && !is_office_position(code)
            || at_sp.is_some() && code != SERVICE_POINT_POSITION
        {
            continue;
        }
        let Some(u) = users.get(&a.user_id) else {
            continue;
        };
        let revocable = at_sp.is_none()
            && !(u.id == caller.user.id && code == "office_head")
            && delegable.contains(code);
        out.push(Held {
            user_id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            code: code.clone(),
            service_point: at_sp,
            since: since.get(&(u.id, code.clone(), at_sp)).copied(),
            revocable,
        });
    }
    Ok(out)
}

/// The position a form names, checked against the delegation rule.
async fn delegable(
    org: &Org,
    caller: &Caller,
    office_id: i64,
    code: &str,
    errors: &mut FieldErrors,
) -> Result<Option<String>, DbErr> {
    if !is_office_position(code) {
        errors.add("position", "请选择岗位");
        return Ok(None);
    }
    let Some(p) = postings::role_permissions(&org.core.db, org.keys.as_ref(), code).await? else {
        errors.add("position", "请选择岗位");
        return Ok(None);
    };
    if let Err(m) = may_delegate(&caller.grants, caller.user.id, office_id, &p) {
        errors.add("position", m);
        return Ok(None);
    }
    Ok(Some(code.to_owned()))
}

/// Grants an office position; returns the office.
pub async fn grant(org: &Org, caller: &Caller, form: &GrantForm) -> DomainResult<i64> {
    caller.require(perm::STAFF_MANAGE)?;
    let o = managed_office(org, caller, &form.office).await?;
    let db = &org.core.db;
    let mut errors = FieldErrors::new();
    let target = staff_user(db, &mut errors, "username", &form.username).await?;
    let position = delegable(org, caller, o.id, &form.position, &mut errors).await?;
    let reason = check_reason(&mut errors, "reason", &form.reason);
    if let Some(t) = &target {
        if t.id == caller.user.id {
            errors.add("username", "不能给自己授予岗位，请由他人办理");
        } else {
            check_belongs(org, caller, t, o.id, &mut errors, "username").await?;
        }
        if let Some(code) = &position
            && holds(db, t.id, code, Scope::Office(o.id)).await?
        {
            errors.add("position", "该用户已担任此岗位");
        }
    }
    let (Some(t), Some(code), Some(reason)) = (target, position, reason) else {
        return Err(DomainError::Invalid(errors));
    };
    errors.or_ok(())?;
    let change = PositionChange {
        user_id: t.id,
        role_code: &code,
        scope: Scope::Office(o.id),
        reason: &reason,
    };
    grant_position(org, caller, &change).await?;
    Ok(o.id)
}

/// Revokes an office position; returns the office.
pub async fn revoke(org: &Org, caller: &Caller, form: &RevokeForm) -> DomainResult<i64> {
    caller.require(perm::STAFF_MANAGE)?;
    let o = managed_office(org, caller, &form.office).await?;
    let db = &org.core.db;
    let target_id: i64 = form.user.parse().map_err(|_| DomainError::NotFound)?;
    let target = app_user::Entity::find_by_id(target_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)?;
    let mut errors = FieldErrors::new();
    let reason = check_reason(&mut errors, "reason", &form.reason);
    let position = if target.id == caller.user.id && form.position == "office_head" {
        errors.add("position", "不能撤销自己的负责人岗位");
        None
    } else {
        delegable(org, caller, o.id, &form.position, &mut errors).await?
    };
    if let Some(code) = &position
        && !holds(db, target.id, code, Scope::Office(o.id)).await?
    {
        errors.add("position", "该用户未担任此岗位");
    }
    let (Some(code), Some(reason)) = (position, reason) else {
        return Err(DomainError::Invalid(errors));
    };
    errors.or_ok(())?;
    let change = PositionChange {
        user_id: target.id,
        role_code: &code,
        scope: Scope::Office(o.id),
        reason: &reason,
    };
    revoke_position(org, caller, &change).await?;
    Ok(o.id)
}

/// A move between offices as checked.
struct Move {
    user_id: i64,
    from_office: i64,
    to_office: i64,
    positions: Vec<String>,
    on: NaiveDate,
    reason: String,
}

/// The move form checked (the person works at the old office, the new one
/// is active, the date is neither ahead nor before their current start).
async fn check_move(org: &Org, from: &office::Model, form: &MoveForm) -> DomainResult<Move> {
    let db = &org.core.db;
    let mut errors = FieldErrors::new();
    let target = match form.user.parse::<i64>() {
        Ok(id) => app_user::Entity::find_by_id(id).one(db).await?,
        Err(_) => None,
    };
    let mut latest = None;
    match &target {
        None => errors.add("user", "请选择人员"),
        Some(t) => {
            if postings::positions_at(db, t.id, from.id).await?.is_empty() {
                errors.add("user", "该用户不在本登记处任职");
            }
            latest = postings::latest_start(db, t.id, from.id).await?;
        }
    }
    let to = match form.to_office.parse::<i64>() {
        Ok(id) => office::Entity::find_by_id(id).one(db).await?,
        Err(_) => None,
    };
    match &to {
        None => errors.add("to_office", "请选择调往的登记处"),
        Some(t) if t.id == from.id => errors.add("to_office", "调往的登记处不能是原登记处"),
        Some(t) if t.status != STATUS_ACTIVE => errors.add("to_office", "调往的登记处已暂停或撤销"),
        Some(_) => {}
    }
    let chosen = form.chosen();
    if chosen.is_empty() || !chosen.iter().all(|c| is_office_position(c)) {
        errors.add("positions", "请选择新岗位");
    }
    let today = shanghai_date(org.core.now());
    let on = form.effective();
    match (on, latest) {
        (None, _) => errors.add("effective", "请填写生效日期（年-月-日）"),
        (Some(d), _) if d > today => errors.add("effective", "生效日期不能晚于今天"),
        (Some(d), Some(l)) if d < l => errors.add(
            "effective",
            format!("生效日期不能早于其现任岗位的开始日期（{l}）"),
        ),
        _ => {}
    }
    let reason = check_reason(&mut errors, "reason", &form.reason);
    match (target, to, on, reason) {
        (Some(t), Some(to), Some(on), Some(reason)) if errors.is_empty() => Ok(Move {
            user_id: t.id,
            from_office: from.id,
            to_office: to.id,
            positions: chosen,
            on,
            reason,
        }),
        _ => Err(DomainError::Invalid(errors)),
    }
}

/// Moves a person (system admins only): every position at the old office
/// (and its service points) ends on the effective date, the new positions
/// start on it, with the audit row, in one transaction. Returns the new
/// office.
pub async fn move_staff(org: &Org, caller: &Caller, form: &MoveForm) -> DomainResult<i64> {
    caller.require(perm::STAFF_MANAGE)?;
    if !holds_everywhere(&caller.grants, perm::STAFF_MANAGE) {
        return Err(DomainError::Forbidden("moves are for system admins"));
    }
    let from = managed_office(org, caller, &form.from_office).await?;
    let m = check_move(org, &from, form).await?;
    let now = org.core.now();
    let actor = caller.actor();
    let txn = org.core.begin().await?;
    let held = postings::positions_at(&txn, m.user_id, m.from_office).await?;
    if held.is_empty() {
        return Err(DomainError::Conflict(
            "该用户已不在原登记处任职，可能已由他人处理，请刷新后查看。".into(),
        ));
    }
    let note = format!("调出：{}", m.reason);
    for (code, scope) in &held {
        postings::end_position(&txn, m.user_id, code, *scope, m.on, &note, &actor.name, now)
            .await?;
    }
    // Open postings left at the old office without an assignment (made
    // outside this screen) close too: the person has left.
    staff_posting::Entity::update_many()
        .col_expr(staff_posting::Column::ValidTo, Expr::value(Some(m.on)))
        .filter(staff_posting::Column::UserId.eq(m.user_id))
        .filter(staff_posting::Column::OfficeId.eq(m.from_office))
        .filter(staff_posting::Column::ValidTo.is_null())
        .exec(&txn)
        .await?;
    let to = Scope::Office(m.to_office);
    let opening = format!("调入：{}", m.reason);
    for code in &m.positions {
        if holds(&txn, m.user_id, code, to).await? {
            continue;
        }
        crate::identity::assign_role(
            &txn,
            org.keys.as_ref(),
            m.user_id,
            code,
            to,
            actor.user_id,
            now,
        )
        .await
        .map_err(assign_failed)?;
        let (user, office) = (m.user_id, m.to_office);
        postings::open_posting(
            &txn,
            user,
            office,
            None,
            code,
            m.on,
            &opening,
            &actor.name,
            now,
        )
        .await?;
    }
    let ended: Vec<_> = held
        .iter()
        .map(|(c, s)| json!({"position": c, "scope": s.kind(), "scope_id": s.id()}))
        .collect();
    let detail = json!({
        "from_office": m.from_office,
        "to_office": m.to_office,
        "ended": ended,
        "positions": m.positions,
        "effective": m.on.to_string(),
        "reason": m.reason,
    });
    audit::record(
        &txn,
        now,
        &actor,
        staff_entry("staff.move", m.user_id, detail),
    )
    .await?;
    txn.commit().await?;
    Ok(m.to_office)
}
