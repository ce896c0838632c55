//! The integrity enterprise library (诚信企业库, F27/F28) and anomaly
//! information (异常信息, F29/F30), maintained by the city office.
//!
//! Whether an entry or a record is in force is computed from its dates and
//! today's Shanghai date whenever it is read (`listing`, `anomalies`,
//! `marks`), so an expired entry stops counting on every node at midnight
//! without a job. The old `enterprise.in_integrity_list` / `has_anomaly`
//! flags are no longer read.
//!
//! A contract remembers in `integrity_listed` whether its enterprise was
//! listed when it was submitted (kept in step here when the list changes
//! while the case is open, for the open statuses contracts gives at boot):
//! that column orders the review queues and marks rows. At submission the
//! contracts domain asks for the enterprise's `standing` and, for a
//! blocking anomaly, does not accept the case itself; it also sends the
//! priority `reminder`s this domain words.

mod anomaly_records;
mod entries;
mod for_org;
mod import;
mod model;
mod present;
mod reminders;
mod routes;
mod service;

pub use model::{NewAnomaly, NewEntry, TEXT_MAX, validity};
pub use reminders::{Reminder, Stage, TITLE_PREFIX, reminder};
pub use routes::routes;
pub use service::{
    Blocking, Standing, anomalies, case_marks, enterprises_by_id, listing, marks, require_manage,
    standing,
};

/// The integrity domain's handle (the integrity list and anomaly records): what its services need, built
/// at boot and given to its handlers as `Data<&Integrity>`.
#[derive(Clone)]
pub struct Integrity {
    pub core: crate::core::Core,
    pub dictionaries: crate::dictionary::Dictionaries,
    /// The contract statuses of open cases (stored), from contracts: their
    /// `integrity_listed` follows the list.
    pub open_statuses: &'static [&'static str],
}
