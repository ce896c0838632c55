//! The one error type of the services. The web floor turns it into a page,
//! a toast or a re-rendered form (`web::WebError`); the jobs log it. What a
//! user may read (the Chinese text of `Conflict`, `Rejected` and the field
//! messages of `Invalid`) is kept apart from what only the log gets.

/// Messages for the fields of a form, in the order they were found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<(String, String)>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a message for `field`; the first message of a field wins.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        if self.get(field).is_none() {
            self.0.push((field.to_owned(), message.into()));
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(f, m)| (f.as_str(), m.as_str()))
    }

    /// `Ok(value)` when nothing was found, the errors otherwise.
    pub fn or_ok<T>(self, value: T) -> Result<T, DomainError> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(DomainError::Invalid(self))
        }
    }

    /// One field's error as a ready result.
    pub fn one<T>(field: &str, message: impl Into<String>) -> Result<T, DomainError> {
        let mut e = Self::new();
        e.add(field, message);
        Err(DomainError::Invalid(e))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// Missing, or outside every scope of the caller (never says which).
    #[error("not found")]
    NotFound,
    /// The caller lacks the permission; the text is for the log.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// Someone else acted first (version check) or the action was done
    /// already; the text is shown to the user.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Input that fails its checks, field by field (a form shows them
    /// inline; anything else lists them).
    #[error("invalid input: {0:?}")]
    Invalid(FieldErrors),
    /// A rule refuses the action as a whole; the text is shown to the user.
    #[error("rejected: {0}")]
    Rejected(String),
    /// Malformed input no page of ours sends; the text is for the log.
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("payload too large")]
    TooLarge,
    #[error("too many requests")]
    TooManyRequests,
    /// A service we depend on is down (session store, gateway).
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("internal: {0}")]
    Internal(#[from] anyhow::Error),
}

impl DomainError {
    /// The version check failed: someone else changed the object first.
    pub fn stale() -> Self {
        DomainError::Conflict(
            "该记录已由他人处理或已在其他窗口中修改，请刷新后查看最新状态。".into(),
        )
    }
}

pub type DomainResult<T> = Result<T, DomainError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_message_of_a_field_wins_and_order_is_kept() {
        let mut e = FieldErrors::new();
        e.add("name", "请填写名称");
        e.add("code", "编码无效");
        e.add("name", "另一条");
        assert_eq!(e.get("name"), Some("请填写名称"));
        let fields: Vec<_> = e.iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["name", "code"]);
        assert!(matches!(e.or_ok(()), Err(DomainError::Invalid(_))));
        assert!(FieldErrors::new().or_ok(1).is_ok());
    }
}
