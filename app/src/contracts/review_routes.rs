//! Review screens of registration offices and the city office: the queues,
//! the case with every field, the changes since the return (F38), the
//! timeline and the action panels; claim and reassignment; expert
//! opinions; batch approval by the city office.
//!
//! Staff see the contracts of their offices (office-scoped grants of a
//! contract permission) or all of them (the city office); anything else is
//! 404. Actions go through `service::act`, which checks the permission for
//! the action, the version (a second click or a second reviewer gets 409)
//! and the state machine.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use poem::http::StatusCode;
use poem::web::{Form, Path, Query};
use poem::{IntoResponse, Response, Route, get, handler, post};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde::Deserialize;
use serde_json::Value;
use techreg_entities::contract::{comment, contract, event, party, snapshot};
use techreg_entities::identity::app_user;
use techreg_entities::org::office;
use techreg_views::components::{Crumb, Flash, FlashKind};
use techreg_views::pages::identity::FormState;
use techreg_views::pages::review::{
    self as pages, AttachmentRow, BatchResult, CaseView, Choice, CommentRow, DiffLine, DiffRow,
    DiffView, EventRow, OpinionRow, Option2, Panel, PartyRow, QueueFilter, QueueRow, QueueView,
    Tab,
};

use super::application::PAYMENT_METHODS;
use super::casework::{self, AssignError, EXPERT_CONCLUSIONS, Opinion};
use super::categories;
use super::diff::{self, RowChange};
use super::money::{format_fen, parse_yuan};
use super::queues::{self, Cursor, Filters, Kind, Visible};
use super::service::{self, ActInput, Full, object_scope, permission_for, status_of};
use super::state::{self, Action, Guards, Status};
use crate::calendar::WorkCalendar;
use crate::core::Caller;
use crate::dictionary::label_in;
use crate::dictionary::{
    DICT_IP_TYPE, DICT_LEGAL_FORM, DICT_NON_ACCEPT_REASON, DICT_REFUSAL_REASON, DICT_RETURN_REASON,
    DICT_SOCIO_GOAL, DICT_TECH_FIELD,
};
use crate::security::rbac::perm;
use crate::web::form::from_pairs as form_from;
use crate::web::{Ctx, WebError};

type Fields = Form<Vec<(String, String)>>;

pub fn routes(route: Route) -> Route {
    route
        .at("/review/contracts", get(queue_page))
        .at("/review/contracts/approve", post(batch_approve_post))
        .at("/review/contracts/badge", get(badge_fragment))
        .at("/review/contracts/:id", get(case_page))
        .at(
            "/review/contracts/:id/attachments/:aid",
            get(attachment_get),
        )
        .at("/review/contracts/:id/claim", post(claim_post))
        .at("/review/contracts/:id/assign", post(assign_post))
        .at("/review/contracts/:id/opinions", post(opinion_post))
        .at("/review/contracts/:id/actions/:action", post(action_post))
}

/// Fields a return comment may name, as the application form names them:
/// the applicant sees each comment beside that field.
pub const COMMENT_FIELDS: &[(&str, &str)] = &[
    ("category", "合同类别"),
    ("name", "合同名称"),
    ("contract_number", "合同编号"),
    ("signed_on", "签订日期"),
    ("valid_from", "有效期起"),
    ("valid_to", "有效期止"),
    ("applicant_side", "申请人身份"),
    ("parties", "合同当事人"),
    ("deal_amount", "成交额"),
    ("deductions", "非技术性费用"),
    ("payment_method", "支付方式"),
    ("payment_schedule", "支付安排"),
    ("tech_field", "技术领域"),
    ("socio_goal", "社会经济目标"),
    ("project_leader", "项目负责人"),
    ("summary", "技术内容摘要"),
    ("ip_items", "知识产权"),
    ("contract", "合同文本扫描件"),
    ("proof", "证明材料"),
];

/// Action panels by key, in the order they are offered.
const ACTIONS: &[(&str, Action)] = &[
    ("accept", Action::Accept),
    ("not_accept", Action::NotAccept),
    ("return", Action::Return),
    ("send_to_experts", Action::SendToExperts),
    ("finish_experts", Action::FinishExperts),
    ("propose_register", Action::ProposeRegister),
    ("propose_refuse", Action::ProposeRefuse),
    ("approve_large", Action::ApproveLarge),
    ("reject_large", Action::RejectLarge),
    ("approve", Action::Approve),
    ("refuse", Action::Refuse),
    ("send_back", Action::SendBack),
    ("approve_change", Action::ApproveChange),
    ("reject_change", Action::RejectChange),
    ("approve_cancel", Action::ApproveCancel),
    ("reject_cancel", Action::RejectCancel),
    ("revoke", Action::Revoke),
];

const REASON_MAX: usize = 2000;
const COMMENT_MAX: usize = 500;

fn crumbs(current: Option<&str>) -> Vec<Crumb> {
    let mut c = vec![
        Crumb {
            label: "工作台".into(),
            href: Some("/my".into()),
        },
        Crumb {
            label: "合同审查".into(),
            href: Some("/review/contracts".into()),
        },
    ];
    if let Some(label) = current {
        c.push(Crumb {
            label: label.into(),
            href: None,
        });
    }
    c
}

/// Today, the last day that counts as "due soon", and the calendar.
async fn clock(
    ctx: &Ctx,
) -> Result<(NaiveDate, NaiveDate, std::sync::Arc<WorkCalendar>), WebError> {
    Ok(queues::due_window(&ctx.state).await?)
}

async fn tabs(
    ctx: &Ctx,
    user: &Caller,
    vis: &Visible,
    current: Option<&str>,
) -> Result<Vec<Tab>, WebError> {
    let (_, due_by, _) = clock(ctx).await?;
    Ok(queues::counts(&ctx.state.core.db, user, vis, due_by)
        .await?
        .into_iter()
        .map(|(q, count)| Tab {
            key: q.key,
            label: q.label,
            count,
            current: current == Some(q.key),
        })
        .collect())
}

async fn page_size(ctx: &Ctx) -> u64 {
    ctx.state
        .settings
        .get_i64("ui.page_size")
        .await
        .unwrap_or(20)
        .clamp(10, 200) as u64
}

