//! The public site (showcase): home, guide, certificate verification.

pub mod routes;
