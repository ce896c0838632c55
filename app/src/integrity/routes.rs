//! City-office screens: the integrity library with add, remove and import
//! (F27), anomaly records with add and lift (F29), and the cases the system
//! did not accept with their override (F30). All need `integrity.manage`
//! with the city-wide scope.

use chrono::NaiveDate;
use poem::http::StatusCode;
use poem::web::{Form, Multipart, Path, Query};
use poem::{Response, Route, get, handler, post};
use sea_orm::sea_query::Query as SqlQuery;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Deserialize;
use serde_json::json;
use techreg_entities::contract::{contract, event};
use techreg_entities::org::{enterprise, enterprise_anomaly, integrity_entry};
use techreg_views::components::{Crumb, Flash, FlashKind};
use techreg_views::pages::identity::FormState;
use techreg_views::pages::integrity::{
    self as pages, AnomalyRow, AnomalyView, EntryRow, ListView, Preview, PreviewRow, RefusalRow,
};

use super::import::{self, COLUMNS};
use super::service::{
    self, ListError, NewAnomaly, NewEntry, TEXT_MAX, anomalies, enterprises_by_id, listing,
    validity,
};
use super::submission::{AUTOMATIC, automatic_refusal};
use crate::contracts::service::ActInput;
use crate::contracts::state::{Action, Status};
use crate::core::Caller;
use crate::core::Scope;
use crate::dictionary::DICT_ANOMALY_TYPE;
use crate::security::rbac::perm;
use crate::tabular;
use crate::web::form::from_pairs as form_from;
use crate::web::{Ctx, WebError};

type Fields = Form<Vec<(String, String)>>;

/// Rows a list page shows at most.
const LIST_LIMIT: u64 = 500;
const PREVIEW_ROWS: usize = 100;
const OVERRIDE_REASON_MAX: usize = 2000;

pub fn routes(route: Route) -> Route {
    route
        .at("/supervision/integrity", get(list_page).post(add_post))
        .at(
            "/supervision/integrity/import",
            get(import_page).post(import_post),
        )
        .at(
            "/supervision/integrity/import/confirm",
            post(import_confirm_post),
        )
        .at("/supervision/integrity/:id/remove", post(remove_post))
        .at(
            "/supervision/anomalies",
            get(anomalies_page).post(add_anomaly_post),
        )
        .at("/supervision/anomalies/:id/lift", post(lift_post))
        .at("/supervision/refusals", get(refusals_page))
        .at("/supervision/refusals/:id/override", post(override_post))
}

fn require_manage(user: &Caller) -> Result<(), WebError> {
    user.require(perm::INTEGRITY_MANAGE)?;
    if user
        .grants
        .0
        .iter()
        .any(|g| g.permissions.contains(perm::INTEGRITY_MANAGE) && g.scope == Scope::All)
    {
        Ok(())
    } else {
        Err(WebError::Forbidden(
            "integrity.manage without the city scope",
        ))
    }
}

fn today(ctx: &Ctx) -> NaiveDate {
    crate::core::clock::shanghai_date(ctx.state.core.clock.now())
}

fn crumbs(label: &str, href: &str) -> Vec<Crumb> {
    vec![
        Crumb {
            label: "工作台".into(),
            href: Some("/my".into()),
        },
        Crumb {
            label: label.into(),
            href: Some(href.into()),
        },
    ]
}

fn date_of(form: &mut FormState, key: &str, label: &str, required: bool) -> Option<NaiveDate> {
    let v = form.value(key).trim().to_owned();
    if v.is_empty() {
        if required {
            form.add_error(key, format!("请填写{label}"));
        }
        return None;
    }
    let d = NaiveDate::parse_from_str(&v, "%Y-%m-%d").ok();
    if d.is_none() {
        form.add_error(key, format!("{label}无效，格式应为 年-月-日"));
    }
    d
}

