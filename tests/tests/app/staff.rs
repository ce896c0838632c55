//! Office staff management (F46) and service points: grants, revocations
//! and moves with their dated postings; delegation to office heads; bad
//! input changes nothing.

use techreg::core::Scope;
use techreg_tests::{PASSWORD, TestApp, TestClient};

/// A staff account without any position yet.
async fn bare_staff(app: &TestApp, username: &str, mobile: &str) -> i64 {
    use techreg::identity;
    identity::create_user(
        &app.state.core.db,
        app.state.keys.as_ref(),
        app.state.core.config.security.pbkdf2_iterations,
        identity::NewUser {
            username,
            display_name: username,
            kind: identity::KIND_STAFF,
            status: identity::STATUS_ACTIVE,
            enterprise_id: None,
            is_enterprise_admin: false,
            mobile: Some(mobile),
            id_card: None,
            password: PASSWORD,
            must_change_password: false,
        },
        app.state.core.clock.now(),
    )
    .await
    .unwrap()
    .id
}

async fn signed_in(
    app: &TestApp,
    username: &str,
    mobile: &str,
    role: &str,
    scope: Scope,
) -> (i64, TestClient) {
    let id = app.create_user(username, mobile, role, scope, false).await;
    let c = app.client();
    let r = app.login(&c, username, PASSWORD, mobile).await;
    assert_eq!(r.status, 303, "{username} signs in");
    (id, c)
}

fn today(app: &TestApp) -> String {
    techreg::core::clock::shanghai_date(app.state.core.clock.now()).to_string()
}

/// The rows that a refused request must leave as they were.
async fn snapshot(app: &TestApp) -> (i64, i64, i64, i64) {
    (
        app.count("role_assignment").await,
        app.count("staff_posting").await,
        app.count("staff_posting WHERE valid_to IS NULL").await,
        app.count("audit_log WHERE action LIKE 'staff.%'").await,
    )
}

