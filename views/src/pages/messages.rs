//! The message center (消息中心): the user's messages, newest first, with
//! the unread ones marked, and the actions to open or mark them read.

use maud::{Markup, html};

use crate::components::{Badge, csrf_field};

/// The element id of the message counter in the navigation.
pub const BADGE_ID: &str = "nav-messages-badge";

/// The navigation's unread counter, which refreshes itself every minute.
pub fn messages_badge(unread: u64) -> Badge {
    Badge {
        id: Some(BADGE_ID.into()),
        count: unread,
        refresh: Some("/messages/badge".into()),
    }
}

pub struct MessageRow {
    pub id: i64,
    pub kind: &'static str,
    pub title: String,
    pub body: String,
    /// The message points somewhere in the application.
    pub has_link: bool,
    pub created_at: String,
    /// When it was read; `None` while unread.
    pub read_at: Option<String>,
}

pub struct ListView<'a> {
    pub unread_only: bool,
    pub rows: &'a [MessageRow],
    pub unread: u64,
    /// The id to page on from (the oldest shown), when there are more.
    pub next_before: Option<i64>,
    /// The newest message on screen: "mark all read" stops there.
    pub newest_id: Option<i64>,
}

fn filter_query(unread_only: bool) -> &'static str {
    if unread_only { "filter=unread&" } else { "" }
}

pub fn list(csrf: &str, view: &ListView<'_>) -> Markup {
    html! {
        section.panel #messages {
            h1 { "消息中心" }
            nav.tabs aria-label="消息筛选" {
                a href="/messages" aria-current=[(!view.unread_only).then_some("page")] { "全部" }
                a href="/messages?filter=unread" aria-current=[view.unread_only.then_some("page")] {
                    "未读（" span #unread-count { (view.unread) } "）"
                }
            }
            @if view.unread > 0 {
                form method="post" action="/messages/read-all" {
                    (csrf_field(csrf))
                    @if let Some(newest) = view.newest_id {
                        input type="hidden" name="up_to" value=(newest);
                    }
                    @if view.unread_only { input type="hidden" name="filter" value="unread"; }
                    button.button type="submit" { "全部标为已读" }
                }
            }
            @if view.rows.is_empty() {
                p.note #no-messages {
                    @if view.unread_only { "没有未读消息。" } @else { "还没有消息。" }
                }
            } @else {
                ol.messages {
                    @for m in view.rows { (message(csrf, m, view.unread_only)) }
                }
            }
            @if let Some(before) = view.next_before {
                p { a #next-page href={ "/messages?" (filter_query(view.unread_only)) "before=" (before) } { "更早的消息" } }
            }
        }
    }
}

/// One message; also the htmx answer after marking it read.
pub fn message(csrf: &str, m: &MessageRow, unread_only: bool) -> Markup {
    let unread = m.read_at.is_none();
    html! {
        li class=[unread.then_some("unread")] id={ "m-" (m.id) } {
            div.message-head {
                span.message-kind { (m.kind) }
                @if unread { span.unread-mark { "未读" } }
                time { (m.created_at) }
            }
            h2.message-title { (m.title) }
            @if !m.body.is_empty() { p.message-body { (m.body) } }
            div.message-actions {
                @if m.has_link {
                    form method="post" action={ "/messages/" (m.id) "/open" } {
                        (csrf_field(csrf))
                        button.button.primary type="submit" { "查看" }
                    }
                }
                @if unread {
                    form method="post" action={ "/messages/" (m.id) "/read" }
                        hx-post={ "/messages/" (m.id) "/read" }
                        hx-target={ "#m-" (m.id) } hx-swap="outerHTML" {
                        (csrf_field(csrf))
                        @if unread_only { input type="hidden" name="filter" value="unread"; }
                        button.button type="submit" { "标为已读" }
                    }
                } @else if let Some(at) = &m.read_at {
                    span.muted { "已读于 " (at) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, read: bool, link: bool) -> MessageRow {
        MessageRow {
            id,
            kind: "办理进度",
            title: format!("消息{id}<b>"),
            body: "正文".into(),
            has_link: link,
            created_at: "2026-11-29 10:00".into(),
            read_at: read.then(|| "2026-11-29 11:00".into()),
        }
    }

    #[test]
    fn unread_messages_are_marked_and_offer_their_actions() {
        let rows = [row(2, false, true), row(1, true, false)];
        let page = list(
            "tok",
            &ListView {
                unread_only: false,
                rows: &rows,
                unread: 1,
                next_before: Some(1),
                newest_id: Some(2),
            },
        )
        .into_string();
        assert!(page.contains(r#"<li class="unread" id="m-2">"#));
        assert!(page.contains(r#"<li id="m-1">"#));
        assert!(page.contains(r#"action="/messages/2/open""#));
        assert!(!page.contains(r#"action="/messages/1/open""#));
        assert!(page.contains(r#"hx-post="/messages/2/read""#));
        assert!(!page.contains(r#"/messages/1/read"#));
        assert!(page.contains("已读于 2026-11-29 11:00"));
        assert!(page.contains(r#"name="up_to" value="2""#));
        assert!(page.contains(r#"href="/messages?before=1""#));
        assert!(page.contains("消息2&lt;b&gt;"), "escaped");
    }

    #[test]
    fn the_unread_filter_keeps_itself_in_links_and_forms() {
        let page = list(
            "tok",
            &ListView {
                unread_only: true,
                rows: &[],
                unread: 0,
                next_before: Some(9),
                newest_id: None,
            },
        )
        .into_string();
        assert!(page.contains("没有未读消息。"));
        assert!(!page.contains("/messages/read-all"));
        assert!(page.contains(r#"href="/messages?filter=unread&amp;before=9""#));
    }
}
