//! Enterprise management: list with bulk reassignment, detail with users,
//! contracts and history, and the list import with its dry-run preview.

use maud::{Markup, html};

use super::identity::{District, FormState};
use crate::components::{Field, csrf_field, field};

pub struct OfficeOption {
    pub id: i64,
    pub label: String,
}

pub struct EnterpriseRow {
    pub id: i64,
    pub credit_code: String,
    pub name: String,
    pub district: String,
    pub office: String,
    /// A change already scheduled: "office (from date)".
    pub scheduled: Option<String>,
    pub source: &'static str,
    pub flags: Vec<&'static str>,
}

pub struct Filter<'a> {
    pub q: &'a str,
    pub office: &'a str,
    pub district: &'a str,
    pub unassigned: bool,
    /// The query string of the filter, for paging links.
    pub query: String,
}

pub struct ListView<'a> {
    pub filter: Filter<'a>,
    pub rows: &'a [EnterpriseRow],
    pub next_after: Option<i64>,
    pub matching: u64,
    pub can_manage: bool,
    /// Offices the filter may pick (all, or the viewer's own).
    pub filter_offices: &'a [OfficeOption],
    /// Active offices a reassignment may target.
    pub target_offices: &'a [OfficeOption],
    pub today: &'a str,
}

fn office_select(
    name: &str,
    id: &str,
    options: &[OfficeOption],
    selected: &str,
    empty: &str,
) -> Markup {
    html! {
        select id=(id) name=(name) {
            option value="" { (empty) }
            @for o in options {
                option value=(o.id) selected[selected == o.id.to_string()] { (o.label) }
            }
        }
    }
}

fn reassign_fields(form: &FormState, offices: &[OfficeOption], today: &str) -> Markup {
    let date = if form.value("effective").is_empty() {
        today
    } else {
        form.value("effective")
    };
    html! {
        div.field.has-error[form.error("office_id").is_some()] {
            label for="f-office_id" { "调整为登记处" span.required aria-hidden="true" { " *" } }
            (office_select("office_id", "f-office_id", offices, form.value("office_id"), "请选择"))
            @if let Some(e) = form.error("office_id") { p.error id="f-office_id-error" { (e) } }
        }
        (field(&Field { name: "effective", label: "生效日期", value: date, error: form.error("effective"), required: true, input_type: "date", hint: Some("此日期起（含）提交的申请按新的对口登记处分派") }))
        (field(&Field { name: "reason", label: "调整原因", value: form.value("reason"), error: form.error("reason"), required: true, input_type: "text", hint: None }))
    }
}

