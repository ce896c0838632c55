//! Service points (服务点): list, create, edit, status, staff.

use maud::{Markup, html};

use super::identity::FormState;
use super::staff::{OfficeChoice, PostingRow, history};
use crate::components::{Field, csrf_field, field};

pub struct ServicePointRow {
    pub id: i64,
    pub office_name: String,
    pub name: String,
    pub address: String,
    pub phone: String,
    pub status: &'static str,
    pub staff: usize,
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

fn form_message(form: &FormState, id: &str) -> Markup {
    html! {
        @if let Some(m) = &form.message { div.flash.flash-error role="alert" id=(id) { (m) } }
    }
}

fn detail_fields(form: &FormState) -> Markup {
    html! {
        (text(form, "name", "名称", true))
        (text(form, "address", "地址", false))
        (text(form, "phone", "电话", false))
    }
}

pub fn list(
    csrf: &str,
    offices: &[OfficeChoice],
    office_filter: Option<i64>,
    rows: &[ServicePointRow],
    form: &FormState,
    can_create: bool,
) -> Markup {
    html! {
        section.panel #service-points {
            h1 { "服务点管理" }
            form.inline method="get" action="/admin/service-points" {
                label for="office" { "登记处" }
                select #office name="office" {
                    option value="" { "全部" }
                    @for o in offices {
                        option value=(o.id) selected[office_filter == Some(o.id)] { (o.name) }
                    }
                }
                button.button type="submit" { "筛选" }
            }
            table.data #service-point-list {
                thead { tr { th { "登记处" } th { "名称" } th { "地址" } th { "电话" } th { "人员数" } th { "状态" } th { "" } } }
                tbody {
                    @for r in rows {
                        tr {
                            td { (r.office_name) } td { (r.name) } td { (r.address) } td { (r.phone) }
                            td { (r.staff) } td { (r.status) }
                            td { a href={ "/admin/service-points/" (r.id) } { "详情" } }
                        }
                    }
                    @if rows.is_empty() { tr { td colspan="7" { "（暂无服务点）" } } }
                }
            }
            @if can_create {
                h2 { "新建服务点" }
                (form_message(form, "create-message"))
                form method="post" action="/admin/service-points" novalidate #create {
                    (csrf_field(csrf))
                    div.field.has-error[form.error("office").is_some()] {
                        label for="f-office" { "所属登记处" span.required aria-hidden="true" { " *" } }
                        select #f-office name="office" {
                            option value="" { "（请选择）" }
                            @for o in offices {
                                option value=(o.id) selected[form.value("office") == o.id.to_string()] { (o.name) }
                            }
                        }
                        @if let Some(e) = form.error("office") { p.error id="f-office-error" { (e) } }
                    }
                    (detail_fields(form))
                    button.button.primary type="submit" { "创建" }
                }
            }
        }
    }
}

pub struct ServicePointDetail {
    pub id: i64,
    pub version: i32,
    pub office_id: i64,
    pub office_name: String,
    pub name: String,
    pub status: &'static str,
    /// The reason given at the last status change.
    pub status_reason: Option<String>,
}

pub struct StaffRow {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub since: String,
}

pub struct ChangeRow {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

pub struct DetailForms<'a> {
    pub edit: &'a FormState,
    pub status: &'a FormState,
    pub staff: &'a FormState,
}

#[allow(clippy::too_many_arguments)]
pub fn detail(
    csrf: &str,
    d: &ServicePointDetail,
    forms: &DetailForms<'_>,
    can_edit: bool,
    staff: &[StaffRow],
    postings: &[PostingRow],
    changes: &[ChangeRow],
) -> Markup {
    let base = format!("/admin/service-points/{}", d.id);
    html! {
        section.panel #service-point {
            h1 { (d.name) }
            p {
                "所属登记处：" (d.office_name) "　"
                a href={ "/admin/staff?office=" (d.office_id) } { "登记处人员" }
            }
            p { "当前状态：" strong #service-point-status { (d.status) }
                @if let Some(r) = &d.status_reason { "（原因：" (r) "）" } }
            @if can_edit {
                h2 { "基本信息" }
                (form_message(forms.edit, "edit-message"))
                form method="post" action=(base) novalidate #edit {
                    (csrf_field(csrf))
                    input type="hidden" name="version" value=(d.version);
                    (detail_fields(forms.edit))
                    button.button.primary type="submit" { "保存" }
                }
                h2 { "状态" }
                (form_message(forms.status, "status-message"))
                form method="post" action={ (base) "/status" } novalidate #status {
                    (csrf_field(csrf))
                    input type="hidden" name="version" value=(d.version);
                    div.field {
                        label for="f-new-status" { "改为" }
                        select #f-new-status name="status" {
                            option value="active" { "正常" }
                            option value="suspended" { "暂停" }
                        }
                    }
                    (field(&Field { name: "reason", label: "原因", value: forms.status.value("reason"), error: forms.status.error("reason"), required: true, input_type: "text", hint: None }))
                    button.button type="submit" { "变更状态" }
                }
            }
            h2 { "服务点人员" }
            (form_message(forms.staff, "staff-message"))
            table.data #sp-staff {
                thead { tr { th { "用户名" } th { "姓名" } th { "任职起始" } th { "撤销（须填原因）" } } }
                tbody {
                    @for s in staff {
                        tr {
                            td { (s.username) } td { (s.display_name) } td { (s.since) }
                            td {
                                form.inline method="post" action={ (base) "/staff/revoke" } novalidate {
                                    (csrf_field(csrf))
                                    input type="hidden" name="user" value=(s.user_id);
                                    input id={ "r-" (s.user_id) } type="text" name="reason" placeholder="撤销原因" aria-label="撤销原因" required;
                                    button.button type="submit" { "撤销" }
                                }
                            }
                        }
                    }
                    @if staff.is_empty() { tr { td colspan="4" { "（暂无人员）" } } }
                }
            }
            form method="post" action={ (base) "/staff/grant" } novalidate #grant {
                (csrf_field(csrf))
                (field(&Field { name: "username", label: "用户名", value: forms.staff.value("username"), error: forms.staff.error("username"), required: true, input_type: "text", hint: Some("须为已有的工作人员账号") }))
                (field(&Field { name: "reason", label: "原因", value: forms.staff.value("reason"), error: forms.staff.error("reason"), required: true, input_type: "text", hint: None }))
                button.button.primary type="submit" { "授予服务点人员岗位" }
            }
            h2 { "任职历史" }
            (history(postings))
            h2 { "变更记录" }
            table.data #changes {
                thead { tr { th { "时间" } th { "操作人" } th { "操作" } th { "内容" } } }
                tbody {
                    @for c in changes {
                        tr { td { (c.at) } td { (c.actor) } td { (c.action) } td { code { (c.detail) } } }
                    }
                }
            }
        }
    }
}
