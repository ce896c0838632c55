//! Reading the yearly holiday arrangement from a file, and the checks a
//! single day must pass. Pure: bytes in, rows with their verdicts out.
//!
//! The file has one day per line, `日期,类型,名称`: a date (2026-10-01,
//! 2026/10/1, 2026.10.01, 20261001 or 2026年10月1日), a kind (休 / 假 /
//! 放假 / holiday, or 班 / 上班 / workday) and a name (春节, 春节调休).
//! Fields are separated by a comma (half- or full-width), a tab or a
//! semicolon, and may be quoted. Blank lines and lines starting with `#`
//! are ignored, and so is a first line of column titles. Full-width digits
//! are read as digits. The text may be UTF-8 (with or without BOM), UTF-16
//! with a BOM, or GBK / GB18030.
//!
//! Weekends inside a holiday, listed as the notice lists them, are read
//! and skipped (they are rest days anyway); a make-up working day on a
//! weekday is an error (almost certainly a wrong date).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use super::arith::{DayKind, is_weekend, weekday_label};
use crate::core::text::to_half_width;

pub const MIN_YEAR: i32 = 2000;
pub const MAX_YEAR: i32 = 2100;
pub const MAX_NAME_CHARS: usize = 50;
pub const MAX_FILE_BYTES: usize = 256 * 1024;

pub use crate::tabular::decode;

pub fn parse_date(input: &str) -> Option<NaiveDate> {
    let s = to_half_width(input);
    let s = s.trim();
    let s = s
        .strip_suffix('日')
        .unwrap_or(s)
        .replace(['年', '月', '/', '.'], "-");
    let parts: Vec<&str> = s.split('-').map(str::trim).collect();
    let (y, m, d) = match parts.as_slice() {
        [one] if one.len() == 8 && one.bytes().all(|b| b.is_ascii_digit()) => {
            (&one[..4], &one[4..6], &one[6..])
        }
        [y, m, d] => (*y, *m, *d),
        _ => return None,
    };
    fn number<T: std::str::FromStr>(p: &str, max: usize) -> Option<T> {
        (!p.is_empty() && p.len() <= max && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse().ok())
            .flatten()
    }
    NaiveDate::from_ymd_opt(number(y, 4)?, number(m, 2)?, number(d, 2)?)
}

/// 休 / 假 / holiday → `Holiday`; 班 / workday → `Workday`.
pub fn parse_kind(input: &str) -> Option<DayKind> {
    let s = to_half_width(input).trim().to_ascii_lowercase();
    match s.as_str() {
        "休" | "假" | "放假" | "休息" | "节假日" | "holiday" => Some(DayKind::Holiday),
        "班" | "上班" | "补班" | "调休上班" | "工作日" | "workday" => {
            Some(DayKind::Workday)
        }
        _ => None,
    }
}

/// Why `day` may not be stored with `kind`, if it may not.
pub fn check_day(day: NaiveDate, kind: DayKind) -> Result<(), String> {
    if !(MIN_YEAR..=MAX_YEAR).contains(&day.year()) {
        return Err(format!("日期应在 {MIN_YEAR}–{MAX_YEAR} 年之间"));
    }
    match (kind, is_weekend(day)) {
        (DayKind::Holiday, true) => Err(format!(
            "{day} 是{}，本来就是休息日，无需设为节假日",
            weekday_label(day)
        )),
        (DayKind::Workday, false) => Err(format!(
            "{day} 是{}，本来就是工作日，无需设为调休上班日",
            weekday_label(day)
        )),
        _ => Ok(()),
    }
}

/// The name of a day, trimmed, or why it is not acceptable.
pub fn check_name(input: &str) -> Result<String, String> {
    let name = input.trim().trim_matches('\u{3000}').trim().to_owned();
    if name.is_empty() {
        return Err("请填写名称，如“春节”或“春节调休”".into());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!("名称不能超过 {MAX_NAME_CHARS} 个字"));
    }
    Ok(name)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The day will be stored.
    Keep,
    /// Read but not stored, with the reason (a weekend inside a holiday).
    Skip(String),
    Error(String),
}

#[derive(Clone, Debug)]
pub struct Row {
    /// 1-based line number in the file.
    pub line: usize,
    pub raw: String,
    pub day: Option<NaiveDate>,
    pub kind: Option<DayKind>,
    pub name: String,
    pub verdict: Verdict,
}

#[derive(Clone, Debug)]
pub struct Parsed {
    pub year: i32,
    pub rows: Vec<Row>,
    /// A problem with the file as a whole (no data rows).
    pub problem: Option<String>,
}

