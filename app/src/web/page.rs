//! Page rendering: the same partial answers an htmx request, and inside the
//! layout answers any other request.

use std::sync::Arc;

use maud::Markup;
use poem::http::{HeaderValue, StatusCode, header};
use poem::web::Html;
use poem::{FromRequest, IntoResponse, Request, RequestBody, Response, Result};
use techreg_views::components::{Crumb, Flash, NavItem};
use techreg_views::layout::{self, Shell, UserBadge};
use techreg_views::pages::errors;

use super::flash;
use super::middleware::{RequestId, SessionId, state, wants_fragment};
use crate::boot::AppState;
use crate::identity::auth::AuthUser;
use crate::security::csrf;
use crate::security::keys::KeyName;

/// What every handler needs to answer: state, fragment or page, CSRF token.
pub struct Ctx {
    pub state: Arc<AppState>,
    pub fragment: bool,
    pub csrf_token: String,
    pub request_id: String,
    pub path: String,
    flashes: Vec<Flash>,
}

impl<'a> FromRequest<'a> for Ctx {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> Result<Self> {
        let state = state(req);
        let key = state.keys.secret(KeyName::Web);
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
        })
    }
}

impl Ctx {
    async fn shell(&self, title: &str) -> Shell {
        let announcement = self
            .state
            .settings
            .get_string("portal.announcement")
            .await
            .unwrap_or_default();
        Shell {
            title: title.to_owned(),
            csrf_token: self.csrf_token.clone(),
            assets: self.state.assets.clone(),
            flashes: self.flashes.clone(),
            user: None,
            announcement: (!announcement.is_empty()).then_some(announcement),
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
        user: &AuthUser,
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
        user: &AuthUser,
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
            let unread =
                match crate::alerts::messages::unread_count(&self.state.db, user.user.id).await {
                    Ok(n) => Some(n),
                    Err(e) => {
                        // The page is still worth showing without its counter.
                        tracing::warn!(error = %e, "unread message count failed");
                        None
                    }
                };
            let work = if crate::contracts::queues::is_review_staff(user) {
                crate::contracts::queues::my_open_count(&self.state.db, user.user.id)
                    .await
                    .map_err(|e| tracing::warn!(error = %e, "work count failed"))
                    .ok()
            } else {
                None
            };
            let nav = navigation(user, &self.path, unread, work);
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
        see_other(&self.state, to, flash)
    }
}

pub fn see_other(state: &AppState, to: &str, flash: Option<Flash>) -> Response {
    let mut resp = Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, to)
        .finish();
    if let Some(f) = flash {
        let value = format!(
            "{}={}; Path=/; HttpOnly; SameSite=Lax",
            flash::COOKIE,
            flash::encode(state.keys.secret(KeyName::Web), &f)
        );
        if let Ok(v) = HeaderValue::from_str(&value) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

/// The side navigation: what this user may open; the message center with
/// its unread counter (when it could be counted) for everyone.
fn navigation(user: &AuthUser, path: &str, unread: Option<u64>, work: Option<u64>) -> Vec<NavItem> {
    use crate::security::rbac::perm;
    let mut items: Vec<(&str, &str)> = vec![("工作台", "/my"), ("消息中心", "/messages")];
    if user.user.kind == crate::identity::users::KIND_ENTERPRISE {
        items.push(("单位认领核验", "/my/claim"));
    }
    if user.grants.has(perm::CONTRACT_APPLY) {
        items.push(("我的申请", "/my/contracts"));
    }
    if user.grants.has(perm::ENTERPRISE_USERS) {
        items.push(("本单位用户", "/my/enterprise/users"));
    }
    if [
        perm::CONTRACT_ACCEPT,
        perm::CONTRACT_REVIEW,
        perm::CONTRACT_LARGE,
        perm::CONTRACT_APPROVE,
    ]
    .iter()
    .any(|p| user.grants.has(p))
    {
        items.push(("合同审查", "/review/contracts"));
    }
    if user.grants.has(perm::ENTERPRISE_VERIFY) {
        items.push(("认领核验", "/review/claims"));
    }
    if user.grants.has(perm::USER_MANAGE) {
        items.push(("用户管理", "/admin/users"));
    }
    if user.grants.has(perm::OFFICE_MANAGE) {
        items.push(("登记处管理", "/admin/offices"));
    }
    if user.grants.has(perm::ENTERPRISE_MANAGE) || user.grants.has(perm::ENTERPRISE_VERIFY) {
        items.push(("企业与对口关系", "/admin/enterprises"));
    }
    if user.grants.has(perm::STAFF_MANAGE) {
        items.push(("人员管理", "/admin/staff"));
    }
    if user.grants.has(perm::OFFICE_MANAGE) || user.grants.has(perm::STAFF_MANAGE) {
        items.push(("服务点", "/admin/service-points"));
    }
    if user.grants.has(perm::CONTRACT_APPROVE) {
        items.push(("五类归属确认", "/review/reclassify"));
    }
    if user.grants.has(perm::JOBS_MANAGE) {
        items.push(("后台任务", "/admin/jobs"));
        items.push(("通知与提醒", "/admin/notices"));
    }
    if user.grants.has(perm::DICTIONARY_MANAGE) {
        items.push(("数据字典", "/admin/dictionaries"));
    }
    if user.grants.has(perm::CALENDAR_MANAGE) {
        items.push(("工作日历", "/admin/calendar"));
    }
    if user.grants.has(perm::ROLE_MANAGE) {
        items.push(("角色与权限", "/admin/roles"));
    }
    if user.grants.has(perm::SECURITY_MANAGE) {
        items.push(("安全策略", "/admin/security"));
    }
    if user.grants.has(perm::SESSION_MANAGE) {
        items.push(("在线会话", "/admin/sessions"));
    }
    if user.grants.has(perm::REPORT_VIEW) {
        items.push(("企业增长统计", "/reports/enterprise-growth"));
    }
    if user.grants.has(perm::INTEGRITY_MANAGE) {
        items.push(("诚信企业库", "/supervision/integrity"));
        items.push(("异常信息", "/supervision/anomalies"));
    }
    if user.grants.has(perm::REPORT_VIEW) {
        items.push(("企业诚信统计", "/reports/integrity"));
    }
    if user.grants.has(perm::SUPERVISION_SAMPLE) {
        items.push(("重复合同检查", "/supervision/duplicates"));
    }
    if user.grants.has(perm::AUDIT_VIEW) {
        items.push(("审计日志", "/audit/log"));
    }
    items.extend([
        ("安全设置", "/account/security"),
        ("我的会话", "/account/sessions"),
        ("修改密码", "/account/password"),
    ]);
    items
        .into_iter()
        .map(|(label, href)| NavItem {
            label: label.into(),
            href: href.into(),
            current: path == href,
            badge: match href {
                "/messages" => unread.map(techreg_views::pages::messages::messages_badge),
                "/review/contracts" => work.map(techreg_views::pages::review::work_badge),
                _ => None,
            },
        })
        .collect()
}

/// The Chinese error page, or a toast fragment retargeted to `#toast`.
pub async fn error_response(
    state: &AppState,
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
        assets: state.assets.clone(),
        ..Shell::default()
    };
    Html(layout::public(&shell, errors::error_body(&view)).into_string())
        .with_status(status)
        .into_response()
}
