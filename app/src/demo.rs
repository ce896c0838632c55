//! Demo data for `serve --demo` and `seed --demo`. It grows with every
//! module, so a newcomer can click through everything that exists.

use chrono::Utc;
use sea_orm::{ActiveValue::Set, DatabaseConnection, DbErr, EntityTrait, TransactionTrait};
use techreg_entities::system::system_marker::{self, DEMO_DATA};

use serde_json::json;

use crate::settings::store_value;

pub async fn has_demo_data(db: &DatabaseConnection) -> Result<bool, DbErr> {
    Ok(system_marker::Entity::find_by_id(DEMO_DATA.to_owned())
        .one(db)
        .await?
        .is_some())
}

/// Idempotent: a second run leaves the data as it is.
pub async fn seed(db: &DatabaseConnection) -> Result<(), DbErr> {
    if has_demo_data(db).await? {
        return Ok(());
    }
    let txn = db.begin().await?;
    system_marker::Entity::insert(system_marker::ActiveModel {
        name: Set(DEMO_DATA.to_owned()),
        value: Set("true".to_owned()),
        created_at: Set(Utc::now()),
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
    txn.commit().await
}

/// What `serve --demo` prints after start-up.
pub fn banner(url: &str) -> String {
    format!(
        "\n==== techreg 演示模式 / demo mode ====\n\
         打开 / open: {url}\n\
         演示账号 / demo accounts: 身份与权限模块尚未上线，目前没有可登录的账号；\n\
         上线后这里会列出每个角色的演示账号和密码。\n\
         数据为虚构演示数据，切勿用于生产。\n\
         =====================================\n"
    )
}
