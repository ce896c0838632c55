//! The audit admin's view of the audit log: filters and keyset paging.

use poem::web::{Data, Query};
use poem::{Response, Route, get, handler};
use techreg_views::components::trail;
use techreg_views::pages::admin::{self as pages, AuditFilter};

use super::Audit;
use super::model::LogQuery;
use super::{present, service};
use crate::core::Caller;
use crate::web::{Ctx, WebResult};

pub fn routes(route: Route) -> Route {
    route.at("/audit/log", get(log_page))
}

#[handler]
async fn log_page(
    ctx: Ctx,
    caller: Caller,
    Data(audit): Data<&Audit>,
    Query(q): Query<LogQuery>,
) -> WebResult<Response> {
    let page = service::log(audit, &caller, &q).await?;
    let rows = present::rows(&page);
    let filter = AuditFilter {
        action: q.action(),
        actor: q.actor(),
        result: q.result(),
    };
    let body = pages::audit_log(&filter, &rows, present::next_url(&q, &page));
    Ok(ctx.work(&caller, "审计日志", &trail(&[]), body).await)
}
