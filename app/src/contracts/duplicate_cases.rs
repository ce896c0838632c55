//! The duplicate check as it meets a contract (F42/F43): what is compared
//! of a contract (built here and handed to the duplicates domain), the
//! statuses that take part, the index at submission and its rebuild, the
//! reviewer's panel and comparison with the decision, and the applicant's
//! notice and explanation.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use techreg_entities::contract::{contract, duplicate_decision, event, party};
use techreg_entities::org::office;

use super::Contracts;
use super::queues;
use super::service::{self, Full, is_own, object_scope, status_of};
use super::state::Status;
use crate::audit::{self, Entry, Outcome};
use crate::core::{Caller, DomainError, DomainResult, FieldErrors};
use crate::duplicates::{
    Decided, DecisionForm, Doc, Duplicates, Match, REASON_MAX, Score, Statuses, Subject,
};
use crate::security::rbac::perm;

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

static LIVE_STORED: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| LIVE.iter().map(|s| s.as_str()).collect());

/// The contract statuses as the duplicates domain needs them (given to it
/// at boot).
pub struct DuplicateStatuses;

impl Statuses for DuplicateStatuses {
    fn live(&self) -> &'static [&'static str] {
        &LIVE_STORED
    }

    fn label(&self, stored: &str) -> &'static str {
        Status::parse(stored).unwrap_or(Status::Draft).label()
    }
}

