//! Writing the index: one `contract_fingerprint` row per submitted
//! contract, replaced in the transaction that submits or changes it, and
//! rebuilt from the contracts by `techreg duplicates rebuild`.

use std::collections::BTreeMap;

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use techreg_entities::contract::{contract, fingerprint, party};

use super::{Doc, bands, party_key};
use crate::contracts::service::Full;
use crate::contracts::state::Status;

/// Statuses whose contracts take part in duplicate checks: submitted and
/// everything after it that can still be or is registered.
pub const LIVE: [Status; 9] = [
    Status::Submitted,
    Status::Returned,
    Status::Reviewing,
    Status::ExpertReview,
    Status::LargeApproval,
    Status::PendingApproval,
    Status::Registered,
    Status::Changing,
    Status::Cancelling,
];

pub fn live_strs() -> Vec<&'static str> {
    LIVE.iter().map(|s| s.as_str()).collect()
}

/// The first seller's and the first buyer's identity.
pub fn sides<'a>(parties: impl Iterator<Item = (&'a str, &'a str, Option<&'a str>)>) -> (i64, i64) {
    let (mut seller, mut buyer) = (None, None);
    for (role, name, code) in parties {
        match role {
            "seller" if seller.is_none() => seller = Some(party_key(name, code)),
            "buyer" if buyer.is_none() => buyer = Some(party_key(name, code)),
            _ => {}
        }
    }
    (seller.unwrap_or(0), buyer.unwrap_or(0))
}

pub fn doc_of(c: &contract::Model, parties: &[party::Model]) -> Doc {
    let (seller, buyer) = sides(
        parties
            .iter()
            .map(|p| (p.role.as_str(), p.name.as_str(), p.credit_code.as_deref())),
    );
    Doc {
        name: c.name.clone(),
        contract_number: c.contract_number.clone(),
        summary: c.summary.clone(),
        deal_amount: c.deal_amount,
        signed_on: c.signed_on,
        seller,
        buyer,
    }
}

pub fn doc_of_full(full: &Full) -> Doc {
    doc_of(&full.contract, &full.parties)
}

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
pub async fn put<C: ConnectionTrait>(db: &C, full: &Full) -> Result<(), DbErr> {
    fingerprint::Entity::insert(row(full.contract.id, &doc_of_full(full)))
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

/// Rebuilds the index: every contract that has been submitted (or was
/// imported) gets its row; with `only_missing`, only those without one.
/// Returns the number of rows written.
pub async fn rebuild<C: ConnectionTrait>(db: &C, only_missing: bool) -> Result<u64, DbErr> {
    if !only_missing {
        fingerprint::Entity::delete_many().exec(db).await?;
    }
    let mut after = 0i64;
    let mut written = 0u64;
    loop {
        let batch = contract::Entity::find()
            .filter(contract::Column::Id.gt(after))
            .filter(contract::Column::Status.ne(Status::Draft.as_str()))
            .order_by_asc(contract::Column::Id)
            .limit(2000)
            .all(db)
            .await?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        let ids: Vec<i64> = batch.iter().map(|c| c.id).collect();
        let have: std::collections::BTreeSet<i64> = if only_missing {
            fingerprint::Entity::find()
                .select_only()
                .column(fingerprint::Column::ContractId)
                .filter(fingerprint::Column::ContractId.is_in(ids.clone()))
                .into_tuple::<i64>()
                .all(db)
                .await?
                .into_iter()
                .collect()
        } else {
            Default::default()
        };
        let mut parties: BTreeMap<i64, Vec<party::Model>> = BTreeMap::new();
        for p in party::Entity::find()
            .filter(party::Column::ContractId.is_in(ids))
            .order_by_asc(party::Column::Seq)
            .all(db)
            .await?
        {
            parties.entry(p.contract_id).or_default().push(p);
        }
        let rows: Vec<_> = batch
            .iter()
            .filter(|c| !have.contains(&c.id))
            .map(|c| {
                let ps = parties.get(&c.id).map(Vec::as_slice).unwrap_or(&[]);
                row(c.id, &doc_of(c, ps))
            })
            .collect();
        written += rows.len() as u64;
        put_many(db, rows).await?;
    }
    Ok(written)
}
