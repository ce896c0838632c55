//! The applicant's side of contract registration: "my applications", the
//! six-step application form, the read-only summary with its timeline.
//!
//! Every step form is a real form (works without JS); htmx posts it and
//! swaps `#apply`, and the row buttons (添加, 删除, 从历史合同填入) and the
//! category select post the same form with an `op` that only re-renders.

use maud::{Markup, html};

use super::identity::FormState;
use crate::components::csrf_field;

/// An option of a select: (code, label).
pub struct Opt {
    pub code: String,
    pub label: String,
}

pub struct ListRow {
    pub id: i64,
    pub approval_code: String,
    pub name: String,
    pub category: String,
    pub status_label: &'static str,
    pub next_step: String,
    pub next_href: String,
    pub deadline: Option<String>,
    /// (css class, label): 将逾期 or 已逾期 while an office works the case.
    pub mark: Option<(&'static str, &'static str)>,
    pub registration_number: Option<String>,
    pub updated: String,
}

/// A deadline filter link with its count.
pub struct DueFilter {
    pub href: String,
    pub label: &'static str,
    pub count: u64,
    pub current: bool,
}

pub fn list(csrf: &str, filters: &[DueFilter], rows: &[ListRow]) -> Markup {
    html! {
        section.panel #my-contracts {
            h1 { "我的申请" }
            form method="post" action="/my/contracts" {
                (csrf_field(csrf))
                button.button.primary type="submit" { "新建技术合同登记申请" }
            }
            nav.queue-tabs #due-filter aria-label="按办理期限筛选" {
                @for f in filters {
                    a href=(f.href) aria-current=[f.current.then_some("page")] {
                        (f.label) " " span.badge { (f.count) }
                    }
                }
            }
            table.data {
                thead { tr {
                    th { "统一审批编码" } th { "合同名称" } th { "类别" } th { "状态" }
                    th { "下一步" } th { "办理期限" } th { "登记编号" } th { "更新时间" }
                } }
                tbody {
                    @for r in rows {
                        tr {
                            td { a href={ "/my/contracts/" (r.id) } { (r.approval_code) } }
                            td { @if r.name.is_empty() { "（未填写）" } @else { (r.name) } }
                            td { (r.category) }
                            td.status { (r.status_label) }
                            td { a href=(r.next_href) { (r.next_step) } }
                            td {
                                @if let Some(d) = &r.deadline { (d) }
                                @if let Some((css, label)) = r.mark { " " span class=(css) { (label) } }
                            }
                            td { @if let Some(n) = &r.registration_number { (n) } }
                            td { (r.updated) }
                        }
                    }
                    @if rows.is_empty() && filters.first().is_none_or(|f| f.current) {
                        tr { td colspan="8" { "还没有申请。点击上方按钮新建一份技术合同登记申请。" } }
                    } @else if rows.is_empty() {
                        tr { td colspan="8" { "没有符合条件的申请。" } }
                    }
                }
            }
        }
    }
}

/// What every step page shows above its form.
pub struct Header<'a> {
    pub id: i64,
    pub approval_code: &'a str,
    pub name: &'a str,
    pub status_label: &'a str,
    pub version: i32,
    /// Bit n set: step n+1 complete.
    pub steps_done: i32,
    pub current: u8,
    pub steps: &'a [(u8, &'a str)],
}

/// A step page: header, the form state (values and inline errors), and
/// the reviewer's comments of the current round by field.
pub struct Page<'a> {
    pub csrf: &'a str,
    pub header: Header<'a>,
    pub form: &'a FormState,
    pub comments: &'a [(String, String)],
}

impl Page<'_> {
    fn action(&self) -> String {
        format!(
            "/my/contracts/{}/step/{}",
            self.header.id, self.header.current
        )
    }
    fn comment(&self, name: &str) -> Option<&str> {
        self.comments
            .iter()
            .find(|(f, _)| f == name)
            .map(|(_, c)| c.as_str())
    }
}

fn approval_code(h: &Header<'_>) -> Markup {
    html! {
        dl.facts {
            dt { "统一审批编码" } dd #approval-code { (h.approval_code) }
            dt { "状态" } dd #status { (h.status_label) }
            @if !h.name.is_empty() { dt { "合同名称" } dd { (h.name) } }
        }
    }
}

