//! Uploads in multipart forms: an import screen's table, read into rows by
//! `tabular`, with the Chinese message the form shows when there is no
//! file, it is too large or it cannot be read.

use super::WebError;
use crate::tabular;

/// An import form's uploaded table.
pub struct Upload {
    pub name: String,
    pub rows: Vec<tabular::Row>,
}

/// Reads the `file` field of an import form into rows. `Ok(Err(message))`
/// is the Chinese message the form shows: no file, too large, unreadable.
pub async fn read_table(
    multipart: poem::Result<poem::web::Multipart>,
) -> Result<Result<Upload, String>, WebError> {
    let mut multipart = multipart.map_err(|e| WebError::BadRequest(e.to_string()))?;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| WebError::BadRequest(e.to_string()))?
    {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("上传的文件").to_owned();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| WebError::BadRequest(e.to_string()))?;
        if bytes.len() > tabular::MAX_UPLOAD_BYTES {
            return Ok(Err("文件过大：最大 10 MB".into()));
        }
        file = Some((name, bytes));
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return Ok(Err("请选择要导入的文件".into()));
    };
    Ok(tabular::read(&bytes)
        .map(|rows| Upload { name, rows })
        .map_err(|e| e.to_string()))
}
