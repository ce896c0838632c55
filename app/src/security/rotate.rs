//! `techreg keys rotate`: re-encrypts every SM4-encrypted column under the
//! newest field key version, in batches.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, DbErr, EntityTrait};
use techreg_entities::identity::{app_user, sms_message};

use super::crypto::FieldCipher;
use super::keys::KeyProvider;

fn moved(fields: &FieldCipher, value: &Option<String>) -> Result<Option<Option<String>>, DbErr> {
    match value {
        None => Ok(None),
        Some(v) => fields
            .reencrypt(v)
            .map(|r| r.map(Some))
            .map_err(|e| DbErr::Custom(format!("cannot re-encrypt: {e}"))),
    }
}

/// Returns how many values moved to the newest key version.
pub async fn reencrypt_all(db: &DatabaseConnection, keys: &dyn KeyProvider) -> Result<u64, DbErr> {
    let fields = keys.fields();
    let mut count = 0;
    let txn = crate::core::db::begin(db).await?;
    for user in app_user::Entity::find().all(&txn).await? {
        let mobile = moved(fields, &user.mobile_enc)?;
        let id_card = moved(fields, &user.id_card_enc)?;
        let totp = moved(fields, &user.totp_secret_enc)?;
        if mobile.is_none() && id_card.is_none() && totp.is_none() {
            continue;
        }
        let mut m: app_user::ActiveModel = user.into();
        for (slot, value) in [
            (&mut m.mobile_enc, mobile),
            (&mut m.id_card_enc, id_card),
            (&mut m.totp_secret_enc, totp),
        ] {
            if let Some(v) = value {
                *slot = Set(v);
                count += 1;
            }
        }
        m.update(&txn).await?;
    }
    for msg in sms_message::Entity::find().all(&txn).await? {
        let mobile = moved(fields, &Some(msg.mobile_enc.clone()))?;
        let body = moved(fields, &Some(msg.body_enc.clone()))?;
        if mobile.is_none() && body.is_none() {
            continue;
        }
        let mut m: sms_message::ActiveModel = msg.into();
        if let Some(Some(v)) = mobile {
            m.mobile_enc = Set(v);
            count += 1;
        }
        if let Some(Some(v)) = body {
            m.body_enc = Set(v);
            count += 1;
        }
        m.update(&txn).await?;
    }
    txn.commit().await?;
    Ok(count)
}
