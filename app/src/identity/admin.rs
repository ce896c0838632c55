//! Admin screens: users (system admin), online sessions (security admin).

use poem::http::StatusCode;
use poem::web::{Form, Path, Query};
use poem::{Response, Route, get, handler, post};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::Deserialize;
use serde_json::json;
use techreg_entities::identity::{app_user, enterprise_claim, role, user_session};
use techreg_views::components::{Crumb, Flash, FlashKind};
use techreg_views::pages::admin::{
    self as pages, OfficeOption, OnlineRow, RoleOption, UserDetail, UserRow,
};
use techreg_views::pages::identity::FormState;

use super::auth;
use super::bootstrap::one_time_password;
use super::register::form_from;
use super::roles::{self, AssignError, load_grants};
use super::users::{self, KIND_STAFF, NewUser, STATUS_ACTIVE, STATUS_DISABLED};
use super::validate;
use crate::audit::{self, Entry, Outcome};
use crate::core::Caller;
use crate::core::Scope;
use crate::security::rbac::perm;
use crate::web::{Ctx, WebError};

type Fields = Form<Vec<(String, String)>>;

pub fn routes(route: Route) -> Route {
    route
        .at("/admin/users", get(users_page).post(create_user_post))
        .at("/admin/users/:id", get(user_page))
        .at("/admin/users/:id/unlock", post(unlock_post))
        .at("/admin/users/:id/reset-password", post(reset_password_post))
        .at("/admin/users/:id/disable", post(disable_post))
        .at("/admin/users/:id/enable", post(enable_post))
        .at("/admin/users/:id/roles", post(assign_role_post))
        .at("/admin/sessions", get(sessions_page))
        .at("/admin/sessions/end", post(end_session_post))
}

fn crumbs(label: &str) -> Vec<Crumb> {
    vec![
        Crumb {
            label: "工作台".into(),
            href: Some("/my".into()),
        },
        Crumb {
            label: label.into(),
            href: None,
        },
    ]
}

async fn office_options(ctx: &Ctx) -> Result<Vec<OfficeOption>, WebError> {
    use techreg_entities::org::office;
    Ok(office::Entity::find()
        .filter(office::Column::Status.eq(crate::org::STATUS_ACTIVE))
        .order_by_asc(office::Column::Id)
        .all(&ctx.state.core.db)
        .await?
        .into_iter()
        .map(|o| OfficeOption {
            id: o.id,
            name: o.name,
        })
        .collect())
}

/// The scope of a role given here: office positions need their office,
/// every other role reaches all data.
async fn scope_for(
    ctx: &Ctx,
    role_code: &str,
    form: &mut FormState,
) -> Result<Option<Scope>, WebError> {
    if !role_code.starts_with("office_") {
        return Ok(Some(Scope::All));
    }
    let id: Option<i64> = form.value("office").parse().ok();
    let known = office_options(ctx).await?.iter().any(|o| Some(o.id) == id);
    match id.filter(|_| known) {
        Some(id) => Ok(Some(Scope::Office(id))),
        None => {
            form.add_error("office", "登记处岗位须选择所属登记处");
            Ok(None)
        }
    }
}

/// Roles a system admin hands out here (enterprise roles come from
/// registration and verification).
async fn role_options(ctx: &Ctx) -> Result<Vec<RoleOption>, WebError> {
    Ok(role::Entity::find()
        // Enterprise roles come from registration and verification; service
        // point staff are scoped to a service point, given with service
        // point management (offices module).
        .filter(role::Column::Code.is_not_in([
            "applicant",
            "enterprise_admin",
            "service_point_staff",
        ]))
        .order_by_asc(role::Column::Id)
        .all(&ctx.state.core.db)
        .await?
        .into_iter()
        .map(|r| RoleOption {
            code: r.code,
            name: r.name,
        })
        .collect())
}

#[derive(Deserialize, Default)]
struct Search {
    q: Option<String>,
}

async fn users_view(
    ctx: &Ctx,
    user: &Caller,
    q: &str,
    form: &FormState,
    created: Option<(&str, &str)>,
    status: StatusCode,
) -> Result<Response, WebError> {
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
    let now = ctx.state.core.clock.now();
    let mut rows = Vec::new();
    for u in query.all(&ctx.state.core.db).await? {
        let (grants, _) = load_grants(&ctx.state.core.db, ctx.state.keys.as_ref(), u.id).await?;
        rows.push(UserRow {
            id: u.id,
            locked: u.locked_until.is_some_and(|t| t > now),
            username: u.username,
            display_name: u.display_name,
            kind: match u.kind.as_str() {
                "enterprise" => "单位用户",
                "individual" => "个人用户",
                _ => "工作人员",
            }
            .into(),
            status: match u.status.as_str() {
                "active" => "正常",
                "pending_verification" => "待核验",
                _ => "已停用",
            }
            .into(),
            roles: grants.role_label(),
        });
    }
    let roles = role_options(ctx).await?;
    let offices = office_options(ctx).await?;
    let body = pages::users(&ctx.csrf_token, q, &rows, &roles, &offices, form, created);
    Ok(ctx
        .work_with_status(status, user, "用户管理", &crumbs("用户管理"), body)
        .await)
}

