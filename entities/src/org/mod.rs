//! Registration offices, enterprises, assignments.

pub mod enterprise;
