//! CSRF tokens bound to the browser's session cookie: the token is
//! HMAC-SM3(web key, "csrf" || session id), so no server-side storage is
//! needed for anonymous visitors and a new session id at login yields a new
//! token.

use super::crypto::{ct_eq, hmac_sm3};

pub fn token_for(key: &[u8], session_id: &str) -> String {
    hex::encode(hmac_sm3(key, &[b"csrf\0", session_id.as_bytes()]))
}

pub fn verify(key: &[u8], session_id: &str, presented: &str) -> bool {
    ct_eq(
        token_for(key, session_id).as_bytes(),
        presented.trim().as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_bound_to_session_and_key() {
        let t = token_for(b"k1", "sid-a");
        assert!(verify(b"k1", "sid-a", &t));
        assert!(!verify(b"k1", "sid-b", &t));
        assert!(!verify(b"k2", "sid-a", &t));
        assert!(!verify(b"k1", "sid-a", ""));
    }
}
