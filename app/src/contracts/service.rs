//! Contract applications: drafts saved step by step by the applicant,
//! submission with the logical checks (F50), routing to the responsible
//! office, and every later action through the state machine. Each write is
//! one transaction with a version check (a second click or a second reviewer
//! gets "已由他人处理"), a `contract_event` row and an audit row.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use rand::Rng;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, StatementBuilder,
};
use serde_json::{Value, json};
use techreg_entities::contract::{
    attachment, comment, contract, deduction, event, ip_item, party, registration_serial, snapshot,
};
use techreg_entities::identity::{role, role_assignment};
use techreg_entities::org::office;

use super::application::{self, Amounts, Basics, IpItem, Party, Problem, Technology};
use super::state::{self, Action, Guards, Status};
use crate::audit::{self, Actor, Entry, Outcome};
use crate::boot::AppState;
use crate::core::Caller;
use crate::core::ObjectScope;
use crate::core::clock::shanghai_date;
use crate::security::rbac::perm;
use crate::web::WebError;

/// A contract with everything that hangs off it.
#[derive(Debug, Clone)]
pub struct Full {
    pub contract: contract::Model,
    pub parties: Vec<party::Model>,
    pub deductions: Vec<deduction::Model>,
    pub ip_items: Vec<ip_item::Model>,
    pub attachments: Vec<attachment::Model>,
}

pub async fn load<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<Full>, DbErr> {
    let Some(c) = contract::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    Ok(Some(Full {
        parties: party::Entity::find()
            .filter(party::Column::ContractId.eq(id))
            .order_by_asc(party::Column::Seq)
            .all(db)
            .await?,
        deductions: deduction::Entity::find()
            .filter(deduction::Column::ContractId.eq(id))
            .order_by_asc(deduction::Column::Seq)
            .all(db)
            .await?,
        ip_items: ip_item::Entity::find()
            .filter(ip_item::Column::ContractId.eq(id))
            .order_by_asc(ip_item::Column::Seq)
            .all(db)
            .await?,
        attachments: attachment::Entity::find()
            .filter(attachment::Column::ContractId.eq(id))
            .order_by_asc(attachment::Column::Id)
            .all(db)
            .await?,
        contract: c,
    }))
}

/// Where a contract lives, for scope checks.
pub fn object_scope(c: &contract::Model) -> ObjectScope {
    ObjectScope {
        office_id: c.office_id,
        enterprise_id: c.enterprise_id,
        owner_user_id: Some(c.applicant_user_id),
        ..Default::default()
    }
}

pub fn status_of(c: &contract::Model) -> Status {
    Status::parse(&c.status).unwrap_or(Status::Draft)
}

impl Full {
    pub fn basics(&self) -> Basics {
        let c = &self.contract;
        Basics {
            category: c.category.clone().unwrap_or_default(),
            subtype: c.subtype.clone().unwrap_or_default(),
            name: c.name.clone(),
            contract_number: c.contract_number.clone(),
            signed_on: c.signed_on,
            valid_from: c.valid_from,
            valid_to: c.valid_to,
            applicant_side: c.applicant_side.clone(),
        }
    }

    pub fn parties_input(&self) -> Vec<Party> {
        self.parties
            .iter()
            .map(|p| Party {
                role: p.role.clone(),
                name: p.name.clone(),
                credit_code: p.credit_code.clone(),
                region: p.region.clone(),
                legal_form: p.legal_form.clone(),
                country: p.country.clone(),
                contact: p.contact.clone(),
            })
            .collect()
    }

    pub fn amounts(&self) -> Amounts {
        Amounts {
            deal_amount: self.contract.deal_amount,
            deductions: self
                .deductions
                .iter()
                .map(|d| (d.item.clone(), d.amount))
                .collect(),
            payment_method: self.contract.payment_method.clone(),
            payment_schedule: self.contract.payment_schedule.clone(),
        }
    }

    pub fn technology(&self) -> Technology {
        let c = &self.contract;
        Technology {
            tech_field: c.tech_field.clone().unwrap_or_default(),
            socio_goal: c.socio_goal.clone(),
            project_leader: c.project_leader.clone(),
            leader_phone: c.leader_phone.clone(),
            summary: c.summary.clone(),
            ip_items: self
                .ip_items
                .iter()
                .map(|i| IpItem {
                    ip_type: i.ip_type.clone(),
                    number: i.number.clone(),
                    owner: i.owner.clone(),
                })
                .collect(),
        }
    }

    pub fn contract_scans(&self) -> usize {
        self.attachments
            .iter()
            .filter(|a| a.kind == "contract")
            .count()
    }

