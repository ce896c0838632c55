//! Registration office management (system admin).

use maud::{Markup, html};

use super::identity::{District, FormState};
use crate::components::{Field, csrf_field, field};

pub struct OfficeRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub district: String,
    pub head_name: String,
    pub phone: String,
    pub status: &'static str,
}

pub struct Filter<'a> {
    pub q: &'a str,
    pub kind: &'a str,
    pub status: &'a str,
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

fn office_fields(form: &FormState, districts: &[District]) -> Markup {
    html! {
        (text(form, "code", "编码", true))
        (text(form, "name", "名称", true))
        div.field.has-error[form.error("kind").is_some()] {
            label for="f-kind" { "类型" }
            select #f-kind name="kind" {
                option value="district" selected[form.value("kind") != "industry"] { "区级登记处" }
                option value="industry" selected[form.value("kind") == "industry"] { "行业登记处" }
            }
            @if let Some(e) = form.error("kind") { p.error { (e) } }
        }
        div.field.has-error[form.error("district").is_some()] {
            label for="f-district" { "所在区（区级登记处必填）" }
            select #f-district name="district" {
                option value="" { "（无）" }
                @for d in districts {
                    option value=(d.code) selected[form.value("district") == d.code] { (d.name) }
                }
            }
            @if let Some(e) = form.error("district") { p.error id="f-district-error" { (e) } }
        }
        (text(form, "address", "地址", false))
        (text(form, "phone", "电话", false))
        (text(form, "head_name", "负责人", false))
        div.field.has-error[form.error("handles").is_some()] {
            label for="f-handles" { "受理范围" }
            textarea #f-handles name="handles" rows="3" { (form.value("handles")) }
            p.hint { "本登记处受理的合同范围，如“浦东新区注册企业的各类技术合同”" }
            @if let Some(e) = form.error("handles") { p.error { (e) } }
        }
    }
}

pub fn list(
    csrf: &str,
    filter: &Filter<'_>,
    rows: &[OfficeRow],
    form: &FormState,
    districts: &[District],
) -> Markup {
    html! {
        section.panel #offices {
            h1 { "登记处管理" }
            form.inline method="get" action="/admin/offices" {
                label for="q" { "查找" }
                input #q type="search" name="q" value=(filter.q) placeholder="编码或名称";
                label for="kind" { "类型" }
                select #kind name="kind" {
                    option value="" { "全部" }
                    option value="district" selected[filter.kind == "district"] { "区级" }
                    option value="industry" selected[filter.kind == "industry"] { "行业" }
                }
                label for="status" { "状态" }
                select #status name="status" {
                    option value="" { "全部" }
                    @for (v, l) in [("active", "正常"), ("suspended", "暂停"), ("closed", "撤销")] {
                        option value=(v) selected[filter.status == v] { (l) }
                    }
                }
                button.button type="submit" { "筛选" }
            }
            table.data {
                thead { tr { th { "编码" } th { "名称" } th { "类型" } th { "所在区" } th { "负责人" } th { "电话" } th { "状态" } th { "" } } }
                tbody {
                    @for o in rows {
                        tr {
                            td { (o.code) } td { (o.name) } td { (o.kind) } td { (o.district) }
                            td { (o.head_name) } td { (o.phone) } td { (o.status) }
                            td { a href={ "/admin/offices/" (o.id) } { "详情" } }
                        }
                    }
                }
            }
            h2 { "新建登记处" }
            @if let Some(m) = &form.message { div.flash.flash-error role="alert" { (m) } }
            form method="post" action="/admin/offices" novalidate {
                (csrf_field(csrf))
                (office_fields(form, districts))
                button.button.primary type="submit" { "创建" }
            }
        }
    }
}

pub struct HistoryRow {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub change: String,
}

/// An industry office's list of credit codes.
pub struct IndustryList {
    pub text: String,
    pub count: usize,
    pub error: Option<String>,
}

#[allow(clippy::too_many_arguments)]
pub fn detail(
    csrf: &str,
    id: i64,
    version: i32,
    status: &str,
    form: &FormState,
    districts: &[District],
    history: &[HistoryRow],
    industry: Option<&IndustryList>,
) -> Markup {
    let base = format!("/admin/offices/{id}");
    html! {
        section.panel #office {
            h1 { (form.value("name")) }
            @if let Some(m) = &form.message { div.flash.flash-error role="alert" { (m) } }
            form method="post" action=(base) novalidate {
                (csrf_field(csrf))
                input type="hidden" name="version" value=(version);
                (office_fields(form, districts))
                button.button.primary type="submit" { "保存" }
            }
            h2 { "状态" }
            p { "当前状态：" strong #office-status { (status) } }
            form method="post" action={ (base) "/status" } novalidate {
                (csrf_field(csrf))
                input type="hidden" name="version" value=(version);
                div.field {
                    label for="f-new-status" { "改为" }
                    select #f-new-status name="status" {
                        option value="active" { "正常" }
                        option value="suspended" { "暂停" }
                        option value="closed" { "撤销" }
                    }
                }
                (field(&Field { name: "reason", label: "原因", value: "", error: form.error("reason"), required: true, input_type: "text", hint: None }))
                button.button type="submit" { "变更状态" }
            }
            @if let Some(list) = industry {
                h2 { "行业名单（" (list.count) " 家）" }
                form method="post" action={ (base) "/industry-list" } novalidate #industry-list {
                    (csrf_field(csrf))
                    div.field.has-error[list.error.is_some()] {
                        label for="f-codes" { "统一社会信用代码（每行一个）" }
                        textarea #f-codes name="codes" rows="8" aria-invalid=[list.error.as_ref().map(|_| "true")] { (list.text) }
                        p.hint { "名单中的企业注册或导入时自动对口本登记处；已有企业的对口关系不随名单变化，请在“企业与对口关系”中调整。" }
                        @if let Some(e) = &list.error { p.error { (e) } }
                    }
                    button.button type="submit" { "保存名单" }
                }
            }
            h2 { "变更历史" }
            table.data #history {
                thead { tr { th { "时间" } th { "操作人" } th { "操作" } th { "内容" } } }
                tbody {
                    @for h in history {
                        tr { td { (h.at) } td { (h.actor) } td { (h.action) } td { code { (h.change) } } }
                    }
                }
            }
        }
    }
}
