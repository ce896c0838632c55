//! The working-day calendar: an admin adds, changes and removes a day;
//! bad input changes nothing; an import with a bad row writes nothing and
//! names the row; a good import replaces the year after confirmation; a
//! second node picks the change up; only system admins get in.

use std::time::Duration;

use chrono::NaiveDate;
use techreg::core::Scope;
use techreg_tests::{PASSWORD, Resp, TestApp, TestClient};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

async fn admin(app: &TestApp, username: &str, mobile: &str) -> TestClient {
    app.create_user(username, mobile, "system_admin", Scope::All, false)
        .await;
    let c = app.client();
    let r = app.login(&c, username, PASSWORD, mobile).await;
    assert_eq!(r.status, 303);
    c
}

/// Uploads `bytes` as the browser form does (multipart, CSRF token in the
/// query string).
async fn upload(c: &TestClient, year: &str, bytes: Vec<u8>) -> Resp {
    c.get(&format!("/admin/calendar?year={year}")).await;
    let token = c.csrf_token().unwrap();
    let form = reqwest::multipart::Form::new()
        .text("year", year.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name("arrangement.csv"),
        );
    c.send(
        c.request(
            reqwest::Method::POST,
            &format!("/admin/calendar/import?csrf_token={token}"),
        )
        .multipart(form),
    )
    .await
}

fn textarea(r: &Resp, name: &str) -> Option<String> {
    r.html()
        .select(&scraper::Selector::parse(&format!("textarea[name={name}]")).unwrap())
        .next()
        .map(|t| t.text().collect())
}