    /// The application as the applicant sees it, for snapshots and diffs.
    pub fn snapshot(&self) -> Value {
        let c = &self.contract;
        json!({
            "category": c.category, "subtype": c.subtype, "name": c.name,
            "contract_number": c.contract_number, "signed_on": c.signed_on,
            "valid_from": c.valid_from, "valid_to": c.valid_to,
            "applicant_side": c.applicant_side,
            "parties": self.parties.iter().map(|p| json!({
                "role": p.role, "name": p.name, "credit_code": p.credit_code,
                "region": p.region, "legal_form": p.legal_form, "country": p.country,
                "contact": p.contact,
            })).collect::<Vec<_>>(),
            "deal_amount": c.deal_amount, "tech_amount": c.tech_amount,
            "deductions": self.deductions.iter().map(|d| json!([d.item, d.amount])).collect::<Vec<_>>(),
            "payment_method": c.payment_method, "payment_schedule": c.payment_schedule,
            "tech_field": c.tech_field, "socio_goal": c.socio_goal,
            "project_leader": c.project_leader, "leader_phone": c.leader_phone,
            "summary": c.summary,
            "ip_items": self.ip_items.iter().map(|i| json!([i.ip_type, i.number, i.owner])).collect::<Vec<_>>(),
            "attachments": self.attachments.iter().map(|a| json!({
                "kind": a.kind, "digest": a.digest, "file_name": a.file_name,
            })).collect::<Vec<_>>(),
        })
    }
}

/// The active dictionary codes the checks need.
pub struct Codes {
    pub legal_forms: BTreeSet<String>,
    pub regions: BTreeSet<String>,
    pub tech_fields: BTreeSet<String>,
    pub socio_goals: BTreeSet<String>,
    pub ip_types: BTreeSet<String>,
}

pub async fn codes(state: &AppState) -> Result<Codes, DbErr> {
    use crate::dictionary::{
        DICT_DISTRICT, DICT_IP_TYPE, DICT_LEGAL_FORM, DICT_SOCIO_GOAL, DICT_TECH_FIELD,
    };
    let set = |v: std::sync::Arc<Vec<crate::dictionary::Entry>>| {
        v.iter().map(|e| e.code.clone()).collect::<BTreeSet<_>>()
    };
    let d = &state.dictionaries;
    Ok(Codes {
        legal_forms: set(d.active(DICT_LEGAL_FORM).await?),
        regions: set(d.active(DICT_DISTRICT).await?),
        tech_fields: set(d.active(DICT_TECH_FIELD).await?),
        socio_goals: set(d.active(DICT_SOCIO_GOAL).await?),
        ip_types: set(d.active(DICT_IP_TYPE).await?),
    })
}

/// Every logical check of a whole application (F50).
pub fn check_all(full: &Full, codes: &Codes, today: NaiveDate) -> Vec<Problem> {
    let basics = full.basics();
    let mut p = application::check_basics(&basics, today);
    p.extend(application::check_parties(
        &full.parties_input(),
        &codes.legal_forms,
        &codes.regions,
    ));
    p.extend(application::check_amounts(&full.amounts()));
    p.extend(application::check_technology(
        &full.technology(),
        &basics.category,
        &codes.tech_fields,
        &codes.socio_goals,
        &codes.ip_types,
    ));
    p.extend(application::check_submission(
        &basics,
        full.contract_scans(),
        today,
    ));
    p
}

fn conflict() -> WebError {
    WebError::Conflict("该申请已由他人处理或已在其他窗口中修改，请刷新后查看最新状态。".into())
}

/// A random approval code that cannot collide with the one-stop
/// platform's: the configured prefix (never used by the platform), the date
/// and ten random digits.
async fn new_approval_code(state: &AppState, now: DateTime<Utc>) -> Result<String, WebError> {
    let prefix = state
        .settings
        .get_string("contracts.approval_code_prefix")
        .await
        .map_err(|e| WebError::Internal(e.into()))?;
    let n: u64 = rand::rng().random_range(0..10_000_000_000);
    Ok(format!(
        "{prefix}{}{n:010}",
        shanghai_date(now).format("%Y%m%d")
    ))
}

