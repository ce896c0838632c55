//! Registration office management (F45): list with search and filters,
//! create, edit, change status with a reason; every change kept in
//! `office_history` and the audit log, in the same transaction.

use poem::http::StatusCode;
use poem::web::{Form, Path, Query};
use poem::{Response, Route, get, handler, post};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde::Deserialize;
use serde_json::{Value, json};
use techreg_entities::org::{office, office_history, office_industry_member};
use techreg_views::components::{Crumb, Flash, FlashKind};
use techreg_views::pages::identity::FormState;
use techreg_views::pages::offices::{self as pages, HistoryRow, OfficeRow};

use super::service::{KIND_DISTRICT, KIND_INDUSTRY, STATUS_ACTIVE};
use crate::audit::{self, Entry, Outcome};
use crate::core::Caller;
use crate::dictionary::districts::{self, SHANGHAI};
use crate::security::rbac::perm;
use crate::web::form::from_pairs as form_from;
use crate::web::{Ctx, WebError};

type Fields = Form<Vec<(String, String)>>;

pub fn routes(route: Route) -> Route {
    route
        .at("/admin/offices", get(list_page).post(create_post))
        .at("/admin/offices/:id", get(detail_page).post(edit_post))
        .at("/admin/offices/:id/status", post(status_post))
        .at("/admin/offices/:id/industry-list", post(industry_list_post))
}

fn kind_label(kind: &str) -> &'static str {
    if kind == KIND_INDUSTRY {
        "行业"
    } else {
        "区级"
    }
}

fn status_label(status: &str) -> &'static str {
    match status {
        STATUS_ACTIVE => "正常",
        "suspended" => "暂停",
        "closed" => "撤销",
        _ => "未知",
    }
}

fn crumbs() -> Vec<Crumb> {
    vec![
        Crumb {
            label: "工作台".into(),
            href: Some("/my".into()),
        },
        Crumb {
            label: "登记处管理".into(),
            href: Some("/admin/offices".into()),
        },
    ]
}

/// The office's fields as checked input, or errors on `form`.
struct OfficeInput {
    code: String,
    name: String,
    kind: String,
    district: Option<String>,
    address: String,
    phone: String,
    head_name: String,
    handles: String,
}

fn check(form: &mut FormState) -> Option<OfficeInput> {
    let code = crate::core::text::normalize_code(form.value("code"));
    if code.is_empty() {
        form.add_error("code", "请填写编码");
    } else if !(2..=20).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        form.add_error("code", "编码为 2–20 位字母或数字");
    }
    let name = form.value("name").trim().to_owned();
    if name.chars().count() < 2 || name.chars().count() > 100 {
        form.add_error("name", "请填写名称（2–100 个字）");
    }
    let kind = form.value("kind").to_owned();
    if kind != KIND_DISTRICT && kind != KIND_INDUSTRY {
        form.add_error("kind", "请选择类型");
    }
    let district = Some(form.value("district").to_owned()).filter(|d| !d.is_empty());
    match &district {
        Some(d) if districts::name_of(d).is_none() => form.add_error("district", "所在区无效"),
        None if kind == KIND_DISTRICT => form.add_error("district", "区级登记处须选择所在区"),
        _ => {}
    }
    let limited = |form: &mut FormState, name: &str, label: &str, max: usize| {
        let v = form.value(name).trim().to_owned();
        if v.chars().count() > max {
            form.add_error(name, format!("{label}不能超过 {max} 个字"));
        }
        v
    };
    let address = limited(form, "address", "地址", 200);
    let phone = limited(form, "phone", "电话", 50);
    let head_name = limited(form, "head_name", "负责人", 50);
    let handles = limited(form, "handles", "受理范围", 500);
    (!form.has_errors()).then_some(OfficeInput {
        code,
        name,
        kind,
        district,
        address,
        phone,
        head_name,
        handles,
    })
}

fn snapshot(o: &office::Model) -> Value {
    json!({
        "code": o.code, "name": o.name, "kind": o.kind, "district": o.district_code,
        "address": o.address, "phone": o.phone, "head_name": o.head_name, "status": o.status,
        "handles": o.handles,
    })
}

fn form_of(o: &office::Model) -> FormState {
    FormState {
        values: vec![
            ("code".into(), o.code.clone()),
            ("name".into(), o.name.clone()),
            ("kind".into(), o.kind.clone()),
            (
                "district".into(),
                o.district_code.clone().unwrap_or_default(),
            ),
            ("address".into(), o.address.clone()),
            ("phone".into(), o.phone.clone()),
            ("head_name".into(), o.head_name.clone()),
            ("handles".into(), o.handles.clone()),
        ],
        ..FormState::default()
    }
}

