//! Registration offices and the enterprise ↔ office assignment (对口关系)
//! with its history. The offices module grows these tables.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("office")
                    .col(big_pk_auto("id"))
                    .col(string_len_uniq("code", 20))
                    .col(string_len("name", 100))
                    .col(string_len("kind", 20))
                    .col(string_len_null("district_code", 6))
                    .col(string_len("address", 200))
                    .col(string_len("phone", 50))
                    .col(string_len("head_name", 50))
                    .col(string_len("status", 20))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(integer("version"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_office_district")
                    .table("office")
                    .col("district_code")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("office_history")
                    .col(big_pk_auto("id"))
                    .col(big_integer("office_id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(string_len("actor", 100))
                    .col(string_len("action", 30))
                    .col(text("change"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_office_history_office")
                    .table("office_history")
                    .col("office_id")
                    .col("id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("service_point")
                    .col(big_pk_auto("id"))
                    .col(big_integer("office_id"))
                    .col(string_len("name", 100))
                    .col(string_len("status", 20))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("enterprise_assignment")
                    .col(big_pk_auto("id"))
                    .col(big_integer("enterprise_id"))
                    .col(big_integer("office_id"))
                    .col(date("valid_from"))
                    .col(date_null("valid_to"))
                    .col(string_len("reason", 200))
                    .col(string_len("actor", 100))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_assignment_enterprise")
                    .table("enterprise_assignment")
                    .col("enterprise_id")
                    .col("valid_from")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_assignment_office")
                    .table("enterprise_assignment")
                    .col("office_id")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "enterprise_assignment",
            "service_point",
            "office_history",
            "office",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