/// A new, empty application of the signed-in applicant.
pub async fn create_draft(state: &AppState, user: &Caller) -> Result<contract::Model, WebError> {
    user.require(perm::CONTRACT_APPLY)?;
    let now = state.core.clock.now();
    let code = new_approval_code(state, now).await?;
    let txn = crate::core::db::begin(&state.core.db).await?;
    let c = contract::ActiveModel {
        approval_code: Set(code),
        rule_version: Set(super::categories::RULES_2026.into()),
        status: Set(Status::Draft.as_str().into()),
        name: Set(String::new()),
        contract_number: Set(String::new()),
        payment_method: Set(String::new()),
        payment_schedule: Set(String::new()),
        project_leader: Set(String::new()),
        leader_phone: Set(String::new()),
        summary: Set(String::new()),
        enterprise_id: Set(user.user.enterprise_id),
        applicant_user_id: Set(user.user.id),
        applicant_side: Set("seller".into()),
        steps_done: Set(0),
        large: Set(false),
        round: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(0),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry {
            action: "contract.create",
            object_type: Some("contract"),
            object_id: Some(c.id.to_string()),
            outcome: Outcome::Success,
            detail: json!({ "approval_code": c.approval_code }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(c)
}

/// The applicant's own contract, or 404 (403 without the permission).
pub async fn own<C: ConnectionTrait>(
    db: &C,
    user: &Caller,
    id: i64,
) -> Result<contract::Model, WebError> {
    user.require(perm::CONTRACT_APPLY)?;
    let c = contract::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(WebError::NotFound)?;
    if is_own(user, &c) {
        Ok(c)
    } else {
        Err(WebError::NotFound)
    }
}

/// Whether `c` is the user's own application or one of an enterprise the
/// user applies for.
pub fn is_own(user: &Caller, c: &contract::Model) -> bool {
    c.applicant_user_id == user.user.id
        || c.enterprise_id.is_some_and(|e| {
            user.grants.covers(
                perm::CONTRACT_APPLY,
                &ObjectScope {
                    enterprise_id: Some(e),
                    ..Default::default()
                },
                user.user.id,
            )
        })
}

/// A contract the user may read: their own (or their enterprise's), or one
/// in the scope of their office or city role; 403 for users with no
/// contract role at all, 404 outside their scope.
pub async fn readable<C: ConnectionTrait>(
    db: &C,
    user: &Caller,
    id: i64,
) -> Result<contract::Model, WebError> {
    const STAFF: [&str; 4] = [
        perm::CONTRACT_ACCEPT,
        perm::CONTRACT_REVIEW,
        perm::CONTRACT_LARGE,
        perm::CONTRACT_APPROVE,
    ];
    if user.grants.has(perm::CONTRACT_APPLY)
        && let Ok(c) = own(db, user, id).await
    {
        return Ok(c);
    }
    if !STAFF.iter().any(|p| user.grants.has(p)) {
        return if user.grants.has(perm::CONTRACT_APPLY) {
            Err(WebError::NotFound)
        } else {
            Err(WebError::Forbidden("missing permission"))
        };
    }
    let c = contract::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(WebError::NotFound)?;
    let scope = object_scope(&c);
    if STAFF
        .iter()
        .any(|p| user.grants.covers(p, &scope, user.user.id))
    {
        Ok(c)
    } else {
        Err(WebError::NotFound)
    }
}

/// Opens a write on a draft or returned application at `version`.
async fn editable<C: ConnectionTrait>(
    txn: &C,
    user: &Caller,
    id: i64,
    version: i32,
) -> Result<contract::Model, WebError> {
    let c = own(txn, user, id).await?;
    if !matches!(status_of(&c), Status::Draft | Status::Returned) {
        return Err(WebError::Conflict(
            "该申请已提交，不能再修改；如需修改请等待退回补正或申请撤回。".into(),
        ));
    }
    if c.version != version {
        return Err(conflict());
    }
    Ok(c)
}

/// Bumps the version (checked) and marks `step` complete.
async fn touch<C: ConnectionTrait>(
    txn: &C,
    c: &contract::Model,
    step: u8,
    now: DateTime<Utc>,
) -> Result<(), WebError> {
    let done = c.steps_done | (1 << (step - 1));
    let n = contract::Entity::update_many()
        .col_expr(contract::Column::StepsDone, Expr::value(done))
        .col_expr(contract::Column::UpdatedAt, Expr::value(now))
        .col_expr(contract::Column::Version, Expr::value(c.version + 1))
        .filter(contract::Column::Id.eq(c.id))
        .filter(contract::Column::Version.eq(c.version))
        .exec(txn)
        .await?
        .rows_affected;
    if n == 0 {
        return Err(conflict());
    }
    Ok(())
}

/// One saved step: the write runs in a transaction on an editable
/// application at `version`, which then moves on and marks `step` done.
async fn save_step(
    state: &AppState,
    user: &Caller,
    id: i64,
    version: i32,
    step: u8,
    write: impl AsyncFnOnce(&sea_orm::DatabaseTransaction) -> Result<(), WebError>,
) -> Result<(), WebError> {
    let now = state.core.clock.now();
    let txn = crate::core::db::begin(&state.core.db).await?;
    let c = editable(&txn, user, id, version).await?;
    write(&txn).await?;
    touch(&txn, &c, step, now).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn save_basics(
    state: &AppState,
    user: &Caller,
    id: i64,
    version: i32,
    b: &Basics,
) -> Result<(), WebError> {
    save_step(state, user, id, version, 1, async |txn| {
        contract::Entity::update_many()
            .col_expr(
                contract::Column::Category,
                Expr::value(Some(b.category.clone())),
            )
            .col_expr(
                contract::Column::Subtype,
                Expr::value(Some(b.subtype.clone())),
            )
            .col_expr(
                contract::Column::FiveCategory,
                Expr::value(Some(b.category.clone())),
            )
            .col_expr(
                contract::Column::FiveSubtype,
                Expr::value(Some(b.subtype.clone())),
            )
            .col_expr(contract::Column::Name, Expr::value(b.name.clone()))
            .col_expr(
                contract::Column::ContractNumber,
                Expr::value(b.contract_number.clone()),
            )
            .col_expr(contract::Column::SignedOn, Expr::value(b.signed_on))
            .col_expr(contract::Column::ValidFrom, Expr::value(b.valid_from))
            .col_expr(contract::Column::ValidTo, Expr::value(b.valid_to))
            .col_expr(
                contract::Column::ApplicantSide,
                Expr::value(b.applicant_side.clone()),
            )
            .filter(contract::Column::Id.eq(id))
            .exec(txn)
            .await?;
        Ok(())
    })
    .await
}

pub async fn save_parties(
    state: &AppState,
    user: &Caller,
    id: i64,
    version: i32,
    parties: &[Party],
) -> Result<(), WebError> {
    save_step(state, user, id, version, 2, async |txn| {
        party::Entity::delete_many()
            .filter(party::Column::ContractId.eq(id))
            .exec(txn)
            .await?;
        if !parties.is_empty() {
            party::Entity::insert_many(parties.iter().enumerate().map(|(i, p)| {
                party::ActiveModel {
                    contract_id: Set(id),
                    role: Set(p.role.clone()),
                    seq: Set(i as i32),
                    name: Set(p.name.trim().to_owned()),
                    credit_code: Set(p.credit_code.clone()),
                    region: Set(p.region.clone()),
                    legal_form: Set(p.legal_form.clone()),
                    country: Set(p.country.clone()),
                    contact: Set(p.contact.clone()),
                    ..Default::default()
                }
            }))
            .exec(txn)
            .await?;
        }
        Ok(())
    })
    .await
}

pub async fn save_amounts(
    state: &AppState,
    user: &Caller,
    id: i64,
    version: i32,
    a: &Amounts,
) -> Result<(), WebError> {
    save_step(state, user, id, version, 3, async |txn| {
        contract::Entity::update_many()
            .col_expr(contract::Column::DealAmount, Expr::value(a.deal_amount))
            .col_expr(contract::Column::TechAmount, Expr::value(a.tech_amount()))
            .col_expr(
                contract::Column::PaymentMethod,
                Expr::value(a.payment_method.clone()),
            )
            .col_expr(
                contract::Column::PaymentSchedule,
                Expr::value(a.payment_schedule.clone()),
            )
            .filter(contract::Column::Id.eq(id))
            .exec(txn)
            .await?;
        deduction::Entity::delete_many()
            .filter(deduction::Column::ContractId.eq(id))
            .exec(txn)
            .await?;
        if !a.deductions.is_empty() {
            deduction::Entity::insert_many(a.deductions.iter().enumerate().map(
                |(i, (item, amount))| deduction::ActiveModel {
                    contract_id: Set(id),
                    seq: Set(i as i32),
                    item: Set(item.trim().to_owned()),
                    amount: Set(*amount),
                    ..Default::default()
                },
            ))
            .exec(txn)
            .await?;
        }
        Ok(())
    })
    .await
}

pub async fn save_technology(
    state: &AppState,
    user: &Caller,
    id: i64,
    version: i32,
    t: &Technology,
) -> Result<(), WebError> {
    save_step(state, user, id, version, 4, async |txn| {
        contract::Entity::update_many()
            .col_expr(
                contract::Column::TechField,
                Expr::value(Some(t.tech_field.clone())),
            )
            .col_expr(
                contract::Column::SocioGoal,
                Expr::value(t.socio_goal.clone()),
            )
            .col_expr(
                contract::Column::ProjectLeader,
                Expr::value(t.project_leader.trim().to_owned()),
            )
            .col_expr(
                contract::Column::LeaderPhone,
                Expr::value(t.leader_phone.trim().to_owned()),
            )
            .col_expr(
                contract::Column::Summary,
                Expr::value(t.summary.trim().to_owned()),
            )
            .filter(contract::Column::Id.eq(id))
            .exec(txn)
            .await?;
        ip_item::Entity::delete_many()
            .filter(ip_item::Column::ContractId.eq(id))
            .exec(txn)
            .await?;
        if !t.ip_items.is_empty() {
            ip_item::Entity::insert_many(t.ip_items.iter().enumerate().map(|(i, ip)| {
                ip_item::ActiveModel {
                    contract_id: Set(id),
                    seq: Set(i as i32),
                    ip_type: Set(ip.ip_type.clone()),
                    number: Set(ip.number.trim().to_owned()),
                    owner: Set(ip.owner.trim().to_owned()),
                    ..Default::default()
                }
            }))
            .exec(txn)
            .await?;
        }
        Ok(())
    })
    .await
}

/// Attachment kinds the applicant may upload.
pub const ATTACHMENT_KINDS: &[(&str, &str)] = &[
    ("contract", "合同文本扫描件"),
    ("proof", "证明材料（知识产权证书、授权书、立项文件等）"),
];

/// Stores an upload (type checked by content, size limited, SM4-encrypted
/// under its SM3 digest) and attaches it.
pub async fn add_attachment(
    state: &AppState,
    user: &Caller,
    id: i64,
    version: i32,
    kind: &str,
    file_name: &str,
    bytes: &[u8],
) -> Result<Result<(), String>, WebError> {
    if !ATTACHMENT_KINDS.iter().any(|(k, _)| *k == kind) {
        return Ok(Err("请选择附件类别".into()));
    }
    let socket = &state.core.config.antivirus.clamd_socket;
    if !socket.is_empty() && !bytes.is_empty() {
        match crate::integrations::antivirus::scan(std::path::Path::new(socket), bytes).await {
            Ok(crate::integrations::antivirus::Verdict::Clean) => {}
            Ok(crate::integrations::antivirus::Verdict::Infected(name)) => {
                tracing::warn!(contract = id, user = user.user.id, virus = %name, "upload refused by the virus scanner");
                return Ok(Err(format!("文件未通过病毒检查（{name}），未保存")));
            }
            Err(e) => {
                tracing::error!(error = %e, "virus scanner unavailable");
                return Ok(Err("病毒检查服务暂不可用，文件未保存，请稍后再试".into()));
            }
        }
    }
    let now = state.core.clock.now();
    let txn = crate::core::db::begin(&state.core.db).await?;
    let c = editable(&txn, user, id, version).await?;
    let digest = match state.files.store(&txn, bytes).await {
        Ok(d) => d,
        Err(crate::files::FileError::Io(e)) => return Err(WebError::Internal(e.into())),
        Err(crate::files::FileError::Db(e)) => return Err(e.into()),
        Err(e) => return Ok(Err(e.to_string())),
    };
    let content_type = crate::files::Kind::sniff(bytes)
        .map(|k| k.content_type())
        .unwrap_or("application/octet-stream");
    let name: String = file_name
        .chars()
        .rev()
        .take(100)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    attachment::ActiveModel {
        contract_id: Set(id),
        kind: Set(kind.to_owned()),
        digest: Set(digest),
        file_name: Set(if name.trim().is_empty() {
            "附件".into()
        } else {
            name
        }),
        content_type: Set(content_type.to_owned()),
        size: Set(bytes.len() as i64),
        round: Set(c.round),
        uploaded_at: Set(now),
        uploaded_by: Set(user.user.id),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    touch(&txn, &c, 5, now).await?;
    txn.commit().await?;
    Ok(Ok(()))
}

pub async fn remove_attachment(
    state: &AppState,
    user: &Caller,
    id: i64,
    version: i32,
    attachment_id: i64,
) -> Result<(), WebError> {
    let now = state.core.clock.now();
    let txn = crate::core::db::begin(&state.core.db).await?;
    let c = editable(&txn, user, id, version).await?;
    let a = attachment::Entity::find_by_id(attachment_id)
        .one(&txn)
        .await?
        .filter(|a| a.contract_id == id)
        .ok_or(WebError::NotFound)?;
    if a.round < c.round {
        return Err(WebError::Conflict(
            "已提交过的附件不能删除，可以上传新的版本。".into(),
        ));
    }
    attachment::Entity::delete_by_id(a.id).exec(&txn).await?;
    touch(&txn, &c, 5, now).await?;
    txn.commit().await?;
    Ok(())
}

/// Details of one action.
#[derive(Debug, Default, Clone)]
pub struct ActInput {
    pub reason_codes: Vec<String>,
    pub reason: String,
    /// Per-field comments when returning for correction: (field, comment).
    pub comments: Vec<(String, String)>,
    /// An adjusted 技术交易额 (fen) with the proposal.
    pub adjusted_tech_amount: Option<i64>,
    /// Why the 技术交易额 was adjusted; `reason` when not given.
    pub adjust_reason: Option<String>,
    pub detail: Value,
}

/// Who may take an action: the permission and whether it is the
/// applicant's own action.
pub fn permission_for(action: Action, from: Status) -> Option<&'static str> {
    use Action as A;
    Some(match action {
        A::Submit | A::Withdraw | A::RequestChange | A::RequestCancel => perm::CONTRACT_APPLY,
        A::Accept | A::NotAccept => perm::CONTRACT_ACCEPT,
        A::Return if from == Status::Submitted => perm::CONTRACT_ACCEPT,
        A::Return | A::SendToExperts | A::FinishExperts | A::ProposeRegister | A::ProposeRefuse => {
            perm::CONTRACT_REVIEW
        }
        A::ApproveLarge | A::RejectLarge => perm::CONTRACT_LARGE,
        A::Approve
        | A::Refuse
        | A::SendBack
        | A::ApproveChange
        | A::RejectChange
        | A::ApproveCancel
        | A::RejectCancel
        | A::Revoke => perm::CONTRACT_APPROVE,
        A::Reinstate => perm::INTEGRITY_MANAGE,
        A::AutoAccept => return None,
    })
}

/// The position whose holders work a case in a status, for assignment.
pub fn position_for(status: Status) -> Option<&'static str> {
    match status {
        Status::Submitted => Some("office_clerk"),
        Status::Reviewing | Status::ExpertReview => Some("office_reviewer"),
        Status::LargeApproval => Some("office_large_approver"),
        _ => None,
    }
}

/// The least loaded holder of `position` at the office (ties: lowest id).
pub async fn least_loaded<C: ConnectionTrait>(
    db: &C,
    office_id: i64,
    position: &str,
) -> Result<Option<i64>, DbErr> {
    let Some(r) = role::Entity::find()
        .filter(role::Column::Code.eq(position))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let holders: Vec<i64> = role_assignment::Entity::find()
        .filter(role_assignment::Column::RoleId.eq(r.id))
        .filter(role_assignment::Column::ScopeKind.eq("office"))
        .filter(role_assignment::Column::ScopeId.eq(office_id))
        .order_by_asc(role_assignment::Column::UserId)
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.user_id)
        .collect();
    let open = [
        Status::Submitted,
        Status::Reviewing,
        Status::ExpertReview,
        Status::LargeApproval,
    ]
    .map(|s| s.as_str());
    let mut best: Option<(u64, i64)> = None;
    for u in holders {
        let load = contract::Entity::find()
            .filter(contract::Column::AssignedUserId.eq(u))
            .filter(contract::Column::Status.is_in(open))
            .count_rows(db)
            .await?;
        if best.is_none_or(|(l, _)| load < l) {
            best = Some((load, u));
        }
    }
    Ok(best.map(|(_, u)| u))
}

trait CountRows {
    async fn count_rows<C: ConnectionTrait>(self, db: &C) -> Result<u64, DbErr>;
}

impl CountRows for sea_orm::Select<contract::Entity> {
    async fn count_rows<C: ConnectionTrait>(self, db: &C) -> Result<u64, DbErr> {
        use sea_orm::PaginatorTrait;
        self.count(db).await
    }
}

/// The office a submission goes to: the enterprise's responsible office on
/// the submission date; for an individual, the district office of the
/// applicant's side's first party.
async fn route<C: ConnectionTrait>(
    db: &C,
    full: &Full,
    on: NaiveDate,
) -> Result<Option<i64>, DbErr> {
    if let Some(e) = full.contract.enterprise_id {
        return crate::org::service::responsible_office(db, e, on).await;
    }
    let side = &full.contract.applicant_side;
    let region = full
        .parties
        .iter()
        .find(|p| &p.role == side)
        .and_then(|p| p.region.clone());
    Ok(match region {
        Some(r) => crate::org::service::district_office(db, &r)
            .await?
            .map(|o| o.id),
        None => None,
    })
}

async fn setting_i64(state: &AppState, key: &str) -> Result<i64, WebError> {
    state
        .settings
        .get_i64(key)
        .await
        .map_err(|e| WebError::Internal(e.into()))
}

#[derive(Debug)]
pub enum SubmitError {
    /// The application is not complete or not consistent.
    Problems(Vec<Problem>),
    /// No office serves the applicant.
    NoOffice,
    Web(WebError),
}

impl From<WebError> for SubmitError {
    fn from(e: WebError) -> Self {
        SubmitError::Web(e)
    }
}

impl From<DbErr> for SubmitError {
    fn from(e: DbErr) -> Self {
        SubmitError::Web(e.into())
    }
}

/// Submits (or resubmits after correction) an application.
pub async fn submit(
    state: &AppState,
    user: &Caller,
    id: i64,
    version: i32,
    declared: bool,
) -> Result<contract::Model, SubmitError> {
    let now = state.core.clock.now();
    let today = shanghai_date(now);
    let codes = codes(state).await?;
    let calendar = state.calendar.snapshot().await?;
    let acceptance_days = setting_i64(state, "contracts.acceptance_days").await?;
    let threshold = setting_i64(state, "contracts.large_threshold_yuan").await? * 100;
    let duplicate_thresholds = crate::duplicates::check::thresholds(state).await;
    let txn = crate::core::db::begin(&state.core.db).await?;
    let c = editable(&txn, user, id, version).await?;
    let full = load(&txn, id).await?.ok_or(WebError::NotFound)?;
    let mut problems = check_all(&full, &codes, today);
    if !declared {
        problems.push(Problem {
            step: 6,
            field: "declaration".into(),
            message: "请阅读并勾选申报声明".into(),
        });
    }
    if !problems.is_empty() {
        return Err(SubmitError::Problems(problems));
    }
    let office_id = route(&txn, &full, today)
        .await?
        .ok_or(SubmitError::NoOffice)?;
    let from = status_of(&c);
    let to = state::next(from, Action::Submit, Guards::default())
        .map_err(|e| WebError::Conflict(e.to_string()))?;
    let round = c.round + 1;
    let large = full.contract.tech_amount.is_some_and(|t| t >= threshold);
    let assignee = least_loaded(&txn, office_id, "office_clerk").await?;
    let deadline = calendar.add_working_days(today, acceptance_days);
    let n = contract::Entity::update_many()
        .col_expr(contract::Column::Status, Expr::value(to.as_str()))
        .col_expr(contract::Column::OfficeId, Expr::value(Some(office_id)))
        .col_expr(contract::Column::AssignedUserId, Expr::value(assignee))
        .col_expr(contract::Column::Large, Expr::value(large))
        .col_expr(contract::Column::Round, Expr::value(round))
        .col_expr(contract::Column::SubmittedAt, Expr::value(Some(now)))
        .col_expr(contract::Column::StageStartedOn, Expr::value(Some(today)))
        .col_expr(contract::Column::StageDeadline, Expr::value(Some(deadline)))
        .col_expr(
            contract::Column::StepsDone,
            Expr::value(c.steps_done | (1 << 5)),
        )
        .col_expr(contract::Column::UpdatedAt, Expr::value(now))
        .col_expr(contract::Column::Version, Expr::value(c.version + 1))
        .filter(contract::Column::Id.eq(id))
        .filter(contract::Column::Version.eq(c.version))
        .exec(&txn)
        .await?
        .rows_affected;
    if n == 0 {
        return Err(conflict().into());
    }
    // The duplicate index follows every submission, in its transaction;
    // what the check finds now is recorded with the submission.
    crate::duplicates::index::put(&txn, &full).await?;
    let found = crate::duplicates::check::check(&txn, &full, &duplicate_thresholds).await?;
    let flagged = |exact: bool| {
        found
            .iter()
            .filter(|m| m.raised() && m.is_exact() == exact)
            .map(|m| m.other.id)
            .collect::<Vec<_>>()
    };
    snapshot::ActiveModel {
        contract_id: Set(id),
        round: Set(round),
        data: Set(full.snapshot().to_string()),
        at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    record_event(
        &txn,
        &user.actor(),
        id,
        Action::Submit,
        from,
        to,
        &ActInput {
            detail: json!({
                "round": round, "office_id": office_id, "deadline": deadline,
                "duplicates": flagged(true), "possible_duplicates": flagged(false),
            }),
            ..Default::default()
        },
        now,
    )
    .await?;
    let after = contract::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(WebError::NotFound)?;
    // F28/F30: integrity priority; a blocking anomaly refuses at once.
    let after =
        match crate::integrity::submission::on_submit(&txn, state, after, today, now).await? {
            crate::integrity::submission::Outcome::Proceed(after) => after,
            crate::integrity::submission::Outcome::NotAccepted(after) => {
                txn.commit().await?;
                if let Err(e) = crate::alerts::deliver_pending(&state.alerts).await {
                    tracing::warn!(error = %e, "SMS delivery after an automatic refusal failed");
                }
                return Ok(after);
            }
        };
    super::effects::notify(
        &txn,
        state,
        &c,
        &after,
        Action::Submit,
        Some(user.user.id),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn record_event<C: ConnectionTrait>(
    txn: &C,
    actor: &Actor,
    id: i64,
    action: Action,
    from: Status,
    to: Status,
    input: &ActInput,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let codes = (!input.reason_codes.is_empty()).then(|| input.reason_codes.join(","));
    event::ActiveModel {
        contract_id: Set(id),
        at: Set(now),
        actor: Set(actor.name.clone()),
        actor_user_id: Set(actor.user_id),
        acting_for: Set(actor.on_behalf_of.clone()),
        action: Set(action.as_str().into()),
        from_status: Set(from.as_str().into()),
        to_status: Set(to.as_str().into()),
        reason_code: Set(codes.clone()),
        reason: Set(input.reason.clone()),
        detail: Set(input.detail.to_string()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    audit::record(
        txn,
        now,
        actor,
        Entry {
            action: "contract.transition",
            object_type: Some("contract"),
            object_id: Some(id.to_string()),
            outcome: Outcome::Success,
            detail: json!({
                "action": action.as_str(), "from": from.as_str(), "to": to.as_str(),
                "reason_codes": codes, "reason": input.reason, "detail": input.detail,
            }),
        },
    )
    .await?;
    Ok(())
}

/// Takes `action` on a contract at `version` as `user` (or the system when
/// `user` is `None`), moving it through the state machine.
pub async fn act(
    state: &AppState,
    user: Option<&Caller>,
    id: i64,
    version: i32,
    action: Action,
    input: ActInput,
) -> Result<contract::Model, WebError> {
    let now = state.core.clock.now();
    let today = shanghai_date(now);
    let calendar = state.calendar.snapshot().await?;
    let review_days = setting_i64(state, "contracts.review_days").await?;
    let acceptance_days = setting_i64(state, "contracts.acceptance_days").await?;
    let expert_days = setting_i64(state, "contracts.expert_review_days").await?;
    let threshold = setting_i64(state, "contracts.large_threshold_yuan").await? * 100;
    let pause = state
        .settings
        .get_string("contracts.return_clock")
        .await
        .map_err(|e| WebError::Internal(e.into()))?
        == "pause";
    let txn = crate::core::db::begin(&state.core.db).await?;
    let c = contract::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(WebError::NotFound)?;
    let from = status_of(&c);
    let actor = match user {
        Some(u) => {
            let needed = permission_for(action, from).ok_or(WebError::Forbidden("system only"))?;
            if needed == perm::CONTRACT_APPLY {
                own(&txn, u, id).await?;
            } else {
                u.require_on(needed, &object_scope(&c))?;
            }
            u.actor()
        }
        None => Actor::system(),
    };
    if c.version != version {
        return Err(conflict());
    }
    // A 技术交易额 adjusted up to the threshold needs the large-contract
    // approver too; one adjusted down keeps the check it was submitted with.
    let large = c.large
        || (matches!(action, Action::ProposeRegister | Action::ProposeRefuse)
            && input.adjusted_tech_amount.is_some_and(|t| t >= threshold));
    let to = state::next(from, action, Guards { large })
        .map_err(|e| WebError::Conflict(e.to_string()))?;
    let mut update = contract::Entity::update_many()
        .col_expr(contract::Column::Status, Expr::value(to.as_str()))
        .col_expr(contract::Column::Large, Expr::value(large))
        .col_expr(contract::Column::UpdatedAt, Expr::value(now))
        .col_expr(contract::Column::Version, Expr::value(c.version + 1));
    // The stage clock and the person who works the next stage.
    let mut deadline = c.stage_deadline;
    match (action, to) {
        (Action::Accept | Action::AutoAccept, _) => {
            let days = match c.paused_days {
                Some(left) if pause => left as i64,
                _ => review_days,
            };
            deadline = Some(calendar.add_working_days(today, days));
            update = update
                .col_expr(contract::Column::AcceptedAt, Expr::value(Some(now)))
                .col_expr(contract::Column::StageStartedOn, Expr::value(Some(today)))
                .col_expr(contract::Column::PausedDays, Expr::value(None::<i32>));
        }
        (Action::Reinstate, _) => {
            deadline = Some(calendar.add_working_days(today, acceptance_days));
            update = update.col_expr(contract::Column::StageStartedOn, Expr::value(Some(today)));
        }
        (Action::SendToExperts, _) => {
            let started = c.stage_started_on.unwrap_or(today);
            deadline = Some(calendar.add_working_days(started, expert_days));
        }
        (Action::Return, _) => {
            let left = c
                .stage_deadline
                .filter(|_| from == Status::Reviewing)
                .map(|d| std::cmp::max(calendar.working_days_between(today, d), 0) as i32);
            deadline = None;
            update = update.col_expr(contract::Column::PausedDays, Expr::value(left));
            if !input.comments.is_empty() {
                comment::Entity::insert_many(input.comments.iter().map(|(field, text)| {
                    comment::ActiveModel {
                        contract_id: Set(id),
                        round: Set(c.round),
                        field: Set(field.clone()),
                        comment: Set(text.clone()),
                        author: Set(actor.name.clone()),
                        at: Set(now),
                        ..Default::default()
                    }
                }))
                .exec_without_returning(&txn)
                .await?;
            }
        }
        (Action::ProposeRegister | Action::ProposeRefuse, _) => {
            let proposal = if action == Action::ProposeRegister {
                "register"
            } else {
                "refuse"
            };
            update = update.col_expr(contract::Column::Proposal, Expr::value(Some(proposal)));
            if let Some(t) = input.adjusted_tech_amount {
                let why = input
                    .adjust_reason
                    .clone()
                    .unwrap_or_else(|| input.reason.clone());
                update = update
                    .col_expr(contract::Column::ApprovedTechAmount, Expr::value(Some(t)))
                    .col_expr(contract::Column::AmountAdjustReason, Expr::value(Some(why)));
            }
        }
        (Action::Approve, _) => {
            let number = next_registration_number(state, &txn, &c, today).await?;
            update = update
                .col_expr(
                    contract::Column::RegistrationNumber,
                    Expr::value(Some(number)),
                )
                .col_expr(contract::Column::RegisteredAt, Expr::value(Some(now)));
            deadline = None;
        }
        (_, Status::Registered | Status::Refused | Status::NotAccepted | Status::Withdrawn) => {
            deadline = None;
        }
        _ => {}
    }
    let assignee = match (position_for(to), c.office_id) {
        (Some(p), Some(o)) if position_for(from) != Some(p) => least_loaded(&txn, o, p).await?,
        (Some(_), _) => c.assigned_user_id,
        (None, _) => None,
    };
    let n = update
        .col_expr(contract::Column::StageDeadline, Expr::value(deadline))
        .col_expr(contract::Column::AssignedUserId, Expr::value(assignee))
        .filter(contract::Column::Id.eq(id))
        .filter(contract::Column::Version.eq(version))
        .exec(&txn)
        .await?
        .rows_affected;
    if n == 0 {
        return Err(conflict());
    }
    record_event(&txn, &actor, id, action, from, to, &input, now).await?;
    if action == Action::ApproveChange
        && let Some(full) = load(&txn, id).await?
    {
        // A change re-indexes the contract with what it now says.
        crate::duplicates::index::put(&txn, &full).await?;
    }
    let after = contract::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(WebError::NotFound)?;
    super::effects::certificate(&txn, state, &after, action, &input.reason, now).await?;
    super::effects::notify(&txn, state, &c, &after, action, actor.user_id, now).await?;
    txn.commit().await?;
    // SMS notices leave after the commit; a failed delivery stays recorded.
    if let Err(e) = crate::alerts::deliver_pending(&state.alerts).await {
        tracing::warn!(error = %e, "SMS delivery after a contract action failed");
    }
    Ok(after)
}

/// The next registration number of the contract's office and year, from the
/// configured format; serials are never reused (an atomic counter row per
/// scope).
pub(crate) async fn next_registration_number<C: ConnectionTrait>(
    state: &AppState,
    txn: &C,
    c: &contract::Model,
    today: NaiveDate,
) -> Result<String, WebError> {
    use chrono::Datelike;
    let office_code = match c.office_id {
        Some(o) => office::Entity::find_by_id(o)
            .one(txn)
            .await?
            .map(|o| o.code)
            .unwrap_or_default(),
        None => String::new(),
    };
    let year = today.year();
    let scope = format!("{year}-{office_code}");
    let mut insert = Query::insert();
    insert
        .into_table(registration_serial::Entity)
        .columns([
            registration_serial::Column::Scope,
            registration_serial::Column::NextValue,
        ])
        .values_panic([scope.clone().into(), 1i64.into()])
        .on_conflict(
            OnConflict::column(registration_serial::Column::Scope)
                .value(
                    registration_serial::Column::NextValue,
                    Expr::col((
                        registration_serial::Entity,
                        registration_serial::Column::NextValue,
                    ))
                    .add(1),
                )
                .to_owned(),
        )
        .returning_col(registration_serial::Column::NextValue);
    let stmt = StatementBuilder::build(&insert, &txn.get_database_backend());
    let row = txn
        .query_one_raw(stmt)
        .await?
        .ok_or_else(|| DbErr::Custom("serial upsert returned nothing".into()))?;
    let serial: i64 = row.try_get("", "next_value")?;
    let format = state
        .settings
        .get_string("contracts.number_format")
        .await
        .map_err(|e| WebError::Internal(e.into()))?;
    Ok(format
        .replace("{year}", &year.to_string())
        .replace("{office}", &office_code)
        .replace("{serial}", &format!("{serial:06}")))
}
