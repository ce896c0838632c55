//! Drafts saved step by step by the applicant, with the logical checks
//! (F50) and the attachments.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use rand::Rng;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter,
};
use serde_json::json;
use techreg_entities::contract::{attachment, contract, deduction, ip_item, party};

use super::application::{self, Amounts, Basics, Party, Problem, Technology};
use super::case::*;
use super::state::Status;
use crate::audit::{self, Entry, Outcome};
use crate::boot::AppState;
use crate::core::Caller;
use crate::core::clock::shanghai_date;
use crate::security::rbac::perm;
use crate::web::WebError;

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

pub(super) async fn editable<C: ConnectionTrait>(
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
        return Err(conflict().into());
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
        return Err(conflict().into());
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
