//! Transitional: the old `service` paths of the contract services, now in
//! `case`, `drafts`, `submission`, `routing` and `actions`.

pub use super::actions::*;
pub use super::case::*;
pub use super::drafts::*;
pub use super::routing::*;
pub use super::submission::*;
