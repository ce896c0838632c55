//! techreg: the Shanghai technology contract recognition and registration
//! system, the technology transfer registry and its public showcase.

pub mod alerts;
pub mod antivirus;
pub mod app;
pub mod audit;
pub mod calendar;
pub mod cli;
pub mod clock;
pub mod config;
pub mod contracts;
pub mod db;
pub mod demo;
pub mod demo_contracts;
pub mod dictionary;
pub mod duplicates;
pub mod files;
pub mod http;
pub mod http_client;
pub mod identity;
pub mod integrity;
pub mod jobs;
pub mod org;
pub mod portal;
pub mod reports;
pub mod security;
pub mod settings;
pub mod tabular;
pub mod telemetry;
pub mod text;

pub use app::{AppState, RunMode, boot};
pub use config::Config;
