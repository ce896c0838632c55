//! The dictionaries' codes and entries, and the admin screens' forms with
//! the values they check into.

use serde::{Deserialize, Serialize};
use techreg_entities::system::dictionary_entry;

use crate::core::FieldErrors;
use crate::core::text::normalize_code;

pub const DICT_TECH_FIELD: &str = "tech_field";
pub const DICT_LEGAL_FORM: &str = "legal_form";
pub const DICT_DISTRICT: &str = "district";
pub const DICT_IP_TYPE: &str = "ip_type";
pub const DICT_SOCIO_GOAL: &str = "socio_goal";
pub const DICT_REFUSAL_REASON: &str = "refusal_reason";
pub const DICT_NON_ACCEPT_REASON: &str = "non_accept_reason";
pub const DICT_RETURN_REASON: &str = "return_reason";
pub const DICT_ANOMALY_TYPE: &str = "anomaly_type";

pub const CODE_MAX: usize = 20;
pub const LABEL_MAX: usize = 100;
pub const SORT_MAX: i32 = 999_999;

/// One entry as other modules see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub id: i64,
    pub code: String,
    pub label: String,
    pub parent_code: Option<String>,
    pub sort_order: i32,
    pub active: bool,
    pub built_in: bool,
    pub version: i32,
}

impl From<dictionary_entry::Model> for Entry {
    fn from(m: dictionary_entry::Model) -> Self {
        Entry {
            id: m.id,
            code: m.code,
            label: m.label,
            parent_code: m.parent_code,
            sort_order: m.sort_order,
            active: m.active,
            built_in: m.built_in,
            version: m.version,
        }
    }
}

/// The label of `code` among `entries`, active or not.
pub fn label_in<'a>(entries: &'a [Entry], code: &str) -> Option<&'a str> {
    entries
        .iter()
        .find(|e| e.code == code)
        .map(|e| e.label.as_str())
}

/// Items in tree order: each parent followed by its children (siblings
/// keep their order in `items`), with their depth. Entries whose parent is
/// missing count as roots; nothing is dropped, even in a cycle.
pub fn tree_order<T>(
    items: &[T],
    code: impl Fn(&T) -> &str,
    parent: impl Fn(&T) -> Option<&str>,
) -> Vec<(usize, &T)> {
    fn visit<'a, T>(
        at: usize,
        depth: usize,
        items: &'a [T],
        code: &dyn Fn(&T) -> &str,
        parent: &dyn Fn(&T) -> Option<&str>,
        done: &mut [bool],
        out: &mut Vec<(usize, &'a T)>,
    ) {
        done[at] = true;
        out.push((depth, &items[at]));
        for child in 0..items.len() {
            if !done[child] && parent(&items[child]) == Some(code(&items[at])) {
                visit(child, depth + 1, items, code, parent, done, out);
            }
        }
    }
    let mut done = vec![false; items.len()];
    let mut out = Vec::with_capacity(items.len());
    for i in 0..items.len() {
        let is_root = match parent(&items[i]) {
            None => true,
            Some(p) => !items.iter().any(|e| code(e) == p),
        };
        if is_root && !done[i] {
            visit(i, 0, items, &code, &parent, &mut done, &mut out);
        }
    }
    for i in 0..items.len() {
        if !done[i] {
            visit(i, 0, items, &code, &parent, &mut done, &mut out);
        }
    }
    out
}

/// ASCII letters, digits, `-` and `_`, 1 to 20 characters.
pub fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= CODE_MAX
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The codes of `code`'s ancestors, nearest first (stops at a cycle).
pub fn ancestors(entries: &[dictionary_entry::Model], code: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = code.to_owned();
    while let Some(parent) = entries
        .iter()
        .find(|e| e.code == current)
        .and_then(|e| e.parent_code.clone())
    {
        if parent == code || out.contains(&parent) {
            break;
        }
        out.push(parent.clone());
        current = parent;
    }
    out
}

/// The dictionary screen's query: a search text and an activity filter.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct EntryQuery {
    pub q: Option<String>,
    pub status: Option<String>,
}

/// A new entry as typed on the dictionary screen.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct NewEntryForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub sort_order: String,
    #[serde(default)]
    pub parent_code: String,
}

