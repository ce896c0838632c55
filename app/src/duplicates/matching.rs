//! Checking one contract against the index.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use techreg_entities::contract::{attachment, contract, duplicate_decision, fingerprint};

use super::Duplicates;
use super::model::{Doc, Match, Subject, Thresholds, pair};
use super::similarity::{bands, score};

/// Most candidates the bands may bring for one check.
const MAX_CANDIDATES: u64 = 300;

/// Candidates found so far: the index rows by contract, and why each exact
/// one is a duplicate (F42).
#[derive(Default)]
struct Found {
    rows: BTreeMap<i64, fingerprint::Model>,
    exact: BTreeMap<i64, Vec<String>>,
}

/// Duplicates and possible duplicates of `subject` among the other live
/// contracts: exact ones first, then by score. Decided pairs carry their
/// decision.
pub async fn check<C: ConnectionTrait>(
    cx: &Duplicates,
    db: &C,
    subject: &Subject,
    t: &Thresholds,
) -> Result<Vec<Match>, DbErr> {
    let (me, doc) = (subject.id, &subject.doc);
    let shingles = doc.shingles();
    let mut found = Found::default();
    by_exact_keys(db, me, doc, &mut found).await?;
    by_same_scans(db, me, &subject.digests, &mut found).await?;
    by_bands(db, me, &shingles, &mut found).await?;
    let ids: BTreeSet<i64> = found
        .rows
        .keys()
        .chain(found.exact.keys())
        .copied()
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let others = contract::Entity::find()
        .filter(contract::Column::Id.is_in(ids.iter().copied()))
        .filter(contract::Column::Status.is_in(cx.statuses.live().iter().copied()))
        .all(db)
        .await?;
    let decisions = decisions_with(db, me, &ids).await?;
    let mut out = Vec::new();
    for other in others {
        let (seller, buyer) = found
            .rows
            .get(&other.id)
            .map(|r| (r.seller_key, r.buyer_key))
            .unwrap_or((0, 0));
        let od = Doc {
            name: other.name.clone(),
            contract_number: other.contract_number.clone(),
            summary: other.summary.clone(),
            deal_amount: other.deal_amount,
            signed_on: other.signed_on,
            seller,
            buyer,
        };
        let s = score(doc, &shingles, &od, &od.shingles(), t);
        let why = found.exact.remove(&other.id).unwrap_or_default();
        if why.is_empty() && s.score < t.min_score {
            continue;
        }
        out.push(Match {
            decision: decisions.get(&pair(me, other.id)).cloned(),
            other,
            exact: why,
            score: s.score,
            reasons: s.reasons,
        });
    }
    out.sort_by(|a, b| {
        b.is_exact()
            .cmp(&a.is_exact())
            .then(b.score.cmp(&a.score))
            .then(a.other.id.cmp(&b.other.id))
    });
    Ok(out)
}

/// F42: the same parties and contract number, or the same name, amount and
/// signing date.
async fn by_exact_keys<C: ConnectionTrait>(
    db: &C,
    me: i64,
    doc: &Doc,
    found: &mut Found,
) -> Result<(), DbErr> {
    use fingerprint::Column as F;
    let (number, content) = (doc.number_key(), doc.content_key());
    if number.is_none() && content.is_none() {
        return Ok(());
    }
    let mut keys = Condition::any();
    if let Some(k) = number {
        keys = keys.add(F::NumberKey.eq(k));
    }
    if let Some(k) = content {
        keys = keys.add(F::ContentKey.eq(k));
    }
    for r in fingerprint::Entity::find()
        .filter(keys)
        .filter(F::ContractId.ne(me))
        .limit(MAX_CANDIDATES)
        .all(db)
        .await?
    {
        let why = found.exact.entry(r.contract_id).or_default();
        if number.is_some() && r.number_key == number {
            why.push("卖方、买方相同且合同编号相同".into());
        }
        if content.is_some() && r.content_key == content {
            why.push("合同名称、成交额、签订日期均相同".into());
        }
        found.rows.insert(r.contract_id, r);
    }
    Ok(())
}

