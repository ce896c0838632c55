//! Authenticator apps (RFC 6238 TOTP, 6 digits, 30 s, HMAC-SHA1: what the
//! common apps implement). The secret is SM4-encrypted at rest; a code is
//! accepted once (the last used time step is stored), and one-time
//! recovery codes are kept as HMAC-SM3 hashes.

use chrono::{DateTime, Utc};
use rand::Rng;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr,
    EntityTrait, QueryFilter,
};
use techreg_entities::identity::{app_user, recovery_code};
use totp_rs::{Builder, Totp};

use super::Identity;
use crate::security::crypto::hmac_sm3;
use crate::security::keys::KeyName;

const ISSUER: &str = "上海技术合同登记";

pub fn new_secret() -> Vec<u8> {
    let mut s = vec![0u8; 20];
    rand::rng().fill(&mut s[..]);
    s
}

fn totp(secret: &[u8], account: &str) -> Option<Totp> {
    Builder::new()
        .with_secret(secret.to_vec())
        .with_account_name(account.to_owned())
        .with_issuer(Some(ISSUER.to_owned()))
        .build()
        .ok()
}

/// The otpauth:// URL the QR code carries.
pub fn url(secret: &[u8], account: &str) -> String {
    totp(secret, account)
        .and_then(|t| t.to_url().ok())
        .unwrap_or_default()
}

/// The QR code as inline SVG markup.
pub fn qr_svg(content: &str) -> String {
    qrcode::QrCode::new(content.as_bytes())
        .map(|q| {
            q.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(200, 200)
                .build()
        })
        .unwrap_or_default()
}

/// The code an app shows at `time` (tests play the app with it).
pub fn code_at(secret: &[u8], time: DateTime<Utc>) -> String {
    totp(secret, "x")
        .map(|t| t.generate(time.timestamp() as u64).to_string())
        .unwrap_or_default()
}

/// The time step of a valid code (±1 step of skew), if any.
pub fn step_of(secret: &[u8], code: &str, now: DateTime<Utc>) -> Option<i64> {
    let t = totp(secret, "x")?;
    t.check(code, now.timestamp() as u64).map(|s| s as i64)
}

fn recovery_hash(id: &Identity, user_id: i64, code: &str) -> String {
    let normalized: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase();
    hex::encode(hmac_sm3(
        id.keys.secret(KeyName::Index),
        &[
            b"recovery\0",
            user_id.to_string().as_bytes(),
            b"\0",
            normalized.as_bytes(),
        ],
    ))
}

/// Ten new recovery codes (replacing any old ones), shown once.
pub async fn new_recovery_codes<C: ConnectionTrait>(
    db: &C,
    id: &Identity,
    user_id: i64,
) -> Result<Vec<String>, DbErr> {
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut codes = Vec::new();
    for _ in 0..10 {
        let raw: String = (0..10)
            .map(|_| ALPHABET[rand::rng().random_range(0..ALPHABET.len())] as char)
            .collect();
        let shown = format!("{}-{}", &raw[..5], &raw[5..]);
        recovery_code::ActiveModel {
            user_id: Set(user_id),
            code_hash: Set(recovery_hash(id, user_id, &shown)),
            used_at: Set(None),
            ..Default::default()
        }
        .insert(db)
        .await?;
        codes.push(shown);
    }
    Ok(codes)
}

/// An authenticator code (never the same step twice) or a recovery code.
pub async fn verify_login(
    id: &Identity,
    user: &app_user::Model,
    code: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let secret = user
        .totp_secret_enc
        .as_deref()
        .and_then(|s| id.keys.fields().decrypt(s).ok())
        .and_then(|hex_secret| hex::decode(hex_secret).ok());
    if let Some(secret) = secret
        && code.len() == 6
        && code.bytes().all(|b| b.is_ascii_digit())
    {
        return match step_of(&secret, code, now) {
            Some(step) => {
                // Accept a time step once: the update only succeeds while the
                // stored step is older, even with two requests at once.
                let changed = app_user::Entity::update_many()
                    .col_expr(app_user::Column::TotpLastStep, Expr::value(Some(step)))
                    .filter(app_user::Column::Id.eq(user.id))
                    .filter(
                        Condition::any()
                            .add(app_user::Column::TotpLastStep.is_null())
                            .add(app_user::Column::TotpLastStep.lt(step)),
                    )
                    .exec(&id.core.db)
                    .await?
                    .rows_affected;
                Ok(changed == 1)
            }
            _ => Ok(false),
        };
    }
    let hash = recovery_hash(id, user.id, code);
    let found = recovery_code::Entity::find()
        .filter(recovery_code::Column::UserId.eq(user.id))
        .filter(recovery_code::Column::CodeHash.eq(hash))
        .filter(recovery_code::Column::UsedAt.is_null())
        .one(&id.core.db)
        .await?;
    match found {
        Some(rc) => {
            let changed = recovery_code::Entity::update_many()
                .col_expr(recovery_code::Column::UsedAt, Expr::value(Some(now)))
                .filter(recovery_code::Column::Id.eq(rc.id))
                .filter(recovery_code::Column::UsedAt.is_null())
                .exec(&id.core.db)
                .await?
                .rows_affected;
            Ok(changed == 1)
        }
        None => Ok(false),
    }
}

/// What the enrolment page shows for a new secret: the QR code (inline
/// SVG) and the secret in base32 for typing in by hand.
pub fn enrolment(secret: &[u8], account: &str) -> (String, String) {
    let url = url(secret, account);
    let b32 = url
        .split("secret=")
        .nth(1)
        .and_then(|s| s.split('&').next())
        .unwrap_or("")
        .to_owned();
    (qr_svg(&url), b32)
}

/// The code an authenticator app shows for a base32 secret (as displayed
/// on the enrolment page) at `time`; tests play the app with it.
pub fn code_for_base32(secret_b32: &str, time: DateTime<Utc>) -> Option<String> {
    let secret = totp_rs::Secret::try_from_base32(secret_b32).ok()?;
    Some(code_at(secret.as_bytes(), time))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_their_step_within_one_step_of_skew() {
        let secret = new_secret();
        let now = Utc::now();
        let code = code_at(&secret, now);
        let step = step_of(&secret, &code, now).unwrap();
        assert_eq!(step, now.timestamp() / 30);
        assert!(step_of(&secret, &code, now + chrono::Duration::seconds(30)).is_some());
        assert!(step_of(&secret, &code, now + chrono::Duration::seconds(120)).is_none());
        assert!(url(&secret, "zhangsan").starts_with("otpauth://totp/"));
        assert!(qr_svg("otpauth://totp/x").contains("<svg"));
    }
}
