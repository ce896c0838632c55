//! Records of the 2001 rules whose five-category type a person decides
//! (技术秘密转让: ownership moved, or only a right of use).

use maud::{Markup, html};

use super::identity::FormState;
use crate::components::csrf_field;

pub struct Pending {
    pub id: i64,
    pub version: i32,
    pub registration_number: String,
    pub name: String,
    pub parties: String,
    pub registered: String,
}

pub fn list(csrf: &str, rows: &[Pending], form: &FormState, failed_id: Option<i64>) -> Markup {
    html! {
        section.panel #reclassify {
            h1 { "五类合同归属确认" }
            p { "以下历史合同按 2001 年规则登记为“技术转让 / 技术秘密转让”。五类划分中，转移技术秘密所有权的属“技术转让”，只许可使用的属“技术许可”。请阅读合同后确认，统计与查询按确认结果归类。" }
            @if rows.is_empty() { p #none { "没有待确认的合同。" } }
            @for r in rows {
                article.case id={ "pending-" (r.id) } {
                    h2 { (r.name) }
                    p { "登记编号 " (r.registration_number) " · " (r.parties) " · 登记日期 " (r.registered) }
                    @if failed_id == Some(r.id) {
                        @if let Some(m) = &form.message { div.flash.flash-error role="alert" { (m) } }
                    }
                    form method="post" action={ "/review/reclassify/" (r.id) } novalidate {
                        (csrf_field(csrf))
                        input type="hidden" name="version" value=(r.version);
                        fieldset {
                            legend { "五类归属" }
                            label { input type="radio" name="choice" value="transfer"; " 技术转让 / 技术秘密转让（所有权转移）" }
                            label { input type="radio" name="choice" value="licence"; " 技术许可 / 技术秘密使用许可（只许可使用）" }
                        }
                        div.field.has-error[failed_id == Some(r.id) && form.error("reason").is_some()] {
                            label for={ "reason-" (r.id) } { "依据" }
                            input id={ "reason-" (r.id) } name="reason" type="text" value=[(failed_id == Some(r.id)).then(|| form.value("reason"))];
                            @if failed_id == Some(r.id) { @if let Some(e) = form.error("reason") { p.error { (e) } } }
                        }
                        button.button.primary type="submit" { "确认" }
                    }
                }
            }
        }
    }
}
