//! HTTP: router, middleware, errors, htmx helpers, assets, health.

pub mod assets;
pub mod client_ip;
pub mod error;
pub mod flash;
pub mod health;
pub mod middleware;
pub mod page;
pub mod server;

pub use error::AppError;
pub use page::Ctx;
