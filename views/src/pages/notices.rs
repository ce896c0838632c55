//! 通知与提醒 (system admin): reminder points and SMS templates, the
//! yearly SMS counter against the quota, the outbox and recent reminders
//! with their delivery status.

use maud::{Markup, html};

use crate::components::{Field, csrf_field, field};

pub struct SettingRow {
    pub key: &'static str,
    pub label: &'static str,
    pub value: String,
    pub error: Option<String>,
    /// A template (textarea with its placeholders) rather than a number.
    pub template_fields: Option<&'static [&'static str]>,
}

pub struct Quota {
    pub year: i32,
    pub sent: u64,
    pub quota: u64,
    pub warn_percent: u64,
    pub pending: u64,
    pub failed: u64,
}

pub struct ReminderRow {
    pub at: String,
    pub contract_id: i64,
    pub approval_code: String,
    pub point: String,
    pub deadline: String,
    pub recipient: String,
    pub sms_status: &'static str,
    pub sms_error: String,
}

fn percent(q: &Quota) -> f64 {
    q.sent as f64 * 100.0 / q.quota.max(1) as f64
}

pub fn page(csrf: &str, rows: &[SettingRow], quota: &Quota, reminders: &[ReminderRow]) -> Markup {
    let used = percent(quota);
    html! {
        section.panel #sms-quota {
            h1 { "通知与提醒" }
            h2 { (quota.year) " 年短信发送量" }
            p {
                "已发送 " strong #sms-sent { (quota.sent) } " 条，年度配额 " (quota.quota) " 条，已用 "
                strong { (format!("{used:.1}")) "%" } "。"
                @if used >= quota.warn_percent as f64 {
                    span.mark.overdue { "已达提醒线 " (quota.warn_percent) "%" }
                }
            }
            meter min="0" max=(quota.quota) value=(quota.sent) low=(quota.quota * quota.warn_percent / 100) high=(quota.quota * quota.warn_percent / 100) optimum="0" {}
            p.hint { "待发送 " (quota.pending) " 条（含等待重试），发送失败 " (quota.failed) " 条。发送失败的短信按 1、2、4……分钟（最长 1 小时）间隔自动重试，最多 10 次；网关拒收（4xx）的不再重试。" }
        }
        section.panel #reminder-settings {
            h2 { "逾期提醒设置" }
            p.hint { "每个工作日按下列时点，以站内消息和短信提醒案件承办人和登记处负责人；同一时点只提醒一次。" }
            form method="post" action="/admin/notices" novalidate {
                (csrf_field(csrf))
                @for r in rows {
                    @if let Some(fields) = r.template_fields {
                        @let id = format!("f-{}", r.key);
                        div.field.has-error[r.error.is_some()] {
                            label for=(id) { (r.label) span.required aria-hidden="true" { " *" } }
                            textarea id=(id) name=(r.key) rows="3" required
                                aria-invalid=[r.error.as_ref().map(|_| "true")] { (r.value) }
                            p.hint { "可用占位符："
                                @for (i, f) in fields.iter().enumerate() {
                                    @if i > 0 { "、" }
                                    code { "{" (f) "}" }
                                }
                            }
                            @if let Some(e) = &r.error { p.error { (e) } }
                        }
                    } @else {
                        (field(&Field { name: r.key, label: r.label, value: &r.value, error: r.error.as_deref(), required: true, input_type: "text", hint: None }))
                    }
                }
                button.button.primary type="submit" { "保存" }
            }
        }
        section.panel #reminders {
            h2 { "最近的提醒" }
            table.data {
                thead { tr { th { "时间" } th { "合同" } th { "时点" } th { "期限" } th { "提醒对象" } th { "短信状态" } } }
                tbody {
                    @for r in reminders {
                        tr {
                            td { (r.at) }
                            td { a href={ "/review/contracts/" (r.contract_id) } { (r.approval_code) } }
                            td { (r.point) }
                            td { (r.deadline) }
                            td { (r.recipient) }
                            td { (r.sms_status) @if !r.sms_error.is_empty() { br; small { (r.sms_error) } } }
                        }
                    }
                    @if reminders.is_empty() {
                        tr { td colspan="6" { "还没有发送过提醒。" } }
                    }
                }
            }
        }
    }
}
