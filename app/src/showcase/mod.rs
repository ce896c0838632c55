//! The public site (showcase): the home page, the guide, and the form that
//! verifies a registration certificate (the certificate's own page, which
//! contracts serves, gives the answer).

mod model;
mod routes;

pub use routes::routes;
