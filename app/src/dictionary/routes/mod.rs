//! Dictionary maintenance (system admin): the list of dictionaries, one
//! dictionary's entries with search and filter and the form to add one;
//! one entry's page and its actions are in `entry`.

mod entry;

use poem::http::StatusCode;
use poem::web::{Data, Path, Query};
use poem::{Response, Route, get, handler, post};
use techreg_views::components::{Flash, FlashKind, trail};
use techreg_views::pages::dictionaries as pages;
use techreg_views::pages::identity::FormState;

use super::cache::Dictionaries;
use super::model::{EntryQuery, NewEntryForm};
use super::{present, service};
use crate::core::{Caller, DomainError};
use crate::web::form::{Form, form_state};
use crate::web::{Ctx, WebResult};

pub fn routes(route: Route) -> Route {
    route
        .at("/admin/dictionaries", get(list_page))
        .at(
            "/admin/dictionaries/:code",
            get(dictionary_page).post(add_post),
        )
        .at(
            "/admin/dictionaries/:code/entries/:id",
            get(entry::entry_page).post(entry::edit_post),
        )
        .at(
            "/admin/dictionaries/:code/entries/:id/deactivate",
            post(entry::deactivate_post),
        )
        .at(
            "/admin/dictionaries/:code/entries/:id/reactivate",
            post(entry::reactivate_post),
        )
        .at(
            "/admin/dictionaries/:code/entries/:id/delete",
            post(entry::delete_post),
        )
}

fn success(message: String) -> Option<Flash> {
    Some(Flash {
        kind: FlashKind::Success,
        message,
    })
}

#[handler]
async fn list_page(
    ctx: Ctx,
    caller: Caller,
    Data(dicts): Data<&Dictionaries>,
) -> WebResult<Response> {
    let list = service::overview(dicts, &caller).await?;
    let rows = present::dictionary_rows(list);
    Ok(ctx
        .work(&caller, "数据字典", &trail(&[]), pages::list(&rows))
        .await)
}

async fn dictionary_view(
    ctx: &Ctx,
    caller: &Caller,
    dicts: &Dictionaries,
    code: &str,
    query: &EntryQuery,
    form: &FormState,
    status: StatusCode,
) -> WebResult<Response> {
    let data = service::dictionary(dicts, caller, code).await?;
    let dict = &data.dictionary;
    let filter = pages::Filter {
        q: query.q.as_deref().unwrap_or_default(),
        status: query.status.as_deref().unwrap_or_default(),
    };
    let body = pages::entries(
        &ctx.csrf_token,
        &present::head(dict),
        &filter,
        &present::entry_rows(&data.entries, query),
        form,
        &present::parent_options(&data.entries, None),
    );
    let crumbs = trail(&[("数据字典", "/admin/dictionaries")]);
    Ok(ctx
        .work_with_status(status, caller, &dict.name, &crumbs, body)
        .await)
}

#[handler]
async fn dictionary_page(
    ctx: Ctx,
    caller: Caller,
    Data(dicts): Data<&Dictionaries>,
    Path(code): Path<String>,
    Query(q): Query<EntryQuery>,
) -> WebResult<Response> {
    let form = FormState::default();
    dictionary_view(&ctx, &caller, dicts, &code, &q, &form, StatusCode::OK).await
}

#[handler]
async fn add_post(
    ctx: Ctx,
    caller: Caller,
    Data(dicts): Data<&Dictionaries>,
    Path(code): Path<String>,
    Form(form): Form<NewEntryForm>,
) -> WebResult<Response> {
    match service::add_entry(dicts, &caller, &code, &form).await {
        Ok(e) => Ok(ctx.redirect(
            &format!("/admin/dictionaries/{}", e.dictionary_code),
            success(format!("已新增条目 {} {}。", e.code, e.label)),
        )),
        Err(DomainError::Invalid(errors)) => {
            let state = form_state(&form, &errors);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let query = EntryQuery::default();
            dictionary_view(&ctx, &caller, dicts, &code, &query, &state, status).await
        }
        Err(e) => Err(e.into()),
    }
}
