//! The dictionary rows: reads, and the writes each admin action makes
//! inside its transaction. Every write bumps the `dictionary` cache
//! version in the same transaction, so all nodes drop their cache.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr,
    EntityTrait, QueryFilter, QueryOrder,
};
use techreg_entities::system::{dictionary, dictionary_entry};

use super::cache::CACHE_NAME;
use super::model::{EntryEdit, NewEntry};
use crate::core::{DomainError, DomainResult, version};
use crate::settings::bump_version;

/// The version check failed, in the dictionary screen's words.
pub fn stale() -> DomainError {
    DomainError::Conflict("该条目已由他人处理，请刷新后重试。".into())
}

fn reworded(e: DomainError) -> DomainError {
    match e {
        DomainError::Conflict(_) => stale(),
        other => other,
    }
}

/// A dictionary's entries from the database, in display order.
pub async fn load_entries<C: ConnectionTrait>(
    db: &C,
    dict: &str,
) -> Result<Vec<dictionary_entry::Model>, DbErr> {
    dictionary_entry::Entity::find()
        .filter(dictionary_entry::Column::DictionaryCode.eq(dict))
        .order_by_asc(dictionary_entry::Column::SortOrder)
        .order_by_asc(dictionary_entry::Column::Code)
        .all(db)
        .await
}

/// Every dictionary, in display order.
pub async fn dictionaries<C: ConnectionTrait>(db: &C) -> Result<Vec<dictionary::Model>, DbErr> {
    dictionary::Entity::find()
        .order_by_asc(dictionary::Column::SortOrder)
        .order_by_asc(dictionary::Column::Code)
        .all(db)
        .await
}

/// Every entry of every dictionary.
pub async fn all_entries<C: ConnectionTrait>(
    db: &C,
) -> Result<Vec<dictionary_entry::Model>, DbErr> {
    dictionary_entry::Entity::find().all(db).await
}

pub async fn find_dictionary<C: ConnectionTrait>(
    db: &C,
    code: &str,
) -> Result<Option<dictionary::Model>, DbErr> {
    dictionary::Entity::find_by_id(code.to_owned())
        .one(db)
        .await
}

pub async fn find_entry<C: ConnectionTrait>(
    db: &C,
    dict: &str,
    id: i64,
) -> Result<Option<dictionary_entry::Model>, DbErr> {
    dictionary_entry::Entity::find_by_id(id)
        .filter(dictionary_entry::Column::DictionaryCode.eq(dict))
        .one(db)
        .await
}

/// Adds an entry made by an admin (never built in).
pub async fn add_entry<C: ConnectionTrait>(
    db: &C,
    dict: &str,
    e: &NewEntry,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<dictionary_entry::Model, DbErr> {
    let row = dictionary_entry::ActiveModel {
        dictionary_code: Set(dict.to_owned()),
        code: Set(e.code.clone()),
        label: Set(e.label.clone()),
        parent_code: Set(e.parent_code.clone()),
        sort_order: Set(e.sort_order),
        active: Set(true),
        built_in: Set(false),
        version: Set(0),
        updated_at: Set(now),
        updated_by: Set(actor.to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    bump_version(db, CACHE_NAME).await?;
    Ok(row)
}

/// Changes label, parent and order if `version` is still current.
pub async fn edit_entry<C: ConnectionTrait>(
    db: &C,
    id: i64,
    at_version: i32,
    e: &EntryEdit,
    actor: &str,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let update = dictionary_entry::Entity::update_many()
        .col_expr(
            dictionary_entry::Column::Label,
            Expr::value(e.label.clone()),
        )
        .col_expr(
            dictionary_entry::Column::ParentCode,
            Expr::value(e.parent_code.clone()),
        )
        .col_expr(
            dictionary_entry::Column::SortOrder,
            Expr::value(e.sort_order),
        )
        .col_expr(dictionary_entry::Column::UpdatedAt, Expr::value(now))
        .col_expr(dictionary_entry::Column::UpdatedBy, Expr::value(actor));
    version::update_at(
        db,
        update,
        dictionary_entry::Column::Id.eq(id),
        dictionary_entry::Column::Version,
        at_version,
    )
    .await
    .map_err(reworded)?;
    bump_version(db, CACHE_NAME).await?;
    Ok(())
}

/// Deactivates or reactivates if `version` is still current (and the
/// entry is not so already).
pub async fn set_active<C: ConnectionTrait>(
    db: &C,
    id: i64,
    at_version: i32,
    active: bool,
    actor: &str,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let update = dictionary_entry::Entity::update_many()
        .col_expr(dictionary_entry::Column::Active, Expr::value(active))
        .col_expr(dictionary_entry::Column::UpdatedAt, Expr::value(now))
        .col_expr(dictionary_entry::Column::UpdatedBy, Expr::value(actor));
    version::update_at(
        db,
        update,
        Condition::all()
            .add(dictionary_entry::Column::Id.eq(id))
            .add(dictionary_entry::Column::Active.eq(!active)),
        dictionary_entry::Column::Version,
        at_version,
    )
    .await
    .map_err(reworded)?;
    bump_version(db, CACHE_NAME).await?;
    Ok(())
}

/// Deletes if `version` is still current. The caller checks references
/// first (`references::count`) in the same transaction.
pub async fn delete_entry<C: ConnectionTrait>(
    db: &C,
    id: i64,
    at_version: i32,
) -> DomainResult<()> {
    let deleted = dictionary_entry::Entity::delete_many()
        .filter(dictionary_entry::Column::Id.eq(id))
        .filter(dictionary_entry::Column::Version.eq(at_version))
        .exec(db)
        .await?
        .rows_affected;
    if deleted == 0 {
        return Err(stale());
    }
    bump_version(db, CACHE_NAME).await?;
    Ok(())
}
