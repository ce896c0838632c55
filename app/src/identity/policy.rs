//! The role matrix (system admin) and the security policy (security admin).

use std::collections::BTreeSet;

use poem::http::StatusCode;
use poem::web::Form;
use poem::{Response, Route, get, handler};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use techreg_entities::identity::{role, role_permission};
use techreg_views::components::{Crumb, Flash, FlashKind};
use techreg_views::pages::admin::{self as pages, MatrixRole, PolicyRow};

use super::roles;
use crate::audit::{self, Entry, Outcome};
use crate::core::Caller;
use crate::core::Duty;
use crate::security::keys::KeyName;
use crate::security::rbac::perm;
use crate::settings;
use crate::web::{Ctx, WebError};

type Fields = Form<Vec<(String, String)>>;

pub fn routes(route: Route) -> Route {
    route
        .at("/admin/roles", get(matrix_page).post(matrix_post))
        .at("/admin/security", get(policy_page).post(policy_post))
}

/// The duty a permission belongs to, if it is an admin permission.
pub fn duty_of(permission: &str) -> Duty {
    match permission {
        perm::USER_MANAGE
        | perm::ROLE_MANAGE
        | perm::OFFICE_MANAGE
        | perm::CALENDAR_MANAGE
        | perm::DICTIONARY_MANAGE
        | perm::JOBS_MANAGE => Duty::System,
        perm::SECURITY_MANAGE | perm::SESSION_MANAGE => Duty::Security,
        perm::AUDIT_VIEW => Duty::Audit,
        _ => Duty::None,
    }
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

async fn matrix_view(
    ctx: &Ctx,
    user: &Caller,
    message: Option<&str>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let all_roles = role::Entity::find()
        .order_by_asc(role::Column::Id)
        .all(&ctx.state.core.db)
        .await?;
    let mut granted = BTreeSet::new();
    for p in role_permission::Entity::find()
        .all(&ctx.state.core.db)
        .await?
    {
        if let Some(r) = all_roles.iter().find(|r| r.id == p.role_id) {
            granted.insert(format!("{}|{}", p.permission, r.code));
        }
    }
    let roles: Vec<MatrixRole> = all_roles
        .into_iter()
        .map(|r| MatrixRole {
            code: r.code,
            name: r.name,
        })
        .collect();
    let body = pages::role_matrix(&ctx.csrf_token, perm::ALL, &roles, &granted, message);
    Ok(ctx
        .work_with_status(status, user, "角色与权限", &crumbs("角色与权限"), body)
        .await)
}

#[handler]
async fn matrix_page(ctx: Ctx, user: Caller) -> Result<Response, WebError> {
    user.require(perm::ROLE_MANAGE)?;
    matrix_view(&ctx, &user, None, StatusCode::OK).await
}

#[handler]
async fn matrix_post(ctx: Ctx, user: Caller, Form(fields): Fields) -> Result<Response, WebError> {
    user.require(perm::ROLE_MANAGE)?;
    let wanted: BTreeSet<(String, String)> = fields
        .iter()
        .filter(|(k, _)| k == "grant")
        .filter_map(|(_, v)| v.split_once('|').map(|(p, r)| (p.to_owned(), r.to_owned())))
        .collect();
    let all_roles = role::Entity::find().all(&ctx.state.core.db).await?;
    for (p, r) in &wanted {
        let Some(role) = all_roles.iter().find(|x| &x.code == r) else {
            return matrix_view(
                &ctx,
                &user,
                Some("角色不存在"),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        };
        if !perm::ALL.iter().any(|(code, _)| code == p) {
            return matrix_view(
                &ctx,
                &user,
                Some("权限不存在"),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        let needed = duty_of(p);
        if needed != Duty::None && Duty::parse(&role.duty) != needed {
            let msg = format!(
                "三员分立：权限 {p} 只能授予对应的管理员角色，不能授予“{}”",
                role.name
            );
            return matrix_view(&ctx, &user, Some(&msg), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    }
    // Nobody may lock the administrators out.
    for p in [
        perm::USER_MANAGE,
        perm::ROLE_MANAGE,
        perm::SECURITY_MANAGE,
        perm::SESSION_MANAGE,
        perm::AUDIT_VIEW,
    ] {
        if !wanted.iter().any(|(wp, _)| wp == p) {
            let msg = format!("权限 {p} 必须至少保留在一个角色上，否则将无人能管理系统");
            return matrix_view(&ctx, &user, Some(&msg), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    }
    let now = ctx.state.core.clock.now();
    let key = ctx.state.keys.secret(KeyName::Integrity).to_vec();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    let current = role_permission::Entity::find().all(&txn).await?;
    let mut added = Vec::new();
    let mut removed = Vec::new();
    for row in &current {
        let code = all_roles
            .iter()
            .find(|r| r.id == row.role_id)
            .map(|r| r.code.clone())
            .unwrap_or_default();
        if !wanted.contains(&(row.permission.clone(), code.clone())) {
            role_permission::Entity::delete_many()
                .filter(role_permission::Column::Id.eq(row.id))
                .exec(&txn)
                .await?;
            removed.push(format!("{}|{code}", row.permission));
        }
    }
    for (p, r) in &wanted {
        let role = all_roles.iter().find(|x| &x.code == r).expect("checked");
        if !current
            .iter()
            .any(|row| row.role_id == role.id && &row.permission == p)
        {
            roles::grant_permission(&txn, &key, role.id, p).await?;
            added.push(format!("{p}|{r}"));
        }
    }
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry {
            action: "role.permissions_change",
            object_type: Some("role"),
            object_id: None,
            outcome: Outcome::Success,
            detail: json!({ "added": added, "removed": removed }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(ctx.redirect(
        "/admin/roles",
        Some(Flash {
            kind: FlashKind::Success,
            message: "已保存。".into(),
        }),
    ))
}

async fn policy_rows(ctx: &Ctx) -> Result<Vec<PolicyRow>, WebError> {
    let mut rows = Vec::new();
    for def in settings::definitions()
        .iter()
        .filter(|d| d.key.starts_with("security."))
    {
        let value = ctx
            .state
            .settings
            .get(def.key)
            .await
            .map_err(|e| WebError::Internal(anyhow::anyhow!(e.to_string())))?;
        rows.push(PolicyRow {
            key: def.key,
            label: def.label,
            value: value
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| value.to_string()),
            error: None,
        });
    }
    Ok(rows)
}

#[handler]
async fn policy_page(ctx: Ctx, user: Caller) -> Result<Response, WebError> {
    user.require(perm::SECURITY_MANAGE)?;
    let rows = policy_rows(&ctx).await?;
    Ok(ctx
        .work(
            &user,
            "安全策略",
            &crumbs("安全策略"),
            pages::security_policy(&ctx.csrf_token, &rows),
        )
        .await)
}

#[handler]
async fn policy_post(ctx: Ctx, user: Caller, Form(fields): Fields) -> Result<Response, WebError> {
    user.require(perm::SECURITY_MANAGE)?;
    let mut rows = policy_rows(&ctx).await?;
    let mut changes = Vec::new();
    for row in rows.iter_mut() {
        let input = fields
            .iter()
            .find(|(k, _)| k == row.key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let def = settings::find(row.key).expect("listed");
        match def.parse(&input) {
            Ok(v) => changes.push((row.key, v)),
            Err(e) => row.error = Some(e),
        }
        row.value = input;
    }
    if rows.iter().any(|r| r.error.is_some()) {
        let body = pages::security_policy(&ctx.csrf_token, &rows);
        return Ok(ctx
            .work_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &user,
                "安全策略",
                &crumbs("安全策略"),
                body,
            )
            .await);
    }
    ctx.state
        .settings
        .store_form(ctx.state.core.clock.now(), &user.actor(), None, &changes)
        .await?;
    Ok(ctx.redirect(
        "/admin/security",
        Some(Flash {
            kind: FlashKind::Success,
            message: "安全策略已保存，各节点数秒内生效。".into(),
        }),
    ))
}
