//! Technology contracts.

pub mod attachment;
pub mod certificate;
pub mod comment;
#[allow(clippy::module_inception)]
pub mod contract;
pub mod deduction;
pub mod duplicate_decision;
pub mod event;
pub mod expert_opinion;
pub mod fingerprint;
pub mod ip_item;
pub mod party;
pub mod registration_serial;
pub mod snapshot;
