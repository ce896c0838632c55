//! The enterprise integrity report (F35) and its Excel export.

use poem::http::StatusCode;
use poem::web::{Data, Query};
use poem::{Response, handler};
use techreg_views::components::trail;
use techreg_views::pages::integrity::{self as pages, ReportView};

use super::{download, refusal};
use crate::core::{Caller, DomainError};
use crate::reports::Reports;
use crate::reports::model::IntegrityQuery;
use crate::reports::{present, service};
use crate::web::{Ctx, WebResult};

const TITLE: &str = "企业诚信统计";

#[handler]
pub(super) async fn integrity_page(
    ctx: Ctx,
    caller: Caller,
    Data(reports): Data<&Reports>,
    Query(q): Query<IntegrityQuery>,
) -> WebResult<Response> {
    let offices = service::integrity_offices(reports, &caller)
        .await?
        .map(|o| present::integrity_offices(&o));
    let (status, error, report) = match service::integrity(reports, &caller, &q).await {
        Ok(r) => (StatusCode::OK, None, Some(r)),
        Err(DomainError::Invalid(e)) => (StatusCode::UNPROCESSABLE_ENTITY, Some(refusal(&e)), None),
        Err(e) => return Err(e.into()),
    };
    let (from, to) = match &report {
        Some((p, _)) => (p.from.to_string(), p.to.to_string()),
        None => (q.from.clone(), q.to.clone()),
    };
    let (rows, total) = match &report {
        Some((_, r)) => {
            let (rows, total) = present::integrity_rows(r);
            (rows, Some(total))
        }
        None => (Vec::new(), None),
    };
    let body = pages::report_page(&ReportView {
        preset: q.period.trim(),
        from: &from,
        to: &to,
        q: &q.q,
        offices: offices.as_deref(),
        office: q.office.trim().parse().ok(),
        error: error.as_deref(),
        period_label: report.as_ref().map(|(p, _)| p.label()),
        rows: &rows,
        total,
        xlsx_href: report.as_ref().map(|(p, _)| present::integrity_href(p, &q)),
    });
    Ok(ctx
        .work_with_status(status, &caller, TITLE, &trail(&[]), body)
        .await)
}

#[handler]
pub(super) async fn integrity_xlsx(
    ctx: Ctx,
    caller: Caller,
    Data(reports): Data<&Reports>,
    Query(q): Query<IntegrityQuery>,
) -> WebResult<Response> {
    match service::integrity_export(reports, &caller, &q).await {
        Ok(export) => Ok(download(export)),
        Err(DomainError::Invalid(e)) => {
            let error = refusal(&e);
            let body = pages::report_page(&ReportView {
                preset: q.period.trim(),
                from: &q.from,
                to: &q.to,
                q: &q.q,
                offices: None,
                office: None,
                error: Some(&error),
                period_label: None,
                rows: &[],
                total: None,
                xlsx_href: None,
            });
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(ctx
                .work_with_status(status, &caller, TITLE, &trail(&[]), body)
                .await)
        }
        Err(e) => Err(e.into()),
    }
}
