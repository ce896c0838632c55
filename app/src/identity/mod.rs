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
