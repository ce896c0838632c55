//! One-time SMS codes (registration, login, factor and mobile changes).
//! Every message is stored with the mobile and body SM4-encrypted; a code
//! is kept only as an HMAC-SM3 hash. Delivery goes through the gateway of
//! `integrations::sms`.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use techreg_entities::identity::sms_message;

use super::Identity;
use crate::core::{DomainError, DomainResult, FieldErrors, RunMode};
use crate::security::crypto::{ct_eq, hmac_sm3};
use crate::security::keys::{KeyName, KeyProvider};
use crate::security::rate_limit;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Register,
    Login,
    ChangeFactor,
    ChangeMobile,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Register => "register",
            Purpose::Login => "login",
            Purpose::ChangeFactor => "change_factor",
            Purpose::ChangeMobile => "change_mobile",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Purpose::Register => "注册",
            Purpose::Login => "登录",
            Purpose::ChangeFactor => "身份确认",
            Purpose::ChangeMobile => "更换手机号码",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    #[error("验证码发送过于频繁，请 1 分钟后再试")]
    TooSoon,
    #[error("今日验证码发送次数已达上限，请明天再试")]
    DailyLimit,
    #[error("当前网络发送验证码过于频繁，请稍后再试")]
    IpLimit,
    #[error("短信发送失败，请稍后重试")]
    DeliveryFailed,
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl SmsError {
    /// What to tell the user when a code was not sent; a database error
    /// goes up instead.
    pub fn told(self) -> DomainResult<String> {
        match self {
            SmsError::Db(e) => Err(e.into()),
            e => Ok(e.to_string()),
        }
    }
}

fn code_hash(id: &Identity, purpose: Purpose, mobile: &str, code: &str) -> String {
    hex::encode(hmac_sm3(
        id.keys.secret(KeyName::Index),
        &[
            b"sms-code\0",
            purpose.as_str().as_bytes(),
            b"\0",
            mobile.as_bytes(),
            b"\0",
            code.as_bytes(),
        ],
    ))
}

/// The blind index a mobile is found by (it is stored encrypted).
pub fn mobile_index(keys: &dyn KeyProvider, mobile: &str) -> String {
    keys.fields().blind_index("mobile", mobile)
}

