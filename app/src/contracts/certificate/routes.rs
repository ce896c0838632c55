//! Public verification of certificates: the page the QR code opens and the
//! JSON APIs for independent signature checks. No login; an unknown number
//! and a wrong code get the same answer, and guesses are rate-limited per
//! client address.

use chrono::Duration;
use poem::http::StatusCode;
use poem::web::{Json, Path, Query};
use poem::{IntoResponse, Request, Response, Route, get, handler};
use serde::Deserialize;
use serde_json::{Value, json};
use techreg_entities::contract::certificate;
use techreg_views::pages::portal::{self, VerifiedCertificate, VerifyForm, VerifyOutcome};

use super::service::{self, ALGORITHM, Status};
use crate::security::crypto::DEFAULT_DIST_ID;
use crate::security::rate_limit;
use crate::web::Ctx;
use crate::web::error::WebError;

pub fn routes(route: Route) -> Route {
    route
        .at("/verify/:number", get(verify_certificate))
        .at("/api/certificates/:number", get(certificate_api))
        .at("/api/keys", get(keys_api))
}

/// Attempts with a code per client address and window.
const GUESS_LIMIT: i32 = 30;
const GUESS_WINDOW_MINUTES: i64 = 10;

#[derive(Debug, Default, Deserialize)]
struct CodeQuery {
    code: Option<String>,
}

enum Lookup {
    NoCode,
    TooMany,
    Miss,
    Hit(Box<certificate::Model>),
}

/// Counts the attempt before looking: over the limit even the right code is
/// refused, so the limit cannot be used to confirm a guess.
async fn lookup(
    state: &crate::boot::AppState,
    ip: &str,
    number: &str,
    code: Option<&str>,
) -> Result<Lookup, WebError> {
    let code = crate::core::text::normalize_code(code.unwrap_or(""));
    if code.is_empty() {
        return Ok(Lookup::NoCode);
    }
    if !rate_limit::hit(
        &state.core.db,
        &format!("certverify:ip:{ip}"),
        Duration::minutes(GUESS_WINDOW_MINUTES),
        GUESS_LIMIT,
        state.core.clock.now(),
    )
    .await?
    {
        return Ok(Lookup::TooMany);
    }
    if !service::valid_number(number) || code.len() > 32 {
        return Ok(Lookup::Miss);
    }
    Ok(
        match service::find_with_code(&state.core.db, state, number, &code).await? {
            Some(c) => Lookup::Hit(Box::new(c)),
            None => Lookup::Miss,
        },
    )
}

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|list| {
            list.iter()
                .filter_map(|p| p["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Minimal data, read back from the signed canonical text.
fn summary(c: &certificate::Model) -> VerifiedCertificate {
    let data: Value = serde_json::from_str(&c.canonical_text).unwrap_or(Value::Null);
    let status = Status::parse(&c.status).unwrap_or(Status::Revoked);
    VerifiedCertificate {
        registration_number: c.registration_number.clone(),
        contract_name: data["contract_name"].as_str().unwrap_or("").to_owned(),
        sellers: names(&data["sellers"]),
        buyers: names(&data["buyers"]),
        registered_on: data["registered_on"].as_str().unwrap_or("").to_owned(),
        status: status.code(),
        status_label: status.label(),
    }
}

#[handler]
async fn verify_certificate(
    ctx: Ctx,
    req: &Request,
    Path(number): Path<String>,
    Query(q): Query<CodeQuery>,
) -> Result<Response, WebError> {
    let ip = crate::web::client_ip::of(req);
    let number = crate::core::text::normalize_code(&number);
    let found = lookup(&ctx.state, &ip, &number, q.code.as_deref()).await?;
    let shown_number = if service::valid_number(&number) {
        number.as_str()
    } else {
        ""
    };
    let form = VerifyForm {
        number: shown_number,
        code: "",
        number_error: None,
        code_error: None,
    };
    let (status, summary_data);
    let outcome = match &found {
        Lookup::NoCode => {
            status = StatusCode::OK;
            VerifyOutcome::NeedCode
        }
        Lookup::TooMany => {
            status = StatusCode::TOO_MANY_REQUESTS;
            VerifyOutcome::TooMany
        }
        Lookup::Miss => {
            status = StatusCode::NOT_FOUND;
            VerifyOutcome::WrongCode
        }
        Lookup::Hit(c) => {
            status = StatusCode::OK;
            summary_data = summary(c);
            VerifyOutcome::Found(&summary_data)
        }
    };
    let mut resp = ctx
        .public_with_status(status, "证明核验", portal::verify(&form, &outcome))
        .await;
    // The URL carries the code: keep it out of caches and referrers.
    resp.headers_mut().insert(
        poem::http::header::CACHE_CONTROL,
        poem::http::HeaderValue::from_static("no-store"),
    );
    resp.headers_mut().insert(
        poem::http::header::REFERRER_POLICY,
        poem::http::HeaderValue::from_static("no-referrer"),
    );
    Ok(resp)
}

fn json_status(status: StatusCode, body: Value) -> Response {
    let mut resp = Json(body).with_status(status).into_response();
    resp.headers_mut().insert(
        poem::http::header::CACHE_CONTROL,
        poem::http::HeaderValue::from_static("no-store"),
    );
    resp
}

#[handler]
async fn certificate_api(
    ctx: Ctx,
    req: &Request,
    Path(number): Path<String>,
    Query(q): Query<CodeQuery>,
) -> Result<Response, WebError> {
    let ip = crate::web::client_ip::of(req);
    let number = crate::core::text::normalize_code(&number);
    Ok(
        match lookup(&ctx.state, &ip, &number, q.code.as_deref()).await? {
            Lookup::Hit(c) => json_status(
                StatusCode::OK,
                json!({
                    "status": c.status,
                    "registration_number": c.registration_number,
                    "canonical_version": c.canonical_version,
                    "canonical_text": c.canonical_text,
                    "signature": c.signature_hex,
                    "key_id": c.key_id,
                    "algorithm": ALGORITHM,
                    "user_id": DEFAULT_DIST_ID,
                }),
            ),
            Lookup::TooMany => json_status(
                StatusCode::TOO_MANY_REQUESTS,
                json!({ "error": "too_many_attempts" }),
            ),
            Lookup::NoCode | Lookup::Miss => {
                json_status(StatusCode::NOT_FOUND, json!({ "error": "not_found" }))
            }
        },
    )
}

#[handler]
async fn keys_api(ctx: Ctx) -> Result<Response, WebError> {
    let keys = service::signing_keys(&ctx.state.core.db, &ctx.state).await?;
    let list: Vec<Value> = keys
        .into_iter()
        .map(|k| {
            json!({
                "key_id": k.key_id,
                "public_key": k.public_key_hex,
                "algorithm": ALGORITHM,
                "user_id": DEFAULT_DIST_ID,
                "valid_from": k.valid_from.map(|t| t.to_rfc3339()),
                "valid_to": k.valid_to.map(|t| t.to_rfc3339()),
            })
        })
        .collect();
    Ok(Json(Value::Array(list)).into_response())
}
