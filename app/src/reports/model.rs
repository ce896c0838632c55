//! The reports' queries as the forms send them: a preset period (`2026`,
//! `2026-Q3`, `2026-07`) or dates, an office, and for the integrity report
//! an enterprise (name or credit code).

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct GrowthQuery {
    #[serde(default)]
    pub period: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub office: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct IntegrityQuery {
    #[serde(default)]
    pub period: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub office: String,
    #[serde(default)]
    pub q: String,
}
