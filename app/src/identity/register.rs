//! Self-registration of enterprise (unit) users and individuals. Every field
//! is checked and reported at once; the SMS code is checked last so a typo
//! elsewhere does not use it up; all rows are written in one transaction.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, QueryFilter};
use serde_json::json;
use techreg_entities::identity::{app_user, enterprise_claim};
use techreg_entities::org::enterprise;
use techreg_views::pages::identity::FormState;

use super::sms::{self, Purpose};
use super::users::{
    self, KIND_ENTERPRISE, KIND_INDIVIDUAL, NewUser, STATUS_ACTIVE, STATUS_PENDING,
};
use super::{roles, validate};
use crate::audit::{self, Actor, Entry, Outcome};
use crate::boot::AppState;
use crate::core::Scope;

pub const ENTERPRISE_UNVERIFIED: &str = "unverified";
pub const ENTERPRISE_VERIFIED: &str = "verified";
pub const CLAIM_AWAITING_PROOF: &str = "awaiting_proof";

pub fn form_from(fields: &[(String, String)]) -> FormState {
    FormState {
        values: fields.to_vec(),
        ..FormState::default()
    }
}

async fn check_account_fields(
    state: &AppState,
    form: &mut FormState,
) -> Result<Option<(String, String)>, DbErr> {
    let username = match validate::username(form.value("username")) {
        Ok(u) => Some(u),
        Err(e) => {
            form.add_error("username", e);
            None
        }
    };
    if let Some(u) = &username
        && users::find_by_username(&state.core.db, u).await?.is_some()
    {
        form.add_error("username", "该用户名已被使用，请换一个");
    }
    let min = state
        .settings
        .get_i64("security.password_min_length")
        .await
        .unwrap_or(8) as usize;
    let password = form.value("password").to_owned();
    if let Err(e) = validate::password(
        &validate::PasswordPolicy { min_length: min },
        &password,
        form.value("username"),
    ) {
        form.add_error("password", e);
    }
    if form.value("confirm_password") != password {
        form.add_error("confirm_password", "两次输入的密码不一致");
    }
    let mobile = match validate::mobile(form.value("mobile")) {
        Ok(m) => Some(m),
        Err(e) => {
            form.add_error("mobile", e);
            None
        }
    };
    if form.value("sms_code").trim().is_empty() {
        form.add_error("sms_code", "请填写短信验证码");
    }
    Ok(match (username, mobile) {
        (Some(u), Some(m)) => Some((u, m)),
        _ => None,
    })
}

async fn check_sms(state: &AppState, form: &mut FormState, mobile: &str) -> Result<(), DbErr> {
    if form.has_errors() {
        return Ok(());
    }
    let ok = sms::check_code(
        state,
        &state.core.db,
        Purpose::Register,
        mobile,
        form.value("sms_code"),
        state.core.clock.now(),
    )
    .await?;
    if !ok {
        form.add_error("sms_code", "短信验证码错误或已过期，请重新获取");
    }
    Ok(())
}

