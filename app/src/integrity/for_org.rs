//! The enterprise marks the org domain's pages show: org sits below
//! integrity and asks through its `EnterpriseMarks` trait, which this
//! provides at boot (`Integrity::marks_for_org`).

use std::sync::Arc;

use chrono::NaiveDate;
use sea_orm::DbErr;

use super::Integrity;
use crate::core::Core;
use crate::org::{EnterpriseMarks, Marks};

struct ForOrg(Core);

#[async_trait::async_trait]
impl EnterpriseMarks for ForOrg {
    async fn marks(&self, ids: &[i64], on: NaiveDate) -> Result<Marks, DbErr> {
        let (listed, anomalous) = super::service::marks(&self.0.db, ids, on).await?;
        Ok(Marks { listed, anomalous })
    }
}

impl Integrity {
    /// The marks for the org domain's handle (needs only the core, so org
    /// can be built before integrity).
    pub fn marks_for_org(core: Core) -> Arc<dyn EnterpriseMarks> {
        Arc::new(ForOrg(core))
    }
}
