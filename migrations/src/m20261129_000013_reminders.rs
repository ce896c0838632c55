//! Deadline reminders and the retrying SMS outbox: one row per reminder
//! point and recipient (the unique key is what stops a second reminder for
//! the same point, on any node), retry bookkeeping on `sms_message`, and
//! one-off alerts such as the yearly SMS quota warning.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{add_column, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            timestamp_with_time_zone_null("next_attempt_at"),
            timestamp_with_time_zone_null("claimed_at"),
            timestamp_with_time_zone_null("sent_at"),
            string_len_null("last_error", 300),
        ] {
            add_column(manager, "sms_message", col).await?;
        }
        // The yearly quota counter counts sent rows by when they were sent.
        index(
            manager,
            "idx_sms_sent_at",
            "sms_message",
            &["sent_at"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("deadline_reminder")
                    .col(big_pk_auto("id"))
                    .col(big_integer("contract_id"))
                    // The stage the deadline belongs to: a new stage (or the
                    // clock started again after correction) has a new
                    // deadline, and so new reminder points.
                    .col(string_len("status", 20))
                    .col(date("deadline"))
                    // `before1`, `due`, `over3` (three working days late) …
                    .col(string_len("point", 20))
                    .col(big_integer("user_id"))
                    .col(big_integer_null("message_id"))
                    .col(big_integer_null("sms_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("deadline_reminder", "contract_id")
                            .to("contract", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from("deadline_reminder", "user_id")
                            .to("app_user", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_deadline_reminder_point",
            "deadline_reminder",
            &["contract_id", "status", "deadline", "point", "user_id"],
            true,
        )
        .await?;
        // The admin list, newest first.
        index(
            manager,
            "idx_deadline_reminder_created",
            "deadline_reminder",
            &["created_at"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("alert_once")
                    .col(big_pk_auto("id"))
                    .col(string_len_uniq("key", 100))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("alert_once").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("deadline_reminder").to_owned())
            .await
    }
}
