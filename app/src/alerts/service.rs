//! The message center's services: the signed-in user's own messages only
//! (another user's message is not found), listed with keyset paging,
//! marked read one by one or all at once, and opened.

use techreg_entities::alerts::message;

use super::Alerts;
use super::messages::{self, mark_all_read, mark_read, unread_count};
use super::model::{Filter, is_in_app_path};
use crate::core::{Caller, DomainError, DomainResult};

/// One page of the list: the messages shown, the unread count, and where
/// the next page starts when there is one.
pub struct Page {
    pub messages: Vec<message::Model>,
    pub unread: u64,
    pub next_before: Option<i64>,
}

pub async fn list(
    cx: &Alerts,
    caller: &Caller,
    filter: Filter,
    before: Option<i64>,
) -> DomainResult<Page> {
    let size = cx
        .settings
        .get_i64("ui.page_size")
        .await
        .unwrap_or(20)
        .clamp(10, 200) as u64;
    let db = &cx.core.db;
    let mut found = messages::page(db, caller.user.id, filter, before, size + 1).await?;
    let next_before = (found.len() as u64 > size).then(|| {
        found.truncate(size as usize);
        found.last().map(|m| m.id)
    });
    Ok(Page {
        unread: unread_count(db, caller.user.id).await?,
        messages: found,
        next_before: next_before.flatten(),
    })
}

/// The caller's unread messages, for the navigation badge.
pub async fn unread(cx: &Alerts, caller: &Caller) -> DomainResult<u64> {
    Ok(unread_count(&cx.core.db, caller.user.id).await?)
}

/// A message as read, and how many stay unread.
pub struct Read {
    pub message: message::Model,
    pub unread: u64,
}

pub async fn read(cx: &Alerts, caller: &Caller, id: i64) -> DomainResult<Read> {
    let now = cx.core.now();
    let txn = cx.core.begin().await?;
    let message = mark_read(&txn, caller.user.id, id, now)
        .await?
        .ok_or(DomainError::NotFound)?;
    let unread = unread_count(&txn, caller.user.id).await?;
    txn.commit().await?;
    Ok(Read { message, unread })
}

/// Marks every unread message read, up to `up_to` when given; returns how
/// many changed.
pub async fn read_all(cx: &Alerts, caller: &Caller, up_to: Option<i64>) -> DomainResult<u64> {
    let now = cx.core.now();
    let txn = cx.core.begin().await?;
    let changed = mark_all_read(&txn, caller.user.id, up_to, now).await?;
    txn.commit().await?;
    Ok(changed)
}

/// Opens a message: marks it read and returns where it leads, which must be
/// a path of this application (checked again here, not only when sent);
/// the list otherwise.
pub async fn open(cx: &Alerts, caller: &Caller, id: i64) -> DomainResult<String> {
    let now = cx.core.now();
    let txn = cx.core.begin().await?;
    let read = mark_read(&txn, caller.user.id, id, now)
        .await?
        .ok_or(DomainError::NotFound)?;
    txn.commit().await?;
    Ok(read
        .link
        .filter(|l| is_in_app_path(l))
        .unwrap_or_else(|| "/messages".into()))
}
