//! Statistics and reports. A report covers a period of Shanghai calendar
//! dates; the database keeps UTC instants, so the period is turned into a
//! half-open UTC interval before querying.

pub mod growth;
pub mod integrity;
pub mod routes;

/// The reports domain's handle (the statistics): what its services need, built
/// at boot and given to its handlers as `Data<&Reports>`.
#[derive(Clone)]
pub struct Reports {
    pub core: crate::core::Core,
    pub settings: crate::settings::Settings,
}

pub use crate::core::period::{MAX_YEARS, Period, parse_period, shanghai_midnight};
