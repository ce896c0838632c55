//! Working-day arithmetic. Pure: no IO, no clock.
//!
//! A day is a working day by the weekday rule (Monday to Friday) unless the
//! calendar overrides it: a `Holiday` on a weekday is a rest day, a
//! `Workday` (调休上班日) on a weekend is a working day. An override that
//! agrees with the weekday rule changes nothing.
//!
//! Conventions, chosen so that deadlines read as the rules are written
//! ("within 7 working days from acceptance"):
//!
//! - `add_working_days(d, n)` for `n > 0` is the n-th working day strictly
//!   after `d`; the day `d` itself never counts, whether or not it is a
//!   working day. A case accepted on day D with a 7-working-day limit is due
//!   at the end of `add_working_days(D, 7)`.
//! - `add_working_days(d, 0)` is `d` if it is a working day, else the next
//!   working day (the day an act on `d` is taken to happen).
//! - `add_working_days(d, -n)` is the n-th working day strictly before `d`
//!   (e.g. a reminder two working days before a deadline).
//! - `working_days_between(a, b)` counts the working days in `(a, b]`: `a`
//!   excluded, `b` included. It is 0 when `a == b` and negative when
//!   `b < a` (`-working_days_between(b, a)`). So for any `n > 0`,
//!   `working_days_between(d, add_working_days(d, n)) == n`, and a case
//!   is overdue when `working_days_between(accepted, today) > limit`.

use std::collections::BTreeMap;
use std::ops::Bound::{Excluded, Included, Unbounded};

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// What an override makes of a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DayKind {
    /// A rest day on a weekday (法定节假日及调休放假).
    Holiday,
    /// A working day on a weekend (调休上班日).
    Workday,
}

impl DayKind {
    /// The value stored in `calendar_day.kind`.
    pub const fn code(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "holiday" => Some(DayKind::Holiday),
            "workday" => Some(DayKind::Workday),
            _ => None,
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            DayKind::Holiday => "节假日",
            DayKind::Workday => "调休上班日",
        }
    }
}

pub fn is_weekend(day: NaiveDate) -> bool {
    matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

/// 星期一 … 星期日.
pub fn weekday_label(day: NaiveDate) -> &'static str {
    match day.weekday() {
        Weekday::Mon => "星期一",
        Weekday::Tue => "星期二",
        Weekday::Wed => "星期三",
        Weekday::Thu => "星期四",
        Weekday::Fri => "星期五",
        Weekday::Sat => "星期六",
        Weekday::Sun => "星期日",
    }
}

/// Weekdays (Monday to Friday) in `(a, b]` for `a <= b`, in O(1).
fn weekdays_in(a: NaiveDate, b: NaiveDate) -> i64 {
    // 0001-01-01 (day 1 from CE) is a Monday: days 7k+1 … 7k+5 are weekdays.
    fn upto(d: NaiveDate) -> i64 {
        let n = i64::from(d.num_days_from_ce());
        n.div_euclid(7) * 5 + n.rem_euclid(7).min(5)
    }
    upto(b) - upto(a)
}

fn step(day: NaiveDate, forward: bool, by: u64) -> NaiveDate {
    let next = if forward {
        day.checked_add_days(Days::new(by))
    } else {
        day.checked_sub_days(Days::new(by))
    };
    next.expect("working-day arithmetic left chrono's date range")
}

/// The overrides of the weekday rule, and arithmetic over them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    overrides: BTreeMap<NaiveDate, DayKind>,
}

impl FromIterator<(NaiveDate, DayKind)> for WorkCalendar {
    fn from_iter<I: IntoIterator<Item = (NaiveDate, DayKind)>>(iter: I) -> Self {
        Self::new(iter.into_iter().collect())
    }
}

impl WorkCalendar {
    pub fn new(overrides: BTreeMap<NaiveDate, DayKind>) -> Self {
        Self { overrides }
    }

    pub fn overrides(&self) -> &BTreeMap<NaiveDate, DayKind> {
        &self.overrides
    }

    /// The override of `day`, if any.
    pub fn kind_of(&self, day: NaiveDate) -> Option<DayKind> {
        self.overrides.get(&day).copied()
    }

