//! Registration offices, enterprises, assignments.

pub mod enterprise;
pub mod enterprise_assignment;
pub mod office;
pub mod office_history;
pub mod service_point;
