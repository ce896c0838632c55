//! Keys behind a `KeyProvider`: key files in `<data_dir>/keys` by default.
//! Production refuses keys generated on the fly: `boot` opens them with
//! `generate_missing` only outside production; `techreg keys init` creates
//! them for production.
//!
//! Files (hex text, mode 0600):
//! - `web.key`: HMAC-SM3 key for CSRF tokens and signed cookies
//! - `index.key`: HMAC-SM3 key for blind indexes and one-time code hashes
//! - `integrity.key`: HMAC-SM3 key for the tags on grants
//! - `audit.key`: HMAC-SM3 key for the audit chain
//! - `field-v<N>.key`: SM4 keys for personal data, one per version
//! - `seal-sm2.key`: the registration seal's SM2 private key

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rand::RngCore;

use super::crypto::{FieldCipher, Sm2KeyPair};

/// Named symmetric keys the application needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyName {
    Web,
    Index,
    Integrity,
    Audit,
}

impl KeyName {
    pub const ALL: [KeyName; 4] = [
        KeyName::Web,
        KeyName::Index,
        KeyName::Integrity,
        KeyName::Audit,
    ];

    fn file_name(self) -> &'static str {
        match self {
            KeyName::Web => "web.key",
            KeyName::Index => "index.key",
            KeyName::Integrity => "integrity.key",
            KeyName::Audit => "audit.key",
        }
    }
}

/// The keys as every part holds them.
pub type Keys = std::sync::Arc<dyn KeyProvider>;

#[async_trait::async_trait]
pub trait KeyProvider: Send + Sync + 'static {
    /// Raw bytes of a symmetric key.
    fn secret(&self, name: KeyName) -> &[u8];
    /// SM4 field encryption with every key version available.
    fn fields(&self) -> &FieldCipher;
    /// The registration seal's public key (uncompressed SEC1) and its id.
    fn seal_public_key(&self) -> (String, Vec<u8>);
    /// SM2 signature (r‖s) with the registration seal key.
    async fn seal_sign(&self, message: &[u8]) -> Result<[u8; 64], SignError>;
}

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("签名服务不可用: {0}")]
    Unavailable(String),
    #[error("签名服务返回的签名无效")]
    BadSignature,
}

pub struct LocalKeyFiles {
    secrets: BTreeMap<&'static str, Vec<u8>>,
    fields: FieldCipher,
    seal: Sm2KeyPair,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "密钥文件缺失: {0}; 请先运行 `techreg keys init` / key file missing, run `techreg keys init`"
    )]
    Missing(PathBuf),
    #[error("密钥文件无法读取 {0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("密钥文件格式错误: {0}")]
    Malformed(PathBuf),
}

pub fn key_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("keys")
}

fn field_file(version: u32) -> String {
    format!("field-v{version}.key")
}

const SEAL_FILE: &str = "seal-sm2.key";

impl LocalKeyFiles {
    /// Loads the key files; with `generate_missing`, creates the missing
    /// ones and returns their paths so the caller can warn.
    pub fn open(data_dir: &Path, generate_missing: bool) -> Result<(Self, Vec<PathBuf>), KeyError> {
        let dir = key_dir(data_dir);
        let mut generated = Vec::new();
        let mut load =
            |file: &str, len: usize, make: &dyn Fn() -> Vec<u8>| -> Result<Vec<u8>, KeyError> {
                let path = dir.join(file);
                if !path.exists() {
                    if !generate_missing {
                        return Err(KeyError::Missing(path));
                    }
                    write_new_key(&path, &make())?;
                    generated.push(path.clone());
                }
                read_key(&path, len)
            };
        let mut secrets = BTreeMap::new();
        for name in KeyName::ALL {
            secrets.insert(
                name.file_name(),
                load(name.file_name(), 32, &|| random(32))?,
            );
        }
        let seal_bytes = load(SEAL_FILE, 32, &|| Sm2KeyPair::generate().secret_bytes())?;
        let seal = Sm2KeyPair::from_secret_bytes(&seal_bytes)
            .map_err(|_| KeyError::Malformed(dir.join(SEAL_FILE)))?;
        let mut versions = field_versions(&dir)?;
        if versions.is_empty() {
            load(&field_file(1), 16, &|| random(16))?;
            versions.push(1);
        }
        let mut field_keys = BTreeMap::new();
        for v in versions {
            let key = read_key(&dir.join(field_file(v)), 16)?;
            field_keys.insert(v, key[..16].try_into().expect("16 bytes"));
        }
        let fields = FieldCipher::new(field_keys, secrets[KeyName::Index.file_name()].clone());
        Ok((
            Self {
                secrets,
                fields,
                seal,
            },
            generated,
        ))
    }

