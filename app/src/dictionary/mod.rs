//! Data dictionaries (数据字典): coded lists every module uses (technology
//! fields, legal forms, districts, IP types, socio-economic goals, reason
//! codes), maintained by admins at `/admin/dictionaries`.
//!
//! Read them through `state.dictionaries` (cached on each node, refreshed
//! on every node within `settings.poll_seconds` of a change):
//! `entries(DICT_…)` for display (inactive included), `active(DICT_…)` for
//! form options, `label(dict, code)` and `is_active_code(dict, code)` for
//! checking input.

pub mod builtin;
pub mod districts;
pub mod references;
pub mod routes;
pub mod seed;
pub mod service;

pub use districts::{SHANGHAI, name_of as district_name};
pub use service::{
    DICT_ANOMALY_TYPE, DICT_DISTRICT, DICT_IP_TYPE, DICT_LEGAL_FORM, DICT_NON_ACCEPT_REASON,
    DICT_REFUSAL_REASON, DICT_RETURN_REASON, DICT_SOCIO_GOAL, DICT_TECH_FIELD, Dictionaries, Entry,
};
