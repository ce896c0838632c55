//! Money is kept in fen (分) as `i64`; people type and read yuan.

/// Parses yuan as typed ("1,234.5", "１２３４", "1234.56元") into fen.
pub fn parse_yuan(input: &str) -> Result<i64, &'static str> {
    let s = crate::core::text::to_half_width(input);
    let s: String = s
        .trim()
        .trim_end_matches('元')
        .chars()
        .filter(|c| *c != ',' && *c != '，' && !c.is_whitespace())
        .collect();
    if s.is_empty() {
        return Err("请填写金额");
    }
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s.as_str(), ""),
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err("金额应为数字，如 12345.67");
    }
    if frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err("金额最多保留两位小数");
    }
    if whole.len() > 13 {
        return Err("金额过大");
    }
    let yuan: i64 = whole.parse().map_err(|_| "金额应为数字，如 12345.67")?;
    let fen: i64 = format!("{frac:0<2}").parse().unwrap_or(0);
    Ok(yuan * 100 + fen)
}

/// "1,234,567.80" for display.
pub fn format_fen(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    let yuan = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in yuan.chars().enumerate() {
        if i > 0 && (yuan.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped}.{:02}", abs % 100)
}

/// "1234567.80": the form value that parses back to the same fen.
pub fn input_fen(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, (fen % 100).abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_as_people_type_it() {
        assert_eq!(parse_yuan("1,234.5"), Ok(123_450));
        assert_eq!(parse_yuan("１２３４"), Ok(123_400));
        assert_eq!(parse_yuan(" 1234.56元 "), Ok(123_456));
        assert_eq!(parse_yuan("0.01"), Ok(1));
        assert_eq!(parse_yuan(""), Err("请填写金额"));
        assert_eq!(parse_yuan("12.345"), Err("金额最多保留两位小数"));
        assert_eq!(parse_yuan("-5"), Err("金额应为数字，如 12345.67"));
        assert_eq!(parse_yuan("abc"), Err("金额应为数字，如 12345.67"));
        assert_eq!(parse_yuan("99999999999999"), Err("金额过大"));
    }

    #[test]
    fn fen_for_reading_and_for_forms() {
        assert_eq!(format_fen(123_456_780), "1,234,567.80");
        assert_eq!(format_fen(5), "0.05");
        assert_eq!(format_fen(100_000), "1,000.00");
        assert_eq!(input_fen(123_456_780), "1234567.80");
        assert_eq!(parse_yuan(&input_fen(987_654_321)), Ok(987_654_321));
    }
}
