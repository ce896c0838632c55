//! Proving a claim on an enterprise: the applicant uploads the business
//! licence and an authorisation letter; staff with `enterprise.verify`
//! (the responsible office, or the city office) approve or reject with a
//! reason. Approval activates the account with the enterprise admin role
//! and marks the enterprise verified.

use std::collections::BTreeMap;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde_json::json;
use techreg_entities::identity::{app_user, enterprise_claim};
use techreg_entities::org::enterprise;

use super::Identity;
use super::login::mobile_of;
use super::model::{
    CLAIM_APPROVED, CLAIM_AWAITING_PROOF, CLAIM_REJECTED, CLAIM_SUBMITTED, DecisionForm,
    ENTERPRISE_VERIFIED, STATUS_ACTIVE, STATUS_PENDING,
};
use super::roles::assign_role;
use crate::audit::{self, Entry, Outcome};
use crate::core::clock::shanghai_date;
use crate::core::{Caller, DomainError, DomainResult, FieldErrors, ObjectScope, Scope};
use crate::files::FileError;
use crate::security::rbac::perm;

/// A claim with its enterprise.
pub struct Claim {
    pub claim: enterprise_claim::Model,
    pub enterprise: enterprise::Model,
}

async fn with_enterprise(id: &Identity, claim: enterprise_claim::Model) -> DomainResult<Claim> {
    let enterprise = enterprise::Entity::find_by_id(claim.enterprise_id)
        .one(&id.core.db)
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok(Claim { claim, enterprise })
}

async fn latest_own(id: &Identity, caller: &Caller) -> DomainResult<enterprise_claim::Model> {
    enterprise_claim::Entity::find()
        .filter(enterprise_claim::Column::UserId.eq(caller.user.id))
        .order_by_desc(enterprise_claim::Column::Id)
        .one(&id.core.db)
        .await?
        .ok_or(DomainError::NotFound)
}

/// The signed-in user's latest claim.
pub async fn own_claim(id: &Identity, caller: &Caller) -> DomainResult<Claim> {
    let claim = latest_own(id, caller).await?;
    with_enterprise(id, claim).await
}

/// The documents of a claim as uploaded, and the version the page showed.
pub struct Proof {
    pub licence: Vec<u8>,
    pub letter: Vec<u8>,
    pub version: Option<i32>,
}