fn step_nav(h: &Header<'_>) -> Markup {
    html! {
        nav.apply-steps aria-label="填写步骤" {
            ol {
                @for (n, label) in h.steps {
                    @let done = h.steps_done & (1 << (n - 1)) != 0;
                    li.done[done].current[*n == h.current] {
                        a href={ "/my/contracts/" (h.id) "/step/" (n) }
                            aria-current=[(*n == h.current).then_some("step")] {
                            "第 " (n) " 步 " (label)
                            @if done { " ✓" span.visually-hidden { "（已完成）" } }
                        }
                    }
                }
            }
        }
    }
}

fn frame(p: &Page<'_>, title: &str, body: Markup) -> Markup {
    html! {
        section.panel #apply {
            h1 { "技术合同登记申请" }
            (approval_code(&p.header))
            (step_nav(&p.header))
            h2 { "第 " (p.header.current) " 步 " (title) }
            @if !p.comments.is_empty() {
                div.flash.flash-warning role="note" #review-comments {
                    p { "登记处退回补正的意见（请按意见修改后重新提交）：" }
                    ul { @for (f, c) in p.comments { li { (c) " " span.hint { "（" (f) "）" } } } }
                }
            }
            @if let Some(m) = &p.form.message { div.flash.flash-error role="alert" { (m) } }
            (body)
        }
    }
}

fn note(p: &Page<'_>, name: &str) -> Markup {
    let id = format!("f-{}", name.replace('.', "-"));
    html! {
        @if let Some(e) = p.form.error(name) { p.error id={ (id) "-error" } { (e) } }
        @if let Some(c) = p.comment(name) { p.comment { "审查意见：" (c) } }
    }
}

fn input(p: &Page<'_>, name: &str, label: &str, kind: &str, required: bool) -> Markup {
    input_with(p, name, label, kind, required, None, None)
}

fn input_with(
    p: &Page<'_>,
    name: &str,
    label: &str,
    kind: &str,
    required: bool,
    hint: Option<&str>,
    list: Option<&str>,
) -> Markup {
    let id = format!("f-{}", name.replace('.', "-"));
    let err = p.form.error(name).is_some();
    html! {
        div.field.has-error[err] {
            label for=(id) { (label) @if required { span.required aria-hidden="true" { " *" } } }
            input id=(id) name=(name) type=(kind) value=(p.form.value(name)) list=[list]
                aria-invalid=[err.then_some("true")]
                aria-describedby=[err.then(|| format!("{id}-error"))];
            @if let Some(h) = hint { p.hint { (h) } }
            (note(p, name))
        }
    }
}

fn select(p: &Page<'_>, name: &str, label: &str, options: &[Opt], empty: Option<&str>) -> Markup {
    let id = format!("f-{}", name.replace('.', "-"));
    let err = p.form.error(name).is_some();
    let value = p.form.value(name);
    html! {
        div.field.has-error[err] {
            label for=(id) { (label) @if empty.is_none() || name.ends_with("role") { span.required aria-hidden="true" { " *" } } }
            select id=(id) name=(name) aria-invalid=[err.then_some("true")] {
                @if let Some(e) = empty { option value="" { (e) } }
                @for o in options { option value=(o.code) selected[o.code == value] { (o.label) } }
            }
            (note(p, name))
        }
    }
}

/// The step's `<form>`: hidden version and CSRF token, htmx swap of `#apply`.
fn step_form(p: &Page<'_>, body: Markup, submit: &str) -> Markup {
    let action = p.action();
    html! {
        form #step-form method="post" action=(action) hx-post=(action) hx-target="#apply" hx-swap="outerHTML" novalidate {
            (csrf_field(p.csrf))
            input type="hidden" name="version" value=(p.header.version);
            // The default button (Enter in a field) saves, not the first row button.
            button.visually-hidden type="submit" name="op" value="save" tabindex="-1" aria-hidden="true" { "保存" }
            (body)
            div.actions {
                button.button.primary type="submit" name="op" value="save" { (submit) }
            }
        }
    }
}

fn group_error(p: &Page<'_>, name: &str) -> Markup {
    html! {
        @if let Some(e) = p.form.error(name) { div.flash.flash-error role="alert" id={ "error-" (name) } { (e) } }
        @if let Some(c) = p.comment(name) { p.comment { "审查意见：" (c) } }
    }
}

