//! The applicant's screens: "my applications", the six-step form, the
//! read-only summary with its timeline, withdrawal and attachment download.
//!
//! Step posts carry an `op`: `save` (the default) runs the step's checks and
//! saves only when they pass (422 with inline messages otherwise); `add`,
//! `remove:N`, `history:N` and `refresh` only re-render the form, so the row
//! buttons and the category select work with and without JavaScript.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use poem::http::StatusCode;
use poem::web::{Form, Multipart, Path, Query};
use poem::{FromRequest, IntoResponse, Response, Route, get, handler, post};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use techreg_entities::contract::{attachment, comment, contract, event, party};
use techreg_entities::org::enterprise;
use techreg_views::components::{Crumb, Flash, FlashKind};
use techreg_views::pages::apply::{
    self as pages, AttachmentRow, DueFilter, EventRow, Header, ListRow, Opt, Page, ProblemRow,
    Section, TechOptions,
};
use techreg_views::pages::identity::FormState;

use super::application::{
    self, Amounts, Basics, IpItem, PAYMENT_METHODS, Party, Problem, STEPS, Technology,
};
use super::categories::{self, FIVE, RULES_2026};
use super::money::{format_fen, input_fen, parse_yuan};
use super::queues::{Due, deadline_mark};
use super::service::{self, ATTACHMENT_KINDS, ActInput, Full, SubmitError, status_of};
use super::state::{Action, Status};
use crate::core::Caller;
use crate::core::Scope;
use crate::core::clock::{shanghai_date, shanghai_minute};
use crate::dictionary::SHANGHAI;
use crate::dictionary::{
    DICT_IP_TYPE, DICT_LEGAL_FORM, DICT_SOCIO_GOAL, DICT_TECH_FIELD, Dictionaries,
};
use crate::security::rbac::perm;
use crate::web::{Ctx, WebError};

type Fields = Form<Vec<(String, String)>>;

/// Most applications listed on "my applications".
const LIST_LIMIT: u64 = 500;
/// Earlier counterparties / leaders offered for smart filling.
const HISTORY_LIMIT: usize = 20;

pub fn routes(route: Route) -> Route {
    route
        .at("/my/contracts", get(list_page).post(create_post))
        .at("/my/contracts/:id", get(contract_page))
        .at("/my/contracts/:id/step/:n", get(step_page).post(step_post))
        .at("/my/contracts/:id/withdraw", post(withdraw_post))
        .at(
            "/my/contracts/:id/request-change",
            post(request_change_post),
        )
        .at(
            "/my/contracts/:id/request-cancel",
            post(request_cancel_post),
        )
        .at("/my/contracts/:id/attachments/:aid", get(attachment_get))
}

fn crumbs() -> Vec<Crumb> {
    vec![
        Crumb {
            label: "工作台".into(),
            href: Some("/my".into()),
        },
        Crumb {
            label: "我的申请".into(),
            href: Some("/my/contracts".into()),
        },
    ]
}

fn editable(c: &contract::Model) -> bool {
    matches!(status_of(c), Status::Draft | Status::Returned)
}

/// The first step not yet complete (6, the review, when 1–5 are).
fn first_unfinished(steps_done: i32) -> u8 {
    (1..=5u8)
        .find(|n| steps_done & (1 << (n - 1)) == 0)
        .unwrap_or(6)
}

