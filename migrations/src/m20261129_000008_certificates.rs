//! Registration certificates (上海市技术合同认定登记证明): the signed
//! canonical text, the status shown on public verification and the stored
//! PDF. The verification code is kept only as an HMAC-SM3 hash.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("certificate")
                    .col(big_pk_auto("id"))
                    // No foreign key: the contract tables come with the
                    // registration flow and may be migrated separately.
                    .col(big_integer("contract_id"))
                    .col(string_len("registration_number", 40).unique_key())
                    .col(string_len("verification_code_hash", 64))
                    .col(string_len("canonical_version", 8))
                    .col(text("canonical_text"))
                    .col(string_len("signature_hex", 128))
                    .col(string_len("key_id", 64))
                    // The signer's public key (uncompressed SEC1, hex), so
                    // keys stay listed for verification after a rotation.
                    .col(string_len("public_key_hex", 130))
                    .col(string_len("status", 10))
                    .col(string_len("status_reason", 500))
                    .col(timestamp_with_time_zone("issued_at"))
                    .col(timestamp_with_time_zone_null("status_changed_at"))
                    .col(string_len("pdf_digest", 64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_certificate_contract")
                    .table("certificate")
                    .col("contract_id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("certificate").to_owned())
            .await
    }
}
