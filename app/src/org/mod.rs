//! Registration offices, enterprises, assignments (grown by the offices
//! module).

pub mod districts;
pub mod routes;
pub mod service;
pub mod service_points;
pub mod staff;
pub mod staff_service;
