//! Integrity enterprise library (F27, F28), anomaly information (F29, F30)
//! and the enterprise integrity statistics (F35), as the city office, the
//! office staff and the applicants use them over HTTP: list maintenance
//! with bad input and import, queue marks, priority and paging, reminders,
//! the automatic refusal of a blocked enterprise's submission with its
//! reason and the audited override, non-blocking and expired records, the
//! report and its Excel export.

use chrono::Days;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use techreg::contracts::service::{self, ActInput};
use techreg::contracts::state::Action;
use techreg::core::Caller;
use techreg::core::Scope;
use techreg_entities::alerts::message;
use techreg_entities::audit::audit_log;
use techreg_entities::contract::{contract, event};
use techreg_entities::identity::app_user;
use techreg_tests::application::{self, Application};
use techreg_tests::browser::{Browser, sign_in, wait_for};
use techreg_tests::{PASSWORD, TestApp, TestClient};
use thirtyfour::prelude::*;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
const PROOF: &[u8] = b"%PDF-1.7\n% authorisation letter\n%%EOF\n";
const YANGPU: &str = "310110";

/// (username, mobile, role; None scope = the city)
const STAFF: &[(&str, &str, &str, bool)] = &[
    ("clerk", "13900160001", "office_clerk", true),
    ("reviewer", "13900160002", "office_reviewer", true),
    ("head", "13900160003", "office_head", true),
    ("city", "13900160021", "city_officer", false),
];

/// (username, mobile, base17, name)
const FIRMS: &[(&str, &str, &str, &str)] = &[
    (
        "firm_a",
        "13900160030",
        "91310110MA1RGTA01",
        "上海甲诚科技有限公司",
    ),
    (
        "firm_b",
        "13900160031",
        "91310110MA1RGTB02",
        "上海乙信科技有限公司",
    ),
];

struct World {
    app: TestApp,
    office: i64,
}

fn code_of(base17: &str) -> String {
    format!("{base17}{}", techreg::identity::credit_check_char(base17))
}

fn mobile_of(username: &str) -> &'static str {
    STAFF
        .iter()
        .map(|s| (s.0, s.1))
        .chain(FIRMS.iter().map(|f| (f.0, f.1)))
        .find(|s| s.0 == username)
        .unwrap()
        .1
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let office = app.create_office(YANGPU, "杨浦区技术合同登记处").await;
    for (username, mobile, role, in_office) in STAFF {
        let scope = if *in_office {
            Scope::Office(office)
        } else {
            Scope::All
        };
        app.create_user(username, mobile, role, scope, false).await;
    }
    for (n, (username, mobile, base17, name)) in FIRMS.iter().enumerate() {
        let c = app
            .register_enterprise(username, mobile, base17, name, YANGPU)
            .await;
        let r = app.upload_claim(&c, Some(PDF), Some(PROOF)).await;
        assert_eq!(r.status, 303);
        let city = signed_in(&app, "city").await;
        let page = city.get(&format!("/review/claims/{}", n + 1)).await;
        let version = input_value(&page.body, "version");
        let r = city
            .post_form(
                &format!("/review/claims/{}/approve", n + 1),
                &[("version", &version)],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        app.state.core.clock.advance(chrono::Duration::seconds(61));
    }
    World { app, office }
}

async fn signed_in(app: &TestApp, username: &str) -> TestClient {
    let c = app.client();
    let r = app.login(&c, username, PASSWORD, mobile_of(username)).await;
    assert_eq!(r.status, 303, "{username} signs in");
    // The next sign-in of the same user needs a new SMS code.
    app.state.core.clock.advance(chrono::Duration::seconds(61));
    c
}

fn input_value(body: &str, name: &str) -> String {
    let doc = scraper::Html::parse_document(body);
    let sel = scraper::Selector::parse(&format!("input[name={name}]")).unwrap();
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr("value"))
        .unwrap_or_else(|| panic!("input {name} on the page"))
        .to_owned()
}

