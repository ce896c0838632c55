//! Identity: who may sign in and what they may do. Registration of unit
//! and individual users (with the enterprise claim a unit user proves with
//! documents), sign-in with a password and a second factor (SMS code or
//! an authenticator app), sessions, the account pages, and the admin
//! screens for users, sessions, the role matrix and the security policy.
//! Roles and their grants carry integrity tags (`roles`).
//!
//! Identity sits below org: what it needs of the office directory (which
//! office is responsible for an enterprise, assigning a new one, postings
//! that go with office positions) it asks through `OfficeDirectory`, which
//! org provides at boot.

mod account;
mod admin;
mod bootstrap;
mod claims;
mod directory;
mod login;
mod members;
mod model;
mod policy;
mod present;
mod register;
mod roles;
mod routes;
mod session_store;
mod sessions;
mod sms;
mod totp;
mod users;
mod validate;

use std::sync::Arc;

pub use bootstrap::bootstrap_admins;
pub use directory::{ActiveOffice, OfficeDirectory};
pub use login::mobile_of;
pub use model::{
    ENTERPRISE_UNVERIFIED, ENTERPRISE_VERIFIED, KIND_ENTERPRISE, KIND_INDIVIDUAL, KIND_STAFF,
    STATUS_ACTIVE, STATUS_DISABLED,
};
pub use present::user_status_label;
pub use roles::{AssignError, assign_role, ensure_built_in_roles, grant_permission, load_grants};
pub use routes::{SessionAuthenticator, routes};
pub use session_store::SessionStore;
pub use sms::mobile_index;
pub use totp::code_for_base32;
pub use users::{NewUser, create_user, find_by_username};
pub use validate::{credit_check_char, credit_code, id_card_check_char};

/// The identity domain's handle (sign-up, sign-in, accounts, roles,
/// enterprise claims): what its services need, built at boot and given to
/// its handlers as `Data<&Identity>`.
#[derive(Clone)]
pub struct Identity {
    pub core: crate::core::Core,
    pub settings: crate::settings::Settings,
    pub keys: crate::security::keys::Keys,
    pub sessions: SessionStore,
    pub sms: Arc<dyn crate::integrations::sms::SmsGateway>,
    pub files: crate::files::FileStore,
    /// The office directory, provided by org (the floor above).
    pub offices: Arc<dyn OfficeDirectory>,
}

impl Identity {
    /// A number of the security policy, or its default when unreadable.
    async fn number(&self, key: &str, default: i64) -> i64 {
        self.settings.get_i64(key).await.unwrap_or(default)
    }
}
