//! Technology contracts.

pub mod certificate;
#[allow(clippy::module_inception)]
pub mod contract;
