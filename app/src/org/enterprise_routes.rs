//! Enterprise screens: the list with filters and bulk reassignment, the
//! detail page (data, office, users, contracts, history) with edit and
//! reassignment, and the list import with a dry-run preview.
//!
//! Holders of `enterprise.manage` with scope "all" (the city office, system
//! admins) see and change every enterprise; office staff who verify claims
//! see, read-only, the enterprises their office is responsible for today.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use poem::http::StatusCode;
use poem::web::{Form, Multipart, Path, Query};
use poem::{Response, Route, get, handler, post};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Deserialize;
use serde_json::{Value, json};
use techreg_entities::contract::contract;
use techreg_entities::identity::app_user;
use techreg_entities::org::{enterprise, enterprise_assignment, enterprise_history, office};
use techreg_views::components::{Crumb, Flash, FlashKind};
use techreg_views::pages::enterprises::{
    self as pages, AssignmentRow, ContractRow, DetailView, EnterpriseRow, HistoryRow, Info,
    LegalForm, ListView, OfficeOption, Preview, PreviewRow, UserRow,
};
use techreg_views::pages::identity::FormState;

use super::enterprise_import::{self, Action, COLUMNS};
use super::enterprises::{self, ReassignError};
use super::service::STATUS_ACTIVE;
use crate::audit::{self, Entry, Outcome};
use crate::core::Caller;
use crate::core::Scope;
use crate::dictionary::DICT_LEGAL_FORM;
use crate::dictionary::districts::{self, SHANGHAI};
use crate::security::rbac::perm;
use crate::tabular;
use crate::web::form::from_pairs as form_from;
use crate::web::{Ctx, WebError};

type Fields = Form<Vec<(String, String)>>;

/// Most enterprises one bulk reassignment may touch.
const BULK_LIMIT: usize = 20_000;
/// Largest import file accepted.
/// Rows of the plan shown in the preview.
const PREVIEW_ROWS: usize = 100;

pub fn routes(route: Route) -> Route {
    route
        .at("/admin/enterprises", get(list_page))
        .at("/admin/enterprises/reassign", post(bulk_reassign_post))
        .at(
            "/admin/enterprises/import",
            get(import_page).post(import_post),
        )
        .at(
            "/admin/enterprises/import/confirm",
            post(import_confirm_post),
        )
        .at("/admin/enterprises/:id", get(detail_page).post(edit_post))
        .at("/admin/enterprises/:id/reassign", post(reassign_post))
}

/// Which enterprises the user may see: all, or those of some offices.
enum Visible {
    All,
    Offices(Vec<i64>),
}

fn visible(user: &Caller) -> Result<Visible, WebError> {
    let mut offices = Vec::new();
    for g in &user.grants.0 {
        if !(g.permissions.contains(perm::ENTERPRISE_MANAGE)
            || g.permissions.contains(perm::ENTERPRISE_VERIFY))
        {
            continue;
        }
        match g.scope {
            Scope::All => return Ok(Visible::All),
            Scope::Office(id) => offices.push(id),
            _ => {}
        }
    }
    if offices.is_empty() {
        Err(WebError::Forbidden("missing permission"))
    } else {
        Ok(Visible::Offices(offices))
    }
}

fn can_manage(user: &Caller) -> bool {
    user.grants
        .0
        .iter()
        .any(|g| g.permissions.contains(perm::ENTERPRISE_MANAGE) && g.scope == Scope::All)
}

fn require_manage(user: &Caller) -> Result<(), WebError> {
    if can_manage(user) {
        Ok(())
    } else {
        Err(WebError::Forbidden("missing permission"))
    }
}

fn crumbs() -> Vec<Crumb> {
    vec![
        Crumb {
            label: "工作台".into(),
            href: Some("/my".into()),
        },
        Crumb {
            label: "企业与对口关系".into(),
            href: Some("/admin/enterprises".into()),
        },
    ]
}

fn today(ctx: &Ctx) -> NaiveDate {
    crate::core::clock::shanghai_date(ctx.state.core.clock.now())
}

