//! The ground floor: what every other part shares and nothing above it
//! leaks into: the database handle, the clock, configuration, typed ids,
//! the caller, the domain error, text normalisation.

pub mod caller;
pub mod clock;
pub mod config;
pub mod db;
pub mod error;
pub mod period;
pub mod telemetry;
pub mod text;
pub mod version;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr};

pub use caller::{Actor, Caller, CallerUser, Coverage, Duty, Grant, Grants, ObjectScope, Scope};
pub use clock::ShiftableClock;
pub use config::Config;
pub use error::{DomainError, DomainResult, FieldErrors};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunMode {
    /// The default: refuses demo data, the logging SMS driver and keys
    /// generated on the fly.
    Production,
    /// `serve --demo`: seeds demo data, generates keys, prints passwords.
    Demo,
    /// Whole-app tests: generated keys and the logging SMS driver, no seed.
    Test,
}

/// What every floor shares: the database, the clock, the configuration,
/// the run mode and the Redis client (sessions, when configured).
#[derive(Clone)]
pub struct Core {
    pub db: DatabaseConnection,
    pub clock: Arc<ShiftableClock>,
    pub config: Arc<Config>,
    pub mode: RunMode,
    pub redis: Option<redis::Client>,
}

impl Core {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// A write transaction (see `db::begin`); every service call runs in one.
    pub async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        db::begin(&self.db).await
    }
}
