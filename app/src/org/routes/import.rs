//! The enterprise list import: upload, a dry-run preview, confirmation.

use poem::http::StatusCode;
use poem::web::{Data, Multipart};
use poem::{Response, Route, get, handler, post};
use techreg_views::components::trail;
use techreg_views::pages::enterprises::{self as pages, Preview};

use super::success;
use crate::core::{Caller, DomainError};
use crate::org::Org;
use crate::org::enterprises::require_manage;
use crate::org::import::{self, COLUMNS};
use crate::org::model::ImportConfirmForm;
use crate::org::present;
use crate::tabular;
use crate::web::form::Form;
use crate::web::{Ctx, WebResult};

pub fn routes(route: Route) -> Route {
    route
        .at(
            "/admin/enterprises/import",
            get(import_page).post(import_post),
        )
        .at(
            "/admin/enterprises/import/confirm",
            post(import_confirm_post),
        )
}

async fn import_view(
    ctx: &Ctx,
    caller: &Caller,
    message: Option<&str>,
    preview: Option<&Preview<'_>>,
    status: StatusCode,
) -> Response {
    let body = pages::import(&ctx.csrf_token, message, COLUMNS, preview);
    let crumbs = trail(&[("企业与对口关系", "/admin/enterprises")]);
    ctx.work_with_status(status, caller, "导入企业名单", &crumbs, body)
        .await
}

#[handler]
async fn import_page(ctx: Ctx, caller: Caller) -> WebResult<Response> {
    require_manage(&caller)?;
    Ok(import_view(&ctx, &caller, None, None, StatusCode::OK).await)
}

/// The plan of the rows, with the rows again for the confirmation.
async fn preview_page(
    ctx: &Ctx,
    caller: &Caller,
    file_name: &str,
    preview: &import::Preview,
) -> Response {
    let (errors, shown) = present::import_preview(&preview.plan);
    let payload = tabular::to_payload(&preview.rows);
    let effective = preview.today.to_string();
    let p = Preview {
        file_name,
        created: preview.plan.created(),
        updated: preview.plan.updated(),
        errors: &errors,
        rows: &shown,
        total: preview.rows.len().saturating_sub(1),
        payload: &payload,
        effective: &effective,
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    import_view(ctx, caller, None, Some(&p), status).await
}

#[handler]
async fn import_post(
    ctx: Ctx,
    caller: Caller,
    Data(org): Data<&Org>,
    multipart: poem::Result<Multipart>,
) -> WebResult<Response> {
    // Permission first: a wrong body must not tell a stranger anything.
    require_manage(&caller)?;
    let (name, rows) = match crate::web::upload::read_table(multipart).await? {
        Ok(u) => (u.name, u.rows),
        Err(message) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(import_view(&ctx, &caller, Some(&message), None, status).await);
        }
    };
    let preview = import::preview(org, &caller, rows).await?;
    Ok(preview_page(&ctx, &caller, &name, &preview).await)
}

#[handler]
async fn import_confirm_post(
    ctx: Ctx,
    caller: Caller,
    Data(org): Data<&Org>,
    Form(form): Form<ImportConfirmForm>,
) -> WebResult<Response> {
    match import::confirm(org, &caller, &form).await {
        Ok(Ok(applied)) => Ok(ctx.redirect(
            "/admin/enterprises",
            success(format!(
                "导入完成：新增 {} 家，更新 {} 家，调整对口登记处 {} 家。",
                applied.created, applied.updated, applied.reassigned
            )),
        )),
        Ok(Err(preview)) => Ok(preview_page(&ctx, &caller, &form.file_name, &preview).await),
        Err(DomainError::Rejected(message)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(import_view(&ctx, &caller, Some(&message), None, status).await)
        }
        Err(e) => Err(e.into()),
    }
}
