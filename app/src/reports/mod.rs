//! Statistics and reports: enterprise growth per office (F47) and the
//! enterprises of the integrity library with their applications (F35), as
//! pages and Excel exports. A report covers a period of Shanghai calendar
//! dates (`core::period`); the database keeps UTC instants, so the period
//! is turned into a half-open UTC interval before querying.

mod export;
mod growth;
mod integrity;
mod model;
mod present;
mod routes;
mod service;

pub use growth::{CONTRACT_REGISTERED, enterprise_growth};
pub use routes::routes;

/// The reports domain's handle (the statistics): what its services need,
/// built at boot and given to its handlers as `Data<&Reports>`.
#[derive(Clone)]
pub struct Reports {
    pub core: crate::core::Core,
    pub settings: crate::settings::Settings,
}