fn category_label(c: &contract::Model) -> String {
    match (&c.category, &c.subtype) {
        (Some(cat), Some(sub)) => categories::label(&c.rule_version, cat, sub),
        (Some(cat), None) => categories::category(&c.rule_version, cat)
            .map(|c| c.label.to_owned())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// What the applicant does next, and where.
fn next_step(c: &contract::Model) -> (String, String) {
    let base = format!("/my/contracts/{}", c.id);
    match status_of(c) {
        Status::Draft => {
            let n = first_unfinished(c.steps_done);
            (format!("继续填写 第 {n} 步"), format!("{base}/step/{n}"))
        }
        Status::Returned => ("请补正".into(), format!("{base}/step/6")),
        Status::Submitted => ("等待受理".into(), base),
        Status::Reviewing | Status::ExpertReview | Status::LargeApproval => {
            ("等待审查".into(), base)
        }
        Status::PendingApproval => ("等待审定".into(), base),
        Status::Registered => ("查看登记结果".into(), base),
        Status::Changing | Status::Cancelling => ("等待审查".into(), base),
        _ => ("查看".into(), base),
    }
}

/// Enterprises whose applications the user sees besides their own.
fn enterprise_scopes(user: &Caller) -> Vec<i64> {
    user.grants
        .0
        .iter()
        .filter(|g| g.permissions.contains(perm::CONTRACT_APPLY))
        .filter_map(|g| match g.scope {
            Scope::Enterprise(e) => Some(e),
            _ => None,
        })
        .collect()
}

fn mine_condition(user: &Caller) -> Condition {
    let mut cond = Condition::any().add(contract::Column::ApplicantUserId.eq(user.user.id));
    let ents = enterprise_scopes(user);
    if !ents.is_empty() {
        cond = cond.add(contract::Column::EnterpriseId.is_in(ents));
    }
    cond
}

#[derive(serde::Deserialize)]
struct ListQuery {
    due: Option<String>,
}

#[handler]
async fn list_page(
    ctx: Ctx,
    user: Caller,
    Query(query): Query<ListQuery>,
) -> Result<Response, WebError> {
    user.require(perm::CONTRACT_APPLY)?;
    let (today, due_by, _) = super::queues::due_window(&ctx.state).await?;
    let due = Due::parse(query.due.as_deref());
    let mut filters = Vec::new();
    for (d, label) in [
        (Due::Any, "全部"),
        (Due::Soon, "将逾期"),
        (Due::Overdue, "已逾期"),
    ] {
        let count = contract::Entity::find()
            .filter(mine_condition(&user))
            .filter(d.condition(today, due_by))
            .count(&ctx.state.core.db)
            .await?;
        filters.push(DueFilter {
            href: match d {
                Due::Any => "/my/contracts".into(),
                d => format!("/my/contracts?due={}", d.as_str()),
            },
            label,
            count,
            current: d == due,
        });
    }
    let rows = contract::Entity::find()
        .filter(mine_condition(&user))
        .filter(due.condition(today, due_by))
        .order_by_desc(contract::Column::Id)
        .limit(LIST_LIMIT)
        .all(&ctx.state.core.db)
        .await?
        .into_iter()
        .map(|c| {
            let (next, href) = next_step(&c);
            ListRow {
                id: c.id,
                approval_code: c.approval_code.clone(),
                name: c.name.clone(),
                category: category_label(&c),
                status_label: status_of(&c).label(),
                next_step: next,
                next_href: href,
                deadline: c.stage_deadline.map(|d| d.to_string()),
                mark: deadline_mark(status_of(&c), c.stage_deadline, today, due_by),
                registration_number: c.registration_number.clone(),
                updated: shanghai_minute(c.updated_at),
            }
        })
        .collect::<Vec<_>>();
    Ok(ctx
        .work(
            &user,
            "我的申请",
            &crumbs()[..1],
            pages::list(&ctx.csrf_token, &filters, &rows),
        )
        .await)
}

#[handler]
async fn create_post(ctx: Ctx, user: Caller) -> Result<Response, WebError> {
    let c = service::create_draft(&ctx.state, &user).await?;
    Ok(ctx.redirect(&format!("/my/contracts/{}/step/1", c.id), None))
}

async fn load_own(ctx: &Ctx, user: &Caller, id: i64) -> Result<Full, WebError> {
    service::own(&ctx.state.core.db, user, id).await?;
    service::load(&ctx.state.core.db, id)
        .await?
        .ok_or(WebError::NotFound)
}

/// The reviewer's comments of the round that was returned.
async fn comments_of(ctx: &Ctx, c: &contract::Model) -> Result<Vec<(String, String)>, WebError> {
    if status_of(c) != Status::Returned {
        return Ok(Vec::new());
    }
    Ok(comment::Entity::find()
        .filter(comment::Column::ContractId.eq(c.id))
        .filter(comment::Column::Round.eq(c.round))
        .order_by_asc(comment::Column::Id)
        .all(&ctx.state.core.db)
        .await?
        .into_iter()
        .map(|m| (m.field, m.comment))
        .collect())
}

/// The step a checked or commented field belongs to.
fn step_of_field(field: &str) -> u8 {
    let head = field.split('.').next().unwrap_or_default();
    match head {
        "category" | "subtype" | "name" | "contract_number" | "signed_on" | "valid_from"
        | "valid_to" | "applicant_side" => 1,
        "parties" => 2,
        "deal_amount" | "deductions" | "payment_method" | "payment_schedule" => 3,
        "tech_field" | "socio_goal" | "project_leader" | "leader_phone" | "summary"
        | "ip_items" => 4,
        "contract" | "attachments" | "kind" | "file" => 5,
        _ => 6,
    }
}

async fn options(d: &Dictionaries, dict: &str) -> Result<Vec<Opt>, WebError> {
    Ok(d.active(dict)
        .await?
        .iter()
        .map(|e| Opt {
            code: e.code.clone(),
            label: e.label.clone(),
        })
        .collect())
}

fn district_options() -> Vec<Opt> {
    SHANGHAI
        .iter()
        .map(|d| Opt {
            code: d.code.into(),
            label: d.name.into(),
        })
        .collect()
}

fn category_options() -> Vec<Opt> {
    FIVE.iter()
        .map(|c| Opt {
            code: c.code.into(),
            label: c.label.into(),
        })
        .collect()
}

fn subtype_options(category: &str) -> Vec<Opt> {
    categories::category(RULES_2026, category)
        .map(|c| {
            c.subtypes
                .iter()
                .map(|s| Opt {
                    code: s.code.into(),
                    label: s.label.into(),
                })
                .collect()
        })
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Form values: flat (name, value) pairs, rows named `prefix.{i}.{field}`.

fn value<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

type Row = BTreeMap<String, String>;

/// The rows of `prefix` in index order (gaps closed).
fn rows_of(fields: &[(String, String)], prefix: &str) -> Vec<Row> {
    let mut rows: BTreeMap<usize, Row> = BTreeMap::new();
    for (k, v) in fields {
        let Some(rest) = k.strip_prefix(prefix).and_then(|r| r.strip_prefix('.')) else {
            continue;
        };
        let Some((i, f)) = rest.split_once('.') else {
            continue;
        };
        if let Ok(i) = i.parse::<usize>()
            && i < 200
        {
            rows.entry(i).or_default().insert(f.to_owned(), v.clone());
        }
    }
    rows.into_values().collect()
}

fn row_fields(prefix: &str, rows: &[Row]) -> Vec<(String, String)> {
    rows.iter()
        .enumerate()
        .flat_map(|(i, r)| {
            r.iter()
                .map(move |(f, v)| (format!("{prefix}.{i}.{f}"), v.clone()))
        })
        .collect()
}

fn cell(r: &Row, f: &str) -> String {
    r.get(f).map(|v| v.trim().to_owned()).unwrap_or_default()
}

fn opt(r: &Row, f: &str) -> Option<String> {
    Some(cell(r, f)).filter(|v| !v.is_empty())
}

/// A row where nothing was typed (selects alone do not count).
fn blank(r: &Row, typed: &[&str]) -> bool {
    typed.iter().all(|f| cell(r, f).is_empty())
}

/// The scalar fields of a post, without the form's machinery.
fn scalars(fields: &[(String, String)]) -> Vec<(String, String)> {
    fields
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "csrf_token" | "op" | "version") && !k.contains('.'))
        .cloned()
        .collect()
}

fn problem(step: u8, field: &str, message: &str) -> Problem {
    Problem {
        step,
        field: field.into(),
        message: message.into(),
    }
}

fn date(s: &str, field: &str, problems: &mut Vec<Problem>) -> Option<NaiveDate> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d");
    if d.is_err() {
        problems.push(problem(1, field, "日期格式应为 年-月-日，例如 2026-03-01"));
    }
    d.ok()
}

fn basics_from(fields: &[(String, String)]) -> (Basics, Vec<Problem>) {
    let mut p = Vec::new();
    let b = Basics {
        category: value(fields, "category").trim().into(),
        subtype: value(fields, "subtype").trim().into(),
        name: value(fields, "name").trim().into(),
        contract_number: value(fields, "contract_number").trim().into(),
        signed_on: date(value(fields, "signed_on"), "signed_on", &mut p),
        valid_from: date(value(fields, "valid_from"), "valid_from", &mut p),
        valid_to: date(value(fields, "valid_to"), "valid_to", &mut p),
        applicant_side: value(fields, "applicant_side").trim().into(),
    };
    (b, p)
}

const PARTY_TYPED: &[&str] = &["name", "credit_code", "country", "contact"];

