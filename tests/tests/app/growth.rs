//! Enterprise growth statistics (F47): the numbers per office and month for
//! fixtures built directly in the database, around the Shanghai day
//! boundaries (16:00 UTC is the next Shanghai day) and a mid-period
//! reassignment; the Excel export read back; office heads see only their
//! office; bad input; who may open the report.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use techreg::core::Scope;
use techreg::reports::CONTRACT_REGISTERED;
use techreg_entities::audit::audit_log;
use techreg_entities::contract::contract;
use techreg_entities::org::{enterprise, enterprise_assignment};
use techreg_tests::{PASSWORD, Resp, TestApp, TestClient};

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn enterprise(app: &TestApp, n: u32, created: &str) -> i64 {
    let at = utc(created);
    enterprise::ActiveModel {
        credit_code: Set(format!("91310000GROWTH{n:04}")),
        name: Set(format!("企业{n}")),
        district_code: Set(None),
        status: Set("verified".into()),
        created_at: Set(at),
        updated_at: Set(at),
        legal_form_code: Set(None),
        address: Set(String::new()),
        legal_rep: Set(String::new()),
        contact_name: Set(String::new()),
        contact_phone: Set(String::new()),
        source: Set("import".into()),
        in_commitment_library: Set(false),
        in_integrity_list: Set(false),
        has_anomaly: Set(false),
        version: Set(0),
        ..Default::default()
    }
    .insert(&app.state.core.db)
    .await
    .unwrap()
    .id
}

async fn assignment(app: &TestApp, ent: i64, office: i64, from: &str, to: Option<&str>) {
    enterprise_assignment::ActiveModel {
        enterprise_id: Set(ent),
        office_id: Set(office),
        valid_from: Set(day(from)),
        valid_to: Set(to.map(day)),
        reason: Set("测试".into()),
        actor: Set("test".into()),
        created_at: Set(utc("2025-01-01T00:00:00Z")),
        ..Default::default()
    }
    .insert(&app.state.core.db)
    .await
    .unwrap();
}

async fn contract(
    app: &TestApp,
    ent: i64,
    office: Option<i64>,
    status: &str,
    submitted: Option<&str>,
    registered: Option<&str>,
) {
    contract::ActiveModel {
        approval_code: Set(uuid::Uuid::new_v4().to_string()),
        applicant_user_id: Set(0),
        enterprise_id: Set(Some(ent)),
        office_id: Set(office),
        status: Set(status.into()),
        submitted_at: Set(submitted.map(utc)),
        registered_at: Set(registered.map(utc)),
        created_at: Set(utc("2025-01-01T00:00:00Z")),
        updated_at: Set(utc("2025-01-01T00:00:00Z")),
        ..Default::default()
    }
    .insert(&app.state.core.db)
    .await
    .unwrap();
}

struct Offices {
    a: i64,
    b: i64,
    c: i64,
}

