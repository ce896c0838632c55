//! Identity as the views show it: status labels, masked mobiles, the rows
//! of the user, session, member and claim lists, the role matrix and the
//! security policy.

use techreg_entities::identity::{app_user, role, user_session};
use techreg_views::pages::admin::{
    MatrixRole, MemberRow, OfficeOption, OnlineRow, PolicyRow, RoleOption, UserDetail, UserRow,
};
use techreg_views::pages::claims::{ClaimView, QueueRow};
use techreg_views::pages::identity::SessionRow;

use super::admin::{Choices, UserPage, UsersPage};
use super::claims::{Claim, Queued};
use super::login::Pending;
use super::members::Member;
use super::model::{
    CLAIM_APPROVED, CLAIM_AWAITING_PROOF, CLAIM_REJECTED, CLAIM_SUBMITTED, MFA_TOTP, STATUS_ACTIVE,
    STATUS_DISABLED, STATUS_PENDING,
};
use super::sms::Sent;
use super::validate::mask_mobile;
use crate::core::clock::shanghai_minute;
use crate::settings::SettingDef;

/// An account's status as the pages name it.
pub fn user_status_label(status: &str) -> &'static str {
    match status {
        STATUS_ACTIVE => "正常",
        STATUS_PENDING => "待核验",
        STATUS_DISABLED => "已停用",
        _ => "未知",
    }
}

/// The status in the admin's user list and page (anything else counts
/// as disabled there).
fn admin_status_label(status: &str) -> &'static str {
    match status {
        STATUS_ACTIVE => "正常",
        STATUS_PENDING => "待核验",
        _ => "已停用",
    }
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "enterprise" => "单位用户",
        "individual" => "个人用户",
        _ => "工作人员",
    }
}

pub fn factor_label(method: &str) -> &'static str {
    if method == MFA_TOTP {
        "验证器应用"
    } else {
        "短信验证码"
    }
}

/// A mobile masked for display, or `absent` when there is none.
pub fn masked(mobile: Option<&str>, absent: &str) -> String {
    mobile.map(mask_mobile).unwrap_or_else(|| absent.into())
}

/// What the second-factor page asks for.
pub fn factor_prompt(pending: &Pending) -> String {
    if pending.user.mfa_method == MFA_TOTP {
        "请输入验证器应用中显示的 6 位验证码。".into()
    } else {
        format!(
            "验证码已发送至手机 {}，5 分钟内有效。",
            pending.masked_mobile
        )
    }
}

pub fn session_rows(rows: Vec<user_session::Model>, current: &str) -> Vec<SessionRow> {
    rows.into_iter()
        .map(|r| SessionRow {
            current: r.id == current,
            key: r.id,
            ip: r.ip,
            user_agent: r.user_agent.chars().take(60).collect(),
            created: shanghai_minute(r.created_at),
            last_seen: shanghai_minute(r.last_seen_at),
        })
        .collect()
}

pub fn demo_rows(sent: Vec<Sent>) -> Vec<(String, String, String)> {
    sent.into_iter()
        .map(|s| (shanghai_minute(s.at), s.mobile, s.body))
        .collect()
}

pub fn role_options(roles: &[role::Model]) -> Vec<RoleOption> {
    roles
        .iter()
        .map(|r| RoleOption {
            code: r.code.clone(),
            name: r.name.clone(),
        })
        .collect()
}

pub fn office_options(choices: &Choices) -> Vec<OfficeOption> {
    choices
        .offices
        .iter()
        .map(|o| OfficeOption {
            id: o.id,
            name: o.name.clone(),
        })
        .collect()
}

pub fn user_rows(page: &UsersPage) -> Vec<UserRow> {
    page.users
        .iter()
        .map(|(u, grants)| UserRow {
            id: u.id,
            locked: u.locked_until.is_some_and(|t| t > page.now),
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            kind: kind_label(&u.kind).into(),
            status: admin_status_label(&u.status).into(),
            roles: grants.role_label(),
        })
        .collect()
}

pub fn user_detail(page: &UserPage) -> UserDetail {
    let t: &app_user::Model = &page.user;
    UserDetail {
        id: t.id,
        username: t.username.clone(),
        display_name: t.display_name.clone(),
        status: admin_status_label(&t.status).into(),
        disabled: t.status == STATUS_DISABLED,
        locked_until: t
            .locked_until
            .filter(|u| *u > page.now)
            .map(shanghai_minute),
        roles: page
            .grants
            .0
            .iter()
            .map(|g| format!("{}（{}）", g.role_name, g.scope.label()))
            .collect(),
    }
}

pub fn online_rows(rows: Vec<(user_session::Model, String)>) -> Vec<OnlineRow> {
    rows.into_iter()
        .map(|(r, username)| OnlineRow {
            key: r.id,
            username,
            ip: r.ip,
            user_agent: r.user_agent.chars().take(60).collect(),
            created: shanghai_minute(r.created_at),
            last_seen: shanghai_minute(r.last_seen_at),
        })
        .collect()
}

pub fn member_rows(members: &[Member]) -> Vec<MemberRow> {
    members
        .iter()
        .map(|m| MemberRow {
            username: m.user.username.clone(),
            display_name: m.user.display_name.clone(),
            masked_mobile: masked(m.mobile.as_deref(), ""),
            status: if m.user.status == STATUS_ACTIVE {
                "正常".into()
            } else {
                "待核验/停用".into()
            },
            is_admin: m.user.is_enterprise_admin,
        })
        .collect()
}

fn claim_status_label(status: &str) -> &'static str {
    match status {
        CLAIM_AWAITING_PROOF => "待上传材料",
        CLAIM_SUBMITTED => "待登记处核验",
        CLAIM_APPROVED => "已通过",
        CLAIM_REJECTED => "未通过",
        _ => "未知",
    }
}

pub fn claim_view(c: &Claim) -> ClaimView {
    let claim = &c.claim;
    ClaimView {
        id: claim.id,
        contested: claim.contested,
        version: claim.version,
        enterprise_name: c.enterprise.name.clone(),
        credit_code: c.enterprise.credit_code.clone(),
        status: claim.status.clone(),
        status_label: claim_status_label(&claim.status),
        reason: claim
            .reason
            .clone()
            .filter(|_| claim.status == CLAIM_REJECTED),
        has_files: claim.licence_digest.is_some() && claim.letter_digest.is_some(),
    }
}

pub fn queue_rows(queue: Vec<Queued>) -> Vec<QueueRow> {
    queue
        .into_iter()
        .map(|q| QueueRow {
            id: q.claim.id,
            contested: q.claim.contested,
            enterprise_name: q
                .enterprise
                .as_ref()
                .map(|e| e.name.clone())
                .unwrap_or_default(),
            credit_code: q.enterprise.map(|e| e.credit_code).unwrap_or_default(),
            applicant: q.applicant.map(|a| a.display_name).unwrap_or_default(),
            submitted: shanghai_minute(q.claim.created_at),
        })
        .collect()
}

pub fn matrix_roles(roles: Vec<role::Model>) -> Vec<MatrixRole> {
    roles
        .into_iter()
        .map(|r| MatrixRole {
            code: r.code,
            name: r.name,
        })
        .collect()
}

pub fn policy_rows(values: Vec<(&'static SettingDef, String)>) -> Vec<PolicyRow> {
    values
        .into_iter()
        .map(|(def, value)| PolicyRow {
            key: def.key,
            label: def.label,
            value,
            error: None,
        })
        .collect()
}
