use poem::http::StatusCode;
use poem::web::Query;
use poem::{Response, Route, get, handler};
use serde::Deserialize;
use techreg_views::pages::portal::{self, VerifyForm, VerifyOutcome};

use crate::web::Ctx;

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

#[derive(Debug, Default, Deserialize)]
struct VerifyQuery {
    number: Option<String>,
    code: Option<String>,
}

/// Registration numbers are digits (national 14/16-digit forms) or the
/// configurable local format: letters, digits and hyphens.
fn check_number(number: &str) -> Option<&'static str> {
    if number.is_empty() {
        Some("请填写登记编号")
    } else if number.chars().count() > 40
        || !number
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        Some("登记编号只能包含数字、字母和连字符，请对照登记证明填写")
    } else {
        None
    }
}

fn check_code(code: &str) -> Option<&'static str> {
    if code.is_empty() {
        Some("请填写核验码")
    } else if code.chars().count() > 32 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        Some("核验码只能包含数字和字母")
    } else {
        None
    }
}

#[handler]
async fn verify_page(ctx: Ctx, Query(q): Query<VerifyQuery>) -> Response {
    if q.number.is_none() && q.code.is_none() {
        let form = VerifyForm {
            number: "",
            code: "",
            number_error: None,
            code_error: None,
        };
        return ctx
            .public("证明核验", portal::verify(&form, &VerifyOutcome::Blank))
            .await;
    }
    // Full-width digits and letters are normalised, as everywhere else.
    let number = crate::core::text::normalize_code(q.number.as_deref().unwrap_or(""));
    let code = crate::core::text::normalize_code(q.code.as_deref().unwrap_or(""));
    let form = VerifyForm {
        number: &number,
        code: &code,
        number_error: check_number(&number),
        code_error: check_code(&code),
    };
    if form.number_error.is_some() || form.code_error.is_some() {
        return ctx
            .public_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                "证明核验",
                portal::verify(&form, &VerifyOutcome::Blank),
            )
            .await;
    }
    // Both fields checked: the certificate's own page answers, so the QR
    // code and this form lead to the same URL. Both values are ASCII
    // letters, digits and hyphens here, safe in a path and a query.
    ctx.redirect(&format!("/verify/{number}?code={code}"), None)
}
