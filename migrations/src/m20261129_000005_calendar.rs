//! The working-day calendar: one row per day whose status differs from the
//! weekday rule (a holiday on a weekday, a make-up working day on a
//! weekend), as the State Council arranges each year.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("calendar_day")
                    .col(date("day").primary_key())
                    .col(string_len("kind", 10))
                    .col(string_len("name", 50))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(string_len("updated_by", 100))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("calendar_day").to_owned())
            .await
    }
}
