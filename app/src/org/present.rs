//! The org domain as the views show it: labels, office and enterprise
//! rows, the forms filled in from a record, staff and posting rows.

use std::collections::BTreeMap;

use techreg_entities::org::{enterprise, office, office_history, service_point};
use techreg_views::pages::enterprises::{
    AssignmentRow, ContractRow, EnterpriseRow, HistoryRow as EnterpriseHistoryRow, LegalForm,
    OfficeOption, PreviewRow, UserRow,
};
use techreg_views::pages::identity::FormState;
use techreg_views::pages::offices::{HistoryRow as OfficeHistoryRow, IndustryList, OfficeRow};
use techreg_views::pages::service_points::{ChangeRow, ServicePointRow, StaffRow};
use techreg_views::pages::staff::{
    HeldPosition, Member, OfficeChoice, PositionOption, PostingRow, ServicePointLink,
};

use super::enterprises::{DetailData, ListData};
use super::import::{Action, Plan};
use super::model::{KIND_INDUSTRY, STATUS_ACTIVE, STATUS_CLOSED, STATUS_SUSPENDED};
use super::positions::Postings;
use super::service_points::{self, Detail};
use super::staff::OfficeStaff;
use crate::core::clock::shanghai_minute;

/// Rows of the enterprise import plan shown in the preview.
const PREVIEW_ROWS: usize = 100;

pub fn status_label(status: &str) -> &'static str {
    match status {
        STATUS_ACTIVE => "正常",
        STATUS_SUSPENDED => "暂停",
        STATUS_CLOSED => "撤销",
        _ => "未知",
    }
}

fn kind_label(kind: &str) -> &'static str {
    if kind == KIND_INDUSTRY {
        "行业"
    } else {
        "区级"
    }
}

fn district_name(code: Option<&str>) -> String {
    code.and_then(crate::dictionary::district_name)
        .unwrap_or("")
        .to_owned()
}

fn pairs(values: &[(&str, &str)]) -> FormState {
    FormState {
        values: values
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        ..FormState::default()
    }
}

pub fn office_rows(offices: Vec<office::Model>) -> Vec<OfficeRow> {
    offices
        .into_iter()
        .map(|o| OfficeRow {
            id: o.id,
            kind: kind_label(&o.kind),
            district: district_name(o.district_code.as_deref()),
            status: status_label(&o.status),
            code: o.code,
            name: o.name,
            head_name: o.head_name,
            phone: o.phone,
        })
        .collect()
}

/// The office's edit form, filled in.
pub fn office_form(o: &office::Model) -> FormState {
    pairs(&[
        ("code", &o.code),
        ("name", &o.name),
        ("kind", &o.kind),
        ("district", o.district_code.as_deref().unwrap_or_default()),
        ("address", &o.address),
        ("phone", &o.phone),
        ("head_name", &o.head_name),
        ("handles", &o.handles),
    ])
}

pub fn office_history(rows: Vec<office_history::Model>) -> Vec<OfficeHistoryRow> {
    rows.into_iter()
        .map(|h| OfficeHistoryRow {
            at: shanghai_minute(h.at),
            actor: h.actor,
            action: match h.action.as_str() {
                "create" => "创建".into(),
                "edit" => "修改".into(),
                "industry_list" => "修改行业名单".into(),
                _ => "状态变更".into(),
            },
            change: h.change,
        })
        .collect()
}

/// An industry office's list as stored, or as typed when shown again
/// with its error.
pub fn industry_list(members: Option<&[String]>, form: &FormState) -> Option<IndustryList> {
    let codes = members?;
    Some(IndustryList {
        text: form
            .values
            .iter()
            .find(|(k, _)| k == "codes")
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| codes.join("\n")),
        count: codes.len(),
        error: form.error("codes").map(str::to_owned),
    })
}

pub fn source_label(source: &str) -> &'static str {
    match source {
        "import" => "导入",
        "demo" => "演示数据",
        _ => "用户注册",
    }
}

pub fn enterprise_status_label(status: &str) -> &'static str {
    if status == crate::identity::ENTERPRISE_VERIFIED {
        "已认证"
    } else {
        "未认证"
    }
}

