//! The message center: messages sent through the service (as the contract
//! flow sends them) reach their user only; the unread counter in the
//! navigation and its htmx fragment; marking one and all read; another
//! user's message answers 404 and stays as it was; opening a message goes
//! to its in-app link only; SMS for final results through the gateway after
//! commit, recorded; the outbox retries with backoff through a gateway
//! failure (nothing lost, nothing sent twice) and gives up on a refusal.

use std::sync::{Arc, Mutex};

use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::Data;
use poem::{EndpointExt, Response, Route, Server, handler, http::StatusCode, post};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use techreg::alerts::{self, Delivery, Kind, NewMessage};
use techreg::core::Scope;
use techreg_entities::alerts::message;
use techreg_tests::{PASSWORD, TestApp, TestClient};

fn notice<'a>(user_id: i64, title: &'a str, link: Option<&'a str>) -> NewMessage<'a> {
    NewMessage {
        user_id,
        kind: Kind::Status,
        title,
        body: "您提交的技术合同登记申请已受理。\n请留意后续进度。",
        link,
        object: Some(("contract", 42)),
    }
}

/// Sends as the contract flow will: inside a write transaction.
async fn send(app: &TestApp, m: &NewMessage<'_>) -> i64 {
    let txn = techreg::core::db::begin(&app.state.core.db).await.unwrap();
    let id = alerts::send(&txn, m, app.state.core.clock.now())
        .await
        .unwrap();
    txn.commit().await.unwrap();
    id
}

async fn user(app: &TestApp, name: &str, mobile: &str) -> (i64, TestClient) {
    let id = app
        .create_user(name, mobile, "applicant", Scope::SelfOnly, false)
        .await;
    let c = app.client();
    let r = app.login(&c, name, PASSWORD, mobile).await;
    assert_eq!(r.status, 303, "{name} signs in");
    (id, c)
}

async fn read_at(app: &TestApp, id: i64) -> Option<chrono::DateTime<chrono::Utc>> {
    message::Entity::find_by_id(id)
        .one(&app.state.core.db)
        .await
        .unwrap()
        .expect("message exists")
        .read_at
}

