//! Checking one contract against the index.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use techreg_entities::contract::{attachment, contract, duplicate_decision, fingerprint};

use super::index::{doc_of_full, live_strs};
use super::{Doc, Thresholds, bands, score};
use crate::boot::AppState;
use crate::contracts::service::Full;

/// Most candidates the bands may bring for one check.
const MAX_CANDIDATES: u64 = 300;

pub const DUPLICATE: &str = "duplicate";
pub const NOT_DUPLICATE: &str = "not_duplicate";

/// Another contract that duplicates or may duplicate the one checked.
#[derive(Clone, Debug)]
pub struct Match {
    pub other: contract::Model,
    /// Why it is a duplicate (F42); empty for a possible duplicate.
    pub exact: Vec<String>,
    pub score: u32,
    pub reasons: Vec<String>,
    pub decision: Option<duplicate_decision::Model>,
}

impl Match {
    pub fn is_exact(&self) -> bool {
        !self.exact.is_empty()
    }

    /// Still to be put before the reviewer: not decided "not a duplicate".
    pub fn raised(&self) -> bool {
        self.decision
            .as_ref()
            .is_none_or(|d| d.decision != NOT_DUPLICATE)
    }
}

/// The configured thresholds.
pub async fn thresholds(state: &AppState) -> Thresholds {
    let d = Thresholds::default();
    let get = async |key: &str, default: i64| state.settings.get_i64(key).await.unwrap_or(default);
    Thresholds {
        min_score: get("duplicates.min_score", d.min_score as i64).await as u32,
        date_window_days: get("duplicates.date_window_days", d.date_window_days).await,
        amount_tolerance_pct: get("duplicates.amount_tolerance_pct", d.amount_tolerance_pct).await,
    }
}

/// The ordered pair a decision is kept under.
pub fn pair(a: i64, b: i64) -> (i64, i64) {
    (a.min(b), a.max(b))
}

/// Duplicates and possible duplicates of `full` among the other live
/// contracts: exact ones first, then by score. Decided pairs carry their
/// decision.
pub async fn check<C: ConnectionTrait>(
    db: &C,
    full: &Full,
    t: &Thresholds,
) -> Result<Vec<Match>, DbErr> {
    let me = full.contract.id;
    let doc = doc_of_full(full);
    check_doc(db, me, &doc, &contract_digests(full), t).await
}

fn contract_digests(full: &Full) -> Vec<String> {
    full.attachments
        .iter()
        .filter(|a| a.kind == "contract")
        .map(|a| a.digest.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

pub async fn check_doc<C: ConnectionTrait>(
    db: &C,
    me: i64,
    doc: &Doc,
    digests: &[String],
    t: &Thresholds,
) -> Result<Vec<Match>, DbErr> {
    use fingerprint::Column as F;
    let shingles = doc.shingles();
    let my_bands = bands(&shingles);
    let mut exact: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    // F42: the exact keys.
    let mut keys = Condition::any();
    let number = doc.number_key();
    let content = doc.content_key();
    if let Some(k) = number {
        keys = keys.add(F::NumberKey.eq(k));
    }
    if let Some(k) = content {
        keys = keys.add(F::ContentKey.eq(k));
    }
    let mut rows: BTreeMap<i64, fingerprint::Model> = BTreeMap::new();
    if number.is_some() || content.is_some() {
        for r in fingerprint::Entity::find()
            .filter(keys)
            .filter(F::ContractId.ne(me))
            .limit(MAX_CANDIDATES)
            .all(db)
            .await?
        {
            let why = exact.entry(r.contract_id).or_default();
            if number.is_some() && r.number_key == number {
                why.push("卖方、买方相同且合同编号相同".into());
            }
            if content.is_some() && r.content_key == content {
                why.push("合同名称、成交额、签订日期均相同".into());
            }
            rows.insert(r.contract_id, r);
        }
    }
    if !digests.is_empty() {
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
            exact
                .entry(id)
                .or_default()
                .push("合同文本扫描件相同（SM3 摘要一致）".into());
        }
    }
    // F43: candidates sharing a band.
    let cols = [F::B0, F::B1, F::B2, F::B3, F::B4, F::B5];
    let mut any = Condition::any();
    let mut has_band = false;
    for (col, b) in cols.iter().zip(my_bands) {
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
            rows.insert(r.contract_id, r);
        }
    }
    let missing: Vec<i64> = exact
        .keys()
        .filter(|id| !rows.contains_key(id))
        .copied()
        .collect();
    if !missing.is_empty() {
        for r in fingerprint::Entity::find()
            .filter(F::ContractId.is_in(missing))
            .all(db)
            .await?
        {
            rows.insert(r.contract_id, r);
        }
    }
    let ids: BTreeSet<i64> = rows.keys().chain(exact.keys()).copied().collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let others = contract::Entity::find()
        .filter(contract::Column::Id.is_in(ids.iter().copied()))
        .filter(contract::Column::Status.is_in(live_strs()))
        .all(db)
        .await?;
    let decisions: BTreeMap<(i64, i64), duplicate_decision::Model> =
        duplicate_decision::Entity::find()
            .filter(
                Condition::any()
                    .add(
                        Condition::all()
                            .add(duplicate_decision::Column::ContractA.eq(me))
                            .add(duplicate_decision::Column::ContractB.is_in(ids.iter().copied())),
                    )
                    .add(
                        Condition::all()
                            .add(duplicate_decision::Column::ContractB.eq(me))
                            .add(duplicate_decision::Column::ContractA.is_in(ids.iter().copied())),
                    ),
            )
            .all(db)
            .await?
            .into_iter()
            .map(|d| ((d.contract_a, d.contract_b), d))
            .collect();
    let mut out = Vec::new();
    for other in others {
        let (seller, buyer) = rows
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
        let why = exact.remove(&other.id).unwrap_or_default();
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
