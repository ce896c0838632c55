//! The applicant's side of contract registration: an enterprise fills every
//! step over HTTP (with bad input at each), uploads, resumes, revisits,
//! submits to its responsible office, withdraws; another enterprise never
//! reaches the case; staff without the permission are refused. Ends with a
//! browser journey.

use std::time::Duration;

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use techreg::core::Scope;
use techreg_entities::contract::contract;
use techreg_entities::identity::app_user;
use techreg_entities::org::enterprise;
use techreg_tests::browser::{Browser, wait_for};
use techreg_tests::{PASSWORD, Resp, TestApp, TestClient};
use thirtyfour::components::SelectElement;
use thirtyfour::prelude::*;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR fake but typed";

/// Registers an enterprise user through the form, then does what the
/// approval of their claim does: user active, enterprise verified, the
/// enterprise admin role for the enterprise. Returns the client and the
/// enterprise id.
async fn verified_enterprise(
    app: &TestApp,
    username: &str,
    mobile: &str,
    base17: &str,
    name: &str,
    district: &str,
) -> (TestClient, i64) {
    let c = app
        .register_enterprise(username, mobile, base17, name, district)
        .await;
    let db = &app.state.core.db;
    let user = app_user::Entity::find()
        .filter(app_user::Column::Username.eq(username))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let eid = user.enterprise_id.unwrap();
    let mut u: app_user::ActiveModel = user.clone().into();
    u.status = Set("active".into());
    u.update(db).await.unwrap();
    let e = enterprise::Entity::find_by_id(eid)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let mut e: enterprise::ActiveModel = e.into();
    e.status = Set("verified".into());
    e.update(db).await.unwrap();
    techreg::identity::assign_role(
        db,
        app.state.keys.as_ref(),
        user.id,
        "enterprise_admin",
        Scope::Enterprise(eid),
        None,
        app.state.core.clock.now(),
    )
    .await
    .unwrap();
    (c, eid)
}

async fn row(app: &TestApp, id: i64) -> contract::Model {
    contract::Entity::find_by_id(id)
        .one(&app.state.core.db)
        .await
        .unwrap()
        .unwrap()
}

/// An upload as the step-5 form sends it: multipart, CSRF token in the query.
async fn upload(
    c: &TestClient,
    id: i64,
    version: &str,
    kind: &str,
    name: &str,
    bytes: &[u8],
) -> Resp {
    c.get(&format!("/my/contracts/{id}/step/5")).await;
    let token = c.csrf_token().unwrap();
    let form = reqwest::multipart::Form::new()
        .text("version", version.to_owned())
        .text("kind", kind.to_owned())
        .text("op", "upload")
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned()),
        );
    c.send(
        c.request(
            reqwest::Method::POST,
            &format!("/my/contracts/{id}/step/5?csrf_token={token}"),
        )
        .multipart(form),
    )
    .await
}

async fn remove_upload(c: &TestClient, id: i64, version: &str, aid: i64) -> Resp {
    let token = c.csrf_token().unwrap();
    let form = reqwest::multipart::Form::new()
        .text("version", version.to_owned())
        .text("op", format!("remove:{aid}"));
    c.send(
        c.request(
            reqwest::Method::POST,
            &format!("/my/contracts/{id}/step/5?csrf_token={token}"),
        )
        .multipart(form),
    )
    .await
}

fn credit(base17: &str) -> String {
    format!("{base17}{}", techreg::identity::credit_check_char(base17))
}

