//! Security building blocks (a ground floor: imports only `core`): national
//! cryptography, keys, CSRF tokens, rate limits, the RBAC policy, and the
//! re-encryption of stored fields under a new key version.

pub mod crypto;
pub mod csrf;
pub mod keys;
pub mod rate_limit;
pub mod rbac;
pub mod rotate;
