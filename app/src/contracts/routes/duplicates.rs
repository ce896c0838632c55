//! The duplicate check on contract pages: the reviewer's panel on the case
//! page and the side-by-side comparison with the decision (是重复 / 不是重复);
//! the applicant's notice on a submitted application with the explanation.

use chrono::NaiveDate;
use maud::Markup;
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Response, Route, get, handler, post};
use techreg_views::components::{Crumb, Flash, FlashKind};
use techreg_views::pages::duplicates::{
    self as pages, CompareLine, CompareView, MatchRow, OwnCase,
};
use techreg_views::pages::identity::FormState;

use super::super::Contracts;
use super::super::duplicate_cases::{self, Comparison, ExplainForm};
use super::super::money::format_fen;
use super::super::service::{Full, status_of};
use crate::core::{Caller, DomainError};
use crate::duplicates::{DecisionForm, decision_label, kind_label};
use crate::web::form::{Form, form_state};
use crate::web::{Ctx, WebResult};

pub fn routes(route: Route) -> Route {
    route
        .at(
            "/review/contracts/:id/duplicates/:other",
            get(compare_page).post(decide_post),
        )
        .at("/my/contracts/:id/duplicates/explain", post(explain_post))
}

/// The reviewer's panel on the case page (nothing for a draft).
pub async fn review_panel(cx: &Contracts, full: &Full) -> WebResult<Markup> {
    let Some(panel) = duplicate_cases::panel(cx, full).await? else {
        return Ok(maud::html! {});
    };
    let rows: Vec<MatchRow> = panel
        .matches
        .iter()
        .filter(|m| m.raised())
        .map(|m| MatchRow {
            other_id: m.other.id,
            approval_code: m.other.approval_code.clone(),
            name: m.other.name.clone(),
            office: m
                .other
                .office_id
                .and_then(|o| panel.offices.get(&o).cloned())
                .unwrap_or_default(),
            status: status_of(&m.other).label().into(),
            kind: kind_label(m.is_exact()),
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
    Ok(pages::review_panel(&rows, panel.explanation.as_deref()))
}

/// The applicant's notice on a submitted application with exact
/// duplicates; nothing otherwise.
pub async fn applicant_notice(
    ctx: &Ctx,
    cx: &Contracts,
    caller: &Caller,
    full: &Full,
    form: &FormState,
) -> WebResult<Option<Markup>> {
    let Some(notice) = duplicate_cases::notice(cx, caller, full).await? else {
        return Ok(None);
    };
    let own: Vec<OwnCase> = notice
        .own
        .iter()
        .map(|m| OwnCase {
            id: m.other.id,
            approval_code: m.other.approval_code.clone(),
            name: m.other.name.clone(),
            status: status_of(&m.other).label().into(),
        })
        .collect();
    Ok(Some(pages::applicant_notice(
        &ctx.csrf_token,
        full.contract.id,
        &own,
        notice.others,
        notice.explanation.as_deref(),
        form,
    )))
}

#[handler]
async fn explain_post(
    ctx: Ctx,
    caller: Caller,
    Data(cx): Data<&Contracts>,
    Path(id): Path<i64>,
    Form(form): Form<ExplainForm>,
) -> WebResult<Response> {
    match duplicate_cases::explain(cx, &caller, id, &form).await {
        Ok(()) => Ok(ctx.redirect(
            &format!("/my/contracts/{id}"),
            Some(Flash {
                kind: FlashKind::Success,
                message: "情况说明已提交，登记处审查时将一并考虑。".into(),
            }),
        )),
        Err(DomainError::Invalid(errors)) => {
            let shown = ExplainForm {
                explanation: form.explanation.trim().to_owned(),
            };
            let state = form_state(&shown, &errors);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            super::super::apply_routes::summary_with(&ctx, &caller, id, &state, status).await
        }
        Err(e) => Err(e.into()),
    }
}

fn side(full: &Full) -> Vec<(&'static str, String)> {
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
}

fn lines(a: &Full, b: &Full) -> Vec<CompareLine> {
    side(a)
        .into_iter()
        .zip(side(b))
        .map(|((label, left), (_, right))| CompareLine { label, left, right })
        .collect()
}

fn compare_view(
    id: i64,
    other: i64,
    c: Comparison,
    notice: Option<(&'static str, String)>,
) -> CompareView {
    CompareView {
        id,
        other_id: other,
        left_title: format!("本案 {}", c.a.contract.approval_code),
        right_title: format!("比对 {}", c.b.contract.approval_code),
        lines: lines(&c.a, &c.b),
        kind: kind_label(!c.exact.is_empty()),
        score: c.score.score,
        reasons: c.exact.into_iter().chain(c.score.reasons).collect(),
        decision: c.decision.as_ref().map(|d| {
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
        decision_version: c.decision.as_ref().map(|d| d.version).unwrap_or(0),
        can_decide: c.can_decide,
        notice,
    }
}

async fn render_compare(
    ctx: &Ctx,
    caller: &Caller,
    cx: &Contracts,
    (id, other): (i64, i64),
    form: &FormState,
    notice: Option<(&'static str, String)>,
    status: StatusCode,
) -> WebResult<Response> {
    let comparison = duplicate_cases::comparison(cx, caller, id, other).await?;
    let code = comparison.a.contract.approval_code.clone();
    let view = compare_view(id, other, comparison, notice);
    let crumbs = vec![
        Crumb::link("合同审查", "/review/contracts"),
        Crumb::link(&code, &format!("/review/contracts/{id}")),
        Crumb {
            label: "重复比对".into(),
            href: None,
        },
    ];
    let body = pages::compare_page(&ctx.csrf_token, &view, form);
    Ok(ctx
        .work_with_status(status, caller, "重复合同比对", &crumbs, body)
        .await)
}

#[handler]
async fn compare_page(
    ctx: Ctx,
    caller: Caller,
    Data(cx): Data<&Contracts>,
    Path((id, other)): Path<(i64, i64)>,
) -> WebResult<Response> {
    let form = FormState::default();
    render_compare(&ctx, &caller, cx, (id, other), &form, None, StatusCode::OK).await
}

#[handler]
async fn decide_post(
    ctx: Ctx,
    caller: Caller,
    Data(cx): Data<&Contracts>,
    Path((id, other)): Path<(i64, i64)>,
    Form(form): Form<DecisionForm>,
) -> WebResult<Response> {
    match duplicate_cases::decide(cx, &caller, id, other, &form).await {
        Ok(done) => Ok(ctx.redirect(
            &format!("/review/contracts/{id}"),
            Some(Flash {
                kind: FlashKind::Success,
                message: format!(
                    "已记录判定：{}。",
                    if done.duplicate {
                        "是重复"
                    } else {
                        "不是重复"
                    }
                ),
            }),
        )),
        Err(DomainError::Invalid(errors)) => {
            let shown = DecisionForm {
                reason: form.reason.trim().to_owned(),
                ..DecisionForm::default()
            };
            let state = form_state(&shown, &errors);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render_compare(&ctx, &caller, cx, (id, other), &state, None, status).await
        }
        Err(DomainError::Conflict(message)) => {
            let notice = Some(("flash flash-warning", message));
            let (form, status) = (FormState::default(), StatusCode::CONFLICT);
            render_compare(&ctx, &caller, cx, (id, other), &form, notice, status).await
        }
        Err(e) => Err(e.into()),
    }
}
