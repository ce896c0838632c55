//! The audit log as the view shows it: its rows and the link to the next
//! page.

use techreg_entities::audit::audit_log;
use techreg_views::pages::admin::AuditRow;

use super::model::LogQuery;
use super::service::LogPage;
use crate::core::clock::shanghai_second;

pub fn rows(page: &LogPage) -> Vec<AuditRow> {
    page.rows.iter().map(row).collect()
}

fn row(r: &audit_log::Model) -> AuditRow {
    AuditRow {
        id: r.id,
        at: shanghai_second(r.at),
        actor: r.actor_name.clone(),
        role: r.role.clone().unwrap_or_default(),
        ip: r.client_ip.clone().unwrap_or_default(),
        action: r.action.clone(),
        object: format!(
            "{} {}",
            r.object_type.as_deref().unwrap_or_default(),
            r.object_id.as_deref().unwrap_or_default()
        ),
        result: r.result.clone(),
        detail: r.detail.clone(),
        sealed: r.tag.is_some(),
    }
}

/// The next page: the same filters as typed, below the last row shown.
pub fn next_url(q: &LogQuery, page: &LogPage) -> Option<String> {
    page.more.then(|| {
        let last = page.rows.last().map(|r| r.id).unwrap_or_default();
        let encoded = serde_urlencoded::to_string([
            ("action", q.action()),
            ("actor", q.actor()),
            ("result", q.result()),
            ("before", &last.to_string()),
        ])
        .unwrap_or_default();
        format!("/audit/log?{encoded}")
    })
}
