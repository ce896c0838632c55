//! The message center pages: the user's own messages (全部 / 未读, keyset
//! paging), mark one or all read, open a message's link, and the unread
//! counter fragment the navigation badge polls. Every route serves the
//! signed-in user's own messages only; another user's message is 404.

use maud::html;
use poem::web::{Data, Html, Path, Query};
use poem::{IntoResponse, Response, Route, get, handler, post};
use techreg_views::components::{Flash, FlashKind, badge, badge_oob, trail};
use techreg_views::pages::messages::{self as pages, ListView, MessageRow, messages_badge};

use super::Alerts;
use super::model::{ListQuery, ReadForm};
use super::{present, service};
use crate::core::Caller;
use crate::web::{Ctx, Form, WebResult};

const TITLE: &str = "消息中心";

pub fn routes(route: Route) -> Route {
    route
        .at("/messages", get(list_page))
        .at("/messages/badge", get(badge_fragment))
        .at("/messages/read-all", post(read_all_post))
        .at("/messages/:id/read", post(read_post))
        .at("/messages/:id/open", post(open_post))
}

/// Where a form sends the user back to: the list, with its filter.
fn back_to(unread_only: bool) -> &'static str {
    if unread_only {
        "/messages?filter=unread"
    } else {
        "/messages"
    }
}

#[handler]
async fn list_page(
    ctx: Ctx,
    caller: Caller,
    Data(alerts): Data<&Alerts>,
    Query(q): Query<ListQuery>,
) -> WebResult<Response> {
    let page = service::list(alerts, &caller, q.filter(), q.before()).await?;
    let rows: Vec<MessageRow> = page.messages.iter().map(present::row).collect();
    let view = ListView {
        unread_only: q.unread_only(),
        rows: &rows,
        unread: page.unread,
        next_before: page.next_before,
        newest_id: page.messages.first().map(|m| m.id),
    };
    let body = pages::list(&ctx.csrf_token, &view);
    Ok(ctx.work(&caller, TITLE, &trail(&[]), body).await)
}

/// The navigation badge alone, for htmx to swap in; a plain request (no
/// script) has nothing to show here and goes to the list.
#[handler]
async fn badge_fragment(
    ctx: Ctx,
    caller: Caller,
    Data(alerts): Data<&Alerts>,
) -> WebResult<Response> {
    if !ctx.fragment {
        return Ok(ctx.redirect("/messages", None));
    }
    let unread = service::unread(alerts, &caller).await?;
    Ok(Html(badge(&messages_badge(unread)).into_string()).into_response())
}

#[handler]
async fn read_post(
    ctx: Ctx,
    caller: Caller,
    Data(alerts): Data<&Alerts>,
    Path(id): Path<i64>,
    Form(form): Form<ReadForm>,
) -> WebResult<Response> {
    let read = service::read(alerts, &caller, id).await?;
    let unread_only = form.unread_only();
    if !ctx.fragment {
        return Ok(ctx.redirect(back_to(unread_only), None));
    }
    // The message in its read state, and the counters that changed with it.
    let body = html! {
        (pages::message(&ctx.csrf_token, &present::row(&read.message), unread_only))
        (badge_oob(&messages_badge(read.unread)))
        span #unread-count hx-swap-oob="true" { (read.unread) }
    };
    Ok(ctx.work(&caller, TITLE, &trail(&[]), body).await)
}

#[handler]
async fn read_all_post(
    ctx: Ctx,
    caller: Caller,
    Data(alerts): Data<&Alerts>,
    Form(form): Form<ReadForm>,
) -> WebResult<Response> {
    let changed = service::read_all(alerts, &caller, form.up_to()).await?;
    let flash = Flash {
        kind: FlashKind::Success,
        message: if changed == 0 {
            "没有需要标记的未读消息。".into()
        } else {
            format!("已将 {changed} 条消息标为已读。")
        },
    };
    Ok(ctx.redirect(back_to(form.unread_only()), Some(flash)))
}

/// Opening a message marks it read and goes to its link.
#[handler]
async fn open_post(
    ctx: Ctx,
    caller: Caller,
    Data(alerts): Data<&Alerts>,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let to = service::open(alerts, &caller, id).await?;
    Ok(ctx.redirect(&to, None))
}