async fn office_map(ctx: &Ctx) -> Result<BTreeMap<i64, office::Model>, WebError> {
    Ok(office::Entity::find()
        .order_by_asc(office::Column::Code)
        .all(&ctx.state.core.db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect())
}

async fn user_names(
    ctx: &Ctx,
    ids: impl IntoIterator<Item = i64>,
) -> Result<BTreeMap<i64, String>, WebError> {
    let ids: BTreeSet<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    Ok(app_user::Entity::find()
        .filter(app_user::Column::Id.is_in(ids))
        .all(&ctx.state.core.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect())
}

fn amount_of(c: &contract::Model) -> String {
    c.approved_tech_amount
        .or(c.tech_amount)
        .map(format_fen)
        .unwrap_or_default()
}

#[derive(Deserialize, Default)]
struct QueueQuery {
    queue: Option<String>,
    q: Option<String>,
    category: Option<String>,
    office: Option<String>,
    sort: Option<String>,
    due: Option<String>,
    after: Option<String>,
}

async fn queue_view(
    ctx: &Ctx,
    user: &Caller,
    query: &QueueQuery,
    result: Option<&BatchResult>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let vis = queues::visible(user)?;
    let mine = queues::queues_for(user);
    let queue = query
        .queue
        .as_deref()
        .and_then(|k| mine.iter().find(|q| q.key == k))
        .or(mine.first())
        .ok_or(WebError::Forbidden("missing permission"))?;
    let (today, due_by, _) = clock(ctx).await?;
    let offices = office_map(ctx).await?;
    let office_choice: Vec<Option2> = match &vis {
        Visible::Offices(ids) if ids.len() < 2 => Vec::new(),
        _ => offices
            .values()
            .filter(|o| match &vis {
                Visible::All => true,
                Visible::Offices(ids) => ids.contains(&o.id),
            })
            .map(|o| Option2 {
                value: o.id.to_string(),
                label: o.name.clone(),
            })
            .collect(),
    };
    let filters = Filters {
        q: query.q.clone().unwrap_or_default(),
        category: query
            .category
            .clone()
            .filter(|c| categories::category(categories::RULES_2026, c).is_some())
            .unwrap_or_default(),
        office: query.office.as_deref().and_then(|o| o.parse().ok()),
        by_submitted: query.sort.as_deref() == Some("submitted"),
    };
    let after = query
        .after
        .as_deref()
        .and_then(|a| Cursor::decode(a, filters.by_submitted));
    let cond = queues::base(&vis).add(queues::of_queue(queue.kind, user.user.id, due_by));
    let due = queues::Due::parse(query.due.as_deref());
    let mut due_options = Vec::new();
    for (d, label) in [
        (queues::Due::Soon, "将逾期"),
        (queues::Due::Overdue, "已逾期"),
    ] {
        let n = contract::Entity::find()
            .filter(cond.clone())
            .filter(queues::filtered(&filters))
            .filter(d.condition(today, due_by))
            .count(&ctx.state.core.db)
            .await?;
        due_options.push(Option2 {
            value: d.as_str().into(),
            label: format!("{label}（{n}）"),
        });
    }
    let cond = cond.add(due.condition(today, due_by));
    let size = page_size(ctx).await;
    let (found, next) =
        queues::page(&ctx.state.core.db, cond, &filters, after.as_ref(), size).await?;
    let ids: Vec<i64> = found.iter().map(|c| c.id).collect();
    let parties = if ids.is_empty() {
        Vec::new()
    } else {
        party::Entity::find()
            .filter(party::Column::ContractId.is_in(ids))
            .order_by_asc(party::Column::Seq)
            .all(&ctx.state.core.db)
            .await?
    };
    let names = user_names(ctx, found.iter().filter_map(|c| c.assigned_user_id)).await?;
    let rows: Vec<QueueRow> = found
        .iter()
        .map(|c| {
            let applicant = parties
                .iter()
                .find(|p| p.contract_id == c.id && p.role == c.applicant_side)
                .or_else(|| {
                    parties
                        .iter()
                        .find(|p| p.contract_id == c.id && p.role == "seller")
                })
                .map(|p| p.name.clone())
                .unwrap_or_default();
            QueueRow {
                id: c.id,
                version: c.version,
                approval_code: c.approval_code.clone(),
                name: c.name.clone(),
                applicant,
                category: categories::label(
                    &c.rule_version,
                    c.category.as_deref().unwrap_or(""),
                    c.subtype.as_deref().unwrap_or(""),
                ),
                tech_amount: amount_of(c),
                status: status_of(c).label(),
                office: c
                    .office_id
                    .and_then(|o| offices.get(&o))
                    .map(|o| o.name.clone())
                    .unwrap_or_default(),
                submitted: c
                    .submitted_at
                    .map(crate::core::clock::shanghai_minute)
                    .unwrap_or_default(),
                deadline: c.stage_deadline.map(|d| d.to_string()).unwrap_or_default(),
                mark: queues::deadline_mark(status_of(c), c.stage_deadline, today, due_by),
                assignee: c
                    .assigned_user_id
                    .and_then(|u| names.get(&u).cloned())
                    .unwrap_or_default(),
                integrity: c.integrity_listed,
            }
        })
        .collect();
    let categories: Vec<Option2> = categories::FIVE
        .iter()
        .map(|c| Option2 {
            value: c.code.into(),
            label: c.label.into(),
        })
        .collect();
    let office_text = filters.office.map(|o| o.to_string()).unwrap_or_default();
    let sort = if filters.by_submitted {
        "submitted"
    } else {
        "deadline"
    };
    let query_string = serde_urlencoded::to_string([
        ("queue", queue.key),
        ("q", filters.q.as_str()),
        ("category", filters.category.as_str()),
        ("office", office_text.as_str()),
        ("sort", sort),
        ("due", due.as_str()),
    ])
    .unwrap_or_default();
    let tabs = tabs(ctx, user, &vis, Some(queue.key)).await?;
    let view = QueueView {
        title: queue.label,
        tabs: &tabs,
        filter: QueueFilter {
            queue: queue.key,
            q: &filters.q,
            category: &filters.category,
            office: &office_text,
            sort,
            due: due.as_str(),
            query: query_string,
        },
        due_options: &due_options,
        rows: &rows,
        next_after: next.map(|c| c.encode()),
        categories: &categories,
        offices: &office_choice,
        batch: queue.kind == Kind::Status(Status::PendingApproval)
            && user.grants.has(perm::CONTRACT_APPROVE),
        result,
    };
    let body = pages::queue_page(&ctx.csrf_token, &view, ctx.fragment && result.is_some());
    Ok(ctx
        .work_with_status(status, user, "合同审查", &crumbs(None)[..1], body)
        .await)
}

#[handler]
async fn queue_page(
    ctx: Ctx,
    user: Caller,
    Query(q): Query<QueueQuery>,
) -> Result<Response, WebError> {
    queue_view(&ctx, &user, &q, None, StatusCode::OK).await
}

/// The contract with everything on it, if the viewer may see it (403
/// without a review permission, 404 outside their offices).
async fn viewable(ctx: &Ctx, user: &Caller, id: i64) -> Result<Full, WebError> {
    queues::visible(user)?;
    let full = service::load(&ctx.state.core.db, id)
        .await?
        .ok_or(WebError::NotFound)?;
    if queues::may_see(user, &full.contract) {
        Ok(full)
    } else {
        Err(WebError::NotFound)
    }
}

/// The action panels the viewer may use now.
fn available(user: &Caller, c: &contract::Model) -> Vec<&'static str> {
    let from = status_of(c);
    let scope = object_scope(c);
    ACTIONS
        .iter()
        .filter(|(_, a)| {
            state::next(from, *a, Guards { large: c.large }).is_ok()
                && permission_for(*a, from)
                    .is_some_and(|p| user.grants.covers(p, &scope, user.user.id))
        })
        .map(|(k, _)| *k)
        .collect()
}

fn choices(entries: &[crate::dictionary::Entry]) -> Vec<Choice> {
    entries
        .iter()
        .map(|e| Choice {
            code: e.code.clone(),
            label: e.label.clone(),
        })
        .collect()
}

fn side_label(side: &str) -> &'static str {
    match side {
        "seller" => "卖方",
        "buyer" => "买方",
        _ => "其他当事人",
    }
}