fn party_from(r: &Row) -> Party {
    let country = opt(r, "country");
    Party {
        role: cell(r, "role"),
        name: cell(r, "name"),
        credit_code: opt(r, "credit_code").map(|c| crate::core::text::normalize_code(&c)),
        region: opt(r, "region").filter(|_| country.is_none()),
        legal_form: opt(r, "legal_form"),
        country,
        contact: cell(r, "contact"),
    }
}

fn party_row(p: &Party) -> Row {
    let mut r = Row::new();
    r.insert("role".into(), p.role.clone());
    r.insert("name".into(), p.name.clone());
    r.insert(
        "credit_code".into(),
        p.credit_code.clone().unwrap_or_default(),
    );
    r.insert("region".into(), p.region.clone().unwrap_or_default());
    r.insert(
        "legal_form".into(),
        p.legal_form.clone().unwrap_or_default(),
    );
    r.insert("country".into(), p.country.clone().unwrap_or_default());
    r.insert("contact".into(), p.contact.clone());
    r
}

fn amounts_from(fields: &[(String, String)], rows: &[Row]) -> (Amounts, Vec<Problem>) {
    let mut p = Vec::new();
    let deal = value(fields, "deal_amount").trim();
    let deal_amount = if deal.is_empty() {
        None
    } else {
        match parse_yuan(deal) {
            Ok(f) => Some(f),
            Err(m) => {
                p.push(problem(3, "deal_amount", m));
                None
            }
        }
    };
    let mut deductions = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let amount = match parse_yuan(&cell(r, "amount")) {
            Ok(f) => f,
            Err(m) => {
                p.push(problem(3, &format!("deductions.{i}.amount"), m));
                0
            }
        };
        deductions.push((cell(r, "item"), amount));
    }
    let a = Amounts {
        deal_amount,
        deductions,
        payment_method: value(fields, "payment_method").trim().into(),
        payment_schedule: value(fields, "payment_schedule").trim().into(),
    };
    (a, p)
}

/// 技术交易额 as the form stands, or a dash while it cannot be computed.
fn tech_amount_text(form: &FormState) -> String {
    let fields = form.values.clone();
    let rows = rows_of(&fields, "deductions");
    let (a, p) = amounts_from(&fields, &rows);
    match a.tech_amount() {
        Some(t) if p.is_empty() => format!("{} 元", format_fen(t)),
        _ => "—".into(),
    }
}

const IP_TYPED: &[&str] = &["number", "owner"];

fn technology_from(fields: &[(String, String)], rows: &[Row]) -> Technology {
    Technology {
        tech_field: value(fields, "tech_field").trim().into(),
        socio_goal: Some(value(fields, "socio_goal").trim().to_owned()).filter(|s| !s.is_empty()),
        project_leader: value(fields, "project_leader").trim().into(),
        leader_phone: value(fields, "leader_phone").trim().into(),
        summary: value(fields, "summary").trim().into(),
        ip_items: rows
            .iter()
            .map(|r| IpItem {
                ip_type: cell(r, "ip_type"),
                number: cell(r, "number"),
                owner: cell(r, "owner"),
            })
            .collect(),
    }
}

/// The form values of a step as saved.
fn saved_values(full: &Full, n: u8) -> Vec<(String, String)> {
    let s = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    let d = |v: Option<NaiveDate>| v.map(|d| d.to_string()).unwrap_or_default();
    match n {
        1 => {
            let b = full.basics();
            vec![
                s("category", &b.category),
                s("subtype", &b.subtype),
                s("name", &b.name),
                s("contract_number", &b.contract_number),
                s("signed_on", &d(b.signed_on)),
                s("valid_from", &d(b.valid_from)),
                s("valid_to", &d(b.valid_to)),
                s("applicant_side", &b.applicant_side),
            ]
        }
        2 => row_fields(
            "parties",
            &full
                .parties_input()
                .iter()
                .map(party_row)
                .collect::<Vec<_>>(),
        ),
        3 => {
            let a = full.amounts();
            let mut v = vec![
                s(
                    "deal_amount",
                    &a.deal_amount.map(input_fen).unwrap_or_default(),
                ),
                s("payment_method", &a.payment_method),
                s("payment_schedule", &a.payment_schedule),
            ];
            for (i, (item, amount)) in a.deductions.iter().enumerate() {
                v.push((format!("deductions.{i}.item"), item.clone()));
                v.push((format!("deductions.{i}.amount"), input_fen(*amount)));
            }
            v
        }
        4 => {
            let t = full.technology();
            let mut v = vec![
                s("tech_field", &t.tech_field),
                s("socio_goal", t.socio_goal.as_deref().unwrap_or_default()),
                s("project_leader", &t.project_leader),
                s("leader_phone", &t.leader_phone),
                s("summary", &t.summary),
            ];
            for (i, ip) in t.ip_items.iter().enumerate() {
                v.push((format!("ip_items.{i}.ip_type"), ip.ip_type.clone()));
                v.push((format!("ip_items.{i}.number"), ip.number.clone()));
                v.push((format!("ip_items.{i}.owner"), ip.owner.clone()));
            }
            v
        }
        _ => Vec::new(),
    }
}

/// The applicant's own side as the first party of a new draft.
async fn prefill_party(ctx: &Ctx, user: &Caller, full: &Full) -> Result<Party, WebError> {
    let side = full.contract.applicant_side.clone();
    if let Some(e) = full.contract.enterprise_id
        && let Some(e) = enterprise::Entity::find_by_id(e)
            .one(&ctx.state.core.db)
            .await?
    {
        return Ok(Party {
            role: side,
            name: e.name,
            credit_code: Some(e.credit_code),
            region: e.district_code,
            legal_form: e.legal_form_code,
            country: None,
            contact: [e.contact_name, e.contact_phone]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" "),
        });
    }
    Ok(Party {
        role: side,
        name: user.user.display_name.clone(),
        ..Default::default()
    })
}