fn text_of(form: &mut FormState, key: &str, label: &str) -> String {
    let v = form.value(key).trim().to_owned();
    if v.is_empty() {
        form.add_error(key, format!("请填写{label}"));
    } else if v.chars().count() > TEXT_MAX {
        form.add_error(key, format!("{label}不能超过 {TEXT_MAX} 个字"));
    }
    v
}

/// The enterprise of the code typed in `credit_code`.
async fn enterprise_of(
    ctx: &Ctx,
    form: &mut FormState,
) -> Result<Option<enterprise::Model>, WebError> {
    let code = match crate::identity::credit_code(form.value("credit_code")) {
        Ok(c) => c,
        Err(m) => {
            form.add_error("credit_code", m);
            return Ok(None);
        }
    };
    let found = enterprise::Entity::find()
        .filter(enterprise::Column::CreditCode.eq(&code))
        .one(&ctx.state.core.db)
        .await?;
    if found.is_none() {
        form.add_error("credit_code", "该统一社会信用代码的单位尚未在系统中建档");
    }
    Ok(found)
}

/// Checked validity dates: from (required), to (optional, not before from
/// nor before today).
fn check_validity(ctx: &Ctx, form: &mut FormState) -> Option<(NaiveDate, Option<NaiveDate>)> {
    let from = date_of(form, "valid_from", "有效期起", true);
    let to = date_of(form, "valid_to", "有效期止", false);
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        form.add_error("valid_to", "有效期止不能早于有效期起");
    }
    if to.is_some_and(|t| t < today(ctx)) {
        form.add_error("valid_to", "有效期止已过，请检查日期");
    }
    Some((from?, to))
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    all: String,
}

/// Enterprises matching a name or credit-code search, as a subquery.
fn matching_enterprises(q: &str) -> Option<sea_orm::sea_query::SelectStatement> {
    let q = q.trim();
    if q.is_empty() {
        return None;
    }
    let code = crate::core::text::normalize_code(q);
    Some(
        SqlQuery::select()
            .column(enterprise::Column::Id)
            .from(enterprise::Entity)
            .cond_where(
                Condition::any()
                    .add(enterprise::Column::Name.like(format!("%{q}%")))
                    .add(enterprise::Column::CreditCode.like(format!("{code}%"))),
            )
            .to_owned(),
    )
}

fn entry_state(e: &integrity_entry::Model, on: NaiveDate) -> &'static str {
    if e.removed_at.is_some() {
        "已移出"
    } else if e.valid_from > on {
        "未生效"
    } else if e.valid_to.is_some_and(|t| t < on) {
        "已到期"
    } else {
        "在库"
    }
}

async fn list_view(
    ctx: &Ctx,
    user: &Caller,
    q: &ListQuery,
    form: &FormState,
    status: StatusCode,
) -> Result<Response, WebError> {
    let on = today(ctx);
    let show_all = q.all == "1";
    let mut select = integrity_entry::Entity::find();
    if !show_all {
        use integrity_entry::Column as C;
        select = select.filter(C::RemovedAt.is_null()).filter(
            Condition::any()
                .add(C::ValidTo.is_null())
                .add(C::ValidTo.gte(on)),
        );
    }
    if let Some(sub) = matching_enterprises(&q.q) {
        select = select.filter(integrity_entry::Column::EnterpriseId.in_subquery(sub));
    }
    let mut found = select
        .order_by_desc(integrity_entry::Column::Id)
        .limit(LIST_LIMIT + 1)
        .all(&ctx.state.core.db)
        .await?;
    let truncated = found.len() as u64 > LIST_LIMIT;
    found.truncate(LIST_LIMIT as usize);
    let names =
        enterprises_by_id(&ctx.state.core.db, found.iter().map(|e| e.enterprise_id)).await?;
    let rows: Vec<EntryRow> = found
        .iter()
        .map(|e| {
            let ent = names.get(&e.enterprise_id);
            EntryRow {
                id: e.id,
                enterprise_id: e.enterprise_id,
                credit_code: ent.map(|x| x.credit_code.clone()).unwrap_or_default(),
                name: ent.map(|x| x.name.clone()).unwrap_or_default(),
                reason: e.reason.clone(),
                validity: validity(e.valid_from, e.valid_to),
                state: entry_state(e, on),
                added: format!(
                    "{} {}",
                    crate::core::clock::shanghai_minute(e.added_at),
                    e.added_by
                ),
                removed: e.removed_at.map(|t| {
                    format!(
                        "{} {} 移出：{}",
                        crate::core::clock::shanghai_minute(t),
                        e.removed_by.clone().unwrap_or_default(),
                        e.removal_reason.clone().unwrap_or_default()
                    )
                }),
            }
        })
        .collect();
    let today = on.to_string();
    let body = pages::list_page(
        &ctx.csrf_token,
        &ListView {
            q: &q.q,
            show_all,
            rows: &rows,
            truncated,
            today: &today,
        },
        form,
    );
    Ok(ctx
        .work_with_status(
            status,
            user,
            "诚信企业库",
            &crumbs("诚信企业库", "/supervision/integrity")[..1],
            body,
        )
        .await)
}

