//! Registration offices, enterprises and the enterprise ↔ office
//! assignment (对口关系), office staff with their dated postings, and the
//! offices' service points.
//!
//! Other parts use the assignment rules (`assign_new` for a new
//! enterprise, `responsible_office` on a date, `district_office`), the
//! enterprise history (`enterprise_history`) and the postings that go with
//! a role granted elsewhere (`open_posting_for_scope`, `holds`); these run
//! inside the caller's transaction. The integrity domain, above this one,
//! provides the enterprise marks the lists show (`EnterpriseMarks`).

mod assignments;
mod enterprises;
mod for_identity;
mod import;
mod model;
mod offices;
mod positions;
mod postings;
mod present;
mod routes;
mod service_points;
mod staff;

use std::sync::Arc;

use chrono::NaiveDate;
use sea_orm::DbErr;

pub use assignments::{assign, assign_new, district_office, responsible_office};
pub use enterprises::enterprise_history;
pub use for_identity::OfficesForIdentity;
pub use model::{KIND_DISTRICT, KIND_INDUSTRY, Marks, STATUS_ACTIVE};
pub use offices::{NewOffice, create_office};
pub use postings::{holds, open_posting, open_posting_for_scope};
pub use routes::routes;

/// Integrity's marks on enterprises (listed in the integrity library,
/// anomaly information in force), which the enterprise pages show. Org
/// sits below integrity, so integrity provides this at boot.
#[async_trait::async_trait]
pub trait EnterpriseMarks: Send + Sync + 'static {
    /// Of `ids`, the enterprises listed on `on` and those with an anomaly
    /// in force on it.
    async fn marks(&self, ids: &[i64], on: NaiveDate) -> Result<Marks, DbErr>;
}

/// The org domain's handle (offices, enterprises and their assignments,
/// staff, service points): what its services need, built at boot and given
/// to its handlers as `Data<&Org>`.
#[derive(Clone)]
pub struct Org {
    pub core: crate::core::Core,
    pub settings: crate::settings::Settings,
    pub keys: crate::security::keys::Keys,
    pub dictionaries: crate::dictionary::Dictionaries,
    pub identity: crate::identity::Identity,
    pub marks: Arc<dyn EnterpriseMarks>,
}
