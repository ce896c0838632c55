//! The org domain's values and typed forms: office kinds and statuses,
//! the forms of the office, enterprise, staff and service point screens
//! and the checked input they give.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::core::FieldErrors;
use crate::core::text::normalize_code;

pub const KIND_DISTRICT: &str = "district";
pub const KIND_INDUSTRY: &str = "industry";
pub const STATUS_ACTIVE: &str = "active";
pub const STATUS_SUSPENDED: &str = "suspended";
pub const STATUS_CLOSED: &str = "closed";

/// The key of a message about a form as a whole (not one of its fields);
/// the pages show it above the form.
pub const WHOLE_FORM: &str = "_form";

/// The longest reason a staff posting keeps (a closing note is appended to
/// the opening one).
pub const REASON_MAX: usize = 80;

/// The version a form sent back; a missing or garbled one matches no row.
fn version_of(raw: &str) -> i32 {
    raw.parse().unwrap_or(-1)
}

/// `value` trimmed, with an error on `field` when longer than `max`.
fn limited(errors: &mut FieldErrors, field: &str, value: &str, label: &str, max: usize) -> String {
    let v = value.trim().to_owned();
    if v.chars().count() > max {
        errors.add(field, format!("{label}不能超过 {max} 个字"));
    }
    v
}

/// A date typed as `年-月-日`.
fn parse_date(raw: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").ok()
}

/// Integrity's marks of some enterprises on a date.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Marks {
    pub listed: BTreeSet<i64>,
    pub anomalous: BTreeSet<i64>,
}

/// The office list's search and filters.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct OfficeQuery {
    pub q: Option<String>,
    pub kind: Option<String>,
    pub status: Option<String>,
}

/// An office as created or edited (the version only when edited).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct OfficeForm {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub district: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub head_name: String,
    #[serde(default)]
    pub handles: String,
}

/// An office's fields as checked.
pub struct OfficeInput {
    pub version: i32,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub district: Option<String>,
    pub address: String,
    pub phone: String,
    pub head_name: String,
    pub handles: String,
}

impl OfficeForm {
    pub fn check(&self) -> Result<OfficeInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let code = normalize_code(&self.code);
        if code.is_empty() {
            errors.add("code", "请填写编码");
        } else if !(2..=20).contains(&code.len())
            || !code.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            errors.add("code", "编码为 2–20 位字母或数字");
        }
        let name = self.name.trim().to_owned();
        if !(2..=100).contains(&name.chars().count()) {
            errors.add("name", "请填写名称（2–100 个字）");
        }
        if self.kind != KIND_DISTRICT && self.kind != KIND_INDUSTRY {
            errors.add("kind", "请选择类型");
        }
        let district = Some(self.district.clone()).filter(|d| !d.is_empty());
        match &district {
            Some(d) if crate::dictionary::district_name(d).is_none() => {
                errors.add("district", "所在区无效")
            }
            None if self.kind == KIND_DISTRICT => errors.add("district", "区级登记处须选择所在区"),
            _ => {}
        }
        let address = limited(&mut errors, "address", &self.address, "地址", 200);
        let phone = limited(&mut errors, "phone", &self.phone, "电话", 50);
        let head_name = limited(&mut errors, "head_name", &self.head_name, "负责人", 50);
        let handles = limited(&mut errors, "handles", &self.handles, "受理范围", 500);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(OfficeInput {
            version: version_of(&self.version),
            code,
            name,
            kind: self.kind.clone(),
            district,
            address,
            phone,
            head_name,
            handles,
        })
    }
}

/// A status change with its reason (offices and service points).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct StatusForm {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub reason: String,
}

/// A status change as checked.
pub struct StatusChange {
    pub version: i32,
    pub status: String,
    pub reason: String,
}

