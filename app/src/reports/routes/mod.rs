//! Report pages and exports. `report.view` held with an office scope shows
//! that office only; with the city-wide scope, every office.

mod growth;
mod integrity;

use poem::http::{HeaderValue, header};
use poem::{Response, Route, get};

use super::service::Export;
use crate::core::FieldErrors;
use crate::web::download::attachment_with_fallback;

pub fn routes(route: Route) -> Route {
    route
        .at("/reports/enterprise-growth", get(growth::growth_page))
        .at("/reports/enterprise-growth.xlsx", get(growth::growth_xlsx))
        .at("/reports/integrity", get(integrity::integrity_page))
        .at("/reports/integrity.xlsx", get(integrity::integrity_xlsx))
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The workbook to save, never kept by a cache.
fn download(export: Export) -> Response {
    let mut resp = attachment_with_fallback(export.bytes, XLSX, &export.name, &export.ascii_name);
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// Why a query was refused, as the report form shows it (one message).
fn refusal(errors: &FieldErrors) -> String {
    errors
        .iter()
        .next()
        .map(|(_, m)| m.to_owned())
        .unwrap_or_default()
}
