//! Schema migrations; each runs unchanged on SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261129_000001_foundation;
mod m20261129_000002_identity;
mod m20261129_000003_offices;
mod m20261129_000004_enterprises;
mod m20261129_000005_calendar;
mod m20261129_000006_dictionaries;
mod m20261129_000007_contracts;
mod m20261129_000008_certificates;
mod m20261129_000009_messages;
mod m20261129_000010_jobs;
mod m20261129_000011_integrity;
mod m20261129_000012_duplicates;
mod m20261129_000013_reminders;
mod util;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_foundation::Migration),
            Box::new(m20261129_000002_identity::Migration),
            Box::new(m20261129_000003_offices::Migration),
            Box::new(m20261129_000004_enterprises::Migration),
            Box::new(m20261129_000005_calendar::Migration),
            Box::new(m20261129_000006_dictionaries::Migration),
            Box::new(m20261129_000007_contracts::Migration),
            Box::new(m20261129_000008_certificates::Migration),
            Box::new(m20261129_000009_messages::Migration),
            Box::new(m20261129_000010_jobs::Migration),
            Box::new(m20261129_000011_integrity::Migration),
            Box::new(m20261129_000012_duplicates::Migration),
            Box::new(m20261129_000013_reminders::Migration),
        ]
    }
}