pub fn basics(p: &Page<'_>, categories: &[Opt], subtypes: &[Opt]) -> Markup {
    let action = p.action();
    let sides = [
        Opt {
            code: "seller".into(),
            label: "卖方（技术提供方）".into(),
        },
        Opt {
            code: "buyer".into(),
            label: "买方（技术接受方）".into(),
        },
    ];
    let body = html! {
        div.field.has-error[p.form.error("category").is_some()] {
            label for="f-category" { "合同类别" span.required aria-hidden="true" { " *" } }
            select #f-category name="category"
                hx-post=(action) hx-trigger="change" hx-vals=r#"{"op":"refresh"}"#
                hx-target="#apply" hx-swap="outerHTML" {
                option value="" { "请选择" }
                @for o in categories { option value=(o.code) selected[o.code == p.form.value("category")] { (o.label) } }
            }
            (note(p, "category"))
        }
        (select(p, "subtype", "具体类型", subtypes, Some("请选择")))
        p.hint { "更换类别后，具体类型列表会自动更新；如浏览器未启用脚本，请点击"
            button.button.link type="submit" name="op" value="refresh" { "更新具体类型" } }
        (input(p, "name", "合同名称", "text", true))
        (input_with(p, "contract_number", "合同编号", "text", false, Some("合同上的编号，没有可不填"), None))
        (input(p, "signed_on", "签订日期", "date", true))
        (input(p, "valid_from", "有效期起", "date", true))
        (input(p, "valid_to", "有效期止", "date", true))
        (select(p, "applicant_side", "申请人在合同中的身份", &sides, None))
    };
    frame(p, "基本信息", step_form(p, body, "保存并继续"))
}

pub fn parties(
    p: &Page<'_>,
    rows: usize,
    districts: &[Opt],
    legal_forms: &[Opt],
    history: &[Opt],
) -> Markup {
    let roles = [
        ("seller", "卖方"),
        ("buyer", "买方"),
        ("other", "其他当事人"),
    ]
    .map(|(c, l)| Opt {
        code: c.into(),
        label: l.into(),
    });
    let body = html! {
        (group_error(p, "parties"))
        @if !history.is_empty() {
            datalist #history-party-names { @for h in history { option value=(h.label) {} } }
        }
        @for i in 0..rows {
            fieldset.party #{ "party-" (i) } {
                legend { "当事人 " (i + 1) }
                (select(p, &format!("parties.{i}.role"), "身份", &roles, None))
                (input_with(p, &format!("parties.{i}.name"), "名称", "text", true, None, (!history.is_empty()).then_some("history-party-names")))
                (input_with(p, &format!("parties.{i}.credit_code"), "统一社会信用代码", "text", false, Some("境内单位填写 18 位代码"), None))
                (select(p, &format!("parties.{i}.region"), "所在地区", districts, Some("请选择（境内当事人）")))
                (input_with(p, &format!("parties.{i}.country"), "国别代码", "text", false, Some("境外当事人填写 3 位海关国别代码，境内当事人不填"), None))
                (select(p, &format!("parties.{i}.legal_form"), "法人类型", legal_forms, Some("请选择")))
                (input(p, &format!("parties.{i}.contact"), "联系人及电话", "text", false))
                button.button type="submit" name="op" value={ "remove:" (i) } { "删除" }
            }
        }
        div.actions {
            button.button type="submit" name="op" value="add" { "添加当事人" }
        }
        @if !history.is_empty() {
            details #party-history {
                summary { "从历史合同填入" }
                ul {
                    @for (n, h) in history.iter().enumerate() {
                        li { button.button.link type="submit" name="op" value={ "history:" (n) } { (h.label) } " " span.hint { (h.code) } }
                    }
                }
            }
        }
    };
    frame(p, "合同当事人", step_form(p, body, "保存并继续"))
}

