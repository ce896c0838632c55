//! Data dictionaries (数据字典): coded lists that admins maintain, such as
//! technology fields, legal-form codes, districts and reason codes. The
//! built-in dictionaries and entries are seeded at boot by the application
//! (`dictionary::seed::ensure_built_in`), not here.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("dictionary")
                    .col(string_len("code", 30).primary_key())
                    .col(string_len("name", 100))
                    .col(string_len("description", 500))
                    .col(integer("sort_order"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("dictionary_entry")
                    .col(big_pk_auto("id"))
                    .col(string_len("dictionary_code", 30))
                    .col(string_len("code", 20))
                    .col(string_len("label", 100))
                    .col(string_len_null("parent_code", 20))
                    .col(integer("sort_order"))
                    .col(boolean("active"))
                    .col(boolean("built_in"))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(string_len("updated_by", 100))
                    .foreign_key(
                        ForeignKey::create()
                            .from("dictionary_entry", "dictionary_code")
                            .to("dictionary", "code"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_dictionary_entry_code")
                    .table("dictionary_entry")
                    .col("dictionary_code")
                    .col("code")
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Reference counts look codes up in these columns.
        manager
            .create_index(
                Index::create()
                    .name("idx_enterprise_district")
                    .table("enterprise")
                    .col("district_code")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_enterprise_district")
                    .table("enterprise")
                    .to_owned(),
            )
            .await?;
        for table in ["dictionary_entry", "dictionary"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
