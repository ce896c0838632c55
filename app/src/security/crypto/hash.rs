//! SM3 and HMAC-SM3 over RustCrypto's `sm3` and `hmac` crates.

use hmac::{KeyInit, Mac};
use sm3::{Digest, Sm3};

pub type HmacSm3 = hmac::Hmac<Sm3>;

pub fn sm3(data: &[u8]) -> [u8; 32] {
    Sm3::digest(data).into()
}

pub fn hmac_sm3(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <HmacSm3 as KeyInit>::new_from_slice(key).expect("HMAC accepts any key length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Constant-time equality for tags and tokens.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors from ../shared/crypto-vectors.md.
    #[test]
    fn sm3_abc() {
        assert_eq!(
            hex::encode(sm3(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn sm3_64_bytes() {
        assert_eq!(
            hex::encode(sm3("abcd".repeat(16).as_bytes())),
            "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
        );
    }

    #[test]
    fn hmac_sm3_gmt_0042() {
        let key: Vec<u8> = (1..=32).collect();
        let msg = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".repeat(2);
        assert_eq!(
            hex::encode(hmac_sm3(&key, &[msg.as_bytes()])),
            "ca05e144ed05d1857840d1f318a4a8669e559fc8391f414485bfdf7bb408963a"
        );
        // Split input gives the same tag.
        let (a, b) = msg.as_bytes().split_at(10);
        assert_eq!(hmac_sm3(&key, &[a, b]), hmac_sm3(&key, &[msg.as_bytes()]));
    }

    #[test]
    fn ct_eq_compares_length_and_content() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"abcd"));
    }
}
