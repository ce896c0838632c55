//! Enterprises: the list with filters and bulk reassignment, the detail
//! page (data, office, users, contracts, history) with edit and
//! reassignment, and the enterprise history rows.
//!
//! Holders of `enterprise.manage` with scope "all" (the city office, system
//! admins) see and change every enterprise; office staff who verify claims
//! see, read-only, the enterprises their office is responsible for today.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Value, json};
use techreg_entities::contract::contract;
use techreg_entities::identity::app_user;
use techreg_entities::org::{enterprise, enterprise_assignment, enterprise_history, office};

use super::Org;
use super::assignments::{
    self, Assignments, ReassignError, Reassigned, assignments_on, responsible_office,
};
use super::model::{
    BulkReassignForm, EnterpriseForm, EnterpriseQuery, Marks, ReassignForm, Reassignment,
    WHOLE_FORM,
};
use crate::audit::{self, Entry, Outcome};
use crate::core::clock::shanghai_date;
use crate::core::version::update_at;
use crate::core::{Caller, DomainError, DomainResult, FieldErrors, Scope};
use crate::dictionary::{self, DICT_LEGAL_FORM};
use crate::security::rbac::perm;

/// Most enterprises one bulk reassignment may touch.
const BULK_LIMIT: usize = 20_000;

