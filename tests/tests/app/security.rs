//! Tamper evidence and data protection: the audit chain, integrity tags on
//! grants, and personal data that never appears in clear at rest.

use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;
use techreg::audit::{self, Actor, Broken, Entry, Outcome};
use techreg::core::Scope;
use techreg::security::keys::KeyName;
use techreg_tests::{PASSWORD, TestApp};

async fn exec(app: &TestApp, sql: &str) {
    let backend = app.state.core.db.get_database_backend();
    app.state
        .core
        .db
        .execute_raw(Statement::from_string(backend, sql.to_owned()))
        .await
        .unwrap();
}

async fn write_rows(app: &TestApp, n: usize, tag: &str) {
    for i in 0..n {
        audit::record(
            &app.state.core.db,
            app.state.core.clock.now(),
            &Actor::system(),
            Entry {
                action: "test.event",
                object_type: Some("test"),
                object_id: Some(format!("{tag}-{i}")),
                outcome: Outcome::Success,
                detail: json!({ "i": i, "who": tag }),
            },
        )
        .await
        .unwrap();
    }
}

fn audit_key(app: &TestApp) -> Vec<u8> {
    app.state.keys.secret(KeyName::Audit).to_vec()
}

async fn seal_all(app: &TestApp) {
    while audit::seal(&app.state.core.db, &audit_key(app))
        .await
        .unwrap()
        > 0
    {}
}

