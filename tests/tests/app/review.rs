//! Review of contract applications by registration offices and the city
//! office: queues per office, acceptance, return with field comments and
//! the diff after correction, expert review, proposals with an adjusted
//! amount, large contracts, approval one by one and in batches, refusals,
//! two reviewers at once, bad input, and a browser journey.
//!
//! Applications are made as an enterprise user makes them: through the
//! contract service functions, with the user's own grants.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use techreg::contracts::service;
use techreg::core::Caller;
use techreg::core::Scope;
use techreg_entities::contract::{comment, contract, event};
use techreg_tests::application::{self, Application};
use techreg_tests::browser::{Browser, sign_in, wait_for};
use techreg_tests::{PASSWORD, TestApp, TestClient};
use thirtyfour::prelude::*;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
const PROOF: &[u8] = b"%PDF-1.7\n% authorisation letter\n%%EOF\n";

const YANGPU: &str = "310110";
const XUHUI: &str = "310104";

/// Two offices with their staff, the city office, and a verified
/// enterprise of office A.
struct World {
    app: TestApp,
    office_a: i64,
    enterprise_user: String,
    credit_code: String,
}

/// (username, mobile, role, office A or B, None for the city)
const STAFF: &[(&str, &str, &str, Option<bool>)] = &[
    ("clerk_a", "13900070001", "office_clerk", Some(true)),
    ("reviewer_a", "13900070002", "office_reviewer", Some(true)),
    (
        "large_a",
        "13900070003",
        "office_large_approver",
        Some(true),
    ),
    ("head_a", "13900070004", "office_head", Some(true)),
    ("clerk_a2", "13900070005", "office_clerk", Some(true)),
    ("reviewer_a2", "13900070006", "office_reviewer", Some(true)),
    ("clerk_b", "13900070011", "office_clerk", Some(false)),
    ("reviewer_b", "13900070012", "office_reviewer", Some(false)),
    ("city", "13900070021", "city_officer", None),
];

fn mobile_of(username: &str) -> &'static str {
    STAFF.iter().find(|s| s.0 == username).unwrap().1
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let office_a = app.create_office(YANGPU, "杨浦区技术合同登记处").await;
    let office_b = app.create_office(XUHUI, "徐汇区技术合同登记处").await;
    for (username, mobile, role, office) in STAFF {
        let scope = match office {
            Some(true) => Scope::Office(office_a),
            Some(false) => Scope::Office(office_b),
            None => Scope::All,
        };
        app.create_user(username, mobile, role, scope, false).await;
    }
    let base17 = "91310110MA1RECW01";
    let credit_code = format!("{base17}{}", techreg::identity::credit_check_char(base17));
    let ent = app
        .register_enterprise(
            "seller",
            "13900070030",
            base17,
            "上海审查测试科技有限公司",
            YANGPU,
        )
        .await;
    let r = app.upload_claim(&ent, Some(PDF), Some(PROOF)).await;
    assert_eq!(r.status, 303);
    let city = staff(&app, "city").await;
    let page = city.get("/review/claims/1").await;
    let version = input_value(&page.body, "version");
    let r = city
        .post_form("/review/claims/1/approve", &[("version", &version)])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    // The city officer signs in again in the tests: a new SMS code.
    app.state.core.clock.advance(chrono::Duration::seconds(61));
    World {
        app,
        office_a,
        enterprise_user: "seller".into(),
        credit_code,
    }
}

