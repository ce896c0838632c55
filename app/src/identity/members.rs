//! Further users of a verified enterprise, added by its enterprise admin
//! (permission `enterprise.users`, scoped to that enterprise).

use poem::http::StatusCode;
use poem::web::Form;
use poem::{Response, Route, get, handler};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use techreg_entities::identity::app_user;
use techreg_entities::org::enterprise;
use techreg_views::components::Crumb;
use techreg_views::pages::admin::{self as pages, MemberRow};
use techreg_views::pages::identity::FormState;

use super::bootstrap::one_time_password;
use super::register::form_from;
use super::users::{self, KIND_ENTERPRISE, NewUser, STATUS_ACTIVE};
use super::{login, roles, validate};
use crate::audit::{self, Entry, Outcome};
use crate::core::Caller;
use crate::core::{ObjectScope, Scope};
use crate::security::rbac::perm;
use crate::web::{Ctx, WebError};

pub fn routes(route: Route) -> Route {
    route.at(
        "/my/enterprise/users",
        get(members_page).post(add_member_post),
    )
}

/// The admin's enterprise, checked against the grant's scope.
async fn own_enterprise(ctx: &Ctx, user: &Caller) -> Result<enterprise::Model, WebError> {
    user.require(perm::ENTERPRISE_USERS)?;
    let id = user.user.enterprise_id.ok_or(WebError::NotFound)?;
    user.require_on(
        perm::ENTERPRISE_USERS,
        &ObjectScope {
            enterprise_id: Some(id),
            ..Default::default()
        },
    )?;
    enterprise::Entity::find_by_id(id)
        .one(&ctx.state.core.db)
        .await?
        .ok_or(WebError::NotFound)
}

async fn view(
    ctx: &Ctx,
    user: &Caller,
    ent: &enterprise::Model,
    form: &FormState,
    created: Option<(&str, &str)>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let members = app_user::Entity::find()
        .filter(app_user::Column::EnterpriseId.eq(ent.id))
        .order_by_asc(app_user::Column::Id)
        .all(&ctx.state.core.db)
        .await?;
    let rows: Vec<MemberRow> = members
        .iter()
        .map(|m| MemberRow {
            username: m.username.clone(),
            display_name: m.display_name.clone(),
            masked_mobile: login::mobile_of(&ctx.state, m)
                .map(|x| validate::mask_mobile(&x))
                .unwrap_or_default(),
            status: if m.status == STATUS_ACTIVE {
                "正常".into()
            } else {
                "待核验/停用".into()
            },
            is_admin: m.is_enterprise_admin,
        })
        .collect();
    let crumbs = [
        Crumb {
            label: "工作台".into(),
            href: Some("/my".into()),
        },
        Crumb {
            label: "本单位用户".into(),
            href: None,
        },
    ];
    let body = pages::enterprise_users(&ctx.csrf_token, &ent.name, &rows, form, created);
    Ok(ctx
        .work_with_status(status, user, "本单位用户", &crumbs, body)
        .await)
}

#[handler]
async fn members_page(ctx: Ctx, user: Caller) -> Result<Response, WebError> {
    let ent = own_enterprise(&ctx, &user).await?;
    view(
        &ctx,
        &user,
        &ent,
        &FormState::default(),
        None,
        StatusCode::OK,
    )
    .await
}

#[handler]
async fn add_member_post(
    ctx: Ctx,
    user: Caller,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let ent = own_enterprise(&ctx, &user).await?;
    let mut form = form_from(&fields);
    let username = validate::username(form.value("username"));
    match &username {
        Err(e) => form.add_error("username", *e),
        Ok(u) => {
            if users::find_by_username(&ctx.state.core.db, u)
                .await?
                .is_some()
            {
                form.add_error("username", "该用户名已被使用");
            }
        }
    }
    let name = form.value("display_name").trim().to_owned();
    if name.chars().count() < 2 || name.chars().count() > 50 {
        form.add_error("display_name", "请填写姓名（2–50 个字）");
    }
    let mobile = validate::mobile(form.value("mobile"));
    if let Err(e) = &mobile {
        form.add_error("mobile", *e);
    }
    if form.has_errors() {
        return view(
            &ctx,
            &user,
            &ent,
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
    let member = users::create(
        &txn,
        ctx.state.keys.as_ref(),
        ctx.state.core.config.security.pbkdf2_iterations,
        NewUser {
            username: &username,
            display_name: &name,
            kind: KIND_ENTERPRISE,
            status: STATUS_ACTIVE,
            enterprise_id: Some(ent.id),
            is_enterprise_admin: false,
            mobile: Some(&mobile),
            id_card: None,
            password: &password,
            must_change_password: true,
        },
        now,
    )
    .await?;
    roles::assign(
        &txn,
        ctx.state.keys.as_ref(),
        member.id,
        "applicant",
        Scope::Enterprise(ent.id),
        Some(user.user.id),
        now,
    )
    .await
    .map_err(|e| WebError::Internal(anyhow::anyhow!(e.to_string())))?;
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry {
            action: "enterprise.add_user",
            object_type: Some("user"),
            object_id: Some(member.id.to_string()),
            outcome: Outcome::Success,
            detail: json!({ "enterprise_id": ent.id, "username": username }),
        },
    )
    .await?;
    txn.commit().await?;
    view(
        &ctx,
        &user,
        &ent,
        &FormState::default(),
        Some((&username, &password)),
        StatusCode::OK,
    )
    .await
}
