use sea_orm::entity::prelude::*;

/// An anomaly record (异常信息) of an enterprise, maintained by the city
/// office: active from `valid_from` through `valid_to` (inclusive, open-ended
/// when empty) unless lifted. A blocking one makes submissions not accepted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enterprise_anomaly")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub enterprise_id: i64,
    /// A code of the `anomaly_type` dictionary.
    pub type_code: String,
    pub description: String,
    /// Where the record comes from (e.g. 市场监管部门).
    pub source: String,
    /// 认定日期
    pub recorded_on: Date,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
    pub blocking: bool,
    pub added_by: String,
    pub added_at: DateTimeUtc,
    pub lifted_at: Option<DateTimeUtc>,
    pub lifted_by: Option<String>,
    pub lift_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