/// The fixture. Period of interest: 2026 Q1 in Shanghai, i.e. UTC
/// [2025-12-31T16:00Z, 2026-03-31T16:00Z).
///
/// Enterprises (created, Shanghai date, responsible office):
/// - E1 2025-12-31T15:59:59Z = 12-31 23:59:59, A — before the period
/// - E2 2025-12-31T16:00:00Z = 01-01 00:00, A from 01-01 — new, A
///   (resolved by the UTC date, 12-31, it would have no office)
/// - E3 2026-02-10T03:00Z = 02-10, A until 03-01, then B — new, A
/// - E4 2026-03-31T15:59:59Z = 03-31, B — new, B
/// - E5 2026-03-31T16:00:00Z = 04-01, B — after the period
/// - E6 2026-01-15T02:00Z, no office — new, unassigned
/// - E7 2025-06-01, A until 02-01, then C
/// - E8 2025-05-01, C
///
/// New: A 2 (E2, E3), B 1 (E4), unassigned 1 (E6); total 4.
///
/// First registration (status `registered` only, earliest over all time):
/// - E1: a revoked contract "registered" 01-05 does not count; registered
///   2026-03-20T05:00Z = 03-20 → A
/// - E2: registered 2026-03-31T16:00:01Z = 04-01 → after the period
/// - E3: registered 2026-03-10T02:00Z = 03-10 → B (reassigned 03-01)
/// - E7: registered 2026-01-31T16:00:00Z = 02-01 → C (by the UTC date,
///   01-31, it would be A)
/// - E8: first registered 2025-12-31T15:59:59Z = 12-31 → before the period
///   (its second registration in February does not make it a first)
///
/// First: A 1 (E1), B 1 (E3), C 1 (E7); total 3.
///
/// Active (a contract submitted in the period, by the contract's office):
/// - E1: 01-05 and 03-15, both A → A
/// - E2: 2026-03-31T15:59:59Z = 03-31 23:59:59, A → A
/// - E3: 02-20 at A and 03-05 at B → A and B (once in the total)
/// - E4: 2026-03-31T16:00:00Z = 04-01 → not active
/// - E6: 01-20, no office → unassigned
/// - E7: 01-20 at A → A
/// - E8: 2025-12-31T15:59:59Z (before) and 02-01 at C → C
/// - E5: a draft, never submitted
///
/// Active: A 4 (E1, E2, E3, E7), B 1 (E3), C 1 (E8), unassigned 1 (E6);
/// total 6 distinct (E1, E2, E3, E6, E7, E8).
///
/// By month (new / first / active):
/// - 2026-01: E2, E6 / — / E1, E6, E7 → 2 / 0 / 3
/// - 2026-02: E3 / E7 / E3, E8 → 1 / 1 / 2
/// - 2026-03: E4 / E1, E3 / E1, E2, E3 → 1 / 2 / 3
async fn fixture(app: &TestApp) -> Offices {
    let a = app.create_office("310101", "黄浦区技术合同登记处").await;
    let b = app.create_office("310104", "徐汇区技术合同登记处").await;
    let c = app.create_office("310105", "长宁区技术合同登记处").await;

    let e1 = enterprise(app, 1, "2025-12-31T15:59:59Z").await;
    assignment(app, e1, a, "2025-12-31", None).await;
    let e2 = enterprise(app, 2, "2025-12-31T16:00:00Z").await;
    assignment(app, e2, a, "2026-01-01", None).await;
    let e3 = enterprise(app, 3, "2026-02-10T03:00:00Z").await;
    assignment(app, e3, a, "2026-02-10", Some("2026-03-01")).await;
    assignment(app, e3, b, "2026-03-01", None).await;
    let e4 = enterprise(app, 4, "2026-03-31T15:59:59Z").await;
    assignment(app, e4, b, "2026-03-31", None).await;
    let e5 = enterprise(app, 5, "2026-03-31T16:00:00Z").await;
    assignment(app, e5, b, "2026-04-01", None).await;
    let e6 = enterprise(app, 6, "2026-01-15T02:00:00Z").await;
    let e7 = enterprise(app, 7, "2025-06-01T02:00:00Z").await;
    assignment(app, e7, a, "2025-06-01", Some("2026-02-01")).await;
    assignment(app, e7, c, "2026-02-01", None).await;
    let e8 = enterprise(app, 8, "2025-05-01T02:00:00Z").await;
    assignment(app, e8, c, "2025-05-01", None).await;

    let reg = CONTRACT_REGISTERED;
    contract(
        app,
        e1,
        Some(a),
        "revoked",
        Some("2026-01-05T01:00:00Z"),
        Some("2026-01-05T08:00:00Z"),
    )
    .await;
    contract(
        app,
        e1,
        Some(a),
        reg,
        Some("2026-03-15T01:00:00Z"),
        Some("2026-03-20T05:00:00Z"),
    )
    .await;
    contract(
        app,
        e2,
        Some(a),
        reg,
        Some("2026-03-31T15:59:59Z"),
        Some("2026-03-31T16:00:01Z"),
    )
    .await;
    contract(
        app,
        e3,
        Some(a),
        "submitted",
        Some("2026-02-20T01:00:00Z"),
        None,
    )
    .await;
    contract(
        app,
        e3,
        Some(b),
        reg,
        Some("2026-03-05T01:00:00Z"),
        Some("2026-03-10T02:00:00Z"),
    )
    .await;
    contract(
        app,
        e4,
        Some(b),
        "submitted",
        Some("2026-03-31T16:00:00Z"),
        None,
    )
    .await;
    contract(app, e5, Some(b), "draft", None, None).await;
    contract(
        app,
        e6,
        None,
        "submitted",
        Some("2026-01-20T01:00:00Z"),
        None,
    )
    .await;
    contract(
        app,
        e7,
        Some(a),
        reg,
        Some("2026-01-20T01:00:00Z"),
        Some("2026-01-31T16:00:00Z"),
    )
    .await;
    contract(
        app,
        e8,
        Some(c),
        reg,
        Some("2025-12-20T01:00:00Z"),
        Some("2025-12-31T15:59:59Z"),
    )
    .await;
    contract(
        app,
        e8,
        Some(c),
        reg,
        Some("2026-02-01T01:00:00Z"),
        Some("2026-02-15T03:00:00Z"),
    )
    .await;
    Offices { a, b, c }
}

