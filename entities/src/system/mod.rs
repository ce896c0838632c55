//! Cross-cutting system tables: runtime settings, cache versions, markers,
//! data dictionaries, the working-day calendar.

pub mod app_setting;
pub mod cache_version;
pub mod calendar_day;
pub mod dictionary;
pub mod dictionary_entry;
pub mod job_run;
pub mod rate_counter;
pub mod stored_file;
pub mod system_marker;
