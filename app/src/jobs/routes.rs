//! `/admin/jobs`: the jobs, their last and recent runs, and running one now.

use poem::web::Path;
use poem::{Response, Route, get, handler, post};
use sea_orm::{EntityTrait, QueryOrder, QuerySelect};
use serde_json::json;
use techreg_entities::system::job_run;
use techreg_views::components::{Crumb, Flash, FlashKind};
use techreg_views::pages::jobs::{self as pages, JobRow, RunRow};

use super::JOBS;
use crate::audit::{self, Entry, Outcome};
use crate::core::Caller;
use crate::core::clock::shanghai_second;
use crate::security::rbac::perm;
use crate::web::{Ctx, WebError};

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
async fn jobs_page(ctx: Ctx, user: Caller) -> Result<Response, WebError> {
    user.require(perm::JOBS_MANAGE)?;
    let runs = job_run::Entity::find()
        .order_by_desc(job_run::Column::Id)
        .limit(100)
        .all(&ctx.state.core.db)
        .await?;
    let jobs: Vec<JobRow> = JOBS
        .iter()
        .map(|j| JobRow {
            name: j.name,
            label: j.label,
            every: format!("每 {} 秒", j.every.as_secs()),
            last: runs.iter().find(|r| r.job == j.name).map(row),
        })
        .collect();
    let rows: Vec<RunRow> = runs.iter().map(row).collect();
    let crumbs = [Crumb {
        label: "工作台".into(),
        href: Some("/my".into()),
    }];
    Ok(ctx
        .work(
            &user,
            "后台任务",
            &crumbs,
            pages::page(&ctx.csrf_token, &jobs, &rows),
        )
        .await)
}

#[handler]
async fn run_post(ctx: Ctx, user: Caller, Path(name): Path<String>) -> Result<Response, WebError> {
    user.require(perm::JOBS_MANAGE)?;
    let job = JOBS
        .iter()
        .find(|j| j.name == name)
        .ok_or(WebError::NotFound)?;
    let run = super::run(&ctx.state, job.name).await?;
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    audit::record(
        &txn,
        now,
        &user.actor(),
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
