//! Start-up rules: production refuses demo data, the logging SMS driver and
//! keys generated on the fly; demo mode seeds and generates.

use techreg::core::config::{Secret, SmsDriver};
use techreg::security::keys::LocalKeyFiles;
use techreg::{RunMode, boot};
use techreg_tests::TestApp;

async fn fresh_config() -> (TestApp, techreg::Config) {
    // A running app provides a migrated database; the config points to it.
    let app = TestApp::spawn().await;
    let config = (*app.state.core.config).clone();
    (app, config)
}

fn production_ready(mut config: techreg::Config) -> techreg::Config {
    config.sms.driver = SmsDriver::Http;
    config.sms.http_url = "http://127.0.0.1:9/sms".into();
    config.sms.http_secret = Secret::new("s3cret");
    config
}

#[tokio::test]
async fn production_refuses_the_logging_sms_driver() {
    let (_app, config) = fresh_config().await;
    let err = boot(config, RunMode::Production)
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("sms.driver"), "{err}");
}

#[tokio::test]
async fn production_refuses_missing_keys_instead_of_generating_them() {
    let (_app, mut config) = fresh_config().await;
    let empty = tempfile::tempdir().unwrap();
    config.data_dir = empty.path().to_path_buf();
    let err = boot(production_ready(config), RunMode::Production)
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("techreg keys init"), "{err}");
    assert!(!empty.path().join("keys").exists(), "nothing generated");
}

#[tokio::test]
async fn production_refuses_a_database_with_demo_data() {
    let (app, config) = fresh_config().await;
    // Keys made by `keys init` are accepted.
    let keys = tempfile::tempdir().unwrap();
    LocalKeyFiles::init(keys.path()).unwrap();
    let mut config = production_ready(config);
    config.data_dir = keys.path().to_path_buf();
    assert!(
        boot(config.clone(), RunMode::Production).await.is_ok(),
        "clean database boots"
    );

    techreg::demo::seed(
        &app.state.core.db,
        app.state.keys.as_ref(),
        &app.state.core.config,
    )
    .await
    .unwrap();
    let err = boot(config, RunMode::Production)
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("演示数据"), "{err}");
}

#[tokio::test]
async fn production_without_auto_migrate_refuses_pending_migrations() {
    let dir = tempfile::tempdir().unwrap();
    LocalKeyFiles::init(dir.path()).unwrap();
    // A database no migration has touched (the check is the same code on
    // every backend).
    let url = format!("sqlite://{}/empty.db", dir.path().display());
    let mut config = production_ready(techreg_tests::test_config(&url, dir.path()));
    config.auto_migrate = false;
    let err = boot(config, RunMode::Production)
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("techreg migrate"), "{err}");
}

#[tokio::test]
async fn demo_mode_seeds_once_and_generates_keys() {
    let (app, mut config) = fresh_config().await;
    let dir = tempfile::tempdir().unwrap();
    config.data_dir = dir.path().to_path_buf();
    let state = boot(config.clone(), RunMode::Demo).await.unwrap();
    assert!(techreg::demo::has_demo_data(&state.core.db).await.unwrap());
    assert!(dir.path().join("keys/web.key").exists());
    let announcement = state
        .settings
        .get_string("portal.announcement")
        .await
        .unwrap();
    assert!(announcement.contains("演示"));
    // A few hundred enterprises, every one with its responsible office,
    // some of them through an industry list.
    assert_eq!(app.count("enterprise WHERE source = 'demo'").await, 320);
    assert_eq!(
        app.count(
            "enterprise WHERE id NOT IN \
             (SELECT enterprise_id FROM enterprise_assignment WHERE valid_to IS NULL)"
        )
        .await,
        0
    );
    assert_eq!(
        app.count("enterprise_assignment WHERE reason = '按行业名单自动分配'")
            .await,
        32
    );
    // Every office holds a contract in every state of the flow; registered
    // ones have a signed certificate.
    let offices = app.count("office").await;
    assert_eq!(
        app.count("contract WHERE approval_code LIKE 'DEMO%'").await,
        offices * 13
    );
    assert_eq!(app.count("contract WHERE status = 'draft'").await, offices);
    for status in [
        "submitted",
        "withdrawn",
        "not_accepted",
        "returned",
        "reviewing",
        "expert_review",
        "large_approval",
        "pending_approval",
        "registered",
        "refused",
        "cancelled",
        "revoked",
    ] {
        let with = app
            .count(&format!(
                "(SELECT DISTINCT office_id FROM contract WHERE status = '{status}') x"
            ))
            .await;
        assert_eq!(with, offices, "{status}");
    }
    assert_eq!(
        app.count("certificate WHERE status = 'valid'").await,
        offices
    );
    assert_eq!(
        app.count("certificate WHERE status = 'revoked'").await,
        offices
    );
    // A second start leaves the seed as it was.
    boot(config, RunMode::Demo).await.unwrap();
    assert_eq!(app.count("enterprise WHERE source = 'demo'").await, 320);
    assert_eq!(
        app.count("contract WHERE approval_code LIKE 'DEMO%'").await,
        offices * 13
    );
    drop(app);
}
