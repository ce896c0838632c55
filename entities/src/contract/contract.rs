use sea_orm::entity::prelude::*;

/// A technology contract application and, once registered, the registered
/// contract. Amounts are in fen.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contract")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// 统一审批编码: the case's identity across the city's one-stop platform.
    pub approval_code: String,
    /// `2026` (five categories) or `2001` (four categories, legacy records).
    pub rule_version: String,
    pub status: String,
    pub category: Option<String>,
    pub subtype: Option<String>,
    /// The five-category (category, subtype) that lists and statistics
    /// use: the same as above for 2026 records, the mapped one for 2001
    /// records, `None` while a person has to decide (技术秘密转让).
    pub five_category: Option<String>,
    pub five_subtype: Option<String>,
    pub name: String,
    pub contract_number: String,
    pub signed_on: Option<Date>,
    pub valid_from: Option<Date>,
    pub valid_to: Option<Date>,
    /// 成交额.
    pub deal_amount: Option<i64>,
    /// 技术交易额 as computed from the deal amount and the deductions.
    pub tech_amount: Option<i64>,
    /// 技术交易额 as adjusted by the reviewer, with the reason.
    pub approved_tech_amount: Option<i64>,
    pub amount_adjust_reason: Option<String>,
    pub payment_method: String,
    pub payment_schedule: String,
    pub tech_field: Option<String>,
    pub socio_goal: Option<String>,
    pub project_leader: String,
    pub leader_phone: String,
    pub summary: String,
    /// The applying enterprise; `None` for an individual applicant.
    pub enterprise_id: Option<i64>,
    pub applicant_user_id: i64,
    /// Who filled it in, when not the applicant (a service point).
    pub acting_user_id: Option<i64>,
    /// `seller` or `buyer`.
    pub applicant_side: String,
    /// Bit n set: step n+1 of the form is complete.
    pub steps_done: i32,
    pub office_id: Option<i64>,
    pub assigned_user_id: Option<i64>,
    pub large: bool,
    /// The office's proposal to the city office: `register` or `refuse`.
    pub proposal: Option<String>,
    pub registration_number: Option<String>,
    pub legacy_id: Option<String>,
    pub submitted_at: Option<DateTimeUtc>,
    pub accepted_at: Option<DateTimeUtc>,
    pub registered_at: Option<DateTimeUtc>,
    /// Working-day clock of the current stage.
    pub stage_started_on: Option<Date>,
    pub stage_deadline: Option<Date>,
    /// Review working days left when the case was returned (pause mode).
    pub paused_days: Option<i32>,
    /// Submission round: 1 at the first submission, +1 per resubmission.
    pub round: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    /// The enterprise was in the integrity library (诚信企业库) when the
    /// case was submitted, or joined it while the case was open: the case
    /// goes first in the review queues.
    pub integrity_listed: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
