//! Benchmark (not a test) of the duplicate check (F42/F43):
//!
//! 1. seeds `DUP_N` contracts (default 100 000) with `techreg seed
//!    --contracts`'s generator and reports the time;
//! 2. reports the size of the index (table and indexes) and the process's
//!    resident memory;
//! 3. measures recall on the planted near-duplicates and precision against
//!    everything flagged for a sample of near-duplicates, yearly renewals,
//!    generic-name contracts and ordinary ones (ground truth is in the
//!    approval codes, see `techreg::demo::generate`);
//! 4. times the check of one new contract against all of them (criterion).
//!
//! `DUP_N=100000 cargo bench -p techreg-tests --bench duplicates` (SQLite),
//! or with `TECHREG_TEST_DATABASE_URL=postgres://…` for PostgreSQL.
//! Results go to docs/performance.md.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use criterion::Criterion;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use techreg::contracts::service;
use techreg::duplicates;
use techreg_entities::contract::contract;
use techreg_tests::TestApp;

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// (kind, base id) from a seeded approval code.
fn truth(code: &str) -> Option<(char, Option<i64>)> {
    let rest = code.strip_prefix("SEED")?;
    for k in ['D', 'R'] {
        if let Some(p) = rest.find(k) {
            return Some((k, rest[p + 1..].parse().ok()));
        }
    }
    rest.chars().last().map(|c| (c, None))
}

fn main() {
    let n: u64 = std::env::var("DUP_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let sample: usize = std::env::var("DUP_SAMPLE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let app = rt.block_on(TestApp::spawn());
    let db = app.state.core.db.clone();
    let postgres = db.get_database_backend() == sea_orm::DatabaseBackend::Postgres;
    rt.block_on(async {
        for d in techreg::dictionary::SHANGHAI {
            app.create_office(d.code, &format!("{}技术合同登记处", d.name))
                .await;
        }
        let started = Instant::now();
        let r = techreg::demo::generate::seed_contracts(&db, n, 20261129)
            .await
            .unwrap();
        eprintln!(
            "seeded {} contracts ({} near-duplicates, {} renewals, {} generic names, {} firms) in {:.1?}",
            r.contracts,
            r.near_duplicates,
            r.renewals,
            r.generic,
            r.firms,
            started.elapsed()
        );
        if postgres {
            let row = db
                .query_one_raw(sea_orm::Statement::from_string(
                    db.get_database_backend(),
                    "SELECT pg_total_relation_size('contract_fingerprint') AS total, \
                     pg_relation_size('contract_fingerprint') AS heap, \
                     pg_indexes_size('contract_fingerprint') AS idx, \
                     pg_indexes_size('contract_attachment') AS att"
                        .to_owned(),
                ))
                .await
                .unwrap()
                .unwrap();
            let mib = |c: &str| row.try_get::<i64>("", c).unwrap() as f64 / 1048576.0;
            eprintln!(
                "index size: contract_fingerprint {:.1} MiB total ({:.1} MiB rows, {:.1} MiB indexes)",
                mib("total"),
                mib("heap"),
                mib("idx")
            );
        }
    });
    eprintln!("process RSS after seeding: {:.0} MiB", rss_mib());

    // Recall and precision on a sample of each kind.
    let (samples, codes) = rt.block_on(async {
        let all: Vec<(i64, String)> = contract::Entity::find()
            .select_only()
            .column(contract::Column::Id)
            .column(contract::Column::ApprovalCode)
            .filter(contract::Column::ApprovalCode.starts_with("SEED"))
            .into_tuple()
            .all(&db)
            .await
            .unwrap();
        let codes: BTreeMap<i64, String> = all.iter().cloned().collect();
        let mut by_kind: BTreeMap<char, Vec<i64>> = BTreeMap::new();
        for (id, code) in &all {
            if let Some((k, _)) = truth(code) {
                let v = by_kind.entry(k).or_default();
                if v.len() < sample {
                    v.push(*id);
                }
            }
        }
        (by_kind, codes)
    });
    let base_of = |id: i64| -> Option<i64> { truth(&codes[&id]).and_then(|(_, b)| b) };
    // Planted pairs: a near-duplicate with its original, and two
    // near-duplicates of the same original.
    let planted = |a: i64, b: i64| -> bool {
        let (ka, kb) = (truth(&codes[&a]), truth(&codes[&b]));
        let (da, db_) = (
            ka.filter(|k| k.0 == 'D').and_then(|k| k.1),
            kb.filter(|k| k.0 == 'D').and_then(|k| k.1),
        );
        da == Some(b) || db_ == Some(a) || (da.is_some() && da == db_)
    };
    let dups = app.state.duplicates.clone();
    let t = rt.block_on(duplicates::thresholds(&dups));
    let (mut hits, mut planted_n, mut flags, mut true_flags) = (0u64, 0u64, 0u64, 0u64);
    let mut false_by_kind: BTreeMap<char, u64> = BTreeMap::new();
    let mut times = Vec::new();
    rt.block_on(async {
        for (kind, ids) in &samples {
            for id in ids {
                let full = service::load(&db, *id).await.unwrap().unwrap();
                let subject = techreg::contracts::subject_of(&full);
                let started = Instant::now();
                let found = duplicates::check(&dups, &db, &subject, &t).await.unwrap();
                times.push(started.elapsed());
                let raised: Vec<i64> = found
                    .iter()
                    .filter(|m| m.raised())
                    .map(|m| m.other.id)
                    .collect();
                if *kind == 'D' {
                    planted_n += 1;
                    if raised.contains(&base_of(*id).unwrap()) {
                        hits += 1;
                    }
                }
                for other in raised {
                    flags += 1;
                    if planted(*id, other) {
                        true_flags += 1;
                    } else {
                        *false_by_kind.entry(*kind).or_default() += 1;
                    }
                }
            }
        }
    });
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    eprintln!(
        "recall {:.3} ({hits} of {planted_n} planted near-duplicates found), precision {:.3} ({true_flags} of {flags} flags; false flags by sampled kind {false_by_kind:?})",
        hits as f64 / planted_n.max(1) as f64,
        true_flags as f64 / flags.max(1) as f64,
    );
    eprintln!(
        "check time over {} checks: median {:?}, p95 {:?}, max {:?}",
        times.len(),
        pct(0.5),
        pct(0.95),
        times.last().unwrap()
    );
    eprintln!("process RSS after the checks: {:.0} MiB", rss_mib());

    // Criterion: the check of one new contract against all of them.
    let probe: Vec<duplicates::Subject> = rt.block_on(async {
        let mut v = Vec::new();
        for id in samples[&'D'].iter().chain(samples[&'B'].iter()).take(50) {
            let full = service::load(&db, *id).await.unwrap().unwrap();
            v.push(techreg::contracts::subject_of(&full));
        }
        v
    });
    let mut c = Criterion::default()
        .sample_size(50)
        .measurement_time(Duration::from_secs(10))
        .configure_from_args();
    let mut i = 0usize;
    c.bench_function(&format!("duplicate check against {n}"), |b| {
        b.to_async(&rt).iter(|| {
            i = (i + 1) % probe.len();
            let subject = &probe[i];
            let (db, dups) = (&db, &dups);
            async move { duplicates::check(dups, db, subject, &t).await.unwrap() }
        })
    });
    c.final_summary();
    rt.block_on(app.stop());
}
