//! The contract service as the screens use it: a complete application is
//! submitted to the responsible office with a working-day deadline, moves
//! through acceptance, review, large-contract approval and final approval
//! with an event per step; registration numbers are never reused; a stale
//! version changes nothing; return for correction restarts or pauses the
//! clock; an office never acts on another office's case.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use techreg::contracts::application::{Amounts, Basics, IpItem, Party, Technology};
use techreg::contracts::service::{self, ActInput, SubmitError};
use techreg::contracts::state::{Action, Status};
use techreg::core::Caller;
use techreg::core::Scope;
use techreg::identity::credit_check_char;
use techreg::web::WebError;
use techreg_entities::contract::{contract, event, snapshot};
use techreg_entities::identity::app_user;
use techreg_tests::TestApp;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Moves the app's clock to a fixed instant and loads the published
/// holiday arrangements, so deadlines can be checked by hand.
async fn at(app: &TestApp, instant: &str) {
    let target: DateTime<Utc> = instant.parse().unwrap();
    app.state
        .core
        .clock
        .advance(target - app.state.core.clock.now());
    techreg::calendar::seed_published(&app.state.core.db, app.state.core.clock.now())
        .await
        .unwrap();
    app.state.calendar.invalidate();
}

async fn auth(app: &TestApp, user_id: i64) -> Caller {
    let user = app_user::Entity::find_by_id(user_id)
        .one(&app.state.core.db)
        .await
        .unwrap()
        .unwrap();
    let (grants, _) =
        techreg::identity::load_grants(&app.state.core.db, app.state.keys.as_ref(), user_id)
            .await
            .unwrap();
    Caller {
        user: (&user).into(),
        grants,
        session_key: String::new(),
        client_ip: "127.0.0.1".into(),
        acting_for: None,
    }
}

fn code(base17: &str) -> String {
    format!("{base17}{}", credit_check_char(base17))
}

