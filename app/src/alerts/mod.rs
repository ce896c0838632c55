//! Alerts: the message center (消息中心) and the notices that reach users
//! there and by SMS, through the retrying SMS outbox with its yearly quota.
//!
//! Other domains send inside their own transaction and deliver SMS after
//! commit:
//!
//! ```ignore
//! let txn = cx.core.begin().await?;
//! // … change the case, audit::record(…) …
//! alerts::send_with_sms(&txn, &cx.alerts, &notice, "您的技术合同已登记。", now).await?;
//! txn.commit().await?;
//! alerts::deliver_pending(&cx.alerts).await?;
//! ```

mod messages;
mod model;
mod outbox;
mod present;
mod routes;
mod service;

pub use messages::{send, send_many, send_with_sms, unread_count};
pub use model::{
    Kind, NewMessage, SMS_FAILED, SMS_PENDING, SMS_PURPOSE, SMS_SENDING, SMS_SENT, Sent,
};
pub use outbox::{Delivery, MAX_ATTEMPTS, deliver_pending, quota, sent_this_year};
pub use routes::routes;

/// The alerts domain's handle (the message center and the SMS outbox): what
/// its services need, built at boot and given to its handlers as
/// `Data<&Alerts>`.
#[derive(Clone)]
pub struct Alerts {
    pub core: crate::core::Core,
    pub settings: crate::settings::Settings,
    pub keys: crate::security::keys::Keys,
    pub sms: std::sync::Arc<dyn crate::integrations::sms::SmsGateway>,
}
