//! The middleware chain of design.md: request id and tracing, security
//! headers, error pages, client IP and network zones, session cookie, CSRF.

use std::sync::Arc;
use std::time::Instant;

use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response, Result};
use rand::RngCore;
use tracing::Instrument;

use techreg_views::components::{Flash, FlashKind};

use super::client_ip::{self, ClientIp};
use super::error::WebError;
use super::page;
use super::site::Site;
use crate::security::csrf;

#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// The browser's session id (a random value in an HttpOnly cookie).
#[derive(Clone, Debug)]
pub struct SessionId {
    pub id: String,
    /// Created by this request: the browser has not sent it yet, so no CSRF
    /// token can be valid.
    pub is_new: bool,
}

/// URL prefixes of staff and admin work, which `network.staff_networks`
/// limits to the government extranet.
pub const STAFF_PREFIXES: &[&str] = &["/review", "/supervision", "/reports", "/admin", "/audit"];

pub fn cookie<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn valid_session_id(value: &str) -> bool {
    value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

pub fn is_htmx(req: &Request) -> bool {
    req.header("HX-Request") == Some("true")
}

/// An htmx request that swaps part of a page (boosted navigation and history
/// restores want the whole page).
pub fn wants_fragment(req: &Request) -> bool {
    is_htmx(req)
        && req.header("HX-Boosted").is_none()
        && req.header("HX-History-Restore-Request").is_none()
}

pub async fn trace<E: Endpoint>(ep: Arc<E>, mut req: Request) -> Result<Response> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!("request", id = %id);
    async move {
        let method = req.method().clone();
        let path = req.uri().path().to_owned();
        let started = Instant::now();
        let mut resp = match ep.call(req).await {
            Ok(r) => r.into_response(),
            Err(e) => e.into_response(),
        };
        if let Ok(value) = HeaderValue::from_str(&id) {
            resp.headers_mut().insert("x-request-id", value);
        }
        tracing::info!(
            %method,
            %path,
            status = resp.status().as_u16(),
            ms = started.elapsed().as_secs_f64() * 1000.0,
            "request"
        );
        Ok(resp)
    }
    .instrument(span)
    .await
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

pub async fn security_headers<E: Endpoint>(ep: Arc<E>, req: Request) -> Result<Response> {
    let https = Site::of(&req).core.config.is_https();
    let mut resp = ep.call(req).await?.into_response();
    let h = resp.headers_mut();
    let mut set = |name: &'static str, value: &'static str| {
        if !h.contains_key(name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    };
    // A handler (the API docs page) may bring its own, looser policy.
    set("content-security-policy", CSP);
    set("x-content-type-options", "nosniff");
    set("referrer-policy", "same-origin");
    set("x-frame-options", "DENY");
    set("cross-origin-opener-policy", "same-origin");
    set(
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=()",
    );
    // Pages carry case data: no caching unless the handler says otherwise.
    set("cache-control", "no-store");
    if https {
        set(
            "strict-transport-security",
            "max-age=31536000; includeSubDomains",
        );
    }
    h.append(header::VARY, HeaderValue::from_static("HX-Request"));
    Ok(resp)
}

/// Set by the panic catcher so that `render_errors` shows the 500 page.
pub const PANIC_MARKER: &str = "x-techreg-panic";

/// Turns every error into a Chinese page (or a toast fragment for htmx) and
/// turns redirects to htmx requests into `HX-Redirect`.
pub async fn render_errors<E: Endpoint>(ep: Arc<E>, req: Request) -> Result<Response> {
    let st = Site::of(&req).clone();
    let htmx = is_htmx(&req);
    let fragment = wants_fragment(&req);
    let request_id = req
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let csrf_token = cookie(&req, st.session_cookie_name())
        .filter(|s| valid_session_id(s))
        .map(|sid| csrf::token_for(st.web_key(), sid))
        .unwrap_or_default();
    match ep.call(req).await {
        Ok(r) => {
            let mut resp = r.into_response();
            if resp.headers().contains_key(PANIC_MARKER) {
                tracing::error!("handler panicked");
                return Ok(page::error_response(
                    &st,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    None,
                    &request_id,
                    &csrf_token,
                    fragment,
                )
                .await);
            }
            if htmx && resp.status().is_redirection() && resp.status() != StatusCode::NOT_MODIFIED {
                let location = resp.headers().get(header::LOCATION).cloned();
                resp.set_status(StatusCode::OK);
                resp.headers_mut().remove(header::LOCATION);
                if let Some(location) = location {
                    resp.headers_mut().insert("HX-Redirect", location);
                }
            }
            Ok(resp)
        }
        Err(err) => {
            if let Some(redirect) = err.downcast_ref::<WebError>().and_then(redirect_for) {
                let (to, flash) = redirect;
                let mut resp = page::see_other(&st, to, flash);
                if htmx {
                    resp.set_status(StatusCode::OK);
                    resp.headers_mut().remove(header::LOCATION);
                    resp.headers_mut()
                        .insert("HX-Redirect", HeaderValue::from_static(to));
                }
                return Ok(resp);
            }
            let status = err.status();
            let user_message = err
                .downcast_ref::<WebError>()
                .and_then(|e| e.user_message());
            if status.is_server_error() {
                tracing::error!(error = %err, status = status.as_u16(), "request failed");
            } else {
                tracing::info!(error = %err, status = status.as_u16(), "request refused");
            }
            Ok(page::error_response(
                &st,
                status,
                user_message.as_deref(),
                &request_id,
                &csrf_token,
                fragment,
            )
            .await)
        }
    }
}

/// Errors that send the browser elsewhere instead of showing a page.
fn redirect_for(err: &WebError) -> Option<(&'static str, Option<Flash>)> {
    match err {
        WebError::LoginRequired { timed_out } => Some((
            "/login",
            timed_out.then(|| Flash {
                kind: FlashKind::Info,
                message: "会话已超时，请重新登录。".into(),
            }),
        )),
        WebError::PasswordChangeRequired => Some((
            "/account/password",
            Some(Flash {
                kind: FlashKind::Warning,
                message: "请先修改密码。".into(),
            }),
        )),
        _ => None,
    }
}

/// Resolves the client IP and keeps staff zones to the configured networks.
pub async fn network<E: Endpoint>(ep: Arc<E>, mut req: Request) -> Result<Response> {
    let st = Site::of(&req).clone();
    let peer = req
        .remote_addr()
        .as_socket_addr()
        .map(|a| a.ip())
        .unwrap_or(std::net::Ipv4Addr::UNSPECIFIED.into());
    let ip = client_ip::resolve(
        peer,
        req.header("X-Forwarded-For"),
        &st.core.config.network.trusted_proxies,
    );
    req.extensions_mut().insert(ClientIp(ip));
    let path = req.uri().path();
    let staff_zone = STAFF_PREFIXES.iter().any(|p| {
        path == *p
            || path
                .strip_prefix(p)
                .is_some_and(|rest| rest.starts_with('/'))
    });
    let allowed = &st.core.config.network.staff_networks;
    if staff_zone && !allowed.is_empty() && !client_ip::in_networks(ip, allowed) {
        tracing::warn!(%ip, path, "staff route refused outside the staff networks");
        return Err(WebError::Forbidden("outside staff networks").into());
    }
    Ok(ep.call(req).await?.into_response())
}

/// Paths that never need a session: probes and static files (which may be
/// kept by shared caches, so they must not carry a Set-Cookie).
fn sessionless(path: &str) -> bool {
    path == "/healthz" || path == "/readyz" || path.starts_with("/assets/")
}

/// Gives every browser a random session id cookie.
pub async fn session<E: Endpoint>(ep: Arc<E>, mut req: Request) -> Result<Response> {
    if sessionless(req.uri().path()) {
        return Ok(ep.call(req).await?.into_response());
    }
    let st = Site::of(&req).clone();
    let name = st.session_cookie_name();
    let existing = cookie(&req, name)
        .filter(|v| valid_session_id(v))
        .map(str::to_owned);
    let session = match existing {
        Some(id) => SessionId { id, is_new: false },
        None => {
            let mut bytes = [0u8; 32];
            rand::rng().fill_bytes(&mut bytes);
            SessionId {
                id: hex::encode(bytes),
                is_new: true,
            }
        }
    };
    req.extensions_mut().insert(session.clone());
    let mut resp = ep.call(req).await?.into_response();
    if session.is_new {
        let secure = if st.core.config.is_https() {
            "; Secure"
        } else {
            ""
        };
        let value = format!(
            "{name}={}; Path=/; HttpOnly; SameSite=Lax{secure}",
            session.id
        );
        if let Ok(v) = HeaderValue::from_str(&value) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(resp)
}

const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;

/// Requires a valid CSRF token on every unsafe method outside `/api/`:
/// header `X-CSRF-Token` (htmx), form field `csrf_token`, or query parameter
/// `csrf_token` (multipart forms put it in their action URL).
pub async fn csrf<E: Endpoint>(ep: Arc<E>, mut req: Request) -> Result<Response> {
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let path = req.uri().path().to_owned();
    if !unsafe_method || path == "/api" || path.starts_with("/api/") {
        return Ok(ep.call(req).await?.into_response());
    }
    let st = Site::of(&req).clone();
    let session = req.extensions().get::<SessionId>().cloned();
    let mut presented: Option<String> = req.header("X-CSRF-Token").map(str::to_owned);
    if presented.is_none() {
        presented = req.uri().query().and_then(|q| form_value(q, "csrf_token"));
    }
    let is_form = req
        .header("content-type")
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if presented.is_none() && is_form {
        let body = req
            .take_body()
            .into_bytes_limit(MAX_FORM_BYTES)
            .await
            .map_err(|_| WebError::TooLarge)?;
        presented = std::str::from_utf8(&body)
            .ok()
            .and_then(|b| form_value(b, "csrf_token"));
        req.set_body(body);
    }
    let ok = match (&session, &presented) {
        (Some(s), Some(token)) if !s.is_new => csrf::verify(st.web_key(), &s.id, token),
        _ => false,
    };
    if !ok {
        tracing::warn!(%path, "CSRF token missing or invalid");
        return Err(WebError::Forbidden("csrf").into());
    }
    Ok(ep.call(req).await?.into_response())
}

/// One field of an `application/x-www-form-urlencoded` string.
fn form_value(encoded: &str, key: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(encoded)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_are_decoded() {
        assert_eq!(
            form_value("a=1&csrf_token=ab%2Bc&x", "csrf_token").as_deref(),
            Some("ab+c")
        );
        assert_eq!(
            form_value("name=%E5%BC%A0+%E4%B8%89", "name").as_deref(),
            Some("张 三")
        );
        assert_eq!(form_value("a=1", "csrf_token"), None);
    }

    #[test]
    fn session_ids_must_be_64_hex() {
        assert!(valid_session_id(&"a".repeat(64)));
        assert!(!valid_session_id(&"a".repeat(63)));
        assert!(!valid_session_id(&"g".repeat(64)));
    }
}
