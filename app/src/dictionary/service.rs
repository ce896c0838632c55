//! The dictionary service: cached reads for every module, and the writes
//! the admin screens make. Each node keeps a moka cache per dictionary and
//! polls the `dictionary` row of `cache_version`; every change bumps that
//! row in the change's own transaction, so all nodes drop their cache
//! within one poll interval.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use moka::future::Cache;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder,
};
use techreg_entities::system::{dictionary, dictionary_entry};

use crate::settings::{bump_version, current_version};

pub const DICT_TECH_FIELD: &str = "tech_field";
pub const DICT_LEGAL_FORM: &str = "legal_form";
pub const DICT_DISTRICT: &str = "district";
pub const DICT_IP_TYPE: &str = "ip_type";
pub const DICT_SOCIO_GOAL: &str = "socio_goal";
pub const DICT_REFUSAL_REASON: &str = "refusal_reason";
pub const DICT_NON_ACCEPT_REASON: &str = "non_accept_reason";
pub const DICT_RETURN_REASON: &str = "return_reason";
pub const DICT_ANOMALY_TYPE: &str = "anomaly_type";

/// The `cache_version` row every dictionary change bumps.
pub const CACHE_NAME: &str = "dictionary";

pub const CODE_MAX: usize = 20;
pub const LABEL_MAX: usize = 100;

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
    db: DatabaseConnection,
    poll_every: Duration,
    cache: Cache<String, Arc<Loaded>>,
    seen_version: AtomicI64,
    /// Moves on every invalidation, so a load that raced with one is not
    /// kept (it may hold data from before the change).
    generation: AtomicU64,
}

