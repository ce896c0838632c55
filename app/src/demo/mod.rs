//! Demo data for `serve --demo` and `seed --demo`. It grows with every
//! module, so a newcomer can click through everything that exists.

mod accounts;
pub mod contracts;
pub mod generate;
mod words;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
};
use serde_json::json;
use techreg_entities::org::enterprise;
use techreg_entities::system::system_marker::{self, DEMO_DATA};

use crate::core::Scope;
use crate::core::config::Config;
use crate::identity::{
    ENTERPRISE_VERIFIED, KIND_ENTERPRISE, KIND_INDIVIDUAL, KIND_STAFF, NewUser, STATUS_ACTIVE,
    assign_role, create_user, credit_check_char, find_by_username, id_card_check_char,
};
use crate::security::keys::KeyProvider;
use crate::settings::store_value;

pub use accounts::{DEMO_ACCOUNTS, DEMO_PASSWORD, DemoAccount};

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
        return ensure_staff_demo(db, Utc::now()).await;
    }
    let txn = crate::core::db::begin(db).await?;
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
    let (pudong, industry) = demo_offices(&txn, now).await?;
    let service_point = techreg_entities::org::service_point::ActiveModel {
        office_id: Set(pudong),
        name: Set("浦东新区张江技术合同登记服务点".into()),
        status: Set("active".into()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    crate::org::assign(
        &txn,
        ent.id,
        pudong,
        crate::core::clock::shanghai_date(now),
        "按所在区自动分配",
        "system",
        now,
    )
    .await?;
    seed_enterprises(&txn, &industry, now).await?;
    // The demo enterprise is in the integrity library: its cases show the
    // 诚信 mark and come first in the Pudong queues.
    demo_integrity_entry(&txn, ent.id, now).await?;
    demo_accounts(
        &txn,
        (keys, config),
        (ent.id, pudong, service_point.id),
        now,
    )
    .await?;
    txn.commit().await?;
    ensure_staff_demo(db, now).await
}

/// Shanghai's 16 district offices and two industry offices: Pudong's id
/// and the industry offices' ids.
async fn demo_offices(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
) -> Result<(i64, Vec<i64>), DbErr> {
    let mut pudong = None;
    for d in crate::dictionary::SHANGHAI {
        let o = crate::org::create_office(
            txn,
            crate::org::NewOffice {
                code: &format!("SH{}", d.code),
                name: &format!("{}技术合同登记处", d.name),
                kind: crate::org::KIND_DISTRICT,
                district_code: Some(d.code),
                address: &format!("上海市{}（演示地址）", d.name),
                phone: "021-00000000",
                head_name: "演示负责人",
                handles: &format!(
                    "{}注册的企业、事业单位、其他组织和个人的各类技术合同",
                    d.name
                ),
            },
            now,
        )
        .await?;
        if d.code == "310115" {
            pudong = Some(o.id);
        }
    }
    let mut industry = Vec::new();
    for (code, name, handles) in [
        (
            "SHIND01",
            "上海市生物医药行业技术合同登记处",
            "列入生物医药行业名单的企业的技术合同",
        ),
        (
            "SHIND02",
            "上海市集成电路行业技术合同登记处",
            "列入集成电路行业名单的企业的技术合同",
        ),
    ] {
        let o = crate::org::create_office(
            txn,
            crate::org::NewOffice {
                code,
                name,
                kind: crate::org::KIND_INDUSTRY,
                district_code: None,
                address: "上海市（演示地址）",
                phone: "021-00000000",
                head_name: "演示负责人",
                handles,
            },
            now,
        )
        .await?;
        industry.push(o.id);
    }
    let pudong = pudong.expect("Pudong is one of the districts");
    Ok((pudong, industry))
}

/// The demo accounts with their roles (the enterprise admin for the demo
/// enterprise, the office staff in Pudong, the service point staff at
/// Zhangjiang), each with a welcome message.
async fn demo_accounts(
    txn: &DatabaseTransaction,
    (keys, config): (&dyn KeyProvider, &Config),
    (ent, pudong, service_point): (i64, i64, i64),
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let id_base = "31011519850101001";
    let id_card = format!("{id_base}{}", id_card_check_char(id_base));
    for a in DEMO_ACCOUNTS {
        let (kind, enterprise_id, scope) = match a.role {
            "enterprise_admin" => (KIND_ENTERPRISE, Some(ent), Scope::Enterprise(ent)),
            "applicant" => (KIND_INDIVIDUAL, None, Scope::SelfOnly),
            r if r.starts_with("office_") => (KIND_STAFF, None, Scope::Office(pudong)),
            "service_point_staff" => (KIND_STAFF, None, Scope::ServicePoint(service_point)),
            _ => (KIND_STAFF, None, Scope::All),
        };
        let user = create_user(
            txn,
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
        assign_role(txn, keys, user.id, a.role, scope, None, now)
            .await
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        crate::alerts::send(
            txn,
            &crate::alerts::NewMessage {
                user_id: user.id,
                kind: crate::alerts::Kind::System,
                title: "欢迎使用消息中心",
                body: "申请的办理进度、分派给您的工作和系统通知都会出现在这里；最终结果另发短信。",
                link: None,
                object: None,
            },
            now,
        )
        .await?;
    }
    Ok(())
}

/// Service points: a second one for Pudong, two each for Xuhui and Minhang.
const DEMO_SERVICE_POINTS: &[(&str, &str, &str)] = &[
    (
        "SH310115",
        "浦东新区金桥技术合同登记服务点",
        "上海市浦东新区金桥（演示地址）",
    ),
    (
        "SH310104",
        "徐汇区漕河泾技术合同登记服务点",
        "上海市徐汇区漕河泾（演示地址）",
    ),
    (
        "SH310104",
        "徐汇区徐家汇技术合同登记服务点",
        "上海市徐汇区徐家汇（演示地址）",
    ),
    (
        "SH310112",
        "闵行区紫竹技术合同登记服务点",
        "上海市闵行区紫竹（演示地址）",
    ),
    (
        "SH310112",
        "闵行区莘庄技术合同登记服务点",
        "上海市闵行区莘庄（演示地址）",
    ),
];

/// The staff part of the demo: more service points, and an open staff
/// posting for every demo office or service point position. Idempotent, so
/// a demo database seeded before postings were kept gets them too.
async fn ensure_staff_demo(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<(), DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter};
    use techreg_entities::identity::{role, role_assignment};
    use techreg_entities::org::{office, service_point, staff_posting};

    let txn = crate::core::db::begin(db).await?;
    for (code, name, address) in DEMO_SERVICE_POINTS {
        let Some(o) = office::Entity::find()
            .filter(office::Column::Code.eq(*code))
            .one(&txn)
            .await?
        else {
            continue;
        };
        let exists = service_point::Entity::find()
            .filter(service_point::Column::OfficeId.eq(o.id))
            .filter(service_point::Column::Name.eq(*name))
            .one(&txn)
            .await?
            .is_some();
        if !exists {
            service_point::ActiveModel {
                office_id: Set(o.id),
                name: Set((*name).into()),
                status: Set("active".into()),
                created_at: Set(now),
                address: Set((*address).into()),
                phone: Set("021-00000000".into()),
                version: Set(0),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }
    for a in DEMO_ACCOUNTS
        .iter()
        .filter(|a| a.role.starts_with("office_") || a.role == "service_point_staff")
    {
        let Some(user) = find_by_username(&txn, a.username).await? else {
            continue;
        };
        let Some(r) = role::Entity::find()
            .filter(role::Column::Code.eq(a.role))
            .one(&txn)
            .await?
        else {
            continue;
        };
        for held in role_assignment::Entity::find()
            .filter(role_assignment::Column::UserId.eq(user.id))
            .filter(role_assignment::Column::RoleId.eq(r.id))
            .all(&txn)
            .await?
        {
            let (office_id, sp) = match (held.scope_kind.as_str(), held.scope_id) {
                ("office", Some(id)) => (id, None),
                ("service_point", Some(id)) => {
                    match service_point::Entity::find_by_id(id).one(&txn).await? {
                        Some(s) => (s.office_id, Some(s.id)),
                        None => continue,
                    }
                }
                _ => continue,
            };
            let mut open = staff_posting::Entity::find()
                .filter(staff_posting::Column::UserId.eq(user.id))
                .filter(staff_posting::Column::OfficeId.eq(office_id))
                .filter(staff_posting::Column::RoleCode.eq(a.role))
                .filter(staff_posting::Column::ValidTo.is_null());
            open = match sp {
                Some(id) => open.filter(staff_posting::Column::ServicePointId.eq(id)),
                None => open.filter(staff_posting::Column::ServicePointId.is_null()),
            };
            if open.one(&txn).await?.is_none() {
                crate::org::open_posting(
                    &txn,
                    user.id,
                    office_id,
                    sp,
                    a.role,
                    crate::core::clock::shanghai_date(held.created_at),
                    "演示数据",
                    "system",
                    now,
                )
                .await?;
            }
        }
    }
    txn.commit().await
}

/// Enterprises in the demo: spread over the districts and the last three
/// years, every tenth on an industry office's list; each assigned by the
/// rules as a registration would.
const DEMO_ENTERPRISES: usize = 320;

async fn seed_enterprises<C: sea_orm::ConnectionTrait>(
    db: &C,
    industry_offices: &[i64],
    now: chrono::DateTime<Utc>,
) -> Result<(), DbErr> {
    use techreg_entities::org::office_industry_member;
    const PLACES: &[&str] = &[
        "申江", "浦源", "东海", "明珠", "金桥", "张江", "漕河", "临港", "松江", "紫竹", "长风",
        "外滩", "新虹", "泗泾", "安亭", "嘉定",
    ];
    const TRADES: &[&str] = &[
        "信息技术",
        "生物医药",
        "新材料",
        "智能装备",
        "集成电路",
        "环境科技",
        "软件",
        "医疗器械",
        "新能源",
        "数据科技",
    ];
    const FORMS: &[(&str, &str)] = &[
        ("有限公司", "170"),
        ("股份有限公司", "110"),
        ("研究院", "021"),
    ];
    for i in 0..DEMO_ENTERPRISES {
        let district = &crate::dictionary::SHANGHAI[i % crate::dictionary::SHANGHAI.len()];
        let base = format!("91{}{:09}", district.code, 300_000_000 + i);
        let credit_code = format!("{base}{}", credit_check_char(&base));
        let (form, legal_form) = FORMS[i % FORMS.len()];
        let name = format!(
            "上海{}{}{}{}",
            PLACES[(i / 3) % PLACES.len()],
            TRADES[i % TRADES.len()],
            ["", "发展", "创新", "工程"][(i / 48) % 4],
            form
        );
        if i % 10 == 0 && !industry_offices.is_empty() {
            office_industry_member::ActiveModel {
                office_id: Set(industry_offices[(i / 10) % industry_offices.len()]),
                credit_code: Set(credit_code.clone()),
                actor: Set("system".into()),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
        let created = now - chrono::Duration::days((i as i64 * 37) % 1095);
        let e = enterprise::ActiveModel {
            credit_code: Set(credit_code.clone()),
            name: Set(format!("{name}（{:03}）", i + 1)),
            district_code: Set(Some(district.code.into())),
            status: Set(if i % 4 == 0 {
                crate::identity::ENTERPRISE_UNVERIFIED.into()
            } else {
                ENTERPRISE_VERIFIED.into()
            }),
            created_at: Set(created),
            updated_at: Set(created),
            legal_form_code: Set(Some(legal_form.into())),
            address: Set(format!("上海市{}演示路 {} 号", district.name, i + 1)),
            legal_rep: Set(format!("演示法人{}", i + 1)),
            contact_name: Set(format!("联系人{}", i + 1)),
            contact_phone: Set(format!("021-6{:07}", i)),
            source: Set("demo".into()),
            in_commitment_library: Set(i % 7 == 0),
            // Marks come from integrity entries and anomaly records below.
            in_integrity_list: Set(false),
            has_anomaly: Set(false),
            version: Set(0),
            ..Default::default()
        }
        .insert(db)
        .await?;
        crate::org::assign_new(db, e.id, &credit_code, Some(district.code), created).await?;
        if i % 11 == 0 {
            demo_integrity_entry(db, e.id, now).await?;
        }
        if i % 53 == 0 {
            demo_anomaly(db, e.id, i % 106 == 53, now).await?;
        }
    }
    Ok(())
}

/// A demo listing in the integrity library, in force for a year.
async fn demo_integrity_entry<C: sea_orm::ConnectionTrait>(
    db: &C,
    enterprise_id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), sea_orm::DbErr> {
    let today = crate::core::clock::shanghai_date(now);
    techreg_entities::org::integrity_entry::ActiveModel {
        enterprise_id: Set(enterprise_id),
        reason: Set("演示：近三年技术合同登记无不良记录，纳税信用 A 级".into()),
        valid_from: Set(today - chrono::Days::new(90)),
        valid_to: Set(Some(today + chrono::Days::new(275))),
        source: Set("demo".into()),
        added_by: Set("system".into()),
        added_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// A demo anomaly record: a blocking one (经营异常名录) or a notice only.
async fn demo_anomaly<C: sea_orm::ConnectionTrait>(
    db: &C,
    enterprise_id: i64,
    blocking: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), sea_orm::DbErr> {
    let today = crate::core::clock::shanghai_date(now);
    let (type_code, description) = if blocking {
        (
            "abnormal_operation",
            "演示：通过登记的住所无法联系，列入经营异常名录",
        )
    } else {
        ("repeated_duplicates", "演示：半年内多次重复提交同一合同")
    };
    techreg_entities::org::enterprise_anomaly::ActiveModel {
        enterprise_id: Set(enterprise_id),
        type_code: Set(type_code.into()),
        description: Set(description.into()),
        source: Set(if blocking {
            "市场监督管理部门"
        } else {
            "市技术市场办"
        }
        .into()),
        recorded_on: Set(today - chrono::Days::new(30)),
        valid_from: Set(today - chrono::Days::new(30)),
        valid_to: Set(Some(today + chrono::Days::new(335))),
        blocking: Set(blocking),
        added_by: Set("system".into()),
        added_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
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
