//! Foundation journeys over real HTTP: health, readiness, portal pages,
//! errors, assets, security headers, CSRF, htmx fragments, network zones,
//! runtime settings shared by two nodes.

use std::time::Duration;

use techreg_tests::TestApp;

fn is_request_id(v: Option<&str>) -> bool {
    v.is_some_and(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[tokio::test]
async fn healthz_answers_without_the_database() {
    let app = TestApp::spawn().await;
    let c = app.client();
    app.break_database().await;
    let r = c.get("/healthz").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "alive");
    assert!(is_request_id(r.header("x-request-id")));
}

#[tokio::test]
async fn readyz_reports_database_migrations_and_session_store() {
    let app = TestApp::spawn().await;
    let c = app.client();
    let r = c.get("/readyz").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let body = r.json();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["checks"]["database"], "ok");
    assert_eq!(body["checks"]["migrations"], "ok");
    if techreg_tests::redis_url().is_some() {
        assert_eq!(body["checks"]["session_store"], "ok");
    }
    assert_eq!(r.header("cache-control"), Some("no-store"));

    app.break_database().await;
    let r = c.get("/readyz").await;
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(r.json()["status"], "not_ready");
    assert_ne!(r.json()["checks"]["database"], "ok");
}

#[tokio::test]
async fn readyz_is_503_when_the_configured_session_store_is_down() {
    // Nothing listens on port 1.
    let app = TestApp::spawn_with(|c| {
        c.session.store = techreg::core::config::Secret::new("redis://127.0.0.1:1/");
    })
    .await;
    let r = app.client().get("/readyz").await;
    assert_eq!(r.status, 503);
    assert_eq!(r.json()["checks"]["session_store"], "unreachable");
}

