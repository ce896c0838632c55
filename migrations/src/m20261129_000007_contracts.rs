//! Technology contract applications: the contract with its parties,
//! deductions, IP items, attachments, events, correction comments, per-round
//! snapshots, expert opinions, and registration number serials. The contract
//! skeleton of the enterprises migration held no data; it is replaced.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn child(table: &'static str, cols: Vec<ColumnDef>) -> TableCreateStatement {
    let mut t = Table::create();
    t.table(table)
        .col(big_pk_auto("id"))
        .col(big_integer("contract_id"));
    for c in cols {
        t.col(c);
    }
    t.foreign_key(
        ForeignKey::create()
            .from(table, "contract_id")
            .to("contract", "id")
            .on_delete(ForeignKeyAction::Cascade),
    );
    t.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("contract").to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("contract")
                    .col(big_pk_auto("id"))
                    .col(string_len_uniq("approval_code", 40))
                    .col(string_len("rule_version", 10).default("2026"))
                    .col(string_len("status", 30))
                    .col(string_len_null("category", 20))
                    .col(string_len_null("subtype", 30))
                    .col(string_len_null("five_category", 20))
                    .col(string_len_null("five_subtype", 30))
                    .col(string_len("name", 200).default(""))
                    .col(string_len("contract_number", 100).default(""))
                    .col(date_null("signed_on"))
                    .col(date_null("valid_from"))
                    .col(date_null("valid_to"))
                    .col(big_integer_null("deal_amount"))
                    .col(big_integer_null("tech_amount"))
                    .col(big_integer_null("approved_tech_amount"))
                    .col(text_null("amount_adjust_reason"))
                    .col(string_len("payment_method", 30).default(""))
                    .col(text("payment_schedule").default(""))
                    .col(string_len_null("tech_field", 20))
                    .col(string_len_null("socio_goal", 20))
                    .col(string_len("project_leader", 50).default(""))
                    .col(string_len("leader_phone", 30).default(""))
                    .col(text("summary").default(""))
                    .col(big_integer_null("enterprise_id"))
                    .col(big_integer("applicant_user_id"))
                    .col(big_integer_null("acting_user_id"))
                    .col(string_len("applicant_side", 10).default("seller"))
                    .col(integer("steps_done").default(0))
                    .col(big_integer_null("office_id"))
                    .col(big_integer_null("assigned_user_id"))
                    .col(boolean("large").default(false))
                    .col(string_len_null("proposal", 20))
                    .col(
                        string_len_null("registration_number", 40)
                            .unique_key()
                            .to_owned(),
                    )
                    .col(string_len_null("legacy_id", 60))
                    .col(timestamp_with_time_zone_null("submitted_at"))
                    .col(timestamp_with_time_zone_null("accepted_at"))
                    .col(timestamp_with_time_zone_null("registered_at"))
                    .col(date_null("stage_started_on"))
                    .col(date_null("stage_deadline"))
                    .col(integer_null("paused_days"))
                    .col(integer("round").default(0))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(integer("version").default(0))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_contract_applicant",
            "contract",
            &["applicant_user_id", "id"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_contract_enterprise_status",
            "contract",
            &["enterprise_id", "status", "registered_at"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_contract_queue",
            "contract",
            &["office_id", "status", "id"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_contract_deadline",
            "contract",
            &["status", "stage_deadline"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_contract_submitted_at",
            "contract",
            &["submitted_at"],
            false,
        )
        .await?;

        manager
            .create_table(child(
                "contract_party",
                vec![
                    string_len("role", 10),
                    integer("seq"),
                    string_len("name", 200),
                    string_len_null("credit_code", 18),
                    string_len_null("region", 6),
                    string_len_null("legal_form", 20),
                    string_len_null("country", 3),
                    string_len("contact", 100),
                ],
            ))
            .await?;
        index(
            manager,
            "idx_party_contract",
            "contract_party",
            &["contract_id", "seq"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_party_credit",
            "contract_party",
            &["credit_code"],
            false,
        )
        .await?;
        manager
            .create_table(child(
                "contract_deduction",
                vec![
                    integer("seq"),
                    string_len("item", 100),
                    big_integer("amount"),
                ],
            ))
            .await?;
        index(
            manager,
            "idx_deduction_contract",
            "contract_deduction",
            &["contract_id"],
            false,
        )
        .await?;
        manager
            .create_table(child(
                "contract_ip",
                vec![
                    integer("seq"),
                    string_len("ip_type", 20),
                    string_len("number", 100),
                    string_len("owner", 200),
                ],
            ))
            .await?;
        index(
            manager,
            "idx_ip_contract",
            "contract_ip",
            &["contract_id"],
            false,
        )
        .await?;
        manager
            .create_table(child(
                "contract_attachment",
                vec![
                    string_len("kind", 20),
                    string_len("digest", 64),
                    string_len("file_name", 200),
                    string_len("content_type", 100),
                    big_integer("size"),
                    integer("round"),
                    timestamp_with_time_zone("uploaded_at"),
                    big_integer("uploaded_by"),
                ],
            ))
            .await?;
        index(
            manager,
            "idx_attachment_contract",
            "contract_attachment",
            &["contract_id"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_attachment_digest",
            "contract_attachment",
            &["digest"],
            false,
        )
        .await?;
        manager
            .create_table(child(
                "contract_event",
                vec![
                    timestamp_with_time_zone("at"),
                    string_len("actor", 100),
                    big_integer_null("actor_user_id"),
                    string_len_null("acting_for", 200),
                    string_len("action", 30),
                    string_len("from_status", 30),
                    string_len("to_status", 30),
                    string_len_null("reason_code", 200),
                    text("reason"),
                    text("detail"),
                ],
            ))
            .await?;
        index(
            manager,
            "idx_event_contract",
            "contract_event",
            &["contract_id", "id"],
            false,
        )
        .await?;
        manager
            .create_table(child(
                "contract_comment",
                vec![
                    integer("round"),
                    string_len("field", 50),
                    text("comment"),
                    string_len("author", 100),
                    timestamp_with_time_zone("at"),
                ],
            ))
            .await?;
        index(
            manager,
            "idx_comment_contract",
            "contract_comment",
            &["contract_id", "round"],
            false,
        )
        .await?;
        manager
            .create_table(child(
                "contract_snapshot",
                vec![
                    integer("round"),
                    text("data"),
                    timestamp_with_time_zone("at"),
                ],
            ))
            .await?;
        index(
            manager,
            "idx_snapshot_contract",
            "contract_snapshot",
            &["contract_id", "round"],
            true,
        )
        .await?;
        manager
            .create_table(child(
                "expert_opinion",
                vec![
                    string_len("expert", 100),
                    string_len("conclusion", 20),
                    text("opinion"),
                    string_len("recorded_by", 100),
                    timestamp_with_time_zone("at"),
                ],
            ))
            .await?;
        index(
            manager,
            "idx_opinion_contract",
            "expert_opinion",
            &["contract_id"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("registration_serial")
                    .col(string_len("scope", 60).primary_key())
                    .col(big_integer("next_value"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "registration_serial",
            "expert_opinion",
            "contract_snapshot",
            "contract_comment",
            "contract_event",
            "contract_attachment",
            "contract_ip",
            "contract_deduction",
            "contract_party",
            "contract",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