fn payment_label(code: &str) -> String {
    PAYMENT_METHODS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| (*l).to_owned())
        .unwrap_or_else(|| code.to_owned())
}

fn action_label(action: &str) -> String {
    match action {
        "claim" => "认领办理".into(),
        "assign" => "改派承办人".into(),
        "expert_opinion" => "记录专家意见".into(),
        "duplicate_explain" => "说明重复情况".into(),
        other => Action::ALL
            .iter()
            .find(|a| a.as_str() == other)
            .map(|a| a.label().to_owned())
            .unwrap_or_else(|| other.to_owned()),
    }
}

fn status_label(s: &str) -> &'static str {
    Status::parse(s).map(|s| s.label()).unwrap_or("")
}

/// Labels of the dictionaries a case page shows.
struct Labels {
    legal_forms: std::sync::Arc<Vec<crate::dictionary::Entry>>,
    tech_fields: std::sync::Arc<Vec<crate::dictionary::Entry>>,
    goals: std::sync::Arc<Vec<crate::dictionary::Entry>>,
    ip_types: std::sync::Arc<Vec<crate::dictionary::Entry>>,
    non_accept: std::sync::Arc<Vec<crate::dictionary::Entry>>,
    returns: std::sync::Arc<Vec<crate::dictionary::Entry>>,
    refusals: std::sync::Arc<Vec<crate::dictionary::Entry>>,
}

async fn labels(ctx: &Ctx) -> Result<Labels, WebError> {
    let d = &ctx.state.dictionaries;
    Ok(Labels {
        legal_forms: d.entries(DICT_LEGAL_FORM).await?,
        tech_fields: d.entries(DICT_TECH_FIELD).await?,
        goals: d.entries(DICT_SOCIO_GOAL).await?,
        ip_types: d.entries(DICT_IP_TYPE).await?,
        non_accept: d.entries(DICT_NON_ACCEPT_REASON).await?,
        returns: d.entries(DICT_RETURN_REASON).await?,
        refusals: d.entries(DICT_REFUSAL_REASON).await?,
    })
}

fn label_or(entries: &[crate::dictionary::Entry], code: &str) -> String {
    label_in(entries, code)
        .map(str::to_owned)
        .unwrap_or_else(|| code.to_owned())
}

impl Labels {
    /// A snapshot value as people read it.
    fn value(&self, key: &str, v: &Value, snapshot: &Value) -> String {
        let s = match v {
            Value::Null => return "（空）".into(),
            Value::String(s) if s.trim().is_empty() => return "（空）".into(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        match key {
            "deal_amount" | "tech_amount" => v
                .as_i64()
                .map(|f| format!("{} 元", format_fen(f)))
                .unwrap_or(s),
            "category" => categories::category(categories::RULES_2026, &s)
                .map(|c| c.label.to_owned())
                .unwrap_or(s),
            "subtype" => {
                let cat = snapshot
                    .get("category")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                categories::subtype(categories::RULES_2026, cat, &s)
                    .map(|t| t.label.to_owned())
                    .unwrap_or(s)
            }
            "applicant_side" => side_label(&s).into(),
            "payment_method" => payment_label(&s),
            "tech_field" => label_or(&self.tech_fields, &s),
            "socio_goal" => label_or(&self.goals, &s),
            _ => s,
        }
    }

    fn party(&self, p: &Value) -> String {
        let get = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
        let mut parts = vec![format!("{}：{}", side_label(&get("role")), get("name"))];
        for (k, label) in [("credit_code", "信用代码"), ("country", "国别")] {
            if !get(k).is_empty() {
                parts.push(format!("{label} {}", get(k)));
            }
        }
        if let Some(r) = crate::dictionary::district_name(&get("region")) {
            parts.push(r.to_owned());
        }
        if !get("legal_form").is_empty() {
            parts.push(label_or(&self.legal_forms, &get("legal_form")));
        }
        if !get("contact").is_empty() {
            parts.push(get("contact"));
        }
        parts.join("，")
    }

    fn deduction(&self, d: &Value) -> String {
        format!(
            "{}：{} 元",
            d.get(0).and_then(Value::as_str).unwrap_or(""),
            d.get(1)
                .and_then(Value::as_i64)
                .map(format_fen)
                .unwrap_or_default()
        )
    }

    fn ip_item(&self, i: &Value) -> String {
        let s = |n: usize| i.get(n).and_then(Value::as_str).unwrap_or("").to_owned();
        format!("{} {}（{}）", label_or(&self.ip_types, &s(0)), s(1), s(2))
    }

    fn reasons(&self, action: &str, codes: Option<&str>) -> String {
        let entries = match action {
            "not_accept" => &self.non_accept,
            "return" => &self.returns,
            _ => &self.refusals,
        };
        codes
            .unwrap_or("")
            .split(',')
            .filter(|c| !c.is_empty())
            .map(|c| label_or(entries, c))
            .collect::<Vec<_>>()
            .join("；")
    }
}

fn attachment_text(a: &Value) -> String {
    let kind = a.get("kind").and_then(Value::as_str).unwrap_or("");
    let kind = service::ATTACHMENT_KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, l)| *l)
        .unwrap_or(kind);
    format!(
        "{}：{}",
        kind,
        a.get("file_name").and_then(Value::as_str).unwrap_or("")
    )
}

