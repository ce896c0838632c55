//! Integrity enterprise library (诚信企业库), anomaly records (异常信息),
//! cases the system did not accept and their override, the list import,
//! and the enterprise integrity statistics (F35).

use maud::{Markup, html};

use super::identity::FormState;
use crate::components::{Field, csrf_field, field};

fn text(form: &FormState, name: &str, label: &str, kind: &str, required: bool) -> Markup {
    field(&Field {
        name,
        label,
        value: form.value(name),
        error: form.error(name),
        required,
        input_type: kind,
        hint: None,
    })
}

fn form_message(form: &FormState) -> Markup {
    html! {
        @if let Some(m) = &form.message { div.flash.flash-error role="alert" #form-message { (m) } }
    }
}

pub struct EntryRow {
    pub id: i64,
    pub enterprise_id: i64,
    pub credit_code: String,
    pub name: String,
    pub reason: String,
    pub validity: String,
    /// 在库 / 未生效 / 已到期 / 已移出
    pub state: &'static str,
    pub added: String,
    pub removed: Option<String>,
}

pub struct ListView<'a> {
    pub q: &'a str,
    pub show_all: bool,
    pub rows: &'a [EntryRow],
    pub truncated: bool,
    pub today: &'a str,
}

pub fn list_page(csrf: &str, v: &ListView<'_>, form: &FormState) -> Markup {
    html! {
        section.panel #integrity {
            h1 { "诚信企业库" }
            p.note { "列入诚信企业库的企业在有效期内：申报时提醒承办人员优先办理，合同审查队列中排在前面，办结时提醒申请人。有效期按上海日期计算，到期自动失效。" }
            p { a.button href="/supervision/integrity/import" { "批量导入" } " " a href="/supervision/anomalies" { "异常信息" } " " a href="/supervision/refusals" { "系统自动不予受理的申请" } }
            form.inline method="get" action="/supervision/integrity" {
                label for="filter-q" { "查找" }
                input #filter-q type="search" name="q" value=(v.q) placeholder="单位名称或统一社会信用代码";
                label { input type="checkbox" name="all" value="1" checked[v.show_all]; " 含已到期和已移出" }
                button.button type="submit" { "查询" }
            }
            table.data #entries {
                thead { tr { th { "统一社会信用代码" } th { "单位名称" } th { "列入原因" } th { "有效期" } th { "状态" } th { "列入" } th { "操作" } } }
                tbody {
                    @for r in v.rows {
                        tr data-entry=(r.id) {
                            td { (r.credit_code) }
                            td { a href={ "/admin/enterprises/" (r.enterprise_id) } { (r.name) } }
                            td { (r.reason) } td { (r.validity) } td.state { (r.state) } td { (r.added) }
                            td {
                                @if let Some(removed) = &r.removed { (removed) } @else {
                                    form.inline method="post" action={ "/supervision/integrity/" (r.id) "/remove" } {
                                        (csrf_field(csrf))
                                        label.sr-only for={ "remove-reason-" (r.id) } { "移出原因" }
                                        input id={ "remove-reason-" (r.id) } type="text" name="reason" placeholder="移出原因" required;
                                        button.button type="submit" { "移出" }
                                    }
                                }
                            }
                        }
                    }
                    @if v.rows.is_empty() { tr { td colspan="7" { "没有符合条件的记录。" } } }
                }
            }
            @if v.truncated { p.note { "只显示前 500 条，请缩小查找范围。" } }
            h2 #add { "列入诚信企业库" }
            form method="post" action="/supervision/integrity" #add-form {
                (csrf_field(csrf))
                (form_message(form))
                (text(form, "credit_code", "统一社会信用代码", "text", true))
                (text(form, "reason", "列入原因", "text", true))
                (text(form, "valid_from", "有效期起", "date", true))
                (text(form, "valid_to", "有效期止（不填为长期）", "date", false))
                p.hint { "今天是 " (v.today) "。" }
                button.button.primary type="submit" { "列入" }
            }
        }
    }
}

