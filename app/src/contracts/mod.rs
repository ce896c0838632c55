//! Technology contract registration: the application, the review, the
//! state machine and the categories.

pub mod application;
pub mod casework;
pub mod categories;
pub mod diff;
pub mod money;
pub mod queues;
pub mod review_routes;
pub mod service;
pub mod state;
