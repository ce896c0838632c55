//! Background jobs and their recent runs (system admin).

use maud::{Markup, html};

use crate::components::csrf_field;

pub struct JobRow<'a> {
    pub name: &'a str,
    pub label: &'a str,
    pub every: String,
    pub last: Option<RunRow>,
}

pub struct RunRow {
    pub job: String,
    pub node: String,
    pub started: String,
    pub finished: String,
    pub outcome: &'static str,
    pub rows: i64,
    pub message: String,
}

pub fn page(csrf: &str, jobs: &[JobRow<'_>], runs: &[RunRow]) -> Markup {
    html! {
        section.panel #jobs {
            h1 { "后台任务" }
            p.hint { "各节点按周期自动运行以下任务；办件经数据库领取，多个节点同时运行也不会重复处理。" }
            table.data #job-list {
                thead { tr { th { "任务" } th { "周期" } th { "最近一次" } th { "结果" } th { "处理条数" } th { "" } } }
                tbody {
                    @for j in jobs {
                        tr {
                            td { (j.label) }
                            td { (j.every) }
                            @if let Some(r) = &j.last {
                                td { (r.started) } td { (r.outcome) } td { (r.rows) }
                            } @else {
                                td colspan="3" { "尚未运行" }
                            }
                            td {
                                form method="post" action={ "/admin/jobs/" (j.name) "/run" } {
                                    (csrf_field(csrf))
                                    button.button type="submit" { "立即运行" }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "运行记录（最近 100 次）" }
            table.data #runs {
                thead { tr { th { "任务" } th { "节点" } th { "开始" } th { "结束" } th { "结果" } th { "处理条数" } th { "说明" } } }
                tbody {
                    @for r in runs {
                        tr { td { (r.job) } td { (r.node) } td { (r.started) } td { (r.finished) } td { (r.outcome) } td { (r.rows) } td { (r.message) } }
                    }
                }
            }
        }
    }
}
