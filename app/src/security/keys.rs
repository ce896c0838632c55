//! Keys behind a `KeyProvider`: local key files in the data directory by
//! default. Production refuses keys generated on the fly (see `ensure`).

use std::path::{Path, PathBuf};

use rand::RngCore;

/// Named secret keys the application needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyName {
    /// HMAC-SM3 key for CSRF tokens and signed cookies.
    Web,
}

impl KeyName {
    pub const ALL: [KeyName; 1] = [KeyName::Web];

    fn file_name(self) -> &'static str {
        match self {
            KeyName::Web => "web.key",
        }
    }
}

pub trait KeyProvider: Send + Sync + 'static {
    /// Raw bytes of a symmetric key.
    fn secret(&self, name: KeyName) -> &[u8];
}

/// Key files under `<data_dir>/keys`, 32 random bytes each, hex encoded.
pub struct LocalKeyFiles {
    web: Vec<u8>,
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

impl LocalKeyFiles {
    /// Loads existing key files; with `generate_missing`, creates the ones
    /// that are missing and returns their names so the caller can warn.
    pub fn open(data_dir: &Path, generate_missing: bool) -> Result<(Self, Vec<PathBuf>), KeyError> {
        let dir = key_dir(data_dir);
        let mut generated = Vec::new();
        let mut load = |name: KeyName| -> Result<Vec<u8>, KeyError> {
            let path = dir.join(name.file_name());
            if !path.exists() {
                if !generate_missing {
                    return Err(KeyError::Missing(path));
                }
                write_new_key(&path)?;
                generated.push(path.clone());
            }
            let text = std::fs::read_to_string(&path).map_err(|e| KeyError::Io(path.clone(), e))?;
            let bytes = hex::decode(text.trim()).map_err(|_| KeyError::Malformed(path.clone()))?;
            if bytes.len() < 32 {
                return Err(KeyError::Malformed(path));
            }
            Ok(bytes)
        };
        let web = load(KeyName::Web)?;
        Ok((Self { web }, generated))
    }

    /// `techreg keys init`: creates every missing key file, never overwrites.
    pub fn init(data_dir: &Path) -> Result<Vec<PathBuf>, KeyError> {
        Self::open(data_dir, true).map(|(_, created)| created)
    }
}

fn write_new_key(path: &Path) -> Result<(), KeyError> {
    let dir = path.parent().expect("key path has a parent");
    std::fs::create_dir_all(dir).map_err(|e| KeyError::Io(dir.to_path_buf(), e))?;
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
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

impl KeyProvider for LocalKeyFiles {
    fn secret(&self, name: KeyName) -> &[u8] {
        match name {
            KeyName::Web => &self.web,
        }
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
        assert_eq!(created.len(), KeyName::ALL.len());
        let (keys, again) = LocalKeyFiles::open(dir.path(), false).unwrap();
        assert!(again.is_empty());
        assert_eq!(keys.secret(KeyName::Web).len(), 32);
        // init never overwrites an existing key
        let before = keys.secret(KeyName::Web).to_vec();
        assert!(LocalKeyFiles::init(dir.path()).unwrap().is_empty());
        let (keys, _) = LocalKeyFiles::open(dir.path(), false).unwrap();
        assert_eq!(keys.secret(KeyName::Web), before.as_slice());
    }
}
