//! Identity's pages, by group: sign-in with the second factor,
//! registration, the account pages, the admin screens for users and
//! sessions, the role matrix and security policy, enterprise claims,
//! enterprise members, the demo SMS inbox; and the session authenticator
//! the web floor asks for every signed-in request.

mod account;
mod admin;
mod authenticator;
mod claims;
mod demo_sms;
mod login;
mod members;
mod policy;
mod register;
mod security;

use poem::{Request, Response, Route};
use techreg_views::components::{Flash, FlashKind};

pub use authenticator::SessionAuthenticator;

use super::login::Visitor;
use super::model::Signed;
use crate::web::middleware::SessionId;
use crate::web::{Ctx, WebError, WebResult};

pub fn routes(route: Route) -> Route {
    let route = login::routes(route);
    let route = register::routes(route);
    let route = account::routes(route);
    let route = security::routes(route);
    let route = admin::routes(route);
    let route = policy::routes(route);
    let route = claims::routes(route);
    let route = members::routes(route);
    demo_sms::routes(route)
}

fn flash(kind: FlashKind, message: &str) -> Option<Flash> {
    Some(Flash {
        kind,
        message: message.to_owned(),
    })
}

fn success(message: &str) -> Option<Flash> {
    flash(FlashKind::Success, message)
}

/// The session cookie the browser sent (not one this request created).
fn cookie_sid(req: &Request) -> Option<String> {
    req.extensions()
        .get::<SessionId>()
        .filter(|s| !s.is_new)
        .map(|s| s.id.clone())
}

fn visitor(req: &Request) -> Visitor {
    Visitor {
        ip: crate::web::client_ip::of(req),
        user_agent: req.header("user-agent").unwrap_or("").to_owned(),
        sid: cookie_sid(req),
    }
}

fn with_session_cookie(mut resp: Response, ctx: &Ctx, sid: &str) -> Response {
    let name = ctx.site.session_cookie_name();
    let secure = if ctx.site.core.config.is_https() {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!("{name}={sid}; Path=/; HttpOnly; SameSite=Lax{secure}");
    if let Ok(v) = poem::http::HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(poem::http::header::SET_COOKIE, v);
    }
    resp
}

/// An account page's answer, or off to the login page.
fn signed<T>(answer: Signed<T>) -> WebResult<T> {
    match answer {
        Signed::In(t) => Ok(t),
        Signed::Out => Err(WebError::LoginRequired { timed_out: false }),
    }
}
