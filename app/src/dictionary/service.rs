//! The dictionaries' rules and transactions: what the admin screens show,
//! and adding, editing, deactivating, reactivating and deleting an entry,
//! each with its audit row in one transaction that also bumps the cache
//! version for all nodes.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, SqlErr};
use serde_json::{Value, json};
use techreg_entities::system::{dictionary, dictionary_entry};

use super::cache::Dictionaries;
use super::entries::{self, load_entries, stale};
use super::model::{Blockers, EditEntryForm, NewEntryForm, VersionForm};
use super::references;
use crate::audit::{self, Entry, Outcome};
use crate::core::{Caller, DomainError, DomainResult, FieldErrors, version};
use crate::security::rbac::perm;

const OBJECT_TYPE: &str = "dictionary_entry";

/// A dictionary with how many entries it has, and how many are active.
pub struct Counted {
    pub dictionary: dictionary::Model,
    pub total: usize,
    pub active: usize,
}

/// Every dictionary, in display order, with its counts.
pub async fn overview(cx: &Dictionaries, caller: &Caller) -> DomainResult<Vec<Counted>> {
    caller.require(perm::DICTIONARY_MANAGE)?;
    let db = &cx.core().db;
    let dicts = entries::dictionaries(db).await?;
    let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for e in entries::all_entries(db).await? {
        let c = counts.entry(e.dictionary_code).or_default();
        c.0 += 1;
        if e.active {
            c.1 += 1;
        }
    }
    Ok(dicts
        .into_iter()
        .map(|d| {
            let (total, active) = counts.get(&d.code).copied().unwrap_or_default();
            Counted {
                dictionary: d,
                total,
                active,
            }
        })
        .collect())
}

/// One dictionary and all its entries, inactive ones included.
pub struct DictionaryData {
    pub dictionary: dictionary::Model,
    pub entries: Vec<dictionary_entry::Model>,
}

pub async fn dictionary(
    cx: &Dictionaries,
    caller: &Caller,
    code: &str,
) -> DomainResult<DictionaryData> {
    caller.require(perm::DICTIONARY_MANAGE)?;
    let dictionary = find_dictionary(cx, code).await?;
    let entries = load_entries(&cx.core().db, &dictionary.code).await?;
    Ok(DictionaryData {
        dictionary,
        entries,
    })
}

/// One entry, the other entries of its dictionary (for the parent
/// choice) and what keeps it from being deleted.
pub struct EntryData {
    pub dictionary: dictionary::Model,
    pub entry: dictionary_entry::Model,
    pub entries: Vec<dictionary_entry::Model>,
    pub blockers: Blockers,
}

/// An entry, reached only through its own dictionary.
pub async fn entry(
    cx: &Dictionaries,
    caller: &Caller,
    code: &str,
    id: i64,
) -> DomainResult<EntryData> {
    caller.require(perm::DICTIONARY_MANAGE)?;
    let dictionary = find_dictionary(cx, code).await?;
    let entry = find_entry(cx, &dictionary.code, id).await?;
    let db = &cx.core().db;
    let entries = load_entries(db, &dictionary.code).await?;
    let refs = references::count(db, &entry.dictionary_code, &entry.code).await?;
    let blockers = Blockers::of(&entry, &entries, refs);
    Ok(EntryData {
        dictionary,
        entry,
        entries,
        blockers,
    })
}

/// Adds an entry to the dictionary `code`; returns it.
pub async fn add_entry(
    cx: &Dictionaries,
    caller: &Caller,
    code: &str,
    form: &NewEntryForm,
) -> DomainResult<dictionary_entry::Model> {
    caller.require(perm::DICTIONARY_MANAGE)?;
    let dict = find_dictionary(cx, code).await?;
    let all = load_entries(&cx.core().db, &dict.code).await?;
    let new = form.check(&all).map_err(DomainError::Invalid)?;
    let now = cx.core().now();
    let txn = cx.core().begin().await?;
    let added = entries::add_entry(&txn, &dict.code, &new, &caller.user.username, now).await;
    let e = match added {
        Ok(e) => e,
        // Added by someone else between the check and the insert.
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return FieldErrors::one("code", "本字典中已有该编码");
        }
        Err(err) => return Err(err.into()),
    };
    record(
        &txn,
        caller,
        now,
        "dictionary.entry_create",
        &e,
        snapshot(&e),
    )
    .await?;
    txn.commit().await?;
    cx.invalidate();
    Ok(e)
}

