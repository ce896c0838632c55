//! Registration offices, enterprises, assignments (grown by the offices
//! module).

pub mod districts;
pub mod routes;
pub mod service;
