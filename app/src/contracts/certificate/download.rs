//! The certificate PDF for the applicant and for the staff who handled the
//! case.

use poem::http::header;
use poem::web::Path;
use poem::{IntoResponse, Response, Route, get, handler};

use super::service::{self, CertError, Which};
use crate::core::Caller;
use crate::web::{Ctx, WebError};

pub fn routes(route: Route) -> Route {
    route.at("/contracts/:id/certificate.pdf", get(certificate_pdf))
}

#[handler]
async fn certificate_pdf(
    ctx: Ctx,
    user: Caller,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let c = crate::contracts::service::readable(&ctx.state.core.db, &user, id).await?;
    let bytes = match service::pdf(&ctx.state.core.db, &ctx.state, Which::Contract(c.id)).await {
        Ok(b) => b,
        Err(CertError::NotFound) => return Err(WebError::NotFound),
        Err(CertError::Db(e)) => return Err(e.into()),
        Err(e) => return Err(WebError::Internal(anyhow::anyhow!(e.to_string()))),
    };
    let number = c.registration_number.unwrap_or_default();
    Ok(bytes
        .with_content_type("application/pdf")
        .with_header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"certificate-{number}.pdf\""),
        )
        .into_response())
}
