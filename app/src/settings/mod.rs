//! Runtime settings that admins change while the system runs.
//!
//! Values live in `app_setting`; absent rows fall back to defaults from the
//! configuration. Each node keeps a moka cache and polls the `settings` row
//! of `cache_version`; a change anywhere bumps it, so every node drops its
//! cache within `settings.poll_seconds`.

mod registry;
mod service;

pub use registry::{REMINDER_FIELDS, SettingDef, SettingKind, definitions, fill, find};
pub use service::{SettingError, Settings, bump_version, current_version, store_value};
