//! Duplicate detection (F42/F43): the index of submitted contracts held in
//! the database (exact keys and MinHash-LSH band hashes, one row per
//! contract, every column indexed that is looked up), and the reviewers'
//! decisions on pairs. See docs/decisions/duplicates.md.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Number of LSH band columns (`b0` … `b5`); must match the application.
const BANDS: usize = 6;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = Table::create();
        t.table("contract_fingerprint")
            .col(big_integer("contract_id").primary_key())
            .col(big_integer_null("number_key"))
            .col(big_integer_null("content_key"))
            .col(big_integer("seller_key"))
            .col(big_integer("buyer_key"));
        for b in 0..BANDS {
            t.col(big_integer_null(Alias::new(format!("b{b}"))));
        }
        t.foreign_key(
            ForeignKey::create()
                .from("contract_fingerprint", "contract_id")
                .to("contract", "id")
                .on_delete(ForeignKeyAction::Cascade),
        );
        manager.create_table(t.to_owned()).await?;
        index(
            manager,
            "idx_fingerprint_number",
            "contract_fingerprint",
            &["number_key"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_fingerprint_content",
            "contract_fingerprint",
            &["content_key"],
            false,
        )
        .await?;
        for b in 0..BANDS {
            let name = format!("idx_fingerprint_b{b}");
            let col: &'static str = ["b0", "b1", "b2", "b3", "b4", "b5"][b];
            index(manager, &name, "contract_fingerprint", &[col], false).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("duplicate_decision")
                    .col(big_pk_auto("id"))
                    .col(big_integer("contract_a"))
                    .col(big_integer("contract_b"))
                    .col(string_len("decision", 20))
                    .col(text("reason"))
                    .col(big_integer_null("user_id"))
                    .col(string_len("actor", 100))
                    .col(timestamp_with_time_zone("decided_at"))
                    .col(integer("version").default(1))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_duplicate_decision_pair",
            "duplicate_decision",
            &["contract_a", "contract_b"],
            true,
        )
        .await?;
        index(
            manager,
            "idx_duplicate_decision_b",
            "duplicate_decision",
            &["contract_b"],
            false,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["duplicate_decision", "contract_fingerprint"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