fn field_label(field: &str) -> String {
    COMMENT_FIELDS
        .iter()
        .find(|(k, _)| *k == field)
        .map(|(_, l)| (*l).to_owned())
        .unwrap_or_else(|| field.to_owned())
}

/// The changes between the previous round's snapshot and this one.
async fn diff_view(
    ctx: &Ctx,
    c: &contract::Model,
    labels: &Labels,
    comments: &[comment::Model],
) -> Result<Option<DiffView>, WebError> {
    if c.round < 2 {
        return Ok(None);
    }
    let snaps = snapshot::Entity::find()
        .filter(snapshot::Column::ContractId.eq(c.id))
        .filter(snapshot::Column::Round.is_in([c.round - 1, c.round]))
        .all(&ctx.state.core.db)
        .await?;
    let parse = |round: i32| {
        snaps
            .iter()
            .find(|s| s.round == round)
            .and_then(|s| serde_json::from_str::<Value>(&s.data).ok())
    };
    let (Some(old), Some(new)) = (parse(c.round - 1), parse(c.round)) else {
        return Ok(None);
    };
    let d = diff::diff(&old, &new);
    let mut rows = Vec::new();
    for (section, list) in [
        ("合同当事人", &d.parties),
        ("非技术性费用", &d.deductions),
        ("知识产权", &d.ip_items),
    ] {
        for r in list {
            let text = |v: &Option<Value>| match (v, section) {
                (None, _) => String::new(),
                (Some(v), "合同当事人") => labels.party(v),
                (Some(v), "非技术性费用") => labels.deduction(v),
                (Some(v), _) => labels.ip_item(v),
            };
            rows.push(DiffRow {
                section,
                change: match r.change {
                    RowChange::Added => "新增",
                    RowChange::Removed => "删除",
                    RowChange::Changed => "修改",
                },
                old: text(&r.old),
                new: text(&r.new),
            });
        }
    }
    Ok(Some(DiffView {
        round: c.round,
        fields: d
            .fields
            .iter()
            .map(|f| DiffLine {
                label: f.label.into(),
                old: labels.value(f.key, &f.old, &old),
                new: labels.value(f.key, &f.new, &new),
            })
            .collect(),
        rows,
        attachments_added: d.attachments_added.iter().map(attachment_text).collect(),
        attachments_removed: d.attachments_removed.iter().map(attachment_text).collect(),
        comments: comments
            .iter()
            .filter(|m| m.round == c.round - 1)
            .map(comment_row)
            .collect(),
    }))
}

fn comment_row(m: &comment::Model) -> CommentRow {
    CommentRow {
        round: m.round,
        field: field_label(&m.field),
        comment: m.comment.clone(),
        author: m.author.clone(),
        at: crate::core::clock::shanghai_minute(m.at),
    }
}

/// What the case page shows besides the form state.
struct Show<'a> {
    notice: Option<(&'static str, String)>,
    open: Option<&'a str>,
    form: FormState,
    status: StatusCode,
}

impl Show<'_> {
    fn ok() -> Self {
        Show {
            notice: None,
            open: None,
            form: FormState::default(),
            status: StatusCode::OK,
        }
    }
}

