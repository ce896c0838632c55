//! One-shot messages after a redirect ("已保存"), carried in a cookie signed
//! with HMAC-SM3 so no node needs shared state for them.

use techreg_views::components::{Flash, FlashKind};

use crate::security::crypto::{ct_eq, hmac_sm3};

pub const COOKIE: &str = "techreg_flash";

fn kind_code(kind: FlashKind) -> char {
    match kind {
        FlashKind::Success => 's',
        FlashKind::Info => 'i',
        FlashKind::Warning => 'w',
        FlashKind::Error => 'e',
    }
}

fn kind_from(code: char) -> Option<FlashKind> {
    Some(match code {
        's' => FlashKind::Success,
        'i' => FlashKind::Info,
        'w' => FlashKind::Warning,
        'e' => FlashKind::Error,
        _ => return None,
    })
}

/// Cookie value: `<kind><hex utf-8 message>.<hex tag>`.
pub fn encode(key: &[u8], flash: &Flash) -> String {
    let body = format!(
        "{}{}",
        kind_code(flash.kind),
        hex::encode(flash.message.as_bytes())
    );
    let tag = hex::encode(hmac_sm3(key, &[b"flash\0", body.as_bytes()]));
    format!("{body}.{tag}")
}

pub fn decode(key: &[u8], value: &str) -> Option<Flash> {
    let (body, tag) = value.split_once('.')?;
    let expected = hex::encode(hmac_sm3(key, &[b"flash\0", body.as_bytes()]));
    if !ct_eq(expected.as_bytes(), tag.as_bytes()) {
        return None;
    }
    let mut chars = body.chars();
    let kind = kind_from(chars.next()?)?;
    let message = String::from_utf8(hex::decode(chars.as_str()).ok()?).ok()?;
    Some(Flash { kind, message })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let f = Flash {
            kind: FlashKind::Success,
            message: "已保存草稿".into(),
        };
        let v = encode(b"k", &f);
        assert_eq!(decode(b"k", &v), Some(f));
        assert_eq!(decode(b"other", &v), None);
        let tampered = v.replacen('s', "e", 1);
        assert_eq!(decode(b"k", &tampered), None);
        assert_eq!(decode(b"k", "nonsense"), None);
    }
}
