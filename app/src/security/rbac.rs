//! Permissions, the built-in roles and the HMAC-SM3 tags that grants carry
//! over all their columns, checked whenever they are used. The grants
//! themselves and their scopes are part of the caller (`core::caller`).

use chrono::{DateTime, Utc};

use super::crypto::{ct_eq, hmac_sm3};
use crate::core::Duty;

pub mod perm {
    pub const CONTRACT_APPLY: &str = "contract.apply";
    pub const CONTRACT_ACCEPT: &str = "contract.accept";
    pub const CONTRACT_REVIEW: &str = "contract.review";
    pub const CONTRACT_APPROVE: &str = "contract.approve";
    pub const CONTRACT_LARGE: &str = "contract.large";
    pub const ENTERPRISE_VERIFY: &str = "enterprise.verify";
    pub const ENTERPRISE_USERS: &str = "enterprise.users";
    pub const OFFICE_MANAGE: &str = "office.manage";
    pub const STAFF_MANAGE: &str = "office.staff";
    pub const ENTERPRISE_MANAGE: &str = "enterprise.manage";
    pub const CALENDAR_MANAGE: &str = "calendar.manage";
    pub const DICTIONARY_MANAGE: &str = "dictionary.manage";
    pub const JOBS_MANAGE: &str = "jobs.manage";
    pub const SUPERVISION_SAMPLE: &str = "supervision.sample";
    pub const REPORT_VIEW: &str = "report.view";
    pub const USER_MANAGE: &str = "user.manage";
    pub const ROLE_MANAGE: &str = "role.manage";
    pub const SECURITY_MANAGE: &str = "security.manage";
    pub const SESSION_MANAGE: &str = "session.manage";
    pub const AUDIT_VIEW: &str = "audit.view";
    pub const INTEGRITY_MANAGE: &str = "integrity.manage";

    /// Every permission with its Chinese label, in display order.
    pub const ALL: &[(&str, &str)] = &[
        (CONTRACT_APPLY, "申报技术合同"),
        (CONTRACT_ACCEPT, "受理"),
        (CONTRACT_REVIEW, "审查"),
        (CONTRACT_APPROVE, "审定"),
        (CONTRACT_LARGE, "大额合同审核"),
        (ENTERPRISE_VERIFY, "核验企业认领"),
        (ENTERPRISE_USERS, "管理本企业用户"),
        (OFFICE_MANAGE, "管理登记处"),
        (STAFF_MANAGE, "管理登记处人员"),
        (ENTERPRISE_MANAGE, "管理企业与对口关系"),
        (CALENDAR_MANAGE, "维护工作日历"),
        (DICTIONARY_MANAGE, "维护数据字典"),
        (JOBS_MANAGE, "查看和运行后台任务"),
        (SUPERVISION_SAMPLE, "监督抽查"),
        (REPORT_VIEW, "查看统计报表"),
        (USER_MANAGE, "管理用户"),
        (ROLE_MANAGE, "管理角色与权限"),
        (SECURITY_MANAGE, "管理安全策略与密钥"),
        (SESSION_MANAGE, "管理在线会话"),
        (AUDIT_VIEW, "查看审计日志"),
        (INTEGRITY_MANAGE, "维护诚信企业库与异常信息"),
    ];
}

pub struct BuiltInRole {
    pub code: &'static str,
    pub name: &'static str,
    pub duty: Duty,
    pub permissions: &'static [&'static str],
}

use perm::*;