fn ids_listed(r: &techreg_tests::Resp) -> Vec<String> {
    let sel = scraper::Selector::parse("ol.messages > li").unwrap();
    r.html()
        .select(&sel)
        .filter_map(|li| li.value().attr("id").map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn messages_reach_their_user_only_with_the_count_in_the_navigation() {
    let app = TestApp::spawn().await;
    let (alice, a) = user(&app, "alice", "13900150001").await;
    let (bob, b) = user(&app, "bob", "13900150002").await;

    // Nothing yet: the menu item is there, its counter hidden at zero.
    let home = a.get("/my").await;
    assert!(home.body.contains(r#"href="/messages""#));
    assert!(home.body.contains("消息中心"));
    assert_eq!(home.text_of("#nav-messages-badge").as_deref(), Some("0"));
    assert!(home.body.contains(r#"class="badge badge-zero""#));

    let m1 = send(&app, &notice(alice, "申请已受理", Some("/my"))).await;
    let m2 = send(&app, &notice(alice, "申请已退回补正", None)).await;
    let m3 = send(&app, &notice(bob, "鲍勃的消息", None)).await;
    // New work for several staff at once; a repeated id gets one copy.
    let sent = {
        let txn = techreg::core::db::begin(&app.state.core.db).await.unwrap();
        let m = NewMessage {
            kind: Kind::Work,
            ..notice(0, "新的待受理申请", Some("/my"))
        };
        let n = alerts::send_many(&txn, &[alice, bob, alice], &m, app.state.core.clock.now())
            .await
            .unwrap();
        txn.commit().await.unwrap();
        n
    };
    assert_eq!(sent, 2);
    assert_eq!(app.count("message").await, 5);
    assert_eq!(
        app.count("message WHERE object_type = 'contract' AND object_id = 42")
            .await,
        5
    );

    let home = a.get("/my").await;
    assert_eq!(home.text_of("#nav-messages-badge").as_deref(), Some("3"));
    assert!(home.body.contains(r#"hx-get="/messages/badge""#));
    assert!(home.body.contains(r#"hx-trigger="every 60s""#));
    assert!(home.body.contains(r#"hx-swap="outerHTML""#));

    let list = a.get("/messages").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("申请已受理") && list.body.contains("申请已退回补正"));
    assert!(list.body.contains("新的待受理申请") && list.body.contains("待办工作"));
    assert!(!list.body.contains("鲍勃的消息"), "only her own");
    let listed = ids_listed(&list);
    assert_eq!(listed.len(), 3);
    assert_eq!(listed[1], format!("m-{m2}"), "newest first");
    assert_eq!(listed[2], format!("m-{m1}"));
    assert_eq!(
        list.html()
            .select(&scraper::Selector::parse("li.unread .unread-mark").unwrap())
            .count(),
        3
    );
    assert!(
        list.body
            .contains(&format!(r#"action="/messages/{m1}/open""#))
    );
    assert!(
        !list
            .body
            .contains(&format!(r#"action="/messages/{m2}/open""#))
    );
    assert_eq!(list.text_of("#unread-count").as_deref(), Some("3"));

    let bobs = b.get("/messages").await;
    assert!(bobs.body.contains("鲍勃的消息"));
    assert!(!bobs.body.contains("申请已退回补正"));
    assert_eq!(ids_listed(&bobs)[1], format!("m-{m3}"));
    assert_eq!(
        b.get("/my").await.text_of("#nav-messages-badge").as_deref(),
        Some("2")
    );

    // The badge fragment for htmx; without htmx it is only the list.
    let badge = a.htmx_get("/messages/badge").await;
    assert_eq!(badge.status, 200);
    assert!(
        badge
            .body
            .starts_with(r#"<span class="badge" id="nav-messages-badge""#)
    );
    assert_eq!(badge.text_of("#nav-messages-badge").as_deref(), Some("3"));
    assert!(!badge.body.contains("<html"));
    let plain = a.get("/messages/badge").await;
    assert_eq!(plain.status, 303);
    assert_eq!(plain.header("location"), Some("/messages"));
}

#[tokio::test]
async fn the_list_pages_by_keyset_and_filters_unread() {
    let app = TestApp::spawn().await;
    let (alice, a) = user(&app, "alice", "13900150011").await;
    let mut ids = Vec::new();
    for n in 0..25 {
        ids.push(send(&app, &notice(alice, &format!("第{n}号通知"), None)).await);
    }
    // Default page size 20: the newest 20, then the 5 before them.
    let first = a.get("/messages").await;
    let listed = ids_listed(&first);
    assert_eq!(listed.len(), 20);
    assert_eq!(listed[0], format!("m-{}", ids[24]));
    let next = first
        .html()
        .select(&scraper::Selector::parse("#next-page").unwrap())
        .next()
        .and_then(|a| a.value().attr("href").map(str::to_owned))
        .expect("a next page");
    assert_eq!(next, format!("/messages?before={}", ids[5]));
    let second = a.get(&next).await;
    let listed = ids_listed(&second);
    assert_eq!(listed.len(), 5);
    assert_eq!(listed[0], format!("m-{}", ids[4]));
    assert!(second.text_of("#next-page").is_none());

    // Read some; the unread filter shows the rest, and keeps itself.
    for id in &ids[..22] {
        a.get("/messages").await;
        let r = a.post_form(&format!("/messages/{id}/read"), &[]).await;
        assert_eq!(r.status, 303);
    }
    let unread = a.get("/messages?filter=unread").await;
    assert_eq!(
        ids_listed(&unread),
        ids[22..]
            .iter()
            .rev()
            .map(|i| format!("m-{i}"))
            .collect::<Vec<_>>()
    );
    assert_eq!(unread.text_of("#unread-count").as_deref(), Some("3"));
    let all = a.get("/messages").await;
    assert_eq!(ids_listed(&all).len(), 20);
    // A nonsense cursor is ignored, not an error.
    assert_eq!(a.get("/messages?before=abc").await.status, 200);
}

#[tokio::test]
async fn marking_one_and_all_read_updates_the_counters() {
    let app = TestApp::spawn().await;
    let (alice, a) = user(&app, "alice", "13900150021").await;
    let m1 = send(&app, &notice(alice, "一", None)).await;
    let m2 = send(&app, &notice(alice, "二", None)).await;
    let m3 = send(&app, &notice(alice, "三", None)).await;

    // With htmx: the message comes back read, with the counters out of band.
    a.get("/messages").await;
    let r = a.htmx_post(&format!("/messages/{m1}/read"), &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.contains(&format!(r#"<li id="m-{m1}">"#)),
        "{}",
        r.body
    );
    assert!(r.body.contains("已读于"));
    assert!(r.body.contains(r#"id="nav-messages-badge""#));
    assert!(r.body.contains(r#"hx-swap-oob="true""#));
    assert_eq!(r.text_of("#nav-messages-badge").as_deref(), Some("2"));
    assert_eq!(r.text_of("#unread-count").as_deref(), Some("2"));
    let first_read = read_at(&app, m1).await.expect("read");

    // Again later: still read at the first time.
    app.state.core.clock.advance(chrono::Duration::minutes(5));
    let r = a.post_form(&format!("/messages/{m1}/read"), &[]).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/messages"));
    assert_eq!(read_at(&app, m1).await, Some(first_read));
    // From the unread list, back to the unread list.
    let r = a
        .post_form(&format!("/messages/{m2}/read"), &[("filter", "unread")])
        .await;
    assert_eq!(r.header("location"), Some("/messages?filter=unread"));
    assert!(read_at(&app, m2).await.is_some());

    // "Mark all" covers what was on screen; one arriving meanwhile stays.
    let page = a.get("/messages").await;
    assert_eq!(page.text_of("#nav-messages-badge").as_deref(), Some("1"));
    let up_to = page
        .html()
        .select(&scraper::Selector::parse("input[name=up_to]").unwrap())
        .next()
        .and_then(|i| i.value().attr("value").map(str::to_owned))
        .expect("up_to");
    assert_eq!(up_to, m3.to_string());
    let m4 = send(&app, &notice(alice, "四", None)).await;
    let r = a
        .post_form("/messages/read-all", &[("up_to", &up_to)])
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/messages"));
    assert!(read_at(&app, m3).await.is_some());
    assert!(read_at(&app, m4).await.is_none());
    let page = a.get("/messages").await;
    assert!(page.body.contains("已将 1 条消息标为已读。"));
    assert_eq!(page.text_of("#nav-messages-badge").as_deref(), Some("1"));

    // Without a bound (no form field): everything.
    let r = a.post_form("/messages/read-all", &[]).await;
    assert_eq!(r.status, 303);
    assert_eq!(app.count("message WHERE read_at IS NULL").await, 0);
    let page = a.get("/messages").await;
    assert_eq!(page.text_of("#nav-messages-badge").as_deref(), Some("0"));
    assert!(!page.body.contains("全部标为已读"));
    let r = a.post_form("/messages/read-all", &[]).await;
    assert_eq!(r.status, 303);
    assert!(
        a.get("/messages")
            .await
            .body
            .contains("没有需要标记的未读消息。")
    );
    // No audit rows for reading one's own messages.
    assert_eq!(app.count("audit_log WHERE action LIKE 'message%'").await, 0);
}

#[tokio::test]
async fn another_users_message_is_not_found_and_stays_unread() {
    let app = TestApp::spawn().await;
    let (alice, _a) = user(&app, "alice", "13900150031").await;
    let (_bob, b) = user(&app, "bob", "13900150032").await;
    let theirs = send(&app, &notice(alice, "爱丽丝的消息", Some("/my"))).await;

    b.get("/messages").await;
    for path in [
        format!("/messages/{theirs}/read"),
        format!("/messages/{theirs}/open"),
        "/messages/999999/read".to_owned(),
    ] {
        let r = b.post_form(&path, &[]).await;
        assert_eq!(r.status, 404, "{path}");
        assert!(!r.body.contains("爱丽丝的消息"));
    }
    let r = b.htmx_post(&format!("/messages/{theirs}/read"), &[]).await;
    assert_eq!(r.status, 404);
    // Marking all of bob's does not touch alice's, whatever the bound says.
    let r = b
        .post_form("/messages/read-all", &[("up_to", &theirs.to_string())])
        .await;
    assert_eq!(r.status, 303);
    assert!(read_at(&app, theirs).await.is_none());
    assert_eq!(app.count("message WHERE read_at IS NULL").await, 1);

    // Anonymous: to the login page, nothing changes.
    let anon = app.client();
    anon.get("/").await;
    for (get, path) in [
        (true, "/messages".to_owned()),
        (true, "/messages/badge".to_owned()),
        (false, "/messages/read-all".to_owned()),
        (false, format!("/messages/{theirs}/read")),
        (false, format!("/messages/{theirs}/open")),
    ] {
        let r = if get {
            anon.get(&path).await
        } else {
            anon.post_form(&path, &[]).await
        };
        assert_eq!(r.status, 303, "{path}");
        assert_eq!(r.header("location"), Some("/login"), "{path}");
    }
    let r = anon.htmx_get("/messages/badge").await;
    assert_eq!(r.header("hx-redirect"), Some("/login"));
    assert!(read_at(&app, theirs).await.is_none());
}

#[tokio::test]
async fn opening_a_message_marks_it_read_and_goes_to_its_in_app_link_only() {
    let app = TestApp::spawn().await;
    let (alice, a) = user(&app, "alice", "13900150041").await;
    let linked = send(&app, &notice(alice, "去看看", Some("/account/security"))).await;
    let plain = send(&app, &notice(alice, "没有链接", None)).await;

    a.get("/messages").await;
    let r = a.post_form(&format!("/messages/{linked}/open"), &[]).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/account/security"));
    assert!(read_at(&app, linked).await.is_some());
    let r = a.post_form(&format!("/messages/{plain}/open"), &[]).await;
    assert_eq!(r.header("location"), Some("/messages"));
    assert!(read_at(&app, plain).await.is_some());
    // htmx (the boosted form) is told where to go, never given a 3xx.
    let r = a.htmx_post(&format!("/messages/{linked}/open"), &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("hx-redirect"), Some("/account/security"));

    // The service refuses links to other sites…
    for bad in [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let txn = techreg::core::db::begin(&app.state.core.db).await.unwrap();
        let sent = alerts::send(
            &txn,
            &notice(alice, "坏链接", Some(bad)),
            app.state.core.clock.now(),
        )
        .await;
        assert!(sent.is_err(), "{bad}");
    }
    assert_eq!(app.count("message WHERE title = '坏链接'").await, 0);
    // …and one that got into the table anyway is not followed.
    let planted = message::ActiveModel {
        user_id: Set(alice),
        created_at: Set(app.state.core.clock.now()),
        kind: Set("system".into()),
        title: Set("被篡改的消息".into()),
        body: Set(String::new()),
        link: Set(Some("//evil.example/".into())),
        object_type: Set(None),
        object_id: Set(None),
        read_at: Set(None),
        ..Default::default()
    }
    .insert(&app.state.core.db)
    .await
    .unwrap();
    let list = a.get("/messages").await;
    assert!(list.body.contains("被篡改的消息"));
    assert!(!list.body.contains("evil.example"));
    let r = a
        .post_form(&format!("/messages/{}/open", planted.id), &[])
        .await;
    assert_eq!(r.header("location"), Some("/messages"));
}

#[tokio::test]
async fn the_badge_polling_does_not_keep_an_idle_session_alive() {
    let app = TestApp::spawn().await;
    let (_alice, a) = user(&app, "alice", "13900150051").await;
    a.get("/messages").await;
    // Idle limit 30 minutes: the page polls, the person does nothing.
    for _ in 0..2 {
        app.state.core.clock.advance(chrono::Duration::minutes(12));
        let r = a.htmx_get("/messages/badge").await;
        assert_eq!(r.status, 200);
        assert!(r.body.contains("nav-messages-badge"), "{}", r.body);
        assert_eq!(r.header("hx-redirect"), None);
    }
    // After 36 minutes the poll finds the session timed out; the page goes
    // to the login form.
    app.state.core.clock.advance(chrono::Duration::minutes(12));
    let r = a.htmx_get("/messages/badge").await;
    assert_eq!(r.header("hx-redirect"), Some("/login"));
    assert!(!r.body.contains("nav-messages-badge"));
    let r = a.get("/messages").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/login"));
    assert_eq!(
        app.count("user_session WHERE end_reason = 'idle_timeout'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_final_result_also_goes_by_sms_after_commit() {
    let app = TestApp::spawn().await;
    let (alice, a) = user(&app, "alice", "13900150061").await;
    let now = app.state.core.clock.now();

    // Rolled back: neither the message nor the SMS exists.
    {
        let txn = techreg::core::db::begin(&app.state.core.db).await.unwrap();
        alerts::send_with_sms(
            &txn,
            &app.state.alerts,
            &notice(alice, "不会发出", None),
            "不会发出",
            now,
        )
        .await
        .unwrap();
        drop(txn);
    }
    assert_eq!(app.count("message").await, 0);
    assert_eq!(app.count("sms_message WHERE purpose = 'notice'").await, 0);

    let txn = techreg::core::db::begin(&app.state.core.db).await.unwrap();
    let sent = alerts::send_with_sms(
        &txn,
        &app.state.alerts,
        &notice(alice, "技术合同已登记", Some("/my")),
        "您的技术合同已准予登记，请登录系统下载登记证明。",
        now,
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    let sms_id = sent.sms_id.expect("she has a mobile");
    // Queued with the action; sent once delivered.
    assert_eq!(
        app.count(&format!(
            "sms_message WHERE id = {sms_id} AND status = 'pending'"
        ))
        .await,
        1
    );
    let done = alerts::deliver_pending(&app.state.alerts).await.unwrap();
    assert_eq!(
        done,
        Delivery {
            sent: 1,
            ..Default::default()
        }
    );
    assert_eq!(
        app.last_sms("13900150061").await.as_deref(),
        Some("【上海技术合同登记】您的技术合同已准予登记，请登录系统下载登记证明。")
    );
    assert_eq!(
        app.count(&format!(
            "sms_message WHERE id = {sms_id} AND status = 'sent' AND purpose = 'notice' AND attempts = 1"
        ))
        .await,
        1
    );
    // Nothing left to deliver; the login code was not touched.
    assert_eq!(
        alerts::deliver_pending(&app.state.alerts).await.unwrap(),
        Delivery::default()
    );
    assert_eq!(
        app.count("sms_message WHERE purpose = 'login' AND status = 'sent'")
            .await,
        1
    );
    // The message itself is in her message center.
    let list = a.get("/messages").await;
    assert!(list.body.contains("技术合同已登记"));
    assert_eq!(ids_listed(&list), vec![format!("m-{}", sent.message_id)]);
}

#[tokio::test]
async fn a_user_without_a_mobile_gets_only_the_message() {
    let app = TestApp::spawn().await;
    let now = app.state.core.clock.now();
    let txn = techreg::core::db::begin(&app.state.core.db).await.unwrap();
    let user = techreg::identity::create_user(
        &txn,
        app.state.keys.as_ref(),
        app.state.core.config.security.pbkdf2_iterations,
        techreg::identity::NewUser {
            username: "nomobile",
            display_name: "无手机用户",
            kind: techreg::identity::KIND_STAFF,
            status: techreg::identity::STATUS_ACTIVE,
            enterprise_id: None,
            is_enterprise_admin: false,
            mobile: None,
            id_card: None,
            password: PASSWORD,
            must_change_password: false,
        },
        now,
    )
    .await
    .unwrap();
    let sent = alerts::send_with_sms(
        &txn,
        &app.state.alerts,
        &notice(user.id, "结果", None),
        "结果",
        now,
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(sent.sms_id, None);
    assert_eq!(app.count("sms_message").await, 0);
    assert_eq!(
        app.count(&format!(
            "message WHERE id = {} AND user_id = {}",
            sent.message_id, user.id
        ))
        .await,
        1
    );
    assert_eq!(
        alerts::deliver_pending(&app.state.alerts).await.unwrap(),
        Delivery::default()
    );
}

/// A real HTTP server standing in for the carrier gateway.
#[derive(Default)]
struct Gateway {
    /// Statuses to answer, in order; 200 once they run out.
    script: Vec<u16>,
    received: Vec<serde_json::Value>,
}

#[handler]
async fn receive(body: poem::Body, Data(gw): Data<&Arc<Mutex<Gateway>>>) -> Response {
    let bytes = body.into_vec().await.unwrap();
    let mut gw = gw.lock().unwrap();
    gw.received.push(serde_json::from_slice(&bytes).unwrap());
    let status = if gw.script.is_empty() {
        200
    } else {
        gw.script.remove(0)
    };
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .finish()
}

async fn start_gateway(script: Vec<u16>) -> (String, Arc<Mutex<Gateway>>) {
    let gw = Arc::new(Mutex::new(Gateway {
        script,
        received: Vec::new(),
    }));
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .unwrap();
    let addr = acceptor.local_addr()[0].as_socket_addr().copied().unwrap();
    let app = Route::new().at("/sms", post(receive)).data(gw.clone());
    tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
    (format!("http://{addr}/sms"), gw)
}

async fn send_result(app: &TestApp, user_id: i64, title: &str) -> alerts::Sent {
    let txn = techreg::core::db::begin(&app.state.core.db).await.unwrap();
    let sent = alerts::send_with_sms(
        &txn,
        &app.state.alerts,
        &notice(user_id, title, None),
        title,
        app.state.core.clock.now(),
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    sent
}

#[tokio::test]
async fn the_outbox_survives_a_gateway_failure_without_losing_or_repeating_an_sms() {
    // Three 500s: the gateway client's own three tries of the first run.
    let (url, gw) = start_gateway(vec![500, 502, 503]).await;
    let app = TestApp::spawn_with(move |c| {
        c.sms.driver = techreg::core::config::SmsDriver::Http;
        c.sms.http_url = url;
        c.sms.http_secret = techreg::core::config::Secret::new("gateway-secret");
    })
    .await;
    let alice = app
        .create_user("alice", "13900150071", "applicant", Scope::SelfOnly, false)
        .await;
    let sent = send_result(&app, alice, "不予登记").await;
    let sms_id = sent.sms_id.unwrap();
    let done = alerts::deliver_pending(&app.state.alerts).await.unwrap();
    assert_eq!(
        done,
        Delivery {
            retrying: 1,
            ..Default::default()
        }
    );
    assert_eq!(gw.lock().unwrap().received.len(), 3, "three tries");
    // Back in the outbox, waiting a minute, with the error kept.
    assert_eq!(
        app.count(&format!(
            "sms_message WHERE id = {sms_id} AND status = 'pending' AND attempts = 1 \
             AND next_attempt_at IS NOT NULL AND last_error LIKE '%503%'"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "message WHERE id = {} AND read_at IS NULL",
            sent.message_id
        ))
        .await,
        1
    );
    // Not before its time.
    assert_eq!(
        alerts::deliver_pending(&app.state.alerts).await.unwrap(),
        Delivery::default()
    );
    assert_eq!(gw.lock().unwrap().received.len(), 3);

    // A minute later the gateway answers 200: sent once, and never again.
    app.state.core.clock.advance(chrono::Duration::seconds(61));
    let done = alerts::deliver_pending(&app.state.alerts).await.unwrap();
    assert_eq!(
        done,
        Delivery {
            sent: 1,
            ..Default::default()
        }
    );
    assert_eq!(
        alerts::deliver_pending(&app.state.alerts).await.unwrap(),
        Delivery::default()
    );
    let received = gw.lock().unwrap().received.clone();
    assert_eq!(received.len(), 4);
    assert_eq!(received[3]["content"], "【上海技术合同登记】不予登记");
    assert_eq!(
        app.count(&format!(
            "sms_message WHERE id = {sms_id} AND status = 'sent' AND attempts = 2 AND sent_at IS NOT NULL"
        ))
        .await,
        1
    );

    // Two nodes running the outbox at once send each SMS once.
    for n in 0..6 {
        send_result(&app, alice, &format!("结果{n}")).await;
    }
    let other = app.spawn_node().await;
    other
        .state
        .core
        .clock
        .advance(app.state.core.clock.now() - other.state.core.clock.now());
    let (x, y) = tokio::join!(
        alerts::deliver_pending(&app.state.alerts),
        alerts::deliver_pending(&other.state.alerts)
    );
    let (x, y) = (x.unwrap(), y.unwrap());
    assert_eq!(x.sent + y.sent, 6);
    let received = gw.lock().unwrap().received.clone();
    assert_eq!(received.len(), 10);
    let mut contents: Vec<&str> = received[4..]
        .iter()
        .map(|j| j["content"].as_str().unwrap())
        .collect();
    contents.sort();
    assert_eq!(
        contents,
        (0..6)
            .map(|n| format!("【上海技术合同登记】结果{n}"))
            .collect::<Vec<_>>()
    );
    assert!(received.iter().all(|j| j["mobile"] == "13900150071"));
    assert_eq!(
        app.count("sms_message WHERE status = 'sent' AND purpose = 'notice'")
            .await,
        7
    );
}

#[tokio::test]
async fn a_refused_sms_is_not_retried_and_a_failing_one_gives_up_after_its_attempts() {
    // 400: the gateway will never take it.
    let (url, gw) = start_gateway(vec![400]).await;
    let app = TestApp::spawn_with(move |c| {
        c.sms.driver = techreg::core::config::SmsDriver::Http;
        c.sms.http_url = url;
        c.sms.http_secret = techreg::core::config::Secret::new("gateway-secret");
    })
    .await;
    let alice = app
        .create_user("alice", "13900150072", "applicant", Scope::SelfOnly, false)
        .await;
    let refused = send_result(&app, alice, "被拒收").await.sms_id.unwrap();
    let done = alerts::deliver_pending(&app.state.alerts).await.unwrap();
    assert_eq!(
        done,
        Delivery {
            failed: 1,
            ..Default::default()
        }
    );
    assert_eq!(
        gw.lock().unwrap().received.len(),
        1,
        "a refusal is not retried"
    );
    assert_eq!(
        app.count(&format!(
            "sms_message WHERE id = {refused} AND status = 'failed' AND last_error LIKE '%400%'"
        ))
        .await,
        1
    );

    // A gateway down for good: attempts with growing waits, then failed.
    gw.lock().unwrap().script = vec![500; 3 * alerts::MAX_ATTEMPTS as usize];
    let down = send_result(&app, alice, "网关故障").await.sms_id.unwrap();
    let mut runs = Vec::new();
    for _ in 0..alerts::MAX_ATTEMPTS {
        runs.push(alerts::deliver_pending(&app.state.alerts).await.unwrap());
        app.state.core.clock.advance(chrono::Duration::minutes(61));
    }
    assert!(runs[..runs.len() - 1].iter().all(|d| d.retrying == 1));
    assert_eq!(runs.last().unwrap().failed, 1);
    assert_eq!(
        app.count(&format!(
            "sms_message WHERE id = {down} AND status = 'failed' AND attempts = {}",
            alerts::MAX_ATTEMPTS
        ))
        .await,
        1
    );
    assert_eq!(
        alerts::deliver_pending(&app.state.alerts).await.unwrap(),
        Delivery::default()
    );
    assert_eq!(
        gw.lock().unwrap().received.len(),
        1 + 3 * alerts::MAX_ATTEMPTS as usize
    );
}

#[tokio::test]
async fn every_demo_account_starts_with_a_welcome_message() {
    let app = TestApp::spawn().await;
    techreg::demo::seed(
        &app.state.core.db,
        app.state.keys.as_ref(),
        &app.state.core.config,
    )
    .await
    .unwrap();
    assert_eq!(
        app.count("message WHERE kind = 'system' AND read_at IS NULL")
            .await,
        techreg::demo::DEMO_ACCOUNTS.len() as i64
    );
    // Seeding again adds nothing.
    techreg::demo::seed(
        &app.state.core.db,
        app.state.keys.as_ref(),
        &app.state.core.config,
    )
    .await
    .unwrap();
    assert_eq!(
        app.count("message").await,
        techreg::demo::DEMO_ACCOUNTS.len() as i64
    );
}
