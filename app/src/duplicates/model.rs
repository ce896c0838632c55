//! The duplicate check's values: what is compared of a contract (its
//! `Doc`, built by the contracts domain), the thresholds, a match with its
//! reasons, the reviewer's decision on a pair and the forms.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use techreg_entities::contract::{contract, duplicate_decision};

use super::similarity::{key, normalize, normalize_name, party_key, shingles};
use crate::core::{DomainError, FieldErrors};

/// What the duplicate check needs to know of the contracts' statuses,
/// provided by the contracts domain at boot.
pub trait Statuses: Send + Sync + 'static {
    /// The stored statuses whose contracts take part in duplicate checks.
    fn live(&self) -> &'static [&'static str];
    /// A stored status as people read it.
    fn label(&self, stored: &str) -> &'static str;
}

/// What is compared of one contract.
#[derive(Clone, Debug)]
pub struct Doc {
    pub name: String,
    pub contract_number: String,
    pub summary: String,
    pub deal_amount: Option<i64>,
    pub signed_on: Option<NaiveDate>,
    pub seller: i64,
    pub buyer: i64,
}

impl Doc {
    /// The identities of the first seller and the first buyer among
    /// `parties` (role, name, credit code); 0 for a side without one.
    pub fn sides<'a>(
        parties: impl Iterator<Item = (&'a str, &'a str, Option<&'a str>)>,
    ) -> (i64, i64) {
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

    /// The normalised name and summary the similarity is measured on.
    pub fn text(&self) -> String {
        let mut t = normalize_name(&self.name);
        t.push_str(&normalize(&self.summary));
        t
    }

    pub fn shingles(&self) -> Vec<u64> {
        shingles(&self.text(), 3)
    }

    pub fn number_key(&self) -> Option<i64> {
        let n = normalize(&self.contract_number);
        (!n.is_empty()).then(|| {
            key(&[
                "number",
                &self.seller.to_string(),
                &self.buyer.to_string(),
                &n,
            ])
        })
    }

    pub fn content_key(&self) -> Option<i64> {
        let name = normalize_name(&self.name);
        if name.is_empty() {
            return None;
        }
        Some(key(&[
            "content",
            &name,
            &self.deal_amount.map(|a| a.to_string()).unwrap_or_default(),
            &self.signed_on.map(|d| d.to_string()).unwrap_or_default(),
        ]))
    }
}

/// Configurable thresholds (settings `duplicates.*`).
#[derive(Clone, Copy, Debug)]
pub struct Thresholds {
    /// Lowest score (0–100) that raises a possible duplicate.
    pub min_score: u32,
    /// Signing dates this many days apart or closer count as the same.
    pub date_window_days: i64,
    /// Deal amounts differing by this many per cent or more count as
    /// unrelated.
    pub amount_tolerance_pct: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            min_score: 70,
            date_window_days: 31,
            amount_tolerance_pct: 10,
        }
    }
}

/// A scored comparison with its reasons in Chinese.
#[derive(Clone, Debug)]
pub struct Score {
    pub score: u32,
    pub text: f64,
    pub reasons: Vec<String>,
}

/// A contract to check or index: its id, what is compared, and the SM3
/// digests of its contract-text scans.
#[derive(Clone, Debug)]
pub struct Subject {
    pub id: i64,
    pub doc: Doc,
    pub digests: Vec<String>,
}

pub const DUPLICATE: &str = "duplicate";
pub const NOT_DUPLICATE: &str = "not_duplicate";

/// The reviewer's decision as shown.
pub fn decision_label(d: &str) -> &'static str {
    if d == DUPLICATE {
        "已确认重复"
    } else {
        "已判定不是重复"
    }
}

/// The ordered pair a decision is kept under.
pub fn pair(a: i64, b: i64) -> (i64, i64) {
    (a.min(b), a.max(b))
}

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

/// Longest decision reason.
pub const REASON_MAX: usize = 2000;

/// The reviewer's decision on a pair: 是重复 / 不是重复 with a reason, at
/// the version of the decision shown (0: none yet).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct DecisionForm {
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub version: String,
}

impl DecisionForm {
    /// The version and the decision, which only a tampered form gets
    /// wrong (400).
    pub fn parsed(&self) -> Result<(i32, &'static str), DomainError> {
        let version: i32 = self
            .version
            .trim()
            .parse()
            .map_err(|_| DomainError::BadRequest("version".into()))?;
        match self.decision.trim() {
            DUPLICATE => Ok((version, DUPLICATE)),
            NOT_DUPLICATE => Ok((version, NOT_DUPLICATE)),
            _ => Err(DomainError::BadRequest("decision".into())),
        }
    }

    /// The reason, required and at most `REASON_MAX` characters.
    pub fn check(&self) -> Result<String, FieldErrors> {
        let reason = self.reason.trim();
        let mut errors = FieldErrors::new();
        if reason.is_empty() {
            errors.add("reason", "请填写判定理由");
        } else if reason.chars().count() > REASON_MAX {
            errors.add("reason", "判定理由不能超过 2000 字");
        }
        if errors.is_empty() {
            Ok(reason.to_owned())
        } else {
            Err(errors)
        }
    }
}

/// The batch check's query: the period and, optionally, one office.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ReportQuery {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub office: String,
}
