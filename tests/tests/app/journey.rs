//! The whole journey of a technology contract over HTTP, as the people who
//! use the system go through it: an enterprise registers and is verified,
//! fills every step of the application and submits; the district office
//! accepts it and returns it with field comments; the applicant sees the
//! comments beside the fields, corrects and resubmits; the reviewer sees
//! what changed and proposes registration; the city office approves; the
//! applicant downloads the certificate, whose verification code is read
//! from the PDF; anyone verifies the SM2 signature with an independent
//! implementation (sm-crypto) against the published key; the city office
//! revokes the registration and the public verification page says so.
//!
//! Every form is read from the page it is on (hidden `version` inputs,
//! field names, the options a user would pick). Only the office and its
//! staff are set up directly, as an administrator would; nothing is read
//! from or written to the database to move the case on, and the
//! verification code comes from the downloaded PDF.

use chrono::Days;
use techreg::core::Scope;
use techreg_tests::{PASSWORD, Resp, TestApp, TestClient};

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
const PROOF: &[u8] = b"%PDF-1.7\n% authorisation letter\n%%EOF\n";

const YANGPU: &str = "310110";
const ENTERPRISE: &str = "上海旅程测试科技有限公司";
const ENT_MOBILE: &str = "13900090030";
const BUYER: &str = "上海旅程买方制造有限公司";
const FIRST_NAME: &str = "视觉检测专利实施许可合同";
const CORRECTED_NAME: &str = "机器视觉表面缺陷检测专利实施许可合同";

/// (username, mobile, role, at the district office or the city office)
const STAFF: &[(&str, &str, &str, bool)] = &[
    ("j_clerk", "13900090001", "office_clerk", true),
    ("j_reviewer", "13900090002", "office_reviewer", true),
    ("j_city", "13900090021", "city_officer", false),
];

fn mobile_of(username: &str) -> &'static str {
    STAFF.iter().find(|s| s.0 == username).unwrap().1
}

async fn sign_in(app: &TestApp, username: &str) -> TestClient {
    // Each sign-in sends a new SMS code: let the resend interval pass.
    app.state.core.clock.advance(chrono::Duration::seconds(61));
    let c = app.client();
    let r = app.login(&c, username, PASSWORD, mobile_of(username)).await;
    assert_eq!(r.status, 303, "{username} signs in: {}", r.body);
    c
}

/// The fields a browser would send for the form `form_css` on `body`,
/// without any submit button (the caller adds the button it clicks), and
/// the form's action. Unchecked boxes are left out; a select sends its
/// selected option, or its first.
fn form_of(body: &str, form_css: &str) -> (String, Vec<(String, String)>) {
    let doc = scraper::Html::parse_document(body);
    let form_sel = scraper::Selector::parse(form_css).unwrap();
    let form = doc
        .select(&form_sel)
        .next()
        .unwrap_or_else(|| panic!("{form_css} on the page"));
    let action = form.value().attr("action").unwrap_or_default().to_owned();
    let controls = scraper::Selector::parse("input, select, textarea").unwrap();
    let option = scraper::Selector::parse("option").unwrap();
    let mut fields = Vec::new();
    for el in form.select(&controls) {
        let v = el.value();
        let Some(name) = v.attr("name") else {
            continue;
        };
        match v.name() {
            "input" => {
                let kind = v.attr("type").unwrap_or("text");
                if matches!(kind, "submit" | "button" | "reset" | "image" | "file") {
                    continue;
                }
                if matches!(kind, "checkbox" | "radio") && v.attr("checked").is_none() {
                    continue;
                }
                fields.push((name.to_owned(), v.attr("value").unwrap_or("").to_owned()));
            }
            "select" => {
                let options: Vec<_> = el.select(&option).collect();
                let chosen = options
                    .iter()
                    .find(|o| o.value().attr("selected").is_some())
                    .or(options.first());
                if let Some(o) = chosen {
                    let value = o
                        .value()
                        .attr("value")
                        .map(str::to_owned)
                        .unwrap_or_else(|| o.text().collect());
                    fields.push((name.to_owned(), value));
                }
            }
            _ => fields.push((name.to_owned(), el.text().collect())),
        }
    }
    (action, fields)
}

