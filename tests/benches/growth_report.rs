//! Benchmark (not a test): the enterprise growth report on 300 000
//! enterprises (10 % reassigned mid-way) and 1 000 000 contracts over five
//! years, for a yearly and a five-year city-wide period. Prints the times;
//! results go to docs/performance.md.
//!
//! `cargo bench -p techreg-tests --bench growth_report` (SQLite), or with
//! `TECHREG_TEST_DATABASE_URL=postgres://…` for PostgreSQL.

use chrono::NaiveDate;
use techreg_tests::TestApp;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[tokio::main]
async fn main() {
    use sea_orm::ConnectionTrait;
    use techreg::core::period::Period;
    use techreg::reports::enterprise_growth;
    let app = TestApp::spawn().await;
    let districts = [
        "310101", "310104", "310105", "310106", "310107", "310109", "310110", "310112", "310113",
        "310114", "310115", "310116", "310117", "310118", "310120", "310151",
    ];
    for d in districts {
        app.create_office(d, &format!("{d}登记处")).await;
    }
    let db = &app.state.core.db;
    let postgres = db.get_database_backend() == sea_orm::DatabaseBackend::Postgres;
    // 2022-01-01T00:00:00Z; enterprises every 500 s, contracts every 150 s.
    let base = 1_640_995_200_i64;
    let statements: Vec<String> = if postgres {
        vec![
            format!(
                "INSERT INTO enterprise (credit_code, name, status, created_at, updated_at)
                 SELECT 'B' || lpad(n::text, 17, '0'), 'E' || n, 'verified',
                        to_timestamp({base} + n * 500), to_timestamp({base} + n * 500)
                 FROM generate_series(1, 300000) n"
            ),
            "INSERT INTO enterprise_assignment (enterprise_id, office_id, valid_from, valid_to, reason, actor, created_at)
             SELECT id, id % 16 + 1, DATE '2020-01-01', CASE WHEN id % 10 = 0 THEN DATE '2025-06-01' END, 'b', 'b', now()
             FROM enterprise".into(),
            "INSERT INTO enterprise_assignment (enterprise_id, office_id, valid_from, valid_to, reason, actor, created_at)
             SELECT id, (id + 5) % 16 + 1, DATE '2025-06-01', NULL, 'b', 'b', now()
             FROM enterprise WHERE id % 10 = 0".into(),
            format!(
                "INSERT INTO contract (approval_code, applicant_user_id, enterprise_id, office_id, status,
                                       submitted_at, registered_at, created_at, updated_at)
                 SELECT 'G' || n, 0, (n * 7919) % 300000 + 1, n % 16 + 1,
                        CASE WHEN n % 5 = 0 THEN 'submitted' ELSE 'registered' END,
                        to_timestamp({base} + n * 150),
                        CASE WHEN n % 5 = 0 THEN NULL ELSE to_timestamp({base} + n * 150 + 864000) END,
                        to_timestamp({base} + n * 150), to_timestamp({base} + n * 150)
                 FROM generate_series(1::bigint, 1000000) n"
            ),
            "ANALYZE".into(),
        ]
    } else {
        let ts = |expr: &str| {
            format!("strftime('%Y-%m-%dT%H:%M:%S', {base} + {expr}, 'unixepoch') || '+00:00'")
        };
        vec![
            format!(
                "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 300000)
                 INSERT INTO enterprise (credit_code, name, status, created_at, updated_at)
                 SELECT printf('B%017d', n), 'E' || n, 'verified', {}, {} FROM s",
                ts("n * 500"),
                ts("n * 500")
            ),
            "INSERT INTO enterprise_assignment (enterprise_id, office_id, valid_from, valid_to, reason, actor, created_at)
             SELECT id, id % 16 + 1, '2020-01-01', CASE WHEN id % 10 = 0 THEN '2025-06-01' END, 'b', 'b', '2020-01-01T00:00:00+00:00'
             FROM enterprise".into(),
            "INSERT INTO enterprise_assignment (enterprise_id, office_id, valid_from, valid_to, reason, actor, created_at)
             SELECT id, (id + 5) % 16 + 1, '2025-06-01', NULL, 'b', 'b', '2020-01-01T00:00:00+00:00'
             FROM enterprise WHERE id % 10 = 0".into(),
            format!(
                "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 1000000)
                 INSERT INTO contract (approval_code, applicant_user_id, enterprise_id, office_id, status,
                                       submitted_at, registered_at, created_at, updated_at)
                 SELECT 'G' || n, 0, (n * 7919) % 300000 + 1, n % 16 + 1,
                        CASE WHEN n % 5 = 0 THEN 'submitted' ELSE 'registered' END,
                        {}, CASE WHEN n % 5 = 0 THEN NULL ELSE {} END, {}, {} FROM s",
                ts("n * 150"),
                ts("n * 150 + 864000"),
                ts("n * 150"),
                ts("n * 150")
            ),
            "ANALYZE".into(),
        ]
    };
    let started = std::time::Instant::now();
    for s in statements {
        db.execute_unprepared(&s).await.unwrap();
    }
    eprintln!("seeded in {:?}", started.elapsed());
    for (from, to) in [("2025-01-01", "2025-12-31"), ("2022-01-01", "2026-11-29")] {
        let period = Period::new(day(from), day(to)).unwrap();
        let started = std::time::Instant::now();
        let g = enterprise_growth(db, period, &techreg::core::Coverage::City)
            .await
            .unwrap();
        eprintln!(
            "{from}..{to}: {:?}, {} rows, total {:?}",
            started.elapsed(),
            g.rows.len(),
            g.total
        );
        // Every enterprise created in the period has an office.
        assert_eq!(
            g.rows.iter().map(|r| r.counts.new_enterprises).sum::<u64>(),
            g.total.new_enterprises
        );
        assert!(g.total.new_enterprises > 0 && g.total.active > 0);
        if from == "2022-01-01" {
            // The generated contracts give every enterprise its first
            // registration in 2022–2023.
            assert!(g.total.first_contract > 0);
        }
    }
}
