//! Background jobs run inside the process on every node that has
//! `jobs.enabled`. Each run is recorded in `job_run` (node, start, end,
//! outcome, rows handled). Work is claimed through the database, so two
//! nodes running the same job never handle a row twice: automatic
//! acceptance goes through the contract's version check (the second node's
//! update finds the version moved and skips the case), the SMS outbox
//! claims rows with `FOR UPDATE SKIP LOCKED` on PostgreSQL (a conditional
//! `pending` → `sending` update on SQLite), and a deadline reminder is
//! written under a unique key, in the transaction that sends it.

mod routes;
mod service;

use std::sync::Arc;
use std::time::Duration;

use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, DbErr};
use techreg_entities::system::job_run;

use crate::alerts::Alerts;
use crate::core::Core;

pub use routes::routes;

/// What the jobs run on, built at boot: the core (the run records), the
/// alerts (the SMS outbox) and the contract jobs.
#[derive(Clone)]
pub struct Jobs {
    pub core: Core,
    pub alerts: Alerts,
    pub contracts: Arc<dyn ContractJobs>,
}

/// Automatic acceptance and the deadline reminders. Contracts still runs
/// them on the whole application state, which only boot holds, so boot
/// provides them here.
#[async_trait::async_trait]
pub trait ContractJobs: Send + Sync + 'static {
    /// Accepts the applications past their acceptance limit; how many.
    async fn auto_accept(&self) -> Result<u64, String>;
    /// Sends today's deadline reminders; how many.
    async fn deadline_reminders(&self) -> Result<u64, String>;
}

pub struct JobDef {
    pub name: &'static str,
    pub label: &'static str,
    pub every: Duration,
}

pub const JOBS: &[JobDef] = &[
    JobDef {
        name: "auto_accept",
        label: "逾期自动受理",
        every: Duration::from_secs(300),
    },
    JobDef {
        name: "sms_outbox",
        label: "短信投递与重试",
        every: Duration::from_secs(60),
    },
    JobDef {
        name: "deadline_reminders",
        label: "逾期提醒",
        every: Duration::from_secs(900),
    },
];

/// This node, as recorded on each run.
pub fn node_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "node".into());
    format!("{host}#{}", std::process::id())
}

async fn work(jobs: &Jobs, name: &str) -> Result<u64, String> {
    match name {
        "auto_accept" => jobs.contracts.auto_accept().await,
        "sms_outbox" => crate::alerts::deliver_pending(&jobs.alerts)
            .await
            .map(|d| d.sent + d.retrying + d.failed)
            .map_err(|e| e.to_string()),
        "deadline_reminders" => jobs.contracts.deadline_reminders().await,
        other => Err(format!("unknown job {other}")),
    }
}

/// Runs one job now and records the run.
pub async fn run(jobs: &Jobs, name: &str) -> Result<job_run::Model, DbErr> {
    let started = job_run::ActiveModel {
        job: Set(name.to_owned()),
        node: Set(node_name()),
        started_at: Set(jobs.core.now()),
        outcome: Set("running".into()),
        rows: Set(0),
        message: Set(String::new()),
        ..Default::default()
    }
    .insert(&jobs.core.db)
    .await?;
    let result = work(jobs, name).await;
    let mut row: job_run::ActiveModel = started.into();
    row.finished_at = Set(Some(jobs.core.now()));
    match result {
        Ok(n) => {
            row.outcome = Set("ok".into());
            row.rows = Set(n as i64);
        }
        Err(m) => {
            tracing::error!(job = name, error = %m, "job failed");
            row.outcome = Set("failed".into());
            row.message = Set(m.chars().take(1000).collect());
        }
    }
    row.update(&jobs.core.db).await
}

/// Starts every job's loop on this node (when enabled).
pub fn spawn(jobs: &Jobs) -> Vec<tokio::task::JoinHandle<()>> {
    if !jobs.core.config.jobs.enabled {
        return Vec::new();
    }
    JOBS.iter()
        .map(|job| {
            let jobs = jobs.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(job.every);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tick.tick().await;
                    if let Err(e) = run(&jobs, job.name).await {
                        tracing::warn!(job = job.name, error = %e, "job run not recorded");
                    }
                }
            })
        })
        .collect()
}