/// One row of an enterprise's history, inside the caller's transaction.
pub async fn enterprise_history<C: ConnectionTrait>(
    db: &C,
    enterprise_id: i64,
    actor: &str,
    action: &str,
    change: Value,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    enterprise_history::Entity::insert(enterprise_history::ActiveModel {
        enterprise_id: Set(enterprise_id),
        at: Set(now),
        actor: Set(actor.to_owned()),
        action: Set(action.to_owned()),
        change: Set(change.to_string()),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Which enterprises the caller may see: all, or those of some offices.
pub enum Visible {
    All,
    Offices(Vec<i64>),
}

impl Visible {
    pub fn includes(&self, office_id: i64) -> bool {
        match self {
            Visible::All => true,
            Visible::Offices(ids) => ids.contains(&office_id),
        }
    }
}

fn visible(caller: &Caller) -> DomainResult<Visible> {
    let mut offices = Vec::new();
    for g in &caller.grants.0 {
        if !(g.permissions.contains(perm::ENTERPRISE_MANAGE)
            || g.permissions.contains(perm::ENTERPRISE_VERIFY))
        {
            continue;
        }
        match g.scope {
            Scope::All => return Ok(Visible::All),
            Scope::Office(id) => offices.push(id),
            _ => {}
        }
    }
    if offices.is_empty() {
        Err(DomainError::Forbidden("missing permission"))
    } else {
        Ok(Visible::Offices(offices))
    }
}

fn can_manage(caller: &Caller) -> bool {
    caller
        .grants
        .0
        .iter()
        .any(|g| g.permissions.contains(perm::ENTERPRISE_MANAGE) && g.scope == Scope::All)
}

/// Forbidden unless the caller manages every enterprise (edits, moves,
/// imports).
pub fn require_manage(caller: &Caller) -> DomainResult<()> {
    if can_manage(caller) {
        Ok(())
    } else {
        Err(DomainError::Forbidden("missing permission"))
    }
}

/// The list's filter as a condition on `enterprise`.
fn condition(q: &EnterpriseQuery, vis: &Visible, on: NaiveDate) -> Condition {
    let mut c = Condition::all();
    let text = q.q.as_deref().unwrap_or("").trim();
    if !text.is_empty() {
        let code = crate::core::text::normalize_code(text);
        c = c.add(
            Condition::any()
                .add(enterprise::Column::Name.like(format!("%{text}%")))
                .add(enterprise::Column::CreditCode.like(format!("{code}%"))),
        );
    }
    if let Some(d) = q.district.as_deref().filter(|d| !d.is_empty()) {
        c = c.add(enterprise::Column::DistrictCode.eq(d));
    }
    if let Some(o) = q.office.as_deref().and_then(|o| o.parse::<i64>().ok()) {
        c = c.add(assignments::assigned_to(o, on));
    }
    if q.only_unassigned() {
        c = c.add(assignments::unassigned(on));
    }
    if let Visible::Offices(ids) = vis {
        let mut any = Condition::any();
        for id in ids {
            any = any.add(assignments::assigned_to(*id, on));
        }
        c = c.add(any);
    }
    c
}

/// Every office by id, in code order.
async fn offices<C: ConnectionTrait>(db: &C) -> Result<BTreeMap<i64, office::Model>, DbErr> {
    Ok(office::Entity::find()
        .order_by_asc(office::Column::Code)
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect())
}

/// One page of the enterprise list, with what its rows show.
pub struct ListData {
    pub rows: Vec<enterprise::Model>,
    pub matching: u64,
    pub next_after: Option<i64>,
    pub assigned: Assignments,
    pub marks: Marks,
    pub offices: BTreeMap<i64, office::Model>,
    pub visible: Visible,
    pub can_manage: bool,
    pub today: NaiveDate,
}

pub async fn list(org: &Org, caller: &Caller, q: &EnterpriseQuery) -> DomainResult<ListData> {
    let vis = visible(caller)?;
    let db = &org.core.db;
    let on = shanghai_date(org.core.now());
    let cond = condition(q, &vis, on);
    let size = org
        .settings
        .get_i64("ui.page_size")
        .await
        .unwrap_or(50)
        .clamp(10, 500) as u64;
    let matching = enterprise::Entity::find()
        .filter(cond.clone())
        .count(db)
        .await?;
    let mut select = enterprise::Entity::find()
        .filter(cond)
        .order_by_desc(enterprise::Column::Id)
        .limit(size + 1);
    if let Some(after) = q.after {
        select = select.filter(enterprise::Column::Id.lt(after));
    }
    let mut rows = select.all(db).await?;
    let next_after = if rows.len() as u64 > size {
        rows.truncate(size as usize);
        rows.last().map(|e| e.id)
    } else {
        None
    };
    let ids: Vec<i64> = rows.iter().map(|e| e.id).collect();
    Ok(ListData {
        assigned: assignments_on(db, &ids, on).await?,
        marks: org.marks.marks(&ids, on).await?,
        offices: offices(db).await?,
        rows,
        matching,
        next_after,
        visible: vis,
        can_manage: can_manage(caller),
        today: on,
    })
}

/// The enterprise, if the caller may see it (not found otherwise).
async fn find_visible(org: &Org, caller: &Caller, id: i64) -> DomainResult<enterprise::Model> {
    let vis = visible(caller)?;
    let db = &org.core.db;
    let e = enterprise::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)?;
    if let Visible::Offices(_) = vis {
        let on = shanghai_date(org.core.now());
        let current = responsible_office(db, id, on).await?;
        if !current.is_some_and(|o| vis.includes(o)) {
            return Err(DomainError::NotFound);
        }
    }
    Ok(e)
}

/// An enterprise's page: its data and marks, its assignments (newest
/// first), users, latest contracts and history.
pub struct DetailData {
    pub enterprise: enterprise::Model,
    pub assignments: Vec<enterprise_assignment::Model>,
    pub users: Vec<app_user::Model>,
    pub contracts: Vec<contract::Model>,
    pub history: Vec<enterprise_history::Model>,
    pub offices: BTreeMap<i64, office::Model>,
    /// The active legal forms, and the enterprise's own if since retired.
    pub legal_forms: Vec<dictionary::Entry>,
    pub marks: Marks,
    pub can_manage: bool,
    pub today: NaiveDate,
}

pub async fn detail(org: &Org, caller: &Caller, id: i64) -> DomainResult<DetailData> {
    let e = find_visible(org, caller, id).await?;
    let db = &org.core.db;
    let on = shanghai_date(org.core.now());
    let assignments = enterprise_assignment::Entity::find()
        .filter(enterprise_assignment::Column::EnterpriseId.eq(id))
        .order_by_desc(enterprise_assignment::Column::ValidFrom)
        .order_by_desc(enterprise_assignment::Column::Id)
        .all(db)
        .await?;
    let users = app_user::Entity::find()
        .filter(app_user::Column::EnterpriseId.eq(id))
        .order_by_asc(app_user::Column::Id)
        .all(db)
        .await?;
    let contracts = contract::Entity::find()
        .filter(contract::Column::EnterpriseId.eq(id))
        .order_by_desc(contract::Column::Id)
        .limit(100)
        .all(db)
        .await?;
    let history = enterprise_history::Entity::find()
        .filter(enterprise_history::Column::EnterpriseId.eq(id))
        .order_by_desc(enterprise_history::Column::Id)
        .limit(200)
        .all(db)
        .await?;
    let current = e.legal_form_code.as_deref();
    let legal_forms = org
        .dictionaries
        .entries(DICT_LEGAL_FORM)
        .await?
        .iter()
        .filter(|l| l.active || Some(l.code.as_str()) == current)
        .cloned()
        .collect();
    Ok(DetailData {
        marks: org.marks.marks(&[id], on).await?,
        offices: offices(db).await?,
        enterprise: e,
        assignments,
        users,
        contracts,
        history,
        legal_forms,
        can_manage: can_manage(caller),
        today: on,
    })
}

fn snapshot(e: &enterprise::Model) -> Value {
    json!({
        "name": e.name, "legal_form_code": e.legal_form_code, "district": e.district_code,
        "address": e.address, "legal_rep": e.legal_rep,
        "contact_name": e.contact_name, "contact_phone": e.contact_phone,
    })
}

fn record_entry<'a>(
    action: &'a str,
    object_type: &'static str,
    id: i64,
    detail: Value,
) -> Entry<'a> {
    Entry {
        action,
        object_type: Some(object_type),
        object_id: Some(id.to_string()),
        outcome: Outcome::Success,
        detail,
    }
}

