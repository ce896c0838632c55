//! Seeds the built-in dictionaries at boot: inserts what is missing and
//! leaves everything else (admins' edits) alone.

use std::collections::BTreeSet;

use chrono::Utc;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use techreg_entities::system::{dictionary, dictionary_entry};

use super::builtin::{BUILT_IN, Seed};
use super::cache::CACHE_NAME;
use super::districts::SHANGHAI;
use crate::settings::bump_version;

/// The seed entries of a built-in dictionary.
pub fn seed_entries(dict: &str) -> Vec<Seed> {
    match BUILT_IN.iter().find(|d| d.code == dict) {
        Some(d) => match d.entries {
            Some(list) => list.to_vec(),
            None => SHANGHAI.iter().map(|d| (d.code, d.name, None)).collect(),
        },
        None => Vec::new(),
    }
}

/// Creates the built-in dictionaries and entries that are missing.
pub async fn ensure_built_in(db: &DatabaseConnection) -> Result<(), DbErr> {
    let txn = crate::core::db::begin(db).await?;
    let have: BTreeSet<String> = dictionary::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|d| d.code)
        .collect();
    let mut changed = false;
    for (n, d) in BUILT_IN.iter().enumerate() {
        if !have.contains(d.code) {
            dictionary::Entity::insert(dictionary::ActiveModel {
                code: Set(d.code.to_owned()),
                name: Set(d.name.to_owned()),
                description: Set(d.description.to_owned()),
                sort_order: Set((n as i32 + 1) * 10),
            })
            .exec(&txn)
            .await?;
            changed = true;
        }
        let existing: BTreeSet<String> = dictionary_entry::Entity::find()
            .filter(dictionary_entry::Column::DictionaryCode.eq(d.code))
            .all(&txn)
            .await?
            .into_iter()
            .map(|e| e.code)
            .collect();
        let now = Utc::now();
        let missing: Vec<dictionary_entry::ActiveModel> = seed_entries(d.code)
            .into_iter()
            .enumerate()
            .filter(|(_, (code, _, _))| !existing.contains(*code))
            .map(|(i, (code, label, parent))| dictionary_entry::ActiveModel {
                dictionary_code: Set(d.code.to_owned()),
                code: Set(code.to_owned()),
                label: Set(label.to_owned()),
                parent_code: Set(parent.map(str::to_owned)),
                sort_order: Set((i as i32 + 1) * 10),
                active: Set(true),
                built_in: Set(true),
                version: Set(0),
                updated_at: Set(now),
                updated_by: Set("system".to_owned()),
                ..Default::default()
            })
            .collect();
        if !missing.is_empty() {
            dictionary_entry::Entity::insert_many(missing)
                .exec(&txn)
                .await?;
            changed = true;
        }
    }
    if changed {
        bump_version(&txn, CACHE_NAME).await?;
    }
    txn.commit().await
}
