//! Positions granted and ended, for office and service point staff alike:
//! who may receive one, the transaction of a grant or a revocation (role
//! assignment, posting and audit row together), and the lookups the staff
//! pages share.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use techreg_entities::identity::{app_user, role};
use techreg_entities::org::{office, service_point, staff_posting};

use super::Org;
use super::postings::{self, holds, holds_everywhere};
use crate::audit::{self, Entry, Outcome};
use crate::core::clock::shanghai_date;
use crate::core::{Caller, DomainError, DomainResult, FieldErrors, Scope};
use crate::identity::{AssignError, assign_role};
use crate::identity::{KIND_STAFF, STATUS_DISABLED, find_by_username};
use crate::security::rbac::perm;

/// Every office by code (the selectors; inactive ones are marked there).
pub(super) async fn offices_by_code<C: ConnectionTrait>(
    db: &C,
) -> Result<Vec<office::Model>, DbErr> {
    office::Entity::find()
        .order_by_asc(office::Column::Code)
        .all(db)
        .await
}

/// Role names by code.
pub(super) async fn role_names<C: ConnectionTrait>(
    db: &C,
) -> Result<BTreeMap<String, String>, DbErr> {
    Ok(role::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.code, r.name))
        .collect())
}

/// Users by id, for the given ids.
pub(super) async fn users_by_id<C: ConnectionTrait>(
    db: &C,
    ids: impl IntoIterator<Item = i64>,
) -> Result<BTreeMap<i64, app_user::Model>, DbErr> {
    let ids: BTreeSet<i64> = ids.into_iter().collect();
    Ok(app_user::Entity::find()
        .filter(app_user::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect())
}

/// Postings (newest first) with the names their rows show.
pub struct Postings {
    pub rows: Vec<staff_posting::Model>,
    pub users: BTreeMap<i64, app_user::Model>,
    pub roles: BTreeMap<String, String>,
    pub service_points: BTreeMap<i64, String>,
    pub offices: BTreeMap<i64, String>,
}

/// The newest 500 postings matching `which`, with their names.
pub(super) async fn postings<C: ConnectionTrait>(
    db: &C,
    which: impl sea_orm::sea_query::IntoCondition,
) -> Result<Postings, DbErr> {
    let rows = staff_posting::Entity::find()
        .filter(which)
        .order_by_desc(staff_posting::Column::Id)
        .limit(500)
        .all(db)
        .await?;
    let sps = service_point::Entity::find()
        .filter(service_point::Column::Id.is_in(rows.iter().filter_map(|p| p.service_point_id)))
        .all(db)
        .await?;
    let offices = office::Entity::find()
        .filter(office::Column::Id.is_in(rows.iter().map(|p| p.office_id)))
        .all(db)
        .await?;
    Ok(Postings {
        users: users_by_id(db, rows.iter().map(|p| p.user_id)).await?,
        roles: role_names(db).await?,
        service_points: sps.into_iter().map(|s| (s.id, s.name)).collect(),
        offices: offices.into_iter().map(|o| (o.id, o.name)).collect(),
        rows,
    })
}

/// The start of each open posting at an office, by (user, role, service
/// point).
pub(super) async fn open_since<C: ConnectionTrait>(
    db: &C,
    office_id: i64,
) -> Result<BTreeMap<(i64, String, Option<i64>), NaiveDate>, DbErr> {
    let mut out = BTreeMap::new();
    for p in staff_posting::Entity::find()
        .filter(staff_posting::Column::OfficeId.eq(office_id))
        .filter(staff_posting::Column::ValidTo.is_null())
        .order_by_asc(staff_posting::Column::Id)
        .all(db)
        .await?
    {
        out.entry((p.user_id, p.role_code, p.service_point_id))
            .or_insert(p.valid_from);
    }
    Ok(out)
}

/// The staff user a grant names, or an error on `field`.
pub(super) async fn staff_user<C: ConnectionTrait>(
    db: &C,
    errors: &mut FieldErrors,
    field: &str,
    username: &str,
) -> Result<Option<app_user::Model>, DbErr> {
    let name = username.trim();
    if name.is_empty() {
        errors.add(field, "请填写用户名");
        return Ok(None);
    }
    match find_by_username(db, name).await? {
        None => errors.add(field, "未找到该用户名"),
        Some(u) if u.kind != KIND_STAFF => errors.add(field, "只能授予工作人员账号"),
        Some(u) if u.status == STATUS_DISABLED => errors.add(field, "该账号已停用"),
        Some(u) => return Ok(Some(u)),
    }
    Ok(None)
}

/// For a user managed by an office head: refuses people who work at
/// another office (a move, done by the system admin) or hold other roles.
pub(super) async fn check_belongs(
    org: &Org,
    manager: &Caller,
    target: &app_user::Model,
    office_id: i64,
    errors: &mut FieldErrors,
    field: &str,
) -> Result<(), DbErr> {
    if holds_everywhere(&manager.grants, perm::STAFF_MANAGE) {
        return Ok(());
    }
    let db = &org.core.db;
    let placed = postings::placement(db, org.keys.as_ref(), target.id).await?;
    let elsewhere: Vec<i64> = placed
        .offices
        .iter()
        .copied()
        .filter(|o| *o != office_id)
        .collect();
    if !elsewhere.is_empty() {
        let names: Vec<String> = office::Entity::find()
            .filter(office::Column::Id.is_in(elsewhere))
            .all(db)
            .await?
            .into_iter()
            .map(|o| o.name)
            .collect();
        errors.add(
            field,
            format!(
                "该用户在{}任职；调入本登记处属于人员调动，须由系统管理员办理",
                names.join("、")
            ),
        );
    } else if !placed.other_roles.is_empty() {
        errors.add(
            field,
            format!(
                "该用户担任{}，须由系统管理员办理",
                placed.other_roles.join("、")
            ),
        );
    }
    Ok(())
}

/// What a grant or revocation is about.
pub(super) struct PositionChange<'a> {
    pub user_id: i64,
    pub role_code: &'a str,
    /// `Scope::Office` or `Scope::ServicePoint`.
    pub scope: Scope,
    pub reason: &'a str,
}

