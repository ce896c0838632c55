//! The jobs screen's services: the recent runs, and running a job now with
//! its audit row.

use sea_orm::{EntityTrait, QueryOrder, QuerySelect};
use serde_json::json;
use techreg_entities::system::job_run;

use super::{JOBS, JobDef, Jobs, run};
use crate::audit::{self, Entry, Outcome};
use crate::core::{Caller, DomainError, DomainResult};
use crate::security::rbac::perm;

/// The last hundred runs, newest first.
pub async fn recent_runs(jobs: &Jobs, caller: &Caller) -> DomainResult<Vec<job_run::Model>> {
    caller.require(perm::JOBS_MANAGE)?;
    Ok(job_run::Entity::find()
        .order_by_desc(job_run::Column::Id)
        .limit(100)
        .all(&jobs.core.db)
        .await?)
}

/// Runs the job `name` now for the caller: the run is recorded as every
/// run is, and the audit log says who started it and how it ended.
pub async fn run_now(
    jobs: &Jobs,
    caller: &Caller,
    name: &str,
) -> DomainResult<(&'static JobDef, job_run::Model)> {
    caller.require(perm::JOBS_MANAGE)?;
    let job = JOBS
        .iter()
        .find(|j| j.name == name)
        .ok_or(DomainError::NotFound)?;
    let run = run(jobs, job.name).await?;
    let now = jobs.core.now();
    let txn = jobs.core.begin().await?;
    audit::record(
        &txn,
        now,
        &caller.actor(),
        Entry {
            action: "job.run",
            object_type: Some("job"),
            object_id: Some(job.name.to_owned()),
            outcome: if run.outcome == "ok" {
                Outcome::Success
            } else {
                Outcome::Failure
            },
            detail: json!({ "run": run.id, "rows": run.rows, "message": run.message }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok((job, run))
}
