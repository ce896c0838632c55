//! The platform signature service as the seal signer, played by a real
//! local HTTP server holding its own SM2 key.

use std::sync::{Arc, Mutex};

use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::{Data, Json, Path};
use poem::{
    EndpointExt, IntoResponse, Request, Response, Route, Server, get, handler, http::StatusCode,
    post,
};
use serde_json::{Value, json};
use techreg::security::crypto::{Sm2KeyPair, sm2_verify};
use techreg::security::keys::SignError;
use techreg_tests::TestApp;

struct Service {
    key: Sm2KeyPair,
    /// Answer with a signature over something else (a broken service).
    corrupt: bool,
    calls: usize,
}

fn authorised(req: &Request) -> bool {
    req.header("authorization") == Some("Bearer svc-token")
}

#[handler]
fn key(req: &Request, Path(id): Path<String>, Data(s): Data<&Arc<Mutex<Service>>>) -> Response {
    if !authorised(req) {
        return StatusCode::UNAUTHORIZED.into();
    }
    if id != "seal-2026" {
        return StatusCode::NOT_FOUND.into();
    }
    let pk = hex::encode(s.lock().unwrap().key.public_key());
    Json(json!({ "public_key": pk })).into_response()
}

#[handler]
fn sign(req: &Request, Json(body): Json<Value>, Data(s): Data<&Arc<Mutex<Service>>>) -> Response {
    if !authorised(req) {
        return StatusCode::UNAUTHORIZED.into();
    }
    let mut s = s.lock().unwrap();
    s.calls += 1;
    let data = hex::decode(body["data"].as_str().unwrap()).unwrap();
    let signed = if s.corrupt { b"other".to_vec() } else { data };
    Json(json!({ "signature": hex::encode(s.key.sign(&signed)) })).into_response()
}

async fn start(corrupt: bool) -> (String, Arc<Mutex<Service>>) {
    let svc = Arc::new(Mutex::new(Service {
        key: Sm2KeyPair::generate(),
        corrupt,
        calls: 0,
    }));
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .unwrap();
    let addr = acceptor.local_addr()[0].as_socket_addr().copied().unwrap();
    let app = Route::new()
        .at("/keys/:id", get(key))
        .at("/sign", post(sign))
        .data(svc.clone());
    tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
    (format!("http://{addr}"), svc)
}

fn remote(url: String, token: &'static str) -> impl FnOnce(&mut techreg::Config) {
    move |c| {
        c.keys.seal_signer = techreg::core::config::SealSigner::Remote;
        c.keys.remote_url = url;
        c.keys.remote_token = techreg::core::config::Secret::new(token);
        c.keys.remote_key_id = "seal-2026".into();
    }
}

#[tokio::test]
async fn the_seal_is_signed_by_the_remote_service_and_checked_locally() {
    let (url, svc) = start(false).await;
    let app = TestApp::spawn_with(remote(url, "svc-token")).await;
    let (id, pk) = app.state.keys.seal_public_key();
    assert_eq!(id, "seal-2026");
    assert_eq!(pk, svc.lock().unwrap().key.public_key());
    let message = "{\"number\":\"2026310101000001\",\"v\":1}".as_bytes();
    let sig = app.state.keys.seal_sign(message).await.unwrap();
    assert!(sm2_verify(&pk, message, &sig));
    assert_eq!(svc.lock().unwrap().calls, 1);
    // Field encryption stays local and works.
    let enc = app.state.keys.fields().encrypt("x");
    assert_eq!(app.state.keys.fields().decrypt(&enc).unwrap(), "x");
}

#[tokio::test]
async fn a_wrong_signature_from_the_service_is_refused() {
    let (url, _svc) = start(true).await;
    let app = TestApp::spawn_with(remote(url, "svc-token")).await;
    let err = app.state.keys.seal_sign(b"payload").await.unwrap_err();
    assert!(matches!(err, SignError::BadSignature), "{err}");
}

#[tokio::test]
async fn a_node_does_not_start_without_its_signature_service() {
    let (url, _svc) = start(false).await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = techreg_tests::test_config(
        &format!("sqlite://{}/x.db", dir.path().display()),
        dir.path(),
    );
    remote(url.clone(), "wrong-token")(&mut config);
    let err = techreg::boot(config, techreg::RunMode::Test)
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("签名服务不可用"), "{err}");
    let mut config = techreg_tests::test_config(
        &format!("sqlite://{}/y.db", dir.path().display()),
        dir.path(),
    );
    remote("http://127.0.0.1:9".into(), "svc-token")(&mut config);
    assert!(techreg::boot(config, techreg::RunMode::Test).await.is_err());
}
