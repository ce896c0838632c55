//! Alerts: the message center (消息中心) and the notices that reach users
//! there and by SMS: the retrying SMS outbox with its yearly quota, and the
//! deadline reminders to the staff who work a case and their head.
//!
//! Other modules send inside their own transaction and deliver SMS after
//! commit:
//!
//! ```ignore
//! let txn = crate::core::db::begin(&state.core.db).await?;
//! // … change the case, audit::record(…) …
//! messages::send_with_sms(&txn, &state, &notice, "您的技术合同已登记。", now).await?;
//! txn.commit().await?;
//! outbox::deliver_pending(&state).await?;
//! ```

pub mod messages;
pub mod outbox;
pub mod routes;

/// The alerts domain's handle (the message center and the SMS outbox): what its services need, built
/// at boot and given to its handlers as `Data<&Alerts>`.
#[derive(Clone)]
pub struct Alerts {
    pub core: crate::core::Core,
    pub settings: crate::settings::Settings,
    pub keys: crate::security::keys::Keys,
    pub sms: std::sync::Arc<dyn crate::integrations::sms::SmsGateway>,
}
