//! Duplicate contracts (F42/F43): the reviewer's panel on the case page,
//! the side-by-side comparison with the decision, the applicant's notice
//! and explanation, and the supervision report of clusters.

use maud::{Markup, html};

use super::identity::FormState;
use crate::components::csrf_field;

/// One duplicate or possible duplicate of the case.
pub struct MatchRow {
    pub other_id: i64,
    pub approval_code: String,
    pub name: String,
    pub office: String,
    pub status: String,
    /// 重复 or 可能重复.
    pub kind: &'static str,
    pub score: u32,
    pub reasons: String,
    /// The remembered decision, e.g. "已确认重复（张三）".
    pub decision: Option<String>,
    pub compare_href: String,
}

/// The reviewer's panel: every duplicate and possible duplicate with its
/// score, reasons and a link to the comparison; the applicant's
/// explanation when given.
pub fn review_panel(rows: &[MatchRow], explanation: Option<&str>) -> Markup {
    html! {
        section.panel #duplicates {
            h2 { "可能重复" }
            @if rows.is_empty() {
                p.hint #no-duplicates { "未发现重复或可能重复的合同。" }
            } @else {
                @if let Some(e) = explanation {
                    p #duplicate-explanation { strong { "申请人对重复情况的说明：" } (e) }
                } @else if rows.iter().any(|r| r.kind == "重复" && r.decision.is_none()) {
                    p.flash.flash-warning { "发现重复合同，申请人尚未说明。" }
                }
                table.data #duplicate-rows {
                    thead { tr {
                        th { "类型" } th { "评分" } th { "统一审批编码" } th { "合同名称" }
                        th { "登记处" } th { "状态" } th { "理由" } th { "判定" } th { span.sr-only { "比对" } }
                    } }
                    tbody {
                        @for r in rows {
                            tr data-other=(r.other_id) {
                                td { (r.kind) } td.num { (r.score) } td { (r.approval_code) }
                                td { (r.name) } td { (r.office) } td { (r.status) } td { (r.reasons) }
                                td { (r.decision.as_deref().unwrap_or("待判定")) }
                                td { a href=(r.compare_href) { "并列比对" } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A line of the comparison: label, the two values, whether they differ.
pub struct CompareLine {
    pub label: &'static str,
    pub left: String,
    pub right: String,
}

pub struct CompareView {
    pub id: i64,
    pub other_id: i64,
    pub left_title: String,
    pub right_title: String,
    pub lines: Vec<CompareLine>,
    pub kind: &'static str,
    pub score: u32,
    pub reasons: Vec<String>,
    /// The current decision: (label, reason, by whom and when).
    pub decision: Option<(String, String, String)>,
    /// The decision's version (0 before the first).
    pub decision_version: i32,
    pub can_decide: bool,
    pub notice: Option<(&'static str, String)>,
}

pub fn compare_page(csrf: &str, v: &CompareView, form: &FormState) -> Markup {
    html! {
        section.panel #compare {
            h1 { "重复合同比对" }
            @if let Some((css, m)) = &v.notice { div class=(css) role="alert" { (m) } }
            p { (v.kind) "，评分 " strong #compare-score { (v.score) } "。" (v.reasons.join("；")) }
            table.data.compare {
                thead { tr { th { "项目" } th { (v.left_title) } th { (v.right_title) } } }
                tbody {
                    @for l in &v.lines {
                        @let differs = l.left != l.right;
                        tr.differs[differs] {
                            th scope="row" { (l.label) }
                            td { @if differs { mark { (l.left) } } @else { (l.left) } }
                            td { @if differs { mark { (l.right) } } @else { (l.right) } }
                        }
                    }
                }
            }
            @if let Some((label, reason, by)) = &v.decision {
                p #current-decision { strong { (label) } "：" (reason) "（" (by) "）" }
            }
            @if v.can_decide {
                form method="post" action={ "/review/contracts/" (v.id) "/duplicates/" (v.other_id) } #decide novalidate {
                    (csrf_field(csrf))
                    input type="hidden" name="version" value=(v.decision_version);
                    @if let Some(m) = &form.message { div.flash.flash-error role="alert" { (m) } }
                    div.field.has-error[form.error("reason").is_some()] {
                        label for="f-reason" { "判定理由（必填）" }
                        textarea #f-reason name="reason" rows="3" { (form.value("reason")) }
                        @if let Some(e) = form.error("reason") { p.error { (e) } }
                    }
                    button.button type="submit" name="decision" value="duplicate" { "是重复" }
                    " "
                    button.button type="submit" name="decision" value="not_duplicate" { "不是重复" }
                }
            }
            p { a href={ "/review/contracts/" (v.id) } { "返回案件" } }
        }
    }
}

/// An earlier case of the applicant's own that the application duplicates.
pub struct OwnCase {
    pub id: i64,
    pub approval_code: String,
    pub name: String,
    pub status: String,
}

/// The applicant's notice: the duplicates found at submission (his own
/// cases by link, other applicants' only by number), the explanation given
/// or the form to give it, and the way to withdraw.
pub fn applicant_notice(
    csrf: &str,
    id: i64,
    own: &[OwnCase],
    others: usize,
    explanation: Option<&str>,
    form: &FormState,
) -> Markup {
    html! {
        section.panel #duplicate-notice {
            h2 { "重复合同提示" }
            p.flash.flash-warning {
                "系统发现本申请与已申报的技术合同重复（同一当事人和合同编号、同一名称金额和签订日期，或同一合同文本）。"
                "重复登记是撤销登记的法定情形：请说明情况，或撤回本申请。"
            }
            @if !own.is_empty() {
                p { "与本单位以下申请重复：" }
                ul #own-duplicates {
                    @for c in own {
                        li { a href={ "/my/contracts/" (c.id) } { (c.approval_code) } " " (c.name) "（" (c.status) "）" }
                    }
                }
            }
            @if others > 0 {
                p #other-duplicates { "另有 " (others) " 份其他申请人申报的合同与本申请重复。" }
            }
            @if let Some(e) = explanation {
                p #duplicate-explanation { strong { "您的说明：" } (e) }
            } @else {
                form method="post" action={ "/my/contracts/" (id) "/duplicates/explain" } #explain novalidate {
                    (csrf_field(csrf))
                    div.field.has-error[form.error("explanation").is_some()] {
                        label for="f-explanation" { "情况说明（必填）" }
                        textarea #f-explanation name="explanation" rows="3" { (form.value("explanation")) }
                        p.hint { "例如：同一合同由另一方当事人申报，或为不同的合同。说明将提交登记处审查。" }
                        @if let Some(e) = form.error("explanation") { p.error { (e) } }
                    }
                    button.button type="submit" { "提交说明" }
                }
            }
        }
    }
}

pub struct ClusterRow {
    pub no: usize,
    pub kind: &'static str,
    pub members: Vec<(i64, String, String, String, String, String)>,
    pub reasons: String,
}

pub struct ReportView<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub offices: Option<&'a [(i64, String)]>,
    pub office: Option<i64>,
    pub error: Option<&'a str>,
    pub clusters: Option<&'a [ClusterRow]>,
    pub xlsx_href: Option<String>,
}

pub fn report_page(v: &ReportView<'_>) -> Markup {
    html! {
        section.panel #duplicate-report {
            h1 { "重复合同批量检查" }
            form.inline method="get" action="/supervision/duplicates" {
                label for="f-from" { "提交日期自" }
                input #f-from type="date" name="from" value=(v.from);
                label for="f-to" { "至" }
                input #f-to type="date" name="to" value=(v.to);
                @if let Some(offices) = v.offices {
                    label for="f-office" { "登记处" }
                    select #f-office name="office" {
                        option value="" { "全部" }
                        @for (id, label) in offices {
                            option value=(id) selected[v.office == Some(*id)] { (label) }
                        }
                    }
                }
                button.button type="submit" { "检查" }
            }
            @if let Some(e) = v.error { div.flash.flash-error role="alert" { (e) } }
            @if let Some(clusters) = v.clusters {
                p { "共 " strong #cluster-count { (clusters.len()) } " 组重复或可能重复的合同。"
                    @if let Some(h) = &v.xlsx_href { " " a.button href=(h) hx-boost="false" #xlsx-link { "导出 Excel" } } }
                table.data #clusters {
                    thead { tr { th { "组" } th { "类型" } th { "统一审批编码" } th { "合同名称" } th { "卖方" } th { "买方" } th { "登记处" } th { "理由" } } }
                    tbody {
                        @for c in clusters {
                            @for (i, m) in c.members.iter().enumerate() {
                                tr.cluster data-cluster=(c.no) {
                                    td { @if i == 0 { (c.no) } }
                                    td { @if i == 0 { (c.kind) } }
                                    td { a href={ "/review/contracts/" (m.0) } { (m.1) } }
                                    td { (m.2) } td { (m.3) } td { (m.4) } td { (m.5) }
                                    td { @if i == 0 { (c.reasons) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
