//! The message center pages: the user's own messages (全部 / 未读, keyset
//! paging), mark one or all read, open a message's link, and the unread
//! counter fragment the navigation badge polls. Every route serves the
//! signed-in user's own messages only; another user's message is 404.

use maud::html;
use poem::web::{Form, Html, Path, Query};
use poem::{IntoResponse, Response, Route, get, handler, post};
use serde::Deserialize;
use techreg_entities::alerts::message;
use techreg_views::components::{Crumb, Flash, FlashKind, badge, badge_oob};
use techreg_views::pages::messages::{self as pages, ListView, MessageRow, messages_badge};

use super::messages::{self, Filter, Kind, is_in_app_path};
use crate::core::Caller;
use crate::web::form::from_pairs as form_from;
use crate::web::{Ctx, WebError};

type Fields = Form<Vec<(String, String)>>;

pub fn routes(route: Route) -> Route {
    route
        .at("/messages", get(list_page))
        .at("/messages/badge", get(badge_fragment))
        .at("/messages/read-all", post(read_all_post))
        .at("/messages/:id/read", post(read_post))
        .at("/messages/:id/open", post(open_post))
}

fn crumbs() -> Vec<Crumb> {
    vec![
        Crumb {
            label: "工作台".into(),
            href: Some("/my".into()),
        },
        Crumb {
            label: "消息中心".into(),
            href: None,
        },
    ]
}

fn row_of(m: &message::Model) -> MessageRow {
    MessageRow {
        id: m.id,
        kind: Kind::from_code(&m.kind).map_or("通知", Kind::label),
        title: m.title.clone(),
        body: m.body.clone(),
        has_link: m.link.as_deref().is_some_and(is_in_app_path),
        created_at: crate::core::clock::shanghai_minute(m.created_at),
        read_at: m.read_at.map(crate::core::clock::shanghai_minute),
    }
}

/// Where a form sends the user back to: the list, with its filter.
fn back_to(unread_only: bool) -> &'static str {
    if unread_only {
        "/messages?filter=unread"
    } else {
        "/messages"
    }
}

#[derive(Deserialize, Default)]
struct ListQuery {
    filter: Option<String>,
    before: Option<String>,
}

#[handler]
async fn list_page(
    ctx: Ctx,
    user: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let unread_only = q.filter.as_deref() == Some("unread");
    let filter = if unread_only {
        Filter::Unread
    } else {
        Filter::All
    };
    let before = q
        .before
        .as_deref()
        .and_then(|b| b.trim().parse::<i64>().ok());
    let size = ctx
        .state
        .settings
        .get_i64("ui.page_size")
        .await
        .unwrap_or(20)
        .clamp(10, 200) as u64;
    let db = &ctx.state.core.db;
    let mut found = messages::page(db, user.user.id, filter, before, size + 1).await?;
    let next_before = (found.len() as u64 > size).then(|| {
        found.truncate(size as usize);
        found.last().map(|m| m.id)
    });
    let unread = messages::unread_count(db, user.user.id).await?;
    let rows: Vec<MessageRow> = found.iter().map(row_of).collect();
    let view = ListView {
        unread_only,
        rows: &rows,
        unread,
        next_before: next_before.flatten(),
        newest_id: found.first().map(|m| m.id),
    };
    Ok(ctx
        .work(
            &user,
            "消息中心",
            &crumbs(),
            pages::list(&ctx.csrf_token, &view),
        )
        .await)
}

/// The navigation badge alone, for htmx to swap in; a plain request (no
/// script) has nothing to show here and goes to the list.
#[handler]
async fn badge_fragment(ctx: Ctx, user: Caller) -> Result<Response, WebError> {
    if !ctx.fragment {
        return Ok(ctx.redirect("/messages", None));
    }
    let unread = messages::unread_count(&ctx.state.core.db, user.user.id).await?;
    Ok(Html(badge(&messages_badge(unread)).into_string()).into_response())
}

#[handler]
async fn read_post(
    ctx: Ctx,
    user: Caller,
    Path(id): Path<i64>,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    let unread_only = form_from(&fields).value("filter") == "unread";
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    let Some(read) = messages::mark_read(&txn, user.user.id, id, now).await? else {
        return Err(WebError::NotFound);
    };
    let unread = messages::unread_count(&txn, user.user.id).await?;
    txn.commit().await?;
    if !ctx.fragment {
        return Ok(ctx.redirect(back_to(unread_only), None));
    }
    // The message in its read state, and the counters that changed with it.
    let body = html! {
        (pages::message(&ctx.csrf_token, &row_of(&read), unread_only))
        (badge_oob(&messages_badge(unread)))
        span #unread-count hx-swap-oob="true" { (unread) }
    };
    Ok(ctx.work(&user, "消息中心", &crumbs(), body).await)
}

#[handler]
async fn read_all_post(ctx: Ctx, user: Caller, Form(fields): Fields) -> Result<Response, WebError> {
    let form = form_from(&fields);
    let unread_only = form.value("filter") == "unread";
    let up_to = form.value("up_to").trim().parse::<i64>().ok();
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    let changed = messages::mark_all_read(&txn, user.user.id, up_to, now).await?;
    txn.commit().await?;
    let flash = Flash {
        kind: FlashKind::Success,
        message: if changed == 0 {
            "没有需要标记的未读消息。".into()
        } else {
            format!("已将 {changed} 条消息标为已读。")
        },
    };
    Ok(ctx.redirect(back_to(unread_only), Some(flash)))
}

/// Opening a message marks it read and goes to its link, which must be a
/// path of this application (checked again here, not only when sent).
#[handler]
async fn open_post(ctx: Ctx, user: Caller, Path(id): Path<i64>) -> Result<Response, WebError> {
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    let Some(read) = messages::mark_read(&txn, user.user.id, id, now).await? else {
        return Err(WebError::NotFound);
    };
    txn.commit().await?;
    let to = read
        .link
        .as_deref()
        .filter(|l| is_in_app_path(l))
        .unwrap_or("/messages");
    Ok(ctx.redirect(to, None))
}
