//! Sign-in, registration and account pages.

use maud::{Markup, PreEscaped, html};

use crate::components::{Field, csrf_field, field};

/// Field values and errors of a form, by field name.
#[derive(Default, Clone, Debug)]
pub struct FormState {
    pub values: Vec<(String, String)>,
    pub errors: Vec<(String, String)>,
    /// A message for the whole form (not one field).
    pub message: Option<String>,
}

impl FormState {
    pub fn value(&self, name: &str) -> &str {
        self.values
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
    pub fn error(&self, name: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || self.message.is_some()
    }
    pub fn add_error(&mut self, name: &str, message: impl Into<String>) {
        if self.error(name).is_none() {
            self.errors.push((name.to_owned(), message.into()));
        }
    }
}

fn input(form: &FormState, name: &str, label: &str, kind: &str, hint: Option<&str>) -> Markup {
    let value = if kind == "password" {
        ""
    } else {
        form.value(name)
    };
    field(&Field {
        name,
        label,
        value,
        error: form.error(name),
        required: true,
        input_type: kind,
        hint,
    })
}

fn form_message(form: &FormState) -> Markup {
    html! {
        @if let Some(m) = &form.message {
            div.flash.flash-error role="alert" { (m) }
        }
    }
}

pub fn login(csrf: &str, form: &FormState) -> Markup {
    html! {
        section.panel.narrow #login {
            h1 { "登录" }
            (form_message(form))
            form method="post" action="/login" hx-post="/login" hx-target="#login" hx-swap="outerHTML" novalidate {
                (csrf_field(csrf))
                (input(form, "username", "用户名", "text", None))
                (input(form, "password", "密码", "password", None))
                button.button.primary type="submit" { "下一步" }
            }
            p { "还没有账号？" a href="/register" { "注册" } }
        }
    }
}

pub fn second_factor(csrf: &str, method_label: &str, form: &FormState, can_resend: bool) -> Markup {
    html! {
        section.panel.narrow #verify-factor {
            h1 { "身份验证" }
            p { (method_label) }
            (form_message(form))
            form method="post" action="/login/verify" hx-post="/login/verify" hx-target="#verify-factor" hx-swap="outerHTML" novalidate {
                (csrf_field(csrf))
                (field(&Field { name: "code", label: "验证码", value: "", error: form.error("code"), required: true, input_type: "text", hint: Some("使用验证器应用时，也可输入一次性恢复码") }))
                button.button.primary type="submit" { "登录" }
            }
            @if can_resend {
                form method="post" action="/login/resend" {
                    (csrf_field(csrf))
                    button.button type="submit" { "重新发送验证码" }
                }
            }
        }
    }
}

pub fn change_password(csrf: &str, form: &FormState, forced: bool, min_length: i64) -> Markup {
    html! {
        section.panel.narrow #password {
            h1 { "修改密码" }
            @if forced {
                div.flash.flash-warning role="alert" { "您的密码为一次性密码或已过期，请先设置新密码。" }
            }
            (form_message(form))
            form method="post" action="/account/password" hx-post="/account/password" hx-target="#password" hx-swap="outerHTML" novalidate {
                (csrf_field(csrf))
                (input(form, "current_password", "当前密码", "password", None))
                (input(form, "new_password", "新密码", "password", Some(&format!("至少 {min_length} 位，包含大写字母、小写字母、数字、符号中的至少三类，不含用户名，不与最近使用过的密码相同"))))
                (input(form, "confirm_password", "再次输入新密码", "password", None))
                button.button.primary type="submit" { "保存" }
            }
        }
    }
}

pub struct District {
    pub code: &'static str,
    pub name: &'static str,
}

pub fn register_choice() -> Markup {
    html! {
        section.panel {
            h1 { "注册账号" }
            div.cards {
                article.card {
                    h2 { "单位用户" }
                    p { "企业、高校、科研机构等单位申报技术合同。注册后须上传营业执照（或登记证书）和授权书，经登记处核验后方可申报。" }
                    a.button.primary href="/register/enterprise" { "单位注册" }
                }
                article.card {
                    h2 { "个人用户" }
                    p { "个人申报技术合同或登记为技术经理人。" }
                    a.button.primary href="/register/individual" { "个人注册" }
                }
            }
        }
    }
}

/// Without script the button submits the whole form to the code endpoint,
/// which re-renders the form; with htmx only the mobile number is posted.
fn sms_button() -> Markup {
    html! {
        div.sms-row {
            button.button type="submit" formaction="/register/sms-code" formnovalidate
                hx-post="/register/sms-code" hx-include="[name=mobile]" hx-target="#sms-status" hx-swap="innerHTML" {
                "获取验证码"
            }
            span #sms-status role="status" {}
        }
    }
}

