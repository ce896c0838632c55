//! Deadline reminders (F24) in time-travel: the job is run day by day
//! with the application clock moved, across two (test) holidays. Each
//! point reaches the person working the case and the office head once,
//! by message and SMS, on the right working day; running the job twice or
//! on two nodes at once sends nothing twice. The admin edits the points and
//! templates (bad input changes nothing), sees the yearly SMS counter and
//! each reminder's delivery status; at the quota's warning share the system
//! admins are told once.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use techreg::calendar::DayKind;
use techreg::core::Scope;
use techreg_entities::alerts::deadline_reminder;
use techreg_entities::contract::contract;
use techreg_tests::{PASSWORD, TestApp, TestClient};

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

/// 09:30 in Shanghai on `day`.
async fn morning(app: &TestApp, day: NaiveDate) {
    at(app, &format!("{day}T01:30:00Z")).await;
}

async fn holiday(app: &TestApp, day: &str) {
    let txn = techreg::core::db::begin(&app.state.core.db).await.unwrap();
    techreg::calendar::write_day(
        &txn,
        d(day),
        DayKind::Holiday,
        "测试假日",
        "test",
        app.state.core.clock.now(),
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    app.state.calendar.invalidate();
}

/// A case in `status` at `office`, worked by `assignee`, due on `deadline`.
async fn case(
    app: &TestApp,
    n: i64,
    status: &str,
    office: i64,
    applicant: i64,
    assignee: Option<i64>,
    deadline: &str,
) -> i64 {
    let now = app.state.core.clock.now();
    contract::ActiveModel {
        approval_code: Set(format!("JSHTREMIND{n}")),
        status: Set(status.into()),
        name: Set(format!("提醒测试合同{n}")),
        applicant_user_id: Set(applicant),
        office_id: Set(Some(office)),
        assigned_user_id: Set(assignee),
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

/// (day, point, user) of every reminder of `contract_id`, in order.
async fn sent(app: &TestApp, contract_id: i64) -> Vec<(String, String, i64)> {
    let mut rows: Vec<(String, String, i64)> = deadline_reminder::Entity::find()
        .filter(deadline_reminder::Column::ContractId.eq(contract_id))
        .all(&app.state.core.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            (
                techreg::core::clock::shanghai_date(r.created_at).to_string(),
                r.point,
                r.user_id,
            )
        })
        .collect();
    rows.sort();
    rows
}

struct Office {
    app: TestApp,
    office: i64,
    reviewer: i64,
    head: i64,
    applicant: i64,
}

/// An office with a reviewer and a head (both with mobiles), on Monday
/// 2027-03-01, where Tuesday and Wednesday are holidays.
async fn office() -> Office {
    let app = TestApp::spawn().await;
    morning(&app, d("2027-03-01")).await;
    holiday(&app, "2027-03-02").await;
    holiday(&app, "2027-03-03").await;
    let office = app.create_office("310115", "浦东新区技术合同登记处").await;
    let reviewer = app
        .create_user(
            "rev",
            "13900180001",
            "office_reviewer",
            Scope::Office(office),
            false,
        )
        .await;
    let head = app
        .create_user(
            "head",
            "13900180002",
            "office_head",
            Scope::Office(office),
            false,
        )
        .await;
    let applicant = app
        .create_user("appl", "13900180003", "applicant", Scope::SelfOnly, false)
        .await;
    Office {
        app,
        office,
        reviewer,
        head,
        applicant,
    }
}

async fn run(app: &TestApp) -> i64 {
    let r = techreg::jobs::run(&app.state.jobs, "deadline_reminders")
        .await
        .unwrap();
    assert_eq!(r.outcome, "ok", "{}", r.message);
    r.rows
}

#[tokio::test]
async fn reminders_fall_on_the_right_working_days_across_a_holiday_once_each() {
    let o = office().await;
    let app = &o.app;
    // Under review, due Friday 03-05.
    let reviewing = case(
        app,
        1,
        "reviewing",
        o.office,
        o.applicant,
        Some(o.reviewer),
        "2027-03-05",
    )
    .await;
    // Waiting for acceptance, due Thursday 03-04 (nobody assigned yet):
    // after its limit the system accepts it, so no overdue reminders.
    let waiting = case(
        app,
        2,
        "submitted",
        o.office,
        o.applicant,
        None,
        "2027-03-04",
    )
    .await;
    // Returned to the applicant: the office's clock is not running.
    let returned = case(
        app,
        3,
        "returned",
        o.office,
        o.applicant,
        Some(o.reviewer),
        "2027-03-04",
    )
    .await;

    // Before the sending hour nothing goes out.
    at(app, "2027-03-01T00:00:00Z").await; // 08:00
    assert_eq!(run(app).await, 0);

    let mut day = d("2027-03-01");
    while day <= d("2027-03-10") {
        morning(app, day).await;
        run(app).await;
        run(app).await; // a second run the same day sends nothing more
        day = day.succ_opt().unwrap();
    }
    let (rev, head) = (o.reviewer, o.head);
    let expected: Vec<(String, String, i64)> = [
        ("2027-03-04", "before", rev),
        ("2027-03-04", "before", head),
        ("2027-03-05", "due", rev),
        ("2027-03-05", "due", head),
        ("2027-03-08", "over1", rev),
        ("2027-03-08", "over1", head),
        ("2027-03-09", "over2", rev),
        ("2027-03-09", "over2", head),
        ("2027-03-10", "over3", rev),
        ("2027-03-10", "over3", head),
    ]
    .into_iter()
    .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c))
    .collect::<Vec<_>>();
    let mut expected = expected;
    expected.sort();
    assert_eq!(sent(app, reviewing).await, expected);
    // Monday 03-01 is the working day before Thursday 03-04.
    assert_eq!(
        sent(app, waiting).await,
        vec![
            ("2027-03-01".to_owned(), "before".to_owned(), head),
            ("2027-03-04".to_owned(), "due".to_owned(), head),
        ]
    );
    assert!(sent(app, returned).await.is_empty());

    // One message and one SMS per reminder, every SMS delivered.
    let reminders = app.count("deadline_reminder").await;
    assert_eq!(reminders, 12);
    assert_eq!(
        app.count(&format!(
            "message WHERE kind = 'work' AND object_id IN ({reviewing}, {waiting})"
        ))
        .await,
        reminders
    );
    assert_eq!(
        app.count("sms_message WHERE purpose = 'notice' AND status = 'sent'")
            .await,
        reminders
    );
    assert_eq!(
        app.last_sms("13900180001").await.as_deref(),
        Some(
            "【上海技术合同登记】您办理的技术合同“提醒测试合同1”（JSHTREMIND1）审查中已超过期限（2027-03-05）3 个工作日，请尽快办理。"
        )
    );
    // The weekend and the holidays were quiet.
    for quiet in ["2027-03-02", "2027-03-03", "2027-03-06", "2027-03-07"] {
        let on_day = deadline_reminder::Entity::find()
            .all(&app.state.core.db)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| techreg::core::clock::shanghai_date(r.created_at).to_string() == quiet)
            .count();
        assert_eq!(on_day, 0, "{quiet}");
    }
}