impl StatusForm {
    fn checked(
        &self,
        allowed: &[&str],
        reason_max: Option<usize>,
    ) -> Result<StatusChange, FieldErrors> {
        let mut errors = FieldErrors::new();
        if !allowed.contains(&self.status.as_str()) {
            errors.add(WHOLE_FORM, "请选择状态");
        }
        let reason = self.reason.trim().to_owned();
        if reason.is_empty() {
            errors.add("reason", "请填写原因");
        } else if let Some(max) = reason_max.filter(|m| reason.chars().count() > *m) {
            errors.add("reason", format!("原因不能超过 {max} 个字"));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(StatusChange {
            version: version_of(&self.version),
            status: self.status.clone(),
            reason,
        })
    }

    /// An office is active, suspended or closed.
    pub fn check_office(&self) -> Result<StatusChange, FieldErrors> {
        self.checked(&[STATUS_ACTIVE, STATUS_SUSPENDED, STATUS_CLOSED], None)
    }

    /// A service point is active or suspended.
    pub fn check_service_point(&self) -> Result<StatusChange, FieldErrors> {
        self.checked(&[STATUS_ACTIVE, STATUS_SUSPENDED], Some(200))
    }
}

/// An industry office's list: credit codes, one per line.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct IndustryListForm {
    #[serde(default)]
    pub codes: String,
}

impl IndustryListForm {
    /// The valid codes of the list, and a problem per bad line.
    pub fn codes(&self) -> (BTreeSet<String>, Vec<String>) {
        let mut problems = Vec::new();
        let mut codes = BTreeSet::new();
        for (n, line) in self.codes.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match crate::identity::credit_code(line) {
                Ok(c) => {
                    codes.insert(c);
                }
                Err(m) => problems.push(format!("第 {} 行：{m}", n + 1)),
            }
        }
        (codes, problems)
    }
}

/// The enterprise list's search and filters, and the page it starts after.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct EnterpriseQuery {
    pub q: Option<String>,
    pub office: Option<String>,
    pub district: Option<String>,
    pub unassigned: Option<String>,
    pub after: Option<i64>,
}

impl EnterpriseQuery {
    /// The filter as a query string (without the page).
    pub fn query_string(&self) -> String {
        serde_urlencoded::to_string([
            ("q", self.q.clone().unwrap_or_default()),
            ("office", self.office.clone().unwrap_or_default()),
            ("district", self.district.clone().unwrap_or_default()),
            ("unassigned", self.unassigned.clone().unwrap_or_default()),
        ])
        .unwrap_or_default()
    }

    pub fn only_unassigned(&self) -> bool {
        self.unassigned.as_deref() == Some("1")
    }
}

/// An enterprise's data as edited by the city office.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct EnterpriseForm {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub legal_form_code: String,
    #[serde(default)]
    pub district: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub legal_rep: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_phone: String,
}

/// An enterprise's data as checked (the legal form against the data
/// dictionary is the service's part).
pub struct EnterpriseInput {
    pub version: i32,
    pub name: String,
    pub legal_form_code: Option<String>,
    pub district: Option<String>,
    pub address: String,
    pub legal_rep: String,
    pub contact_name: String,
    pub contact_phone: String,
}

impl EnterpriseForm {
    /// The legal form chosen, normalised; `None` when left empty.
    pub fn legal_form(&self) -> Option<String> {
        Some(normalize_code(&self.legal_form_code)).filter(|c| !c.is_empty())
    }

    pub fn check(&self) -> Result<EnterpriseInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = self.name.trim().to_owned();
        if !(2..=200).contains(&name.chars().count()) {
            errors.add("name", "请填写单位名称（2–200 个字）");
        }
        let district = Some(self.district.clone()).filter(|d| !d.is_empty());
        if district
            .as_deref()
            .is_some_and(|d| crate::dictionary::district_name(d).is_none())
        {
            errors.add("district", "所在区无效");
        }
        let address = limited(&mut errors, "address", &self.address, "地址", 200);
        let legal_rep = limited(&mut errors, "legal_rep", &self.legal_rep, "法定代表人", 50);
        let contact_name = limited(
            &mut errors,
            "contact_name",
            &self.contact_name,
            "联系人",
            50,
        );
        let contact_phone = limited(
            &mut errors,
            "contact_phone",
            &self.contact_phone,
            "联系电话",
            30,
        );
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(EnterpriseInput {
            version: version_of(&self.version),
            name,
            legal_form_code: self.legal_form(),
            district,
            address,
            legal_rep,
            contact_name,
            contact_phone,
        })
    }
}