pub fn register_enterprise(csrf: &str, form: &FormState, districts: &[District]) -> Markup {
    html! {
        section.panel #register {
            h1 { "单位用户注册" }
            (form_message(form))
            form method="post" action="/register/enterprise" hx-post="/register/enterprise" hx-target="#register" hx-swap="outerHTML" novalidate {
                (csrf_field(csrf))
                fieldset {
                    legend { "单位信息" }
                    (input(form, "credit_code", "统一社会信用代码", "text", Some("18 位，见营业执照；全角字符会自动转换")))
                    (input(form, "enterprise_name", "单位名称", "text", None))
                    div.field.has-error[form.error("district").is_some()] {
                        label for="f-district" { "所在区" span.required aria-hidden="true" { " *" } }
                        select #f-district name="district" required {
                            option value="" { "请选择" }
                            @for d in districts {
                                option value=(d.code) selected[form.value("district") == d.code] { (d.name) }
                            }
                        }
                        @if let Some(e) = form.error("district") { p.error id="f-district-error" { (e) } }
                    }
                }
                fieldset {
                    legend { "联系人与账号" }
                    (input(form, "contact_name", "联系人姓名", "text", None))
                    (input(form, "mobile", "手机号码", "tel", None))
                    (sms_button())
                    (input(form, "sms_code", "短信验证码", "text", None))
                    (input(form, "username", "用户名", "text", Some("4–50 位字母、数字、下划线或点，以字母开头")))
                    (input(form, "password", "密码", "password", Some("至少 8 位，包含大写字母、小写字母、数字、符号中的至少三类")))
                    (input(form, "confirm_password", "再次输入密码", "password", None))
                }
                div.field {
                    label {
                        input type="checkbox" name="contest" value="1" checked[form.value("contest") == "1"];
                        " 对现有认证提出异议（仅当该单位已被他人认证时勾选；须上传证明材料，由登记处审核）"
                    }
                }
                button.button.primary type="submit" { "注册" }
            }
        }
    }
}

pub fn register_individual(csrf: &str, form: &FormState) -> Markup {
    html! {
        section.panel #register {
            h1 { "个人用户注册" }
            (form_message(form))
            form method="post" action="/register/individual" hx-post="/register/individual" hx-target="#register" hx-swap="outerHTML" novalidate {
                (csrf_field(csrf))
                (input(form, "real_name", "姓名", "text", None))
                (input(form, "id_card", "身份证号码", "text", Some("18 位，末位可为 X")))
                (input(form, "mobile", "手机号码", "tel", None))
                (sms_button())
                (input(form, "sms_code", "短信验证码", "text", None))
                (input(form, "username", "用户名", "text", Some("4–50 位字母、数字、下划线或点，以字母开头")))
                (input(form, "password", "密码", "password", Some("至少 8 位，包含大写字母、小写字母、数字、符号中的至少三类")))
                (input(form, "confirm_password", "再次输入密码", "password", None))
                button.button.primary type="submit" { "注册" }
            }
        }
    }
}

pub struct HomeInfo<'a> {
    pub display_name: &'a str,
    pub status_label: &'a str,
    pub pending: bool,
    pub masked_mobile: &'a str,
    pub mfa_label: &'a str,
    pub roles: &'a str,
}

pub fn my_home(info: &HomeInfo<'_>) -> Markup {
    html! {
        section.panel {
            h1 { "您好，" (info.display_name) }
            @if info.pending {
                div.flash.flash-warning role="alert" {
                    "账号待核验：请上传营业执照（或登记证书）和授权书，登记处核验通过后即可申报技术合同。"
                    " " a href="/my/claim" { "上传材料" }
                }
            }
            dl.facts {
                dt { "账号状态" } dd { (info.status_label) }
                dt { "手机号码" } dd { (info.masked_mobile) }
                dt { "第二验证方式" } dd { (info.mfa_label) }
                dt { "角色" } dd { @if info.roles.is_empty() { "（暂无）" } @else { (info.roles) } }
            }
            p {
                a href="/account/security" { "安全设置" } " · "
                a href="/account/sessions" { "我的会话" } " · "
                a href="/account/password" { "修改密码" }
            }
        }
    }
}

pub struct SessionRow {
    pub key: String,
    pub current: bool,
    pub ip: String,
    pub user_agent: String,
    pub created: String,
    pub last_seen: String,
}

