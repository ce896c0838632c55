//! `/admin/notices` (通知与提醒, system admin): the reminder points and SMS
//! templates, the yearly SMS counter, and recent reminders with the
//! delivery status of their SMS.

use std::collections::HashMap;

use chrono::Datelike;
use poem::http::StatusCode;
use poem::web::Form;
use poem::{Response, Route, get, handler};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use techreg_entities::alerts::deadline_reminder;
use techreg_entities::contract::contract;
use techreg_entities::identity::{app_user, sms_message};
use techreg_views::components::{Crumb, Flash, FlashKind};
use techreg_views::pages::notices::{self as pages, Quota, ReminderRow, SettingRow};

use crate::alerts::{self, SMS_FAILED, SMS_PENDING, SMS_PURPOSE, SMS_SENDING, SMS_SENT};
use crate::core::Caller;
use crate::core::clock::{shanghai_date, shanghai_minute};
use crate::security::rbac::perm;
use crate::settings::{self, SettingKind};
use crate::web::{Ctx, WebError};

type Fields = Form<Vec<(String, String)>>;

pub fn routes(route: Route) -> Route {
    route.at("/admin/notices", get(notices_page).post(notices_post))
}

/// The settings this page edits, in screen order.
const KEYS: &[&str] = &[
    "reminders.days_before",
    "reminders.on_due_day",
    "reminders.overdue_every_days",
    "reminders.send_hour",
    "reminders.template_before",
    "reminders.template_due",
    "reminders.template_overdue",
    "sms.yearly_quota",
    "sms.quota_warn_percent",
];

fn crumbs() -> [Crumb; 1] {
    [Crumb {
        label: "工作台".into(),
        href: Some("/my".into()),
    }]
}

async fn setting_rows(ctx: &Ctx) -> Result<Vec<SettingRow>, WebError> {
    let mut rows = Vec::new();
    for key in KEYS {
        let def = settings::find(key).expect("registered");
        let value = ctx
            .state
            .settings
            .get(key)
            .await
            .map_err(|e| WebError::Internal(anyhow::anyhow!(e.to_string())))?;
        rows.push(SettingRow {
            key: def.key,
            label: def.label,
            value: value
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| value.to_string()),
            error: None,
            template_fields: match def.kind {
                SettingKind::Template { fields, .. } => Some(fields),
                _ => None,
            },
        });
    }
    Ok(rows)
}

fn point_label(point: &str) -> String {
    match point {
        "before" => "期限前".into(),
        "due" => "期限当日".into(),
        p => p
            .strip_prefix("over")
            .map(|n| format!("逾期第 {n} 个工作日"))
            .unwrap_or_else(|| p.to_owned()),
    }
}

fn sms_label(status: &str) -> &'static str {
    match status {
        SMS_SENT => "已发送",
        SMS_PENDING => "待发送",
        SMS_SENDING => "发送中",
        SMS_FAILED => "发送失败",
        _ => "—",
    }
}

async fn quota(ctx: &Ctx) -> Result<Quota, WebError> {
    let db = &ctx.state.core.db;
    let now = ctx.state.core.clock.now();
    let (quota, warn_percent) = alerts::quota(&ctx.state.alerts).await;
    let count = |status: &'static str| {
        sms_message::Entity::find()
            .filter(sms_message::Column::Purpose.eq(SMS_PURPOSE))
            .filter(sms_message::Column::Status.eq(status))
            .count(db)
    };
    Ok(Quota {
        year: shanghai_date(now).year(),
        sent: alerts::sent_this_year(db, now).await?,
        quota,
        warn_percent,
        pending: count(SMS_PENDING).await?,
        failed: count(SMS_FAILED).await?,
    })
}

async fn recent(ctx: &Ctx) -> Result<Vec<ReminderRow>, WebError> {
    let db = &ctx.state.core.db;
    let list = deadline_reminder::Entity::find()
        .order_by_desc(deadline_reminder::Column::Id)
        .limit(100)
        .all(db)
        .await?;
    let ids = |f: fn(&deadline_reminder::Model) -> Option<i64>| -> Vec<i64> {
        list.iter().filter_map(f).collect()
    };
    let contracts: HashMap<i64, String> = contract::Entity::find()
        .filter(contract::Column::Id.is_in(ids(|r| Some(r.contract_id))))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.approval_code))
        .collect();
    let users: HashMap<i64, String> = app_user::Entity::find()
        .filter(app_user::Column::Id.is_in(ids(|r| Some(r.user_id))))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let sms: HashMap<i64, sms_message::Model> = sms_message::Entity::find()
        .filter(sms_message::Column::Id.is_in(ids(|r| r.sms_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    Ok(list
        .iter()
        .map(|r| {
            let s = r.sms_id.and_then(|id| sms.get(&id));
            ReminderRow {
                at: shanghai_minute(r.created_at),
                contract_id: r.contract_id,
                approval_code: contracts.get(&r.contract_id).cloned().unwrap_or_default(),
                point: point_label(&r.point),
                deadline: r.deadline.to_string(),
                recipient: users.get(&r.user_id).cloned().unwrap_or_default(),
                sms_status: s.map(|s| sms_label(&s.status)).unwrap_or("无手机号"),
                sms_error: s.and_then(|s| s.last_error.clone()).unwrap_or_default(),
            }
        })
        .collect())
}

async fn render(
    ctx: &Ctx,
    user: &Caller,
    status: StatusCode,
    rows: &[SettingRow],
) -> Result<Response, WebError> {
    let body = pages::page(
        &ctx.csrf_token,
        rows,
        &quota(ctx).await?,
        &recent(ctx).await?,
    );
    Ok(ctx
        .work_with_status(status, user, "通知与提醒", &crumbs(), body)
        .await)
}

#[handler]
async fn notices_page(ctx: Ctx, user: Caller) -> Result<Response, WebError> {
    user.require(perm::JOBS_MANAGE)?;
    let rows = setting_rows(&ctx).await?;
    render(&ctx, &user, StatusCode::OK, &rows).await
}

#[handler]
async fn notices_post(ctx: Ctx, user: Caller, Form(fields): Fields) -> Result<Response, WebError> {
    user.require(perm::JOBS_MANAGE)?;
    let mut rows = setting_rows(&ctx).await?;
    let mut changes = Vec::new();
    for row in rows.iter_mut() {
        let input = fields
            .iter()
            .find(|(k, _)| k == row.key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let def = settings::find(row.key).expect("registered");
        match def.parse(&input) {
            Ok(v) => changes.push((row.key, v)),
            Err(e) => row.error = Some(e),
        }
        row.value = input;
    }
    if rows.iter().any(|r| r.error.is_some()) {
        return render(&ctx, &user, StatusCode::UNPROCESSABLE_ENTITY, &rows).await;
    }
    ctx.state
        .settings
        .store_form(
            ctx.state.core.clock.now(),
            &user.actor(),
            Some("notices"),
            &changes,
        )
        .await?;
    Ok(ctx.redirect(
        "/admin/notices",
        Some(Flash {
            kind: FlashKind::Success,
            message: "通知与提醒设置已保存，各节点数秒内生效。".into(),
        }),
    ))
}