    /// `techreg keys init`: creates every missing key file, never overwrites.
    pub fn init(data_dir: &Path) -> Result<Vec<PathBuf>, KeyError> {
        Self::open(data_dir, true).map(|(_, created)| created)
    }

    /// `techreg keys rotate`: adds the next SM4 field key version.
    pub fn add_field_version(data_dir: &Path) -> Result<u32, KeyError> {
        let dir = key_dir(data_dir);
        let next = field_versions(&dir)?.last().copied().unwrap_or(0) + 1;
        write_new_key(&dir.join(field_file(next)), &random(16))?;
        Ok(next)
    }
}

fn field_versions(dir: &Path) -> Result<Vec<u32>, KeyError> {
    let mut versions = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(versions),
        Err(e) => return Err(KeyError::Io(dir.to_path_buf(), e)),
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(v) = name
            .strip_prefix("field-v")
            .and_then(|r| r.strip_suffix(".key"))
            .and_then(|v| v.parse().ok())
        {
            versions.push(v);
        }
    }
    versions.sort_unstable();
    Ok(versions)
}

fn random(len: usize) -> Vec<u8> {
    let mut key = vec![0u8; len];
    rand::rng().fill_bytes(&mut key);
    key
}

fn read_key(path: &Path, min_len: usize) -> Result<Vec<u8>, KeyError> {
    let text = std::fs::read_to_string(path).map_err(|e| KeyError::Io(path.to_path_buf(), e))?;
    let bytes = hex::decode(text.trim()).map_err(|_| KeyError::Malformed(path.to_path_buf()))?;
    if bytes.len() < min_len {
        return Err(KeyError::Malformed(path.to_path_buf()));
    }
    Ok(bytes)
}

fn write_new_key(path: &Path, key: &[u8]) -> Result<(), KeyError> {
    let dir = path.parent().expect("key path has a parent");
    std::fs::create_dir_all(dir).map_err(|e| KeyError::Io(dir.to_path_buf(), e))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    use std::io::Write;
    let mut file = options
        .open(path)
        .map_err(|e| KeyError::Io(path.to_path_buf(), e))?;
    file.write_all(hex::encode(key).as_bytes())
        .map_err(|e| KeyError::Io(path.to_path_buf(), e))
}

impl LocalKeyFiles {
    /// The seal key pair kept in the key files.
    pub fn seal(&self) -> &Sm2KeyPair {
        &self.seal
    }
}

/// Id of the local seal key: the first 16 hex digits of SM3(public key).
pub fn key_id(public_key: &[u8]) -> String {
    hex::encode(&super::crypto::sm3(public_key)[..8])
}

#[async_trait::async_trait]
impl KeyProvider for LocalKeyFiles {
    fn secret(&self, name: KeyName) -> &[u8] {
        &self.secrets[name.file_name()]
    }
    fn fields(&self) -> &FieldCipher {
        &self.fields
    }
    fn seal_public_key(&self) -> (String, Vec<u8>) {
        let pk = self.seal.public_key();
        (key_id(&pk), pk)
    }
    async fn seal_sign(&self, message: &[u8]) -> Result<[u8; 64], SignError> {
        Ok(self.seal.sign(message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_keys_are_refused_unless_generation_is_allowed() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            LocalKeyFiles::open(dir.path(), false),
            Err(KeyError::Missing(_))
        ));
        let created = LocalKeyFiles::init(dir.path()).unwrap();
        assert_eq!(created.len(), KeyName::ALL.len() + 2, "{created:?}");
        let (keys, again) = LocalKeyFiles::open(dir.path(), false).unwrap();
        assert!(again.is_empty());
        assert_eq!(keys.secret(KeyName::Web).len(), 32);
        assert_ne!(keys.secret(KeyName::Web), keys.secret(KeyName::Audit));
        // init never overwrites an existing key
        let before = keys.secret(KeyName::Web).to_vec();
        let seal = keys.seal().public_key();
        assert!(LocalKeyFiles::init(dir.path()).unwrap().is_empty());
        let (keys, _) = LocalKeyFiles::open(dir.path(), false).unwrap();
        assert_eq!(keys.secret(KeyName::Web), before.as_slice());
        assert_eq!(keys.seal().public_key(), seal);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(key_dir(dir.path()).join("web.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn rotation_adds_a_field_version_and_keeps_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        LocalKeyFiles::init(dir.path()).unwrap();
        let (keys, _) = LocalKeyFiles::open(dir.path(), false).unwrap();
        let old = keys.fields().encrypt("13800000000");
        assert_eq!(LocalKeyFiles::add_field_version(dir.path()).unwrap(), 2);
        let (keys, _) = LocalKeyFiles::open(dir.path(), false).unwrap();
        assert_eq!(keys.fields().current_version(), 2);
        assert_eq!(keys.fields().decrypt(&old).unwrap(), "13800000000");
    }
}
