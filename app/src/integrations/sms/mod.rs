//! The SMS gateway: the `log` driver (demo and tests: messages stay in the
//! database, and demo mode shows them on /demo/sms) and the `http` driver
//! that posts to the carrier's gateway.

pub mod http;

use std::sync::Arc;

#[async_trait::async_trait]
pub trait SmsGateway: Send + Sync + 'static {
    /// Hands one message to the carrier.
    async fn deliver(&self, mobile: &str, body: &str) -> Result<(), DeliveryError>;
    fn name(&self) -> &'static str;
}

/// Why the carrier did not take a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryError {
    /// The gateway refused it (4xx): trying again will not help.
    Refused(String),
    /// A server error or no answer: a later attempt may succeed.
    Failed(String),
}

impl DeliveryError {
    pub fn is_permanent(&self) -> bool {
        matches!(self, DeliveryError::Refused(_))
    }
}

impl std::fmt::Display for DeliveryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeliveryError::Refused(m) | DeliveryError::Failed(m) => f.write_str(m),
        }
    }
}

/// Delivers nothing: the stored row is the message.
pub struct LogGateway;

#[async_trait::async_trait]
impl SmsGateway for LogGateway {
    async fn deliver(&self, _mobile: &str, _body: &str) -> Result<(), DeliveryError> {
        Ok(())
    }
    fn name(&self) -> &'static str {
        "log"
    }
}

pub fn gateway(config: &crate::core::config::Config) -> Arc<dyn SmsGateway> {
    match config.sms.driver {
        crate::core::config::SmsDriver::Log => Arc::new(LogGateway),
        crate::core::config::SmsDriver::Http => Arc::new(http::HttpGateway::new(
            &config.sms.http_url,
            config.sms.http_secret.expose(),
        )),
    }
}