/// Values of the checkboxes named `name` in the form (checked or not).
fn choices_in(body: &str, form_css: &str, name: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(body);
    let sel = scraper::Selector::parse(&format!("{form_css} input[name={name}]")).unwrap();
    doc.select(&sel)
        .filter_map(|e| e.value().attr("value").map(str::to_owned))
        .collect()
}

fn get_field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Types `value` into the field `name` (adding it when the form sends no
/// such field yet, as for a checkbox being ticked).
fn set(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    match fields.iter_mut().find(|(k, _)| k == name) {
        Some(f) => f.1 = value.to_owned(),
        None => fields.push((name.to_owned(), value.to_owned())),
    }
}

/// Submits form fields with the button `op` (if any), as a browser would.
async fn submit(
    c: &TestClient,
    action: &str,
    fields: &[(String, String)],
    op: Option<&str>,
) -> Resp {
    // `post_form` adds the page's CSRF token itself.
    let mut all: Vec<(&str, &str)> = fields
        .iter()
        .filter(|(k, _)| k != "csrf_token")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    if let Some(op) = op {
        all.push(("op", op));
    }
    c.post_form(action, &all).await
}

/// Uploads a file through the step-5 form as the browser sends it: the
/// form's own action (with the CSRF token), its hidden fields, the kind.
async fn upload(c: &TestClient, id: i64, kind: &str, name: &str, bytes: &[u8]) -> Resp {
    let page = c.get(&format!("/my/contracts/{id}/step/5")).await;
    assert_eq!(page.status, 200);
    let (action, fields) = form_of(&page.body, "#upload");
    assert!(action.contains("csrf_token="), "{action}");
    let kinds = {
        let doc = page.html();
        let sel = scraper::Selector::parse("#upload select[name=kind] option").unwrap();
        doc.select(&sel)
            .filter_map(|o| o.value().attr("value").map(str::to_owned))
            .collect::<Vec<_>>()
    };
    assert!(kinds.iter().any(|k| k == kind), "{kind} offered: {kinds:?}");
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in fields {
        let v = if k == "kind" { kind.to_owned() } else { v };
        form = form.text(k, v);
    }
    form = form.text("op", "upload").part(
        "file",
        reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned()),
    );
    c.send(c.request(reqwest::Method::POST, &action).multipart(form))
        .await
}

