//! The dictionaries as the admin screens show them: the list with counts,
//! the entries in tree order with search and filter, the parent choice,
//! one entry's detail and what keeps it from being deleted.

use techreg_entities::system::{dictionary, dictionary_entry};
use techreg_views::pages::dictionaries::{
    DeleteBlockers, DictionaryHead, DictionaryRow, EntryDetail, EntryRow, ParentOption,
};
use techreg_views::pages::identity::FormState;

use super::model::{Blockers, EntryQuery, ancestors, tree_order};
use super::service::Counted;
use crate::core::clock::shanghai_minute;

pub fn dictionary_rows(list: Vec<Counted>) -> Vec<DictionaryRow> {
    list.into_iter()
        .map(|c| DictionaryRow {
            code: c.dictionary.code,
            name: c.dictionary.name,
            description: c.dictionary.description,
            total: c.total,
            active: c.active,
        })
        .collect()
}

pub fn head(d: &dictionary::Model) -> DictionaryHead<'_> {
    DictionaryHead {
        code: &d.code,
        name: &d.name,
        description: &d.description,
    }
}

/// The entries in tree order that match the search text (code or label)
/// and the activity filter.
pub fn entry_rows(all: &[dictionary_entry::Model], query: &EntryQuery) -> Vec<EntryRow> {
    let needle = query.q.as_deref().unwrap_or_default().trim().to_lowercase();
    let status = query.status.as_deref().unwrap_or_default();
    let label_of = |code: &str| {
        all.iter()
            .find(|e| e.code == code)
            .map(|e| format!("{code} {}", e.label))
            .unwrap_or_else(|| code.to_owned())
    };
    tree_order(all, |e| &e.code, |e| e.parent_code.as_deref())
        .into_iter()
        .filter(|(_, e)| {
            needle.is_empty()
                || e.code.to_lowercase().contains(&needle)
                || e.label.to_lowercase().contains(&needle)
        })
        .filter(|(_, e)| match status {
            "active" => e.active,
            "inactive" => !e.active,
            _ => true,
        })
        .map(|(depth, e)| EntryRow {
            id: e.id,
            depth,
            code: e.code.clone(),
            label: e.label.clone(),
            parent: e.parent_code.as_deref().map(label_of).unwrap_or_default(),
            sort_order: e.sort_order,
            active: e.active,
            built_in: e.built_in,
        })
        .collect()
}

/// Entries that may become the parent of `of` (all but itself and its
/// descendants), inactive ones marked.
pub fn parent_options(all: &[dictionary_entry::Model], of: Option<&str>) -> Vec<ParentOption> {
    tree_order(all, |e| &e.code, |e| e.parent_code.as_deref())
        .into_iter()
        .filter(|(_, e)| match of {
            Some(code) => e.code != code && !ancestors(all, &e.code).iter().any(|a| a == code),
            None => true,
        })
        .map(|(depth, e)| {
            let mut label = format!("{}{}", "　".repeat(depth), e.label);
            if !e.active {
                label.push_str("（已停用）");
            }
            (e.code.clone(), label)
        })
        .collect()
}

pub fn entry_detail(e: &dictionary_entry::Model) -> EntryDetail<'_> {
    EntryDetail {
        id: e.id,
        code: &e.code,
        active: e.active,
        built_in: e.built_in,
        version: e.version,
        updated: shanghai_minute(e.updated_at),
        updated_by: &e.updated_by,
    }
}

pub fn blockers(b: &Blockers) -> DeleteBlockers {
    DeleteBlockers {
        built_in: b.built_in,
        references: b
            .references
            .iter()
            .map(|(what, n)| ((*what).to_owned(), *n))
            .collect(),
        children: b.children,
    }
}

/// The edit form filled in with the entry as stored.
pub fn form_of(e: &dictionary_entry::Model) -> FormState {
    FormState {
        values: vec![
            ("label".into(), e.label.clone()),
            ("sort_order".into(), e.sort_order.to_string()),
            (
                "parent_code".into(),
                e.parent_code.clone().unwrap_or_default(),
            ),
        ],
        ..FormState::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn only_entries_outside_its_subtree_are_offered_as_an_entrys_parent() {
        let all = [
            model("A", None),
            model("B", Some("A")),
            model("C", Some("B")),
            model("D", None),
        ];
        let options: Vec<String> = parent_options(&all, Some("A"))
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        assert_eq!(options, ["D"]);
    }
}
