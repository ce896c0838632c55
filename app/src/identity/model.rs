//! Identity's stored values (account kinds and statuses, second factors,
//! enterprise and claim statuses) and the forms of its pages with their
//! checks. Checks that need the database (a username already taken) are
//! the services'.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::validate::{self, PasswordPolicy};
use crate::core::FieldErrors;

pub const KIND_ENTERPRISE: &str = "enterprise";
pub const KIND_INDIVIDUAL: &str = "individual";
pub const KIND_STAFF: &str = "staff";

pub const STATUS_ACTIVE: &str = "active";
pub const STATUS_PENDING: &str = "pending_verification";
pub const STATUS_DISABLED: &str = "disabled";

pub const MFA_SMS: &str = "sms";
pub const MFA_TOTP: &str = "totp";

pub const ENTERPRISE_UNVERIFIED: &str = "unverified";
pub const ENTERPRISE_VERIFIED: &str = "verified";

pub const CLAIM_AWAITING_PROOF: &str = "awaiting_proof";
pub const CLAIM_SUBMITTED: &str = "submitted";
pub const CLAIM_APPROVED: &str = "approved";
pub const CLAIM_REJECTED: &str = "rejected";

/// What an account page's service found: its answer, or that the caller
/// must sign in again (their account row is gone, or a wrong code or
/// password just locked the account and ended its sessions).
#[derive(Debug, PartialEq, Eq)]
pub enum Signed<T> {
    In(T),
    Out,
}

/// A one-time password just given out, shown once.
pub struct Created {
    pub username: String,
    pub password: String,
}

fn checked(errors: FieldErrors) -> Result<(), FieldErrors> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn display_name(errors: &mut FieldErrors, field: &str, value: &str) -> String {
    let name = value.trim().to_owned();
    if name.chars().count() < 2 || name.chars().count() > 50 {
        errors.add(field, "请填写姓名（2–50 个字）");
    }
    name
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct LoginForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
}

impl LoginForm {
    pub fn check(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if self.username.trim().is_empty() {
            errors.add("username", "请填写用户名");
        }
        if self.password.is_empty() {
            errors.add("password", "请填写密码");
        }
        checked(errors)
    }
}

/// A code typed in: the second factor at login, or the authenticator's
/// code to switch back to SMS.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct CodeForm {
    #[serde(default)]
    pub code: String,
}

/// The account part of a registration, as checked.
pub struct NewAccount {
    pub username: String,
    pub mobile: String,
    pub password: String,
}

/// Checks the account fields every registration has; `None` when the
/// username or the mobile is unusable.
fn check_account(
    errors: &mut FieldErrors,
    policy: &PasswordPolicy,
    f: &AccountFields<'_>,
) -> Option<NewAccount> {
    let username = validate::username(f.username)
        .map_err(|e| errors.add("username", e))
        .ok();
    if let Err(e) = validate::password(policy, f.password, f.username) {
        errors.add("password", e);
    }
    if f.confirm_password != f.password {
        errors.add("confirm_password", "两次输入的密码不一致");
    }
    let mobile = validate::mobile(f.mobile)
        .map_err(|e| errors.add("mobile", e))
        .ok();
    if f.sms_code.trim().is_empty() {
        errors.add("sms_code", "请填写短信验证码");
    }
    Some(NewAccount {
        username: username?,
        mobile: mobile?,
        password: f.password.to_owned(),
    })
}

struct AccountFields<'a> {
    username: &'a str,
    password: &'a str,
    confirm_password: &'a str,
    mobile: &'a str,
    sms_code: &'a str,
}

/// A unit user's registration (单位用户注册).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct EnterpriseForm {
    #[serde(default)]
    pub credit_code: String,
    #[serde(default)]
    pub enterprise_name: String,
    #[serde(default)]
    pub district: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub mobile: String,
    #[serde(default)]
    pub sms_code: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub confirm_password: String,
    /// "1" when the applicant contests an existing verification.
    #[serde(default)]
    pub contest: String,
}

pub struct NewEnterpriseUser {
    pub credit_code: String,
    pub name: String,
    pub district: String,
    pub contact: String,
    pub account: NewAccount,
}

