//! Page rendering: the same partial answers an htmx request, and inside the
//! layout answers any other request.

use std::sync::Arc;

use maud::Markup;
use poem::http::{HeaderValue, StatusCode, header};
use poem::web::Html;
use poem::{FromRequest, IntoResponse, Request, RequestBody, Response, Result};
use techreg_views::components::{Crumb, Flash};
use techreg_views::layout::{self, Shell, UserBadge};
use techreg_views::pages::errors;

use super::flash;
use super::middleware::{RequestId, SessionId, wants_fragment};
use super::site::Site;
use crate::boot::AppState;
use crate::core::Caller;
use crate::security::csrf;

/// What every handler needs to answer: fragment or page, CSRF token,
/// request id, the site's chrome.
pub struct Ctx {
    /// Transitional: the whole state, until every domain takes its own
    /// handle through `Data<&T>`.
    pub state: Arc<AppState>,
    pub site: Site,
    pub fragment: bool,
    pub csrf_token: String,
    pub request_id: String,
    pub path: String,
    flashes: Vec<Flash>,
}

impl<'a> FromRequest<'a> for Ctx {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> Result<Self> {
        let site = Site::of(req).clone();
        let state = req
            .data::<Arc<AppState>>()
            .cloned()
            .expect("AppState is attached outermost");
        let key = site.web_key();
        let csrf_token = req
            .extensions()
            .get::<SessionId>()
            .map(|s| csrf::token_for(key, &s.id))
            .unwrap_or_default();
        let fragment = wants_fragment(req);
        let flashes = if fragment {
            Vec::new()
        } else {
            super::middleware::cookie(req, flash::COOKIE)
                .and_then(|v| flash::decode(key, v))
                .into_iter()
                .collect()
        };
        Ok(Self {
            fragment,
            csrf_token,
            request_id: req
                .extensions()
                .get::<RequestId>()
                .map(|r| r.0.clone())
                .unwrap_or_default(),
            flashes,
            path: req.uri().path().to_owned(),
            state,
            site,
        })
    }
}

impl Ctx {
    async fn shell(&self, title: &str) -> Shell {
        Shell {
            title: title.to_owned(),
            csrf_token: self.csrf_token.clone(),
            assets: self.site.assets.clone(),
            flashes: self.flashes.clone(),
            user: None,
            announcement: self.site.chrome.announcement().await,
        }
    }

    /// A public portal page, or only `body` for an htmx fragment request.
    pub async fn public(&self, title: &str, body: Markup) -> Response {
        self.public_with_status(StatusCode::OK, title, body).await
    }

    /// As [`Ctx::public`] with a status, e.g. 422 for a form with errors.
    pub async fn public_with_status(
        &self,
        status: StatusCode,
        title: &str,
        body: Markup,
    ) -> Response {
        let markup = if self.fragment {
            body
        } else {
            layout::public(&self.shell(title).await, body)
        };
        let mut resp = Html(markup.into_string())
            .with_status(status)
            .into_response();
        self.expire_flash(&mut resp);
        resp
    }

    /// A message is shown once: expire its cookie on the page showing it.
    fn expire_flash(&self, resp: &mut Response) {
        if !self.flashes.is_empty() {
            let expire = format!(
                "{}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax",
                flash::COOKIE
            );
            if let Ok(v) = HeaderValue::from_str(&expire) {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
        }
    }
}

impl Ctx {
    /// A page of signed-in work, with navigation by the user's permissions.
    pub async fn work(
        &self,
        user: &Caller,
        title: &str,
        crumbs: &[Crumb],
        body: Markup,
    ) -> Response {
        self.work_with_status(StatusCode::OK, user, title, crumbs, body)
            .await
    }

    pub async fn work_with_status(
        &self,
        status: StatusCode,
        user: &Caller,
        title: &str,
        crumbs: &[Crumb],
        body: Markup,
    ) -> Response {
        let markup = if self.fragment {
            body
        } else {
            let mut shell = self.shell(title).await;
            shell.announcement = None;
            shell.user = Some(UserBadge {
                display_name: user.user.display_name.clone(),
                role_label: user.grants.role_label(),
            });
            let nav = self.site.chrome.navigation(user, &self.path).await;
            layout::work(&shell, &nav, crumbs, body)
        };
        let mut resp = Html(markup.into_string())
            .with_status(status)
            .into_response();
        self.expire_flash(&mut resp);
        resp
    }

    /// 303 to `to`, with a one-time message shown there.
    pub fn redirect(&self, to: &str, flash: Option<Flash>) -> Response {
        see_other(&self.site, to, flash)
    }
}

pub fn see_other(site: &Site, to: &str, flash: Option<Flash>) -> Response {
    let mut resp = Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, to)
        .finish();
    if let Some(f) = flash {
        let value = format!(
            "{}={}; Path=/; HttpOnly; SameSite=Lax",
            flash::COOKIE,
            flash::encode(site.web_key(), &f)
        );
        if let Ok(v) = HeaderValue::from_str(&value) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

/// The Chinese error page, or a toast fragment retargeted to `#toast`.
pub async fn error_response(
    site: &Site,
    status: StatusCode,
    message: Option<&str>,
    request_id: &str,
    csrf_token: &str,
    fragment: bool,
) -> Response {
    let (title, default_message) = errors::wording(status.as_u16());
    let view = errors::ErrorView {
        status: status.as_u16(),
        title,
        message: message.unwrap_or(default_message),
        request_id,
    };
    if fragment {
        return Html(errors::error_toast(&view).into_string())
            .with_status(status)
            .with_header("HX-Retarget", "#toast")
            .with_header("HX-Reswap", "innerHTML")
            .into_response();
    }
    let shell = Shell {
        title: title.to_owned(),
        csrf_token: csrf_token.to_owned(),
        assets: site.assets.clone(),
        ..Shell::default()
    };
    Html(layout::public(&shell, errors::error_body(&view)).into_string())
        .with_status(status)
        .into_response()
}
