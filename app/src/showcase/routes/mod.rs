//! The public pages: home, guide, the verification form, and the old
//! system's start page.

use poem::http::StatusCode;
use poem::web::Query;
use poem::{Response, Route, get, handler};
use techreg_views::pages::portal::{self, VerifyForm, VerifyOutcome};

use super::model::VerifyQuery;
use crate::core::FieldErrors;
use crate::web::Ctx;

const VERIFY: &str = "证明核验";

pub fn routes(route: Route) -> Route {
    route
        .at("/", get(home_page))
        .at("/guide", get(guide_page))
        .at("/verify", get(verify_page))
        .at("/index.html", get(legacy_index))
}

/// Links to the old system's start page keep working.
#[handler]
fn legacy_index() -> poem::web::Redirect {
    poem::web::Redirect::moved_permanent("/")
}

#[handler]
async fn home_page(ctx: Ctx) -> Response {
    ctx.public("首页", portal::home()).await
}

#[handler]
async fn guide_page(ctx: Ctx) -> Response {
    ctx.public("办事指南", portal::guide()).await
}

/// The form, blank at first; with both fields valid, the certificate's own
/// page answers, so the QR code and this form lead to the same URL.
#[handler]
async fn verify_page(ctx: Ctx, Query(q): Query<VerifyQuery>) -> Response {
    if q.is_blank() {
        let form = VerifyForm {
            number: "",
            code: "",
            number_error: None,
            code_error: None,
        };
        return ctx
            .public(VERIFY, portal::verify(&form, &VerifyOutcome::Blank))
            .await;
    }
    match q.check() {
        Ok(v) => ctx.redirect(&format!("/verify/{}?code={}", v.number, v.code), None),
        Err(errors) => invalid(&ctx, &q, &errors).await,
    }
}

async fn invalid(ctx: &Ctx, q: &VerifyQuery, errors: &FieldErrors) -> Response {
    let v = q.normalized();
    let form = VerifyForm {
        number: &v.number,
        code: &v.code,
        number_error: errors.get("number"),
        code_error: errors.get("code"),
    };
    let body = portal::verify(&form, &VerifyOutcome::Blank);
    ctx.public_with_status(StatusCode::UNPROCESSABLE_ENTITY, VERIFY, body)
        .await
}