/// Changes an entry's label, parent and order at the version the form
/// showed; returns the entry as changed.
pub async fn edit_entry(
    cx: &Dictionaries,
    caller: &Caller,
    code: &str,
    id: i64,
    form: &EditEntryForm,
) -> DomainResult<dictionary_entry::Model> {
    caller.require(perm::DICTIONARY_MANAGE)?;
    let dict = find_dictionary(cx, code).await?;
    let before = find_entry(cx, &dict.code, id).await?;
    let all = load_entries(&cx.core().db, &dict.code).await?;
    let edit = form.check(&all, &before).map_err(DomainError::Invalid)?;
    let now = cx.core().now();
    let txn = cx.core().begin().await?;
    let actor = &caller.user.username;
    entries::edit_entry(&txn, id, form.version(), &edit, actor, now).await?;
    let after = entries::find_entry(&txn, &dict.code, id)
        .await?
        .ok_or(DomainError::NotFound)?;
    let detail = json!({ "before": snapshot(&before), "after": snapshot(&after) });
    record(&txn, caller, now, "dictionary.entry_edit", &after, detail).await?;
    txn.commit().await?;
    cx.invalidate();
    Ok(after)
}

/// Deactivates (`active` false) or reactivates an entry at the version
/// the form showed.
pub async fn set_active(
    cx: &Dictionaries,
    caller: &Caller,
    code: &str,
    id: i64,
    form: &VersionForm,
    active: bool,
) -> DomainResult<()> {
    caller.require(perm::DICTIONARY_MANAGE)?;
    let dict = find_dictionary(cx, code).await?;
    let before = find_entry(cx, &dict.code, id).await?;
    let now = cx.core().now();
    let txn = cx.core().begin().await?;
    let actor = &caller.user.username;
    entries::set_active(&txn, id, form.version(), active, actor, now).await?;
    let action = if active {
        "dictionary.entry_reactivate"
    } else {
        "dictionary.entry_deactivate"
    };
    let detail = json!({ "label": before.label, "active": active });
    record(&txn, caller, now, action, &before, detail).await?;
    txn.commit().await?;
    cx.invalidate();
    Ok(())
}

/// Deletes an entry at the version the form showed; returns it, or what
/// keeps it (built in, records using its code, entries below it).
pub async fn delete_entry(
    cx: &Dictionaries,
    caller: &Caller,
    code: &str,
    id: i64,
    form: &VersionForm,
) -> DomainResult<Result<dictionary_entry::Model, Blockers>> {
    caller.require(perm::DICTIONARY_MANAGE)?;
    let dict = find_dictionary(cx, code).await?;
    let before = find_entry(cx, &dict.code, id).await?;
    version::expect(before.version, form.version()).map_err(|_| stale())?;
    let now = cx.core().now();
    let txn = cx.core().begin().await?;
    let all = load_entries(&txn, &dict.code).await?;
    let refs = references::count(&txn, &dict.code, &before.code).await?;
    let blockers = Blockers::of(&before, &all, refs);
    if blockers.any() {
        return Ok(Err(blockers));
    }
    entries::delete_entry(&txn, id, before.version).await?;
    record(
        &txn,
        caller,
        now,
        "dictionary.entry_delete",
        &before,
        snapshot(&before),
    )
    .await?;
    txn.commit().await?;
    cx.invalidate();
    Ok(Ok(before))
}

async fn find_dictionary(cx: &Dictionaries, code: &str) -> DomainResult<dictionary::Model> {
    entries::find_dictionary(&cx.core().db, code)
        .await?
        .ok_or(DomainError::NotFound)
}

async fn find_entry(
    cx: &Dictionaries,
    dict: &str,
    id: i64,
) -> DomainResult<dictionary_entry::Model> {
    entries::find_entry(&cx.core().db, dict, id)
        .await?
        .ok_or(DomainError::NotFound)
}

fn snapshot(e: &dictionary_entry::Model) -> Value {
    json!({
        "dictionary": e.dictionary_code, "code": e.code, "label": e.label,
        "parent_code": e.parent_code, "sort_order": e.sort_order, "active": e.active,
    })
}

async fn record<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    now: DateTime<Utc>,
    action: &str,
    e: &dictionary_entry::Model,
    detail: Value,
) -> Result<(), DbErr> {
    audit::record(
        db,
        now,
        &caller.actor(),
        Entry {
            action,
            object_type: Some(OBJECT_TYPE),
            object_id: Some(format!("{}/{}", e.dictionary_code, e.code)),
            outcome: Outcome::Success,
            detail,
        },
    )
    .await
}
