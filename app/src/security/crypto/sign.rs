//! SM2 signatures (GM/T 0003) with the default signer ID. Public keys are
//! exchanged as uncompressed SEC1 hex (04‖x‖y), signatures as hex r‖s.

use sm2::SecretKey;
use sm2::dsa::signature::{Signer, Verifier};
use sm2::dsa::{Signature, SigningKey, VerifyingKey};

pub const DEFAULT_DIST_ID: &str = "1234567812345678";

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("invalid SM2 key")]
    InvalidKey,
}

pub struct Sm2KeyPair {
    signing: SigningKey,
}

impl Sm2KeyPair {
    pub fn generate() -> Self {
        use sm2::elliptic_curve::Generate;
        let secret = SecretKey::generate();
        Self::from_secret_bytes(&secret.to_bytes()).expect("generated key is valid")
    }

    pub fn from_secret_bytes(bytes: &[u8]) -> Result<Self, SignError> {
        let secret = SecretKey::from_slice(bytes).map_err(|_| SignError::InvalidKey)?;
        let signing =
            SigningKey::new(DEFAULT_DIST_ID, &secret).map_err(|_| SignError::InvalidKey)?;
        Ok(Self { signing })
    }

    pub fn secret_bytes(&self) -> Vec<u8> {
        self.signing.to_bytes().to_vec()
    }

    /// Uncompressed SEC1 point, 65 bytes starting with 0x04.
    pub fn public_key(&self) -> Vec<u8> {
        self.signing.verifying_key().to_sec1_bytes().to_vec()
    }

    /// r‖s, 64 bytes.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        let sig: Signature = self.signing.sign(message);
        sig.to_bytes().into()
    }
}

pub fn sm2_verify(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let Ok(key) = VerifyingKey::from_sec1_bytes(DEFAULT_DIST_ID, public_key) else {
        return false;
    };
    let Ok(sig) = Signature::try_from(signature) else {
        return false;
    };
    key.verify(message, &sig).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::security::crypto::sm3;

    // GM/T 0003.5 annex A, as listed in ../shared/crypto-vectors.md.
    const D: &str = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
    const X: &str = "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020";
    const Y: &str = "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13";
    const E: &str = "F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640";
    const R: &str = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3";
    const S: &str = "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA";

    fn public() -> Vec<u8> {
        hex::decode(format!("04{X}{Y}")).unwrap()
    }
    fn signature() -> Vec<u8> {
        hex::decode(format!("{R}{S}")).unwrap()
    }

    #[test]
    fn standard_signature_verifies_and_changes_fail() {
        assert!(sm2_verify(&public(), b"message digest", &signature()));
        assert!(!sm2_verify(&public(), b"message digesT", &signature()));
        for bit in [0, 100, 511] {
            let mut sig = signature();
            sig[bit / 8] ^= 1 << (bit % 8);
            assert!(!sm2_verify(&public(), b"message digest", &sig), "bit {bit}");
        }
        let mut key = public();
        key[64] ^= 1;
        assert!(!sm2_verify(&key, b"message digest", &signature()));
    }

    #[test]
    fn digest_e_of_the_standard_example() {
        // Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA); e = SM3(Z ‖ M)
        let curve = concat!(
            "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC",
            "28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93",
            "32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7",
            "BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0",
        );
        let mut z_input = vec![0x00, 0x80];
        z_input.extend_from_slice(DEFAULT_DIST_ID.as_bytes());
        z_input.extend(hex::decode(curve).unwrap());
        z_input.extend(hex::decode(format!("{X}{Y}")).unwrap());
        let z = sm3(&z_input);
        let mut m = z.to_vec();
        m.extend_from_slice(b"message digest");
        assert_eq!(hex::encode_upper(sm3(&m)), E);
    }

    #[test]
    fn key_from_the_standard_private_key_has_the_standard_public_key() {
        let pair = Sm2KeyPair::from_secret_bytes(&hex::decode(D).unwrap()).unwrap();
        assert_eq!(pair.public_key(), public());
        let sig = pair.sign(b"message digest");
        assert!(sm2_verify(&public(), b"message digest", &sig));
    }

    #[test]
    fn generated_keys_sign_and_verify() {
        let pair = Sm2KeyPair::generate();
        let pk = pair.public_key();
        assert_eq!(pk.len(), 65);
        assert_eq!(pk[0], 4);
        let sig = pair.sign("证书规范文本".as_bytes());
        assert!(sm2_verify(&pk, "证书规范文本".as_bytes(), &sig));
        let again = Sm2KeyPair::from_secret_bytes(&pair.secret_bytes()).unwrap();
        assert_eq!(again.public_key(), pk);
        assert!(Sm2KeyPair::from_secret_bytes(&[0u8; 32]).is_err());
    }
}