pub fn amounts(p: &Page<'_>, rows: usize, methods: &[Opt], tech_amount: &str) -> Markup {
    let action = p.action();
    let body = html! {
        div.field.has-error[p.form.error("deal_amount").is_some()] {
            label for="f-deal_amount" { "成交额（元）" span.required aria-hidden="true" { " *" } }
            input #f-deal_amount name="deal_amount" type="text" inputmode="decimal" value=(p.form.value("deal_amount"))
                hx-post=(action) hx-trigger="change" hx-vals=r#"{"op":"refresh"}"#
                hx-target="#tech-amount" hx-select="#tech-amount" hx-swap="outerHTML";
            p.hint { "以元为单位，可含两位小数，例如 1250000.00" }
            (note(p, "deal_amount"))
        }
        h3 { "非技术性费用（扣除项）" }
        (group_error(p, "deductions"))
        table.data.compact #deductions {
            thead { tr { th { "项目" } th { "金额（元）" } th { "" } } }
            tbody {
                @for i in 0..rows {
                    @let item = format!("deductions.{i}.item");
                    @let amount = format!("deductions.{i}.amount");
                    tr {
                        td { input name=(item) aria-label="扣除项目" value=(p.form.value(&item)); (note(p, &item)) }
                        td { input name=(amount) aria-label="扣除金额（元）" inputmode="decimal" value=(p.form.value(&amount))
                                hx-post=(action) hx-trigger="change" hx-vals=r#"{"op":"refresh"}"#
                                hx-target="#tech-amount" hx-select="#tech-amount" hx-swap="outerHTML";
                             (note(p, &amount)) }
                        td { button.button type="submit" name="op" value={ "remove:" (i) } { "删除" } }
                    }
                }
            }
        }
        div.actions {
            button.button type="submit" name="op" value="add" { "添加扣除项" }
            button.button type="submit" name="op" value="refresh" { "重新计算" }
        }
        p #tech-amount { "技术交易额（成交额 − 非技术性费用）：" strong { (tech_amount) } }
        (select(p, "payment_method", "支付方式", methods, Some("请选择")))
        div.field.has-error[p.form.error("payment_schedule").is_some()] {
            label for="f-payment_schedule" { "支付安排" }
            textarea #f-payment_schedule name="payment_schedule" rows="3" { (p.form.value("payment_schedule")) }
            (note(p, "payment_schedule"))
        }
    };
    frame(p, "金额与支付", step_form(p, body, "保存并继续"))
}

pub struct TechOptions<'a> {
    pub fields: &'a [Opt],
    pub goals: &'a [Opt],
    pub ip_types: &'a [Opt],
    /// Earlier project leaders: code = "姓名 电话", label = technical field.
    pub leaders: &'a [Opt],
    pub needs_ip: bool,
}

pub fn technology(p: &Page<'_>, rows: usize, o: &TechOptions<'_>) -> Markup {
    let body = html! {
        (select(p, "tech_field", "技术领域", o.fields, Some("请选择")))
        (select(p, "socio_goal", "社会经济目标", o.goals, Some("（不填）")))
        @if !o.leaders.is_empty() {
            datalist #history-leaders { @for l in o.leaders { option value=(l.code.split(' ').next().unwrap_or_default()) {} } }
        }
        (input_with(p, "project_leader", "项目负责人", "text", true, None, (!o.leaders.is_empty()).then_some("history-leaders")))
        (input(p, "leader_phone", "负责人电话", "tel", false))
        @if !o.leaders.is_empty() {
            details #leader-history {
                summary { "从历史合同填入" }
                ul {
                    @for (n, l) in o.leaders.iter().enumerate() {
                        li { button.button.link type="submit" name="op" value={ "history:" (n) } { (l.code) } " " span.hint { (l.label) } }
                    }
                }
            }
        }
        div.field.has-error[p.form.error("summary").is_some()] {
            label for="f-summary" { "技术内容摘要" span.required aria-hidden="true" { " *" } }
            textarea #f-summary name="summary" rows="6" { (p.form.value("summary")) }
            p.hint { "20–2000 字：合同的技术目标、主要技术内容和成果形式" }
            (note(p, "summary"))
        }
        h3 { "涉及的知识产权" @if o.needs_ip { span.required aria-hidden="true" { " *" } } }
        @if o.needs_ip { p.hint { "技术转让、技术许可合同须填写所涉知识产权。" } }
        (group_error(p, "ip_items"))
        @for i in 0..rows {
            fieldset.ip-item #{ "ip-" (i) } {
                legend { "知识产权 " (i + 1) }
                (select(p, &format!("ip_items.{i}.ip_type"), "类型", o.ip_types, Some("请选择")))
                (input(p, &format!("ip_items.{i}.number"), "编号（专利号、登记号等）", "text", true))
                (input(p, &format!("ip_items.{i}.owner"), "权利人", "text", true))
                button.button type="submit" name="op" value={ "remove:" (i) } { "删除" }
            }
        }
        div.actions { button.button type="submit" name="op" value="add" { "添加知识产权" } }
    };
    frame(p, "技术内容", step_form(p, body, "保存并继续"))
}