/// Roles every installation starts with; admins edit their permissions in
/// the role matrix.
pub const BUILT_IN_ROLES: &[BuiltInRole] = &[
    BuiltInRole {
        code: "applicant",
        name: "申请人",
        duty: Duty::None,
        permissions: &[CONTRACT_APPLY],
    },
    BuiltInRole {
        code: "enterprise_admin",
        name: "企业管理员",
        duty: Duty::None,
        permissions: &[CONTRACT_APPLY, ENTERPRISE_USERS],
    },
    BuiltInRole {
        code: "service_point_staff",
        name: "服务点人员",
        duty: Duty::None,
        permissions: &[CONTRACT_APPLY],
    },
    BuiltInRole {
        code: "office_clerk",
        name: "受理员",
        duty: Duty::None,
        permissions: &[CONTRACT_ACCEPT, ENTERPRISE_VERIFY],
    },
    BuiltInRole {
        code: "office_reviewer",
        name: "审查员",
        duty: Duty::None,
        permissions: &[CONTRACT_REVIEW],
    },
    BuiltInRole {
        code: "office_large_approver",
        name: "大额审核员",
        duty: Duty::None,
        permissions: &[CONTRACT_REVIEW, CONTRACT_LARGE],
    },
    BuiltInRole {
        code: "office_head",
        name: "登记处负责人",
        duty: Duty::None,
        permissions: &[
            CONTRACT_ACCEPT,
            CONTRACT_REVIEW,
            CONTRACT_LARGE,
            ENTERPRISE_VERIFY,
            REPORT_VIEW,
            STAFF_MANAGE,
        ],
    },
    BuiltInRole {
        code: "office_assistant",
        name: "辅助人员",
        duty: Duty::None,
        permissions: &[],
    },
    BuiltInRole {
        code: "city_officer",
        name: "市技术市场办",
        duty: Duty::None,
        permissions: &[
            CONTRACT_APPROVE,
            ENTERPRISE_VERIFY,
            ENTERPRISE_MANAGE,
            SUPERVISION_SAMPLE,
            REPORT_VIEW,
            INTEGRITY_MANAGE,
        ],
    },
    BuiltInRole {
        code: "inspector",
        name: "检查人员",
        duty: Duty::None,
        permissions: &[SUPERVISION_SAMPLE],
    },
    BuiltInRole {
        code: "system_admin",
        name: "系统管理员",
        duty: Duty::System,
        permissions: &[
            USER_MANAGE,
            ROLE_MANAGE,
            OFFICE_MANAGE,
            STAFF_MANAGE,
            ENTERPRISE_MANAGE,
            CALENDAR_MANAGE,
            DICTIONARY_MANAGE,
            JOBS_MANAGE,
        ],
    },
    BuiltInRole {
        code: "security_admin",
        name: "安全管理员",
        duty: Duty::Security,
        permissions: &[SECURITY_MANAGE, SESSION_MANAGE],
    },
    BuiltInRole {
        code: "audit_admin",
        name: "审计管理员",
        duty: Duty::Audit,
        permissions: &[AUDIT_VIEW],
    },
];

fn tag_fields(key: &[u8], kind: &str, fields: &[String]) -> String {
    let mut parts: Vec<Vec<u8>> = vec![kind.as_bytes().to_vec()];
    for f in fields {
        let mut p = (f.len() as u32).to_be_bytes().to_vec();
        p.extend_from_slice(f.as_bytes());
        parts.push(p);
    }
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    hex::encode(hmac_sm3(key, &refs))
}

pub fn permission_tag(key: &[u8], id: i64, role_id: i64, permission: &str) -> String {
    tag_fields(
        key,
        "role_permission",
        &[id.to_string(), role_id.to_string(), permission.to_owned()],
    )
}

#[allow(clippy::too_many_arguments)]
pub fn assignment_tag(
    key: &[u8],
    id: i64,
    user_id: i64,
    role_id: i64,
    scope_kind: &str,
    scope_id: Option<i64>,
    created_at: DateTime<Utc>,
    created_by: Option<i64>,
) -> String {
    tag_fields(
        key,
        "role_assignment",
        &[
            id.to_string(),
            user_id.to_string(),
            role_id.to_string(),
            scope_kind.to_owned(),
            scope_id.map(|v| v.to_string()).unwrap_or_default(),
            created_at.timestamp_micros().to_string(),
            created_by.map(|v| v.to_string()).unwrap_or_default(),
        ],
    )
}

pub fn tag_matches(expected: &str, stored: &str) -> bool {
    ct_eq(expected.as_bytes(), stored.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_roles_keep_admin_duties_apart() {
        for r in BUILT_IN_ROLES {
            let admin_perms = [
                USER_MANAGE,
                ROLE_MANAGE,
                SECURITY_MANAGE,
                SESSION_MANAGE,
                AUDIT_VIEW,
            ];
            let held: Vec<_> = r
                .permissions
                .iter()
                .filter(|p| admin_perms.contains(p))
                .collect();
            if !held.is_empty() {
                assert_ne!(
                    r.duty,
                    Duty::None,
                    "{} holds admin permissions without a duty",
                    r.code
                );
            }
        }
        for r in BUILT_IN_ROLES {
            for p in r.permissions {
                assert!(perm::ALL.iter().any(|(code, _)| code == p), "{p} is listed");
            }
        }
    }

    #[test]
    fn tags_cover_every_column() {
        let t = Utc::now();
        let base = assignment_tag(b"k", 1, 2, 3, "office", Some(4), t, Some(5));
        assert_ne!(
            base,
            assignment_tag(b"k", 9, 2, 3, "office", Some(4), t, Some(5)),
            "id"
        );
        assert_ne!(
            base,
            assignment_tag(b"k", 1, 2, 3, "all", None, t, Some(5)),
            "scope"
        );
        assert_ne!(
            base,
            assignment_tag(b"k", 1, 2, 4, "office", Some(4), t, Some(5)),
            "role"
        );
        assert_ne!(
            base,
            assignment_tag(b"other", 1, 2, 3, "office", Some(4), t, Some(5)),
            "key"
        );
        assert_ne!(
            permission_tag(b"k", 1, 2, "a.b"),
            permission_tag(b"k", 1, 2, "a.c")
        );
    }
}