/// A new entry as checked; with no order typed, it goes after the others.
pub struct NewEntry {
    pub code: String,
    pub label: String,
    pub parent_code: Option<String>,
    pub sort_order: i32,
}

impl NewEntryForm {
    /// The checked entry among the dictionary's entries `all`, or a message
    /// per field.
    pub fn check(&self, all: &[dictionary_entry::Model]) -> Result<NewEntry, FieldErrors> {
        let mut errors = FieldErrors::new();
        let code = normalize_code(&self.code);
        if code.is_empty() {
            errors.add("code", "请填写编码");
        } else if !valid_code(&code) {
            errors.add("code", "编码为 1–20 位字母、数字、“-”或“_”");
        } else if all.iter().any(|e| e.code == code) {
            errors.add("code", "本字典中已有该编码");
        }
        let common = check_common(
            &self.label,
            &self.sort_order,
            &self.parent_code,
            all,
            None,
            &mut errors,
        );
        if !errors.is_empty() {
            return Err(errors);
        }
        let sort_order = common.sort_order.unwrap_or_else(|| {
            all.iter()
                .map(|e| e.sort_order)
                .max()
                .unwrap_or(0)
                .saturating_add(10)
                .min(SORT_MAX)
        });
        Ok(NewEntry {
            code,
            label: common.label,
            parent_code: common.parent_code,
            sort_order,
        })
    }
}

/// An edit of an entry as typed, with the version the page showed.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct EditEntryForm {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub sort_order: String,
    #[serde(default)]
    pub parent_code: String,
}

/// What an edit may change: never the code, which records store.
pub struct EntryEdit {
    pub label: String,
    pub parent_code: Option<String>,
    pub sort_order: i32,
}

impl EditEntryForm {
    /// The checked edit of the entry `this` among `all`, or a message per
    /// field.
    pub fn check(
        &self,
        all: &[dictionary_entry::Model],
        this: &dictionary_entry::Model,
    ) -> Result<EntryEdit, FieldErrors> {
        let mut errors = FieldErrors::new();
        let common = check_common(
            &self.label,
            &self.sort_order,
            &self.parent_code,
            all,
            Some(&this.code),
            &mut errors,
        );
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(EntryEdit {
            label: common.label,
            parent_code: common.parent_code,
            sort_order: common.sort_order.unwrap_or(this.sort_order),
        })
    }

    pub fn version(&self) -> i32 {
        version_of(&self.version)
    }
}

/// The version a deactivate, reactivate or delete button sends back.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct VersionForm {
    #[serde(default)]
    pub version: String,
}

impl VersionForm {
    pub fn version(&self) -> i32 {
        version_of(&self.version)
    }
}

/// A version that is not a number matches no row: the form is stale.
fn version_of(input: &str) -> i32 {
    input.trim().parse().unwrap_or(-1)
}

/// Checked label, order and parent shared by add and edit.
struct Common {
    label: String,
    sort_order: Option<i32>,
    parent_code: Option<String>,
}

/// Label, order and parent of an entry; `this` is the entry edited (whose
/// order is required and which may not move below itself).
fn check_common(
    label: &str,
    sort_order: &str,
    parent_code: &str,
    all: &[dictionary_entry::Model],
    this: Option<&str>,
    errors: &mut FieldErrors,
) -> Common {
    let label = label.trim().to_owned();
    if label.is_empty() {
        errors.add("label", "请填写名称");
    } else if label.chars().count() > LABEL_MAX {
        errors.add("label", format!("名称不能超过 {LABEL_MAX} 个字"));
    }
    let sort_text = normalize_code(sort_order);
    let sort_order = if sort_text.is_empty() {
        if this.is_some() {
            errors.add("sort_order", "请填写排序");
        }
        None
    } else {
        match sort_text.parse::<i32>() {
            Ok(n) if (0..=SORT_MAX).contains(&n) => Some(n),
            _ => {
                errors.add("sort_order", format!("排序须为 0–{SORT_MAX} 之间的整数"));
                None
            }
        }
    };
    let parent_text = normalize_code(parent_code);
    let parent_code = (!parent_text.is_empty()).then_some(parent_text);
    if let Some(p) = &parent_code {
        if !all.iter().any(|e| &e.code == p) {
            errors.add("parent_code", "上级条目不存在于本字典中");
        } else if let Some(code) = this
            && (p == code || ancestors(all, p).iter().any(|a| a == code))
        {
            errors.add("parent_code", "不能选择本条目或其下级条目作为上级");
        }
    }
    Common {
        label,
        sort_order,
        parent_code,
    }
}