    /// Whether any override falls in `year`: a year without one has most
    /// likely not been maintained yet (every year has public holidays).
    pub fn has_year(&self, year: i32) -> bool {
        match (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) {
            (Some(first), Some(last)) => self.overrides.range(first..=last).next().is_some(),
            _ => false,
        }
    }

    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        match self.overrides.get(&day) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !is_weekend(day),
        }
    }

    /// The first working day strictly after `day`.
    pub fn next_working_day(&self, day: NaiveDate) -> NaiveDate {
        self.add_working_days(day, 1)
    }

    /// The last working day strictly before `day`.
    pub fn previous_working_day(&self, day: NaiveDate) -> NaiveDate {
        self.add_working_days(day, -1)
    }

    /// See the module documentation: the n-th working day after `start`
    /// (before it for negative `n`; `start` or the next working day for 0).
    ///
    /// Panics only if the answer lies outside chrono's date range (about
    /// ±262 000 years).
    pub fn add_working_days(&self, start: NaiveDate, n: i64) -> NaiveDate {
        if n == 0 {
            return if self.is_working_day(start) {
                start
            } else {
                self.add_working_days(start, 1)
            };
        }
        let forward = n > 0;
        let mut left = n.unsigned_abs();
        let mut day = start;
        loop {
            if left > 5 && self.no_overrides_beyond(day, forward) {
                // Past the last override every 7 days hold exactly 5 working
                // days: jump whole weeks, keeping at least one day to walk.
                let weeks = (left - 1) / 5;
                day = step(day, forward, weeks * 7);
                left -= weeks * 5;
            }
            day = step(day, forward, 1);
            if self.is_working_day(day) {
                left -= 1;
                if left == 0 {
                    return day;
                }
            }
        }
    }

    fn no_overrides_beyond(&self, day: NaiveDate, forward: bool) -> bool {
        if forward {
            self.overrides
                .range((Excluded(day), Unbounded))
                .next()
                .is_none()
        } else {
            self.overrides.range(..day).next_back().is_none()
        }
    }

    /// Working days in `(a, b]`; negative when `b < a`. See the module
    /// documentation.
    pub fn working_days_between(&self, a: NaiveDate, b: NaiveDate) -> i64 {
        if b < a {
            return -self.working_days_between(b, a);
        }
        if a == b {
            return 0;
        }
        let adjust: i64 = self
            .overrides
            .range((Excluded(a), Included(b)))
            .map(|(day, kind)| match (kind, is_weekend(*day)) {
                (DayKind::Holiday, false) => -1,
                (DayKind::Workday, true) => 1,
                _ => 0,
            })
            .sum();
        weekdays_in(a, b) + adjust
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn range(first: NaiveDate, last: NaiveDate) -> impl Iterator<Item = NaiveDate> {
        first.iter_days().take_while(move |x| *x <= last)
    }

    /// 国办发明电〔2024〕12号: the 2025 arrangement, as the notice lists it
    /// (rest days including the weekends inside each holiday, and the
    /// make-up working days).
    pub(crate) fn arrangement_2025() -> Vec<(NaiveDate, DayKind)> {
        let mut v = Vec::new();
        let mut rest = |a: NaiveDate, b: NaiveDate| {
            v.extend(range(a, b).map(|x| (x, DayKind::Holiday)));
        };
        rest(d(2025, 1, 1), d(2025, 1, 1)); // 元旦
        rest(d(2025, 1, 28), d(2025, 2, 4)); // 春节
        rest(d(2025, 4, 4), d(2025, 4, 6)); // 清明节
        rest(d(2025, 5, 1), d(2025, 5, 5)); // 劳动节
        rest(d(2025, 5, 31), d(2025, 6, 2)); // 端午节
        rest(d(2025, 10, 1), d(2025, 10, 8)); // 国庆节、中秋节
        for w in [
            d(2025, 1, 26),
            d(2025, 2, 8),
            d(2025, 4, 27),
            d(2025, 9, 28),
            d(2025, 10, 11),
        ] {
            v.push((w, DayKind::Workday));
        }
        v
    }

    /// 国办发明电〔2025〕7号: the 2026 arrangement.
    pub(crate) fn arrangement_2026() -> Vec<(NaiveDate, DayKind)> {
        let mut v = Vec::new();
        let mut rest = |a: NaiveDate, b: NaiveDate| {
            v.extend(range(a, b).map(|x| (x, DayKind::Holiday)));
        };
        rest(d(2026, 1, 1), d(2026, 1, 3)); // 元旦
        rest(d(2026, 2, 15), d(2026, 2, 23)); // 春节
        rest(d(2026, 4, 4), d(2026, 4, 6)); // 清明节
        rest(d(2026, 5, 1), d(2026, 5, 5)); // 劳动节
        rest(d(2026, 6, 19), d(2026, 6, 21)); // 端午节
        rest(d(2026, 9, 25), d(2026, 9, 27)); // 中秋节
        rest(d(2026, 10, 1), d(2026, 10, 7)); // 国庆节
        for w in [
            d(2026, 1, 4),
            d(2026, 2, 14),
            d(2026, 2, 28),
            d(2026, 5, 9),
            d(2026, 9, 20),
            d(2026, 10, 10),
        ] {
            v.push((w, DayKind::Workday));
        }
        v
    }

    fn cal() -> WorkCalendar {
        arrangement_2025()
            .into_iter()
            .chain(arrangement_2026())
            .collect()
    }

    /// The obvious day-by-day definitions the fast ones must agree with.
    fn naive_between(c: &WorkCalendar, a: NaiveDate, b: NaiveDate) -> i64 {
        if b < a {
            return -naive_between(c, b, a);
        }
        range(a, b).skip(1).filter(|x| c.is_working_day(*x)).count() as i64
    }

    fn naive_add(c: &WorkCalendar, start: NaiveDate, n: i64) -> NaiveDate {
        let mut day = start;
        if n == 0 {
            while !c.is_working_day(day) {
                day = day.succ_opt().unwrap();
            }
            return day;
        }
        let mut left = n.abs();
        while left > 0 {
            day = if n > 0 {
                day.succ_opt().unwrap()
            } else {
                day.pred_opt().unwrap()
            };
            if c.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    #[test]
    fn the_weekday_rule_and_its_overrides() {
        let c = cal();
        assert!(c.is_working_day(d(2025, 3, 3))); // Monday
        assert!(!c.is_working_day(d(2025, 3, 1))); // Saturday
        assert!(!c.is_working_day(d(2025, 1, 1))); // 元旦, Wednesday
        assert!(c.is_working_day(d(2025, 1, 26))); // make-up Sunday
        assert!(c.is_working_day(d(2025, 2, 8))); // make-up Saturday
        assert!(!c.is_working_day(d(2025, 2, 1))); // weekend inside 春节
        assert!(!c.is_working_day(d(2025, 10, 8))); // Wednesday, 国庆 off
        assert!(c.is_working_day(d(2025, 10, 11))); // make-up Saturday
        assert!(c.is_working_day(d(2026, 1, 4))); // make-up Sunday
        assert!(!c.is_working_day(d(2026, 2, 23))); // Monday, 春节 off
        // An empty calendar is the bare weekday rule.
        let bare = WorkCalendar::default();
        assert!(bare.is_working_day(d(2025, 1, 1)));
        assert!(!bare.is_working_day(d(2025, 1, 26)));
    }

    #[test]
    fn working_days_per_month_of_2025_match_the_published_counts() {
        // 261 weekdays − 18 holidays on weekdays + 5 make-up days = 248.
        let c = cal();
        let months = [
            (1, 19),
            (2, 19),
            (3, 21),
            (4, 22),
            (5, 19),
            (6, 20),
            (7, 23),
            (8, 21),
            (9, 23),
            (10, 18),
            (11, 20),
            (12, 23),
        ];
        let mut total = 0;
        for (m, expected) in months {
            let first = d(2025, m, 1);
            let last = if m == 12 {
                d(2025, 12, 31)
            } else {
                d(2025, m + 1, 1).pred_opt().unwrap()
            };
            let n = c.working_days_between(first.pred_opt().unwrap(), last);
            assert_eq!(n, expected, "2025-{m:02}");
            total += n;
        }
        assert_eq!(total, 248);
        assert_eq!(
            c.working_days_between(d(2024, 12, 31), d(2025, 12, 31)),
            248
        );
        assert_eq!(
            c.working_days_between(d(2025, 12, 31), d(2026, 12, 31)),
            248
        );
    }

    #[test]
    fn across_the_spring_festival_of_2025() {
        let c = cal();
        // Accepted on Friday 24 January: Sunday 26th is a make-up day, then
        // Monday 27th, then nothing until Wednesday 5 February.
        let accepted = d(2025, 1, 24);
        assert_eq!(c.add_working_days(accepted, 1), d(2025, 1, 26));
        assert_eq!(c.add_working_days(accepted, 2), d(2025, 1, 27));
        assert_eq!(c.add_working_days(accepted, 3), d(2025, 2, 5));
        assert_eq!(c.add_working_days(accepted, 5), d(2025, 2, 7));
        // Saturday 8 February works, Sunday 9th does not.
        assert_eq!(c.add_working_days(accepted, 6), d(2025, 2, 8));
        assert_eq!(c.add_working_days(accepted, 7), d(2025, 2, 10));
        assert_eq!(c.working_days_between(accepted, d(2025, 2, 10)), 7);
        // Accepted during the holiday.
        assert_eq!(c.add_working_days(d(2025, 1, 30), 1), d(2025, 2, 5));
        assert_eq!(c.add_working_days(d(2025, 1, 30), 0), d(2025, 2, 5));
        assert_eq!(c.next_working_day(d(2025, 1, 27)), d(2025, 2, 5));
        assert_eq!(c.previous_working_day(d(2025, 2, 5)), d(2025, 1, 27));
        assert_eq!(c.add_working_days(d(2025, 2, 5), -3), d(2025, 1, 24));
        assert_eq!(c.working_days_between(d(2025, 1, 27), d(2025, 2, 4)), 0);
    }

    #[test]
    fn across_national_day_of_2025() {
        let c = cal();
        let friday = d(2025, 9, 26);
        assert_eq!(c.add_working_days(friday, 1), d(2025, 9, 28)); // Sunday
        assert_eq!(c.add_working_days(friday, 3), d(2025, 9, 30));
        assert_eq!(c.add_working_days(friday, 4), d(2025, 10, 9));
        assert_eq!(c.add_working_days(friday, 6), d(2025, 10, 11)); // Saturday
        assert_eq!(c.add_working_days(friday, 7), d(2025, 10, 13));
        assert_eq!(c.working_days_between(friday, d(2025, 10, 13)), 7);
        assert_eq!(c.working_days_between(d(2025, 9, 30), d(2025, 10, 8)), 0);
        assert_eq!(c.next_working_day(d(2025, 9, 30)), d(2025, 10, 9));
        assert_eq!(c.previous_working_day(d(2025, 10, 9)), d(2025, 9, 30));
        // 7 working days from 30 September: 9, 10, 11, 13, 14, 15, 16.
        assert_eq!(c.add_working_days(d(2025, 9, 30), 7), d(2025, 10, 16));
    }

    #[test]
    fn across_the_spring_festival_and_national_day_of_2026() {
        let c = cal();
        // Friday 13 Feb → Saturday 14th works → 24th after nine days off.
        assert_eq!(c.add_working_days(d(2026, 2, 13), 1), d(2026, 2, 14));
        assert_eq!(c.add_working_days(d(2026, 2, 13), 2), d(2026, 2, 24));
        // Friday 27th → Saturday 28th works → Monday 2 March.
        assert_eq!(c.add_working_days(d(2026, 2, 27), 1), d(2026, 2, 28));
        assert_eq!(c.add_working_days(d(2026, 2, 27), 2), d(2026, 3, 2));
        // Mid-autumn (25–27 Sep) and National Day (1–7 Oct) in one span.
        assert_eq!(c.add_working_days(d(2026, 9, 18), 1), d(2026, 9, 20));
        assert_eq!(c.add_working_days(d(2026, 9, 24), 1), d(2026, 9, 28));
        assert_eq!(c.add_working_days(d(2026, 9, 24), 4), d(2026, 10, 8));
        assert_eq!(c.add_working_days(d(2026, 9, 24), 6), d(2026, 10, 10));
        assert_eq!(c.working_days_between(d(2026, 9, 24), d(2026, 10, 10)), 6);
    }

    #[test]
    fn across_year_boundaries() {
        let c = cal();
        // 2024 has no overrides here: only 元旦 2025 counts.
        assert_eq!(c.next_working_day(d(2024, 12, 31)), d(2025, 1, 2));
        // 2026 starts with three days off and a make-up Sunday.
        assert_eq!(c.next_working_day(d(2025, 12, 31)), d(2026, 1, 4));
        assert_eq!(c.add_working_days(d(2025, 12, 30), 2), d(2026, 1, 4));
        assert_eq!(c.add_working_days(d(2025, 12, 30), 3), d(2026, 1, 5));
        assert_eq!(c.previous_working_day(d(2026, 1, 4)), d(2025, 12, 31));
        assert_eq!(c.working_days_between(d(2025, 12, 31), d(2026, 1, 4)), 1);
        assert_eq!(c.working_days_between(d(2026, 1, 4), d(2025, 12, 31)), -1);
        assert!(c.has_year(2025) && c.has_year(2026) && !c.has_year(2027));
    }

    #[test]
    fn a_span_of_several_holidays() {
        let c = cal();
        // 清明, 劳动节 and 端午 between 3 April and 3 June 2025:
        // 43 weekdays, minus 1 (4.4) + 3 (5.1, 5.2, 5.5) + 1 (6.2) holidays,
        // plus the make-up Sunday 27 April.
        let n = c.working_days_between(d(2025, 4, 3), d(2025, 6, 3));
        assert_eq!(n, 39);
        assert_eq!(n, naive_between(&c, d(2025, 4, 3), d(2025, 6, 3)));
        assert_eq!(c.add_working_days(d(2025, 4, 3), n), d(2025, 6, 3));
        // From the last working day of 2024 to the first of 2027.
        let n = c.working_days_between(d(2024, 12, 31), d(2027, 1, 4));
        assert_eq!(n, naive_between(&c, d(2024, 12, 31), d(2027, 1, 4)));
        assert_eq!(c.add_working_days(d(2024, 12, 31), n), d(2027, 1, 4));
    }

    #[test]
    fn zero_and_the_sign_conventions() {
        let c = cal();
        let monday = d(2025, 3, 3);
        let saturday = d(2025, 3, 1);
        assert_eq!(c.add_working_days(monday, 0), monday);
        assert_eq!(c.add_working_days(saturday, 0), monday);
        assert_eq!(c.add_working_days(saturday, 1), monday);
        assert_eq!(c.add_working_days(saturday, -1), d(2025, 2, 28));
        assert_eq!(c.working_days_between(monday, monday), 0);
        assert_eq!(c.working_days_between(saturday, monday), 1);
        assert_eq!(c.working_days_between(monday, saturday), -1);
        // A working day's own count is not included.
        assert_eq!(c.working_days_between(d(2025, 2, 28), monday), 1);
    }

    #[test]
    fn overrides_that_agree_with_the_weekday_rule_change_nothing() {
        let with: WorkCalendar = [
            (d(2025, 2, 1), DayKind::Holiday), // a Saturday
            (d(2025, 2, 3), DayKind::Workday), // a Monday
        ]
        .into_iter()
        .collect();
        let bare = WorkCalendar::default();
        for (a, b) in [
            (d(2025, 1, 20), d(2025, 2, 20)),
            (d(2025, 2, 1), d(2025, 2, 3)),
        ] {
            assert_eq!(
                with.working_days_between(a, b),
                bare.working_days_between(a, b)
            );
        }
    }

    #[test]
    fn fast_paths_agree_with_walking_day_by_day() {
        let c = cal();
        let bare = WorkCalendar::default();
        let starts = range(d(2024, 12, 20), d(2027, 1, 10)).step_by(3);
        for start in starts {
            for n in [
                -400, -37, -8, -6, -5, -1, 0, 1, 2, 5, 6, 7, 11, 23, 250, 400,
            ] {
                for cal in [&c, &bare] {
                    let got = cal.add_working_days(start, n);
                    assert_eq!(got, naive_add(cal, start, n), "{start} {n:+}");
                    if n > 0 {
                        assert_eq!(cal.working_days_between(start, got), n);
                    }
                }
            }
            for end in [
                d(2024, 12, 1),
                d(2025, 2, 8),
                d(2025, 10, 11),
                d(2026, 7, 1),
            ] {
                assert_eq!(
                    c.working_days_between(start, end),
                    naive_between(&c, start, end),
                    "({start}, {end}]"
                );
            }
        }
        // Weekday counting far from the common era's start.
        assert_eq!(
            bare.working_days_between(d(1, 1, 1), d(1, 1, 14)),
            naive_between(&bare, d(1, 1, 1), d(1, 1, 14))
        );
        assert_eq!(
            bare.working_days_between(d(-5, 3, 1), d(-5, 4, 30)),
            naive_between(&bare, d(-5, 3, 1), d(-5, 4, 30))
        );
    }
}
