//! Registration offices, enterprises and the enterprise ↔ office
//! assignment (对口关系).

pub mod districts;
pub mod enterprise_import;
pub mod enterprise_routes;
pub mod enterprises;
pub mod routes;
pub mod service;
pub mod service_points;
pub mod staff;
pub mod staff_service;
