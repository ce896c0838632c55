//! The integrity enterprise library (诚信企业库) and anomaly records
//! (异常信息) per enterprise, with validity dates; the contract remembers
//! whether its enterprise was listed, which orders the review queues.

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
                    .table("integrity_entry")
                    .col(big_pk_auto("id"))
                    .col(big_integer("enterprise_id"))
                    .col(string_len("reason", 500))
                    .col(date("valid_from"))
                    .col(date_null("valid_to"))
                    .col(string_len("source", 20))
                    .col(string_len("added_by", 100))
                    .col(timestamp_with_time_zone("added_at"))
                    .col(timestamp_with_time_zone_null("removed_at"))
                    .col(string_len_null("removed_by", 100))
                    .col(string_len_null("removal_reason", 500))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_integrity_entry_enterprise",
            "integrity_entry",
            &["enterprise_id", "removed_at"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("enterprise_anomaly")
                    .col(big_pk_auto("id"))
                    .col(big_integer("enterprise_id"))
                    .col(string_len("type_code", 30))
                    .col(string_len("description", 500))
                    .col(string_len("source", 200))
                    .col(date("recorded_on"))
                    .col(date("valid_from"))
                    .col(date_null("valid_to"))
                    .col(boolean("blocking"))
                    .col(string_len("added_by", 100))
                    .col(timestamp_with_time_zone("added_at"))
                    .col(timestamp_with_time_zone_null("lifted_at"))
                    .col(string_len_null("lifted_by", 100))
                    .col(string_len_null("lift_reason", 500))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_anomaly_enterprise",
            "enterprise_anomaly",
            &["enterprise_id", "lifted_at"],
            false,
        )
        .await?;

        manager
            .alter_table(
                Table::alter()
                    .table("contract")
                    .add_column(boolean("integrity_listed").default(false))
                    .to_owned(),
            )
            .await?;
        // The queues order by (integrity_listed DESC, key ASC, id ASC): the
        // index must have the same directions to serve the order.
        for (name, key) in [
            ("idx_contract_integrity_deadline", "stage_deadline"),
            ("idx_contract_integrity_submitted", "submitted_at"),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table("contract")
                        .col("status")
                        .col(("integrity_listed", IndexOrder::Desc))
                        .col(key)
                        .col("id")
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["enterprise_anomaly", "integrity_entry"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