#[handler]
async fn list_page(
    ctx: Ctx,
    user: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    require_manage(&user)?;
    let form = FormState {
        values: vec![("valid_from".into(), today(&ctx).to_string())],
        ..FormState::default()
    };
    list_view(&ctx, &user, &q, &form, StatusCode::OK).await
}

#[handler]
async fn add_post(ctx: Ctx, user: Caller, Form(fields): Fields) -> Result<Response, WebError> {
    require_manage(&user)?;
    let mut form = form_from(&fields);
    let found = enterprise_of(&ctx, &mut form).await?;
    let reason = text_of(&mut form, "reason", "列入原因");
    let dates = check_validity(&ctx, &mut form);
    let invalid = |form: FormState| {
        let (ctx, user) = (&ctx, &user);
        async move {
            list_view(
                ctx,
                user,
                &ListQuery::default(),
                &form,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    let (Some(e), Some((from, to)), false) = (found, dates, form.has_errors()) else {
        return invalid(form).await;
    };
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    let entry = NewEntry {
        enterprise_id: e.id,
        reason,
        valid_from: from,
        valid_to: to,
    };
    match service::add_entries(&txn, &user.actor(), &[entry], "manual", today(&ctx), now).await {
        Ok(_) => {}
        Err(ListError::Db(e)) => return Err(e.into()),
        Err(err @ ListError::AlreadyListed(_)) => {
            drop(txn);
            form.add_error("credit_code", err.to_string());
            return invalid(form).await;
        }
    }
    txn.commit().await?;
    Ok(ctx.redirect(
        "/supervision/integrity",
        Some(Flash {
            kind: FlashKind::Success,
            message: format!("已将“{}”列入诚信企业库（{}）。", e.name, validity(from, to)),
        }),
    ))
}

/// A required reason of at most `max` characters, or the message.
fn reason_of(fields: &[(String, String)], max: usize, label: &str) -> Result<String, String> {
    let r = fields
        .iter()
        .find(|(k, _)| k == "reason")
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default();
    if r.is_empty() {
        Err(format!("请填写{label}"))
    } else if r.chars().count() > max {
        Err(format!("{label}不能超过 {max} 个字"))
    } else {
        Ok(r)
    }
}

#[handler]
async fn remove_post(
    ctx: Ctx,
    user: Caller,
    Path(id): Path<i64>,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    require_manage(&user)?;
    integrity_entry::Entity::find_by_id(id)
        .one(&ctx.state.core.db)
        .await?
        .ok_or(WebError::NotFound)?;
    let reason = match reason_of(&fields, TEXT_MAX, "移出原因") {
        Ok(r) => r,
        Err(m) => {
            let form = FormState {
                message: Some(m),
                ..FormState::default()
            };
            return list_view(
                &ctx,
                &user,
                &ListQuery::default(),
                &form,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    if !service::remove_entry(&txn, &user.actor(), id, &reason, today(&ctx), now).await? {
        return Err(WebError::Conflict("该记录已被移出，请刷新后查看。".into()));
    }
    txn.commit().await?;
    Ok(ctx.redirect(
        "/supervision/integrity",
        Some(Flash {
            kind: FlashKind::Success,
            message: "已移出诚信企业库。".into(),
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
    let body = pages::import_page(&ctx.csrf_token, message, COLUMNS, preview);
    ctx.work_with_status(
        status,
        user,
        "导入诚信企业名单",
        &crumbs("诚信企业库", "/supervision/integrity"),
        body,
    )
    .await
}

#[handler]
async fn import_page(ctx: Ctx, user: Caller) -> Result<Response, WebError> {
    require_manage(&user)?;
    Ok(import_view(&ctx, &user, None, None, StatusCode::OK).await)
}

async fn render_preview(
    ctx: &Ctx,
    user: &Caller,
    file_name: &str,
    rows: &[tabular::Row],
    plan: &import::Plan,
) -> Result<Response, WebError> {
    let shown: Vec<PreviewRow> = plan
        .lines
        .iter()
        .take(PREVIEW_ROWS)
        .map(|l| PreviewRow {
            line: l.line,
            credit_code: l.credit_code.clone(),
            name: l.name.clone(),
            reason: l.entry.reason.clone(),
            validity: validity(l.entry.valid_from, l.entry.valid_to),
        })
        .collect();
    let payload = tabular::to_payload(rows);
    let p = Preview {
        file_name,
        total: rows.len().saturating_sub(1),
        errors: &plan.errors,
        rows: &shown,
        payload: &payload,
    };
    let status = if plan.errors.is_empty() {
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
    let plan = import::plan(&ctx.state.core.db, &rows, today(&ctx)).await?;
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
    let now = ctx.state.core.clock.now();
    let on = today(&ctx);
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    // Checked again inside the transaction: the data may have moved since
    // the preview.
    let plan = import::plan(&txn, &rows, on).await?;
    if !plan.errors.is_empty() || plan.lines.is_empty() {
        drop(txn);
        return render_preview(&ctx, &user, &file_name, &rows, &plan).await;
    }
    let entries: Vec<NewEntry> = plan.lines.iter().map(|l| l.entry.clone()).collect();
    match service::add_entries(&txn, &user.actor(), &entries, "import", on, now).await {
        Ok(_) => {}
        Err(ListError::Db(e)) => return Err(e.into()),
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
    }
    crate::audit::record(
        &txn,
        now,
        &user.actor(),
        crate::audit::Entry {
            action: "integrity.import",
            object_type: Some("integrity_entry"),
            object_id: None,
            outcome: crate::audit::Outcome::Success,
            detail: json!({ "file": file_name, "rows": entries.len() }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(ctx.redirect(
        "/supervision/integrity",
        Some(Flash {
            kind: FlashKind::Success,
            message: format!("导入完成：{} 家企业列入诚信企业库。", entries.len()),
        }),
    ))
}

fn anomaly_state(a: &enterprise_anomaly::Model, on: NaiveDate) -> &'static str {
    if a.lifted_at.is_some() {
        "已解除"
    } else if a.valid_from > on {
        "未生效"
    } else if a.valid_to.is_some_and(|t| t < on) {
        "已到期"
    } else {
        "有效"
    }
}

async fn anomalies_view(
    ctx: &Ctx,
    user: &Caller,
    q: &ListQuery,
    form: &FormState,
    status: StatusCode,
) -> Result<Response, WebError> {
    let on = today(ctx);
    let show_all = q.all == "1";
    let mut select = enterprise_anomaly::Entity::find();
    if !show_all {
        use enterprise_anomaly::Column as C;
        select = select.filter(C::LiftedAt.is_null()).filter(
            Condition::any()
                .add(C::ValidTo.is_null())
                .add(C::ValidTo.gte(on)),
        );
    }
    if let Some(sub) = matching_enterprises(&q.q) {
        select = select.filter(enterprise_anomaly::Column::EnterpriseId.in_subquery(sub));
    }
    let mut found = select
        .order_by_desc(enterprise_anomaly::Column::Id)
        .limit(LIST_LIMIT + 1)
        .all(&ctx.state.core.db)
        .await?;
    let truncated = found.len() as u64 > LIST_LIMIT;
    found.truncate(LIST_LIMIT as usize);
    let names =
        enterprises_by_id(&ctx.state.core.db, found.iter().map(|e| e.enterprise_id)).await?;
    let all_types = ctx.state.dictionaries.entries(DICT_ANOMALY_TYPE).await?;
    let rows: Vec<AnomalyRow> = found
        .iter()
        .map(|a| {
            let ent = names.get(&a.enterprise_id);
            AnomalyRow {
                id: a.id,
                enterprise_id: a.enterprise_id,
                credit_code: ent.map(|x| x.credit_code.clone()).unwrap_or_default(),
                name: ent.map(|x| x.name.clone()).unwrap_or_default(),
                kind: all_types
                    .iter()
                    .find(|t| t.code == a.type_code)
                    .map(|t| t.label.clone())
                    .unwrap_or_else(|| a.type_code.clone()),
                description: a.description.clone(),
                source: a.source.clone(),
                recorded_on: a.recorded_on.to_string(),
                validity: validity(a.valid_from, a.valid_to),
                blocking: a.blocking,
                state: anomaly_state(a, on),
                lifted: a.lifted_at.map(|t| {
                    format!(
                        "{} {} 解除：{}",
                        crate::core::clock::shanghai_minute(t),
                        a.lifted_by.clone().unwrap_or_default(),
                        a.lift_reason.clone().unwrap_or_default()
                    )
                }),
            }
        })
        .collect();
    let types: Vec<(String, String)> = ctx
        .state
        .dictionaries
        .active(DICT_ANOMALY_TYPE)
        .await?
        .iter()
        .map(|e| (e.code.clone(), e.label.clone()))
        .collect();
    let body = pages::anomalies_page(
        &ctx.csrf_token,
        &AnomalyView {
            q: &q.q,
            show_all,
            rows: &rows,
            truncated,
            types: &types,
        },
        form,
    );
    Ok(ctx
        .work_with_status(
            status,
            user,
            "异常信息",
            &crumbs("异常信息", "/supervision/anomalies")[..1],
            body,
        )
        .await)
}

#[handler]
async fn anomalies_page(
    ctx: Ctx,
    user: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    require_manage(&user)?;
    let on = today(&ctx).to_string();
    let form = FormState {
        values: vec![
            ("valid_from".into(), on.clone()),
            ("recorded_on".into(), on),
            ("blocking".into(), "1".into()),
        ],
        ..FormState::default()
    };
    anomalies_view(&ctx, &user, &q, &form, StatusCode::OK).await
}

#[handler]
async fn add_anomaly_post(
    ctx: Ctx,
    user: Caller,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    require_manage(&user)?;
    let mut form = form_from(&fields);
    let found = enterprise_of(&ctx, &mut form).await?;
    let type_code = form.value("type_code").trim().to_owned();
    if type_code.is_empty()
        || !ctx
            .state
            .dictionaries
            .is_active_code(DICT_ANOMALY_TYPE, &type_code)
            .await?
    {
        form.add_error("type_code", "请从列表中选择异常信息类型");
    }
    let description = text_of(&mut form, "description", "说明");
    let source = text_of(&mut form, "source", "来源");
    let recorded_on = date_of(&mut form, "recorded_on", "认定日期", true);
    if recorded_on.is_some_and(|d| d > today(&ctx)) {
        form.add_error("recorded_on", "认定日期不能晚于今天");
    }
    let dates = check_validity(&ctx, &mut form);
    let blocking = form.value("blocking") == "1";
    let (Some(e), Some(recorded_on), Some((from, to)), false) =
        (found, recorded_on, dates, form.has_errors())
    else {
        return anomalies_view(
            &ctx,
            &user,
            &ListQuery::default(),
            &form,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    let new = NewAnomaly {
        enterprise_id: e.id,
        type_code,
        description,
        source,
        recorded_on,
        valid_from: from,
        valid_to: to,
        blocking,
    };
    // A second click, or the same record typed twice, adds nothing.
    if service::same_anomaly(&txn, &new).await? {
        drop(txn);
        form.message = Some("该单位已有内容相同且未解除的异常信息，未重复登记。".into());
        return anomalies_view(
            &ctx,
            &user,
            &ListQuery::default(),
            &form,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    service::add_anomaly(&txn, &user.actor(), &new, now).await?;
    txn.commit().await?;
    Ok(ctx.redirect(
        "/supervision/anomalies",
        Some(Flash {
            kind: FlashKind::Success,
            message: format!(
                "已登记“{}”的异常信息（{}）。",
                e.name,
                if blocking {
                    "限制受理"
                } else {
                    "仅提示"
                }
            ),
        }),
    ))
}

#[handler]
async fn lift_post(
    ctx: Ctx,
    user: Caller,
    Path(id): Path<i64>,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    require_manage(&user)?;
    enterprise_anomaly::Entity::find_by_id(id)
        .one(&ctx.state.core.db)
        .await?
        .ok_or(WebError::NotFound)?;
    let reason = match reason_of(&fields, TEXT_MAX, "解除原因") {
        Ok(r) => r,
        Err(m) => {
            let form = FormState {
                message: Some(m),
                ..FormState::default()
            };
            return anomalies_view(
                &ctx,
                &user,
                &ListQuery::default(),
                &form,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    if !service::lift_anomaly(&txn, &user.actor(), id, &reason, now).await? {
        return Err(WebError::Conflict(
            "该异常信息已解除，请刷新后查看。".into(),
        ));
    }
    txn.commit().await?;
    Ok(ctx.redirect(
        "/supervision/anomalies",
        Some(Flash {
            kind: FlashKind::Success,
            message: "已解除该异常信息。".into(),
        }),
    ))
}

/// Cases whose last transition is the system's 不予受理, newest first.
async fn automatic_refusals<C: ConnectionTrait>(
    db: &C,
) -> Result<Vec<(contract::Model, event::Model)>, DbErr> {
    let ids: Vec<i64> = event::Entity::find()
        .select_only()
        .column(event::Column::ContractId)
        .filter(event::Column::Action.eq(Action::NotAccept.as_str()))
        .filter(event::Column::ActorUserId.is_null())
        .filter(event::Column::Detail.contains(AUTOMATIC))
        .order_by_desc(event::Column::Id)
        .limit(LIST_LIMIT)
        .into_tuple()
        .all(db)
        .await?;
    let cases = contract::Entity::find()
        .filter(contract::Column::Id.is_in(ids))
        .filter(contract::Column::Status.eq(Status::NotAccepted.as_str()))
        .order_by_desc(contract::Column::UpdatedAt)
        .all(db)
        .await?;
    let mut out = Vec::new();
    for c in cases {
        if let Some(e) = automatic_refusal(db, c.id).await? {
            out.push((c, e));
        }
    }
    Ok(out)
}

async fn refusals_view(
    ctx: &Ctx,
    user: &Caller,
    form: &FormState,
    status: StatusCode,
) -> Result<Response, WebError> {
    let found = automatic_refusals(&ctx.state.core.db).await?;
    let names = enterprises_by_id(
        &ctx.state.core.db,
        found.iter().filter_map(|(c, _)| c.enterprise_id),
    )
    .await?;
    let rows: Vec<RefusalRow> = found
        .iter()
        .map(|(c, e)| RefusalRow {
            id: c.id,
            version: c.version,
            approval_code: c.approval_code.clone(),
            name: c.name.clone(),
            enterprise: c
                .enterprise_id
                .and_then(|id| names.get(&id))
                .map(|e| format!("{}（{}）", e.name, e.credit_code))
                .unwrap_or_default(),
            at: crate::core::clock::shanghai_minute(e.at),
            reason: e.reason.clone(),
        })
        .collect();
    let body = pages::refusals_page(&ctx.csrf_token, &rows, form);
    Ok(ctx
        .work_with_status(
            status,
            user,
            "系统自动不予受理的申请",
            &crumbs("异常信息", "/supervision/anomalies"),
            body,
        )
        .await)
}

#[handler]
async fn refusals_page(ctx: Ctx, user: Caller) -> Result<Response, WebError> {
    require_manage(&user)?;
    refusals_view(&ctx, &user, &FormState::default(), StatusCode::OK).await
}

#[handler]
async fn override_post(
    ctx: Ctx,
    user: Caller,
    Path(id): Path<i64>,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    require_manage(&user)?;
    let c = contract::Entity::find_by_id(id)
        .one(&ctx.state.core.db)
        .await?
        .ok_or(WebError::NotFound)?;
    let Some(refusal) = automatic_refusal(&ctx.state.core.db, id).await? else {
        return Err(WebError::Conflict(
            "该申请不是系统自动不予受理的申请，或已被处理，不能撤销。".into(),
        ));
    };
    let reason = match reason_of(&fields, OVERRIDE_REASON_MAX, "撤销理由") {
        Ok(r) => r,
        Err(m) => {
            let form = FormState {
                message: Some(format!("{}：{m}", c.approval_code)),
                ..FormState::default()
            };
            return refusals_view(&ctx, &user, &form, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let version: i32 = fields
        .iter()
        .find(|(k, _)| k == "version")
        .and_then(|(_, v)| v.trim().parse().ok())
        .ok_or_else(|| WebError::BadRequest("version".into()))?;
    let after = crate::contracts::service::act(
        &ctx.state,
        Some(&user),
        id,
        version,
        Action::Reinstate,
        ActInput {
            reason,
            detail: json!({ "overrides_event": refusal.id }),
            ..Default::default()
        },
    )
    .await?;
    Ok(ctx.redirect(
        "/supervision/refusals",
        Some(Flash {
            kind: FlashKind::Success,
            message: format!(
                "已撤销 {} 的自动不予受理，申请已转至登记处待受理队列。",
                after.approval_code
            ),
        }),
    ))
}

/// Lines for the case header on the review page: the enterprise's
/// integrity listing and anomalies in force today.
pub async fn case_marks<C: ConnectionTrait>(
    db: &C,
    c: &contract::Model,
    on: NaiveDate,
) -> Result<Vec<(&'static str, String)>, DbErr> {
    let Some(e) = c.enterprise_id else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    if let Some(l) = listing(db, e, on).await? {
        out.push((
            "诚信企业",
            format!(
                "诚信企业库在库企业（{}），优先办理",
                validity(l.valid_from, l.valid_to)
            ),
        ));
    } else if c.integrity_listed {
        out.push(("诚信企业", "提交时为诚信企业库在库企业，优先办理".into()));
    }
    let found = anomalies(db, e, on).await?;
    if !found.is_empty() {
        let text: Vec<String> = found
            .iter()
            .map(|a| {
                format!(
                    "{}{}（{}）",
                    if a.blocking { "【限制受理】" } else { "" },
                    a.description,
                    a.source
                )
            })
            .collect();
        out.push(("异常信息", text.join("；")));
    }
    Ok(out)
}
