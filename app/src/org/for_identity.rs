//! What the identity domain (a floor lower) asks of the office directory,
//! answered by org: `identity::OfficeDirectory`, given to the `Identity`
//! handle at boot.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, DatabaseExecutor, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use techreg_entities::org::office;

use crate::core::Scope;
use crate::identity::{ActiveOffice, OfficeDirectory};

/// Org's answers to identity.
pub struct OfficesForIdentity;

#[async_trait::async_trait]
impl OfficeDirectory for OfficesForIdentity {
    async fn responsible_office(
        &self,
        db: DatabaseExecutor<'_>,
        enterprise_id: i64,
        on: NaiveDate,
    ) -> Result<Option<i64>, DbErr> {
        super::responsible_office(&db, enterprise_id, on).await
    }

    async fn assign_new(
        &self,
        txn: &DatabaseTransaction,
        enterprise_id: i64,
        credit_code: &str,
        district: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, DbErr> {
        super::assign_new(txn, enterprise_id, credit_code, district, now).await
    }

    async fn active_offices(&self, db: DatabaseExecutor<'_>) -> Result<Vec<ActiveOffice>, DbErr> {
        Ok(office::Entity::find()
            .filter(office::Column::Status.eq(super::STATUS_ACTIVE))
            .order_by_asc(office::Column::Id)
            .all(&db)
            .await?
            .into_iter()
            .map(|o| ActiveOffice {
                id: o.id,
                name: o.name,
            })
            .collect())
    }

    async fn open_posting(
        &self,
        txn: &DatabaseTransaction,
        user_id: i64,
        role_code: &str,
        scope: Scope,
        reason: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        super::open_posting_for_scope(txn, user_id, role_code, scope, reason, actor, now).await
    }
}
