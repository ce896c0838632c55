//! Office staff screens (F46): `/admin/staff`. A system admin (STAFF_MANAGE
//! for all data) manages every office and moves people between offices; an
//! office head (STAFF_MANAGE for their office) manages their own office's
//! staff, granting only positions within their own rights. Rules and
//! transactions are in `staff_service`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use poem::http::StatusCode;
use poem::web::{Form, Query};
use poem::{Response, Route, get, handler, post};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Deserialize;
use techreg_entities::identity::{app_user, role, role_assignment};
use techreg_entities::org::{office, service_point, staff_posting};
use techreg_views::components::{Crumb, Flash, FlashKind};
use techreg_views::pages::identity::FormState;
use techreg_views::pages::staff::{
    self as pages, Forms, HeldPosition, Member, OfficeChoice, OfficeStaff, PositionOption,
    PostingRow, ServicePointLink,
};

use super::staff_service::{
    self as svc, Move, OFFICE_POSITIONS, PositionChange, REASON_MAX, RolePermissions,
    SERVICE_POINT_POSITION, holds_everywhere, is_office_position, may_delegate,
};
use crate::core::Caller;
use crate::core::{ObjectScope, Scope};
use crate::identity::{KIND_STAFF, STATUS_DISABLED, find_by_username};
use crate::security::rbac::perm;
use crate::web::form::from_pairs as form_from;
use crate::web::{Ctx, WebError};

type Fields = Form<Vec<(String, String)>>;

pub fn routes(route: Route) -> Route {
    route
        .at("/admin/staff", get(staff_page))
        .at("/admin/staff/grant", post(grant_post))
        .at("/admin/staff/revoke", post(revoke_post))
        .at("/admin/staff/move", post(move_post))
}

pub(crate) fn office_object(office_id: i64) -> ObjectScope {
    ObjectScope {
        office_id: Some(office_id),
        ..Default::default()
    }
}

fn crumbs() -> Vec<Crumb> {
    vec![
        Crumb {
            label: "工作台".into(),
            href: Some("/my".into()),
        },
        Crumb {
            label: "人员管理".into(),
            href: Some("/admin/staff".into()),
        },
    ]
}

pub(crate) fn status_label(status: &str) -> &'static str {
    match status {
        "active" => "正常",
        "suspended" => "暂停",
        "closed" => "撤销",
        _ => "未知",
    }
}

/// Every office, for selectors; inactive ones marked.
pub(crate) async fn office_choices<C: ConnectionTrait>(db: &C) -> Result<Vec<OfficeChoice>, DbErr> {
    Ok(office::Entity::find()
        .order_by_asc(office::Column::Code)
        .all(db)
        .await?
        .into_iter()
        .map(|o| OfficeChoice {
            id: o.id,
            name: if o.status == super::service::STATUS_ACTIVE {
                o.name
            } else {
                format!("{}（{}）", o.name, status_label(&o.status))
            },
        })
        .collect())
}