pub fn list(csrf: &str, view: &ListView<'_>, form: &FormState, districts: &[District]) -> Markup {
    let f = &view.filter;
    html! {
        section.panel #enterprises {
            h1 { "企业与对口关系" }
            @if view.can_manage {
                p { a.button href="/admin/enterprises/import" { "导入企业名单" } }
            }
            form.inline method="get" action="/admin/enterprises" {
                label for="q" { "查找" }
                input #q type="search" name="q" value=(f.q) placeholder="名称或统一社会信用代码";
                label for="office" { "对口登记处" }
                (office_select("office", "office", view.filter_offices, f.office, "全部"))
                label for="district" { "所在区" }
                select #district name="district" {
                    option value="" { "全部" }
                    @for d in districts {
                        option value=(d.code) selected[f.district == d.code] { (d.name) }
                    }
                }
                @if view.can_manage {
                    label { input type="checkbox" name="unassigned" value="1" checked[f.unassigned]; " 仅未对口" }
                }
                button.button type="submit" { "筛选" }
            }
            p #matching { "符合条件的企业共 " strong { (view.matching) } " 家" }
            form method="post" action="/admin/enterprises/reassign" #bulk novalidate {
                (csrf_field(csrf))
                input type="hidden" name="q" value=(f.q);
                input type="hidden" name="filter_office" value=(f.office);
                input type="hidden" name="district" value=(f.district);
                @if f.unassigned { input type="hidden" name="unassigned" value="1"; }
                table.data {
                    thead { tr {
                        @if view.can_manage { th { span.visually-hidden { "选择" } } }
                        th { "统一社会信用代码" } th { "名称" } th { "所在区" } th { "对口登记处" } th { "已排定的调整" } th { "来源" } th { "标记" } th { "" }
                    } }
                    tbody {
                        @for e in view.rows {
                            tr {
                                @if view.can_manage {
                                    td { input type="checkbox" name="ids" value=(e.id) aria-label={ "选择 " (e.name) }; }
                                }
                                td { (e.credit_code) } td { (e.name) } td { (e.district) }
                                td { (e.office) }
                                td { @if let Some(s) = &e.scheduled { (s) } }
                                td { (e.source) }
                                td { @for flag in &e.flags { span.badge { (flag) } " " } }
                                td { a href={ "/admin/enterprises/" (e.id) } { "详情" } }
                            }
                        }
                        @if view.rows.is_empty() {
                            tr { td colspan="9" { "没有符合条件的企业。" } }
                        }
                    }
                }
                @if let Some(after) = view.next_after {
                    p { a href={ "/admin/enterprises?" (f.query) "&after=" (after) } { "下一页" } }
                }
                @if view.can_manage {
                    h2 #bulk-title { "批量调整对口登记处" }
                    @if let Some(m) = &form.message { div.flash.flash-error role="alert" { (m) } }
                    fieldset {
                        legend { "调整范围" }
                        label { input type="radio" name="scope" value="selected" checked[form.value("scope") != "all"]; " 勾选的企业" }
                        label { input type="radio" name="scope" value="all" checked[form.value("scope") == "all"]; " 符合当前筛选条件的全部 " (view.matching) " 家企业" }
                    }
                    (reassign_fields(form, view.target_offices, view.today))
                    button.button.primary type="submit" { "调整" }
                }
            }
        }
    }
}

pub struct Info<'a> {
    pub id: i64,
    pub version: i32,
    pub credit_code: &'a str,
    pub status: &'a str,
    pub source: &'a str,
    pub office: &'a str,
    pub scheduled: Option<&'a str>,
    pub flags: Vec<&'static str>,
    pub created: &'a str,
}

pub struct AssignmentRow {
    pub office: String,
    pub from: String,
    pub to: String,
    pub reason: String,
    pub actor: String,
}

pub struct UserRow {
    pub username: String,
    pub display_name: String,
    pub status: String,
    pub is_admin: bool,
}

pub struct ContractRow {
    pub id: i64,
    pub status: String,
    pub submitted: String,
}

pub struct HistoryRow {
    pub at: String,
    pub actor: String,
    pub action: &'static str,
    pub change: String,
}

pub struct LegalForm {
    pub code: String,
    pub label: String,
}

pub struct DetailView<'a> {
    pub info: Info<'a>,
    pub can_manage: bool,
    pub legal_forms: &'a [LegalForm],
    pub target_offices: &'a [OfficeOption],
    pub today: &'a str,
    pub assignments: &'a [AssignmentRow],
    pub users: &'a [UserRow],
    pub contracts: &'a [ContractRow],
    pub history: &'a [HistoryRow],
}

fn text(form: &FormState, name: &str, label: &str, required: bool) -> Markup {
    field(&Field {
        name,
        label,
        value: form.value(name),
        error: form.error(name),
        required,
        input_type: "text",
        hint: None,
    })
}

