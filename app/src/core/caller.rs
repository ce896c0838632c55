//! Who is acting: the signed-in user with the roles they hold, each with its
//! data scope, the address they came from and the party they act for. Every
//! service that acts for a person takes a `&Caller`; automatic actions use
//! `Actor::system()` instead.

use std::collections::BTreeSet;

use super::error::DomainError;

/// The signed-in user as the services see them (never the password hash).
#[derive(Clone, Debug)]
pub struct CallerUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub kind: String,
    pub enterprise_id: Option<i64>,
}

impl From<&techreg_entities::identity::app_user::Model> for CallerUser {
    fn from(u: &techreg_entities::identity::app_user::Model) -> Self {
        CallerUser {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            kind: u.kind.clone(),
            enterprise_id: u.enterprise_id,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Caller {
    pub user: CallerUser,
    pub grants: Grants,
    /// The session behind the request (SM3 of the cookie).
    pub session_key: String,
    pub client_ip: String,
    /// The party acted for, where it is not the user's own (the enterprise
    /// a service point files for).
    pub acting_for: Option<String>,
}

impl Caller {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.user.id),
            name: self.user.username.clone(),
            role: Some(self.grants.role_label()).filter(|r| !r.is_empty()),
            client_ip: Some(self.client_ip.clone()),
            on_behalf_of: self.acting_for.clone(),
        }
    }

    pub fn has(&self, permission: &str) -> bool {
        self.grants.has(permission)
    }

    /// Forbidden without the permission.
    pub fn require(&self, permission: &str) -> Result<(), DomainError> {
        if self.grants.has(permission) {
            Ok(())
        } else {
            Err(DomainError::Forbidden("missing permission"))
        }
    }

    /// Forbidden without the permission; not found for an object outside
    /// every scope that carries it (the object's existence stays hidden).
    pub fn require_on(&self, permission: &str, object: &ObjectScope) -> Result<(), DomainError> {
        self.require(permission)?;
        if self.grants.covers(permission, object, self.user.id) {
            Ok(())
        } else {
            Err(DomainError::NotFound)
        }
    }
}

/// Who acted, as the audit log and the case events record it: a user, or
/// `system` for automatic actions.
#[derive(Clone, Debug)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub name: String,
    pub role: Option<String>,
    pub client_ip: Option<String>,
    /// The party acted for (the enterprise a service point files for).
    pub on_behalf_of: Option<String>,
}

impl Actor {
    pub fn system() -> Self {
        Actor {
            user_id: None,
            name: "system".into(),
            role: None,
            client_ip: None,
            on_behalf_of: None,
        }
    }

    pub fn anonymous(client_ip: Option<String>) -> Self {
        Actor {
            user_id: None,
            name: "anonymous".into(),
            role: None,
            client_ip,
            on_behalf_of: None,
        }
    }
}

/// The three separated admin duties; no account holds two of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Duty {
    None,
    System,
    Security,
    Audit,
}

impl Duty {
    pub fn as_str(self) -> &'static str {
        match self {
            Duty::None => "none",
            Duty::System => "system",
            Duty::Security => "security",
            Duty::Audit => "audit",
        }
    }
    pub fn parse(s: &str) -> Duty {
        match s {
            "system" => Duty::System,
            "security" => Duty::Security,
            "audit" => Duty::Audit,
            _ => Duty::None,
        }
    }
}

/// What part of the data a role assignment reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    Office(i64),
    ServicePoint(i64),
    Enterprise(i64),
    SelfOnly,
}

