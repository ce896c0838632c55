//! Optimistic locking. A row that two people may change at once carries a
//! `version` column; a form sends back the version it showed, and the write
//! succeeds only on that version, moving it on by one. The second of two
//! clicks, or of two people, gets `DomainError::Conflict` ("已由他人处理…")
//! and changes nothing.

use sea_orm::sea_query::{Expr, IntoCondition};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, UpdateMany};

use super::DomainError;

/// `Ok` when the row still has the version the form showed.
pub fn expect(current: i32, shown: i32) -> Result<(), DomainError> {
    if current == shown {
        Ok(())
    } else {
        Err(DomainError::stale())
    }
}

/// Runs `update` on the rows matching `which` at `version` (one row: `which`
/// names it by id), moving `version_col` on by one; conflict if no row was
/// at that version any more.
pub async fn update_at<E, C>(
    db: &C,
    update: UpdateMany<E>,
    which: impl IntoCondition,
    version_col: E::Column,
    version: i32,
) -> Result<(), DomainError>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let n = update
        .col_expr(version_col, Expr::value(version + 1))
        .filter(which)
        .filter(version_col.eq(version))
        .exec(db)
        .await?
        .rows_affected;
    if n == 0 {
        Err(DomainError::stale())
    } else {
        Ok(())
    }
}