/// Opens the case page and submits the action panel `key` with `extra`
/// typed in (and the reason codes ticked).
async fn act(c: &TestClient, id: i64, key: &str, extra: &[(&str, &str)]) -> Resp {
    let page = c.get(&format!("/review/contracts/{id}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let form_css = format!("#panel-{key} form");
    let (action, mut fields) = form_of(&page.body, &form_css);
    assert_eq!(action, format!("/review/contracts/{id}/actions/{key}"));
    assert!(get_field(&fields, "version").is_some(), "hidden version");
    for (k, v) in extra {
        if *k == "reason_code" {
            fields.push(((*k).to_owned(), (*v).to_owned()));
        } else {
            set(&mut fields, k, v);
        }
    }
    submit(c, &action, &fields, None).await
}

fn status_on(page: &Resp) -> String {
    page.text_of("#status").unwrap_or_default()
}

/// Text of every element matching `css`, flattened.
fn texts(page: &Resp, css: &str) -> Vec<String> {
    let doc = page.html();
    let sel = scraper::Selector::parse(css).unwrap();
    doc.select(&sel)
        .map(|e| e.text().collect::<String>())
        .collect()
}

fn der_from_rs(sig: &[u8]) -> Vec<u8> {
    fn int(bytes: &[u8]) -> Vec<u8> {
        let mut b: Vec<u8> = bytes.iter().copied().skip_while(|&x| x == 0).collect();
        if b.is_empty() || b[0] & 0x80 != 0 {
            b.insert(0, 0);
        }
        let mut out = vec![0x02, b.len() as u8];
        out.extend(b);
        out
    }
    let body: Vec<u8> = [int(&sig[..32]), int(&sig[32..])].concat();
    let mut out = vec![0x30, body.len() as u8];
    out.extend(body);
    out
}

/// SM2-with-SM3 verification (default user id) by sm-crypto, not by the
/// application's own crypto module.
fn sm_crypto_verifies(public_key_hex: &str, message: &str, signature_hex: &str) -> bool {
    let sig = hex::decode(signature_hex).unwrap();
    assert_eq!(sig.len(), 64, "r‖s");
    sm_crypto::sm2::Verify::new(public_key_hex).verify_der(
        message.as_bytes(),
        &der_from_rs(&sig),
        true,
    )
}

#[tokio::test]
async fn an_application_goes_from_the_first_step_to_a_verified_certificate_and_its_revocation() {
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

    // The enterprise registers, sends its proof, and the city office
    // approves the claim: now it may apply.
    let base17 = "91310110MA1JRNY01";
    let credit_code = format!("{base17}{}", techreg::identity::credit_check_char(base17));
    let ent = app
        .register_enterprise("j_seller", ENT_MOBILE, base17, ENTERPRISE, YANGPU)
        .await;
    let r = app.upload_claim(&ent, Some(PDF), Some(PROOF)).await;
    assert_eq!(r.status, 303, "{}", r.body);
    {
        let city = sign_in(&app, "j_city").await;
        let page = city.get("/review/claims/1").await;
        assert_eq!(page.status, 200);
        let (_, fields) = form_of(&page.body, "form[action='/review/claims/1/approve']");
        let r = submit(&city, "/review/claims/1/approve", &fields, None).await;
        assert_eq!(r.status, 303, "{}", r.body);
    }

    // ---- The application, step by step --------------------------------
    let list = ent.get("/my/contracts").await;
    assert_eq!(list.status, 200, "{}", list.body);
    let (action, fields) = form_of(&list.body, "#my-contracts form");
    let r = submit(&ent, &action, &fields, None).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let location = r.header("location").unwrap().to_owned();
    let id: i64 = location
        .strip_prefix("/my/contracts/")
        .and_then(|rest| rest.strip_suffix("/step/1"))
        .expect("to step 1")
        .parse()
        .unwrap();
    let step = |n: u8| format!("/my/contracts/{id}/step/{n}");

    // Step 1: basics. The unified approval code is there from the start.
    let page = ent.get(&step(1)).await;
    assert_eq!(page.status, 200);
    let approval_code = page.text_of("#approval-code").expect("approval code");
    assert!(!approval_code.trim().is_empty());
    let approval_code = approval_code.trim().to_owned();
    let today = techreg::core::clock::shanghai_date(app.state.core.clock.now());
    let signed = (today - Days::new(20)).to_string();
    let valid_to = (today + Days::new(700)).to_string();
    let (action, mut fields) = form_of(&page.body, "#step-form");
    assert_eq!(action, step(1));
    assert_eq!(get_field(&fields, "version"), Some("0"));
    // Choosing the category refreshes the sub-types (the no-script button).
    set(&mut fields, "category", "licence");
    let r = submit(&ent, &action, &fields, Some("refresh")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("专利实施许可"));
    let (_, mut fields) = form_of(&r.body, "#step-form");
    for (k, v) in [
        ("subtype", "patent"),
        ("name", FIRST_NAME),
        ("contract_number", "HT-JRNY-001"),
        ("signed_on", &signed),
        ("valid_from", &signed),
        ("valid_to", &valid_to),
        ("applicant_side", "seller"),
    ] {
        set(&mut fields, k, v);
    }
    let r = submit(&ent, &action, &fields, Some("save")).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some(step(2).as_str()));

    // Step 2: the own enterprise is the first party; a buyer is added.
    let page = ent.get(&step(2)).await;
    assert!(page.body.contains(&approval_code), "code on every step");
    let (action, mut fields) = form_of(&page.body, "#step-form");
    assert_eq!(get_field(&fields, "parties.0.name"), Some(ENTERPRISE));
    assert_eq!(
        get_field(&fields, "parties.0.credit_code"),
        Some(credit_code.as_str())
    );
    set(&mut fields, "parties.0.legal_form", "150");
    let r = submit(&ent, &action, &fields, Some("add")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (_, mut fields) = form_of(&r.body, "#step-form");
    assert!(get_field(&fields, "parties.1.name").is_some(), "a new row");
    for (k, v) in [
        ("parties.1.role", "buyer"),
        ("parties.1.name", BUYER),
        ("parties.1.region", "310104"),
        ("parties.1.legal_form", "160"),
        ("parties.1.contact", "王经理 021-12345678"),
    ] {
        set(&mut fields, k, v);
    }
    let r = submit(&ent, &action, &fields, Some("save")).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some(step(3).as_str()));

    // Step 3: amounts, with one deduction; 技术交易额 is computed.
    let page = ent.get(&step(3)).await;
    let (action, mut fields) = form_of(&page.body, "#step-form");
    set(&mut fields, "deal_amount", "300,000");
    let r = submit(&ent, &action, &fields, Some("add")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (_, mut fields) = form_of(&r.body, "#step-form");
    for (k, v) in [
        ("deductions.0.item", "检测设备"),
        ("deductions.0.amount", "50000"),
        ("payment_method", "instalments"),
        ("payment_schedule", "签约后付 50%，验收后付 50%"),
    ] {
        set(&mut fields, k, v);
    }
    let r = submit(&ent, &action, &fields, Some("refresh")).await;
    assert_eq!(r.status, 200);
    assert!(
        r.text_of("#tech-amount").unwrap().contains("250,000.00"),
        "{}",
        r.text_of("#tech-amount").unwrap()
    );
    let (_, fields) = form_of(&r.body, "#step-form");
    let r = submit(&ent, &action, &fields, Some("save")).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some(step(4).as_str()));

    // Step 4: technology; a licence needs its patent.
    let page = ent.get(&step(4)).await;
    assert!(
        page.body
            .contains("技术转让、技术许可合同须填写所涉知识产权")
    );
    let (action, mut fields) = form_of(&page.body, "#step-form");
    for (k, v) in [
        ("tech_field", "01"),
        ("project_leader", "张工"),
        ("leader_phone", "13800000000"),
        (
            "summary",
            "许可被许可方实施基于机器视觉的零件表面缺陷在线检测专利技术，并提供技术资料和培训。",
        ),
    ] {
        set(&mut fields, k, v);
    }
    if get_field(&fields, "ip_items.0.number").is_none() {
        let r = submit(&ent, &action, &fields, Some("add")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        fields = form_of(&r.body, "#step-form").1;
    }
    for (k, v) in [
        ("ip_items.0.ip_type", "02"),
        ("ip_items.0.number", "ZL202410000001.X"),
        ("ip_items.0.owner", ENTERPRISE),
    ] {
        set(&mut fields, k, v);
    }
    let r = submit(&ent, &action, &fields, Some("save")).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some(step(5).as_str()));

    // Step 5: the contract scan.
    let r = upload(&ent, id, "contract", "合同文本.pdf", PDF).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = ent.get(&step(5)).await;
    assert!(
        page.text_of("#attachments")
            .unwrap()
            .contains("合同文本.pdf")
    );

    // Step 6: all checks pass; the declaration, then submission.
    let page = ent.get(&step(6)).await;
    assert_eq!(page.status, 200);
    assert!(page.text_of("#ready").is_some(), "{}", page.body);
    assert!(page.body.contains("250,000.00"));
    let (action, mut fields) = form_of(&page.body, "#submit-form");
    assert_eq!(get_field(&fields, "declaration"), None, "not ticked");
    set(&mut fields, "declaration", "1");
    let r = submit(&ent, &action, &fields, None).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let case_url = format!("/my/contracts/{id}");
    assert_eq!(r.header("location"), Some(case_url.as_str()));
    let page = ent.get(&case_url).await;
    assert_eq!(status_on(&page), "待受理");
    assert_eq!(
        page.text_of("#approval-code").unwrap().trim(),
        approval_code
    );
    let list = ent.get("/my/contracts").await;
    assert!(list.body.contains(&approval_code) && list.body.contains("等待受理"));

    // ---- The district office accepts and returns ----------------------
    let clerk = sign_in(&app, "j_clerk").await;
    let queue = clerk.get("/review/contracts?queue=accept").await;
    assert_eq!(queue.status, 200);
    assert!(queue.body.contains(&approval_code), "in the clerk's queue");
    assert!(queue.body.contains("250,000.00"));
    let case = clerk.get(&format!("/review/contracts/{id}")).await;
    assert_eq!(
        case.text_of("#approval-code").unwrap().trim(),
        approval_code
    );
    let r = act(&clerk, id, "accept", &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);

    let reviewer = sign_in(&app, "j_reviewer").await;
    let queue = reviewer.get("/review/contracts?queue=review").await;
    assert!(queue.body.contains(&approval_code), "in the review queue");
    let case = reviewer.get(&format!("/review/contracts/{id}")).await;
    assert!(case.body.contains("panel-return"));
    let return_codes = choices_in(&case.body, "#panel-return form", "reason_code");
    let first_code = return_codes.first().expect("return reasons offered");
    let r = act(
        &reviewer,
        id,
        "return",
        &[
            ("reason_code", first_code),
            ("comment_name", "合同名称应与合同文本首页一致"),
            ("comment_deal_amount", "成交额与合同第五条约定不符"),
            ("reason", "请按意见补正后重新提交"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let case = reviewer.get(&format!("/review/contracts/{id}")).await;
    assert_eq!(
        case.html()
            .select(&scraper::Selector::parse("#case").unwrap())
            .next()
            .unwrap()
            .value()
            .attr("data-status"),
        Some("returned")
    );

    // ---- The applicant corrects --------------------------------------
    let r = ent.get(&case_url).await;
    assert_eq!(
        r.header("location"),
        Some(step(6).as_str()),
        "a returned case opens at the review step"
    );
    let list = ent.get("/my/contracts").await;
    assert!(list.body.contains("请补正"));
    let page = ent.get(&step(6)).await;
    let comments = page.text_of("#review-comments").expect("the comments");
    assert!(comments.contains("合同名称应与合同文本首页一致"));
    assert!(comments.contains("成交额与合同第五条约定不符"));
    // Beside their fields.
    let page = ent.get(&step(1)).await;
    assert_eq!(
        texts(&page, "#f-name ~ p.comment"),
        ["审查意见：合同名称应与合同文本首页一致"]
    );
    let (action, mut fields) = form_of(&page.body, "#step-form");
    set(&mut fields, "name", CORRECTED_NAME);
    let r = submit(&ent, &action, &fields, Some("save")).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = ent.get(&step(3)).await;
    assert_eq!(
        texts(&page, "#f-deal_amount ~ p.comment"),
        ["审查意见：成交额与合同第五条约定不符"]
    );
    let (action, mut fields) = form_of(&page.body, "#step-form");
    set(&mut fields, "deal_amount", "320000");
    let r = submit(&ent, &action, &fields, Some("save")).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = ent.get(&step(6)).await;
    assert!(page.text_of("#ready").is_some(), "{}", page.body);
    assert!(page.body.contains("270,000.00"));
    let (action, mut fields) = form_of(&page.body, "#submit-form");
    set(&mut fields, "declaration", "1");
    let r = submit(&ent, &action, &fields, None).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(status_on(&ent.get(&case_url).await), "待受理");

    // ---- Accepted again; the reviewer sees the diff and proposes --------
    let r = act(&clerk, id, "accept", &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let case = reviewer.get(&format!("/review/contracts/{id}")).await;
    let changes = case.text_of("#changed-fields").expect("the changed fields");
    assert!(
        changes.contains("合同名称") && changes.contains("成交额"),
        "{changes}"
    );
    let rows = texts(&case, "#changed-fields tbody tr");
    let name_row = rows
        .iter()
        .find(|r| r.contains("合同名称"))
        .expect("the name changed");
    let old_at = name_row.find(FIRST_NAME).expect("old name");
    let new_at = name_row.find(CORRECTED_NAME).expect("new name");
    assert!(old_at < new_at, "old → new: {name_row}");
    assert_eq!(texts(&case, "#changed-fields tbody tr del")[0], FIRST_NAME);
    assert_eq!(
        texts(&case, "#changed-fields tbody tr ins")[0],
        CORRECTED_NAME
    );
    let amount_row = rows
        .iter()
        .find(|r| r.contains("成交额"))
        .expect("the amount changed");
    assert!(
        amount_row.contains("300,000.00") && amount_row.contains("320,000.00"),
        "{amount_row}"
    );
    assert!(
        !changes.contains("项目负责人"),
        "unchanged fields are not listed"
    );
    assert!(
        case.text_of("#return-comments")
            .unwrap()
            .contains("合同名称应与合同文本首页一致")
    );
    let r = act(
        &reviewer,
        id,
        "propose_register",
        &[("reason", "符合技术许可合同认定条件，建议登记")],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);

    // ---- The city office approves --------------------------------------
    let city = sign_in(&app, "j_city").await;
    let queue = city.get("/review/contracts?queue=approve").await;
    assert!(queue.body.contains(&approval_code), "in the approval queue");
    let r = act(&city, id, "approve", &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let case = city.get(&format!("/review/contracts/{id}")).await;
    assert!(case.body.contains(r#"data-status="registered""#));
    assert_eq!(
        case.text_of("#approval-code").unwrap().trim(),
        approval_code
    );

    // ---- The applicant: registration number, timeline, messages --------
    let page = ent.get(&case_url).await;
    assert_eq!(status_on(&page), "已登记");
    assert_eq!(
        page.text_of("#approval-code").unwrap().trim(),
        approval_code
    );
    let number = page
        .text_of("#registration-number")
        .expect("the registration number")
        .trim()
        .to_owned();
    assert!(!number.is_empty());
    let timeline = page.text_of("#timeline").unwrap();
    for step in [
        "草稿 → 待受理",
        "待受理 → 审查中",
        "审查中 → 退回补正",
        "退回补正 → 待受理",
        "审查中 → 待审定",
        "待审定 → 已登记",
    ] {
        assert!(timeline.contains(step), "{step} in {timeline}");
    }
    let rows = texts(&page, "#timeline tbody tr");
    let actions: Vec<&str> = [
        "提交",
        "受理",
        "退回补正",
        "提交",
        "受理",
        "建议登记",
        "审定登记",
    ]
    .to_vec();
    assert_eq!(rows.len(), actions.len(), "{rows:?}");
    for (row, action) in rows.iter().zip(&actions) {
        assert!(row.contains(action), "{action} in {row}");
    }
    assert!(rows[2].contains("请按意见补正后重新提交"), "{}", rows[2]);

    let messages = ent.get("/messages").await;
    assert_eq!(messages.status, 200);
    let titles = texts(&messages, ".messages .message-title");
    for status in ["审查中", "退回补正", "待审定", "已登记"] {
        assert!(
            titles.iter().any(|t| t.starts_with(status)),
            "{status} in {titles:?}"
        );
    }
    assert!(
        texts(&messages, ".messages .message-body")
            .iter()
            .all(|b| b.contains(&approval_code))
    );
    let sms = app.last_sms(ENT_MOBILE).await.expect("an SMS");
    assert!(
        sms.contains("已登记") && sms.contains(&approval_code),
        "{sms}"
    );

    // ---- The certificate: downloaded from the applicant's page ---------
    let link = format!("/contracts/{id}/certificate.pdf");
    let offered = texts(&page, &format!("a[href='{link}']"));
    assert_eq!(offered.len(), 1, "a download link on the applicant's page");
    let resp = ent
        .request(reqwest::Method::GET, &link)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/pdf")
    );
    let pdf = resp.bytes().await.unwrap().to_vec();
    assert!(pdf.starts_with(b"%PDF"));
    let doc = lopdf::Document::load_mem(&pdf).expect("the PDF parses");
    let text = doc.extract_text(&[1]).expect("text extracts");
    let flat: String = text.split_whitespace().collect();
    for expected in [
        "上海市技术合同认定登记证明",
        number.as_str(),
        approval_code.as_str(),
        CORRECTED_NAME,
        ENTERPRISE,
        BUYER,
        "270,000.00",
    ] {
        assert!(flat.contains(expected), "{expected} in {flat}");
    }
    // The verification code is printed only here.
    let code: String = flat
        .split_once("核验码：")
        .expect("the verification code line")
        .1
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    assert_eq!(code.len(), 8, "{flat}");
    assert!(
        flat.contains(&format!("/verify/{number}?code={code}")),
        "the printed verification address: {flat}"
    );

    // ---- Anyone verifies ------------------------------------------------
    let public = app.client();
    let r = public.get(&format!("/verify/{number}?code={code}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.text_of(".cert-status").as_deref(), Some("有效"));
    assert_eq!(r.text_of(".cert-name").as_deref(), Some(CORRECTED_NAME));
    assert_eq!(r.text_of(".cert-number").as_deref(), Some(number.as_str()));
    let wrong = public.get(&format!("/verify/{number}?code=ZZZZ2345")).await;
    assert_eq!(wrong.status, 404);
    assert!(!wrong.body.contains(CORRECTED_NAME));

    let api = public
        .get(&format!("/api/certificates/{number}?code={code}"))
        .await;
    assert_eq!(api.status, 200, "{}", api.body);
    let j = api.json();
    assert_eq!(j["status"], "valid");
    assert_eq!(j["registration_number"], number.as_str());
    assert_eq!(j["algorithm"], "SM2-with-SM3");
    let canonical = j["canonical_text"].as_str().unwrap().to_owned();
    let signature = j["signature"].as_str().unwrap().to_owned();
    let signed_data: serde_json::Value =
        serde_json::from_str(&canonical).expect("the canonical text is JSON");
    assert_eq!(signed_data["registration_number"], number.as_str());
    assert_eq!(signed_data["approval_code"], approval_code.as_str());
    assert_eq!(signed_data["contract_name"], CORRECTED_NAME);
    assert_eq!(signed_data["deal_amount_fen"], 32_000_000);
    assert_eq!(signed_data["tech_amount_fen"], 27_000_000);

    let keys = public.get("/api/keys").await;
    assert_eq!(keys.status, 200);
    let keys = keys.json();
    let key = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["key_id"] == j["key_id"])
        .expect("the signer's key is published");
    let public_key = key["public_key"].as_str().unwrap();
    assert!(public_key.starts_with("04") && public_key.len() == 130);
    assert!(
        sm_crypto_verifies(public_key, &canonical, &signature),
        "the signature checks out with sm-crypto"
    );
    let tampered = canonical.replace("27000000", "97000000");
    assert_ne!(tampered, canonical);
    assert!(!sm_crypto_verifies(public_key, &tampered, &signature));

    // ---- The city office revokes ----------------------------------------
    let r = act(&city, id, "revoke", &[("reason", "")]).await;
    assert_eq!(r.status, 422, "a reason is required");
    assert_eq!(
        public
            .get(&format!("/verify/{number}?code={code}"))
            .await
            .text_of(".cert-status")
            .as_deref(),
        Some("有效"),
        "nothing changed"
    );
    let r = act(&city, id, "revoke", &[("reason", "以欺骗手段取得登记")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = public.get(&format!("/verify/{number}?code={code}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.text_of(".cert-status").as_deref(), Some("已撤销"));
    let api = public
        .get(&format!("/api/certificates/{number}?code={code}"))
        .await;
    assert_eq!(api.json()["status"], "revoked");
    assert_eq!(
        api.json()["canonical_text"].as_str(),
        Some(canonical.as_str()),
        "the signed text stays as signed"
    );

    let page = ent.get(&case_url).await;
    assert_eq!(status_on(&page), "已撤销");
    let timeline = page.text_of("#timeline").unwrap();
    assert!(timeline.contains("已登记 → 已撤销"), "{timeline}");
    assert!(timeline.contains("以欺骗手段取得登记"));
    let messages = ent.get("/messages").await;
    assert!(
        texts(&messages, ".messages .message-title")
            .iter()
            .any(|t| t.starts_with("已撤销")),
        "the revocation reaches the message center"
    );
    let sms = app.last_sms(ENT_MOBILE).await.expect("an SMS");
    assert!(
        sms.contains("已撤销"),
        "a final result goes by SMS too: {sms}"
    );
}
