//! Contract pages that meet the duplicates domain: the reviewer's
//! duplicate comparison and decision, and the applicant's duplicate notice
//! and explanation.
//! (The application and review pages are still in `apply_routes` and
//! `review_routes`.)

mod duplicates;

use poem::Route;

pub(crate) use duplicates::{applicant_notice, review_panel};

pub fn routes(route: Route) -> Route {
    duplicates::routes(route)
}
