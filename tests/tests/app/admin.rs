//! Admin journeys: staff accounts with one-time passwords, separation of
//! duties, unlocking, disabling, forced logout, the audit log.

use chrono::Duration;
use techreg::core::Scope;
use techreg_tests::{PASSWORD, TestApp};

#[tokio::test]
async fn a_system_admin_creates_staff_who_must_change_the_one_time_password() {
    let app = TestApp::spawn().await;
    app.create_user("sys", "13900040001", "system_admin", Scope::All, false)
        .await;
    let admin = app.client();
    app.login(&admin, "sys", PASSWORD, "13900040001").await;
    let page = admin.get("/admin/users").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("新建工作人员账号"));

    let r = admin
        .post_form(
            "/admin/users",
            &[
                ("username", "1bad"),
                ("display_name", ""),
                ("mobile", "123"),
                ("role", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    for m in [
        "用户名为 4–50 位",
        "请填写姓名",
        "手机号码应为 11 位",
        "请选择角色",
    ] {
        assert!(r.body.contains(m), "{m}");
    }
    let before = app.count("app_user").await;
    let r = admin
        .post_form(
            "/admin/users",
            &[
                ("username", "chen_clerk"),
                ("display_name", "陈受理"),
                ("mobile", "13900040002"),
                ("role", "enterprise_admin"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "enterprise roles are not handed out here");
    let r = admin
        .post_form(
            "/admin/users",
            &[
                ("username", "chen_sp"),
                ("display_name", "陈服务"),
                ("mobile", "13900040003"),
                ("role", "service_point_staff"),
            ],
        )
        .await;
    assert_eq!(
        r.status, 422,
        "service point staff need their service point"
    );
    assert_eq!(app.count("app_user").await, before);

    let r = admin
        .post_form(
            "/admin/users",
            &[
                ("username", "chen_city"),
                ("display_name", "陈处长"),
                ("mobile", "13900040002"),
                ("role", "city_officer"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let one_time = r
        .text_of("#one-time-password code")
        .expect("one-time password shown once");
    assert!(app.count("audit_log WHERE action = 'user.create'").await == 1);

    let staff = app.client();
    let r = app
        .login(&staff, "chen_city", &one_time, "13900040002")
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        staff.get("/my").await.header("location"),
        Some("/account/password")
    );
}

#[tokio::test]
async fn no_account_holds_two_admin_duties() {
    let app = TestApp::spawn().await;
    app.create_user("sys2", "13900040011", "system_admin", Scope::All, false)
        .await;
    let other = app
        .create_user("auditor2", "13900040012", "audit_admin", Scope::All, false)
        .await;
    let admin = app.client();
    app.login(&admin, "sys2", PASSWORD, "13900040011").await;
    admin.get(&format!("/admin/users/{other}")).await;
    let r = admin
        .post_form(
            &format!("/admin/users/{other}/roles"),
            &[("role", "security_admin")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("三员分立"));
    // Nobody hands themselves a role.
    let me = app.count("app_user WHERE username = 'sys2'").await;
    assert_eq!(me, 1);
    let my_id = 1;
    admin.get(&format!("/admin/users/{my_id}")).await;
    let r = admin
        .post_form(
            &format!("/admin/users/{my_id}/roles"),
            &[("role", "city_officer")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("不能给自己分配角色"));
    // A non-admin role is fine.
    let r = admin
        .post_form(
            &format!("/admin/users/{other}/roles"),
            &[("role", "inspector")],
        )
        .await;
    assert_eq!(r.status, 303);
}

#[tokio::test]
async fn admins_unlock_reset_and_disable_accounts() {
    let app = TestApp::spawn().await;
    app.create_user("sys3", "13900040021", "system_admin", Scope::All, false)
        .await;
    let victim = app
        .create_user("locked3", "13900040022", "inspector", Scope::All, false)
        .await;
    let v = app.client();
    v.get("/login").await;
    for _ in 0..5 {
        v.post_form(
            "/login",
            &[("username", "locked3"), ("password", "Wrong@1234")],
        )
        .await;
    }
    let admin = app.client();
    app.login(&admin, "sys3", PASSWORD, "13900040021").await;
    let page = admin.get(&format!("/admin/users/{victim}")).await;
    assert!(page.body.contains("锁定至"));
    let r = admin
        .post_form(&format!("/admin/users/{victim}/unlock"), &[])
        .await;
    assert_eq!(r.status, 303);
    let r = app.login(&v, "locked3", PASSWORD, "13900040022").await;
    assert_eq!(r.status, 303, "unlocked before the window ended");
    assert_eq!(v.get("/my").await.status, 200);

    // Disabling needs a reason, and ends the user's access.
    admin.get(&format!("/admin/users/{victim}")).await;
    let r = admin
        .post_form(&format!("/admin/users/{victim}/disable"), &[("reason", "")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请填写停用原因"));
    let r = admin
        .post_form(
            &format!("/admin/users/{victim}/disable"),
            &[("reason", "调离岗位")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(v.get("/my").await.status, 303, "signed out");
    let c = app.client();
    c.get("/login").await;
    let r = c
        .post_form("/login", &[("username", "locked3"), ("password", PASSWORD)])
        .await;
    assert!(r.body.contains("已停用"));

    // Reset gives a new one-time password.
    admin.get(&format!("/admin/users/{victim}")).await;
    admin
        .post_form(&format!("/admin/users/{victim}/enable"), &[])
        .await;
    admin.get(&format!("/admin/users/{victim}")).await;
    let r = admin
        .post_form(&format!("/admin/users/{victim}/reset-password"), &[])
        .await;
    let fresh = r
        .text_of("#one-time-password code")
        .expect("new password shown");
    app.state.core.clock.advance(Duration::seconds(61));
    let c = app.client();
    let r = app.login(&c, "locked3", &fresh, "13900040022").await;
    assert_eq!(r.status, 303);
    assert_eq!(
        c.get("/my").await.header("location"),
        Some("/account/password")
    );
}

#[tokio::test]
async fn a_security_admin_forces_a_logout() {
    let app = TestApp::spawn().await;
    app.create_user("sec", "13900040031", "security_admin", Scope::All, false)
        .await;
    app.create_user("worker", "13900040032", "inspector", Scope::All, false)
        .await;
    let w = app.client();
    app.login(&w, "worker", PASSWORD, "13900040032").await;
    let sec = app.client();
    app.login(&sec, "sec", PASSWORD, "13900040031").await;
    let page = sec.get("/admin/sessions").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("worker"));
    let doc = page.html();
    let sel = scraper::Selector::parse("tr").unwrap();
    let key = doc
        .select(&sel)
        .find(|tr| tr.text().any(|t| t == "worker"))
        .and_then(|tr| {
            tr.select(&scraper::Selector::parse("input[name=session]").unwrap())
                .next()
        })
        .and_then(|i| i.value().attr("value").map(str::to_owned))
        .expect("worker's session listed");
    let r = sec
        .post_form("/admin/sessions/end", &[("session", &key)])
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(w.get("/my").await.status, 303, "the worker is signed out");
    assert_eq!(
        app.count("audit_log WHERE action = 'session.force_logout'")
            .await,
        1
    );
    let r = sec
        .post_form("/admin/sessions/end", &[("session", "nope")])
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn the_audit_admin_browses_and_filters_the_log() {
    let app = TestApp::spawn().await;
    app.create_user("aud", "13900040041", "audit_admin", Scope::All, false)
        .await;
    let c = app.client();
    c.get("/login").await;
    c.post_form("/login", &[("username", "ghost"), ("password", "x")])
        .await;
    app.login(&c, "aud", PASSWORD, "13900040041").await;
    let all = c.get("/audit/log").await;
    assert_eq!(all.status, 200);
    assert!(all.body.contains("login.failure") && all.body.contains("login.success"));
    let failures = c
        .get("/audit/log?action=login.failure&actor=&result=")
        .await;
    assert!(failures.body.contains("login.failure"));
    assert!(!failures.body.contains("login.success"));
    let denied = c.get("/audit/log?result=denied").await;
    assert!(!denied.body.contains("login.failure"));
}

fn checked_grants(page: &techreg_tests::Resp) -> Vec<String> {
    let doc = page.html();
    let sel = scraper::Selector::parse("input[name=grant][checked]").unwrap();
    doc.select(&sel)
        .filter_map(|e| e.value().attr("value").map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn the_role_matrix_grants_and_keeps_admin_duties_apart() {
    let app = TestApp::spawn().await;
    app.create_user("sysm", "13900040051", "system_admin", Scope::All, false)
        .await;
    app.create_user("insp", "13900040052", "inspector", Scope::All, false)
        .await;
    let admin = app.client();
    app.login(&admin, "sysm", PASSWORD, "13900040051").await;
    let page = admin.get("/admin/roles").await;
    assert_eq!(page.status, 200);
    let mut grants = checked_grants(&page);
    assert!(grants.contains(&"audit.view|audit_admin".to_owned()));

    // Audit permission to the system admin role: refused, nothing changes.
    let mut bad: Vec<(&str, &str)> = grants.iter().map(|g| ("grant", g.as_str())).collect();
    bad.push(("grant", "audit.view|system_admin"));
    let r = admin.post_form("/admin/roles", &bad).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("三员分立"));
    // Removing every holder of an admin permission is refused too.
    let r = admin.post_form("/admin/roles", &[]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("必须至少保留"));

    grants.push("report.view|inspector".into());
    let good: Vec<(&str, &str)> = grants.iter().map(|g| ("grant", g.as_str())).collect();
    let r = admin.post_form("/admin/roles", &good).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = admin.get("/admin/roles").await;
    assert!(checked_grants(&page).contains(&"report.view|inspector".to_owned()));
    assert_eq!(
        app.count("audit_log WHERE action = 'role.permissions_change'")
            .await,
        1
    );
    // The new grant carries a valid tag: the inspector still gets in.
    let i = app.client();
    app.login(&i, "insp", PASSWORD, "13900040052").await;
    assert_eq!(i.get("/my").await.status, 200);
}

#[tokio::test]
async fn the_security_admin_changes_the_lockout_policy() {
    let app = TestApp::spawn().await;
    app.create_user("secp", "13900040061", "security_admin", Scope::All, false)
        .await;
    app.create_user("target3", "13900040062", "inspector", Scope::All, false)
        .await;
    let sec = app.client();
    app.login(&sec, "secp", PASSWORD, "13900040061").await;
    let page = sec.get("/admin/security").await;
    assert_eq!(page.status, 200);
    let doc = page.html();
    let sel = scraper::Selector::parse("#policy input[name^='security.']").unwrap();
    let mut fields: Vec<(String, String)> = doc
        .select(&sel)
        .map(|e| {
            (
                e.value().attr("name").unwrap().to_owned(),
                e.value().attr("value").unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert!(
        fields
            .iter()
            .any(|(k, v)| k == "security.lockout_threshold" && v == "5")
    );
    let set = |fields: &mut Vec<(String, String)>, key: &str, value: &str| {
        for f in fields.iter_mut() {
            if f.0 == key {
                f.1 = value.to_owned();
            }
        }
    };
    set(&mut fields, "security.lockout_threshold", "1");
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = sec.post_form("/admin/security", &borrowed).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("必须在 3 到 10 之间"));
    set(&mut fields, "security.lockout_threshold", "3");
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = sec.post_form("/admin/security", &borrowed).await;
    assert_eq!(r.status, 303);

    let c = app.client();
    c.get("/login").await;
    for _ in 0..2 {
        let r = c
            .post_form(
                "/login",
                &[("username", "target3"), ("password", "Wrong@1234")],
            )
            .await;
        assert!(r.body.contains("用户名或密码错误"));
    }
    let r = c
        .post_form(
            "/login",
            &[("username", "target3"), ("password", "Wrong@1234")],
        )
        .await;
    assert!(
        r.body.contains("账户已锁定"),
        "locked at the new threshold of 3"
    );
}

#[tokio::test]
async fn a_password_reset_unlocks_and_signs_the_user_out_everywhere() {
    let app = TestApp::spawn().await;
    app.create_user("sysr", "13900040071", "system_admin", Scope::All, false)
        .await;
    let id = app
        .create_user("resetme", "13900040072", "inspector", Scope::All, false)
        .await;
    let u = app.client();
    app.login(&u, "resetme", PASSWORD, "13900040072").await;
    assert_eq!(u.get("/my").await.status, 200);
    // Someone else guesses until the account locks.
    let guesser = app.client();
    guesser.get("/login").await;
    for _ in 0..5 {
        guesser
            .post_form(
                "/login",
                &[("username", "resetme"), ("password", "Wrong@1234")],
            )
            .await;
    }
    let admin = app.client();
    app.login(&admin, "sysr", PASSWORD, "13900040071").await;
    assert!(
        admin
            .get(&format!("/admin/users/{id}"))
            .await
            .body
            .contains("锁定至")
    );
    let r = admin
        .post_form(&format!("/admin/users/{id}/reset-password"), &[])
        .await;
    assert_eq!(r.status, 200);
    let fresh = r.text_of("#one-time-password code").unwrap();
    assert!(r.body.contains("未锁定"), "the reset lifts the lock");
    assert_eq!(u.get("/my").await.status, 303, "the old session is over");
    app.state.core.clock.advance(chrono::Duration::seconds(61));
    let again = app.client();
    assert_eq!(
        app.login(&again, "resetme", &fresh, "13900040072")
            .await
            .status,
        303
    );
}

#[tokio::test]
async fn office_positions_need_their_office() {
    let app = TestApp::spawn().await;
    let office = app.create_office("310101", "黄浦区技术合同登记处").await;
    app.create_user("syso", "13900040081", "system_admin", Scope::All, false)
        .await;
    let admin = app.client();
    app.login(&admin, "syso", PASSWORD, "13900040081").await;
    admin.get("/admin/users").await;
    let r = admin
        .post_form(
            "/admin/users",
            &[
                ("username", "hp_clerk"),
                ("display_name", "黄受理"),
                ("mobile", "13900040082"),
                ("role", "office_clerk"),
                ("office", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("登记处岗位须选择所属登记处"));
    let office_id = office.to_string();
    let r = admin
        .post_form(
            "/admin/users",
            &[
                ("username", "hp_clerk"),
                ("display_name", "黄受理"),
                ("mobile", "13900040082"),
                ("role", "office_clerk"),
                ("office", &office_id),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let list = admin.get("/admin/users?q=hp_clerk").await;
    assert!(list.body.contains("受理员"));
    let id = app.count("app_user").await;
    let detail = admin.get(&format!("/admin/users/{id}")).await;
    assert!(
        detail.body.contains(&format!("本登记处（{office}）")),
        "scoped to the office"
    );
}

#[tokio::test]
async fn re_enabling_an_unverified_enterprise_admin_keeps_them_waiting_for_verification() {
    let app = TestApp::spawn().await;
    app.create_user("syse", "13900040091", "system_admin", Scope::All, false)
        .await;
    let applicant = app
        .register_enterprise(
            "waiting",
            "13900040092",
            "91310110MA1WAT001",
            "待核验单位",
            "310110",
        )
        .await;
    assert_eq!(applicant.get("/my").await.status, 200);
    let id = app.count("app_user").await;
    let admin = app.client();
    app.login(&admin, "syse", PASSWORD, "13900040091").await;
    admin.get(&format!("/admin/users/{id}")).await;
    let r = admin
        .post_form(&format!("/admin/users/{id}/disable"), &[("reason", "核查")])
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(applicant.get("/my").await.status, 303, "signed out at once");
    admin.get(&format!("/admin/users/{id}")).await;
    admin
        .post_form(&format!("/admin/users/{id}/enable"), &[])
        .await;
    let page = admin.get(&format!("/admin/users/{id}")).await;
    assert!(page.body.contains("待核验"), "not straight to active");
}
