//! Fixed-window rate limits kept in the database, so every app node counts
//! against the same numbers and a restart does not reset them.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, DbErr, EntityTrait};
use techreg_entities::system::rate_counter;

/// Counts one hit on `key`; false when the limit for the window is used up.
pub async fn hit(
    db: &DatabaseConnection,
    key: &str,
    window: Duration,
    limit: i32,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let txn = crate::db::begin(db).await?;
    let row = rate_counter::Entity::find_by_id(key.to_owned())
        .one(&txn)
        .await?;
    let allowed = match row {
        None => {
            rate_counter::ActiveModel {
                key: Set(key.to_owned()),
                window_start: Set(now),
                count: Set(1),
            }
            .insert(&txn)
            .await?;
            true
        }
        Some(r) if r.window_start + window <= now => {
            let mut m: rate_counter::ActiveModel = r.into();
            m.window_start = Set(now);
            m.count = Set(1);
            m.update(&txn).await?;
            true
        }
        Some(r) if r.count >= limit => false,
        Some(r) => {
            let count = r.count + 1;
            let mut m: rate_counter::ActiveModel = r.into();
            m.count = Set(count);
            m.update(&txn).await?;
            true
        }
    };
    txn.commit().await?;
    Ok(allowed)
}
