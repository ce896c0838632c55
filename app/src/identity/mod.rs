//! Identity: registration, login with a second factor, sessions, roles.

pub mod admin;
pub mod auth;
pub mod bootstrap;
pub mod claims;
pub mod login;
pub mod members;
pub mod policy;
pub mod register;
pub mod roles;
pub mod routes;
pub mod session_store;
pub mod sms;
pub mod totp;
pub mod users;
pub mod validate;

/// The identity domain's handle (sign-up, sign-in, accounts, roles, enterprise claims): what its services need, built
/// at boot and given to its handlers as `Data<&Identity>`.
#[derive(Clone)]
pub struct Identity {
    pub core: crate::core::Core,
    pub settings: crate::settings::Settings,
    pub keys: crate::security::keys::Keys,
    pub sessions: session_store::SessionStore,
    pub sms: std::sync::Arc<dyn crate::integrations::sms::SmsGateway>,
    pub files: crate::files::FileStore,
}
