//! One entry's page: edit (version check), deactivate / reactivate, and
//! delete when nothing refers to the entry.

use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Response, handler};
use techreg_views::components::trail;
use techreg_views::pages::dictionaries as pages;
use techreg_views::pages::identity::FormState;

use super::super::cache::Dictionaries;
use super::super::model::{EditEntryForm, VersionForm};
use super::super::{present, service};
use super::success;
use crate::core::{Caller, DomainError};
use crate::web::form::{Form, form_state};
use crate::web::{Ctx, WebResult};

fn entry_url(code: &str, id: i64) -> String {
    format!("/admin/dictionaries/{code}/entries/{id}")
}

async fn entry_view(
    ctx: &Ctx,
    caller: &Caller,
    data: &service::EntryData,
    form: &FormState,
    status: StatusCode,
) -> WebResult<Response> {
    let (dict, e) = (&data.dictionary, &data.entry);
    let body = pages::entry(
        &ctx.csrf_token,
        &present::head(dict),
        &present::entry_detail(e),
        form,
        &present::parent_options(&data.entries, Some(&e.code)),
        &present::blockers(&data.blockers),
    );
    let title = format!("{}：{}", dict.name, e.code);
    let here = format!("/admin/dictionaries/{}", dict.code);
    let crumbs = trail(&[("数据字典", "/admin/dictionaries"), (&dict.name, &here)]);
    Ok(ctx
        .work_with_status(status, caller, &title, &crumbs, body)
        .await)
}

#[handler]
pub(super) async fn entry_page(
    ctx: Ctx,
    caller: Caller,
    Data(dicts): Data<&Dictionaries>,
    Path((code, id)): Path<(String, i64)>,
) -> WebResult<Response> {
    let data = service::entry(dicts, &caller, &code, id).await?;
    let form = present::form_of(&data.entry);
    entry_view(&ctx, &caller, &data, &form, StatusCode::OK).await
}

#[handler]
pub(super) async fn edit_post(
    ctx: Ctx,
    caller: Caller,
    Data(dicts): Data<&Dictionaries>,
    Path((code, id)): Path<(String, i64)>,
    Form(form): Form<EditEntryForm>,
) -> WebResult<Response> {
    match service::edit_entry(dicts, &caller, &code, id, &form).await {
        Ok(e) => Ok(ctx.redirect(
            &entry_url(&e.dictionary_code, id),
            success("已保存，各节点数秒内生效。".into()),
        )),
        Err(DomainError::Invalid(errors)) => {
            let data = service::entry(dicts, &caller, &code, id).await?;
            let state = form_state(&form, &errors);
            entry_view(
                &ctx,
                &caller,
                &data,
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn set_active(
    ctx: Ctx,
    caller: Caller,
    dicts: &Dictionaries,
    (code, id): (String, i64),
    form: VersionForm,
    active: bool,
) -> WebResult<Response> {
    service::set_active(dicts, &caller, &code, id, &form, active).await?;
    let message = if active {
        "条目已重新启用。"
    } else {
        "条目已停用：新填报的表单中不再出现，已有记录仍显示其名称。"
    };
    Ok(ctx.redirect(&entry_url(&code, id), success(message.into())))
}

#[handler]
pub(super) async fn deactivate_post(
    ctx: Ctx,
    caller: Caller,
    Data(dicts): Data<&Dictionaries>,
    Path(at): Path<(String, i64)>,
    Form(form): Form<VersionForm>,
) -> WebResult<Response> {
    set_active(ctx, caller, dicts, at, form, false).await
}

#[handler]
pub(super) async fn reactivate_post(
    ctx: Ctx,
    caller: Caller,
    Data(dicts): Data<&Dictionaries>,
    Path(at): Path<(String, i64)>,
    Form(form): Form<VersionForm>,
) -> WebResult<Response> {
    set_active(ctx, caller, dicts, at, form, true).await
}

#[handler]
pub(super) async fn delete_post(
    ctx: Ctx,
    caller: Caller,
    Data(dicts): Data<&Dictionaries>,
    Path((code, id)): Path<(String, i64)>,
    Form(form): Form<VersionForm>,
) -> WebResult<Response> {
    match service::delete_entry(dicts, &caller, &code, id, &form).await? {
        Ok(e) => Ok(ctx.redirect(
            &format!("/admin/dictionaries/{}", e.dictionary_code),
            success(format!("已删除条目 {} {}。", e.code, e.label)),
        )),
        Err(blocked) => {
            let data = service::entry(dicts, &caller, &code, id).await?;
            let mut shown = present::form_of(&data.entry);
            shown.message = Some(present::blockers(&blocked).message());
            entry_view(&ctx, &caller, &data, &shown, StatusCode::CONFLICT).await
        }
    }
}
