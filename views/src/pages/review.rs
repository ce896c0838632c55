//! Contract review by registration offices and the city office: queues with
//! counters, the case with its data, changes since the return (F38),
//! timeline and the inline action panels.

use maud::{Markup, html};

use super::identity::FormState;
use crate::components::csrf_field;

/// A queue tab with its counter.
pub struct Tab {
    pub key: &'static str,
    pub label: &'static str,
    pub count: u64,
    pub current: bool,
}

/// The queue tabs; `oob` for an out-of-band swap after an action.
pub fn tabs(tabs: &[Tab], oob: bool) -> Markup {
    html! {
        nav.queue-tabs #queue-tabs aria-label="审查队列" hx-swap-oob=[oob.then_some("true")] {
            @for t in tabs {
                a href={ "/review/contracts?queue=" (t.key) } aria-current=[t.current.then_some("page")] {
                    (t.label) " " span.badge #{ "count-" (t.key) } { (t.count) }
                }
            }
        }
    }
}

pub struct QueueRow {
    pub id: i64,
    pub version: i32,
    pub approval_code: String,
    pub name: String,
    pub applicant: String,
    pub category: String,
    pub tech_amount: String,
    pub status: &'static str,
    pub office: String,
    pub submitted: String,
    pub deadline: String,
    /// (css class, label): 将逾期 or 已逾期.
    pub mark: Option<(&'static str, &'static str)>,
    pub assignee: String,
    /// The applicant is an integrity-listed enterprise (诚信企业).
    pub integrity: bool,
}

pub struct Option2 {
    pub value: String,
    pub label: String,
}

pub struct QueueFilter<'a> {
    pub queue: &'a str,
    pub q: &'a str,
    pub category: &'a str,
    pub office: &'a str,
    pub sort: &'a str,
    /// `soon`, `overdue` or empty.
    pub due: &'a str,
    /// The filter as a query string, for paging links.
    pub query: String,
}

/// What a batch approval did.
pub struct BatchResult {
    pub done: Vec<String>,
    pub handled: Vec<String>,
    pub failed: Vec<String>,
}

pub struct QueueView<'a> {
    pub title: &'a str,
    pub tabs: &'a [Tab],
    pub filter: QueueFilter<'a>,
    pub rows: &'a [QueueRow],
    pub next_after: Option<String>,
    pub categories: &'a [Option2],
    /// 将逾期 / 已逾期 with their counts in this queue.
    pub due_options: &'a [Option2],
    /// Offices the filter offers (empty: the viewer has one office).
    pub offices: &'a [Option2],
    /// Checkboxes and the batch approval button (待审定, city office).
    pub batch: bool,
    pub result: Option<&'a BatchResult>,
}

fn select(name: &str, options: &[Option2], selected: &str, empty: &str) -> Markup {
    html! {
        select #{ "filter-" (name) } name=(name) {
            option value="" { (empty) }
            @for o in options {
                option value=(o.value) selected[selected == o.value] { (o.label) }
            }
        }
    }
}

fn batch_result(r: &BatchResult) -> Markup {
    html! {
        div.flash.flash-info #batch-result role="status" {
            p { "审定登记 " strong { (r.done.len()) } " 件" @if !r.done.is_empty() { "：" (r.done.join("、")) } }
            @if !r.handled.is_empty() {
                p { "已由他人处理 " strong { (r.handled.len()) } " 件（未重复处理）：" (r.handled.join("、")) }
            }
            @if !r.failed.is_empty() {
                p { "未能处理 " strong { (r.failed.len()) } " 件：" (r.failed.join("、")) }
            }
        }
    }
}

/// The queue page: tabs, then the queue. After a batch approval by htmx
/// the queue comes with the tabs out of band (`oob`).
pub fn queue_page(csrf: &str, v: &QueueView<'_>, oob: bool) -> Markup {
    html! {
        @if !oob { (tabs(v.tabs, false)) }
        (queue(csrf, v))
        @if oob { (tabs(v.tabs, true)) }
    }
}

/// The case page: tabs, then the case. After an action by htmx the case
/// comes with the tabs out of band (`oob`), so the counters follow.
pub fn case_page(csrf: &str, v: &CaseView<'_>, form: &FormState, oob: bool) -> Markup {
    html! {
        @if !oob { (tabs(v.tabs, false)) }
        (case(csrf, v, form))
        @if oob { (tabs(v.tabs, true)) }
    }
}

