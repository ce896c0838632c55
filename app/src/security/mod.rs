//! Security building blocks: national cryptography, keys, CSRF tokens.

pub mod crypto;
pub mod csrf;
pub mod keys;
pub mod rate_limit;
pub mod rbac;
pub mod rotate;
