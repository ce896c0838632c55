//! Time as the application sees it. Tests move the clock forward to check
//! idle timeouts, lockouts, code expiry and deadlines.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

/// The system clock, optionally shifted: tests advance the shift.
#[derive(Default)]
pub struct ShiftableClock {
    offset_ms: AtomicI64,
}

impl ShiftableClock {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }

    pub fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }
}

/// Shanghai is UTC+8 all year (no daylight saving).
fn shanghai(t: DateTime<Utc>) -> DateTime<chrono::FixedOffset> {
    t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
}

/// `2026-11-29 18:30` as shown on screen.
pub fn shanghai_minute(t: DateTime<Utc>) -> String {
    shanghai(t).format("%Y-%m-%d %H:%M").to_string()
}

/// `2026-11-29 18:30:05` for logs and audit views.
pub fn shanghai_second(t: DateTime<Utc>) -> String {
    shanghai(t).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The hour of the day (0–23) in Shanghai.
pub fn shanghai_hour(t: DateTime<Utc>) -> u32 {
    use chrono::Timelike;
    shanghai(t).hour()
}

/// The calendar date in Shanghai.
pub fn shanghai_date(t: DateTime<Utc>) -> chrono::NaiveDate {
    shanghai(t).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_now_forward() {
        let c = ShiftableClock::default();
        let before = c.now();
        c.advance(Duration::minutes(31));
        assert!(c.now() - before >= Duration::minutes(31));
    }

    #[test]
    fn shanghai_is_utc_plus_eight() {
        let t = chrono::DateTime::parse_from_rfc3339("2026-11-29T16:30:05Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(shanghai_minute(t), "2026-11-30 00:30");
        assert_eq!(shanghai_second(t), "2026-11-30 00:30:05");
        assert_eq!(shanghai_date(t).to_string(), "2026-11-30");
        assert_eq!(shanghai_hour(t), 0);
    }
}
