//! The calendar screen (system admin): a year at a glance, adding,
//! changing and removing one day, and importing a year's arrangement with a
//! preview and an explicit confirmation. The audit log is the history.

use chrono::Datelike;
use poem::http::StatusCode;
use poem::web::{Data, Multipart, Query};
use poem::{Response, Route, get, handler, post};
use techreg_views::components::{Flash, FlashKind, trail};
use techreg_views::pages::calendar::{self as pages, Preview, TryOut};
use techreg_views::pages::identity::FormState;

use super::cache::Calendar;
use super::model::{ConfirmForm, DayForm, YearQuery, parse_year, year_range_message};
use super::present::{self, kind_label};
use super::service::{self, this_year};
use crate::core::{Caller, DomainError};
use crate::web::form::{Form, form_state};
use crate::web::{Ctx, WebError, WebResult};

pub fn routes(route: Route) -> Route {
    route
        .at("/admin/calendar", get(year_page).post(set_post))
        .at("/admin/calendar/remove", post(remove_post))
        .at("/admin/calendar/import", post(import_post))
        .at("/admin/calendar/import/confirm", post(confirm_post))
}

fn year_url(year: i32) -> String {
    format!("/admin/calendar?year={year}")
}

fn success(message: String) -> Option<Flash> {
    Some(Flash {
        kind: FlashKind::Success,
        message,
    })
}

async fn year_view(
    ctx: &Ctx,
    caller: &Caller,
    cal: &Calendar,
    year: i32,
    form: &FormState,
    query: &YearQuery,
    status: StatusCode,
) -> WebResult<Response> {
    let data = service::year(cal, caller, year).await?;
    let view = present::year_view(&data);
    let from = query.from.clone().unwrap_or_default();
    let days = query.days.clone().unwrap_or_default();
    let answer = service::try_out(cal, &from, &days).await?;
    let tryout = TryOut {
        from,
        days,
        result: answer.clone().and_then(Result::ok),
        error: answer.and_then(Result::err),
    };
    let body = pages::year_page(&pages::YearPage {
        csrf: &ctx.csrf_token,
        year,
        maintained: !data.rows.is_empty(),
        working_days: view.working_days,
        months: &view.months,
        rows: &view.rows,
        form,
        tryout: &tryout,
        history: &view.history,
    });
    Ok(ctx
        .work_with_status(status, caller, "工作日历", &trail(&[]), body)
        .await)
}

#[handler]
async fn year_page(
    ctx: Ctx,
    caller: Caller,
    Data(cal): Data<&Calendar>,
    Query(q): Query<YearQuery>,
) -> WebResult<Response> {
    let year = match q.year.as_deref().filter(|y| !y.trim().is_empty()) {
        None => this_year(cal),
        Some(y) => parse_year(y).ok_or_else(|| WebError::BadRequest(year_range_message()))?,
    };
    let form = FormState {
        values: vec![("kind".into(), "holiday".into())],
        ..FormState::default()
    };
    year_view(&ctx, &caller, cal, year, &form, &q, StatusCode::OK).await
}

#[handler]
async fn set_post(
    ctx: Ctx,
    caller: Caller,
    Data(cal): Data<&Calendar>,
    Form(form): Form<DayForm>,
) -> WebResult<Response> {
    match service::set_day(cal, &caller, &form).await {
        Ok(saved) => Ok(ctx.redirect(
            &year_url(saved.day.year()),
            success(format!(
                "已保存：{} {}（{}）。",
                saved.day,
                saved.kind.label(),
                saved.name
            )),
        )),
        Err(DomainError::Invalid(errors)) => {
            let year = form.year().unwrap_or_else(|| this_year(cal));
            let state = form_state(&form, &errors);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            year_view(
                &ctx,
                &caller,
                cal,
                year,
                &state,
                &YearQuery::default(),
                status,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[handler]
async fn remove_post(
    ctx: Ctx,
    caller: Caller,
    Data(cal): Data<&Calendar>,
    Form(form): Form<DayForm>,
) -> WebResult<Response> {
    let removed = service::remove_day(cal, &caller, &form).await?;
    Ok(ctx.redirect(
        &year_url(removed.day.year()),
        success(format!(
            "已删除：{} {}（{}）。",
            removed.day,
            kind_label(&removed.kind),
            removed.name
        )),
    ))
}

async fn preview_page(
    ctx: &Ctx,
    caller: &Caller,
    preview: &service::Preview,
) -> WebResult<Response> {
    let parsed = &preview.parsed;
    let rows = present::preview_rows(parsed);
    let canonical = parsed.is_ok().then(|| parsed.canonical());
    let body = pages::import_preview(&Preview {
        csrf: &ctx.csrf_token,
        year: parsed.year,
        encoding: preview.encoding,
        rows: &rows,
        errors: parsed.error_count(),
        problem: parsed.problem.as_deref(),
        keep: parsed.kept().len(),
        replaces: preview.replaces,
        canonical: canonical.as_deref(),
    });
    let status = if parsed.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let crumbs = trail(&[("工作日历", "/admin/calendar")]);
    Ok(ctx
        .work_with_status(status, caller, "导入预览", &crumbs, body)
        .await)
}

#[handler]
async fn import_post(
    ctx: Ctx,
    caller: Caller,
    Data(cal): Data<&Calendar>,
    multipart: poem::Result<Multipart>,
) -> WebResult<Response> {
    // Permission first: a wrong content type must not answer before it.
    caller.require(crate::security::rbac::perm::CALENDAR_MANAGE)?;
    let mut multipart = multipart.map_err(|e| WebError::BadRequest(e.to_string()))?;
    let mut year_input = String::new();
    let mut file: Vec<u8> = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| WebError::BadRequest(e.to_string()))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| WebError::BadRequest(e.to_string()))?;
        match name.as_str() {
            "year" => year_input = String::from_utf8_lossy(&bytes).into_owned(),
            "file" => file = bytes,
            _ => {}
        }
    }
    let preview = service::preview_import(cal, &caller, &year_input, &file).await?;
    preview_page(&ctx, &caller, &preview).await
}

#[handler]
async fn confirm_post(
    ctx: Ctx,
    caller: Caller,
    Data(cal): Data<&Calendar>,
    Form(form): Form<ConfirmForm>,
) -> WebResult<Response> {
    match service::confirm_import(cal, &caller, &form).await? {
        Ok(done) => Ok(ctx.redirect(
            &year_url(done.year),
            success(format!(
                "已导入 {} 年节假日安排：{} 条，替换原有 {} 条。",
                done.year, done.written, done.replaced
            )),
        )),
        Err(preview) => preview_page(&ctx, &caller, &preview).await,
    }
}
