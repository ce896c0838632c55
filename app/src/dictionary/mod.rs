//! Data dictionaries (数据字典): coded lists every module uses (technology
//! fields, legal forms, districts, IP types, socio-economic goals, reason
//! codes), maintained by admins at `/admin/dictionaries`, and Shanghai's
//! districts (`SHANGHAI`, `district_name`).
//!
//! Read them through the `Dictionaries` handle (cached on each node,
//! refreshed on every node within `settings.poll_seconds` of a change):
//! `entries(DICT_…)` for display (inactive included), `active(DICT_…)` for
//! form options, `label(dict, code)` and `is_active_code(dict, code)` for
//! checking input; `label_in` finds a label among entries already read.

mod builtin;
mod cache;
mod districts;
mod entries;
mod model;
mod present;
mod references;
mod routes;
mod seed;
mod service;

pub use cache::Dictionaries;
pub use districts::{SHANGHAI, name_of as district_name};
pub use entries::load_entries;
pub use model::{
    DICT_ANOMALY_TYPE, DICT_DISTRICT, DICT_IP_TYPE, DICT_LEGAL_FORM, DICT_NON_ACCEPT_REASON,
    DICT_REFUSAL_REASON, DICT_RETURN_REASON, DICT_SOCIO_GOAL, DICT_TECH_FIELD, Entry, label_in,
};
pub use routes::routes;
pub use seed::ensure_built_in;
