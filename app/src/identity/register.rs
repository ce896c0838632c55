//! Self-registration of enterprise (unit) users and individuals. Every field
//! is checked and reported at once; the SMS code is checked last so a typo
//! elsewhere does not use it up; all rows are written in one transaction.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter,
};
use serde_json::json;
use techreg_entities::identity::{app_user, enterprise_claim};
use techreg_entities::org::enterprise;

use super::Identity;
use super::model::{
    CLAIM_AWAITING_PROOF, ENTERPRISE_UNVERIFIED, ENTERPRISE_VERIFIED, EnterpriseForm,
    IndividualForm, KIND_ENTERPRISE, KIND_INDIVIDUAL, NewAccount, NewEnterpriseUser, STATUS_ACTIVE,
    STATUS_PENDING,
};
use super::roles::assign_role;
use super::sms::{self, Purpose};
use super::users::{NewUser, create_user, find_by_username};
use super::validate::{self, PasswordPolicy};
use crate::audit::{self, Actor, Entry, Outcome};
use crate::core::clock::shanghai_date;
use crate::core::{DomainError, DomainResult, FieldErrors, Scope};

async fn policy(id: &Identity) -> PasswordPolicy {
    PasswordPolicy {
        min_length: id.number("security.password_min_length", 8).await as usize,
    }
}

/// The username field's database rule: not taken.
async fn check_username(id: &Identity, input: &str, errors: &mut FieldErrors) -> DomainResult<()> {
    if let Ok(u) = validate::username(input)
        && find_by_username(&id.core.db, &u).await?.is_some()
    {
        errors.add("username", "该用户名已被使用，请换一个");
    }
    Ok(())
}

/// The SMS code, last (a wrong one is used up).
async fn check_sms(id: &Identity, mobile: &str, code: &str) -> DomainResult<()> {
    if sms::check_code(id, Purpose::Register, mobile, code, id.core.now()).await? {
        Ok(())
    } else {
        FieldErrors::one("sms_code", "短信验证码错误或已过期，请重新获取")
    }
}

/// What the form's own checks found plus the database's, or the input.
fn all_of<T>(checked: Result<T, FieldErrors>, found: FieldErrors) -> DomainResult<T> {
    match checked {
        Ok(input) if found.is_empty() => Ok(input),
        Ok(_) => Err(DomainError::Invalid(found)),
        Err(mut errors) => {
            for (field, message) in found.iter() {
                errors.add(field, message);
            }
            Err(DomainError::Invalid(errors))
        }
    }
}

fn actor(user: &app_user::Model, client_ip: &str, on_behalf_of: Option<String>) -> Actor {
    Actor {
        user_id: Some(user.id),
        name: user.username.clone(),
        role: None,
        client_ip: Some(client_ip.to_owned()),
        on_behalf_of,
    }
}

fn new_user<'a>(
    account: &'a NewAccount,
    display_name: &'a str,
    kind: &'a str,
    status: &'a str,
) -> NewUser<'a> {
    NewUser {
        username: &account.username,
        display_name,
        kind,
        status,
        enterprise_id: None,
        is_enterprise_admin: false,
        mobile: Some(&account.mobile),
        id_card: None,
        password: &account.password,
        must_change_password: false,
    }
}

