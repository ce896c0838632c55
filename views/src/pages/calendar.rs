//! The working-day calendar (system admin): a year of month grids, the
//! list of holidays and make-up working days, changes, import preview.

use maud::{Markup, html};

use super::identity::FormState;
use crate::components::{Field, csrf_field, field};

/// One day in a month grid.
pub struct DayCell {
    pub day: u32,
    /// `workday`, `rest` (a plain weekend), `holiday` (including a weekend
    /// inside a holiday) or `makeup`.
    pub class: &'static str,
    /// The override's name, shown on hover and to screen readers.
    pub name: Option<String>,
    pub today: bool,
}

pub struct Month {
    pub month: u32,
    /// Weeks from Monday to Sunday; `None` outside the month.
    pub weeks: Vec<[Option<DayCell>; 7]>,
    pub working_days: i64,
}

pub struct OverrideRow {
    pub date: String,
    pub weekday: &'static str,
    pub kind: &'static str,
    pub kind_code: &'static str,
    pub name: String,
    pub updated_at: String,
    pub updated_by: String,
}

pub struct HistoryRow {
    pub at: String,
    pub actor: String,
    pub summary: String,
}

/// The working-day calculator on the page.
pub struct TryOut {
    pub from: String,
    pub days: String,
    pub result: Option<String>,
    pub error: Option<String>,
}

pub struct YearPage<'a> {
    pub csrf: &'a str,
    pub year: i32,
    pub maintained: bool,
    pub working_days: i64,
    pub months: &'a [Month],
    pub rows: &'a [OverrideRow],
    pub form: &'a FormState,
    pub tryout: &'a TryOut,
    pub history: &'a [HistoryRow],
}

const WEEKDAYS: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];

fn kind_select(selected: &str, error: Option<&str>) -> Markup {
    html! {
        div.field.has-error[error.is_some()] {
            label for="f-kind" { "类型" span.required aria-hidden="true" { " *" } }
            select #f-kind name="kind" aria-invalid=[error.map(|_| "true")] {
                option value="holiday" selected[selected != "workday"] { "节假日（工作日放假）" }
                option value="workday" selected[selected == "workday"] { "调休上班日（周末上班）" }
            }
            @if let Some(e) = error { p.error id="f-kind-error" { (e) } }
        }
    }
}

fn month_grid(m: &Month) -> Markup {
    html! {
        table.month {
            caption { (m.month) "月" span.muted { " · 工作日 " (m.working_days) " 天" } }
            thead { tr { @for w in WEEKDAYS { th scope="col" { (w) } } } }
            tbody {
                @for week in &m.weeks {
                    tr {
                        @for cell in week {
                            @match cell {
                                Some(c) => {
                                    td class={ (c.class) @if c.today { " today" } }
                                        title=[c.name.as_deref()] {
                                        (c.day)
                                        @if let Some(n) = &c.name { span.sr-only { " " (n) } }
                                    }
                                }
                                None => td.blank {}
                            }
                        }
                    }
                }
            }
        }
    }
}

