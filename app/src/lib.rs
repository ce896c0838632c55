//! techreg: the Shanghai technology contract recognition and registration
//! system, the technology transfer registry and its public showcase.
//!
//! Floors from the top down (docs/architecture.md); an import only runs
//! downward, and a domain reaches another only through its `mod.rs`.

// The top: start-up, the router, background jobs, demo data.
pub mod boot;
pub mod cli;
pub mod demo;
pub mod jobs;
pub mod nav;
pub mod server;

// The domains, highest first.
pub mod alerts;
pub mod audit;
pub mod calendar;
pub mod contracts;
pub mod dictionary;
pub mod duplicates;
pub mod identity;
pub mod integrity;
pub mod org;
pub mod reports;
pub mod settings;
pub mod showcase;

// Under every domain's routes.
pub mod web;

// The ground floors.
pub mod core;
pub mod files;
pub mod integrations;
pub mod security;
pub mod tabular;

pub use boot::{AppState, RunMode, boot};
pub use core::config::Config;
