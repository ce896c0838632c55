//! Tamper evidence. Sealing gives unsealed rows the next sequence numbers in
//! id order and tag_n = HMAC-SM3(key, tag_{n-1} ‖ row_n); the anchor row keeps
//! the head (last sequence and tag) and the tag of the last purged row.
//! `verify` walks the chain and names the first broken row: a changed row,
//! a missing middle row or a cut tail all show. Tags are deterministic, so
//! two nodes sealing at once write the same values or one of them fails on
//! the unique sequence and retries on its next round.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use techreg_entities::audit::{audit_anchor, audit_log};

use crate::security::crypto::hmac_sm3;

const ANCHOR_ID: i32 = 1;
const BATCH: u64 = 1_000;

fn genesis(key: &[u8]) -> String {
    hex::encode(hmac_sm3(key, &[b"techreg audit genesis"]))
}

/// Length-prefixed fields, so no two different rows encode alike.
fn canonical(row: &audit_log::Model, seq: i64) -> Vec<u8> {
    let fields: [String; 13] = [
        seq.to_string(),
        row.id.to_string(),
        row.at.timestamp_micros().to_string(),
        row.actor_id.map(|v| v.to_string()).unwrap_or_default(),
        row.actor_name.clone(),
        row.on_behalf_of.clone().unwrap_or_default(),
        row.role.clone().unwrap_or_default(),
        row.client_ip.clone().unwrap_or_default(),
        row.action.clone(),
        row.object_type.clone().unwrap_or_default(),
        row.object_id.clone().unwrap_or_default(),
        row.result.clone(),
        row.detail.clone(),
    ];
    let mut out = Vec::new();
    for f in fields {
        out.extend_from_slice(&(f.len() as u32).to_be_bytes());
        out.extend_from_slice(f.as_bytes());
    }
    out
}

fn tag(key: &[u8], prev: &str, row: &audit_log::Model, seq: i64) -> String {
    hex::encode(hmac_sm3(key, &[prev.as_bytes(), &canonical(row, seq)]))
}

async fn anchor<C: ConnectionTrait>(db: &C, key: &[u8]) -> Result<audit_anchor::Model, DbErr> {
    Ok(audit_anchor::Entity::find_by_id(ANCHOR_ID)
        .one(db)
        .await?
        .unwrap_or(audit_anchor::Model {
            id: ANCHOR_ID,
            head_seq: 0,
            head_tag: genesis(key),
            purged_seq: 0,
            purged_tag: genesis(key),
            updated_at: Utc::now(),
        }))
}

async fn save_anchor<C: ConnectionTrait>(db: &C, a: audit_anchor::Model) -> Result<(), DbErr> {
    use sea_orm::sea_query::OnConflict;
    audit_anchor::Entity::insert(audit_anchor::ActiveModel {
        id: Set(a.id),
        head_seq: Set(a.head_seq),
        head_tag: Set(a.head_tag),
        purged_seq: Set(a.purged_seq),
        purged_tag: Set(a.purged_tag),
        updated_at: Set(a.updated_at),
    })
    .on_conflict(
        OnConflict::column(audit_anchor::Column::Id)
            .update_columns([
                audit_anchor::Column::HeadSeq,
                audit_anchor::Column::HeadTag,
                audit_anchor::Column::PurgedSeq,
                audit_anchor::Column::PurgedTag,
                audit_anchor::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

/// Seals up to one batch of rows; returns how many.
pub async fn seal(db: &DatabaseConnection, key: &[u8]) -> Result<u64, DbErr> {
    let txn = crate::core::db::begin(db).await?;
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        // One sealer at a time across nodes; released at commit.
        txn.execute_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT pg_advisory_xact_lock(734101)",
        ))
        .await?;
    }
    let mut head = anchor(&txn, key).await?;
    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::SealSeq.is_null())
        .order_by_asc(audit_log::Column::Id)
        .limit(BATCH)
        .all(&txn)
        .await?;
    let count = rows.len() as u64;
    for row in rows {
        let seq = head.head_seq + 1;
        let t = tag(key, &head.head_tag, &row, seq);
        audit_log::Entity::update_many()
            .col_expr(audit_log::Column::SealSeq, Expr::value(seq))
            .col_expr(audit_log::Column::Tag, Expr::value(t.clone()))
            .filter(audit_log::Column::Id.eq(row.id))
            .filter(audit_log::Column::SealSeq.is_null())
            .exec(&txn)
            .await?;
        head.head_seq = seq;
        head.head_tag = t;
    }
    if count > 0 {
        head.updated_at = Utc::now();
        tracing::info!(head_seq = head.head_seq, head_tag = %head.head_tag, "audit chain sealed");
        save_anchor(&txn, head).await?;
    }
    txn.commit().await?;
    Ok(count)
}

