//! Password hashes: PBKDF2-HMAC-SM3 with a random 16-byte salt, stored as a
//! self-describing string `pbkdf2-sm3$<iterations>$<salt hex>$<hash hex>`
//! so the parameters can be raised later without breaking old hashes.

use rand::RngCore;
use sm3::Sm3;

use super::hash::ct_eq;

const SCHEME: &str = "pbkdf2-sm3";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordHash {
    pub iterations: u32,
    pub salt: Vec<u8>,
    pub hash: [u8; 32],
}

impl PasswordHash {
    pub fn parse(stored: &str) -> Option<Self> {
        let mut parts = stored.split('$');
        if parts.next()? != SCHEME {
            return None;
        }
        let iterations = parts.next()?.parse().ok().filter(|n| *n > 0)?;
        let salt = hex::decode(parts.next()?).ok()?;
        let hash = hex::decode(parts.next()?).ok()?.try_into().ok()?;
        parts.next().is_none().then_some(Self {
            iterations,
            salt,
            hash,
        })
    }

    pub fn encode(&self) -> String {
        format!(
            "{SCHEME}${}${}${}",
            self.iterations,
            hex::encode(&self.salt),
            hex::encode(self.hash)
        )
    }
}

fn derive(password: &str, salt: &[u8], iterations: u32) -> [u8; 32] {
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sm3>(password.as_bytes(), salt, iterations, &mut out);
    out
}

pub fn hash_password(password: &str, iterations: u32) -> String {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    PasswordHash {
        iterations,
        salt: salt.to_vec(),
        hash: derive(password, &salt, iterations),
    }
    .encode()
}

/// True when `password` matches; a malformed stored value never matches.
pub fn verify_password(password: &str, stored: &str) -> bool {
    match PasswordHash::parse(stored) {
        Some(p) => ct_eq(&derive(password, &p.salt, p.iterations), &p.hash),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_salted_self_describing_and_verify() {
        let a = hash_password("Abcdef12!", 1000);
        let b = hash_password("Abcdef12!", 1000);
        assert_ne!(a, b, "random salt");
        assert!(a.starts_with("pbkdf2-sm3$1000$"));
        assert_eq!(PasswordHash::parse(&a).unwrap().salt.len(), 16);
        assert!(verify_password("Abcdef12!", &a));
        assert!(!verify_password("Abcdef12?", &a));
        assert!(!verify_password("Abcdef12!", "plain"));
        assert!(!verify_password("x", "pbkdf2-sm3$0$00$00"));
    }

    #[test]
    fn old_iteration_counts_keep_working() {
        let old = hash_password("Passw0rd!", 10);
        let newer = hash_password("Passw0rd!", 20);
        assert!(verify_password("Passw0rd!", &old) && verify_password("Passw0rd!", &newer));
    }

    #[test]
    fn pbkdf2_hmac_sm3_matches_an_independent_construction() {
        // One iteration of PBKDF2 is HMAC(P, S || INT(1)).
        let expected = super::super::hash::hmac_sm3(b"password", &[b"salt", &1u32.to_be_bytes()]);
        assert_eq!(derive("password", b"salt", 1), expected);
    }
}
