//! The message center (消息中心): in-app messages to users (status changes
//! of their cases, new work, system notices), and an index that lets the
//! SMS outbox find its pending rows.

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
                    .table("message")
                    .col(big_pk_auto("id"))
                    .col(big_integer("user_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(string_len("kind", 10))
                    .col(string_len("title", 200))
                    .col(text("body"))
                    .col(string_len_null("link", 500))
                    .col(string_len_null("object_type", 30))
                    .col(big_integer_null("object_id"))
                    .col(timestamp_with_time_zone_null("read_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("message", "user_id")
                            .to("app_user", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        // The unread counter (every page render) and the unread list, newest
        // first, both read this one.
        index(
            manager,
            "idx_message_user_unread",
            "message",
            &["user_id", "read_at", "id"],
            false,
        )
        .await?;
        // The list of all messages, newest first, keyset-paged by id.
        index(
            manager,
            "idx_message_user_id",
            "message",
            &["user_id", "id"],
            false,
        )
        .await?;
        // The SMS outbox delivers rows by status in id order.
        index(
            manager,
            "idx_sms_status",
            "sms_message",
            &["status", "id"],
            false,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_sms_status")
                    .table("sms_message")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table("message").to_owned())
            .await
    }
}
