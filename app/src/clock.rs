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
}