#[tokio::test]
async fn two_nodes_running_the_reminders_at_once_send_each_once() {
    let o = office().await;
    let app = &o.app;
    let mut ids = Vec::new();
    for n in 0..10 {
        ids.push(
            case(
                app,
                n,
                "reviewing",
                o.office,
                o.applicant,
                Some(o.reviewer),
                "2027-03-01",
            )
            .await,
        );
    }
    let other = app.spawn_node().await;
    other
        .state
        .core
        .clock
        .advance(app.state.core.clock.now() - other.state.core.clock.now());
    let (a, b) = tokio::join!(
        techreg::jobs::run(&app.state.jobs, "deadline_reminders"),
        techreg::jobs::run(&other.state.jobs, "deadline_reminders"),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!((a.outcome.as_str(), b.outcome.as_str()), ("ok", "ok"));
    assert_eq!(a.rows + b.rows, 20, "{} + {}", a.rows, b.rows);
    for id in ids {
        assert_eq!(
            sent(app, id).await,
            vec![
                ("2027-03-01".to_owned(), "due".to_owned(), o.reviewer),
                ("2027-03-01".to_owned(), "due".to_owned(), o.head),
            ]
        );
    }
    assert_eq!(app.count("message WHERE kind = 'work'").await, 20);
    assert_eq!(app.count("sms_message WHERE purpose = 'notice'").await, 20);
    assert_eq!(
        app.count("sms_message WHERE purpose = 'notice' AND status = 'sent'")
            .await,
        20
    );
}

async fn signed_in(app: &TestApp, username: &str, mobile: &str) -> TestClient {
    let c = app.client();
    let r = app.login(&c, username, PASSWORD, mobile).await;
    assert_eq!(r.status, 303, "{username} signs in");
    c
}

#[tokio::test]
async fn the_admin_edits_points_and_templates_and_sees_each_reminder_delivered() {
    let o = office().await;
    let app = &o.app;
    app.create_user("sys", "13900180010", "system_admin", Scope::All, false)
        .await;
    let admin = signed_in(app, "sys", "13900180010").await;
    let page = admin.get("/admin/notices").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("通知与提醒"));
    assert!(page.body.contains("还没有发送过提醒"));

    // Others may not.
    for (name, mobile) in [("head", "13900180002"), ("rev", "13900180001")] {
        let c = signed_in(app, name, mobile).await;
        assert_eq!(c.get("/admin/notices").await.status, 403);
        assert_eq!(
            c.post_form("/admin/notices", &[("sms.yearly_quota", "5")])
                .await
                .status,
            403
        );
    }

    let fields = |template_due: &'static str, days_before: &'static str| {
        vec![
            ("reminders.days_before", days_before),
            ("reminders.on_due_day", "1"),
            ("reminders.overdue_every_days", "2"),
            ("reminders.send_hour", "9"),
            (
                "reminders.template_before",
                "{名称}（{编号}）还有{天数}个工作日到期",
            ),
            ("reminders.template_due", template_due),
            ("reminders.template_overdue", "{编号}已逾期{天数}个工作日"),
            ("sms.yearly_quota", "100000"),
            ("sms.quota_warn_percent", "80"),
        ]
    };
    // An unknown placeholder and a number out of range: nothing saved.
    let r = admin
        .post_form("/admin/notices", &fields("{编码}今日到期", "9"))
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("不认识的占位符 {编码}"), "{}", r.body);
    assert!(r.body.contains("必须在 0 到 5 之间"), "{}", r.body);
    assert_eq!(
        app.count("app_setting WHERE key LIKE 'reminders.%'").await,
        0
    );

    let r = admin
        .post_form(
            "/admin/notices",
            &fields("【提醒】{编号}今日到期（{阶段}）", "2"),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        app.count("audit_log WHERE action = 'settings.change' AND object_id = 'notices'")
            .await,
        1
    );

    let id = case(
        app,
        1,
        "reviewing",
        o.office,
        o.applicant,
        Some(o.reviewer),
        "2027-03-01",
    )
    .await;
    run(app).await;
    assert_eq!(
        app.last_sms("13900180002").await.as_deref(),
        Some("【提醒】JSHTREMIND1今日到期（审查中）")
    );
    let page = admin.get("/admin/notices").await;
    assert!(page.body.contains("JSHTREMIND1"), "{}", page.body);
    assert!(page.body.contains("期限当日"));
    assert!(page.body.contains("已发送"));
    assert!(page.body.contains(&format!("/review/contracts/{id}")));
    // The reviewer has the reminder in the message center too (a new
    // sign-in code needs a minute after the last one).
    app.state.core.clock.advance(chrono::Duration::seconds(61));
    let rev = signed_in(app, "rev", "13900180001").await;
    assert!(
        rev.get("/messages")
            .await
            .body
            .contains("今日到期：JSHTREMIND1")
    );
}