async fn user_id(app: &TestApp, username: &str) -> i64 {
    app_user::Entity::find()
        .filter(app_user::Column::Username.eq(username))
        .one(&app.state.core.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// The user as the service sees a signed-in request.
async fn auth_user(app: &TestApp, username: &str) -> Caller {
    application::auth_user(app, username).await
}

fn today(app: &TestApp) -> chrono::NaiveDate {
    techreg::core::clock::shanghai_date(app.state.core.clock.now())
}

async fn load(app: &TestApp, id: i64) -> contract::Model {
    contract::Entity::find_by_id(id)
        .one(&app.state.core.db)
        .await
        .unwrap()
        .unwrap()
}

/// A complete application of firm `n`, saved step by step and ready to
/// submit at version 5; returns its id.
async fn draft(app: &TestApp, n: usize, name: &str) -> i64 {
    let (username, _, base17, firm) = FIRMS[n];
    let user = auth_user(app, username).await;
    let a = Application {
        buyer: "上海丙制造有限公司",
        ..Application::new(name, firm, code_of(base17), YANGPU, today(app))
    };
    application::fill(app, &user, &a).await
}

async fn submitted(app: &TestApp, n: usize, name: &str) -> contract::Model {
    let id = draft(app, n, name).await;
    let user = auth_user(app, FIRMS[n].0).await;
    service::submit(&app.state, &user, id, 5, true)
        .await
        .unwrap()
}

async fn messages_to(app: &TestApp, username: &str) -> Vec<message::Model> {
    let uid = user_id(app, username).await;
    message::Entity::find()
        .filter(message::Column::UserId.eq(uid))
        .order_by_asc(message::Column::Id)
        .all(&app.state.core.db)
        .await
        .unwrap()
}

async fn audits(app: &TestApp, action: &str) -> Vec<audit_log::Model> {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .order_by_asc(audit_log::Column::Id)
        .all(&app.state.core.db)
        .await
        .unwrap()
}

/// Lists firm `n` through the form.
async fn list(city: &TestClient, n: usize, to: &str) {
    let r = city
        .post_form(
            "/supervision/integrity",
            &[
                ("credit_code", &code_of(FIRMS[n].2)),
                ("reason", "连续三年无不良记录"),
                ("valid_from", "2020-01-01"),
                ("valid_to", to),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
}

#[tokio::test]
async fn the_city_office_adds_removes_and_imports_list_entries() {
    let w = world().await;
    let app = &w.app;
    let city = signed_in(app, "city").await;
    let code_a = code_of(FIRMS[0].2);
    let on = today(app);
    let page = city.get("/supervision/integrity").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("诚信企业库"));

    // Bad input: a clear message, nothing written.
    let later = (on + Days::new(10)).to_string();
    let earlier = (on - Days::new(1)).to_string();
    let from = on.to_string();
    for (fields, message) in [
        (
            vec![
                ("credit_code", ""),
                ("reason", "x"),
                ("valid_from", from.as_str()),
            ],
            "请填写统一社会信用代码",
        ),
        (
            vec![
                ("credit_code", "913101101234567890"),
                ("reason", "x"),
                ("valid_from", &from),
            ],
            "统一社会信用代码",
        ),
        (
            vec![
                ("credit_code", &code_of("91310115MA1RGTC03")),
                ("reason", "x"),
                ("valid_from", &from),
            ],
            "尚未在系统中建档",
        ),
        (
            vec![
                ("credit_code", &code_a),
                ("reason", " "),
                ("valid_from", &from),
            ],
            "请填写列入原因",
        ),
        (
            vec![
                ("credit_code", &code_a),
                ("reason", "x"),
                ("valid_from", &later),
                ("valid_to", &from),
            ],
            "有效期止不能早于有效期起",
        ),
        (
            vec![
                ("credit_code", &code_a),
                ("reason", "x"),
                ("valid_from", "2020-01-01"),
                ("valid_to", &earlier),
            ],
            "有效期止已过",
        ),
        (
            vec![
                ("credit_code", &code_a),
                ("reason", "x"),
                ("valid_from", "2026/13/01"),
            ],
            "有效期起无效",
        ),
    ] {
        let r = city.post_form("/supervision/integrity", &fields).await;
        assert_eq!(r.status, 422, "{fields:?}");
        assert!(r.body.contains(message), "{message}: {}", r.body);
    }
    assert_eq!(app.count("integrity_entry").await, 0);

    // A good entry; the enterprise page shows the mark; a second is refused.
    list(&city, 0, "").await;
    assert_eq!(app.count("integrity_entry").await, 1);
    assert_eq!(audits(app, "integrity.add").await.len(), 1);
    let page = city.get("/supervision/integrity").await;
    assert!(page.body.contains(&code_a) && page.body.contains("在库"));
    assert!(marked(&city, "甲诚").await);
    let r = city
        .post_form(
            "/supervision/integrity",
            &[
                ("credit_code", &code_a),
                ("reason", "再次"),
                ("valid_from", &from),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("已在诚信企业库中"));
    assert_eq!(app.count("integrity_entry").await, 1);

    // Two city officers list B at the same moment: one entry.
    let other = signed_in(app, "city").await;
    let code_b = code_of(FIRMS[1].2);
    let fields = [
        ("credit_code", code_b.as_str()),
        ("reason", "同时列入"),
        ("valid_from", from.as_str()),
    ];
    let (r1, r2) = tokio::join!(
        city.post_form("/supervision/integrity", &fields),
        other.post_form("/supervision/integrity", &fields)
    );
    let mut statuses = [r1.status.as_u16(), r2.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [303, 422]);
    assert_eq!(app.count("integrity_entry").await, 2);
    let r = city
        .post_form(
            "/supervision/integrity/2/remove",
            &[("reason", "并发测试后移出")],
        )
        .await;
    assert_eq!(r.status, 303);

    // Office staff and applicants may not maintain the list.
    let clerk = signed_in(app, "clerk").await;
    assert_eq!(clerk.get("/supervision/integrity").await.status, 403);
    let r = clerk
        .post_form(
            "/supervision/integrity",
            &[
                ("credit_code", &code_a),
                ("reason", "x"),
                ("valid_from", &from),
            ],
        )
        .await;
    assert_eq!(r.status, 403);

    // Removal needs a reason and is audited; the mark goes.
    let r = city
        .post_form("/supervision/integrity/1/remove", &[("reason", "")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请填写移出原因"));
    let r = city
        .post_form(
            "/supervision/integrity/1/remove",
            &[("reason", "发现虚假申报")],
        )
        .await;
    assert_eq!(r.status, 303);
    let removed = audits(app, "integrity.remove").await;
    assert_eq!(removed.len(), 2, "after the one of the concurrent test");
    assert_eq!(removed[1].object_id.as_deref(), Some("1"));
    assert!(removed[1].detail.contains("发现虚假申报"));
    assert!(!marked(&city, "甲诚").await);
    let r = city
        .post_form("/supervision/integrity/1/remove", &[("reason", "again")])
        .await;
    assert_eq!(r.status, 409);

    // Import: a file with errors writes nothing and names every bad line.
    let bad = format!(
        "统一社会信用代码,列入原因,有效期起,有效期止\n\
         {code_b},,{from},\n\
         913101101234567890,原因,{from},\n\
         {code_b},原因,{from},\n\
         {unknown},原因,{from},\n\
         {code_a},原因,2026-02-30,\n",
        unknown = code_of("91310115MA1RGTC03")
    );
    let import = city.get("/supervision/integrity/import").await;
    assert_eq!(import.status, 200);
    let r = city
        .post_file(
            "/supervision/integrity/import",
            "file",
            "名单.csv",
            bad.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    for m in [
        "请填写列入原因",
        "与第 2 行重复",
        "尚未在系统中建档",
        "不是有效日期",
        "未写入任何数据",
    ] {
        assert!(r.body.contains(m), "{m}: {}", r.body);
    }
    assert_eq!(app.count("integrity_entry").await, 2);
    let r = city
        .post_file("/supervision/integrity/import", "file", "空.csv", b"  \n")
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("文件为空"));

    // A clean GBK file: preview, then confirm; checked again on confirm.
    let good = format!(
        "统一社会信用代码,列入原因,有效期起,有效期止\n{code_a},纳税信用 A 级,{from},长期\n{code_b},纳税信用 A 级,{from},{later}\n"
    );
    let (gbk, _, _) = encoding_rs::GBK.encode(&good);
    let r = city
        .post_file("/supervision/integrity/import", "file", "名单.csv", &gbk)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("上海乙信科技有限公司"));
    let payload = input_value(&r.body, "payload");
    assert_eq!(
        app.count("integrity_entry").await,
        2,
        "preview writes nothing"
    );
    let r = city
        .post_form(
            "/supervision/integrity/import/confirm",
            &[("payload", &payload), ("file_name", "名单.csv")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(app.count("integrity_entry").await, 4);
    assert_eq!(audits(app, "integrity.import").await.len(), 1);
    let r = city
        .post_form(
            "/supervision/integrity/import/confirm",
            &[("payload", &payload), ("file_name", "名单.csv")],
        )
        .await;
    assert_eq!(r.status, 422, "the same file again");
    assert!(r.body.contains("已在诚信企业库中"));
    assert_eq!(app.count("integrity_entry").await, 4);

    // Expiry: B's entry ends on `later`; the day after, B is no longer marked.
    assert!(marked(&city, "乙信").await);
    app.state.core.clock.advance(chrono::Duration::days(11));
    let city = signed_in(app, "city").await;
    assert!(!marked(&city, "乙信").await);
    assert!(marked(&city, "甲诚").await);
    let all = city.get("/supervision/integrity?all=1").await;
    let doc = scraper::Html::parse_document(&all.body);
    let sel = scraper::Selector::parse("#entries td.state").unwrap();
    let states: Vec<String> = doc
        .select(&sel)
        .map(|e| e.text().collect::<String>())
        .collect();
    assert!(
        states.iter().any(|s| s == "已到期") && states.iter().any(|s| s == "已移出"),
        "{states:?}"
    );
    // Entries of one enterprise may follow each other but not overlap: a
    // scheduled entry leaves room for a shorter one before it.
    let add = |from: String, to: String| {
        let city = &city;
        async move {
            city.post_form(
                "/supervision/integrity",
                &[
                    ("credit_code", code_of(FIRMS[1].2).as_str()),
                    ("reason", "续列"),
                    ("valid_from", from.as_str()),
                    ("valid_to", to.as_str()),
                ],
            )
            .await
        }
    };
    let day = |n: u64| (today(app) + chrono::Days::new(n)).to_string();
    assert_eq!(add(day(100), String::new()).await.status, 303);
    assert_eq!(add(day(0), day(30)).await.status, 303);
    let r = add(day(31), day(200)).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("已在诚信企业库中"), "{}", r.body);
    // Without "all", neither is listed.
    let current = city.get("/supervision/integrity").await;
    let doc = scraper::Html::parse_document(&current.body);
    let shown: Vec<String> = doc
        .select(&sel)
        .map(|e| e.text().collect::<String>())
        .collect();
    assert!(
        shown.contains(&"在库".to_owned()) && shown.iter().all(|s| s != "已到期" && s != "已移出"),
        "{shown:?}"
    );
}

/// Whether the enterprise list shows the 诚信企业 mark for the search.
async fn marked(c: &TestClient, q: &str) -> bool {
    let page = c.get(&format!("/admin/enterprises?q={q}")).await;
    assert_eq!(page.status, 200);
    let doc = page.html();
    let sel = scraper::Selector::parse("main td span.badge").unwrap();
    doc.select(&sel)
        .any(|b| b.text().collect::<String>() == "诚信企业")
}

fn queue_codes(body: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(body);
    let sel = scraper::Selector::parse("#queue-rows tbody tr td a").unwrap();
    doc.select(&sel)
        .map(|a| a.text().collect::<String>())
        .collect()
}

fn next_link(body: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(body);
    let sel = scraper::Selector::parse("#queue p a").unwrap();
    doc.select(&sel)
        .find(|a| a.text().collect::<String>() == "下一页")
        .and_then(|a| a.value().attr("href").map(str::to_owned))
}

#[tokio::test]
async fn listed_cases_come_first_are_marked_and_remind_staff_and_applicant() {
    let w = world().await;
    let app = &w.app;
    let city = signed_in(app, "city").await;
    list(&city, 1, "").await;
    app.state
        .settings
        .set("ui.page_size", "10", "test")
        .await
        .unwrap();

    // Eleven cases of A first, then two of the listed B.
    let mut a_codes = Vec::new();
    for i in 0..11 {
        a_codes.push(
            submitted(app, 0, &format!("甲合同 {i}"))
                .await
                .approval_code,
        );
    }
    let b1 = submitted(app, 1, "乙合同 1").await;
    let b2 = submitted(app, 1, "乙合同 2").await;
    assert!(b1.integrity_listed && !load(app, 1).await.integrity_listed);

    let clerk = signed_in(app, "clerk").await;
    let page = clerk.get("/review/contracts?queue=accept").await;
    assert_eq!(page.status, 200);
    let first = queue_codes(&page.body);
    assert_eq!(first.len(), 10);
    assert_eq!(
        &first[..2],
        &[b1.approval_code.clone(), b2.approval_code.clone()]
    );
    assert_eq!(&first[2..], &a_codes[..8]);
    let marks = page.html();
    let sel = scraper::Selector::parse("#queue-rows .mark.integrity").unwrap();
    assert_eq!(marks.select(&sel).count(), 2, "only B's rows are marked");
    // The cursor carries the priority: the next page holds the rest, once.
    let next = next_link(&page.body).expect("a second page");
    let second = queue_codes(&clerk.get(&next).await.body);
    assert_eq!(second, a_codes[8..].to_vec());
    let sorted = clerk
        .get("/review/contracts?queue=accept&sort=submitted")
        .await;
    assert_eq!(
        &queue_codes(&sorted.body)[..2],
        &[b1.approval_code.clone(), b2.approval_code.clone()]
    );

    // A page boundary inside the listed cases: ten more of B's.
    let mut b_codes = vec![b1.approval_code.clone(), b2.approval_code.clone()];
    for i in 3..=12 {
        b_codes.push(
            submitted(app, 1, &format!("乙合同 {i}"))
                .await
                .approval_code,
        );
    }
    let mut seen = Vec::new();
    let mut path = Some("/review/contracts?queue=accept".to_owned());
    while let Some(p) = path {
        let page = clerk.get(&p).await;
        seen.extend(queue_codes(&page.body));
        path = next_link(&page.body);
    }
    let expected: Vec<String> = b_codes.iter().chain(a_codes.iter()).cloned().collect();
    assert_eq!(seen, expected, "three pages, each case once, listed first");

    // The case page says so.
    let case = clerk.get(&format!("/review/contracts/{}", b1.id)).await;
    assert!(case.body.contains("诚信企业库在库企业"), "{}", case.body);

    // Reminders: the clerk at submission, the reviewer at acceptance, the
    // applicant at the result; none for A's cases.
    let to_clerk: Vec<_> = messages_to(app, "clerk")
        .await
        .into_iter()
        .filter(|m| m.title.starts_with("诚信企业提醒"))
        .collect();
    assert_eq!(to_clerk.len(), 12);
    assert!(to_clerk[0].body.contains("优先受理"));
    assert_eq!(to_clerk[0].object_id, Some(b1.id));
    let version = load(app, b1.id).await.version.to_string();
    let r = clerk
        .post_form(
            &format!("/review/contracts/{}/actions/accept", b1.id),
            &[("version", &version)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let to_reviewer: Vec<_> = messages_to(app, "reviewer")
        .await
        .into_iter()
        .filter(|m| m.title.starts_with("诚信企业提醒"))
        .collect();
    assert_eq!(to_reviewer.len(), 1);
    assert!(to_reviewer[0].body.contains("优先审查"));
    let reviewer = auth_user(app, "reviewer").await;
    let c = load(app, b1.id).await;
    service::act(
        &app.state,
        Some(&reviewer),
        b1.id,
        c.version,
        Action::ProposeRegister,
        ActInput {
            reason: "符合技术开发合同认定条件".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let city_user = auth_user(app, "city").await;
    let c = load(app, b1.id).await;
    service::act(
        &app.state,
        Some(&city_user),
        b1.id,
        c.version,
        Action::Approve,
        ActInput::default(),
    )
    .await
    .unwrap();
    let to_b: Vec<_> = messages_to(app, "firm_b")
        .await
        .into_iter()
        .filter(|m| m.title.starts_with("诚信企业提醒"))
        .collect();
    assert_eq!(to_b.len(), 1);
    assert!(to_b[0].body.contains("已登记"), "{}", to_b[0].body);
    assert!(
        messages_to(app, "firm_a")
            .await
            .iter()
            .all(|m| !m.title.starts_with("诚信企业提醒"))
    );

    // Removing B from the list takes the priority from its open case.
    let city = signed_in(app, "city").await;
    let r = city
        .post_form(
            "/supervision/integrity/1/remove",
            &[("reason", "到期不再续列")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(!load(app, b2.id).await.integrity_listed);
    assert!(
        load(app, b1.id).await.integrity_listed,
        "closed cases keep their record"
    );
}

async fn add_anomaly(city: &TestClient, n: usize, blocking: bool, to: &str) -> techreg_tests::Resp {
    let mut fields = vec![
        ("credit_code", code_of(FIRMS[n].2)),
        ("type_code", "abnormal_operation".to_owned()),
        ("description", "通过登记的住所无法联系".to_owned()),
        ("source", "市场监督管理部门".to_owned()),
        ("recorded_on", "2026-01-05".to_owned()),
        ("valid_from", "2026-01-05".to_owned()),
        ("valid_to", to.to_owned()),
    ];
    if blocking {
        fields.push(("blocking", "1".to_owned()));
    }
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    city.post_form("/supervision/anomalies", &refs).await
}

#[tokio::test]
async fn a_blocking_anomaly_stops_a_submission_and_the_override_is_audited() {
    let w = world().await;
    let app = &w.app;
    let city = signed_in(app, "city").await;
    let page = city.get("/supervision/anomalies").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("经营异常名录"), "the dictionary's types");

    // Bad input on the anomaly form.
    let code_a = code_of(FIRMS[0].2);
    let tomorrow = (today(app) + Days::new(1)).to_string();
    for (fields, message) in [
        (
            vec![("credit_code", code_a.as_str()), ("type_code", "nonsense")],
            "请从列表中选择异常信息类型",
        ),
        (vec![("credit_code", code_a.as_str())], "请填写来源"),
        (
            vec![
                ("credit_code", code_a.as_str()),
                ("type_code", "abnormal_operation"),
                ("description", "x"),
                ("source", "y"),
                ("recorded_on", tomorrow.as_str()),
                ("valid_from", "2026-01-01"),
            ],
            "认定日期不能晚于今天",
        ),
    ] {
        let r = city.post_form("/supervision/anomalies", &fields).await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains(message), "{message}: {}", r.body);
    }
    assert_eq!(app.count("enterprise_anomaly").await, 0);
    let r = add_anomaly(&city, 0, true, "").await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(audits(app, "anomaly.add").await.len(), 1);
    let r = add_anomaly(&city, 0, true, "").await;
    assert_eq!(r.status, 422, "the same record twice");
    assert!(r.body.contains("未重复登记"));
    assert_eq!(app.count("enterprise_anomaly").await, 1);

    // A submits over HTTP: not accepted at once, and told why.
    let id = draft(app, 0, "视觉检测系统开发合同").await;
    let a = signed_in(app, "firm_a").await;
    let r = a
        .post_form(
            &format!("/my/contracts/{id}/step/6"),
            &[("version", "5"), ("declaration", "1")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = a.get(r.header("location").unwrap()).await;
    assert!(page.body.contains("系统自动不予受理"), "{}", page.body);
    assert!(page.body.contains("经营异常名录"));
    assert!(page.body.contains("通过登记的住所无法联系"));
    let c = load(app, id).await;
    assert_eq!(c.status, "not_accepted");
    assert_eq!(c.assigned_user_id, None);
    let events = event::Entity::find()
        .filter(event::Column::ContractId.eq(id))
        .order_by_asc(event::Column::Id)
        .all(&app.state.core.db)
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].action, "not_accept");
    assert_eq!(events[1].actor, "system");
    assert!(events[1].reason.contains("经营异常名录"));
    let told = messages_to(app, "firm_a").await;
    assert!(
        told.iter()
            .any(|m| m.title.starts_with("不予受理") && m.body.contains("通过登记的住所无法联系")),
        "{told:?}"
    );
    assert!(app.count("sms_message WHERE purpose = 'notice'").await >= 1);
    // The clerk never gets it.
    let clerk = signed_in(app, "clerk").await;
    let queue = clerk.get("/review/contracts?queue=accept").await;
    assert!(!queue.body.contains(&c.approval_code));
    assert!(
        messages_to(app, "clerk").await.is_empty(),
        "no work notice for a refused case"
    );

    // The override: city office only, a reason required, then audited.
    let r = clerk
        .post_form(
            &format!("/supervision/refusals/{id}/override"),
            &[("version", &c.version.to_string()), ("reason", "x")],
        )
        .await;
    assert_eq!(r.status, 403);
    let list = city.get("/supervision/refusals").await;
    let rows = scraper::Selector::parse("#refusal-rows tr[data-contract]").unwrap();
    assert_eq!(list.html().select(&rows).count(), 1);
    assert!(list.body.contains(&c.approval_code), "{}", list.body);
    let r = city
        .post_form(
            &format!("/supervision/refusals/{id}/override"),
            &[("version", &c.version.to_string()), ("reason", "  ")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请填写撤销理由"));
    assert_eq!(load(app, id).await.status, "not_accepted");
    let r = city
        .post_form(
            &format!("/supervision/refusals/{id}/override"),
            &[
                ("version", &c.version.to_string()),
                ("reason", "经核实企业已移出经营异常名录，同意受理"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let c2 = load(app, id).await;
    assert_eq!(c2.status, "submitted");
    assert!(c2.assigned_user_id.is_some() && c2.stage_deadline.is_some());
    let audit: Vec<_> = audits(app, "contract.transition")
        .await
        .into_iter()
        .filter(|a| a.detail.contains("reinstate"))
        .collect();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor_name, "city");
    assert!(audit[0].detail.contains("经核实企业已移出经营异常名录"));
    let queue = clerk.get("/review/contracts?queue=accept").await;
    assert!(
        queue.body.contains(&c.approval_code),
        "back in the clerk's queue"
    );
    // Only once: the refusal is no longer the last word.
    let r = city
        .post_form(
            &format!("/supervision/refusals/{id}/override"),
            &[("version", &c2.version.to_string()), ("reason", "again")],
        )
        .await;
    assert_eq!(r.status, 409);
    // An office's own 不予受理 cannot be lifted this way.
    let version = c2.version.to_string();
    let r = clerk
        .post_form(
            &format!("/review/contracts/{id}/actions/not_accept"),
            &[
                ("version", version.as_str()),
                ("reason_code", "01"),
                ("reason", "材料不符"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let c3 = load(app, id).await;
    assert_eq!(c3.status, "not_accepted");
    let list = city.get("/supervision/refusals").await;
    let rows = scraper::Selector::parse("#refusal-rows tr[data-contract]").unwrap();
    assert_eq!(list.html().select(&rows).count(), 0, "no longer listed");
    let r = city
        .post_form(
            &format!("/supervision/refusals/{id}/override"),
            &[("version", &c3.version.to_string()), ("reason", "试图撤销")],
        )
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(load(app, id).await.status, "not_accepted");

    // Lifting the anomaly (audited) and a non-blocking one: A submits normally.
    let r = city
        .post_form("/supervision/anomalies/1/lift", &[("reason", "")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请填写解除原因"), "{}", r.body);
    assert_eq!(
        app.count("enterprise_anomaly WHERE id = 1 AND lifted_at IS NULL")
            .await,
        1
    );
    assert!(audits(app, "anomaly.lift").await.is_empty());
    let r = city
        .post_form("/supervision/anomalies/1/lift", &[("reason", "已移出名录")])
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(audits(app, "anomaly.lift").await.len(), 1);
    let r = add_anomaly(&city, 0, false, "").await;
    assert_eq!(r.status, 303);
    let ok = submitted(app, 0, "非限制受理时的申请").await;
    assert_eq!(ok.status, "submitted");
    let case = clerk.get(&format!("/review/contracts/{}", ok.id)).await;
    assert!(
        case.body.contains("通过登记的住所无法联系"),
        "the clerk sees the anomaly"
    );

    // An expired blocking record does not block either.
    let end = today(app).to_string();
    let r = add_anomaly(&city, 1, true, &end).await;
    assert_eq!(r.status, 303);
    let blocked = submitted(app, 1, "到期前的申请").await;
    assert_eq!(blocked.status, "not_accepted");
    app.state.core.clock.advance(chrono::Duration::days(1));
    let after = submitted(app, 1, "到期后的申请").await;
    assert_eq!(after.status, "submitted");
}

#[tokio::test]
async fn integrity_statistics_by_office_and_period_with_excel_export() {
    let w = world().await;
    let app = &w.app;
    let city = signed_in(app, "city").await;
    list(&city, 1, "").await;
    let b1 = submitted(app, 1, "乙合同 1").await;
    submitted(app, 1, "乙合同 2").await;
    submitted(app, 0, "甲合同").await;
    let reviewer = auth_user(app, "reviewer").await;
    let clerk = auth_user(app, "clerk").await;
    let c = load(app, b1.id).await;
    service::act(
        &app.state,
        Some(&clerk),
        b1.id,
        c.version,
        Action::Accept,
        ActInput::default(),
    )
    .await
    .unwrap();
    let c = load(app, b1.id).await;
    service::act(
        &app.state,
        Some(&reviewer),
        b1.id,
        c.version,
        Action::ProposeRegister,
        ActInput {
            reason: "符合".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let city_user = auth_user(app, "city").await;
    let c = load(app, b1.id).await;
    service::act(
        &app.state,
        Some(&city_user),
        b1.id,
        c.version,
        Action::Approve,
        ActInput::default(),
    )
    .await
    .unwrap();

    let year = today(app).format("%Y").to_string();
    let page = city.get(&format!("/reports/integrity?period={year}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let code_b = code_of(FIRMS[1].2);
    let doc = page.html();
    let row = scraper::Selector::parse(&format!("#integrity-rows tbody tr[data-code='{code_b}']"))
        .unwrap();
    let tr = doc.select(&row).next().expect("B's row");
    let cell = |class: &str| {
        let sel = scraper::Selector::parse(&format!("td.{class}")).unwrap();
        tr.select(&sel).next().unwrap().text().collect::<String>()
    };
    assert_eq!(cell("submitted"), "2");
    assert_eq!(cell("registered"), "1");
    assert_eq!(cell("in-progress"), "1");
    assert_eq!(cell("amount"), "98,000.00");
    assert!(!page.body.contains(&code_of(FIRMS[0].2)), "A is not listed");
    let first_cell = scraper::Selector::parse("td").unwrap();
    assert_eq!(
        tr.select(&first_cell)
            .next()
            .unwrap()
            .text()
            .collect::<String>(),
        "杨浦区技术合同登记处"
    );

    // Conditional query: by enterprise, by office, bad period.
    let none = city
        .get(&format!("/reports/integrity?period={year}&q=甲诚"))
        .await;
    assert_eq!(none.status, 200);
    assert!(none.body.contains("integrity-rows") && !none.body.contains(&code_b));
    let by_name = city
        .get(&format!("/reports/integrity?period={year}&q=乙信"))
        .await;
    assert!(by_name.body.contains(&code_b));
    let other = app.create_office("310104", "徐汇区技术合同登记处").await;
    let r = city
        .get(&format!("/reports/integrity?period={year}&office={other}"))
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("integrity-rows") && !r.body.contains(&code_b));
    let r = city
        .get(&format!(
            "/reports/integrity?period={year}&office={}",
            w.office
        ))
        .await;
    assert!(r.body.contains(&code_b));
    let r = city.get("/reports/integrity?period=2026-Q5").await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("统计期间无效"));
    let r = city
        .get("/reports/integrity?from=2026-03-01&to=2026-02-01")
        .await;
    assert_eq!(r.status, 422);

    // The office head sees their office; another office's rows are not theirs.
    let head = signed_in(app, "head").await;
    let r = head.get(&format!("/reports/integrity?period={year}")).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains(&code_b));
    let r = head
        .get(&format!("/reports/integrity?period={year}&office={other}"))
        .await;
    assert_eq!(r.status, 404);
    let applicant = signed_in(app, "firm_a").await;
    assert_eq!(applicant.get("/reports/integrity").await.status, 403);

    // Excel: the same rows and an audit record.
    let r = city
        .get(&format!("/reports/integrity.xlsx?period={year}"))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    let bytes = city
        .request(
            reqwest::Method::GET,
            &format!("/reports/integrity.xlsx?period={year}"),
        )
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    use calamine::{Reader, Xlsx, open_workbook_from_rs};
    let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("企业诚信统计").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let b_row = rows
        .iter()
        .find(|r| r[1] == code_b)
        .expect("B in the sheet");
    assert_eq!(b_row[2], "上海乙信科技有限公司");
    assert_eq!(b_row[4], "2");
    assert_eq!(b_row[5], "1");
    assert_eq!(b_row[9], "98000");
    assert!(rows.iter().any(|r| r[2].starts_with("合计")));
    assert_eq!(
        audits(app, "report.export")
            .await
            .iter()
            .filter(|a| a.object_id.as_deref() == Some("integrity"))
            .count(),
        2
    );
}

#[tokio::test]
async fn demo_data_marks_come_from_real_entries_and_records() {
    let app = TestApp::spawn().await;
    techreg::demo::seed(
        &app.state.core.db,
        app.state.keys.as_ref(),
        &app.state.core.config,
    )
    .await
    .unwrap();
    techreg::demo::contracts::seed(&app.state.core, &app.state.calendar, app.state.as_ref())
        .await
        .unwrap();
    // The demo enterprise and every eleventh generated one are listed;
    // every 53rd has an anomaly, some of them blocking.
    assert_eq!(
        app.count("integrity_entry").await,
        1 + 320usize.div_ceil(11) as i64
    );
    assert_eq!(app.count("enterprise_anomaly").await, 7);
    assert_eq!(
        app.count("enterprise_anomaly WHERE blocking = true").await,
        3
    );
    assert_eq!(
        app.count("enterprise WHERE in_integrity_list = true OR has_anomaly = true")
            .await,
        0,
        "the old flags are not used"
    );
    // The demo enterprise's open cases carry the priority.
    assert!(app.count("contract WHERE integrity_listed = true").await > 0);
}

#[tokio::test]
async fn browser_the_city_office_records_a_blocking_anomaly_and_lifts_a_refusal() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let w = world().await;
    let app = &w.app;
    let d = &browser.driver;
    sign_in(app, d, "city", mobile_of("city")).await;
    d.find(By::LinkText("异常信息"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(d, "#add-form").await;
    let code = code_of(FIRMS[0].2);
    for (name, value) in [
        ("credit_code", code.as_str()),
        ("description", "通过登记的住所无法联系"),
        ("source", "市场监督管理部门"),
    ] {
        d.find(By::Css(format!("#add-form [name='{name}']")))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    d.find(By::Css("#f-type_code option[value='abnormal_operation']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    d.find(By::Css("#add-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(d, "#anomaly-rows tr[data-anomaly]").await;
    browser.screenshot("integrity-01-anomaly").await;

    let refused = submitted(app, 0, "浏览器旅程合同").await;
    assert_eq!(refused.status, "not_accepted");
    d.find(By::LinkText("系统自动不予受理的申请"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let row = format!("#refusal-rows tr[data-contract='{}']", refused.id);
    wait_for(d, &row).await;
    d.find(By::Css(format!("{row} textarea[name=reason]")))
        .await
        .unwrap()
        .send_keys("经核实已移出经营异常名录")
        .await
        .unwrap();
    browser.screenshot("integrity-02-refusals").await;
    d.find(By::Css(format!("{row} button[type=submit]")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(d, ".flash-success").await;
    browser.screenshot("integrity-03-lifted").await;
    assert_eq!(load(app, refused.id).await.status, "submitted");
    browser.quit().await;
}
