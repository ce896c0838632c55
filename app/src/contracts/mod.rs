//! Technology contract registration: the application, the review, the
//! state machine and the categories.

pub mod application;
pub mod apply_routes;
pub mod categories;
pub mod certificate;
pub mod effects;
pub mod legacy;
pub mod money;
pub mod reclassify;
pub mod service;
pub mod state;
