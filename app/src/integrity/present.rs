//! The library, the anomaly records and an import preview as the views
//! show them.

use chrono::NaiveDate;
use techreg_entities::org::{enterprise_anomaly, integrity_entry};
use techreg_views::pages::integrity::{AnomalyRow, EntryRow, PreviewRow};

use super::anomaly_records::AnomalyList;
use super::entries::EntryList;
use super::import::Plan;
use super::model::validity;
use crate::core::clock::shanghai_minute;

/// Import preview rows shown at most.
const PREVIEW_ROWS: usize = 100;

fn entry_state(e: &integrity_entry::Model, on: NaiveDate) -> &'static str {
    if e.removed_at.is_some() {
        "已移出"
    } else if e.valid_from > on {
        "未生效"
    } else if e.valid_to.is_some_and(|t| t < on) {
        "已到期"
    } else {
        "在库"
    }
}

fn anomaly_state(a: &enterprise_anomaly::Model, on: NaiveDate) -> &'static str {
    if a.lifted_at.is_some() {
        "已解除"
    } else if a.valid_from > on {
        "未生效"
    } else if a.valid_to.is_some_and(|t| t < on) {
        "已到期"
    } else {
        "有效"
    }
}

pub fn entry_rows(list: &EntryList) -> Vec<EntryRow> {
    list.entries
        .iter()
        .map(|e| {
            let ent = list.enterprises.get(&e.enterprise_id);
            EntryRow {
                id: e.id,
                enterprise_id: e.enterprise_id,
                credit_code: ent.map(|x| x.credit_code.clone()).unwrap_or_default(),
                name: ent.map(|x| x.name.clone()).unwrap_or_default(),
                reason: e.reason.clone(),
                validity: validity(e.valid_from, e.valid_to),
                state: entry_state(e, list.today),
                added: format!("{} {}", shanghai_minute(e.added_at), e.added_by),
                removed: e.removed_at.map(|t| {
                    format!(
                        "{} {} 移出：{}",
                        shanghai_minute(t),
                        e.removed_by.clone().unwrap_or_default(),
                        e.removal_reason.clone().unwrap_or_default()
                    )
                }),
            }
        })
        .collect()
}

pub fn anomaly_rows(list: &AnomalyList) -> Vec<AnomalyRow> {
    list.records
        .iter()
        .map(|a| {
            let ent = list.enterprises.get(&a.enterprise_id);
            AnomalyRow {
                id: a.id,
                enterprise_id: a.enterprise_id,
                credit_code: ent.map(|x| x.credit_code.clone()).unwrap_or_default(),
                name: ent.map(|x| x.name.clone()).unwrap_or_default(),
                kind: list
                    .types
                    .iter()
                    .find(|t| t.code == a.type_code)
                    .map(|t| t.label.clone())
                    .unwrap_or_else(|| a.type_code.clone()),
                description: a.description.clone(),
                source: a.source.clone(),
                recorded_on: a.recorded_on.to_string(),
                validity: validity(a.valid_from, a.valid_to),
                blocking: a.blocking,
                state: anomaly_state(a, list.today),
                lifted: a.lifted_at.map(|t| {
                    format!(
                        "{} {} 解除：{}",
                        shanghai_minute(t),
                        a.lifted_by.clone().unwrap_or_default(),
                        a.lift_reason.clone().unwrap_or_default()
                    )
                }),
            }
        })
        .collect()
}

/// The anomaly types a new record may have: (code, label).
pub fn type_options(list: &AnomalyList) -> Vec<(String, String)> {
    list.active_types
        .iter()
        .map(|e| (e.code.clone(), e.label.clone()))
        .collect()
}

/// The first rows of an import as they would be listed.
pub fn preview_rows(plan: &Plan) -> Vec<PreviewRow> {
    plan.lines
        .iter()
        .take(PREVIEW_ROWS)
        .map(|l| PreviewRow {
            line: l.line,
            credit_code: l.credit_code.clone(),
            name: l.name.clone(),
            reason: l.entry.reason.clone(),
            validity: validity(l.entry.valid_from, l.entry.valid_to),
        })
        .collect()
}