#[tokio::test]
async fn an_enterprise_fills_every_step_submits_and_withdraws() {
    let app = TestApp::spawn().await;
    let (a, eid) = verified_enterprise(
        &app,
        "apply_a",
        "13900140001",
        "91310110MA1APPA01",
        "上海申请甲科技有限公司",
        "310110",
    )
    .await;
    let (b, _) = verified_enterprise(
        &app,
        "apply_b",
        "13900140002",
        "91310104MA1APPB01",
        "上海申请乙科技有限公司",
        "310104",
    )
    .await;

    // Navigation and the empty list.
    let list = a.get("/my/contracts").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("我的申请") && list.body.contains(r#"href="/my/contracts""#));
    let r = a.post_form("/my/contracts", &[]).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/my/contracts/1/step/1"));
    let c = row(&app, 1).await;
    assert_eq!((c.status.as_str(), c.steps_done), ("draft", 0));
    assert!(!c.approval_code.is_empty());
    let r = a.get("/my/contracts/1").await;
    assert_eq!(r.header("location"), Some("/my/contracts/1/step/1"));

    // Step 1: bad input is refused with messages, nothing saved.
    let page = a.get("/my/contracts/1/step/1").await;
    assert!(page.body.contains(&c.approval_code), "code on every page");
    let r = a
        .post_form(
            "/my/contracts/1/step/1",
            &[
                ("version", "0"),
                ("category", "licence"),
                ("subtype", "entrusted"),
                ("name", ""),
                ("signed_on", "2026-03-01"),
                ("valid_from", "2026-02-01"),
                ("valid_to", "2026-13-01"),
                ("applicant_side", "seller"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    for m in [
        "请选择该类别下的具体类型",
        "请填写合同名称",
        "有效期起始日期不能早于签订日期",
        "日期格式应为",
    ] {
        assert!(r.body.contains(m), "{m}");
    }
    assert_eq!(row(&app, 1).await.steps_done, 0);
    assert_eq!(row(&app, 1).await.version, 0);
    // Changing the category re-renders the sub-types without saving.
    let r = a
        .htmx_post(
            "/my/contracts/1/step/1",
            &[
                ("version", "0"),
                ("op", "refresh"),
                ("category", "licence"),
                ("name", "保留的名称"),
            ],
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("专利实施许可") && r.body.contains("保留的名称"));
    assert!(!r.body.contains("委托开发"));
    assert!(!r.body.contains("<html"), "a fragment for htmx");
    let basics = [
        ("version", "0"),
        ("category", "licence"),
        ("subtype", "patent"),
        ("name", "视觉检测专利实施许可合同"),
        ("contract_number", "HT-2026-001"),
        ("signed_on", "2026-03-01"),
        ("valid_from", "2026-03-01"),
        ("valid_to", "2030-12-31"),
        ("applicant_side", "seller"),
    ];
    let r = a.post_form("/my/contracts/1/step/1", &basics).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/my/contracts/1/step/2"));
    let c = row(&app, 1).await;
    assert_eq!((c.steps_done, c.version), (1, 1));

    // Step 2: the applicant's enterprise is prefilled as the first party.
    let page = a.get("/my/contracts/1/step/2").await;
    assert!(page.body.contains("上海申请甲科技有限公司"));
    assert!(page.body.contains(&credit("91310110MA1APPA01")));
    let own_code = credit("91310110MA1APPA01");
    let r = a
        .post_form(
            "/my/contracts/1/step/2",
            &[
                ("version", "1"),
                ("parties.0.role", "seller"),
                ("parties.0.name", "上海申请甲科技有限公司"),
                ("parties.0.credit_code", "12345"),
                ("parties.0.region", "310110"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("至少填写一个买方"));
    assert!(r.body.contains(r#"id="f-parties-0-credit_code-error""#));
    assert_eq!(app.count("contract_party").await, 0);
    assert_eq!(row(&app, 1).await.steps_done, 1);
    // "添加当事人" without JS: the same form with one more row.
    let r = a
        .post_form(
            "/my/contracts/1/step/2",
            &[
                ("version", "1"),
                ("op", "add"),
                ("parties.0.role", "seller"),
                ("parties.0.name", "上海申请甲科技有限公司"),
            ],
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains(r#"name="parties.1.name""#));
    assert!(!r.body.contains(r#"name="parties.2.name""#));
    let r = a
        .post_form(
            "/my/contracts/1/step/2",
            &[
                ("version", "1"),
                ("parties.0.role", "seller"),
                ("parties.0.name", "上海申请甲科技有限公司"),
                ("parties.0.credit_code", &own_code),
                ("parties.0.region", "310110"),
                ("parties.0.legal_form", "150"),
                ("parties.1.role", "buyer"),
                ("parties.1.name", "上海乙制造有限公司"),
                ("parties.1.region", "310104"),
                ("parties.1.legal_form", "160"),
                ("parties.1.contact", "王经理 021-12345678"),
                ("parties.2.role", "other"),
                ("parties.2.name", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/my/contracts/1/step/3"));
    assert_eq!(app.count("contract_party").await, 2, "blank rows dropped");

    // Step 3: amounts.
    let r = a
        .post_form(
            "/my/contracts/1/step/3",
            &[
                ("version", "2"),
                ("deal_amount", "一百万"),
                ("deductions.0.item", "设备"),
                ("deductions.0.amount", "200000"),
                ("payment_method", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请选择支付方式"));
    assert!(r.body.contains(r#"id="f-deal_amount-error""#));
    let r = a
        .post_form(
            "/my/contracts/1/step/3",
            &[
                ("version", "2"),
                ("deal_amount", "100000"),
                ("deductions.0.item", "设备"),
                ("deductions.0.amount", "200000"),
                ("payment_method", "lump_sum"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("非技术性费用合计超过成交额"));
    assert_eq!(app.count("contract_deduction").await, 0);
    assert_eq!(row(&app, 1).await.steps_done, 0b11);
    // The technology amount, recomputed without saving.
    let r = a
        .htmx_post(
            "/my/contracts/1/step/3",
            &[
                ("version", "2"),
                ("op", "refresh"),
                ("deal_amount", "1,000,000"),
                ("deductions.0.item", "设备"),
                ("deductions.0.amount", "200000.50"),
            ],
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("799,999.50"), "{}", r.body);
    let r = a
        .post_form(
            "/my/contracts/1/step/3",
            &[
                ("version", "2"),
                ("deal_amount", "1,000,000"),
                ("deductions.0.item", "设备"),
                ("deductions.0.amount", "200000.50"),
                ("payment_method", "instalments"),
                ("payment_schedule", "签约后付 50%，验收后付 50%"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let c = row(&app, 1).await;
    assert_eq!(
        (c.deal_amount, c.tech_amount),
        (Some(100_000_000), Some(79_999_950))
    );

    // Step 4: a licence needs its IP items.
    let tech = [
        ("version", "3"),
        ("tech_field", "01"),
        ("project_leader", "张工"),
        ("leader_phone", "13800000000"),
        (
            "summary",
            "许可被许可方实施基于机器视觉的零件表面缺陷在线检测专利技术并提供技术资料。",
        ),
    ];
    let r = a.post_form("/my/contracts/1/step/4", &tech).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("技术转让、技术许可合同须填写所涉知识产权"));
    let mut short = tech.to_vec();
    short[4] = ("summary", "太短");
    short.push(("ip_items.0.ip_type", "02"));
    short.push(("ip_items.0.number", ""));
    short.push(("ip_items.0.owner", "上海申请甲科技有限公司"));
    let r = a.post_form("/my/contracts/1/step/4", &short).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("不少于 20 个字"));
    assert!(r.body.contains("请填写知识产权编号"));
    assert_eq!(app.count("contract_ip").await, 0);
    let mut good = tech.to_vec();
    good.push(("ip_items.0.ip_type", "02"));
    good.push(("ip_items.0.number", "ZL202410000001.X"));
    good.push(("ip_items.0.owner", "上海申请甲科技有限公司"));
    let r = a.post_form("/my/contracts/1/step/4", &good).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/my/contracts/1/step/5"));
    assert_eq!(app.count("contract_ip").await, 1);
    assert_eq!(row(&app, 1).await.steps_done, 0b1111);

    // Resuming at the first unfinished step; the review lists what is missing.
    let r = a.get("/my/contracts/1").await;
    assert_eq!(r.header("location"), Some("/my/contracts/1/step/5"));
    let review = a.get("/my/contracts/1/step/6").await;
    assert_eq!(review.status, 200);
    assert!(review.body.contains("请上传合同文本扫描件"));
    assert!(review.body.contains(r#"href="/my/contracts/1/step/5""#));
    assert!(review.body.contains("799,999.50 元"));

    // Step 5: wrong type, too large, empty: each refused, nothing stored.
    let r = upload(
        &a,
        1,
        "4",
        "contract",
        "contract.exe",
        b"MZ\x90\x00 not a pdf",
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("只接受 PDF、PNG 或 JPEG 文件"));
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(techreg::files::MAX_BYTES + 1, b' ');
    let r = upload(&a, 1, "4", "contract", "big.pdf", &big).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("文件超过 20 MB"), "{}", r.status);
    let r = upload(&a, 1, "4", "contract", "empty.pdf", b"").await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请选择要上传的文件"));
    assert_eq!(app.count("contract_attachment").await, 0);
    assert_eq!(app.count("stored_file").await, 0);
    assert_eq!(row(&app, 1).await.steps_done, 0b1111);
    let r = upload(&a, 1, "4", "contract", "合同扫描件.pdf", PDF).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = upload(&a, 1, "5", "proof", "certificate.png", PNG).await;
    assert_eq!(r.status, 303);
    assert_eq!(app.count("contract_attachment").await, 2);
    let page = a.get("/my/contracts/1/step/5").await;
    assert!(page.body.contains("合同扫描件.pdf") && page.body.contains("certificate.png"));
    let r = remove_upload(&a, 1, "6", 2).await;
    assert_eq!(r.status, 303);
    assert_eq!(app.count("contract_attachment").await, 1);
    let file = a.get("/my/contracts/1/attachments/1").await;
    assert_eq!(file.status, 200);
    assert_eq!(file.body.as_bytes(), PDF);

    // Revisiting a step shows what was saved; a stale version is refused.
    let page = a.get("/my/contracts/1/step/1").await;
    assert!(page.body.contains("视觉检测专利实施许可合同"));
    assert!(page.body.contains("第 4 步 技术内容 ✓"));
    let r = a.post_form("/my/contracts/1/step/1", &basics).await;
    assert_eq!(r.status, 409);

    // Another enterprise never reaches the case.
    b.get("/my/contracts").await;
    for path in [
        "/my/contracts/1".to_owned(),
        "/my/contracts/1/attachments/1".to_owned(),
    ]
    .into_iter()
    .chain((1..=6).map(|n| format!("/my/contracts/1/step/{n}")))
    {
        assert_eq!(b.get(&path).await.status, 404, "GET {path}");
    }
    b.get("/my/contracts").await;
    for path in [
        "/my/contracts/1/step/1",
        "/my/contracts/1/step/6",
        "/my/contracts/1/withdraw",
    ] {
        let r = b.post_form(path, &[("version", "7"), ("name", "x")]).await;
        assert_eq!(r.status, 404, "POST {path}");
    }
    let r = upload(&b, 1, "7", "contract", "x.pdf", PDF).await;
    assert_eq!(r.status, 404, "upload");
    assert!(!b.get("/my/contracts").await.body.contains("视觉检测专利"));
    assert_eq!(row(&app, 1).await.version, 7);

    // Submission: the declaration is required; no office serves A yet.
    let r = a
        .post_form("/my/contracts/1/step/6", &[("version", "7")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请阅读并勾选申报声明"));
    let r = a
        .post_form(
            "/my/contracts/1/step/6",
            &[("version", "7"), ("declaration", "1")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请联系市技术市场办公室"));
    assert_eq!(row(&app, 1).await.status, "draft");

    let office = app.create_office("310110", "杨浦区技术合同登记处").await;
    let now = app.state.core.clock.now();
    techreg::org::assign(
        &app.state.core.db,
        eid,
        office,
        techreg::core::clock::shanghai_date(now),
        "测试",
        "test",
        now,
    )
    .await
    .unwrap();
    app.create_user(
        "apply_clerk",
        "13900140009",
        "office_clerk",
        Scope::Office(office),
        false,
    )
    .await;
    let r = a
        .post_form(
            "/my/contracts/1/step/6",
            &[("version", "7"), ("declaration", "1")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/my/contracts/1"));
    let c = row(&app, 1).await;
    assert_eq!(c.status, "submitted");
    assert_eq!(c.office_id, Some(office));
    assert!(c.stage_deadline.is_some() && c.assigned_user_id.is_some());
    assert_eq!(c.round, 1);
    // The same submission again (double click, second tab): one effect.
    let r = a
        .post_form(
            "/my/contracts/1/step/6",
            &[("version", "7"), ("declaration", "1")],
        )
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(app.count("contract_event").await, 1);
    assert_eq!(app.count("contract_snapshot").await, 1);

    // The read-only page: status, deadline, timeline; the list's next step.
    let page = a.get("/my/contracts/1").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.text_of("#status").unwrap(), "待受理");
    assert_eq!(
        page.text_of("#deadline").unwrap(),
        c.stage_deadline.unwrap().to_string()
    );
    assert!(page.text_of("#timeline").unwrap().contains("草稿 → 待受理"));
    let list = a.get("/my/contracts").await;
    assert!(list.body.contains("等待受理") && list.body.contains(&c.approval_code));
    let r = a.get("/my/contracts/1/step/2").await;
    assert_eq!(r.header("location"), Some("/my/contracts/1"));

    // Staff without the applicant's permission are refused.
    let clerk = app.client();
    app.login(&clerk, "apply_clerk", PASSWORD, "13900140009")
        .await;
    assert_eq!(clerk.get("/my/contracts").await.status, 403);
    assert_eq!(clerk.get("/my/contracts/1").await.status, 403);

    // Returned for correction (here by the system, the office's screens come
    // later): the comments of the round sit beside their fields.
    techreg::contracts::service::act(
        &app.state,
        None,
        1,
        8,
        techreg::contracts::state::Action::Return,
        techreg::contracts::service::ActInput {
            reason: "请补正".into(),
            comments: vec![
                ("name".into(), "合同名称与合同文本封面不一致".into()),
                ("parties.1.name".into(), "买方名称请填写全称".into()),
            ],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let r = a.get("/my/contracts/1").await;
    assert_eq!(r.header("location"), Some("/my/contracts/1/step/6"));
    assert!(a.get("/my/contracts").await.body.contains("请补正"));
    let review = a.get("/my/contracts/1/step/6").await;
    assert!(
        review
            .text_of("#review-comments")
            .unwrap()
            .contains("买方名称请填写全称")
    );
    let page = a.get("/my/contracts/1/step/1").await;
    let html = page.html();
    let sel = scraper::Selector::parse("#f-name ~ p.comment").unwrap();
    assert_eq!(
        html.select(&sel)
            .next()
            .map(|e| e.text().collect::<String>()),
        Some("审查意见：合同名称与合同文本封面不一致".into())
    );
    assert!(
        !page.body.contains("买方名称请填写全称"),
        "step 2's comment"
    );
    let page = a.get("/my/contracts/1/step/2").await;
    assert!(page.body.contains("审查意见：买方名称请填写全称"));
    let mut corrected = basics.to_vec();
    corrected[0] = ("version", "9");
    corrected[3] = ("name", "视觉检测专利实施许可合同（修订）");
    let r = a.post_form("/my/contracts/1/step/1", &corrected).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = a
        .post_form(
            "/my/contracts/1/step/6",
            &[("version", "10"), ("declaration", "1")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let c = row(&app, 1).await;
    assert_eq!((c.status.as_str(), c.round), ("submitted", 2));
    assert_eq!(app.count("contract_snapshot").await, 2);

    // Withdrawal before acceptance, with the version; only once.
    a.get("/my/contracts/1").await;
    let r = a
        .post_form("/my/contracts/1/withdraw", &[("version", "10")])
        .await;
    assert_eq!(r.status, 409, "stale version");
    let r = a
        .post_form("/my/contracts/1/withdraw", &[("version", "11")])
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(row(&app, 1).await.status, "withdrawn");
    let r = a
        .post_form("/my/contracts/1/withdraw", &[("version", "12")])
        .await;
    assert_eq!(r.status, 409);
    let page = a.get("/my/contracts/1").await;
    let timeline = page.text_of("#timeline").unwrap();
    for step in [
        "草稿 → 待受理",
        "待受理 → 退回补正",
        "退回补正 → 待受理",
        "待受理 → 已撤回",
    ] {
        assert!(timeline.contains(step), "{step} in {timeline}");
    }
    assert!(page.body.contains("已撤回"));

    // Smart filling: a new draft offers the earlier counterparty and leader.
    let r = a.post_form("/my/contracts", &[]).await;
    assert_eq!(r.header("location"), Some("/my/contracts/2/step/1"));
    let page = a.get("/my/contracts/2/step/2").await;
    assert!(page.body.contains("从历史合同填入"));
    assert!(page.body.contains("上海乙制造有限公司"));
    let r = a
        .post_form(
            "/my/contracts/2/step/2",
            &[
                ("version", "0"),
                ("op", "history:0"),
                ("parties.0.role", "seller"),
                ("parties.0.name", "上海申请甲科技有限公司"),
            ],
        )
        .await;
    assert_eq!(r.status, 200);
    let html = r.html();
    let sel = scraper::Selector::parse(r#"input[name="parties.1.name"]"#).unwrap();
    assert_eq!(
        html.select(&sel).next().unwrap().value().attr("value"),
        Some("上海乙制造有限公司")
    );
    assert!(r.body.contains("王经理 021-12345678"));
    let page = a.get("/my/contracts/2/step/4").await;
    assert!(page.body.contains("张工 13800000000"));
    let r = a
        .post_form(
            "/my/contracts/2/step/4",
            &[("version", "0"), ("op", "history:0")],
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains(r#"value="张工""#));
    assert_eq!(row(&app, 2).await.steps_done, 0, "filling saves nothing");
}

async fn fill(d: &WebDriver, name: &str, value: &str) {
    let el = d.find(By::Css(format!("[name='{name}']"))).await.unwrap();
    el.clear().await.unwrap();
    el.send_keys(value).await.unwrap();
}

async fn choose(d: &WebDriver, name: &str, value: &str) {
    let select = SelectElement::new(
        &d.find(By::Css(format!("select[name='{name}']")))
            .await
            .unwrap(),
    )
    .await
    .unwrap();
    select.select_by_value(value).await.unwrap();
}

async fn click(d: &WebDriver, css: &str) {
    d.find(By::Css(css)).await.unwrap().click().await.unwrap();
}

/// Waits until the page shows step `n` of the form.
async fn at_step(d: &WebDriver, n: u8) {
    for _ in 0..150 {
        if d.current_url()
            .await
            .unwrap()
            .path()
            .ends_with(&format!("/step/{n}"))
            && !d.find_all(By::Css("#apply")).await.unwrap().is_empty()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("step {n} reached");
}

#[tokio::test]
async fn in_the_browser_an_application_is_filled_returned_corrected_and_registered() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let office = app.create_office("310115", "浦东新区技术合同登记处").await;
    for (name, mobile, role, scope) in [
        (
            "web_clerk",
            "13900140201",
            "office_clerk",
            Scope::Office(office),
        ),
        (
            "web_reviewer",
            "13900140202",
            "office_reviewer",
            Scope::Office(office),
        ),
        ("web_city", "13900140203", "city_officer", Scope::All),
    ] {
        app.create_user(name, mobile, role, scope, false).await;
    }
    let (_, _) = verified_enterprise(
        &app,
        "apply_web",
        "13900140101",
        "91310115MA1APPW01",
        "上海浏览器申请有限公司",
        "310115",
    )
    .await;
    let d = &browser.driver;
    app.state.core.clock.advance(chrono::Duration::seconds(61));
    d.goto(app.url("/login")).await.unwrap();
    fill(d, "username", "apply_web").await;
    fill(d, "password", PASSWORD).await;
    click(d, "#login button[type=submit]").await;
    wait_for(d, "#verify-factor").await;
    let code = app.last_sms_code("13900140101").await;
    fill(d, "code", &code).await;
    click(d, "#verify-factor button[type=submit]").await;
    wait_for(d, ".work-body").await;

    d.find(By::LinkText("我的申请"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(d, "#my-contracts").await;
    click(d, "#my-contracts form button[type=submit]").await;
    at_step(d, 1).await;

    // Choosing the category refreshes the sub-types through htmx.
    choose(d, "category", "development").await;
    wait_for(d, "select[name='subtype'] option[value='cooperative']").await;
    choose(d, "subtype", "entrusted").await;
    fill(d, "name", "智能检测系统委托开发合同").await;
    for (name, v) in [
        ("signed_on", "2026-03-01"),
        ("valid_from", "2026-03-01"),
        ("valid_to", "2030-12-31"),
    ] {
        // Date inputs take the value through script, as typing depends on locale.
        d.execute(
            "document.querySelector(`[name='${arguments[0]}']`).value = arguments[1]",
            vec![serde_json::json!(name), serde_json::json!(v)],
        )
        .await
        .unwrap();
    }
    browser.screenshot("apply-01-basics").await;
    click(d, "#step-form .actions button[value='save']").await;
    at_step(d, 2).await;

    // The own enterprise is prefilled; add the buyer with the htmx row.
    let first = wait_for(d, "[name='parties.0.name']").await;
    assert_eq!(
        first.value().await.unwrap().as_deref(),
        Some("上海浏览器申请有限公司")
    );
    // Saving an empty added row: it is dropped, and the buyer is missing.
    click(d, "#step-form button[value='add']").await;
    wait_for(d, "[name='parties.1.name']").await;
    click(d, "#step-form .actions button[value='save']").await;
    let error = wait_for(d, "#error-parties").await;
    assert!(error.text().await.unwrap().contains("至少填写一个买方"));
    browser.screenshot("apply-02-parties-error").await;
    click(d, "#step-form button[value='add']").await;
    wait_for(d, "[name='parties.1.name']").await;
    choose(d, "parties.1.role", "buyer").await;
    fill(d, "parties.1.name", "上海买方制造有限公司").await;
    choose(d, "parties.1.region", "310104").await;
    choose(d, "parties.0.legal_form", "150").await;
    click(d, "#step-form .actions button[value='save']").await;
    at_step(d, 3).await;

    fill(d, "deal_amount", "500000").await;
    click(d, "#step-form button[value='add']").await;
    wait_for(d, "[name='deductions.0.item']").await;
    fill(d, "deductions.0.item", "设备").await;
    fill(d, "deductions.0.amount", "100000").await;
    choose(d, "payment_method", "lump_sum").await;
    click(d, "#step-form button[value='refresh']").await;
    let mut shown = String::new();
    for _ in 0..100 {
        // The element is replaced by each swap: look it up afresh.
        if let Ok(el) = d.find(By::Css("#tech-amount")).await
            && let Ok(t) = el.text().await
        {
            shown = t;
            if shown.contains("400,000.00") {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(shown.contains("400,000.00"), "{shown}");
    browser.screenshot("apply-03-amounts").await;
    click(d, "#step-form .actions button[value='save']").await;
    at_step(d, 4).await;

    choose(d, "tech_field", "01").await;
    fill(d, "project_leader", "李工").await;
    fill(
        d,
        "summary",
        "研制一套基于机器视觉的零件表面缺陷在线检测系统并交付源代码和使用培训。",
    )
    .await;
    click(d, "#step-form .actions button[value='save']").await;
    at_step(d, 5).await;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("contract.pdf");
    std::fs::write(&path, PDF).unwrap();
    choose(d, "kind", "contract").await;
    d.find(By::Css("input[type=file]"))
        .await
        .unwrap()
        .send_keys(path.to_str().unwrap())
        .await
        .unwrap();
    click(d, "#upload button[type=submit]").await;
    wait_for(d, "#attachments a[href$='/attachments/1']").await;
    d.find(By::LinkText("下一步：核对并提交"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    at_step(d, 6).await;
    wait_for(d, "#ready").await;
    click(d, "#submit-form input[name='declaration']").await;
    browser.screenshot("apply-04-review").await;
    click(d, "#submit-form button[type=submit]").await;
    let status = wait_for(d, "#deadline").await;
    assert!(!status.text().await.unwrap().is_empty());
    assert_eq!(
        d.find(By::Css("#status"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "待受理"
    );
    browser.screenshot("apply-05-submitted").await;
    assert_eq!(row(&app, 1).await.status, "submitted");

    // The clerk returns it with a comment on the contract name.
    staff_sign_in(&app, d, "web_clerk", "13900140201").await;
    d.goto(app.url("/review/contracts/1")).await.unwrap();
    wait_for(d, "#case").await;
    click(d, "#panel-return summary").await;
    fill(d, "comment_name", "合同名称应与合同文本首页一致").await;
    click(d, "#panel-return button[type=submit]").await;
    wait_for(d, "#case[data-status='returned'] #notice").await;
    browser.screenshot("apply-06-returned").await;

    // The applicant sees the comment beside the field and corrects it.
    staff_sign_in(&app, d, "apply_web", "13900140101").await;
    d.goto(app.url("/my/contracts/1")).await.unwrap();
    at_step(d, 6).await;
    let comments = wait_for(d, "#review-comments").await;
    assert!(
        comments
            .text()
            .await
            .unwrap()
            .contains("合同名称应与合同文本首页一致")
    );
    d.goto(app.url("/my/contracts/1/step/1")).await.unwrap();
    at_step(d, 1).await;
    let beside = wait_for(d, "#f-name ~ p.comment").await;
    assert!(
        beside
            .text()
            .await
            .unwrap()
            .contains("合同名称应与合同文本首页一致")
    );
    fill(d, "name", "智能检测系统（二期）委托开发合同").await;
    click(d, "#step-form .actions button[value='save']").await;
    at_step(d, 2).await;
    d.goto(app.url("/my/contracts/1/step/6")).await.unwrap();
    at_step(d, 6).await;
    wait_for(d, "#ready").await;
    click(d, "#submit-form input[name='declaration']").await;
    click(d, "#submit-form button[type=submit]").await;
    wait_for(d, "#deadline").await;
    assert_eq!(row(&app, 1).await.round, 2);

    // Accepted again; the reviewer sees what changed and proposes
    // registration; the city office registers it.
    staff_sign_in(&app, d, "web_clerk", "13900140201").await;
    d.goto(app.url("/review/contracts/1")).await.unwrap();
    use_panel(d, "accept", None, "reviewing").await;
    staff_sign_in(&app, d, "web_reviewer", "13900140202").await;
    d.goto(app.url("/review/contracts/1")).await.unwrap();
    let changed = wait_for(d, "#changed-fields").await.text().await.unwrap();
    assert!(
        changed.contains("智能检测系统委托开发合同")
            && changed.contains("智能检测系统（二期）委托开发合同"),
        "{changed}"
    );
    browser.screenshot("apply-07-diff").await;
    use_panel(
        d,
        "propose_register",
        Some("符合技术开发合同认定条件"),
        "pending_approval",
    )
    .await;
    staff_sign_in(&app, d, "web_city", "13900140203").await;
    d.goto(app.url("/review/contracts/1")).await.unwrap();
    use_panel(d, "approve", None, "registered").await;

    // The applicant finds the certificate on the application's page.
    staff_sign_in(&app, d, "apply_web", "13900140101").await;
    d.goto(app.url("/my/contracts/1")).await.unwrap();
    let link = wait_for(d, "#certificate-link").await;
    assert_eq!(
        link.attr("href").await.unwrap().as_deref(),
        Some("/contracts/1/certificate.pdf")
    );
    assert!(
        wait_for(d, "#registration-number")
            .await
            .text()
            .await
            .unwrap()
            .starts_with("2026SH310115")
            || row(&app, 1).await.registration_number.is_some()
    );
    browser.screenshot("apply-08-registered").await;
    browser.quit().await;
}

/// Signs in through the forms (the code from the SMS), after signing out.
async fn staff_sign_in(app: &TestApp, d: &WebDriver, username: &str, mobile: &str) {
    d.delete_all_cookies().await.unwrap();
    app.state.core.clock.advance(chrono::Duration::seconds(61));
    d.goto(app.url("/login")).await.unwrap();
    fill(d, "username", username).await;
    fill(d, "password", PASSWORD).await;
    click(d, "#login button[type=submit]").await;
    wait_for(d, "#verify-factor").await;
    let code = app.last_sms_code(mobile).await;
    fill(d, "code", &code).await;
    click(d, "#verify-factor button[type=submit]").await;
    wait_for(d, ".work-body").await;
}

/// Opens an action panel of the case page, gives the reason, submits, and
/// waits for the case to reach `status`.
async fn use_panel(d: &WebDriver, key: &str, reason: Option<&str>, status: &str) {
    click(d, &format!("#panel-{key} summary")).await;
    if let Some(text) = reason {
        d.find(By::Css(format!("#panel-{key} textarea[name=reason]")))
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }
    click(d, &format!("#panel-{key} button[type=submit]")).await;
    wait_for(d, &format!("#case[data-status='{status}'] #notice")).await;
}
