//! The dictionaries' handle: cached reads for every module. Each node keeps
//! a moka cache per dictionary and polls the `dictionary` row of
//! `cache_version`; every change bumps that row in the change's own
//! transaction (`entries`), so all nodes drop their cache within one poll
//! interval (`settings.poll_seconds`).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use moka::future::Cache;
use sea_orm::DbErr;

use super::entries::load_entries;
use super::model::{Entry, label_in};
use crate::core::Core;
use crate::settings::current_version;

/// The `cache_version` row every dictionary change bumps.
pub const CACHE_NAME: &str = "dictionary";

/// A dictionary's entries, loaded once per cache fill.
struct Loaded {
    all: Arc<Vec<Entry>>,
    active: Arc<Vec<Entry>>,
}

#[derive(Clone)]
pub struct Dictionaries {
    inner: Arc<Inner>,
}

struct Inner {
    core: Core,
    poll_every: Duration,
    cache: Cache<String, Arc<Loaded>>,
    seen_version: AtomicI64,
    /// Moves on every invalidation, so a load that raced with one is not
    /// kept (it may hold data from before the change).
    generation: AtomicU64,
}

impl Dictionaries {
    pub fn new(core: Core) -> Self {
        Self {
            inner: Arc::new(Inner {
                poll_every: Duration::from_secs(core.config.settings.poll_seconds),
                core,
                cache: Cache::builder().max_capacity(100).build(),
                seen_version: AtomicI64::new(i64::MIN),
                generation: AtomicU64::new(0),
            }),
        }
    }

    pub fn core(&self) -> &Core {
        &self.inner.core
    }

    async fn loaded(&self, dict: &str) -> Result<Arc<Loaded>, DbErr> {
        if let Some(hit) = self.inner.cache.get(dict).await {
            return Ok(hit);
        }
        let generation = self.inner.generation.load(Ordering::SeqCst);
        let all: Vec<Entry> = load_entries(&self.inner.core.db, dict)
            .await?
            .into_iter()
            .map(Entry::from)
            .collect();
        let active = all.iter().filter(|e| e.active).cloned().collect();
        let loaded = Arc::new(Loaded {
            all: Arc::new(all),
            active: Arc::new(active),
        });
        self.inner
            .cache
            .insert(dict.to_owned(), loaded.clone())
            .await;
        if self.inner.generation.load(Ordering::SeqCst) != generation {
            self.inner.cache.invalidate(dict).await;
        }
        Ok(loaded)
    }

    /// Every entry of a dictionary, inactive ones included (for showing
    /// old records), in display order. Unknown dictionaries are empty.
    pub async fn entries(&self, dict: &str) -> Result<Arc<Vec<Entry>>, DbErr> {
        Ok(self.loaded(dict).await?.all.clone())
    }

    /// The active entries, in display order: the options of a form.
    pub async fn active(&self, dict: &str) -> Result<Arc<Vec<Entry>>, DbErr> {
        Ok(self.loaded(dict).await?.active.clone())
    }

    /// The label of a code; inactive entries still resolve, so records made
    /// before a code was retired show its name.
    pub async fn label(&self, dict: &str, code: &str) -> Result<Option<String>, DbErr> {
        Ok(label_in(&self.entries(dict).await?, code).map(str::to_owned))
    }

    /// Whether `code` may be chosen in new input (exists and is active).
    pub async fn is_active_code(&self, dict: &str, code: &str) -> Result<bool, DbErr> {
        Ok(self.active(dict).await?.iter().any(|e| e.code == code))
    }

    /// Drops this node's cache at once (after a change committed here).
    pub fn invalidate(&self) {
        self.inner.generation.fetch_add(1, Ordering::SeqCst);
        self.inner.cache.invalidate_all();
    }

    /// Drops the cache when another node changed something. Returns whether
    /// it did.
    pub async fn poll(&self) -> Result<bool, DbErr> {
        let version = current_version(&self.inner.core.db, CACHE_NAME).await?;
        let previous = self.inner.seen_version.swap(version, Ordering::SeqCst);
        if previous != version {
            self.invalidate();
            return Ok(previous != i64::MIN);
        }
        Ok(false)
    }