pub struct AttachmentRow {
    pub id: i64,
    pub kind: String,
    pub file_name: String,
    pub size: String,
    pub uploaded: String,
    pub removable: bool,
}

pub fn attachments(p: &Page<'_>, kinds: &[Opt], list: &[AttachmentRow]) -> Markup {
    let action = format!("{}?csrf_token={}", p.action(), p.csrf);
    let kind = p.form.value("kind");
    let body = html! {
        (group_error(p, "contract"))
        table.data #attachments {
            thead { tr { th { "类别" } th { "文件名" } th { "大小" } th { "上传时间" } th { "" } } }
            tbody {
                @for a in list {
                    tr {
                        td { (a.kind) }
                        td { a href={ "/my/contracts/" (p.header.id) "/attachments/" (a.id) } hx-boost="false" { (a.file_name) } }
                        td { (a.size) } td { (a.uploaded) }
                        td {
                            @if a.removable {
                                form method="post" enctype="multipart/form-data" action=(action) {
                                    input type="hidden" name="version" value=(p.header.version);
                                    button.button type="submit" name="op" value={ "remove:" (a.id) } { "删除" }
                                }
                            }
                        }
                    }
                }
                @if list.is_empty() { tr { td colspan="5" { "尚未上传附件。" } } }
            }
        }
        form #upload method="post" enctype="multipart/form-data" action=(action) novalidate {
            input type="hidden" name="version" value=(p.header.version);
            div.field.has-error[p.form.error("kind").is_some()] {
                label for="f-kind" { "附件类别" span.required aria-hidden="true" { " *" } }
                select #f-kind name="kind" {
                    @for o in kinds { option value=(o.code) selected[o.code == kind] { (o.label) } }
                }
                (note(p, "kind"))
            }
            div.field.has-error[p.form.error("file").is_some()] {
                label for="f-file" { "文件" span.required aria-hidden="true" { " *" } }
                input #f-file type="file" name="file" accept="application/pdf,image/png,image/jpeg";
                p.hint { "PDF、PNG 或 JPEG，不超过 20 MB；合同文本扫描件必须上传" }
                @if let Some(e) = p.form.error("file") { p.error #f-file-error role="alert" { (e) } }
            }
            div.actions { button.button type="submit" name="op" value="upload" { "上传" } }
        }
        p { a.button.primary href={ "/my/contracts/" (p.header.id) "/step/6" } { "下一步：核对并提交" } }
    };
    frame(p, "附件", body)
}

/// A read-only section of the application, with a link to its step.
pub struct Section {
    pub step: u8,
    pub title: String,
    pub items: Vec<(String, String)>,
}

pub struct ProblemRow {
    pub step: u8,
    pub message: String,
}

pub struct EventRow {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub from: String,
    pub to: String,
    pub reason: String,
}

fn sections(id: i64, sections: &[Section], editable: bool) -> Markup {
    html! {
        @for s in sections {
            section.summary-section #{ "summary-" (s.step) } {
                h3 {
                    (s.title)
                    @if editable { " " a href={ "/my/contracts/" (id) "/step/" (s.step) } { "修改" } }
                }
                dl.facts { @for (k, v) in &s.items { dt { (k) } dd { (v) } } }
            }
        }
    }
}

fn timeline(events: &[EventRow]) -> Markup {
    html! {
        @if !events.is_empty() {
            h2 { "办理记录" }
            table.data #timeline {
                thead { tr { th { "时间" } th { "办理人" } th { "操作" } th { "状态变化" } th { "说明" } } }
                tbody {
                    @for e in events {
                        tr { td { (e.at) } td { (e.actor) } td { (e.action) } td { (e.from) " → " (e.to) } td { (e.reason) } }
                    }
                }
            }
        }
    }
}

pub const DECLARATION: &str =
    "本申请人声明：所填信息真实、准确，合同文本与原件一致，如有虚假愿承担相应责任。";