impl EnterpriseForm {
    pub fn check(&self, policy: &PasswordPolicy) -> Result<NewEnterpriseUser, FieldErrors> {
        let mut errors = FieldErrors::new();
        let credit = validate::credit_code(&self.credit_code)
            .map_err(|e| errors.add("credit_code", e))
            .ok();
        let name = self.enterprise_name.trim().to_owned();
        if name.is_empty() {
            errors.add("enterprise_name", "请填写单位名称");
        } else if name.chars().count() > 200 {
            errors.add("enterprise_name", "单位名称不能超过 200 个字");
        }
        if crate::dictionary::district_name(&self.district).is_none() {
            errors.add("district", "请选择所在区");
        }
        let contact = self.contact_name.trim().to_owned();
        if contact.chars().count() < 2 || contact.chars().count() > 50 {
            errors.add("contact_name", "请填写联系人姓名（2–50 个字）");
        }
        let account = check_account(&mut errors, policy, &self.account_fields());
        match (credit, account) {
            (Some(credit_code), Some(account)) if errors.is_empty() => Ok(NewEnterpriseUser {
                credit_code,
                name,
                district: self.district.clone(),
                contact,
                account,
            }),
            _ => Err(errors),
        }
    }

    fn account_fields(&self) -> AccountFields<'_> {
        AccountFields {
            username: &self.username,
            password: &self.password,
            confirm_password: &self.confirm_password,
            mobile: &self.mobile,
            sms_code: &self.sms_code,
        }
    }
}

/// An individual's registration (个人用户注册).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct IndividualForm {
    #[serde(default)]
    pub real_name: String,
    #[serde(default)]
    pub id_card: String,
    #[serde(default)]
    pub mobile: String,
    #[serde(default)]
    pub sms_code: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub confirm_password: String,
}

pub struct NewIndividual {
    pub real_name: String,
    pub id_card: String,
    pub account: NewAccount,
}

impl IndividualForm {
    pub fn check(&self, policy: &PasswordPolicy) -> Result<NewIndividual, FieldErrors> {
        let mut errors = FieldErrors::new();
        let real_name = display_name(&mut errors, "real_name", &self.real_name);
        let id_card = validate::id_card(&self.id_card)
            .map_err(|e| errors.add("id_card", e))
            .ok();
        let account = check_account(
            &mut errors,
            policy,
            &AccountFields {
                username: &self.username,
                password: &self.password,
                confirm_password: &self.confirm_password,
                mobile: &self.mobile,
                sms_code: &self.sms_code,
            },
        );
        match (id_card, account) {
            (Some(id_card), Some(account)) if errors.is_empty() => Ok(NewIndividual {
                real_name,
                id_card,
                account,
            }),
            _ => Err(errors),
        }
    }
}

/// A registration form posted to the code endpoint (without script the
/// whole form comes, to be shown again): every field of either form.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct RegisterCodeForm {
    #[serde(default)]
    pub credit_code: String,
    #[serde(default)]
    pub enterprise_name: String,
    #[serde(default)]
    pub district: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub real_name: String,
    #[serde(default)]
    pub id_card: String,
    #[serde(default)]
    pub mobile: String,
    #[serde(default)]
    pub sms_code: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub confirm_password: String,
    #[serde(default)]
    pub contest: String,
}

impl RegisterCodeForm {
    /// Whether it came from the individual's form.
    pub fn is_individual(&self) -> bool {
        self.credit_code.is_empty() && !self.id_card.is_empty() || !self.real_name.is_empty()
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct PasswordForm {
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub new_password: String,
    #[serde(default)]
    pub confirm_password: String,
}

impl PasswordForm {
    /// The new password against the policy (the current one and the
    /// history are the service's).
    pub fn check(&self, policy: &PasswordPolicy, username: &str) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if let Err(e) = validate::password(policy, &self.new_password, username) {
            errors.add("new_password", e);
        }
        if self.confirm_password != self.new_password {
            errors.add("confirm_password", "两次输入的密码不一致");
        }
        checked(errors)
    }
}

/// A session picked from a list (by its key).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct SessionForm {
    #[serde(default)]
    pub session: String,
}

/// Enabling an authenticator app: its code and the current factor's.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct TotpForm {
    #[serde(default)]
    pub totp_code: String,
    #[serde(default)]
    pub code: String,
}

/// Changing the mobile: the new number, its code and the current factor's.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct MobileForm {
    #[serde(default)]
    pub new_mobile: String,
    #[serde(default)]
    pub new_code: String,
    #[serde(default)]
    pub current_code: String,
}

/// A staff account created by a system admin, with its first role.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct NewUserForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub mobile: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub office: String,
}

/// A person's account as checked: username, name, mobile.
pub struct NewPerson {
    pub username: String,
    pub display_name: String,
    pub mobile: String,
}

