//! sea-orm entities, one folder per domain.

pub mod alerts;
pub mod audit;
pub mod contract;
pub mod identity;
pub mod org;
pub mod system;
