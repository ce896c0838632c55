//! The `http` SMS driver: posts JSON to the carrier gateway with an
//! HMAC-SM3 signature header, a timeout and retries with backoff on
//! server errors and network failures (not on 4xx, which will not heal).

use std::time::Duration;

use rand::RngCore;
use serde_json::json;

use super::{DeliveryError, SmsGateway};
use crate::security::crypto::hmac_sm3;

pub const SIGNATURE_HEADER: &str = "X-Techreg-Signature";

pub struct HttpGateway {
    client: reqwest::Client,
    url: String,
    secret: Vec<u8>,
    backoff: Duration,
}

impl HttpGateway {
    pub fn new(url: &str, secret: &str) -> Self {
        crate::integrations::http_client::install_crypto_provider();
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .connect_timeout(Duration::from_secs(3))
            .build()
            .expect("HTTP client");
        Self {
            client,
            url: url.to_owned(),
            secret: secret.as_bytes().to_vec(),
            backoff: Duration::from_millis(200),
        }
    }
}

/// The signature a gateway checks: hex HMAC-SM3 over the exact body bytes.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    hex::encode(hmac_sm3(secret, &[body]))
}

#[async_trait::async_trait]
impl SmsGateway for HttpGateway {
    async fn deliver(&self, mobile: &str, content: &str) -> Result<(), DeliveryError> {
        let mut nonce = [0u8; 16];
        rand::rng().fill_bytes(&mut nonce);
        let body = serde_json::to_vec(&json!({
            "mobile": mobile,
            "content": content,
            "timestamp": chrono::Utc::now().timestamp(),
            "nonce": hex::encode(nonce),
        }))
        .expect("serialisable");
        let sig = signature(&self.secret, &body);
        let mut last = String::new();
        for attempt in 0..3u32 {
            if attempt > 0 {
                tokio::time::sleep(self.backoff * 4u32.pow(attempt - 1)).await;
            }
            let result = self
                .client
                .post(&self.url)
                .header("content-type", "application/json")
                .header(SIGNATURE_HEADER, &sig)
                .body(body.clone())
                .send()
                .await;
            match result {
                Ok(r) if r.status().is_success() => return Ok(()),
                Ok(r) if r.status().is_client_error() => {
                    return Err(DeliveryError::Refused(format!(
                        "gateway refused: {}",
                        r.status()
                    )));
                }
                Ok(r) => last = format!("gateway error: {}", r.status()),
                Err(e) => last = format!("gateway unreachable: {e}"),
            }
        }
        Err(DeliveryError::Failed(last))
    }

    fn name(&self) -> &'static str {
        "http"
    }
}
