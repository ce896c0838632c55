//! The signed-in caller of a request. The web floor knows only how to ask:
//! the identity domain provides the answer at boot (`Authenticator`), so
//! every domain's handlers take a `Caller` without the web importing a
//! domain.

use std::sync::Arc;

use poem::{FromRequest, Request, RequestBody};

use super::WebError;
use crate::core::Caller;

/// Resolves the session behind a request into its caller, or says why not
/// (`LoginRequired`, `PasswordChangeRequired`, `Unavailable`, …).
#[async_trait::async_trait]
pub trait Authenticator: Send + Sync + 'static {
    async fn caller(&self, req: &Request) -> Result<Caller, WebError>;
}

/// The authenticator as request data (`.data(Authentication(..))` at boot).
#[derive(Clone)]
pub struct Authentication(pub Arc<dyn Authenticator>);

impl<'a> FromRequest<'a> for Caller {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let Some(auth) = req.data::<Authentication>() else {
            return Err(WebError::Internal(anyhow::anyhow!("no authenticator configured")).into());
        };
        Ok(auth.0.caller(req).await?)
    }
}
