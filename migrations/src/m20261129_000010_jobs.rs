//! Background job runs: which node ran which job, when, with what outcome
//! and how many rows it handled.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("job_run")
                    .col(big_pk_auto("id"))
                    .col(string_len("job", 50))
                    .col(string_len("node", 100))
                    .col(timestamp_with_time_zone("started_at"))
                    .col(timestamp_with_time_zone_null("finished_at"))
                    .col(string_len("outcome", 20))
                    .col(big_integer("rows").default(0))
                    .col(text("message").default(""))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_job_run_job", "job_run", &["job", "id"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("job_run").to_owned())
            .await
    }
}