/// Sends a 6-digit one-time code, within the per-mobile and per-IP limits.
pub async fn send_code(
    id: &Identity,
    purpose: Purpose,
    mobile: &str,
    client_ip: &str,
) -> Result<(), SmsError> {
    let now = id.core.now();
    let db = &id.core.db;
    let idx = mobile_index(id.keys.as_ref(), mobile);
    if !rate_limit::hit(
        db,
        &format!("sms:min:{}:{idx}", purpose.as_str()),
        Duration::seconds(60),
        1,
        now,
    )
    .await?
    {
        return Err(SmsError::TooSoon);
    }
    if !rate_limit::hit(db, &format!("sms:day:{idx}"), Duration::days(1), 10, now).await? {
        return Err(SmsError::DailyLimit);
    }
    if !rate_limit::hit(
        db,
        &format!("sms:ip:{client_ip}"),
        Duration::hours(1),
        30,
        now,
    )
    .await?
    {
        return Err(SmsError::IpLimit);
    }
    let minutes = id.number("security.sms_code_minutes", 5).await;
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000));
    let body = format!(
        "【上海技术合同登记】您的{}验证码为 {code}，{minutes} 分钟内有效。请勿告诉他人。",
        purpose.label()
    );
    let fields = id.keys.fields();
    let row = sms_message::ActiveModel {
        mobile_index: Set(idx),
        mobile_enc: Set(fields.encrypt(mobile)),
        purpose: Set(purpose.as_str().to_owned()),
        body_enc: Set(fields.encrypt(&body)),
        code_hash: Set(Some(code_hash(id, purpose, mobile, &code))),
        expires_at: Set(Some(now + Duration::minutes(minutes))),
        used_at: Set(None),
        attempts: Set(0),
        status: Set("queued".into()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let status = match id.sms.deliver(mobile, &body).await {
        Ok(()) => "sent",
        Err(e) => {
            tracing::warn!(error = %e, gateway = id.sms.name(), "SMS delivery failed");
            "failed"
        }
    };
    let mut m: sms_message::ActiveModel = row.into();
    m.status = Set(status.into());
    if status == "sent" {
        m.sent_at = Set(Some(id.core.now()));
    }
    m.update(db).await?;
    if status == "failed" {
        return Err(SmsError::DeliveryFailed);
    }
    Ok(())
}

/// Checks a code: the latest unused, unexpired code for this mobile and
/// purpose; it works once, and at most 5 tries.
pub async fn check_code(
    id: &Identity,
    purpose: Purpose,
    mobile: &str,
    code: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let db = &id.core.db;
    let latest = sms_message::Entity::find()
        .filter(sms_message::Column::MobileIndex.eq(mobile_index(id.keys.as_ref(), mobile)))
        .filter(sms_message::Column::Purpose.eq(purpose.as_str()))
        .filter(sms_message::Column::CodeHash.is_not_null())
        .order_by_desc(sms_message::Column::Id)
        .one(db)
        .await?;
    let Some(msg) = latest else { return Ok(false) };
    let usable =
        msg.used_at.is_none() && msg.expires_at.is_some_and(|e| e > now) && msg.attempts < 5;
    let matches = msg.code_hash.as_deref().is_some_and(|h| {
        ct_eq(
            h.as_bytes(),
            code_hash(id, purpose, mobile, code.trim()).as_bytes(),
        )
    });
    let ok = usable && matches;
    // Count the try; mark the code used only if nobody used it meanwhile.
    let mut update = sms_message::Entity::update_many()
        .col_expr(
            sms_message::Column::Attempts,
            Expr::col(sms_message::Column::Attempts).add(1),
        )
        .filter(sms_message::Column::Id.eq(msg.id))
        // Parallel guesses cannot get past five tries.
        .filter(sms_message::Column::Attempts.lt(5));
    if ok {
        update = update
            .col_expr(sms_message::Column::UsedAt, Expr::value(Some(now)))
            .filter(sms_message::Column::UsedAt.is_null());
    }
    let changed = update.exec(db).await?.rows_affected;
    Ok(ok && changed == 1)
}

/// A message of the demo inbox: when, to whom, what.
pub struct Sent {
    pub at: DateTime<Utc>,
    pub mobile: String,
    pub body: String,
}

/// The last 50 messages sent, codes included: demo mode only (not found
/// otherwise).
pub async fn demo_inbox(id: &Identity) -> DomainResult<Vec<Sent>> {
    use sea_orm::QuerySelect;
    if id.core.mode != RunMode::Demo {
        return Err(DomainError::NotFound);
    }
    let rows = sms_message::Entity::find()
        .order_by_desc(sms_message::Column::Id)
        .limit(50)
        .all(&id.core.db)
        .await?;
    let fields = id.keys.fields();
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(Sent {
                at: r.created_at,
                mobile: fields.decrypt(&r.mobile_enc).ok()?,
                body: fields.decrypt(&r.body_enc).ok()?,
            })
        })
        .collect())
}

/// Sends a registration code to the mobile typed in; the answer is the
/// line shown beside it, a problem is the mobile field's error.
pub async fn send_registration_code(
    id: &Identity,
    mobile: &str,
    client_ip: &str,
) -> DomainResult<String> {
    let mobile = match super::validate::mobile(mobile) {
        Ok(m) => m,
        Err(e) => return FieldErrors::one("mobile", e),
    };
    match send_code(id, Purpose::Register, &mobile, client_ip).await {
        Ok(()) => Ok(format!(
            "验证码已发送至 {}",
            super::validate::mask_mobile(&mobile)
        )),
        Err(e) => FieldErrors::one("mobile", e.told()?),
    }
}
