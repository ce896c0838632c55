//! Registration offices (F45): the list with search and filters, create,
//! edit, change status with a reason, and an industry office's list of
//! credit codes; every change is kept in `office_history` and the audit
//! log, in the same transaction.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr,
    EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::{Value, json};
use techreg_entities::org::{office, office_history, office_industry_member};

use super::Org;
use super::model::{
    IndustryListForm, KIND_INDUSTRY, OfficeForm, OfficeInput, OfficeQuery, STATUS_ACTIVE,
    StatusForm,
};
use crate::audit::{self, Entry, Outcome};
use crate::core::version::update_at;
use crate::core::{Caller, DomainError, DomainResult, FieldErrors};
use crate::security::rbac::perm;

/// A new office as the demo seed and the tests make it.
pub struct NewOffice<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub district_code: Option<&'a str>,
    pub address: &'a str,
    pub phone: &'a str,
    pub head_name: &'a str,
    pub handles: &'a str,
}

/// Inserts an active office inside the caller's transaction.
pub async fn create_office<C: ConnectionTrait>(
    db: &C,
    o: NewOffice<'_>,
    now: DateTime<Utc>,
) -> Result<office::Model, DbErr> {
    office::ActiveModel {
        code: Set(o.code.to_owned()),
        name: Set(o.name.to_owned()),
        kind: Set(o.kind.to_owned()),
        district_code: Set(o.district_code.map(str::to_owned)),
        address: Set(o.address.to_owned()),
        phone: Set(o.phone.to_owned()),
        head_name: Set(o.head_name.to_owned()),
        handles: Set(o.handles.to_owned()),
        status: Set(STATUS_ACTIVE.to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(0),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// The offices matching the list's search and filters, by code.
pub async fn list(
    org: &Org,
    caller: &Caller,
    query: &OfficeQuery,
) -> DomainResult<Vec<office::Model>> {
    caller.require(perm::OFFICE_MANAGE)?;
    let mut select = office::Entity::find().order_by_asc(office::Column::Code);
    let q = query.q.as_deref().unwrap_or_default().trim();
    if !q.is_empty() {
        let like = format!("%{q}%");
        select = select.filter(
            Condition::any()
                .add(office::Column::Code.like(like.clone()))
                .add(office::Column::Name.like(like)),
        );
    }
    if let Some(kind) = query.kind.as_deref().filter(|k| !k.is_empty()) {
        select = select.filter(office::Column::Kind.eq(kind));
    }
    if let Some(status) = query.status.as_deref().filter(|s| !s.is_empty()) {
        select = select.filter(office::Column::Status.eq(status));
    }
    Ok(select.all(&org.core.db).await?)
}

/// An office's page: the office, its history (newest first) and, for an
/// industry office, its list of credit codes.
pub struct OfficeDetail {
    pub office: office::Model,
    pub history: Vec<office_history::Model>,
    pub members: Option<Vec<String>>,
}

pub async fn detail(org: &Org, caller: &Caller, id: i64) -> DomainResult<OfficeDetail> {
    caller.require(perm::OFFICE_MANAGE)?;
    let db = &org.core.db;
    let office = find(db, id).await?;
    let members = if office.kind == KIND_INDUSTRY {
        Some(industry_members(db, id).await?)
    } else {
        None
    };
    let history = office_history::Entity::find()
        .filter(office_history::Column::OfficeId.eq(id))
        .order_by_desc(office_history::Column::Id)
        .all(db)
        .await?;
    Ok(OfficeDetail {
        office,
        history,
        members,
    })
}

async fn find<C: ConnectionTrait>(db: &C, id: i64) -> DomainResult<office::Model> {
    office::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)
}

async fn industry_members<C: ConnectionTrait>(
    db: &C,
    office_id: i64,
) -> Result<Vec<String>, DbErr> {
    Ok(office_industry_member::Entity::find()
        .filter(office_industry_member::Column::OfficeId.eq(office_id))
        .order_by_asc(office_industry_member::Column::CreditCode)
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.credit_code)
        .collect())
}

/// The form checked, and its code free (but for the office `except`).
async fn checked(org: &Org, form: &OfficeForm, except: Option<i64>) -> DomainResult<OfficeInput> {
    let input = form.check().map_err(DomainError::Invalid)?;
    let taken = office::Entity::find()
        .filter(office::Column::Code.eq(input.code.as_str()))
        .one(&org.core.db)
        .await?
        .is_some_and(|o| Some(o.id) != except);
    if taken {
        return FieldErrors::one("code", "该编码已被使用");
    }
    Ok(input)
}

fn snapshot(o: &office::Model) -> Value {
    json!({
        "code": o.code, "name": o.name, "kind": o.kind, "district": o.district_code,
        "address": o.address, "phone": o.phone, "head_name": o.head_name, "status": o.status,
        "handles": o.handles,
    })
}

/// One row of `office_history` and its audit row, inside `db`.
async fn record<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    now: DateTime<Utc>,
    office_id: i64,
    action: &str,
    history: Value,
    detail: Value,
) -> Result<(), DbErr> {
    office_history::ActiveModel {
        office_id: Set(office_id),
        at: Set(now),
        actor: Set(caller.user.username.clone()),
        action: Set(action.to_owned()),
        change: Set(history.to_string()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    audit::record(
        db,
        now,
        &caller.actor(),
        Entry {
            action: &format!("office.{action}"),
            object_type: Some("office"),
            object_id: Some(office_id.to_string()),
            outcome: Outcome::Success,
            detail,
        },
    )
    .await
}

pub async fn create(org: &Org, caller: &Caller, form: &OfficeForm) -> DomainResult<office::Model> {
    caller.require(perm::OFFICE_MANAGE)?;
    let i = checked(org, form, None).await?;
    let now = org.core.now();
    let txn = org.core.begin().await?;
    let o = create_office(
        &txn,
        NewOffice {
            code: &i.code,
            name: &i.name,
            kind: &i.kind,
            district_code: i.district.as_deref(),
            address: &i.address,
            phone: &i.phone,
            head_name: &i.head_name,
            handles: &i.handles,
        },
        now,
    )
    .await?;
    let after = snapshot(&o);
    record(
        &txn,
        caller,
        now,
        o.id,
        "create",
        json!({ "after": after }),
        after,
    )
    .await?;
    txn.commit().await?;
    Ok(o)
}

pub async fn edit(org: &Org, caller: &Caller, id: i64, form: &OfficeForm) -> DomainResult<()> {
    caller.require(perm::OFFICE_MANAGE)?;
    let before = find(&org.core.db, id).await?;
    let i = checked(org, form, Some(id)).await?;
    let now = org.core.now();
    let txn = org.core.begin().await?;
    let update = office::Entity::update_many()
        .col_expr(office::Column::Code, Expr::value(i.code))
        .col_expr(office::Column::Name, Expr::value(i.name))
        .col_expr(office::Column::Kind, Expr::value(i.kind))
        .col_expr(office::Column::DistrictCode, Expr::value(i.district))
        .col_expr(office::Column::Address, Expr::value(i.address))
        .col_expr(office::Column::Phone, Expr::value(i.phone))
        .col_expr(office::Column::HeadName, Expr::value(i.head_name))
        .col_expr(office::Column::Handles, Expr::value(i.handles))
        .col_expr(office::Column::UpdatedAt, Expr::value(now));
    let which = office::Column::Id.eq(id);
    update_at(&txn, update, which, office::Column::Version, i.version).await?;
    let after = find(&txn, id).await?;
    let change = json!({ "before": snapshot(&before), "after": snapshot(&after) });
    record(&txn, caller, now, id, "edit", change.clone(), change).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn change_status(
    org: &Org,
    caller: &Caller,
    id: i64,
    form: &StatusForm,
) -> DomainResult<()> {
    caller.require(perm::OFFICE_MANAGE)?;
    let before = find(&org.core.db, id).await?;
    let c = form.check_office().map_err(DomainError::Invalid)?;
    let now = org.core.now();
    let txn = org.core.begin().await?;
    let update = office::Entity::update_many()
        .col_expr(office::Column::Status, Expr::value(c.status.clone()))
        .col_expr(office::Column::UpdatedAt, Expr::value(now));
    let which = office::Column::Id.eq(id);
    update_at(&txn, update, which, office::Column::Version, c.version).await?;
    let change = json!({ "from": before.status, "to": c.status, "reason": c.reason });
    record(&txn, caller, now, id, "status", change.clone(), change).await?;
    txn.commit().await?;
    Ok(())
}

/// Replaces an industry office's list of credit codes; returns how many
/// it holds now. A code on another industry office's list is refused.
pub async fn replace_industry_list(
    org: &Org,
    caller: &Caller,
    id: i64,
    form: &IndustryListForm,
) -> DomainResult<usize> {
    caller.require(perm::OFFICE_MANAGE)?;
    let db = &org.core.db;
    let o = find(db, id).await?;
    if o.kind != KIND_INDUSTRY {
        return Err(DomainError::NotFound);
    }
    let (codes, mut problems) = form.codes();
    let others = office_industry_member::Entity::find()
        .filter(office_industry_member::Column::OfficeId.ne(id))
        .filter(office_industry_member::Column::CreditCode.is_in(codes.iter().cloned()))
        .all(db)
        .await?;
    for m in others {
        problems.push(format!("{} 已在另一行业登记处的名单中", m.credit_code));
    }
    if !problems.is_empty() {
        return FieldErrors::one("codes", problems.join("；"));
    }
    let before: BTreeSet<String> = industry_members(db, id).await?.into_iter().collect();
    let added: Vec<&String> = codes.difference(&before).collect();
    let removed: Vec<&String> = before.difference(&codes).collect();
    let now = org.core.now();
    let txn = org.core.begin().await?;
    office_industry_member::Entity::delete_many()
        .filter(office_industry_member::Column::OfficeId.eq(id))
        .exec(&txn)
        .await?;
    for chunk in codes.iter().collect::<Vec<_>>().chunks(500) {
        office_industry_member::Entity::insert_many(chunk.iter().map(|c| {
            office_industry_member::ActiveModel {
                office_id: Set(id),
                credit_code: Set((*c).clone()),
                actor: Set(caller.user.username.clone()),
                created_at: Set(now),
                ..Default::default()
            }
        }))
        .exec(&txn)
        .await?;
    }
    let change = json!({ "added": added, "removed": removed, "count": codes.len() });
    record(
        &txn,
        caller,
        now,
        id,
        "industry_list",
        change.clone(),
        change,
    )
    .await?;
    txn.commit().await?;
    Ok(codes.len())
}