pub struct AnomalyRow {
    pub id: i64,
    pub enterprise_id: i64,
    pub credit_code: String,
    pub name: String,
    pub kind: String,
    pub description: String,
    pub source: String,
    pub recorded_on: String,
    pub validity: String,
    pub blocking: bool,
    /// 有效 / 未生效 / 已到期 / 已解除
    pub state: &'static str,
    pub lifted: Option<String>,
}

pub struct AnomalyView<'a> {
    pub q: &'a str,
    pub show_all: bool,
    pub rows: &'a [AnomalyRow],
    pub truncated: bool,
    /// (code, label) of the active anomaly types.
    pub types: &'a [(String, String)],
}

pub fn anomalies_page(csrf: &str, v: &AnomalyView<'_>, form: &FormState) -> Markup {
    html! {
        section.panel #anomalies {
            h1 { "异常信息" }
            p.note { "有效期内标记为“限制受理”的异常信息，使该单位提交的申请由系统自动不予受理，并向申请人说明原因；市技术市场办可在“系统自动不予受理的申请”中撤销个案的自动不予受理。" }
            p { a href="/supervision/integrity" { "诚信企业库" } " " a href="/supervision/refusals" { "系统自动不予受理的申请" } }
            form.inline method="get" action="/supervision/anomalies" {
                label for="filter-q" { "查找" }
                input #filter-q type="search" name="q" value=(v.q) placeholder="单位名称或统一社会信用代码";
                label { input type="checkbox" name="all" value="1" checked[v.show_all]; " 含已到期和已解除" }
                button.button type="submit" { "查询" }
            }
            table.data #anomaly-rows {
                thead { tr { th { "统一社会信用代码" } th { "单位名称" } th { "类型" } th { "说明" } th { "来源" } th { "认定日期" } th { "有效期" } th { "限制受理" } th { "状态" } th { "操作" } } }
                tbody {
                    @for r in v.rows {
                        tr data-anomaly=(r.id) {
                            td { (r.credit_code) }
                            td { a href={ "/admin/enterprises/" (r.enterprise_id) } { (r.name) } }
                            td { (r.kind) } td { (r.description) } td { (r.source) } td { (r.recorded_on) }
                            td { (r.validity) } td { @if r.blocking { "是" } @else { "否" } } td.state { (r.state) }
                            td {
                                @if let Some(l) = &r.lifted { (l) } @else {
                                    form.inline method="post" action={ "/supervision/anomalies/" (r.id) "/lift" } {
                                        (csrf_field(csrf))
                                        label.sr-only for={ "lift-reason-" (r.id) } { "解除原因" }
                                        input id={ "lift-reason-" (r.id) } type="text" name="reason" placeholder="解除原因" required;
                                        button.button type="submit" { "解除" }
                                    }
                                }
                            }
                        }
                    }
                    @if v.rows.is_empty() { tr { td colspan="10" { "没有符合条件的记录。" } } }
                }
            }
            @if v.truncated { p.note { "只显示前 500 条，请缩小查找范围。" } }
            h2 #add { "登记异常信息" }
            form method="post" action="/supervision/anomalies" #add-form {
                (csrf_field(csrf))
                (form_message(form))
                (text(form, "credit_code", "统一社会信用代码", "text", true))
                div.field.has-error[form.error("type_code").is_some()] {
                    label for="f-type_code" { "类型" span.required aria-hidden="true" { " *" } }
                    select #f-type_code name="type_code" required {
                        option value="" { "请选择" }
                        @for (code, label) in v.types {
                            option value=(code) selected[form.value("type_code") == code] { (label) }
                        }
                    }
                    @if let Some(e) = form.error("type_code") { p.error { (e) } }
                }
                (text(form, "description", "说明", "text", true))
                (text(form, "source", "来源", "text", true))
                (text(form, "recorded_on", "认定日期", "date", true))
                (text(form, "valid_from", "有效期起", "date", true))
                (text(form, "valid_to", "有效期止（不填为长期）", "date", false))
                div.field {
                    label { input type="checkbox" name="blocking" value="1" checked[form.value("blocking") == "1"]; " 限制受理（有效期内提交的申请由系统自动不予受理）" }
                }
                button.button.primary type="submit" { "登记" }
            }
        }
    }
}