/// One enterprise given to an office from a date.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ReassignForm {
    #[serde(default)]
    pub office_id: String,
    #[serde(default)]
    pub effective: String,
    #[serde(default)]
    pub reason: String,
}

/// A reassignment as checked: target office, effective date, reason.
pub struct Reassignment {
    pub office_id: i64,
    pub effective: NaiveDate,
    pub reason: String,
}

impl ReassignForm {
    /// Checked against `today`: an effective date at most a year ahead.
    pub fn check(&self, today: NaiveDate) -> Result<Reassignment, FieldErrors> {
        let mut errors = FieldErrors::new();
        let office_id = self.office_id.parse::<i64>().ok();
        if office_id.is_none() {
            errors.add("office_id", "请选择登记处");
        }
        let effective = parse_date(&self.effective);
        match effective {
            None => errors.add("effective", "请填写生效日期（年-月-日）"),
            Some(d) if d > today + chrono::Days::new(366) => {
                errors.add("effective", "生效日期不能晚于一年以后")
            }
            _ => {}
        }
        let reason = self.reason.trim().to_owned();
        if reason.is_empty() {
            errors.add("reason", "请填写调整原因");
        } else if reason.chars().count() > 200 {
            errors.add("reason", "调整原因不能超过 200 个字");
        }
        match (office_id, effective) {
            (Some(office_id), Some(effective)) if errors.is_empty() => Ok(Reassignment {
                office_id,
                effective,
                reason,
            }),
            _ => Err(errors),
        }
    }
}

/// Many enterprises given to an office: the ticked ones, or all the list's
/// filter matches (the filter comes along as hidden fields).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct BulkReassignForm {
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub filter_office: Option<String>,
    #[serde(default)]
    pub district: Option<String>,
    #[serde(default)]
    pub unassigned: Option<String>,
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub ids: Vec<i64>,
    #[serde(default)]
    pub office_id: String,
    #[serde(default)]
    pub effective: String,
    #[serde(default)]
    pub reason: String,
}

impl BulkReassignForm {
    /// The list's filter the form was sent from.
    pub fn query(&self) -> EnterpriseQuery {
        EnterpriseQuery {
            q: self.q.clone(),
            office: self.filter_office.clone(),
            district: self.district.clone(),
            unassigned: self.unassigned.clone(),
            after: None,
        }
    }

    pub fn all_matching(&self) -> bool {
        self.scope == "all"
    }

    pub fn reassignment(&self) -> ReassignForm {
        ReassignForm {
            office_id: self.office_id.clone(),
            effective: self.effective.clone(),
            reason: self.reason.clone(),
        }
    }
}

/// The confirmation of an enterprise import: the previewed rows again.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ImportConfirmForm {
    #[serde(default)]
    pub file_name: String,
    #[serde(default)]
    pub payload: String,
    #[serde(default)]
    pub effective: String,
}

impl ImportConfirmForm {
    pub fn effective(&self) -> Option<NaiveDate> {
        parse_date(&self.effective)
    }
}

/// The office a staff or service point page is about.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct OfficeChoiceQuery {
    pub office: Option<String>,
}

/// A reason as typed on the staff screens, or an error on `field`.
pub fn check_reason(errors: &mut FieldErrors, field: &str, value: &str) -> Option<String> {
    let reason = value.trim().to_owned();
    if reason.is_empty() {
        errors.add(field, "请填写原因");
        None
    } else if reason.chars().count() > REASON_MAX {
        errors.add(field, format!("原因不能超过 {REASON_MAX} 个字"));
        None
    } else {
        Some(reason)
    }
}

/// An office position granted to a staff user.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct GrantForm {
    #[serde(default)]
    pub office: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub position: String,
    #[serde(default)]
    pub reason: String,
}

