//! Logging: text for people, JSON for the log collector. Every line inside a
//! request carries the request id through the `request` span.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::core::config::{LogConfig, LogFormat};

pub fn init(config: &LogConfig) {
    let builder = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(&config.filter))
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let result = match config.format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
    // A second init (tests) keeps the first subscriber.
    let _ = result;
}
