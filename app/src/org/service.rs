//! Offices and the enterprise ↔ office assignment. Every enterprise has one
//! responsible office at any date; a new enterprise goes to the industry
//! office whose list holds its credit code, else to its district's active
//! office.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr,
    EntityTrait, QueryFilter, QueryOrder,
};
use techreg_entities::org::{enterprise_assignment, office, office_industry_member};

pub const KIND_DISTRICT: &str = "district";
pub const KIND_INDUSTRY: &str = "industry";
pub const STATUS_ACTIVE: &str = "active";

pub struct NewOffice<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub district_code: Option<&'a str>,
    pub address: &'a str,
    pub phone: &'a str,
    pub head_name: &'a str,
    pub handles: &'a str,
}

pub async fn create_office<C: ConnectionTrait>(
    db: &C,
    o: NewOffice<'_>,
    now: DateTime<Utc>,
) -> Result<office::Model, DbErr> {
    office::ActiveModel {
        code: Set(o.code.to_owned()),
        name: Set(o.name.to_owned()),
        kind: Set(o.kind.to_owned()),
        district_code: Set(o.district_code.map(str::to_owned)),
        address: Set(o.address.to_owned()),
        phone: Set(o.phone.to_owned()),
        head_name: Set(o.head_name.to_owned()),
        handles: Set(o.handles.to_owned()),
        status: Set(STATUS_ACTIVE.to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(0),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// The active district office of a GB/T 2260 district code.
pub async fn district_office<C: ConnectionTrait>(
    db: &C,
    district: &str,
) -> Result<Option<office::Model>, DbErr> {
    office::Entity::find()
        .filter(office::Column::Kind.eq(KIND_DISTRICT))
        .filter(office::Column::Status.eq(STATUS_ACTIVE))
        .filter(office::Column::DistrictCode.eq(district))
        .order_by_asc(office::Column::Id)
        .one(db)
        .await
}

/// Makes `office_id` responsible from `from` on, ending the current row.
pub async fn assign<C: ConnectionTrait>(
    db: &C,
    enterprise_id: i64,
    office_id: i64,
    from: NaiveDate,
    reason: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    enterprise_assignment::Entity::update_many()
        .col_expr(
            enterprise_assignment::Column::ValidTo,
            Expr::value(Some(from)),
        )
        .filter(enterprise_assignment::Column::EnterpriseId.eq(enterprise_id))
        .filter(enterprise_assignment::Column::ValidTo.is_null())
        .exec(db)
        .await?;
    enterprise_assignment::ActiveModel {
        enterprise_id: Set(enterprise_id),
        office_id: Set(office_id),
        valid_from: Set(from),
        valid_to: Set(None),
        reason: Set(reason.to_owned()),
        actor: Set(actor.to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The active industry office whose list holds the credit code.
pub async fn industry_office<C: ConnectionTrait>(
    db: &C,
    credit_code: &str,
) -> Result<Option<office::Model>, DbErr> {
    let Some(member) = office_industry_member::Entity::find()
        .filter(office_industry_member::Column::CreditCode.eq(credit_code))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(office::Entity::find_by_id(member.office_id)
        .one(db)
        .await?
        .filter(|o| o.status == STATUS_ACTIVE))
}

/// The office the rules give a new enterprise, with the rule's wording.
pub async fn office_by_rules<C: ConnectionTrait>(
    db: &C,
    credit_code: &str,
    district: Option<&str>,
) -> Result<Option<(office::Model, &'static str)>, DbErr> {
    if let Some(o) = industry_office(db, credit_code).await? {
        return Ok(Some((o, "按行业名单自动分配")));
    }
    if let Some(d) = district
        && let Some(o) = district_office(db, d).await?
    {
        return Ok(Some((o, "按所在区自动分配")));
    }
    Ok(None)
}

/// Assigns a new enterprise by the rules; `None` when no office serves it
/// (the city office then assigns one by hand).
pub async fn assign_new<C: ConnectionTrait>(
    db: &C,
    enterprise_id: i64,
    credit_code: &str,
    district: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<i64>, DbErr> {
    let Some((o, rule)) = office_by_rules(db, credit_code, district).await? else {
        return Ok(None);
    };
    assign(
        db,
        enterprise_id,
        o.id,
        shanghai_date(now),
        rule,
        "system",
        now,
    )
    .await?;
    Ok(Some(o.id))
}

/// The office responsible for an enterprise on a date.
pub async fn responsible_office<C: ConnectionTrait>(
    db: &C,
    enterprise_id: i64,
    on: NaiveDate,
) -> Result<Option<i64>, DbErr> {
    Ok(enterprise_assignment::Entity::find()
        .filter(enterprise_assignment::Column::EnterpriseId.eq(enterprise_id))
        .filter(enterprise_assignment::Column::ValidFrom.lte(on))
        .filter(
            Condition::any()
                .add(enterprise_assignment::Column::ValidTo.is_null())
                .add(enterprise_assignment::Column::ValidTo.gt(on)),
        )
        .order_by_desc(enterprise_assignment::Column::ValidFrom)
        .one(db)
        .await?
        .map(|a| a.office_id))
}

pub use crate::core::clock::shanghai_date;
