//! Admin screens: users, online sessions, the audit log.

use maud::{Markup, html};

use super::identity::FormState;
use crate::components::{Field, csrf_field, field};

pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub kind: String,
    pub status: String,
    pub roles: String,
    pub locked: bool,
}

pub struct RoleOption {
    pub code: String,
    pub name: String,
}

pub struct OfficeOption {
    pub id: i64,
    pub name: String,
}

fn office_select(offices: &[OfficeOption], form: &FormState) -> Markup {
    html! {
        div.field.has-error[form.error("office").is_some()] {
            label for="f-office" { "所属登记处（登记处岗位必填）" }
            select #f-office name="office" {
                option value="" { "（无）" }
                @for o in offices {
                    option value=(o.id) selected[form.value("office") == o.id.to_string()] { (o.name) }
                }
            }
            @if let Some(e) = form.error("office") { p.error id="f-office-error" { (e) } }
        }
    }
}

pub fn users(
    csrf: &str,
    q: &str,
    rows: &[UserRow],
    roles: &[RoleOption],
    offices: &[OfficeOption],
    form: &FormState,
    created: Option<(&str, &str)>,
) -> Markup {
    html! {
        section.panel #users {
            h1 { "用户管理" }
            @if let Some((username, password)) = created {
                div.flash.flash-success role="alert" #one-time-password {
                    "已创建用户 " strong { (username) } "，一次性密码：" code { (password) } "（只显示这一次，请当面或通过安全渠道告知本人；首次登录须修改）"
                }
            }
            form.inline method="get" action="/admin/users" {
                label for="q" { "查找" }
                input #q type="search" name="q" value=(q) placeholder="用户名或姓名";
                button.button type="submit" { "查找" }
            }
            table.data {
                thead { tr { th { "用户名" } th { "姓名" } th { "类型" } th { "状态" } th { "角色" } th { "操作" } } }
                tbody {
                    @for u in rows {
                        tr {
                            td { (u.username) } td { (u.display_name) } td { (u.kind) }
                            td { (u.status) @if u.locked { " " span.badge { "已锁定" } } }
                            td { (u.roles) }
                            td { a href={ "/admin/users/" (u.id) } { "管理" } }
                        }
                    }
                }
            }
            h2 { "新建工作人员账号" }
            @if let Some(m) = &form.message { div.flash.flash-error role="alert" { (m) } }
            form method="post" action="/admin/users" novalidate {
                (csrf_field(csrf))
                (field(&Field { name: "username", label: "用户名", value: form.value("username"), error: form.error("username"), required: true, input_type: "text", hint: None }))
                (field(&Field { name: "display_name", label: "姓名", value: form.value("display_name"), error: form.error("display_name"), required: true, input_type: "text", hint: None }))
                (field(&Field { name: "mobile", label: "手机号码", value: form.value("mobile"), error: form.error("mobile"), required: true, input_type: "tel", hint: Some("用于短信验证码登录") }))
                (role_select(roles, form))
                (office_select(offices, form))
                button.button.primary type="submit" { "创建" }
            }
        }
    }
}

fn role_select(roles: &[RoleOption], form: &FormState) -> Markup {
    html! {
        div.field.has-error[form.error("role").is_some()] {
            label for="f-role" { "角色" }
            select #f-role name="role" {
                option value="" { "请选择" }
                @for r in roles {
                    option value=(r.code) selected[form.value("role") == r.code] { (r.name) }
                }
            }
            @if let Some(e) = form.error("role") { p.error id="f-role-error" { (e) } }
        }
    }
}

pub struct UserDetail {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub status: String,
    pub disabled: bool,
    pub locked_until: Option<String>,
    pub roles: Vec<String>,
}