/// An enterprise in `district` with its admin, who may apply.
async fn applicant(app: &TestApp, n: u32, district: &str) -> Caller {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    use techreg::identity;
    let now = app.state.core.clock.now();
    let e = techreg_entities::org::enterprise::ActiveModel {
        credit_code: Set(code(&format!("91{district}00000{n:04}"))),
        name: Set(format!("上海申请单位{n}有限公司")),
        district_code: Set(Some(district.into())),
        status: Set("verified".into()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.state.core.db)
    .await
    .unwrap();
    techreg::org::assign_new(
        &app.state.core.db,
        e.id,
        &e.credit_code,
        Some(district),
        now,
    )
    .await
    .unwrap();
    let u = identity::create_user(
        &app.state.core.db,
        app.state.keys.as_ref(),
        app.state.core.config.security.pbkdf2_iterations,
        identity::NewUser {
            username: &format!("ent{n}"),
            display_name: "申请人",
            kind: identity::KIND_ENTERPRISE,
            status: identity::STATUS_ACTIVE,
            enterprise_id: Some(e.id),
            is_enterprise_admin: true,
            mobile: Some(&format!("1390014{n:04}")),
            id_card: None,
            password: techreg_tests::PASSWORD,
            must_change_password: false,
        },
        now,
    )
    .await
    .unwrap();
    identity::assign_role(
        &app.state.core.db,
        app.state.keys.as_ref(),
        u.id,
        "enterprise_admin",
        Scope::Enterprise(e.id),
        None,
        now,
    )
    .await
    .unwrap();
    auth(app, u.id).await
}

async fn staff(app: &TestApp, name: &str, n: u32, role: &str, scope: Scope) -> Caller {
    let id = app
        .create_user(name, &format!("1390015{n:04}"), role, scope, false)
        .await;
    auth(app, id).await
}

async fn current(app: &TestApp, id: i64) -> contract::Model {
    contract::Entity::find_by_id(id)
        .one(&app.state.core.db)
        .await
        .unwrap()
        .unwrap()
}

/// A complete application (every step valid), not yet submitted.
async fn complete_draft(app: &TestApp, user: &Caller, deal_yuan: i64, category: &str) -> i64 {
    let s = &app.state;
    let c = service::create_draft(s, user).await.unwrap();
    let id = c.id;
    let basics = Basics {
        category: category.into(),
        subtype: if category == "licence" {
            "patent"
        } else {
            "entrusted"
        }
        .into(),
        name: "基于机器视觉的表面缺陷检测系统委托开发合同".into(),
        contract_number: "HT-2026-088".into(),
        signed_on: Some(d("2026-09-01")),
        valid_from: Some(d("2026-09-01")),
        valid_to: Some(d("2027-08-31")),
        applicant_side: "seller".into(),
    };
    service::save_basics(s, user, id, current(app, id).await.version, &basics)
        .await
        .unwrap();
    let parties = vec![
        Party {
            role: "seller".into(),
            name: "上海申请单位有限公司".into(),
            credit_code: Some(code("91310115000000001")),
            region: Some("310115".into()),
            legal_form: Some("150".into()),
            country: None,
            contact: "021-1".into(),
        },
        Party {
            role: "buyer".into(),
            name: "江苏某制造有限公司".into(),
            credit_code: None,
            region: Some("310112".into()),
            legal_form: None,
            country: None,
            contact: String::new(),
        },
    ];
    service::save_parties(s, user, id, current(app, id).await.version, &parties)
        .await
        .unwrap();
    let amounts = Amounts {
        deal_amount: Some(deal_yuan * 100),
        deductions: vec![("检测设备".into(), deal_yuan * 10)],
        payment_method: "instalments".into(),
        payment_schedule: "签约后付 50%，验收后付 50%".into(),
    };
    service::save_amounts(s, user, id, current(app, id).await.version, &amounts)
        .await
        .unwrap();
    let field = s
        .dictionaries
        .active(techreg::dictionary::DICT_TECH_FIELD)
        .await
        .unwrap()[0]
        .code
        .clone();
    let ip_type = s
        .dictionaries
        .active(techreg::dictionary::DICT_IP_TYPE)
        .await
        .unwrap()
        .iter()
        .last()
        .unwrap()
        .code
        .clone();
    let tech = Technology {
        tech_field: field,
        socio_goal: None,
        project_leader: "张工".into(),
        leader_phone: "13800000000".into(),
        summary: "研制一套基于机器视觉的零件表面缺陷在线检测系统，交付软件与技术文档。".into(),
        ip_items: vec![IpItem {
            ip_type,
            number: "ZL202610000001.X".into(),
            owner: "上海申请单位有限公司".into(),
        }],
    };
    service::save_technology(s, user, id, current(app, id).await.version, &tech)
        .await
        .unwrap();
    service::add_attachment(
        s,
        user,
        id,
        current(app, id).await.version,
        "contract",
        "合同.pdf",
        b"%PDF-1.7 contract scan",
    )
    .await
    .unwrap()
    .unwrap();
    id
}

async fn submit(app: &TestApp, user: &Caller, id: i64) -> contract::Model {
    let v = current(app, id).await.version;
    match service::submit(&app.state, user, id, v, true).await {
        Ok(c) => c,
        Err(SubmitError::Problems(p)) => panic!("{p:?}"),
        Err(e) => panic!("{e:?}"),
    }
}

async fn act(app: &TestApp, user: &Caller, id: i64, action: Action) -> contract::Model {
    let v = current(app, id).await.version;
    service::act(
        &app.state,
        Some(user),
        id,
        v,
        action,
        ActInput {
            reason: "审查意见".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{action:?}: {e:?}"))
}

fn status(c: &contract::Model) -> Status {
    Status::parse(&c.status).unwrap()
}

#[tokio::test]
async fn a_complete_application_goes_to_its_office_and_through_to_registration() {
    let app = TestApp::spawn().await;
    // Tuesday 29 September 2026, 10:00 in Shanghai: National Day is ahead.
    at(&app, "2026-09-29T02:00:00Z").await;
    let pudong = app.create_office("310115", "浦东新区技术合同登记处").await;
    let clerk = staff(&app, "clerk", 1, "office_clerk", Scope::Office(pudong)).await;
    let reviewer = staff(
        &app,
        "reviewer",
        2,
        "office_reviewer",
        Scope::Office(pudong),
    )
    .await;
    let city = staff(&app, "city", 3, "city_officer", Scope::All).await;
    let ent = applicant(&app, 1, "310115").await;

    let id = complete_draft(&app, &ent, 100_000, "development").await;
    assert_eq!(current(&app, id).await.steps_done, 0b11111);
    let c = submit(&app, &ent, id).await;
    assert_eq!(status(&c), Status::Submitted);
    assert_eq!(c.office_id, Some(pudong));
    assert_eq!(c.assigned_user_id, Some(clerk.user.id));
    assert_eq!(c.round, 1);
    assert_eq!(c.tech_amount, Some(9_000_000), "100,000 yuan less 10,000");
    assert!(!c.large);
    // Two working days: 30 September, then (1–7 October off) 8 October.
    assert_eq!(c.stage_deadline, Some(d("2026-10-08")));
    assert!(
        c.approval_code.starts_with("JSHT20260929"),
        "{}",
        c.approval_code
    );
    let snaps = snapshot::Entity::find()
        .filter(snapshot::Column::ContractId.eq(id))
        .all(&app.state.core.db)
        .await
        .unwrap();
    assert_eq!(snaps.len(), 1);
    assert!(snaps[0].data.contains("基于机器视觉"));

    // Accepted on the 30th: seven working days are 8, 9, 10 (make-up
    // Saturday), 12, 13, 14, 15 October.
    app.state.core.clock.advance(chrono::Duration::days(1));
    let c = act(&app, &clerk, id, Action::Accept).await;
    assert_eq!(status(&c), Status::Reviewing);
    assert_eq!(c.stage_deadline, Some(d("2026-10-15")));
    assert_eq!(c.assigned_user_id, Some(reviewer.user.id));
    let c = act(&app, &reviewer, id, Action::ProposeRegister).await;
    assert_eq!(status(&c), Status::PendingApproval);
    assert_eq!(c.proposal.as_deref(), Some("register"));
    let c = act(&app, &city, id, Action::Approve).await;
    assert_eq!(status(&c), Status::Registered);
    assert_eq!(c.registration_number.as_deref(), Some("2026SH310115000001"));
    assert!(c.registered_at.is_some());
    assert_eq!(c.stage_deadline, None);

    let events: Vec<(String, String, String)> = event::Entity::find()
        .filter(event::Column::ContractId.eq(id))
        .order_by_asc(event::Column::Id)
        .all(&app.state.core.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.from_status, e.to_status))
        .collect();
    let expected = [
        ("submit", "draft", "submitted"),
        ("accept", "submitted", "reviewing"),
        ("propose_register", "reviewing", "pending_approval"),
        ("approve", "pending_approval", "registered"),
    ];
    assert_eq!(events.len(), expected.len());
    for (got, want) in events.iter().zip(expected) {
        assert_eq!((got.0.as_str(), got.1.as_str(), got.2.as_str()), want);
    }
    assert_eq!(
        app.count("audit_log WHERE action = 'contract.transition'")
            .await,
        4
    );

    // Notices: the applicant heard of every decision (the final one by SMS
    // as well), and each person who got the case was told.
    let applicant_notices = app
        .count(&format!(
            "message WHERE user_id = {} AND kind = 'status'",
            ent.user.id
        ))
        .await;
    assert_eq!(applicant_notices, 3, "accepted, proposed, registered");
    for staff_id in [clerk.user.id, reviewer.user.id] {
        assert_eq!(
            app.count(&format!(
                "message WHERE user_id = {staff_id} AND kind = 'work'"
            ))
            .await,
            1
        );
    }
    let sms = app.last_sms("13900140001").await.unwrap();
    assert!(sms.contains("已登记"), "{sms}");

    // The certificate is issued in the same transaction, signed, and the
    // applicant downloads it; nobody else does.
    assert_eq!(
        app.count(
            "certificate WHERE registration_number = '2026SH310115000001' AND status = 'valid'"
        )
        .await,
        1
    );
    let c = app.client();
    let r = app
        .login(&c, "ent1", techreg_tests::PASSWORD, "13900140001")
        .await;
    assert_eq!(r.status, 303);
    let pdf = c.get(&format!("/contracts/{id}/certificate.pdf")).await;
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    let stranger = applicant(&app, 9, "310104").await;
    let s = app.client();
    app.login(
        &s,
        &stranger.user.username,
        techreg_tests::PASSWORD,
        "13900140009",
    )
    .await;
    assert_eq!(
        s.get(&format!("/contracts/{id}/certificate.pdf"))
            .await
            .status,
        404
    );

    // Revocation by the city office shows on the certificate.
    act(&app, &city, id, Action::Revoke).await;
    assert_eq!(
        app.count(
            "certificate WHERE registration_number = '2026SH310115000001' AND status = 'revoked'"
        )
        .await,
        1
    );

    // The next registration of the office takes the next serial.
    let id2 = complete_draft(&app, &ent, 20_000, "development").await;
    submit(&app, &ent, id2).await;
    act(&app, &clerk, id2, Action::Accept).await;
    act(&app, &reviewer, id2, Action::ProposeRegister).await;
    let c2 = act(&app, &city, id2, Action::Approve).await;
    assert_eq!(
        c2.registration_number.as_deref(),
        Some("2026SH310115000002")
    );
}

#[tokio::test]
async fn an_incomplete_application_is_not_submitted_and_says_what_to_fix() {
    let app = TestApp::spawn().await;
    at(&app, "2026-09-29T02:00:00Z").await;
    app.create_office("310115", "浦东新区技术合同登记处").await;
    let ent = applicant(&app, 1, "310115").await;
    let c = service::create_draft(&app.state, &ent).await.unwrap();
    let err = service::submit(&app.state, &ent, c.id, c.version, false)
        .await
        .unwrap_err();
    let SubmitError::Problems(problems) = err else {
        panic!("{err:?}")
    };
    let steps: std::collections::BTreeSet<u8> = problems.iter().map(|p| p.step).collect();
    assert_eq!(steps, [1, 2, 3, 4, 5, 6].into());
    assert!(problems.iter().any(|p| p.message == "请阅读并勾选申报声明"));
    let after = current(&app, c.id).await;
    assert_eq!(status(&after), Status::Draft);
    assert_eq!(after.version, c.version);
    assert_eq!(app.count("contract_event").await, 0);

    // A licence without IP items is refused at submission too.
    let id = complete_draft(&app, &ent, 1_000, "licence").await;
    let full = service::load(&app.state.core.db, id)
        .await
        .unwrap()
        .unwrap();
    let mut tech = full.technology();
    tech.ip_items.clear();
    service::save_technology(&app.state, &ent, id, full.contract.version, &tech)
        .await
        .unwrap();
    let v = current(&app, id).await.version;
    let Err(SubmitError::Problems(p)) = service::submit(&app.state, &ent, id, v, true).await else {
        panic!("refused")
    };
    assert!(p.iter().any(|x| x.field == "ip_items"), "{p:?}");
}

#[tokio::test]
async fn large_contracts_need_the_large_contract_approver() {
    let app = TestApp::spawn().await;
    at(&app, "2026-09-29T02:00:00Z").await;
    let o = app.create_office("310115", "浦东新区技术合同登记处").await;
    let clerk = staff(&app, "clerk", 1, "office_clerk", Scope::Office(o)).await;
    let reviewer = staff(&app, "reviewer", 2, "office_reviewer", Scope::Office(o)).await;
    let large = staff(&app, "large", 3, "office_large_approver", Scope::Office(o)).await;
    let city = staff(&app, "city", 4, "city_officer", Scope::All).await;
    let ent = applicant(&app, 1, "310115").await;
    // 6,000,000 yuan less 10 % = 5,400,000 ≥ 5,000,000.
    let id = complete_draft(&app, &ent, 6_000_000, "development").await;
    let c = submit(&app, &ent, id).await;
    assert!(c.large);
    act(&app, &clerk, id, Action::Accept).await;
    let c = act(&app, &reviewer, id, Action::ProposeRegister).await;
    assert_eq!(status(&c), Status::LargeApproval);
    assert_eq!(c.assigned_user_id, Some(large.user.id));
    // The reviewer cannot approve it himself, nor the city skip the step.
    let v = c.version;
    let r = service::act(
        &app.state,
        Some(&reviewer),
        id,
        v,
        Action::ApproveLarge,
        ActInput::default(),
    )
    .await;
    assert!(matches!(r, Err(WebError::Forbidden(_))), "{r:?}");
    let r = service::act(
        &app.state,
        Some(&city),
        id,
        v,
        Action::Approve,
        ActInput::default(),
    )
    .await;
    assert!(matches!(r, Err(WebError::Conflict(_))), "{r:?}");
    let c = act(&app, &large, id, Action::ApproveLarge).await;
    assert_eq!(status(&c), Status::PendingApproval);
    let c = act(&app, &city, id, Action::Approve).await;
    assert_eq!(status(&c), Status::Registered);
}

#[tokio::test]
async fn the_second_of_two_identical_actions_changes_nothing() {
    let app = TestApp::spawn().await;
    at(&app, "2026-09-29T02:00:00Z").await;
    let o = app.create_office("310115", "浦东新区技术合同登记处").await;
    let clerk = staff(&app, "clerk", 1, "office_clerk", Scope::Office(o)).await;
    let head = staff(&app, "head", 2, "office_head", Scope::Office(o)).await;
    let ent = applicant(&app, 1, "310115").await;
    let id = complete_draft(&app, &ent, 100_000, "development").await;
    let c = submit(&app, &ent, id).await;
    // Two people open the same case and act on what they saw.
    let (a, b) = tokio::join!(
        service::act(
            &app.state,
            Some(&clerk),
            id,
            c.version,
            Action::Accept,
            ActInput::default()
        ),
        service::act(
            &app.state,
            Some(&head),
            id,
            c.version,
            Action::NotAccept,
            ActInput {
                reason: "材料不全".into(),
                ..Default::default()
            }
        ),
    );
    let ok = [a.is_ok(), b.is_ok()];
    assert_eq!(ok.iter().filter(|x| **x).count(), 1, "{a:?} {b:?}");
    let failed = if a.is_ok() { b } else { a };
    assert!(matches!(failed, Err(WebError::Conflict(_))), "{failed:?}");
    assert_eq!(
        app.count("contract_event").await,
        2,
        "submit and one decision"
    );
    // A double submission is refused the same way.
    let r = service::submit(&app.state, &ent, id, c.version - 1, true).await;
    assert!(
        matches!(r, Err(SubmitError::Web(WebError::Conflict(_)))),
        "{r:?}"
    );
}

#[tokio::test]
async fn another_office_never_acts_on_the_case() {
    let app = TestApp::spawn().await;
    at(&app, "2026-09-29T02:00:00Z").await;
    let a = app.create_office("310115", "浦东新区技术合同登记处").await;
    let b = app.create_office("310104", "徐汇区技术合同登记处").await;
    let other = staff(&app, "clerk_b", 1, "office_clerk", Scope::Office(b)).await;
    staff(&app, "clerk_a", 2, "office_clerk", Scope::Office(a)).await;
    let ent = applicant(&app, 1, "310115").await;
    let stranger = applicant(&app, 2, "310104").await;
    let id = complete_draft(&app, &ent, 100_000, "development").await;
    let c = submit(&app, &ent, id).await;
    let r = service::act(
        &app.state,
        Some(&other),
        id,
        c.version,
        Action::Accept,
        ActInput::default(),
    )
    .await;
    assert!(matches!(r, Err(WebError::NotFound)), "{r:?}");
    let r = service::act(
        &app.state,
        Some(&stranger),
        id,
        c.version,
        Action::Withdraw,
        ActInput::default(),
    )
    .await;
    assert!(matches!(r, Err(WebError::NotFound)), "{r:?}");
    let r = service::save_basics(&app.state, &stranger, id, c.version, &Basics::default()).await;
    assert!(matches!(r, Err(WebError::NotFound)), "{r:?}");
    assert_eq!(status(&current(&app, id).await), Status::Submitted);
    // The applicant may withdraw before acceptance.
    let c = act(&app, &ent, id, Action::Withdraw).await;
    assert_eq!(status(&c), Status::Withdrawn);
}

#[tokio::test]
async fn a_return_restarts_or_pauses_the_review_clock() {
    for mode in ["restart", "pause"] {
        let app = TestApp::spawn().await;
        at(&app, "2026-11-02T02:00:00Z").await; // Monday
        app.state
            .settings
            .set("contracts.return_clock", mode, "test")
            .await
            .unwrap();
        let o = app.create_office("310115", "浦东新区技术合同登记处").await;
        let clerk = staff(&app, "clerk", 1, "office_clerk", Scope::Office(o)).await;
        let reviewer = staff(&app, "reviewer", 2, "office_reviewer", Scope::Office(o)).await;
        let ent = applicant(&app, 1, "310115").await;
        let id = complete_draft(&app, &ent, 100_000, "development").await;
        submit(&app, &ent, id).await;
        let c = act(&app, &clerk, id, Action::Accept).await;
        assert_eq!(c.stage_deadline, Some(d("2026-11-11")), "{mode}");
        // Returned on Wednesday the 4th with five working days left.
        app.state.core.clock.advance(chrono::Duration::days(2));
        let v = current(&app, id).await.version;
        let c = service::act(
            &app.state,
            Some(&reviewer),
            id,
            v,
            Action::Return,
            ActInput {
                reason: "请补充".into(),
                comments: vec![("summary".into(), "请写明交付成果".into())],
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(status(&c), Status::Returned);
        assert_eq!(c.stage_deadline, None);
        assert_eq!(app.count("contract_comment").await, 1);
        // Corrected and resubmitted the next Monday, accepted the same day.
        app.state.core.clock.advance(chrono::Duration::days(5));
        let c = submit(&app, &ent, id).await;
        assert_eq!(c.round, 2);
        let c = act(&app, &clerk, id, Action::Accept).await;
        // Resubmitted Monday the 9th: five working days left end on the
        // 16th; a fresh seven end on Wednesday the 18th.
        let expected = if mode == "pause" {
            "2026-11-16"
        } else {
            "2026-11-18"
        };
        assert_eq!(c.stage_deadline, Some(d(expected)), "{mode}");
    }
}

#[tokio::test]
async fn the_city_office_decides_where_an_old_know_how_transfer_belongs() {
    let app = TestApp::spawn().await;
    let text = "原登记编号,合同名称,合同类别,合同子类,卖方名称,买方名称,成交额,登记日期\n\
                20190101000003,工艺秘密转让合同,技术转让,技术秘密转让,戊公司,己公司,300000,2019-05-03\n\
                20190101000004,培训合同,技术服务,技术培训,庚公司,辛公司,5000,2019-06-03\n";
    let rows = techreg::tabular::read(text.as_bytes()).unwrap();
    let report = techreg::contracts::legacy::plan(&app.state.core.db, &rows, "2001")
        .await
        .unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    techreg::contracts::legacy::apply(
        &app.state.core.db,
        &report,
        "2001",
        app.state.core.clock.now(),
    )
    .await
    .unwrap();
    app.create_user("city", "13900160001", "city_officer", Scope::All, false)
        .await;
    app.create_user("clerk", "13900160002", "office_clerk", Scope::All, false)
        .await;
    let clerk = app.client();
    app.login(&clerk, "clerk", techreg_tests::PASSWORD, "13900160002")
        .await;
    assert_eq!(clerk.get("/review/reclassify").await.status, 403);

    let c = app.client();
    app.login(&c, "city", techreg_tests::PASSWORD, "13900160001")
        .await;
    let page = c.get("/review/reclassify").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("工艺秘密转让合同"));
    assert!(!page.body.contains("培训合同"), "mapped automatically");
    let training = contract::Entity::find()
        .filter(contract::Column::RegistrationNumber.eq("20190101000004"))
        .one(&app.state.core.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            training.rule_version.as_str(),
            training.five_category.as_deref(),
            training.five_subtype.as_deref()
        ),
        ("2001", Some("service"), Some("training"))
    );
    let id = contract::Entity::find()
        .filter(contract::Column::RegistrationNumber.eq("20190101000003"))
        .one(&app.state.core.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let path = format!("/review/reclassify/{id}");
    let r = c
        .post_form(&path, &[("version", "0"), ("choice", "licence")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请填写确认依据"));
    assert!(current(&app, id).await.five_category.is_none());
    let r = c
        .post_form(
            &path,
            &[
                ("version", "0"),
                ("choice", "licence"),
                ("reason", "第三条：乙方仅取得使用权"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let after = current(&app, id).await;
    assert_eq!(after.five_category.as_deref(), Some("licence"));
    assert_eq!(after.rule_version, "2001", "the rule version is kept");
    assert_eq!(
        app.count("audit_log WHERE action = 'contract.reclassify'")
            .await,
        1
    );
    let page = c.get("/review/reclassify").await;
    assert!(page.body.contains("没有待确认的合同"));
}

/// A stand-in for clamd on a Unix socket, speaking INSTREAM: files that
/// hold the EICAR marker are reported infected.
async fn fake_clamd(path: std::path::PathBuf) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::UnixListener::bind(&path).unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut command = [0u8; 10];
                s.read_exact(&mut command).await.unwrap();
                assert_eq!(&command, b"zINSTREAM\0");
                let mut data = Vec::new();
                loop {
                    let mut len = [0u8; 4];
                    s.read_exact(&mut len).await.unwrap();
                    let len = u32::from_be_bytes(len) as usize;
                    if len == 0 {
                        break;
                    }
                    let mut chunk = vec![0u8; len];
                    s.read_exact(&mut chunk).await.unwrap();
                    data.extend(chunk);
                }
                let found = data.windows(5).any(|w| w == b"EICAR");
                let reply: &[u8] = if found {
                    b"stream: Eicar-Test-Signature FOUND\0"
                } else {
                    b"stream: OK\0"
                };
                s.write_all(reply).await.unwrap();
            });
        }
    });
}

#[tokio::test]
async fn uploads_go_through_the_virus_scanner_when_one_is_configured() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("clamd.sock");
    fake_clamd(socket.clone()).await;
    let configured = socket.display().to_string();
    let app = TestApp::spawn_with(|c| c.antivirus.clamd_socket = configured).await;
    at(&app, "2026-09-29T02:00:00Z").await;
    app.create_office("310115", "浦东新区技术合同登记处").await;
    let ent = applicant(&app, 1, "310115").await;
    let c = service::create_draft(&app.state, &ent).await.unwrap();
    let infected =
        b"%PDF-1.7 X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
    let r = service::add_attachment(
        &app.state, &ent, c.id, c.version, "contract", "a.pdf", infected,
    )
    .await
    .unwrap();
    assert_eq!(
        r,
        Err("文件未通过病毒检查（Eicar-Test-Signature），未保存".into())
    );
    assert_eq!(app.count("contract_attachment").await, 0);
    assert_eq!(app.count("stored_file").await, 0);
    let r = service::add_attachment(
        &app.state,
        &ent,
        c.id,
        c.version,
        "contract",
        "b.pdf",
        b"%PDF-1.7 clean",
    )
    .await
    .unwrap();
    assert_eq!(r, Ok(()));
    assert_eq!(app.count("contract_attachment").await, 1);

    // The scanner gone: uploads are refused, not let through unscanned.
    std::fs::remove_file(&socket).unwrap();
    let v = current(&app, c.id).await.version;
    let r = service::add_attachment(
        &app.state,
        &ent,
        c.id,
        v,
        "proof",
        "c.pdf",
        b"%PDF-1.7 other",
    )
    .await
    .unwrap();
    assert_eq!(
        r,
        Err("病毒检查服务暂不可用，文件未保存，请稍后再试".into())
    );
    assert_eq!(app.count("contract_attachment").await, 1);
}

fn version_on(page: &str, form: &str) -> String {
    let html = scraper::Html::parse_document(page);
    let sel = scraper::Selector::parse(&format!("{form} input[name=version]")).unwrap();
    html.select(&sel)
        .next()
        .and_then(|i| i.value().attr("value"))
        .unwrap_or_else(|| panic!("{form} has a version: {page}"))
        .to_owned()
}

#[tokio::test]
async fn a_registered_contract_is_changed_cancelled_or_revoked_and_its_certificate_follows() {
    let app = TestApp::spawn().await;
    at(&app, "2026-09-29T02:00:00Z").await;
    let o = app.create_office("310115", "浦东新区技术合同登记处").await;
    let clerk = staff(&app, "clerk", 1, "office_clerk", Scope::Office(o)).await;
    let reviewer = staff(&app, "reviewer", 2, "office_reviewer", Scope::Office(o)).await;
    let city = staff(&app, "city", 3, "city_officer", Scope::All).await;
    let ent = applicant(&app, 1, "310115").await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let id = complete_draft(&app, &ent, 100_000, "development").await;
        submit(&app, &ent, id).await;
        act(&app, &clerk, id, Action::Accept).await;
        act(&app, &reviewer, id, Action::ProposeRegister).await;
        act(&app, &city, id, Action::Approve).await;
        ids.push(id);
    }
    let cert_status = |id: i64| {
        let app = &app;
        async move {
            app.count(&format!(
                "certificate WHERE contract_id = {id} AND status = 'valid'"
            ))
            .await
        }
    };
    let applicant_client = app.client();
    app.login(
        &applicant_client,
        "ent1",
        techreg_tests::PASSWORD,
        "13900140001",
    )
    .await;
    let city_client = app.client();
    app.login(&city_client, "city", techreg_tests::PASSWORD, "13900150003")
        .await;

    // The applicant asks to change the first: a reason is required.
    let page = applicant_client
        .get(&format!("/my/contracts/{}", ids[0]))
        .await;
    assert!(page.body.contains("下载登记证明"));
    let v = version_on(&page.body, "#request-change");
    let path = format!("/my/contracts/{}/request-change", ids[0]);
    let r = applicant_client
        .post_form(&path, &[("version", &v), ("reason_change", " ")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请写明申请变更的内容与原因"));
    assert_eq!(status(&current(&app, ids[0]).await), Status::Registered);
    let r = applicant_client
        .post_form(
            &path,
            &[
                ("version", &v),
                ("reason_change", "合同金额由 10 万元调整为 12 万元"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(status(&current(&app, ids[0]).await), Status::Changing);
    // The city office agrees: the certificate is marked changed.
    let case = city_client
        .get(&format!("/review/contracts/{}", ids[0]))
        .await;
    let v = version_on(&case.body, "#panel-approve_change form");
    let r = city_client
        .post_form(
            &format!("/review/contracts/{}/actions/approve_change", ids[0]),
            &[("version", &v), ("reason", "同意")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(status(&current(&app, ids[0]).await), Status::Registered);
    assert_eq!(
        app.count(&format!(
            "certificate WHERE contract_id = {} AND status = 'changed'",
            ids[0]
        ))
        .await,
        1
    );

    // Cancellation of the second.
    let page = applicant_client
        .get(&format!("/my/contracts/{}", ids[1]))
        .await;
    let v = version_on(&page.body, "#request-cancel");
    let r = applicant_client
        .post_form(
            &format!("/my/contracts/{}/request-cancel", ids[1]),
            &[("version", &v), ("reason_cancel", "双方协议解除合同")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let case = city_client
        .get(&format!("/review/contracts/{}", ids[1]))
        .await;
    let v = version_on(&case.body, "#panel-approve_cancel form");
    let r = city_client
        .post_form(
            &format!("/review/contracts/{}/actions/approve_cancel", ids[1]),
            &[("version", &v)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(status(&current(&app, ids[1]).await), Status::Cancelled);
    assert_eq!(cert_status(ids[1]).await, 0);

    // Revocation of the third needs its grounds.
    let case = city_client
        .get(&format!("/review/contracts/{}", ids[2]))
        .await;
    let v = version_on(&case.body, "#panel-revoke form");
    let path = format!("/review/contracts/{}/actions/revoke", ids[2]);
    let r = city_client
        .post_form(&path, &[("version", &v), ("reason", "")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请填写撤销登记的理由和依据"));
    assert_eq!(cert_status(ids[2]).await, 1);
    let r = city_client
        .post_form(
            &path,
            &[
                ("version", &v),
                ("reason", "重复登记（检查结论 2026-05 号）"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(status(&current(&app, ids[2]).await), Status::Revoked);
    assert_eq!(
        app.count(&format!(
            "certificate WHERE contract_id = {} AND status = 'revoked'",
            ids[2]
        ))
        .await,
        1
    );
    // The applicant cannot ask for anything on a contract that is not registered.
    let page = applicant_client
        .get(&format!("/my/contracts/{}", ids[2]))
        .await;
    assert!(!page.body.contains("request-cancel"));
}

#[tokio::test]
async fn the_navigation_counts_the_cases_assigned_to_me() {
    let app = TestApp::spawn().await;
    at(&app, "2026-09-29T02:00:00Z").await;
    let o = app.create_office("310115", "浦东新区技术合同登记处").await;
    let clerk = staff(&app, "clerk", 1, "office_clerk", Scope::Office(o)).await;
    staff(&app, "reviewer", 2, "office_reviewer", Scope::Office(o)).await;
    let ent = applicant(&app, 1, "310115").await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let id = complete_draft(&app, &ent, 100_000, "development").await;
        submit(&app, &ent, id).await;
        ids.push(id);
    }
    let c = app.client();
    app.login(&c, "clerk", techreg_tests::PASSWORD, "13900150001")
        .await;
    let page = c.get("/review/contracts").await;
    assert_eq!(page.text_of("#review-badge").as_deref(), Some("2"));
    let badge = c.htmx_get("/review/contracts/badge").await;
    assert!(badge.body.contains(">2<"), "{}", badge.body);
    // Accepting one with htmx hands it to the reviewer: the counter drops
    // in the same response.
    let case = c.get(&format!("/review/contracts/{}", ids[0])).await;
    let v = version_on(&case.body, "#panel-accept form");
    let r = c
        .htmx_post(
            &format!("/review/contracts/{}/actions/accept", ids[0]),
            &[("version", &v)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.contains("id=\"review-badge\"") && r.body.contains("hx-swap-oob"),
        "{}",
        r.body
    );
    assert!(r.body.contains(">1</span>"), "{}", r.body);
    assert_eq!(
        current(&app, ids[0])
            .await
            .assigned_user_id
            .map(|u| u != clerk.user.id),
        Some(true)
    );
    // An applicant has no such counter.
    let a = app.client();
    app.login(&a, "ent1", techreg_tests::PASSWORD, "13900140001")
        .await;
    assert!(a.get("/my").await.text_of("#review-badge").is_none());
}