#[tokio::test]
async fn the_system_admins_are_warned_once_at_the_quotas_share() {
    let o = office().await;
    let app = &o.app;
    let sys = app
        .create_user("sys", "13900180010", "system_admin", Scope::All, false)
        .await;
    app.state
        .settings
        .set("sms.yearly_quota", "20", "test")
        .await
        .unwrap();
    // The login codes of the users created so far count too.
    let before = techreg::alerts::sent_this_year(&app.state.core.db, app.state.core.clock.now())
        .await
        .unwrap();
    assert!(before < 16, "{before}");
    let warning =
        format!("message WHERE user_id = {sys} AND kind = 'system' AND title LIKE '%80%'");
    let warned = || app.count(&warning);
    let mut n = 0;
    while techreg::alerts::sent_this_year(&app.state.core.db, app.state.core.clock.now())
        .await
        .unwrap()
        < 15
    {
        // Unassigned: the head alone is reminded, one SMS a case.
        case(
            app,
            n,
            "reviewing",
            o.office,
            o.applicant,
            None,
            "2027-03-01",
        )
        .await;
        n += 1;
        run(app).await;
        assert_eq!(warned().await, 0, "below 80 %");
    }
    case(
        app,
        100,
        "reviewing",
        o.office,
        o.applicant,
        None,
        "2027-03-01",
    )
    .await;
    run(app).await;
    assert_eq!(warned().await, 1);
    case(
        app,
        101,
        "reviewing",
        o.office,
        o.applicant,
        None,
        "2027-03-01",
    )
    .await;
    run(app).await;
    assert_eq!(warned().await, 1, "once a year");
    let admin = signed_in(app, "sys", "13900180010").await;
    let page = admin.get("/admin/notices").await;
    assert!(page.body.contains("已达提醒线 80%"), "{}", page.body);
}
