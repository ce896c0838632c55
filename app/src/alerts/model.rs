//! The message center's values: what a message is about, a message to
//! send, the SMS outbox's statuses, and the forms of the message pages.

use serde::{Deserialize, Serialize};

/// What a message is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A status change of the user's own case.
    Status,
    /// New work for staff (a case assigned, returned, due).
    Work,
    /// Anything else the system tells a user.
    System,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Status => "status",
            Kind::Work => "work",
            Kind::System => "system",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "status" => Some(Kind::Status),
            "work" => Some(Kind::Work),
            "system" => Some(Kind::System),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Status => "办理进度",
            Kind::Work => "待办工作",
            Kind::System => "系统通知",
        }
    }
}

/// A message to one user.
#[derive(Clone, Copy, Debug)]
pub struct NewMessage<'a> {
    pub user_id: i64,
    pub kind: Kind,
    /// At most `TITLE_MAX` characters are kept.
    pub title: &'a str,
    pub body: &'a str,
    /// An in-app path such as "/my/contracts/42" (see [`is_in_app_path`]).
    pub link: Option<&'a str>,
    /// What the message is about, e.g. `("contract", 42)`.
    pub object: Option<(&'a str, i64)>,
}

/// The ids of a message and of its SMS (none when the user has no mobile).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sent {
    pub message_id: i64,
    pub sms_id: Option<i64>,
}

pub const TITLE_MAX: usize = 200;
pub const LINK_MAX: usize = 500;

pub const SMS_PURPOSE: &str = "notice";
pub const SMS_PENDING: &str = "pending";
pub const SMS_SENDING: &str = "sending";
pub const SMS_SENT: &str = "sent";
pub const SMS_FAILED: &str = "failed";

/// A path inside this application: starts with one "/", no scheme or host,
/// no backslash (browsers read "/\\host" as "//host"), no whitespace or
/// control characters. Links in messages and the redirect of "open" must
/// pass this, so a message can never send a user to another site.
pub fn is_in_app_path(link: &str) -> bool {
    link.starts_with('/')
        && !link.starts_with("//")
        && link.len() <= LINK_MAX
        && !link
            .chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control())
}

/// Which messages a list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Filter {
    All,
    Unread,
}

/// The list's query: which messages (`filter=unread`), and the id a page
/// starts below (keyset paging).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ListQuery {
    pub filter: Option<String>,
    pub before: Option<String>,
}

impl ListQuery {
    pub fn unread_only(&self) -> bool {
        self.filter.as_deref() == Some("unread")
    }

    pub fn filter(&self) -> Filter {
        if self.unread_only() {
            Filter::Unread
        } else {
            Filter::All
        }
    }

    /// A page to start from; anything but a number is the first page.
    pub fn before(&self) -> Option<i64> {
        self.before
            .as_deref()
            .and_then(|b| b.trim().parse::<i64>().ok())
    }
}

/// Marking one or all read: the list's filter to go back to, and for all,
/// the newest message on screen (anything but a number: no limit).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ReadForm {
    #[serde(default)]
    pub filter: String,
    #[serde(default)]
    pub up_to: String,
}

impl ReadForm {
    pub fn unread_only(&self) -> bool {
        self.filter == "unread"
    }

    pub fn up_to(&self) -> Option<i64> {
        self.up_to.trim().parse::<i64>().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_in_app_paths_are_links() {
        for ok in ["/my", "/my/contracts/42?tab=events", "/messages#m-3"] {
            assert!(is_in_app_path(ok), "{ok}");
        }
        for bad in [
            "",
            "my",
            "//evil.example",
            "/\\evil.example",
            "/a\\b",
            "https://evil.example/",
            "javascript:alert(1)",
            " /my",
            "/my page",
            "/my\n",
            "\t/my",
        ] {
            assert!(!is_in_app_path(bad), "{bad:?}");
        }
        assert!(!is_in_app_path(&format!("/{}", "a".repeat(LINK_MAX))));
    }

    #[test]
    fn kinds_round_trip() {
        for k in [Kind::Status, Kind::Work, Kind::System] {
            assert_eq!(Kind::from_code(k.as_str()), Some(k));
        }
        assert_eq!(Kind::from_code("other"), None);
    }

    #[test]
    fn a_malformed_page_or_limit_is_no_page_or_limit() {
        let q = ListQuery {
            filter: Some("unread".into()),
            before: Some(" 42 ".into()),
        };
        assert_eq!((q.filter(), q.before()), (Filter::Unread, Some(42)));
        let q = ListQuery {
            filter: Some("other".into()),
            before: Some("x".into()),
        };
        assert_eq!((q.filter(), q.before()), (Filter::All, None));
        let f = ReadForm {
            filter: "unread".into(),
            up_to: "abc".into(),
        };
        assert!(f.unread_only());
        assert_eq!(f.up_to(), None);
    }
}