/// Counterparties of the applicant's earlier contracts (smart filling,
/// F36): distinct by credit code (or name), newest first, without the
/// applicant's own side.
async fn party_history(ctx: &Ctx, user: &Caller, id: i64) -> Result<Vec<Party>, WebError> {
    let sides: HashMap<i64, String> = contract::Entity::find()
        .select_only()
        .column(contract::Column::Id)
        .column(contract::Column::ApplicantSide)
        .filter(mine_condition(user))
        .filter(contract::Column::Id.ne(id))
        .order_by_desc(contract::Column::Id)
        .limit(200)
        .into_tuple::<(i64, String)>()
        .all(&ctx.state.core.db)
        .await?
        .into_iter()
        .collect();
    if sides.is_empty() {
        return Ok(Vec::new());
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for p in party::Entity::find()
        .filter(party::Column::ContractId.is_in(sides.keys().copied()))
        .order_by_desc(party::Column::ContractId)
        .order_by_asc(party::Column::Seq)
        .all(&ctx.state.core.db)
        .await?
    {
        if sides.get(&p.contract_id) == Some(&p.role) {
            continue;
        }
        let key = p.credit_code.clone().unwrap_or_else(|| p.name.clone());
        if seen.insert(key) {
            out.push(Party {
                role: p.role,
                name: p.name,
                credit_code: p.credit_code,
                region: p.region,
                legal_form: p.legal_form,
                country: p.country,
                contact: p.contact,
            });
        }
        if out.len() >= HISTORY_LIMIT {
            break;
        }
    }
    Ok(out)
}

/// Distinct (leader, phone, field) of earlier contracts, newest first.
async fn leader_history(
    ctx: &Ctx,
    user: &Caller,
    id: i64,
) -> Result<Vec<(String, String, Option<String>)>, WebError> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for c in contract::Entity::find()
        .filter(mine_condition(user))
        .filter(contract::Column::Id.ne(id))
        .filter(contract::Column::ProjectLeader.ne(""))
        .order_by_desc(contract::Column::Id)
        .limit(200)
        .all(&ctx.state.core.db)
        .await?
    {
        if seen.insert((c.project_leader.clone(), c.leader_phone.clone())) {
            out.push((c.project_leader, c.leader_phone, c.tech_field));
        }
        if out.len() >= HISTORY_LIMIT {
            break;
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Pages

#[handler]
async fn contract_page(ctx: Ctx, user: Caller, Path(id): Path<i64>) -> Result<Response, WebError> {
    let full = load_own(&ctx, &user, id).await?;
    let c = &full.contract;
    if editable(c) {
        let n = first_unfinished(c.steps_done);
        return Ok(ctx.redirect(&format!("/my/contracts/{id}/step/{n}"), None));
    }
    summary_view(&ctx, &user, &full, &FormState::default(), StatusCode::OK).await
}

async fn summary_view(
    ctx: &Ctx,
    user: &Caller,
    full: &service::Full,
    form: &FormState,
    status: StatusCode,
) -> Result<Response, WebError> {
    let c = &full.contract;
    let id = c.id;
    let header = Header {
        id,
        approval_code: &c.approval_code,
        name: &c.name,
        status_label: status_of(c).label(),
        version: c.version,
        steps_done: c.steps_done,
        current: 0,
        steps: &STEPS,
    };
    let notice =
        super::routes::applicant_notice(ctx, &ctx.state.contracts, user, full, form).await?;
    let sections = summary_sections(ctx, full).await?;
    let events = events_of(ctx, id).await?;
    let deadline = c.stage_deadline.map(|d| d.to_string());
    let registered = status_of(c) == Status::Registered;
    let body = pages::summary(
        &ctx.csrf_token,
        &header,
        deadline.as_deref(),
        c.registration_number.as_deref(),
        &sections,
        &attachment_rows(full, false),
        &events,
        status_of(c) == Status::Submitted,
        registered.then_some(form),
    );
    let body = match notice {
        Some(n) => maud::html! { (n) (body) },
        None => body,
    };
    Ok(ctx
        .work_with_status(status, user, "技术合同登记申请", &crumbs(), body)
        .await)
}

/// The applicant's page of a submitted application with `form` (the
/// duplicate explanation) shown again.
pub async fn summary_with(
    ctx: &Ctx,
    user: &Caller,
    id: i64,
    form: &FormState,
    status: StatusCode,
) -> Result<Response, WebError> {
    let full = load_own(ctx, user, id).await?;
    summary_view(ctx, user, &full, form, status).await
}

/// 变更 or 注销 of a registered contract, asked by the applicant with a
/// reason; the city office decides.
async fn after_registration(
    ctx: Ctx,
    user: Caller,
    id: i64,
    fields: Vec<(String, String)>,
    action: Action,
) -> Result<Response, WebError> {
    let full = load_own(&ctx, &user, id).await?;
    if status_of(&full.contract) != Status::Registered {
        return Err(WebError::Conflict(
            "只有已登记的合同可以申请变更或注销；已有申请在审核中时请等待结果。".into(),
        ));
    }
    let mut form = FormState {
        values: fields.clone(),
        ..FormState::default()
    };
    let (key, what) = if action == Action::RequestChange {
        ("reason_change", "变更")
    } else {
        ("reason_cancel", "注销")
    };
    let reason = form.value(key).trim().to_owned();
    if reason.is_empty() {
        form.add_error(key, format!("请写明申请{what}的内容与原因"));
    } else if reason.chars().count() > 2000 {
        form.add_error(key, "说明不能超过 2000 个字");
    }
    if form.has_errors() {
        return summary_view(&ctx, &user, &full, &form, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let version = version_of(&fields)?;
    service::act(
        &ctx.state,
        Some(&user),
        id,
        version,
        action,
        ActInput {
            reason,
            ..Default::default()
        },
    )
    .await?;
    Ok(ctx.redirect(
        &format!("/my/contracts/{id}"),
        Some(Flash {
            kind: FlashKind::Success,
            message: format!("{what}申请已提交，市技术市场办审核后会通知您。"),
        }),
    ))
}

#[handler]
async fn request_change_post(
    ctx: Ctx,
    user: Caller,
    Path(id): Path<i64>,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    after_registration(ctx, user, id, fields, Action::RequestChange).await
}

#[handler]
async fn request_cancel_post(
    ctx: Ctx,
    user: Caller,
    Path(id): Path<i64>,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    after_registration(ctx, user, id, fields, Action::RequestCancel).await
}

async fn events_of(ctx: &Ctx, id: i64) -> Result<Vec<EventRow>, WebError> {
    let label = |s: &str| Status::parse(s).map(|s| s.label()).unwrap_or("—");
    Ok(event::Entity::find()
        .filter(event::Column::ContractId.eq(id))
        .order_by_asc(event::Column::Id)
        .all(&ctx.state.core.db)
        .await?
        .into_iter()
        .map(|e| EventRow {
            at: shanghai_minute(e.at),
            actor: match &e.acting_for {
                Some(f) => format!("{}（代 {f}）", e.actor),
                None => e.actor.clone(),
            },
            action: Action::ALL
                .iter()
                .find(|a| a.as_str() == e.action)
                .map(|a| a.label().to_owned())
                .unwrap_or_else(|| e.action.clone()),
            from: label(&e.from_status).into(),
            to: label(&e.to_status).into(),
            reason: e.reason,
        })
        .collect())
}

fn attachment_rows(full: &Full, editable: bool) -> Vec<AttachmentRow> {
    full.attachments
        .iter()
        .map(|a| AttachmentRow {
            id: a.id,
            kind: ATTACHMENT_KINDS
                .iter()
                .find(|(k, _)| *k == a.kind)
                .map(|(_, l)| l.to_string())
                .unwrap_or_else(|| a.kind.clone()),
            file_name: a.file_name.clone(),
            size: if a.size >= 1024 * 1024 {
                format!("{:.1} MB", a.size as f64 / 1_048_576.0)
            } else if a.size >= 1024 {
                format!("{:.1} KB", a.size as f64 / 1024.0)
            } else {
                format!("{} 字节", a.size)
            },
            uploaded: shanghai_minute(a.uploaded_at),
            removable: editable && a.round >= full.contract.round,
        })
        .collect()
}

/// The whole application read-only, by step.
async fn summary_sections(ctx: &Ctx, full: &Full) -> Result<Vec<Section>, WebError> {
    let d = &ctx.state.dictionaries;
    let labels = |v: std::sync::Arc<Vec<crate::dictionary::Entry>>| {
        v.iter()
            .map(|e| (e.code.clone(), e.label.clone()))
            .collect::<HashMap<_, _>>()
    };
    let forms = labels(d.active(DICT_LEGAL_FORM).await?);
    let fields = labels(d.active(DICT_TECH_FIELD).await?);
    let goals = labels(d.active(DICT_SOCIO_GOAL).await?);
    let ips = labels(d.active(DICT_IP_TYPE).await?);
    let look = |m: &HashMap<String, String>, c: &Option<String>| {
        c.as_ref()
            .map(|c| m.get(c).cloned().unwrap_or_else(|| c.clone()))
            .unwrap_or_default()
    };
    let c = &full.contract;
    let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let kv = |k: &str, v: String| (k.to_owned(), v);
    let role = |r: &str| match r {
        "seller" => "卖方",
        "buyer" => "买方",
        _ => "其他当事人",
    };
    let district = |r: &Option<String>| {
        r.as_ref()
            .map(|r| {
                SHANGHAI
                    .iter()
                    .find(|d| d.code == r)
                    .map(|d| d.name.to_owned())
                    .unwrap_or_else(|| r.clone())
            })
            .unwrap_or_default()
    };
    let parties = full
        .parties
        .iter()
        .map(|p| {
            let place = match &p.country {
                Some(country) => format!("境外（国别 {country}）"),
                None => district(&p.region),
            };
            let detail = [
                p.credit_code.clone().unwrap_or_default(),
                place,
                look(&forms, &p.legal_form),
                p.contact.clone(),
            ]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("，");
            (role(&p.role).to_owned(), format!("{}（{detail}）", p.name))
        })
        .collect();
    let money = |f: Option<i64>| {
        f.map(|f| format!("{} 元", format_fen(f)))
            .unwrap_or_default()
    };
    let mut amounts = vec![kv("成交额", money(c.deal_amount))];
    for d in &full.deductions {
        amounts.push(kv(
            "非技术性费用",
            format!("{}：{}", d.item, money(Some(d.amount))),
        ));
    }
    amounts.push(kv("技术交易额", money(c.tech_amount)));
    if let Some(a) = c.approved_tech_amount {
        amounts.push(kv("核定技术交易额", money(Some(a))));
    }
    amounts.push(kv(
        "支付方式",
        PAYMENT_METHODS
            .iter()
            .find(|(k, _)| *k == c.payment_method)
            .map(|(_, l)| l.to_string())
            .unwrap_or_default(),
    ));
    amounts.push(kv("支付安排", c.payment_schedule.clone()));
    let mut tech = vec![
        kv("技术领域", look(&fields, &c.tech_field)),
        kv("社会经济目标", look(&goals, &c.socio_goal)),
        kv(
            "项目负责人",
            format!("{} {}", c.project_leader, c.leader_phone),
        ),
        kv("技术内容摘要", c.summary.clone()),
    ];
    for ip in &full.ip_items {
        tech.push(kv(
            "知识产权",
            format!(
                "{}：{}（权利人：{}）",
                look(&ips, &Some(ip.ip_type.clone())),
                ip.number,
                ip.owner
            ),
        ));
    }
    let attachments = attachment_rows(full, false)
        .into_iter()
        .map(|a| (a.kind, format!("{}（{}）", a.file_name, a.size)))
        .collect();
    Ok(vec![
        Section {
            step: 1,
            title: "基本信息".into(),
            items: vec![
                kv("合同类别", category_label(c)),
                kv("合同名称", c.name.clone()),
                kv("合同编号", c.contract_number.clone()),
                kv("签订日期", date(c.signed_on)),
                kv(
                    "有效期",
                    format!("{} 至 {}", date(c.valid_from), date(c.valid_to)),
                ),
                kv("申请人身份", role(&c.applicant_side).to_owned()),
            ],
        },
        Section {
            step: 2,
            title: "合同当事人".into(),
            items: parties,
        },
        Section {
            step: 3,
            title: "金额与支付".into(),
            items: amounts,
        },
        Section {
            step: 4,
            title: "技术内容".into(),
            items: tech,
        },
        Section {
            step: 5,
            title: "附件".into(),
            items: attachments,
        },
    ])
}

fn step_number(n: u8) -> Result<u8, WebError> {
    if (1..=6).contains(&n) {
        Ok(n)
    } else {
        Err(WebError::NotFound)
    }
}

#[handler]
async fn step_page(
    ctx: Ctx,
    user: Caller,
    Path((id, n)): Path<(i64, u8)>,
) -> Result<Response, WebError> {
    let n = step_number(n)?;
    let full = load_own(&ctx, &user, id).await?;
    if !editable(&full.contract) {
        return Ok(ctx.redirect(&format!("/my/contracts/{id}"), None));
    }
    let mut values = saved_values(&full, n);
    if n == 2 && full.parties.is_empty() {
        let p = prefill_party(&ctx, &user, &full).await?;
        values = row_fields("parties", &[party_row(&p)]);
    }
    let form = FormState {
        values,
        ..FormState::default()
    };
    render(&ctx, &user, &full, n, &form, StatusCode::OK).await
}

fn rows_in(form: &FormState, prefix: &str) -> usize {
    rows_of(&form.values, prefix).len()
}

/// Renders step `n` with `form` (values and inline errors).
async fn render(
    ctx: &Ctx,
    user: &Caller,
    full: &Full,
    n: u8,
    form: &FormState,
    status: StatusCode,
) -> Result<Response, WebError> {
    let c = &full.contract;
    let comments = comments_of(ctx, c).await?;
    let comments: Vec<(String, String)> = comments
        .into_iter()
        .filter(|(f, _)| n == 6 || step_of_field(f) == n)
        .collect();
    let page = Page {
        csrf: &ctx.csrf_token,
        header: Header {
            id: c.id,
            approval_code: &c.approval_code,
            name: &c.name,
            status_label: status_of(c).label(),
            version: c.version,
            steps_done: c.steps_done,
            current: n,
            steps: &STEPS,
        },
        form,
        comments: &comments,
    };
    let d = &ctx.state.dictionaries;
    let body = match n {
        1 => pages::basics(
            &page,
            &category_options(),
            &subtype_options(form.value("category")),
        ),
        2 => {
            let history: Vec<Opt> = party_history(ctx, user, c.id)
                .await?
                .into_iter()
                .map(|p| Opt {
                    code: p.credit_code.clone().unwrap_or_default(),
                    label: p.name,
                })
                .collect();
            pages::parties(
                &page,
                rows_in(form, "parties"),
                &district_options(),
                &options(d, DICT_LEGAL_FORM).await?,
                &history,
            )
        }
        3 => {
            let methods: Vec<Opt> = PAYMENT_METHODS
                .iter()
                .map(|(c, l)| Opt {
                    code: c.to_string(),
                    label: l.to_string(),
                })
                .collect();
            pages::amounts(
                &page,
                rows_in(form, "deductions"),
                &methods,
                &tech_amount_text(form),
            )
        }
        4 => {
            let fields = options(d, DICT_TECH_FIELD).await?;
            let leaders: Vec<Opt> = leader_history(ctx, user, c.id)
                .await?
                .into_iter()
                .map(|(l, phone, f)| Opt {
                    code: format!("{l} {phone}").trim().to_owned(),
                    label: f
                        .and_then(|f| fields.iter().find(|o| o.code == f))
                        .map(|o| o.label.clone())
                        .unwrap_or_default(),
                })
                .collect();
            pages::technology(
                &page,
                rows_in(form, "ip_items"),
                &TechOptions {
                    fields: &fields,
                    goals: &options(d, DICT_SOCIO_GOAL).await?,
                    ip_types: &options(d, DICT_IP_TYPE).await?,
                    leaders: &leaders,
                    needs_ip: c
                        .category
                        .as_deref()
                        .and_then(|k| categories::category(RULES_2026, k))
                        .is_some_and(|k| k.needs_ip),
                },
            )
        }
        5 => {
            let kinds: Vec<Opt> = ATTACHMENT_KINDS
                .iter()
                .map(|(c, l)| Opt {
                    code: c.to_string(),
                    label: l.to_string(),
                })
                .collect();
            pages::attachments(&page, &kinds, &attachment_rows(full, true))
        }
        _ => {
            let codes = service::codes(&ctx.state).await?;
            let today = shanghai_date(ctx.state.core.clock.now());
            let mut problems: Vec<ProblemRow> = service::check_all(full, &codes, today)
                .into_iter()
                .map(|p| ProblemRow {
                    step: p.step,
                    message: p.message,
                })
                .collect();
            for (field, e) in &form.errors {
                if !problems.iter().any(|p| &p.message == e) && field != "declaration" {
                    problems.push(ProblemRow {
                        step: step_of_field(field),
                        message: e.clone(),
                    });
                }
            }
            let sections = summary_sections(ctx, full).await?;
            let events = events_of(ctx, c.id).await?;
            pages::review(&page, &sections, &problems, &events)
        }
    };
    let title = STEPS
        .iter()
        .find(|(k, _)| *k == n)
        .map(|(_, l)| *l)
        .unwrap_or("申请");
    Ok(ctx
        .work_with_status(status, user, title, &crumbs(), body)
        .await)
}

fn with_problems(values: Vec<(String, String)>, problems: &[Problem]) -> FormState {
    let mut form = FormState {
        values,
        ..FormState::default()
    };
    for p in problems {
        form.add_error(&p.field, p.message.clone());
    }
    form
}

fn version_of(fields: &[(String, String)]) -> Result<i32, WebError> {
    value(fields, "version")
        .trim()
        .parse()
        .map_err(|_| WebError::BadRequest("version".into()))
}

/// Applies a row operation (`add`, `remove:N`); true when it was one.
fn row_op(op: &str, rows: &mut Vec<Row>, new_row: Row) -> bool {
    if op == "add" {
        rows.push(new_row);
        return true;
    }
    if let Some(i) = op
        .strip_prefix("remove:")
        .and_then(|i| i.parse::<usize>().ok())
    {
        if i < rows.len() {
            rows.remove(i);
        }
        return true;
    }
    false
}

#[handler]
async fn step_post(
    ctx: Ctx,
    user: Caller,
    Path((id, n)): Path<(i64, u8)>,
    req: &poem::Request,
    body: poem::Body,
) -> Result<Response, WebError> {
    let n = step_number(n)?;
    if n == 5 {
        let multipart = Multipart::from_request(req, &mut poem::RequestBody::new(body))
            .await
            .map_err(|e| WebError::BadRequest(e.to_string()))?;
        return attachments_post(ctx, user, id, multipart).await;
    }
    let Form(fields): Fields = Form::from_request(req, &mut poem::RequestBody::new(body))
        .await
        .map_err(|e| WebError::BadRequest(e.to_string()))?;
    let full = load_own(&ctx, &user, id).await?;
    if !editable(&full.contract) && n != 6 {
        return Err(WebError::Conflict(
            "该申请已提交，不能再修改；如需修改请等待退回补正或申请撤回。".into(),
        ));
    }
    let op = value(&fields, "op").to_owned();
    let today = shanghai_date(ctx.state.core.clock.now());
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    match n {
        1 => {
            let values = scalars(&fields);
            if op == "refresh" {
                let form = with_problems(values, &[]);
                return render(&ctx, &user, &full, 1, &form, StatusCode::OK).await;
            }
            let (b, mut problems) = basics_from(&fields);
            let version = version_of(&fields)?;
            let parsed: BTreeSet<String> = problems.iter().map(|p| p.field.clone()).collect();
            problems.extend(
                application::check_basics(&b, today)
                    .into_iter()
                    .filter(|p| !parsed.contains(&p.field)),
            );
            if !problems.is_empty() {
                let form = with_problems(values, &problems);
                return render(&ctx, &user, &full, 1, &form, unprocessable).await;
            }
            service::save_basics(&ctx.state, &user, id, version, &b).await?;
        }
        2 => {
            let mut rows = rows_of(&fields, "parties");
            let next_role = if rows.iter().any(|r| cell(r, "role") == "seller") {
                "buyer"
            } else {
                "seller"
            };
            let blank_row = party_row(&Party {
                role: next_role.into(),
                ..Default::default()
            });
            let history_pick = match op
                .strip_prefix("history:")
                .and_then(|k| k.parse::<usize>().ok())
            {
                Some(k) => party_history(&ctx, &user, id).await?.get(k).cloned(),
                None => None,
            };
            if let Some(mut p) = history_pick {
                p.role = next_role.into();
                rows.retain(|r| !blank(r, PARTY_TYPED));
                rows.push(party_row(&p));
                let form = with_problems(row_fields("parties", &rows), &[]);
                return render(&ctx, &user, &full, 2, &form, StatusCode::OK).await;
            }
            if row_op(&op, &mut rows, blank_row) {
                let form = with_problems(row_fields("parties", &rows), &[]);
                return render(&ctx, &user, &full, 2, &form, StatusCode::OK).await;
            }
            rows.retain(|r| !blank(r, PARTY_TYPED));
            let parties: Vec<Party> = rows.iter().map(party_from).collect();
            let codes = service::codes(&ctx.state).await?;
            let problems = application::check_parties(&parties, &codes.legal_forms, &codes.regions);
            if !problems.is_empty() {
                let form = with_problems(row_fields("parties", &rows), &problems);
                return render(&ctx, &user, &full, 2, &form, unprocessable).await;
            }
            let version = version_of(&fields)?;
            service::save_parties(&ctx.state, &user, id, version, &parties).await?;
        }
        3 => {
            let mut rows = rows_of(&fields, "deductions");
            let values = |rows: &[Row]| {
                let mut v = scalars(&fields);
                v.extend(row_fields("deductions", rows));
                v
            };
            let mut new_row = Row::new();
            new_row.insert("item".into(), String::new());
            new_row.insert("amount".into(), String::new());
            if op == "refresh" || row_op(&op, &mut rows, new_row) {
                let form = with_problems(values(&rows), &[]);
                return render(&ctx, &user, &full, 3, &form, StatusCode::OK).await;
            }
            rows.retain(|r| !blank(r, &["item", "amount"]));
            let (a, mut problems) = amounts_from(&fields, &rows);
            let parsed: BTreeSet<String> = problems.iter().map(|p| p.field.clone()).collect();
            problems.extend(
                application::check_amounts(&a)
                    .into_iter()
                    .filter(|p| !parsed.contains(&p.field)),
            );
            if !problems.is_empty() {
                let form = with_problems(values(&rows), &problems);
                return render(&ctx, &user, &full, 3, &form, unprocessable).await;
            }
            let version = version_of(&fields)?;
            service::save_amounts(&ctx.state, &user, id, version, &a).await?;
        }
        4 => {
            let mut rows = rows_of(&fields, "ip_items");
            let mut values = scalars(&fields);
            if let Some(k) = op
                .strip_prefix("history:")
                .and_then(|k| k.parse::<usize>().ok())
            {
                if let Some((leader, phone, field)) =
                    leader_history(&ctx, &user, id).await?.get(k).cloned()
                {
                    values.retain(|(f, _)| {
                        !matches!(f.as_str(), "project_leader" | "leader_phone" | "tech_field")
                            || (f == "tech_field" && field.is_none())
                    });
                    values.push(("project_leader".into(), leader));
                    values.push(("leader_phone".into(), phone));
                    if let Some(f) = field {
                        values.push(("tech_field".into(), f));
                    }
                }
                values.extend(row_fields("ip_items", &rows));
                let form = with_problems(values, &[]);
                return render(&ctx, &user, &full, 4, &form, StatusCode::OK).await;
            }
            let mut new_row = Row::new();
            for f in ["ip_type", "number", "owner"] {
                new_row.insert(f.into(), String::new());
            }
            if row_op(&op, &mut rows, new_row) {
                values.extend(row_fields("ip_items", &rows));
                let form = with_problems(values, &[]);
                return render(&ctx, &user, &full, 4, &form, StatusCode::OK).await;
            }
            rows.retain(|r| !blank(r, IP_TYPED));
            let t = technology_from(&fields, &rows);
            let codes = service::codes(&ctx.state).await?;
            let problems = application::check_technology(
                &t,
                full.contract.category.as_deref().unwrap_or_default(),
                &codes.tech_fields,
                &codes.socio_goals,
                &codes.ip_types,
            );
            values.extend(row_fields("ip_items", &rows));
            if !problems.is_empty() {
                let form = with_problems(values, &problems);
                return render(&ctx, &user, &full, 4, &form, unprocessable).await;
            }
            let version = version_of(&fields)?;
            service::save_technology(&ctx.state, &user, id, version, &t).await?;
        }
        _ => {
            let version = version_of(&fields)?;
            let declared = value(&fields, "declaration") == "1";
            return match service::submit(&ctx.state, &user, id, version, declared).await {
                // F30: refused at once for a blocking anomaly; say why.
                Ok(c) if c.status == Status::NotAccepted.as_str() => {
                    let reason = super::refusals::automatic_refusal(&ctx.state.core.db, id)
                        .await?
                        .map(|e| e.reason)
                        .unwrap_or_else(|| "系统自动不予受理。".into());
                    Ok(ctx.redirect(
                        &format!("/my/contracts/{id}"),
                        Some(Flash {
                            kind: FlashKind::Error,
                            message: format!(
                                "申请未被受理（统一审批编码 {}）。{reason}",
                                c.approval_code
                            ),
                        }),
                    ))
                }
                Ok(c) => {
                    let after = service::load(&ctx.state.core.db, id)
                        .await?
                        .ok_or(WebError::NotFound)?;
                    let dups = super::duplicate_cases::exact_for_applicant(
                        &ctx.state.duplicates,
                        &ctx.state.core.db,
                        &after,
                    )
                    .await?;
                    let (kind, message) = if dups.is_empty() {
                        (
                            FlashKind::Success,
                            format!(
                                "申请已提交（统一审批编码 {}），请等待登记处受理。",
                                c.approval_code
                            ),
                        )
                    } else {
                        (
                            FlashKind::Warning,
                            format!(
                                "申请已提交（统一审批编码 {}），但系统发现 {} 份与本申请重复的合同：请在下方说明情况或撤回申请。",
                                c.approval_code,
                                dups.len()
                            ),
                        )
                    };
                    Ok(ctx.redirect(
                        &format!("/my/contracts/{id}"),
                        Some(Flash { kind, message }),
                    ))
                }
                Err(SubmitError::Problems(problems)) => {
                    let mut form = with_problems(scalars(&fields), &problems);
                    if !declared {
                        form.values.retain(|(k, _)| k != "declaration");
                    }
                    render(&ctx, &user, &full, 6, &form, unprocessable).await
                }
                Err(SubmitError::NoOffice) => {
                    let mut form = with_problems(scalars(&fields), &[]);
                    form.message = Some(
                        "暂无负责受理本单位申请的登记处（未设置对口登记处或所在区尚未设立登记处），申请未提交。请联系市技术市场办公室。"
                            .into(),
                    );
                    render(&ctx, &user, &full, 6, &form, unprocessable).await
                }
                Err(SubmitError::Web(e)) => Err(e),
            };
        }
    }
    Ok(ctx.redirect(&format!("/my/contracts/{id}/step/{}", n + 1), None))
}

async fn attachments_post(
    ctx: Ctx,
    user: Caller,
    id: i64,
    mut multipart: Multipart,
) -> Result<Response, WebError> {
    let mut version = None;
    let mut kind = String::new();
    let mut op = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| WebError::BadRequest(e.to_string()))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let bytes = field
            .bytes()
            .await
            .map_err(|e| WebError::BadRequest(e.to_string()))?;
        let text = || String::from_utf8_lossy(&bytes).trim().to_owned();
        match name.as_str() {
            "version" => version = text().parse::<i32>().ok(),
            "kind" => kind = text(),
            "op" => op = text(),
            "file" => file = Some((file_name.unwrap_or_default(), bytes)),
            _ => {}
        }
    }
    let version = version.ok_or_else(|| WebError::BadRequest("version".into()))?;
    if let Some(aid) = op
        .strip_prefix("remove:")
        .and_then(|a| a.parse::<i64>().ok())
    {
        service::remove_attachment(&ctx.state, &user, id, version, aid).await?;
        return Ok(ctx.redirect(
            &format!("/my/contracts/{id}/step/5"),
            Some(Flash {
                kind: FlashKind::Success,
                message: "附件已删除。".into(),
            }),
        ));
    }
    let (file_name, bytes) = file.unwrap_or_default();
    let outcome =
        service::add_attachment(&ctx.state, &user, id, version, &kind, &file_name, &bytes).await?;
    match outcome {
        Ok(()) => Ok(ctx.redirect(
            &format!("/my/contracts/{id}/step/5"),
            Some(Flash {
                kind: FlashKind::Success,
                message: format!("已上传：{file_name}"),
            }),
        )),
        Err(message) => {
            let full = load_own(&ctx, &user, id).await?;
            let mut form = FormState {
                values: vec![("kind".into(), kind.clone())],
                ..FormState::default()
            };
            let field = if ATTACHMENT_KINDS.iter().any(|(k, _)| *k == kind) {
                "file"
            } else {
                "kind"
            };
            form.add_error(
                field,
                if bytes.is_empty() && field == "file" {
                    "请选择要上传的文件（文件为空）".to_owned()
                } else {
                    message
                },
            );
            render(
                &ctx,
                &user,
                &full,
                5,
                &form,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[handler]
async fn withdraw_post(
    ctx: Ctx,
    user: Caller,
    Path(id): Path<i64>,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    let c = service::own(&ctx.state.core.db, &user, id).await?;
    if status_of(&c) != Status::Submitted {
        return Err(WebError::Conflict(
            "只有登记处受理前的申请可以撤回。".into(),
        ));
    }
    let version = version_of(&fields)?;
    service::act(
        &ctx.state,
        Some(&user),
        id,
        version,
        Action::Withdraw,
        ActInput::default(),
    )
    .await?;
    Ok(ctx.redirect(
        &format!("/my/contracts/{id}"),
        Some(Flash {
            kind: FlashKind::Success,
            message: "申请已撤回。".into(),
        }),
    ))
}

#[handler]
async fn attachment_get(
    ctx: Ctx,
    user: Caller,
    Path((id, aid)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    service::own(&ctx.state.core.db, &user, id).await?;
    let a = attachment::Entity::find_by_id(aid)
        .one(&ctx.state.core.db)
        .await?
        .filter(|a| a.contract_id == id)
        .ok_or(WebError::NotFound)?;
    let (bytes, content_type) = ctx
        .state
        .files
        .load(&a.digest)
        .await
        .map_err(|e| WebError::Internal(anyhow::anyhow!(e.to_string())))?
        .ok_or(WebError::NotFound)?;
    let ascii: String = a
        .file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok(bytes
        .with_content_type(content_type)
        .with_header(
            "content-disposition",
            format!(
                "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
                urlencoding(&a.file_name)
            ),
        )
        .with_header("cache-control", "no-store")
        .into_response())
}

fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn rows_are_collected_in_order_and_renumbered() {
        let fields = f(&[
            ("parties.3.name", "丙"),
            ("parties.0.name", "甲"),
            ("parties.0.role", "seller"),
            ("parties.x.name", "ignored"),
            ("name", "合同"),
        ]);
        let rows = rows_of(&fields, "parties");
        assert_eq!(rows.len(), 2);
        assert_eq!(cell(&rows[1], "name"), "丙");
        let flat = row_fields("parties", &rows);
        assert!(flat.contains(&("parties.1.name".into(), "丙".into())));
    }

    #[test]
    fn the_first_unfinished_step_is_resumed() {
        assert_eq!(first_unfinished(0), 1);
        assert_eq!(first_unfinished(0b1011), 3);
        assert_eq!(first_unfinished(0b11111), 6);
    }

    #[test]
    fn bad_amounts_name_their_field() {
        let fields = f(&[("deal_amount", "abc"), ("payment_method", "lump_sum")]);
        let rows = vec![Row::from([
            ("item".to_string(), "设备".to_string()),
            ("amount".to_string(), "x".to_string()),
        ])];
        let (_, p) = amounts_from(&fields, &rows);
        let names: Vec<_> = p.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(names, ["deal_amount", "deductions.0.amount"]);
    }
}
