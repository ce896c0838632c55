//! Duplicate and possibly duplicate contracts (F42/F43): a resubmitted copy
//! is flagged to the applicant (who explains) and to the reviewer; the
//! reviewer's decision on a possible duplicate is audited and remembered;
//! the supervision batch check lists a planted cluster and exports it.

use std::io::Cursor;

use chrono::Days;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use techreg::core::Caller;
use techreg::core::Scope;
use techreg_entities::contract::{contract, duplicate_decision, fingerprint};
use techreg_tests::application::{self, Application};
use techreg_tests::{PASSWORD, TestApp, TestClient};

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
const YANGPU: &str = "310110";
const SELLER_MOBILE: &str = "13900080030";

const STAFF: &[(&str, &str, &str, bool)] = &[
    ("clerk_d", "13900080001", "office_clerk", true),
    ("reviewer_d", "13900080002", "office_reviewer", true),
    ("city_d", "13900080021", "city_officer", false),
];

struct World {
    app: TestApp,
    credit_code: String,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let office = app.create_office(YANGPU, "杨浦区技术合同登记处").await;
    for (username, mobile, role, at_office) in STAFF {
        let scope = if *at_office {
            Scope::Office(office)
        } else {
            Scope::All
        };
        app.create_user(username, mobile, role, scope, false).await;
    }
    let base17 = "91310110MA1DUPW01";
    let credit_code = format!("{base17}{}", techreg::identity::credit_check_char(base17));
    let ent = app
        .register_enterprise(
            "seller_d",
            SELLER_MOBILE,
            base17,
            "上海查重测试科技有限公司",
            YANGPU,
        )
        .await;
    let r = app
        .upload_claim(&ent, Some(PDF), Some(b"%PDF-1.7\n% letter\n%%EOF\n"))
        .await;
    assert_eq!(r.status, 303);
    let city = staff(&app, "city_d").await;
    let page = city.get("/review/claims/1").await;
    let version = input_value(&page.body, "version");
    let r = city
        .post_form("/review/claims/1/approve", &[("version", &version)])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    app.state.core.clock.advance(chrono::Duration::seconds(61));
    World { app, credit_code }
}

async fn staff(app: &TestApp, username: &str) -> TestClient {
    let mobile = STAFF.iter().find(|s| s.0 == username).unwrap().1;
    let c = app.client();
    let r = app.login(&c, username, PASSWORD, mobile).await;
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

async fn applicant(app: &TestApp, username: &str) -> Caller {
    application::auth_user(app, username).await
}

struct Spec<'a> {
    name: &'a str,
    number: &'a str,
    deal_fen: i64,
    signed_days_ago: u64,
    summary: &'a str,
    scan: &'a [u8],
}

const SUMMARY: &str = "研制一套基于机器视觉的零件表面缺陷在线检测系统，包括图像采集、缺陷分类模型训练与产线部署，并交付源代码和技术文档。";

async fn submit(w: &World, s: &Spec<'_>) -> i64 {
    let app = &w.app;
    let user = applicant(app, "seller_d").await;
    let today = techreg::core::clock::shanghai_date(app.state.core.clock.now());
    let a = Application {
        number: Some(s.number),
        signed_on: today - Days::new(s.signed_days_ago),
        deal_fen: s.deal_fen,
        deductions: vec![],
        summary: s.summary,
        scan: s.scan,
        ..Application::new(
            s.name,
            "上海查重测试科技有限公司",
            w.credit_code.clone(),
            YANGPU,
            today,
        )
    };
    let done = application::submit(app, &user, &a).await;
    assert_eq!(done.status, "submitted");
    done.id
}

async fn code_of(app: &TestApp, id: i64) -> String {
    contract::Entity::find_by_id(id)
        .one(&app.state.core.db)
        .await
        .unwrap()
        .unwrap()
        .approval_code
}

fn select_text(body: &str, css: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(body);
    let sel = scraper::Selector::parse(css).unwrap();
    doc.select(&sel)
        .map(|e| e.text().collect::<String>())
        .collect()
}