/// The enterprise registered for (the one on record, or a new row), with
/// its responsible office assigned when it has none.
async fn enterprise_of(
    id: &Identity,
    txn: &DatabaseTransaction,
    existing: Option<enterprise::Model>,
    input: &NewEnterpriseUser,
    now: DateTime<Utc>,
) -> DomainResult<enterprise::Model> {
    let ent = match existing {
        Some(e) => e,
        None => {
            enterprise::ActiveModel {
                credit_code: Set(input.credit_code.clone()),
                name: Set(input.name.clone()),
                district_code: Set(Some(input.district.clone())),
                status: Set(ENTERPRISE_UNVERIFIED.into()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(txn)
            .await?
        }
    };
    let office = id
        .offices
        .responsible_office(txn.into(), ent.id, shanghai_date(now))
        .await?;
    if office.is_none() {
        id.offices
            .assign_new(txn, ent.id, &ent.credit_code, Some(&input.district), now)
            .await?;
    }
    Ok(ent)
}

/// Registers a unit user: the enterprise (new, or the one on record), its
/// office when it has none, the account (pending until the claim is
/// verified) and the claim awaiting proof.
pub async fn register_enterprise(
    id: &Identity,
    form: &EnterpriseForm,
    client_ip: &str,
) -> DomainResult<app_user::Model> {
    let checked = form.check(&policy(id).await);
    let mut found = FieldErrors::new();
    let existing = match validate::credit_code(&form.credit_code) {
        Ok(c) => {
            enterprise::Entity::find()
                .filter(enterprise::Column::CreditCode.eq(c.as_str()))
                .one(&id.core.db)
                .await?
        }
        Err(_) => None,
    };
    let contested = existing
        .as_ref()
        .is_some_and(|e| e.status == ENTERPRISE_VERIFIED);
    if contested && form.contest != "1" {
        found.add(
            "credit_code",
            "该单位已完成认证，不能重复认领。如需账号，请联系本单位的企业管理员在“本单位用户”中为您添加；如对现有认证有异议，请勾选下方“对现有认证提出异议”后提交，并上传证明材料由登记处审核。",
        );
    }
    check_username(id, &form.username, &mut found).await?;
    let input = all_of(checked, found)?;
    check_sms(id, &input.account.mobile, &form.sms_code).await?;
    let now = id.core.now();
    let txn = id.core.begin().await?;
    let ent = enterprise_of(id, &txn, existing, &input, now).await?;
    let user = create_user(
        &txn,
        id.keys.as_ref(),
        id.core.config.security.pbkdf2_iterations,
        NewUser {
            enterprise_id: Some(ent.id),
            is_enterprise_admin: true,
            ..new_user(
                &input.account,
                &input.contact,
                KIND_ENTERPRISE,
                STATUS_PENDING,
            )
        },
        now,
    )
    .await?;
    enterprise_claim::ActiveModel {
        enterprise_id: Set(ent.id),
        user_id: Set(user.id),
        status: Set(CLAIM_AWAITING_PROOF.into()),
        contested: Set(contested),
        licence_digest: Set(None),
        letter_digest: Set(None),
        reason: Set(None),
        decided_by: Set(None),
        decided_at: Set(None),
        created_at: Set(now),
        version: Set(0),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let credit = input.credit_code;
    audit::record(
        &txn,
        now,
        &actor(&user, client_ip, Some(credit.clone())),
        Entry {
            action: "user.register",
            object_type: Some("user"),
            object_id: Some(user.id.to_string()),
            outcome: Outcome::Success,
            detail: json!({ "kind": KIND_ENTERPRISE, "enterprise_id": ent.id, "credit_code": credit, "contested": contested }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}

/// Registers an individual; active at once (identity via the ID check and
/// the verified mobile), with the applicant role over their own records.
pub async fn register_individual(
    id: &Identity,
    form: &IndividualForm,
    client_ip: &str,
) -> DomainResult<app_user::Model> {
    let checked = form.check(&policy(id).await);
    let mut found = FieldErrors::new();
    if let Ok(card) = validate::id_card(&form.id_card) {
        let index = id.keys.fields().blind_index("id_card", &card);
        if app_user::Entity::find()
            .filter(app_user::Column::IdCardIndex.eq(index))
            .one(&id.core.db)
            .await?
            .is_some()
        {
            found.add(
                "id_card",
                "该身份证号码已注册，请直接登录；忘记用户名请联系管理员",
            );
        }
    }
    check_username(id, &form.username, &mut found).await?;
    let input = all_of(checked, found)?;
    check_sms(id, &input.account.mobile, &form.sms_code).await?;
    let now = id.core.now();
    let txn = id.core.begin().await?;
    let user = create_user(
        &txn,
        id.keys.as_ref(),
        id.core.config.security.pbkdf2_iterations,
        NewUser {
            id_card: Some(&input.id_card),
            ..new_user(
                &input.account,
                &input.real_name,
                KIND_INDIVIDUAL,
                STATUS_ACTIVE,
            )
        },
        now,
    )
    .await?;
    assign_role(
        &txn,
        id.keys.as_ref(),
        user.id,
        "applicant",
        Scope::SelfOnly,
        None,
        now,
    )
    .await
    .map_err(|e| DbErr::Custom(e.to_string()))?;
    audit::record(
        &txn,
        now,
        &actor(&user, client_ip, None),
        Entry {
            action: "user.register",
            object_type: Some("user"),
            object_id: Some(user.id.to_string()),
            outcome: Outcome::Success,
            detail: json!({ "kind": KIND_INDIVIDUAL }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}
