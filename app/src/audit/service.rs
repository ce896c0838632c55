//! Reading the audit log for the audit admin: filters and keyset paging.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use techreg_entities::audit::audit_log;

use super::Audit;
use super::model::LogQuery;
use crate::core::{Caller, DomainResult};
use crate::security::rbac::perm;

/// Rows per page.
pub const PAGE: u64 = 50;

/// One page of the log, newest first, and whether older rows follow.
pub struct LogPage {
    pub rows: Vec<audit_log::Model>,
    pub more: bool,
}

/// The rows matching `q`: an action prefix, an exact actor name and
/// result, below the keyset id.
pub async fn log(cx: &Audit, caller: &Caller, q: &LogQuery) -> DomainResult<LogPage> {
    caller.require(perm::AUDIT_VIEW)?;
    let mut find = audit_log::Entity::find()
        .order_by_desc(audit_log::Column::Id)
        .limit(PAGE + 1);
    let (action, actor, result) = (q.action().trim(), q.actor().trim(), q.result());
    if !action.is_empty() {
        find = find.filter(audit_log::Column::Action.starts_with(action));
    }
    if !actor.is_empty() {
        find = find.filter(audit_log::Column::ActorName.eq(actor));
    }
    if !result.is_empty() {
        find = find.filter(audit_log::Column::Result.eq(result));
    }
    if let Some(before) = q.before {
        find = find.filter(audit_log::Column::Id.lt(before));
    }
    let mut rows = find.all(&cx.core.db).await?;
    let more = rows.len() as u64 > PAGE;
    rows.truncate(PAGE as usize);
    Ok(LogPage { rows, more })
}