#[handler]
async fn users_page(ctx: Ctx, user: Caller, Query(s): Query<Search>) -> Result<Response, WebError> {
    user.require(perm::USER_MANAGE)?;
    users_view(
        &ctx,
        &user,
        s.q.as_deref().unwrap_or(""),
        &FormState::default(),
        None,
        StatusCode::OK,
    )
    .await
}

#[handler]
async fn create_user_post(
    ctx: Ctx,
    user: Caller,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    user.require(perm::USER_MANAGE)?;
    let mut form = form_from(&fields);
    let username = validate::username(form.value("username"));
    if let Err(e) = &username {
        form.add_error("username", *e);
    }
    if let Ok(u) = &username
        && users::find_by_username(&ctx.state.core.db, u)
            .await?
            .is_some()
    {
        form.add_error("username", "该用户名已被使用");
    }
    let name = form.value("display_name").trim().to_owned();
    if name.chars().count() < 2 || name.chars().count() > 50 {
        form.add_error("display_name", "请填写姓名（2–50 个字）");
    }
    let mobile = validate::mobile(form.value("mobile"));
    if let Err(e) = &mobile {
        form.add_error("mobile", *e);
    }
    let role_code = form.value("role").to_owned();
    if !role_options(&ctx)
        .await?
        .iter()
        .any(|r| r.code == role_code)
    {
        form.add_error("role", "请选择角色");
    }
    let scope = scope_for(&ctx, &role_code, &mut form).await?;
    if form.has_errors() {
        return users_view(
            &ctx,
            &user,
            "",
            &form,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let (username, mobile) = (username.expect("checked"), mobile.expect("checked"));
    let password = one_time_password();
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    let created = users::create(
        &txn,
        ctx.state.keys.as_ref(),
        ctx.state.core.config.security.pbkdf2_iterations,
        NewUser {
            username: &username,
            display_name: &name,
            kind: KIND_STAFF,
            status: STATUS_ACTIVE,
            enterprise_id: None,
            is_enterprise_admin: false,
            mobile: Some(&mobile),
            id_card: None,
            password: &password,
            must_change_password: true,
        },
        now,
    )
    .await?;
    match roles::assign(
        &txn,
        ctx.state.keys.as_ref(),
        created.id,
        &role_code,
        scope.expect("checked above"),
        Some(user.user.id),
        now,
    )
    .await
    {
        Ok(()) => {}
        Err(AssignError::Db(e)) => return Err(e.into()),
        Err(e) => {
            form.add_error("role", e.to_string());
            return users_view(
                &ctx,
                &user,
                "",
                &form,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    }
    // Office positions get their dated posting, as on the staff screen.
    crate::org::open_posting_for_scope(
        &txn,
        created.id,
        &role_code,
        scope.expect("checked above"),
        "用户管理中创建账号时分配",
        &user.user.username,
        now,
    )
    .await?;
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry {
            action: "user.create",
            object_type: Some("user"),
            object_id: Some(created.id.to_string()),
            outcome: Outcome::Success,
            detail: json!({ "username": username, "role": role_code }),
        },
    )
    .await?;
    txn.commit().await?;
    users_view(
        &ctx,
        &user,
        "",
        &FormState::default(),
        Some((&username, &password)),
        StatusCode::OK,
    )
    .await
}

async fn target(ctx: &Ctx, id: i64) -> Result<app_user::Model, WebError> {
    app_user::Entity::find_by_id(id)
        .one(&ctx.state.core.db)
        .await?
        .ok_or(WebError::NotFound)
}

async fn user_view(
    ctx: &Ctx,
    user: &Caller,
    id: i64,
    form: &FormState,
    new_password: Option<&str>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let t = target(ctx, id).await?;
    let (grants, _) = load_grants(&ctx.state.core.db, ctx.state.keys.as_ref(), t.id).await?;
    let now = ctx.state.core.clock.now();
    let detail = UserDetail {
        id: t.id,
        username: t.username.clone(),
        display_name: t.display_name.clone(),
        status: match t.status.as_str() {
            "active" => "正常",
            "pending_verification" => "待核验",
            _ => "已停用",
        }
        .into(),
        disabled: t.status == STATUS_DISABLED,
        locked_until: t
            .locked_until
            .filter(|u| *u > now)
            .map(crate::core::clock::shanghai_minute),
        roles: grants
            .0
            .iter()
            .map(|g| format!("{}（{}）", g.role_name, g.scope.label()))
            .collect(),
    };
    let roles = role_options(ctx).await?;
    let offices = office_options(ctx).await?;
    let body = pages::user_detail(
        &ctx.csrf_token,
        &detail,
        &roles,
        &offices,
        form,
        new_password,
    );
    Ok(ctx
        .work_with_status(status, user, &t.display_name, &crumbs("用户管理"), body)
        .await)
}

#[handler]
async fn user_page(ctx: Ctx, user: Caller, Path(id): Path<i64>) -> Result<Response, WebError> {
    user.require(perm::USER_MANAGE)?;
    user_view(&ctx, &user, id, &FormState::default(), None, StatusCode::OK).await
}

/// Applies a change to a user in one transaction with its audit row.
async fn change_user(
    ctx: &Ctx,
    admin: &Caller,
    id: i64,
    action: &str,
    detail: serde_json::Value,
    apply: impl FnOnce(&mut app_user::ActiveModel),
) -> Result<(), WebError> {
    let t = target(ctx, id).await?;
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    let version = t.version;
    let mut m: app_user::ActiveModel = t.into();
    apply(&mut m);
    m.version = Set(version + 1);
    m.update(&txn).await?;
    audit::record(
        &txn,
        now,
        &admin.actor(),
        Entry {
            action,
            object_type: Some("user"),
            object_id: Some(id.to_string()),
            outcome: Outcome::Success,
            detail,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

fn done(ctx: &Ctx, id: i64, message: &str) -> Response {
    ctx.redirect(
        &format!("/admin/users/{id}"),
        Some(Flash {
            kind: FlashKind::Success,
            message: message.into(),
        }),
    )
}

#[handler]
async fn unlock_post(ctx: Ctx, user: Caller, Path(id): Path<i64>) -> Result<Response, WebError> {
    user.require(perm::USER_MANAGE)?;
    change_user(&ctx, &user, id, "account.unlock", json!({}), |m| {
        m.locked_until = Set(None);
        m.failed_attempts = Set(0);
    })
    .await?;
    Ok(done(&ctx, id, "已解锁。"))
}

#[handler]
async fn reset_password_post(
    ctx: Ctx,
    user: Caller,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    user.require(perm::USER_MANAGE)?;
    let t = target(&ctx, id).await?;
    let password = one_time_password();
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    let updated = users::set_password(
        &txn,
        t,
        &password,
        ctx.state.core.config.security.pbkdf2_iterations,
        true,
        now,
    )
    .await?;
    // A reset also lifts a lock.
    let mut m: app_user::ActiveModel = updated.into();
    m.locked_until = Set(None);
    m.failed_attempts = Set(0);
    m.update(&txn).await?;
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry {
            action: "password.reset",
            object_type: Some("user"),
            object_id: Some(id.to_string()),
            outcome: Outcome::Success,
            detail: json!({}),
        },
    )
    .await?;
    txn.commit().await?;
    // ... and signs the user out everywhere.
    auth::end_others(&ctx.state, id, None, "password_reset", now).await?;
    user_view(
        &ctx,
        &user,
        id,
        &FormState::default(),
        Some(&password),
        StatusCode::OK,
    )
    .await
}

#[handler]
async fn disable_post(
    ctx: Ctx,
    user: Caller,
    Path(id): Path<i64>,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    user.require(perm::USER_MANAGE)?;
    let mut form = form_from(&fields);
    let reason = form.value("reason").trim().to_owned();
    if reason.is_empty() {
        form.add_error("reason", "请填写停用原因");
        return user_view(
            &ctx,
            &user,
            id,
            &form,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    if id == user.user.id {
        form.message = Some("不能停用自己的账号".into());
        return user_view(
            &ctx,
            &user,
            id,
            &form,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    change_user(
        &ctx,
        &user,
        id,
        "user.disable",
        json!({ "reason": reason }),
        |m| {
            m.status = Set(STATUS_DISABLED.into());
        },
    )
    .await?;
    auth::end_others(&ctx.state, id, None, "disabled", ctx.state.core.clock.now()).await?;
    Ok(done(&ctx, id, "已停用，该用户的会话已结束。"))
}

#[handler]
async fn enable_post(ctx: Ctx, user: Caller, Path(id): Path<i64>) -> Result<Response, WebError> {
    user.require(perm::USER_MANAGE)?;
    // An enterprise user whose claim was never approved goes back to
    // waiting for verification, not straight to active.
    let t = target(&ctx, id).await?;
    let approved = enterprise_claim::Entity::find()
        .filter(enterprise_claim::Column::UserId.eq(id))
        .filter(enterprise_claim::Column::Status.eq(super::claims::CLAIM_APPROVED))
        .one(&ctx.state.core.db)
        .await?
        .is_some();
    let status = if t.kind == super::users::KIND_ENTERPRISE && t.is_enterprise_admin && !approved {
        super::users::STATUS_PENDING
    } else {
        STATUS_ACTIVE
    };
    change_user(
        &ctx,
        &user,
        id,
        "user.enable",
        json!({ "status": status }),
        |m| {
            m.status = Set(status.into());
        },
    )
    .await?;
    Ok(done(&ctx, id, "已启用。"))
}

#[handler]
async fn assign_role_post(
    ctx: Ctx,
    user: Caller,
    Path(id): Path<i64>,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    user.require(perm::ROLE_MANAGE)?;
    let mut form = form_from(&fields);
    if id == user.user.id {
        form.message = Some("不能给自己分配角色，请由另一位系统管理员操作".into());
        return user_view(
            &ctx,
            &user,
            id,
            &form,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let role_code = form.value("role").to_owned();
    if !role_options(&ctx)
        .await?
        .iter()
        .any(|r| r.code == role_code)
    {
        form.add_error("role", "请选择角色");
        return user_view(
            &ctx,
            &user,
            id,
            &form,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let Some(scope) = scope_for(&ctx, &role_code, &mut form).await? else {
        return user_view(
            &ctx,
            &user,
            id,
            &form,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    target(&ctx, id).await?;
    if crate::org::holds(&ctx.state.core.db, id, &role_code, scope).await? {
        form.add_error("role", "该用户已在此范围担任该角色");
        return user_view(
            &ctx,
            &user,
            id,
            &form,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    match roles::assign(
        &txn,
        ctx.state.keys.as_ref(),
        id,
        &role_code,
        scope,
        Some(user.user.id),
        now,
    )
    .await
    {
        Ok(()) => {}
        Err(AssignError::Db(e)) => return Err(e.into()),
        Err(e) => {
            drop(txn);
            form.add_error("role", e.to_string());
            return user_view(
                &ctx,
                &user,
                id,
                &form,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    }
    crate::org::open_posting_for_scope(
        &txn,
        id,
        &role_code,
        scope,
        "用户管理中分配",
        &user.user.username,
        now,
    )
    .await?;
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry {
            action: "role.assign",
            object_type: Some("user"),
            object_id: Some(id.to_string()),
            outcome: Outcome::Success,
            detail: json!({ "role": role_code }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(done(&ctx, id, "已分配角色。"))
}

#[handler]
async fn sessions_page(ctx: Ctx, user: Caller) -> Result<Response, WebError> {
    user.require(perm::SESSION_MANAGE)?;
    // Sessions idle past the timeout end at their next request; they are
    // not online.
    let idle = ctx
        .state
        .settings
        .get_i64("security.session_idle_minutes")
        .await
        .unwrap_or(30);
    let since = ctx.state.core.clock.now() - chrono::Duration::minutes(idle);
    let rows = user_session::Entity::find()
        .filter(user_session::Column::EndedAt.is_null())
        .filter(user_session::Column::LastSeenAt.gt(since))
        .order_by_desc(user_session::Column::LastSeenAt)
        .limit(500)
        .all(&ctx.state.core.db)
        .await?;
    let mut out = Vec::new();
    for r in rows {
        let name = app_user::Entity::find_by_id(r.user_id)
            .one(&ctx.state.core.db)
            .await?
            .map(|u| u.username)
            .unwrap_or_default();
        out.push(OnlineRow {
            key: r.id,
            username: name,
            ip: r.ip,
            user_agent: r.user_agent.chars().take(60).collect(),
            created: crate::core::clock::shanghai_minute(r.created_at),
            last_seen: crate::core::clock::shanghai_minute(r.last_seen_at),
        });
    }
    let body = pages::online_sessions(&ctx.csrf_token, &out);
    Ok(ctx.work(&user, "在线会话", &crumbs("在线会话"), body).await)
}

#[handler]
async fn end_session_post(
    ctx: Ctx,
    user: Caller,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    user.require(perm::SESSION_MANAGE)?;
    let key = fields
        .iter()
        .find(|(k, _)| k == "session")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let row = user_session::Entity::find_by_id(key.clone())
        .one(&ctx.state.core.db)
        .await?
        .ok_or(WebError::NotFound)?;
    let now = ctx.state.core.clock.now();
    auth::end_audited(
        &ctx.state,
        &key,
        "forced_by_admin",
        now,
        &user.actor(),
        "session.force_logout",
        row.user_id,
    )
    .await?;
    Ok(ctx.redirect(
        "/admin/sessions",
        Some(Flash {
            kind: FlashKind::Success,
            message: "已强制下线。".into(),
        }),
    ))
}
