//! Enterprises in full (legal form, address, legal representative,
//! contacts, flags), their change history, industry lists for automatic
//! assignment, staff postings with dates, service point details, what an
//! office handles, and the contract skeleton that statistics count (the
//! contract module grows it).

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{add_column, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_column(
            manager,
            "office",
            string_len("handles", 500).default("").to_owned(),
        )
        .await?;

        for col in [
            string_len_null("legal_form_code", 20),
            string_len("address", 200).default("").to_owned(),
            string_len("legal_rep", 50).default("").to_owned(),
            string_len("contact_name", 50).default("").to_owned(),
            string_len("contact_phone", 30).default("").to_owned(),
            string_len("source", 20).default("registration").to_owned(),
            boolean("in_commitment_library").default(false).to_owned(),
            boolean("in_integrity_list").default(false).to_owned(),
            boolean("has_anomaly").default(false).to_owned(),
            integer("version").default(0).to_owned(),
        ] {
            add_column(manager, "enterprise", col).await?;
        }
        index(
            manager,
            "idx_enterprise_created",
            "enterprise",
            &["created_at"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_enterprise_name",
            "enterprise",
            &["name"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("enterprise_history")
                    .col(big_pk_auto("id"))
                    .col(big_integer("enterprise_id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(string_len("actor", 100))
                    .col(string_len("action", 30))
                    .col(text("change"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_enterprise_history_enterprise",
            "enterprise_history",
            &["enterprise_id", "id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("office_industry_member")
                    .col(big_pk_auto("id"))
                    .col(big_integer("office_id"))
                    .col(string_len_uniq("credit_code", 18))
                    .col(string_len("actor", 100))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_industry_member_office",
            "office_industry_member",
            &["office_id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("staff_posting")
                    .col(big_pk_auto("id"))
                    .col(big_integer("user_id"))
                    .col(big_integer("office_id"))
                    .col(big_integer_null("service_point_id"))
                    .col(string_len("role_code", 50))
                    .col(date("valid_from"))
                    .col(date_null("valid_to"))
                    .col(string_len("reason", 200))
                    .col(string_len("actor", 100))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_posting_user",
            "staff_posting",
            &["user_id"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_posting_office",
            "staff_posting",
            &["office_id"],
            false,
        )
        .await?;

        for col in [
            string_len("address", 200).default("").to_owned(),
            string_len("phone", 50).default("").to_owned(),
            integer("version").default(0).to_owned(),
        ] {
            add_column(manager, "service_point", col).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table("contract")
                    .col(big_pk_auto("id"))
                    .col(big_integer("enterprise_id"))
                    .col(big_integer_null("office_id"))
                    .col(string_len("status", 30))
                    .col(timestamp_with_time_zone_null("submitted_at"))
                    .col(timestamp_with_time_zone_null("registered_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_contract_enterprise",
            "contract",
            &["enterprise_id"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_contract_submitted",
            "contract",
            &["submitted_at"],
            false,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "contract",
            "staff_posting",
            "office_industry_member",
            "enterprise_history",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