async fn render_case(
    ctx: &Ctx,
    user: &Caller,
    id: i64,
    show: Show<'_>,
) -> Result<Response, WebError> {
    let full = viewable(ctx, user, id).await?;
    let c = &full.contract;
    let vis = queues::visible(user)?;
    let (today, due_by, _) = clock(ctx).await?;
    let labels = labels(ctx).await?;
    let offices = office_map(ctx).await?;
    let events = event::Entity::find()
        .filter(event::Column::ContractId.eq(id))
        .order_by_asc(event::Column::Id)
        .all(&ctx.state.core.db)
        .await?;
    let comments = comment::Entity::find()
        .filter(comment::Column::ContractId.eq(id))
        .order_by_asc(comment::Column::Id)
        .all(&ctx.state.core.db)
        .await?;
    let opinions = casework::opinions(&ctx.state.core.db, id).await?;
    let names = user_names(ctx, c.assigned_user_id).await?;
    let status = status_of(c);
    let deadline = c
        .stage_deadline
        .map(|d| {
            let mark = queues::deadline_mark(status, Some(d), today, due_by)
                .map(|(_, l)| format!("（{l}）"))
                .unwrap_or_default();
            format!("{d}{mark}")
        })
        .unwrap_or_else(|| "—".into());
    let minute = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(crate::core::clock::shanghai_minute)
            .unwrap_or_else(|| "—".into())
    };
    let mut header = vec![
        ("状态", status.label().to_owned()),
        (
            "登记处",
            c.office_id
                .and_then(|o| offices.get(&o))
                .map(|o| o.name.clone())
                .unwrap_or_default(),
        ),
        (
            "承办人",
            c.assigned_user_id
                .and_then(|u| names.get(&u).cloned())
                .unwrap_or_else(|| "—".into()),
        ),
        ("本阶段期限", deadline),
        ("提交轮次", format!("第 {} 轮", c.round)),
        ("提交时间", minute(c.submitted_at)),
        ("受理时间", minute(c.accepted_at)),
        ("大额合同", if c.large { "是" } else { "否" }.into()),
    ];
    // F27/F29: the enterprise's integrity listing and anomalies today.
    header.extend(
        crate::integrity::case_marks(
            &ctx.state.core.db,
            c.enterprise_id,
            c.integrity_listed,
            today,
        )
        .await?,
    );
    if let Some(p) = &c.proposal {
        header.push((
            "登记处审查建议",
            if p == "register" {
                "建议登记"
            } else {
                "建议不予登记"
            }
            .into(),
        ));
    }
    if let Some(n) = &c.registration_number {
        header.push(("登记编号", n.clone()));
        header.push(("登记时间", minute(c.registered_at)));
    }
    let basics = vec![
        (
            "合同类别",
            categories::label(
                &c.rule_version,
                c.category.as_deref().unwrap_or(""),
                c.subtype.as_deref().unwrap_or(""),
            ),
        ),
        ("合同名称", c.name.clone()),
        ("合同编号", c.contract_number.clone()),
        (
            "签订日期",
            c.signed_on.map(|d| d.to_string()).unwrap_or_default(),
        ),
        (
            "合同有效期",
            format!(
                "{} 至 {}",
                c.valid_from.map(|d| d.to_string()).unwrap_or_default(),
                c.valid_to.map(|d| d.to_string()).unwrap_or_default()
            ),
        ),
        ("申请人身份", side_label(&c.applicant_side).into()),
        (
            "认定规则",
            if c.rule_version == categories::RULES_2001 {
                "2001 年规则（四类）"
            } else {
                "五类技术合同"
            }
            .into(),
        ),
    ];
    let yuan = |f: Option<i64>| {
        f.map(|f| format!("{} 元", format_fen(f)))
            .unwrap_or_else(|| "—".into())
    };
    let mut amounts = vec![
        ("成交额", yuan(c.deal_amount)),
        ("技术交易额（申报）", yuan(c.tech_amount)),
    ];
    if c.approved_tech_amount.is_some() {
        amounts.push(("核定技术交易额", yuan(c.approved_tech_amount)));
        amounts.push((
            "调整理由",
            c.amount_adjust_reason.clone().unwrap_or_default(),
        ));
    }
    amounts.push(("支付方式", payment_label(&c.payment_method)));
    amounts.push(("支付安排", c.payment_schedule.clone()));
    let technology = vec![
        (
            "技术领域",
            label_or(&labels.tech_fields, c.tech_field.as_deref().unwrap_or("")),
        ),
        (
            "社会经济目标",
            c.socio_goal
                .as_deref()
                .map(|g| label_or(&labels.goals, g))
                .unwrap_or_else(|| "—".into()),
        ),
        ("项目负责人", c.project_leader.clone()),
        ("联系电话", c.leader_phone.clone()),
        ("技术内容摘要", c.summary.clone()),
    ];
    let parties = full
        .parties
        .iter()
        .map(|p| PartyRow {
            role: side_label(&p.role).into(),
            name: p.name.clone(),
            credit_code: p.credit_code.clone().unwrap_or_default(),
            region: match (&p.country, &p.region) {
                (Some(country), _) => format!("境外（{country}）"),
                (None, Some(r)) => crate::dictionary::district_name(r)
                    .map(str::to_owned)
                    .unwrap_or_else(|| r.clone()),
                _ => String::new(),
            },
            legal_form: p
                .legal_form
                .as_deref()
                .map(|l| label_or(&labels.legal_forms, l))
                .unwrap_or_default(),
            contact: p.contact.clone(),
        })
        .collect();
    let attachments = full
        .attachments
        .iter()
        .map(|a| AttachmentRow {
            id: a.id,
            kind: service::ATTACHMENT_KINDS
                .iter()
                .find(|(k, _)| *k == a.kind)
                .map(|(_, l)| (*l).to_owned())
                .unwrap_or_else(|| a.kind.clone()),
            file_name: a.file_name.clone(),
            size: format!("{:.1} KB", a.size as f64 / 1024.0),
            round: a.round,
            uploaded: crate::core::clock::shanghai_minute(a.uploaded_at),
            new_this_round: c.round >= 2 && a.round == c.round,
        })
        .collect();
    let diff = diff_view(ctx, c, &labels, &comments).await?;
    let timeline = events
        .iter()
        .map(|e| EventRow {
            at: crate::core::clock::shanghai_minute(e.at),
            actor: e.actor.clone(),
            action: action_label(&e.action),
            change: if e.from_status == e.to_status {
                "—".into()
            } else {
                format!(
                    "{} → {}",
                    status_label(&e.from_status),
                    status_label(&e.to_status)
                )
            },
            reasons: labels.reasons(&e.action, e.reason_code.as_deref()),
            reason: e.reason.clone(),
        })
        .collect();
    let tabs = tabs(ctx, user, &vis, None).await?;
    let non_accept = choices(
        &ctx.state
            .dictionaries
            .active(DICT_NON_ACCEPT_REASON)
            .await?,
    );
    let returns = choices(&ctx.state.dictionaries.active(DICT_RETURN_REASON).await?);
    let refusals = choices(&ctx.state.dictionaries.active(DICT_REFUSAL_REASON).await?);
    let assign_to = match (service::position_for(status), c.office_id) {
        (Some(p), Some(o)) if casework::may_reassign(user, c) => {
            casework::holders(&ctx.state.core.db, o, p)
                .await?
                .into_iter()
                .filter(|(u, _)| Some(*u) != c.assigned_user_id)
                .collect()
        }
        _ => Vec::new(),
    };
    let view = CaseView {
        id,
        version: c.version,
        name: if c.name.is_empty() {
            "（未填写合同名称）".into()
        } else {
            c.name.clone()
        },
        approval_code: c.approval_code.clone(),
        status: status.as_str(),
        notice: show.notice,
        tabs: &tabs,
        header,
        basics,
        parties,
        amounts,
        deductions: full
            .deductions
            .iter()
            .map(|d| (d.item.clone(), format_fen(d.amount)))
            .collect(),
        technology,
        ip_items: full
            .ip_items
            .iter()
            .map(|i| {
                (
                    label_or(&labels.ip_types, &i.ip_type),
                    i.number.clone(),
                    i.owner.clone(),
                )
            })
            .collect(),
        attachments,
        diff,
        comments: comments.iter().map(comment_row).collect(),
        opinions: opinions
            .iter()
            .map(|o| OpinionRow {
                expert: o.expert.clone(),
                conclusion: casework::conclusion_label(&o.conclusion).to_owned(),
                opinion: o.opinion.clone(),
                recorded_by: o.recorded_by.clone(),
                at: crate::core::clock::shanghai_minute(o.at),
            })
            .collect(),
        timeline,
        panel: Panel {
            actions: available(user, c),
            can_record_opinion: status == Status::ExpertReview
                && user
                    .grants
                    .covers(perm::CONTRACT_REVIEW, &object_scope(c), user.user.id),
            can_claim: casework::holds_position(user, c)
                && c.assigned_user_id != Some(user.user.id),
            assign_to,
            non_accept_reasons: &non_accept,
            return_reasons: &returns,
            refusal_reasons: &refusals,
            comment_fields: COMMENT_FIELDS,
            conclusions: EXPERT_CONCLUSIONS,
            open: show.open,
        },
    };
    let title = format!("审查：{}", view.approval_code);
    let mut body = pages::case_page(&ctx.csrf_token, &view, &show.form, ctx.fragment);
    if !ctx.fragment {
        // Swapped fragments replace the case only; the panel stays.
        let panel = super::routes::review_panel(&ctx.state.contracts, &full).await?;
        body = maud::html! { (panel) (body) };
    }
    if ctx.fragment {
        // The navigation counter changes with the case: swap it out of band.
        let mine = queues::my_open_count(&ctx.state.core.db, user.user.id).await?;
        body = maud::html! {
            (body)
            (techreg_views::components::badge_oob(&techreg_views::pages::review::work_badge(mine)))
        };
    }
    Ok(ctx
        .work_with_status(
            show.status,
            user,
            &title,
            &crumbs(Some(&view.approval_code)),
            body,
        )
        .await)
}

