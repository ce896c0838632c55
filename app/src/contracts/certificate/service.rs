//! Issuing certificates and following their status. The registration flow
//! calls `issue` inside the transaction of the final approval (审定) and
//! `set_status` inside the transactions of change, cancellation and
//! revocation; those callers write the audit rows.

use chrono::{DateTime, Utc};
use rand::TryRngCore;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use techreg_entities::contract::certificate;

use super::canonical::{self, CertifiedData};
use super::pdf::{self, PdfExtras};
use crate::boot::AppState;
use crate::security::crypto::{ct_eq, hmac_sm3};
use crate::security::keys::{KeyName, SignError};

/// 32 unambiguous characters: no 0/O, 1/I.
const CODE_ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
pub const CODE_LEN: usize = 8;
pub const ALGORITHM: &str = "SM2-with-SM3";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Valid,
    Changed,
    Cancelled,
    Revoked,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Valid,
        Status::Changed,
        Status::Cancelled,
        Status::Revoked,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::Changed => "changed",
            Status::Cancelled => "cancelled",
            Status::Revoked => "revoked",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Status::Valid => "有效",
            Status::Changed => "已变更",
            Status::Cancelled => "已注销",
            Status::Revoked => "已撤销",
        }
    }
    pub fn parse(code: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.code() == code)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error("登记编号只能包含数字、大写字母和连字符，且不超过 40 个字符")]
    BadNumber,
    #[error("该登记编号已出具登记证明")]
    Duplicate,
    #[error("登记证明不存在")]
    NotFound,
    #[error(transparent)]
    Sign(#[from] SignError),
    #[error(transparent)]
    Pdf(#[from] pdf::PdfError),
    #[error("登记证明文件存储失败: {0}")]
    File(#[from] crate::files::FileError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// What `issue` hands back: the code is never stored in clear, so this is
/// the only moment it is known (it is also printed on the PDF).
#[derive(Debug)]
pub struct Issued {
    pub certificate_id: i64,
    pub registration_number: String,
    pub verification_code: String,
    pub pdf: Vec<u8>,
    pub pdf_digest: String,
}

/// A fresh verification code from the operating system's generator.
pub fn new_code() -> String {
    let mut bytes = [0u8; CODE_LEN];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .expect("operating system random generator");
    // 32 symbols: the low five bits of a uniform byte are uniform.
    bytes
        .iter()
        .map(|b| CODE_ALPHABET[(b & 31) as usize] as char)
        .collect()
}

/// The stored form of a code, bound to its registration number.
pub fn code_hash(state: &AppState, number: &str, code: &str) -> String {
    let code = crate::core::text::normalize_code(code);
    hex::encode(hmac_sm3(
        state.keys.secret(KeyName::Index),
        &[
            b"certificate-code\0",
            number.as_bytes(),
            b"\0",
            code.as_bytes(),
        ],
    ))
}

/// Registration numbers as the public pages accept them.
pub fn valid_number(number: &str) -> bool {
    !number.is_empty()
        && number.chars().count() <= 40
        && number
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
}

pub fn verify_url(state: &AppState, number: &str, code: &str) -> String {
    format!(
        "{}/verify/{number}?code={code}",
        state.core.config.public_url.trim_end_matches('/')
    )
}

/// Signs the canonical text, renders and stores the PDF and records the
/// certificate. Run it inside the final approval's transaction.
pub async fn issue<C: ConnectionTrait>(
    db: &C,
    state: &AppState,
    contract_id: i64,
    data: &CertifiedData,
    now: DateTime<Utc>,
) -> Result<Issued, CertError> {
    let number = data.registration_number.clone();
    // The public pages upper-case what they are given, as for every code.
    if !valid_number(&number) || number != crate::core::text::normalize_code(&number) {
        return Err(CertError::BadNumber);
    }
    if find(db, &number).await?.is_some() {
        return Err(CertError::Duplicate);
    }
    let text = canonical::canonical_text(data);
    let signature = state.keys.seal_sign(text.as_bytes()).await?;
    let signature_hex = hex::encode(signature);
    let (key_id, public_key) = state.keys.seal_public_key();
    let code = new_code();
    let url = verify_url(state, &number, &code);
    let cfg = &state.core.config.certificate;
    let (font_path, font_index) = (cfg.font_path.clone(), cfg.font_index);
    let (data_owned, extras) = (
        data.clone(),
        (code.clone(), url, key_id.clone(), signature_hex.clone()),
    );
    // Layout and font subsetting are CPU work: keep them off the reactor.
    let bytes = tokio::task::spawn_blocking(move || {
        pdf::render(
            &font_path,
            font_index,
            &data_owned,
            &PdfExtras {
                verification_code: &extras.0,
                verify_url: &extras.1,
                key_id: &extras.2,
                signature_hex: &extras.3,
            },
        )
    })
    .await
    .map_err(|e| DbErr::Custom(format!("PDF rendering task failed: {e}")))??;
    let digest = state.files.store(db, &bytes).await?;
    let row = certificate::ActiveModel {
        contract_id: Set(contract_id),
        registration_number: Set(number.clone()),
        verification_code_hash: Set(code_hash(state, &number, &code)),
        canonical_version: Set(canonical::VERSION.to_owned()),
        canonical_text: Set(text),
        signature_hex: Set(signature_hex),
        key_id: Set(key_id),
        public_key_hex: Set(hex::encode(public_key)),
        status: Set(Status::Valid.code().to_owned()),
        status_reason: Set(String::new()),
        issued_at: Set(now),
        status_changed_at: Set(None),
        pdf_digest: Set(digest.clone()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(Issued {
        certificate_id: row.id,
        registration_number: number,
        verification_code: code,
        pdf: bytes,
        pdf_digest: digest,
    })
}

pub async fn find<C: ConnectionTrait>(
    db: &C,
    registration_number: &str,
) -> Result<Option<certificate::Model>, DbErr> {
    certificate::Entity::find()
        .filter(certificate::Column::RegistrationNumber.eq(registration_number))
        .one(db)
        .await
}

/// The certificate when `code` is its verification code; `None` for an
/// unknown number and for a wrong code alike.
pub async fn find_with_code<C: ConnectionTrait>(
    db: &C,
    state: &AppState,
    registration_number: &str,
    code: &str,
) -> Result<Option<certificate::Model>, DbErr> {
    // The hash is computed either way so both answers take the same work.
    let expected = code_hash(state, registration_number, code);
    let found = find(db, registration_number).await?;
    Ok(found.filter(|c| ct_eq(c.verification_code_hash.as_bytes(), expected.as_bytes())))
}

/// Changes a certificate's status (变更, 注销, 撤销, or back to valid).
pub async fn set_status<C: ConnectionTrait>(
    db: &C,
    registration_number: &str,
    status: Status,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<certificate::Model, CertError> {
    let row = find(db, registration_number)
        .await?
        .ok_or(CertError::NotFound)?;
    let mut active: certificate::ActiveModel = row.into();
    active.status = Set(status.code().to_owned());
    active.status_reason = Set(reason.to_owned());
    active.status_changed_at = Set(Some(now));
    Ok(active.update(db).await?)
}

/// Which certificate to fetch for download.
#[derive(Clone, Copy, Debug)]
pub enum Which {
    Certificate(i64),
    /// The latest certificate of a contract.
    Contract(i64),
}

/// The stored PDF of a certificate; the caller checks who may download it.
pub async fn pdf<C: ConnectionTrait>(
    db: &C,
    state: &AppState,
    which: Which,
) -> Result<Vec<u8>, CertError> {
    use sea_orm::QueryOrder;
    let row = match which {
        Which::Certificate(id) => certificate::Entity::find_by_id(id).one(db).await?,
        Which::Contract(contract_id) => {
            certificate::Entity::find()
                .filter(certificate::Column::ContractId.eq(contract_id))
                .order_by_desc(certificate::Column::Id)
                .one(db)
                .await?
        }
    }
    .ok_or(CertError::NotFound)?;
    let (bytes, _) = state
        .files
        .load(&row.pdf_digest)
        .await?
        .ok_or(CertError::NotFound)?;
    Ok(bytes)
}

/// A signing key as `/api/keys` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKeyInfo {
    pub key_id: String,
    pub public_key_hex: String,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_to: Option<DateTime<Utc>>,
}

/// Every key that signed a certificate, oldest first, and the current key.
/// A key is valid from its first certificate until the next key's first.
pub async fn signing_keys<C: ConnectionTrait>(
    db: &C,
    state: &AppState,
) -> Result<Vec<PublicKeyInfo>, DbErr> {
    use sea_orm::{QueryOrder, QuerySelect};
    let rows: Vec<(String, String, DateTime<Utc>)> = certificate::Entity::find()
        .select_only()
        .column(certificate::Column::KeyId)
        .column(certificate::Column::PublicKeyHex)
        .column_as(certificate::Column::IssuedAt.min(), "first_use")
        .group_by(certificate::Column::KeyId)
        .group_by(certificate::Column::PublicKeyHex)
        .order_by_asc(certificate::Column::IssuedAt.min())
        .into_tuple()
        .all(db)
        .await?;
    let mut keys: Vec<PublicKeyInfo> = rows
        .into_iter()
        .map(|(key_id, public_key_hex, first)| PublicKeyInfo {
            key_id,
            public_key_hex,
            valid_from: Some(first),
            valid_to: None,
        })
        .collect();
    let (current_id, current_key) = state.keys.seal_public_key();
    let current_hex = hex::encode(current_key);
    if !keys
        .iter()
        .any(|k| k.key_id == current_id && k.public_key_hex == current_hex)
    {
        // Not used yet: listed so verifiers can fetch it in advance.
        keys.push(PublicKeyInfo {
            key_id: current_id,
            public_key_hex: current_hex,
            valid_from: None,
            valid_to: None,
        });
    }
    for i in 1..keys.len() {
        keys[i - 1].valid_to = keys[i].valid_from;
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_use_the_unambiguous_alphabet() {
        for _ in 0..200 {
            let code = new_code();
            assert_eq!(code.len(), CODE_LEN);
            assert!(
                code.chars()
                    .all(|c| c.is_ascii_alphanumeric() && !"01OI".contains(c)),
                "{code}"
            );
        }
        assert_ne!(new_code(), new_code());
    }

    #[test]
    fn statuses_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.code()), Some(s));
        }
        assert_eq!(Status::parse("unknown"), None);
    }
}
