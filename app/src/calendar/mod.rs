//! The working-day calendar: holidays and make-up working days (调休上班日)
//! per year, maintained by admins or imported from the State Council's
//! yearly arrangement, and the working-day arithmetic deadlines use.
//!
//! Other parts take the `Calendar` handle, call `snapshot().await?` and then
//! `add_working_days`, `working_days_between`, `is_working_day` or
//! `next_working_day` on the `WorkCalendar` it returns.

mod arith;
mod cache;
mod import;
mod model;
mod present;
mod routes;
mod service;

pub use arith::{DayKind, WorkCalendar};
pub use cache::Calendar;
pub use routes::routes;
pub use service::{seed_published, write_day};

/// 国办发明电〔2024〕12号, in the import file format.
pub const ARRANGEMENT_2025: &str = include_str!("data/2025.csv");
/// 国办发明电〔2025〕7号, in the import file format.
pub const ARRANGEMENT_2026: &str = include_str!("data/2026.csv");

/// The published arrangements shipped with the program.
pub const PUBLISHED: &[(i32, &str)] = &[(2025, ARRANGEMENT_2025), (2026, ARRANGEMENT_2026)];
