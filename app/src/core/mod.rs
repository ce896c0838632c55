//! The ground floor: what every other part shares and nothing above it
//! leaks into: the database handle, the clock, configuration, typed ids,
//! the caller, the domain error, text normalisation.

pub mod clock;
pub mod config;
pub mod db;
pub mod telemetry;
pub mod text;
