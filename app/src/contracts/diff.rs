//! What changed between two submitted rounds of an application (F38): the
//! snapshots (`Full::snapshot`) compared field by field, rows of parties,
//! deductions and IP items matched by their identity, attachments by
//! digest. Pure: the caller formats values for people.

use serde_json::Value;

/// The application's single fields in display order: (key, label).
pub const FIELDS: &[(&str, &str)] = &[
    ("category", "合同类别"),
    ("subtype", "具体类型"),
    ("name", "合同名称"),
    ("contract_number", "合同编号"),
    ("signed_on", "签订日期"),
    ("valid_from", "有效期起"),
    ("valid_to", "有效期止"),
    ("applicant_side", "申请人身份"),
    ("deal_amount", "成交额"),
    ("tech_amount", "技术交易额"),
    ("payment_method", "支付方式"),
    ("payment_schedule", "支付安排"),
    ("tech_field", "技术领域"),
    ("socio_goal", "社会经济目标"),
    ("project_leader", "项目负责人"),
    ("leader_phone", "负责人电话"),
    ("summary", "技术内容摘要"),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub key: &'static str,
    pub label: &'static str,
    pub old: Value,
    pub new: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowChange {
    Added,
    Removed,
    Changed,
}

/// A changed row of a list: its old and new value (JSON, as in the
/// snapshot).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub change: RowChange,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diff {
    pub fields: Vec<FieldChange>,
    pub parties: Vec<Row>,
    pub deductions: Vec<Row>,
    pub ip_items: Vec<Row>,
    pub attachments_added: Vec<Value>,
    pub attachments_removed: Vec<Value>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
            && self.parties.is_empty()
            && self.deductions.is_empty()
            && self.ip_items.is_empty()
            && self.attachments_added.is_empty()
            && self.attachments_removed.is_empty()
    }
}

fn list(v: &Value, key: &str) -> Vec<Value> {
    v.get(key)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// Rows matched by `identity`; unmatched ones are added or removed,
/// matched ones that differ are changed. Old order first, then additions.
fn rows(old: &[Value], new: &[Value], identity: impl Fn(&Value) -> String) -> Vec<Row> {
    let mut out = Vec::new();
    let mut used = vec![false; new.len()];
    for o in old {
        let id = identity(o);
        let found = new
            .iter()
            .enumerate()
            .find(|(i, n)| !used[*i] && identity(n) == id);
        match found {
            Some((i, n)) => {
                used[i] = true;
                if n != o {
                    out.push(Row {
                        change: RowChange::Changed,
                        old: Some(o.clone()),
                        new: Some(n.clone()),
                    });
                }
            }
            None => out.push(Row {
                change: RowChange::Removed,
                old: Some(o.clone()),
                new: None,
            }),
        }
    }
    for (i, n) in new.iter().enumerate() {
        if !used[i] {
            out.push(Row {
                change: RowChange::Added,
                old: None,
                new: Some(n.clone()),
            });
        }
    }
    out
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.trim().to_owned(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A party is the same party when its credit code (or, without one, its
/// name) is the same.
fn party_identity(p: &Value) -> String {
    match p.get("credit_code").map(text).filter(|c| !c.is_empty()) {
        Some(code) => format!("code:{code}"),
        None => format!("name:{}", p.get("name").map(text).unwrap_or_default()),
    }
}

/// Deductions `[item, amount]` by item; IP items `[type, number, owner]`
/// by number.
fn nth(v: &Value, i: usize) -> String {
    v.get(i).map(text).unwrap_or_default()
}

pub fn diff(old: &Value, new: &Value) -> Diff {
    let fields = FIELDS
        .iter()
        .filter_map(|(key, label)| {
            let o = old.get(*key).cloned().unwrap_or(Value::Null);
            let n = new.get(*key).cloned().unwrap_or(Value::Null);
            (text(&o) != text(&n)).then_some(FieldChange {
                key,
                label,
                old: o,
                new: n,
            })
        })
        .collect();
    let digests = |v: &Value| -> Vec<String> {
        list(v, "attachments")
            .iter()
            .map(|a| a.get("digest").map(text).unwrap_or_default())
            .collect()
    };
    let (old_digests, new_digests) = (digests(old), digests(new));
    Diff {
        fields,
        parties: rows(&list(old, "parties"), &list(new, "parties"), party_identity),
        deductions: rows(&list(old, "deductions"), &list(new, "deductions"), |d| {
            nth(d, 0)
        }),
        ip_items: rows(&list(old, "ip_items"), &list(new, "ip_items"), |i| {
            nth(i, 1)
        }),
        attachments_added: list(new, "attachments")
            .into_iter()
            .filter(|a| !old_digests.contains(&a.get("digest").map(text).unwrap_or_default()))
            .collect(),
        attachments_removed: list(old, "attachments")
            .into_iter()
            .filter(|a| !new_digests.contains(&a.get("digest").map(text).unwrap_or_default()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> Value {
        json!({
            "name": "检测系统开发合同", "signed_on": "2026-03-01", "deal_amount": 100000,
            "summary": "研制检测系统", "socio_goal": null,
            "parties": [
                {"role": "seller", "name": "甲公司", "credit_code": "913101150000000011"},
                {"role": "buyer", "name": "乙公司", "credit_code": null},
            ],
            "deductions": [["设备", 20000]],
            "ip_items": [["011", "ZL2026100001", "甲公司"]],
            "attachments": [{"kind": "contract", "digest": "aa", "file_name": "合同.pdf"}],
        })
    }

    #[test]
    fn nothing_changed_is_empty() {
        assert!(diff(&base(), &base()).is_empty());
    }

    #[test]
    fn fields_show_old_and_new() {
        let mut new = base();
        new["name"] = json!("检测系统委托开发合同");
        new["socio_goal"] = json!("01");
        let d = diff(&base(), &new);
        assert_eq!(d.fields.len(), 2);
        assert_eq!(d.fields[0].key, "name");
        assert_eq!(d.fields[0].old, json!("检测系统开发合同"));
        assert_eq!(d.fields[0].new, json!("检测系统委托开发合同"));
        assert_eq!(d.fields[1].old, Value::Null);
    }

    #[test]
    fn rows_are_matched_by_identity() {
        let mut new = base();
        // The seller renamed (same credit code), the buyer replaced.
        new["parties"] = json!([
            {"role": "seller", "name": "甲科技公司", "credit_code": "913101150000000011"},
            {"role": "buyer", "name": "丙公司", "credit_code": null},
        ]);
        new["deductions"] = json!([["设备", 25000], ["原材料", 1000]]);
        new["ip_items"] = json!([]);
        new["attachments"] = json!([
            {"kind": "contract", "digest": "aa", "file_name": "合同.pdf"},
            {"kind": "proof", "digest": "bb", "file_name": "授权书.pdf"},
        ]);
        let d = diff(&base(), &new);
        let kinds = |rows: &[Row]| rows.iter().map(|r| r.change).collect::<Vec<_>>();
        assert_eq!(
            kinds(&d.parties),
            [RowChange::Changed, RowChange::Removed, RowChange::Added]
        );
        assert_eq!(kinds(&d.deductions), [RowChange::Changed, RowChange::Added]);
        assert_eq!(kinds(&d.ip_items), [RowChange::Removed]);
        assert_eq!(d.attachments_added.len(), 1);
        assert_eq!(d.attachments_added[0]["file_name"], json!("授权书.pdf"));
        assert!(d.attachments_removed.is_empty());
    }
}
