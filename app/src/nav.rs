//! The page chrome of the signed-in layout: the side navigation with each
//! domain's entries and counters, and the portal announcement. The web floor
//! defines what it asks for (`web::site::Chrome`); this top floor, which may
//! see every domain, answers.

use techreg_views::components::NavItem;

use crate::core::{Caller, Core};
use crate::settings::Settings;
use crate::web::site::Chrome;

pub struct Navigation {
    pub core: Core,
    pub settings: Settings,
}

#[async_trait::async_trait]
impl Chrome for Navigation {
    async fn announcement(&self) -> Option<String> {
        let text = self
            .settings
            .get_string("portal.announcement")
            .await
            .unwrap_or_default();
        (!text.is_empty()).then_some(text)
    }

    async fn navigation(&self, user: &Caller, path: &str) -> Vec<NavItem> {
        let unread = match crate::alerts::unread_count(&self.core.db, user.user.id).await {
            Ok(n) => Some(n),
            Err(e) => {
                // The page is still worth showing without its counter.
                tracing::warn!(error = %e, "unread message count failed");
                None
            }
        };
        let work = if crate::contracts::queues::is_review_staff(user) {
            crate::contracts::queues::my_open_count(&self.core.db, user.user.id)
                .await
                .map_err(|e| tracing::warn!(error = %e, "work count failed"))
                .ok()
        } else {
            None
        };
        menu(user, path, unread, work)
    }
}

/// The side navigation: what this user may open; the message center with
/// its unread counter (when it could be counted) for everyone.
fn menu(user: &Caller, path: &str, unread: Option<u64>, work: Option<u64>) -> Vec<NavItem> {
    use crate::security::rbac::perm;
    let mut items: Vec<(&str, &str)> = vec![("工作台", "/my"), ("消息中心", "/messages")];
    if user.user.kind == crate::identity::KIND_ENTERPRISE {
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