#[derive(Deserialize, Default)]
struct ListQuery {
    q: Option<String>,
    kind: Option<String>,
    status: Option<String>,
}

async fn list_view(
    ctx: &Ctx,
    user: &Caller,
    query: &ListQuery,
    form: &FormState,
    status: StatusCode,
) -> Result<Response, WebError> {
    let mut select = office::Entity::find().order_by_asc(office::Column::Code);
    let q = query.q.clone().unwrap_or_default();
    if !q.trim().is_empty() {
        let like = format!("%{}%", q.trim());
        select = select.filter(
            Condition::any()
                .add(office::Column::Code.like(like.clone()))
                .add(office::Column::Name.like(like)),
        );
    }
    let kind = query.kind.clone().unwrap_or_default();
    if !kind.is_empty() {
        select = select.filter(office::Column::Kind.eq(kind.as_str()));
    }
    let st = query.status.clone().unwrap_or_default();
    if !st.is_empty() {
        select = select.filter(office::Column::Status.eq(st.as_str()));
    }
    let rows: Vec<OfficeRow> = select
        .all(&ctx.state.core.db)
        .await?
        .into_iter()
        .map(|o| OfficeRow {
            id: o.id,
            kind: kind_label(&o.kind),
            district: o
                .district_code
                .as_deref()
                .and_then(districts::name_of)
                .unwrap_or("")
                .to_owned(),
            status: status_label(&o.status),
            code: o.code,
            name: o.name,
            head_name: o.head_name,
            phone: o.phone,
        })
        .collect();
    let filter = pages::Filter {
        q: &q,
        kind: &kind,
        status: &st,
    };
    let body = pages::list(&ctx.csrf_token, &filter, &rows, form, SHANGHAI);
    Ok(ctx
        .work_with_status(status, user, "登记处管理", &crumbs()[..1], body)
        .await)
}

#[handler]
async fn list_page(
    ctx: Ctx,
    user: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    user.require(perm::OFFICE_MANAGE)?;
    list_view(&ctx, &user, &q, &FormState::default(), StatusCode::OK).await
}

async fn code_taken(ctx: &Ctx, code: &str, except: Option<i64>) -> Result<bool, WebError> {
    let found = office::Entity::find()
        .filter(office::Column::Code.eq(code))
        .one(&ctx.state.core.db)
        .await?;
    Ok(found.is_some_and(|o| Some(o.id) != except))
}

