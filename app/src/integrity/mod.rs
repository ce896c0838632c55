//! The integrity enterprise library (诚信企业库, F27/F28) and anomaly
//! information (异常信息, F29/F30), maintained by the city office.
//!
//! Whether an entry or a record is in force is computed from its dates and
//! today's Shanghai date whenever it is read (`active_*`), so an expired
//! entry stops counting on every node at midnight without a job. The old
//! `enterprise.in_integrity_list` / `has_anomaly` flags are no longer read.
//!
//! A contract remembers in `integrity_listed` whether its enterprise was
//! listed when it was submitted (kept in step when the list changes while
//! the case is open): that column orders the review queues and marks rows.

mod for_org;
pub mod import;
pub mod reminders;
pub mod routes;
pub mod service;
pub mod submission;

/// The integrity domain's handle (the integrity list and anomaly records): what its services need, built
/// at boot and given to its handlers as `Data<&Integrity>`.
#[derive(Clone)]
pub struct Integrity {
    pub core: crate::core::Core,
    pub settings: crate::settings::Settings,
    pub dictionaries: crate::dictionary::Dictionaries,
    pub alerts: crate::alerts::Alerts,
}
