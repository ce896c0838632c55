//! Field encryption for personal data at rest: SM4-GCM with a key version in
//! every ciphertext (`v<version>:<hex nonce ‖ ciphertext ‖ tag>`), and an
//! HMAC-SM3 blind index for exact lookup without decryption.

use std::collections::BTreeMap;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{AesGcm, Nonce};
use rand::RngCore;
use sm4::Sm4;
use sm4::cipher::consts::U12;

use super::hash::hmac_sm3;

type Sm4Gcm = AesGcm<Sm4, U12>;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FieldError {
    #[error("ciphertext is malformed")]
    Malformed,
    #[error("key version {0} is not available")]
    UnknownVersion(u32),
    #[error("ciphertext failed authentication")]
    Tampered,
}

/// SM4 keys by version; new data uses the highest version.
#[derive(Clone)]
pub struct FieldCipher {
    keys: BTreeMap<u32, [u8; 16]>,
    index_key: Vec<u8>,
}

impl std::fmt::Debug for FieldCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FieldCipher")
            .field("versions", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl FieldCipher {
    pub fn new(keys: BTreeMap<u32, [u8; 16]>, index_key: Vec<u8>) -> Self {
        assert!(!keys.is_empty(), "at least one field key");
        Self { keys, index_key }
    }

    pub fn current_version(&self) -> u32 {
        *self.keys.keys().next_back().expect("non-empty")
    }

    pub fn encrypt(&self, plaintext: &str) -> String {
        self.encrypt_with(self.current_version(), plaintext)
    }

    fn encrypt_with(&self, version: u32, plaintext: &str) -> String {
        let cipher = Sm4Gcm::new_from_slice(&self.keys[&version]).expect("16-byte key");
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let ct = cipher
            .encrypt(&Nonce::<U12>::from(nonce), plaintext.as_bytes())
            .expect("SM4-GCM encryption cannot fail for in-memory data");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        format!("v{version}:{}", hex::encode(out))
    }

    /// Binary form for files: `version (4 bytes BE) ‖ nonce ‖ ciphertext ‖ tag`.
    pub fn encrypt_bytes(&self, plaintext: &[u8]) -> Vec<u8> {
        let version = self.current_version();
        let cipher = Sm4Gcm::new_from_slice(&self.keys[&version]).expect("16-byte key");
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let ct = cipher
            .encrypt(&Nonce::<U12>::from(nonce), plaintext)
            .expect("SM4-GCM encryption cannot fail for in-memory data");
        let mut out = version.to_be_bytes().to_vec();
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    pub fn decrypt_bytes(&self, sealed: &[u8]) -> Result<Vec<u8>, FieldError> {
        if sealed.len() < 4 + 12 + 16 {
            return Err(FieldError::Malformed);
        }
        let version = u32::from_be_bytes(sealed[..4].try_into().expect("4 bytes"));
        let key = self
            .keys
            .get(&version)
            .ok_or(FieldError::UnknownVersion(version))?;
        let nonce: [u8; 12] = sealed[4..16].try_into().expect("12 bytes");
        Sm4Gcm::new_from_slice(key)
            .expect("16-byte key")
            .decrypt(&Nonce::<U12>::from(nonce), &sealed[16..])
            .map_err(|_| FieldError::Tampered)
    }

    pub fn decrypt(&self, stored: &str) -> Result<String, FieldError> {
        let (version, data) = split(stored)?;
        let key = self
            .keys
            .get(&version)
            .ok_or(FieldError::UnknownVersion(version))?;
        if data.len() < 12 + 16 {
            return Err(FieldError::Malformed);
        }
        let (nonce, ct) = data.split_at(12);
        let cipher = Sm4Gcm::new_from_slice(key).expect("16-byte key");
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| FieldError::Malformed)?;
        let plain = cipher
            .decrypt(&Nonce::<U12>::from(nonce), ct)
            .map_err(|_| FieldError::Tampered)?;
        String::from_utf8(plain).map_err(|_| FieldError::Malformed)
    }

    /// Re-encrypts under the current version when an older one was used
    /// (`techreg keys rotate`); `None` when already current.
    pub fn reencrypt(&self, stored: &str) -> Result<Option<String>, FieldError> {
        let (version, _) = split(stored)?;
        if version == self.current_version() {
            return Ok(None);
        }
        Ok(Some(self.encrypt(&self.decrypt(stored)?)))
    }

    /// Deterministic lookup token: HMAC-SM3 over a domain tag and the value.
    pub fn blind_index(&self, domain: &str, value: &str) -> String {
        hex::encode(hmac_sm3(
            &self.index_key,
            &[domain.as_bytes(), b"\0", value.as_bytes()],
        ))
    }
}

fn split(stored: &str) -> Result<(u32, Vec<u8>), FieldError> {
    let rest = stored.strip_prefix('v').ok_or(FieldError::Malformed)?;
    let (v, hex_data) = rest.split_once(':').ok_or(FieldError::Malformed)?;
    let version = v.parse().map_err(|_| FieldError::Malformed)?;
    let data = hex::decode(hex_data).map_err(|_| FieldError::Malformed)?;
    Ok((version, data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sm4::cipher::BlockCipherEncrypt;

    fn cipher(versions: &[u32]) -> FieldCipher {
        let keys = versions.iter().map(|v| (*v, [*v as u8; 16])).collect();
        FieldCipher::new(keys, b"index-key".to_vec())
    }

    fn sm4_block(key: &[u8], block: &mut [u8; 16]) {
        let c = Sm4::new_from_slice(key).unwrap();
        let mut b = sm4::cipher::Array::from(*block);
        c.encrypt_block(&mut b);
        block.copy_from_slice(&b);
    }

    #[test]
    fn sm4_standard_vector_gb_t_32907() {
        let key = hex::decode("0123456789abcdeffedcba9876543210").unwrap();
        let mut block: [u8; 16] = key.clone().try_into().unwrap();
        sm4_block(&key, &mut block);
        assert_eq!(hex::encode(block), "681edf34d206965e86b3e94f536e4246");
    }

    #[test]
    fn sm4_one_million_iterations() {
        let key = hex::decode("0123456789abcdeffedcba9876543210").unwrap();
        let c = Sm4::new_from_slice(&key).unwrap();
        let mut b = sm4::cipher::Array::try_from(key.as_slice()).unwrap();
        for _ in 0..1_000_000 {
            c.encrypt_block(&mut b);
        }
        assert_eq!(hex::encode(b), "595298c7c6fd271f0402f804c33d3f66");
    }

    #[test]
    fn round_trip_random_nonce_and_tamper_detection() {
        let c = cipher(&[1]);
        let a = c.encrypt("13812341234");
        let b = c.encrypt("13812341234");
        assert_ne!(a, b, "fresh nonce each time");
        assert!(a.starts_with("v1:"));
        assert!(!a.contains("13812341234"));
        assert_eq!(c.decrypt(&a).unwrap(), "13812341234");
        let mut bytes = a.clone().into_bytes();
        let last = bytes.len() - 1;
        bytes[last] = if bytes[last] == b'0' { b'1' } else { b'0' };
        assert_eq!(
            c.decrypt(&String::from_utf8(bytes).unwrap()),
            Err(FieldError::Tampered)
        );
        assert_eq!(c.decrypt("v1:zz"), Err(FieldError::Malformed));
        assert_eq!(c.decrypt("x"), Err(FieldError::Malformed));
    }

    #[test]
    fn rotation_keeps_old_versions_readable_and_moves_data_forward() {
        let old = cipher(&[1]);
        let stored = old.encrypt("310101199001011234");
        let new = cipher(&[1, 2]);
        assert_eq!(new.decrypt(&stored).unwrap(), "310101199001011234");
        let moved = new.reencrypt(&stored).unwrap().unwrap();
        assert!(moved.starts_with("v2:"));
        assert_eq!(new.reencrypt(&moved).unwrap(), None);
        assert_eq!(old.decrypt(&moved), Err(FieldError::UnknownVersion(2)));
    }

    #[test]
    fn binary_round_trip_for_files() {
        let c = cipher(&[1, 3]);
        let sealed = c.encrypt_bytes(b"%PDF-1.7 licence");
        assert_eq!(&sealed[..4], &3u32.to_be_bytes());
        assert_eq!(c.decrypt_bytes(&sealed).unwrap(), b"%PDF-1.7 licence");
        let mut bad = sealed.clone();
        bad[20] ^= 1;
        assert_eq!(c.decrypt_bytes(&bad), Err(FieldError::Tampered));
    }

    #[test]
    fn blind_index_is_deterministic_and_domain_separated() {
        let c = cipher(&[1]);
        assert_eq!(
            c.blind_index("mobile", "138"),
            c.blind_index("mobile", "138")
        );
        assert_ne!(
            c.blind_index("mobile", "138"),
            c.blind_index("id_card", "138")
        );
        assert_eq!(c.blind_index("mobile", "138").len(), 64);
    }
}
