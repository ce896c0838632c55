//! The one web error type. The user sees a Chinese message (the fixed
//! wording of the status, or the text a service meant for them) with the
//! request id; the log gets the details. `render_errors` (middleware) makes
//! the page or, for htmx, the toast; a handler that has a form re-renders it
//! with the field messages of `Invalid` instead (422).

use poem::error::ResponseError;
use poem::http::StatusCode;

use crate::core::{DomainError, FieldErrors};

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not found")]
    NotFound,
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// Someone else acted first (version check) or the action was repeated.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Input that fails its checks where no form re-renders it.
    #[error("invalid input: {0:?}")]
    Invalid(FieldErrors),
    /// A rule refuses the action; the text is for the user.
    #[error("rejected: {0}")]
    Rejected(String),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("payload too large")]
    TooLarge,
    #[error("too many requests")]
    TooManyRequests,
    /// Not signed in (or the session ended): off to the login page.
    #[error("login required")]
    LoginRequired { timed_out: bool },
    /// A one-time or expired password must be changed first.
    #[error("password change required")]
    PasswordChangeRequired,
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("internal: {0}")]
    Internal(#[from] anyhow::Error),
}

impl From<DomainError> for WebError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::NotFound => WebError::NotFound,
            DomainError::Forbidden(why) => WebError::Forbidden(why),
            DomainError::Conflict(m) => WebError::Conflict(m),
            DomainError::Invalid(f) => WebError::Invalid(f),
            DomainError::Rejected(m) => WebError::Rejected(m),
            DomainError::BadRequest(m) => WebError::BadRequest(m),
            DomainError::TooLarge => WebError::TooLarge,
            DomainError::TooManyRequests => WebError::TooManyRequests,
            DomainError::Unavailable(m) => WebError::Unavailable(m),
            DomainError::Db(e) => WebError::Db(e),
            DomainError::Internal(e) => WebError::Internal(e),
        }
    }
}

impl WebError {
    /// The message for the user, when the status' fixed wording is not
    /// enough. Never contains internals.
    pub fn user_message(&self) -> Option<String> {
        match self {
            WebError::Conflict(msg) | WebError::Rejected(msg) => Some(msg.clone()),
            WebError::Invalid(fields) => {
                Some(fields.iter().map(|(_, m)| m).collect::<Vec<_>>().join("；"))
            }
            _ => None,
        }
    }
}

impl ResponseError for WebError {
    fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::Invalid(_) | WebError::Rejected(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            WebError::LoginRequired { .. } | WebError::PasswordChangeRequired => {
                StatusCode::SEE_OTHER
            }
            WebError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Db(_) | WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

pub type WebResult<T> = Result<T, WebError>;
