//! maud views: data in, `Markup` out. No database, no HTTP.

pub mod components;
pub mod layout;
pub mod pages;

pub use maud::{Markup, PreEscaped, html};
