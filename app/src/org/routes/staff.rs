//! Office staff screens (F46): `/admin/staff`, its grant, revoke and move
//! forms.

use poem::http::StatusCode;
use poem::web::{Data, Query};
use poem::{Response, Route, get, handler, post};
use techreg_views::components::trail;
use techreg_views::pages::identity::FormState;
use techreg_views::pages::staff::{self as pages, Forms, OfficeStaff as Page};

use super::{as_message, shown, success};
use crate::core::{Caller, DomainError};
use crate::org::Org;
use crate::org::model::{GrantForm, MoveForm, OfficeChoiceQuery, RevokeForm};
use crate::org::present;
use crate::org::staff::{self, OfficeStaff, StaffPage};
use crate::web::form::Form;
use crate::web::{Ctx, WebResult};

pub fn routes(route: Route) -> Route {
    route
        .at("/admin/staff", get(staff_page))
        .at("/admin/staff/grant", post(grant_post))
        .at("/admin/staff/revoke", post(revoke_post))
        .at("/admin/staff/move", post(move_post))
}

/// The three forms of an office's staff page.
#[derive(Default)]
struct StaffForms {
    grant: FormState,
    revoke: FormState,
    moving: FormState,
}

async fn staff_view(
    ctx: &Ctx,
    caller: &Caller,
    s: &OfficeStaff,
    forms: &StaffForms,
    status: StatusCode,
) -> WebResult<Response> {
    let v = present::staff_view(s);
    let today = s.today.to_string();
    let page = Page {
        office_id: s.office.id,
        office_name: &s.office.name,
        members: &v.members,
        history: &v.history,
        grantable: &v.grantable,
        positions: &v.positions,
        offices: &v.offices,
        can_move: s.can_move,
        service_points: &v.service_points,
        today: &today,
    };
    let forms = Forms {
        grant: &forms.grant,
        revoke: &forms.revoke,
        moving: &forms.moving,
    };
    let body = pages::office_staff(&ctx.csrf_token, &page, &forms);
    let crumbs = trail(&[("人员管理", "/admin/staff")]);
    Ok(ctx
        .work_with_status(status, caller, "人员管理", &crumbs, body)
        .await)
}

#[handler]
async fn staff_page(
    ctx: Ctx,
    caller: Caller,
    Data(org): Data<&Org>,
    Query(q): Query<OfficeChoiceQuery>,
) -> WebResult<Response> {
    match staff::page(org, &caller, q.office.as_deref()).await? {
        StaffPage::Choose(offices) => {
            let body = pages::choose_office(&present::office_choices(&offices));
            Ok(ctx.work(&caller, "人员管理", &trail(&[]), body).await)
        }
        StaffPage::Office(s) => {
            let forms = StaffForms::default();
            staff_view(&ctx, &caller, &s, &forms, StatusCode::OK).await
        }
    }
}

/// The office page again with one form's errors.
async fn invalid(
    ctx: &Ctx,
    caller: &Caller,
    org: &Org,
    office: &str,
    forms: StaffForms,
) -> WebResult<Response> {
    let s = staff::office_staff(org, caller, office).await?;
    staff_view(ctx, caller, &s, &forms, StatusCode::UNPROCESSABLE_ENTITY).await
}

fn back(ctx: &Ctx, office_id: i64, message: &str) -> Response {
    ctx.redirect(
        &format!("/admin/staff?office={office_id}"),
        success(message),
    )
}

#[handler]
async fn grant_post(
    ctx: Ctx,
    caller: Caller,
    Data(org): Data<&Org>,
    Form(form): Form<GrantForm>,
) -> WebResult<Response> {
    match staff::grant(org, &caller, &form).await {
        Ok(office) => Ok(back(&ctx, office, "已授予岗位。")),
        Err(DomainError::Invalid(errors)) => {
            let forms = StaffForms {
                grant: shown(&form, &errors),
                ..Default::default()
            };
            invalid(&ctx, &caller, org, &form.office, forms).await
        }
        Err(e) => Err(e.into()),
    }
}

#[handler]
async fn revoke_post(
    ctx: Ctx,
    caller: Caller,
    Data(org): Data<&Org>,
    Form(form): Form<RevokeForm>,
) -> WebResult<Response> {
    match staff::revoke(org, &caller, &form).await {
        Ok(office) => Ok(back(&ctx, office, "已撤销岗位。")),
        Err(DomainError::Invalid(errors)) => {
            let mut revoke = as_message(&errors);
            revoke.values = shown(&form, &Default::default()).values;
            let forms = StaffForms {
                revoke,
                ..Default::default()
            };
            invalid(&ctx, &caller, org, &form.office, forms).await
        }
        Err(e) => Err(e.into()),
    }
}

#[handler]
async fn move_post(
    ctx: Ctx,
    caller: Caller,
    Data(org): Data<&Org>,
    Form(form): Form<MoveForm>,
) -> WebResult<Response> {
    match staff::move_staff(org, &caller, &form).await {
        Ok(office) => Ok(back(&ctx, office, "已调动。")),
        Err(DomainError::Invalid(errors)) => {
            let forms = StaffForms {
                moving: shown(&form, &errors),
                ..Default::default()
            };
            invalid(&ctx, &caller, org, &form.from_office, forms).await
        }
        Err(e) => Err(e.into()),
    }
}
