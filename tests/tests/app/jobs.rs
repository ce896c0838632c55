//! Background jobs: automatic acceptance (F25) at the limit and not
//! before, recorded as a system action with notices; two nodes running it
//! at once accept each case once; every run is recorded and shown to the
//! system admin, who can also start one.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use techreg::core::Scope;
use techreg_entities::contract::{contract, event};
use techreg_tests::{PASSWORD, TestApp};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn at(app: &TestApp, instant: &str) {
    let target: DateTime<Utc> = instant.parse().unwrap();
    app.state
        .core
        .clock
        .advance(target - app.state.core.clock.now());
}

/// A submitted application waiting for acceptance until `deadline`.
async fn waiting(app: &TestApp, n: i64, office: i64, applicant: i64, deadline: &str) -> i64 {
    let now = app.state.core.clock.now();
    contract::ActiveModel {
        approval_code: Set(format!("JOBTEST{n}")),
        status: Set("submitted".into()),
        name: Set(format!("自动受理测试合同{n}")),
        applicant_user_id: Set(applicant),
        office_id: Set(Some(office)),
        round: Set(1),
        submitted_at: Set(Some(now)),
        stage_deadline: Set(Some(d(deadline))),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.state.core.db)
    .await
    .unwrap()
    .id
}

async fn status(app: &TestApp, id: i64) -> String {
    contract::Entity::find_by_id(id)
        .one(&app.state.core.db)
        .await
        .unwrap()
        .unwrap()
        .status
}

#[tokio::test]
async fn an_application_left_alone_is_accepted_the_day_after_its_limit() {
    let app = TestApp::spawn().await;
    at(&app, "2026-10-08T02:00:00Z").await; // the deadline day itself
    let office = app.create_office("310115", "浦东新区技术合同登记处").await;
    let reviewer = app
        .create_user(
            "rev",
            "13900170001",
            "office_reviewer",
            Scope::Office(office),
            false,
        )
        .await;
    let applicant = app
        .create_user("appl", "13900170002", "applicant", Scope::SelfOnly, false)
        .await;
    let id = waiting(&app, 1, office, applicant, "2026-10-08").await;
    let later = waiting(&app, 2, office, applicant, "2026-10-09").await;

    let run = techreg::jobs::run(&app.state.jobs, "auto_accept")
        .await
        .unwrap();
    assert_eq!(
        (run.outcome.as_str(), run.rows),
        ("ok", 0),
        "not before the limit"
    );
    assert_eq!(status(&app, id).await, "submitted");

    app.state.core.clock.advance(chrono::Duration::days(1));
    let run = techreg::jobs::run(&app.state.jobs, "auto_accept")
        .await
        .unwrap();
    assert_eq!((run.outcome.as_str(), run.rows), ("ok", 1));
    assert_eq!(status(&app, id).await, "reviewing");
    assert_eq!(status(&app, later).await, "submitted", "its limit is today");
    let e = event::Entity::find()
        .filter(event::Column::ContractId.eq(id))
        .one(&app.state.core.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (e.action.as_str(), e.actor.as_str()),
        ("auto_accept", "system")
    );
    assert!(e.reason.contains("2026-10-08"), "{}", e.reason);
    // The applicant is told; the reviewer who gets it has new work.
    assert_eq!(
        app.count(&format!(
            "message WHERE user_id = {applicant} AND kind = 'status'"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "message WHERE user_id = {reviewer} AND kind = 'work'"
        ))
        .await,
        1
    );
    // A second run finds nothing more to do.
    let run = techreg::jobs::run(&app.state.jobs, "auto_accept")
        .await
        .unwrap();
    assert_eq!(run.rows, 0);
}

#[tokio::test]
async fn two_nodes_running_at_once_accept_each_case_once() {
    let app = TestApp::spawn().await;
    at(&app, "2026-10-12T02:00:00Z").await;
    let office = app.create_office("310115", "浦东新区技术合同登记处").await;
    let applicant = app
        .create_user("appl", "13900170002", "applicant", Scope::SelfOnly, false)
        .await;
    let mut ids = Vec::new();
    for n in 0..12 {
        ids.push(waiting(&app, n, office, applicant, "2026-10-09").await);
    }
    let other = app.spawn_node().await;
    other
        .state
        .core
        .clock
        .advance(app.state.core.clock.now() - other.state.core.clock.now());
    let (a, b) = tokio::join!(
        techreg::jobs::run(&app.state.jobs, "auto_accept"),
        techreg::jobs::run(&other.state.jobs, "auto_accept"),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!((a.outcome.as_str(), b.outcome.as_str()), ("ok", "ok"));
    assert_eq!(a.rows + b.rows, 12, "{} + {}", a.rows, b.rows);
    for id in ids {
        assert_eq!(status(&app, id).await, "reviewing");
        assert_eq!(
            app.count(&format!("contract_event WHERE contract_id = {id}"))
                .await,
            1
        );
    }
    assert_eq!(app.count("job_run WHERE outcome = 'ok'").await, 2);
}

#[tokio::test]
async fn the_system_admin_sees_the_runs_and_starts_one() {
    let app = TestApp::spawn().await;
    app.create_user("sys", "13900170003", "system_admin", Scope::All, false)
        .await;
    app.create_user("rev", "13900170004", "office_reviewer", Scope::All, false)
        .await;
    let c = app.client();
    app.login(&c, "sys", PASSWORD, "13900170003").await;
    let page = c.get("/admin/jobs").await;
    assert_eq!(page.status, 200);
    assert!(page.text_of("#job-list").unwrap().contains("尚未运行"));
    let r = c.post_form("/admin/jobs/sms_outbox/run", &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = c.get("/admin/jobs").await;
    let runs = page.text_of("#runs").unwrap();
    assert!(runs.contains("短信投递") && runs.contains("成功"), "{runs}");
    assert_eq!(app.count("audit_log WHERE action = 'job.run'").await, 1);
    assert_eq!(
        c.post_form("/admin/jobs/nonsense/run", &[]).await.status,
        404
    );
    let rev = app.client();
    app.login(&rev, "rev", PASSWORD, "13900170004").await;
    assert_eq!(rev.get("/admin/jobs").await.status, 403);
    assert_eq!(
        rev.post_form("/admin/jobs/sms_outbox/run", &[])
            .await
            .status,
        403
    );
    assert_eq!(app.count("job_run").await, 1);
}
