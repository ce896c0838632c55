//! The audit log: written in the same transaction as the action it records,
//! append-only for the application, chained with HMAC-SM3 by a sealing step.

mod chain;
mod query;
mod record;
pub mod routes;

pub use chain::{Broken, purge, seal, spawn_sealer, verify};
pub use query::history_of;
pub use record::{Actor, Entry, Outcome, record};