/// Edits an enterprise's data, with a version check, its history row and
/// audit row.
pub async fn edit(org: &Org, caller: &Caller, id: i64, form: &EnterpriseForm) -> DomainResult<()> {
    require_manage(caller)?;
    let before = find_visible(org, caller, id).await?;
    let checked = form.check();
    let mut errors = checked.as_ref().err().cloned().unwrap_or_default();
    let legal_form = form.legal_form();
    if let Some(c) = &legal_form
        && legal_form != before.legal_form_code
        && !org.dictionaries.is_active_code(DICT_LEGAL_FORM, c).await?
    {
        errors.add("legal_form_code", "请从列表中选择法人类型");
    }
    let i = match checked {
        Ok(i) if errors.is_empty() => i,
        _ => return Err(DomainError::Invalid(errors)),
    };
    let now = org.core.now();
    let txn = org.core.begin().await?;
    let update = enterprise::Entity::update_many()
        .col_expr(enterprise::Column::Name, Expr::value(i.name))
        .col_expr(
            enterprise::Column::LegalFormCode,
            Expr::value(i.legal_form_code),
        )
        .col_expr(enterprise::Column::DistrictCode, Expr::value(i.district))
        .col_expr(enterprise::Column::Address, Expr::value(i.address))
        .col_expr(enterprise::Column::LegalRep, Expr::value(i.legal_rep))
        .col_expr(enterprise::Column::ContactName, Expr::value(i.contact_name))
        .col_expr(
            enterprise::Column::ContactPhone,
            Expr::value(i.contact_phone),
        )
        .col_expr(enterprise::Column::UpdatedAt, Expr::value(now));
    let which = enterprise::Column::Id.eq(id);
    update_at(&txn, update, which, enterprise::Column::Version, i.version).await?;
    let after = enterprise::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound)?;
    let change = json!({ "before": snapshot(&before), "after": snapshot(&after) });
    let username = &caller.user.username;
    enterprise_history(&txn, id, username, "edit", change.clone(), now).await?;
    let entry = record_entry("enterprise.edit", "enterprise", id, change);
    audit::record(&txn, now, &caller.actor(), entry).await?;
    txn.commit().await?;
    Ok(())
}

