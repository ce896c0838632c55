//! Enterprises and their responsible office (对口关系): reassignment of one
//! and of many with reason, effective date and history; edits; the list
//! import with its dry-run preview (a bad row writes nothing); industry
//! lists; what office staff may see.

use chrono::{Days, NaiveDate};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use techreg::core::Scope;
use techreg::identity::credit_check_char;
use techreg::org::{self, responsible_office};
use techreg_entities::org::{enterprise, enterprise_assignment, enterprise_history};
use techreg_tests::{PASSWORD, TestApp, TestClient};

fn code(base17: &str) -> String {
    format!("{base17}{}", credit_check_char(base17))
}

fn today(app: &TestApp) -> NaiveDate {
    techreg::core::clock::shanghai_date(app.state.core.clock.now())
}

/// An enterprise as registration creates it, assigned by the rules.
async fn enterprise(app: &TestApp, base17: &str, name: &str, district: &str) -> i64 {
    let now = app.state.core.clock.now();
    let e = enterprise::ActiveModel {
        credit_code: Set(code(base17)),
        name: Set(name.into()),
        district_code: Set(Some(district.into())),
        status: Set("unverified".into()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.state.core.db)
    .await
    .unwrap();
    org::assign_new(
        &app.state.core.db,
        e.id,
        &e.credit_code,
        Some(district),
        now,
    )
    .await
    .unwrap();
    e.id
}

async fn office_on(app: &TestApp, id: i64, on: NaiveDate) -> Option<i64> {
    responsible_office(&app.state.core.db, id, on)
        .await
        .unwrap()
}

async fn city_officer(app: &TestApp) -> TestClient {
    app.create_user("city", "13900110001", "city_officer", Scope::All, false)
        .await;
    let c = app.client();
    app.login(&c, "city", PASSWORD, "13900110001").await;
    c
}

#[tokio::test]
async fn one_enterprise_is_reassigned_from_an_effective_date_with_its_history() {
    let app = TestApp::spawn().await;
    let pudong = app.create_office("310115", "浦东新区技术合同登记处").await;
    let xuhui = app.create_office("310104", "徐汇区技术合同登记处").await;
    let id = enterprise(&app, "91310115000000001", "上海对口测试有限公司", "310115").await;
    let c = city_officer(&app).await;
    let d0 = today(&app);
    assert_eq!(office_on(&app, id, d0).await, Some(pudong));

    let list = c.get("/admin/enterprises").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("上海对口测试有限公司"));
    assert!(list.body.contains("浦东新区技术合同登记处"));
    let detail = c.get(&format!("/admin/enterprises/{id}")).await;
    assert_eq!(
        detail.text_of("#current-office").as_deref(),
        Some("浦东新区技术合同登记处")
    );

    // Bad input: each field says what is wrong; nothing changes.
    let path = format!("/admin/enterprises/{id}/reassign");
    let r = c
        .post_form(
            &path,
            &[("office_id", ""), ("effective", "明天"), ("reason", " ")],
        )
        .await;
    assert_eq!(r.status, 422);
    for m in ["请选择登记处", "请填写生效日期", "请填写调整原因"] {
        assert!(r.body.contains(m), "{m}");
    }
    let before = (d0 - Days::new(1)).to_string();
    let r = c
        .post_form(
            &path,
            &[
                ("office_id", &xuhui.to_string()),
                ("effective", &before),
                ("reason", "迁址"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("生效日期不能早于"), "{}", r.body);
    assert_eq!(app.count("enterprise_assignment").await, 1);
    assert_eq!(app.count("enterprise_history").await, 0);

    // From ten days on, Xuhui is responsible; until then Pudong still is.
    let from = d0 + Days::new(10);
    let r = c
        .post_form(
            &path,
            &[
                ("office_id", &xuhui.to_string()),
                ("effective", &from.to_string()),
                ("reason", "企业迁址至徐汇区"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(office_on(&app, id, d0).await, Some(pudong));
    assert_eq!(office_on(&app, id, from - Days::new(1)).await, Some(pudong));
    assert_eq!(office_on(&app, id, from).await, Some(xuhui));
    let detail = c.get(&format!("/admin/enterprises/{id}")).await;
    assert!(
        detail
            .text_of("#scheduled-office")
            .is_some_and(|s| s.contains("徐汇区技术合同登记处") && s.contains(&from.to_string())),
        "{}",
        detail.body
    );
    let history = detail.text_of("#assignments").unwrap();
    assert!(history.contains("企业迁址至徐汇区") && history.contains("按所在区自动分配"));
    let rows = enterprise_history::Entity::find()
        .filter(enterprise_history::Column::EnterpriseId.eq(id))
        .all(&app.state.core.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].action, "reassign");
    assert_eq!(rows[0].actor, "city");
    assert_eq!(
        app.count("audit_log WHERE action = 'enterprise.reassign'")
            .await,
        1
    );

    // Ten days later (a new sign-in: the session has long expired) the
    // list shows the new office.
    app.state.core.clock.advance(chrono::Duration::days(10));
    app.login(&c, "city", PASSWORD, "13900110001").await;
    let list = c.get(&format!("/admin/enterprises?office={xuhui}")).await;
    assert!(list.body.contains("上海对口测试有限公司"), "{}", list.body);
    let list = c.get(&format!("/admin/enterprises?office={pudong}")).await;
    assert!(!list.body.contains("上海对口测试有限公司"));
}

#[tokio::test]
async fn many_enterprises_are_reassigned_at_once_by_selection_or_by_filter() {
    let app = TestApp::spawn().await;
    let pudong = app.create_office("310115", "浦东新区技术合同登记处").await;
    let minhang = app.create_office("310112", "闵行区技术合同登记处").await;
    let mut ids = Vec::new();
    for n in 0..4 {
        ids.push(
            enterprise(
                &app,
                &format!("9131011500000010{n}"),
                &format!("浦东批量企业{n}"),
                "310115",
            )
            .await,
        );
    }
    let other = enterprise(&app, "91310112000000201", "闵行原有企业", "310112").await;
    let c = city_officer(&app).await;
    let d0 = today(&app).to_string();
    c.get("/admin/enterprises").await;

    // Nothing selected: a clear message, nothing changed.
    let r = c
        .post_form(
            "/admin/enterprises/reassign",
            &[
                ("scope", "selected"),
                ("office_id", &minhang.to_string()),
                ("effective", &d0),
                ("reason", "区域调整"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请勾选要调整的企业"));
    assert_eq!(app.count("enterprise_assignment").await, 5);

    // Two picked by hand.
    let r = c
        .post_form(
            "/admin/enterprises/reassign",
            &[
                ("scope", "selected"),
                ("ids", &ids[0].to_string()),
                ("ids", &ids[1].to_string()),
                ("office_id", &minhang.to_string()),
                ("effective", &d0),
                ("reason", "区域调整"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let on = today(&app);
    assert_eq!(office_on(&app, ids[0], on).await, Some(minhang));
    assert_eq!(office_on(&app, ids[1], on).await, Some(minhang));
    assert_eq!(office_on(&app, ids[2], on).await, Some(pudong));

    // Everything the filter matches (district 310115): the two already in
    // Minhang stay untouched, the other two move.
    c.get("/admin/enterprises?district=310115").await;
    let r = c
        .post_form(
            "/admin/enterprises/reassign",
            &[
                ("scope", "all"),
                ("district", "310115"),
                ("office_id", &minhang.to_string()),
                ("effective", &d0),
                ("reason", "浦东企业统一由闵行受理"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = c.get(r.header("location").unwrap()).await;
    assert!(
        page.body
            .contains("已调整 2 家企业的对口登记处；2 家原已对口该登记处"),
        "{}",
        page.body
    );
    for id in &ids {
        assert_eq!(office_on(&app, *id, on).await, Some(minhang));
    }
    assert_eq!(office_on(&app, other, on).await, Some(minhang));
    // Four moves, each in the enterprise's history; closed rows kept.
    assert_eq!(
        app.count("enterprise_history WHERE action = 'reassign'")
            .await,
        4
    );
    let closed = enterprise_assignment::Entity::find()
        .filter(enterprise_assignment::Column::ValidTo.is_not_null())
        .all(&app.state.core.db)
        .await
        .unwrap();
    assert_eq!(closed.len(), 4);
    assert!(closed.iter().all(|a| a.office_id == pudong));
    assert_eq!(
        app.count("audit_log WHERE action = 'enterprise.reassign'")
            .await,
        2
    );

    // A suspended office cannot receive enterprises.
    c.get("/admin/enterprises").await;
    sea_orm::ConnectionTrait::execute_unprepared(
        &app.state.core.db,
        &format!("UPDATE office SET status = 'suspended' WHERE id = {pudong}"),
    )
    .await
    .unwrap();
    let r = c
        .post_form(
            "/admin/enterprises/reassign",
            &[
                ("scope", "selected"),
                ("ids", &ids[0].to_string()),
                ("office_id", &pudong.to_string()),
                ("effective", &d0),
                ("reason", "回迁"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("目标登记处不存在或未处于正常状态"));
    assert_eq!(app.count("enterprise_assignment").await, 9);
}

#[tokio::test]
async fn enterprise_details_are_edited_with_a_version_check_and_kept_in_history() {
    let app = TestApp::spawn().await;
    app.create_office("310115", "浦东新区技术合同登记处").await;
    let id = enterprise(&app, "91310115000000301", "上海修改测试有限公司", "310115").await;
    let c = city_officer(&app).await;
    let path = format!("/admin/enterprises/{id}");
    c.get(&path).await;
    let r = c
        .post_form(
            &path,
            &[
                ("version", "0"),
                ("name", "沪"),
                ("district", "999999"),
                ("legal_form_code", "999"),
                ("contact_phone", &"1".repeat(31)),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    for m in [
        "请填写单位名称",
        "所在区无效",
        "请从列表中选择法人类型",
        "联系电话不能超过 30 个字",
    ] {
        assert!(r.body.contains(m), "{m}");
    }
    let fields = [
        ("version", "0"),
        ("name", "上海修改测试股份有限公司"),
        ("legal_form_code", "110"),
        ("district", "310115"),
        ("address", "上海市浦东新区示例路 1 号"),
        ("legal_rep", "张三"),
        ("contact_name", "李四"),
        ("contact_phone", "021-12345678"),
    ];
    let r = c.post_form(&path, &fields).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let e = enterprise::Entity::find_by_id(id)
        .one(&app.state.core.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.name, "上海修改测试股份有限公司");
    assert_eq!(e.legal_rep, "张三");
    assert_eq!(e.version, 1);
    // The same form again (version 0) is stale.
    c.get(&path).await;
    let r = c.post_form(&path, &fields).await;
    assert_eq!(r.status, 409);
    let page = c.get(&path).await;
    let history = page.text_of("#history").unwrap();
    assert!(history.contains("修改") && history.contains("上海修改测试股份有限公司"));
}

fn payload_of(page: &str) -> (String, String) {
    let html = scraper::Html::parse_document(page);
    let value = |name: &str| {
        html.select(&scraper::Selector::parse(&format!("#confirm input[name={name}]")).unwrap())
            .next()
            .and_then(|i| i.value().attr("value"))
            .unwrap_or_default()
            .to_owned()
    };
    (value("payload"), value("file_name"))
}

#[tokio::test]
async fn an_import_with_one_bad_row_writes_nothing_and_a_good_one_writes_all() {
    let app = TestApp::spawn().await;
    let pudong = app.create_office("310115", "浦东新区技术合同登记处").await;
    let xuhui = app.create_office("310104", "徐汇区技术合同登记处").await;
    let c = city_officer(&app).await;
    c.get("/admin/enterprises/import").await;

    // GBK, as Excel saves CSV on Chinese Windows; row 3 has a bad code and
    // an unknown district, row 4 repeats row 2's code.
    let a = code("91310115000000401");
    let b = code("91310104000000402");
    let text = format!(
        "统一社会信用代码,单位名称,所在区,对口登记处\n\
         {a},上海导入一有限公司,浦东新区,\n\
         91310115000000499,上海导入坏行有限公司,火星区,\n\
         {a},上海导入重复有限公司,310115,\n"
    );
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let r = c
        .post_file("/admin/enterprises/import", "file", "名单.csv", &gbk)
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let errors = r.text_of("#import-errors").unwrap();
    assert!(errors.contains("3统一社会信用代码应为 18 位"), "{errors}");
    assert!(errors.contains("所在区“火星区”不是上海市的区"), "{errors}");
    assert!(errors.contains("统一社会信用代码与第 2 行重复"), "{errors}");
    assert!(r.body.contains("未写入任何数据"));
    assert!(
        r.html()
            .select(&scraper::Selector::parse("#confirm").unwrap())
            .next()
            .is_none()
    );
    assert_eq!(app.count("enterprise").await, 0);

    // UTF-8 with full-width digits in the code; one row names its office.
    let full_width_a: String = a
        .chars()
        .map(|ch| {
            if ch.is_ascii_digit() {
                char::from_u32(ch as u32 + 0xFEE0).unwrap()
            } else {
                ch
            }
        })
        .collect();
    let text = format!(
        "信用代码,企业名称,法人类型,所在区,地址,法定代表人,联系电话,对口登记处\n\
         {full_width_a},上海导入一有限公司,有限责任公司,浦东新区,浦东路 1 号,王一,021-1,\n\
         {b},上海导入二有限公司,１６０,徐汇区,,,,SH310115\n"
    );
    let r = c
        .post_file(
            "/admin/enterprises/import",
            "file",
            "名单.csv",
            text.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.text_of("#import-summary")
            .is_some_and(|s| s.contains("新增 2 家") && s.contains("错误 0 行")),
        "{}",
        r.body
    );
    assert_eq!(app.count("enterprise").await, 0, "a preview writes nothing");
    let (payload, file_name) = payload_of(&r.body);
    let effective = today(&app).to_string();
    // The confirmed rows are checked again: a row changed since the preview,
    // or a bad date, writes nothing.
    let tampered = payload.replace("上海导入二有限公司", "");
    let r = c
        .post_form(
            "/admin/enterprises/import/confirm",
            &[
                ("payload", &tampered),
                ("file_name", &file_name),
                ("effective", &effective),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("单位名称应为 2–200 个字"), "{}", r.body);
    let r = c
        .post_form(
            "/admin/enterprises/import/confirm",
            &[
                ("payload", &payload),
                ("file_name", &file_name),
                ("effective", "明天"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请填写生效日期"));
    assert_eq!(app.count("enterprise").await, 0);
    let r = c
        .post_form(
            "/admin/enterprises/import/confirm",
            &[
                ("payload", &payload),
                ("file_name", &file_name),
                ("effective", &effective),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let on = today(&app);
    let find = |credit: String| {
        let db = app.state.core.db.clone();
        async move {
            enterprise::Entity::find()
                .filter(enterprise::Column::CreditCode.eq(credit))
                .one(&db)
                .await
                .unwrap()
                .unwrap()
        }
    };
    let ea = find(a.clone()).await;
    let eb = find(b.clone()).await;
    assert_eq!(ea.address, "浦东路 1 号");
    assert_eq!(ea.source, "import");
    assert_eq!(ea.legal_form_code.as_deref(), Some("150"));
    assert_eq!(eb.legal_form_code.as_deref(), Some("160"));
    assert_eq!(
        office_on(&app, ea.id, on).await,
        Some(pudong),
        "by district"
    );
    assert_eq!(
        office_on(&app, eb.id, on).await,
        Some(pudong),
        "named office"
    );
    assert_eq!(
        app.count("audit_log WHERE action = 'enterprise.import'")
            .await,
        1
    );

    // Again, with a new address and another office: an update and a move;
    // empty cells keep what was there.
    let text = format!(
        "统一社会信用代码,单位名称,地址,法定代表人,对口登记处\n\
         {a},上海导入一有限公司,浦东路 2 号,,徐汇区技术合同登记处\n"
    );
    let r = c
        .post_file(
            "/admin/enterprises/import",
            "file",
            "更新.csv",
            text.as_bytes(),
        )
        .await;
    assert!(
        r.text_of("#import-summary")
            .is_some_and(|s| s.contains("更新 1 家"))
    );
    let (payload, file_name) = payload_of(&r.body);
    let r = c
        .post_form(
            "/admin/enterprises/import/confirm",
            &[
                ("payload", &payload),
                ("file_name", &file_name),
                ("effective", &effective),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let ea = find(a.clone()).await;
    assert_eq!(ea.address, "浦东路 2 号");
    assert_eq!(ea.legal_rep, "王一");
    assert_eq!(office_on(&app, ea.id, on).await, Some(xuhui));
    assert_eq!(app.count("enterprise").await, 2);
}

#[tokio::test]
async fn import_files_that_cannot_be_read_are_refused_with_a_message() {
    let app = TestApp::spawn().await;
    let c = city_officer(&app).await;
    c.get("/admin/enterprises/import").await;
    let r = c
        .post_file("/admin/enterprises/import", "file", "空.csv", b"")
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请选择要导入的文件"));
    let r = c
        .post_file(
            "/admin/enterprises/import",
            "file",
            "表头.csv",
            "统一社会信用代码,单位名称\n".as_bytes(),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("文件中只有表头"));
    let r = c
        .post_file(
            "/admin/enterprises/import",
            "file",
            "缺列.csv",
            "名称,地址\n某公司,某地\n".as_bytes(),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("表头缺少“统一社会信用代码”列"));
    let text = format!(
        "统一社会信用代码,单位名称,法人类型\n{},上海某公司,火箭公司\n",
        code("91310115000000450")
    );
    let r = c
        .post_file(
            "/admin/enterprises/import",
            "file",
            "法人.csv",
            text.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("法人类型“火箭公司”不在数据字典中"),
        "{}",
        r.body
    );
    let r = c
        .post_file(
            "/admin/enterprises/import",
            "file",
            "坏.xlsx",
            b"PK\x03\x04broken",
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("无法读取 Excel 文件"));
    assert_eq!(app.count("enterprise").await, 0);
}

#[tokio::test]
async fn office_staff_see_only_their_office_s_enterprises_and_change_nothing() {
    let app = TestApp::spawn().await;
    let a = app.create_office("310110", "杨浦区技术合同登记处").await;
    app.create_office("310104", "徐汇区技术合同登记处").await;
    let mine = enterprise(&app, "91310110000000501", "杨浦本处企业", "310110").await;
    let theirs = enterprise(&app, "91310104000000502", "徐汇他处企业", "310104").await;
    app.create_user(
        "clerk",
        "13900110002",
        "office_clerk",
        Scope::Office(a),
        false,
    )
    .await;
    app.create_user(
        "rev",
        "13900110003",
        "office_reviewer",
        Scope::Office(a),
        false,
    )
    .await;
    let clerk = app.client();
    app.login(&clerk, "clerk", PASSWORD, "13900110002").await;
    let list = clerk.get("/admin/enterprises").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("杨浦本处企业") && !list.body.contains("徐汇他处企业"));
    assert!(
        !list.body.contains("批量调整"),
        "read-only for office staff"
    );
    assert_eq!(
        clerk
            .get(&format!("/admin/enterprises/{mine}"))
            .await
            .status,
        200
    );
    assert_eq!(
        clerk
            .get(&format!("/admin/enterprises/{theirs}"))
            .await
            .status,
        404
    );
    for path in [
        format!("/admin/enterprises/{mine}"),
        format!("/admin/enterprises/{mine}/reassign"),
        "/admin/enterprises/reassign".to_owned(),
        "/admin/enterprises/import/confirm".to_owned(),
    ] {
        let r = clerk
            .post_form(&path, &[("name", "改名"), ("version", "0")])
            .await;
        assert_eq!(r.status, 403, "{path}");
    }
    assert_eq!(clerk.get("/admin/enterprises/import").await.status, 403);
    // A reviewer has no business with enterprises at all.
    let rev = app.client();
    app.login(&rev, "rev", PASSWORD, "13900110003").await;
    assert_eq!(rev.get("/admin/enterprises").await.status, 403);
    assert_eq!(
        rev.get(&format!("/admin/enterprises/{mine}")).await.status,
        403
    );
}

#[tokio::test]
async fn an_industry_list_sends_new_enterprises_to_the_industry_office() {
    let app = TestApp::spawn().await;
    app.create_office("310115", "浦东新区技术合同登记处").await;
    let ic = org::create_office(
        &app.state.core.db,
        org::NewOffice {
            code: "SHIND02",
            name: "集成电路行业技术合同登记处",
            kind: org::KIND_INDUSTRY,
            district_code: None,
            address: "",
            phone: "",
            head_name: "",
            handles: "列入集成电路行业名单的企业",
        },
        app.state.core.clock.now(),
    )
    .await
    .unwrap()
    .id;
    app.create_user("sys", "13900110004", "system_admin", Scope::All, false)
        .await;
    let c = app.client();
    app.login(&c, "sys", PASSWORD, "13900110004").await;
    let path = format!("/admin/offices/{ic}");
    let page = c.get(&path).await;
    assert!(page.body.contains("列入集成电路行业名单的企业"));
    let listed = code("91310115000000601");
    let r = c
        .post_form(
            &format!("{path}/industry-list"),
            &[("codes", &format!("{listed}\n12345"))],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("第 2 行：统一社会信用代码应为 18 位"),
        "{}",
        r.body
    );
    assert_eq!(app.count("office_industry_member").await, 0);
    let r = c
        .post_form(
            &format!("{path}/industry-list"),
            &[("codes", &format!(" {listed} \n\n"))],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(app.count("office_industry_member").await, 1);
    assert_eq!(
        app.count("office_history WHERE action = 'industry_list'")
            .await,
        1
    );

    // Registering the listed enterprise assigns it to the industry office;
    // another Pudong enterprise still goes to Pudong.
    let listed_id = enterprise(&app, "91310115000000601", "上海芯片设计有限公司", "310115").await;
    let plain_id = enterprise(&app, "91310115000000602", "上海普通软件有限公司", "310115").await;
    let on = today(&app);
    assert_eq!(office_on(&app, listed_id, on).await, Some(ic));
    assert_ne!(office_on(&app, plain_id, on).await, Some(ic));
    let a = enterprise_assignment::Entity::find()
        .filter(enterprise_assignment::Column::EnterpriseId.eq(listed_id))
        .one(&app.state.core.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.reason, "按行业名单自动分配");
}

#[tokio::test]
async fn an_excel_list_is_imported_like_a_csv_one() {
    let app = TestApp::spawn().await;
    let pudong = app.create_office("310115", "浦东新区技术合同登记处").await;
    let c = city_officer(&app).await;
    c.get("/admin/enterprises/import").await;
    let credit = code("91310115000000801");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (col, h) in ["统一社会信用代码", "单位名称", "所在区", "联系电话"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, col as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, &credit).unwrap();
    sheet.write_string(1, 1, "上海表格导入有限公司").unwrap();
    sheet.write_string(1, 2, "310115").unwrap();
    // Typed as a number in Excel: must come back without ".0".
    sheet.write_number(1, 3, 13900130001.0).unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let r = c
        .post_file("/admin/enterprises/import", "file", "名单.xlsx", &bytes)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.text_of("#import-summary")
            .is_some_and(|s| s.contains("新增 1 家"))
    );
    let (payload, file_name) = payload_of(&r.body);
    let effective = today(&app).to_string();
    let r = c
        .post_form(
            "/admin/enterprises/import/confirm",
            &[
                ("payload", &payload),
                ("file_name", &file_name),
                ("effective", &effective),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let e = enterprise::Entity::find()
        .filter(enterprise::Column::CreditCode.eq(credit))
        .one(&app.state.core.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.contact_phone, "13900130001");
    assert_eq!(office_on(&app, e.id, today(&app)).await, Some(pudong));
}
