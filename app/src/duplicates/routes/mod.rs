//! The supervision batch check (/supervision/duplicates) with its Excel
//! export. The reviewer's comparison and the applicant's explanation are
//! contract pages (the contracts domain mounts them).

use poem::http::StatusCode;
use poem::web::{Data, Query};
use poem::{Response, Route, get, handler};
use techreg_views::components::trail;
use techreg_views::pages::duplicates::{self as pages, ReportView};

use super::Duplicates;
use super::model::ReportQuery;
use super::present;
use super::service;
use crate::core::Caller;
use crate::web::download::attachment;
use crate::web::{Ctx, WebResult};

pub fn routes(route: Route) -> Route {
    route
        .at("/supervision/duplicates", get(report_page))
        .at("/supervision/duplicates.xlsx", get(report_xlsx))
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[handler]
async fn report_page(
    ctx: Ctx,
    caller: Caller,
    Data(cx): Data<&Duplicates>,
    Query(q): Query<ReportQuery>,
) -> WebResult<Response> {
    let data = service::report(cx, &caller, &q).await?;
    let (status, error, rows, from, to) = match &data.result {
        Err(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(e.as_str()),
            None,
            q.from.clone(),
            q.to.clone(),
        ),
        Ok((period, clusters)) => (
            StatusCode::OK,
            None,
            Some(present::cluster_rows(clusters)),
            period.from.to_string(),
            period.to.to_string(),
        ),
    };
    let export = ReportQuery {
        from: from.clone(),
        to: to.clone(),
        office: q.office.trim().to_owned(),
    };
    let body = pages::report_page(&ReportView {
        from: &from,
        to: &to,
        offices: (data.offices.len() > 1).then_some(data.offices.as_slice()),
        office: q.office.trim().parse().ok(),
        error,
        clusters: rows.as_deref(),
        xlsx_href: Some(format!(
            "/supervision/duplicates.xlsx?{}",
            serde_urlencoded::to_string(&export).unwrap_or_default()
        )),
    });
    let crumbs = trail(&[]);
    Ok(ctx
        .work_with_status(status, &caller, "重复合同批量检查", &crumbs, body)
        .await)
}

#[handler]
async fn report_xlsx(
    caller: Caller,
    Data(cx): Data<&Duplicates>,
    Query(q): Query<ReportQuery>,
) -> WebResult<Response> {
    let (bytes, name) = service::export(cx, &caller, &q).await?;
    Ok(attachment(bytes, XLSX, &name))
}
