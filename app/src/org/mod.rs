//! Registration offices, enterprises and the enterprise ↔ office
//! assignment (对口关系).

pub mod enterprise_import;
pub mod enterprise_routes;
pub mod enterprises;
mod for_identity;
pub mod routes;
pub mod service;
pub mod service_points;
pub mod staff;
pub mod staff_service;

pub use for_identity::OfficesForIdentity;

/// The org domain's handle (offices, enterprises and their assignments, staff, service points): what its services need, built
/// at boot and given to its handlers as `Data<&Org>`.
#[derive(Clone)]
pub struct Org {
    pub core: crate::core::Core,
    pub settings: crate::settings::Settings,
    pub keys: crate::security::keys::Keys,
    pub dictionaries: crate::dictionary::Dictionaries,
    pub identity: crate::identity::Identity,
}