    /// Polls in the background until the returned handle is aborted.
    pub fn spawn_poller(&self) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(this.inner.poll_every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = this.poll().await {
                    tracing::warn!(error = %e, "dictionary version poll failed");
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::super::entries::{edit_entry, set_active};
    use super::super::model::{DICT_DISTRICT, DICT_LEGAL_FORM, EntryEdit};
    use super::*;
    use crate::core::{Config, RunMode, ShiftableClock};

    async fn service() -> (tempfile::TempDir, Dictionaries) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/t.db", dir.path().display());
        let db = crate::core::db::connect(&url).await.unwrap();
        crate::core::db::migrate(&db).await.unwrap();
        super::super::seed::ensure_built_in(&db).await.unwrap();
        let mut config = Config::default();
        config.settings.poll_seconds = 1;
        let core = Core {
            db,
            clock: Arc::new(ShiftableClock::default()),
            config: Arc::new(config),
            mode: RunMode::Test,
            redis: None,
        };
        (dir, Dictionaries::new(core))
    }

    #[tokio::test]
    async fn the_service_resolves_labels_of_inactive_entries_but_refuses_them_as_input() {
        let (_dir, dicts) = service().await;
        assert_eq!(
            dicts
                .label(DICT_LEGAL_FORM, "022")
                .await
                .unwrap()
                .as_deref(),
            Some("高等院校")
        );
        assert!(dicts.is_active_code(DICT_LEGAL_FORM, "022").await.unwrap());
        let db = &dicts.core().db;
        let row = load_entries(db, DICT_LEGAL_FORM)
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.code == "022")
            .unwrap();
        set_active(db, row.id, row.version, false, "t", Utc::now())
            .await
            .unwrap();
        dicts.invalidate();
        assert_eq!(
            dicts
                .label(DICT_LEGAL_FORM, "022")
                .await
                .unwrap()
                .as_deref(),
            Some("高等院校"),
            "an inactive entry still has its label"
        );
        assert!(!dicts.is_active_code(DICT_LEGAL_FORM, "022").await.unwrap());
        assert!(
            !dicts
                .active(DICT_LEGAL_FORM)
                .await
                .unwrap()
                .iter()
                .any(|e| e.code == "022")
        );
        assert!(
            dicts
                .entries(DICT_LEGAL_FORM)
                .await
                .unwrap()
                .iter()
                .any(|e| e.code == "022" && !e.active)
        );
        assert_eq!(dicts.label(DICT_LEGAL_FORM, "999").await.unwrap(), None);
        assert!(
            dicts
                .entries("no_such_dictionary")
                .await
                .unwrap()
                .is_empty()
        );
    }

    #[tokio::test]
    async fn a_change_committed_elsewhere_is_seen_after_a_poll() {
        let (_dir, dicts) = service().await;
        dicts.poll().await.unwrap();
        assert_eq!(
            dicts
                .label(DICT_DISTRICT, "310101")
                .await
                .unwrap()
                .as_deref(),
            Some("黄浦区")
        );
        let db = &dicts.core().db;
        let row = load_entries(db, DICT_DISTRICT)
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.code == "310101")
            .unwrap();
        let edit = EntryEdit {
            label: "黄浦区（新）".into(),
            parent_code: None,
            sort_order: row.sort_order,
        };
        edit_entry(db, row.id, row.version, &edit, "t", Utc::now())
            .await
            .unwrap();
        // Cached until the poll notices the version moved.
        assert_eq!(
            dicts
                .label(DICT_DISTRICT, "310101")
                .await
                .unwrap()
                .as_deref(),
            Some("黄浦区")
        );
        assert!(dicts.poll().await.unwrap());
        assert_eq!(
            dicts
                .label(DICT_DISTRICT, "310101")
                .await
                .unwrap()
                .as_deref(),
            Some("黄浦区（新）")
        );
    }
}