fn queue(csrf: &str, v: &QueueView<'_>) -> Markup {
    let f = &v.filter;
    let cols = if v.batch { 11 } else { 10 };
    html! {
        section.panel #queue {
            h1 { "合同审查：" (v.title) }
            @if let Some(r) = v.result { (batch_result(r)) }
            form.inline method="get" action="/review/contracts" {
                input type="hidden" name="queue" value=(f.queue);
                label for="filter-q" { "查找" }
                input #filter-q type="search" name="q" value=(f.q) placeholder="合同名称、统一审批编码或当事人";
                label for="filter-category" { "类别" }
                (select("category", v.categories, f.category, "全部"))
                @if !v.offices.is_empty() {
                    label for="filter-office" { "登记处" }
                    (select("office", v.offices, f.office, "全部"))
                }
                label for="filter-due" { "期限" }
                (select("due", v.due_options, f.due, "全部"))
                label for="filter-sort" { "排序" }
                select #filter-sort name="sort" {
                    option value="deadline" selected[f.sort != "submitted"] { "按期限" }
                    option value="submitted" selected[f.sort == "submitted"] { "按提交时间" }
                }
                button.button type="submit" { "筛选" }
            }
            form method="post" action="/review/contracts/approve" hx-post="/review/contracts/approve" hx-target="#queue" hx-swap="outerHTML" hx-disabled-elt="find button" hx-disinherit="*" #batch {
                (csrf_field(csrf))
                table.data #queue-rows {
                    thead { tr {
                        @if v.batch { th { span.sr-only { "选择" } } }
                        th { "统一审批编码" } th { "合同名称" } th { "申请人（卖方）" } th { "类别" }
                        th { "技术交易额（元）" } th { "状态" } th { "登记处" } th { "提交时间" } th { "期限" } th { "承办人" }
                    } }
                    tbody {
                        @for r in v.rows {
                            tr {
                                @if v.batch {
                                    td { input type="checkbox" name="pick" value={ (r.id) ":" (r.version) } aria-label={ "选择 " (r.approval_code) }; }
                                }
                                td { a href={ "/review/contracts/" (r.id) } { (r.approval_code) } }
                                td { (r.name) }
                                td { (r.applicant) @if r.integrity { " " span.mark.integrity title="诚信企业库在库企业，优先办理" { "诚信" } } }
                                td { (r.category) }
                                td.num { (r.tech_amount) } td { (r.status) } td { (r.office) }
                                td { (r.submitted) }
                                td {
                                    (r.deadline)
                                    @if let Some((css, label)) = r.mark { " " span class=(css) { (label) } }
                                }
                                td { (r.assignee) }
                            }
                        }
                        @if v.rows.is_empty() {
                            tr { td colspan=(cols) { "该队列中没有符合条件的申请。" } }
                        }
                    }
                }
                @if v.batch && !v.rows.is_empty() {
                    button.button.primary type="submit" { "批量审定登记所选申请" }
                }
            }
            @if let Some(after) = &v.next_after {
                p { a href={ "/review/contracts?" (f.query) "&after=" (after) } { "下一页" } }
            }
        }
    }
}

pub struct PartyRow {
    pub role: String,
    pub name: String,
    pub credit_code: String,
    pub region: String,
    pub legal_form: String,
    pub contact: String,
}

pub struct AttachmentRow {
    pub id: i64,
    pub kind: String,
    pub file_name: String,
    pub size: String,
    pub round: i32,
    pub uploaded: String,
    pub new_this_round: bool,
}

pub struct DiffLine {
    pub label: String,
    pub old: String,
    pub new: String,
}

pub struct DiffRow {
    pub section: &'static str,
    /// 新增 / 删除 / 修改
    pub change: &'static str,
    pub old: String,
    pub new: String,
}

pub struct CommentRow {
    pub round: i32,
    pub field: String,
    pub comment: String,
    pub author: String,
    pub at: String,
}

pub struct DiffView {
    pub round: i32,
    pub fields: Vec<DiffLine>,
    pub rows: Vec<DiffRow>,
    pub attachments_added: Vec<String>,
    pub attachments_removed: Vec<String>,
    /// What the office asked to correct in the previous round.
    pub comments: Vec<CommentRow>,
}

pub struct OpinionRow {
    pub expert: String,
    pub conclusion: String,
    pub opinion: String,
    pub recorded_by: String,
    pub at: String,
}

