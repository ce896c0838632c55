//! The working-day calendar: holidays and make-up working days (调休上班日)
//! per year, maintained by admins or imported from the State Council's
//! yearly arrangement, and the working-day arithmetic deadlines use.
//!
//! Other modules call `state.calendar.snapshot().await?` and then
//! `add_working_days`, `working_days_between`, `is_working_day` or
//! `next_working_day` on the `WorkCalendar` it returns.

pub mod arith;
pub mod import;
pub mod routes;
pub mod service;

pub use arith::{DayKind, WorkCalendar};
pub use service::Calendar;

use sea_orm::{DatabaseConnection, DbErr};

/// 国办发明电〔2024〕12号, in the import file format.
pub const ARRANGEMENT_2025: &str = include_str!("data/2025.csv");
/// 国办发明电〔2025〕7号, in the import file format.
pub const ARRANGEMENT_2026: &str = include_str!("data/2026.csv");

/// The published arrangements shipped with the program.
pub const PUBLISHED: &[(i32, &str)] = &[(2025, ARRANGEMENT_2025), (2026, ARRANGEMENT_2026)];

/// Loads each shipped arrangement whose year has no overrides yet (so an
/// admin's own changes are never overwritten). Used by the demo seed.
pub async fn seed_published(
    db: &DatabaseConnection,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), DbErr> {
    let txn = crate::core::db::begin(db).await?;
    for (year, text) in PUBLISHED {
        if service::year_rows(&txn, *year).await?.is_empty() {
            let parsed = import::parse(text, *year);
            debug_assert!(parsed.is_ok());
            service::replace_year(&txn, *year, &parsed.kept(), "system", now).await?;
        }
    }
    txn.commit().await
}