impl Parsed {
    pub fn error_count(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| matches!(r.verdict, Verdict::Error(_)))
            .count()
            + usize::from(self.problem.is_some())
    }

    pub fn is_ok(&self) -> bool {
        self.error_count() == 0
    }

    /// The days to store, in date order.
    pub fn kept(&self) -> Vec<(NaiveDate, DayKind, String)> {
        let mut out: Vec<_> = self
            .rows
            .iter()
            .filter(|r| r.verdict == Verdict::Keep)
            .filter_map(|r| Some((r.day?, r.kind?, r.name.clone())))
            .collect();
        out.sort();
        out
    }

    /// The kept days in this file format, one per line: what the confirm
    /// step sends back and reads again.
    pub fn canonical(&self) -> String {
        self.kept()
            .into_iter()
            .map(|(day, kind, name)| format!("{day},{},{name}\n", kind.code()))
            .collect()
    }
}

fn fields(line: &str) -> Vec<String> {
    line.split([',', '，', '\t', ';', '；'])
        .map(|f| {
            let f = f.trim().trim_matches('\u{3000}').trim();
            let f = f
                .strip_prefix('"')
                .and_then(|x| x.strip_suffix('"'))
                .unwrap_or(f);
            f.trim().to_owned()
        })
        .collect()
}

fn is_header(fields: &[String]) -> bool {
    let first = fields.first().map(|f| f.to_lowercase()).unwrap_or_default();
    first.contains("日期") || first.contains("date")
}

/// Reads every line of `text` as a day of `year`.
pub fn parse(text: &str, year: i32) -> Parsed {
    let mut rows = Vec::new();
    let mut seen: BTreeMap<NaiveDate, usize> = BTreeMap::new();
    let mut first_content = true;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim().trim_start_matches('\u{feff}');
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let f = fields(trimmed);
        if first_content && is_header(&f) && parse_date(&f[0]).is_none() {
            first_content = false;
            continue;
        }
        first_content = false;
        let mut row = Row {
            line,
            raw: trimmed.to_owned(),
            day: parse_date(&f[0]),
            kind: f.get(1).and_then(|k| parse_kind(k)),
            name: f.get(2).cloned().unwrap_or_default(),
            verdict: Verdict::Keep,
        };
        row.verdict = judge(&row, &f, year, &seen);
        if let (Some(day), Verdict::Keep | Verdict::Skip(_)) = (row.day, &row.verdict) {
            seen.insert(day, line);
        }
        if row.verdict == Verdict::Keep {
            row.name = check_name(&row.name).unwrap_or_default();
        }
        rows.push(row);
    }
    let problem = rows
        .is_empty()
        .then(|| "文件中没有数据行（每行：日期,类型,名称）".to_owned());
    Parsed {
        year,
        rows,
        problem,
    }
}

