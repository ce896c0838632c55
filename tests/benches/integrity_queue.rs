//! Benchmark (not a test): review queue pages with the integrity priority
//! (F28: listed enterprises first, cursor over (listed, deadline, id)) on
//! 1 000 000 contracts across 16 offices, 1 in 13 of them listed. Times the
//! first and a later page of one office's acceptance queue and of the
//! city-wide registered queue, each run several times. Results go to
//! docs/performance.md.
//!
//! `cargo bench -p techreg-tests --bench integrity_queue` (SQLite), or with
//! `TECHREG_TEST_DATABASE_URL=postgres://…` for PostgreSQL.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use techreg::contracts::queues::{self, Cursor, Filters, Kind, Visible};
use techreg::contracts::state::Status;
use techreg_tests::TestApp;

const RUNS: usize = 20;
const PAGE: u64 = 50;

#[tokio::main]
async fn main() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    for d in [
        "310101", "310104", "310105", "310106", "310107", "310109", "310110", "310112", "310113",
        "310114", "310115", "310116", "310117", "310118", "310120", "310151",
    ] {
        app.create_office(d, &format!("{d}登记处")).await;
    }
    let db = &app.state.core.db;
    let postgres = db.get_database_backend() == sea_orm::DatabaseBackend::Postgres;
    // Open cases (1 in 10 submitted, 1 in 10 reviewing) have deadlines over
    // 40 days; the rest are registered.
    let status = "CASE WHEN n % 10 = 0 THEN 'submitted' WHEN n % 10 = 1 THEN 'reviewing' ELSE 'registered' END";
    let statement = if postgres {
        format!(
            "INSERT INTO contract (approval_code, applicant_user_id, enterprise_id, office_id, status,
                                   integrity_listed, stage_deadline, submitted_at, created_at, updated_at)
             SELECT 'Q' || n, 0, n % 300000 + 1, n % 16 + 1, {status}, n % 13 = 0,
                    CASE WHEN n % 10 < 2 THEN DATE '2026-12-01' + (n % 40)::int END,
                    to_timestamp(1640995200 + n * 150), now(), now()
             FROM generate_series(1::bigint, 1000000) n"
        )
    } else {
        format!(
            "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 1000000)
             INSERT INTO contract (approval_code, applicant_user_id, enterprise_id, office_id, status,
                                   integrity_listed, stage_deadline, submitted_at, created_at, updated_at)
             SELECT 'Q' || n, 0, n % 300000 + 1, n % 16 + 1, {status}, n % 13 = 0,
                    CASE WHEN n % 10 < 2 THEN date('2026-12-01', '+' || (n % 40) || ' days') END,
                    strftime('%Y-%m-%dT%H:%M:%S', 1640995200 + n * 150, 'unixepoch') || '+00:00',
                    '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00'
             FROM s"
        )
    };
    let started = Instant::now();
    db.execute_unprepared(&statement).await.unwrap();
    db.execute_unprepared("ANALYZE").await.unwrap();
    eprintln!("seeded in {:?}", started.elapsed());

    let due_by = NaiveDate::from_ymd_opt(2026, 12, 10).unwrap();
    for (label, vis, kind) in [
        (
            "office 1, 待受理",
            Visible::Offices(vec![1]),
            Kind::Status(Status::Submitted),
        ),
        (
            "city-wide, 已登记",
            Visible::All,
            Kind::Status(Status::Registered),
        ),
    ] {
        for by_submitted in [false, true] {
            let f = Filters {
                by_submitted,
                ..Filters::default()
            };
            let cond = || queues::base(&vis).add(queues::of_queue(kind, 0, due_by));
            let mut first = Vec::new();
            let mut later = Vec::new();
            let mut cursor: Option<Cursor> = None;
            for _ in 0..RUNS {
                let t = Instant::now();
                let (rows, next) = queues::page(db, cond(), &f, None, PAGE).await.unwrap();
                first.push(t.elapsed());
                assert_eq!(rows.len() as u64, PAGE);
                // Listed cases first.
                assert!(rows[0].integrity_listed);
                // Twenty pages on: past the listed cases of an office queue.
                let mut after = next;
                for _ in 0..20 {
                    let (_, n) = queues::page(db, cond(), &f, after.as_ref(), PAGE)
                        .await
                        .unwrap();
                    after = n;
                }
                let t = Instant::now();
                let (rows, next) = queues::page(db, cond(), &f, after.as_ref(), PAGE)
                    .await
                    .unwrap();
                later.push(t.elapsed());
                assert!(!rows.is_empty());
                cursor = next;
            }
            let median = |v: &mut Vec<Duration>| {
                v.sort();
                v[v.len() / 2]
            };
            eprintln!(
                "{label} ({}): first page median {:?}, page 22 median {:?}{}",
                if by_submitted {
                    "by submission"
                } else {
                    "by deadline"
                },
                median(&mut first),
                median(&mut later),
                if cursor.is_some() { "" } else { " (last page)" }
            );
        }
    }
}
