//! Text normalisation: codes and numbers typed with full-width characters
//! (common with Chinese input methods) become their ASCII forms.

/// Full-width ASCII variants (U+FF01..U+FF5E) and the ideographic space map
/// to ASCII; surrounding whitespace is trimmed; letters are upper-cased.
pub fn normalize_code(input: &str) -> String {
    to_half_width(input).trim().to_ascii_uppercase()
}

/// Full-width ASCII variants (U+FF01..U+FF5E) and the ideographic space
/// become ASCII; nothing else changes.
pub fn to_half_width(input: &str) -> String {
    input
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_forms_become_ascii() {
        assert_eq!(
            normalize_code("　９１３１０１１５ＭＡ１ｆ　"),
            "91310115MA1F"
        );
        assert_eq!(normalize_code("2026-31"), "2026-31");
        assert_eq!(normalize_code("张三"), "张三");
        assert_eq!(to_half_width("２０２６／１０／０１，休"), "2026/10/01,休");
    }
}
