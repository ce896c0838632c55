//! `/admin/jobs`: the jobs, their last and recent runs, and running one now.

use poem::web::{Data, Path};
use poem::{Response, Route, get, handler, post};
use techreg_entities::system::job_run;
use techreg_views::components::{Flash, FlashKind, trail};
use techreg_views::pages::jobs::{self as pages, JobRow, RunRow};

use super::service::{recent_runs, run_now};
use super::{JOBS, Jobs};
use crate::core::Caller;
use crate::core::clock::shanghai_second;
use crate::web::{Ctx, WebResult};

pub fn routes(route: Route) -> Route {
    route
        .at("/admin/jobs", get(jobs_page))
        .at("/admin/jobs/:name/run", post(run_post))
}

fn outcome_label(o: &str) -> &'static str {
    match o {
        "ok" => "成功",
        "failed" => "失败",
        _ => "运行中",
    }
}

fn row(r: &job_run::Model) -> RunRow {
    RunRow {
        job: JOBS
            .iter()
            .find(|j| j.name == r.job)
            .map(|j| j.label)
            .unwrap_or(r.job.as_str())
            .to_owned(),
        node: r.node.clone(),
        started: shanghai_second(r.started_at),
        finished: r.finished_at.map(shanghai_second).unwrap_or_default(),
        outcome: outcome_label(&r.outcome),
        rows: r.rows,
        message: r.message.clone(),
    }
}

#[handler]
async fn jobs_page(ctx: Ctx, caller: Caller, Data(jobs): Data<&Jobs>) -> WebResult<Response> {
    let runs = recent_runs(jobs, &caller).await?;
    let rows: Vec<JobRow> = JOBS
        .iter()
        .map(|j| JobRow {
            name: j.name,
            label: j.label,
            every: format!("每 {} 秒", j.every.as_secs()),
            last: runs.iter().find(|r| r.job == j.name).map(row),
        })
        .collect();
    let runs: Vec<RunRow> = runs.iter().map(row).collect();
    let body = pages::page(&ctx.csrf_token, &rows, &runs);
    Ok(ctx.work(&caller, "后台任务", &trail(&[]), body).await)
}

#[handler]
async fn run_post(
    ctx: Ctx,
    caller: Caller,
    Data(jobs): Data<&Jobs>,
    Path(name): Path<String>,
) -> WebResult<Response> {
    let (job, run) = run_now(jobs, &caller, &name).await?;
    Ok(ctx.redirect(
        "/admin/jobs",
        Some(Flash {
            kind: if run.outcome == "ok" {
                FlashKind::Success
            } else {
                FlashKind::Error
            },
            message: format!(
                "“{}”已运行：{}，处理 {} 条。",
                job.label,
                outcome_label(&run.outcome),
                run.rows
            ),
        }),
    ))
}