async fn signed_in(
    app: &TestApp,
    username: &str,
    mobile: &str,
    role: &str,
    scope: Scope,
) -> TestClient {
    app.create_user(username, mobile, role, scope, false).await;
    let c = app.client();
    let r = app.login(&c, username, PASSWORD, mobile).await;
    assert_eq!(r.status, 303);
    c
}

/// Rows of a report table: (row label, [new, first, active]).
fn table(r: &Resp, id: &str) -> Vec<(String, [u64; 3])> {
    let doc = r.html();
    let rows = scraper::Selector::parse(&format!("#{id} tbody tr, #{id} tfoot tr")).unwrap();
    let name = scraper::Selector::parse("th").unwrap();
    let cell = |c: &str| scraper::Selector::parse(&format!("td.{c}")).unwrap();
    let text = |e: scraper::ElementRef<'_>| e.text().collect::<String>().trim().to_owned();
    doc.select(&rows)
        .map(|tr| {
            let n = |c: &str| -> u64 { text(tr.select(&cell(c)).next().unwrap()).parse().unwrap() };
            (
                text(tr.select(&name).next().unwrap()),
                [n("new"), n("first"), n("active")],
            )
        })
        .collect()
}

fn rows(expected: &[(&str, [u64; 3])]) -> Vec<(String, [u64; 3])> {
    expected.iter().map(|(n, v)| (n.to_string(), *v)).collect()
}

async fn download(c: &TestClient, path: &str) -> (u16, String, Vec<u8>) {
    let r = c.request(reqwest::Method::GET, path).send().await.unwrap();
    let status = r.status().as_u16();
    let disposition = r
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, disposition, r.bytes().await.unwrap().to_vec())
}

fn cell(range: &calamine::Range<Data>, row: u32, col: u32) -> Data {
    range.get_value((row, col)).cloned().unwrap_or(Data::Empty)
}

