//! The one web error type. The user sees a Chinese message; the log gets the
//! details with the request id.

use poem::error::ResponseError;
use poem::http::StatusCode;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// Someone else acted first (version check) or the action was repeated.
    #[error("conflict: {0}")]
    Conflict(String),
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

impl AppError {
    /// The message for the user, when the status' fixed wording is not
    /// enough. Never contains internals.
    pub fn user_message(&self) -> Option<&str> {
        match self {
            AppError::Conflict(msg) => Some(msg),
            _ => None,
        }
    }
}

impl ResponseError for AppError {
    fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::LoginRequired { .. } | AppError::PasswordChangeRequired => {
                StatusCode::SEE_OTHER
            }
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Db(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
