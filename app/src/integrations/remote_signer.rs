//! The platform's signature service (签名验签服务) over HTTP as the signer
//! of the registration seal; symmetric keys stay in the local key files.
//!
//! Protocol: `GET {url}/keys/{key_id}` → `{"public_key": "04…"}` at start;
//! `POST {url}/sign` with `{"key_id", "data": hex}` → `{"signature": hex r‖s}`.
//! Both with `Authorization: Bearer <token>`. Every returned signature is
//! verified locally before it is used.

use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

use crate::security::crypto::{FieldCipher, sm2_verify};
use crate::security::keys::{KeyName, KeyProvider, LocalKeyFiles, SignError};

pub struct RemoteSigner {
    local: LocalKeyFiles,
    client: reqwest::Client,
    url: String,
    token: String,
    key_id: String,
    public_key: Vec<u8>,
}

#[derive(Deserialize)]
struct KeyAnswer {
    public_key: String,
}

#[derive(Deserialize)]
struct SignAnswer {
    signature: String,
}

impl RemoteSigner {
    /// Fetches the seal's public key; fails when the service is unreachable
    /// or answers nonsense, so a misconfigured node does not start.
    pub async fn connect(
        local: LocalKeyFiles,
        url: &str,
        token: &str,
        key_id: &str,
    ) -> Result<Self, SignError> {
        crate::integrations::http_client::install_crypto_provider();
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| SignError::Unavailable(e.to_string()))?;
        let url = url.trim_end_matches('/').to_owned();
        let answer: KeyAnswer = client
            .get(format!("{url}/keys/{key_id}"))
            .bearer_auth(token)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| SignError::Unavailable(e.to_string()))?
            .json()
            .await
            .map_err(|e| SignError::Unavailable(e.to_string()))?;
        let public_key =
            hex::decode(answer.public_key.trim()).map_err(|_| SignError::BadSignature)?;
        if public_key.len() != 65 || public_key[0] != 4 {
            return Err(SignError::Unavailable(
                "public key is not an uncompressed SM2 point".into(),
            ));
        }
        Ok(Self {
            local,
            client,
            url,
            token: token.to_owned(),
            key_id: key_id.to_owned(),
            public_key,
        })
    }
}

#[async_trait::async_trait]
impl KeyProvider for RemoteSigner {
    fn secret(&self, name: KeyName) -> &[u8] {
        self.local.secret(name)
    }
    fn fields(&self) -> &FieldCipher {
        self.local.fields()
    }
    fn seal_public_key(&self) -> (String, Vec<u8>) {
        (self.key_id.clone(), self.public_key.clone())
    }
    async fn seal_sign(&self, message: &[u8]) -> Result<[u8; 64], SignError> {
        let answer: SignAnswer = self
            .client
            .post(format!("{}/sign", self.url))
            .bearer_auth(&self.token)
            .json(&json!({ "key_id": self.key_id, "data": hex::encode(message) }))
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| SignError::Unavailable(e.to_string()))?
            .json()
            .await
            .map_err(|e| SignError::Unavailable(e.to_string()))?;
        let sig: [u8; 64] = hex::decode(answer.signature.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(SignError::BadSignature)?;
        if !sm2_verify(&self.public_key, message, &sig) {
            return Err(SignError::BadSignature);
        }
        Ok(sig)
    }
}
