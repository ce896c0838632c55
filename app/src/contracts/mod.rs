//! Technology contract registration: the application, the review, the
//! state machine and the categories.

pub mod application;
pub mod apply_routes;
pub mod auto_accept;
pub mod casework;
pub mod categories;
pub mod certificate;
pub mod diff;
pub mod effects;
pub mod legacy;
pub mod money;
pub mod notice_routes;
pub mod queues;
pub mod reclassify;
pub mod reminders;
pub mod review_routes;
pub mod service;
pub mod state;
