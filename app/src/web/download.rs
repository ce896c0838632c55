//! File downloads: the body with its type and a `Content-Disposition` per
//! RFC 6266, the name as an ASCII fallback and, where it has other
//! characters, as `filename*` in RFC 5987 encoding (UTF-8, percent-encoded
//! outside `attr-char`), which every current browser prefers.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use poem::http::header;
use poem::{IntoResponse, Response};

/// RFC 5987 `attr-char`: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" /
/// "-" / "." / "^" / "_" / "`" / "|" / "~"; everything else is encoded.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// The header value for saving `name` (`attachment`).
pub fn content_disposition(name: &str) -> String {
    content_disposition_with_fallback(name, name)
}

/// As [`content_disposition`], with the ASCII name made from `fallback`
/// (a download whose name has an English form) instead of from `name`.
pub fn content_disposition_with_fallback(name: &str, fallback: &str) -> String {
    let fallback = ascii_fallback(fallback);
    if fallback == name {
        format!("attachment; filename=\"{fallback}\"")
    } else {
        format!(
            "attachment; filename=\"{fallback}\"; filename*=UTF-8''{}",
            utf8_percent_encode(name, ATTR_CHAR)
        )
    }
}

/// The name with every character that is not plain printable ASCII (or is
/// a quote, backslash or path separator) replaced: `统计 1.xlsx` becomes
/// `-- 1.xlsx`, a name of nothing but such characters `download` plus its
/// extension.
fn ascii_fallback(name: &str) -> String {
    let replaced: String = name
        .chars()
        .map(|c| match c {
            ' '..='~' if !matches!(c, '"' | '\\' | '/' | ';' | '%') => c,
            _ => '-',
        })
        .collect();
    let stem = replaced
        .rsplit_once('.')
        .map_or(replaced.as_str(), |(s, _)| s);
    if stem.chars().all(|c| c == '-' || c == ' ') {
        match replaced.rsplit_once('.') {
            Some((_, ext)) if !ext.is_empty() => format!("download.{ext}"),
            _ => "download".into(),
        }
    } else {
        replaced
    }
}

/// `bytes` to save as `name`, of `content_type`.
pub fn attachment(bytes: Vec<u8>, content_type: &str, name: &str) -> Response {
    attachment_with_fallback(bytes, content_type, name, name)
}

/// As [`attachment`], with the ASCII name made from `fallback`.
pub fn attachment_with_fallback(
    bytes: Vec<u8>,
    content_type: &str,
    name: &str,
    fallback: &str,
) -> Response {
    bytes
        .with_content_type(content_type.to_owned())
        .with_header(
            header::CONTENT_DISPOSITION,
            content_disposition_with_fallback(name, fallback),
        )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_names_stay_as_they_are() {
        assert_eq!(
            content_disposition("certificate-2026310115000123.pdf"),
            "attachment; filename=\"certificate-2026310115000123.pdf\""
        );
    }

    #[test]
    fn other_names_get_an_ascii_fallback_and_an_rfc_5987_name() {
        assert_eq!(
            content_disposition("统计 1.xlsx"),
            "attachment; filename=\"-- 1.xlsx\"; filename*=UTF-8''%E7%BB%9F%E8%AE%A1%201.xlsx"
        );
        assert_eq!(
            content_disposition("合同.pdf"),
            "attachment; filename=\"download.pdf\"; filename*=UTF-8''%E5%90%88%E5%90%8C.pdf"
        );
    }

    #[test]
    fn an_english_name_can_stand_in_for_a_chinese_one() {
        assert_eq!(
            content_disposition_with_fallback("统计 1.xlsx", "a-1.xlsx"),
            "attachment; filename=\"a-1.xlsx\"; filename*=UTF-8''%E7%BB%9F%E8%AE%A1%201.xlsx"
        );
        assert!(
            content_disposition_with_fallback("统计.xlsx", "a\"b.xlsx")
                .starts_with("attachment; filename=\"a-b.xlsx\"")
        );
    }

    #[test]
    fn quotes_and_separators_cannot_break_out_of_the_header() {
        let v = content_disposition("a\"b\\c/d;e%.pdf");
        assert!(
            v.starts_with("attachment; filename=\"a-b-c-d-e-.pdf\""),
            "{v}"
        );
        assert!(
            v.contains("filename*=UTF-8''a%22b%5Cc%2Fd%3Be%25.pdf"),
            "{v}"
        );
        assert!(!v.contains('\n'));
    }
}
