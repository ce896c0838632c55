//! Data dictionaries: admins add, edit, deactivate, reactivate and delete
//! entries; bad input changes nothing; stale forms are refused; entries in
//! use cannot be deleted; other nodes see changes within seconds; only
//! dictionary managers get in.

use std::time::Duration;

use techreg::core::Scope;
use techreg::dictionary::{DICT_DISTRICT, DICT_TECH_FIELD, load_entries};
use techreg_tests::{PASSWORD, TestApp, TestClient};

async fn admin(app: &TestApp) -> TestClient {
    app.create_user("sys_dict", "13900070001", "system_admin", Scope::All, false)
        .await;
    let c = app.client();
    app.login(&c, "sys_dict", PASSWORD, "13900070001").await;
    c
}

/// (id, version, active) of an entry, straight from the database.
async fn entry(app: &TestApp, dict: &str, code: &str) -> Option<(i64, i32, bool)> {
    load_entries(&app.state.core.db, dict)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.code == code)
        .map(|e| (e.id, e.version, e.active))
}

/// The codes in the entries table of a dictionary page.
fn codes_listed(page: &techreg_tests::Resp) -> Vec<String> {
    let sel = scraper::Selector::parse("#entries tbody tr td:first-child code").unwrap();
    page.html()
        .select(&sel)
        .map(|e| e.text().collect::<String>())
        .collect()
}

async fn audit_rows(app: &TestApp) -> i64 {
    app.count("audit_log WHERE action LIKE 'dictionary.%'")
        .await
}

