//! Service points (服务点) of the offices: list, create, edit with a version
//! check, status with a reason (OFFICE_MANAGE), and their staff
//! (`service_point_staff` scoped to the service point) for STAFF_MANAGE
//! holders covering the service point's office, so an office head manages
//! the staff of their own service points.

use std::collections::BTreeMap;

use poem::http::StatusCode;
use poem::web::{Form, Path, Query};
use poem::{Response, Route, get, handler, post};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Deserialize;
use serde_json::{Value, json};
use techreg_entities::audit::audit_log;
use techreg_entities::identity::{app_user, role, role_assignment};
use techreg_entities::org::{office, service_point, staff_posting};
use techreg_views::components::{Crumb, Flash, FlashKind};
use techreg_views::pages::identity::FormState;
use techreg_views::pages::service_points::{
    self as pages, ChangeRow, DetailForms, ServicePointDetail, ServicePointRow, StaffRow,
};
use techreg_views::pages::staff::OfficeChoice;

use super::staff::{
    check_belongs, check_reason, office_choices, open_since, posting_rows, staff_user,
    status_label, users_by_id,
};
use super::staff_service::{self as svc, PositionChange, SERVICE_POINT_POSITION};
use crate::audit::{self, Entry, Outcome};
use crate::core::Caller;
use crate::core::{ObjectScope, Scope};
use crate::security::rbac::perm;
use crate::web::form::from_pairs as form_from;
use crate::web::{Ctx, WebError};

type Fields = Form<Vec<(String, String)>>;

pub fn routes(route: Route) -> Route {
    route
        .at("/admin/service-points", get(list_page).post(create_post))
        .at(
            "/admin/service-points/:id",
            get(detail_page).post(edit_post),
        )
        .at("/admin/service-points/:id/status", post(status_post))
        .at(
            "/admin/service-points/:id/staff/grant",
            post(staff_grant_post),
        )
        .at(
            "/admin/service-points/:id/staff/revoke",
            post(staff_revoke_post),
        )
}

const STATUS_ACTIVE: &str = "active";
const STATUS_SUSPENDED: &str = "suspended";

fn crumbs() -> Vec<Crumb> {
    vec![
        Crumb {
            label: "工作台".into(),
            href: Some("/my".into()),
        },
        Crumb {
            label: "服务点管理".into(),
            href: Some("/admin/service-points".into()),
        },
    ]
}

fn object(sp: &service_point::Model) -> ObjectScope {
    ObjectScope {
        office_id: Some(sp.office_id),
        service_point_id: Some(sp.id),
        ..Default::default()
    }
}

/// 403 unless the user manages offices or staff at all.
fn require_any(user: &Caller) -> Result<(), WebError> {
    if user.grants.has(perm::OFFICE_MANAGE) || user.grants.has(perm::STAFF_MANAGE) {
        Ok(())
    } else {
        Err(WebError::Forbidden("missing permission"))
    }
}

fn reaches(user: &Caller, obj: &ObjectScope) -> bool {
    user.grants.covers(perm::OFFICE_MANAGE, obj, user.user.id)
        || user.grants.covers(perm::STAFF_MANAGE, obj, user.user.id)
}

/// The checked fields of a service point, or errors on `form`.
struct Input {
    name: String,
    address: String,
    phone: String,
}

fn check(form: &mut FormState) -> Option<Input> {
    let name = form.value("name").trim().to_owned();
    if name.chars().count() < 2 || name.chars().count() > 100 {
        form.add_error("name", "请填写名称（2–100 个字）");
    }
    let address = form.value("address").trim().to_owned();
    if address.chars().count() > 200 {
        form.add_error("address", "地址不能超过 200 个字");
    }
    let phone = form.value("phone").trim().to_owned();
    if phone.chars().count() > 50 {
        form.add_error("phone", "电话不能超过 50 个字");
    }
    (!form.has_errors()).then_some(Input {
        name,
        address,
        phone,
    })
}

