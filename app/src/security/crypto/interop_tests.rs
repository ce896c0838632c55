//! Interoperability with a second implementation, the `sm-crypto` crate:
//! signatures and ciphertexts made by one are accepted by the other.

use sm_crypto::sm2 as other_sm2;
use sm_crypto::sm4::CryptSM4ECB;
use sm4::Sm4;
use sm4::cipher::{BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};

use super::{FieldCipher, Sm2KeyPair, sm2_verify};

fn our_pubkey_hex(pair: &Sm2KeyPair) -> String {
    hex::encode(pair.public_key())
}

#[test]
fn our_sm2_signature_verifies_under_sm_crypto() {
    let pair = Sm2KeyPair::generate();
    let message = "上海市技术合同认定登记证明 2026310101000001".as_bytes();
    let sig = pair.sign(message);
    let der = sm2::dsa::Signature::try_from(&sig[..]).unwrap().to_der();
    let pk = our_pubkey_hex(&pair);
    let verifier = other_sm2::Verify::new(&pk);
    assert!(verifier.verify_der(message, der.as_bytes(), true));
    assert!(!verifier.verify_der(b"another message", der.as_bytes(), true));
}

#[test]
fn sm_crypto_signature_verifies_under_ours() {
    let (sk, pk) = other_sm2::gen_keypair();
    let message = b"canonical certificate text v1";
    let der = other_sm2::Sign::new(&sk).sign_der(message, true);
    let sig = sm2::dsa::Signature::from_der(&der).unwrap().to_bytes();
    let pk_bytes = hex::decode(if pk.len() == 128 {
        format!("04{pk}")
    } else {
        pk.clone()
    })
    .unwrap();
    assert!(sm2_verify(&pk_bytes, message, &sig));
    assert!(!sm2_verify(&pk_bytes, b"tampered", &sig));
    // The same private key gives the same public key in both.
    let ours = Sm2KeyPair::from_secret_bytes(&hex::decode(&sk).unwrap()).unwrap();
    assert_eq!(ours.public_key(), pk_bytes);
}

#[test]
fn sm4_blocks_interoperate_both_directions() {
    let key = hex::decode("0123456789abcdeffedcba9876543210").unwrap();
    let block = *b"techreg-sm4-blk!";
    let ours = Sm4::new_from_slice(&key).unwrap();
    // sm-crypto pads with PKCS#7: a full block gets one extra padding block.
    let theirs = CryptSM4ECB::new(&key).encrypt_ecb(&block);
    let mut b = sm4::cipher::Array::from(block);
    ours.encrypt_block(&mut b);
    assert_eq!(&theirs[..16], b.as_slice(), "same ciphertext block");
    // Ours encrypts (with the padding block), theirs decrypts.
    let mut pad = sm4::cipher::Array::from([16u8; 16]);
    ours.encrypt_block(&mut pad);
    let mut ct = b.to_vec();
    ct.extend_from_slice(&pad);
    assert_eq!(CryptSM4ECB::new(&key).decrypt_ecb(&ct), block.to_vec());
    // Theirs encrypts, ours decrypts.
    let mut first = sm4::cipher::Array::try_from(&theirs[..16]).unwrap();
    ours.decrypt_block(&mut first);
    assert_eq!(first.as_slice(), &block);
}

#[test]
fn our_sm4_gcm_field_ciphertext_decrypts_with_sm_crypto_keystream() {
    // GCM encrypts with SM4 in counter mode from J0 + 1 (J0 = nonce ‖ 0^31 ‖ 1):
    // rebuilding the keystream with the other implementation's SM4 must
    // reproduce the plaintext.
    let key = [7u8; 16];
    let cipher = FieldCipher::new([(1, key)].into_iter().collect(), b"i".to_vec());
    let plaintext = "310101199001011234 张三";
    let stored = cipher.encrypt(plaintext);
    let data = hex::decode(stored.strip_prefix("v1:").unwrap()).unwrap();
    let (nonce, rest) = data.split_at(12);
    let ct = &rest[..rest.len() - 16];
    let ecb = CryptSM4ECB::new(&key);
    let mut plain = Vec::new();
    for (i, chunk) in ct.chunks(16).enumerate() {
        let mut counter = nonce.to_vec();
        counter.extend_from_slice(&(i as u32 + 2).to_be_bytes());
        let stream = ecb.encrypt_ecb(&counter);
        plain.extend(chunk.iter().zip(&stream[..16]).map(|(c, k)| c ^ k));
    }
    assert_eq!(String::from_utf8(plain).unwrap(), plaintext);
}