pub struct EventRow {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub change: String,
    pub reasons: String,
    pub reason: String,
}

pub struct Choice {
    pub code: String,
    pub label: String,
}

/// What the viewer may do on the case now.
pub struct Panel<'a> {
    /// Action keys, e.g. `accept`, `return`, `approve`.
    pub actions: Vec<&'static str>,
    pub can_record_opinion: bool,
    pub can_claim: bool,
    /// Staff a head may give the case to (empty: no reassignment).
    pub assign_to: Vec<(i64, String)>,
    pub non_accept_reasons: &'a [Choice],
    pub return_reasons: &'a [Choice],
    pub refusal_reasons: &'a [Choice],
    /// Fields the return comments may name: (key, label).
    pub comment_fields: &'a [(&'a str, &'a str)],
    pub conclusions: &'a [(&'a str, &'a str)],
    /// The panel whose form has errors (kept open with its values).
    pub open: Option<&'a str>,
}

pub struct CaseView<'a> {
    pub id: i64,
    pub version: i32,
    pub name: String,
    pub approval_code: String,
    pub status: &'static str,
    /// (css, message): the result of the last action or a conflict.
    pub notice: Option<(&'static str, String)>,
    pub tabs: &'a [Tab],
    pub header: Vec<(&'static str, String)>,
    pub basics: Vec<(&'static str, String)>,
    pub parties: Vec<PartyRow>,
    pub amounts: Vec<(&'static str, String)>,
    pub deductions: Vec<(String, String)>,
    pub technology: Vec<(&'static str, String)>,
    pub ip_items: Vec<(String, String, String)>,
    pub attachments: Vec<AttachmentRow>,
    pub diff: Option<DiffView>,
    pub comments: Vec<CommentRow>,
    pub opinions: Vec<OpinionRow>,
    pub timeline: Vec<EventRow>,
    pub panel: Panel<'a>,
}

fn facts(items: &[(&'static str, String)]) -> Markup {
    html! {
        dl.facts {
            @for (label, value) in items { dt { (label) } dd { (value) } }
        }
    }
}

fn diff_view(d: &DiffView) -> Markup {
    html! {
        section.diff #changes aria-labelledby="changes-title" {
            h2 #changes-title { "补正后的变化（第 " (d.round - 1) " 轮 → 第 " (d.round) " 轮）" }
            @if !d.comments.is_empty() {
                p.muted { "退回时的补正意见：" }
                ul #return-comments {
                    @for c in &d.comments { li { strong { (c.field) } "：" (c.comment) } }
                }
            }
            @if d.fields.is_empty() && d.rows.is_empty() && d.attachments_added.is_empty() && d.attachments_removed.is_empty() {
                p #no-changes { "申请人重新提交时没有修改任何内容。" }
            }
            @if !d.fields.is_empty() {
                table.data #changed-fields {
                    thead { tr { th { "字段" } th { "退回前" } th { "补正后" } } }
                    tbody {
                        @for l in &d.fields {
                            tr.changed { td { (l.label) } td { del { (l.old) } } td { ins { (l.new) } } }
                        }
                    }
                }
            }
            @if !d.rows.is_empty() {
                table.data #changed-rows {
                    thead { tr { th { "部分" } th { "变化" } th { "退回前" } th { "补正后" } } }
                    tbody {
                        @for r in &d.rows {
                            tr.changed {
                                td { (r.section) } td { (r.change) }
                                td { @if !r.old.is_empty() { del { (r.old) } } }
                                td { @if !r.new.is_empty() { ins { (r.new) } } }
                            }
                        }
                    }
                }
            }
            @if !d.attachments_added.is_empty() {
                p #new-attachments { "本轮新增附件：" @for a in &d.attachments_added { ins { (a) } " " } }
            }
            @if !d.attachments_removed.is_empty() {
                p { "本轮不再提交的附件：" @for a in &d.attachments_removed { del { (a) } " " } }
            }
        }
    }
}

fn textarea(
    form: &FormState,
    name: &str,
    label: &str,
    required: bool,
    hint: Option<&str>,
) -> Markup {
    let id = format!("f-{name}");
    let err = form.error(name);
    html! {
        div.field.has-error[err.is_some()] {
            label for=(id) { (label) @if required { span.required aria-hidden="true" { " *" } } }
            textarea id=(id) name=(name) rows="3" maxlength="2000" aria-invalid=[err.map(|_| "true")] { (form.value(name)) }
            @if let Some(h) = hint { p.hint { (h) } }
            @if let Some(e) = err { p.error { (e) } }
        }
    }
}

fn text_input(
    form: &FormState,
    name: &str,
    label: &str,
    required: bool,
    hint: Option<&str>,
) -> Markup {
    let id = format!("f-{name}");
    let err = form.error(name);
    html! {
        div.field.has-error[err.is_some()] {
            label for=(id) { (label) @if required { span.required aria-hidden="true" { " *" } } }
            input id=(id) type="text" name=(name) value=(form.value(name)) aria-invalid=[err.map(|_| "true")];
            @if let Some(h) = hint { p.hint { (h) } }
            @if let Some(e) = err { p.error { (e) } }
        }
    }
}

fn codes(form: &FormState, choices: &[Choice], legend: &str) -> Markup {
    let err = form.error("reason_code");
    html! {
        fieldset.codes.has-error[err.is_some()] {
            legend { (legend) span.required aria-hidden="true" { " *" } }
            @for c in choices {
                label.check {
                    input type="checkbox" name="reason_code" value=(c.code)
                        checked[form.values.iter().any(|(k, v)| k == "reason_code" && *v == c.code)];
                    " " (c.label)
                }
            }
            @if let Some(e) = err { p.error { (e) } }
        }
    }
}

fn action_label(key: &str) -> &'static str {
    match key {
        "accept" => "受理",
        "not_accept" => "不予受理",
        "return" => "退回补正",
        "send_to_experts" => "提交专家评审",
        "finish_experts" => "结束专家评审",
        "propose_register" => "审查意见：建议登记",
        "propose_refuse" => "审查意见：建议不予登记",
        "approve_large" => "大额审核通过",
        "reject_large" => "大额审核退回审查",
        "approve" => "审定登记",
        "refuse" => "审定不予登记",
        "send_back" => "退回登记处",
        "approve_change" => "同意变更",
        "reject_change" => "不同意变更",
        "approve_cancel" => "同意注销",
        "reject_cancel" => "不同意注销",
        "revoke" => "撤销登记",
        _ => "",
    }
}

fn action_form(
    csrf: &str,
    v: &CaseView<'_>,
    key: &'static str,
    blank: &FormState,
    form: &FormState,
) -> Markup {
    let p = &v.panel;
    let f = if p.open == Some(key) { form } else { blank };
    let url = format!("/review/contracts/{}/actions/{key}", v.id);
    let danger = matches!(key, "not_accept" | "refuse" | "propose_refuse" | "revoke");
    html! {
        details.action-panel #{ "panel-" (key) } open[p.open == Some(key)] {
            summary { (action_label(key)) }
            form method="post" action=(url) hx-post=(url) hx-target="#case" hx-swap="outerHTML" hx-disabled-elt="find button" novalidate {
                (csrf_field(csrf))
                input type="hidden" name="version" value=(v.version);
                @if let Some(m) = &f.message { div.flash.flash-error role="alert" { (m) } }
                @match key {
                    "not_accept" => {
                        (codes(f, p.non_accept_reasons, "不予受理理由"))
                        (textarea(f, "reason", "说明", false, Some("选择“其他”时必须填写；申请人会看到理由和说明")))
                    }
                    "return" => {
                        (codes(f, p.return_reasons, "退回理由（可多选）"))
                        p.hint { "在需要补正的字段旁填写意见，申请人会在表单中对应字段旁看到；至少填写一处。" }
                        div.comment-grid {
                            @for (field, label) in p.comment_fields {
                                (text_input(f, &format!("comment_{field}"), label, false, None))
                            }
                        }
                        (textarea(f, "reason", "总体说明", false, None))
                    }
                    "propose_register" => {
                        (textarea(f, "reason", "审查意见", true, None))
                        (text_input(f, "adjusted_amount", "核定技术交易额（元）", false, Some("与申报的技术交易额不同时填写")))
                        (textarea(f, "adjust_reason", "调整理由", false, Some("调整技术交易额时必须填写")))
                    }
                    "propose_refuse" => {
                        (codes(f, p.refusal_reasons, "不予登记理由"))
                        (textarea(f, "reason", "审查意见", true, None))
                        (text_input(f, "adjusted_amount", "核定技术交易额（元）", false, Some("与申报的技术交易额不同时填写")))
                        (textarea(f, "adjust_reason", "调整理由", false, Some("调整技术交易额时必须填写")))
                    }
                    "refuse" => {
                        (codes(f, p.refusal_reasons, "不予登记理由"))
                        (textarea(f, "reason", "说明", false, Some("选择“其他”时必须填写")))
                    }
                    "send_to_experts" => { (textarea(f, "reason", "提交专家评审的理由", true, None)) }
                    "reject_large" | "send_back" => { (textarea(f, "reason", "退回理由", true, None)) }
                    "reject_change" | "reject_cancel" => { (textarea(f, "reason", "不同意的理由", true, None)) }
                    "revoke" => { (textarea(f, "reason", "撤销理由与依据", true, Some("撤销后登记证明在公开核验中显示为“已撤销”"))) }
                    _ => { (textarea(f, "reason", "备注", false, None)) }
                }
                button.button.primary.danger[danger] type="submit" { (action_label(key)) }
            }
        }
    }
}