/// What is compared of a contract.
pub fn doc_of(c: &contract::Model, parties: &[party::Model]) -> Doc {
    let (seller, buyer) = Doc::sides(
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

/// A contract as the duplicate check takes it: what is compared and the
/// digests of its contract-text scans.
pub fn subject_of(full: &Full) -> Subject {
    Subject {
        id: full.contract.id,
        doc: doc_of(&full.contract, &full.parties),
        digests: full
            .attachments
            .iter()
            .filter(|a| a.kind == "contract")
            .map(|a| a.digest.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
    }
}

/// Rebuilds the duplicate index: every contract that has been submitted
/// (or was imported) gets its row; with `only_missing`, only those without
/// one. Returns the number of rows written.
pub async fn rebuild_duplicate_index<C: ConnectionTrait>(
    db: &C,
    only_missing: bool,
) -> Result<u64, DbErr> {
    if !only_missing {
        crate::duplicates::clear(db).await?;
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
        let have = if only_missing {
            crate::duplicates::indexed_among(db, &ids).await?
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
                crate::duplicates::row(c.id, &doc_of(c, ps))
            })
            .collect();
        written += rows.len() as u64;
        crate::duplicates::put_many(db, rows).await?;
    }
    Ok(written)
}

/// The exact duplicates of a submitted application still to be put
/// before its applicant.
pub async fn exact_for_applicant<C: ConnectionTrait>(
    cx: &Duplicates,
    db: &C,
    full: &Full,
) -> Result<Vec<Match>, DbErr> {
    let t = crate::duplicates::thresholds(cx).await;
    Ok(crate::duplicates::check(cx, db, &subject_of(full), &t)
        .await?
        .into_iter()
        .filter(|m| m.is_exact() && m.raised())
        .collect())
}

/// The applicant's latest explanation since the latest submission.
pub async fn explanation_of<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<String>, DbErr> {
    let last = event::Entity::find()
        .filter(event::Column::ContractId.eq(id))
        .filter(event::Column::Action.is_in(["submit", "duplicate_explain"]))
        .order_by_desc(event::Column::Id)
        .one(db)
        .await?;
    Ok(last
        .filter(|e| e.action == "duplicate_explain")
        .map(|e| e.reason))
}

/// The reviewer's panel on the case page: the matches, the offices' names
/// and the applicant's explanation. `None` for a draft.
pub struct Panel {
    pub matches: Vec<Match>,
    pub offices: BTreeMap<i64, String>,
    pub explanation: Option<String>,
}

pub async fn panel(cx: &Contracts, full: &Full) -> DomainResult<Option<Panel>> {
    if status_of(&full.contract) == Status::Draft {
        return Ok(None);
    }
    let db = &cx.core.db;
    let t = crate::duplicates::thresholds(&cx.duplicates).await;
    let matches = crate::duplicates::check(&cx.duplicates, db, &subject_of(full), &t).await?;
    let offices = office::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    Ok(Some(Panel {
        matches,
        offices,
        explanation: explanation_of(db, full.contract.id).await?,
    }))
}

/// The applicant's notice on a submitted application with exact
/// duplicates: the matches that are the applicant's own, how many others,
/// and the explanation given.
pub struct Notice {
    pub own: Vec<Match>,
    pub others: usize,
    pub explanation: Option<String>,
}

pub async fn notice(cx: &Contracts, caller: &Caller, full: &Full) -> DomainResult<Option<Notice>> {
    let c = &full.contract;
    if !LIVE.contains(&status_of(c)) {
        return Ok(None);
    }
    let db = &cx.core.db;
    let found = exact_for_applicant(&cx.duplicates, db, full).await?;
    if found.is_empty() {
        return Ok(None);
    }
    let (own, others): (Vec<Match>, Vec<Match>) =
        found.into_iter().partition(|m| is_own(caller, &m.other));
    Ok(Some(Notice {
        own,
        others: others.len(),
        explanation: explanation_of(db, c.id).await?,
    }))
}

/// The applicant's explanation of a duplicate.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ExplainForm {
    #[serde(default)]
    pub explanation: String,
}

impl ExplainForm {
    /// The explanation, required and at most `REASON_MAX` characters.
    pub fn check(&self) -> Result<String, FieldErrors> {
        let text = self.explanation.trim();
        let mut errors = FieldErrors::new();
        if text.is_empty() {
            errors.add("explanation", "请填写情况说明");
        } else if text.chars().count() > REASON_MAX {
            errors.add("explanation", "情况说明不能超过 2000 字");
        }
        if errors.is_empty() {
            Ok(text.to_owned())
        } else {
            Err(errors)
        }
    }
}

/// Records the applicant's explanation of the exact duplicates of a
/// submitted application (once per submission), with its event and audit
/// row.
pub async fn explain(
    cx: &Contracts,
    caller: &Caller,
    id: i64,
    form: &ExplainForm,
) -> DomainResult<()> {
    caller.require(perm::CONTRACT_APPLY)?;
    let db = &cx.core.db;
    let c = contract::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|c| is_own(caller, c))
        .ok_or(DomainError::NotFound)?;
    let status = status_of(&c);
    if !LIVE.contains(&status) {
        return Err(DomainError::Conflict(
            "该申请尚未提交或已办结，无需说明。".into(),
        ));
    }
    let full = service::load(db, id).await?.ok_or(DomainError::NotFound)?;
    if exact_for_applicant(&cx.duplicates, db, &full)
        .await?
        .is_empty()
    {
        return Err(DomainError::Conflict(
            "系统未发现与本申请重复的合同，无需说明。".into(),
        ));
    }
    if explanation_of(db, id).await?.is_some() {
        return Err(DomainError::Conflict("本申请的情况说明已经提交。".into()));
    }
    let text = form.check().map_err(DomainError::Invalid)?;
    let now = cx.core.now();
    let txn = cx.core.begin().await?;
    let actor = caller.actor();
    event::ActiveModel {
        contract_id: Set(id),
        at: Set(now),
        actor: Set(actor.name.clone()),
        actor_user_id: Set(actor.user_id),
        acting_for: Set(actor.on_behalf_of.clone()),
        action: Set("duplicate_explain".into()),
        from_status: Set(status.as_str().into()),
        to_status: Set(status.as_str().into()),
        reason_code: Set(None),
        reason: Set(text.clone()),
        detail: Set("{}".into()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        now,
        &actor,
        Entry {
            action: "contract.duplicate_explain",
            object_type: Some("contract"),
            object_id: Some(id.to_string()),
            outcome: Outcome::Success,
            detail: json!({ "explanation": text }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The case (which the caller works on) and the other contract. Another
/// office's contract only as a match of this case (or a pair already
/// decided): an id typed into the address shows nothing.
async fn both(cx: &Contracts, caller: &Caller, id: i64, other: i64) -> DomainResult<(Full, Full)> {
    if queues::visible(caller).is_err() {
        return Err(DomainError::Forbidden("missing permission"));
    }
    let db = &cx.core.db;
    let a = service::load(db, id).await?.ok_or(DomainError::NotFound)?;
    if !queues::may_see(caller, &a.contract) || id == other {
        return Err(DomainError::NotFound);
    }
    let b = service::load(db, other)
        .await?
        .ok_or(DomainError::NotFound)?;
    if status_of(&b.contract) == Status::Draft {
        return Err(DomainError::NotFound);
    }
    if !queues::may_see(caller, &b.contract) {
        let t = crate::duplicates::thresholds(&cx.duplicates).await;
        if !crate::duplicates::related(&cx.duplicates, db, &subject_of(&a), other, &t).await? {
            return Err(DomainError::NotFound);
        }
    }
    Ok((a, b))
}

/// The side-by-side comparison of a case with another contract: the pair
/// as the check sees it (exact reasons included), its score and decision.
pub struct Comparison {
    pub a: Full,
    pub b: Full,
    pub exact: Vec<String>,
    pub score: Score,
    pub decision: Option<duplicate_decision::Model>,
    pub can_decide: bool,
}

/// Showing another office's contract for the comparison is recorded.
pub async fn comparison(
    cx: &Contracts,
    caller: &Caller,
    id: i64,
    other: i64,
) -> DomainResult<Comparison> {
    let (a, b) = both(cx, caller, id, other).await?;
    let db = &cx.core.db;
    let t = crate::duplicates::thresholds(&cx.duplicates).await;
    let (sa, sb) = (subject_of(&a), subject_of(&b));
    let found = crate::duplicates::check(&cx.duplicates, db, &sa, &t).await?;
    let score =
        crate::duplicates::score(&sa.doc, &sa.doc.shingles(), &sb.doc, &sb.doc.shingles(), &t);
    let exact = found
        .iter()
        .find(|m| m.other.id == other)
        .map(|m| m.exact.clone())
        .unwrap_or_default();
    let decision = crate::duplicates::decision_of(db, id, other).await?;
    if !queues::may_see(caller, &b.contract) {
        crate::duplicates::record_comparison(&cx.duplicates, caller, id, other).await?;
    }
    let can_decide = crate::duplicates::may_decide(caller, &object_scope(&a.contract));
    Ok(Comparison {
        a,
        b,
        exact,
        score,
        decision,
        can_decide,
    })
}

/// The reviewer's decision on the pair, for a case the caller works on.
pub async fn decide(
    cx: &Contracts,
    caller: &Caller,
    id: i64,
    other: i64,
    form: &DecisionForm,
) -> DomainResult<Decided> {
    let (a, _) = both(cx, caller, id, other).await?;
    let scope = object_scope(&a.contract);
    crate::duplicates::decide(&cx.duplicates, caller, &scope, id, other, form).await
}