pub struct RefusalRow {
    pub id: i64,
    pub version: i32,
    pub approval_code: String,
    pub name: String,
    pub enterprise: String,
    pub at: String,
    pub reason: String,
}

pub fn refusals_page(csrf: &str, rows: &[RefusalRow], form: &FormState) -> Markup {
    html! {
        section.panel #refusals {
            h1 { "系统自动不予受理的申请" }
            p.note { "因存在限制受理的异常信息而被系统自动不予受理的申请。经核实确需受理的，填写理由后撤销自动不予受理，申请回到对口登记处的待受理队列，受理期限重新计算。操作记入办理记录和审计日志。" }
            (form_message(form))
            table.data #refusal-rows {
                thead { tr { th { "统一审批编码" } th { "合同名称" } th { "申请单位" } th { "不予受理时间" } th { "原因" } th { "撤销自动不予受理" } } }
                tbody {
                    @for r in rows {
                        tr data-contract=(r.id) {
                            td { a href={ "/review/contracts/" (r.id) } { (r.approval_code) } }
                            td { (r.name) } td { (r.enterprise) } td { (r.at) } td { (r.reason) }
                            td {
                                form method="post" action={ "/supervision/refusals/" (r.id) "/override" } {
                                    (csrf_field(csrf))
                                    input type="hidden" name="version" value=(r.version);
                                    label.sr-only for={ "override-reason-" (r.id) } { "理由" }
                                    textarea id={ "override-reason-" (r.id) } name="reason" rows="2" placeholder="撤销理由（必填）" required {}
                                    button.button type="submit" { "撤销并转登记处受理" }
                                }
                            }
                        }
                    }
                    @if rows.is_empty() { tr { td colspan="6" { "没有被系统自动不予受理的申请。" } } }
                }
            }
        }
    }
}

pub struct PreviewRow {
    pub line: usize,
    pub credit_code: String,
    pub name: String,
    pub reason: String,
    pub validity: String,
}

pub struct Preview<'a> {
    pub file_name: &'a str,
    pub total: usize,
    pub errors: &'a [(usize, String)],
    pub rows: &'a [PreviewRow],
    pub payload: &'a str,
}

pub fn import_page(
    csrf: &str,
    message: Option<&str>,
    columns: &[&[&str]],
    preview: Option<&Preview<'_>>,
) -> Markup {
    html! {
        section.panel #import {
            h1 { "导入诚信企业名单" }
            @if let Some(m) = message { div.flash.flash-error role="alert" #import-message { (m) } }
            @if let Some(p) = preview {
                h2 { "预检结果：" (p.file_name) }
                p #import-summary { "共 " (p.total) " 行：可列入 " strong { (p.rows.len()) } " 家，错误 " strong { (p.errors.len()) } " 行。" }
                @if !p.errors.is_empty() {
                    div.flash.flash-error role="alert" { "文件中有错误，未写入任何数据。请修改文件后重新上传。" }
                    table.data #import-errors {
                        thead { tr { th { "行号" } th { "错误" } } }
                        tbody { @for (line, m) in p.errors { tr { td { (line) } td { (m) } } } }
                    }
                } @else {
                    form method="post" action="/supervision/integrity/import/confirm" #confirm {
                        (csrf_field(csrf))
                        input type="hidden" name="payload" value=(p.payload);
                        input type="hidden" name="file_name" value=(p.file_name);
                        button.button.primary type="submit" { "确认导入" }
                    }
                }
                @if !p.rows.is_empty() {
                    table.data #import-rows {
                        thead { tr { th { "行号" } th { "统一社会信用代码" } th { "单位名称" } th { "列入原因" } th { "有效期" } } }
                        tbody { @for r in p.rows { tr { td { (r.line) } td { (r.credit_code) } td { (r.name) } td { (r.reason) } td { (r.validity) } } } }
                    }
                }
            }
            h2 { "上传文件" }
            p { "支持 Excel（.xlsx、.xls）或 CSV（UTF-8 或 GBK 编码）。第一行为表头，可用的列：" }
            ul {
                @for c in columns { li { (c[0]) @if c.len() > 1 { "（也可写作：" (c[1..].join("、")) "）" } } }
            }
            p.hint { "统一社会信用代码与列入原因必填；有效期起不填为今天，有效期止不填或填“长期”为长期有效。单位须已在系统中建档。上传后先预检，确认后才写入；任何一行有错误则整个文件都不写入。" }
            form method="post" action={ "/supervision/integrity/import?csrf_token=" (csrf) } enctype="multipart/form-data" #upload {
                div.field {
                    label for="f-file" { "文件" }
                    input #f-file type="file" name="file" accept=".csv,.xlsx,.xls,text/csv" required;
                }
                button.button type="submit" { "上传并预检" }
            }
        }
    }
}