async fn staff(app: &TestApp, username: &str) -> TestClient {
    let c = app.client();
    let r = app.login(&c, username, PASSWORD, mobile_of(username)).await;
    assert_eq!(r.status, 303, "{username} signs in");
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

/// The enterprise user as the service sees a signed-in request.
async fn applicant(app: &TestApp, username: &str) -> Caller {
    techreg_tests::application::auth_user(app, username).await
}

async fn load(app: &TestApp, id: i64) -> contract::Model {
    contract::Entity::find_by_id(id)
        .one(&app.state.core.db)
        .await
        .unwrap()
        .unwrap()
}

async fn events(app: &TestApp, id: i64) -> Vec<event::Model> {
    event::Entity::find()
        .filter(event::Column::ContractId.eq(id))
        .order_by_asc(event::Column::Id)
        .all(&app.state.core.db)
        .await
        .unwrap()
}

fn today(app: &TestApp) -> chrono::NaiveDate {
    techreg::core::clock::shanghai_date(app.state.core.clock.now())
}

/// A complete application, filled step by step and submitted by the
/// enterprise user; returns its id.
async fn submitted(w: &World, name: &str, deal_yuan: i64) -> i64 {
    submitted_with(w, name, deal_yuan * 100, deal_yuan * 2).await
}

/// As [`submitted`], with the deal amount and the one deduction in fen.
async fn submitted_with(w: &World, name: &str, deal_fen: i64, deduction_fen: i64) -> i64 {
    let app = &w.app;
    let user = applicant(app, &w.enterprise_user).await;
    let a = Application {
        deal_fen,
        deductions: vec![("设备".into(), deduction_fen)],
        ..Application::new(
            name,
            "上海审查测试科技有限公司",
            w.credit_code.clone(),
            YANGPU,
            today(app),
        )
    };
    let s = application::submit(app, &user, &a).await;
    assert_eq!(s.status, "submitted");
    assert_eq!(s.office_id, Some(w.office_a));
    s.id
}

async fn version_on_page(c: &TestClient, id: i64) -> String {
    let page = c.get(&format!("/review/contracts/{id}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let doc = scraper::Html::parse_document(&page.body);
    let sel = scraper::Selector::parse("#case").unwrap();
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr("data-version"))
        .expect("the case's version")
        .to_owned()
}

/// Posts an action with the version shown on the case page.
async fn act(
    c: &TestClient,
    id: i64,
    action: &str,
    fields: &[(&str, &str)],
) -> techreg_tests::Resp {
    let version = version_on_page(c, id).await;
    let mut all = vec![("version", version.as_str())];
    all.extend_from_slice(fields);
    c.post_form(&format!("/review/contracts/{id}/actions/{action}"), &all)
        .await
}

#[tokio::test]
async fn a_case_is_accepted_returned_corrected_reviewed_by_experts_and_registered() {
    let w = world().await;
    let app = &w.app;
    let id = submitted(&w, "机器视觉检测系统开发合同", 100_000).await;
    let code = load(app, id).await.approval_code;

    // Office A's clerk sees it; office B's staff do not, and get 404.
    let clerk = staff(app, "clerk_a").await;
    let queue = clerk.get("/review/contracts?queue=accept").await;
    assert_eq!(queue.status, 200);
    assert!(queue.body.contains(&code), "{}", queue.body);
    assert!(queue.body.contains("98,000.00"), "技术交易额 in yuan");
    assert!(queue.text_of("#count-accept").unwrap().contains('1'));
    let clerk_b = staff(app, "clerk_b").await;
    let queue_b = clerk_b.get("/review/contracts?queue=accept").await;
    assert!(!queue_b.body.contains(&code));
    let attachment = service::load(&app.state.core.db, id)
        .await
        .unwrap()
        .unwrap()
        .attachments[0]
        .id;
    for c in [&clerk_b, &staff(app, "reviewer_b").await] {
        assert_eq!(c.get(&format!("/review/contracts/{id}")).await.status, 404);
        assert_eq!(
            c.get(&format!("/review/contracts/{id}/attachments/{attachment}"))
                .await
                .status,
            404
        );
        let r = c
            .post_form(
                &format!("/review/contracts/{id}/actions/accept"),
                &[("version", "6")],
            )
            .await;
        assert_eq!(r.status, 404);
    }
    let file = clerk
        .get(&format!("/review/contracts/{id}/attachments/{attachment}"))
        .await;
    assert_eq!(file.status, 200);
    assert_eq!(file.body.as_bytes(), PDF);

    // The clerk accepts; the case goes to a reviewer of office A.
    let r = act(&clerk, id, "accept", &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let c = load(app, id).await;
    assert_eq!(c.status, "reviewing");
    let reviewer = staff(app, "reviewer_a").await;
    let page = reviewer.get(&format!("/review/contracts/{id}")).await;
    assert!(page.body.contains("panel-return") && page.body.contains("panel-propose_register"));

    // A return without any field comment changes nothing.
    let before = events(app, id).await.len();
    let r = act(&reviewer, id, "return", &[("reason", "请补正")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请至少对一处需要补正的字段填写意见"));
    assert_eq!(load(app, id).await.status, "reviewing");
    assert_eq!(events(app, id).await.len(), before);

    let r = act(
        &reviewer,
        id,
        "return",
        &[
            ("reason_code", "04"),
            ("comment_name", "合同名称应与合同文本首页一致"),
            ("comment_proof", "请补充授权书"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let c = load(app, id).await;
    assert_eq!(c.status, "returned");
    let comments = comment::Entity::find()
        .filter(comment::Column::ContractId.eq(id))
        .all(&app.state.core.db)
        .await
        .unwrap();
    assert_eq!(comments.len(), 2);
    assert!(comments.iter().any(|m| m.field == "name" && m.round == 1));

    // The applicant corrects the name, adds the letter and resubmits.
    let user = applicant(app, &w.enterprise_user).await;
    let full = service::load(&app.state.core.db, id)
        .await
        .unwrap()
        .unwrap();
    let mut basics = full.basics();
    basics.name = "机器视觉检测系统委托开发合同".into();
    service::save_basics(&app.state, &user, id, c.version, &basics)
        .await
        .unwrap();
    service::add_attachment(
        &app.state,
        &user,
        id,
        c.version + 1,
        "proof",
        "授权书.pdf",
        PROOF,
    )
    .await
    .unwrap()
    .unwrap();
    let s = service::submit(&app.state, &user, id, c.version + 2, true)
        .await
        .unwrap();
    assert_eq!((s.status.as_str(), s.round), ("submitted", 2));
    let r = act(&clerk, id, "accept", &[]).await;
    assert_eq!(r.status, 303);

    // The reviewer sees exactly what changed.
    let page = reviewer.get(&format!("/review/contracts/{id}")).await;
    let changes = page.text_of("#changed-fields").expect("changed fields");
    assert!(changes.contains("合同名称"));
    assert!(changes.contains("机器视觉检测系统开发合同"), "old value");
    assert!(
        changes.contains("机器视觉检测系统委托开发合同"),
        "new value"
    );
    assert!(
        !changes.contains("成交额"),
        "unchanged fields are not listed"
    );
    assert!(
        page.text_of("#new-attachments")
            .unwrap()
            .contains("授权书.pdf")
    );
    assert!(
        page.text_of("#return-comments")
            .unwrap()
            .contains("请补充授权书")
    );

    // Expert review: an opinion must be recorded before it ends.
    let r = act(&reviewer, id, "send_to_experts", &[]).await;
    assert_eq!(r.status, 422, "a reason is required");
    let r = act(
        &reviewer,
        id,
        "send_to_experts",
        &[("reason", "技术内容需专家判断")],
    )
    .await;
    assert_eq!(r.status, 303);
    assert_eq!(load(app, id).await.status, "expert_review");
    let r = act(&reviewer, id, "finish_experts", &[]).await;
    assert_eq!(r.status, 422);
    let version = version_on_page(&reviewer, id).await;
    let r = reviewer
        .post_form(
            &format!("/review/contracts/{id}/opinions"),
            &[
                ("version", &version),
                ("expert", "李教授"),
                ("conclusion", "maybe"),
                ("opinion", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    let r = reviewer
        .post_form(
            &format!("/review/contracts/{id}/opinions"),
            &[
                ("version", &version),
                ("expert", "李教授"),
                ("conclusion", "agree"),
                ("opinion", "属于技术开发，具有创新性。"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = act(&reviewer, id, "finish_experts", &[]).await;
    assert_eq!(r.status, 303);
    let page = reviewer.get(&format!("/review/contracts/{id}")).await;
    assert!(page.text_of("#opinions").unwrap().contains("李教授"));

    // The proposal with an adjusted 技术交易额: bad amounts and a missing
    // reason change nothing.
    let before = load(app, id).await;
    for (amount, why, message) in [
        ("八万", "", "金额应为数字"),
        ("200000", "设备费", "不能超过成交额"),
        ("80000", "", "请填写调整理由"),
    ] {
        let r = act(
            &reviewer,
            id,
            "propose_register",
            &[
                ("reason", "符合技术开发合同认定条件"),
                ("adjusted_amount", amount),
                ("adjust_reason", why),
            ],
        )
        .await;
        assert_eq!(r.status, 422, "{amount}");
        assert!(r.body.contains(message), "{message}");
    }
    assert_eq!(load(app, id).await, before);
    let r = act(
        &reviewer,
        id,
        "propose_register",
        &[
            ("reason", "符合技术开发合同认定条件"),
            ("adjusted_amount", "80,000"),
            ("adjust_reason", "扣除随合同交付的设备费用"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let c = load(app, id).await;
    assert_eq!(c.status, "pending_approval");
    assert_eq!(c.approved_tech_amount, Some(8_000_000));
    assert_eq!(
        c.amount_adjust_reason.as_deref(),
        Some("扣除随合同交付的设备费用")
    );

    // The city office approves.
    let city = staff(app, "city").await;
    let queue = city.get("/review/contracts?queue=approve").await;
    assert!(queue.body.contains(&code) && queue.body.contains("80,000.00"));
    let r = act(&city, id, "approve", &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let c = load(app, id).await;
    assert_eq!(c.status, "registered");
    let number = c
        .registration_number
        .clone()
        .expect("a registration number");
    assert!(number.starts_with(&today(app).format("%Y").to_string()));
    let actions: Vec<String> = events(app, id)
        .await
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "submit",
            "accept",
            "return",
            "submit",
            "accept",
            "send_to_experts",
            "expert_opinion",
            "finish_experts",
            "propose_register",
            "approve"
        ]
    );
    let page = city.get(&format!("/review/contracts/{id}")).await;
    let timeline = page.text_of("#timeline").unwrap();
    for label in [
        "受理",
        "退回补正",
        "提交专家评审",
        "审查意见：建议登记",
        "审定登记",
    ] {
        assert!(timeline.contains(label), "{label}");
    }
    assert!(page.body.contains(&number));
    // Nothing is left to do on a registered case but, for the city office,
    // revoking it.
    assert!(page.body.contains("panel-revoke"));
    for other in ["panel-approve\"", "panel-refuse", "panel-accept"] {
        assert!(!page.body.contains(other), "{other}");
    }
}

#[tokio::test]
async fn large_contracts_pass_the_large_approver_and_the_city_approves_in_a_batch() {
    let w = world().await;
    let app = &w.app;
    let large = submitted(&w, "大型生产线智能化改造技术开发合同", 6_000_000).await;
    let small = submitted(&w, "小型检测软件开发合同", 50_000).await;
    assert!(load(app, large).await.large && !load(app, small).await.large);
    let clerk = staff(app, "clerk_a").await;
    let reviewer = staff(app, "reviewer_a").await;
    for id in [large, small] {
        assert_eq!(act(&clerk, id, "accept", &[]).await.status, 303);
        let r = act(&reviewer, id, "propose_register", &[("reason", "建议登记")]).await;
        assert_eq!(r.status, 303, "{}", r.body);
    }
    assert_eq!(load(app, large).await.status, "large_approval");
    assert_eq!(load(app, small).await.status, "pending_approval");
    // The reviewer cannot approve large contracts; the large approver can.
    let r = act(&reviewer, large, "approve_large", &[]).await;
    assert_eq!(r.status, 403);
    let approver = staff(app, "large_a").await;
    let queue = approver.get("/review/contracts?queue=large").await;
    assert!(queue.body.contains("大型生产线智能化改造技术开发合同"));
    let r = act(&approver, large, "reject_large", &[]).await;
    assert_eq!(r.status, 422, "a reason is required to send it back");
    let r = act(&approver, large, "approve_large", &[]).await;
    assert_eq!(r.status, 303);
    assert_eq!(load(app, large).await.status, "pending_approval");

    // The city office approves both at once, from the queue, by htmx: the
    // counters come out of band.
    let city = staff(app, "city").await;
    let queue = city.get("/review/contracts?queue=approve").await;
    assert!(queue.text_of("#count-approve").unwrap().contains('2'));
    let picks: Vec<String> = [large, small]
        .iter()
        .map(|id| {
            let doc = scraper::Html::parse_document(&queue.body);
            let sel = scraper::Selector::parse("input[name=pick]").unwrap();
            doc.select(&sel)
                .filter_map(|e| e.value().attr("value").map(str::to_owned))
                .find(|v| v.starts_with(&format!("{id}:")))
                .expect("a checkbox per case")
        })
        .collect();
    let fields: Vec<(&str, &str)> = picks.iter().map(|p| ("pick", p.as_str())).collect();
    let r = city.htmx_post("/review/contracts/approve", &fields).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("hx-swap-oob"), "counters out of band");
    assert!(
        r.text_of("#batch-result")
            .unwrap()
            .contains("审定登记 2 件")
    );
    assert!(r.text_of("#count-approve").unwrap().contains('0'));
    let mut numbers = Vec::new();
    for id in [large, small] {
        let c = load(app, id).await;
        assert_eq!(c.status, "registered");
        numbers.push(c.registration_number.expect("a registration number"));
    }
    assert_eq!(numbers.len(), 2);
    assert_ne!(numbers[0], numbers[1]);
    // The same batch again (a second tab): already handled, nothing twice.
    let before = events(app, large).await.len() + events(app, small).await.len();
    let r = city.post_form("/review/contracts/approve", &fields).await;
    assert_eq!(r.status, 303);
    let page = city.get("/review/contracts?queue=approve").await;
    assert!(page.body.contains("2 件已由他人处理"), "{}", page.body);
    assert_eq!(
        events(app, large).await.len() + events(app, small).await.len(),
        before
    );
    // Nothing picked: told so.
    let r = city.post_form("/review/contracts/approve", &[]).await;
    assert_eq!(r.status, 422);

    // 技术交易额 4,500,000 as declared, adjusted up to 5,200,000 by the
    // reviewer: now a large contract, so the large approver sees it too.
    let adjusted = submitted_with(&w, "技术交易额调高的合同", 600_000_000, 150_000_000).await;
    assert!(!load(app, adjusted).await.large);
    assert_eq!(act(&clerk, adjusted, "accept", &[]).await.status, 303);
    let r = act(
        &reviewer,
        adjusted,
        "propose_register",
        &[
            ("reason", "建议登记"),
            ("adjusted_amount", "5200000"),
            ("adjust_reason", "部分设备费属于技术载体，不应扣除"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let c = load(app, adjusted).await;
    assert_eq!((c.status.as_str(), c.large), ("large_approval", true));
    assert_eq!(c.approved_tech_amount, Some(520_000_000));
}

#[tokio::test]
async fn not_accepted_and_refused_cases_carry_coded_reasons_and_bad_input_changes_nothing() {
    let w = world().await;
    let app = &w.app;
    let first = submitted(&w, "不予受理测试合同", 10_000).await;
    let second = submitted(&w, "不予登记测试合同", 20_000).await;
    let clerk = staff(app, "clerk_a").await;

    // 不予受理 needs a coded reason, and a text for "其他".
    let before = load(app, first).await;
    let r = act(&clerk, first, "not_accept", &[("reason", "不符合要求")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请至少选择一项理由"));
    let r = act(&clerk, first, "not_accept", &[("reason_code", "99")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("选择“其他”时请填写说明"));
    let r = act(&clerk, first, "not_accept", &[("reason_code", "XX")]).await;
    assert_eq!(r.status, 422);
    assert_eq!(load(app, first).await, before, "nothing changed");
    let r = act(
        &clerk,
        first,
        "not_accept",
        &[
            ("reason_code", "01"),
            ("reason_code", "04"),
            ("reason", "合同已过有效期"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(load(app, first).await.status, "not_accepted");
    let last = events(app, first).await.pop().unwrap();
    assert_eq!(last.reason_code.as_deref(), Some("01,04"));
    let page = clerk.get(&format!("/review/contracts/{first}")).await;
    assert!(
        page.text_of("#timeline")
            .unwrap()
            .contains("超过合同有效期申请登记")
    );

    // A proposal to refuse, then the city office refuses.
    assert_eq!(act(&clerk, second, "accept", &[]).await.status, 303);
    let reviewer = staff(app, "reviewer_a").await;
    let r = act(
        &reviewer,
        second,
        "propose_refuse",
        &[("reason", "不属于技术合同")],
    )
    .await;
    assert_eq!(r.status, 422, "a refusal needs coded reasons");
    let r = act(
        &reviewer,
        second,
        "propose_refuse",
        &[
            ("reason_code", "02"),
            ("reason", "属于设备买卖，不属于技术合同"),
        ],
    )
    .await;
    assert_eq!(r.status, 303);
    assert_eq!(load(app, second).await.proposal.as_deref(), Some("refuse"));
    let city = staff(app, "city").await;
    let r = act(&city, second, "send_back", &[]).await;
    assert_eq!(r.status, 422, "sending back needs a reason");
    let r = act(&city, second, "refuse", &[]).await;
    assert_eq!(r.status, 422);
    let r = act(&city, second, "refuse", &[("reason_code", "02")]).await;
    assert_eq!(r.status, 303);
    let c = load(app, second).await;
    assert_eq!(c.status, "refused");
    assert!(c.registration_number.is_none());
}

#[tokio::test]
async fn two_reviewers_at_once_and_a_double_click_have_one_effect() {
    let w = world().await;
    let app = &w.app;
    let id = submitted(&w, "并发测试合同", 30_000).await;
    let clerk = staff(app, "clerk_a").await;

    // A double click: the same form twice.
    let version = version_on_page(&clerk, id).await;
    let path = format!("/review/contracts/{id}/actions/accept");
    let first = clerk.post_form(&path, &[("version", &version)]).await;
    assert_eq!(first.status, 303);
    let second = clerk.post_form(&path, &[("version", &version)]).await;
    assert_eq!(second.status, 409);
    assert!(second.body.contains("已由他人处理"));
    assert!(second.text_of("#notice").is_some());
    assert!(second.body.contains("审查中"), "the current state is shown");

    // Two reviewers with the same page open act at the same moment.
    let a = staff(app, "reviewer_a").await;
    let b = staff(app, "reviewer_a2").await;
    let version = version_on_page(&a, id).await;
    assert_eq!(version_on_page(&b, id).await, version);
    let path = format!("/review/contracts/{id}/actions/propose_register");
    let fields_a = [("version", version.as_str()), ("reason", "甲的意见")];
    let fields_b = [("version", version.as_str()), ("reason", "乙的意见")];
    let (ra, rb) = tokio::join!(a.post_form(&path, &fields_a), b.post_form(&path, &fields_b));
    let mut statuses = [ra.status.as_u16(), rb.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [303, 409]);
    let proposals = events(app, id)
        .await
        .into_iter()
        .filter(|e| e.action == "propose_register")
        .count();
    assert_eq!(proposals, 1);
    assert_eq!(load(app, id).await.status, "pending_approval");

    // By htmx, the 409 is the case fragment with the message.
    let city = staff(app, "city").await;
    let version = version_on_page(&city, id).await;
    let stale = (version.parse::<i32>().unwrap() - 1).to_string();
    let r = city
        .htmx_post(
            &format!("/review/contracts/{id}/actions/approve"),
            &[("version", &stale)],
        )
        .await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("已由他人处理") && !r.body.contains("<html"));
    assert_eq!(load(app, id).await.status, "pending_approval");
    // A successful htmx action answers the case with the counters out of band.
    let r = city
        .htmx_post(
            &format!("/review/contracts/{id}/actions/approve"),
            &[("version", &version)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains(r#"id="queue-tabs""#) && r.body.contains("hx-swap-oob"));
    assert!(r.body.contains("已审定登记"));
}

#[tokio::test]
async fn cases_are_claimed_and_reassigned_by_the_head() {
    let w = world().await;
    let app = &w.app;
    let id = submitted(&w, "改派测试合同", 30_000).await;
    let users = |name: &'static str| async move { applicant(app, name).await.user.id };
    let (clerk_a, clerk_a2, reviewer_a) = (
        users("clerk_a").await,
        users("clerk_a2").await,
        users("reviewer_a").await,
    );
    let first = load(app, id)
        .await
        .assigned_user_id
        .expect("assigned on submission");
    assert!(first == clerk_a || first == clerk_a2);
    let other = if first == clerk_a {
        "clerk_a2"
    } else {
        "clerk_a"
    };

    // The other clerk takes it.
    let c = staff(app, other).await;
    let mine = c.get("/review/contracts?queue=mine").await;
    assert!(!mine.body.contains("改派测试合同"));
    let version = version_on_page(&c, id).await;
    let r = c
        .post_form(
            &format!("/review/contracts/{id}/claim"),
            &[("version", &version)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let now = load(app, id).await.assigned_user_id.unwrap();
    assert_ne!(now, first);
    let mine = c.get("/review/contracts?queue=mine").await;
    assert!(mine.body.contains("改派测试合同"));
    // A reviewer holds no clerk position: no claim at this stage.
    let reviewer = staff(app, "reviewer_a").await;
    let version = version_on_page(&reviewer, id).await;
    let r = reviewer
        .post_form(
            &format!("/review/contracts/{id}/claim"),
            &[("version", &version)],
        )
        .await;
    assert_eq!(r.status, 403);

    // The head gives it back, with a reason, to a clerk only.
    let head = staff(app, "head_a").await;
    let version = version_on_page(&head, id).await;
    let path = format!("/review/contracts/{id}/assign");
    let r = head
        .post_form(
            &path,
            &[("version", &version), ("to_user", &first.to_string())],
        )
        .await;
    assert_eq!(r.status, 422, "a reason is required");
    let r = head
        .post_form(
            &path,
            &[
                ("version", &version),
                ("to_user", &reviewer_a.to_string()),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "not a clerk");
    assert_eq!(load(app, id).await.assigned_user_id, Some(now));
    let r = head
        .post_form(
            &path,
            &[
                ("version", &version),
                ("to_user", &first.to_string()),
                ("reason", "平衡工作量"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(load(app, id).await.assigned_user_id, Some(first));
    let actions: Vec<String> = events(app, id)
        .await
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["submit", "claim", "assign"]);
    // A clerk cannot reassign.
    let r = c
        .post_form(
            &path,
            &[
                ("version", &version),
                ("to_user", &now.to_string()),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn applicants_and_anonymous_visitors_do_not_reach_review() {
    let w = world().await;
    let app = &w.app;
    let id = submitted(&w, "访问控制测试合同", 30_000).await;
    let ent = app.client();
    app.state.core.clock.advance(chrono::Duration::seconds(61));
    let r = app.login(&ent, "seller", PASSWORD, "13900070030").await;
    assert_eq!(r.status, 303);
    assert_eq!(ent.get("/review/contracts").await.status, 403);
    assert_eq!(
        ent.get(&format!("/review/contracts/{id}")).await.status,
        403
    );
    let r = ent
        .post_form(
            &format!("/review/contracts/{id}/actions/accept"),
            &[("version", "6")],
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(load(app, id).await.status, "submitted");
    let anon = app.client();
    anon.get("/").await;
    let r = anon.get("/review/contracts").await;
    assert_eq!(
        (r.status.as_u16(), r.header("location")),
        (303, Some("/login"))
    );
    // The navigation offers 合同审查 to staff only.
    let clerk = staff(app, "clerk_a").await;
    assert!(
        clerk
            .get("/my")
            .await
            .body
            .contains(r#"href="/review/contracts""#)
    );
    assert!(
        !ent.get("/my")
            .await
            .body
            .contains(r#"href="/review/contracts""#)
    );
    // Unknown actions and cases.
    let r = act(&clerk, id, "teleport", &[]).await;
    assert_eq!(r.status, 404);
    assert_eq!(clerk.get("/review/contracts/99999").await.status, 404);
}

/// Opens a panel and submits its form; waits for the case to show `status`.
async fn use_panel(d: &WebDriver, key: &str, reason: Option<&str>, status: &str) {
    d.find(By::Css(format!("#panel-{key} summary")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    if let Some(text) = reason {
        d.find(By::Css(format!("#panel-{key} textarea[name=reason]")))
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }
    d.find(By::Css(format!("#panel-{key} button[type=submit]")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(d, &format!("#case[data-status='{status}'] #notice")).await;
}

#[tokio::test]
async fn browser_a_clerk_accepts_the_reviewer_proposes_and_the_city_registers() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let w = world().await;
    let app = &w.app;
    let id = submitted(&w, "浏览器旅程技术开发合同", 80_000).await;
    let d = &browser.driver;

    sign_in(app, d, "clerk_a", mobile_of("clerk_a")).await;
    d.find(By::PartialLinkText("合同审查"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(d, "#queue-rows").await;
    browser.screenshot("review-01-queue").await;
    let code = load(app, id).await.approval_code;
    d.find(By::LinkText(code.as_str()))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(d, "#case").await;
    use_panel(d, "accept", None, "reviewing").await;
    browser.screenshot("review-02-accepted").await;
    // Swapped in place: one page, one navigation, one set of tabs.
    assert_eq!(d.find_all(By::Css(".side-nav")).await.unwrap().len(), 1);
    assert_eq!(d.find_all(By::Css("#queue-tabs")).await.unwrap().len(), 1);
    // The counters followed without a reload.
    let count = d
        .find(By::Css("#count-accept"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(count, "0");

    app.state.core.clock.advance(chrono::Duration::seconds(61));
    sign_in(app, d, "reviewer_a", mobile_of("reviewer_a")).await;
    d.goto(app.url(&format!("/review/contracts/{id}")))
        .await
        .unwrap();
    wait_for(d, "#case").await;
    use_panel(
        d,
        "propose_register",
        Some("符合技术开发合同认定条件"),
        "pending_approval",
    )
    .await;
    browser.screenshot("review-03-proposed").await;

    app.state.core.clock.advance(chrono::Duration::seconds(61));
    sign_in(app, d, "city", mobile_of("city")).await;
    d.goto(app.url("/review/contracts?queue=approve"))
        .await
        .unwrap();
    wait_for(d, "#queue-rows").await;
    d.find(By::LinkText(code.as_str()))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(d, "#case").await;
    use_panel(d, "approve", None, "registered").await;
    let notice = d
        .find(By::Css("#notice"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(notice.contains("登记编号"), "{notice}");
    browser.screenshot("review-04-registered").await;
    assert_eq!(load(app, id).await.status, "registered");
    browser.quit().await;
}

fn codes_on(body: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(body);
    let sel = scraper::Selector::parse("#queue-rows tbody tr td a").unwrap();
    doc.select(&sel)
        .map(|e| e.text().collect::<String>())
        .collect()
}

fn next_link(body: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(body);
    let sel = scraper::Selector::parse("#queue a").unwrap();
    doc.select(&sel)
        .find(|e| e.text().collect::<String>() == "下一页")
        .and_then(|e| e.value().attr("href").map(str::to_owned))
}

#[tokio::test]
async fn queues_filter_sort_page_by_keyset_and_mark_deadlines() {
    let w = world().await;
    let app = &w.app;
    app.state
        .settings
        .set("ui.page_size", "10", "test")
        .await
        .unwrap();
    let mut ids = Vec::new();
    for n in 0..11 {
        ids.push(submitted(&w, &format!("分页测试合同{n:02}"), 10_000 + n).await);
    }
    let clerk = staff(app, "clerk_a").await;
    for sort in ["deadline", "submitted"] {
        let first = clerk
            .get(&format!("/review/contracts?queue=accept&sort={sort}"))
            .await;
        let mut seen = codes_on(&first.body);
        assert_eq!(seen.len(), 10, "{sort}");
        let next = next_link(&first.body).expect("a next page");
        let second = clerk.get(&next).await;
        assert_eq!(second.status, 200);
        let rest = codes_on(&second.body);
        assert_eq!(rest.len(), 1, "{sort}");
        assert!(next_link(&second.body).is_none());
        seen.extend(rest);
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 11, "every case once ({sort})");
    }
    // Text on a party's name, on the contract name; category.
    let r = clerk
        .get("/review/contracts?queue=accept&q=%E4%B9%99%E5%88%B6%E9%80%A0")
        .await;
    assert_eq!(codes_on(&r.body).len(), 10, "the buyer is on every case");
    let r = clerk
        .get("/review/contracts?queue=accept&q=%E5%88%86%E9%A1%B5%E6%B5%8B%E8%AF%95%E5%90%88%E5%90%8C03")
        .await;
    assert_eq!(codes_on(&r.body).len(), 1);
    let r = clerk
        .get("/review/contracts?queue=accept&category=consulting")
        .await;
    assert!(codes_on(&r.body).is_empty());

    // Acceptance is due within two working days: 将逾期, in 即将到期.
    let due = clerk.get("/review/contracts?queue=due").await;
    assert!(due.text_of("#count-due").unwrap().contains("11"));
    assert!(due.body.contains("将逾期"));
    // The deadline filter of a queue, with its counts.
    let soon = clerk.get("/review/contracts?queue=accept&due=soon").await;
    assert_eq!(codes_on(&soon.body).len(), 10);
    assert!(soon.body.contains("将逾期（11）") && soon.body.contains("已逾期（0）"));
    assert!(next_link(&soon.body).unwrap().contains("due=soon"));
    let none = clerk
        .get("/review/contracts?queue=accept&due=overdue")
        .await;
    assert!(codes_on(&none.body).is_empty());
    // The applicant's list marks and filters them too.
    let seller = app.client();
    app.login(&seller, "seller", PASSWORD, "13900070030").await;
    let mine = seller.get("/my/contracts").await;
    assert!(mine.text_of("#due-filter").unwrap().contains("将逾期 11"));
    assert!(mine.text_of("#due-filter").unwrap().contains("已逾期 0"));
    assert_eq!(mine.body.matches("mark due").count(), 11);
    app.state.core.clock.advance(chrono::Duration::days(10));
    // Ten days on, the session has timed out: sign in again.
    let clerk = staff(app, "clerk_a").await;
    let late = clerk.get("/review/contracts?queue=due").await;
    assert!(late.body.contains("mark overdue") && !late.body.contains("mark due"));
    let overdue = clerk
        .get("/review/contracts?queue=accept&due=overdue")
        .await;
    assert_eq!(codes_on(&overdue.body).len(), 10);
    assert!(overdue.body.contains("已逾期（11）") && overdue.body.contains("将逾期（0）"));
    let seller = app.client();
    app.login(&seller, "seller", PASSWORD, "13900070030").await;
    let late_mine = seller.get("/my/contracts?due=overdue").await;
    assert_eq!(late_mine.body.matches("mark overdue").count(), 11);
    assert!(
        late_mine
            .text_of("#due-filter")
            .unwrap()
            .contains("已逾期 11")
    );
    assert!(
        seller
            .get("/my/contracts?due=soon")
            .await
            .body
            .contains("没有符合条件的申请")
    );
    // The clerk's own cases.
    let mine = clerk.get("/review/contracts?queue=mine").await;
    let assigned = {
        let mut n = 0;
        for id in &ids {
            let c = load(app, *id).await;
            if c.assigned_user_id == Some(applicant(app, "clerk_a").await.user.id) {
                n += 1;
            }
        }
        n
    };
    assert!(assigned > 0);
    assert!(
        mine.text_of("#count-mine")
            .unwrap()
            .contains(&assigned.to_string())
    );
}

/// 10:00 in Shanghai on `day`.
fn at_ten(app: &TestApp, day: chrono::NaiveDate) {
    let target: chrono::DateTime<chrono::Utc> = format!("{day}T02:00:00Z").parse().unwrap();
    app.state
        .core
        .clock
        .advance(target - app.state.core.clock.now());
}

async fn reminders_of(app: &TestApp, id: i64) -> Vec<(String, String, String)> {
    use techreg_entities::alerts::deadline_reminder;
    let mut rows: Vec<(String, String, String)> = deadline_reminder::Entity::find()
        .filter(deadline_reminder::Column::ContractId.eq(id))
        .all(&app.state.core.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.deadline.to_string(), r.point, r.status))
        .collect();
    rows.sort();
    rows.dedup();
    rows
}

#[tokio::test]
async fn the_reminder_clock_starts_again_after_a_correction() {
    let w = world().await;
    let app = &w.app;
    let calendar = app.state.calendar.snapshot().await.unwrap();
    let id = submitted(&w, "期限重新计算测试合同", 50_000).await;
    let clerk = staff(app, "clerk_a").await;
    assert_eq!(act(&clerk, id, "accept", &[]).await.status, 303);
    let first = load(app, id).await.stage_deadline.unwrap();
    assert_eq!(first, calendar.add_working_days(today(app), 7));

    // The working day before the review limit: reminded.
    at_ten(app, calendar.add_working_days(first, -1));
    techreg::contracts::reminders::run(&app.state)
        .await
        .unwrap();
    assert_eq!(
        reminders_of(app, id).await,
        vec![(first.to_string(), "before".into(), "reviewing".into())]
    );

    // Returned for correction: the office's clock stops, nothing is due.
    let reviewer = staff(app, "reviewer_a").await;
    let r = act(
        &reviewer,
        id,
        "return",
        &[
            ("reason_code", "04"),
            ("comment_name", "名称请与合同首页一致"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    at_ten(app, calendar.add_working_days(first, 2));
    techreg::contracts::reminders::run(&app.state)
        .await
        .unwrap();
    assert_eq!(reminders_of(app, id).await.len(), 1);

    // Corrected and resubmitted: acceptance, then a new review limit
    // counted from the new acceptance (contracts.return_clock = restart).
    let user = applicant(app, &w.enterprise_user).await;
    let c = load(app, id).await;
    let full = service::load(&app.state.core.db, id)
        .await
        .unwrap()
        .unwrap();
    let mut basics = full.basics();
    basics.name = "期限重新计算测试合同（补正）".into();
    service::save_basics(&app.state, &user, id, c.version, &basics)
        .await
        .unwrap();
    service::submit(&app.state, &user, id, c.version + 1, true)
        .await
        .unwrap();
    let clerk = staff(app, "clerk_a").await;
    assert_eq!(act(&clerk, id, "accept", &[]).await.status, 303);
    let second = load(app, id).await.stage_deadline.unwrap();
    assert_eq!(second, calendar.add_working_days(today(app), 7));
    assert!(second > first);

    // Its points come again, for the new deadline.
    at_ten(app, calendar.add_working_days(second, -1));
    techreg::contracts::reminders::run(&app.state)
        .await
        .unwrap();
    at_ten(app, second);
    techreg::contracts::reminders::run(&app.state)
        .await
        .unwrap();
    assert_eq!(
        reminders_of(app, id).await,
        vec![
            (first.to_string(), "before".into(), "reviewing".into()),
            (second.to_string(), "before".into(), "reviewing".into()),
            (second.to_string(), "due".into(), "reviewing".into()),
        ]
    );
    // The reviewer at work and the head, each time.
    assert_eq!(
        app.count(&format!("deadline_reminder WHERE contract_id = {id}"))
            .await,
        6
    );
}
