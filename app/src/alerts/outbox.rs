//! The SMS outbox for notices. Actions queue a `pending` row inside their
//! own transaction (`send_with_sms`); this module delivers them.
//!
//! - Claiming: on PostgreSQL a batch is taken with `FOR UPDATE SKIP
//!   LOCKED`, so nodes running at once take disjoint rows without waiting;
//!   on SQLite (one writer) each row is taken by a conditional update
//!   `pending` → `sending`. Either way a row is handed to the gateway by one
//!   node only.
//! - Retry: a failure the carrier may recover from puts the row back to
//!   `pending` with `next_attempt_at` doubling from one minute up to an
//!   hour; after `MAX_ATTEMPTS`, or at once when the gateway refuses it
//!   (4xx), it is `failed` with the last error kept for the admin.
//! - A row left `sending` by a node that died goes back to `pending` after
//!   `STALE_CLAIM`, so nothing is lost.
//! - The yearly quota: sent rows (codes and notices) are counted by
//!   `sent_at`; at the configured share of `sms.yearly_quota` the system
//!   admins get one message for the year.

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use techreg_entities::alerts::alert_once;
use techreg_entities::identity::{app_user, role, role_assignment, sms_message};

use super::Alerts;
use super::messages;
use super::model::{Kind, NewMessage, SMS_FAILED, SMS_PENDING, SMS_PURPOSE, SMS_SENDING, SMS_SENT};
use crate::integrations::sms::DeliveryError;

/// Attempts before a notice is given up as `failed`.
pub const MAX_ATTEMPTS: i32 = 10;
/// A claim older than this belongs to a node that stopped mid-send.
pub const STALE_CLAIM: Duration = Duration::minutes(10);
const BATCH: u64 = 50;

/// The wait after the `attempts`-th failed attempt: 1, 2, 4 … 60 minutes.
pub fn backoff(attempts: i32) -> Duration {
    let exp = attempts.clamp(1, 7) - 1;
    Duration::minutes(std::cmp::min(1i64 << exp, 60))
}

/// What one run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delivery {
    pub sent: u64,
    /// Failed this time and waiting for a later attempt.
    pub retrying: u64,
    /// Given up (refused, or out of attempts).
    pub failed: u64,
}

/// Delivers every notice that is due, oldest first, then checks the quota.
pub async fn deliver_pending(cx: &Alerts) -> Result<Delivery, DbErr> {
    let mut done = Delivery::default();
    release_stale(cx).await?;
    loop {
        let batch = claim(cx).await?;
        if batch.is_empty() {
            break;
        }
        for sms in batch {
            deliver_one(cx, &sms, &mut done).await?;
        }
    }
    if done.sent > 0 {
        warn_on_quota(cx).await?;
    }
    Ok(done)
}

async fn release_stale(cx: &Alerts) -> Result<(), DbErr> {
    let before = cx.core.now() - STALE_CLAIM;
    sms_message::Entity::update_many()
        .col_expr(sms_message::Column::Status, Expr::value(SMS_PENDING))
        .filter(sms_message::Column::Purpose.eq(SMS_PURPOSE))
        .filter(sms_message::Column::Status.eq(SMS_SENDING))
        .filter(sms_message::Column::ClaimedAt.lt(before))
        .exec(&cx.core.db)
        .await?;
    Ok(())
}

/// Takes up to `BATCH` due rows for this node.
async fn claim(cx: &Alerts) -> Result<Vec<sms_message::Model>, DbErr> {
    let db = &cx.core.db;
    let now = cx.core.now();
    if db.get_database_backend() == DatabaseBackend::Postgres {
        let stmt = Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            r#"UPDATE sms_message SET status = $1, attempts = attempts + 1, claimed_at = $2
               WHERE id IN (
                   SELECT id FROM sms_message
                   WHERE status = $3 AND purpose = $4
                     AND (next_attempt_at IS NULL OR next_attempt_at <= $2)
                   ORDER BY id LIMIT $5
                   FOR UPDATE SKIP LOCKED)
               RETURNING *"#,
            [
                SMS_SENDING.into(),
                now.into(),
                SMS_PENDING.into(),
                SMS_PURPOSE.into(),
                (BATCH as i64).into(),
            ],
        );
        let mut rows = sms_message::Entity::find()
            .from_raw_sql(stmt)
            .all(db)
            .await?;
        rows.sort_by_key(|r| r.id);
        return Ok(rows);
    }
    let due = sms_message::Entity::find()
        .filter(sms_message::Column::Status.eq(SMS_PENDING))
        .filter(sms_message::Column::Purpose.eq(SMS_PURPOSE))
        .filter(
            sms_message::Column::NextAttemptAt
                .is_null()
                .or(sms_message::Column::NextAttemptAt.lte(now)),
        )
        .order_by_asc(sms_message::Column::Id)
        .limit(BATCH)
        .all(db)
        .await?;
    let mut claimed = Vec::with_capacity(due.len());
    for mut sms in due {
        let n = sms_message::Entity::update_many()
            .col_expr(sms_message::Column::Status, Expr::value(SMS_SENDING))
            .col_expr(
                sms_message::Column::Attempts,
                Expr::col(sms_message::Column::Attempts).add(1),
            )
            .col_expr(sms_message::Column::ClaimedAt, Expr::value(Some(now)))
            .filter(sms_message::Column::Id.eq(sms.id))
            .filter(sms_message::Column::Status.eq(SMS_PENDING))
            .exec(db)
            .await?
            .rows_affected;
        if n == 1 {
            sms.attempts += 1;
            claimed.push(sms);
        }
    }
    Ok(claimed)
}

