//! The public portal: home, guide, certificate verification.

pub mod routes;
