//! The web floor under every domain's routes: page context, page-or-fragment
//! responses, the web error, middleware, flash messages, assets, health.
//! It imports no domain.

pub mod assets;
pub mod client_ip;
pub mod error;
pub mod flash;
pub mod health;
pub mod middleware;
pub mod page;

pub use error::AppError;
pub use page::Ctx;
