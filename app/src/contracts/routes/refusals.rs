//! The cases the system did not accept for a blocking anomaly (F30), with
//! the city office's reinstatement (/supervision/refusals).

use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Response, Route, get, handler, post};
use serde_json::json;
use techreg_views::components::{Flash, FlashKind, trail};
use techreg_views::pages::identity::FormState;
use techreg_views::pages::integrity::{self as pages, RefusalRow};

use super::super::Contracts;
use super::super::refusals::{self, ReinstateForm};
use super::super::service::{self, ActInput};
use super::super::state::Action;
use crate::core::{Caller, DomainError};
use crate::web::form::Form;
use crate::web::{Ctx, WebResult};

pub fn routes(route: Route) -> Route {
    route
        .at("/supervision/refusals", get(refusals_page))
        .at("/supervision/refusals/:id/override", post(override_post))
}

async fn refusals_view(
    ctx: &Ctx,
    caller: &Caller,
    cx: &Contracts,
    form: &FormState,
    status: StatusCode,
) -> WebResult<Response> {
    let rows: Vec<RefusalRow> = refusals::refusals(cx, caller)
        .await?
        .into_iter()
        .map(|r| RefusalRow {
            id: r.contract.id,
            version: r.contract.version,
            approval_code: r.contract.approval_code,
            name: r.contract.name,
            enterprise: r
                .enterprise
                .map(|e| format!("{}（{}）", e.name, e.credit_code))
                .unwrap_or_default(),
            at: crate::core::clock::shanghai_minute(r.event.at),
            reason: r.event.reason,
        })
        .collect();
    let body = pages::refusals_page(&ctx.csrf_token, &rows, form);
    let crumbs = trail(&[("异常信息", "/supervision/anomalies")]);
    Ok(ctx
        .work_with_status(status, caller, "系统自动不予受理的申请", &crumbs, body)
        .await)
}

#[handler]
async fn refusals_page(
    ctx: Ctx,
    caller: Caller,
    Data(cx): Data<&Contracts>,
) -> WebResult<Response> {
    refusals_view(&ctx, &caller, cx, &FormState::default(), StatusCode::OK).await
}

#[handler]
async fn override_post(
    ctx: Ctx,
    caller: Caller,
    Data(cx): Data<&Contracts>,
    Path(id): Path<i64>,
    Form(form): Form<ReinstateForm>,
) -> WebResult<Response> {
    let checked = match refusals::check_reinstatement(cx, &caller, id, &form).await {
        Ok(c) => c,
        Err(DomainError::Invalid(errors)) => {
            let state = FormState {
                message: errors.get("reason").map(str::to_owned),
                ..FormState::default()
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return refusals_view(&ctx, &caller, cx, &state, status).await;
        }
        Err(e) => return Err(e.into()),
    };
    let after = service::act(
        &ctx.state,
        Some(&caller),
        id,
        checked.version,
        Action::Reinstate,
        ActInput {
            reason: checked.reason,
            detail: json!({ "overrides_event": checked.overrides_event }),
            ..Default::default()
        },
    )
    .await?;
    Ok(ctx.redirect(
        "/supervision/refusals",
        Some(Flash {
            kind: FlashKind::Success,
            message: format!(
                "已撤销 {} 的自动不予受理，申请已转至登记处待受理队列。",
                after.approval_code
            ),
        }),
    ))
}
