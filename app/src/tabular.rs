//! Reads an uploaded table, CSV (UTF-8, with or without BOM, or GBK /
//! GB 18030) or Excel (.xlsx / .xls), into rows of trimmed text cells with
//! full-width digits and letters turned into ASCII. Import screens validate
//! the rows; this module only gets them out of the file.

use std::io::Cursor;

use calamine::{Data, Reader, open_workbook_auto_from_rs};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TableError {
    #[error("文件为空")]
    Empty,
    #[error("无法读取 Excel 文件：{0}")]
    Excel(String),
    #[error("无法读取 CSV 文件：第 {line} 行 {message}")]
    Csv { line: u64, message: String },
    #[error("{0}")]
    Encoding(String),
    #[error("文件过大：最多 {0} 行")]
    TooManyRows(usize),
}

/// The largest import file accepted.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// Most rows one import may hold; larger lists are split by the operator.
pub const MAX_ROWS: usize = 50_000;

/// A row as read, with its 1-based line number in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: usize,
    pub cells: Vec<String>,
}

/// The rows as a hidden form field: the preview page carries the checked
/// rows to the confirm step, which checks them again before writing.
pub fn to_payload(rows: &[Row]) -> String {
    let cells: Vec<(usize, &Vec<String>)> = rows.iter().map(|r| (r.line, &r.cells)).collect();
    serde_json::to_string(&cells).expect("strings serialise")
}

/// The rows back from [`to_payload`]; `None` when the field was tampered
/// with beyond parsing.
pub fn from_payload(payload: &str) -> Option<Vec<Row>> {
    let cells: Vec<(usize, Vec<String>)> = serde_json::from_str(payload).ok()?;
    Some(
        cells
            .into_iter()
            .map(|(line, cells)| Row { line, cells })
            .collect(),
    )
}

/// The text of an uploaded text or CSV file and the name of its encoding:
/// the one its byte-order mark names, else UTF-8 when it decodes as such,
/// else GB 18030 (a superset of GBK, which Excel in Chinese locales writes).
pub fn decode(bytes: &[u8]) -> Result<(String, &'static str), String> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        return encoding
            .decode_without_bom_handling_and_without_replacement(&bytes[bom..])
            .map(|t| (t.into_owned(), encoding.name()))
            .ok_or_else(|| {
                format!(
                    "文件以 {} 标记开头，但内容不是有效的该编码文本",
                    encoding.name()
                )
            });
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((text.to_owned(), "UTF-8"));
    }
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|t| (t.into_owned(), "GBK"))
        .ok_or_else(|| "无法识别文件编码，请保存为 UTF-8 或 GBK 编码的文本或 CSV 文件".to_owned())
}

fn is_excel(bytes: &[u8]) -> bool {
    // ZIP container (.xlsx) or OLE compound file (.xls)
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        // Phone numbers and codes typed into numeric cells come back as floats.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::DateTime(d) => d
            .as_datetime()
            .map(|t| {
                if t.time() == chrono::NaiveTime::MIN {
                    t.date().to_string()
                } else {
                    t.to_string()
                }
            })
            .unwrap_or_else(|| cell.to_string()),
        other => other.to_string(),
    }
}

fn clean(cell: &str) -> String {
    crate::core::text::to_half_width(cell).trim().to_owned()
}

/// All non-empty rows of the first sheet (Excel) or of the file (CSV).
pub fn read(bytes: &[u8]) -> Result<Vec<Row>, TableError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(TableError::Empty);
    }
    let rows = if is_excel(bytes) {
        read_excel(bytes)?
    } else {
        read_csv(&decode(bytes).map_err(TableError::Encoding)?.0)?
    };
    let rows: Vec<Row> = rows
        .into_iter()
        .filter(|r| r.cells.iter().any(|c| !c.is_empty()))
        .collect();
    if rows.is_empty() {
        return Err(TableError::Empty);
    }
    if rows.len() > MAX_ROWS + 1 {
        return Err(TableError::TooManyRows(MAX_ROWS));
    }
    Ok(rows)
}

fn read_excel(bytes: &[u8]) -> Result<Vec<Row>, TableError> {
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e| TableError::Excel(e.to_string()))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or(TableError::Empty)?
        .map_err(|e| TableError::Excel(e.to_string()))?;
    let first = range.start().map(|(r, _)| r as usize).unwrap_or(0);
    Ok(range
        .rows()
        .enumerate()
        .map(|(i, r)| Row {
            line: first + i + 1,
            cells: r.iter().map(|c| clean(&cell_text(c))).collect(),
        })
        .collect())
}

fn read_csv(text: &str) -> Result<Vec<Row>, TableError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| TableError::Csv {
            line: e.position().map(|p| p.line()).unwrap_or(0),
            message: e.to_string(),
        })?;
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        rows.push(Row {
            line,
            cells: record.iter().map(clean).collect(),
        });
    }
    Ok(rows)
}

/// Maps header labels to column positions; `wanted` lists the accepted
/// labels per field (the first is the canonical one).
pub fn header_positions(header: &Row, wanted: &[&[&str]]) -> Vec<Option<usize>> {
    wanted
        .iter()
        .map(|labels| {
            header
                .cells
                .iter()
                .position(|h| labels.iter().any(|l| h.eq_ignore_ascii_case(l)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_round_trips_and_rejects_garbage() {
        let rows = vec![Row {
            line: 2,
            cells: vec!["上海甲公司".into(), "a\"b".into()],
        }];
        assert_eq!(from_payload(&to_payload(&rows)), Some(rows));
        assert_eq!(from_payload("not json"), None);
    }

    #[test]
    fn gbk_csv_is_decoded() {
        let (gbk, _, _) = encoding_rs::GBK.encode("名称,代码\n上海某科技有限公司,９１３１\n");
        let rows = read(&gbk).unwrap();
        assert_eq!(rows[1].cells, vec!["上海某科技有限公司", "9131"]);
        assert_eq!(rows[1].line, 2);
    }

    #[test]
    fn utf8_bom_and_blank_lines_are_ignored() {
        let rows = read("\u{FEFF}a,b\n\n,\n\"x, y\",２\n".as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].cells, vec!["a", "b"]);
        assert_eq!(rows[1].cells, vec!["x, y", "2"]);
        assert_eq!(rows[1].line, 4);
    }

    #[test]
    fn empty_files_are_refused() {
        assert_eq!(read(b"  \n"), Err(TableError::Empty));
        assert_eq!(read(b",,\n"), Err(TableError::Empty));
    }

    #[test]
    fn headers_map_by_any_label() {
        let header = Row {
            line: 1,
            cells: vec!["名称".into(), "统一社会信用代码".into()],
        };
        let pos = header_positions(
            &header,
            &[&["统一社会信用代码", "信用代码"], &["名称"], &["地址"]],
        );
        assert_eq!(pos, vec![Some(1), Some(0), None]);
    }
}