pub fn user_detail(
    csrf: &str,
    u: &UserDetail,
    roles: &[RoleOption],
    offices: &[OfficeOption],
    form: &FormState,
    new_password: Option<&str>,
) -> Markup {
    let base = format!("/admin/users/{}", u.id);
    html! {
        section.panel #user {
            h1 { (u.display_name) "（" (u.username) "）" }
            @if let Some(p) = new_password {
                div.flash.flash-success role="alert" #one-time-password { "密码已重置，一次性密码：" code { (p) } "（只显示这一次；首次登录须修改）" }
            }
            @if let Some(m) = &form.message { div.flash.flash-error role="alert" { (m) } }
            dl.facts {
                dt { "状态" } dd { (u.status) }
                dt { "锁定" } dd { @if let Some(t) = &u.locked_until { "锁定至 " (t) } @else { "未锁定" } }
                dt { "角色" } dd { @if u.roles.is_empty() { "（暂无）" } @else { (u.roles.join("、")) } }
            }
            div.actions {
                @if u.locked_until.is_some() {
                    form method="post" action={ (base) "/unlock" } { (csrf_field(csrf)) button.button type="submit" { "解锁" } }
                }
                form method="post" action={ (base) "/reset-password" } { (csrf_field(csrf)) button.button type="submit" { "重置密码" } }
                @if u.disabled {
                    form method="post" action={ (base) "/enable" } { (csrf_field(csrf)) button.button type="submit" { "启用" } }
                } @else {
                    form method="post" action={ (base) "/disable" } novalidate {
                        (csrf_field(csrf))
                        (field(&Field { name: "reason", label: "停用原因", value: "", error: form.error("reason"), required: true, input_type: "text", hint: None }))
                        button.button type="submit" { "停用" }
                    }
                }
            }
            h2 { "分配角色" }
            form method="post" action={ (base) "/roles" } novalidate {
                (csrf_field(csrf))
                (role_select(roles, form))
                (office_select(offices, form))
                button.button type="submit" { "分配" }
            }
        }
    }
}

pub struct OnlineRow {
    pub key: String,
    pub username: String,
    pub ip: String,
    pub user_agent: String,
    pub created: String,
    pub last_seen: String,
}

