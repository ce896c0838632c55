//! Alerts: the in-app message center.

pub mod message;
