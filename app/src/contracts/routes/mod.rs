//! Contract pages that meet the duplicates and integrity domains: the
//! reviewer's duplicate comparison and decision, the applicant's duplicate
//! notice and explanation, and the reinstatement of automatic refusals.
//! (The application and review pages are still in `apply_routes` and
//! `review_routes`.)

mod duplicates;
mod refusals;

use poem::Route;

pub(crate) use duplicates::{applicant_notice, review_panel};

pub fn routes(route: Route) -> Route {
    refusals::routes(duplicates::routes(route))
}
