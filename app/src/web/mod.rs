//! The web floor under every domain's routes: page context, page-or-fragment
//! responses, the web error, middleware, flash messages, assets, health.
//! It imports no domain.

pub mod assets;
pub mod auth;
pub mod client_ip;
pub mod download;
pub mod error;
pub mod flash;
pub mod form;
pub mod health;
pub mod middleware;
pub mod page;
pub mod site;
pub mod upload;

pub use error::{WebError, WebResult};
pub use form::Form;
pub use page::Ctx;