fn panel(csrf: &str, v: &CaseView<'_>, form: &FormState) -> Markup {
    let p = &v.panel;
    let blank = FormState::default();
    let f_op = if p.open == Some("opinion") {
        form
    } else {
        &blank
    };
    let f_as = if p.open == Some("assign") {
        form
    } else {
        &blank
    };
    let base = format!("/review/contracts/{}", v.id);
    html! {
        section.actions-panel #actions aria-labelledby="actions-title" {
            h2 #actions-title { "办理" }
            @if p.actions.is_empty() && !p.can_record_opinion && !p.can_claim && p.assign_to.is_empty() {
                p #no-actions { "当前状态下您没有可办理的事项。" }
            }
            @if p.can_claim {
                form method="post" action={ (base) "/claim" } hx-post={ (base) "/claim" } hx-target="#case" hx-swap="outerHTML" hx-disabled-elt="find button" {
                    (csrf_field(csrf))
                    input type="hidden" name="version" value=(v.version);
                    button.button type="submit" { "由我办理" }
                }
            }
            @for key in &p.actions { (action_form(csrf, v, key, &blank, form)) }
            @if p.can_record_opinion {
                details.action-panel #panel-opinion open[p.open == Some("opinion")] {
                    summary { "记录专家意见" }
                    form method="post" action={ (base) "/opinions" } hx-post={ (base) "/opinions" } hx-target="#case" hx-swap="outerHTML" hx-disabled-elt="find button" novalidate {
                        (csrf_field(csrf))
                        input type="hidden" name="version" value=(v.version);
                        (text_input(f_op, "expert", "专家姓名", true, None))
                        div.field.has-error[f_op.error("conclusion").is_some()] {
                            label for="f-conclusion" { "结论" span.required aria-hidden="true" { " *" } }
                            select #f-conclusion name="conclusion" {
                                option value="" { "请选择" }
                                @for (code, label) in p.conclusions {
                                    option value=(code) selected[f_op.value("conclusion") == *code] { (label) }
                                }
                            }
                            @if let Some(e) = f_op.error("conclusion") { p.error { (e) } }
                        }
                        (textarea(f_op, "opinion", "评审意见", true, None))
                        button.button.primary type="submit" { "记录意见" }
                    }
                }
            }
            @if !p.assign_to.is_empty() {
                details.action-panel #panel-assign open[p.open == Some("assign")] {
                    summary { "改派承办人" }
                    form method="post" action={ (base) "/assign" } hx-post={ (base) "/assign" } hx-target="#case" hx-swap="outerHTML" hx-disabled-elt="find button" novalidate {
                        (csrf_field(csrf))
                        input type="hidden" name="version" value=(v.version);
                        div.field.has-error[f_as.error("to_user").is_some()] {
                            label for="f-to_user" { "改派给" span.required aria-hidden="true" { " *" } }
                            select #f-to_user name="to_user" {
                                option value="" { "请选择" }
                                @for (id, name) in &p.assign_to {
                                    option value=(id) selected[f_as.value("to_user") == id.to_string()] { (name) }
                                }
                            }
                            @if let Some(e) = f_as.error("to_user") { p.error { (e) } }
                        }
                        (textarea(f_as, "reason", "改派原因", true, None))
                        button.button type="submit" { "改派" }
                    }
                }
            }
        }
    }
}