#[tokio::test]
async fn home_page_is_the_chinese_portal_with_session_cookie_and_csrf_meta() {
    let app = TestApp::spawn().await;
    let c = app.client();
    let r = c.get("/").await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.body.contains(r#"<html lang="zh-CN">"#));
    assert!(r.body.contains("上海市技术合同认定登记信息系统"));
    assert!(r.body.contains("技术合同认定登记 全程网办"));
    let cookie = r.header("set-cookie").expect("session cookie");
    assert!(cookie.starts_with("techreg_sid="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    assert!(!cookie.contains("Secure"), "plain http: no Secure flag");
    assert_eq!(c.csrf_token().map(|t| t.len()), Some(64));
    // The cookie is kept: the second page does not set a new one, and the
    // token stays the same.
    let token = c.csrf_token();
    let r = c.get("/guide").await;
    assert!(r.header("set-cookie").is_none());
    assert_eq!(c.csrf_token(), token);
}

#[tokio::test]
async fn unknown_page_gets_the_chinese_404_with_the_request_id() {
    let app = TestApp::spawn().await;
    let c = app.client();
    let r = c.get("/no/such/page").await;
    assert_eq!(r.status, 404);
    assert!(r.body.contains("页面不存在"));
    assert!(r.body.contains("<html"), "full page with layout");
    let id = r.header("x-request-id").unwrap().to_owned();
    assert!(r.body.contains(&id), "request id shown to the user");

    // htmx: a toast fragment retargeted, never a whole page
    let r = c.htmx_get("/no/such/page").await;
    assert_eq!(r.status, 404);
    assert!(!r.body.contains("<html"));
    assert!(r.body.contains("页面不存在"));
    assert_eq!(r.header("hx-retarget"), Some("#toast"));
}

#[tokio::test]
async fn method_not_allowed_is_chinese_too() {
    let app = TestApp::spawn().await;
    let c = app.client();
    c.get("/").await;
    let r = c.post_form("/guide", &[]).await;
    assert_eq!(r.status, 405);
    assert!(r.body.contains("不支持的操作"));
}

#[tokio::test]
async fn assets_are_embedded_versioned_and_cached() {
    let app = TestApp::spawn().await;
    let c = app.client();
    let home = c.get("/").await;
    let doc = home.html();
    let sel = scraper::Selector::parse("script[src]").unwrap();
    let srcs: Vec<String> = doc
        .select(&sel)
        .map(|e| e.value().attr("src").unwrap().to_owned())
        .collect();
    let htmx = srcs
        .iter()
        .find(|s| s.contains("htmx"))
        .expect("htmx script");
    assert!(htmx.starts_with("/assets/vendor/htmx.min.js?v="), "{htmx}");
    let r = c.get(htmx).await;
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("text/javascript")
    );
    assert_eq!(
        r.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert!(r.body.contains("htmx"));
    assert!(
        r.header("set-cookie").is_none(),
        "cacheable assets carry no cookie"
    );
    // the version pins htmx 2.x
    assert!(r.body.contains("version:\"2.0"), "htmx 2.0.x vendored");

    let stale = c.get("/assets/vendor/htmx.min.js?v=0000000000000000").await;
    assert_eq!(stale.status, 200);
    assert_eq!(
        stale.header("cache-control"),
        Some("public, max-age=0, must-revalidate")
    );

    let css = doc
        .select(&scraper::Selector::parse("link[rel=stylesheet]").unwrap())
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    let r = c.get(&css).await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/css"));

    let r = c.get("/assets/nope.js").await;
    assert_eq!(r.status, 404);
    let r = c.get("/assets/README.md").await;
    assert_eq!(r.status, 404, "the assets README is not served");
}

fn assert_security_headers(r: &techreg_tests::Resp) {
    let csp = r.header("content-security-policy").expect("CSP");
    for part in [
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(part), "CSP lacks {part}: {csp}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert!(r.header("referrer-policy").is_some());
    assert!(
        r.headers
            .get_all("vary")
            .iter()
            .any(|v| v.to_str().unwrap().contains("HX-Request"))
    );
}

#[tokio::test]
async fn security_headers_on_pages_errors_and_fragments() {
    let app = TestApp::spawn().await;
    let c = app.client();
    for r in [
        c.get("/").await,
        c.get("/missing").await,
        c.htmx_get("/guide").await,
        c.post_form_without_token("/", &[]).await,
        c.get("/healthz").await,
    ] {
        assert_security_headers(&r);
        assert!(
            r.header("strict-transport-security").is_none(),
            "no HSTS over http"
        );
    }
    assert!(
        c.get("/").await.body.find("<script>").is_none(),
        "no inline script"
    );
}

#[tokio::test]
async fn https_public_url_turns_on_hsts_and_secure_host_cookie() {
    let app = TestApp::spawn_with(|c| c.public_url = "https://techreg.example.gov.cn".into()).await;
    let r = app.client().get("/").await;
    assert!(
        r.header("strict-transport-security")
            .unwrap()
            .contains("max-age=")
    );
    let cookie = r.header("set-cookie").unwrap();
    assert!(cookie.starts_with("__Host-techreg_sid="), "{cookie}");
    assert!(cookie.contains("Secure") && cookie.contains("HttpOnly"));
}

#[tokio::test]
async fn unsafe_methods_need_the_csrf_token() {
    let app = TestApp::spawn().await;
    let c = app.client();
    // No session at all.
    let r = c
        .post_form_without_token("/verify", &[("number", "1")])
        .await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("没有访问权限"));
    c.get("/").await;
    // Session but no token, or a wrong one.
    assert_eq!(c.post_form_without_token("/verify", &[]).await.status, 403);
    assert_eq!(
        c.post_form_without_token("/verify", &[("csrf_token", &"0".repeat(64))])
            .await
            .status,
        403
    );
    for method in [
        reqwest::Method::PUT,
        reqwest::Method::PATCH,
        reqwest::Method::DELETE,
    ] {
        assert_eq!(c.send(c.request(method, "/verify")).await.status, 403);
    }
    // A token from another browser's session does not work here.
    let other = app.client();
    other.get("/").await;
    let foreign = other.csrf_token().unwrap();
    let r = c
        .send(
            c.request(reqwest::Method::POST, "/verify")
                .header("X-CSRF-Token", foreign),
        )
        .await;
    assert_eq!(r.status, 403);
    // The right token passes CSRF (the route itself only takes GET: 405).
    assert_eq!(c.post_form("/verify", &[("number", "1")]).await.status, 405);
    assert_eq!(c.htmx_post("/verify", &[]).await.status, 405);
    let token = c.csrf_token().unwrap();
    let r = c
        .send(c.request(
            reqwest::Method::POST,
            &format!("/verify?csrf_token={token}"),
        ))
        .await;
    assert_eq!(
        r.status, 405,
        "token in the query string, as multipart forms send it"
    );
    // Machine APIs are outside CSRF (they authenticate by token/signature).
    let r = app
        .client()
        .post_form_without_token("/api/nothing", &[])
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn htmx_gets_the_fragment_and_everyone_else_the_page() {
    let app = TestApp::spawn().await;
    let c = app.client();
    let full = c.get("/guide").await;
    assert_eq!(full.status, 200);
    assert!(full.body.contains("<html") && full.body.contains("site-header"));
    assert!(full.body.contains("办事指南"));

    let frag = c.htmx_get("/guide").await;
    assert_eq!(frag.status, 200);
    assert!(!frag.body.contains("<html") && !frag.body.contains("site-header"));
    assert!(frag.body.contains(r#"id="guide""#));
    assert!(frag.body.contains("7 个工作日"));

    // Boosted navigation and history restores want the whole page.
    let boosted = c
        .send(
            c.request(reqwest::Method::GET, "/guide")
                .header("HX-Request", "true")
                .header("HX-Boosted", "true"),
        )
        .await;
    assert!(boosted.body.contains("<html"));
}

#[tokio::test]
async fn a_form_with_errors_comes_back_422_with_inline_messages() {
    let app = TestApp::spawn().await;
    let c = app.client();
    let r = c.get("/verify?number=&code=").await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请填写登记编号"));
    assert!(r.body.contains("请填写核验码"));
    assert!(r.body.contains(r#"aria-invalid="true""#));

    let r = c.htmx_get("/verify?number=%3Cscript%3E&code=12").await;
    assert_eq!(r.status, 422);
    assert!(!r.body.contains("<html"));
    assert!(r.body.contains("登记编号只能包含数字、字母和连字符"));
    assert!(!r.body.contains("<script>"), "input is escaped");

    // Full-width input is normalised and accepted: on to the certificate's
    // page, which knows no such certificate.
    let r = c
        .get("/verify?number=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96&code=ab12")
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/verify/2026?code=AB12"));
    let r = c.get("/verify/2026?code=AB12").await;
    assert_eq!(r.status, 404);
    assert!(r.body.contains(r#"value="2026""#));
    assert!(r.body.contains("请提供正确的核验码"));
}

#[tokio::test]
async fn redirects_to_htmx_become_hx_redirect() {
    let app = TestApp::spawn().await;
    let c = app.client();
    let r = c.get("/index.html").await;
    assert_eq!(r.status, 301);
    assert_eq!(r.header("location"), Some("/"));
    let r = c.htmx_get("/index.html").await;
    assert_eq!(r.status, 200, "never a 3xx to htmx");
    assert_eq!(r.header("hx-redirect"), Some("/"));
    assert!(r.header("location").is_none());
}

#[tokio::test]
async fn staff_routes_are_limited_to_the_configured_networks() {
    let app = TestApp::spawn_with(|c| {
        c.network.staff_networks = vec!["10.0.0.0/8".parse().unwrap()];
        c.network.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let c = app.client();
    for path in [
        "/admin",
        "/admin/users",
        "/review/queue",
        "/supervision",
        "/audit/log",
        "/reports/x",
    ] {
        let r = c.get(path).await;
        assert_eq!(r.status, 403, "{path} from 127.0.0.1");
        assert!(r.body.contains("没有访问权限"));
    }
    // Public routes and look-alike prefixes are not staff zones.
    assert_eq!(c.get("/").await.status, 200);
    assert_eq!(c.get("/administration").await.status, 404);
    // Through the trusted proxy from the extranet: let through (to a 404,
    // since no admin page exists at this path).
    let via_proxy = |ip: &'static str| {
        c.request(reqwest::Method::GET, "/admin/nothing-here")
            .header("X-Forwarded-For", ip)
    };
    assert_eq!(c.send(via_proxy("10.20.30.40")).await.status, 404);
    assert_eq!(c.send(via_proxy("203.0.113.5")).await.status, 403);
}

#[tokio::test]
async fn forwarded_for_from_an_untrusted_peer_is_ignored() {
    let app = TestApp::spawn_with(|c| {
        c.network.staff_networks = vec!["10.0.0.0/8".parse().unwrap()];
    })
    .await;
    let c = app.client();
    let r = c
        .send(
            c.request(reqwest::Method::GET, "/admin")
                .header("X-Forwarded-For", "10.1.1.1"),
        )
        .await;
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn a_setting_changed_on_one_node_shows_on_the_other_within_seconds() {
    let a = TestApp::spawn().await;
    let b = a.spawn_node().await;
    let cb = b.client();
    assert!(!cb.get("/").await.body.contains("系统维护通知"));

    // A bad value is refused and changes nothing.
    let err = a
        .state
        .settings
        .set("ui.page_size", "5000", "test")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("10 到 200"), "{err}");
    assert_eq!(b.state.settings.get_i64("ui.page_size").await.unwrap(), 20);

    a.state
        .settings
        .set(
            "portal.announcement",
            "系统维护通知：本周六停机两小时",
            "test",
        )
        .await
        .unwrap();
    // Node A sees it at once; node B after its next poll.
    assert!(a.client().get("/").await.body.contains("系统维护通知"));
    let mut seen = false;
    for _ in 0..50 {
        if cb
            .get("/")
            .await
            .body
            .contains("系统维护通知：本周六停机两小时")
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
async fn graceful_stop_finishes_and_frees_the_port() {
    let app = TestApp::spawn().await;
    let url = app.url("/healthz");
    assert_eq!(app.client().get("/healthz").await.status, 200);
    app.stop().await;
    assert!(
        reqwest::get(&url).await.is_err(),
        "nothing listens after stop"
    );
}