pub fn detail(
    csrf: &str,
    view: &DetailView<'_>,
    edit: &FormState,
    reassign: &FormState,
    districts: &[District],
) -> Markup {
    let i = &view.info;
    let base = format!("/admin/enterprises/{}", i.id);
    html! {
        section.panel #enterprise {
            h1 { (edit.value("name")) }
            dl.facts {
                dt { "统一社会信用代码" } dd { (i.credit_code) }
                dt { "认证状态" } dd { (i.status) }
                dt { "来源" } dd { (i.source) }
                dt { "对口登记处" } dd #current-office { (i.office) }
                @if let Some(s) = i.scheduled { dt { "已排定的调整" } dd #scheduled-office { (s) } }
                dt { "标记" } dd { @for f in &i.flags { span.badge { (f) } " " } @if i.flags.is_empty() { "无" } }
                dt { "建档时间" } dd { (i.created) }
            }
            @if view.can_manage {
                h2 { "基本信息" }
                @if let Some(m) = &edit.message { div.flash.flash-error role="alert" { (m) } }
                form method="post" action=(base) novalidate #edit {
                    (csrf_field(csrf))
                    input type="hidden" name="version" value=(i.version);
                    (text(edit, "name", "单位名称", true))
                    div.field.has-error[edit.error("legal_form_code").is_some()] {
                        label for="f-legal_form_code" { "法人类型" }
                        select #f-legal_form_code name="legal_form_code" {
                            option value="" { "（未填）" }
                            @for l in view.legal_forms {
                                option value=(l.code) selected[edit.value("legal_form_code") == l.code] { (l.label) }
                            }
                        }
                        @if let Some(e) = edit.error("legal_form_code") { p.error { (e) } }
                    }
                    div.field.has-error[edit.error("district").is_some()] {
                        label for="f-district" { "所在区" }
                        select #f-district name="district" {
                            option value="" { "（未填）" }
                            @for d in districts {
                                option value=(d.code) selected[edit.value("district") == d.code] { (d.name) }
                            }
                        }
                        @if let Some(e) = edit.error("district") { p.error { (e) } }
                    }
                    (text(edit, "address", "地址", false))
                    (text(edit, "legal_rep", "法定代表人", false))
                    (text(edit, "contact_name", "联系人", false))
                    (text(edit, "contact_phone", "联系电话", false))
                    button.button.primary type="submit" { "保存" }
                }
                h2 #reassign-title { "调整对口登记处" }
                @if let Some(m) = &reassign.message { div.flash.flash-error role="alert" { (m) } }
                form method="post" action={ (base) "/reassign" } novalidate #reassign {
                    (csrf_field(csrf))
                    (reassign_fields(reassign, view.target_offices, view.today))
                    button.button.primary type="submit" { "调整" }
                }
            } @else {
                dl.facts {
                    dt { "地址" } dd { (edit.value("address")) }
                    dt { "法定代表人" } dd { (edit.value("legal_rep")) }
                    dt { "联系人" } dd { (edit.value("contact_name")) " " (edit.value("contact_phone")) }
                }
            }
            h2 { "对口关系历史" }
            table.data #assignments {
                thead { tr { th { "登记处" } th { "起" } th { "止" } th { "原因" } th { "操作人" } } }
                tbody {
                    @for a in view.assignments {
                        tr { td { (a.office) } td { (a.from) } td { (a.to) } td { (a.reason) } td { (a.actor) } }
                    }
                }
            }
            h2 { "本单位用户" }
            table.data #users {
                thead { tr { th { "用户名" } th { "姓名" } th { "状态" } th { "企业管理员" } } }
                tbody {
                    @for u in view.users {
                        tr { td { (u.username) } td { (u.display_name) } td { (u.status) } td { @if u.is_admin { "是" } } }
                    }
                    @if view.users.is_empty() { tr { td colspan="4" { "尚无用户。" } } }
                }
            }
            h2 { "技术合同" }
            table.data #contracts {
                thead { tr { th { "编号" } th { "状态" } th { "提交时间" } } }
                tbody {
                    @for c in view.contracts {
                        tr { td { (c.id) } td { (c.status) } td { (c.submitted) } }
                    }
                    @if view.contracts.is_empty() { tr { td colspan="3" { "尚无合同。" } } }
                }
            }
            h2 { "变更历史" }
            table.data #history {
                thead { tr { th { "时间" } th { "操作人" } th { "操作" } th { "内容" } } }
                tbody {
                    @for h in view.history {
                        tr { td { (h.at) } td { (h.actor) } td { (h.action) } td { code { (h.change) } } }
                    }
                }
            }
        }
    }
}

