//! The audit log: written in the same transaction as the action it records
//! (`record`), append-only for the application, chained with HMAC-SM3 by a
//! sealing step (`seal`, `verify`, `purge`), read back as an object's
//! history (`history_of`) and by the audit admin at `/audit/log`.

mod chain;
mod model;
mod present;
mod query;
mod record;
mod routes;
mod service;

pub use chain::{Broken, purge, seal, spawn_sealer, verify};
pub use query::history_of;
pub use record::{Actor, Entry, Outcome, record};
pub use routes::routes;

/// The audit domain's handle (the audit log and its chain): what its services need, built
/// at boot and given to its handlers as `Data<&Audit>`.
#[derive(Clone)]
pub struct Audit {
    pub core: crate::core::Core,
    pub keys: crate::security::keys::Keys,
}