#[tokio::test]
async fn a_resubmitted_copy_is_flagged_to_the_applicant_and_the_reviewer() {
    let w = world().await;
    let app = &w.app;
    let spec = Spec {
        name: "零件表面缺陷视觉检测系统技术开发合同",
        number: "HT-2026-0042",
        deal_fen: 380_000 * 100,
        signed_days_ago: 20,
        summary: SUMMARY,
        scan: PDF,
    };
    let first = submit(&w, &spec).await;
    // The index follows the submission.
    assert!(
        fingerprint::Entity::find_by_id(first)
            .one(&app.state.core.db)
            .await
            .unwrap()
            .is_some()
    );
    let copy = submit(&w, &spec).await;
    let first_code = code_of(app, first).await;
    // What was found is recorded with the submission (event and audit).
    let submitted = techreg_entities::contract::event::Entity::find()
        .filter(techreg_entities::contract::event::Column::ContractId.eq(copy))
        .filter(techreg_entities::contract::event::Column::Action.eq("submit"))
        .one(&app.state.core.db)
        .await
        .unwrap()
        .unwrap();
    let detail: serde_json::Value = serde_json::from_str(&submitted.detail).unwrap();
    assert_eq!(detail["duplicates"], serde_json::json!([first]));

    // The applicant: told at once, with a link to his own earlier case.
    let seller = app.client();
    let r = app
        .login(&seller, "seller_d", PASSWORD, SELLER_MOBILE)
        .await;
    assert_eq!(r.status, 303);
    let page = seller.get(&format!("/my/contracts/{copy}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("duplicate-notice"), "{}", page.body);
    let own = select_text(&page.body, "#own-duplicates li");
    assert_eq!(own.len(), 1, "{own:?}");
    assert!(own[0].contains(&first_code));
    assert!(
        page.body
            .contains(&format!("href=\"/my/contracts/{first}\""))
    );
    // The earlier one is flagged too (the pair goes both ways).
    let page = seller.get(&format!("/my/contracts/{first}")).await;
    assert!(page.body.contains("duplicate-notice"));
    // The explanation is required, then recorded.
    let r = seller
        .post_form(
            &format!("/my/contracts/{copy}/duplicates/explain"),
            &[("explanation", " ")],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("请填写情况说明"));
    let r = seller
        .post_form(
            &format!("/my/contracts/{copy}/duplicates/explain"),
            &[("explanation", "误操作重复提交，请不予受理本申请。")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = seller.get(&format!("/my/contracts/{copy}")).await;
    assert!(page.body.contains("误操作重复提交"));
    assert!(!page.body.contains("id=\"explain\""));

    // The reviewer: the panel lists the duplicate with its reasons and the
    // applicant's explanation.
    let clerk = staff(app, "clerk_d").await;
    let page = clerk.get(&format!("/review/contracts/{copy}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let rows = select_text(&page.body, "#duplicate-rows tbody tr");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].contains(&first_code));
    assert!(rows[0].contains("重复") && !rows[0].contains("可能重复"));
    assert!(rows[0].contains("卖方、买方相同且合同编号相同"));
    assert!(rows[0].contains("合同名称、成交额、签订日期均相同"));
    assert!(rows[0].contains("合同文本扫描件相同"));
    assert!(page.body.contains("误操作重复提交"));
    // The timeline shows the explanation as an action.
    assert!(page.body.contains("说明重复情况"));
    // A second node on the same database sees the same index at once.
    let node = app.spawn_node().await;
    let clerk2 = node.client();
    let r = node
        .login(&clerk2, "reviewer_d", PASSWORD, "13900080002")
        .await;
    assert_eq!(r.status, 303);
    let page = clerk2.get(&format!("/review/contracts/{copy}")).await;
    let rows2 = select_text(&page.body, "#duplicate-rows tbody tr");
    assert_eq!(rows2, rows);

    // An unrelated application is not flagged.
    let other = submit(
        &w,
        &Spec {
            name: "企业数据中心运维技术服务合同",
            number: "FW-2026-7",
            deal_fen: 50_000 * 100,
            signed_days_ago: 200,
            summary: "为企业数据中心提供全年运维技术服务、故障应急响应与人员培训。",
            scan: b"%PDF-1.7\n% another contract\n%%EOF\n",
        },
    )
    .await;
    let page = clerk.get(&format!("/review/contracts/{other}")).await;
    assert!(page.body.contains("no-duplicates"), "{}", page.body);
    let page = seller.get(&format!("/my/contracts/{other}")).await;
    assert!(!page.body.contains("duplicate-notice"));
}

#[tokio::test]
async fn other_applicants_and_other_offices_cases_stay_hidden() {
    let w = world().await;
    let app = &w.app;
    let first = submit(
        &w,
        &Spec {
            name: "零件表面缺陷视觉检测系统技术开发合同",
            number: "HT-2026-0042",
            deal_fen: 380_000 * 100,
            signed_days_ago: 20,
            summary: SUMMARY,
            scan: PDF,
        },
    )
    .await;
    let first_code = code_of(app, first).await;

    // Another enterprise files its own contract with the same scan.
    let base17 = "91310110MA1DUPW02";
    let code_e = format!("{base17}{}", techreg::identity::credit_check_char(base17));
    let ent = app
        .register_enterprise(
            "seller_e",
            "13900080040",
            base17,
            "上海另一查重科技有限公司",
            YANGPU,
        )
        .await;
    let r = app
        .upload_claim(&ent, Some(PDF), Some(b"%PDF-1.7\n% letter e\n%%EOF\n"))
        .await;
    assert_eq!(r.status, 303);
    let city = staff(app, "city_d").await;
    let page = city.get("/review/claims/2").await;
    let version = input_value(&page.body, "version");
    let r = city
        .post_form("/review/claims/2/approve", &[("version", &version)])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    app.state.core.clock.advance(chrono::Duration::seconds(61));
    let today = techreg::core::clock::shanghai_date(app.state.core.clock.now());
    let user_e = applicant(app, "seller_e").await;
    let a = Application {
        scan: PDF,
        ..Application::new(
            "在线检测系统技术开发合同",
            "上海另一查重科技有限公司",
            code_e,
            YANGPU,
            today,
        )
    };
    let theirs = application::submit(app, &user_e, &a).await.id;

    // Its applicant learns that a duplicate exists, not whose it is.
    let e = app.client();
    assert_eq!(
        app.login(&e, "seller_e", PASSWORD, "13900080040")
            .await
            .status,
        303
    );
    let page = e.get(&format!("/my/contracts/{theirs}")).await;
    assert!(page.body.contains("duplicate-notice"), "{}", page.body);
    assert!(select_text(&page.body, "#own-duplicates li").is_empty());
    assert!(select_text(&page.body, "#other-duplicates")[0].contains("另有 1 份"));
    assert!(!page.body.contains(&first_code));
    assert!(!page.body.contains(&format!("/my/contracts/{first}")));
    // Nor may explain on the other enterprise's case.
    let path = format!("/my/contracts/{first}/duplicates/explain");
    let r = e
        .post_form(&path, &[("explanation", "试图说明他人的申请")])
        .await;
    assert_eq!(r.status, 404);
    // Its own explanation is taken once.
    let path = format!("/my/contracts/{theirs}/duplicates/explain");
    assert_eq!(
        e.post_form(&path, &[("explanation", "两份合同共用同一扫描件模板。")])
            .await
            .status,
        303
    );
    let r = e.post_form(&path, &[("explanation", "再说明一次")]).await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("情况说明已经提交"), "{}", r.body);
    // An application without duplicates needs no explanation.
    let single = submit(
        &w,
        &Spec {
            name: "企业数据中心运维技术服务合同",
            number: "FW-2026-7",
            deal_fen: 50_000 * 100,
            signed_days_ago: 200,
            summary: "为企业数据中心提供全年运维技术服务、故障应急响应与人员培训。",
            scan: b"%PDF-1.7\n% a single contract\n%%EOF\n",
        },
    )
    .await;
    let d = app.client();
    assert_eq!(
        app.login(&d, "seller_d", PASSWORD, SELLER_MOBILE)
            .await
            .status,
        303
    );
    let r = d
        .post_form(
            &format!("/my/contracts/{single}/duplicates/explain"),
            &[("explanation", "无")],
        )
        .await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("无需说明"), "{}", r.body);
    assert_eq!(
        app.count("contract_event WHERE action = 'duplicate_explain'")
            .await,
        1
    );

    // A reviewer cannot open another office's contract by typing its id.
    let xuhui = app.create_office("310104", "徐汇区技术合同登记处").await;
    let now = app.state.core.clock.now();
    let elsewhere = {
        use sea_orm::{ActiveModelTrait, ActiveValue::Set};
        contract::ActiveModel {
            approval_code: Set("JSHTELSEWHERE1".into()),
            status: Set("registered".into()),
            name: Set("徐汇区的另一份合同".into()),
            applicant_user_id: Set(user_e.user.id),
            office_id: Set(Some(xuhui)),
            round: Set(1),
            submitted_at: Set(Some(now)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&app.state.core.db)
        .await
        .unwrap()
        .id
    };
    let clerk = staff(app, "clerk_d").await;
    let compare = format!("/review/contracts/{first}/duplicates/{elsewhere}");
    let r = clerk.get(&compare).await;
    assert_eq!(r.status, 404);
    assert!(!r.body.contains("徐汇区的另一份合同"));
    let r = clerk
        .post_form(
            &compare,
            &[
                ("version", "1"),
                ("decision", "not_duplicate"),
                ("reason", "无关"),
            ],
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(app.count("duplicate_decision").await, 0);
    // The match itself (same office here) opens.
    let r = clerk
        .get(&format!("/review/contracts/{first}/duplicates/{theirs}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn the_reviewers_decision_is_audited_and_remembered() {
    let w = world().await;
    let app = &w.app;
    let original = submit(
        &w,
        &Spec {
            name: "零件表面缺陷视觉检测系统技术开发合同",
            number: "HT-2026-0042",
            deal_fen: 380_000 * 100,
            signed_days_ago: 20,
            summary: SUMMARY,
            scan: PDF,
        },
    )
    .await;
    // A near copy: characters swapped and punctuation changed in the name,
    // another number, 0.5 % more, signed three days later, another scan.
    let near = submit(
        &w,
        &Spec {
            name: "零件表面缺陷视觉检侧系统 技术开发合同。",
            number: "HT-2026-0043",
            deal_fen: 381_900 * 100,
            signed_days_ago: 17,
            summary: &SUMMARY.replace('，', ", "),
            scan: b"%PDF-1.7\n% rescanned\n%%EOF\n",
        },
    )
    .await;
    let original_code = code_of(app, original).await;
    let reviewer = staff(app, "clerk_d").await;
    let page = reviewer.get(&format!("/review/contracts/{near}")).await;
    let rows = select_text(&page.body, "#duplicate-rows tbody tr");
    assert_eq!(rows.len(), 1, "{}", page.body);
    assert!(rows[0].contains(&original_code));
    assert!(rows[0].contains("可能重复"));
    assert!(rows[0].contains("卖方、买方均相同"));
    assert!(rows[0].contains("签订日期相差 3 天"));

    // Side by side, differences marked.
    let compare = format!("/review/contracts/{near}/duplicates/{original}");
    let page = reviewer.get(&compare).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(&original_code));
    let differing = select_text(&page.body, "tr.differs th");
    assert!(differing.iter().any(|l| l == "合同名称"), "{differing:?}");
    assert!(differing.iter().any(|l| l == "成交额"));
    assert!(!differing.iter().any(|l| l == "卖方"));
    assert_eq!(input_value(&page.body, "version"), "0");

    // A reason is required.
    let r = reviewer
        .post_form(
            &compare,
            &[
                ("version", "0"),
                ("decision", "not_duplicate"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请填写判定理由"));
    let r = reviewer
        .post_form(
            &compare,
            &[
                ("version", "0"),
                ("decision", "not_duplicate"),
                ("reason", "分期合同，第二期为独立的检测工位"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    // A second click with the old version changes nothing.
    let r = reviewer
        .post_form(
            &compare,
            &[
                ("version", "0"),
                ("decision", "duplicate"),
                ("reason", "再次判定"),
            ],
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    let decisions = duplicate_decision::Entity::find()
        .all(&app.state.core.db)
        .await
        .unwrap();
    assert_eq!(decisions.len(), 1);
    let d = &decisions[0];
    assert_eq!((d.contract_a, d.contract_b), (original, near));
    assert_eq!(d.decision, "not_duplicate");
    assert_eq!(d.actor, "clerk_d");
    let audited = techreg_entities::audit::audit_log::Entity::find()
        .filter(techreg_entities::audit::audit_log::Column::Action.eq("duplicate.decide"))
        .all(&app.state.core.db)
        .await
        .unwrap();
    assert_eq!(audited.len(), 1);

    // Remembered: the pair is not raised again, from either side.
    let page = reviewer.get(&format!("/review/contracts/{near}")).await;
    assert!(page.body.contains("no-duplicates"), "{}", page.body);
    let page = reviewer.get(&format!("/review/contracts/{original}")).await;
    assert!(page.body.contains("no-duplicates"), "{}", page.body);
    // The comparison shows the decision and can still change it (version 1).
    let page = reviewer.get(&compare).await;
    assert!(page.body.contains("已判定不是重复"));
    assert_eq!(input_value(&page.body, "version"), "1");
}

#[tokio::test]
async fn the_batch_check_lists_a_planted_cluster_and_exports_it() {
    let w = world().await;
    let app = &w.app;
    let r = techreg::demo::generate::seed_contracts(&app.state.core.db, 1500, 7)
        .await
        .unwrap();
    assert!(
        r.near_duplicates > 10 && r.renewals > 10,
        "{}",
        r.near_duplicates
    );
    let city = staff(app, "city_d").await;
    // The menu leads there.
    assert!(
        city.get("/my")
            .await
            .body
            .contains("/supervision/duplicates")
    );
    let (from, to) = ("2022-01-01", "2026-11-28");
    let page = city
        .get(&format!("/supervision/duplicates?from={from}&to={to}"))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    // Approval code → cluster number.
    let doc = scraper::Html::parse_document(&page.body);
    let sel = scraper::Selector::parse("tr.cluster").unwrap();
    let a = scraper::Selector::parse("a").unwrap();
    let mut cluster = std::collections::BTreeMap::new();
    for tr in doc.select(&sel) {
        let no = tr.value().attr("data-cluster").unwrap().to_owned();
        let code: String = tr.select(&a).next().unwrap().text().collect();
        cluster.insert(code, no);
    }
    assert!(!cluster.is_empty(), "{}", page.body);
    // Planted near-duplicates in the period, by ground truth in the codes.
    let seeded = contract::Entity::find()
        .filter(contract::Column::ApprovalCode.starts_with("SEED"))
        .all(&app.state.core.db)
        .await
        .unwrap();
    let by_id: std::collections::BTreeMap<i64, &contract::Model> =
        seeded.iter().map(|c| (c.id, c)).collect();
    let in_period = |c: &contract::Model| {
        let d = techreg::core::clock::shanghai_date(c.submitted_at.unwrap()).to_string();
        d.as_str() >= from && d.as_str() <= to
    };
    let (mut planted, mut found, mut renewals, mut renewal_flagged) = (0, 0, 0, 0);
    for c in &seeded {
        let code = &c.approval_code;
        let rest = &code["SEED".len()..];
        let (kind, base) = if let Some(p) = rest.find('D') {
            ('D', rest[p + 1..].parse::<i64>().unwrap())
        } else if let Some(p) = rest.find('R') {
            ('R', rest[p + 1..].parse::<i64>().unwrap())
        } else {
            continue;
        };
        let b = by_id[&base];
        if !in_period(c) || !in_period(b) {
            continue;
        }
        let together =
            cluster.contains_key(code) && cluster.get(code) == cluster.get(&b.approval_code);
        if kind == 'D' {
            planted += 1;
            found += together as u32;
        } else {
            renewals += 1;
            renewal_flagged += together as u32;
        }
    }
    assert!(planted >= 5, "{planted}");
    assert!(
        found * 10 >= planted * 9,
        "{found} of {planted} planted pairs clustered"
    );
    assert!(renewals >= 5);
    assert_eq!(
        renewal_flagged, 0,
        "renewals are look-alikes, not duplicates"
    );

    // The export: a valid workbook with the same clusters.
    let r = city
        .request(
            reqwest::Method::GET,
            &format!("/supervision/duplicates.xlsx?from={from}&to={to}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let bytes = r.bytes().await.unwrap().to_vec();
    use calamine::{Reader, Xlsx, open_workbook_from_rs};
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let sheet = wb.worksheet_range("重复合同").unwrap();
    let codes: Vec<String> = sheet.rows().skip(2).map(|r| r[2].to_string()).collect();
    assert_eq!(codes.len(), cluster.len());
    for code in cluster.keys() {
        assert!(codes.contains(code), "{code} exported");
    }
    // Reviewers do not hold the supervision permission.
    let reviewer = staff(app, "reviewer_d").await;
    assert_eq!(reviewer.get("/supervision/duplicates").await.status, 403);

    // A rebuild gives the same index as the incremental writes.
    let before = fingerprint::Entity::find()
        .all(&app.state.core.db)
        .await
        .unwrap();
    let n = techreg::contracts::rebuild_duplicate_index(&app.state.core.db, false)
        .await
        .unwrap();
    assert_eq!(n as usize, before.len());
    let after = fingerprint::Entity::find()
        .all(&app.state.core.db)
        .await
        .unwrap();
    let mut before = before;
    let mut after = after;
    before.sort_by_key(|f| f.contract_id);
    after.sort_by_key(|f| f.contract_id);
    assert_eq!(before, after);
}
