//! Identity journeys over HTTP: registration, login with a second factor,
//! lockout, forced password change, timeouts, sessions, TOTP.

use chrono::Duration;
use techreg::core::Scope;
use techreg::identity::{credit_check_char, id_card_check_char};
use techreg_tests::{PASSWORD, TestApp};

fn credit(base17: &str) -> String {
    format!("{base17}{}", credit_check_char(base17))
}

fn enterprise_form<'a>(
    code: &'a str,
    mobile: &'a str,
    sms: &'a str,
    username: &'a str,
    password: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("credit_code", code),
        ("enterprise_name", "上海测试科技有限公司"),
        ("district", "310104"),
        ("contact_name", "张三"),
        ("mobile", mobile),
        ("sms_code", sms),
        ("username", username),
        ("password", password),
        ("confirm_password", password),
    ]
}

#[tokio::test]
async fn enterprise_registration_checks_every_field_and_leaves_nothing_on_failure() {
    let app = TestApp::spawn().await;
    let c = app.client();
    let r = c.get("/register/enterprise").await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("统一社会信用代码"));

    // Everything wrong at once: every field gets its message, nothing saved.
    let r = c
        .post_form(
            "/register/enterprise",
            &[
                ("credit_code", "91310104MA1K3YJ8X0"),
                ("enterprise_name", ""),
                ("district", ""),
                ("contact_name", ""),
                ("mobile", "123"),
                ("sms_code", ""),
                ("username", "1x"),
                ("password", "weak"),
                ("confirm_password", "other"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    for msg in [
        "校验位不正确",
        "请填写单位名称",
        "请选择所在区",
        "请填写联系人姓名",
        "手机号码应为 11 位",
        "请填写短信验证码",
        "用户名为 4–50 位",
        "密码至少 8 位",
        "两次输入的密码不一致",
    ] {
        assert!(r.body.contains(msg), "missing message {msg}");
    }
    assert_eq!(app.count("app_user").await, 0);
    assert_eq!(app.count("enterprise").await, 0);

    // A wrong SMS code (no code was ever sent) changes nothing either.
    let code = credit("91310104MA1K3YJ8X");
    let r = c
        .post_form(
            "/register/enterprise",
            &enterprise_form(&code, "13811112222", "123456", "zhangsan", PASSWORD),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("短信验证码错误或已过期"));
    assert_eq!(app.count("app_user").await, 0);

    // The code arrives by SMS (htmx button posts only the mobile).
    let r = c
        .htmx_post("/register/sms-code", &[("mobile", "13811112222")])
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("138****2222"));
    let sms = app.last_sms_code("13811112222").await;
    // Full-width credit code is normalised.
    let wide: String = code
        .chars()
        .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
        .collect();
    let r = c
        .post_form(
            "/register/enterprise",
            &enterprise_form(&wide, "13811112222", &sms, "zhangsan", PASSWORD),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/login"));
    assert_eq!(app.count("app_user").await, 1);
    assert_eq!(app.count("enterprise_claim").await, 1);
    // The code worked once.
    let r = c
        .post_form(
            "/register/enterprise",
            &enterprise_form(&code, "13811112222", &sms, "lisi", PASSWORD),
        )
        .await;
    assert_eq!(r.status, 422);

    // The new account signs in with the SMS factor and waits for verification.
    let r = app.login(&c, "zhangsan", PASSWORD, "13811112222").await;
    assert_eq!(r.status, 303, "{}", r.body);
    let home = c.get("/my").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("待核验"));
    assert!(home.body.contains("138****2222"), "mobile shown masked");
    assert!(!home.body.contains("13811112222"));
}

#[tokio::test]
async fn a_verified_enterprise_cannot_be_claimed_again_unless_contested_with_proof() {
    let app = TestApp::spawn().await;
    techreg::demo::seed(
        &app.state.core.db,
        app.state.keys.as_ref(),
        &app.state.core.config,
    )
    .await
    .unwrap();
    let c = app.client();
    c.get("/register/enterprise").await;
    c.htmx_post("/register/sms-code", &[("mobile", "13822223333")])
        .await;
    let sms = app.last_sms_code("13822223333").await;
    let demo_code = credit("91310115MA1DEM001");
    let users_before = app.count("app_user").await;
    let mut form = enterprise_form(&demo_code, "13822223333", &sms, "intruder", PASSWORD);
    let r = c.post_form("/register/enterprise", &form).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("该单位已完成认证"));
    assert!(r.body.contains("企业管理员"), "says whom to contact");
    assert_eq!(app.count("app_user").await, users_before);

    // A contested claim goes to the responsible office with its proof.
    form.push(("contest", "1"));
    let r = c.post_form("/register/enterprise", &form).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        app.count("enterprise_claim WHERE contested = TRUE").await,
        1
    );
    app.state.core.clock.advance(Duration::seconds(61));
    app.login(&c, "intruder", PASSWORD, "13822223333").await;
    c.get("/my/claim").await;
    let token = c.csrf_token().unwrap();
    let upload = reqwest::multipart::Form::new()
        .text("version", "0")
        .part(
            "licence",
            reqwest::multipart::Part::bytes(b"%PDF-1.7 licence".to_vec()),
        )
        .part(
            "letter",
            reqwest::multipart::Part::bytes(b"%PDF-1.7 court ruling".to_vec()),
        );
    let r = c
        .send(
            c.request(
                reqwest::Method::POST,
                &format!("/my/claim?csrf_token={token}"),
            )
            .multipart(upload),
        )
        .await;
    assert_eq!(r.status, 303);
    // The demo clerk of the enterprise's office (浦东新区) decides.
    let clerk = app.client();
    app.login(
        &clerk,
        "demo_clerk",
        techreg::demo::DEMO_PASSWORD,
        "13900000011",
    )
    .await;
    let queue = clerk.get("/review/claims").await;
    assert!(queue.body.contains("异议"), "{}", queue.body);
    let claim_id = app.count("enterprise_claim").await;
    let review = clerk.get(&format!("/review/claims/{claim_id}")).await;
    assert!(review.text_of("#contested").is_some());
    let r = clerk
        .post_form(
            &format!("/review/claims/{claim_id}/approve"),
            &[("version", "1")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
}

#[tokio::test]
async fn an_expired_registration_code_is_refused() {
    let app = TestApp::spawn().await;
    let c = app.client();
    c.get("/register/individual").await;
    c.htmx_post("/register/sms-code", &[("mobile", "13833334444")])
        .await;
    let sms = app.last_sms_code("13833334444").await;
    app.state.core.clock.advance(Duration::minutes(6));
    let base = "31010419900307123";
    let id = format!("{base}{}", id_card_check_char(base));
    let fields = [
        ("real_name", "王五"),
        ("id_card", id.as_str()),
        ("mobile", "13833334444"),
        ("sms_code", sms.as_str()),
        ("username", "wangwu"),
        ("password", PASSWORD),
        ("confirm_password", PASSWORD),
    ];
    let r = c.post_form("/register/individual", &fields).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("短信验证码错误或已过期"));
    assert_eq!(app.count("app_user").await, 0);
    // SMS sending is rate-limited per mobile: a new code after a minute.
    let r = c
        .htmx_post("/register/sms-code", &[("mobile", "13833334444")])
        .await;
    assert_eq!(r.status, 200, "a minute has passed (clock moved 6 minutes)");
    let r = c
        .htmx_post("/register/sms-code", &[("mobile", "13833334444")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("过于频繁"));
    let sms = app.last_sms_code("13833334444").await;
    let mut fields = fields;
    fields[3] = ("sms_code", sms.as_str());
    fields[1] = ("id_card", "110105194912310021");
    let r = c.post_form("/register/individual", &fields).await;
    assert_eq!(r.status, 422, "bad ID check digit");
    assert!(r.body.contains("身份证号码校验位不正确"));
    fields[1] = ("id_card", id.as_str());
    let r = c.post_form("/register/individual", &fields).await;
    assert_eq!(r.status, 303, "{}", r.body);
}

#[tokio::test]
async fn login_needs_password_and_sms_code_with_a_new_session_id() {
    let app = TestApp::spawn().await;
    app.create_user(
        "reviewer1",
        "13900001111",
        "city_officer",
        Scope::All,
        false,
    )
    .await;
    let c = app.client();
    let first = c.get("/login").await;
    let anonymous_cookie = first.header("set-cookie").unwrap().to_owned();
    let r = c
        .post_form(
            "/login",
            &[("username", "reviewer1"), ("password", "wrong")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("用户名或密码错误"));
    let r = c
        .post_form("/login", &[("username", "nobody"), ("password", "wrong")])
        .await;
    assert!(
        r.body.contains("用户名或密码错误"),
        "same message for unknown users"
    );

    let r = c
        .post_form(
            "/login",
            &[("username", "REVIEWER1"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, 303);
    let new_cookie = r
        .header("set-cookie")
        .expect("new session id at login")
        .to_owned();
    assert_ne!(
        new_cookie.split(';').next(),
        anonymous_cookie.split(';').next()
    );
    // Not signed in yet: the work pages still send to the login page.
    let r = c.get("/my").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/login"));

    let page = c.get("/login/verify").await;
    assert!(page.body.contains("139****1111"));
    let r = c.post_form("/login/verify", &[("code", "000000")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("验证码错误或已过期"));
    let code = app.last_sms_code("13900001111").await;
    let r = c.post_form("/login/verify", &[("code", &code)]).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/my"));
    assert!(
        r.header("set-cookie").is_some(),
        "another new id once fully signed in"
    );
    let home = c.get("/my").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("市技术市场办"), "role shown");
    // A fresh code for each login (after the one-a-minute SMS limit).
    app.state.core.clock.advance(Duration::seconds(61));
    let d = app.client();
    d.get("/login").await;
    d.post_form(
        "/login",
        &[("username", "reviewer1"), ("password", PASSWORD)],
    )
    .await;
    d.get("/login/verify").await;
    let code2 = app.last_sms_code("13900001111").await;
    assert_ne!(code2, code, "a fresh code is sent for each login");
    let r = d.post_form("/login/verify", &[("code", &code)]).await;
    assert_eq!(r.status, 422, "an old code does not work");
    // Logout ends the session.
    c.get("/my").await;
    let r = c.post_form("/logout", &[]).await;
    assert_eq!(r.status, 303);
    assert_eq!(c.get("/my").await.status, 303);
    assert!(app.count("audit_log WHERE action = 'logout'").await == 1);
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_until_the_window_passes() {
    let app = TestApp::spawn().await;
    app.create_user("locky", "13900002222", "inspector", Scope::All, false)
        .await;
    let c = app.client();
    c.get("/login").await;
    for i in 0..4 {
        let r = c
            .post_form(
                "/login",
                &[("username", "locky"), ("password", "Wrong@123")],
            )
            .await;
        assert!(r.body.contains("用户名或密码错误"), "attempt {i}");
    }
    let r = c
        .post_form(
            "/login",
            &[("username", "locky"), ("password", "Wrong@123")],
        )
        .await;
    assert!(r.body.contains("账户已锁定"), "{}", r.body);
    let r = c
        .post_form("/login", &[("username", "locky"), ("password", PASSWORD)])
        .await;
    assert_eq!(
        r.status, 422,
        "the right password does not open a locked account"
    );
    assert!(r.body.contains("账户已锁定"));
    // The lock is in the database: another node (or a restart) sees it.
    let other = app.spawn_node().await;
    let c2 = other.client();
    c2.get("/login").await;
    let r = c2
        .post_form("/login", &[("username", "locky"), ("password", PASSWORD)])
        .await;
    assert!(r.body.contains("账户已锁定"), "{}", r.body);
    // After 30 minutes the account opens again.
    app.state.core.clock.advance(Duration::minutes(31));
    let r = app.login(&c, "locky", PASSWORD, "13900002222").await;
    assert_eq!(r.status, 303);
    assert_eq!(c.get("/my").await.status, 200);
}

#[tokio::test]
async fn wrong_codes_count_towards_the_lock_too() {
    let app = TestApp::spawn().await;
    app.create_user("codey", "13900003333", "inspector", Scope::All, false)
        .await;
    let c = app.client();
    c.get("/login").await;
    c.post_form("/login", &[("username", "codey"), ("password", PASSWORD)])
        .await;
    c.get("/login/verify").await;
    for _ in 0..4 {
        let r = c.post_form("/login/verify", &[("code", "111111")]).await;
        assert_eq!(r.status, 422);
    }
    let r = c.post_form("/login/verify", &[("code", "111111")]).await;
    assert_eq!(r.status, 303, "locked: back to the login page");
    assert_eq!(r.header("location"), Some("/login"));
    let page = c.get("/login").await;
    assert!(page.body.contains("账户已锁定"), "told why");
}

#[tokio::test]
async fn a_one_time_password_must_be_changed_first() {
    let app = TestApp::spawn().await;
    app.create_user("newstaff", "13900004444", "inspector", Scope::All, true)
        .await;
    let c = app.client();
    let r = app.login(&c, "newstaff", PASSWORD, "13900004444").await;
    assert_eq!(r.status, 303);
    let r = c.get("/my").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/account/password"));
    let page = c.get("/account/password").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("一次性密码或已过期"));
    // Bad inputs: wrong current password, weak, contains username, reused.
    let r = c
        .post_form(
            "/account/password",
            &[
                ("current_password", "nope"),
                ("new_password", "abc"),
                ("confirm_password", "abd"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("当前密码不正确")
            && r.body.contains("密码至少 8 位")
            && r.body.contains("两次输入的密码不一致")
    );
    let r = c
        .post_form(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "Newstaff@2026"),
                ("confirm_password", "Newstaff@2026"),
            ],
        )
        .await;
    assert!(r.body.contains("密码不能包含用户名"));
    let r = c
        .post_form(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", PASSWORD),
                ("confirm_password", PASSWORD),
            ],
        )
        .await;
    assert!(r.body.contains("不能与最近 5 次使用过的密码相同"));
    let r = c
        .post_form(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "Fresh#Pass2026"),
                ("confirm_password", "Fresh#Pass2026"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(c.get("/my").await.status, 200);
    // 90 days later the password has expired.
    app.state.core.clock.advance(Duration::days(91));
    let c2 = app.client();
    let r = app
        .login(&c2, "newstaff", "Fresh#Pass2026", "13900004444")
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        c2.get("/my").await.header("location"),
        Some("/account/password")
    );
}

#[tokio::test]
async fn an_idle_session_times_out_and_an_old_one_hits_the_absolute_limit() {
    let app = TestApp::spawn().await;
    app.create_user("idler", "13900005555", "inspector", Scope::All, false)
        .await;
    let c = app.client();
    app.login(&c, "idler", PASSWORD, "13900005555").await;
    assert_eq!(c.get("/my").await.status, 200);
    app.state.core.clock.advance(Duration::minutes(29));
    assert_eq!(c.get("/my").await.status, 200, "activity keeps it alive");
    app.state.core.clock.advance(Duration::minutes(31));
    let r = c.get("/my").await;
    assert_eq!(r.status, 303);
    let login = c.get("/login").await;
    assert!(login.body.contains("会话已超时"));

    // Active every 29 minutes: the idle limit never strikes, so only the
    // 12-hour absolute limit may end the session, and not before it.
    let c = app.client();
    app.login(&c, "idler", PASSWORD, "13900005555").await;
    let mut active = Duration::zero();
    loop {
        app.state.core.clock.advance(Duration::minutes(29));
        active += Duration::minutes(29);
        let r = c.get("/my").await;
        if active <= Duration::hours(12) {
            assert_eq!(r.status, 200, "still signed in after {active}");
            continue;
        }
        assert_eq!(r.status, 303, "signed out once past 12 hours");
        assert_eq!(r.header("location"), Some("/login"));
        break;
    }
    let login = c.get("/login").await;
    assert!(
        login.body.contains("会话已超时"),
        "the timeout is explained"
    );
}

#[tokio::test]
async fn sessions_are_listed_and_can_be_ended_from_another_browser() {
    let app = TestApp::spawn().await;
    app.create_user("twodev", "13900006666", "inspector", Scope::All, false)
        .await;
    let a = app.client();
    let b = app.client();
    app.login(&a, "twodev", PASSWORD, "13900006666").await;
    app.state.core.clock.advance(Duration::seconds(61));
    app.login(&b, "twodev", PASSWORD, "13900006666").await;
    let list = a.get("/account/sessions").await;
    assert_eq!(list.status, 200);
    assert_eq!(
        list.body.matches("退出该会话").count(),
        1,
        "one other session"
    );
    assert!(list.body.contains("当前会话"));
    let r = a.post_form("/account/sessions/end-others", &[]).await;
    assert_eq!(r.status, 303);
    assert_eq!(
        b.get("/my").await.status,
        303,
        "the other browser is signed out"
    );
    assert_eq!(a.get("/my").await.status, 200);
    // Someone else's session id is not found.
    let r = a
        .post_form("/account/sessions/end", &[("session", &"ab".repeat(32))])
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn switching_to_an_authenticator_app_needs_the_current_factor_and_codes_do_not_replay() {
    let app = TestApp::spawn().await;
    app.create_user("appuser", "13900007777", "inspector", Scope::All, false)
        .await;
    let c = app.client();
    app.login(&c, "appuser", PASSWORD, "13900007777").await;
    let r = c.post_form("/account/security/totp/start", &[]).await;
    assert_eq!(r.status, 303);
    let page = c.get("/account/security").await;
    assert!(page.body.contains("<svg"), "QR code shown");
    let secret = page.text_of("#totp-secret").expect("secret shown");
    let now = app.state.core.clock.now();
    let app_code = techreg::identity::code_for_base32(&secret, now).unwrap();
    // Without the current factor (SMS) it is refused.
    let r = c
        .post_form(
            "/account/security/totp/confirm",
            &[("totp_code", &app_code), ("code", "000000")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("当前验证方式的验证码错误或已过期"));
    c.post_form("/account/security/sms-code", &[]).await;
    let sms = app.last_sms_code("13900007777").await;
    let r = c
        .post_form(
            "/account/security/totp/confirm",
            &[("totp_code", &app_code), ("code", &sms)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("恢复码只显示这一次"));
    let doc = r.html();
    let sel = scraper::Selector::parse("ul.codes code").unwrap();
    let recovery: Vec<String> = doc.select(&sel).map(|e| e.text().collect()).collect();
    assert_eq!(recovery.len(), 10);

    // Next login asks for the app code; the enrolment code cannot be replayed.
    c.post_form("/logout", &[]).await;
    c.get("/login").await;
    c.post_form("/login", &[("username", "appuser"), ("password", PASSWORD)])
        .await;
    let verify = c.get("/login/verify").await;
    assert!(verify.body.contains("验证器应用"));
    let r = c.post_form("/login/verify", &[("code", &app_code)]).await;
    assert_eq!(
        r.status, 422,
        "same time step as at enrolment: replay refused"
    );
    app.state.core.clock.advance(Duration::seconds(30));
    let next = techreg::identity::code_for_base32(&secret, app.state.core.clock.now()).unwrap();
    let r = c.post_form("/login/verify", &[("code", &next)]).await;
    assert_eq!(r.status, 303);
    assert_eq!(c.get("/my").await.status, 200);

    // A recovery code works once.
    let d = app.client();
    d.get("/login").await;
    d.post_form("/login", &[("username", "appuser"), ("password", PASSWORD)])
        .await;
    d.get("/login/verify").await;
    assert_eq!(
        d.post_form("/login/verify", &[("code", &recovery[0])])
            .await
            .status,
        303
    );
    let e = app.client();
    e.get("/login").await;
    e.post_form("/login", &[("username", "appuser"), ("password", PASSWORD)])
        .await;
    e.get("/login/verify").await;
    assert_eq!(
        e.post_form("/login/verify", &[("code", &recovery[0])])
            .await
            .status,
        422
    );
}

#[tokio::test]
async fn login_form_needs_the_csrf_token() {
    let app = TestApp::spawn().await;
    app.create_user("csrfuser", "13900008888", "inspector", Scope::All, false)
        .await;
    let c = app.client();
    c.get("/login").await;
    let r = c
        .post_form_without_token(
            "/login",
            &[("username", "csrfuser"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(app.count("user_session").await, 0);
}

#[tokio::test]
async fn with_redis_configured_but_down_signed_in_pages_answer_503() {
    let app = TestApp::spawn_with(|c| {
        c.session.store = techreg::core::config::Secret::new("redis://127.0.0.1:1/");
    })
    .await;
    let c = app.client();
    c.get("/").await;
    let r = c.get("/my").await;
    assert_eq!(r.status, 503);
    assert!(r.body.contains("服务暂不可用"));
    app.create_user("r1", "13900009999", "inspector", Scope::All, false)
        .await;
    c.get("/login").await;
    let r = c
        .post_form("/login", &[("username", "r1"), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status, 503, "no one is let in");
}

#[tokio::test]
async fn changing_the_mobile_needs_a_code_to_the_new_number_and_the_current_factor() {
    let app = TestApp::spawn().await;
    app.create_user("mover", "13900013001", "inspector", Scope::All, false)
        .await;
    let c = app.client();
    app.login(&c, "mover", PASSWORD, "13900013001").await;
    let page = c.get("/account/mobile").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("139****3001"));
    let r = c
        .post_form("/account/mobile/new-code", &[("new_mobile", "13900013002")])
        .await;
    assert_eq!(r.status, 200);
    let new_code = app.last_sms_code("13900013002").await;
    // Without the current factor: refused.
    let r = c
        .post_form(
            "/account/mobile",
            &[
                ("new_mobile", "13900013002"),
                ("new_code", &new_code),
                ("current_code", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请填写当前验证方式的验证码"));
    let r = c
        .post_form(
            "/account/mobile/current-code",
            &[("new_mobile", "13900013002")],
        )
        .await;
    assert_eq!(r.status, 200);
    let current_code = app.last_sms_code("13900013001").await;
    // A wrong code for the new number: refused, nothing changes.
    let r = c
        .post_form(
            "/account/mobile",
            &[
                ("new_mobile", "13900013002"),
                ("new_code", "000000"),
                ("current_code", &current_code),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    app.state.core.clock.advance(Duration::seconds(61));
    c.post_form("/account/mobile/new-code", &[("new_mobile", "13900013002")])
        .await;
    let new_code = app.last_sms_code("13900013002").await;
    let r = c
        .post_form(
            "/account/mobile",
            &[
                ("new_mobile", "13900013002"),
                ("new_code", &new_code),
                ("current_code", &current_code),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    // The next login sends the code to the new number.
    app.state.core.clock.advance(Duration::seconds(61));
    let d = app.client();
    let r = app.login(&d, "mover", PASSWORD, "13900013002").await;
    assert_eq!(r.status, 303);
    assert_eq!(
        app.count("audit_log WHERE action = 'mobile.change'").await,
        1
    );
}

#[tokio::test]
async fn inside_a_session_wrong_passwords_lock_too_and_a_change_ends_the_other_sessions() {
    let app = TestApp::spawn().await;
    app.create_user("guarded", "13900014001", "inspector", Scope::All, false)
        .await;
    let a = app.client();
    let b = app.client();
    app.login(&a, "guarded", PASSWORD, "13900014001").await;
    app.state.core.clock.advance(Duration::seconds(61));
    app.login(&b, "guarded", PASSWORD, "13900014001").await;

    // A password change ends the other browser's session.
    a.get("/account/password").await;
    let r = a
        .post_form(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "Other#Pass2026"),
                ("confirm_password", "Other#Pass2026"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(b.get("/my").await.status, 303, "the other session ended");
    assert_eq!(a.get("/my").await.status, 200, "this one goes on");

    // Guessing the current password from a stolen session locks the account.
    a.get("/account/password").await;
    for _ in 0..4 {
        let r = a
            .post_form(
                "/account/password",
                &[
                    ("current_password", "Guess#1234"),
                    ("new_password", "Third#Pass2026"),
                    ("confirm_password", "Third#Pass2026"),
                ],
            )
            .await;
        assert_eq!(r.status, 422);
    }
    let r = a
        .post_form(
            "/account/password",
            &[
                ("current_password", "Guess#1234"),
                ("new_password", "Third#Pass2026"),
                ("confirm_password", "Third#Pass2026"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "locked: signed out");
    assert_eq!(r.header("location"), Some("/login"));
    assert_eq!(a.get("/my").await.status, 303);
    assert_eq!(
        app.count("audit_log WHERE action = 'account.locked'").await,
        1
    );
}

#[tokio::test]
async fn a_half_finished_login_expires() {
    let app = TestApp::spawn().await;
    app.create_user("slow", "13900014002", "inspector", Scope::All, false)
        .await;
    let c = app.client();
    c.get("/login").await;
    c.post_form("/login", &[("username", "slow"), ("password", PASSWORD)])
        .await;
    let code = app.last_sms_code("13900014002").await;
    app.state.core.clock.advance(Duration::minutes(11));
    c.get("/").await;
    let r = c.post_form("/login/verify", &[("code", &code)]).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/login"), "start again");
    assert_eq!(c.get("/my").await.status, 303);
}
