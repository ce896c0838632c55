//! The demo accounts: one per role, all with the same password.

/// One demo account: username, display name, role, scope kind, mobile.
pub struct DemoAccount {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: &'static str,
    pub role_label: &'static str,
    pub mobile: &'static str,
}

/// Every demo account shares this password (demo only).
pub const DEMO_PASSWORD: &str = "Demo@2026";

pub const DEMO_ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        username: "demo_enterprise",
        display_name: "王经理（上海示范科技有限公司）",
        role: "enterprise_admin",
        role_label: "企业管理员",
        mobile: "13900000001",
    },
    DemoAccount {
        username: "demo_person",
        display_name: "李研究员",
        role: "applicant",
        role_label: "个人申请人",
        mobile: "13900000002",
    },
    DemoAccount {
        username: "demo_clerk",
        display_name: "孙受理（浦东新区登记处）",
        role: "office_clerk",
        role_label: "受理员",
        mobile: "13900000011",
    },
    DemoAccount {
        username: "demo_reviewer",
        display_name: "周审查（浦东新区登记处）",
        role: "office_reviewer",
        role_label: "审查员",
        mobile: "13900000012",
    },
    DemoAccount {
        username: "demo_large",
        display_name: "吴大额（浦东新区登记处）",
        role: "office_large_approver",
        role_label: "大额审核员",
        mobile: "13900000013",
    },
    DemoAccount {
        username: "demo_head",
        display_name: "郑主任（浦东新区登记处）",
        role: "office_head",
        role_label: "登记处负责人",
        mobile: "13900000014",
    },
    DemoAccount {
        username: "demo_assistant",
        display_name: "冯辅助（浦东新区登记处）",
        role: "office_assistant",
        role_label: "辅助人员",
        mobile: "13900000015",
    },
    DemoAccount {
        username: "demo_servicepoint",
        display_name: "陈服务（张江服务点）",
        role: "service_point_staff",
        role_label: "服务点人员",
        mobile: "13900000016",
    },
    DemoAccount {
        username: "demo_city",
        display_name: "赵处长（市技术市场办）",
        role: "city_officer",
        role_label: "市技术市场办",
        mobile: "13900000003",
    },
    DemoAccount {
        username: "demo_inspector",
        display_name: "钱检查员",
        role: "inspector",
        role_label: "检查人员",
        mobile: "13900000004",
    },
    DemoAccount {
        username: "demo_sysadmin",
        display_name: "系统管理员",
        role: "system_admin",
        role_label: "系统管理员",
        mobile: "13900000005",
    },
    DemoAccount {
        username: "demo_secadmin",
        display_name: "安全管理员",
        role: "security_admin",
        role_label: "安全管理员",
        mobile: "13900000006",
    },
    DemoAccount {
        username: "demo_auditor",
        display_name: "审计管理员",
        role: "audit_admin",
        role_label: "审计管理员",
        mobile: "13900000007",
    },
];
