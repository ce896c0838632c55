//! Report periods: Shanghai calendar dates `from..=to`, at most a few years.

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, NaiveTime, Utc};

/// The longest period a report may cover.
pub const MAX_YEARS: u32 = 5;

/// Shanghai calendar dates `from..=to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The UTC instant at which a Shanghai date begins (UTC+8, no daylight saving).
pub fn shanghai_midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(NaiveTime::MIN).and_utc() - Duration::hours(8)
}

impl Period {
    /// A period of at most [`MAX_YEARS`] years, `from` not after `to`.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Period, String> {
        if from > to {
            return Err("开始日期不能晚于结束日期".into());
        }
        let limit = from
            .checked_add_months(Months::new(12 * MAX_YEARS))
            .unwrap_or(NaiveDate::MAX);
        if to >= limit {
            return Err(format!("统计期间不能超过 {MAX_YEARS} 年"));
        }
        Ok(Period { from, to })
    }

    /// The first instant of the period.
    pub fn start_utc(&self) -> DateTime<Utc> {
        shanghai_midnight(self.from)
    }

    /// The first instant after the period.
    pub fn end_utc(&self) -> DateTime<Utc> {
        shanghai_midnight(self.to + Duration::days(1))
    }

    pub fn contains(&self, d: NaiveDate) -> bool {
        self.from <= d && d <= self.to
    }

    /// `2026-01-01 至 2026-03-31`
    pub fn label(&self) -> String {
        format!("{} 至 {}", self.from, self.to)
    }

    /// The calendar months the period touches, the first and last cut to
    /// the period.
    pub fn months(&self) -> Vec<Period> {
        let mut out = Vec::new();
        let mut start = self.from;
        while start <= self.to {
            let next = first_of_month(start) + Months::new(1);
            let end = (next - Duration::days(1)).min(self.to);
            out.push(Period {
                from: start,
                to: end,
            });
            start = next;
        }
        out
    }
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).expect("day 1 exists")
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("日期“{}”无效，格式应为 YYYY-MM-DD", s.trim()))
}

/// A year (`2026`), quarter (`2026-Q3`) or month (`2026-07`).
fn parse_preset(s: &str) -> Option<(NaiveDate, NaiveDate)> {
    let s = s.trim().to_ascii_uppercase();
    let year_of = |y: &str| {
        (y.len() == 4)
            .then(|| y.parse::<i32>().ok())
            .flatten()
            .filter(|y| (1900..=9998).contains(y))
    };
    let span = |y: i32, m: u32, months: u32| {
        let from = NaiveDate::from_ymd_opt(y, m, 1)?;
        Some((from, from + Months::new(months) - Duration::days(1)))
    };
    match s.split_once('-') {
        None => span(year_of(&s)?, 1, 12),
        Some((y, q)) if q.starts_with('Q') => {
            let q: u32 = q[1..].parse().ok().filter(|q| (1..=4).contains(q))?;
            span(year_of(y)?, 3 * q - 2, 3)
        }
        Some((y, m)) if m.len() == 2 => {
            let m: u32 = m.parse().ok().filter(|m| (1..=12).contains(m))?;
            span(year_of(y)?, m, 1)
        }
        Some(_) => None,
    }
}

/// The report period from the query string: a preset (`period`), else
/// `from` and `to`, else the current year up to `today`.
pub fn parse_period(
    preset: &str,
    from: &str,
    to: &str,
    today: NaiveDate,
) -> Result<Period, String> {
    if !preset.trim().is_empty() {
        let (from, to) = parse_preset(preset).ok_or_else(|| {
            "统计期间无效，应为年份（如 2026）、季度（如 2026-Q3）或月份（如 2026-07）".to_owned()
        })?;
        return Period::new(from, to);
    }
    match (from.trim().is_empty(), to.trim().is_empty()) {
        (true, true) => Period::new(
            NaiveDate::from_ymd_opt(today.year(), 1, 1).expect("1 January"),
            today,
        ),
        (false, false) => Period::new(parse_date(from)?, parse_date(to)?),
        _ => Err("请同时填写开始日期和结束日期".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn presets_cover_whole_years_quarters_and_months() {
        let today = d("2026-11-29");
        let p = |s| parse_period(s, "", "", today).unwrap();
        assert_eq!(
            p("2026"),
            Period {
                from: d("2026-01-01"),
                to: d("2026-12-31")
            }
        );
        assert_eq!(
            p("2026-q1"),
            Period {
                from: d("2026-01-01"),
                to: d("2026-03-31")
            }
        );
        assert_eq!(
            p("2024-Q4"),
            Period {
                from: d("2024-10-01"),
                to: d("2024-12-31")
            }
        );
        assert_eq!(
            p("2024-02"),
            Period {
                from: d("2024-02-01"),
                to: d("2024-02-29")
            }
        );
        assert_eq!(
            p(" 2025-12 "),
            Period {
                from: d("2025-12-01"),
                to: d("2025-12-31")
            }
        );
        for bad in [
            "26",
            "2026-Q5",
            "2026-Q0",
            "2026-13",
            "2026-1",
            "abcd",
            "2026-07-01",
        ] {
            assert!(parse_period(bad, "", "", today).is_err(), "{bad}");
        }
    }

    #[test]
    fn custom_dates_are_checked() {
        let today = d("2026-11-29");
        assert_eq!(
            parse_period("", "2026-03-05", "2026-04-01", today).unwrap(),
            Period {
                from: d("2026-03-05"),
                to: d("2026-04-01")
            }
        );
        // Nothing given: this year up to today.
        assert_eq!(
            parse_period("", "", "", today).unwrap(),
            Period {
                from: d("2026-01-01"),
                to: today
            }
        );
        assert_eq!(
            parse_period("", "2026-04-02", "2026-04-01", today).unwrap_err(),
            "开始日期不能晚于结束日期"
        );
        assert!(
            parse_period("", "2026-02-30", "2026-04-01", today)
                .unwrap_err()
                .contains("格式应为")
        );
        assert!(parse_period("", "2026/01/01", "2026-04-01", today).is_err());
        assert!(
            parse_period("", "2026-01-01", "", today)
                .unwrap_err()
                .contains("同时填写")
        );
        // Five years exactly is allowed, one day more is not.
        assert!(parse_period("", "2021-01-01", "2025-12-31", today).is_ok());
        assert_eq!(
            parse_period("", "2021-01-01", "2026-01-01", today).unwrap_err(),
            "统计期间不能超过 5 年"
        );
    }

    #[test]
    fn a_period_is_a_half_open_utc_interval() {
        let p = Period::new(d("2026-01-01"), d("2026-01-31")).unwrap();
        assert_eq!(p.start_utc().to_rfc3339(), "2025-12-31T16:00:00+00:00");
        assert_eq!(p.end_utc().to_rfc3339(), "2026-01-31T16:00:00+00:00");
    }

    #[test]
    fn months_are_cut_to_the_period() {
        let p = Period::new(d("2025-11-15"), d("2026-02-10")).unwrap();
        let m: Vec<String> = p.months().iter().map(Period::label).collect();
        assert_eq!(
            m,
            [
                "2025-11-15 至 2025-11-30",
                "2025-12-01 至 2025-12-31",
                "2026-01-01 至 2026-01-31",
                "2026-02-01 至 2026-02-10"
            ]
        );
    }
}
