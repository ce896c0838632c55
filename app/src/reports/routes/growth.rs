//! The enterprise growth report (F47) and its Excel export.

use poem::http::StatusCode;
use poem::web::{Data, Query};
use poem::{Response, handler};
use techreg_views::components::trail;
use techreg_views::pages::reports::{self as pages, GrowthView};

use super::{download, refusal};
use crate::core::{Caller, DomainError};
use crate::reports::Reports;
use crate::reports::model::GrowthQuery;
use crate::reports::{present, service};
use crate::web::{Ctx, WebResult};

const TITLE: &str = "企业增长统计";

#[handler]
pub(super) async fn growth_page(
    ctx: Ctx,
    caller: Caller,
    Data(reports): Data<&Reports>,
    Query(q): Query<GrowthQuery>,
) -> WebResult<Response> {
    let offices = service::growth_offices(reports, &caller)
        .await?
        .map(|o| present::growth_offices(&o));
    let shortcuts = present::shortcuts(service::today(reports));
    let (status, error, report) = match service::growth(reports, &caller, &q).await {
        Ok(g) => (StatusCode::OK, None, Some(g)),
        Err(DomainError::Invalid(e)) => (StatusCode::UNPROCESSABLE_ENTITY, Some(refusal(&e)), None),
        Err(e) => return Err(e.into()),
    };
    // The form shows the dates the report used.
    let (from, to) = match &report {
        Some(g) => (g.period.from.to_string(), g.period.to.to_string()),
        None => (q.from.clone(), q.to.clone()),
    };
    let body = pages::enterprise_growth(&GrowthView {
        preset: q.period.trim(),
        from: &from,
        to: &to,
        offices: offices.as_deref(),
        office: q.office.trim().parse().ok(),
        shortcuts: &shortcuts,
        error: error.as_deref(),
        report: report.map(|g| present::growth_report(&g, &q.office)),
    });
    Ok(ctx
        .work_with_status(status, &caller, TITLE, &trail(&[]), body)
        .await)
}

#[handler]
pub(super) async fn growth_xlsx(
    ctx: Ctx,
    caller: Caller,
    Data(reports): Data<&Reports>,
    Query(q): Query<GrowthQuery>,
) -> WebResult<Response> {
    match service::growth_export(reports, &caller, &q).await {
        Ok(export) => Ok(download(export)),
        Err(DomainError::Invalid(e)) => {
            let error = refusal(&e);
            let body = pages::enterprise_growth(&GrowthView {
                preset: q.period.trim(),
                from: &q.from,
                to: &q.to,
                offices: None,
                office: None,
                shortcuts: &[],
                error: Some(&error),
                report: None,
            });
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(ctx
                .work_with_status(status, &caller, TITLE, &trail(&[]), body)
                .await)
        }
        Err(e) => Err(e.into()),
    }
}
