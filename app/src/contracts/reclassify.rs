//! F48: the city office decides the five-category type of 2001 records
//! that cannot be mapped automatically (技术秘密转让).

use poem::http::StatusCode;
use poem::web::{Form, Path};
use poem::{Response, Route, get, handler, post};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::json;
use techreg_entities::contract::{contract, event, party};
use techreg_views::components::{Crumb, Flash, FlashKind};
use techreg_views::pages::identity::FormState;
use techreg_views::pages::reclassify::{self as pages, Pending};

use super::categories::RULES_2001;
use crate::audit::{self, Entry, Outcome};
use crate::core::Caller;
use crate::security::rbac::perm;
use crate::web::form::from_pairs as form_from;
use crate::web::{Ctx, WebError};

pub fn routes(route: Route) -> Route {
    route
        .at("/review/reclassify", get(list_page))
        .at("/review/reclassify/:id", post(decide_post))
}

async fn view(
    ctx: &Ctx,
    user: &Caller,
    form: &FormState,
    failed: Option<i64>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let pending = contract::Entity::find()
        .filter(contract::Column::RuleVersion.eq(RULES_2001))
        .filter(contract::Column::FiveCategory.is_null())
        .order_by_asc(contract::Column::Id)
        .all(&ctx.state.core.db)
        .await?;
    let mut rows = Vec::with_capacity(pending.len());
    for c in pending {
        let parties: Vec<String> = party::Entity::find()
            .filter(party::Column::ContractId.eq(c.id))
            .order_by_asc(party::Column::Seq)
            .all(&ctx.state.core.db)
            .await?
            .into_iter()
            .map(|p| p.name)
            .collect();
        rows.push(Pending {
            id: c.id,
            version: c.version,
            registration_number: c.registration_number.unwrap_or_default(),
            name: c.name,
            parties: parties.join(" → "),
            registered: c
                .registered_at
                .map(|t| crate::core::clock::shanghai_date(t).to_string())
                .unwrap_or_default(),
        });
    }
    let crumbs = [Crumb {
        label: "工作台".into(),
        href: Some("/my".into()),
    }];
    Ok(ctx
        .work_with_status(
            status,
            user,
            "五类合同归属确认",
            &crumbs,
            pages::list(&ctx.csrf_token, &rows, form, failed),
        )
        .await)
}

#[handler]
async fn list_page(ctx: Ctx, user: Caller) -> Result<Response, WebError> {
    user.require(perm::CONTRACT_APPROVE)?;
    view(&ctx, &user, &FormState::default(), None, StatusCode::OK).await
}

#[handler]
async fn decide_post(
    ctx: Ctx,
    user: Caller,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    user.require(perm::CONTRACT_APPROVE)?;
    let c = contract::Entity::find_by_id(id)
        .one(&ctx.state.core.db)
        .await?
        .filter(|c| c.rule_version == RULES_2001 && c.five_category.is_none())
        .ok_or(WebError::NotFound)?;
    let mut form = form_from(&fields);
    let target = match form.value("choice") {
        "transfer" => Some(("transfer", "know_how")),
        "licence" => Some(("licence", "know_how")),
        _ => None,
    };
    if target.is_none() {
        form.message = Some("请选择五类归属：技术转让或技术许可".into());
    }
    let reason = form.value("reason").trim().to_owned();
    if reason.is_empty() {
        form.add_error(
            "reason",
            "请填写确认依据（如合同中关于所有权或使用权的条款）",
        );
    }
    let Some((category, subtype)) = target.filter(|_| !form.has_errors()) else {
        return view(
            &ctx,
            &user,
            &form,
            Some(id),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let version: i32 = form.value("version").parse().unwrap_or(-1);
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    let n = contract::Entity::update_many()
        .col_expr(contract::Column::FiveCategory, Expr::value(Some(category)))
        .col_expr(contract::Column::FiveSubtype, Expr::value(Some(subtype)))
        .col_expr(contract::Column::UpdatedAt, Expr::value(now))
        .col_expr(contract::Column::Version, Expr::value(c.version + 1))
        .filter(contract::Column::Id.eq(id))
        .filter(contract::Column::Version.eq(version))
        .filter(contract::Column::FiveCategory.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    if n == 0 {
        return Err(WebError::Conflict(
            "该合同已由他人确认，请刷新后查看。".into(),
        ));
    }
    let detail = json!({ "five_category": category, "five_subtype": subtype, "reason": reason });
    event::ActiveModel {
        contract_id: Set(id),
        at: Set(now),
        actor: Set(user.user.username.clone()),
        actor_user_id: Set(Some(user.user.id)),
        action: Set("reclassify".into()),
        from_status: Set(c.status.clone()),
        to_status: Set(c.status.clone()),
        reason: Set(reason.clone()),
        detail: Set(detail.to_string()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry {
            action: "contract.reclassify",
            object_type: Some("contract"),
            object_id: Some(id.to_string()),
            outcome: Outcome::Success,
            detail,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(ctx.redirect(
        "/review/reclassify",
        Some(Flash {
            kind: FlashKind::Success,
            message: format!("已确认：{}", c.name),
        }),
    ))
}
