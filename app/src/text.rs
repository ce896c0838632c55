//! Text normalisation: codes and numbers typed with full-width characters
//! (common with Chinese input methods) become their ASCII forms.

/// Full-width ASCII variants (U+FF01..U+FF5E) and the ideographic space map
/// to ASCII; everything else is kept.
pub fn half_width(input: &str) -> String {
    input
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// [`half_width`], trimmed and upper-cased: the form codes are stored in.
pub fn normalize_code(input: &str) -> String {
    half_width(input).trim().to_ascii_uppercase()
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
    }
}