#[tokio::test]
async fn the_city_office_sees_every_office_and_the_distinct_total() {
    let app = TestApp::spawn().await;
    let o = fixture(&app).await;
    let c = signed_in(&app, "city_g", "13900470001", "city_officer", Scope::All).await;

    let r = c.get("/reports/enterprise-growth?period=2026-Q1").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.text_of("#period-label").unwrap(),
        "统计期间：2026-01-01 至 2026-03-31"
    );
    assert_eq!(
        table(&r, "growth"),
        rows(&[
            ("黄浦区技术合同登记处", [2, 1, 4]),
            ("徐汇区技术合同登记处", [1, 1, 1]),
            ("长宁区技术合同登记处", [0, 1, 1]),
            ("未分配登记处", [1, 0, 1]),
            // E3 is active at A and at B: once in the total.
            ("合计", [4, 3, 6]),
        ])
    );
    assert_eq!(
        table(&r, "growth-months"),
        rows(&[
            ("2026-01", [2, 0, 3]),
            ("2026-02", [1, 1, 2]),
            ("2026-03", [1, 2, 3]),
        ])
    );
    // The charts are there, described for screen readers.
    assert!(r.body.contains("<svg"));
    assert!(r.body.contains("<title id=\"office-chart-title\">"));
    assert!(r.body.contains("<desc id=\"month-chart-desc\">"));
    // The navigation links the report.
    assert!(r.body.contains("href=\"/reports/enterprise-growth\""));

    // The same period as custom dates; one day: only E2 was new on 01-01
    // (E1 registered at 23:59:59 the day before).
    let r = c
        .get("/reports/enterprise-growth?from=2026-01-01&to=2026-03-31")
        .await;
    assert_eq!(table(&r, "growth").last().unwrap().1, [4, 3, 6]);
    let r = c
        .get("/reports/enterprise-growth?from=2026-01-01&to=2026-01-01")
        .await;
    assert_eq!(
        table(&r, "growth"),
        rows(&[
            ("黄浦区技术合同登记处", [1, 0, 0]),
            ("徐汇区技术合同登记处", [0, 0, 0]),
            ("长宁区技术合同登记处", [0, 0, 0]),
            ("合计", [1, 0, 0]),
        ])
    );
    // February: E3 new at A; E7's first registration at C; E3 at A, E8 at C.
    let r = c.get("/reports/enterprise-growth?period=2026-02").await;
    assert_eq!(
        table(&r, "growth"),
        rows(&[
            ("黄浦区技术合同登记处", [1, 0, 1]),
            ("徐汇区技术合同登记处", [0, 0, 0]),
            ("长宁区技术合同登记处", [0, 1, 1]),
            ("合计", [1, 1, 2]),
        ])
    );

    // One office chosen.
    let r = c
        .get(&format!(
            "/reports/enterprise-growth?period=2026-Q1&office={}",
            o.c
        ))
        .await;
    assert_eq!(
        table(&r, "growth"),
        rows(&[("长宁区技术合同登记处", [0, 1, 1]), ("合计", [0, 1, 1])])
    );
    let r = c
        .get("/reports/enterprise-growth?period=2026-Q1&office=99999")
        .await;
    assert_eq!(r.status, 404);

    // The Excel export holds the same numbers, as numbers.
    let (status, disposition, bytes) = download(
        &c,
        "/reports/enterprise-growth.xlsx?from=2026-01-01&to=2026-03-31",
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        disposition
            .starts_with("attachment; filename=\"enterprise-growth-20260101-20260331.xlsx\""),
        "{disposition}"
    );
    // 企业增长统计, percent-encoded UTF-8
    assert!(
        disposition.contains(
            "filename*=UTF-8''%E4%BC%81%E4%B8%9A%E5%A2%9E%E9%95%BF%E7%BB%9F%E8%AE%A1_20260101-20260331.xlsx"
        ),
        "{disposition}"
    );
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert_eq!(wb.sheet_names(), ["各登记处", "按月"]);
    let sheet = wb.worksheet_range("各登记处").unwrap();
    assert_eq!(
        cell(&sheet, 0, 0),
        Data::String("各登记处企业增长统计（2026-01-01 至 2026-03-31）".into())
    );
    let headers: Vec<Data> = (0..5).map(|col| cell(&sheet, 1, col)).collect();
    assert_eq!(
        headers,
        [
            "登记处编码",
            "登记处",
            "新增注册企业",
            "首次登记合同企业",
            "活跃企业"
        ]
        .map(|h| Data::String(h.into()))
    );
    let expected: [(&str, &str, [f64; 3]); 5] = [
        ("SH310101", "黄浦区技术合同登记处", [2.0, 1.0, 4.0]),
        ("SH310104", "徐汇区技术合同登记处", [1.0, 1.0, 1.0]),
        ("SH310105", "长宁区技术合同登记处", [0.0, 1.0, 1.0]),
        ("", "未分配登记处", [1.0, 0.0, 1.0]),
        ("", "合计", [4.0, 3.0, 6.0]),
    ];
    for (i, (code, name, numbers)) in expected.iter().enumerate() {
        let row = 2 + i as u32;
        if !code.is_empty() {
            assert_eq!(cell(&sheet, row, 0), Data::String(code.to_string()));
        }
        assert_eq!(cell(&sheet, row, 1), Data::String(name.to_string()));
        for (j, n) in numbers.iter().enumerate() {
            assert_eq!(
                cell(&sheet, row, 2 + j as u32),
                Data::Float(*n),
                "{name} {j}"
            );
        }
    }
    let months = wb.worksheet_range("按月").unwrap();
    assert_eq!(cell(&months, 2, 0), Data::String("2026-01".into()));
    assert_eq!(
        (1..4).map(|col| cell(&months, 4, col)).collect::<Vec<_>>(),
        [Data::Float(1.0), Data::Float(2.0), Data::Float(3.0)]
    );
    // The export is in the audit log, with its period.
    let logged = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("report.export"))
        .all(&app.state.core.db)
        .await
        .unwrap();
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].actor_name, "city_g");
    assert!(
        logged[0].detail.contains("2026-03-31"),
        "{}",
        logged[0].detail
    );
}