pub fn online_sessions(csrf: &str, rows: &[OnlineRow]) -> Markup {
    html! {
        section.panel #online {
            h1 { "在线会话" }
            table.data {
                thead { tr { th { "用户" } th { "登录时间" } th { "最近活动" } th { "地址" } th { "浏览器" } th { "" } } }
                tbody {
                    @for r in rows {
                        tr {
                            td { (r.username) } td { (r.created) } td { (r.last_seen) } td { (r.ip) } td { (r.user_agent) }
                            td {
                                form method="post" action="/admin/sessions/end" {
                                    (csrf_field(csrf))
                                    input type="hidden" name="session" value=(r.key);
                                    button.button type="submit" { "强制下线" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub role: String,
    pub ip: String,
    pub action: String,
    pub object: String,
    pub result: String,
    pub detail: String,
    pub sealed: bool,
}

pub struct AuditFilter<'a> {
    pub action: &'a str,
    pub actor: &'a str,
    pub result: &'a str,
}

pub fn audit_log(filter: &AuditFilter<'_>, rows: &[AuditRow], next: Option<String>) -> Markup {
    html! {
        section.panel #audit {
            h1 { "审计日志" }
            form.inline method="get" action="/audit/log" {
                label for="f-action" { "操作" } input #f-action name="action" value=(filter.action);
                label for="f-actor" { "操作人" } input #f-actor name="actor" value=(filter.actor);
                label for="f-result" { "结果" }
                select #f-result name="result" {
                    option value="" { "全部" }
                    @for (v, l) in [("success", "成功"), ("failure", "失败"), ("denied", "拒绝")] {
                        option value=(v) selected[filter.result == v] { (l) }
                    }
                }
                button.button type="submit" { "筛选" }
            }
            table.data {
                thead { tr { th { "编号" } th { "时间" } th { "操作人" } th { "角色" } th { "地址" } th { "操作" } th { "对象" } th { "结果" } th { "详情" } th { "链" } } }
                tbody {
                    @for r in rows {
                        tr {
                            td { (r.id) } td { (r.at) } td { (r.actor) } td { (r.role) } td { (r.ip) } td { (r.action) }
                            td { (r.object) } td { (r.result) } td { code { (r.detail) } }
                            td { @if r.sealed { "已封存" } @else { "待封存" } }
                        }
                    }
                }
            }
            @if let Some(href) = next { p { a href=(href) { "下一页" } } }
        }
    }
}

pub struct MatrixRole {
    pub code: String,
    pub name: String,
}

/// Permissions (rows) × roles (columns); `granted` holds "permission|role".
pub fn role_matrix(
    csrf: &str,
    permissions: &[(&str, &str)],
    roles: &[MatrixRole],
    granted: &std::collections::BTreeSet<String>,
    message: Option<&str>,
) -> Markup {
    html! {
        section.panel #roles {
            h1 { "角色与权限" }
            p.note { "系统管理、安全管理、审计权限只能授予对应管理员角色（三员分立）。每项授权带完整性校验码，数据库外的改动会被发现并拒绝。" }
            @if let Some(m) = message { div.flash.flash-error role="alert" { (m) } }
            form method="post" action="/admin/roles" {
                (csrf_field(csrf))
                table.data.matrix {
                    thead { tr { th { "权限" } @for r in roles { th { (r.name) } } } }
                    tbody {
                        @for (code, label) in permissions {
                            tr {
                                th scope="row" { (label) br; code { (code) } }
                                @for r in roles {
                                    @let key = format!("{code}|{}", r.code);
                                    td {
                                        input type="checkbox" name="grant" value=(key) checked[granted.contains(&key)]
                                            aria-label={ (r.name) "：" (label) };
                                    }
                                }
                            }
                        }
                    }
                }
                button.button.primary type="submit" { "保存" }
            }
        }
    }
}

pub struct PolicyRow {
    pub key: &'static str,
    pub label: &'static str,
    pub value: String,
    pub error: Option<String>,
}

pub fn security_policy(csrf: &str, rows: &[PolicyRow]) -> Markup {
    html! {
        section.panel #policy {
            h1 { "安全策略" }
            form method="post" action="/admin/security" novalidate {
                (csrf_field(csrf))
                @for r in rows {
                    (field(&Field { name: r.key, label: r.label, value: &r.value, error: r.error.as_deref(), required: true, input_type: "text", hint: None }))
                }
                button.button.primary type="submit" { "保存" }
            }
        }
    }
}

pub struct MemberRow {
    pub username: String,
    pub display_name: String,
    pub masked_mobile: String,
    pub status: String,
    pub is_admin: bool,
}

pub fn enterprise_users(
    csrf: &str,
    enterprise: &str,
    rows: &[MemberRow],
    form: &FormState,
    created: Option<(&str, &str)>,
) -> Markup {
    html! {
        section.panel #members {
            h1 { (enterprise) " · 用户管理" }
            @if let Some((username, password)) = created {
                div.flash.flash-success role="alert" #one-time-password {
                    "已添加用户 " strong { (username) } "，一次性密码：" code { (password) } "（只显示这一次；首次登录须修改）"
                }
            }
            table.data {
                thead { tr { th { "用户名" } th { "姓名" } th { "手机号码" } th { "状态" } th { "" } } }
                tbody {
                    @for m in rows {
                        tr {
                            td { (m.username) } td { (m.display_name) } td { (m.masked_mobile) } td { (m.status) }
                            td { @if m.is_admin { "企业管理员" } }
                        }
                    }
                }
            }
            h2 { "添加本单位用户" }
            @if let Some(m) = &form.message { div.flash.flash-error role="alert" { (m) } }
            form method="post" action="/my/enterprise/users" novalidate {
                (csrf_field(csrf))
                (field(&Field { name: "username", label: "用户名", value: form.value("username"), error: form.error("username"), required: true, input_type: "text", hint: None }))
                (field(&Field { name: "display_name", label: "姓名", value: form.value("display_name"), error: form.error("display_name"), required: true, input_type: "text", hint: None }))
                (field(&Field { name: "mobile", label: "手机号码", value: form.value("mobile"), error: form.error("mobile"), required: true, input_type: "tel", hint: Some("用于短信验证码登录") }))
                button.button.primary type="submit" { "添加" }
            }
        }
    }
}