fn case(csrf: &str, v: &CaseView<'_>, form: &FormState) -> Markup {
    html! {
        section.panel #case data-status=(v.status) data-version=(v.version) {
            h1 { (v.name) }
            p.muted { "统一审批编码 " strong #approval-code { (v.approval_code) } }
            @if let Some((css, message)) = &v.notice {
                div class=(css) role="alert" #notice { (message) }
            }
            (facts(&v.header))
            @if let Some(d) = &v.diff { (diff_view(d)) }
            (panel(csrf, v, form))
            h2 { "基本信息" }
            (facts(&v.basics))
            h2 { "合同当事人" }
            table.data #parties {
                thead { tr { th { "身份" } th { "名称" } th { "统一社会信用代码" } th { "地区/国别" } th { "法人类型" } th { "联系方式" } } }
                tbody {
                    @for p in &v.parties {
                        tr { td { (p.role) } td { (p.name) } td { (p.credit_code) } td { (p.region) } td { (p.legal_form) } td { (p.contact) } }
                    }
                }
            }
            h2 { "金额与支付" }
            (facts(&v.amounts))
            @if !v.deductions.is_empty() {
                table.data #deductions {
                    thead { tr { th { "非技术性费用" } th { "金额（元）" } } }
                    tbody { @for (item, amount) in &v.deductions { tr { td { (item) } td.num { (amount) } } } }
                }
            }
            h2 { "技术内容" }
            (facts(&v.technology))
            @if !v.ip_items.is_empty() {
                table.data #ip-items {
                    thead { tr { th { "知识产权类型" } th { "编号" } th { "权利人" } } }
                    tbody { @for (t, n, o) in &v.ip_items { tr { td { (t) } td { (n) } td { (o) } } } }
                }
            }
            h2 { "附件" }
            table.data #attachments {
                thead { tr { th { "类别" } th { "文件" } th { "大小" } th { "提交轮次" } th { "上传时间" } } }
                tbody {
                    @for a in &v.attachments {
                        tr.changed[a.new_this_round] {
                            td { (a.kind) }
                            td {
                                a href={ "/review/contracts/" (v.id) "/attachments/" (a.id) } hx-boost="false" download { (a.file_name) }
                                @if a.new_this_round { " " span.badge { "本轮新增" } }
                            }
                            td { (a.size) } td { "第 " (a.round) " 轮" } td { (a.uploaded) }
                        }
                    }
                }
            }
            @if !v.comments.is_empty() {
                h2 { "历次补正意见" }
                table.data #comments {
                    thead { tr { th { "轮次" } th { "字段" } th { "意见" } th { "提出人" } th { "时间" } } }
                    tbody { @for c in &v.comments { tr { td { (c.round) } td { (c.field) } td { (c.comment) } td { (c.author) } td { (c.at) } } } }
                }
            }
            @if !v.opinions.is_empty() {
                h2 { "专家意见" }
                table.data #opinions {
                    thead { tr { th { "专家" } th { "结论" } th { "意见" } th { "记录人" } th { "时间" } } }
                    tbody { @for o in &v.opinions { tr { td { (o.expert) } td { (o.conclusion) } td { (o.opinion) } td { (o.recorded_by) } td { (o.at) } } } }
                }
            }
            h2 { "办理记录" }
            table.data #timeline {
                thead { tr { th { "时间" } th { "办理人" } th { "事项" } th { "状态" } th { "理由" } th { "说明" } } }
                tbody {
                    @for e in &v.timeline {
                        tr { td { (e.at) } td { (e.actor) } td { (e.action) } td { (e.change) } td { (e.reasons) } td { (e.reason) } }
                    }
                }
            }
        }
    }
}

/// The navigation counter of open cases assigned to the viewer.
pub fn work_badge(count: u64) -> crate::components::Badge {
    crate::components::Badge {
        id: Some("review-badge".into()),
        count,
        refresh: Some("/review/contracts/badge".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabs_carry_counters_and_swap_out_of_band_only_when_asked() {
        let t = [Tab {
            key: "accept",
            label: "待受理",
            count: 3,
            current: true,
        }];
        let inline = tabs(&t, false).into_string();
        assert!(inline.contains(r#"id="count-accept""#) && inline.contains(">3<"));
        assert!(inline.contains(r#"aria-current="page""#));
        assert!(!inline.contains("hx-swap-oob"));
        assert!(
            tabs(&t, true)
                .into_string()
                .contains(r#"hx-swap-oob="true""#)
        );
    }
}
