//! National cryptography (GB/T 39786 level 3) over RustCrypto's `sm2`,
//! `sm3`, `sm4` with `hmac`, `aes-gcm` and `pbkdf2`. `sm-crypto` is kept as
//! a dev-dependency to prove interoperability (../shared/stack-notes.md).

mod field;
mod hash;
mod password;
mod sign;

#[cfg(test)]
mod interop_tests;

pub use field::{FieldCipher, FieldError};
pub use hash::{HmacSm3, ct_eq, hmac_sm3, sm3};
pub use password::{PasswordHash, hash_password, verify_password};
pub use sign::{DEFAULT_DIST_ID, SignError, Sm2KeyPair, sm2_verify};