impl Scope {
    pub fn kind(self) -> &'static str {
        match self {
            Scope::All => "all",
            Scope::Office(_) => "office",
            Scope::ServicePoint(_) => "service_point",
            Scope::Enterprise(_) => "enterprise",
            Scope::SelfOnly => "self",
        }
    }
    pub fn id(self) -> Option<i64> {
        match self {
            Scope::Office(id) | Scope::ServicePoint(id) | Scope::Enterprise(id) => Some(id),
            Scope::All | Scope::SelfOnly => None,
        }
    }
    pub fn from_parts(kind: &str, id: Option<i64>) -> Option<Scope> {
        Some(match (kind, id) {
            ("all", None) => Scope::All,
            ("office", Some(i)) => Scope::Office(i),
            ("service_point", Some(i)) => Scope::ServicePoint(i),
            ("enterprise", Some(i)) => Scope::Enterprise(i),
            ("self", None) => Scope::SelfOnly,
            _ => return None,
        })
    }
    pub fn label(self) -> String {
        match self {
            Scope::All => "全部".into(),
            Scope::Office(i) => format!("本登记处（{i}）"),
            Scope::ServicePoint(i) => format!("本服务点（{i}）"),
            Scope::Enterprise(i) => format!("本企业（{i}）"),
            Scope::SelfOnly => "本人".into(),
        }
    }
}

/// Where an object lives, for scope checks.
#[derive(Clone, Copy, Debug, Default)]
pub struct ObjectScope {
    pub office_id: Option<i64>,
    pub service_point_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub owner_user_id: Option<i64>,
}

impl Scope {
    pub fn covers(self, object: &ObjectScope, user_id: i64) -> bool {
        match self {
            Scope::All => true,
            Scope::Office(id) => object.office_id == Some(id),
            Scope::ServicePoint(id) => object.service_point_id == Some(id),
            Scope::Enterprise(id) => object.enterprise_id == Some(id),
            Scope::SelfOnly => object.owner_user_id == Some(user_id),
        }
    }
}

/// A role the user holds, as loaded and checked.
#[derive(Clone, Debug)]
pub struct Grant {
    pub role_code: String,
    pub role_name: String,
    pub duty: Duty,
    pub scope: Scope,
    pub permissions: BTreeSet<String>,
}

/// A signed-in user's grants.
#[derive(Clone, Debug, Default)]
pub struct Grants(pub Vec<Grant>);

impl Grants {
    pub fn has(&self, permission: &str) -> bool {
        self.0.iter().any(|g| g.permissions.contains(permission))
    }

    /// Whether any grant carrying `permission` covers the object.
    pub fn covers(&self, permission: &str, object: &ObjectScope, user_id: i64) -> bool {
        self.0
            .iter()
            .any(|g| g.permissions.contains(permission) && g.scope.covers(object, user_id))
    }

    pub fn role_label(&self) -> String {
        self.0
            .iter()
            .map(|g| g.role_name.as_str())
            .collect::<Vec<_>>()
            .join("、")
    }

    pub fn duties(&self) -> BTreeSet<&'static str> {
        self.0
            .iter()
            .filter(|g| g.duty != Duty::None)
            .map(|g| g.duty.as_str())
            .collect()
    }
}

/// Which offices a report covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Coverage {
    /// Every office, plus a row for enterprises without one.
    City,
    Offices(BTreeSet<i64>),
}

impl Coverage {
    pub fn includes(&self, office: Option<i64>) -> bool {
        match self {
            Coverage::City => true,
            Coverage::Offices(ids) => office.is_some_and(|o| ids.contains(&o)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_cover_only_their_objects() {
        let obj = ObjectScope {
            office_id: Some(1),
            enterprise_id: Some(7),
            owner_user_id: Some(3),
            ..Default::default()
        };
        assert!(Scope::All.covers(&obj, 99));
        assert!(Scope::Office(1).covers(&obj, 99));
        assert!(!Scope::Office(2).covers(&obj, 99));
        assert!(Scope::Enterprise(7).covers(&obj, 99));
        assert!(!Scope::Enterprise(8).covers(&obj, 99));
        assert!(Scope::SelfOnly.covers(&obj, 3));
        assert!(!Scope::SelfOnly.covers(&obj, 4));
        assert!(!Scope::ServicePoint(1).covers(&obj, 3));
    }
}