fn source_label(source: &str) -> &'static str {
    match source {
        "import" => "导入",
        "demo" => "演示数据",
        _ => "用户注册",
    }
}

fn status_label(status: &str) -> &'static str {
    if status == crate::identity::ENTERPRISE_VERIFIED {
        "已认证"
    } else {
        "未认证"
    }
}

/// Marks of an enterprise; integrity listing and anomalies come from their
/// tables as of today (`integrity::service::marks`), not from flags.
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

fn district_name(code: Option<&str>) -> String {
    code.and_then(districts::name_of).unwrap_or("").to_owned()
}

async fn office_names(ctx: &Ctx) -> Result<BTreeMap<i64, office::Model>, WebError> {
    Ok(office::Entity::find()
        .order_by_asc(office::Column::Code)
        .all(&ctx.state.core.db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect())
}

fn option(o: &office::Model) -> OfficeOption {
    OfficeOption {
        id: o.id,
        label: format!("{}（{}）", o.name, o.code),
    }
}

/// Active legal forms (code, label) from the data dictionary.
async fn active_legal_forms(ctx: &Ctx) -> Result<Vec<(String, String)>, WebError> {
    Ok(ctx
        .state
        .dictionaries
        .active(DICT_LEGAL_FORM)
        .await?
        .iter()
        .map(|e| (e.code.clone(), e.label.clone()))
        .collect())
}

/// The choices of the edit form: active legal forms, plus the enterprise's
/// current one if it has since been deactivated.
async fn legal_forms(ctx: &Ctx, current: Option<&str>) -> Result<Vec<LegalForm>, WebError> {
    Ok(ctx
        .state
        .dictionaries
        .entries(DICT_LEGAL_FORM)
        .await?
        .iter()
        .filter(|e| e.active || Some(e.code.as_str()) == current)
        .map(|e| LegalForm {
            code: e.code.clone(),
            label: format!("{} {}", e.code, e.label),
        })
        .collect())
}

#[derive(Deserialize, Default, Clone)]
struct ListQuery {
    q: Option<String>,
    office: Option<String>,
    district: Option<String>,
    unassigned: Option<String>,
    after: Option<i64>,
}

impl ListQuery {
    fn from_fields(fields: &[(String, String)]) -> Self {
        let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        ListQuery {
            q: get("q"),
            office: get("filter_office"),
            district: get("district"),
            unassigned: get("unassigned"),
            after: None,
        }
    }

    fn query_string(&self) -> String {
        serde_urlencoded::to_string([
            ("q", self.q.clone().unwrap_or_default()),
            ("office", self.office.clone().unwrap_or_default()),
            ("district", self.district.clone().unwrap_or_default()),
            ("unassigned", self.unassigned.clone().unwrap_or_default()),
        ])
        .unwrap_or_default()
    }
}

/// The filter as a condition on `enterprise`.
fn condition(q: &ListQuery, vis: &Visible, on: NaiveDate) -> Condition {
    let mut c = Condition::all();
    let text = q.q.as_deref().unwrap_or("").trim();
    if !text.is_empty() {
        let code = crate::core::text::normalize_code(text);
        c = c.add(
            Condition::any()
                .add(enterprise::Column::Name.like(format!("%{text}%")))
                .add(enterprise::Column::CreditCode.like(format!("{code}%"))),
        );
    }
    if let Some(d) = q.district.as_deref().filter(|d| !d.is_empty()) {
        c = c.add(enterprise::Column::DistrictCode.eq(d));
    }
    if let Some(o) = q.office.as_deref().and_then(|o| o.parse::<i64>().ok()) {
        c = c.add(enterprises::assigned_to(o, on));
    }
    if q.unassigned.as_deref() == Some("1") {
        c = c.add(enterprises::unassigned(on));
    }
    if let Visible::Offices(ids) = vis {
        let mut any = Condition::any();
        for id in ids {
            any = any.add(enterprises::assigned_to(*id, on));
        }
        c = c.add(any);
    }
    c
}

async fn page_size(ctx: &Ctx) -> u64 {
    ctx.state
        .settings
        .get_i64("ui.page_size")
        .await
        .unwrap_or(50)
        .clamp(10, 500) as u64
}

async fn list_view(
    ctx: &Ctx,
    user: &Caller,
    q: &ListQuery,
    form: &FormState,
    status: StatusCode,
) -> Result<Response, WebError> {
    let vis = visible(user)?;
    let on = today(ctx);
    let cond = condition(q, &vis, on);
    let size = page_size(ctx).await;
    let matching = enterprise::Entity::find()
        .filter(cond.clone())
        .count(&ctx.state.core.db)
        .await?;
    let mut select = enterprise::Entity::find()
        .filter(cond)
        .order_by_desc(enterprise::Column::Id)
        .limit(size + 1);
    if let Some(after) = q.after {
        select = select.filter(enterprise::Column::Id.lt(after));
    }
    let mut found = select.all(&ctx.state.core.db).await?;
    let next_after = (found.len() as u64 > size).then(|| {
        found.truncate(size as usize);
        found.last().map(|e| e.id)
    });
    let ids: Vec<i64> = found.iter().map(|e| e.id).collect();
    let assigned = enterprises::assignments_on(&ctx.state.core.db, &ids, on).await?;
    let (listed, anomalous) =
        crate::integrity::service::marks(&ctx.state.core.db, &ids, on).await?;
    let offices = office_names(ctx).await?;
    let name_of = |id: i64| offices.get(&id).map(|o| o.name.clone()).unwrap_or_default();
    let rows: Vec<EnterpriseRow> = found
        .iter()
        .map(|e| EnterpriseRow {
            id: e.id,
            credit_code: e.credit_code.clone(),
            name: e.name.clone(),
            district: district_name(e.district_code.as_deref()),
            office: assigned
                .current
                .get(&e.id)
                .map(|a| name_of(a.office_id))
                .unwrap_or_else(|| "（未对口）".into()),
            scheduled: assigned
                .scheduled
                .get(&e.id)
                .map(|a| format!("{}（{} 起）", name_of(a.office_id), a.valid_from)),
            source: source_label(&e.source),
            flags: flags(e, listed.contains(&e.id), anomalous.contains(&e.id)),
        })
        .collect();
    let filter_offices: Vec<OfficeOption> = offices
        .values()
        .filter(|o| match &vis {
            Visible::All => true,
            Visible::Offices(ids) => ids.contains(&o.id),
        })
        .map(option)
        .collect();
    let target_offices: Vec<OfficeOption> = offices
        .values()
        .filter(|o| o.status == STATUS_ACTIVE)
        .map(option)
        .collect();
    let today = on.to_string();
    let view = ListView {
        filter: pages::Filter {
            q: q.q.as_deref().unwrap_or(""),
            office: q.office.as_deref().unwrap_or(""),
            district: q.district.as_deref().unwrap_or(""),
            unassigned: q.unassigned.as_deref() == Some("1"),
            query: q.query_string(),
        },
        rows: &rows,
        next_after: next_after.flatten(),
        matching,
        can_manage: can_manage(user),
        filter_offices: &filter_offices,
        target_offices: &target_offices,
        today: &today,
    };
    let body = pages::list(&ctx.csrf_token, &view, form, SHANGHAI);
    Ok(ctx
        .work_with_status(status, user, "企业与对口关系", &crumbs()[..1], body)
        .await)
}

#[handler]
async fn list_page(
    ctx: Ctx,
    user: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    list_view(&ctx, &user, &q, &FormState::default(), StatusCode::OK).await
}

/// Checked reassignment fields: target office, effective date, reason.
struct ReassignInput {
    office_id: i64,
    effective: NaiveDate,
    reason: String,
}

fn check_reassign(ctx: &Ctx, form: &mut FormState) -> Option<ReassignInput> {
    let office_id = form.value("office_id").parse::<i64>().ok();
    if office_id.is_none() {
        form.add_error("office_id", "请选择登记处");
    }
    let today = today(ctx);
    let effective = NaiveDate::parse_from_str(form.value("effective").trim(), "%Y-%m-%d").ok();
    match effective {
        None => form.add_error("effective", "请填写生效日期（年-月-日）"),
        Some(d) if d > today + chrono::Days::new(366) => {
            form.add_error("effective", "生效日期不能晚于一年以后")
        }
        _ => {}
    }
    let reason = form.value("reason").trim().to_owned();
    if reason.is_empty() {
        form.add_error("reason", "请填写调整原因");
    } else if reason.chars().count() > 200 {
        form.add_error("reason", "调整原因不能超过 200 个字");
    }
    Some(ReassignInput {
        office_id: office_id?,
        effective: effective?,
        reason,
    })
    .filter(|_| !form.has_errors())
}

fn reassign_message(e: &ReassignError) -> Option<(&'static str, String)> {
    match e {
        ReassignError::OfficeUnavailable => Some(("office_id", e.to_string())),
        ReassignError::BeforeCurrent { .. } => Some(("effective", e.to_string())),
        ReassignError::Db(_) => None,
    }
}

#[handler]
async fn bulk_reassign_post(
    ctx: Ctx,
    user: Caller,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    require_manage(&user)?;
    let q = ListQuery::from_fields(&fields);
    let mut form = form_from(&fields);
    let input = check_reassign(&ctx, &mut form);
    let on = today(&ctx);
    let ids: Vec<i64> = if form.value("scope") == "all" {
        enterprise::Entity::find()
            .select_only()
            .column(enterprise::Column::Id)
            .filter(condition(&q, &Visible::All, on))
            .order_by_asc(enterprise::Column::Id)
            .limit(BULK_LIMIT as u64 + 1)
            .into_tuple::<i64>()
            .all(&ctx.state.core.db)
            .await?
    } else {
        let picked: Vec<i64> = fields
            .iter()
            .filter(|(k, _)| k == "ids")
            .filter_map(|(_, v)| v.parse().ok())
            .collect();
        // Only ids that exist count; the rest were never shown.
        enterprise::Entity::find()
            .select_only()
            .column(enterprise::Column::Id)
            .filter(enterprise::Column::Id.is_in(picked.into_iter().take(BULK_LIMIT + 1)))
            .into_tuple::<i64>()
            .all(&ctx.state.core.db)
            .await?
    };
    if ids.is_empty() {
        form.message = Some("请勾选要调整的企业，或选择“符合当前筛选条件的全部企业”".into());
    } else if ids.len() > BULK_LIMIT {
        form.message = Some(format!("一次最多调整 {BULK_LIMIT} 家企业，请缩小筛选范围"));
    }
    let Some(i) = input.filter(|_| !form.has_errors()) else {
        return list_view(&ctx, &user, &q, &form, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    let done = match enterprises::reassign_many(
        &txn,
        &ids,
        i.office_id,
        i.effective,
        &i.reason,
        &user.user.username,
        now,
    )
    .await
    {
        Ok(d) => d,
        Err(e) => {
            drop(txn);
            let Some((field, message)) = reassign_message(&e) else {
                return Err(WebError::Internal(e.into()));
            };
            form.add_error(field, message);
            return list_view(&ctx, &user, &q, &form, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry {
            action: "enterprise.reassign",
            object_type: Some("office"),
            object_id: Some(i.office_id.to_string()),
            outcome: Outcome::Success,
            detail: json!({
                "enterprises": done.changed, "unchanged": done.unchanged,
                "effective": i.effective.to_string(), "reason": i.reason,
            }),
        },
    )
    .await?;
    txn.commit().await?;
    let mut message = format!("已调整 {} 家企业的对口登记处", done.changed.len());
    if done.unchanged > 0 {
        message.push_str(&format!(
            "；{} 家原已对口该登记处，未作改动",
            done.unchanged
        ));
    }
    message.push('。');
    Ok(ctx.redirect(
        &format!("/admin/enterprises?{}", q.query_string()),
        Some(Flash {
            kind: FlashKind::Success,
            message,
        }),
    ))
}

async fn find(ctx: &Ctx, user: &Caller, id: i64) -> Result<enterprise::Model, WebError> {
    let vis = visible(user)?;
    let e = enterprise::Entity::find_by_id(id)
        .one(&ctx.state.core.db)
        .await?
        .ok_or(WebError::NotFound)?;
    if let Visible::Offices(ids) = vis {
        let on = today(ctx);
        let current = crate::org::service::responsible_office(&ctx.state.core.db, id, on).await?;
        if !current.is_some_and(|o| ids.contains(&o)) {
            return Err(WebError::NotFound);
        }
    }
    Ok(e)
}

fn edit_form_of(e: &enterprise::Model) -> FormState {
    FormState {
        values: vec![
            ("name".into(), e.name.clone()),
            (
                "legal_form_code".into(),
                e.legal_form_code.clone().unwrap_or_default(),
            ),
            (
                "district".into(),
                e.district_code.clone().unwrap_or_default(),
            ),
            ("address".into(), e.address.clone()),
            ("legal_rep".into(), e.legal_rep.clone()),
            ("contact_name".into(), e.contact_name.clone()),
            ("contact_phone".into(), e.contact_phone.clone()),
        ],
        ..FormState::default()
    }
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

async fn detail_view(
    ctx: &Ctx,
    user: &Caller,
    e: &enterprise::Model,
    edit: &FormState,
    reassign: &FormState,
    status: StatusCode,
) -> Result<Response, WebError> {
    let db = &ctx.state.core.db;
    let on = today(ctx);
    let offices = office_names(ctx).await?;
    let name_of = |id: i64| offices.get(&id).map(|o| o.name.clone()).unwrap_or_default();
    let rows = enterprise_assignment::Entity::find()
        .filter(enterprise_assignment::Column::EnterpriseId.eq(e.id))
        .order_by_desc(enterprise_assignment::Column::ValidFrom)
        .order_by_desc(enterprise_assignment::Column::Id)
        .all(db)
        .await?;
    let current = rows
        .iter()
        .find(|a| a.valid_from <= on && a.valid_to.is_none_or(|t| t > on))
        .map(|a| name_of(a.office_id))
        .unwrap_or_else(|| "（未对口）".into());
    let scheduled = rows
        .iter()
        .find(|a| a.valid_from > on)
        .map(|a| format!("{}（{} 起）", name_of(a.office_id), a.valid_from));
    let assignments: Vec<AssignmentRow> = rows
        .iter()
        .map(|a| AssignmentRow {
            office: name_of(a.office_id),
            from: a.valid_from.to_string(),
            to: a.valid_to.map(|d| d.to_string()).unwrap_or_default(),
            reason: a.reason.clone(),
            actor: a.actor.clone(),
        })
        .collect();
    let users: Vec<UserRow> = app_user::Entity::find()
        .filter(app_user::Column::EnterpriseId.eq(e.id))
        .order_by_asc(app_user::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|u| UserRow {
            status: crate::identity::user_status_label(&u.status).to_owned(),
            username: u.username,
            display_name: u.display_name,
            is_admin: u.is_enterprise_admin,
        })
        .collect();
    let contracts: Vec<ContractRow> = contract::Entity::find()
        .filter(contract::Column::EnterpriseId.eq(e.id))
        .order_by_desc(contract::Column::Id)
        .limit(100)
        .all(db)
        .await?
        .into_iter()
        .map(|c| ContractRow {
            id: c.id,
            status: c.status,
            submitted: c
                .submitted_at
                .map(crate::core::clock::shanghai_minute)
                .unwrap_or_default(),
        })
        .collect();
    let history: Vec<HistoryRow> = enterprise_history::Entity::find()
        .filter(enterprise_history::Column::EnterpriseId.eq(e.id))
        .order_by_desc(enterprise_history::Column::Id)
        .limit(200)
        .all(db)
        .await?
        .into_iter()
        .map(|h| HistoryRow {
            at: crate::core::clock::shanghai_minute(h.at),
            actor: h.actor,
            action: history_label(&h.action),
            change: h.change,
        })
        .collect();
    let created = crate::core::clock::shanghai_minute(e.created_at);
    let target_offices: Vec<OfficeOption> = offices
        .values()
        .filter(|o| o.status == STATUS_ACTIVE)
        .map(option)
        .collect();
    let legal_forms = legal_forms(ctx, e.legal_form_code.as_deref()).await?;
    let (listed, anomalous) = crate::integrity::service::marks(db, &[e.id], on).await?;
    let today = on.to_string();
    let view = DetailView {
        info: Info {
            id: e.id,
            version: e.version,
            credit_code: &e.credit_code,
            status: status_label(&e.status),
            source: source_label(&e.source),
            office: &current,
            scheduled: scheduled.as_deref(),
            flags: flags(e, !listed.is_empty(), !anomalous.is_empty()),
            created: &created,
        },
        can_manage: can_manage(user),
        legal_forms: &legal_forms,
        target_offices: &target_offices,
        today: &today,
        assignments: &assignments,
        users: &users,
        contracts: &contracts,
        history: &history,
    };
    let body = pages::detail(&ctx.csrf_token, &view, edit, reassign, SHANGHAI);
    Ok(ctx
        .work_with_status(status, user, &e.name, &crumbs(), body)
        .await)
}

#[handler]
async fn detail_page(ctx: Ctx, user: Caller, Path(id): Path<i64>) -> Result<Response, WebError> {
    let e = find(&ctx, &user, id).await?;
    detail_view(
        &ctx,
        &user,
        &e,
        &edit_form_of(&e),
        &FormState::default(),
        StatusCode::OK,
    )
    .await
}

fn snapshot(e: &enterprise::Model) -> Value {
    json!({
        "name": e.name, "legal_form_code": e.legal_form_code, "district": e.district_code,
        "address": e.address, "legal_rep": e.legal_rep,
        "contact_name": e.contact_name, "contact_phone": e.contact_phone,
    })
}

#[handler]
async fn edit_post(
    ctx: Ctx,
    user: Caller,
    Path(id): Path<i64>,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    require_manage(&user)?;
    let before = find(&ctx, &user, id).await?;
    let mut form = form_from(&fields);
    let name = form.value("name").trim().to_owned();
    if !(2..=200).contains(&name.chars().count()) {
        form.add_error("name", "请填写单位名称（2–200 个字）");
    }
    let legal_form = Some(crate::core::text::normalize_code(
        form.value("legal_form_code"),
    ))
    .filter(|c| !c.is_empty());
    if let Some(c) = &legal_form
        && legal_form != before.legal_form_code
        && !ctx
            .state
            .dictionaries
            .is_active_code(DICT_LEGAL_FORM, c)
            .await?
    {
        form.add_error("legal_form_code", "请从列表中选择法人类型");
    }
    let district = Some(form.value("district").to_owned()).filter(|d| !d.is_empty());
    if district
        .as_deref()
        .is_some_and(|d| districts::name_of(d).is_none())
    {
        form.add_error("district", "所在区无效");
    }
    let limited = |form: &mut FormState, key: &str, label: &str, max: usize| {
        let v = form.value(key).trim().to_owned();
        if v.chars().count() > max {
            form.add_error(key, format!("{label}不能超过 {max} 个字"));
        }
        v
    };
    let address = limited(&mut form, "address", "地址", 200);
    let legal_rep = limited(&mut form, "legal_rep", "法定代表人", 50);
    let contact_name = limited(&mut form, "contact_name", "联系人", 50);
    let contact_phone = limited(&mut form, "contact_phone", "联系电话", 30);
    if form.has_errors() {
        return detail_view(
            &ctx,
            &user,
            &before,
            &form,
            &FormState::default(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let version: i32 = form.value("version").parse().unwrap_or(-1);
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    let changed = enterprise::Entity::update_many()
        .col_expr(enterprise::Column::Name, Expr::value(name))
        .col_expr(enterprise::Column::LegalFormCode, Expr::value(legal_form))
        .col_expr(enterprise::Column::DistrictCode, Expr::value(district))
        .col_expr(enterprise::Column::Address, Expr::value(address))
        .col_expr(enterprise::Column::LegalRep, Expr::value(legal_rep))
        .col_expr(enterprise::Column::ContactName, Expr::value(contact_name))
        .col_expr(enterprise::Column::ContactPhone, Expr::value(contact_phone))
        .col_expr(enterprise::Column::UpdatedAt, Expr::value(now))
        .col_expr(enterprise::Column::Version, Expr::value(before.version + 1))
        .filter(enterprise::Column::Id.eq(id))
        .filter(enterprise::Column::Version.eq(version))
        .exec(&txn)
        .await?
        .rows_affected;
    if changed == 0 {
        return Err(WebError::Conflict(
            "该企业信息已被他人修改，请刷新后重试。".into(),
        ));
    }
    let after = enterprise::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(WebError::NotFound)?;
    let change = json!({ "before": snapshot(&before), "after": snapshot(&after) });
    enterprises::history(&txn, id, &user.user.username, "edit", change.clone(), now).await?;
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry {
            action: "enterprise.edit",
            object_type: Some("enterprise"),
            object_id: Some(id.to_string()),
            outcome: Outcome::Success,
            detail: change,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(ctx.redirect(
        &format!("/admin/enterprises/{id}"),
        Some(Flash {
            kind: FlashKind::Success,
            message: "已保存。".into(),
        }),
    ))
}

#[handler]
async fn reassign_post(
    ctx: Ctx,
    user: Caller,
    Path(id): Path<i64>,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    require_manage(&user)?;
    let e = find(&ctx, &user, id).await?;
    let mut form = form_from(&fields);
    let input = check_reassign(&ctx, &mut form);
    let invalid = |form: FormState| {
        let ctx = &ctx;
        let user = &user;
        let e = &e;
        async move {
            detail_view(
                ctx,
                user,
                e,
                &edit_form_of(e),
                &form,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    let Some(i) = input else {
        return invalid(form).await;
    };
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    let done = match enterprises::reassign_many(
        &txn,
        &[id],
        i.office_id,
        i.effective,
        &i.reason,
        &user.user.username,
        now,
    )
    .await
    {
        Ok(d) => d,
        Err(err) => {
            drop(txn);
            let Some((field, message)) = reassign_message(&err) else {
                return Err(WebError::Internal(err.into()));
            };
            form.add_error(field, message);
            return invalid(form).await;
        }
    };
    if done.changed.is_empty() {
        drop(txn);
        form.add_error("office_id", "该企业在此日期已对口该登记处");
        return invalid(form).await;
    }
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry {
            action: "enterprise.reassign",
            object_type: Some("enterprise"),
            object_id: Some(id.to_string()),
            outcome: Outcome::Success,
            detail: json!({
                "office_id": i.office_id, "effective": i.effective.to_string(), "reason": i.reason,
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(ctx.redirect(
        &format!("/admin/enterprises/{id}"),
        Some(Flash {
            kind: FlashKind::Success,
            message: format!("对口登记处已调整，自 {} 起生效。", i.effective),
        }),
    ))
}

async fn import_view(
    ctx: &Ctx,
    user: &Caller,
    message: Option<&str>,
    preview: Option<&Preview<'_>>,
    status: StatusCode,
) -> Response {
    let body = pages::import(&ctx.csrf_token, message, COLUMNS, preview);
    ctx.work_with_status(status, user, "导入企业名单", &crumbs(), body)
        .await
}

#[handler]
async fn import_page(ctx: Ctx, user: Caller) -> Result<Response, WebError> {
    require_manage(&user)?;
    Ok(import_view(&ctx, &user, None, None, StatusCode::OK).await)
}

/// Plans the rows and renders the preview; `Ok(plan)` only when clean.
async fn preview(
    ctx: &Ctx,
    user: &Caller,
    file_name: &str,
    rows: &[tabular::Row],
) -> Result<Result<enterprise_import::Plan, Response>, WebError> {
    let forms = active_legal_forms(ctx).await?;
    let plan = enterprise_import::plan(&ctx.state.core.db, rows, &forms).await?;
    if plan.errors.is_empty() {
        return Ok(Ok(plan));
    }
    Ok(Err(render_preview(ctx, user, file_name, rows, &plan).await?))
}

async fn render_preview(
    ctx: &Ctx,
    user: &Caller,
    file_name: &str,
    rows: &[tabular::Row],
    plan: &enterprise_import::Plan,
) -> Result<Response, WebError> {
    let errors: Vec<(usize, String)> = plan
        .errors
        .iter()
        .map(|e| (e.line, e.message.clone()))
        .collect();
    let shown: Vec<PreviewRow> = plan
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
    let payload = tabular::to_payload(rows);
    let effective = today(ctx).to_string();
    let p = Preview {
        file_name,
        created: plan.created(),
        updated: plan.updated(),
        errors: &errors,
        rows: &shown,
        total: rows.len().saturating_sub(1),
        payload: &payload,
        effective: &effective,
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(import_view(ctx, user, None, Some(&p), status).await)
}

#[handler]
async fn import_post(
    ctx: Ctx,
    user: Caller,
    multipart: poem::Result<Multipart>,
) -> Result<Response, WebError> {
    // Permission first: a wrong body must not tell a stranger anything.
    require_manage(&user)?;
    let (name, rows) = match crate::web::upload::read_table(multipart).await? {
        Ok(u) => (u.name, u.rows),
        Err(message) => {
            return Ok(import_view(
                &ctx,
                &user,
                Some(&message),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await);
        }
    };
    let plan = match preview(&ctx, &user, &name, &rows).await? {
        Ok(plan) => plan,
        Err(page) => return Ok(page),
    };
    render_preview(&ctx, &user, &name, &rows, &plan).await
}

#[handler]
async fn import_confirm_post(
    ctx: Ctx,
    user: Caller,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    require_manage(&user)?;
    let form = form_from(&fields);
    let file_name = form.value("file_name").to_owned();
    let rows = tabular::from_payload(form.value("payload"))
        .ok_or_else(|| WebError::BadRequest("payload".into()))?;
    let Ok(effective) = NaiveDate::parse_from_str(form.value("effective").trim(), "%Y-%m-%d")
    else {
        return Ok(import_view(
            &ctx,
            &user,
            Some("请填写生效日期（年-月-日）"),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await);
    };
    let forms = active_legal_forms(&ctx).await?;
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    // Checked again inside the transaction: the data may have moved since
    // the preview.
    let plan = enterprise_import::plan(&txn, &rows, &forms).await?;
    if !plan.errors.is_empty() {
        drop(txn);
        return render_preview(&ctx, &user, &file_name, &rows, &plan).await;
    }
    let applied =
        match enterprise_import::apply(&txn, &plan, &user.user.username, effective, now).await {
            Ok(a) => a,
            Err(ReassignError::Db(e)) => return Err(e.into()),
            Err(e) => {
                drop(txn);
                return Ok(import_view(
                    &ctx,
                    &user,
                    Some(&format!("未写入任何数据：{e}")),
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await);
            }
        };
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry {
            action: "enterprise.import",
            object_type: Some("enterprise"),
            object_id: None,
            outcome: Outcome::Success,
            detail: json!({
                "file": file_name, "rows": plan.lines.len(),
                "created": applied.created, "updated": applied.updated,
                "reassigned": applied.reassigned, "effective": effective.to_string(),
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(ctx.redirect(
        "/admin/enterprises",
        Some(Flash {
            kind: FlashKind::Success,
            message: format!(
                "导入完成：新增 {} 家，更新 {} 家，调整对口登记处 {} 家。",
                applied.created, applied.updated, applied.reassigned
            ),
        }),
    ))
}
