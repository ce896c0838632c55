//! City-office screens: the integrity library with add, remove and import
//! (F27) and the anomaly records with add and lift (F29). All need
//! `integrity.manage` with the city-wide scope. (The cases the system did
//! not accept, with their reinstatement, are contract pages.)

use poem::http::StatusCode;
use poem::web::{Data, Multipart, Path, Query};
use poem::{Response, Route, get, handler, post};
use techreg_views::components::{Flash, FlashKind, trail};
use techreg_views::pages::identity::FormState;
use techreg_views::pages::integrity::{self as pages, AnomalyView, ListView, Preview};

use super::Integrity;
use super::import::{COLUMNS, Plan};
use super::model::{AnomalyForm, ConfirmForm, EntryForm, ListQuery, ReasonForm};
use super::service::{require_manage, today};
use super::{anomaly_records, entries, present};
use crate::core::{Caller, DomainError};
use crate::tabular;
use crate::web::form::{Form, form_state};
use crate::web::{Ctx, WebResult};

pub fn routes(route: Route) -> Route {
    route
        .at("/supervision/integrity", get(list_page).post(add_post))
        .at(
            "/supervision/integrity/import",
            get(import_page).post(import_post),
        )
        .at(
            "/supervision/integrity/import/confirm",
            post(import_confirm_post),
        )
        .at("/supervision/integrity/:id/remove", post(remove_post))
        .at(
            "/supervision/anomalies",
            get(anomalies_page).post(add_anomaly_post),
        )
        .at("/supervision/anomalies/:id/lift", post(lift_post))
}

fn success(message: String) -> Option<Flash> {
    Some(Flash {
        kind: FlashKind::Success,
        message,
    })
}

/// A form that shows one message above it (the reason of a remove or a
/// lift, a record already there).
fn with_message(message: Option<String>) -> FormState {
    FormState {
        message,
        ..FormState::default()
    }
}

async fn list_view(
    ctx: &Ctx,
    caller: &Caller,
    cx: &Integrity,
    q: &ListQuery,
    form: &FormState,
    status: StatusCode,
) -> WebResult<Response> {
    let list = entries::list(cx, caller, q).await?;
    let rows = present::entry_rows(&list);
    let today = list.today.to_string();
    let body = pages::list_page(
        &ctx.csrf_token,
        &ListView {
            q: &q.q,
            show_all: q.show_all(),
            rows: &rows,
            truncated: list.truncated,
            today: &today,
        },
        form,
    );
    Ok(ctx
        .work_with_status(status, caller, "诚信企业库", &trail(&[]), body)
        .await)
}

#[handler]
async fn list_page(
    ctx: Ctx,
    caller: Caller,
    Data(cx): Data<&Integrity>,
    Query(q): Query<ListQuery>,
) -> WebResult<Response> {
    let form = FormState {
        values: vec![("valid_from".into(), today(cx).to_string())],
        ..FormState::default()
    };
    list_view(&ctx, &caller, cx, &q, &form, StatusCode::OK).await
}

#[handler]
async fn add_post(
    ctx: Ctx,
    caller: Caller,
    Data(cx): Data<&Integrity>,
    Form(form): Form<EntryForm>,
) -> WebResult<Response> {
    match entries::add(cx, &caller, &form).await {
        Ok(added) => Ok(ctx.redirect(
            "/supervision/integrity",
            success(format!(
                "已将“{}”列入诚信企业库（{}）。",
                added.name, added.validity
            )),
        )),
        Err(DomainError::Invalid(errors)) => {
            let state = form_state(&form, &errors);
            let (q, status) = (ListQuery::default(), StatusCode::UNPROCESSABLE_ENTITY);
            list_view(&ctx, &caller, cx, &q, &state, status).await
        }
        Err(e) => Err(e.into()),
    }
}