#[handler]
async fn case_page(ctx: Ctx, user: Caller, Path(id): Path<i64>) -> Result<Response, WebError> {
    render_case(&ctx, &user, id, Show::ok()).await
}

/// `filename*` for a non-ASCII file name (RFC 6266 / 5987).
fn content_disposition(name: &str) -> String {
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"attachment\"; filename*=UTF-8''{encoded}")
}

#[handler]
async fn attachment_get(
    ctx: Ctx,
    user: Caller,
    Path((id, aid)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let full = viewable(&ctx, &user, id).await?;
    let a = full
        .attachments
        .iter()
        .find(|a| a.id == aid)
        .ok_or(WebError::NotFound)?;
    let (bytes, content_type) = ctx
        .state
        .files
        .load(&a.digest)
        .await
        .map_err(|e| WebError::Internal(anyhow::anyhow!(e.to_string())))?
        .ok_or(WebError::NotFound)?;
    Ok(bytes
        .with_content_type(content_type)
        .with_header("content-disposition", content_disposition(&a.file_name))
        .with_header("cache-control", "no-store")
        .into_response())
}

fn version_of(fields: &[(String, String)]) -> Result<i32, WebError> {
    fields
        .iter()
        .find(|(k, _)| k == "version")
        .and_then(|(_, v)| v.trim().parse().ok())
        .ok_or_else(|| WebError::BadRequest("version".into()))
}

/// After a successful write: htmx gets the case with the counters out of
/// band; a plain form post is redirected to the case (post/redirect/get).
async fn done(ctx: &Ctx, user: &Caller, id: i64, message: String) -> Result<Response, WebError> {
    if ctx.fragment {
        render_case(
            ctx,
            user,
            id,
            Show {
                notice: Some(("flash flash-success", message)),
                ..Show::ok()
            },
        )
        .await
    } else {
        Ok(ctx.redirect(
            &format!("/review/contracts/{id}"),
            Some(Flash {
                kind: FlashKind::Success,
                message,
            }),
        ))
    }
}

/// A write refused because someone else acted first (or the case moved
/// on): the case as it is now, with a clear message, status 409.
async fn handled_elsewhere(
    ctx: &Ctx,
    user: &Caller,
    id: i64,
    message: String,
) -> Result<Response, WebError> {
    render_case(
        ctx,
        user,
        id,
        Show {
            notice: Some((
                "flash flash-warning",
                format!("已由他人处理，未重复办理：{message} 下面是该申请的最新状态。"),
            )),
            status: StatusCode::CONFLICT,
            ..Show::ok()
        },
    )
    .await
}

async fn invalid(
    ctx: &Ctx,
    user: &Caller,
    id: i64,
    open: &str,
    form: FormState,
) -> Result<Response, WebError> {
    render_case(
        ctx,
        user,
        id,
        Show {
            open: Some(open),
            form,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            ..Show::ok()
        },
    )
    .await
}

/// Conflicts become the 409 page; other errors pass through.
async fn outcome(
    ctx: &Ctx,
    user: &Caller,
    id: i64,
    result: Result<String, WebError>,
) -> Result<Response, WebError> {
    match result {
        Ok(message) => done(ctx, user, id, message).await,
        Err(WebError::Conflict(m)) => handled_elsewhere(ctx, user, id, m).await,
        Err(e) => Err(e),
    }
}

fn too_long(s: &str, max: usize) -> bool {
    s.chars().count() > max
}

/// Checks the form of an action; the input for `act`, or the form with
/// its errors.
async fn check_action(
    ctx: &Ctx,
    key: &str,
    full: &Full,
    fields: &[(String, String)],
) -> Result<Result<ActInput, FormState>, WebError> {
    let mut form = form_from(fields);
    let reason = form.value("reason").trim().to_owned();
    if too_long(&reason, REASON_MAX) {
        form.add_error("reason", format!("不能超过 {REASON_MAX} 个字"));
    }
    let codes: Vec<String> = fields
        .iter()
        .filter(|(k, v)| k == "reason_code" && !v.trim().is_empty())
        .map(|(_, v)| v.trim().to_owned())
        .collect();
    let dict = match key {
        "not_accept" => Some(DICT_NON_ACCEPT_REASON),
        "return" => Some(DICT_RETURN_REASON),
        "propose_refuse" | "refuse" => Some(DICT_REFUSAL_REASON),
        _ => None,
    };
    if let Some(dict) = dict {
        let active = ctx.state.dictionaries.active(dict).await?;
        if codes.iter().any(|c| !active.iter().any(|e| &e.code == c)) {
            form.add_error("reason_code", "理由代码无效，请从列表中选择");
        }
        if key != "return" && codes.is_empty() {
            form.add_error("reason_code", "请至少选择一项理由");
        }
        if codes.iter().any(|c| c == "99") && reason.is_empty() {
            form.add_error("reason", "选择“其他”时请填写说明");
        }
    }
    let mut comments = Vec::new();
    if key == "return" {
        for (field, label) in COMMENT_FIELDS {
            let name = format!("comment_{field}");
            let text = form.value(&name).trim().to_owned();
            if too_long(&text, COMMENT_MAX) {
                form.add_error(&name, format!("{label}的意见不能超过 {COMMENT_MAX} 个字"));
            } else if !text.is_empty() {
                comments.push(((*field).to_owned(), text));
            }
        }
        if comments.is_empty() {
            form.message =
                Some("请至少对一处需要补正的字段填写意见，申请人会在该字段旁看到。".into());
        }
    }
    match key {
        "send_to_experts" if reason.is_empty() => {
            form.add_error("reason", "请填写提交专家评审的理由")
        }
        "reject_large" | "send_back" if reason.is_empty() => {
            form.add_error("reason", "请填写退回理由")
        }
        "reject_change" | "reject_cancel" if reason.is_empty() => {
            form.add_error("reason", "请填写不同意的理由，申请人会看到")
        }
        "revoke" if reason.is_empty() => form.add_error(
            "reason",
            "请填写撤销登记的理由和依据（如法院判决、复议决定或检查结论）",
        ),
        "propose_register" | "propose_refuse" if reason.is_empty() => {
            form.add_error("reason", "请填写审查意见")
        }
        "finish_experts"
            if casework::opinions(&ctx.state.core.db, full.contract.id)
                .await?
                .is_empty() =>
        {
            form.message = Some("请先记录至少一位专家的评审意见，再结束专家评审。".into())
        }
        _ => {}
    }
    let mut adjusted = None;
    let mut adjust_reason = None;
    if matches!(key, "propose_register" | "propose_refuse") {
        let typed = form.value("adjusted_amount").trim().to_owned();
        let why = form.value("adjust_reason").trim().to_owned();
        if !typed.is_empty() {
            match parse_yuan(&typed) {
                Err(m) => form.add_error("adjusted_amount", m),
                Ok(0) => form.add_error("adjusted_amount", "核定技术交易额应大于零"),
                Ok(f) if full.contract.deal_amount.is_some_and(|d| f > d) => {
                    form.add_error("adjusted_amount", "核定技术交易额不能超过成交额")
                }
                Ok(f) if Some(f) == full.contract.tech_amount => {}
                Ok(f) => {
                    if why.is_empty() {
                        form.add_error("adjust_reason", "调整技术交易额时请填写调整理由");
                    } else if too_long(&why, REASON_MAX) {
                        form.add_error("adjust_reason", format!("不能超过 {REASON_MAX} 个字"));
                    }
                    adjusted = Some(f);
                    adjust_reason = Some(why);
                }
            }
        }
    }
    if form.has_errors() {
        return Ok(Err(form));
    }
    Ok(Ok(ActInput {
        reason_codes: codes,
        reason,
        comments,
        adjusted_tech_amount: adjusted,
        adjust_reason,
        detail: match adjusted {
            Some(t) => serde_json::json!({ "adjusted_tech_amount": t }),
            None => Value::Null,
        },
    }))
}

fn success_message(action: Action, c: &contract::Model) -> String {
    match action {
        Action::Approve => format!(
            "已审定登记，登记编号 {}。",
            c.registration_number.clone().unwrap_or_default()
        ),
        _ => format!(
            "已办理“{}”，申请现为“{}”。",
            action.label(),
            status_of(c).label()
        ),
    }
}

#[handler]
async fn action_post(
    ctx: Ctx,
    user: Caller,
    Path((id, key)): Path<(i64, String)>,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    let Some(&(key, action)) = ACTIONS.iter().find(|(k, _)| *k == key) else {
        return Err(WebError::NotFound);
    };
    let full = viewable(&ctx, &user, id).await?;
    let version = version_of(&fields)?;
    let c = &full.contract;
    // Someone without the right gets 403, and a stale form (another tab,
    // another reviewer) 409, before any form error.
    if let Some(p) = permission_for(action, status_of(c)) {
        user.require_on(p, &object_scope(c))?;
    }
    if c.version != version {
        let m = "该申请已由他人处理或已在其他窗口中修改。".to_owned();
        return handled_elsewhere(&ctx, &user, id, m).await;
    }
    if let Err(e) = state::next(status_of(c), action, Guards { large: c.large }) {
        return handled_elsewhere(&ctx, &user, id, format!("{e}。")).await;
    }
    let input = match check_action(&ctx, key, &full, &fields).await? {
        Ok(input) => input,
        Err(form) => return invalid(&ctx, &user, id, key, form).await,
    };
    let result = service::act(&ctx.state, Some(&user), id, version, action, input)
        .await
        .map(|c| success_message(action, &c));
    outcome(&ctx, &user, id, result).await
}

#[handler]
async fn claim_post(
    ctx: Ctx,
    user: Caller,
    Path(id): Path<i64>,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    viewable(&ctx, &user, id).await?;
    let version = version_of(&fields)?;
    let result = casework::claim(&ctx.state, &user, id, version)
        .await
        .map(|_| "已由您办理。".to_owned());
    outcome(&ctx, &user, id, result).await
}

#[handler]
async fn assign_post(
    ctx: Ctx,
    user: Caller,
    Path(id): Path<i64>,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    let full = viewable(&ctx, &user, id).await?;
    if !casework::may_reassign(&user, &full.contract) {
        return Err(WebError::Forbidden("office head only"));
    }
    let version = version_of(&fields)?;
    let mut form = form_from(&fields);
    let to_user = form.value("to_user").trim().parse::<i64>().ok();
    let reason = form.value("reason").trim().to_owned();
    if to_user.is_none() {
        form.add_error("to_user", "请选择改派给谁");
    }
    if reason.is_empty() {
        form.add_error("reason", "请填写改派原因");
    } else if too_long(&reason, 200) {
        form.add_error("reason", "改派原因不能超过 200 个字");
    }
    let Some(to_user) = to_user.filter(|_| !form.has_errors()) else {
        return invalid(&ctx, &user, id, "assign", form).await;
    };
    match casework::reassign(&ctx.state, &user, id, version, to_user, &reason).await {
        Ok(()) => outcome(&ctx, &user, id, Ok("已改派承办人。".into())).await,
        Err(AssignError::NotAHolder) => {
            form.add_error("to_user", "该人员不在本登记处办理此环节的岗位上");
            invalid(&ctx, &user, id, "assign", form).await
        }
        Err(AssignError::Web(e)) => outcome(&ctx, &user, id, Err(e)).await,
    }
}

#[handler]
async fn opinion_post(
    ctx: Ctx,
    user: Caller,
    Path(id): Path<i64>,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    let full = viewable(&ctx, &user, id).await?;
    user.require_on(perm::CONTRACT_REVIEW, &object_scope(&full.contract))?;
    let version = version_of(&fields)?;
    let mut form = form_from(&fields);
    let expert = form.value("expert").trim().to_owned();
    let conclusion = form.value("conclusion").trim().to_owned();
    let opinion = form.value("opinion").trim().to_owned();
    if expert.is_empty() || too_long(&expert, 100) {
        form.add_error("expert", "请填写专家姓名（不超过 100 个字）");
    }
    if !EXPERT_CONCLUSIONS.iter().any(|(c, _)| *c == conclusion) {
        form.add_error("conclusion", "请选择评审结论");
    }
    if opinion.is_empty() || too_long(&opinion, REASON_MAX) {
        form.add_error("opinion", "请填写评审意见（不超过 2000 个字）");
    }
    if form.has_errors() {
        return invalid(&ctx, &user, id, "opinion", form).await;
    }
    let result = casework::record_opinion(
        &ctx.state,
        &user,
        id,
        version,
        &Opinion {
            expert: &expert,
            conclusion: &conclusion,
            opinion: &opinion,
        },
    )
    .await
    .map(|_| format!("已记录专家 {expert} 的意见。"));
    outcome(&ctx, &user, id, result).await
}

/// The city office approves several cases of the 待审定 queue; each one is
/// its own transaction, so one already handled does not stop the others.
#[handler]
async fn batch_approve_post(
    ctx: Ctx,
    user: Caller,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    user.require(perm::CONTRACT_APPROVE)?;
    let picks: Vec<(i64, i32)> = fields
        .iter()
        .filter(|(k, _)| k == "pick")
        .filter_map(|(_, v)| {
            let (id, version) = v.split_once(':')?;
            Some((id.trim().parse().ok()?, version.trim().parse().ok()?))
        })
        .collect();
    let query = QueueQuery {
        queue: Some("approve".into()),
        ..Default::default()
    };
    if picks.is_empty() {
        let none = BatchResult {
            done: Vec::new(),
            handled: Vec::new(),
            failed: vec!["未选择任何申请".into()],
        };
        return queue_view(
            &ctx,
            &user,
            &query,
            Some(&none),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let mut result = BatchResult {
        done: Vec::new(),
        handled: Vec::new(),
        failed: Vec::new(),
    };
    for (id, version) in picks {
        let Some(c) = contract::Entity::find_by_id(id)
            .one(&ctx.state.core.db)
            .await?
        else {
            result.failed.push(format!("#{id}"));
            continue;
        };
        if !queues::may_see(&user, &c) {
            result.failed.push(format!("#{id}"));
            continue;
        }
        match service::act(
            &ctx.state,
            Some(&user),
            id,
            version,
            Action::Approve,
            ActInput::default(),
        )
        .await
        {
            Ok(done) => result.done.push(format!(
                "{}（{}）",
                done.approval_code,
                done.registration_number.unwrap_or_default()
            )),
            Err(WebError::Conflict(_)) => result.handled.push(c.approval_code),
            Err(WebError::Forbidden(_) | WebError::NotFound) => result.failed.push(c.approval_code),
            Err(e) => return Err(e),
        }
    }
    if ctx.fragment {
        return queue_view(&ctx, &user, &query, Some(&result), StatusCode::OK).await;
    }
    let mut message = format!("已审定登记 {} 件", result.done.len());
    if !result.handled.is_empty() {
        message.push_str(&format!(
            "；{} 件已由他人处理（{}）",
            result.handled.len(),
            result.handled.join("、")
        ));
    }
    if !result.failed.is_empty() {
        message.push_str(&format!("；{} 件未能处理", result.failed.len()));
    }
    message.push('。');
    Ok(ctx.redirect(
        "/review/contracts?queue=approve",
        Some(Flash {
            kind: FlashKind::Success,
            message,
        }),
    ))
}

/// The navigation counter, refreshed by htmx.
#[handler]
async fn badge_fragment(ctx: Ctx, user: Caller) -> Result<Response, WebError> {
    queues::visible(&user)?;
    if !ctx.fragment {
        return Ok(ctx.redirect("/review/contracts?queue=mine", None));
    }
    let n = queues::my_open_count(&ctx.state.core.db, user.user.id).await?;
    Ok(poem::web::Html(
        techreg_views::components::badge(&techreg_views::pages::review::work_badge(n))
            .into_string(),
    )
    .into_response())
}