/// Username, name and mobile of an account someone else creates.
fn check_person(
    errors: &mut FieldErrors,
    username: &str,
    name: &str,
    mobile: &str,
) -> Option<NewPerson> {
    let username = validate::username(username)
        .map_err(|e| errors.add("username", e))
        .ok();
    let display_name = display_name(errors, "display_name", name);
    let mobile = validate::mobile(mobile)
        .map_err(|e| errors.add("mobile", e))
        .ok();
    Some(NewPerson {
        username: username?,
        display_name,
        mobile: mobile?,
    })
}

impl NewUserForm {
    /// The person's fields (the role and office are checked against the
    /// database by the service).
    pub fn check(&self) -> Result<NewPerson, FieldErrors> {
        let mut errors = FieldErrors::new();
        match check_person(
            &mut errors,
            &self.username,
            &self.display_name,
            &self.mobile,
        ) {
            Some(p) if errors.is_empty() => Ok(p),
            _ => Err(errors),
        }
    }
}

/// A further user of the admin's own enterprise.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct MemberForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub mobile: String,
}

impl MemberForm {
    pub fn check(&self) -> Result<NewPerson, FieldErrors> {
        let mut errors = FieldErrors::new();
        match check_person(
            &mut errors,
            &self.username,
            &self.display_name,
            &self.mobile,
        ) {
            Some(p) if errors.is_empty() => Ok(p),
            _ => Err(errors),
        }
    }
}

/// A role given on the user page, with its office for office positions.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct RoleForm {
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub office: String,
}

/// Disabling an account needs a reason.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct DisableForm {
    #[serde(default)]
    pub reason: String,
}

impl DisableForm {
    pub fn check(&self) -> Result<String, FieldErrors> {
        let reason = self.reason.trim();
        if reason.is_empty() {
            let mut errors = FieldErrors::new();
            errors.add("reason", "请填写停用原因");
            return Err(errors);
        }
        Ok(reason.to_owned())
    }
}

/// The user list's search.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct UserSearch {
    pub q: Option<String>,
}

/// A decision on a claim: the version the page showed, and for a
/// rejection its reason.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct DecisionForm {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub reason: String,
}

impl DecisionForm {
    /// The version shown; a missing or garbled one matches no claim.
    pub fn version(&self) -> i32 {
        self.version.parse().unwrap_or(-1)
    }

    pub fn reason(&self) -> Result<String, FieldErrors> {
        let reason = self.reason.trim();
        if reason.is_empty() {
            let mut errors = FieldErrors::new();
            errors.add("reason", "请填写不通过原因");
            return Err(errors);
        }
        Ok(reason.to_owned())
    }
}

/// The role matrix as ticked: "permission|role" per checkbox.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct MatrixForm {
    #[serde(default)]
    pub grant: Vec<String>,
}

impl MatrixForm {
    /// The ticked (permission, role code) pairs.
    pub fn wanted(&self) -> std::collections::BTreeSet<(String, String)> {
        self.grant
            .iter()
            .filter_map(|v| v.split_once('|').map(|(p, r)| (p.to_owned(), r.to_owned())))
            .collect()
    }
}

/// The security policy as typed: a value per setting key.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(transparent)]
pub struct PolicyForm(pub BTreeMap<String, String>);

impl PolicyForm {
    pub fn value(&self, key: &str) -> &str {
        self.0.get(key).map_or("", String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_reports_every_field_at_once() {
        let form = EnterpriseForm {
            credit_code: "123".into(),
            password: "short".into(),
            confirm_password: "other".into(),
            ..Default::default()
        };
        let errors = form.check(&PasswordPolicy { min_length: 8 }).err().unwrap();
        for field in [
            "credit_code",
            "enterprise_name",
            "district",
            "contact_name",
            "username",
            "password",
            "confirm_password",
            "mobile",
            "sms_code",
        ] {
            assert!(errors.get(field).is_some(), "{field}");
        }
    }

    #[test]
    fn forms_come_from_the_body_the_pages_send() {
        let m: MatrixForm =
            serde_html_form::from_str("csrf_token=x&grant=a%7Cb&grant=c%7Cd").unwrap();
        assert_eq!(m.wanted().len(), 2);
        let p: PolicyForm =
            serde_html_form::from_str("csrf_token=x&security.lockout_threshold=5").unwrap();
        assert_eq!(p.value("security.lockout_threshold"), "5");
        assert_eq!(p.value("security.absent"), "");
        let d = DecisionForm::default();
        assert_eq!(d.version(), -1);
    }
}
