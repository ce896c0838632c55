//! The org domain's screens: offices and their industry lists,
//! enterprises (list, detail, edit, reassignment, import), office staff,
//! service points and their staff.

mod enterprises;
mod import;
mod offices;
mod service_points;
mod staff;

use poem::Route;
use serde::Serialize;
use techreg_views::components::{Flash, FlashKind};
use techreg_views::pages::identity::FormState;

use super::model::WHOLE_FORM;
use crate::core::FieldErrors;
use crate::web::form::form_state;

pub fn routes(route: Route) -> Route {
    let route = offices::routes(route);
    let route = enterprises::routes(route);
    let route = import::routes(route);
    let route = staff::routes(route);
    service_points::routes(route)
}

/// A form shown again with its errors; a message about the whole form
/// goes above it.
fn shown<T: Serialize>(form: &T, errors: &FieldErrors) -> FormState {
    let mut state = form_state(form, errors);
    state.message = errors.get(WHOLE_FORM).map(str::to_owned);
    state
}

/// A form filled in from a record, with the errors of another form posted
/// from the same page.
fn with_errors(mut state: FormState, errors: &FieldErrors) -> FormState {
    state.errors = errors
        .iter()
        .map(|(f, m)| (f.to_owned(), m.to_owned()))
        .collect();
    state.message = errors.get(WHOLE_FORM).map(str::to_owned);
    state
}

/// The errors as one message (for the compact forms on list rows).
fn as_message(errors: &FieldErrors) -> FormState {
    let joined: Vec<&str> = errors.iter().map(|(_, m)| m).collect();
    FormState {
        message: Some(joined.join("；")),
        ..FormState::default()
    }
}

fn success(message: impl Into<String>) -> Option<Flash> {
    Some(Flash {
        kind: FlashKind::Success,
        message: message.into(),
    })
}
