//! Technology contract registration: the application, the review, the
//! state machine and the categories.

pub mod actions;
pub mod application;
pub mod apply_routes;
pub mod attachments;
pub mod auto_accept;
pub mod case;
pub mod casework;
pub mod categories;
pub mod certificate;
pub mod diff;
pub mod drafts;
mod duplicate_cases;
pub mod effects;
pub mod legacy;
pub mod money;
pub mod notice_routes;
pub mod queues;
pub mod reclassify;
mod refusals;
pub mod reminders;
pub mod review_routes;
mod routes;
pub mod routing;
pub mod service;
pub mod state;
pub mod submission;

pub use duplicate_cases::{DuplicateStatuses, rebuild_duplicate_index, subject_of};
pub use queues::open_statuses;
pub use routes::routes;

/// The contracts domain's handle (contract applications, their review and certificates): what its services need, built
/// at boot and given to its handlers as `Data<&Contracts>`.
#[derive(Clone)]
pub struct Contracts {
    pub core: crate::core::Core,
    pub settings: crate::settings::Settings,
    pub dictionaries: crate::dictionary::Dictionaries,
    pub calendar: crate::calendar::Calendar,
    pub keys: crate::security::keys::Keys,
    pub files: crate::files::FileStore,
    pub alerts: crate::alerts::Alerts,
    pub integrity: crate::integrity::Integrity,
    pub duplicates: crate::duplicates::Duplicates,
    pub org: crate::org::Org,
}
