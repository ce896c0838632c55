//! sea-orm entities, one folder per domain.

pub mod system;
