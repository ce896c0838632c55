//! The session authenticator the web floor asks for every signed-in
//! request (`web::auth::Authenticator`): the session cookie in, the
//! caller (or why not) out.

use poem::Request;

use crate::core::Caller;
use crate::identity::Identity;
use crate::identity::session_store::session_key;
use crate::identity::sessions::{self, Arrival, Authenticated};
use crate::web::WebError;
use crate::web::auth::Authenticator;

/// Resolves the browser's session into its caller (built at boot with the
/// identity handle).
pub struct SessionAuthenticator(pub Identity);

#[async_trait::async_trait]
impl Authenticator for SessionAuthenticator {
    async fn caller(&self, req: &Request) -> Result<Caller, WebError> {
        let arrival = Arrival {
            key: super::cookie_sid(req).as_deref().map(session_key),
            path: req.uri().path(),
            client_ip: crate::web::client_ip::of(req),
        };
        match sessions::authenticate(&self.0, arrival).await? {
            Authenticated::Caller(caller) => Ok(*caller),
            Authenticated::SignedOut { timed_out } => Err(WebError::LoginRequired { timed_out }),
            Authenticated::PasswordChange => Err(WebError::PasswordChangeRequired),
        }
    }
}