pub(super) fn assign_failed(e: AssignError) -> DomainError {
    match e {
        AssignError::Db(e) => DomainError::Db(e),
        other => DomainError::Internal(anyhow::anyhow!(other.to_string())),
    }
}

pub(super) fn staff_entry(action: &str, user_id: i64, detail: serde_json::Value) -> Entry<'_> {
    Entry {
        action,
        object_type: Some("user"),
        object_id: Some(user_id.to_string()),
        outcome: Outcome::Success,
        detail,
    }
}

fn change_detail(c: &PositionChange<'_>) -> serde_json::Value {
    json!({
        "user": c.user_id,
        "position": c.role_code,
        "scope": c.scope.kind(),
        "scope_id": c.scope.id(),
        "reason": c.reason,
    })
}

/// Grants a position: role assignment, open posting from today and the
/// audit row, in one transaction. `Conflict` when it is already held.
pub(super) async fn grant_position(
    org: &Org,
    caller: &Caller,
    change: &PositionChange<'_>,
) -> DomainResult<()> {
    let now = org.core.now();
    let actor = caller.actor();
    let txn = org.core.begin().await?;
    if holds(&txn, change.user_id, change.role_code, change.scope).await? {
        return Err(DomainError::Conflict(
            "该用户已担任此岗位，可能已由他人处理，请刷新后查看。".into(),
        ));
    }
    let keys = org.keys.as_ref();
    let (user, code, scope) = (change.user_id, change.role_code, change.scope);
    assign_role(&txn, keys, user, code, scope, actor.user_id, now)
        .await
        .map_err(assign_failed)?;
    postings::open_posting_for_scope(&txn, user, code, scope, change.reason, &actor.name, now)
        .await?;
    let entry = staff_entry("staff.grant", user, change_detail(change));
    audit::record(&txn, now, &actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// Revokes a position: the role assignment goes, the posting closes today,
/// with the audit row, in one transaction. `Conflict` when it is not held
/// (any more).
pub(super) async fn revoke_position(
    org: &Org,
    caller: &Caller,
    change: &PositionChange<'_>,
) -> DomainResult<()> {
    let now = org.core.now();
    let actor = caller.actor();
    let txn = org.core.begin().await?;
    if !holds(&txn, change.user_id, change.role_code, change.scope).await? {
        return Err(DomainError::Conflict(
            "该用户已不担任此岗位，可能已由他人处理，请刷新后查看。".into(),
        ));
    }
    let note = format!("撤销：{}", change.reason);
    let (user, code, scope) = (change.user_id, change.role_code, change.scope);
    let today = shanghai_date(now);
    postings::end_position(&txn, user, code, scope, today, &note, &actor.name, now).await?;
    let entry = staff_entry("staff.revoke", user, change_detail(change));
    audit::record(&txn, now, &actor, entry).await?;
    txn.commit().await?;
    Ok(())
}