async fn deliver_one(
    cx: &Alerts,
    sms: &sms_message::Model,
    done: &mut Delivery,
) -> Result<(), DbErr> {
    let fields = cx.keys.fields();
    let outcome = match (
        fields.decrypt(&sms.mobile_enc),
        fields.decrypt(&sms.body_enc),
    ) {
        (Ok(mobile), Ok(body)) => cx.sms.deliver(&mobile, &body).await,
        _ => Err(DeliveryError::Refused(
            "cannot decrypt the stored SMS".into(),
        )),
    };
    let now = cx.core.now();
    let update = sms_message::Entity::update_many()
        .filter(sms_message::Column::Id.eq(sms.id))
        .filter(sms_message::Column::Status.eq(SMS_SENDING));
    let update = match outcome {
        Ok(()) => {
            done.sent += 1;
            update
                .col_expr(sms_message::Column::Status, Expr::value(SMS_SENT))
                .col_expr(sms_message::Column::SentAt, Expr::value(Some(now)))
        }
        Err(e) => {
            let give_up = e.is_permanent() || sms.attempts >= MAX_ATTEMPTS;
            tracing::warn!(
                sms = sms.id,
                attempts = sms.attempts,
                give_up,
                gateway = cx.sms.name(),
                error = %e,
                "notice SMS delivery failed"
            );
            let error: String = e.to_string().chars().take(300).collect();
            let update = update.col_expr(sms_message::Column::LastError, Expr::value(Some(error)));
            if give_up {
                done.failed += 1;
                update.col_expr(sms_message::Column::Status, Expr::value(SMS_FAILED))
            } else {
                done.retrying += 1;
                update
                    .col_expr(sms_message::Column::Status, Expr::value(SMS_PENDING))
                    .col_expr(
                        sms_message::Column::NextAttemptAt,
                        Expr::value(Some(now + backoff(sms.attempts))),
                    )
            }
        }
    };
    update.exec(&cx.core.db).await?;
    Ok(())
}

/// Midnight of 1 January in Shanghai, as UTC.
fn year_start(now: DateTime<Utc>) -> DateTime<Utc> {
    let year = crate::core::clock::shanghai_date(now).year();
    chrono::FixedOffset::east_opt(8 * 3600)
        .expect("UTC+8")
        .with_ymd_and_hms(year, 1, 1, 0, 0, 0)
        .single()
        .expect("a real date")
        .with_timezone(&Utc)
}

/// SMS sent since 1 January (Shanghai), codes and notices alike.
pub async fn sent_this_year<C: ConnectionTrait>(db: &C, now: DateTime<Utc>) -> Result<u64, DbErr> {
    sms_message::Entity::find()
        .filter(sms_message::Column::Status.eq(SMS_SENT))
        .filter(sms_message::Column::SentAt.gte(year_start(now)))
        .count(db)
        .await
}

/// The yearly quota and the share at which admins are warned.
pub async fn quota(cx: &Alerts) -> (u64, u64) {
    let quota = cx
        .settings
        .get_i64("sms.yearly_quota")
        .await
        .unwrap_or(100_000)
        .clamp(1, i64::MAX) as u64;
    let percent = cx
        .settings
        .get_i64("sms.quota_warn_percent")
        .await
        .unwrap_or(80)
        .clamp(1, 100) as u64;
    (quota, percent)
}

/// Once per year: tells the system admins that the share has been reached.
async fn warn_on_quota(cx: &Alerts) -> Result<(), DbErr> {
    let now = cx.core.now();
    let (quota, percent) = quota(cx).await;
    let sent = sent_this_year(&cx.core.db, now).await?;
    if sent * 100 < quota * percent {
        return Ok(());
    }
    let year = crate::core::clock::shanghai_date(now).year();
    let txn = cx.core.begin().await?;
    let first = alert_once::Entity::insert(alert_once::ActiveModel {
        key: Set(format!("sms_quota:{year}:{percent}")),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(alert_once::Column::Key)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?
        == 1;
    if !first {
        return Ok(());
    }
    let title = format!("短信发送量已达年度配额的 {percent}%");
    let body = format!(
        "{year} 年已发送短信 {sent} 条，年度配额 {quota} 条（已用 {:.1}%）。请及时申请增加配额，或在“通知与提醒”中调整配额设置。",
        sent as f64 * 100.0 / quota as f64
    );
    for user_id in system_admins(&txn).await? {
        messages::send(
            &txn,
            &NewMessage {
                user_id,
                kind: Kind::System,
                title: &title,
                body: &body,
                link: Some("/admin/notices"),
                object: None,
            },
            now,
        )
        .await?;
    }
    txn.commit().await
}

/// Active holders of the system admin role.
async fn system_admins<C: ConnectionTrait>(db: &C) -> Result<Vec<i64>, DbErr> {
    let Some(r) = role::Entity::find()
        .filter(role::Column::Code.eq("system_admin"))
        .one(db)
        .await?
    else {
        return Ok(Vec::new());
    };
    let ids: Vec<i64> = role_assignment::Entity::find()
        .filter(role_assignment::Column::RoleId.eq(r.id))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.user_id)
        .collect();
    Ok(app_user::Entity::find()
        .filter(app_user::Column::Id.is_in(ids))
        .filter(app_user::Column::Status.eq(crate::identity::STATUS_ACTIVE))
        .order_by_asc(app_user::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let minutes: Vec<i64> = (1..=9).map(|n| backoff(n).num_minutes()).collect();
        assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }

    #[test]
    fn the_year_starts_at_shanghai_midnight() {
        let t: DateTime<Utc> = "2026-12-31T17:00:00Z".parse().unwrap(); // 2027-01-01 01:00 in Shanghai
        assert_eq!(year_start(t).to_rfc3339(), "2026-12-31T16:00:00+00:00");
    }
}
