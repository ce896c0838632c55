//! Proving a claim on an enterprise: the applicant uploads the business
//! licence and an authorisation letter; staff with `enterprise.verify`
//! (the responsible office, or the city office) approve or reject with a
//! reason. Approval activates the account with the enterprise admin role
//! and marks the enterprise verified.

use poem::http::StatusCode;
use poem::web::{Form, Multipart, Path};
use poem::{IntoResponse, Response, Route, get, handler, post};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::json;
use techreg_entities::identity::{app_user, enterprise_claim};
use techreg_entities::org::enterprise;
use techreg_views::components::{Crumb, Flash, FlashKind};
use techreg_views::pages::claims::{self as pages, ClaimView, QueueRow};
use techreg_views::pages::identity::FormState;

use super::register::{CLAIM_AWAITING_PROOF, ENTERPRISE_VERIFIED, form_from};
use super::users::{STATUS_ACTIVE, STATUS_PENDING};
use super::{login, roles, validate};
use crate::audit::{self, Entry, Outcome};
use crate::core::Caller;
use crate::core::{ObjectScope, Scope};
use crate::files::FileError;
use crate::security::rbac::perm;
use crate::web::{Ctx, WebError};

pub const CLAIM_SUBMITTED: &str = "submitted";
pub const CLAIM_APPROVED: &str = "approved";
pub const CLAIM_REJECTED: &str = "rejected";

pub fn routes(route: Route) -> Route {
    route
        .at("/my/claim", get(my_claim_page).post(my_claim_post))
        .at("/review/claims", get(queue_page))
        .at("/review/claims/:id", get(review_page))
        .at("/review/claims/:id/file/:which", get(file_get))
        .at("/review/claims/:id/approve", post(approve_post))
        .at("/review/claims/:id/reject", post(reject_post))
}

fn label(status: &str) -> &'static str {
    match status {
        CLAIM_AWAITING_PROOF => "待上传材料",
        CLAIM_SUBMITTED => "待登记处核验",
        CLAIM_APPROVED => "已通过",
        CLAIM_REJECTED => "未通过",
        _ => "未知",
    }
}

async fn view_of(ctx: &Ctx, claim: &enterprise_claim::Model) -> Result<ClaimView, WebError> {
    let ent = enterprise::Entity::find_by_id(claim.enterprise_id)
        .one(&ctx.state.core.db)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(ClaimView {
        id: claim.id,
        contested: claim.contested,
        version: claim.version,
        enterprise_name: ent.name,
        credit_code: ent.credit_code,
        status: claim.status.clone(),
        status_label: label(&claim.status),
        reason: claim
            .reason
            .clone()
            .filter(|_| claim.status == CLAIM_REJECTED),
        has_files: claim.licence_digest.is_some() && claim.letter_digest.is_some(),
    })
}

/// The signed-in user's latest claim.
async fn own_claim(ctx: &Ctx, user: &Caller) -> Result<enterprise_claim::Model, WebError> {
    enterprise_claim::Entity::find()
        .filter(enterprise_claim::Column::UserId.eq(user.user.id))
        .order_by_desc(enterprise_claim::Column::Id)
        .one(&ctx.state.core.db)
        .await?
        .ok_or(WebError::NotFound)
}

fn my_crumbs() -> Vec<Crumb> {
    vec![
        Crumb {
            label: "工作台".into(),
            href: Some("/my".into()),
        },
        Crumb {
            label: "单位认领核验".into(),
            href: None,
        },
    ]
}

#[handler]
async fn my_claim_page(ctx: Ctx, user: Caller) -> Result<Response, WebError> {
    let claim = own_claim(&ctx, &user).await?;
    let view = view_of(&ctx, &claim).await?;
    Ok(ctx
        .work(
            &user,
            "单位认领核验",
            &my_crumbs(),
            pages::my_claim(&ctx.csrf_token, &view, &FormState::default()),
        )
        .await)
}

