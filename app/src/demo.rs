//! Demo data for `serve --demo` and `seed --demo`. It grows with every
//! module, so a newcomer can click through everything that exists.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, DbErr, EntityTrait};
use serde_json::json;
use techreg_entities::org::enterprise;
use techreg_entities::system::system_marker::{self, DEMO_DATA};

use crate::config::Config;
use crate::identity::register::ENTERPRISE_VERIFIED;
use crate::identity::roles;
use crate::identity::users::{
    self, KIND_ENTERPRISE, KIND_INDIVIDUAL, KIND_STAFF, NewUser, STATUS_ACTIVE,
};
use crate::identity::validate::{credit_check_char, id_card_check_char};
use crate::security::keys::KeyProvider;
use crate::security::rbac::Scope;
use crate::settings::store_value;

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

pub async fn has_demo_data(db: &DatabaseConnection) -> Result<bool, DbErr> {
    Ok(system_marker::Entity::find_by_id(DEMO_DATA.to_owned())
        .one(db)
        .await?
        .is_some())
}

fn demo_credit_code() -> String {
    let base = "91310115MA1DEM001";
    format!("{base}{}", credit_check_char(base))
}

/// Idempotent: a second run leaves the data as it is.
pub async fn seed(
    db: &DatabaseConnection,
    keys: &dyn KeyProvider,
    config: &Config,
) -> Result<(), DbErr> {
    let now = Utc::now();
    // Real data rather than demo data, added to older demo databases too.
    crate::calendar::seed_published(db, now).await?;
    if has_demo_data(db).await? {
        return Ok(());
    }
    let txn = crate::db::begin(db).await?;
    system_marker::Entity::insert(system_marker::ActiveModel {
        name: Set(DEMO_DATA.to_owned()),
        value: Set("true".to_owned()),
        created_at: Set(now),
    })
    .exec(&txn)
    .await?;
    store_value(
        &txn,
        "portal.announcement",
        &json!("本系统运行在演示模式，页面中的企业、合同和人员均为虚构数据。"),
        "system",
    )
    .await?;
    let ent = enterprise::ActiveModel {
        credit_code: Set(demo_credit_code()),
        name: Set("上海示范科技有限公司".into()),
        district_code: Set(Some("310115".into())),
        status: Set(ENTERPRISE_VERIFIED.into()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    // Shanghai's 16 district offices and two industry offices.
    let mut pudong = None;
    for d in crate::org::districts::SHANGHAI {
        let o = crate::org::service::create_office(
            &txn,
            crate::org::service::NewOffice {
                code: &format!("SH{}", d.code),
                name: &format!("{}技术合同登记处", d.name),
                kind: crate::org::service::KIND_DISTRICT,
                district_code: Some(d.code),
                address: &format!("上海市{}（演示地址）", d.name),
                phone: "021-00000000",
                head_name: "演示负责人",
            },
            now,
        )
        .await?;
        if d.code == "310115" {
            pudong = Some(o.id);
        }
    }
    for (code, name) in [
        ("SHIND01", "上海市生物医药行业技术合同登记处"),
        ("SHIND02", "上海市集成电路行业技术合同登记处"),
    ] {
        crate::org::service::create_office(
            &txn,
            crate::org::service::NewOffice {
                code,
                name,
                kind: crate::org::service::KIND_INDUSTRY,
                district_code: None,
                address: "上海市（演示地址）",
                phone: "021-00000000",
                head_name: "演示负责人",
            },
            now,
        )
        .await?;
    }
    let pudong = pudong.expect("Pudong is one of the districts");
    let service_point = techreg_entities::org::service_point::ActiveModel {
        office_id: Set(pudong),
        name: Set("浦东新区张江技术合同登记服务点".into()),
        status: Set("active".into()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    crate::org::service::assign(
        &txn,
        ent.id,
        pudong,
        crate::org::service::shanghai_date(now),
        "按所在区自动分配",
        "system",
        now,
    )
    .await?;
    let id_base = "31011519850101001";
    let id_card = format!("{id_base}{}", id_card_check_char(id_base));
    for a in DEMO_ACCOUNTS {
        let (kind, enterprise_id, scope) = match a.role {
            "enterprise_admin" => (KIND_ENTERPRISE, Some(ent.id), Scope::Enterprise(ent.id)),
            "applicant" => (KIND_INDIVIDUAL, None, Scope::SelfOnly),
            r if r.starts_with("office_") => (KIND_STAFF, None, Scope::Office(pudong)),
            "service_point_staff" => (KIND_STAFF, None, Scope::ServicePoint(service_point.id)),
            _ => (KIND_STAFF, None, Scope::All),
        };
        let user = users::create(
            &txn,
            keys,
            config.security.pbkdf2_iterations,
            NewUser {
                username: a.username,
                display_name: a.display_name,
                kind,
                status: STATUS_ACTIVE,
                enterprise_id,
                is_enterprise_admin: a.role == "enterprise_admin",
                mobile: Some(a.mobile),
                id_card: (a.role == "applicant").then_some(id_card.as_str()),
                password: DEMO_PASSWORD,
                must_change_password: false,
            },
            now,
        )
        .await?;
        roles::assign(&txn, keys, user.id, a.role, scope, None, now)
            .await
            .map_err(|e| DbErr::Custom(e.to_string()))?;
    }
    txn.commit().await
}

/// What `serve --demo` prints after start-up.
pub fn banner(url: &str) -> String {
    let mut accounts = String::new();
    for a in DEMO_ACCOUNTS {
        accounts.push_str(&format!(
            "  {:<16} {:<10} 手机 {}\n",
            a.username, a.role_label, a.mobile
        ));
    }
    format!(
        "\n==== techreg 演示模式 / demo mode ====\n\
         打开 / open: {url}\n\
         演示账号（密码均为 {DEMO_PASSWORD}）/ demo accounts (password {DEMO_PASSWORD}):\n\
         {accounts}\
         第二验证方式为短信验证码：登录后打开 {url}/demo/sms 查看演示短信。\n\
         数据为虚构演示数据，切勿用于生产。\n\
         =====================================\n"
    )
}
