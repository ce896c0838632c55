//! The audit log and its chain anchor.

pub mod audit_anchor;
pub mod audit_log;