pub fn year_page(p: &YearPage<'_>) -> Markup {
    let base = "/admin/calendar";
    html! {
        section.panel #calendar {
            h1 { (p.year) " 年工作日历" }
            nav.year-nav aria-label="年份" {
                a href={ (base) "?year=" (p.year - 1) } { "‹ " (p.year - 1) " 年" }
                form.inline method="get" action=(base) {
                    label for="year" { "年份" }
                    input #year type="number" name="year" min="2000" max="2100" value=(p.year);
                    button.button type="submit" { "查看" }
                }
                a href={ (base) "?year=" (p.year + 1) } { (p.year + 1) " 年 ›" }
            }
            @if p.maintained {
                p { "全年工作日 " strong #year-working-days { (p.working_days) } " 天。" }
            } @else {
                div.flash.flash-warning role="alert" #not-maintained {
                    (p.year) " 年尚未维护节假日安排，期限按周一至周五计算。国务院办公厅发布通知后，请导入或逐日添加。"
                }
            }
            p.legend {
                span.key.holiday { "休" } " 节假日 "
                span.key.makeup { "班" } " 调休上班日 "
                span.key.rest { "六" } " 周末 "
            }
            div.months {
                @for m in p.months { (month_grid(m)) }
            }
        }
        section.panel #overrides {
            h2 { (p.year) " 年节假日与调休上班日" }
            @if p.rows.is_empty() {
                p { "暂无。" }
            } @else {
                table.data.compact {
                    thead { tr { th { "日期" } th { "星期" } th { "类型" } th { "名称" } th { "最后修改" } th { "" } } }
                    tbody {
                        @for r in p.rows {
                            tr class={ "kind-" (r.kind_code) } {
                                td { (r.date) } td { (r.weekday) } td { (r.kind) } td { (r.name) }
                                td { (r.updated_by) " · " (r.updated_at) }
                                td {
                                    form method="post" action={ (base) "/remove" } {
                                        (csrf_field(p.csrf))
                                        input type="hidden" name="date" value=(r.date);
                                        button.button type="submit" aria-label={ "删除 " (r.date) } { "删除" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "添加或修改一天" }
            @if let Some(m) = &p.form.message { div.flash.flash-error role="alert" { (m) } }
            form method="post" action=(base) novalidate {
                (csrf_field(p.csrf))
                (field(&Field { name: "date", label: "日期", value: p.form.value("date"), error: p.form.error("date"), required: true, input_type: "date", hint: Some("节假日只能设在周一至周五，调休上班日只能设在周六、周日。已有的日期将被修改。") }))
                (kind_select(p.form.value("kind"), p.form.error("kind")))
                (field(&Field { name: "name", label: "名称", value: p.form.value("name"), error: p.form.error("name"), required: true, input_type: "text", hint: Some("如：春节、春节调休") }))
                button.button.primary type="submit" { "保存" }
            }
        }
        section.panel #import {
            h2 { "导入年度节假日安排" }
            p { "上传文本或 CSV 文件（UTF-8 或 GBK 编码），每行一天：" code { "日期,类型,名称" } "，类型为“休”或“班”，如 "
                code { (p.year) "-10-01,休,国庆节" } "。假期中的周末可以照通知列出，导入时跳过。"
                "先预览检查，确认后才替换该年已有的全部记录；有任何一行错误则不写入。" }
            form method="post" enctype="multipart/form-data" action={ (base) "/import?csrf_token=" (p.csrf) } novalidate {
                div.field {
                    label for="f-import-year" { "年份" }
                    input #f-import-year type="number" name="year" min="2000" max="2100" value=(p.year) required;
                }
                div.field {
                    label for="f-file" { "文件" span.required aria-hidden="true" { " *" } }
                    input #f-file type="file" name="file" accept=".csv,.txt,text/csv,text/plain" required;
                }
                button.button type="submit" { "预览" }
            }
        }
        section.panel #tryout {
            h2 { "工作日试算" }
            form.inline method="get" action=(base) {
                input type="hidden" name="year" value=(p.year);
                label for="from" { "自" }
                input #from type="date" name="from" value=(p.tryout.from);
                label for="days" { "起第" }
                input #days type="number" name="days" min="-366" max="366" value=(p.tryout.days);
                span { "个工作日" }
                button.button type="submit" { "计算" }
            }
            @if let Some(r) = &p.tryout.result { p #tryout-result { (r) } }
            @if let Some(e) = &p.tryout.error { p.error #tryout-error { (e) } }
        }
        section.panel #calendar-history {
            h2 { "变更记录" }
            @if p.history.is_empty() {
                p { "暂无。" }
            } @else {
                table.data {
                    thead { tr { th { "时间" } th { "操作人" } th { "内容" } } }
                    tbody {
                        @for h in p.history {
                            tr { td { (h.at) } td { (h.actor) } td { (h.summary) } }
                        }
                    }
                }
            }
        }
    }
}

pub struct PreviewRow {
    pub line: usize,
    pub raw: String,
    pub date: String,
    pub weekday: &'static str,
    pub kind: &'static str,
    pub name: String,
    /// `keep`, `skip` or `error`.
    pub status: &'static str,
    pub message: String,
}

pub struct Preview<'a> {
    pub csrf: &'a str,
    pub year: i32,
    pub encoding: &'a str,
    pub rows: &'a [PreviewRow],
    pub errors: usize,
    pub problem: Option<&'a str>,
    pub keep: usize,
    pub replaces: usize,
    /// The rows to write, present only when the file has no error.
    pub canonical: Option<&'a str>,
}

pub fn import_preview(p: &Preview<'_>) -> Markup {
    html! {
        section.panel #import-preview {
            h1 { "导入预览：" (p.year) " 年" }
            p { "文件编码：" (p.encoding) "；数据 " (p.rows.len()) " 行。" }
            @if let Some(problem) = p.problem {
                div.flash.flash-error role="alert" { (problem) }
            }
            @if p.errors > 0 {
                div.flash.flash-error role="alert" #import-errors {
                    "文件中有 " (p.errors) " 处错误，未写入任何数据。请修改文件后重新上传。"
                }
            }
            @if let Some(content) = p.canonical {
                div.flash.flash-info role="status" {
                    "检查通过：将以下 " strong { (p.keep) } " 条记录替换 " (p.year) " 年现有的 "
                    strong { (p.replaces) } " 条记录。"
                }
                form method="post" action="/admin/calendar/import/confirm" {
                    (csrf_field(p.csrf))
                    input type="hidden" name="year" value=(p.year);
                    textarea name="content" hidden readonly { (content) }
                    button.button.primary type="submit" { "确认导入" }
                    " "
                    a.button href={ "/admin/calendar?year=" (p.year) } { "取消" }
                }
            } @else {
                p { a href={ "/admin/calendar?year=" (p.year) } { "返回工作日历" } }
            }
            @if !p.rows.is_empty() {
                table.data #import-rows {
                    thead { tr { th { "行" } th { "日期" } th { "星期" } th { "类型" } th { "名称" } th { "结果" } } }
                    tbody {
                        @for r in p.rows {
                            tr class={ "import-" (r.status) } {
                                td { (r.line) }
                                td { @if r.date.is_empty() { code { (r.raw) } } @else { (r.date) } }
                                td { (r.weekday) } td { (r.kind) } td { (r.name) }
                                td {
                                    @match r.status {
                                        "keep" if p.errors > 0 => { "无误" }
                                        "keep" => { "写入" }
                                        "skip" => { "跳过：" (r.message) }
                                        _ => { strong.error { "第 " (r.line) " 行：" (r.message) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
