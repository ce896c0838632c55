//! Enterprise claims: the applicant's proof upload and the staff review.

use maud::{Markup, html};

use super::identity::FormState;
use crate::components::{Field, csrf_field, field};

pub struct ClaimView {
    pub id: i64,
    pub contested: bool,
    pub version: i32,
    pub enterprise_name: String,
    pub credit_code: String,
    pub status: String,
    pub status_label: &'static str,
    pub reason: Option<String>,
    pub has_files: bool,
}

fn file_input(name: &str, label: &str, form: &FormState) -> Markup {
    let id = format!("f-{name}");
    html! {
        div.field.has-error[form.error(name).is_some()] {
            label for=(id) { (label) span.required aria-hidden="true" { " *" } }
            input id=(id) type="file" name=(name) accept="application/pdf,image/png,image/jpeg" required;
            p.hint { "PDF、PNG 或 JPEG，不超过 20 MB" }
            @if let Some(e) = form.error(name) { p.error id={ (id) "-error" } { (e) } }
        }
    }
}

pub fn my_claim(csrf: &str, claim: &ClaimView, form: &FormState) -> Markup {
    let can_upload = claim.status == "awaiting_proof" || claim.status == "rejected";
    html! {
        section.panel #claim {
            h1 { "单位认领核验" }
            dl.facts {
                dt { "单位名称" } dd { (claim.enterprise_name) }
                dt { "统一社会信用代码" } dd { (claim.credit_code) }
                dt { "核验状态" } dd #claim-status { (claim.status_label) }
            }
            @if let Some(r) = &claim.reason {
                div.flash.flash-error role="alert" { "未通过核验，原因：" (r) "。请补充材料后重新提交。" }
            }
            @if let Some(m) = &form.message { div.flash.flash-error role="alert" { (m) } }
            @if can_upload {
                form method="post" enctype="multipart/form-data" action={ "/my/claim?csrf_token=" (csrf) } novalidate {
                    input type="hidden" name="version" value=(claim.version);
                    (file_input("licence", "营业执照（或事业单位法人证书等登记证书）", form))
                    (file_input("letter", "授权书（加盖单位公章）", form))
                    button.button.primary type="submit" { "提交核验" }
                }
            } @else if claim.status == "submitted" {
                p { "材料已提交，请等待登记处核验。核验结果将通过站内消息和短信通知您。" }
            }
        }
    }
}

pub struct QueueRow {
    pub id: i64,
    pub contested: bool,
    pub enterprise_name: String,
    pub credit_code: String,
    pub applicant: String,
    pub submitted: String,
}

pub fn queue(rows: &[QueueRow]) -> Markup {
    html! {
        section.panel #claims {
            h1 { "单位认领核验" }
            @if rows.is_empty() {
                p { "暂无待核验的认领。" }
            } @else {
                table.data {
                    thead { tr { th { "单位名称" } th { "统一社会信用代码" } th { "申请人" } th { "提交时间" } th { "" } } }
                    tbody {
                        @for r in rows {
                            tr {
                                td { (r.enterprise_name) @if r.contested { " " span.badge { "异议" } } } td { (r.credit_code) } td { (r.applicant) } td { (r.submitted) }
                                td { a href={ "/review/claims/" (r.id) } { "核验" } }
                            }
                        }
                    }
                }
            }
        }
    }
}

pub fn review(
    csrf: &str,
    claim: &ClaimView,
    applicant: &str,
    masked_mobile: &str,
    form: &FormState,
) -> Markup {
    let base = format!("/review/claims/{}", claim.id);
    html! {
        section.panel #claim-review {
            h1 { "核验单位认领" }
            @if let Some(m) = &form.message { div.flash.flash-error role="alert" { (m) } }
            @if claim.contested {
                div.flash.flash-warning role="alert" #contested {
                    "异议认领：该单位已有经认证的用户。请核对证明材料；通过后申请人也成为该单位的企业管理员，如现有认证有误，请在用户管理中停用相关账号。"
                }
            }
            dl.facts {
                dt { "单位名称" } dd { (claim.enterprise_name) }
                dt { "统一社会信用代码" } dd { (claim.credit_code) }
                dt { "申请人" } dd { (applicant) "（" (masked_mobile) "）" }
                dt { "状态" } dd { (claim.status_label) }
            }
            @if claim.has_files {
                p {
                    a href={ (base) "/file/licence" } { "查看营业执照" } " · "
                    a href={ (base) "/file/letter" } { "查看授权书" }
                }
            }
            @if claim.status == "submitted" {
                div.decision {
                    form method="post" action={ (base) "/approve" } {
                        (csrf_field(csrf))
                        input type="hidden" name="version" value=(claim.version);
                        button.button.primary type="submit" { "核验通过" }
                    }
                    form method="post" action={ (base) "/reject" } novalidate {
                        (csrf_field(csrf))
                        input type="hidden" name="version" value=(claim.version);
                        (field(&Field { name: "reason", label: "不通过原因", value: form.value("reason"), error: form.error("reason"), required: true, input_type: "text", hint: Some("申请人会看到此原因") }))
                        button.button type="submit" { "不予通过" }
                    }
                }
            }
        }
    }
}
