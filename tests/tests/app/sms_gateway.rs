//! The HTTP SMS driver against a real local HTTP server standing in for
//! the carrier gateway: signature, retries after server errors, failure
//! recorded and reported.

use std::sync::{Arc, Mutex};

use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::Data;
use poem::{EndpointExt, Request, Response, Route, Server, handler, http::StatusCode, post};
use techreg_tests::TestApp;

#[derive(Default)]
struct Gateway {
    /// Statuses to answer, in order; 200 once they run out.
    script: Vec<u16>,
    received: Vec<(Option<String>, Vec<u8>)>,
}

#[handler]
async fn receive(
    req: &Request,
    body: poem::Body,
    Data(gw): Data<&Arc<Mutex<Gateway>>>,
) -> Response {
    let bytes = body.into_vec().await.unwrap();
    let mut gw = gw.lock().unwrap();
    let sig = req.header("X-Techreg-Signature").map(str::to_owned);
    gw.received.push((sig, bytes));
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

async fn app_with_gateway(url: &str) -> TestApp {
    let url = url.to_owned();
    TestApp::spawn_with(move |c| {
        c.sms.driver = techreg::core::config::SmsDriver::Http;
        c.sms.http_url = url;
        c.sms.http_secret = techreg::core::config::Secret::new("gateway-secret");
    })
    .await
}

#[tokio::test]
async fn codes_reach_the_gateway_signed_after_a_retry() {
    let (url, gw) = start_gateway(vec![500]).await;
    let app = app_with_gateway(&url).await;
    let c = app.client();
    c.get("/register/individual").await;
    let r = c
        .htmx_post("/register/sms-code", &[("mobile", "13900070001")])
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let received = gw.lock().unwrap().received.clone();
    assert_eq!(received.len(), 2, "one failure, one retry");
    assert_eq!(received[0].1, received[1].1, "the same message");
    let (sig, body) = &received[1];
    assert_eq!(
        sig.as_deref(),
        Some(techreg::integrations::sms::http::signature(b"gateway-secret", body).as_str())
    );
    let json: serde_json::Value = serde_json::from_slice(body).unwrap();
    assert_eq!(json["mobile"], "13900070001");
    let code = app_code(&app, "13900070001").await;
    assert!(json["content"].as_str().unwrap().contains(&code));
    assert_eq!(app.count("sms_message WHERE status = 'sent'").await, 1);
    // No page shows codes outside demo mode.
    assert_eq!(c.get("/demo/sms").await.status, 404);
}

async fn app_code(app: &TestApp, mobile: &str) -> String {
    app.last_sms_code(mobile).await
}

#[tokio::test]
async fn a_gateway_that_keeps_failing_is_reported_and_recorded() {
    let (url, gw) = start_gateway(vec![500, 502, 503, 500]).await;
    let app = app_with_gateway(&url).await;
    let c = app.client();
    c.get("/register/individual").await;
    let r = c
        .htmx_post("/register/sms-code", &[("mobile", "13900070002")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("短信发送失败"));
    assert_eq!(gw.lock().unwrap().received.len(), 3, "three attempts");
    assert_eq!(app.count("sms_message WHERE status = 'failed'").await, 1);

    // A 4xx is not retried.
    let (url, gw) = start_gateway(vec![400]).await;
    let app = app_with_gateway(&url).await;
    let c = app.client();
    c.get("/register/individual").await;
    let r = c
        .htmx_post("/register/sms-code", &[("mobile", "13900070003")])
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(gw.lock().unwrap().received.len(), 1);
}