fn judge(row: &Row, f: &[String], year: i32, seen: &BTreeMap<NaiveDate, usize>) -> Verdict {
    let Some(day) = row.day else {
        return Verdict::Error(format!(
            "日期“{}”无法识别，应为 {year}-01-01 这样的格式",
            f[0]
        ));
    };
    if day.year() != year {
        return Verdict::Error(format!("日期 {day} 不在 {year} 年"));
    }
    if let Some(first) = seen.get(&day) {
        return Verdict::Error(format!("日期 {day} 与第 {first} 行重复"));
    }
    let Some(kind) = row.kind else {
        return Verdict::Error(match f.get(1).filter(|k| !k.is_empty()) {
            Some(k) => format!("类型“{k}”无法识别，应为“休”或“班”"),
            None => "缺少类型（休 或 班）".to_owned(),
        });
    };
    if let Err(e) = check_name(f.get(2).map(String::as_str).unwrap_or("")) {
        return Verdict::Error(e);
    }
    if f.iter().skip(3).any(|x| !x.is_empty()) {
        return Verdict::Error("列数过多，每行应为：日期,类型,名称".into());
    }
    match check_day(day, kind) {
        Ok(()) => Verdict::Keep,
        Err(_) if kind == DayKind::Holiday => {
            Verdict::Skip(format!("{}本来休息，不需保存", weekday_label(day)))
        }
        Err(e) => Verdict::Error(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::arith::WorkCalendar;
    use crate::calendar::arith::tests::{arrangement_2025, arrangement_2026, d};

    #[test]
    fn dates_as_people_type_them() {
        for s in [
            "2026-10-01",
            "2026/10/1",
            "2026.10.01",
            "20261001",
            "2026年10月1日",
            "２０２６－１０－０１",
            " 2026-10-01 ",
        ] {
            assert_eq!(parse_date(s), Some(d(2026, 10, 1)), "{s}");
        }
        for s in [
            "",
            "2026-13-01",
            "2026-02-30",
            "10/01/2026",
            "2026-1",
            "abc",
            "2026-10-01x",
        ] {
            assert_eq!(parse_date(s), None, "{s}");
        }
    }

    #[test]
    fn kinds_in_chinese_and_english() {
        assert_eq!(parse_kind("休"), Some(DayKind::Holiday));
        assert_eq!(parse_kind(" Holiday "), Some(DayKind::Holiday));
        assert_eq!(parse_kind("班"), Some(DayKind::Workday));
        assert_eq!(parse_kind("ｗｏｒｋｄａｙ"), Some(DayKind::Workday));
        assert_eq!(parse_kind("x"), None);
    }

    #[test]
    fn pointless_overrides_are_refused_with_the_reason() {
        let e = check_day(d(2026, 2, 21), DayKind::Holiday).unwrap_err();
        assert!(e.contains("星期六") && e.contains("本来就是休息日"), "{e}");
        let e = check_day(d(2026, 3, 2), DayKind::Workday).unwrap_err();
        assert!(e.contains("星期一") && e.contains("本来就是工作日"), "{e}");
        assert!(check_day(d(1999, 12, 31), DayKind::Holiday).is_err());
        assert!(check_day(d(2101, 1, 3), DayKind::Workday).is_err());
        assert!(check_day(d(2100, 12, 31), DayKind::Holiday).is_ok());
        assert!(check_day(d(2026, 2, 14), DayKind::Workday).is_ok());
    }

    #[test]
    fn encodings() {
        let text = "日期,类型,名称\n2026-10-01,休,国庆节\n";
        assert_eq!(decode(text.as_bytes()).unwrap(), (text.to_owned(), "UTF-8"));
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(text.as_bytes());
        assert_eq!(decode(&bom).unwrap().0, text);
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        assert!(std::str::from_utf8(&gbk).is_err());
        assert_eq!(decode(&gbk).unwrap(), (text.to_owned(), "GBK"));
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode(&utf16).unwrap().0, text);
        assert!(decode(&[0xFF, 0x00, 0x81]).is_err());
    }

    #[test]
    fn a_file_with_every_kind_of_line() {
        let text = "\u{feff}日期，类型，名称\n\
                    # 元旦\n\
                    \n\
                    2026-01-01,休,元旦\n\
                    \"2026-01-03\",\"休\",\"元旦\"\n\
                    ２０２６／１／４\t班\t元旦调休\n\
                    2026-01-05,班,周一\n\
                    2026-01-01,休,元旦\n\
                    2025-12-31,休,元旦\n\
                    2026-01-06,x,元旦\n\
                    2026-01-07,休\n\
                    2026-01-08,休,元旦,多余\n\
                    2026-01-09,休,元旦,,\n\
                    hello,休,元旦\n";
        let p = parse(text, 2026);
        let verdicts: Vec<(usize, &Verdict)> =
            p.rows.iter().map(|r| (r.line, &r.verdict)).collect();
        assert_eq!(verdicts.len(), 11);
        assert_eq!(verdicts[0], (4, &Verdict::Keep));
        assert!(matches!(verdicts[1], (5, Verdict::Skip(_))), "Saturday");
        assert_eq!(verdicts[2], (6, &Verdict::Keep));
        let error = |i: usize| match &p.rows[i].verdict {
            Verdict::Error(e) => e.clone(),
            v => panic!("line {}: {v:?}", p.rows[i].line),
        };
        assert!(error(3).contains("本来就是工作日"));
        assert!(error(4).contains("与第 4 行重复"));
        assert!(error(5).contains("不在 2026 年"));
        assert!(error(6).contains("类型“x”无法识别"));
        assert!(error(7).contains("请填写名称"));
        assert!(error(8).contains("列数过多"));
        assert_eq!(p.rows[9].verdict, Verdict::Keep, "trailing empty fields");
        assert!(error(10).contains("日期“hello”无法识别"));
        assert_eq!(p.error_count(), 7);
        assert!(!p.is_ok());
        assert_eq!(
            p.canonical(),
            "2026-01-01,holiday,元旦\n2026-01-04,workday,元旦调休\n2026-01-09,holiday,元旦\n"
        );
        let again = parse(&p.canonical(), 2026);
        assert!(again.is_ok());
        assert_eq!(again.kept(), p.kept());
    }

    #[test]
    fn an_empty_file_is_refused() {
        let p = parse("日期,类型,名称\n\n", 2026);
        assert!(p.problem.is_some());
        assert!(!p.is_ok());
    }

    #[test]
    fn the_shipped_arrangements_are_the_published_ones() {
        for (year, text, expected) in [
            (2025, super::super::ARRANGEMENT_2025, arrangement_2025()),
            (2026, super::super::ARRANGEMENT_2026, arrangement_2026()),
        ] {
            let p = parse(text, year);
            assert!(p.is_ok(), "{year}: {:?}", p.rows);
            let from_file: WorkCalendar = p.kept().into_iter().map(|(d, k, _)| (d, k)).collect();
            // The notice lists weekends inside holidays; they are rest days
            // either way, so the calendars agree day by day.
            let published: WorkCalendar = expected.into_iter().collect();
            for day in d(year, 1, 1).iter_days().take_while(|x| x.year() == year) {
                assert_eq!(
                    from_file.is_working_day(day),
                    published.is_working_day(day),
                    "{day}"
                );
            }
            assert!(p.kept().iter().all(|(_, _, name)| !name.is_empty()));
        }
    }
}
