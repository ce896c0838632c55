//! Public portal pages.

use maud::{Markup, html};

use crate::components::{Field, field};

pub fn home() -> Markup {
    html! {
        section.hero {
            h1 { "技术合同认定登记 全程网办" }
            p { "企业、高校、科研机构和个人在线申报技术合同，登记处在线受理审查，市技术市场办审定后在线出具登记证明。" }
            div.hero-actions {
                a.button.primary href="/login" { "登录办理" }
                a.button href="/register" { "注册账号" }
                a.button
                    href="/guide"
                    hx-get="/guide"
                    hx-target="#guide-panel"
                    hx-swap="innerHTML"
                    hx-push-url="/guide" { "查看办事指南" }
            }
        }
        div #guide-panel {}
        section.cards {
            article.card {
                h2 { "技术合同认定登记" }
                p { "技术开发、转让、许可、咨询、服务五类合同的在线申报、补正与进度查询。" }
            }
            article.card {
                h2 { "技术转移机构及技术经理人登记" }
                p { "机构与技术经理人登记、年度报告、变更申请与电子证书。" }
            }
            article.card {
                h2 { "技术转移服务展示" }
                p { "浏览技术转移机构、技术经理人、项目与需求信息。" }
            }
            article.card {
                h2 { "登记证明核验" }
                p { "扫描证明上的二维码，或输入登记编号与核验码，核验登记证明真伪。" }
                a href="/verify" { "前往核验" }
            }
        }
    }
}

/// The guide; the same markup is the htmx fragment and the page body.
pub fn guide() -> Markup {
    html! {
        section.guide #guide {
            h2 { "办事指南：技术合同认定登记" }
            ol.steps {
                li { strong { "在线申报：" } "卖方（技术开发方、转让方、许可方、咨询和服务提供方）在合同有效期内登录本系统，填写技术合同认定登记信息表，上传合同文本扫描件及相关证明材料。技术进口合同由买方申报。" }
                li { strong { "受理审查：" } "企业对口的区级或行业技术合同登记处在线受理并审查，材料不全的退回补正，补正提交之日起重新计算办理时限。" }
                li { strong { "审定登记：" } "上海市技术市场管理办公室对登记处的审查意见进行审定，作出予以登记或不予登记的决定。" }
                li { strong { "领取证明：" } "予以登记的，申请人在线下载加盖技术合同认定登记专用章的登记证明，可通过证明上的二维码公开核验。" }
            }
            p.note { "办理时限：自受理之日起 7 个工作日；需专家评审的疑难合同不超过 20 个工作日。" }
        }
    }
}

pub struct VerifyForm<'a> {
    pub number: &'a str,
    pub code: &'a str,
    pub number_error: Option<&'a str>,
    pub code_error: Option<&'a str>,
}

pub enum VerifyOutcome<'a> {
    /// Nothing asked yet.
    Blank,
    /// A certificate's page opened without a code.
    NeedCode,
    /// Unknown number or wrong code: the same answer for both.
    WrongCode,
    /// Too many attempts from this address.
    TooMany,
    /// Number and code match: minimal data only.
    Found(&'a VerifiedCertificate),
}

/// What public verification shows about a certificate.
pub struct VerifiedCertificate {
    pub registration_number: String,
    pub contract_name: String,
    pub sellers: Vec<String>,
    pub buyers: Vec<String>,
    pub registered_on: String,
    /// `valid`, `changed`, `cancelled` or `revoked`.
    pub status: &'static str,
    pub status_label: &'static str,
}

pub fn verify(form: &VerifyForm<'_>, outcome: &VerifyOutcome<'_>) -> Markup {
    html! {
        section.verify #verify {
            h1 { "登记证明核验" }
            p { "请输入登记证明上的登记编号和核验码。扫描证明上的二维码可直接打开核验结果。" }
            form method="get" action="/verify" hx-get="/verify" hx-target="#verify" hx-swap="outerHTML" novalidate {
                (field(&Field { name: "number", label: "登记编号", value: form.number, error: form.number_error, required: true, input_type: "text", hint: Some("例如：2026310101000123") }))
                (field(&Field { name: "code", label: "核验码", value: form.code, error: form.code_error, required: true, input_type: "text", hint: Some("证明左下角的 8 位核验码") }))
                button.button.primary type="submit" { "核验" }
            }
            @match outcome {
                VerifyOutcome::Blank => {}
                VerifyOutcome::NeedCode => {
                    div.result.result-unknown role="status" {
                        h2 { "请输入核验码" }
                        p { "核验登记证明需要证明上的核验码。" }
                    }
                }
                VerifyOutcome::WrongCode => {
                    div.result.result-unknown role="status" {
                        h2 { "请提供正确的核验码" }
                    }
                }
                VerifyOutcome::TooMany => {
                    div.result.result-unknown role="status" {
                        h2 { "核验次数过多，请稍后再试" }
                    }
                }
                VerifyOutcome::Found(c) => {
                    div.result class={ "result-" (c.status) } role="status" {
                        h2 { "登记证明状态：" span.cert-status { (c.status_label) } }
                        dl.facts.cert-facts {
                            dt { "登记编号" } dd.cert-number { (c.registration_number) }
                            dt { "合同名称" } dd.cert-name { (c.contract_name) }
                            dt { "卖方" } dd { (c.sellers.join("；")) }
                            dt { "买方" } dd { (c.buyers.join("；")) }
                            dt { "登记日期" } dd { (c.registered_on) }
                        }
                    }
                }
            }
        }
    }
}