/// F42: a contract-text scan with the same SM3 digest.
async fn by_same_scans<C: ConnectionTrait>(
    db: &C,
    me: i64,
    digests: &[String],
    found: &mut Found,
) -> Result<(), DbErr> {
    if digests.is_empty() {
        return Ok(());
    }
    let same: Vec<i64> = attachment::Entity::find()
        .select_only()
        .column(attachment::Column::ContractId)
        .distinct()
        .filter(attachment::Column::Kind.eq("contract"))
        .filter(attachment::Column::Digest.is_in(digests.iter().cloned()))
        .filter(attachment::Column::ContractId.ne(me))
        .limit(MAX_CANDIDATES)
        .into_tuple()
        .all(db)
        .await?;
    for id in same {
        found
            .exact
            .entry(id)
            .or_default()
            .push("合同文本扫描件相同（SM3 摘要一致）".into());
    }
    Ok(())
}

/// F43: the candidates sharing a band, and the index rows of the exact
/// ones not found so.
async fn by_bands<C: ConnectionTrait>(
    db: &C,
    me: i64,
    shingles: &[u64],
    found: &mut Found,
) -> Result<(), DbErr> {
    use fingerprint::Column as F;
    let cols = [F::B0, F::B1, F::B2, F::B3, F::B4, F::B5];
    let mut any = Condition::any();
    let mut has_band = false;
    for (col, b) in cols.iter().zip(bands(shingles)) {
        if let Some(b) = b {
            any = any.add(col.eq(b));
            has_band = true;
        }
    }
    if has_band {
        for r in fingerprint::Entity::find()
            .filter(any)
            .filter(F::ContractId.ne(me))
            .limit(MAX_CANDIDATES)
            .all(db)
            .await?
        {
            found.rows.insert(r.contract_id, r);
        }
    }
    let missing: Vec<i64> = found
        .exact
        .keys()
        .filter(|id| !found.rows.contains_key(id))
        .copied()
        .collect();
    if !missing.is_empty() {
        for r in fingerprint::Entity::find()
            .filter(F::ContractId.is_in(missing))
            .all(db)
            .await?
        {
            found.rows.insert(r.contract_id, r);
        }
    }
    Ok(())
}

/// The decisions on the pairs of `me` with `ids`.
async fn decisions_with<C: ConnectionTrait>(
    db: &C,
    me: i64,
    ids: &BTreeSet<i64>,
) -> Result<BTreeMap<(i64, i64), duplicate_decision::Model>, DbErr> {
    use duplicate_decision::Column as D;
    Ok(duplicate_decision::Entity::find()
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(D::ContractA.eq(me))
                        .add(D::ContractB.is_in(ids.iter().copied())),
                )
                .add(
                    Condition::all()
                        .add(D::ContractB.eq(me))
                        .add(D::ContractA.is_in(ids.iter().copied())),
                ),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|d| ((d.contract_a, d.contract_b), d))
        .collect())
}

/// Whether `other` is raised by the check of `subject`, or the pair was
/// decided: another office's contract may be compared only then.
pub async fn related<C: ConnectionTrait>(
    cx: &Duplicates,
    db: &C,
    subject: &Subject,
    other: i64,
    t: &Thresholds,
) -> Result<bool, DbErr> {
    if check(cx, db, subject, t)
        .await?
        .iter()
        .any(|m| m.other.id == other)
    {
        return Ok(true);
    }
    Ok(decision_of(db, subject.id, other).await?.is_some())
}

/// The decision on the pair, if any.
pub async fn decision_of<C: ConnectionTrait>(
    db: &C,
    a: i64,
    b: i64,
) -> Result<Option<duplicate_decision::Model>, DbErr> {
    let (x, y) = pair(a, b);
    duplicate_decision::Entity::find()
        .filter(duplicate_decision::Column::ContractA.eq(x))
        .filter(duplicate_decision::Column::ContractB.eq(y))
        .one(db)
        .await
}