#[tokio::test]
async fn an_admin_adds_changes_and_removes_a_holiday() {
    let app = TestApp::spawn().await;
    let c = admin(&app, "sys_cal", "13900070001").await;

    let page = c.get("/admin/calendar?year=2027").await;
    assert_eq!(page.status, 200);
    assert!(page.text_of("#not-maintained").is_some());
    assert!(page.body.contains("2027 年工作日历"));
    // The sidebar links the screen.
    assert!(page.body.contains(r#"href="/admin/calendar""#));

    // 1 October 2027 is a Friday.
    let r = c
        .post_form(
            "/admin/calendar",
            &[
                ("date", "2027-10-01"),
                ("kind", "holiday"),
                ("name", "国庆节"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/admin/calendar?year=2027"));
    let cal = app.state.calendar.snapshot().await.unwrap();
    assert!(
        !cal.is_working_day(d(2027, 10, 1)),
        "this node's snapshot is fresh"
    );
    assert_eq!(cal.next_working_day(d(2027, 9, 30)), d(2027, 10, 4));

    let page = c.get("/admin/calendar?year=2027").await;
    assert!(page.body.contains("已保存：2027-10-01 节假日（国庆节）。"));
    let list = page.text_of("#overrides").unwrap();
    assert!(list.contains("2027-10-01") && list.contains("国庆节"));
    assert!(
        list.contains("星期五") && list.contains("sys_cal"),
        "{list}"
    );
    assert!(page.text_of("#not-maintained").is_none());
    let grid = page
        .html()
        .select(&scraper::Selector::parse("td.holiday").unwrap())
        .map(|td| td.value().attr("title").unwrap_or_default().to_owned())
        .collect::<Vec<_>>();
    // The weekend after it is shown as part of the holiday, not stored.
    assert_eq!(grid, ["国庆节", "国庆节", "国庆节"]);
    assert_eq!(app.count("calendar_day").await, 1);

    // Saving the same day again changes it.
    let r = c
        .post_form(
            "/admin/calendar",
            &[
                ("date", "2027-10-01"),
                ("kind", "holiday"),
                ("name", "国庆节、中秋节"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    // A make-up Saturday: the next day.
    let r = c
        .post_form(
            "/admin/calendar",
            &[
                ("date", "2027-10-02"),
                ("kind", "workday"),
                ("name", "国庆节调休"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(app.count("calendar_day").await, 2);
    let page = c.get("/admin/calendar?year=2027").await;
    assert_eq!(
        page.text_of("td.makeup").as_deref().map(str::trim),
        Some("2 国庆节调休")
    );

    let r = c
        .post_form("/admin/calendar/remove", &[("date", "2027-10-01")])
        .await;
    assert_eq!(r.status, 303);
    let page = c.get("/admin/calendar?year=2027").await;
    assert!(
        page.body
            .contains("已删除：2027-10-01 节假日（国庆节、中秋节）。")
    );
    assert!(!page.text_of("#overrides").unwrap().contains("2027-10-01"));
    assert!(
        app.state
            .calendar
            .snapshot()
            .await
            .unwrap()
            .is_working_day(d(2027, 10, 1))
    );
    // Nothing left to remove.
    let r = c
        .post_form("/admin/calendar/remove", &[("date", "2027-10-01")])
        .await;
    assert_eq!(r.status, 404);

    // Every change is in the audit log, and the screen shows it as history.
    assert_eq!(
        app.count("audit_log WHERE action LIKE 'calendar.%' AND object_type = 'calendar'")
            .await,
        4
    );
    let history = page.text_of("#calendar-history").unwrap();
    for line in [
        "2027-10-01 设为节假日（国庆节）",
        "2027-10-01 由节假日（国庆节）改为节假日（国庆节、中秋节）",
        "2027-10-02 设为调休上班日（国庆节调休）",
        "删除 2027-10-01 节假日（国庆节、中秋节）",
    ] {
        assert!(history.contains(line), "{line} in {history}");
    }
}

#[tokio::test]
async fn bad_input_is_refused_with_422_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let c = admin(&app, "sys_cal", "13900070001").await;
    c.get("/admin/calendar?year=2027").await;
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[
                ("date", "2027-10-02"),
                ("kind", "holiday"),
                ("name", "国庆节"),
            ],
            "2027-10-02 是星期六，本来就是休息日，无需设为节假日",
        ),
        (
            &[
                ("date", "2027-10-04"),
                ("kind", "workday"),
                ("name", "调休"),
            ],
            "2027-10-04 是星期一，本来就是工作日，无需设为调休上班日",
        ),
        (
            &[
                ("date", "1999-12-31"),
                ("kind", "holiday"),
                ("name", "元旦"),
            ],
            "日期应在 2000–2100 年之间",
        ),
        (
            &[("date", "2101-01-03"), ("kind", "workday"), ("name", "x")],
            "日期应在 2000–2100 年之间",
        ),
        (
            &[("date", "明天"), ("kind", "holiday"), ("name", "x")],
            "请填写有效的日期",
        ),
        (
            &[("date", "2027-10-01"), ("kind", "holiday"), ("name", "  ")],
            "请填写名称",
        ),
        (
            &[
                ("date", "2027-10-01"),
                ("kind", "other"),
                ("name", "国庆节"),
            ],
            "请选择类型",
        ),
    ];
    for (fields, message) in cases {
        let r = c.post_form("/admin/calendar", fields).await;
        assert_eq!(r.status, 422, "{fields:?}");
        assert!(r.body.contains(message), "{message}");
        assert!(r.body.contains("aria-invalid"), "inline error");
    }
    let long = "节".repeat(51);
    let r = c
        .post_form(
            "/admin/calendar",
            &[("date", "2027-10-01"), ("kind", "holiday"), ("name", &long)],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("名称不能超过 50 个字"));
    assert_eq!(app.count("calendar_day").await, 0);
    assert_eq!(
        app.count("audit_log WHERE action LIKE 'calendar.%'").await,
        0
    );
    for (query, status) in [
        ("year=1999", 400),
        ("year=2101", 400),
        ("year=abc", 400),
        ("year=2000", 200),
        ("year=2100", 200),
        ("year=", 200),
        ("year=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%97", 200),
    ] {
        let r = c.get(&format!("/admin/calendar?{query}")).await;
        assert_eq!(r.status, status, "{query}");
    }

    // Full-width digits are read as digits.
    let r = c
        .post_form(
            "/admin/calendar",
            &[
                ("date", "２０２７－１０－０１"),
                ("kind", "holiday"),
                ("name", "国庆节"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(app.count("calendar_day").await, 1);
}

#[tokio::test]
async fn an_import_with_one_bad_row_writes_nothing_and_names_the_row() {
    let app = TestApp::spawn().await;
    let c = admin(&app, "sys_cal", "13900070001").await;
    let r = c
        .post_form(
            "/admin/calendar",
            &[
                ("date", "2026-12-25"),
                ("kind", "holiday"),
                ("name", "已有记录"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);

    let file = "日期,类型,名称\n\
                2026-01-01,休,元旦\n\
                2026-01-02,休,元旦\n\
                2026-01-04,班,元旦调休\n\
                2026-01-05,班,元旦调休\n\
                2026-02-16,休,春节\n";
    let r = upload(&c, "2026", file.as_bytes().to_vec()).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let rows = r.text_of("#import-rows").unwrap();
    assert!(
        rows.contains("第 5 行：2026-01-05 是星期一，本来就是工作日，无需设为调休上班日"),
        "{rows}"
    );
    assert!(r.body.contains("文件中有 1 处错误，未写入任何数据"));
    assert!(textarea(&r, "content").is_none(), "no confirm step");
    assert_eq!(app.count("calendar_day").await, 1);

    // Rows of another year, unknown kinds and a file with no rows.
    let r = upload(
        &c,
        "2026",
        "2025-10-01,休,国庆节\n2026-10-01,放,国庆节\n".into(),
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("第 1 行：日期 2025-10-01 不在 2026 年"));
    assert!(r.body.contains("第 2 行：类型“放”无法识别"));
    let r = upload(&c, "2026", "日期,类型,名称\n".into()).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("文件中没有数据行"));
    let r = upload(&c, "2026", Vec::new()).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请选择文件"));
    let r = upload(&c, "1999", "1999-10-01,休,国庆节\n".into()).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("年份应在 2000–2100 之间"));
    let r = upload(&c, "2026", vec![0xFF, 0x00, 0x81, 0x30]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("无法识别文件编码"));

    // A confirmation whose rows were changed on the way is checked again.
    c.get("/admin/calendar?year=2026").await;
    let r = c
        .post_form(
            "/admin/calendar/import/confirm",
            &[
                ("year", "2026"),
                ("content", "2026-01-01,holiday,元旦\n2026-01-05,workday,x\n"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("第 2 行：2026-01-05 是星期一"));
    assert_eq!(app.count("calendar_day").await, 1);
    assert_eq!(
        app.count("audit_log WHERE action = 'calendar.import'")
            .await,
        0
    );
}

#[tokio::test]
async fn a_good_import_in_gbk_replaces_the_year_after_confirmation() {
    let app = TestApp::spawn().await;
    let c = admin(&app, "sys_cal", "13900070001").await;
    for (date, name) in [("2026-12-25", "将被替换"), ("2025-12-25", "另一年")] {
        let r = c
            .post_form(
                "/admin/calendar",
                &[("date", date), ("kind", "holiday"), ("name", name)],
            )
            .await;
        assert_eq!(r.status, 303);
    }

    // The shipped 2026 file, saved by a spreadsheet in GBK with one date
    // typed in full-width digits.
    let text = techreg::calendar::ARRANGEMENT_2026.replace("2026-10-10", "２０２６／１０／１０");
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let r = upload(&c, "2026", gbk.into_owned()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("文件编码：GBK"));
    assert!(
        r.body.contains(
            "将以下 <strong>25</strong> 条记录替换 2026 年现有的 <strong>1</strong> 条记录"
        )
    );
    let rows = r.text_of("#import-rows").unwrap();
    assert!(rows.contains("跳过：星期六本来休息"), "{rows}");
    assert!(rows.contains("国庆节调休"));
    // A preview only: nothing written yet.
    assert_eq!(app.count("calendar_day").await, 2);

    let content = textarea(&r, "content").expect("the confirm form");
    assert_eq!(content.lines().count(), 25);
    let r = c
        .post_form(
            "/admin/calendar/import/confirm",
            &[("year", "2026"), ("content", &content)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        app.count("calendar_day").await,
        26,
        "25 for 2026, 2025 untouched"
    );
    assert_eq!(app.count("calendar_day WHERE name = '将被替换'").await, 0);

    let page = c.get("/admin/calendar?year=2026").await;
    assert!(
        page.body
            .contains("已导入 2026 年节假日安排：25 条，替换原有 1 条。")
    );
    assert_eq!(page.text_of("#year-working-days").as_deref(), Some("248"));
    assert!(
        page.text_of("#calendar-history")
            .unwrap()
            .contains("导入 2026 年安排：写入 25 条，替换原有 1 条")
    );
    assert!(page.text_of("#overrides").unwrap().contains("sys_cal"));
    let cal = app.state.calendar.snapshot().await.unwrap();
    assert_eq!(cal.add_working_days(d(2026, 9, 30), 1), d(2026, 10, 8));
    assert_eq!(cal.add_working_days(d(2026, 2, 13), 1), d(2026, 2, 14));
    assert!(!cal.is_working_day(d(2025, 12, 25)), "2025 untouched");
    // The audit row keeps what was replaced.
    let detail = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        techreg_entities::audit::audit_log::Entity::find()
            .filter(techreg_entities::audit::audit_log::Column::Action.eq("calendar.import"))
            .one(&app.state.core.db)
            .await
            .unwrap()
            .unwrap()
            .detail
    };
    assert!(detail.contains("将被替换") && detail.contains("国庆节调休"));

    // The calculator uses the snapshot.
    let r = c
        .get("/admin/calendar?year=2026&from=2026-09-30&days=1")
        .await;
    assert!(
        r.text_of("#tryout-result")
            .unwrap()
            .contains("2026-10-08（星期四）"),
        "{:?}",
        r.text_of("#tryout-result")
    );
    let r = c.get("/admin/calendar?year=2026&from=x&days=1").await;
    assert!(r.text_of("#tryout-error").is_some());
}

#[tokio::test]
async fn a_second_node_sees_a_change_after_the_poll_interval() {
    let a = TestApp::spawn().await;
    let b = a.spawn_node().await;
    let on_a = admin(&a, "sys_a", "13900070001").await;
    let on_b = admin(&b, "sys_b", "13900070002").await;
    let cached = b.state.calendar.snapshot().await.unwrap();
    assert!(cached.is_working_day(d(2027, 10, 1)));

    let r = on_a
        .post_form(
            "/admin/calendar",
            &[
                ("date", "2027-10-01"),
                ("kind", "holiday"),
                ("name", "国庆节"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let mut seen = false;
    for _ in 0..50 {
        if !b
            .state
            .calendar
            .snapshot()
            .await
            .unwrap()
            .is_working_day(d(2027, 10, 1))
        {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen, "node B dropped its snapshot within the poll interval");
    let r = on_b
        .get("/admin/calendar?year=2027&from=2027-09-30&days=1")
        .await;
    assert!(
        r.text_of("#tryout-result")
            .unwrap()
            .contains("2027-10-04（星期一）"),
        "{:?}",
        r.text_of("#tryout-result")
    );
}

#[tokio::test]
async fn only_system_admins_reach_the_calendar() {
    let app = TestApp::spawn().await;
    let office = app.create_office("310115", "浦东新区技术合同登记处").await;
    app.create_user(
        "reviewer",
        "13900070003",
        "office_reviewer",
        Scope::Office(office),
        false,
    )
    .await;
    let reviewer = app.client();
    app.login(&reviewer, "reviewer", PASSWORD, "13900070003")
        .await;
    app.create_user("sec", "13900070004", "security_admin", Scope::All, false)
        .await;
    let security = app.client();
    app.login(&security, "sec", PASSWORD, "13900070004").await;
    let anonymous = app.client();
    anonymous.get("/").await;
    let sys = admin(&app, "sys_cal", "13900070001").await;

    let add = [
        ("date", "2027-10-01"),
        ("kind", "holiday"),
        ("name", "国庆节"),
    ];
    for (who, c) in [("reviewer", &reviewer), ("security", &security)] {
        assert!(
            !c.get("/my")
                .await
                .body
                .contains(r#"href="/admin/calendar""#)
        );
        assert_eq!(c.get("/admin/calendar").await.status, 403, "{who}");
        assert_eq!(
            c.post_form("/admin/calendar", &add).await.status,
            403,
            "{who}"
        );
        assert_eq!(
            c.post_form("/admin/calendar/remove", &[("date", "2027-10-01")])
                .await
                .status,
            403
        );
        assert_eq!(
            c.post_form(
                "/admin/calendar/import/confirm",
                &[("year", "2027"), ("content", "2027-10-01,holiday,国庆节\n")]
            )
            .await
            .status,
            403
        );
        c.get("/my").await;
        let token = c.csrf_token().unwrap();
        let form = reqwest::multipart::Form::new().text("year", "2027").part(
            "file",
            reqwest::multipart::Part::bytes("2027-10-01,休,国庆节\n".as_bytes().to_vec()),
        );
        let r = c
            .send(
                c.request(
                    reqwest::Method::POST,
                    &format!("/admin/calendar/import?csrf_token={token}"),
                )
                .multipart(form),
            )
            .await;
        assert_eq!(r.status, 403, "{who} import");
    }
    for path in [
        "/admin/calendar",
        "/admin/calendar/remove",
        "/admin/calendar/import/confirm",
    ] {
        let r = if path == "/admin/calendar" {
            anonymous.get(path).await
        } else {
            anonymous.post_form(path, &[("date", "2027-10-01")]).await
        };
        assert_eq!(r.status, 303, "{path}");
        assert_eq!(r.header("location"), Some("/login"), "{path}");
    }
    assert_eq!(app.count("calendar_day").await, 0);
    assert_eq!(sys.get("/admin/calendar").await.status, 200);
    assert_eq!(sys.post_form("/admin/calendar", &add).await.status, 303);
}

#[tokio::test]
async fn the_demo_seed_loads_the_published_arrangements_once() {
    let app = TestApp::spawn().await;
    let c = admin(&app, "sys_cal", "13900070001").await;
    // An admin's own 2026 record is kept: only empty years are filled.
    let r = c
        .post_form(
            "/admin/calendar",
            &[
                ("date", "2026-12-25"),
                ("kind", "holiday"),
                ("name", "自定"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let (db, keys, config) = (
        &app.state.core.db,
        app.state.keys.as_ref(),
        &app.state.core.config,
    );
    techreg::demo::seed(db, keys, config).await.unwrap();
    techreg::demo::seed(db, keys, config).await.unwrap();
    assert_eq!(
        app.count("calendar_day WHERE day BETWEEN '2025-01-01' AND '2025-12-31'")
            .await,
        23
    );
    assert_eq!(
        app.count("calendar_day WHERE day BETWEEN '2026-01-01' AND '2026-12-31'")
            .await,
        1
    );
}

#[tokio::test]
async fn concurrent_changes_of_one_day_run_one_after_the_other() {
    use techreg::calendar::{DayKind, write_day};
    let app = TestApp::spawn().await;
    let write = |name: &'static str| {
        let db = app.state.core.db.clone();
        async move {
            let txn = techreg::core::db::begin(&db).await.unwrap();
            let before = write_day(
                &txn,
                d(2027, 10, 1),
                DayKind::Holiday,
                name,
                "test",
                chrono::Utc::now(),
            )
            .await
            .unwrap();
            tokio::time::sleep(Duration::from_millis(50)).await;
            txn.commit().await.unwrap();
            before.map(|b| b.name)
        }
    };
    let (a, b) = tokio::join!(write("甲"), write("乙"));
    assert!(
        matches!(
            (a.as_deref(), b.as_deref()),
            (None, Some("甲")) | (Some("乙"), None)
        ),
        "{a:?} {b:?}"
    );
    assert_eq!(app.count("calendar_day").await, 1);
}

/// In headless Chromium: the year grid, adding a make-up day through the
/// form, and importing a file with preview and confirmation.
#[tokio::test]
async fn browser_journey_through_the_calendar_screen() {
    use thirtyfour::prelude::*;
    let Some(browser) = techreg_tests::browser::Browser::start().await else {
        return;
    };
    let app = TestApp::spawn().await;
    app.create_user("sys_b", "13900070009", "system_admin", Scope::All, false)
        .await;
    let d = &browser.driver;
    let wait_for = |css: &'static str| async move {
        d.query(By::Css(css))
            .wait(Duration::from_secs(15), Duration::from_millis(100))
            .first()
            .await
            .unwrap_or_else(|_| panic!("{css} appears"))
    };
    let fill = |name: &'static str, value: &'static str| async move {
        let el = d.find(By::Css(format!("[name='{name}']"))).await.unwrap();
        el.clear().await.unwrap();
        el.send_keys(value).await.unwrap();
    };

    d.goto(app.url("/login")).await.unwrap();
    fill("username", "sys_b").await;
    fill("password", PASSWORD).await;
    d.find(By::Css("#login button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for("#verify-factor").await;
    let code = app.last_sms_code("13900070009").await;
    let el = d.find(By::Css("[name='code']")).await.unwrap();
    el.send_keys(code).await.unwrap();
    d.find(By::Css("#verify-factor button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(".work-body").await;

    // Import the shipped 2026 arrangement.
    d.goto(app.url("/admin/calendar?year=2026")).await.unwrap();
    wait_for("#not-maintained").await;
    let path = app.data_dir.path().join("2026.csv");
    std::fs::write(&path, techreg::calendar::ARRANGEMENT_2026).unwrap();
    d.find(By::Css("#f-file"))
        .await
        .unwrap()
        .send_keys(path.display().to_string())
        .await
        .unwrap();
    d.find(By::Css("#import button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for("#import-preview").await;
    browser.screenshot("calendar-01-import-preview").await;
    d.find(By::Css("#import-preview button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let total = wait_for("#year-working-days").await;
    assert_eq!(total.text().await.unwrap(), "248");

    // A make-up Saturday through the form (the date input set as a browser
    // date picker would).
    let date = d.find(By::Css("#f-date")).await.unwrap();
    d.execute(
        "arguments[0].value = '2026-12-26';",
        vec![date.to_json().unwrap()],
    )
    .await
    .unwrap();
    d.find(By::Css("#f-kind option[value=workday]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill("name", "测试调休").await;
    d.find(By::Css("#overrides button.primary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let mut total = String::new();
    for _ in 0..150 {
        if let Ok(el) = d.find(By::Css("#year-working-days")).await {
            total = el.text().await.unwrap_or_default();
            if total == "249" {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(total, "249", "one more working day after the form posts");
    browser.screenshot("calendar-02-year").await;
    assert_eq!(app.count("calendar_day").await, 26);
    browser.quit().await;
}