impl Dictionaries {
    pub fn new(db: DatabaseConnection, poll_every: Duration) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                poll_every,
                cache: Cache::builder().max_capacity(100).build(),
                seen_version: AtomicI64::new(i64::MIN),
                generation: AtomicU64::new(0),
            }),
        }
    }

    async fn loaded(&self, dict: &str) -> Result<Arc<Loaded>, DbErr> {
        if let Some(hit) = self.inner.cache.get(dict).await {
            return Ok(hit);
        }
        let generation = self.inner.generation.load(Ordering::SeqCst);
        let all: Vec<Entry> = load_entries(&self.inner.db, dict)
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
        let version = current_version(&self.inner.db, CACHE_NAME).await?;
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

/// A dictionary's entries from the database, in display order.
pub async fn load_entries<C: ConnectionTrait>(
    db: &C,
    dict: &str,
) -> Result<Vec<dictionary_entry::Model>, DbErr> {
    dictionary_entry::Entity::find()
        .filter(dictionary_entry::Column::DictionaryCode.eq(dict))
        .order_by_asc(dictionary_entry::Column::SortOrder)
        .order_by_asc(dictionary_entry::Column::Code)
        .all(db)
        .await
}

pub async fn find_dictionary<C: ConnectionTrait>(
    db: &C,
    code: &str,
) -> Result<Option<dictionary::Model>, DbErr> {
    dictionary::Entity::find_by_id(code.to_owned())
        .one(db)
        .await
}

pub async fn find_entry<C: ConnectionTrait>(
    db: &C,
    dict: &str,
    id: i64,
) -> Result<Option<dictionary_entry::Model>, DbErr> {
    dictionary_entry::Entity::find_by_id(id)
        .filter(dictionary_entry::Column::DictionaryCode.eq(dict))
        .one(db)
        .await
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

pub struct NewEntry<'a> {
    pub code: &'a str,
    pub label: &'a str,
    pub parent_code: Option<&'a str>,
    pub sort_order: i32,
    pub built_in: bool,
}

/// Adds an entry and bumps the cache version, inside the caller's
/// transaction.
pub async fn add_entry<C: ConnectionTrait>(
    db: &C,
    dict: &str,
    e: NewEntry<'_>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<dictionary_entry::Model, DbErr> {
    let row = dictionary_entry::ActiveModel {
        dictionary_code: Set(dict.to_owned()),
        code: Set(e.code.to_owned()),
        label: Set(e.label.to_owned()),
        parent_code: Set(e.parent_code.map(str::to_owned)),
        sort_order: Set(e.sort_order),
        active: Set(true),
        built_in: Set(e.built_in),
        version: Set(0),
        updated_at: Set(now),
        updated_by: Set(actor.to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    bump_version(db, CACHE_NAME).await?;
    Ok(row)
}

/// What an edit may change: never the code, which records store.
pub struct EntryEdit<'a> {
    pub label: &'a str,
    pub parent_code: Option<&'a str>,
    pub sort_order: i32,
}

/// Changes label, parent and order if `version` is still current; `false`
/// when someone else changed the entry first.
pub async fn edit_entry<C: ConnectionTrait>(
    db: &C,
    id: i64,
    version: i32,
    e: EntryEdit<'_>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let changed = dictionary_entry::Entity::update_many()
        .col_expr(dictionary_entry::Column::Label, Expr::value(e.label))
        .col_expr(
            dictionary_entry::Column::ParentCode,
            Expr::value(e.parent_code.map(str::to_owned)),
        )
        .col_expr(
            dictionary_entry::Column::SortOrder,
            Expr::value(e.sort_order),
        )
        .col_expr(dictionary_entry::Column::Version, Expr::value(version + 1))
        .col_expr(dictionary_entry::Column::UpdatedAt, Expr::value(now))
        .col_expr(dictionary_entry::Column::UpdatedBy, Expr::value(actor))
        .filter(dictionary_entry::Column::Id.eq(id))
        .filter(dictionary_entry::Column::Version.eq(version))
        .exec(db)
        .await?
        .rows_affected;
    if changed == 0 {
        return Ok(false);
    }
    bump_version(db, CACHE_NAME).await?;
    Ok(true)
}

/// Deactivates or reactivates if `version` is still current.
pub async fn set_active<C: ConnectionTrait>(
    db: &C,
    id: i64,
    version: i32,
    active: bool,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let changed = dictionary_entry::Entity::update_many()
        .col_expr(dictionary_entry::Column::Active, Expr::value(active))
        .col_expr(dictionary_entry::Column::Version, Expr::value(version + 1))
        .col_expr(dictionary_entry::Column::UpdatedAt, Expr::value(now))
        .col_expr(dictionary_entry::Column::UpdatedBy, Expr::value(actor))
        .filter(dictionary_entry::Column::Id.eq(id))
        .filter(dictionary_entry::Column::Version.eq(version))
        .filter(dictionary_entry::Column::Active.eq(!active))
        .exec(db)
        .await?
        .rows_affected;
    if changed == 0 {
        return Ok(false);
    }
    bump_version(db, CACHE_NAME).await?;
    Ok(true)
}

/// Deletes if `version` is still current. The caller checks references
/// first (`references::blockers`) in the same transaction.
pub async fn delete_entry<C: ConnectionTrait>(
    db: &C,
    id: i64,
    version: i32,
) -> Result<bool, DbErr> {
    let deleted = dictionary_entry::Entity::delete_many()
        .filter(dictionary_entry::Column::Id.eq(id))
        .filter(dictionary_entry::Column::Version.eq(version))
        .exec(db)
        .await?
        .rows_affected;
    if deleted == 0 {
        return Ok(false);
    }
    bump_version(db, CACHE_NAME).await?;
    Ok(true)
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

    async fn service() -> (tempfile::TempDir, Dictionaries) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/t.db", dir.path().display());
        let db = crate::core::db::connect(&url).await.unwrap();
        crate::core::db::migrate(&db).await.unwrap();
        super::super::seed::ensure_built_in(&db).await.unwrap();
        (dir, Dictionaries::new(db, Duration::from_secs(1)))
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
        let db = &dicts.inner.db;
        let row = load_entries(db, DICT_LEGAL_FORM)
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.code == "022")
            .unwrap();
        assert!(
            set_active(db, row.id, row.version, false, "t", Utc::now())
                .await
                .unwrap()
        );
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
        let db = &dicts.inner.db;
        let row = load_entries(db, DICT_DISTRICT)
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.code == "310101")
            .unwrap();
        let edit = EntryEdit {
            label: "黄浦区（新）",
            parent_code: None,
            sort_order: row.sort_order,
        };
        assert!(
            edit_entry(db, row.id, row.version, edit, "t", Utc::now())
                .await
                .unwrap()
        );
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
