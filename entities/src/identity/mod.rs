//! Users, second factors, SMS, roles and grants, sessions.

pub mod app_user;
pub mod enterprise_claim;
pub mod password_history;
pub mod recovery_code;
pub mod role;
pub mod role_assignment;
pub mod role_permission;
pub mod sms_message;
pub mod user_session;