/// Role names by code.
pub(crate) async fn role_names<C: ConnectionTrait>(
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
pub(crate) async fn users_by_id<C: ConnectionTrait>(
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

/// Postings as history rows (the caller orders them).
pub(crate) async fn posting_rows<C: ConnectionTrait>(
    db: &C,
    postings: Vec<staff_posting::Model>,
) -> Result<Vec<PostingRow>, DbErr> {
    let users = users_by_id(db, postings.iter().map(|p| p.user_id)).await?;
    let names = role_names(db).await?;
    let sps: BTreeMap<i64, String> = service_point::Entity::find()
        .filter(service_point::Column::Id.is_in(postings.iter().filter_map(|p| p.service_point_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let offices: BTreeMap<i64, String> = office::Entity::find()
        .filter(office::Column::Id.is_in(postings.iter().map(|p| p.office_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    Ok(postings
        .into_iter()
        .map(|p| {
            let u = users.get(&p.user_id);
            PostingRow {
                username: u.map(|u| u.username.clone()).unwrap_or_default(),
                display_name: u.map(|u| u.display_name.clone()).unwrap_or_default(),
                position: names.get(&p.role_code).cloned().unwrap_or(p.role_code),
                place: match p.service_point_id {
                    Some(id) => sps.get(&id).cloned().unwrap_or_default(),
                    None => offices.get(&p.office_id).cloned().unwrap_or_default(),
                },
                from: p.valid_from.to_string(),
                to: p.valid_to.map(|d| d.to_string()).unwrap_or_default(),
                reason: p.reason,
                actor: p.actor,
            }
        })
        .collect())
}

/// The start of each open posting, by (user, role, service point).
pub(crate) async fn open_since<C: ConnectionTrait>(
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

/// The checked reason of a form, or an error on `field`.
pub(crate) fn check_reason(form: &mut FormState, field: &str) -> Option<String> {
    let reason = form.value(field).trim().to_owned();
    if reason.is_empty() {
        form.add_error(field, "请填写原因");
        None
    } else if reason.chars().count() > REASON_MAX {
        form.add_error(field, format!("原因不能超过 {REASON_MAX} 个字"));
        None
    } else {
        Some(reason)
    }
}

/// The staff user a grant names, or an error on `field`.
pub(crate) async fn staff_user<C: ConnectionTrait>(
    db: &C,
    form: &mut FormState,
    field: &str,
) -> Result<Option<app_user::Model>, DbErr> {
    let name = form.value(field).trim().to_owned();
    if name.is_empty() {
        form.add_error(field, "请填写用户名");
        return Ok(None);
    }
    match find_by_username(db, &name).await? {
        None => form.add_error(field, "未找到该用户名"),
        Some(u) if u.kind != KIND_STAFF => form.add_error(field, "只能授予工作人员账号"),
        Some(u) if u.status == STATUS_DISABLED => form.add_error(field, "该账号已停用"),
        Some(u) => return Ok(Some(u)),
    }
    Ok(None)
}

/// For a user managed by an office head: refuses people who work at
/// another office (a move, done by the system admin) or hold other roles.
pub(crate) async fn check_belongs(
    ctx: &Ctx,
    manager: &Caller,
    target: &app_user::Model,
    office_id: i64,
    form: &mut FormState,
    field: &str,
) -> Result<(), WebError> {
    if holds_everywhere(&manager.grants, perm::STAFF_MANAGE) {
        return Ok(());
    }
    let placed = svc::placement(&ctx.state.core.db, ctx.state.keys.as_ref(), target.id).await?;
    let elsewhere: Vec<i64> = placed
        .offices
        .iter()
        .copied()
        .filter(|o| *o != office_id)
        .collect();
    if !elsewhere.is_empty() {
        let names: Vec<String> = office::Entity::find()
            .filter(office::Column::Id.is_in(elsewhere))
            .all(&ctx.state.core.db)
            .await?
            .into_iter()
            .map(|o| o.name)
            .collect();
        form.add_error(
            field,
            format!(
                "该用户在{}任职；调入本登记处属于人员调动，须由系统管理员办理",
                names.join("、")
            ),
        );
    } else if !placed.other_roles.is_empty() {
        form.add_error(
            field,
            format!(
                "该用户担任{}，须由系统管理员办理",
                placed.other_roles.join("、")
            ),
        );
    }
    Ok(())
}

async fn positions(ctx: &Ctx) -> Result<Vec<RolePermissions>, WebError> {
    let mut out = Vec::new();
    for code in OFFICE_POSITIONS {
        if let Some(r) =
            svc::role_permissions(&ctx.state.core.db, ctx.state.keys.as_ref(), code).await?
        {
            out.push(r);
        }
    }
    Ok(out)
}

/// The office a head manages, when no office is named.
fn own_office(user: &Caller) -> Option<i64> {
    user.grants.0.iter().find_map(|g| match g.scope {
        Scope::Office(id) if g.permissions.contains(perm::STAFF_MANAGE) => Some(id),
        _ => None,
    })
}

/// The office a form or query names, checked against the user's scope:
/// 404 when unknown or outside it.
async fn managed_office(ctx: &Ctx, user: &Caller, raw: &str) -> Result<office::Model, WebError> {
    let id: i64 = raw.trim().parse().map_err(|_| WebError::NotFound)?;
    let o = office::Entity::find_by_id(id)
        .one(&ctx.state.core.db)
        .await?
        .ok_or(WebError::NotFound)?;
    user.require_on(perm::STAFF_MANAGE, &office_object(o.id))?;
    Ok(o)
}

#[derive(Default)]
struct StaffForms {
    grant: FormState,
    revoke: FormState,
    moving: FormState,
}

async fn staff_view(
    ctx: &Ctx,
    user: &Caller,
    o: &office::Model,
    forms: &StaffForms,
    status: StatusCode,
) -> Result<Response, WebError> {
    let db = &ctx.state.core.db;
    let everywhere = holds_everywhere(&user.grants, perm::STAFF_MANAGE);
    let positions = positions(ctx).await?;
    let may = |p: &RolePermissions| may_delegate(&user.grants, user.user.id, o.id, p).is_ok();
    let sps = service_point::Entity::find()
        .filter(service_point::Column::OfficeId.eq(o.id))
        .order_by_asc(service_point::Column::Id)
        .all(db)
        .await?;
    let sp_names: BTreeMap<i64, String> = sps.iter().map(|s| (s.id, s.name.clone())).collect();
    let names = role_names(db).await?;
    let role_codes: BTreeMap<i64, String> = role::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.code))
        .collect();
    let since = open_since(db, o.id).await?;

    // Current positions: office positions here, service point staff at its
    // service points.
    let rows = role_assignment::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(
                    role_assignment::Column::ScopeKind
                        .eq("office")
                        .and(role_assignment::Column::ScopeId.eq(o.id)),
                )
                .add(
                    role_assignment::Column::ScopeKind
                        .eq("service_point")
                        .and(role_assignment::Column::ScopeId.is_in(sp_names.keys().copied())),
                ),
        )
        .order_by_asc(role_assignment::Column::Id)
        .all(db)
        .await?;
    let users = users_by_id(db, rows.iter().map(|a| a.user_id)).await?;
    let mut members: Vec<Member> = Vec::new();
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
            && !(u.id == user.user.id && code == "office_head")
            && positions.iter().any(|p| &p.code == code && may(p));
        let held = HeldPosition {
            code: code.clone(),
            name: names.get(code).cloned().unwrap_or_else(|| code.clone()),
            place: at_sp
                .and_then(|id| sp_names.get(&id).cloned())
                .unwrap_or_default(),
            since: since
                .get(&(u.id, code.clone(), at_sp))
                .map_or_else(|| "—".to_owned(), |d| d.to_string()),
            revocable,
            manage_href: at_sp.map(|id| format!("/admin/service-points/{id}")),
        };
        match members.iter_mut().find(|m| m.user_id == u.id) {
            Some(m) => m.positions.push(held),
            None => members.push(Member {
                user_id: u.id,
                username: u.username.clone(),
                display_name: u.display_name.clone(),
                positions: vec![held],
            }),
        }
    }

    let postings = staff_posting::Entity::find()
        .filter(staff_posting::Column::OfficeId.eq(o.id))
        .order_by_desc(staff_posting::Column::Id)
        .limit(500)
        .all(db)
        .await?;
    let history = posting_rows(db, postings).await?;
    let grantable: Vec<PositionOption> = positions
        .iter()
        .filter(|p| may(p))
        .map(|p| PositionOption {
            code: p.code.clone(),
            name: p.name.clone(),
        })
        .collect();
    let all_positions: Vec<PositionOption> = positions
        .iter()
        .map(|p| PositionOption {
            code: p.code.clone(),
            name: p.name.clone(),
        })
        .collect();
    let offices = if everywhere {
        office_choices(db).await?
    } else {
        Vec::new()
    };
    let links: Vec<ServicePointLink> = sps
        .iter()
        .map(|s| ServicePointLink {
            id: s.id,
            name: s.name.clone(),
            status: status_label(&s.status),
        })
        .collect();
    let today = crate::core::clock::shanghai_date(ctx.state.core.clock.now()).to_string();
    let page = OfficeStaff {
        office_id: o.id,
        office_name: &o.name,
        members: &members,
        history: &history,
        grantable: &grantable,
        positions: &all_positions,
        offices: &offices,
        can_move: everywhere,
        service_points: &links,
        today: &today,
    };
    let body = pages::office_staff(
        &ctx.csrf_token,
        &page,
        &Forms {
            grant: &forms.grant,
            revoke: &forms.revoke,
            moving: &forms.moving,
        },
    );
    Ok(ctx
        .work_with_status(status, user, "人员管理", &crumbs(), body)
        .await)
}

#[derive(Deserialize, Default)]
struct StaffQuery {
    office: Option<String>,
}

#[handler]
async fn staff_page(
    ctx: Ctx,
    user: Caller,
    Query(q): Query<StaffQuery>,
) -> Result<Response, WebError> {
    user.require(perm::STAFF_MANAGE)?;
    let named = q.office.filter(|s| !s.trim().is_empty());
    let raw = match (named, own_office(&user)) {
        (Some(raw), _) => raw,
        (None, Some(own)) if !holds_everywhere(&user.grants, perm::STAFF_MANAGE) => own.to_string(),
        _ => {
            let offices = office_choices(&ctx.state.core.db).await?;
            let body = pages::choose_office(&offices);
            return Ok(ctx.work(&user, "人员管理", &crumbs()[..1], body).await);
        }
    };
    let o = managed_office(&ctx, &user, &raw).await?;
    staff_view(&ctx, &user, &o, &StaffForms::default(), StatusCode::OK).await
}

fn back(ctx: &Ctx, office_id: i64, message: &str) -> Response {
    ctx.redirect(
        &format!("/admin/staff?office={office_id}"),
        Some(Flash {
            kind: FlashKind::Success,
            message: message.into(),
        }),
    )
}

/// The position a form names, checked against the delegation rule.
async fn delegable(
    ctx: &Ctx,
    user: &Caller,
    office_id: i64,
    form: &mut FormState,
) -> Result<Option<String>, WebError> {
    let code = form.value("position").to_owned();
    if !is_office_position(&code) {
        form.add_error("position", "请选择岗位");
        return Ok(None);
    }
    let Some(p) = svc::role_permissions(&ctx.state.core.db, ctx.state.keys.as_ref(), &code).await?
    else {
        form.add_error("position", "请选择岗位");
        return Ok(None);
    };
    if let Err(m) = may_delegate(&user.grants, user.user.id, office_id, &p) {
        form.add_error("position", m);
        return Ok(None);
    }
    Ok(Some(code))
}

#[handler]
async fn grant_post(ctx: Ctx, user: Caller, Form(fields): Fields) -> Result<Response, WebError> {
    user.require(perm::STAFF_MANAGE)?;
    let mut form = form_from(&fields);
    let o = managed_office(&ctx, &user, form.value("office")).await?;
    let target = staff_user(&ctx.state.core.db, &mut form, "username").await?;
    let position = delegable(&ctx, &user, o.id, &mut form).await?;
    let reason = check_reason(&mut form, "reason");
    if let Some(t) = &target {
        if t.id == user.user.id {
            form.add_error("username", "不能给自己授予岗位，请由他人办理");
        } else {
            check_belongs(&ctx, &user, t, o.id, &mut form, "username").await?;
        }
        if let Some(code) = &position
            && svc::holds(&ctx.state.core.db, t.id, code, Scope::Office(o.id)).await?
        {
            form.add_error("position", "该用户已担任此岗位");
        }
    }
    let (Some(t), Some(code), Some(reason)) = (target, position, reason) else {
        return invalid(
            &ctx,
            &user,
            &o,
            StaffForms {
                grant: form,
                ..Default::default()
            },
        )
        .await;
    };
    if form.has_errors() {
        return invalid(
            &ctx,
            &user,
            &o,
            StaffForms {
                grant: form,
                ..Default::default()
            },
        )
        .await;
    }
    svc::grant(
        &ctx.state,
        &user.actor(),
        &PositionChange {
            user_id: t.id,
            role_code: &code,
            scope: Scope::Office(o.id),
            reason: &reason,
        },
    )
    .await?;
    Ok(back(&ctx, o.id, "已授予岗位。"))
}

async fn invalid(
    ctx: &Ctx,
    user: &Caller,
    o: &office::Model,
    forms: StaffForms,
) -> Result<Response, WebError> {
    staff_view(ctx, user, o, &forms, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// A form's message made of its field errors (for the compact forms on the
/// list rows).
fn as_message(form: &mut FormState) {
    if form.message.is_none() && !form.errors.is_empty() {
        form.message = Some(
            form.errors
                .iter()
                .map(|(_, e)| e.as_str())
                .collect::<Vec<_>>()
                .join("；"),
        );
        form.errors.clear();
    }
}

#[handler]
async fn revoke_post(ctx: Ctx, user: Caller, Form(fields): Fields) -> Result<Response, WebError> {
    user.require(perm::STAFF_MANAGE)?;
    let mut form = form_from(&fields);
    let o = managed_office(&ctx, &user, form.value("office")).await?;
    let target_id: i64 = form.value("user").parse().map_err(|_| WebError::NotFound)?;
    let target = app_user::Entity::find_by_id(target_id)
        .one(&ctx.state.core.db)
        .await?
        .ok_or(WebError::NotFound)?;
    let reason = check_reason(&mut form, "reason");
    let position = if target.id == user.user.id && form.value("position") == "office_head" {
        form.add_error("position", "不能撤销自己的负责人岗位");
        None
    } else {
        delegable(&ctx, &user, o.id, &mut form).await?
    };
    if let Some(code) = &position
        && !svc::holds(&ctx.state.core.db, target.id, code, Scope::Office(o.id)).await?
    {
        form.add_error("position", "该用户未担任此岗位");
    }
    let (Some(code), Some(reason)) = (position, reason) else {
        as_message(&mut form);
        return invalid(
            &ctx,
            &user,
            &o,
            StaffForms {
                revoke: form,
                ..Default::default()
            },
        )
        .await;
    };
    if form.has_errors() {
        as_message(&mut form);
        return invalid(
            &ctx,
            &user,
            &o,
            StaffForms {
                revoke: form,
                ..Default::default()
            },
        )
        .await;
    }
    svc::revoke(
        &ctx.state,
        &user.actor(),
        &PositionChange {
            user_id: target.id,
            role_code: &code,
            scope: Scope::Office(o.id),
            reason: &reason,
        },
    )
    .await?;
    Ok(back(&ctx, o.id, "已撤销岗位。"))
}

#[handler]
async fn move_post(ctx: Ctx, user: Caller, Form(fields): Fields) -> Result<Response, WebError> {
    user.require(perm::STAFF_MANAGE)?;
    if !holds_everywhere(&user.grants, perm::STAFF_MANAGE) {
        return Err(WebError::Forbidden("moves are for system admins"));
    }
    let mut form = form_from(&fields);
    let from = managed_office(&ctx, &user, form.value("from_office")).await?;
    let db = &ctx.state.core.db;
    let target = match form.value("user").parse::<i64>() {
        Ok(id) => app_user::Entity::find_by_id(id).one(db).await?,
        Err(_) => None,
    };
    let mut latest = None;
    match &target {
        None => form.add_error("user", "请选择人员"),
        Some(t) => {
            if svc::positions_at(db, t.id, from.id).await?.is_empty() {
                form.add_error("user", "该用户不在本登记处任职");
            }
            latest = svc::latest_start(db, t.id, from.id).await?;
        }
    }
    let to = match form.value("to_office").parse::<i64>() {
        Ok(id) => office::Entity::find_by_id(id).one(db).await?,
        Err(_) => None,
    };
    match &to {
        None => form.add_error("to_office", "请选择调往的登记处"),
        Some(t) if t.id == from.id => form.add_error("to_office", "调往的登记处不能是原登记处"),
        Some(t) if t.status != super::service::STATUS_ACTIVE => {
            form.add_error("to_office", "调往的登记处已暂停或撤销")
        }
        Some(_) => {}
    }
    let chosen: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "positions")
        .map(|(_, v)| v.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if chosen.is_empty() || !chosen.iter().all(|c| is_office_position(c)) {
        form.add_error("positions", "请选择新岗位");
    }
    let today = crate::core::clock::shanghai_date(ctx.state.core.clock.now());
    let on = NaiveDate::parse_from_str(form.value("effective").trim(), "%Y-%m-%d").ok();
    match on {
        None => form.add_error("effective", "请填写生效日期（年-月-日）"),
        Some(d) if d > today => form.add_error("effective", "生效日期不能晚于今天"),
        Some(d) if latest.is_some_and(|l| d < l) => form.add_error(
            "effective",
            format!(
                "生效日期不能早于其现任岗位的开始日期（{}）",
                latest.expect("checked")
            ),
        ),
        Some(_) => {}
    }
    let reason = check_reason(&mut form, "reason");
    let (Some(t), Some(to), Some(on), Some(reason)) = (target, to, on, reason) else {
        return invalid(
            &ctx,
            &user,
            &from,
            StaffForms {
                moving: form,
                ..Default::default()
            },
        )
        .await;
    };
    if form.has_errors() {
        return invalid(
            &ctx,
            &user,
            &from,
            StaffForms {
                moving: form,
                ..Default::default()
            },
        )
        .await;
    }
    svc::move_staff(
        &ctx.state,
        &user.actor(),
        &Move {
            user_id: t.id,
            from_office: from.id,
            to_office: to.id,
            positions: &chosen,
            on,
            reason: &reason,
        },
    )
    .await?;
    Ok(back(&ctx, to.id, "已调动。"))
}