pub fn review(
    p: &Page<'_>,
    summary: &[Section],
    problems: &[ProblemRow],
    events: &[EventRow],
) -> Markup {
    let id = p.header.id;
    let body = html! {
        @if problems.is_empty() {
            p.flash.flash-success #ready { "已通过全部逻辑校验，请核对后提交。" }
        } @else {
            div.flash.flash-error role="alert" #problems {
                p { "以下问题需要修改后才能提交：" }
                ul { @for pr in problems {
                    li { (pr.message) " " a href={ "/my/contracts/" (id) "/step/" (pr.step) } { "去第 " (pr.step) " 步修改" } }
                } }
            }
        }
        (sections(id, summary, true))
        (timeline(events))
        form #submit-form method="post" action=(p.action()) novalidate {
            (csrf_field(p.csrf))
            input type="hidden" name="version" value=(p.header.version);
            div.field.declaration.has-error[p.form.error("declaration").is_some()] {
                label {
                    input type="checkbox" name="declaration" value="1" checked[p.form.value("declaration") == "1"];
                    " 申报声明：" (DECLARATION)
                }
                @if let Some(e) = p.form.error("declaration") { p.error { (e) } }
            }
            div.actions { button.button.primary type="submit" { "提交申请" } }
        }
    };
    frame(p, "核对并提交", body)
}

/// The read-only page of a submitted (or later) application.
#[allow(clippy::too_many_arguments)]
pub fn summary(
    csrf: &str,
    header: &Header<'_>,
    deadline: Option<&str>,
    registration_number: Option<&str>,
    summary: &[Section],
    attachments: &[AttachmentRow],
    events: &[EventRow],
    can_withdraw: bool,
    after: Option<&FormState>,
) -> Markup {
    html! {
        section.panel #apply {
            h1 { "技术合同登记申请" }
            (approval_code(header))
            dl.facts {
                @if let Some(d) = deadline { dt { "本阶段办理期限" } dd #deadline { (d) } }
                @if let Some(n) = registration_number { dt { "登记编号" } dd #registration-number { (n) } }
            }
            @if registration_number.is_some() {
                p { a.button href={ "/contracts/" (header.id) "/certificate.pdf" } hx-boost="false" #certificate-link { "下载登记证明（PDF）" } }
            }
            @if let Some(f) = after {
                section #after-registration {
                    h3 { "变更或注销登记" }
                    p.hint { "合同内容变更、解除或终止时，请在此提出申请，由市技术市场办审核；通过后登记证明的状态随之改变。" }
                    @if let Some(m) = &f.message { div.flash.flash-error role="alert" { (m) } }
                    @for (op, label, hint) in [("request-change", "申请变更登记", "请写明变更的内容与原因（如合同金额、期限或当事人的变化）"), ("request-cancel", "申请注销登记", "请写明注销原因（如合同解除、终止或被确认无效）")] {
                        form method="post" action={ "/my/contracts/" (header.id) "/" (op) } id=(op) novalidate {
                            (csrf_field(csrf))
                            input type="hidden" name="version" value=(header.version);
                            @let name = format!("reason_{}", op.trim_start_matches("request-"));
                            div.field.has-error[f.error(&name).is_some()] {
                                label for={ "f-" (name) } { (label) "：说明" }
                                textarea id={ "f-" (name) } name=(name) rows="3" { (f.value(&name)) }
                                p.hint { (hint) }
                                @if let Some(e) = f.error(&name) { p.error { (e) } }
                            }
                            button.button type="submit" { (label) }
                        }
                    }
                }
            }
            @if can_withdraw {
                form method="post" action={ "/my/contracts/" (header.id) "/withdraw" } #withdraw hx-confirm="确定撤回该申请吗？撤回后需重新申请。" {
                    (csrf_field(csrf))
                    input type="hidden" name="version" value=(header.version);
                    p.hint { "登记处受理前可以撤回申请；撤回后如需登记请重新申请。" }
                    button.button type="submit" { "撤回申请" }
                }
            }
            (sections(header.id, summary, false))
            h3 { "附件" }
            ul #attachments {
                @for a in attachments {
                    li { (a.kind) "：" a href={ "/my/contracts/" (header.id) "/attachments/" (a.id) } hx-boost="false" { (a.file_name) } " （" (a.size) "）" }
                }
            }
            (timeline(events))
        }
    }
}