pub struct PreviewRow {
    pub line: usize,
    pub action: &'static str,
    pub credit_code: String,
    pub name: String,
    pub office: String,
}

pub struct Preview<'a> {
    pub file_name: &'a str,
    pub created: usize,
    pub updated: usize,
    pub errors: &'a [(usize, String)],
    pub rows: &'a [PreviewRow],
    pub total: usize,
    /// The rows as read, carried to the confirm step and checked again.
    pub payload: &'a str,
    pub effective: &'a str,
}

pub fn import(
    csrf: &str,
    message: Option<&str>,
    columns: &[&[&str]],
    preview: Option<&Preview<'_>>,
) -> Markup {
    html! {
        section.panel #import {
            h1 { "导入企业名单" }
            @if let Some(m) = message { div.flash.flash-error role="alert" #import-message { (m) } }
            @if let Some(p) = preview {
                h2 { "预检结果：" (p.file_name) }
                p #import-summary { "共 " (p.total) " 行：新增 " strong { (p.created) } " 家，更新 " strong { (p.updated) } " 家，错误 " strong { (p.errors.len()) } " 行。" }
                @if !p.errors.is_empty() {
                    div.flash.flash-error role="alert" { "文件中有错误，未写入任何数据。请修改文件后重新上传。" }
                    table.data #import-errors {
                        thead { tr { th { "行号" } th { "错误" } } }
                        tbody { @for (line, m) in p.errors { tr { td { (line) } td { (m) } } } }
                    }
                } @else {
                    form method="post" action="/admin/enterprises/import/confirm" #confirm {
                        (csrf_field(csrf))
                        input type="hidden" name="payload" value=(p.payload);
                        input type="hidden" name="file_name" value=(p.file_name);
                        (field(&Field { name: "effective", label: "对口登记处调整的生效日期", value: p.effective, error: None, required: true, input_type: "date", hint: None }))
                        button.button.primary type="submit" { "确认导入" }
                    }
                }
                @if !p.rows.is_empty() {
                    h3 { "将写入的数据（前 " (p.rows.len()) " 行）" }
                    table.data #import-rows {
                        thead { tr { th { "行号" } th { "操作" } th { "统一社会信用代码" } th { "名称" } th { "对口登记处" } } }
                        tbody { @for r in p.rows { tr { td { (r.line) } td { (r.action) } td { (r.credit_code) } td { (r.name) } td { (r.office) } } } }
                    }
                }
            }
            h2 { "上传文件" }
            p { "支持 Excel（.xlsx、.xls）或 CSV（UTF-8 或 GBK 编码）。第一行为表头，可用的列：" }
            ul {
                @for c in columns { li { (c[0]) @if c.len() > 1 { "（也可写作：" (c[1..].join("、")) "）" } } }
            }
            p.hint { "统一社会信用代码与单位名称必填；已有的企业按统一社会信用代码更新，空白单元格不改动原值；填写对口登记处（编码或名称）时按生效日期调整，未填时新企业按规则自动分配。上传后先预检，确认后才写入；任何一行有错误则整个文件都不写入。" }
            form method="post" action={ "/admin/enterprises/import?csrf_token=" (csrf) } enctype="multipart/form-data" #upload {
                div.field {
                    label for="f-file" { "文件" }
                    input #f-file type="file" name="file" accept=".csv,.xlsx,.xls,text/csv" required;
                }
                button.button type="submit" { "上传并预检" }
            }
        }
    }
}