/// Marks of an enterprise; integrity listing and anomalies come from the
/// integrity domain's tables as of today, not from flags.
fn flags(e: &enterprise::Model, listed: bool, anomalous: bool) -> Vec<&'static str> {
    let mut f = Vec::new();
    if e.in_commitment_library {
        f.push("告知承诺");
    }
    if listed {
        f.push("诚信企业");
    }
    if anomalous {
        f.push("异常信息");
    }
    f
}

fn option(o: &office::Model) -> OfficeOption {
    OfficeOption {
        id: o.id,
        label: format!("{}（{}）", o.name, o.code),
    }
}

/// The offices an enterprise may be given to.
fn target_offices(offices: &BTreeMap<i64, office::Model>) -> Vec<OfficeOption> {
    offices
        .values()
        .filter(|o| o.status == STATUS_ACTIVE)
        .map(option)
        .collect()
}

fn office_name(offices: &BTreeMap<i64, office::Model>, id: i64) -> String {
    offices.get(&id).map(|o| o.name.clone()).unwrap_or_default()
}

/// The enterprise list's rows and office choices.
pub struct EnterpriseList {
    pub rows: Vec<EnterpriseRow>,
    pub filter_offices: Vec<OfficeOption>,
    pub target_offices: Vec<OfficeOption>,
}

pub fn enterprise_list(data: &ListData) -> EnterpriseList {
    let name_of = |id| office_name(&data.offices, id);
    let rows = data
        .rows
        .iter()
        .map(|e| EnterpriseRow {
            id: e.id,
            credit_code: e.credit_code.clone(),
            name: e.name.clone(),
            district: district_name(e.district_code.as_deref()),
            office: data
                .assigned
                .current
                .get(&e.id)
                .map(|a| name_of(a.office_id))
                .unwrap_or_else(|| "（未对口）".into()),
            scheduled: data
                .assigned
                .scheduled
                .get(&e.id)
                .map(|a| format!("{}（{} 起）", name_of(a.office_id), a.valid_from)),
            source: source_label(&e.source),
            flags: flags(
                e,
                data.marks.listed.contains(&e.id),
                data.marks.anomalous.contains(&e.id),
            ),
        })
        .collect();
    EnterpriseList {
        rows,
        filter_offices: data
            .offices
            .values()
            .filter(|o| data.visible.includes(o.id))
            .map(option)
            .collect(),
        target_offices: target_offices(&data.offices),
    }
}

/// The enterprise's edit form, filled in.
pub fn enterprise_form(e: &enterprise::Model) -> FormState {
    pairs(&[
        ("name", &e.name),
        (
            "legal_form_code",
            e.legal_form_code.as_deref().unwrap_or_default(),
        ),
        ("district", e.district_code.as_deref().unwrap_or_default()),
        ("address", &e.address),
        ("legal_rep", &e.legal_rep),
        ("contact_name", &e.contact_name),
        ("contact_phone", &e.contact_phone),
    ])
}

fn history_label(action: &str) -> &'static str {
    match action {
        "create" => "建档",
        "edit" => "修改",
        "reassign" => "调整对口登记处",
        "import" => "导入",
        "integrity_add" => "列入诚信企业库",
        "integrity_remove" => "移出诚信企业库",
        "anomaly_add" => "登记异常信息",
        "anomaly_lift" => "解除异常信息",
        _ => "其他",
    }
}

/// What the enterprise page shows, made from its data.
pub struct EnterpriseDetail {
    pub office: String,
    pub scheduled: Option<String>,
    pub flags: Vec<&'static str>,
    pub created: String,
    pub legal_forms: Vec<LegalForm>,
    pub target_offices: Vec<OfficeOption>,
    pub assignments: Vec<AssignmentRow>,
    pub users: Vec<UserRow>,
    pub contracts: Vec<ContractRow>,
    pub history: Vec<EnterpriseHistoryRow>,
}