#[handler]
async fn remove_post(
    ctx: Ctx,
    caller: Caller,
    Data(cx): Data<&Integrity>,
    Path(id): Path<i64>,
    Form(form): Form<ReasonForm>,
) -> WebResult<Response> {
    match entries::remove(cx, &caller, id, &form).await {
        Ok(()) => Ok(ctx.redirect(
            "/supervision/integrity",
            success("已移出诚信企业库。".into()),
        )),
        Err(DomainError::Invalid(errors)) => {
            let state = with_message(errors.get("reason").map(str::to_owned));
            let (q, status) = (ListQuery::default(), StatusCode::UNPROCESSABLE_ENTITY);
            list_view(&ctx, &caller, cx, &q, &state, status).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn import_view(
    ctx: &Ctx,
    caller: &Caller,
    message: Option<&str>,
    preview: Option<&Preview<'_>>,
    status: StatusCode,
) -> Response {
    let body = pages::import_page(&ctx.csrf_token, message, COLUMNS, preview);
    let crumbs = trail(&[("诚信企业库", "/supervision/integrity")]);
    ctx.work_with_status(status, caller, "导入诚信企业名单", &crumbs, body)
        .await
}

#[handler]
async fn import_page(ctx: Ctx, caller: Caller) -> WebResult<Response> {
    require_manage(&caller)?;
    Ok(import_view(&ctx, &caller, None, None, StatusCode::OK).await)
}

async fn render_preview(
    ctx: &Ctx,
    caller: &Caller,
    file_name: &str,
    rows: &[tabular::Row],
    plan: &Plan,
) -> Response {
    let shown = present::preview_rows(plan);
    let payload = tabular::to_payload(rows);
    let p = Preview {
        file_name,
        total: rows.len().saturating_sub(1),
        errors: &plan.errors,
        rows: &shown,
        payload: &payload,
    };
    let status = if plan.errors.is_empty() {
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
    Data(cx): Data<&Integrity>,
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
    let plan = entries::preview_import(cx, &caller, &rows).await?;
    Ok(render_preview(&ctx, &caller, &name, &rows, &plan).await)
}

#[handler]
async fn import_confirm_post(
    ctx: Ctx,
    caller: Caller,
    Data(cx): Data<&Integrity>,
    Form(form): Form<ConfirmForm>,
) -> WebResult<Response> {
    Ok(match entries::confirm_import(cx, &caller, &form).await? {
        entries::Imported::Listed(n) => ctx.redirect(
            "/supervision/integrity",
            success(format!("导入完成：{n} 家企业列入诚信企业库。")),
        ),
        entries::Imported::Preview { rows, plan } => {
            render_preview(&ctx, &caller, &form.file_name, &rows, &plan).await
        }
        entries::Imported::Refused(message) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            import_view(&ctx, &caller, Some(&message), None, status).await
        }
    })
}

async fn anomalies_view(
    ctx: &Ctx,
    caller: &Caller,
    cx: &Integrity,
    q: &ListQuery,
    form: &FormState,
    status: StatusCode,
) -> WebResult<Response> {
    let list = anomaly_records::list(cx, caller, q).await?;
    let rows = present::anomaly_rows(&list);
    let types = present::type_options(&list);
    let body = pages::anomalies_page(
        &ctx.csrf_token,
        &AnomalyView {
            q: &q.q,
            show_all: q.show_all(),
            rows: &rows,
            truncated: list.truncated,
            types: &types,
        },
        form,
    );
    Ok(ctx
        .work_with_status(status, caller, "异常信息", &trail(&[]), body)
        .await)
}

#[handler]
async fn anomalies_page(
    ctx: Ctx,
    caller: Caller,
    Data(cx): Data<&Integrity>,
    Query(q): Query<ListQuery>,
) -> WebResult<Response> {
    let on = today(cx).to_string();
    let form = FormState {
        values: vec![
            ("valid_from".into(), on.clone()),
            ("recorded_on".into(), on),
            ("blocking".into(), "1".into()),
        ],
        ..FormState::default()
    };
    anomalies_view(&ctx, &caller, cx, &q, &form, StatusCode::OK).await
}

#[handler]
async fn add_anomaly_post(
    ctx: Ctx,
    caller: Caller,
    Data(cx): Data<&Integrity>,
    Form(form): Form<AnomalyForm>,
) -> WebResult<Response> {
    let state = match anomaly_records::add(cx, &caller, &form).await {
        Ok(done) => {
            let kind = if done.blocking {
                "限制受理"
            } else {
                "仅提示"
            };
            let message = format!("已登记“{}”的异常信息（{kind}）。", done.name);
            return Ok(ctx.redirect("/supervision/anomalies", success(message)));
        }
        Err(DomainError::Invalid(errors)) => form_state(&form, &errors),
        Err(DomainError::Rejected(message)) => {
            let mut state = form_state(&form, &Default::default());
            state.message = Some(message);
            state
        }
        Err(e) => return Err(e.into()),
    };
    let (q, status) = (ListQuery::default(), StatusCode::UNPROCESSABLE_ENTITY);
    anomalies_view(&ctx, &caller, cx, &q, &state, status).await
}

#[handler]
async fn lift_post(
    ctx: Ctx,
    caller: Caller,
    Data(cx): Data<&Integrity>,
    Path(id): Path<i64>,
    Form(form): Form<ReasonForm>,
) -> WebResult<Response> {
    match anomaly_records::lift(cx, &caller, id, &form).await {
        Ok(()) => Ok(ctx.redirect(
            "/supervision/anomalies",
            success("已解除该异常信息。".into()),
        )),
        Err(DomainError::Invalid(errors)) => {
            let state = with_message(errors.get("reason").map(str::to_owned));
            let (q, status) = (ListQuery::default(), StatusCode::UNPROCESSABLE_ENTITY);
            anomalies_view(&ctx, &caller, cx, &q, &state, status).await
        }
        Err(e) => Err(e.into()),
    }
}