/// An office position revoked (from a row of the staff list).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct RevokeForm {
    #[serde(default)]
    pub office: String,
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub position: String,
    #[serde(default)]
    pub reason: String,
}

/// A move of a person from one office to another, with their new positions.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct MoveForm {
    #[serde(default)]
    pub from_office: String,
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub to_office: String,
    #[serde(default)]
    pub positions: Vec<String>,
    #[serde(default)]
    pub effective: String,
    #[serde(default)]
    pub reason: String,
}

impl MoveForm {
    /// The new positions, each once, in code order.
    pub fn chosen(&self) -> Vec<String> {
        self.positions
            .iter()
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    pub fn effective(&self) -> Option<NaiveDate> {
        parse_date(&self.effective)
    }
}

/// A service point as created (with its office) or edited (with the
/// version shown).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ServicePointForm {
    #[serde(default)]
    pub office: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
}

/// A service point's fields as checked.
pub struct ServicePointInput {
    pub version: i32,
    pub name: String,
    pub address: String,
    pub phone: String,
}

impl ServicePointForm {
    pub fn check(&self) -> Result<ServicePointInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = self.name.trim().to_owned();
        if !(2..=100).contains(&name.chars().count()) {
            errors.add("name", "请填写名称（2–100 个字）");
        }
        let address = limited(&mut errors, "address", &self.address, "地址", 200);
        let phone = limited(&mut errors, "phone", &self.phone, "电话", 50);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ServicePointInput {
            version: version_of(&self.version),
            name,
            address,
            phone,
        })
    }
}

/// A staff user made service point staff.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ServicePointGrantForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub reason: String,
}

/// Service point staff revoked (from a row of its staff list).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ServicePointRevokeForm {
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_office_form_reports_every_bad_field() {
        let form = OfficeForm {
            code: "x".into(),
            name: "浦".into(),
            kind: KIND_DISTRICT.into(),
            phone: "1".repeat(51),
            ..OfficeForm::default()
        };
        let errors = form.check().err().unwrap();
        assert_eq!(errors.get("code"), Some("编码为 2–20 位字母或数字"));
        assert_eq!(errors.get("name"), Some("请填写名称（2–100 个字）"));
        assert_eq!(errors.get("district"), Some("区级登记处须选择所在区"));
        assert_eq!(errors.get("phone"), Some("电话不能超过 50 个字"));
        let ok = OfficeForm {
            code: " sh０１ ".into(),
            name: "浦东新区登记处".into(),
            kind: KIND_DISTRICT.into(),
            district: "310115".into(),
            version: "3".into(),
            ..OfficeForm::default()
        }
        .check()
        .ok()
        .unwrap();
        assert_eq!((ok.code.as_str(), ok.version), ("SH01", 3));
    }

    #[test]
    fn a_reassignment_is_at_most_a_year_ahead() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let form = |effective: &str| ReassignForm {
            office_id: "2".into(),
            effective: effective.into(),
            reason: "区域调整".into(),
        };
        assert!(form("2026-03-01").check(today).is_ok());
        let far = form("2027-03-03").check(today).err().unwrap();
        assert_eq!(far.get("effective"), Some("生效日期不能晚于一年以后"));
        let blank = ReassignForm::default().check(today).err().unwrap();
        assert_eq!(blank.get("office_id"), Some("请选择登记处"));
        assert_eq!(blank.get("reason"), Some("请填写调整原因"));
    }

    #[test]
    fn a_status_needs_a_known_value_and_a_reason() {
        let e = StatusForm::default().check_office().err().unwrap();
        assert_eq!(e.get(WHOLE_FORM), Some("请选择状态"));
        assert_eq!(e.get("reason"), Some("请填写原因"));
        let closed = StatusForm {
            status: STATUS_CLOSED.into(),
            reason: "撤并".into(),
            ..StatusForm::default()
        };
        assert!(closed.check_office().is_ok());
        assert!(closed.check_service_point().is_err());
    }
}
