//! A contract's stored attachment, for whoever may read the contract: the
//! applicant (or their enterprise) and the staff whose scope covers it.
//! The applicant's and the reviewer's download both come here.

use techreg_entities::contract::attachment;

use super::Contracts;
use super::case::readable;
use crate::core::{Caller, DomainError, DomainResult};

/// An attachment's content as stored, with its type and the name it was
/// uploaded under.
pub struct AttachmentFile {
    pub bytes: Vec<u8>,
    pub content_type: String,
    pub name: String,
}

pub async fn attachment_file(
    cx: &Contracts,
    caller: &Caller,
    contract_id: i64,
    attachment_id: i64,
) -> DomainResult<AttachmentFile> {
    use sea_orm::EntityTrait;
    readable(&cx.core.db, caller, contract_id).await?;
    let a = attachment::Entity::find_by_id(attachment_id)
        .one(&cx.core.db)
        .await?
        .filter(|a| a.contract_id == contract_id)
        .ok_or(DomainError::NotFound)?;
    let (bytes, content_type) = cx
        .files
        .load(&a.digest)
        .await
        .map_err(|e| DomainError::Internal(anyhow::anyhow!(e.to_string())))?
        .ok_or(DomainError::NotFound)?;
    Ok(AttachmentFile {
        bytes,
        content_type,
        name: a.file_name,
    })
}