/// Why an entry may only be deactivated, not deleted.
pub struct Blockers {
    pub built_in: bool,
    /// (what, how many) records use the code.
    pub references: Vec<(&'static str, i64)>,
    pub children: usize,
}

impl Blockers {
    pub fn of(
        e: &dictionary_entry::Model,
        all: &[dictionary_entry::Model],
        references: Vec<(&'static str, i64)>,
    ) -> Self {
        Blockers {
            built_in: e.built_in,
            references,
            children: all
                .iter()
                .filter(|c| c.parent_code.as_deref() == Some(e.code.as_str()))
                .count(),
        }
    }

    pub fn any(&self) -> bool {
        self.built_in || !self.references.is_empty() || self.children > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(code: &str, label: &str, active: bool) -> Entry {
        Entry {
            id: 0,
            code: code.into(),
            label: label.into(),
            parent_code: None,
            sort_order: 0,
            active,
            built_in: false,
            version: 0,
        }
    }

    fn model(code: &str, parent: Option<&str>) -> dictionary_entry::Model {
        dictionary_entry::Model {
            id: 0,
            dictionary_code: "d".into(),
            code: code.into(),
            label: code.into(),
            parent_code: parent.map(str::to_owned),
            sort_order: 0,
            active: true,
            built_in: false,
            version: 0,
            updated_at: chrono::Utc::now(),
            updated_by: "t".into(),
        }
    }

    #[test]
    fn codes_are_short_ascii_words() {
        for ok in ["010", "A-1", "x_y", "ABCDEFGHIJ0123456789"] {
            assert!(valid_code(ok), "{ok}");
        }
        for bad in ["", "a b", "中文", "a.b", "ABCDEFGHIJ01234567890"] {
            assert!(!valid_code(bad), "{bad}");
        }
    }

    #[test]
    fn children_follow_their_parents() {
        let mut items = vec![
            entry("2", "二", true),
            entry("1", "一", true),
            entry("11", "一之一", true),
            entry("X", "孤儿", true),
        ];
        items[2].parent_code = Some("1".into());
        items[3].parent_code = Some("gone".into());
        let order: Vec<(usize, &str)> =
            tree_order(&items, |e| &e.code, |e| e.parent_code.as_deref())
                .into_iter()
                .map(|(d, e)| (d, e.code.as_str()))
                .collect();
        assert_eq!(order, [(0, "2"), (0, "1"), (1, "11"), (0, "X")]);
    }

    #[test]
    fn labels_of_inactive_entries_resolve() {
        let entries = [entry("01", "现行", true), entry("02", "已停用", false)];
        assert_eq!(label_in(&entries, "02"), Some("已停用"));
        assert_eq!(label_in(&entries, "03"), None);
    }

    #[test]
    fn an_entry_cannot_move_under_itself_or_its_descendants() {
        let all = [
            model("A", None),
            model("B", Some("A")),
            model("C", Some("B")),
            model("D", None),
        ];
        for (parent, ok) in [("C", false), ("A", false), ("D", true), ("X", false)] {
            let form = EditEntryForm {
                version: "0".into(),
                label: "名称".into(),
                sort_order: "10".into(),
                parent_code: parent.into(),
            };
            let errors = form.check(&all, &all[0]).err().unwrap_or_default();
            assert_eq!(errors.get("parent_code").is_none(), ok, "{parent}");
        }
    }

    #[test]
    fn a_new_entry_without_an_order_goes_last() {
        let mut all = [model("A", None), model("B", None)];
        all[1].sort_order = 40;
        let form = NewEntryForm {
            code: "ｃ".into(),
            label: " 新 ".into(),
            ..NewEntryForm::default()
        };
        let new = form.check(&all).ok().unwrap();
        assert_eq!((new.code.as_str(), new.label.as_str()), ("C", "新"));
        assert_eq!(new.sort_order, 50);
        let taken = NewEntryForm {
            code: "a".into(),
            label: "重复".into(),
            ..NewEntryForm::default()
        };
        let errors = taken.check(&all).err().unwrap();
        assert_eq!(errors.get("code"), Some("本字典中已有该编码"));
    }
}