pub fn my_sessions(csrf: &str, rows: &[SessionRow]) -> Markup {
    html! {
        section.panel #sessions {
            h1 { "我的会话" }
            table.data {
                thead { tr { th { "登录时间" } th { "最近活动" } th { "地址" } th { "浏览器" } th { "" } } }
                tbody {
                    @for r in rows {
                        tr {
                            td { (r.created) } td { (r.last_seen) } td { (r.ip) } td { (r.user_agent) }
                            td {
                                @if r.current { "当前会话" } @else {
                                    form method="post" action="/account/sessions/end" {
                                        (csrf_field(csrf))
                                        input type="hidden" name="session" value=(r.key);
                                        button.button type="submit" { "退出该会话" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            form method="post" action="/account/sessions/end-others" {
                (csrf_field(csrf))
                button.button type="submit" { "退出其他所有会话" }
            }
        }
    }
}

pub struct SecurityView<'a> {
    pub method: &'a str,
    pub masked_mobile: &'a str,
    /// An enrolment in progress: the QR code (inline SVG) and the secret.
    pub enrolment: Option<(String, String)>,
    pub recovery_codes: Option<Vec<String>>,
}

pub fn security(csrf: &str, view: &SecurityView<'_>, form: &FormState) -> Markup {
    html! {
        section.panel #security {
            h1 { "安全设置" }
            p { "当前第二验证方式：" strong { @if view.method == "totp" { "验证器应用" } @else { "短信验证码（" (view.masked_mobile) "）" } } }
            (form_message(form))
            @if let Some(codes) = &view.recovery_codes {
                div.flash.flash-success role="alert" {
                    p { "验证器应用已启用。以下恢复码只显示这一次，请妥善保存；每个恢复码只能使用一次：" }
                    ul.codes { @for c in codes { li { code { (c) } } } }
                }
            }
            @if let Some((svg, secret)) = &view.enrolment {
                div.enrol {
                    p { "用验证器应用扫描二维码（或手动输入密钥），然后输入应用显示的 6 位数字，并输入当前验证方式的验证码确认。" }
                    div.qr { (PreEscaped(svg)) }
                    p { "密钥：" code #totp-secret { (secret) } }
                    form method="post" action="/account/security/totp/confirm" novalidate {
                        (csrf_field(csrf))
                        (field(&Field { name: "totp_code", label: "验证器应用显示的验证码", value: "", error: form.error("totp_code"), required: true, input_type: "text", hint: None }))
                        (field(&Field { name: "code", label: "当前验证方式的验证码", value: "", error: form.error("code"), required: true, input_type: "text", hint: Some("短信验证方式请先点击下方“发送短信验证码”") }))
                        button.button.primary type="submit" { "启用验证器应用" }
                    }
                }
            } @else if view.method != "totp" {
                form method="post" action="/account/security/totp/start" {
                    (csrf_field(csrf))
                    button.button type="submit" { "改用验证器应用" }
                }
            } @else {
                form method="post" action="/account/security/sms" novalidate {
                    (csrf_field(csrf))
                    (field(&Field { name: "code", label: "验证器应用显示的验证码", value: "", error: form.error("code"), required: true, input_type: "text", hint: None }))
                    button.button type="submit" { "改用短信验证码" }
                }
            }
            p { a href="/account/mobile" { "更换手机号码" } }
            @if view.method != "totp" {
                form method="post" action="/account/security/sms-code" {
                    (csrf_field(csrf))
                    button.button type="submit" { "发送短信验证码" }
                }
            }
        }
    }
}

pub fn demo_inbox(rows: &[(String, String, String)]) -> Markup {
    html! {
        section.panel {
            h1 { "演示短信收件箱" }
            p.note { "仅演示模式提供此页面，用于查看系统发出的短信（含验证码）。生产模式下没有此页面。" }
            table.data {
                thead { tr { th { "时间" } th { "手机号码" } th { "内容" } } }
                tbody {
                    @for (at, mobile, body) in rows {
                        tr { td { (at) } td { (mobile) } td { (body) } }
                    }
                }
            }
        }
    }
}

pub fn change_mobile(
    csrf: &str,
    masked_current: &str,
    uses_totp: bool,
    form: &FormState,
) -> Markup {
    html! {
        section.panel.narrow #mobile {
            h1 { "更换手机号码" }
            p { "当前手机号码：" (masked_current) }
            @if let Some(m) = &form.message { div.flash.flash-error role="alert" { (m) } }
            form method="post" action="/account/mobile" novalidate {
                (csrf_field(csrf))
                (input(form, "new_mobile", "新手机号码", "tel", None))
                button.button type="submit" formaction="/account/mobile/new-code" formnovalidate { "发送验证码到新号码" }
                (input(form, "new_code", "新号码收到的验证码", "text", None))
                @if uses_totp {
                    (input(form, "current_code", "验证器应用显示的验证码", "text", None))
                } @else {
                    button.button type="submit" formaction="/account/mobile/current-code" formnovalidate { "发送验证码到当前号码" }
                    (input(form, "current_code", "当前号码收到的验证码", "text", None))
                }
                button.button.primary type="submit" { "确认更换" }
            }
        }
    }
}
