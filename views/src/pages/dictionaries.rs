//! Data dictionary maintenance (system admin).

use maud::{Markup, html};

use super::identity::FormState;
use crate::components::{Field, csrf_field, field};

pub struct DictionaryRow {
    pub code: String,
    pub name: String,
    pub description: String,
    pub total: usize,
    pub active: usize,
}

pub fn list(rows: &[DictionaryRow]) -> Markup {
    html! {
        section.panel #dictionaries {
            h1 { "数据字典" }
            p.note { "条目可新增、修改、停用；已被业务记录引用的条目和系统内置条目不能删除，只能停用。修改在各节点数秒内生效。" }
            table.data {
                thead { tr { th { "编码" } th { "名称" } th { "说明" } th { "条目数" } th { "启用" } th { "" } } }
                tbody {
                    @for d in rows {
                        tr {
                            td { code { (d.code) } } td { (d.name) } td { (d.description) }
                            td { (d.total) } td { (d.active) }
                            td { a href={ "/admin/dictionaries/" (d.code) } { "维护" } }
                        }
                    }
                }
            }
        }
    }
}

/// The dictionary a page is about.
pub struct DictionaryHead<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub description: &'a str,
}

pub struct EntryRow {
    pub id: i64,
    /// 0 for top-level entries.
    pub depth: usize,
    pub code: String,
    pub label: String,
    pub parent: String,
    pub sort_order: i32,
    pub active: bool,
    pub built_in: bool,
}

pub struct Filter<'a> {
    pub q: &'a str,
    pub status: &'a str,
}

/// (code, label) of the entries that may be chosen as parent.
pub type ParentOption = (String, String);

fn text(form: &FormState, name: &str, label: &str, required: bool, hint: Option<&str>) -> Markup {
    field(&Field {
        name,
        label,
        value: form.value(name),
        error: form.error(name),
        required,
        input_type: "text",
        hint,
    })
}

fn parent_select(form: &FormState, parents: &[ParentOption]) -> Markup {
    html! {
        div.field.has-error[form.error("parent_code").is_some()] {
            label for="f-parent_code" { "上级条目" }
            select #f-parent_code name="parent_code"
                aria-invalid=[form.error("parent_code").map(|_| "true")]
                aria-describedby=[form.error("parent_code").map(|_| "f-parent_code-error")] {
                option value="" { "（无，顶级条目）" }
                @for (code, label) in parents {
                    option value=(code) selected[form.value("parent_code") == code] { (code) " " (label) }
                }
            }
            @if let Some(e) = form.error("parent_code") { p.error id="f-parent_code-error" { (e) } }
        }
    }
}

fn status_label(active: bool) -> &'static str {
    if active { "启用" } else { "已停用" }
}

pub fn entries(
    csrf: &str,
    dict: &DictionaryHead<'_>,
    filter: &Filter<'_>,
    rows: &[EntryRow],
    form: &FormState,
    parents: &[ParentOption],
) -> Markup {
    let base = format!("/admin/dictionaries/{}", dict.code);
    html! {
        section.panel #dictionary {
            h1 { (dict.name) }
            p.note { (dict.description) " 字典编码：" code { (dict.code) } }
            form.inline method="get" action=(base) {
                label for="q" { "查找" }
                input #q type="search" name="q" value=(filter.q) placeholder="编码或名称";
                label for="status" { "状态" }
                select #status name="status" {
                    option value="" { "全部" }
                    option value="active" selected[filter.status == "active"] { "启用" }
                    option value="inactive" selected[filter.status == "inactive"] { "已停用" }
                }
                button.button type="submit" { "筛选" }
            }
            table.data #entries {
                thead { tr { th { "编码" } th { "名称" } th { "上级" } th { "排序" } th { "状态" } th { "来源" } th { "" } } }
                tbody {
                    @for e in rows {
                        tr.inactive[!e.active] {
                            td { code { (e.code) } }
                            td {
                                @if e.depth > 0 { span.note aria-hidden="true" { ("　".repeat(e.depth - 1)) "└ " } }
                                (e.label)
                            }
                            td { (e.parent) } td { (e.sort_order) }
                            td { (status_label(e.active)) }
                            td { @if e.built_in { "内置" } @else { "新增" } }
                            td { a href={ (base) "/entries/" (e.id) } { "修改" } }
                        }
                    }
                    @if rows.is_empty() {
                        tr { td colspan="7" { "没有符合条件的条目。" } }
                    }
                }
            }
            h2 { "新增条目" }
            @if let Some(m) = &form.message { div.flash.flash-error role="alert" { (m) } }
            form method="post" action=(base) novalidate {
                (csrf_field(csrf))
                (text(form, "code", "编码", true, Some("字母、数字、“-”或“_”，至多 20 位；保存后不能修改")))
                (text(form, "label", "名称", true, None))
                (text(form, "sort_order", "排序", false, Some("数字越小越靠前；不填则排在最后")))
                (parent_select(form, parents))
                button.button.primary type="submit" { "新增" }
            }
        }
    }
}