async fn verify(app: &TestApp) -> Result<u64, Broken> {
    audit::verify(&app.state.core.db, &audit_key(app))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_changed_audit_row_is_named() {
    let app = TestApp::spawn().await;
    write_rows(&app, 10, "a").await;
    seal_all(&app).await;
    assert_eq!(verify(&app).await, Ok(10));
    exec(
        &app,
        "UPDATE audit_log SET detail = '{\"i\":99}' WHERE object_id = 'a-4'",
    )
    .await;
    match verify(&app).await {
        Err(Broken::Changed { seq, .. }) => assert_eq!(seq, 5),
        other => panic!("expected a changed row, got {other:?}"),
    }
}

#[tokio::test]
async fn a_deleted_middle_row_and_a_cut_tail_are_detected() {
    let app = TestApp::spawn().await;
    write_rows(&app, 10, "b").await;
    seal_all(&app).await;
    exec(&app, "DELETE FROM audit_log WHERE object_id = 'b-9'").await;
    assert_eq!(
        verify(&app).await,
        Err(Broken::TailCut {
            last_seq: 9,
            head_seq: 10
        })
    );
    exec(&app, "DELETE FROM audit_log WHERE object_id = 'b-3'").await;
    assert!(matches!(
        verify(&app).await,
        Err(Broken::Missing {
            expected_seq: 4,
            ..
        })
    ));
}

#[tokio::test]
async fn two_writers_and_two_sealers_at_once_keep_one_correct_chain() {
    let app = TestApp::spawn().await;
    let node = app.spawn_node().await;
    let w1 = write_rows(&app, 40, "w1");
    let w2 = write_rows(&node, 40, "w2");
    let key = audit_key(&app);
    let (db1, db2) = (app.state.core.db.clone(), node.state.core.db.clone());
    let (k1, k2) = (key.clone(), key.clone());
    let s1 = tokio::spawn(async move {
        for _ in 0..20 {
            let _ = audit::seal(&db1, &k1).await;
        }
    });
    let s2 = tokio::spawn(async move {
        for _ in 0..20 {
            let _ = audit::seal(&db2, &k2).await;
        }
    });
    tokio::join!(w1, w2);
    s1.await.unwrap();
    s2.await.unwrap();
    seal_all(&app).await;
    assert_eq!(verify(&app).await, Ok(80));
    node.stop().await;
}

#[tokio::test]
async fn purging_old_rows_keeps_the_chain_verifiable() {
    let app = TestApp::spawn().await;
    write_rows(&app, 5, "old").await;
    app.state.core.clock.advance(chrono::Duration::days(200));
    write_rows(&app, 5, "new").await;
    seal_all(&app).await;
    let cutoff = app.state.core.clock.now() - chrono::Duration::days(180);
    let purged = audit::purge(&app.state.core.db, &audit_key(&app), cutoff)
        .await
        .unwrap();
    assert_eq!(purged, 5);
    assert_eq!(verify(&app).await, Ok(5));
}

#[tokio::test]
async fn a_grant_changed_added_or_reinserted_outside_the_app_is_refused_and_audited() {
    let app = TestApp::spawn().await;
    app.create_user("granted", "13900011111", "inspector", Scope::All, false)
        .await;
    let c = app.client();
    app.login(&c, "granted", PASSWORD, "13900011111").await;
    assert_eq!(c.get("/my").await.status, 200);

    // Raise the role to system admin in the database.
    exec(&app, "UPDATE role_assignment SET role_id = (SELECT id FROM role WHERE code = 'system_admin') WHERE user_id = (SELECT id FROM app_user WHERE username = 'granted')").await;
    let r = c.get("/my").await;
    assert_eq!(r.status, 403);
    assert!(
        app.count("audit_log WHERE action = 'security.grant_tampered'")
            .await
            >= 1
    );
    // Put it back, and it works again.
    exec(&app, "UPDATE role_assignment SET role_id = (SELECT id FROM role WHERE code = 'inspector') WHERE user_id = (SELECT id FROM app_user WHERE username = 'granted')").await;
    assert_eq!(c.get("/my").await.status, 200);

    // A copy of a valid row under a new id fails (the tag covers the id).
    exec(&app, "INSERT INTO role_assignment (user_id, role_id, scope_kind, scope_id, created_at, created_by, tag) SELECT user_id, role_id, scope_kind, scope_id, created_at, created_by, tag FROM role_assignment WHERE user_id = (SELECT id FROM app_user WHERE username = 'granted')").await;
    assert_eq!(c.get("/my").await.status, 403);
    exec(
        &app,
        "DELETE FROM role_assignment WHERE id = (SELECT MAX(id) FROM role_assignment)",
    )
    .await;
    assert_eq!(c.get("/my").await.status, 200);

    // A permission added to the role outside the app.
    exec(&app, "INSERT INTO role_permission (role_id, permission, tag) SELECT id, 'user.manage', 'forged' FROM role WHERE code = 'inspector'").await;
    assert_eq!(c.get("/my").await.status, 403);
}

/// Every text value at rest, as one string: the SQLite files, or a pg_dump.
async fn everything_at_rest(app: &TestApp) -> Vec<u8> {
    let mut all = Vec::new();
    match techreg_tests::postgres_url() {
        None => {
            // Checkpoint so the WAL is in the main file too; read both anyway.
            exec(app, "PRAGMA wal_checkpoint(FULL)").await;
            for entry in std::fs::read_dir(app.data_dir.path()).unwrap().flatten() {
                if entry.file_type().unwrap().is_file() {
                    all.extend(std::fs::read(entry.path()).unwrap());
                }
            }
        }
        Some(_) => {
            let url = app.state.core.config.database_url.expose().to_owned();
            let out = std::process::Command::new("pg_dump")
                .arg("--data-only")
                .arg(&url)
                .output()
                .expect("pg_dump");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            all.extend(out.stdout);
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// `needle` (digits) standing on its own: not inside a longer number or a
/// decimal fraction. A random six-digit code otherwise turns up by chance
/// in the microseconds of some timestamp or duration in a long log.
fn contains_number(haystack: &[u8], needle: &str) -> bool {
    let n = needle.len();
    let part_of_number = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_digit() || *b == b'.');
    haystack.windows(n).enumerate().any(|(i, w)| {
        w == needle.as_bytes()
            && !part_of_number(i.checked_sub(1).and_then(|j| haystack.get(j)))
            && !part_of_number(haystack.get(i + n))
    })
}

/// Everything the application logs, at every level, during one test.
#[derive(Clone, Default)]
struct LogBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn personal_data_never_appears_in_clear_at_rest() {
    let logs = LogBuffer::default();
    let sink = logs.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .init();
    let app = TestApp::spawn().await;
    let mobile = "13987650123";
    let base = "31010519770707123";
    let id_card = format!("{base}{}", techreg::identity::id_card_check_char(base));
    let c = app.client();
    c.get("/register/individual").await;
    c.htmx_post("/register/sms-code", &[("mobile", mobile)])
        .await;
    let sms = app.last_sms_code(mobile).await;
    let r = c
        .post_form(
            "/register/individual",
            &[
                ("real_name", "孙七"),
                ("id_card", &id_card),
                ("mobile", mobile),
                ("sms_code", &sms),
                ("username", "sunqi"),
                ("password", PASSWORD),
                ("confirm_password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let login = app.login(&c, "sunqi", PASSWORD, mobile).await;
    assert_eq!(login.status, 303);
    let home = c.get("/my").await;
    assert!(
        home.body.contains("139****0123") && !home.body.contains(mobile),
        "masked on screen"
    );
    seal_all(&app).await;

    let at_rest = everything_at_rest(&app).await;
    assert!(!at_rest.is_empty());
    let logged = logs.0.lock().unwrap().clone();
    assert!(contains(&logged, "request"), "the logs were captured");
    for marker in [mobile, id_card.as_str()] {
        assert!(
            !contains(&at_rest, marker),
            "{marker} found in clear at rest"
        );
        assert!(!contains(&logged, marker), "{marker} found in the logs");
    }
    assert!(
        !contains_number(&at_rest, &sms),
        "the code found in clear at rest"
    );
    assert!(
        !contains_number(&logged, &sms),
        "the code found in the logs"
    );
    // The sessions in Redis hold neither.
    if let Some(redis) = techreg_tests::redis_url() {
        let client = redis::Client::open(redis).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg("techreg:*")
            .query_async(&mut conn)
            .await
            .unwrap();
        assert!(!keys.is_empty(), "sessions are in Redis");
        for k in keys {
            assert!(!k.contains(mobile));
            let v: Option<String> = redis::cmd("GET")
                .arg(&k)
                .query_async(&mut conn)
                .await
                .unwrap();
            let v = v.unwrap_or_default();
            assert!(!v.contains(mobile) && !v.contains(&id_card), "{k}");
        }
    }
}

#[tokio::test]
async fn key_rotation_reencrypts_personal_data_under_the_new_version() {
    use sea_orm::EntityTrait;
    use techreg_entities::identity::app_user;
    let app = TestApp::spawn().await;
    app.create_user("rotating", "13900012222", "inspector", Scope::All, false)
        .await;
    let version =
        techreg::security::keys::LocalKeyFiles::add_field_version(app.data_dir.path()).unwrap();
    let (keys, _) =
        techreg::security::keys::LocalKeyFiles::open(app.data_dir.path(), false).unwrap();
    let moved = techreg::security::rotate::reencrypt_all(&app.state.core.db, &keys)
        .await
        .unwrap();
    assert!(moved >= 1);
    let user = app_user::Entity::find()
        .one(&app.state.core.db)
        .await
        .unwrap()
        .unwrap();
    let stored = user.mobile_enc.unwrap();
    assert!(stored.starts_with(&format!("v{version}:")));
    use techreg::security::keys::KeyProvider;
    assert_eq!(keys.fields().decrypt(&stored).unwrap(), "13900012222");
}

#[tokio::test]
async fn concurrent_hits_on_a_new_rate_limit_key_count_exactly() {
    let app = TestApp::spawn().await;
    let now = app.state.core.clock.now();
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let db = app.state.core.db.clone();
        tasks.push(tokio::spawn(async move {
            techreg::security::rate_limit::hit(
                &db,
                "test:burst",
                chrono::Duration::minutes(1),
                5,
                now,
            )
            .await
            .unwrap()
        }));
    }
    let mut allowed = 0;
    for t in tasks {
        if t.await.unwrap() {
            allowed += 1;
        }
    }
    assert_eq!(allowed, 5);
    // A new window starts afresh.
    let later = now + chrono::Duration::minutes(2);
    assert!(
        techreg::security::rate_limit::hit(
            &app.state.core.db,
            "test:burst",
            chrono::Duration::minutes(1),
            5,
            later
        )
        .await
        .unwrap()
    );
}