#[handler]
async fn my_claim_post(
    ctx: Ctx,
    user: Caller,
    mut multipart: Multipart,
) -> Result<Response, WebError> {
    let claim = own_claim(&ctx, &user).await?;
    let mut form = FormState::default();
    let mut uploads: Vec<(String, Vec<u8>)> = Vec::new();
    let mut version = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| WebError::BadRequest(e.to_string()))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| WebError::BadRequest(e.to_string()))?;
        match name.as_str() {
            "licence" | "letter" => uploads.push((name, bytes)),
            "version" => {
                version = String::from_utf8(bytes)
                    .ok()
                    .and_then(|v| v.trim().parse::<i32>().ok())
            }
            _ => {}
        }
    }
    let mut digests = std::collections::BTreeMap::new();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    for name in ["licence", "letter"] {
        let bytes = uploads
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.as_slice())
            .unwrap_or(&[]);
        match ctx.state.files.store(&txn, bytes).await {
            Ok(d) => {
                digests.insert(name, d);
            }
            Err(FileError::Io(e)) => return Err(WebError::Internal(e.into())),
            Err(FileError::Db(e)) => return Err(e.into()),
            Err(e) => form.add_error(
                name,
                if bytes.is_empty() {
                    "请选择文件".to_owned()
                } else {
                    e.to_string()
                },
            ),
        }
    }
    let can_upload = claim.status == CLAIM_AWAITING_PROOF || claim.status == CLAIM_REJECTED;
    if !can_upload {
        form.message = Some("该认领已提交或已处理，不能再上传材料".into());
    }
    if form.has_errors() {
        drop(txn);
        let view = view_of(&ctx, &claim).await?;
        return Ok(ctx
            .work_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &user,
                "单位认领核验",
                &my_crumbs(),
                pages::my_claim(&ctx.csrf_token, &view, &form),
            )
            .await);
    }
    let now = ctx.state.core.clock.now();
    let updated = enterprise_claim::Entity::update_many()
        .col_expr(
            enterprise_claim::Column::Status,
            Expr::value(CLAIM_SUBMITTED),
        )
        .col_expr(
            enterprise_claim::Column::LicenceDigest,
            Expr::value(digests["licence"].clone()),
        )
        .col_expr(
            enterprise_claim::Column::LetterDigest,
            Expr::value(digests["letter"].clone()),
        )
        .col_expr(
            enterprise_claim::Column::Version,
            Expr::value(claim.version + 1),
        )
        .filter(enterprise_claim::Column::Id.eq(claim.id))
        .filter(enterprise_claim::Column::Version.eq(version.unwrap_or(claim.version)))
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(WebError::Conflict(
            "材料已在其他页面提交，请刷新后查看。".into(),
        ));
    }
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry {
            action: "claim.submit",
            object_type: Some("enterprise_claim"),
            object_id: Some(claim.id.to_string()),
            outcome: Outcome::Success,
            detail: json!({ "licence": digests["licence"], "letter": digests["letter"] }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(ctx.redirect(
        "/my/claim",
        Some(Flash {
            kind: FlashKind::Success,
            message: "材料已提交，请等待登记处核验。".into(),
        }),
    ))
}

fn review_crumbs() -> Vec<Crumb> {
    vec![
        Crumb {
            label: "工作台".into(),
            href: Some("/my".into()),
        },
        Crumb {
            label: "单位认领核验".into(),
            href: Some("/review/claims".into()),
        },
    ]
}

#[handler]
async fn queue_page(ctx: Ctx, user: Caller) -> Result<Response, WebError> {
    user.require(perm::ENTERPRISE_VERIFY)?;
    let mut rows = Vec::new();
    for c in enterprise_claim::Entity::find()
        .filter(enterprise_claim::Column::Status.eq(CLAIM_SUBMITTED))
        .order_by_asc(enterprise_claim::Column::Id)
        .all(&ctx.state.core.db)
        .await?
    {
        let scope = claim_scope(&ctx, c.enterprise_id).await?;
        if !user
            .grants
            .covers(perm::ENTERPRISE_VERIFY, &scope, user.user.id)
        {
            continue;
        }
        let ent = enterprise::Entity::find_by_id(c.enterprise_id)
            .one(&ctx.state.core.db)
            .await?;
        let applicant = app_user::Entity::find_by_id(c.user_id)
            .one(&ctx.state.core.db)
            .await?;
        rows.push(QueueRow {
            id: c.id,
            contested: c.contested,
            enterprise_name: ent.as_ref().map(|e| e.name.clone()).unwrap_or_default(),
            credit_code: ent.map(|e| e.credit_code).unwrap_or_default(),
            applicant: applicant.map(|a| a.display_name).unwrap_or_default(),
            submitted: crate::core::clock::shanghai_minute(c.created_at),
        });
    }
    Ok(ctx
        .work(
            &user,
            "单位认领核验",
            &review_crumbs()[..1],
            pages::queue(&rows),
        )
        .await)
}

/// A claim lives with its enterprise and the enterprise's responsible
/// office today.
async fn claim_scope(ctx: &Ctx, enterprise_id: i64) -> Result<ObjectScope, WebError> {
    let today = crate::core::clock::shanghai_date(ctx.state.core.clock.now());
    let office = crate::org::responsible_office(&ctx.state.core.db, enterprise_id, today).await?;
    Ok(ObjectScope {
        office_id: office,
        enterprise_id: Some(enterprise_id),
        ..Default::default()
    })
}

/// The claim, if the user may verify it (403 without the permission, 404
/// outside their scope).
async fn reviewable(
    ctx: &Ctx,
    user: &Caller,
    id: i64,
) -> Result<enterprise_claim::Model, WebError> {
    user.require(perm::ENTERPRISE_VERIFY)?;
    let claim = enterprise_claim::Entity::find_by_id(id)
        .one(&ctx.state.core.db)
        .await?
        .ok_or(WebError::NotFound)?;
    user.require_on(
        perm::ENTERPRISE_VERIFY,
        &claim_scope(ctx, claim.enterprise_id).await?,
    )?;
    Ok(claim)
}

async fn review_view(
    ctx: &Ctx,
    user: &Caller,
    claim: &enterprise_claim::Model,
    form: &FormState,
    status: StatusCode,
) -> Result<Response, WebError> {
    let view = view_of(ctx, claim).await?;
    let applicant = app_user::Entity::find_by_id(claim.user_id)
        .one(&ctx.state.core.db)
        .await?
        .ok_or(WebError::NotFound)?;
    let masked = login::mobile_of(&ctx.state, &applicant)
        .map(|m| validate::mask_mobile(&m))
        .unwrap_or_default();
    let body = pages::review(
        &ctx.csrf_token,
        &view,
        &applicant.display_name,
        &masked,
        form,
    );
    Ok(ctx
        .work_with_status(status, user, "核验单位认领", &review_crumbs(), body)
        .await)
}

#[handler]
async fn review_page(ctx: Ctx, user: Caller, Path(id): Path<i64>) -> Result<Response, WebError> {
    let claim = reviewable(&ctx, &user, id).await?;
    review_view(&ctx, &user, &claim, &FormState::default(), StatusCode::OK).await
}

#[handler]
async fn file_get(
    ctx: Ctx,
    user: Caller,
    Path((id, which)): Path<(i64, String)>,
) -> Result<Response, WebError> {
    let claim = reviewable(&ctx, &user, id).await?;
    let digest = match which.as_str() {
        "licence" => claim.licence_digest,
        "letter" => claim.letter_digest,
        _ => None,
    }
    .ok_or(WebError::NotFound)?;
    let (bytes, content_type) = ctx
        .state
        .files
        .load(&digest)
        .await
        .map_err(|e| WebError::Internal(anyhow::anyhow!(e.to_string())))?
        .ok_or(WebError::NotFound)?;
    Ok(bytes
        .with_content_type(content_type)
        .with_header(
            "content-disposition",
            format!("attachment; filename=\"{which}-{id}\""),
        )
        .with_header("cache-control", "no-store")
        .into_response())
}

fn version_of(fields: &[(String, String)]) -> Option<i32> {
    fields
        .iter()
        .find(|(k, _)| k == "version")
        .and_then(|(_, v)| v.parse().ok())
}

/// Moves a submitted claim on, once: the version must still match.
async fn decide(
    ctx: &Ctx,
    user: &Caller,
    claim: &enterprise_claim::Model,
    version: Option<i32>,
    approve: bool,
    reason: Option<String>,
) -> Result<(), WebError> {
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    let updated = enterprise_claim::Entity::update_many()
        .col_expr(
            enterprise_claim::Column::Status,
            Expr::value(if approve {
                CLAIM_APPROVED
            } else {
                CLAIM_REJECTED
            }),
        )
        .col_expr(
            enterprise_claim::Column::Reason,
            Expr::value(reason.clone()),
        )
        .col_expr(
            enterprise_claim::Column::DecidedBy,
            Expr::value(user.user.id),
        )
        .col_expr(enterprise_claim::Column::DecidedAt, Expr::value(now))
        .col_expr(
            enterprise_claim::Column::Version,
            Expr::value(claim.version + 1),
        )
        .filter(enterprise_claim::Column::Id.eq(claim.id))
        .filter(enterprise_claim::Column::Status.eq(CLAIM_SUBMITTED))
        .filter(enterprise_claim::Column::Version.eq(version.unwrap_or(-1)))
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(WebError::Conflict(
            "该认领已由他人处理，请刷新后查看最新状态。".into(),
        ));
    }
    if approve {
        let verified = enterprise::Entity::find_by_id(claim.enterprise_id)
            .one(&txn)
            .await?
            .is_some_and(|e| e.status == ENTERPRISE_VERIFIED);
        if verified && !claim.contested {
            return Err(WebError::Conflict(
                "该单位已由其他申请人完成认证，本认领不能再通过；请不予通过并告知申请人联系本单位企业管理员。".into(),
            ));
        }
        let applicant = app_user::Entity::find_by_id(claim.user_id)
            .one(&txn)
            .await?
            .ok_or(WebError::NotFound)?;
        if applicant.status == STATUS_PENDING {
            let v = applicant.version;
            let mut m: app_user::ActiveModel = applicant.into();
            m.status = Set(STATUS_ACTIVE.into());
            m.version = Set(v + 1);
            m.update(&txn).await?;
        }
        let ent = enterprise::Entity::find_by_id(claim.enterprise_id)
            .one(&txn)
            .await?
            .ok_or(WebError::NotFound)?;
        let mut e: enterprise::ActiveModel = ent.into();
        e.status = Set(ENTERPRISE_VERIFIED.into());
        e.updated_at = Set(now);
        e.update(&txn).await?;
        roles::assign(
            &txn,
            ctx.state.keys.as_ref(),
            claim.user_id,
            "enterprise_admin",
            Scope::Enterprise(claim.enterprise_id),
            Some(user.user.id),
            now,
        )
        .await
        .map_err(|e| WebError::Internal(anyhow::anyhow!(e.to_string())))?;
    }
    audit::record(&txn, now, &user.actor(), Entry {
        action: if approve { "claim.approve" } else { "claim.reject" },
        object_type: Some("enterprise_claim"),
        object_id: Some(claim.id.to_string()),
        outcome: Outcome::Success,
        detail: json!({ "enterprise_id": claim.enterprise_id, "user_id": claim.user_id, "reason": reason }),
    })
    .await?;
    txn.commit().await?;
    Ok(())
}

#[handler]
async fn approve_post(
    ctx: Ctx,
    user: Caller,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let claim = reviewable(&ctx, &user, id).await?;
    decide(&ctx, &user, &claim, version_of(&fields), true, None).await?;
    Ok(ctx.redirect(
        "/review/claims",
        Some(Flash {
            kind: FlashKind::Success,
            message: "已核验通过，申请人账号已启用。".into(),
        }),
    ))
}

#[handler]
async fn reject_post(
    ctx: Ctx,
    user: Caller,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let claim = reviewable(&ctx, &user, id).await?;
    let mut form = form_from(&fields);
    let reason = form.value("reason").trim().to_owned();
    if reason.is_empty() {
        form.add_error("reason", "请填写不通过原因");
        return review_view(&ctx, &user, &claim, &form, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    decide(
        &ctx,
        &user,
        &claim,
        version_of(&fields),
        false,
        Some(reason),
    )
    .await?;
    Ok(ctx.redirect(
        "/review/claims",
        Some(Flash {
            kind: FlashKind::Success,
            message: "已退回，申请人可补充材料后重新提交。".into(),
        }),
    ))
}