/// Submits the documents of the user's claim (while it awaits them or was
/// rejected), each checked and stored.
pub async fn submit_proof(id: &Identity, caller: &Caller, proof: &Proof) -> DomainResult<()> {
    let claim = latest_own(id, caller).await?;
    if claim.status != CLAIM_AWAITING_PROOF && claim.status != CLAIM_REJECTED {
        return Err(DomainError::Rejected(
            "该认领已提交或已处理，不能再上传材料".into(),
        ));
    }
    let txn = id.core.begin().await?;
    let mut digests = BTreeMap::new();
    let mut errors = FieldErrors::new();
    for (name, bytes) in [("licence", &proof.licence), ("letter", &proof.letter)] {
        match id.files.store(&txn, bytes).await {
            Ok(d) => {
                digests.insert(name, d);
            }
            Err(FileError::Io(e)) => return Err(DomainError::Internal(e.into())),
            Err(FileError::Db(e)) => return Err(e.into()),
            Err(_) if bytes.is_empty() => errors.add(name, "请选择文件"),
            Err(e) => errors.add(name, e.to_string()),
        }
    }
    if !errors.is_empty() {
        return Err(DomainError::Invalid(errors));
    }
    let now = id.core.now();
    let updated = enterprise_claim::Entity::update_many()
        .col_expr(
            enterprise_claim::Column::Status,
            Expr::value(CLAIM_SUBMITTED),
        )
        .col_expr(
            enterprise_claim::Column::LicenceDigest,
            Expr::value(digests["licence"].clone()),
        )
        .col_expr(
            enterprise_claim::Column::LetterDigest,
            Expr::value(digests["letter"].clone()),
        )
        .col_expr(
            enterprise_claim::Column::Version,
            Expr::value(claim.version + 1),
        )
        .filter(enterprise_claim::Column::Id.eq(claim.id))
        .filter(enterprise_claim::Column::Version.eq(proof.version.unwrap_or(claim.version)))
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(DomainError::Conflict(
            "材料已在其他页面提交，请刷新后查看。".into(),
        ));
    }
    audit::record(
        &txn,
        now,
        &caller.actor(),
        Entry {
            action: "claim.submit",
            object_type: Some("enterprise_claim"),
            object_id: Some(claim.id.to_string()),
            outcome: Outcome::Success,
            detail: json!({ "licence": digests["licence"], "letter": digests["letter"] }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A claim lives with its enterprise and the enterprise's responsible
/// office today.
async fn claim_scope(id: &Identity, enterprise_id: i64) -> DomainResult<ObjectScope> {
    let today = shanghai_date(id.core.now());
    let office = id
        .offices
        .responsible_office((&id.core.db).into(), enterprise_id, today)
        .await?;
    Ok(ObjectScope {
        office_id: office,
        enterprise_id: Some(enterprise_id),
        ..Default::default()
    })
}

/// A submitted claim in the queue, with its enterprise and applicant.
pub struct Queued {
    pub claim: enterprise_claim::Model,
    pub enterprise: Option<enterprise::Model>,
    pub applicant: Option<app_user::Model>,
}

/// The submitted claims the caller may verify, oldest first.
pub async fn queue(id: &Identity, caller: &Caller) -> DomainResult<Vec<Queued>> {
    caller.require(perm::ENTERPRISE_VERIFY)?;
    let mut out = Vec::new();
    for claim in enterprise_claim::Entity::find()
        .filter(enterprise_claim::Column::Status.eq(CLAIM_SUBMITTED))
        .order_by_asc(enterprise_claim::Column::Id)
        .all(&id.core.db)
        .await?
    {
        let scope = claim_scope(id, claim.enterprise_id).await?;
        if !caller
            .grants
            .covers(perm::ENTERPRISE_VERIFY, &scope, caller.user.id)
        {
            continue;
        }
        let enterprise = enterprise::Entity::find_by_id(claim.enterprise_id)
            .one(&id.core.db)
            .await?;
        let applicant = app_user::Entity::find_by_id(claim.user_id)
            .one(&id.core.db)
            .await?;
        out.push(Queued {
            claim,
            enterprise,
            applicant,
        });
    }
    Ok(out)
}

/// The claim, if the caller may verify it (forbidden without the
/// permission, not found outside their scope).
async fn reviewable(
    id: &Identity,
    caller: &Caller,
    claim_id: i64,
) -> DomainResult<enterprise_claim::Model> {
    caller.require(perm::ENTERPRISE_VERIFY)?;
    let claim = enterprise_claim::Entity::find_by_id(claim_id)
        .one(&id.core.db)
        .await?
        .ok_or(DomainError::NotFound)?;
    caller.require_on(
        perm::ENTERPRISE_VERIFY,
        &claim_scope(id, claim.enterprise_id).await?,
    )?;
    Ok(claim)
}

/// A claim under review: the claim, its applicant and their mobile.
pub struct Review {
    pub claim: Claim,
    pub applicant: app_user::Model,
    pub mobile: Option<String>,
}

pub async fn review(id: &Identity, caller: &Caller, claim_id: i64) -> DomainResult<Review> {
    let claim = with_enterprise(id, reviewable(id, caller, claim_id).await?).await?;
    let applicant = app_user::Entity::find_by_id(claim.claim.user_id)
        .one(&id.core.db)
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok(Review {
        mobile: mobile_of(id.keys.as_ref(), &applicant),
        claim,
        applicant,
    })
}

/// A document of a claim under review: its bytes and content type.
pub async fn document(
    id: &Identity,
    caller: &Caller,
    claim_id: i64,
    which: &str,
) -> DomainResult<(Vec<u8>, String)> {
    let claim = reviewable(id, caller, claim_id).await?;
    let digest = match which {
        "licence" => claim.licence_digest,
        "letter" => claim.letter_digest,
        _ => None,
    }
    .ok_or(DomainError::NotFound)?;
    id.files
        .load(&digest)
        .await
        .map_err(|e| DomainError::Internal(anyhow::anyhow!(e.to_string())))?
        .ok_or(DomainError::NotFound)
}

/// Approves a submitted claim, once (the version must still match).
pub async fn approve(
    id: &Identity,
    caller: &Caller,
    claim_id: i64,
    form: &DecisionForm,
) -> DomainResult<()> {
    let claim = reviewable(id, caller, claim_id).await?;
    decide(id, caller, &claim, form.version(), None).await
}

/// Rejects a submitted claim with its reason, once.
pub async fn reject(
    id: &Identity,
    caller: &Caller,
    claim_id: i64,
    form: &DecisionForm,
) -> DomainResult<()> {
    let claim = reviewable(id, caller, claim_id).await?;
    let reason = form.reason().map_err(DomainError::Invalid)?;
    decide(id, caller, &claim, form.version(), Some(reason)).await
}

/// Moves a submitted claim on: approved without a reason, rejected with
/// one.
async fn decide(
    id: &Identity,
    caller: &Caller,
    claim: &enterprise_claim::Model,
    version: i32,
    reason: Option<String>,
) -> DomainResult<()> {
    let approve = reason.is_none();
    let now = id.core.now();
    let txn = id.core.begin().await?;
    let updated = enterprise_claim::Entity::update_many()
        .col_expr(
            enterprise_claim::Column::Status,
            Expr::value(if approve {
                CLAIM_APPROVED
            } else {
                CLAIM_REJECTED
            }),
        )
        .col_expr(
            enterprise_claim::Column::Reason,
            Expr::value(reason.clone()),
        )
        .col_expr(
            enterprise_claim::Column::DecidedBy,
            Expr::value(caller.user.id),
        )
        .col_expr(enterprise_claim::Column::DecidedAt, Expr::value(now))
        .col_expr(
            enterprise_claim::Column::Version,
            Expr::value(claim.version + 1),
        )
        .filter(enterprise_claim::Column::Id.eq(claim.id))
        .filter(enterprise_claim::Column::Status.eq(CLAIM_SUBMITTED))
        .filter(enterprise_claim::Column::Version.eq(version))
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(DomainError::Conflict(
            "该认领已由他人处理，请刷新后查看最新状态。".into(),
        ));
    }
    if approve {
        activate(id, &txn, caller, claim, now).await?;
    }
    audit::record(&txn, now, &caller.actor(), Entry {
        action: if approve { "claim.approve" } else { "claim.reject" },
        object_type: Some("enterprise_claim"),
        object_id: Some(claim.id.to_string()),
        outcome: Outcome::Success,
        detail: json!({ "enterprise_id": claim.enterprise_id, "user_id": claim.user_id, "reason": reason }),
    })
    .await?;
    txn.commit().await?;
    Ok(())
}

/// What approval does: the applicant's account active, the enterprise
/// verified, the applicant its enterprise admin. An enterprise another
/// applicant has verified meanwhile is refused unless this claim contests
/// it.
async fn activate(
    id: &Identity,
    txn: &DatabaseTransaction,
    caller: &Caller,
    claim: &enterprise_claim::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> DomainResult<()> {
    let ent = enterprise::Entity::find_by_id(claim.enterprise_id)
        .one(txn)
        .await?;
    if ent
        .as_ref()
        .is_some_and(|e| e.status == ENTERPRISE_VERIFIED)
        && !claim.contested
    {
        return Err(DomainError::Conflict(
            "该单位已由其他申请人完成认证，本认领不能再通过；请不予通过并告知申请人联系本单位企业管理员。".into(),
        ));
    }
    let applicant = app_user::Entity::find_by_id(claim.user_id)
        .one(txn)
        .await?
        .ok_or(DomainError::NotFound)?;
    if applicant.status == STATUS_PENDING {
        let v = applicant.version;
        let mut m: app_user::ActiveModel = applicant.into();
        m.status = Set(STATUS_ACTIVE.into());
        m.version = Set(v + 1);
        m.update(txn).await?;
    }
    let ent = ent.ok_or(DomainError::NotFound)?;
    let mut e: enterprise::ActiveModel = ent.into();
    e.status = Set(ENTERPRISE_VERIFIED.into());
    e.updated_at = Set(now);
    e.update(txn).await?;
    assign_role(
        txn,
        id.keys.as_ref(),
        claim.user_id,
        "enterprise_admin",
        Scope::Enterprise(claim.enterprise_id),
        Some(caller.user.id),
        now,
    )
    .await
    .map_err(|e| DomainError::Internal(anyhow::anyhow!(e.to_string())))
}