#[tokio::test]
async fn a_system_admin_maintains_entries_and_every_change_is_audited() {
    let app = TestApp::spawn().await;
    let c = admin(&app).await;

    let list = c.get("/admin/dictionaries").await;
    assert_eq!(list.status, 200);
    for name in [
        "技术领域",
        "法人类型",
        "行政区划",
        "知识产权类型",
        "社会经济目标",
        "不予受理理由",
        "退回补正理由",
        "不予登记理由",
    ] {
        assert!(list.body.contains(name), "{name} listed");
    }
    assert!(
        c.get("/my").await.body.contains("/admin/dictionaries"),
        "in the navigation"
    );
    let page = c.get("/admin/dictionaries/tech_field").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("电子信息") && page.body.contains("城市建设与社会发展"));
    assert_eq!(c.get("/admin/dictionaries/no_such").await.status, 404);

    // Bad input: each field says what is wrong; nothing is written.
    let before = app.count("dictionary_entry").await;
    let r = c
        .post_form(
            "/admin/dictionaries/tech_field",
            &[
                ("code", "a b"),
                ("label", ""),
                ("sort_order", "x"),
                ("parent_code", "ZZ"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    for m in [
        "编码为 1–20 位字母、数字、“-”或“_”",
        "请填写名称",
        "排序须为 0–999999 之间的整数",
        "上级条目不存在于本字典中",
    ] {
        assert!(r.body.contains(m), "{m}");
    }
    let long = "长".repeat(101);
    let r = c
        .post_form(
            "/admin/dictionaries/tech_field",
            &[("code", "X1"), ("label", &long)],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("名称不能超过 100 个字"));
    let r = c
        .post_form(
            "/admin/dictionaries/tech_field",
            &[("code", "ABCDEFGHIJ0123456789X"), ("label", "太长")],
        )
        .await;
    assert_eq!(r.status, 422);
    // A code typed full-width is the same code.
    let r = c
        .post_form(
            "/admin/dictionaries/tech_field",
            &[("code", "０１"), ("label", "重复")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("本字典中已有该编码"));
    assert_eq!(app.count("dictionary_entry").await, before);
    assert_eq!(audit_rows(&app).await, 0);

    // Add a sub-field under 电子信息; the same code is free in another dictionary.
    let r = c
        .post_form(
            "/admin/dictionaries/tech_field",
            &[
                ("code", "0101"),
                ("label", "集成电路"),
                ("parent_code", "01"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/admin/dictionaries/tech_field"));
    let page = c.get("/admin/dictionaries/tech_field").await;
    assert!(page.body.contains("已新增条目 0101 集成电路"));
    assert!(
        !c.get("/admin/dictionaries/tech_field")
            .await
            .body
            .contains("已新增条目"),
        "a message is shown once"
    );
    // Sub-entries follow their parent.
    let listed = codes_listed(&page);
    assert_eq!(&listed[..3], ["01", "0101", "02"]);
    let dicts = &app.state.dictionaries;
    assert_eq!(
        dicts
            .label(DICT_TECH_FIELD, "0101")
            .await
            .unwrap()
            .as_deref(),
        Some("集成电路"),
        "this node sees the change at once"
    );
    assert!(dicts.is_active_code(DICT_TECH_FIELD, "0101").await.unwrap());
    let r = c
        .post_form(
            "/admin/dictionaries/ip_type",
            &[("code", "0101"), ("label", "同码不同字典")],
        )
        .await;
    assert_eq!(r.status, 303);

    // Edit with the version from the page.
    let (id, version, _) = entry(&app, DICT_TECH_FIELD, "0101").await.unwrap();
    assert_eq!(version, 0);
    let url = format!("/admin/dictionaries/tech_field/entries/{id}");
    let page = c.get(&url).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("集成电路"));
    assert_eq!(
        c.get(&format!("/admin/dictionaries/ip_type/entries/{id}"))
            .await
            .status,
        404,
        "an entry is reached only through its own dictionary"
    );
    let r = c
        .post_form(
            &url,
            &[
                ("version", "0"),
                ("label", ""),
                ("sort_order", "5"),
                ("parent_code", "0101"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请填写名称") && r.body.contains("不能选择本条目或其下级条目作为上级"));
    let r = c
        .post_form(
            &url,
            &[
                ("version", "0"),
                ("label", "集成电路设计"),
                ("sort_order", "5"),
                ("parent_code", "01"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    // The same stale form again.
    let r = c
        .post_form(
            &url,
            &[
                ("version", "0"),
                ("label", "旧表单"),
                ("sort_order", "5"),
                ("parent_code", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("已由他人处理"));
    assert_eq!(
        dicts
            .label(DICT_TECH_FIELD, "0101")
            .await
            .unwrap()
            .as_deref(),
        Some("集成电路设计")
    );

    // Deactivate: gone from the options, the label still resolves.
    let r = c
        .post_form(&format!("{url}/deactivate"), &[("version", "1")])
        .await;
    assert_eq!(r.status, 303);
    assert!(!dicts.is_active_code(DICT_TECH_FIELD, "0101").await.unwrap());
    assert!(
        !dicts
            .active(DICT_TECH_FIELD)
            .await
            .unwrap()
            .iter()
            .any(|e| e.code == "0101")
    );
    assert_eq!(
        dicts
            .label(DICT_TECH_FIELD, "0101")
            .await
            .unwrap()
            .as_deref(),
        Some("集成电路设计")
    );
    assert_eq!(
        c.get(&url).await.text_of("#entry-status").as_deref(),
        Some("已停用")
    );
    let r = c
        .post_form(&format!("{url}/deactivate"), &[("version", "2")])
        .await;
    assert_eq!(r.status, 409, "already inactive");
    let inactive = c
        .get("/admin/dictionaries/tech_field?q=&status=inactive")
        .await;
    assert_eq!(codes_listed(&inactive), ["0101"]);
    let active = c
        .get("/admin/dictionaries/tech_field?q=&status=active")
        .await;
    let listed = codes_listed(&active);
    assert!(listed.contains(&"01".to_owned()) && !listed.contains(&"0101".to_owned()));
    let search = c
        .get("/admin/dictionaries/tech_field?q=%E6%96%B0%E6%9D%90%E6%96%99&status=")
        .await;
    assert_eq!(codes_listed(&search), ["07"]);

    let r = c
        .post_form(&format!("{url}/reactivate"), &[("version", "2")])
        .await;
    assert_eq!(r.status, 303);
    assert!(dicts.is_active_code(DICT_TECH_FIELD, "0101").await.unwrap());

    // A built-in entry, and a parent of another entry, are kept.
    let (builtin_id, builtin_version, _) = entry(&app, DICT_TECH_FIELD, "01").await.unwrap();
    let builtin_url = format!("/admin/dictionaries/tech_field/entries/{builtin_id}");
    let page = c.get(&builtin_url).await;
    assert!(
        page.text_of("#delete-blocked")
            .unwrap()
            .contains("是系统内置条目，有 1 个下级条目，不能删除，只能停用")
    );
    let r = c
        .post_form(
            &format!("{builtin_url}/delete"),
            &[("version", &builtin_version.to_string())],
        )
        .await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("不能删除，只能停用"));
    assert!(entry(&app, DICT_TECH_FIELD, "01").await.is_some());

    // An unused entry is deleted (a stale form first).
    let r = c
        .post_form(&format!("{url}/delete"), &[("version", "0")])
        .await;
    assert_eq!(r.status, 409);
    let r = c
        .post_form(&format!("{url}/delete"), &[("version", "3")])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(entry(&app, DICT_TECH_FIELD, "0101").await.is_none());
    assert_eq!(dicts.label(DICT_TECH_FIELD, "0101").await.unwrap(), None);
    assert_eq!(c.get(&url).await.status, 404);

    // create ×2, edit, deactivate, reactivate, delete
    assert_eq!(audit_rows(&app).await, 6);
    assert_eq!(
        app.count(
            "audit_log WHERE action = 'dictionary.entry_edit' AND detail LIKE '%集成电路设计%'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn an_entry_that_an_office_uses_can_be_deactivated_but_not_deleted() {
    let app = TestApp::spawn().await;
    let c = admin(&app).await;
    for (code, label) in [("310199", "测试新区"), ("310198", "未使用区")] {
        let r = c
            .post_form(
                "/admin/dictionaries/district",
                &[("code", code), ("label", label)],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
    }
    app.create_office("310199", "测试新区技术合同登记处").await;

    let (used, version, _) = entry(&app, DICT_DISTRICT, "310199").await.unwrap();
    let url = format!("/admin/dictionaries/district/entries/{used}");
    let page = c.get(&url).await;
    assert_eq!(
        page.text_of("#delete-blocked").as_deref(),
        Some("该条目已被业务记录引用（登记处 1 条），不能删除，只能停用。")
    );
    let r = c
        .post_form(
            &format!("{url}/delete"),
            &[("version", &version.to_string())],
        )
        .await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("已被业务记录引用（登记处 1 条）"));
    assert!(entry(&app, DICT_DISTRICT, "310199").await.is_some());
    let r = c
        .post_form(
            &format!("{url}/deactivate"),
            &[("version", &version.to_string())],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        app.state
            .dictionaries
            .label(DICT_DISTRICT, "310199")
            .await
            .unwrap()
            .as_deref(),
        Some("测试新区")
    );

    // The built-in 黄浦区, used by an office and a registered unit.
    app.create_office("310101", "黄浦区技术合同登记处").await;
    app.register_enterprise(
        "ent_dict",
        "13900070002",
        "91310101MA1DKTB01",
        "字典测试企业",
        "310101",
    )
    .await;
    let (hp, _, _) = entry(&app, DICT_DISTRICT, "310101").await.unwrap();
    let page = c
        .get(&format!("/admin/dictionaries/district/entries/{hp}"))
        .await;
    assert_eq!(
        page.text_of("#delete-blocked").as_deref(),
        Some(
            "该条目是系统内置条目，已被业务记录引用（登记处 1 条、单位 1 条），不能删除，只能停用。"
        )
    );

    let (unused, version, _) = entry(&app, DICT_DISTRICT, "310198").await.unwrap();
    let url = format!("/admin/dictionaries/district/entries/{unused}");
    assert!(c.get(&url).await.text_of("#delete-blocked").is_none());
    let r = c
        .post_form(
            &format!("{url}/delete"),
            &[("version", &version.to_string())],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(entry(&app, DICT_DISTRICT, "310198").await.is_none());
}

#[tokio::test]
async fn a_label_edited_on_one_node_shows_on_the_other_within_seconds() {
    let a = TestApp::spawn().await;
    let b = a.spawn_node().await;
    // Node B's first poll is done before it caches, so only a later poll
    // can drop what it holds.
    b.state.dictionaries.poll().await.unwrap();
    assert_eq!(
        b.state
            .dictionaries
            .label(DICT_TECH_FIELD, "01")
            .await
            .unwrap()
            .as_deref(),
        Some("电子信息"),
        "node B has it cached"
    );
    let c = admin(&a).await;
    let (id, version, _) = entry(&a, DICT_TECH_FIELD, "01").await.unwrap();
    let r = c
        .post_form(
            &format!("/admin/dictionaries/tech_field/entries/{id}"),
            &[
                ("version", &version.to_string()),
                ("label", "电子信息技术"),
                ("sort_order", "10"),
                ("parent_code", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let mut seen = false;
    for _ in 0..50 {
        if b.state
            .dictionaries
            .label(DICT_TECH_FIELD, "01")
            .await
            .unwrap()
            .as_deref()
            == Some("电子信息技术")
        {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen, "node B picked up the change");
    b.stop().await;
}

#[tokio::test]
async fn only_dictionary_managers_get_in() {
    let app = TestApp::spawn().await;
    let office = app.create_office("310110", "杨浦区技术合同登记处").await;
    app.create_user(
        "reviewer_dict",
        "13900070003",
        "office_reviewer",
        Scope::Office(office),
        false,
    )
    .await;
    let reviewer = app.client();
    app.login(&reviewer, "reviewer_dict", PASSWORD, "13900070003")
        .await;
    let anonymous = app.client();
    anonymous.get("/").await;
    let (id, _, _) = entry(&app, DICT_TECH_FIELD, "01").await.unwrap();
    let entry_url = format!("/admin/dictionaries/tech_field/entries/{id}");
    let gets = [
        "/admin/dictionaries".to_owned(),
        "/admin/dictionaries/tech_field".to_owned(),
        entry_url.clone(),
    ];
    let posts = [
        "/admin/dictionaries/tech_field".to_owned(),
        entry_url.clone(),
        format!("{entry_url}/deactivate"),
        format!("{entry_url}/reactivate"),
        format!("{entry_url}/delete"),
    ];
    for path in &gets {
        assert_eq!(reviewer.get(path).await.status, 403, "GET {path}");
        let r = anonymous.get(path).await;
        assert_eq!(
            (r.status.as_u16(), r.header("location")),
            (303, Some("/login")),
            "GET {path}"
        );
    }
    for path in &posts {
        reviewer.get("/my").await;
        let r = reviewer
            .post_form(path, &[("version", "0"), ("code", "X9"), ("label", "越权")])
            .await;
        assert_eq!(r.status, 403, "POST {path}");
        anonymous.get("/").await;
        let r = anonymous
            .post_form(path, &[("version", "0"), ("code", "X9"), ("label", "越权")])
            .await;
        assert_eq!(
            (r.status.as_u16(), r.header("location")),
            (303, Some("/login")),
            "POST {path}"
        );
    }
    assert!(entry(&app, DICT_TECH_FIELD, "X9").await.is_none());
    assert!(
        entry(&app, DICT_TECH_FIELD, "01").await.unwrap().2,
        "still active"
    );
    assert!(
        !reviewer
            .get("/my")
            .await
            .body
            .contains("/admin/dictionaries")
    );
}

mod browser {
    use std::time::Duration;

    use techreg::core::Scope;
    use techreg_tests::TestApp;
    use techreg_tests::browser::Browser;
    use thirtyfour::prelude::*;

    async fn wait_for(d: &WebDriver, css: &str) -> WebElement {
        d.query(By::Css(css))
            .wait(Duration::from_secs(15), Duration::from_millis(100))
            .first()
            .await
            .unwrap_or_else(|_| panic!("{css} appears"))
    }

    async fn fill(d: &WebDriver, name: &str, value: &str) {
        let el = d.find(By::Css(format!("[name='{name}']"))).await.unwrap();
        el.clear().await.unwrap();
        el.send_keys(value).await.unwrap();
    }

    async fn click(d: &WebDriver, css: &str) {
        d.find(By::Css(css)).await.unwrap().click().await.unwrap();
    }

    #[tokio::test]
    async fn an_admin_adds_a_sub_field_and_retires_it_in_the_browser() {
        let Some(browser) = Browser::start().await else {
            return;
        };
        let app = TestApp::spawn().await;
        app.create_user(
            "sys_dict_b",
            "13900070009",
            "system_admin",
            Scope::All,
            false,
        )
        .await;
        let d = &browser.driver;
        d.goto(app.url("/login")).await.unwrap();
        fill(d, "username", "sys_dict_b").await;
        fill(d, "password", techreg_tests::PASSWORD).await;
        click(d, "#login button[type=submit]").await;
        wait_for(d, "#verify-factor").await;
        fill(d, "code", &app.last_sms_code("13900070009").await).await;
        click(d, "#verify-factor button[type=submit]").await;
        wait_for(d, ".work-body").await;

        d.find(By::LinkText("数据字典"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_for(d, "#dictionaries").await;
        browser.screenshot("dictionaries-01-list").await;
        d.goto(app.url("/admin/dictionaries/tech_field"))
            .await
            .unwrap();
        wait_for(d, "#entries").await;
        // The empty form first: inline messages.
        click(d, "#dictionary button.primary").await;
        wait_for(d, "#f-code-error").await;
        fill(d, "code", "0101").await;
        fill(d, "label", "集成电路").await;
        d.find(By::Css("select[name=parent_code] option[value='01']"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        click(d, "#dictionary button.primary").await;
        wait_for(d, ".flash-success").await;
        browser.screenshot("dictionaries-02-entries").await;
        d.find(By::XPath("//tr[td/code[text()='0101']]//a"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_for(d, "#dictionary-entry").await;
        d.find(By::XPath("//button[text()='停用']"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_for(d, ".flash-success").await;
        let status = d.find(By::Css("#entry-status")).await.unwrap();
        assert_eq!(status.text().await.unwrap(), "已停用");
        browser.screenshot("dictionaries-03-entry").await;
        assert_eq!(
            app.state
                .dictionaries
                .label(techreg::dictionary::DICT_TECH_FIELD, "0101")
                .await
                .unwrap()
                .as_deref(),
            Some("集成电路")
        );
        browser.quit().await;
    }
}
