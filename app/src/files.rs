//! The file store: content-addressed by the SM3 digest of the plaintext,
//! SM4-GCM encrypted at rest, in `<data_dir>/files` (an S3-compatible store
//! in production comes with the attachments of the contract module).

use std::path::PathBuf;

use chrono::Utc;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait};
use techreg_entities::system::stored_file;

use crate::core::Core;
use crate::security::crypto::sm3;
use crate::security::keys::Keys;

/// The file store's handle: the folder, the database with the files'
/// metadata, and the keys that seal the content.
#[derive(Clone)]
pub struct FileStore {
    root: PathBuf,
    db: DatabaseConnection,
    keys: Keys,
}

/// What an upload may be, judged by its content, not its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Pdf,
    Png,
    Jpeg,
}

impl Kind {
    pub fn sniff(bytes: &[u8]) -> Option<Kind> {
        if bytes.starts_with(b"%PDF-") {
            Some(Kind::Pdf)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Kind::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Kind::Jpeg)
        } else {
            None
        }
    }
    pub fn content_type(self) -> &'static str {
        match self {
            Kind::Pdf => "application/pdf",
            Kind::Png => "image/png",
            Kind::Jpeg => "image/jpeg",
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            Kind::Pdf => "pdf",
            Kind::Png => "png",
            Kind::Jpeg => "jpg",
        }
    }
}

pub const MAX_BYTES: usize = 20 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("文件为空")]
    Empty,
    #[error("文件超过 20 MB")]
    TooLarge,
    #[error("只接受 PDF、PNG 或 JPEG 文件")]
    WrongType,
    #[error("file store: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl FileStore {
    pub fn new(core: &Core, keys: Keys) -> Self {
        FileStore {
            root: core.config.data_dir.join("files"),
            db: core.db.clone(),
            keys,
        }
    }

    fn path_of(&self, digest: &str) -> PathBuf {
        self.root.join(&digest[..2]).join(digest)
    }

    /// Checks and stores an upload inside the transaction `db`; returns its
    /// digest (hex).
    pub async fn store<C: ConnectionTrait>(
        &self,
        db: &C,
        bytes: &[u8],
    ) -> Result<String, FileError> {
        if bytes.is_empty() {
            return Err(FileError::Empty);
        }
        if bytes.len() > MAX_BYTES {
            return Err(FileError::TooLarge);
        }
        let kind = Kind::sniff(bytes).ok_or(FileError::WrongType)?;
        let digest = hex::encode(sm3(bytes));
        let path = self.path_of(&digest);
        if !path.exists() {
            let sealed = self.keys.fields().encrypt_bytes(bytes);
            tokio::fs::create_dir_all(path.parent().expect("has parent")).await?;
            let tmp = path.with_extension("part");
            tokio::fs::write(&tmp, sealed).await?;
            tokio::fs::rename(&tmp, &path).await?;
        }
        if stored_file::Entity::find_by_id(digest.clone())
            .one(db)
            .await?
            .is_none()
        {
            stored_file::Entity::insert(stored_file::ActiveModel {
                digest: Set(digest.clone()),
                size: Set(bytes.len() as i64),
                content_type: Set(kind.content_type().to_owned()),
                created_at: Set(Utc::now()),
            })
            .exec(db)
            .await?;
        }
        Ok(digest)
    }

    /// Reads and decrypts a stored file, checking its digest.
    pub async fn load(&self, digest: &str) -> Result<Option<(Vec<u8>, String)>, FileError> {
        let Some(meta) = stored_file::Entity::find_by_id(digest.to_owned())
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let sealed = tokio::fs::read(self.path_of(digest)).await?;
        let plain = self
            .keys
            .fields()
            .decrypt_bytes(&sealed)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        if hex::encode(sm3(&plain)) != digest {
            return Err(std::io::Error::other("stored file does not match its digest").into());
        }
        Ok(Some((plain, meta.content_type)))
    }
}

#[cfg(test)]
mod tests {
    use super::Kind;

    #[test]
    fn types_are_judged_by_content() {
        assert_eq!(Kind::sniff(b"%PDF-1.7\n..."), Some(Kind::Pdf));
        assert_eq!(Kind::sniff(b"\x89PNG\r\n\x1a\n...."), Some(Kind::Png));
        assert_eq!(Kind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(Kind::Jpeg));
        assert_eq!(Kind::sniff(b"MZ\x90\x00 fake.pdf"), None);
        assert_eq!(Kind::sniff(b""), None);
    }
}