async fn name_taken(
    ctx: &Ctx,
    office_id: i64,
    name: &str,
    except: Option<i64>,
) -> Result<bool, WebError> {
    Ok(service_point::Entity::find()
        .filter(service_point::Column::OfficeId.eq(office_id))
        .filter(service_point::Column::Name.eq(name))
        .all(&ctx.state.core.db)
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

#[derive(Deserialize, Default)]
struct ListQuery {
    office: Option<String>,
}

async fn list_view(
    ctx: &Ctx,
    user: &Caller,
    office_filter: Option<i64>,
    form: &FormState,
    status: StatusCode,
) -> Result<Response, WebError> {
    let db = &ctx.state.core.db;
    let mut q = service_point::Entity::find()
        .order_by_asc(service_point::Column::OfficeId)
        .order_by_asc(service_point::Column::Id);
    if let Some(id) = office_filter {
        q = q.filter(service_point::Column::OfficeId.eq(id));
    }
    let sps: Vec<service_point::Model> = q
        .all(db)
        .await?
        .into_iter()
        .filter(|s| reaches(user, &object(s)))
        .collect();
    let offices: BTreeMap<i64, String> = office::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let staff_role = role::Entity::find()
        .filter(role::Column::Code.eq(SERVICE_POINT_POSITION))
        .one(db)
        .await?
        .map(|r| r.id);
    let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
    for a in role_assignment::Entity::find()
        .filter(role_assignment::Column::ScopeKind.eq("service_point"))
        .filter(role_assignment::Column::RoleId.eq(staff_role.unwrap_or(-1)))
        .all(db)
        .await?
    {
        if let Some(id) = a.scope_id {
            *counts.entry(id).or_default() += 1;
        }
    }
    let rows: Vec<ServicePointRow> = sps
        .into_iter()
        .map(|s| ServicePointRow {
            id: s.id,
            office_name: offices.get(&s.office_id).cloned().unwrap_or_default(),
            staff: counts.get(&s.id).copied().unwrap_or(0),
            status: status_label(&s.status),
            name: s.name,
            address: s.address,
            phone: s.phone,
        })
        .collect();
    let choices: Vec<OfficeChoice> = office_choices(db)
        .await?
        .into_iter()
        .filter(|o| {
            reaches(
                user,
                &ObjectScope {
                    office_id: Some(o.id),
                    ..Default::default()
                },
            )
        })
        .collect();
    let can_create = user.grants.has(perm::OFFICE_MANAGE);
    let body = pages::list(
        &ctx.csrf_token,
        &choices,
        office_filter,
        &rows,
        form,
        can_create,
    );
    Ok(ctx
        .work_with_status(status, user, "服务点管理", &crumbs()[..1], body)
        .await)
}

#[handler]
async fn list_page(
    ctx: Ctx,
    user: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    require_any(&user)?;
    let filter = q.office.and_then(|s| s.trim().parse().ok());
    list_view(&ctx, &user, filter, &FormState::default(), StatusCode::OK).await
}

#[handler]
async fn create_post(ctx: Ctx, user: Caller, Form(fields): Fields) -> Result<Response, WebError> {
    user.require(perm::OFFICE_MANAGE)?;
    let mut form = form_from(&fields);
    let office = match form.value("office").parse::<i64>() {
        Ok(id) => {
            office::Entity::find_by_id(id)
                .one(&ctx.state.core.db)
                .await?
        }
        Err(_) => None,
    };
    match &office {
        None => form.add_error("office", "请选择所属登记处"),
        Some(o) if o.status != super::service::STATUS_ACTIVE => {
            form.add_error("office", "该登记处已暂停或撤销")
        }
        Some(o) => {
            user.require_on(perm::OFFICE_MANAGE, &super::staff::office_object(o.id))?;
        }
    }
    let input = check(&mut form);
    if let (Some(o), Some(i)) = (&office, &input)
        && name_taken(&ctx, o.id, &i.name, None).await?
    {
        form.add_error("name", "该登记处已有同名服务点");
    }
    let (Some(o), Some(i)) = (office, input) else {
        return list_view(&ctx, &user, None, &form, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    if form.has_errors() {
        return list_view(&ctx, &user, None, &form, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
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
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry {
            action: "service_point.create",
            object_type: Some("service_point"),
            object_id: Some(sp.id.to_string()),
            outcome: Outcome::Success,
            detail: snapshot(&sp),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(ctx.redirect(
        &format!("/admin/service-points/{}", sp.id),
        Some(Flash {
            kind: FlashKind::Success,
            message: "服务点已创建。".into(),
        }),
    ))
}

fn form_of(s: &service_point::Model) -> FormState {
    FormState {
        values: vec![
            ("name".into(), s.name.clone()),
            ("address".into(), s.address.clone()),
            ("phone".into(), s.phone.clone()),
        ],
        ..FormState::default()
    }
}

#[derive(Default)]
struct SpForms {
    edit: Option<FormState>,
    status: FormState,
    staff: FormState,
}

async fn detail_view(
    ctx: &Ctx,
    user: &Caller,
    sp: &service_point::Model,
    forms: SpForms,
    status: StatusCode,
) -> Result<Response, WebError> {
    let db = &ctx.state.core.db;
    let o = office::Entity::find_by_id(sp.office_id).one(db).await?;
    let changes_rows = audit_log::Entity::find()
        .filter(audit_log::Column::ObjectType.eq("service_point"))
        .filter(audit_log::Column::ObjectId.eq(sp.id.to_string()))
        .order_by_desc(audit_log::Column::Id)
        .limit(200)
        .all(db)
        .await?;
    let status_reason = changes_rows
        .iter()
        .find(|a| a.action == "service_point.status")
        .and_then(|a| serde_json::from_str::<Value>(&a.detail).ok())
        .and_then(|d| d["reason"].as_str().map(str::to_owned));
    let changes: Vec<ChangeRow> = changes_rows
        .into_iter()
        .map(|a| ChangeRow {
            at: crate::core::clock::shanghai_minute(a.at),
            actor: a.actor_name,
            action: match a.action.as_str() {
                "service_point.create" => "创建",
                "service_point.edit" => "修改",
                _ => "状态变更",
            }
            .into(),
            detail: a.detail,
        })
        .collect();
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
    let users: BTreeMap<i64, app_user::Model> =
        users_by_id(db, assignments.iter().map(|a| a.user_id)).await?;
    let staff: Vec<StaffRow> = assignments
        .iter()
        .filter_map(|a| users.get(&a.user_id))
        .map(|u| StaffRow {
            user_id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            since: since
                .get(&(u.id, SERVICE_POINT_POSITION.to_owned(), Some(sp.id)))
                .map_or_else(|| "—".to_owned(), |d| d.to_string()),
        })
        .collect();
    let postings = staff_posting::Entity::find()
        .filter(staff_posting::Column::ServicePointId.eq(sp.id))
        .order_by_desc(staff_posting::Column::Id)
        .limit(500)
        .all(db)
        .await?;
    let postings = posting_rows(db, postings).await?;
    let detail = ServicePointDetail {
        id: sp.id,
        version: sp.version,
        office_id: sp.office_id,
        office_name: o.map(|o| o.name).unwrap_or_default(),
        name: sp.name.clone(),
        status: status_label(&sp.status),
        status_reason,
    };
    let edit = forms.edit.unwrap_or_else(|| form_of(sp));
    let can_edit = user
        .grants
        .covers(perm::OFFICE_MANAGE, &object(sp), user.user.id);
    let body = pages::detail(
        &ctx.csrf_token,
        &detail,
        &DetailForms {
            edit: &edit,
            status: &forms.status,
            staff: &forms.staff,
        },
        can_edit,
        &staff,
        &postings,
        &changes,
    );
    Ok(ctx
        .work_with_status(status, user, &sp.name, &crumbs(), body)
        .await)
}

async fn find(ctx: &Ctx, id: i64) -> Result<service_point::Model, WebError> {
    service_point::Entity::find_by_id(id)
        .one(&ctx.state.core.db)
        .await?
        .ok_or(WebError::NotFound)
}

#[handler]
async fn detail_page(ctx: Ctx, user: Caller, Path(id): Path<i64>) -> Result<Response, WebError> {
    require_any(&user)?;
    let sp = find(&ctx, id).await?;
    if !reaches(&user, &object(&sp)) {
        return Err(WebError::NotFound);
    }
    detail_view(&ctx, &user, &sp, SpForms::default(), StatusCode::OK).await
}

fn version_of(form: &FormState) -> i32 {
    form.value("version").parse().unwrap_or(-1)
}

fn stale() -> WebError {
    WebError::Conflict("该服务点已由他人处理，请刷新后重试。".into())
}

#[handler]
async fn edit_post(
    ctx: Ctx,
    user: Caller,
    Path(id): Path<i64>,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    user.require(perm::OFFICE_MANAGE)?;
    let before = find(&ctx, id).await?;
    user.require_on(perm::OFFICE_MANAGE, &object(&before))?;
    let mut form = form_from(&fields);
    let input = check(&mut form);
    if let Some(i) = &input
        && name_taken(&ctx, before.office_id, &i.name, Some(id)).await?
    {
        form.add_error("name", "该登记处已有同名服务点");
    }
    let Some(i) = input.filter(|_| !form.has_errors()) else {
        let forms = SpForms {
            edit: Some(form),
            ..Default::default()
        };
        return detail_view(
            &ctx,
            &user,
            &before,
            forms,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    let changed = service_point::Entity::update_many()
        .col_expr(service_point::Column::Name, Expr::value(i.name))
        .col_expr(service_point::Column::Address, Expr::value(i.address))
        .col_expr(service_point::Column::Phone, Expr::value(i.phone))
        .col_expr(
            service_point::Column::Version,
            Expr::value(before.version + 1),
        )
        .filter(service_point::Column::Id.eq(id))
        .filter(service_point::Column::Version.eq(version_of(&form)))
        .exec(&txn)
        .await?
        .rows_affected;
    if changed == 0 {
        return Err(stale());
    }
    let after = service_point::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(WebError::NotFound)?;
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry {
            action: "service_point.edit",
            object_type: Some("service_point"),
            object_id: Some(id.to_string()),
            outcome: Outcome::Success,
            detail: json!({ "before": snapshot(&before), "after": snapshot(&after) }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(done(&ctx, id, "已保存。"))
}

fn done(ctx: &Ctx, id: i64, message: &str) -> Response {
    ctx.redirect(
        &format!("/admin/service-points/{id}"),
        Some(Flash {
            kind: FlashKind::Success,
            message: message.into(),
        }),
    )
}

#[handler]
async fn status_post(
    ctx: Ctx,
    user: Caller,
    Path(id): Path<i64>,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    user.require(perm::OFFICE_MANAGE)?;
    let before = find(&ctx, id).await?;
    user.require_on(perm::OFFICE_MANAGE, &object(&before))?;
    let mut form = form_from(&fields);
    let new_status = form.value("status").to_owned();
    if new_status != STATUS_ACTIVE && new_status != STATUS_SUSPENDED {
        form.message = Some("请选择状态".into());
    }
    let reason = form.value("reason").trim().to_owned();
    if reason.is_empty() {
        form.add_error("reason", "请填写原因");
    } else if reason.chars().count() > 200 {
        form.add_error("reason", "原因不能超过 200 个字");
    }
    if form.has_errors() {
        let forms = SpForms {
            status: form,
            ..Default::default()
        };
        return detail_view(
            &ctx,
            &user,
            &before,
            forms,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    let changed = service_point::Entity::update_many()
        .col_expr(
            service_point::Column::Status,
            Expr::value(new_status.clone()),
        )
        .col_expr(
            service_point::Column::Version,
            Expr::value(before.version + 1),
        )
        .filter(service_point::Column::Id.eq(id))
        .filter(service_point::Column::Version.eq(version_of(&form)))
        .exec(&txn)
        .await?
        .rows_affected;
    if changed == 0 {
        return Err(stale());
    }
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry {
            action: "service_point.status",
            object_type: Some("service_point"),
            object_id: Some(id.to_string()),
            outcome: Outcome::Success,
            detail: json!({ "from": before.status, "to": new_status, "reason": reason }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(done(&ctx, id, "状态已变更。"))
}

/// The service point, checked for a staff change by this user.
async fn for_staff(ctx: &Ctx, user: &Caller, id: i64) -> Result<service_point::Model, WebError> {
    user.require(perm::STAFF_MANAGE)?;
    let sp = find(ctx, id).await?;
    user.require_on(perm::STAFF_MANAGE, &object(&sp))?;
    Ok(sp)
}

async fn staff_invalid(
    ctx: &Ctx,
    user: &Caller,
    sp: &service_point::Model,
    form: FormState,
) -> Result<Response, WebError> {
    let forms = SpForms {
        staff: form,
        ..Default::default()
    };
    detail_view(ctx, user, sp, forms, StatusCode::UNPROCESSABLE_ENTITY).await
}

#[handler]
async fn staff_grant_post(
    ctx: Ctx,
    user: Caller,
    Path(id): Path<i64>,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    let sp = for_staff(&ctx, &user, id).await?;
    let mut form = form_from(&fields);
    if sp.status != STATUS_ACTIVE {
        form.message = Some("服务点已暂停，不能授予岗位".into());
    }
    let target = staff_user(&ctx.state.core.db, &mut form, "username").await?;
    let reason = check_reason(&mut form, "reason");
    let scope = Scope::ServicePoint(sp.id);
    if let Some(t) = &target {
        if t.id == user.user.id {
            form.add_error("username", "不能给自己授予岗位，请由他人办理");
        } else {
            check_belongs(&ctx, &user, t, sp.office_id, &mut form, "username").await?;
        }
        if svc::holds(&ctx.state.core.db, t.id, SERVICE_POINT_POSITION, scope).await? {
            form.add_error("username", "该用户已是本服务点人员");
        }
    }
    let (Some(t), Some(reason)) = (target, reason) else {
        return staff_invalid(&ctx, &user, &sp, form).await;
    };
    if form.has_errors() {
        return staff_invalid(&ctx, &user, &sp, form).await;
    }
    svc::grant(
        &ctx.state,
        &user.actor(),
        &PositionChange {
            user_id: t.id,
            role_code: SERVICE_POINT_POSITION,
            scope,
            reason: &reason,
        },
    )
    .await?;
    Ok(done(&ctx, sp.id, "已授予服务点人员岗位。"))
}

#[handler]
async fn staff_revoke_post(
    ctx: Ctx,
    user: Caller,
    Path(id): Path<i64>,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    let sp = for_staff(&ctx, &user, id).await?;
    let form = form_from(&fields);
    let target_id: i64 = form.value("user").parse().map_err(|_| WebError::NotFound)?;
    let scope = Scope::ServicePoint(sp.id);
    let reason = form.value("reason").trim().to_owned();
    let problem = if reason.is_empty() || reason.chars().count() > svc::REASON_MAX {
        Some(format!("请填写撤销原因（不超过 {} 个字）", svc::REASON_MAX))
    } else if !svc::holds(&ctx.state.core.db, target_id, SERVICE_POINT_POSITION, scope).await? {
        Some("该用户不是本服务点人员".to_owned())
    } else {
        None
    };
    if let Some(m) = problem {
        let form = FormState {
            message: Some(m),
            ..FormState::default()
        };
        return staff_invalid(&ctx, &user, &sp, form).await;
    }
    svc::revoke(
        &ctx.state,
        &user.actor(),
        &PositionChange {
            user_id: target_id,
            role_code: SERVICE_POINT_POSITION,
            scope,
            reason: &reason,
        },
    )
    .await?;
    Ok(done(&ctx, sp.id, "已撤销服务点人员岗位。"))
}
