//! Identity and security: enterprises (minimal, grown by the offices
//! module), users, second factors, SMS, roles and grants, sessions, audit.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn ts(name: &'static str) -> ColumnDef {
    timestamp_with_time_zone(name)
}
fn ts_null(name: &'static str) -> ColumnDef {
    timestamp_with_time_zone_null(name)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("enterprise")
                    .col(big_pk_auto("id"))
                    .col(string_len_uniq("credit_code", 18))
                    .col(string_len("name", 200))
                    .col(string_len_null("district_code", 6))
                    .col(string_len("status", 20))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("app_user")
                    .col(big_pk_auto("id"))
                    .col(string_len_uniq("username", 50))
                    .col(string_len("display_name", 100))
                    .col(string_len("kind", 20))
                    .col(string_len("status", 30))
                    .col(big_integer_null("enterprise_id"))
                    .col(boolean("is_enterprise_admin"))
                    .col(text_null("mobile_enc"))
                    .col(string_len_null("mobile_index", 64))
                    .col(text_null("id_card_enc"))
                    .col(string_len_null("id_card_index", 64))
                    .col(text("password_hash"))
                    .col(ts("password_changed_at"))
                    .col(boolean("must_change_password"))
                    .col(string_len("mfa_method", 10))
                    .col(text_null("totp_secret_enc"))
                    .col(big_integer_null("totp_last_step"))
                    .col(integer("failed_attempts"))
                    .col(ts_null("locked_until"))
                    .col(ts_null("last_login_at"))
                    .col(ts("created_at"))
                    .col(integer("version"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("app_user", "enterprise_id")
                            .to("enterprise", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_user_mobile",
            "app_user",
            &["mobile_index"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_user_id_card",
            "app_user",
            &["id_card_index"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_user_enterprise",
            "app_user",
            &["enterprise_id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("password_history")
                    .col(big_pk_auto("id"))
                    .col(big_integer("user_id"))
                    .col(text("password_hash"))
                    .col(ts("created_at"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_password_history_user",
            "password_history",
            &["user_id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("recovery_code")
                    .col(big_pk_auto("id"))
                    .col(big_integer("user_id"))
                    .col(string_len("code_hash", 64))
                    .col(ts_null("used_at"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_recovery_code_user",
            "recovery_code",
            &["user_id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("stored_file")
                    .col(string_len("digest", 64).primary_key())
                    .col(big_integer("size"))
                    .col(string_len("content_type", 100))
                    .col(ts("created_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("enterprise_claim")
                    .col(big_pk_auto("id"))
                    .col(big_integer("enterprise_id"))
                    .col(big_integer("user_id"))
                    .col(string_len("status", 20))
                    .col(boolean("contested"))
                    .col(string_len_null("licence_digest", 64))
                    .col(string_len_null("letter_digest", 64))
                    .col(text_null("reason"))
                    .col(big_integer_null("decided_by"))
                    .col(ts_null("decided_at"))
                    .col(ts("created_at"))
                    .col(integer("version"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_claim_enterprise",
            "enterprise_claim",
            &["enterprise_id"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_claim_status",
            "enterprise_claim",
            &["status", "id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("sms_message")
                    .col(big_pk_auto("id"))
                    .col(string_len("mobile_index", 64))
                    .col(text("mobile_enc"))
                    .col(string_len("purpose", 30))
                    .col(text("body_enc"))
                    .col(string_len_null("code_hash", 64))
                    .col(ts_null("expires_at"))
                    .col(ts_null("used_at"))
                    .col(integer("attempts"))
                    .col(string_len("status", 20))
                    .col(ts("created_at"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_sms_mobile",
            "sms_message",
            &["mobile_index", "purpose", "id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("role")
                    .col(big_pk_auto("id"))
                    .col(string_len_uniq("code", 50))
                    .col(string_len("name", 100))
                    .col(string_len("duty", 20))
                    .col(boolean("built_in"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("role_permission")
                    .col(big_pk_auto("id"))
                    .col(big_integer("role_id"))
                    .col(string_len("permission", 60))
                    .col(string_len("tag", 64))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_role_permission",
            "role_permission",
            &["role_id", "permission"],
            true,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("role_assignment")
                    .col(big_pk_auto("id"))
                    .col(big_integer("user_id"))
                    .col(big_integer("role_id"))
                    .col(string_len("scope_kind", 20))
                    .col(big_integer_null("scope_id"))
                    .col(ts("created_at"))
                    .col(big_integer_null("created_by"))
                    .col(string_len("tag", 64))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_assignment_user",
            "role_assignment",
            &["user_id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("user_session")
                    .col(string_len("id", 64).primary_key())
                    .col(big_integer("user_id"))
                    .col(string_len("ip", 45))
                    .col(string_len("user_agent", 300))
                    .col(ts("created_at"))
                    .col(ts("last_seen_at"))
                    .col(ts_null("ended_at"))
                    .col(string_len_null("end_reason", 30))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_session_user",
            "user_session",
            &["user_id", "ended_at"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("audit_log")
                    .col(big_pk_auto("id"))
                    .col(ts("at"))
                    .col(big_integer_null("actor_id"))
                    .col(string_len("actor_name", 100))
                    .col(string_len_null("on_behalf_of", 200))
                    .col(string_len_null("role", 100))
                    .col(string_len_null("client_ip", 45))
                    .col(string_len("action", 60))
                    .col(string_len_null("object_type", 40))
                    .col(string_len_null("object_id", 64))
                    .col(string_len("result", 20))
                    .col(text("detail"))
                    .col(big_integer_null("seal_seq"))
                    .col(string_len_null("tag", 64))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_audit_action",
            "audit_log",
            &["action", "id"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_audit_actor",
            "audit_log",
            &["actor_id", "id"],
            false,
        )
        .await?;
        index(manager, "idx_audit_at", "audit_log", &["at"], false).await?;
        // Unique: two sealers cannot give out the same place in the chain.
        index(
            manager,
            "uq_audit_seal_seq",
            "audit_log",
            &["seal_seq"],
            true,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("audit_anchor")
                    .col(integer("id").primary_key())
                    .col(big_integer("head_seq"))
                    .col(string_len("head_tag", 64))
                    .col(big_integer("purged_seq"))
                    .col(string_len("purged_tag", 64))
                    .col(ts("updated_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("rate_counter")
                    .col(string_len("key", 200).primary_key())
                    .col(big_integer("window_start"))
                    .col(integer("count"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "rate_counter",
            "audit_anchor",
            "audit_log",
            "user_session",
            "role_assignment",
            "role_permission",
            "role",
            "sms_message",
            "enterprise_claim",
            "stored_file",
            "recovery_code",
            "password_history",
            "app_user",
            "enterprise",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