pub fn enterprise_detail(d: &DetailData) -> EnterpriseDetail {
    let name_of = |id| office_name(&d.offices, id);
    let on = d.today;
    let e = &d.enterprise;
    EnterpriseDetail {
        office: d
            .assignments
            .iter()
            .find(|a| a.valid_from <= on && a.valid_to.is_none_or(|t| t > on))
            .map(|a| name_of(a.office_id))
            .unwrap_or_else(|| "（未对口）".into()),
        scheduled: d
            .assignments
            .iter()
            .find(|a| a.valid_from > on)
            .map(|a| format!("{}（{} 起）", name_of(a.office_id), a.valid_from)),
        flags: flags(e, !d.marks.listed.is_empty(), !d.marks.anomalous.is_empty()),
        created: shanghai_minute(e.created_at),
        legal_forms: d
            .legal_forms
            .iter()
            .map(|l| LegalForm {
                code: l.code.clone(),
                label: format!("{} {}", l.code, l.label),
            })
            .collect(),
        target_offices: target_offices(&d.offices),
        assignments: d
            .assignments
            .iter()
            .map(|a| AssignmentRow {
                office: name_of(a.office_id),
                from: a.valid_from.to_string(),
                to: a.valid_to.map(|d| d.to_string()).unwrap_or_default(),
                reason: a.reason.clone(),
                actor: a.actor.clone(),
            })
            .collect(),
        users: d
            .users
            .iter()
            .map(|u| UserRow {
                status: crate::identity::user_status_label(&u.status).to_owned(),
                username: u.username.clone(),
                display_name: u.display_name.clone(),
                is_admin: u.is_enterprise_admin,
            })
            .collect(),
        contracts: d
            .contracts
            .iter()
            .map(|c| ContractRow {
                id: c.id,
                status: c.status.clone(),
                submitted: c.submitted_at.map(shanghai_minute).unwrap_or_default(),
            })
            .collect(),
        history: d
            .history
            .iter()
            .map(|h| EnterpriseHistoryRow {
                at: shanghai_minute(h.at),
                actor: h.actor.clone(),
                action: history_label(&h.action),
                change: h.change.clone(),
            })
            .collect(),
    }
}

/// The import plan's errors (line, message) and its first rows.
pub fn import_preview(plan: &Plan) -> (Vec<(usize, String)>, Vec<PreviewRow>) {
    let errors = plan
        .errors
        .iter()
        .map(|e| (e.line, e.message.clone()))
        .collect();
    let rows = plan
        .lines
        .iter()
        .take(PREVIEW_ROWS)
        .map(|(l, a)| PreviewRow {
            line: l.line,
            action: match a {
                Action::Create => "新增",
                Action::Update(_) => "更新",
            },
            credit_code: l.credit_code.clone(),
            name: l.name.clone(),
            office: l
                .office
                .as_ref()
                .map(|(_, n)| n.clone())
                .unwrap_or_else(|| "按规则".into()),
        })
        .collect();
    (errors, rows)
}

/// Every office for a selector; inactive ones marked.
pub fn office_choices(offices: &[office::Model]) -> Vec<OfficeChoice> {
    offices
        .iter()
        .map(|o| OfficeChoice {
            id: o.id,
            name: if o.status == STATUS_ACTIVE {
                o.name.clone()
            } else {
                format!("{}（{}）", o.name, status_label(&o.status))
            },
        })
        .collect()
}

pub fn posting_rows(p: &Postings) -> Vec<PostingRow> {
    p.rows
        .iter()
        .map(|r| {
            let u = p.users.get(&r.user_id);
            PostingRow {
                username: u.map(|u| u.username.clone()).unwrap_or_default(),
                display_name: u.map(|u| u.display_name.clone()).unwrap_or_default(),
                position: p
                    .roles
                    .get(&r.role_code)
                    .cloned()
                    .unwrap_or_else(|| r.role_code.clone()),
                place: match r.service_point_id {
                    Some(id) => p.service_points.get(&id).cloned().unwrap_or_default(),
                    None => p.offices.get(&r.office_id).cloned().unwrap_or_default(),
                },
                from: r.valid_from.to_string(),
                to: r.valid_to.map(|d| d.to_string()).unwrap_or_default(),
                reason: r.reason.clone(),
                actor: r.actor.clone(),
            }
        })
        .collect()
}

