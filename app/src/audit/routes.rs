//! The audit admin's view of the audit log: filters and keyset paging.

use poem::web::Query;
use poem::{Response, Route, get, handler};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;
use techreg_entities::audit::audit_log;
use techreg_views::components::Crumb;
use techreg_views::pages::admin::{self as pages, AuditFilter, AuditRow};

use crate::core::Caller;
use crate::security::rbac::perm;
use crate::web::{Ctx, WebError};

pub fn routes(route: Route) -> Route {
    route.at("/audit/log", get(audit_page))
}

#[derive(Deserialize, Default)]
struct Filter {
    action: Option<String>,
    actor: Option<String>,
    result: Option<String>,
    /// Keyset: rows with ids below this one.
    before: Option<i64>,
}

const PAGE: u64 = 50;

#[handler]
async fn audit_page(ctx: Ctx, user: Caller, Query(f): Query<Filter>) -> Result<Response, WebError> {
    user.require(perm::AUDIT_VIEW)?;
    let mut q = audit_log::Entity::find()
        .order_by_desc(audit_log::Column::Id)
        .limit(PAGE + 1);
    let action = f.action.clone().unwrap_or_default();
    let actor = f.actor.clone().unwrap_or_default();
    let result = f.result.clone().unwrap_or_default();
    if !action.trim().is_empty() {
        q = q.filter(audit_log::Column::Action.starts_with(action.trim()));
    }
    if !actor.trim().is_empty() {
        q = q.filter(audit_log::Column::ActorName.eq(actor.trim()));
    }
    if !result.is_empty() {
        q = q.filter(audit_log::Column::Result.eq(result.as_str()));
    }
    if let Some(before) = f.before {
        q = q.filter(audit_log::Column::Id.lt(before));
    }
    let mut rows = q.all(&ctx.state.core.db).await?;
    let more = rows.len() as u64 > PAGE;
    rows.truncate(PAGE as usize);
    let next = more.then(|| {
        let last = rows.last().map(|r| r.id).unwrap_or_default();
        let encoded = serde_urlencoded::to_string([
            ("action", action.as_str()),
            ("actor", actor.as_str()),
            ("result", result.as_str()),
            ("before", &last.to_string()),
        ])
        .unwrap_or_default();
        format!("/audit/log?{encoded}")
    });
    let rows: Vec<AuditRow> = rows
        .into_iter()
        .map(|r| AuditRow {
            id: r.id,
            at: crate::core::clock::shanghai_second(r.at),
            actor: r.actor_name,
            role: r.role.unwrap_or_default(),
            ip: r.client_ip.unwrap_or_default(),
            action: r.action,
            object: format!(
                "{} {}",
                r.object_type.unwrap_or_default(),
                r.object_id.unwrap_or_default()
            ),
            result: r.result,
            detail: r.detail,
            sealed: r.tag.is_some(),
        })
        .collect();
    let filter = AuditFilter {
        action: &action,
        actor: &actor,
        result: &result,
    };
    let crumbs = [
        Crumb {
            label: "工作台".into(),
            href: Some("/my".into()),
        },
        Crumb {
            label: "审计日志".into(),
            href: None,
        },
    ];
    Ok(ctx
        .work(
            &user,
            "审计日志",
            &crumbs,
            pages::audit_log(&filter, &rows, next),
        )
        .await)
}
