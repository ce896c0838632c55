//! Registration offices, enterprises, assignments.

pub mod enterprise;
pub mod enterprise_anomaly;
pub mod enterprise_assignment;
pub mod enterprise_history;
pub mod integrity_entry;
pub mod office;
pub mod office_history;
pub mod office_industry_member;
pub mod service_point;
pub mod staff_posting;
