//! The users of the admin's own enterprise (本单位用户).

use poem::http::StatusCode;
use poem::web::Data;
use poem::{Response, Route, get, handler};
use techreg_views::components::trail;
use techreg_views::pages::admin as pages;
use techreg_views::pages::identity::FormState;

use crate::core::{Caller, DomainError};
use crate::identity::Identity;
use crate::identity::members;
use crate::identity::model::MemberForm;
use crate::identity::present;
use crate::web::form::{Form, form_state};
use crate::web::{Ctx, WebResult};

pub fn routes(route: Route) -> Route {
    route.at("/my/enterprise/users", get(members_page).post(add_post))
}

async fn members_view(
    ctx: &Ctx,
    caller: &Caller,
    id: &Identity,
    form: &FormState,
    created: Option<(&str, &str)>,
    status: StatusCode,
) -> WebResult<Response> {
    let data = members::members(id, caller).await?;
    let rows = present::member_rows(&data.members);
    let body =
        pages::enterprise_users(&ctx.csrf_token, &data.enterprise.name, &rows, form, created);
    Ok(ctx
        .work_with_status(status, caller, "本单位用户", &trail(&[]), body)
        .await)
}

#[handler]
async fn members_page(ctx: Ctx, caller: Caller, Data(id): Data<&Identity>) -> WebResult<Response> {
    let form = FormState::default();
    members_view(&ctx, &caller, id, &form, None, StatusCode::OK).await
}

#[handler]
async fn add_post(
    ctx: Ctx,
    caller: Caller,
    Data(id): Data<&Identity>,
    Form(form): Form<MemberForm>,
) -> WebResult<Response> {
    match members::add_member(id, &caller, &form).await {
        Ok(c) => {
            let created = Some((c.username.as_str(), c.password.as_str()));
            let blank = FormState::default();
            members_view(&ctx, &caller, id, &blank, created, StatusCode::OK).await
        }
        Err(DomainError::Invalid(errors)) => {
            let state = form_state(&form, &errors);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            members_view(&ctx, &caller, id, &state, None, status).await
        }
        Err(e) => Err(e.into()),
    }
}
