//! Technology contracts.

#[allow(clippy::module_inception)]
pub mod contract;
