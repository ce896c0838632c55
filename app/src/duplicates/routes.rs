//! Screens: the reviewer's duplicate panel and side-by-side comparison with
//! the decision (是重复 / 不是重复, audited, remembered per pair); the
//! applicant's notice with the explanation; the supervision batch check
//! with its Excel export.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use maud::Markup;
use poem::http::{StatusCode, header};
use poem::web::{Form, Path, Query};
use poem::{IntoResponse, Response, Route, get, handler, post};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use techreg_entities::contract::{contract, duplicate_decision, event};
use techreg_entities::org::office;
use techreg_views::components::{Crumb, Flash, FlashKind};
use techreg_views::pages::duplicates::{
    self as pages, ClusterRow, CompareLine, CompareView, MatchRow, OwnCase, ReportView,
};
use techreg_views::pages::identity::FormState;

use super::check::{self, DUPLICATE, Match, NOT_DUPLICATE, pair};
use super::index::doc_of_full;
use super::report;
use super::score;
use crate::audit::{self, Entry, Outcome};
use crate::contracts::money::format_fen;
use crate::contracts::queues;
use crate::contracts::service::{self, Full, object_scope, status_of};
use crate::contracts::state::Status;
use crate::core::Caller;
use crate::core::Coverage;
use crate::core::Scope;
use crate::core::period::Period;
use crate::security::rbac::perm;
use crate::web::{Ctx, WebError};

pub fn routes(route: Route) -> Route {
    route
        .at(
            "/review/contracts/:id/duplicates/:other",
            get(compare_page).post(decide_post),
        )
        .at("/my/contracts/:id/duplicates/explain", post(explain_post))
        .at("/supervision/duplicates", get(report_page))
        .at("/supervision/duplicates.xlsx", get(report_xlsx))
}

const STAFF: [&str; 4] = [
    perm::CONTRACT_ACCEPT,
    perm::CONTRACT_REVIEW,
    perm::CONTRACT_LARGE,
    perm::CONTRACT_APPROVE,
];
const REASON_MAX: usize = 2000;

fn decision_label(d: &str) -> &'static str {
    if d == DUPLICATE {
        "已确认重复"
    } else {
        "已判定不是重复"
    }
}

/// The applicant's latest explanation since the latest submission.
pub async fn explanation_of<C: sea_orm::ConnectionTrait>(
    db: &C,
    id: i64,
) -> Result<Option<String>, WebError> {
    let last = event::Entity::find()
        .filter(event::Column::ContractId.eq(id))
        .filter(event::Column::Action.is_in(["submit", "duplicate_explain"]))
        .order_by_desc(event::Column::Id)
        .one(db)
        .await?;
    Ok(last
        .filter(|e| e.action == "duplicate_explain")
        .map(|e| e.reason))
}

