//! Registration of unit and individual users, and the registration code.

use poem::http::StatusCode;
use poem::web::Data;
use poem::{Request, Response, Route, get, handler, post};
use techreg_views::pages::identity::{self as pages, FormState};

use super::{success, visitor};
use crate::core::{DomainError, FieldErrors};
use crate::dictionary::SHANGHAI;
use crate::identity::Identity;
use crate::identity::model::{EnterpriseForm, IndividualForm, RegisterCodeForm};
use crate::identity::register::{register_enterprise, register_individual};
use crate::identity::sms::send_registration_code;
use crate::web::form::{Form, form_state};
use crate::web::{Ctx, WebResult};

pub fn routes(route: Route) -> Route {
    route
        .at("/register", get(choice_page))
        .at(
            "/register/enterprise",
            get(enterprise_page).post(enterprise_post),
        )
        .at(
            "/register/individual",
            get(individual_page).post(individual_post),
        )
        .at("/register/sms-code", post(code_post))
}

#[handler]
async fn choice_page(ctx: Ctx) -> Response {
    ctx.public("注册", pages::register_choice()).await
}

#[handler]
async fn enterprise_page(ctx: Ctx) -> Response {
    let body = pages::register_enterprise(&ctx.csrf_token, &FormState::default(), SHANGHAI);
    ctx.public("单位用户注册", body).await
}

#[handler]
async fn enterprise_post(
    ctx: Ctx,
    req: &Request,
    Data(id): Data<&Identity>,
    Form(form): Form<EnterpriseForm>,
) -> WebResult<Response> {
    match register_enterprise(id, &form, &visitor(req).ip).await {
        Ok(_) => Ok(ctx.redirect(
            "/login",
            success("注册成功。请登录后上传营业执照（或登记证书）和授权书，等待登记处核验。"),
        )),
        Err(DomainError::Invalid(errors)) => {
            let state = form_state(&form, &errors);
            let body = pages::register_enterprise(&ctx.csrf_token, &state, SHANGHAI);
            Ok(ctx
                .public_with_status(StatusCode::UNPROCESSABLE_ENTITY, "单位用户注册", body)
                .await)
        }
        Err(e) => Err(e.into()),
    }
}

#[handler]
async fn individual_page(ctx: Ctx) -> Response {
    ctx.public(
        "个人用户注册",
        pages::register_individual(&ctx.csrf_token, &FormState::default()),
    )
    .await
}

#[handler]
async fn individual_post(
    ctx: Ctx,
    req: &Request,
    Data(id): Data<&Identity>,
    Form(form): Form<IndividualForm>,
) -> WebResult<Response> {
    match register_individual(id, &form, &visitor(req).ip).await {
        Ok(_) => Ok(ctx.redirect("/login", success("注册成功，请登录。"))),
        Err(DomainError::Invalid(errors)) => {
            let state = form_state(&form, &errors);
            let body = pages::register_individual(&ctx.csrf_token, &state);
            Ok(ctx
                .public_with_status(StatusCode::UNPROCESSABLE_ENTITY, "个人用户注册", body)
                .await)
        }
        Err(e) => Err(e.into()),
    }
}

/// Sends a registration code. htmx gets a status line; a plain form post
/// gets the registration form back with a message.
#[handler]
async fn code_post(
    ctx: Ctx,
    req: &Request,
    Data(id): Data<&Identity>,
    Form(form): Form<RegisterCodeForm>,
) -> WebResult<Response> {
    let (status, line, errors) =
        match send_registration_code(id, &form.mobile, &visitor(req).ip).await {
            Ok(line) => (StatusCode::OK, line, FieldErrors::new()),
            Err(DomainError::Invalid(errors)) => {
                let line = errors.get("mobile").unwrap_or_default().to_owned();
                (StatusCode::UNPROCESSABLE_ENTITY, line, errors)
            }
            Err(e) => return Err(e.into()),
        };
    if ctx.fragment {
        return Ok(ctx
            .public_with_status(status, "", maud::html! { (line) })
            .await);
    }
    let state = form_state(&form, &errors);
    let body = if form.is_individual() {
        pages::register_individual(&ctx.csrf_token, &state)
    } else {
        pages::register_enterprise(&ctx.csrf_token, &state, SHANGHAI)
    };
    Ok(ctx.public_with_status(status, "注册", body).await)
}