/// Seals every couple of seconds until aborted.
pub fn spawn_sealer(db: DatabaseConnection, key: Arc<Vec<u8>>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(2));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            loop {
                match seal(&db, &key).await {
                    Ok(n) if n == BATCH => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "audit sealing failed; retrying next round");
                        break;
                    }
                }
            }
        }
    })
}

/// Where the chain breaks.
#[derive(Debug, PartialEq, Eq)]
pub enum Broken {
    /// The row's content or tag does not match its chain position.
    Changed { id: i64, seq: i64 },
    /// A sequence number is missing before this row.
    Missing { before_id: i64, expected_seq: i64 },
    /// Rows after the last one present were removed.
    TailCut { last_seq: i64, head_seq: i64 },
}

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Broken::Changed { id, seq } => {
                write!(f, "审计记录 id={id}（序号 {seq}）被改动 / row changed")
            }
            Broken::Missing {
                before_id,
                expected_seq,
            } => write!(
                f,
                "审计记录序号 {expected_seq} 缺失（位于 id={before_id} 之前）/ row missing"
            ),
            Broken::TailCut { last_seq, head_seq } => write!(
                f,
                "审计链尾部被截断：最后序号 {last_seq}，应为 {head_seq} / tail cut"
            ),
        }
    }
}

/// Walks the sealed chain; `Ok(count)` of verified rows or the first break.
pub async fn verify(db: &DatabaseConnection, key: &[u8]) -> Result<Result<u64, Broken>, DbErr> {
    let a = anchor(db, key).await?;
    let mut prev_seq = a.purged_seq;
    let mut prev_tag = a.purged_tag.clone();
    let mut checked = 0u64;
    loop {
        let rows = audit_log::Entity::find()
            .filter(audit_log::Column::SealSeq.gt(prev_seq))
            .order_by_asc(audit_log::Column::SealSeq)
            .limit(BATCH)
            .all(db)
            .await?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            let seq = row.seal_seq.expect("filtered on seal_seq");
            if seq != prev_seq + 1 {
                return Ok(Err(Broken::Missing {
                    before_id: row.id,
                    expected_seq: prev_seq + 1,
                }));
            }
            let expected = tag(key, &prev_tag, &row, seq);
            if row.tag.as_deref() != Some(expected.as_str()) {
                return Ok(Err(Broken::Changed { id: row.id, seq }));
            }
            prev_seq = seq;
            prev_tag = expected;
            checked += 1;
        }
    }
    if prev_seq != a.head_seq || prev_tag != a.head_tag {
        return Ok(Err(Broken::TailCut {
            last_seq: prev_seq,
            head_seq: a.head_seq,
        }));
    }
    Ok(Ok(checked))
}

/// Deletes sealed rows older than `before`, keeping the chain verifiable
/// from the anchor. Only a prefix of the chain is removed.
pub async fn purge(
    db: &DatabaseConnection,
    key: &[u8],
    before: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let txn = crate::core::db::begin(db).await?;
    let mut a = anchor(&txn, key).await?;
    // The first sealed row that must stay bounds the prefix.
    let first_kept = audit_log::Entity::find()
        .filter(audit_log::Column::SealSeq.is_not_null())
        .filter(audit_log::Column::At.gte(before))
        .order_by_asc(audit_log::Column::SealSeq)
        .one(&txn)
        .await?
        .and_then(|r| r.seal_seq)
        .unwrap_or(a.head_seq + 1);
    let last_purged = audit_log::Entity::find()
        .filter(audit_log::Column::SealSeq.lt(first_kept))
        .order_by_desc(audit_log::Column::SealSeq)
        .one(&txn)
        .await?;
    let Some(last) = last_purged else {
        txn.commit().await?;
        return Ok(0);
    };
    let deleted = audit_log::Entity::delete_many()
        .filter(audit_log::Column::SealSeq.lte(last.seal_seq))
        .exec(&txn)
        .await?
        .rows_affected;
    a.purged_seq = last.seal_seq.expect("sealed");
    a.purged_tag = last.tag.clone().expect("sealed");
    a.updated_at = Utc::now();
    save_anchor(&txn, a).await?;
    txn.commit().await?;
    Ok(deleted)
}
