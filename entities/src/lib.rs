//! sea-orm entities, one folder per domain.

pub mod audit;
pub mod identity;
pub mod org;
pub mod system;
