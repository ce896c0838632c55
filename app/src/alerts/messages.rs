//! The message store: sending inside the caller's transaction, counting,
//! paging and marking read.
//!
//! SMS and "one transaction per action": `send_with_sms` writes the message
//! and a `pending` row in `sms_message` (purpose `notice`) in the caller's
//! transaction, so a rolled-back action sends nothing and a committed one
//! cannot lose its SMS. After commit the caller runs `deliver_pending`
//! (`outbox`), and the outbox job retries what failed.

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use techreg_entities::alerts::message;
use techreg_entities::identity::{app_user, sms_message};

use super::Alerts;
use super::model::{Filter, NewMessage, SMS_PENDING, SMS_PURPOSE, Sent, TITLE_MAX, is_in_app_path};

/// The carrier needs the sender's signature at the start of every SMS.
const SMS_SIGNATURE: &str = "【上海技术合同登记】";

fn row(
    m: &NewMessage<'_>,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<message::ActiveModel, DbErr> {
    if let Some(link) = m.link.filter(|l| !is_in_app_path(l)) {
        return Err(DbErr::Custom(format!(
            "message link must be an in-app path: {link:?}"
        )));
    }
    Ok(message::ActiveModel {
        user_id: Set(user_id),
        created_at: Set(now.trunc_subsecs(6)),
        kind: Set(m.kind.as_str().to_owned()),
        title: Set(m.title.trim().chars().take(TITLE_MAX).collect()),
        body: Set(m.body.trim().to_owned()),
        link: Set(m.link.map(str::to_owned)),
        object_type: Set(m.object.map(|(t, _)| t.to_owned())),
        object_id: Set(m.object.map(|(_, id)| id)),
        read_at: Set(None),
        ..Default::default()
    })
}

/// Sends one message inside the caller's transaction; returns its id.
pub async fn send<C: ConnectionTrait>(
    db: &C,
    m: &NewMessage<'_>,
    now: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let inserted = message::Entity::insert(row(m, m.user_id, now)?)
        .exec(db)
        .await?;
    Ok(inserted.last_insert_id)
}

/// Sends the same message to each of `user_ids` (duplicates once; the
/// `user_id` of `m` is not used); returns how many were sent.
pub async fn send_many<C: ConnectionTrait>(
    db: &C,
    user_ids: &[i64],
    m: &NewMessage<'_>,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let mut seen = std::collections::BTreeSet::new();
    let rows = user_ids
        .iter()
        .filter(|id| seen.insert(**id))
        .map(|id| row(m, *id, now))
        .collect::<Result<Vec<_>, _>>()?;
    let sent = rows.len() as u64;
    // Well under SQLite's limit on bound parameters per statement.
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(500).collect();
        message::Entity::insert_many(chunk).exec(db).await?;
    }
    Ok(sent)
}

/// Sends a message and, when the user has a mobile, queues an SMS with
/// `sms_text` in the same transaction. Run `deliver_pending` after commit.
pub async fn send_with_sms<C: ConnectionTrait>(
    db: &C,
    cx: &Alerts,
    m: &NewMessage<'_>,
    sms_text: &str,
    now: DateTime<Utc>,
) -> Result<Sent, DbErr> {
    let message_id = send(db, m, now).await?;
    let user = app_user::Entity::find_by_id(m.user_id).one(db).await?;
    let fields = cx.keys.fields();
    let Some(mobile) = user
        .as_ref()
        .and_then(|u| crate::identity::mobile_of(cx.keys.as_ref(), u))
    else {
        return Ok(Sent {
            message_id,
            sms_id: None,
        });
    };
    let text = sms_text.trim();
    let body = if text.starts_with('【') {
        text.to_owned()
    } else {
        format!("{SMS_SIGNATURE}{text}")
    };
    let sms = sms_message::ActiveModel {
        mobile_index: Set(crate::identity::mobile_index(cx.keys.as_ref(), &mobile)),
        mobile_enc: Set(fields.encrypt(&mobile)),
        purpose: Set(SMS_PURPOSE.into()),
        body_enc: Set(fields.encrypt(&body)),
        code_hash: Set(None),
        expires_at: Set(None),
        used_at: Set(None),
        attempts: Set(0),
        status: Set(SMS_PENDING.into()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(Sent {
        message_id,
        sms_id: Some(sms.id),
    })
}

/// How many unread messages the user has: one query on the
/// (user_id, read_at, id) index.
pub async fn unread_count<C: ConnectionTrait>(db: &C, user_id: i64) -> Result<u64, DbErr> {
    message::Entity::find()
        .filter(message::Column::UserId.eq(user_id))
        .filter(message::Column::ReadAt.is_null())
        .count(db)
        .await
}

/// One page of the user's messages, newest first: those with an id below
/// `before` (keyset paging), at most `limit`.
pub async fn page<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    filter: Filter,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<message::Model>, DbErr> {
    let mut select = message::Entity::find().filter(message::Column::UserId.eq(user_id));
    if filter == Filter::Unread {
        select = select.filter(message::Column::ReadAt.is_null());
    }
    if let Some(before) = before {
        select = select.filter(message::Column::Id.lt(before));
    }
    select
        .order_by_desc(message::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Marks one of the user's messages read (once: a second call keeps the
/// first time). `None` when the user has no such message.
pub async fn mark_read<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Option<message::Model>, DbErr> {
    let own = message::Entity::find_by_id(id)
        .filter(message::Column::UserId.eq(user_id))
        .one(db)
        .await?;
    let Some(mut m) = own else { return Ok(None) };
    if m.read_at.is_none() {
        let at = now.trunc_subsecs(6);
        let changed = message::Entity::update_many()
            .col_expr(message::Column::ReadAt, Expr::value(Some(at)))
            .filter(message::Column::Id.eq(id))
            .filter(message::Column::ReadAt.is_null())
            .exec(db)
            .await?
            .rows_affected;
        if changed == 1 {
            m.read_at = Some(at);
        }
    }
    Ok(Some(m))
}

/// Marks all the user's unread messages read, up to id `up_to` when given
/// (the newest the user had on screen, so one that arrives meanwhile stays
/// unread); returns how many changed.
pub async fn mark_all_read<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    up_to: Option<i64>,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let mut update = message::Entity::update_many()
        .col_expr(
            message::Column::ReadAt,
            Expr::value(Some(now.trunc_subsecs(6))),
        )
        .filter(message::Column::UserId.eq(user_id))
        .filter(message::Column::ReadAt.is_null());
    if let Some(up_to) = up_to {
        update = update.filter(message::Column::Id.lte(up_to));
    }
    Ok(update.exec(db).await?.rows_affected)
}
