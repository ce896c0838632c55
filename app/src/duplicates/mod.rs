//! Duplicate contracts (重复合同, F42) and possible duplicates (可能重复合同,
//! F43).
//!
//! Every submitted contract has one row in `contract_fingerprint`, written
//! in the transaction that submits (or changes) it: two exact keys, the
//! identities of seller and buyer, and six MinHash-LSH band hashes of the
//! character trigrams of its normalised name and summary. A check looks the
//! new contract's keys and bands up in the indexed columns, then scores each
//! candidate exactly (trigram Jaccard, parties, amount, signing date) and
//! lists the reasons. Everything is computed with fixed seeds, so every node
//! (and every rebuild) computes the same rows. Design and tuning:
//! docs/decisions/duplicates.md.
//!
//! The contracts domain builds what is compared of a contract (`Doc`, in a
//! `Subject` with its id and scan digests), indexes and checks it at
//! submission, rebuilds the index, and shows the reviewer's comparison and
//! the applicant's notice; the statuses that take part come from it at boot
//! (`Statuses`). This domain keeps the index, the check, the decisions on
//! pairs and the supervision batch check.

mod index;
mod matching;
mod model;
mod present;
mod report;
mod routes;
mod service;
mod similarity;

use std::sync::Arc;

pub use index::{clear, indexed_among, put, put_many, row};
pub use matching::{check, decision_of, related};
pub use model::{
    DUPLICATE, DecisionForm, Doc, Match, NOT_DUPLICATE, REASON_MAX, Score, Statuses, Subject,
    Thresholds, decision_label, pair,
};
pub use present::kind_label;
pub use routes::routes;
pub use service::{Decided, decide, may_decide, record_comparison, thresholds};
pub use similarity::{
    BANDS, ROWS, bands, jaccard, key, minhash, normalize, normalize_name, party_key, score,
    shingles,
};

/// The duplicates domain's handle (the duplicate index and its checks): what its services need, built
/// at boot and given to its handlers as `Data<&Duplicates>`.
#[derive(Clone)]
pub struct Duplicates {
    pub core: crate::core::Core,
    pub settings: crate::settings::Settings,
    /// The contract statuses that take part, provided by contracts.
    pub statuses: Arc<dyn Statuses>,
}
