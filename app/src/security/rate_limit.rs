//! Fixed-window rate limits kept in the database, so every app node counts
//! against the same numbers and a restart does not reset them. One atomic
//! upsert per hit: no read-then-write race between nodes.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, EntityName, Iden, StatementBuilder};
use techreg_entities::system::rate_counter;

/// Counts one hit on `key`; false when the limit for the window is used up.
pub async fn hit(
    db: &DatabaseConnection,
    key: &str,
    window: Duration,
    limit: i32,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    use rate_counter::Column as C;
    let now_s = now.timestamp();
    let expired_before = now_s - window.num_seconds();
    let table = rate_counter::Entity.table_name().to_owned();
    let old = |c: C| Expr::col((sea_orm::sea_query::Alias::new(&table), c));
    let expired = old(C::WindowStart).lte(expired_before);
    let mut insert = Query::insert();
    insert
        .into_table(rate_counter::Entity)
        .columns([C::Key, C::WindowStart, C::Count])
        .values_panic([key.into(), now_s.into(), 1.into()])
        .on_conflict(
            OnConflict::column(C::Key)
                .value(
                    C::Count,
                    Expr::case(expired.clone(), 1).finally(old(C::Count).add(1)),
                )
                .value(
                    C::WindowStart,
                    Expr::case(expired, now_s).finally(old(C::WindowStart)),
                )
                .to_owned(),
        )
        .returning_col(C::Count);
    let stmt = StatementBuilder::build(&insert, &db.get_database_backend());
    let row = db
        .query_one_raw(stmt)
        .await?
        .ok_or_else(|| DbErr::Custom("rate counter upsert returned nothing".into()))?;
    let count: i32 = row.try_get("", &C::Count.to_string())?;
    Ok(count <= limit)
}