#[tokio::test]
async fn an_office_head_sees_only_their_own_office() {
    let app = TestApp::spawn().await;
    let o = fixture(&app).await;
    let c = signed_in(
        &app,
        "head_b",
        "13900470002",
        "office_head",
        Scope::Office(o.b),
    )
    .await;

    let r = c.get("/reports/enterprise-growth?period=2026-Q1").await;
    assert_eq!(r.status, 200, "{}", r.body);
    // Only B; the total is B's own (E3 at A does not appear).
    assert_eq!(
        table(&r, "growth"),
        rows(&[("徐汇区技术合同登记处", [1, 1, 1]), ("合计", [1, 1, 1])])
    );
    assert_eq!(
        table(&r, "growth-months"),
        rows(&[
            ("2026-01", [0, 0, 0]),
            ("2026-02", [0, 0, 0]),
            ("2026-03", [1, 1, 1]),
        ])
    );
    assert!(!r.body.contains("黄浦区技术合同登记处"));
    // No office filter to choose from.
    assert!(r.text_of("select#office").is_none());
    // Another office, by page or export: not found.
    for path in [
        format!("/reports/enterprise-growth?period=2026-Q1&office={}", o.a),
        format!(
            "/reports/enterprise-growth.xlsx?period=2026-Q1&office={}",
            o.a
        ),
    ] {
        assert_eq!(c.get(&path).await.status, 404, "{path}");
    }
    let r = c
        .get(&format!(
            "/reports/enterprise-growth?period=2026-Q1&office={}",
            o.b
        ))
        .await;
    assert_eq!(r.status, 200);

    let (status, _, bytes) = download(&c, "/reports/enterprise-growth.xlsx?period=2026-Q1").await;
    assert_eq!(status, 200);
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let sheet = wb.worksheet_range("各登记处").unwrap();
    assert_eq!(
        cell(&sheet, 2, 1),
        Data::String("徐汇区技术合同登记处".into())
    );
    assert_eq!(cell(&sheet, 3, 1), Data::String("合计".into()));
    assert_eq!(cell(&sheet, 3, 4), Data::Float(1.0));
    assert_eq!(cell(&sheet, 4, 1), Data::Empty);
}

#[tokio::test]
async fn bad_periods_are_refused_with_a_reason() {
    let app = TestApp::spawn().await;
    let c = signed_in(&app, "city_bad", "13900470003", "city_officer", Scope::All).await;
    for (query, message) in [
        ("from=2026-04-02&to=2026-04-01", "开始日期不能晚于结束日期"),
        ("from=2026-13-01&to=2026-12-31", "格式应为 YYYY-MM-DD"),
        ("from=2026-01-01&to=", "请同时填写开始日期和结束日期"),
        ("from=2020-01-01&to=2025-01-01", "统计期间不能超过 5 年"),
        ("period=2026-Q5", "统计期间无效"),
        ("period=2026&office=abc", "登记处无效"),
    ] {
        for base in [
            "/reports/enterprise-growth",
            "/reports/enterprise-growth.xlsx",
        ] {
            let r = c.get(&format!("{base}?{query}")).await;
            assert_eq!(r.status, 422, "{base}?{query}");
            assert!(
                r.text_of("#report-error").unwrap().contains(message),
                "{base}?{query}: {}",
                r.body
            );
            assert!(r.text_of("#growth").is_none());
        }
    }
    // Five years to the day is allowed; no parameters: this year so far.
    let r = c
        .get("/reports/enterprise-growth?from=2021-01-01&to=2025-12-31")
        .await;
    assert_eq!(r.status, 200);
    let r = c.get("/reports/enterprise-growth").await;
    assert_eq!(r.status, 200);
    assert_eq!(table(&r, "growth"), rows(&[("合计", [0, 0, 0])]));
}

#[tokio::test]
async fn only_report_viewers_open_the_report() {
    let app = TestApp::spawn().await;
    let office = app.create_office("310101", "黄浦区技术合同登记处").await;
    let anonymous = app.client();
    anonymous.get("/").await;
    for path in [
        "/reports/enterprise-growth",
        "/reports/enterprise-growth.xlsx",
    ] {
        let r = anonymous.get(path).await;
        assert_eq!(r.status, 303);
        assert_eq!(r.header("location"), Some("/login"));
    }
    let others = [
        ("app_g", "13900470011", "applicant", Scope::SelfOnly),
        ("sys_g", "13900470012", "system_admin", Scope::All),
        (
            "clerk_g",
            "13900470013",
            "office_clerk",
            Scope::Office(office),
        ),
    ];
    for (name, mobile, role, scope) in others {
        let c = signed_in(&app, name, mobile, role, scope).await;
        for path in [
            "/reports/enterprise-growth",
            "/reports/enterprise-growth.xlsx",
        ] {
            assert_eq!(c.get(path).await.status, 403, "{role} {path}");
        }
        let home = c.get("/my").await;
        assert!(!home.body.contains("/reports/enterprise-growth"), "{role}");
    }
    let head = signed_in(
        &app,
        "head_g",
        "13900470014",
        "office_head",
        Scope::Office(office),
    )
    .await;
    let home = head.get("/my").await;
    assert!(home.body.contains("企业增长统计"));
    assert_eq!(head.get("/reports/enterprise-growth").await.status, 200);
}