#[tokio::test]
async fn a_system_admin_grants_revokes_and_moves_staff_with_dated_history() {
    let app = TestApp::spawn().await;
    let a = app.create_office("310110", "杨浦区技术合同登记处").await;
    let b = app.create_office("310104", "徐汇区技术合同登记处").await;
    let (_, admin) = signed_in(&app, "sys_st", "13900070001", "system_admin", Scope::All).await;
    let (a_s, b_s) = (a.to_string(), b.to_string());

    // An account made on the user screen with an office position gets its
    // posting there too.
    admin.get("/admin/users").await;
    let r = admin
        .post_form(
            "/admin/users",
            &[
                ("username", "wang"),
                ("display_name", "王受理"),
                ("mobile", "13900070002"),
                ("role", "office_clerk"),
                ("office", &a_s),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let wang = app.count("app_user").await;
    let wang_s = wang.to_string();
    assert_eq!(
        app.count(&format!(
            "staff_posting WHERE user_id = {wang} AND office_id = {a} AND role_code = 'office_clerk' AND valid_to IS NULL"
        ))
        .await,
        1
    );

    // So does a position given on the user's page; twice is refused.
    admin.get(&format!("/admin/users/{wang}")).await;
    let assist = [("role", "office_assistant"), ("office", a_s.as_str())];
    let r = admin
        .post_form(&format!("/admin/users/{wang}/roles"), &assist)
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "staff_posting WHERE user_id = {wang} AND office_id = {a} AND role_code = 'office_assistant' AND valid_to IS NULL"
        ))
        .await,
        1
    );
    let r = admin
        .post_form(&format!("/admin/users/{wang}/roles"), &assist)
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("该用户已在此范围担任该角色"));
    assert_eq!(app.count("staff_posting").await, 2);

    // Without an office: the selector.
    let r = admin.get("/admin/staff").await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("请选择登记处") && r.body.contains("徐汇区技术合同登记处"));
    let page = admin.get(&format!("/admin/staff?office={a}")).await;
    assert_eq!(page.status, 200);
    let current = page.text_of("#current-staff").unwrap();
    assert!(current.contains("王受理") && current.contains("受理员"));
    assert!(current.contains(&today(&app)), "since today: {current}");

    // Bad input: nothing changes.
    let before = snapshot(&app).await;
    for (fields, message) in [
        (
            [
                ("office", a_s.as_str()),
                ("username", "nobody"),
                ("position", "office_reviewer"),
                ("reason", "补充人员"),
            ],
            "未找到该用户名",
        ),
        (
            [
                ("office", a_s.as_str()),
                ("username", "wang"),
                ("position", "office_reviewer"),
                ("reason", "  "),
            ],
            "请填写原因",
        ),
        (
            [
                ("office", a_s.as_str()),
                ("username", "wang"),
                ("position", "office_clerk"),
                ("reason", "重复"),
            ],
            "该用户已担任此岗位",
        ),
        (
            [
                ("office", a_s.as_str()),
                ("username", "wang"),
                ("position", "city_officer"),
                ("reason", "越权"),
            ],
            "请选择岗位",
        ),
    ] {
        let r = admin.post_form("/admin/staff/grant", &fields).await;
        assert_eq!(r.status, 422, "{message}");
        assert!(r.body.contains(message), "{message}");
    }
    assert_eq!(snapshot(&app).await, before);

    // Grant, then revoke: the posting closes today.
    let r = admin
        .post_form(
            "/admin/staff/grant",
            &[
                ("office", &a_s),
                ("username", "wang"),
                ("position", "office_reviewer"),
                ("reason", "充实审查力量"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        r.header("location"),
        Some(format!("/admin/staff?office={a}").as_str())
    );
    assert_eq!(app.count("audit_log WHERE action = 'staff.grant'").await, 1);
    let page = admin.get(&format!("/admin/staff?office={a}")).await;
    assert!(page.text_of("#current-staff").unwrap().contains("审查员"));
    assert!(page.body.contains("已授予岗位。"));
    let again = admin.get(&format!("/admin/staff?office={a}")).await;
    assert!(
        !again.body.contains("已授予岗位。"),
        "a message is shown once"
    );

    let before = snapshot(&app).await;
    let r = admin
        .post_form(
            "/admin/staff/revoke",
            &[
                ("office", &a_s),
                ("user", &wang_s),
                ("position", "office_reviewer"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请填写原因"));
    assert_eq!(snapshot(&app).await, before);
    let r = admin
        .post_form(
            "/admin/staff/revoke",
            &[
                ("office", &a_s),
                ("user", &wang_s),
                ("position", "office_reviewer"),
                ("reason", "岗位调整"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(app.count("role_assignment").await, before.0 - 1);
    assert_eq!(
        app.count(&format!(
            "staff_posting WHERE user_id = {wang} AND role_code = 'office_reviewer' AND valid_to IS NOT NULL AND reason LIKE '%撤销：岗位调整%'"
        ))
        .await,
        1
    );
    let page = admin.get(&format!("/admin/staff?office={a}")).await;
    assert!(!page.text_of("#current-staff").unwrap().contains("审查员"));

    // Move to office B: bad input first.
    let tomorrow = (techreg::core::clock::shanghai_date(app.state.core.clock.now())
        + chrono::Duration::days(1))
    .to_string();
    let yesterday = (techreg::core::clock::shanghai_date(app.state.core.clock.now())
        - chrono::Duration::days(1))
    .to_string();
    let day = today(&app);
    let before = snapshot(&app).await;
    for (date, to, message) in [
        (tomorrow.as_str(), b_s.as_str(), "生效日期不能晚于今天"),
        (
            yesterday.as_str(),
            b_s.as_str(),
            "生效日期不能早于其现任岗位的开始日期",
        ),
        ("", b_s.as_str(), "请填写生效日期"),
        (day.as_str(), a_s.as_str(), "调往的登记处不能是原登记处"),
    ] {
        let r = admin
            .post_form(
                "/admin/staff/move",
                &[
                    ("from_office", &a_s),
                    ("user", &wang_s),
                    ("to_office", to),
                    ("positions", "office_reviewer"),
                    ("effective", date),
                    ("reason", "工作需要"),
                ],
            )
            .await;
        assert_eq!(r.status, 422, "{message}");
        assert!(r.body.contains(message), "{message}");
    }
    assert_eq!(snapshot(&app).await, before);

    let r = admin
        .post_form(
            "/admin/staff/move",
            &[
                ("from_office", &a_s),
                ("user", &wang_s),
                ("to_office", &b_s),
                ("positions", "office_reviewer"),
                ("positions", "office_assistant"),
                ("effective", &day),
                ("reason", "工作需要"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        r.header("location"),
        Some(format!("/admin/staff?office={b}").as_str())
    );
    let grants = techreg::identity::load_grants(&app.state.core.db, app.state.keys.as_ref(), wang)
        .await
        .unwrap()
        .0;
    let mut held: Vec<_> = grants
        .0
        .iter()
        .map(|g| (g.role_code.clone(), g.scope))
        .collect();
    held.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(
        held,
        vec![
            ("office_assistant".to_owned(), Scope::Office(b)),
            ("office_reviewer".to_owned(), Scope::Office(b)),
        ]
    );
    // History shows both offices with their dates.
    let page_a = admin.get(&format!("/admin/staff?office={a}")).await;
    assert!(!page_a.text_of("#current-staff").unwrap().contains("王受理"));
    let hist_a = page_a.text_of("#history").unwrap();
    assert!(hist_a.contains("杨浦区技术合同登记处") && hist_a.contains("调出：工作需要"));
    assert!(!hist_a.contains("至今"), "nothing open at A: {hist_a}");
    let page_b = admin.get(&format!("/admin/staff?office={b}")).await;
    let current_b = page_b.text_of("#current-staff").unwrap();
    assert!(current_b.contains("王受理") && current_b.contains(&day));
    let hist_b = page_b.text_of("#history").unwrap();
    assert!(hist_b.contains("徐汇区技术合同登记处") && hist_b.contains("调入：工作需要"));
    assert_eq!(
        app.count(&format!(
            "staff_posting WHERE user_id = {wang} AND office_id = {a} AND valid_to IS NULL"
        ))
        .await,
        0
    );
    assert_eq!(
        app.count(&format!(
            "staff_posting WHERE user_id = {wang} AND office_id = {b} AND valid_to IS NULL"
        ))
        .await,
        2
    );
    assert_eq!(app.count("audit_log WHERE action = 'staff.move'").await, 1);
}

#[tokio::test]
async fn a_revoked_position_stops_working_on_the_next_request() {
    let app = TestApp::spawn().await;
    let a = app.create_office("310110", "杨浦区技术合同登记处").await;
    let (_, admin) = signed_in(&app, "sys_rv", "13900070011", "system_admin", Scope::All).await;
    let (clerk, c) = signed_in(
        &app,
        "clerk_rv",
        "13900070012",
        "office_clerk",
        Scope::Office(a),
    )
    .await;
    assert_eq!(c.get("/review/claims").await.status, 200);
    admin.get("/admin/staff").await;
    let r = admin
        .post_form(
            "/admin/staff/revoke",
            &[
                ("office", &a.to_string()),
                ("user", &clerk.to_string()),
                ("position", "office_clerk"),
                ("reason", "离岗"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    // A position held before postings were kept gets a closed one.
    assert_eq!(
        app.count(&format!(
            "staff_posting WHERE user_id = {clerk} AND valid_to IS NOT NULL"
        ))
        .await,
        1
    );
    // Same session, next request: the grant is gone.
    assert_eq!(c.get("/review/claims").await.status, 403);
    assert_eq!(c.get("/my").await.status, 200, "still signed in");
}

#[tokio::test]
async fn an_office_head_manages_only_their_own_office_within_their_rights() {
    let app = TestApp::spawn().await;
    let a = app.create_office("310110", "杨浦区技术合同登记处").await;
    let b = app.create_office("310104", "徐汇区技术合同登记处").await;
    let (a_s, b_s) = (a.to_string(), b.to_string());
    let (head, c) = signed_in(
        &app,
        "head_a",
        "13900070021",
        "office_head",
        Scope::Office(a),
    )
    .await;
    app.create_user(
        "clerk_b",
        "13900070022",
        "office_clerk",
        Scope::Office(b),
        false,
    )
    .await;
    app.create_user("insp", "13900070023", "inspector", Scope::All, false)
        .await;
    let newbie = bare_staff(&app, "newbie", "13900070024").await;

    // Without ?office= a head lands on their own office; another office
    // does not exist for them.
    let page = c.get("/admin/staff").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("杨浦区技术合同登记处 · 人员管理"));
    assert!(
        !page.body.contains("人员调动"),
        "moves are for the system admin"
    );
    assert!(!page.body.contains("office-selector"));
    assert_eq!(c.get(&format!("/admin/staff?office={b}")).await.status, 404);

    let before = snapshot(&app).await;
    let grant = |office: String, user: &'static str, position: &'static str| {
        let c = &c;
        async move {
            c.post_form(
                "/admin/staff/grant",
                &[
                    ("office", office.as_str()),
                    ("username", user),
                    ("position", position),
                    ("reason", "补充人员"),
                ],
            )
            .await
        }
    };
    assert_eq!(
        grant(b_s.clone(), "newbie", "office_reviewer").await.status,
        404
    );
    let r = grant(a_s.clone(), "newbie", "office_head").await;
    assert_eq!(r.status, 422);
    assert!(
        r.body
            .contains("含人员管理权限，只能由系统管理员授予或撤销")
    );
    let r = grant(a_s.clone(), "clerk_b", "office_reviewer").await;
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains(
            "该用户在徐汇区技术合同登记处任职；调入本登记处属于人员调动，须由系统管理员办理"
        ),
        "{}",
        r.body
    );
    let r = grant(a_s.clone(), "insp", "office_reviewer").await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("该用户担任检查人员，须由系统管理员办理"));
    let r = grant(a_s.clone(), "head_a", "office_reviewer").await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("不能给自己授予岗位"));

    // A position given more rights than the head holds (role matrix).
    {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        use techreg::security::keys::KeyName;
        use techreg_entities::identity::role;
        let large = role::Entity::find()
            .filter(role::Column::Code.eq("office_large_approver"))
            .one(&app.state.core.db)
            .await
            .unwrap()
            .unwrap();
        techreg::identity::grant_permission(
            &app.state.core.db,
            app.state.keys.secret(KeyName::Integrity),
            large.id,
            "contract.approve",
        )
        .await
        .unwrap();
    }
    let page = c.get("/admin/staff").await;
    let options = page.text_of("#f-position").unwrap();
    assert!(
        options.contains("审查员")
            && !options.contains("大额审核员")
            && !options.contains("登记处负责人")
    );
    let r = grant(a_s.clone(), "newbie", "office_large_approver").await;
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("含有您在本登记处不具有的权限（审定）"),
        "{}",
        r.body
    );
    assert_eq!(snapshot(&app).await, before, "nothing changed");

    // Within the rules: granted and revoked.
    let r = grant(a_s.clone(), "newbie", "office_reviewer").await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "staff_posting WHERE user_id = {newbie} AND office_id = {a} AND valid_to IS NULL"
        ))
        .await,
        1
    );
    let r = c
        .post_form(
            "/admin/staff/revoke",
            &[
                ("office", &a_s),
                ("user", &head.to_string()),
                ("position", "office_head"),
                ("reason", "卸任"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("不能撤销自己的负责人岗位"));
    let r = c
        .post_form(
            "/admin/staff/revoke",
            &[
                ("office", &b_s),
                ("user", &newbie.to_string()),
                ("position", "office_reviewer"),
                ("reason", "越界"),
            ],
        )
        .await;
    assert_eq!(r.status, 404);
    let r = c
        .post_form(
            "/admin/staff/revoke",
            &[
                ("office", &a_s),
                ("user", &newbie.to_string()),
                ("position", "office_reviewer"),
                ("reason", "轮岗"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let day = today(&app);
    let r = c
        .post_form(
            "/admin/staff/move",
            &[
                ("from_office", &a_s),
                ("user", &newbie.to_string()),
                ("to_office", &b_s),
                ("positions", "office_reviewer"),
                ("effective", &day),
                ("reason", "调动"),
            ],
        )
        .await;
    assert_eq!(r.status, 403, "a head cannot move people");

    // Service points: the head sees and staffs their own, edits none.
    let sp_a = service_point(&app, a, "杨浦区五角场服务点").await;
    let sp_b = service_point(&app, b, "徐汇区漕河泾服务点").await;
    let list = c.get("/admin/service-points").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("杨浦区五角场服务点") && !list.body.contains("徐汇区漕河泾服务点"));
    assert!(!list.body.contains("新建服务点"));
    assert_eq!(
        c.get(&format!("/admin/service-points/{sp_b}")).await.status,
        404
    );
    let detail = c.get(&format!("/admin/service-points/{sp_a}")).await;
    assert_eq!(detail.status, 200);
    assert!(
        !detail.body.contains("变更状态"),
        "no edit forms for the head"
    );
    let r = c
        .post_form(
            &format!("/admin/service-points/{sp_a}"),
            &[("version", "0"), ("name", "改名")],
        )
        .await;
    assert_eq!(r.status, 403);
    let r = c
        .post_form(
            &format!("/admin/service-points/{sp_b}/staff/grant"),
            &[("username", "newbie"), ("reason", "越界")],
        )
        .await;
    assert_eq!(r.status, 404);
    let r = c
        .post_form(
            &format!("/admin/service-points/{sp_a}/staff/grant"),
            &[("username", "newbie"), ("reason", "服务点值守")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "staff_posting WHERE user_id = {newbie} AND office_id = {a} AND service_point_id = {sp_a} AND valid_to IS NULL"
        ))
        .await,
        1
    );
}

/// A service point made directly, as the seed would.
async fn service_point(app: &TestApp, office: i64, name: &str) -> i64 {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    techreg_entities::org::service_point::ActiveModel {
        office_id: Set(office),
        name: Set(name.into()),
        status: Set("active".into()),
        created_at: Set(app.state.core.clock.now()),
        address: Set(String::new()),
        phone: Set(String::new()),
        version: Set(0),
        ..Default::default()
    }
    .insert(&app.state.core.db)
    .await
    .unwrap()
    .id
}

#[tokio::test]
async fn service_points_are_created_edited_suspended_and_staffed() {
    let app = TestApp::spawn().await;
    let a = app.create_office("310110", "杨浦区技术合同登记处").await;
    let a_s = a.to_string();
    let (_, admin) = signed_in(&app, "sys_sp", "13900070031", "system_admin", Scope::All).await;
    let sp_user = bare_staff(&app, "sp_chen", "13900070032").await;
    assert_eq!(admin.get("/admin/service-points").await.status, 200);

    let r = admin
        .post_form(
            "/admin/service-points",
            &[("office", ""), ("name", "x"), ("address", "")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请选择所属登记处") && r.body.contains("请填写名称"));
    assert_eq!(app.count("service_point").await, 0);

    let r = admin
        .post_form(
            "/admin/service-points",
            &[
                ("office", &a_s),
                ("name", "杨浦区五角场服务点"),
                ("address", "国定路"),
                ("phone", "021-1"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let url = r.header("location").unwrap().to_owned();
    let id: i64 = url.rsplit('/').next().unwrap().parse().unwrap();
    let r = admin
        .post_form(
            "/admin/service-points",
            &[("office", &a_s), ("name", "杨浦区五角场服务点")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("该登记处已有同名服务点"));
    let list = admin
        .get(&format!("/admin/service-points?office={a}"))
        .await;
    assert!(
        list.text_of("#service-point-list")
            .unwrap()
            .contains("国定路")
    );

    // Edit with the page's version; the same stale form is refused.
    assert!(admin.get(&url).await.body.contains("杨浦区五角场服务点"));
    let r = admin
        .post_form(
            &url,
            &[
                ("version", "0"),
                ("name", "杨浦区五角场服务点"),
                ("address", "国定路 1 号"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = admin
        .post_form(&url, &[("version", "0"), ("name", "旧表单")])
        .await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("已由他人处理"));
    let r = admin
        .post_form(&url, &[("version", "1"), ("name", "")])
        .await;
    assert_eq!(r.status, 422);

    // Suspension needs a reason; a suspended service point gets no staff.
    let status_url = format!("{url}/status");
    let r = admin
        .post_form(
            &status_url,
            &[("version", "1"), ("status", "suspended"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请填写原因"));
    let r = admin
        .post_form(
            &status_url,
            &[
                ("version", "1"),
                ("status", "suspended"),
                ("reason", "场地装修"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = admin.get(&url).await;
    assert_eq!(
        page.text_of("#service-point-status").as_deref(),
        Some("暂停")
    );
    assert!(page.body.contains("场地装修"));
    let before = snapshot(&app).await;
    let r = admin
        .post_form(
            &format!("{url}/staff/grant"),
            &[("username", "sp_chen"), ("reason", "值守")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("服务点已暂停"));
    assert_eq!(snapshot(&app).await, before);
    let r = admin
        .post_form(
            &status_url,
            &[
                ("version", "2"),
                ("status", "active"),
                ("reason", "装修完成"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);

    // Staff: grant, bad revoke, revoke.
    let r = admin
        .post_form(
            &format!("{url}/staff/grant"),
            &[("username", "nobody"), ("reason", "值守")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("未找到该用户名"));
    assert_eq!(snapshot(&app).await, before);
    let r = admin
        .post_form(
            &format!("{url}/staff/grant"),
            &[("username", "sp_chen"), ("reason", "值守")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "staff_posting WHERE user_id = {sp_user} AND office_id = {a} AND service_point_id = {id} AND role_code = 'service_point_staff' AND valid_to IS NULL"
        ))
        .await,
        1
    );
    let page = admin.get(&url).await;
    assert!(page.text_of("#sp-staff").unwrap().contains("sp_chen"));
    let office_page = admin.get(&format!("/admin/staff?office={a}")).await;
    assert!(
        office_page
            .text_of("#current-staff")
            .unwrap()
            .contains("服务点人员（杨浦区五角场服务点）")
    );
    let before = snapshot(&app).await;
    let r = admin
        .post_form(
            &format!("{url}/staff/revoke"),
            &[("user", &sp_user.to_string()), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请填写撤销原因"));
    assert_eq!(snapshot(&app).await, before);
    let r = admin
        .post_form(
            &format!("{url}/staff/revoke"),
            &[("user", &sp_user.to_string()), ("reason", "合同到期")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "staff_posting WHERE service_point_id = {id} AND valid_to IS NOT NULL"
        ))
        .await,
        1
    );
    let changes = admin.get(&url).await.text_of("#changes").unwrap();
    for action in ["创建", "修改", "状态变更"] {
        assert!(changes.contains(action), "{action}");
    }
}

#[tokio::test]
async fn a_reviewer_is_refused_and_anonymous_users_sign_in_first() {
    let app = TestApp::spawn().await;
    let a = app.create_office("310110", "杨浦区技术合同登记处").await;
    let sp = service_point(&app, a, "杨浦区五角场服务点").await;
    let (_, reviewer) = signed_in(
        &app,
        "rev_st",
        "13900070041",
        "office_reviewer",
        Scope::Office(a),
    )
    .await;
    let anonymous = app.client();
    anonymous.get("/").await;
    let office = a.to_string();
    let gets = [
        format!("/admin/staff?office={a}"),
        "/admin/staff".to_owned(),
        "/admin/service-points".to_owned(),
        format!("/admin/service-points/{sp}"),
    ];
    let posts = [
        "/admin/staff/grant".to_owned(),
        "/admin/staff/revoke".to_owned(),
        "/admin/staff/move".to_owned(),
        "/admin/service-points".to_owned(),
        format!("/admin/service-points/{sp}"),
        format!("/admin/service-points/{sp}/status"),
        format!("/admin/service-points/{sp}/staff/grant"),
        format!("/admin/service-points/{sp}/staff/revoke"),
    ];
    let before = snapshot(&app).await;
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
        let fields = [
            ("office", office.as_str()),
            ("username", "rev_st"),
            ("position", "office_clerk"),
            ("reason", "x"),
        ];
        assert_eq!(
            reviewer.post_form(path, &fields).await.status,
            403,
            "POST {path}"
        );
        anonymous.get("/").await;
        let r = anonymous.post_form(path, &fields).await;
        assert_eq!(
            (r.status.as_u16(), r.header("location")),
            (303, Some("/login")),
            "POST {path}"
        );
    }
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn the_demo_gives_every_office_staff_account_an_open_posting() {
    let app = TestApp::spawn().await;
    let seed = || {
        techreg::demo::seed(
            &app.state.core.db,
            app.state.keys.as_ref(),
            &app.state.core.config,
        )
    };
    seed().await.unwrap();
    let staff_accounts = techreg::demo::DEMO_ACCOUNTS
        .iter()
        .filter(|a| a.role.starts_with("office_") || a.role == "service_point_staff")
        .count() as i64;
    assert_eq!(
        app.count("staff_posting WHERE valid_to IS NULL").await,
        staff_accounts
    );
    assert_eq!(
        app.count("staff_posting WHERE service_point_id IS NOT NULL")
            .await,
        1
    );
    let points = app.count("service_point").await;
    assert!(points >= 6, "{points}");
    assert!(
        app.count(
            "(SELECT office_id FROM service_point GROUP BY office_id HAVING COUNT(*) >= 2) AS t"
        )
        .await
            >= 3
    );
    // Idempotent.
    seed().await.unwrap();
    assert_eq!(
        app.count("staff_posting WHERE valid_to IS NULL").await,
        staff_accounts
    );
    assert_eq!(app.count("service_point").await, points);
}

#[tokio::test]
async fn an_office_head_grants_a_position_in_the_browser() {
    use std::time::Duration;
    use techreg_tests::browser::Browser;
    use thirtyfour::prelude::*;

    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let a = app.create_office("310110", "杨浦区技术合同登记处").await;
    app.create_user(
        "head_br",
        "13900070051",
        "office_head",
        Scope::Office(a),
        false,
    )
    .await;
    bare_staff(&app, "newbie_br", "13900070052").await;
    service_point(&app, a, "杨浦区五角场服务点").await;
    let d = &browser.driver;
    let wait = |css: &'static str| async move {
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
    fill("username", "head_br").await;
    fill("password", PASSWORD).await;
    d.find(By::Css("#login button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait("#verify-factor").await;
    let code = app.last_sms_code("13900070051").await;
    let el = d.find(By::Css("[name='code']")).await.unwrap();
    el.send_keys(code).await.unwrap();
    d.find(By::Css("#verify-factor button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait(".work-body").await;

    d.find(By::LinkText("人员管理"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait("#grant").await;
    let grant = d.find(By::Css("#grant")).await.unwrap();
    grant
        .find(By::Css("[name='username']"))
        .await
        .unwrap()
        .send_keys("newbie_br")
        .await
        .unwrap();
    grant
        .find(By::Css("option[value='office_reviewer']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    grant
        .find(By::Css("[name='reason']"))
        .await
        .unwrap()
        .send_keys("充实审查力量")
        .await
        .unwrap();
    grant
        .find(By::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    d.query(By::XPath("//*[contains(text(), '已授予岗位。')]"))
        .wait(Duration::from_secs(15), Duration::from_millis(100))
        .first()
        .await
        .expect("success message");
    let current = d
        .find(By::Css("#current-staff"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        current.contains("newbie_br") && current.contains("审查员"),
        "{current}"
    );
    browser.screenshot("staff-01-office-staff").await;

    d.find(By::LinkText("服务点"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait("#service-point-list").await;
    d.find(By::LinkText("详情"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait("#sp-staff").await;
    browser.screenshot("staff-02-service-point").await;
    browser.quit().await;
}