async fn history_row<C: sea_orm::ConnectionTrait>(
    db: &C,
    office_id: i64,
    actor: &str,
    action: &str,
    change: Value,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), sea_orm::DbErr> {
    office_history::ActiveModel {
        office_id: Set(office_id),
        at: Set(now),
        actor: Set(actor.to_owned()),
        action: Set(action.to_owned()),
        change: Set(change.to_string()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

#[handler]
async fn create_post(ctx: Ctx, user: Caller, Form(fields): Fields) -> Result<Response, WebError> {
    user.require(perm::OFFICE_MANAGE)?;
    let mut form = form_from(&fields);
    let input = check(&mut form);
    if let Some(i) = &input
        && code_taken(&ctx, &i.code, None).await?
    {
        form.add_error("code", "该编码已被使用");
    }
    let Some(i) = input.filter(|_| !form.has_errors()) else {
        return list_view(
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
    let o = super::service::create_office(
        &txn,
        super::service::NewOffice {
            code: &i.code,
            name: &i.name,
            kind: &i.kind,
            district_code: i.district.as_deref(),
            address: &i.address,
            phone: &i.phone,
            head_name: &i.head_name,
            handles: &i.handles,
        },
        now,
    )
    .await?;

    history_row(
        &txn,
        o.id,
        &user.user.username,
        "create",
        json!({ "after": snapshot(&o) }),
        now,
    )
    .await?;
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry {
            action: "office.create",
            object_type: Some("office"),
            object_id: Some(o.id.to_string()),
            outcome: Outcome::Success,
            detail: snapshot(&o),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(ctx.redirect(
        &format!("/admin/offices/{}", o.id),
        Some(Flash {
            kind: FlashKind::Success,
            message: "登记处已创建。".into(),
        }),
    ))
}

async fn detail_view(
    ctx: &Ctx,
    user: &Caller,
    o: &office::Model,
    form: &FormState,
    status: StatusCode,
) -> Result<Response, WebError> {
    let list = if o.kind == KIND_INDUSTRY {
        let codes: Vec<String> = industry_members(ctx, o.id).await?;
        Some(pages::IndustryList {
            text: form
                .values
                .iter()
                .find(|(k, _)| k == "codes")
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| codes.join("\n")),
            count: codes.len(),
            error: form.error("codes").map(str::to_owned),
        })
    } else {
        None
    };
    let history: Vec<HistoryRow> = office_history::Entity::find()
        .filter(office_history::Column::OfficeId.eq(o.id))
        .order_by_desc(office_history::Column::Id)
        .all(&ctx.state.core.db)
        .await?
        .into_iter()
        .map(|h| HistoryRow {
            at: crate::core::clock::shanghai_minute(h.at),
            actor: h.actor,
            action: match h.action.as_str() {
                "create" => "创建".into(),
                "edit" => "修改".into(),
                "industry_list" => "修改行业名单".into(),
                _ => "状态变更".into(),
            },
            change: h.change,
        })
        .collect();
    let body = pages::detail(
        &ctx.csrf_token,
        o.id,
        o.version,
        status_label(&o.status),
        form,
        SHANGHAI,
        &history,
        list.as_ref(),
    );
    Ok(ctx
        .work_with_status(status, user, &o.name, &crumbs(), body)
        .await)
}

async fn find(ctx: &Ctx, id: i64) -> Result<office::Model, WebError> {
    office::Entity::find_by_id(id)
        .one(&ctx.state.core.db)
        .await?
        .ok_or(WebError::NotFound)
}

#[handler]
async fn detail_page(ctx: Ctx, user: Caller, Path(id): Path<i64>) -> Result<Response, WebError> {
    user.require(perm::OFFICE_MANAGE)?;
    let o = find(&ctx, id).await?;
    detail_view(&ctx, &user, &o, &form_of(&o), StatusCode::OK).await
}

fn version_of(form: &FormState) -> i32 {
    form.value("version").parse().unwrap_or(-1)
}

#[handler]
async fn edit_post(
    ctx: Ctx,
    user: Caller,
    Path(id): Path<i64>,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    user.require(perm::OFFICE_MANAGE)?;
    let before = find(&ctx, id).await?;
    let mut form = form_from(&fields);
    let input = check(&mut form);
    if let Some(i) = &input
        && code_taken(&ctx, &i.code, Some(id)).await?
    {
        form.add_error("code", "该编码已被使用");
    }
    let Some(i) = input.filter(|_| !form.has_errors()) else {
        return detail_view(
            &ctx,
            &user,
            &before,
            &form,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    let changed = office::Entity::update_many()
        .col_expr(office::Column::Code, Expr::value(i.code))
        .col_expr(office::Column::Name, Expr::value(i.name))
        .col_expr(office::Column::Kind, Expr::value(i.kind))
        .col_expr(office::Column::DistrictCode, Expr::value(i.district))
        .col_expr(office::Column::Address, Expr::value(i.address))
        .col_expr(office::Column::Phone, Expr::value(i.phone))
        .col_expr(office::Column::HeadName, Expr::value(i.head_name))
        .col_expr(office::Column::Handles, Expr::value(i.handles))
        .col_expr(office::Column::UpdatedAt, Expr::value(now))
        .col_expr(office::Column::Version, Expr::value(before.version + 1))
        .filter(office::Column::Id.eq(id))
        .filter(office::Column::Version.eq(version_of(&form)))
        .exec(&txn)
        .await?
        .rows_affected;
    if changed == 0 {
        return Err(WebError::Conflict(
            "该登记处已被他人修改，请刷新后重试。".into(),
        ));
    }
    let after = office::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(WebError::NotFound)?;
    let change = json!({ "before": snapshot(&before), "after": snapshot(&after) });
    history_row(&txn, id, &user.user.username, "edit", change.clone(), now).await?;
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry {
            action: "office.edit",
            object_type: Some("office"),
            object_id: Some(id.to_string()),
            outcome: Outcome::Success,
            detail: change,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(ctx.redirect(
        &format!("/admin/offices/{id}"),
        Some(Flash {
            kind: FlashKind::Success,
            message: "已保存。".into(),
        }),
    ))
}

#[handler]
async fn status_post(
    ctx: Ctx,
    user: Caller,
    Path(id): Path<i64>,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    user.require(perm::OFFICE_MANAGE)?;
    let before = find(&ctx, id).await?;
    let mut form = form_from(&fields);
    let new_status = form.value("status").to_owned();
    let reason = form.value("reason").trim().to_owned();
    if !["active", "suspended", "closed"].contains(&new_status.as_str()) {
        form.message = Some("请选择状态".into());
    }
    if reason.is_empty() {
        form.add_error("reason", "请填写原因");
    }
    if form.has_errors() {
        let mut shown = form_of(&before);
        shown.errors = form.errors;
        shown.message = form.message;
        return detail_view(
            &ctx,
            &user,
            &before,
            &shown,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    let changed = office::Entity::update_many()
        .col_expr(office::Column::Status, Expr::value(new_status.clone()))
        .col_expr(office::Column::UpdatedAt, Expr::value(now))
        .col_expr(office::Column::Version, Expr::value(before.version + 1))
        .filter(office::Column::Id.eq(id))
        .filter(office::Column::Version.eq(version_of(&form)))
        .exec(&txn)
        .await?
        .rows_affected;
    if changed == 0 {
        return Err(WebError::Conflict(
            "该登记处已被他人修改，请刷新后重试。".into(),
        ));
    }
    let change = json!({ "from": before.status, "to": new_status, "reason": reason });
    history_row(&txn, id, &user.user.username, "status", change.clone(), now).await?;
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry {
            action: "office.status",
            object_type: Some("office"),
            object_id: Some(id.to_string()),
            outcome: Outcome::Success,
            detail: change,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(ctx.redirect(
        &format!("/admin/offices/{id}"),
        Some(Flash {
            kind: FlashKind::Success,
            message: "状态已变更。".into(),
        }),
    ))
}

async fn industry_members(ctx: &Ctx, office_id: i64) -> Result<Vec<String>, WebError> {
    Ok(office_industry_member::Entity::find()
        .filter(office_industry_member::Column::OfficeId.eq(office_id))
        .order_by_asc(office_industry_member::Column::CreditCode)
        .all(&ctx.state.core.db)
        .await?
        .into_iter()
        .map(|m| m.credit_code)
        .collect())
}

/// Replaces an industry office's list of credit codes (one per line).
#[handler]
async fn industry_list_post(
    ctx: Ctx,
    user: Caller,
    Path(id): Path<i64>,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    user.require(perm::OFFICE_MANAGE)?;
    let o = find(&ctx, id).await?;
    if o.kind != KIND_INDUSTRY {
        return Err(WebError::NotFound);
    }
    let form = form_from(&fields);
    let mut problems = Vec::new();
    let mut codes = std::collections::BTreeSet::new();
    for (n, line) in form.value("codes").lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match crate::identity::credit_code(line) {
            Ok(c) => {
                codes.insert(c);
            }
            Err(m) => problems.push(format!("第 {} 行：{m}", n + 1)),
        }
    }
    let others = office_industry_member::Entity::find()
        .filter(office_industry_member::Column::OfficeId.ne(id))
        .filter(office_industry_member::Column::CreditCode.is_in(codes.iter().cloned()))
        .all(&ctx.state.core.db)
        .await?;
    for m in others {
        problems.push(format!("{} 已在另一行业登记处的名单中", m.credit_code));
    }
    if !problems.is_empty() {
        let mut shown = form_of(&o);
        shown
            .values
            .push(("codes".into(), form.value("codes").to_owned()));
        shown.add_error("codes", problems.join("；"));
        return detail_view(&ctx, &user, &o, &shown, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let before: std::collections::BTreeSet<String> =
        industry_members(&ctx, id).await?.into_iter().collect();
    let added: Vec<&String> = codes.difference(&before).collect();
    let removed: Vec<&String> = before.difference(&codes).collect();
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    office_industry_member::Entity::delete_many()
        .filter(office_industry_member::Column::OfficeId.eq(id))
        .exec(&txn)
        .await?;
    for chunk in codes.iter().collect::<Vec<_>>().chunks(500) {
        office_industry_member::Entity::insert_many(chunk.iter().map(|c| {
            office_industry_member::ActiveModel {
                office_id: Set(id),
                credit_code: Set((*c).clone()),
                actor: Set(user.user.username.clone()),
                created_at: Set(now),
                ..Default::default()
            }
        }))
        .exec(&txn)
        .await?;
    }
    let change = json!({ "added": added, "removed": removed, "count": codes.len() });
    history_row(
        &txn,
        id,
        &user.user.username,
        "industry_list",
        change.clone(),
        now,
    )
    .await?;
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry {
            action: "office.industry_list",
            object_type: Some("office"),
            object_id: Some(id.to_string()),
            outcome: Outcome::Success,
            detail: change,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(ctx.redirect(
        &format!("/admin/offices/{id}"),
        Some(Flash {
            kind: FlashKind::Success,
            message: format!("行业名单已保存，共 {} 家企业。", codes.len()),
        }),
    ))
}