pub struct ReportRow {
    pub office: String,
    pub credit_code: String,
    pub name: String,
    pub validity: String,
    pub submitted: u64,
    pub registered: u64,
    pub not_accepted: u64,
    pub refused: u64,
    pub in_progress: u64,
    pub tech_amount: String,
}

pub struct OfficeChoice {
    pub id: i64,
    pub label: String,
}

pub struct ReportView<'a> {
    pub preset: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub q: &'a str,
    pub offices: Option<&'a [OfficeChoice]>,
    pub office: Option<i64>,
    pub error: Option<&'a str>,
    pub period_label: Option<String>,
    pub rows: &'a [ReportRow],
    pub total: Option<ReportRow>,
    pub xlsx_href: Option<String>,
}

pub fn report_page(v: &ReportView<'_>) -> Markup {
    html! {
        section.panel #integrity-report {
            h1 { "企业诚信统计" }
            form.inline method="get" action="/reports/integrity" {
                label for="period" { "期间" }
                input #period type="text" name="period" value=(v.preset) size="10" placeholder="如 2026、2026-Q3、2026-07";
                label for="from" { "或自" }
                input #from type="date" name="from" value=(v.from);
                label for="to" { "至" }
                input #to type="date" name="to" value=(v.to);
                @if let Some(offices) = v.offices {
                    label for="office" { "登记处" }
                    select #office name="office" {
                        option value="" { "全部" }
                        @for o in offices { option value=(o.id) selected[v.office == Some(o.id)] { (o.label) } }
                    }
                }
                label for="q" { "企业" }
                input #q type="search" name="q" value=(v.q) placeholder="名称或统一社会信用代码";
                button.button type="submit" { "查询" }
            }
            p.note { "统计期间内在诚信企业库中的企业（上海日期，含首尾两日），及其在期间内提交的申请和办理结果；登记处按申请的受理登记处，没有申请的企业按对口登记处。" }
            @if let Some(e) = v.error { div.flash.flash-error role="alert" #report-error { (e) } }
            @if let Some(label) = &v.period_label {
                h2 #period-label { "统计期间：" (label) }
                @if let Some(href) = &v.xlsx_href { p { a.button href=(href) hx-boost="false" download { "导出 Excel" } } }
                table.data #integrity-rows {
                    thead { tr {
                        th scope="col" { "登记处" } th scope="col" { "统一社会信用代码" } th scope="col" { "单位名称" } th scope="col" { "在库有效期" }
                        th scope="col" { "提交申请" } th scope="col" { "已登记" } th scope="col" { "不予受理" } th scope="col" { "不予登记" } th scope="col" { "办理中" } th scope="col" { "登记技术交易额（元）" }
                    } }
                    tbody {
                        @for r in v.rows { (report_row(r, false)) }
                        @if v.rows.is_empty() { tr { td colspan="10" { "没有符合条件的企业。" } } }
                    }
                    @if let Some(t) = &v.total { tfoot { (report_row(t, true)) } }
                }
            }
        }
    }
}

fn report_row(r: &ReportRow, total: bool) -> Markup {
    html! {
        tr.total[total] data-code=(r.credit_code) {
            td { (r.office) } td { (r.credit_code) } th scope="row" { (r.name) } td { (r.validity) }
            td.num.submitted { (r.submitted) } td.num.registered { (r.registered) } td.num.not-accepted { (r.not_accepted) }
            td.num.refused { (r.refused) } td.num.in-progress { (r.in_progress) } td.num.amount { (r.tech_amount) }
        }
    }
}