/// Registers a unit user; `Ok(None)` means `form` now carries the errors.
pub async fn enterprise(
    state: &AppState,
    form: &mut FormState,
    client_ip: &str,
) -> Result<Option<app_user::Model>, DbErr> {
    let credit = match validate::credit_code(form.value("credit_code")) {
        Ok(c) => Some(c),
        Err(e) => {
            form.add_error("credit_code", e);
            None
        }
    };
    let name = form.value("enterprise_name").trim().to_owned();
    if name.is_empty() {
        form.add_error("enterprise_name", "请填写单位名称");
    } else if name.chars().count() > 200 {
        form.add_error("enterprise_name", "单位名称不能超过 200 个字");
    }
    let district = form.value("district").to_owned();
    if crate::dictionary::district_name(&district).is_none() {
        form.add_error("district", "请选择所在区");
    }
    let contact = form.value("contact_name").trim().to_owned();
    if contact.chars().count() < 2 || contact.chars().count() > 50 {
        form.add_error("contact_name", "请填写联系人姓名（2–50 个字）");
    }
    let existing = match &credit {
        Some(c) => {
            enterprise::Entity::find()
                .filter(enterprise::Column::CreditCode.eq(c.as_str()))
                .one(&state.core.db)
                .await?
        }
        None => None,
    };
    let contested = existing
        .as_ref()
        .is_some_and(|e| e.status == ENTERPRISE_VERIFIED);
    if contested && form.value("contest") != "1" {
        form.add_error(
            "credit_code",
            "该单位已完成认证，不能重复认领。如需账号，请联系本单位的企业管理员在“本单位用户”中为您添加；如对现有认证有异议，请勾选下方“对现有认证提出异议”后提交，并上传证明材料由登记处审核。",
        );
    }
    let account = check_account_fields(state, form).await?;
    let Some((username, mobile)) = account.filter(|_| !form.has_errors()) else {
        return Ok(None);
    };
    check_sms(state, form, &mobile).await?;
    if form.has_errors() {
        return Ok(None);
    }
    let credit = credit.expect("validated");
    let now = state.core.clock.now();
    let txn = crate::core::db::begin(&state.core.db).await?;
    let ent = match existing {
        Some(e) => e,
        None => {
            enterprise::ActiveModel {
                credit_code: Set(credit.clone()),
                name: Set(name.clone()),
                district_code: Set(Some(district.clone())),
                status: Set(ENTERPRISE_UNVERIFIED.into()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    if crate::org::responsible_office(&txn, ent.id, crate::core::clock::shanghai_date(now))
        .await?
        .is_none()
    {
        crate::org::assign_new(&txn, ent.id, &ent.credit_code, Some(&district), now).await?;
    }
    let user = users::create(
        &txn,
        state.keys.as_ref(),
        state.core.config.security.pbkdf2_iterations,
        NewUser {
            username: &username,
            display_name: &contact,
            kind: KIND_ENTERPRISE,
            status: STATUS_PENDING,
            enterprise_id: Some(ent.id),
            is_enterprise_admin: true,
            mobile: Some(&mobile),
            id_card: None,
            password: form.value("password"),
            must_change_password: false,
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
    audit::record(
        &txn,
        now,
        &Actor { user_id: Some(user.id), name: username.clone(), role: None, client_ip: Some(client_ip.to_owned()), on_behalf_of: Some(credit.clone()) },
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
    Ok(Some(user))
}

/// Registers an individual; active at once (identity via the ID check and
/// the verified mobile), with the applicant role over their own records.
pub async fn individual(
    state: &AppState,
    form: &mut FormState,
    client_ip: &str,
) -> Result<Option<app_user::Model>, DbErr> {
    let real_name = form.value("real_name").trim().to_owned();
    if real_name.chars().count() < 2 || real_name.chars().count() > 50 {
        form.add_error("real_name", "请填写姓名（2–50 个字）");
    }
    let id_card = match validate::id_card(form.value("id_card")) {
        Ok(id) => Some(id),
        Err(e) => {
            form.add_error("id_card", e);
            None
        }
    };
    if let Some(id) = &id_card {
        let index = state.keys.fields().blind_index("id_card", id);
        if app_user::Entity::find()
            .filter(app_user::Column::IdCardIndex.eq(index))
            .one(&state.core.db)
            .await?
            .is_some()
        {
            form.add_error(
                "id_card",
                "该身份证号码已注册，请直接登录；忘记用户名请联系管理员",
            );
        }
    }
    let account = check_account_fields(state, form).await?;
    let Some((username, mobile)) = account.filter(|_| !form.has_errors()) else {
        return Ok(None);
    };
    check_sms(state, form, &mobile).await?;
    if form.has_errors() {
        return Ok(None);
    }
    let now = state.core.clock.now();
    let txn = crate::core::db::begin(&state.core.db).await?;
    let user = users::create(
        &txn,
        state.keys.as_ref(),
        state.core.config.security.pbkdf2_iterations,
        NewUser {
            username: &username,
            display_name: &real_name,
            kind: KIND_INDIVIDUAL,
            status: STATUS_ACTIVE,
            enterprise_id: None,
            is_enterprise_admin: false,
            mobile: Some(&mobile),
            id_card: id_card.as_deref(),
            password: form.value("password"),
            must_change_password: false,
        },
        now,
    )
    .await?;
    roles::assign(
        &txn,
        state.keys.as_ref(),
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
        &Actor {
            user_id: Some(user.id),
            name: username,
            role: None,
            client_ip: Some(client_ip.to_owned()),
            on_behalf_of: None,
        },
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
    Ok(Some(user))
}