/// A reassignment the rules refuse, as the field it is about.
fn refused(e: ReassignError) -> DomainError {
    match e {
        ReassignError::OfficeUnavailable => {
            let mut errors = FieldErrors::new();
            errors.add("office_id", e.to_string());
            DomainError::Invalid(errors)
        }
        ReassignError::BeforeCurrent { .. } => {
            let mut errors = FieldErrors::new();
            errors.add("effective", e.to_string());
            DomainError::Invalid(errors)
        }
        ReassignError::Db(e) => DomainError::Db(e),
    }
}

/// Gives one enterprise to an office from the effective date; returns the
/// reassignment made.
pub async fn reassign(
    org: &Org,
    caller: &Caller,
    id: i64,
    form: &ReassignForm,
) -> DomainResult<Reassignment> {
    require_manage(caller)?;
    find_visible(org, caller, id).await?;
    let now = org.core.now();
    let i = form
        .check(shanghai_date(now))
        .map_err(DomainError::Invalid)?;
    let txn = org.core.begin().await?;
    let username = &caller.user.username;
    let done = assignments::reassign_many(
        &txn,
        &[id],
        i.office_id,
        i.effective,
        &i.reason,
        username,
        now,
    )
    .await
    .map_err(refused)?;
    if done.changed.is_empty() {
        return FieldErrors::one("office_id", "该企业在此日期已对口该登记处");
    }
    let detail = json!({
        "office_id": i.office_id, "effective": i.effective.to_string(), "reason": i.reason,
    });
    let entry = record_entry("enterprise.reassign", "enterprise", id, detail);
    audit::record(&txn, now, &caller.actor(), entry).await?;
    txn.commit().await?;
    Ok(i)
}

/// The enterprises a bulk reassignment is about: all the filter matches,
/// or the ticked ones that exist; at most one more than the limit.
async fn chosen(org: &Org, form: &BulkReassignForm, on: NaiveDate) -> Result<Vec<i64>, DbErr> {
    let select = enterprise::Entity::find()
        .select_only()
        .column(enterprise::Column::Id);
    let select = if form.all_matching() {
        select
            .filter(condition(&form.query(), &Visible::All, on))
            .order_by_asc(enterprise::Column::Id)
            .limit(BULK_LIMIT as u64 + 1)
    } else {
        // Only ids that exist count; the rest were never shown.
        let picked = form.ids.iter().copied().take(BULK_LIMIT + 1);
        select.filter(enterprise::Column::Id.is_in(picked))
    };
    select.into_tuple::<i64>().all(&org.core.db).await
}

/// Gives many enterprises to an office from the effective date: all or
/// none. Those already with that office are counted, not changed.
pub async fn bulk_reassign(
    org: &Org,
    caller: &Caller,
    form: &BulkReassignForm,
) -> DomainResult<Reassigned> {
    require_manage(caller)?;
    let now = org.core.now();
    let on = shanghai_date(now);
    let checked = form.reassignment().check(on);
    let mut errors = checked.as_ref().err().cloned().unwrap_or_default();
    let ids = chosen(org, form, on).await?;
    if ids.is_empty() {
        errors.add(
            WHOLE_FORM,
            "请勾选要调整的企业，或选择“符合当前筛选条件的全部企业”",
        );
    } else if ids.len() > BULK_LIMIT {
        errors.add(
            WHOLE_FORM,
            format!("一次最多调整 {BULK_LIMIT} 家企业，请缩小筛选范围"),
        );
    }
    let i = match checked {
        Ok(i) if errors.is_empty() => i,
        _ => return Err(DomainError::Invalid(errors)),
    };
    let txn = org.core.begin().await?;
    let username = &caller.user.username;
    let done = assignments::reassign_many(
        &txn,
        &ids,
        i.office_id,
        i.effective,
        &i.reason,
        username,
        now,
    )
    .await
    .map_err(refused)?;
    let detail = json!({
        "enterprises": done.changed, "unchanged": done.unchanged,
        "effective": i.effective.to_string(), "reason": i.reason,
    });
    let entry = record_entry("enterprise.reassign", "office", i.office_id, detail);
    audit::record(&txn, now, &caller.actor(), entry).await?;
    txn.commit().await?;
    Ok(done)
}