/// What an office's staff page shows, made from its data.
pub struct StaffView {
    pub members: Vec<Member>,
    pub history: Vec<PostingRow>,
    pub grantable: Vec<PositionOption>,
    pub positions: Vec<PositionOption>,
    pub offices: Vec<OfficeChoice>,
    pub service_points: Vec<ServicePointLink>,
}

pub fn staff_view(s: &OfficeStaff) -> StaffView {
    let sp_names: BTreeMap<i64, &str> = s
        .service_points
        .iter()
        .map(|sp| (sp.id, sp.name.as_str()))
        .collect();
    let mut members: Vec<Member> = Vec::new();
    for h in &s.held {
        let held = HeldPosition {
            code: h.code.clone(),
            name: s
                .role_names
                .get(&h.code)
                .cloned()
                .unwrap_or_else(|| h.code.clone()),
            place: h
                .service_point
                .and_then(|id| sp_names.get(&id).map(|n| (*n).to_owned()))
                .unwrap_or_default(),
            since: h.since.map_or_else(|| "—".to_owned(), |d| d.to_string()),
            revocable: h.revocable,
            manage_href: h
                .service_point
                .map(|id| format!("/admin/service-points/{id}")),
        };
        match members.iter_mut().find(|m| m.user_id == h.user_id) {
            Some(m) => m.positions.push(held),
            None => members.push(Member {
                user_id: h.user_id,
                username: h.username.clone(),
                display_name: h.display_name.clone(),
                positions: vec![held],
            }),
        }
    }
    let option = |p: &super::postings::RolePermissions| PositionOption {
        code: p.code.clone(),
        name: p.name.clone(),
    };
    StaffView {
        members,
        history: posting_rows(&s.postings),
        grantable: s
            .positions
            .iter()
            .filter(|p| s.delegable.contains(&p.code))
            .map(option)
            .collect(),
        positions: s.positions.iter().map(option).collect(),
        offices: office_choices(&s.offices),
        service_points: s
            .service_points
            .iter()
            .map(|sp| ServicePointLink {
                id: sp.id,
                name: sp.name.clone(),
                status: status_label(&sp.status),
            })
            .collect(),
    }
}

pub fn service_point_rows(d: &service_points::ListData) -> Vec<ServicePointRow> {
    d.rows
        .iter()
        .map(|s| ServicePointRow {
            id: s.id,
            office_name: d
                .office_names
                .get(&s.office_id)
                .cloned()
                .unwrap_or_default(),
            staff: d.staff.get(&s.id).copied().unwrap_or(0),
            status: status_label(&s.status),
            name: s.name.clone(),
            address: s.address.clone(),
            phone: s.phone.clone(),
        })
        .collect()
}

/// The service point's edit form, filled in.
pub fn service_point_form(s: &service_point::Model) -> FormState {
    pairs(&[
        ("name", &s.name),
        ("address", &s.address),
        ("phone", &s.phone),
    ])
}

/// The service point page's staff and change rows, and the reason of its
/// latest status change.
pub struct ServicePointView {
    pub staff: Vec<StaffRow>,
    pub postings: Vec<PostingRow>,
    pub changes: Vec<ChangeRow>,
    pub status_reason: Option<String>,
}

pub fn service_point_view(d: &Detail) -> ServicePointView {
    let status_reason = d
        .changes
        .iter()
        .find(|a| a.action == "service_point.status")
        .and_then(|a| serde_json::from_str::<serde_json::Value>(&a.detail).ok())
        .and_then(|v| v["reason"].as_str().map(str::to_owned));
    ServicePointView {
        staff: d
            .staff
            .iter()
            .map(|(u, since)| StaffRow {
                user_id: u.id,
                username: u.username.clone(),
                display_name: u.display_name.clone(),
                since: since.map_or_else(|| "—".to_owned(), |d| d.to_string()),
            })
            .collect(),
        postings: posting_rows(&d.postings),
        changes: d
            .changes
            .iter()
            .map(|a| ChangeRow {
                at: shanghai_minute(a.at),
                actor: a.actor_name.clone(),
                action: match a.action.as_str() {
                    "service_point.create" => "创建",
                    "service_point.edit" => "修改",
                    _ => "状态变更",
                }
                .into(),
                detail: a.detail.clone(),
            })
            .collect(),
        status_reason,
    }
}
