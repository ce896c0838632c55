//! Cross-cutting system tables: runtime settings, cache versions, markers.

pub mod app_setting;
pub mod cache_version;
pub mod system_marker;
