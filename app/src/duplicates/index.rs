//! Writing the index: one `contract_fingerprint` row per submitted
//! contract, replaced in the transaction that submits or changes it. The
//! contracts domain builds each row's `Doc` and rebuilds the whole index
//! (`techreg duplicates rebuild`) with these functions.

use std::collections::BTreeSet;

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use techreg_entities::contract::fingerprint;

use super::model::{Doc, Subject};
use super::similarity::bands;

/// The index row of a contract.
pub fn row(contract_id: i64, d: &Doc) -> fingerprint::ActiveModel {
    let b = bands(&d.shingles());
    fingerprint::ActiveModel {
        contract_id: Set(contract_id),
        number_key: Set(d.number_key()),
        content_key: Set(d.content_key()),
        seller_key: Set(d.seller),
        buyer_key: Set(d.buyer),
        b0: Set(b[0]),
        b1: Set(b[1]),
        b2: Set(b[2]),
        b3: Set(b[3]),
        b4: Set(b[4]),
        b5: Set(b[5]),
    }
}

fn upsert() -> OnConflict {
    use fingerprint::Column as F;
    OnConflict::column(F::ContractId)
        .update_columns([
            F::NumberKey,
            F::ContentKey,
            F::SellerKey,
            F::BuyerKey,
            F::B0,
            F::B1,
            F::B2,
            F::B3,
            F::B4,
            F::B5,
        ])
        .to_owned()
}

/// Writes (or replaces) the index row of a contract.
pub async fn put<C: ConnectionTrait>(db: &C, subject: &Subject) -> Result<(), DbErr> {
    fingerprint::Entity::insert(row(subject.id, &subject.doc))
        .on_conflict(upsert())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Writes many rows, in statements of at most 1 000.
pub async fn put_many<C: ConnectionTrait>(
    db: &C,
    rows: Vec<fingerprint::ActiveModel>,
) -> Result<(), DbErr> {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(1000).collect();
        fingerprint::Entity::insert_many(chunk)
            .on_conflict(upsert())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Empties the index (before a full rebuild).
pub async fn clear<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    fingerprint::Entity::delete_many().exec(db).await?;
    Ok(())
}

/// Of `ids`, the contracts that have an index row.
pub async fn indexed_among<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
) -> Result<BTreeSet<i64>, DbErr> {
    Ok(fingerprint::Entity::find()
        .select_only()
        .column(fingerprint::Column::ContractId)
        .filter(fingerprint::Column::ContractId.is_in(ids.iter().copied()))
        .into_tuple::<i64>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}