pub struct EntryDetail<'a> {
    pub id: i64,
    pub code: &'a str,
    pub active: bool,
    pub built_in: bool,
    pub version: i32,
    pub updated: String,
    pub updated_by: &'a str,
}

/// Why an entry cannot be deleted; empty when it can.
pub struct DeleteBlockers {
    pub built_in: bool,
    /// (what, how many) records use the code.
    pub references: Vec<(String, i64)>,
    pub children: usize,
}

impl DeleteBlockers {
    pub fn any(&self) -> bool {
        self.built_in || !self.references.is_empty() || self.children > 0
    }

    /// One Chinese sentence saying why only deactivation is possible.
    pub fn message(&self) -> String {
        let mut why = Vec::new();
        if self.built_in {
            why.push("是系统内置条目".to_owned());
        }
        if !self.references.is_empty() {
            let used = self
                .references
                .iter()
                .map(|(what, n)| format!("{what} {n} 条"))
                .collect::<Vec<_>>()
                .join("、");
            why.push(format!("已被业务记录引用（{used}）"));
        }
        if self.children > 0 {
            why.push(format!("有 {} 个下级条目", self.children));
        }
        format!("该条目{}，不能删除，只能停用。", why.join("，"))
    }
}

pub fn entry(
    csrf: &str,
    dict: &DictionaryHead<'_>,
    e: &EntryDetail<'_>,
    form: &FormState,
    parents: &[ParentOption],
    blockers: &DeleteBlockers,
) -> Markup {
    let base = format!("/admin/dictionaries/{}/entries/{}", dict.code, e.id);
    html! {
        section.panel #dictionary-entry {
            h1 { (dict.name) "：" code { (e.code) } }
            @if let Some(m) = &form.message { div.flash.flash-error role="alert" #entry-message { (m) } }
            p { "状态：" strong #entry-status { (status_label(e.active)) }
                @if e.built_in { "（系统内置）" }
                " · 最后修改：" (e.updated) " " (e.updated_by) }
            form method="post" action=(base) novalidate {
                (csrf_field(csrf))
                input type="hidden" name="version" value=(e.version);
                (text(form, "label", "名称", true, None))
                (text(form, "sort_order", "排序", true, Some("数字越小越靠前")))
                (parent_select(form, parents))
                button.button.primary type="submit" { "保存" }
            }
            h2 { "启用与停用" }
            p.note { "停用后，新填报的表单中不再出现该条目；已有记录仍显示其名称。" }
            @if e.active {
                form method="post" action={ (base) "/deactivate" } {
                    (csrf_field(csrf))
                    input type="hidden" name="version" value=(e.version);
                    button.button type="submit" { "停用" }
                }
            } @else {
                form method="post" action={ (base) "/reactivate" } {
                    (csrf_field(csrf))
                    input type="hidden" name="version" value=(e.version);
                    button.button type="submit" { "重新启用" }
                }
            }
            h2 { "删除" }
            @if blockers.any() {
                p #delete-blocked { (blockers.message()) }
            } @else {
                p.note { "该条目未被任何记录引用，可以删除。删除后不能恢复。" }
                form method="post" action={ (base) "/delete" } {
                    (csrf_field(csrf))
                    input type="hidden" name="version" value=(e.version);
                    button.button.danger type="submit" { "删除" }
                }
            }
            p { a href={ "/admin/dictionaries/" (dict.code) } { "返回" (dict.name) } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blockers_explain_why_only_deactivation_is_possible() {
        let b = DeleteBlockers {
            built_in: false,
            references: vec![("登记处".into(), 1), ("单位".into(), 3)],
            children: 0,
        };
        assert!(b.any());
        assert_eq!(
            b.message(),
            "该条目已被业务记录引用（登记处 1 条、单位 3 条），不能删除，只能停用。"
        );
        let none = DeleteBlockers {
            built_in: false,
            references: vec![],
            children: 0,
        };
        assert!(!none.any());
    }
}
