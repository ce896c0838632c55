//! The audit log screen's query: filters and the keyset position.

use serde::Deserialize;

/// Filters as typed (trimmed where they are used) and the keyset: rows
/// with ids below `before`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct LogQuery {
    pub action: Option<String>,
    pub actor: Option<String>,
    pub result: Option<String>,
    pub before: Option<i64>,
}

impl LogQuery {
    pub fn action(&self) -> &str {
        self.action.as_deref().unwrap_or_default()
    }

    pub fn actor(&self) -> &str {
        self.actor.as_deref().unwrap_or_default()
    }

    pub fn result(&self) -> &str {
        self.result.as_deref().unwrap_or_default()
    }
}