/// The reviewer's panel on the case page.
pub async fn review_panel(ctx: &Ctx, full: &Full) -> Result<Markup, WebError> {
    if status_of(&full.contract) == Status::Draft {
        return Ok(maud::html! {});
    }
    let t = check::thresholds(&ctx.state).await;
    let found = check::check(&ctx.state.core.db, full, &t).await?;
    let offices: BTreeMap<i64, String> = office::Entity::find()
        .all(&ctx.state.core.db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let rows: Vec<MatchRow> = found
        .iter()
        .filter(|m| m.raised())
        .map(|m| MatchRow {
            other_id: m.other.id,
            approval_code: m.other.approval_code.clone(),
            name: m.other.name.clone(),
            office: m
                .other
                .office_id
                .and_then(|o| offices.get(&o).cloned())
                .unwrap_or_default(),
            status: status_of(&m.other).label().into(),
            kind: if m.is_exact() {
                "重复"
            } else {
                "可能重复"
            },
            score: m.score,
            reasons: m
                .exact
                .iter()
                .chain(m.reasons.iter())
                .cloned()
                .collect::<Vec<_>>()
                .join("；"),
            decision: m
                .decision
                .as_ref()
                .map(|d| format!("{}（{}）", decision_label(&d.decision), d.actor)),
            compare_href: format!(
                "/review/contracts/{}/duplicates/{}",
                full.contract.id, m.other.id
            ),
        })
        .collect();
    let explanation = explanation_of(&ctx.state.core.db, full.contract.id).await?;
    Ok(pages::review_panel(&rows, explanation.as_deref()))
}

/// The exact duplicates of a submitted application, for its applicant.
pub async fn exact_for_applicant<C: sea_orm::ConnectionTrait>(
    state: &crate::boot::AppState,
    db: &C,
    full: &Full,
) -> Result<Vec<Match>, WebError> {
    let t = check::thresholds(state).await;
    Ok(check::check(db, full, &t)
        .await?
        .into_iter()
        .filter(|m| m.is_exact() && m.raised())
        .collect())
}

/// The applicant's notice on a submitted application with exact
/// duplicates; nothing otherwise.
pub async fn applicant_notice(
    ctx: &Ctx,
    user: &Caller,
    full: &Full,
    form: &FormState,
) -> Result<Option<Markup>, WebError> {
    let c = &full.contract;
    if !crate::duplicates::index::LIVE.contains(&status_of(c)) {
        return Ok(None);
    }
    let found = exact_for_applicant(&ctx.state, &ctx.state.core.db, full).await?;
    if found.is_empty() {
        return Ok(None);
    }
    let (own, others): (Vec<&Match>, Vec<&Match>) =
        found.iter().partition(|m| service::is_own(user, &m.other));
    let own: Vec<OwnCase> = own
        .iter()
        .map(|m| OwnCase {
            id: m.other.id,
            approval_code: m.other.approval_code.clone(),
            name: m.other.name.clone(),
            status: status_of(&m.other).label().into(),
        })
        .collect();
    let explanation = explanation_of(&ctx.state.core.db, c.id).await?;
    Ok(Some(pages::applicant_notice(
        &ctx.csrf_token,
        c.id,
        &own,
        others.len(),
        explanation.as_deref(),
        form,
    )))
}

#[handler]
async fn explain_post(
    ctx: Ctx,
    user: crate::core::Caller,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let c = service::own(&ctx.state.core.db, &user, id).await?;
    let status = status_of(&c);
    if !crate::duplicates::index::LIVE.contains(&status) {
        return Err(WebError::Conflict(
            "该申请尚未提交或已办结，无需说明。".into(),
        ));
    }
    let full = service::load(&ctx.state.core.db, id)
        .await?
        .ok_or(WebError::NotFound)?;
    if exact_for_applicant(&ctx.state, &ctx.state.core.db, &full)
        .await?
        .is_empty()
    {
        return Err(WebError::Conflict(
            "系统未发现与本申请重复的合同，无需说明。".into(),
        ));
    }
    if explanation_of(&ctx.state.core.db, id).await?.is_some() {
        return Err(WebError::Conflict("本申请的情况说明已经提交。".into()));
    }
    let text = fields
        .iter()
        .find(|(k, _)| k == "explanation")
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default();
    let error = if text.is_empty() {
        Some("请填写情况说明")
    } else if text.chars().count() > REASON_MAX {
        Some("情况说明不能超过 2000 字")
    } else {
        None
    };
    if let Some(e) = error {
        let mut form = FormState {
            values: vec![("explanation".into(), text)],
            ..Default::default()
        };
        form.add_error("explanation", e);
        return crate::contracts::apply_routes::summary_with(
            &ctx,
            &user,
            id,
            &form,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    let actor = user.actor();
    event::ActiveModel {
        contract_id: Set(id),
        at: Set(now),
        actor: Set(actor.name.clone()),
        actor_user_id: Set(actor.user_id),
        acting_for: Set(actor.on_behalf_of.clone()),
        action: Set("duplicate_explain".into()),
        from_status: Set(status.as_str().into()),
        to_status: Set(status.as_str().into()),
        reason_code: Set(None),
        reason: Set(text.clone()),
        detail: Set("{}".into()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        now,
        &actor,
        Entry {
            action: "contract.duplicate_explain",
            object_type: Some("contract"),
            object_id: Some(id.to_string()),
            outcome: Outcome::Success,
            detail: json!({ "explanation": text }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(ctx.redirect(
        &format!("/my/contracts/{id}"),
        Some(Flash {
            kind: FlashKind::Success,
            message: "情况说明已提交，登记处审查时将一并考虑。".into(),
        }),
    ))
}

/// The case (which the user works on) and the other contract.
async fn both(ctx: &Ctx, user: &Caller, id: i64, other: i64) -> Result<(Full, Full), WebError> {
    queues::visible(user)?;
    let a = service::load(&ctx.state.core.db, id)
        .await?
        .ok_or(WebError::NotFound)?;
    if !queues::may_see(user, &a.contract) || id == other {
        return Err(WebError::NotFound);
    }
    let b = service::load(&ctx.state.core.db, other)
        .await?
        .ok_or(WebError::NotFound)?;
    if status_of(&b.contract) == Status::Draft {
        return Err(WebError::NotFound);
    }
    // Another office's contract only as a match of this case (or a pair
    // already decided): an id typed into the address shows nothing.
    if !queues::may_see(user, &b.contract) && !related(ctx, &a, other).await? {
        return Err(WebError::NotFound);
    }
    Ok((a, b))
}

/// Whether `other` is raised by the check of `a`, or the pair was decided.
async fn related(ctx: &Ctx, a: &Full, other: i64) -> Result<bool, WebError> {
    let t = check::thresholds(&ctx.state).await;
    if check::check(&ctx.state.core.db, a, &t)
        .await?
        .iter()
        .any(|m| m.other.id == other)
    {
        return Ok(true);
    }
    let (x, y) = pair(a.contract.id, other);
    Ok(duplicate_decision::Entity::find()
        .filter(duplicate_decision::Column::ContractA.eq(x))
        .filter(duplicate_decision::Column::ContractB.eq(y))
        .one(&ctx.state.core.db)
        .await?
        .is_some())
}

fn may_decide(user: &Caller, c: &contract::Model) -> bool {
    let scope = object_scope(c);
    STAFF
        .iter()
        .any(|p| user.grants.covers(p, &scope, user.user.id))
}

fn lines(a: &Full, b: &Full) -> Vec<CompareLine> {
    let f = |full: &Full| -> Vec<(&'static str, String)> {
        let c = &full.contract;
        let party = |role: &str| {
            full.parties
                .iter()
                .filter(|p| p.role == role)
                .map(|p| match &p.credit_code {
                    Some(code) if !code.is_empty() => format!("{}（{}）", p.name, code),
                    _ => p.name.clone(),
                })
                .collect::<Vec<_>>()
                .join("；")
        };
        let yuan = |x: Option<i64>| {
            x.map(|f| format!("{} 元", format_fen(f)))
                .unwrap_or_default()
        };
        let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        vec![
            ("统一审批编码", c.approval_code.clone()),
            ("状态", status_of(c).label().into()),
            ("合同名称", c.name.clone()),
            ("合同编号", c.contract_number.clone()),
            ("签订日期", day(c.signed_on)),
            (
                "有效期",
                format!("{} 至 {}", day(c.valid_from), day(c.valid_to)),
            ),
            ("卖方", party("seller")),
            ("买方", party("buyer")),
            ("成交额", yuan(c.deal_amount)),
            ("技术交易额", yuan(c.tech_amount)),
            ("技术内容摘要", c.summary.clone()),
            (
                "合同文本扫描件（SM3）",
                full.attachments
                    .iter()
                    .filter(|x| x.kind == "contract")
                    .map(|x| x.digest.chars().take(16).collect::<String>())
                    .collect::<Vec<_>>()
                    .join("、"),
            ),
        ]
    };
    f(a).into_iter()
        .zip(f(b))
        .map(|((label, left), (_, right))| CompareLine { label, left, right })
        .collect()
}

async fn render_compare(
    ctx: &Ctx,
    user: &Caller,
    id: i64,
    other: i64,
    form: &FormState,
    notice: Option<(&'static str, String)>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let (a, b) = both(ctx, user, id, other).await?;
    let t = check::thresholds(&ctx.state).await;
    // The pair as the check sees it (exact reasons included).
    let found = check::check(&ctx.state.core.db, &a, &t).await?;
    let (da, db_) = (doc_of_full(&a), doc_of_full(&b));
    let s = score(&da, &da.shingles(), &db_, &db_.shingles(), &t);
    let m = found.iter().find(|m| m.other.id == other);
    let exact = m.map(|m| m.exact.clone()).unwrap_or_default();
    let (x, y) = pair(id, other);
    let decision = duplicate_decision::Entity::find()
        .filter(duplicate_decision::Column::ContractA.eq(x))
        .filter(duplicate_decision::Column::ContractB.eq(y))
        .one(&ctx.state.core.db)
        .await?;
    if !queues::may_see(user, &b.contract) {
        // Another office's contract, shown for the comparison: recorded.
        audit::record(
            &ctx.state.core.db,
            ctx.state.core.clock.now(),
            &user.actor(),
            Entry {
                action: "duplicate.compare",
                object_type: Some("contract"),
                object_id: Some(other.to_string()),
                outcome: Outcome::Success,
                detail: json!({ "case": id }),
            },
        )
        .await?;
    }
    let view = CompareView {
        id,
        other_id: other,
        left_title: format!("本案 {}", a.contract.approval_code),
        right_title: format!("比对 {}", b.contract.approval_code),
        lines: lines(&a, &b),
        kind: if exact.is_empty() {
            "可能重复"
        } else {
            "重复"
        },
        score: s.score,
        reasons: exact.into_iter().chain(s.reasons).collect(),
        decision: decision.as_ref().map(|d| {
            (
                decision_label(&d.decision).to_owned(),
                d.reason.clone(),
                format!(
                    "{}，{}",
                    d.actor,
                    crate::core::clock::shanghai_minute(d.decided_at)
                ),
            )
        }),
        decision_version: decision.as_ref().map(|d| d.version).unwrap_or(0),
        can_decide: may_decide(user, &a.contract),
        notice,
    };
    let crumbs = vec![
        Crumb {
            label: "合同审查".into(),
            href: Some("/review/contracts".into()),
        },
        Crumb {
            label: a.contract.approval_code.clone(),
            href: Some(format!("/review/contracts/{id}")),
        },
        Crumb {
            label: "重复比对".into(),
            href: None,
        },
    ];
    let body = pages::compare_page(&ctx.csrf_token, &view, form);
    Ok(ctx
        .work_with_status(status, user, "重复合同比对", &crumbs, body)
        .await)
}

#[handler]
async fn compare_page(
    ctx: Ctx,
    user: Caller,
    Path((id, other)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    render_compare(
        &ctx,
        &user,
        id,
        other,
        &FormState::default(),
        None,
        StatusCode::OK,
    )
    .await
}

#[handler]
async fn decide_post(
    ctx: Ctx,
    user: Caller,
    Path((id, other)): Path<(i64, i64)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let (a, _) = both(&ctx, &user, id, other).await?;
    if !may_decide(&user, &a.contract) {
        return Err(WebError::Forbidden("contract review"));
    }
    let value = |k: &str| {
        fields
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let decision = value("decision");
    let reason = value("reason");
    let version: i32 = value("version")
        .parse()
        .map_err(|_| WebError::BadRequest("version".into()))?;
    if decision != DUPLICATE && decision != NOT_DUPLICATE {
        return Err(WebError::BadRequest("decision".into()));
    }
    let mut form = FormState {
        values: vec![("reason".into(), reason.clone())],
        ..Default::default()
    };
    if reason.is_empty() {
        form.add_error("reason", "请填写判定理由");
    } else if reason.chars().count() > REASON_MAX {
        form.add_error("reason", "判定理由不能超过 2000 字");
    }
    if form.has_errors() {
        return render_compare(
            &ctx,
            &user,
            id,
            other,
            &form,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let (x, y) = pair(id, other);
    let now = ctx.state.core.clock.now();
    let actor = user.actor();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    let current = duplicate_decision::Entity::find()
        .filter(duplicate_decision::Column::ContractA.eq(x))
        .filter(duplicate_decision::Column::ContractB.eq(y))
        .one(&txn)
        .await?;
    let ok = match &current {
        None if version == 0 => duplicate_decision::ActiveModel {
            contract_a: Set(x),
            contract_b: Set(y),
            decision: Set(decision.clone()),
            reason: Set(reason.clone()),
            user_id: Set(Some(user.user.id)),
            actor: Set(actor.name.clone()),
            decided_at: Set(now),
            version: Set(1),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .is_ok(),
        Some(d) if d.version == version => {
            duplicate_decision::Entity::update_many()
                .col_expr(
                    duplicate_decision::Column::Decision,
                    Expr::value(decision.clone()),
                )
                .col_expr(
                    duplicate_decision::Column::Reason,
                    Expr::value(reason.clone()),
                )
                .col_expr(
                    duplicate_decision::Column::UserId,
                    Expr::value(Some(user.user.id)),
                )
                .col_expr(
                    duplicate_decision::Column::Actor,
                    Expr::value(actor.name.clone()),
                )
                .col_expr(duplicate_decision::Column::DecidedAt, Expr::value(now))
                .col_expr(
                    duplicate_decision::Column::Version,
                    Expr::value(version + 1),
                )
                .filter(duplicate_decision::Column::Id.eq(d.id))
                .filter(duplicate_decision::Column::Version.eq(version))
                .exec(&txn)
                .await?
                .rows_affected
                == 1
        }
        _ => false,
    };
    if !ok {
        drop(txn);
        return render_compare(
            &ctx,
            &user,
            id,
            other,
            &FormState::default(),
            Some((
                "flash flash-warning",
                "已由他人判定，未重复办理；下面是最新的判定。".into(),
            )),
            StatusCode::CONFLICT,
        )
        .await;
    }
    audit::record(
        &txn,
        now,
        &actor,
        Entry {
            action: "duplicate.decide",
            object_type: Some("contract"),
            object_id: Some(id.to_string()),
            outcome: Outcome::Success,
            detail: json!({
                "pair": [x, y], "decision": decision, "reason": reason,
                "previous": current.as_ref().map(|d| d.decision.clone()),
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(ctx.redirect(
        &format!("/review/contracts/{id}"),
        Some(Flash {
            kind: FlashKind::Success,
            message: format!(
                "已记录判定：{}。",
                if decision == DUPLICATE {
                    "是重复"
                } else {
                    "不是重复"
                }
            ),
        }),
    ))
}

#[derive(Deserialize, Serialize, Default)]
struct ReportQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    office: String,
}

/// City-wide for a city-wide `supervision.sample` grant, otherwise the
/// grant's offices.
fn allowed(user: &Caller) -> Result<Coverage, WebError> {
    user.require(perm::SUPERVISION_SAMPLE)?;
    let mut ids = BTreeSet::new();
    for g in user
        .grants
        .0
        .iter()
        .filter(|g| g.permissions.contains(perm::SUPERVISION_SAMPLE))
    {
        match g.scope {
            Scope::All => return Ok(Coverage::City),
            Scope::Office(id) => {
                ids.insert(id);
            }
            _ => {}
        }
    }
    if ids.is_empty() {
        return Err(WebError::Forbidden("supervision.sample without an office"));
    }
    Ok(Coverage::Offices(ids))
}

/// The period and offices asked for, or the message why not.
fn resolve(
    allowed: &Coverage,
    q: &ReportQuery,
    today: NaiveDate,
) -> Result<Result<(Period, Coverage), String>, WebError> {
    let parse = |s: &str, default: NaiveDate| {
        if s.trim().is_empty() {
            Ok(default)
        } else {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map_err(|_| "日期格式应为 YYYY-MM-DD".to_owned())
        }
    };
    let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    let period = match (parse(&q.from, year_start), parse(&q.to, today)) {
        (Ok(f), Ok(t)) => Period::new(f, t),
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    let period = match period {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    let office = q.office.trim();
    if office.is_empty() {
        return Ok(Ok((period, allowed.clone())));
    }
    let Ok(id) = office.parse::<i64>() else {
        return Ok(Err("登记处无效".into()));
    };
    if let Coverage::Offices(ids) = allowed
        && !ids.contains(&id)
    {
        return Err(WebError::NotFound);
    }
    Ok(Ok((period, Coverage::Offices(BTreeSet::from([id])))))
}

fn report_crumbs() -> Vec<Crumb> {
    vec![
        Crumb {
            label: "工作台".into(),
            href: Some("/my".into()),
        },
        Crumb {
            label: "重复合同批量检查".into(),
            href: None,
        },
    ]
}

#[handler]
async fn report_page(
    ctx: Ctx,
    user: Caller,
    Query(q): Query<ReportQuery>,
) -> Result<Response, WebError> {
    let allowed = allowed(&user)?;
    let today = crate::core::clock::shanghai_date(ctx.state.core.clock.now());
    let offices: Vec<(i64, String)> = office::Entity::find()
        .order_by_asc(office::Column::Code)
        .all(&ctx.state.core.db)
        .await?
        .into_iter()
        .filter(|o| match &allowed {
            Coverage::City => true,
            Coverage::Offices(ids) => ids.contains(&o.id),
        })
        .map(|o| (o.id, format!("{} {}", o.code, o.name)))
        .collect();
    let (status, error, rows, period) = match resolve(&allowed, &q, today)? {
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, Some(e), None, None),
        Ok((period, coverage)) => {
            let t = check::thresholds(&ctx.state).await;
            let clusters = report::clusters(&ctx.state.core.db, period, &coverage, &t).await?;
            let rows: Vec<ClusterRow> = clusters
                .iter()
                .enumerate()
                .map(|(i, c)| ClusterRow {
                    no: i + 1,
                    kind: if c.exact { "重复" } else { "可能重复" },
                    members: c
                        .members
                        .iter()
                        .map(|m| {
                            (
                                m.contract.id,
                                m.contract.approval_code.clone(),
                                m.contract.name.clone(),
                                m.seller.clone(),
                                m.buyer.clone(),
                                m.office.clone(),
                            )
                        })
                        .collect(),
                    reasons: c.reasons.iter().cloned().collect::<Vec<_>>().join("；"),
                })
                .collect();
            (StatusCode::OK, None, Some(rows), Some(period))
        }
    };
    let (from, to) = match period {
        Some(p) => (p.from.to_string(), p.to.to_string()),
        None => (q.from.clone(), q.to.clone()),
    };
    let export = ReportQuery {
        from: from.clone(),
        to: to.clone(),
        office: q.office.trim().to_owned(),
    };
    let body = pages::report_page(&ReportView {
        from: &from,
        to: &to,
        offices: (offices.len() > 1).then_some(offices.as_slice()),
        office: q.office.trim().parse().ok(),
        error: error.as_deref(),
        clusters: rows.as_deref(),
        xlsx_href: Some(format!(
            "/supervision/duplicates.xlsx?{}",
            serde_urlencoded::to_string(&export).unwrap_or_default()
        )),
    });
    Ok(ctx
        .work_with_status(status, &user, "重复合同批量检查", &report_crumbs(), body)
        .await)
}

#[handler]
async fn report_xlsx(
    ctx: Ctx,
    user: Caller,
    Query(q): Query<ReportQuery>,
) -> Result<Response, WebError> {
    let allowed = allowed(&user)?;
    let today = crate::core::clock::shanghai_date(ctx.state.core.clock.now());
    let (period, coverage) = match resolve(&allowed, &q, today)? {
        Ok(x) => x,
        Err(e) => return Err(WebError::BadRequest(e)),
    };
    let t = check::thresholds(&ctx.state).await;
    let clusters = report::clusters(&ctx.state.core.db, period, &coverage, &t).await?;
    let bytes = report::to_xlsx(period, &clusters).map_err(|e| WebError::Internal(e.into()))?;
    audit::record(
        &ctx.state.core.db,
        ctx.state.core.clock.now(),
        &user.actor(),
        Entry {
            action: "report.export",
            object_type: Some("report"),
            object_id: Some("duplicates".into()),
            outcome: Outcome::Success,
            detail: json!({
                "from": period.from.to_string(), "to": period.to.to_string(),
                "offices": match &coverage { Coverage::City => json!("all"), Coverage::Offices(ids) => json!(ids) },
                "clusters": clusters.len(),
            }),
        },
    )
    .await?;
    let (f, t) = (period.from.format("%Y%m%d"), period.to.format("%Y%m%d"));
    Ok(bytes
        .with_content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .with_header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"duplicates-{f}-{t}.xlsx\""),
        )
        .with_header(header::CACHE_CONTROL, "no-store")
        .into_response())
}
