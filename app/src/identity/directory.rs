//! What identity needs of the office directory, which lives a floor higher
//! (org): the responsible office of an enterprise, the assignment of a
//! newly registered one, the offices an office position may be given at,
//! and the dated posting that goes with such a position. Org implements it
//! and boot puts it into the `Identity` handle.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{DatabaseExecutor, DatabaseTransaction, DbErr};

use crate::core::Scope;

/// An office that is open for business.
#[derive(Clone, Debug)]
pub struct ActiveOffice {
    pub id: i64,
    pub name: String,
}

#[async_trait::async_trait]
pub trait OfficeDirectory: Send + Sync + 'static {
    /// The office responsible for an enterprise on a date, if any.
    async fn responsible_office(
        &self,
        db: DatabaseExecutor<'_>,
        enterprise_id: i64,
        on: NaiveDate,
    ) -> Result<Option<i64>, DbErr>;

    /// Assigns a newly registered enterprise to its office by the rules
    /// (industry list, else district), inside the registration's
    /// transaction; `None` when no office serves it.
    async fn assign_new(
        &self,
        txn: &DatabaseTransaction,
        enterprise_id: i64,
        credit_code: &str,
        district: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, DbErr>;

    /// The active offices, in id order.
    async fn active_offices(&self, db: DatabaseExecutor<'_>) -> Result<Vec<ActiveOffice>, DbErr>;

    /// Opens the dated posting that goes with a role just granted in
    /// `scope`, when it is an office or service point position (nothing
    /// otherwise), inside the grant's transaction.
    #[allow(clippy::too_many_arguments)]
    async fn open_posting(
        &self,
        txn: &DatabaseTransaction,
        user_id: i64,
        role_code: &str,
        scope: Scope,
        reason: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), DbErr>;
}
