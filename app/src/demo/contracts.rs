//! Demo contracts: for every office, one application in every state of the
//! flow, with its parties, amounts and event history; registered ones carry
//! a signed certificate. Written once, after the rest of the demo data.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder,
};
use techreg_entities::contract::{contract, event, party};
use techreg_entities::identity::app_user;
use techreg_entities::org::{enterprise, enterprise_assignment, office};

use crate::calendar::{Calendar, WorkCalendar};
use crate::contracts::state::{Action, Status};
use crate::core::Core;

/// What a registered demo case needs of contracts: its registration number
/// and its certificate (issued on `Approve`, marked on a later action).
/// Contracts still works these out on the whole application state, which
/// only boot holds, so boot provides them. Errors are for the log.
#[async_trait::async_trait]
pub trait Registrar: Send + Sync {
    async fn registration_number(
        &self,
        txn: &DatabaseTransaction,
        c: &contract::Model,
        today: NaiveDate,
    ) -> Result<String, String>;

    async fn certificate(
        &self,
        txn: &DatabaseTransaction,
        c: &contract::Model,
        action: Action,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), String>;
}

/// The actions that lead from a draft to each demo state.
const PATHS: &[(Status, &[Action])] = &[
    (Status::Draft, &[]),
    (Status::Submitted, &[Action::Submit]),
    (Status::Withdrawn, &[Action::Submit, Action::Withdraw]),
    (Status::NotAccepted, &[Action::Submit, Action::NotAccept]),
    (
        Status::Returned,
        &[Action::Submit, Action::Accept, Action::Return],
    ),
    (Status::Reviewing, &[Action::Submit, Action::Accept]),
    (
        Status::ExpertReview,
        &[Action::Submit, Action::Accept, Action::SendToExperts],
    ),
    (
        Status::LargeApproval,
        &[Action::Submit, Action::Accept, Action::ProposeRegister],
    ),
    (
        Status::PendingApproval,
        &[Action::Submit, Action::Accept, Action::ProposeRegister],
    ),
    (
        Status::Registered,
        &[
            Action::Submit,
            Action::Accept,
            Action::ProposeRegister,
            Action::Approve,
        ],
    ),
    (
        Status::Refused,
        &[
            Action::Submit,
            Action::Accept,
            Action::ProposeRefuse,
            Action::Refuse,
        ],
    ),
    (
        Status::Cancelled,
        &[
            Action::Submit,
            Action::Accept,
            Action::ProposeRegister,
            Action::Approve,
            Action::RequestCancel,
            Action::ApproveCancel,
        ],
    ),
    (
        Status::Revoked,
        &[
            Action::Submit,
            Action::Accept,
            Action::ProposeRegister,
            Action::Approve,
            Action::Revoke,
        ],
    ),
];

const TITLES: &[(&str, &str, &str)] = &[
    (
        "development",
        "entrusted",
        "智能制造产线视觉检测系统委托开发合同",
    ),
    ("service", "service", "新能源汽车电池热管理技术服务合同"),
    ("consulting", "consulting", "城市更新项目技术可行性咨询合同"),
    ("licence", "patent", "高效光伏组件专利实施许可合同"),
    ("transfer", "patent", "生物医药制剂工艺专利权转让合同"),
];

/// One demo case: the n-th overall, the i-th path at its office.
struct Case<'a> {
    n: usize,
    i: usize,
    office: &'a office::Model,
    enterprise: &'a enterprise::Model,
    target: Status,
    path: &'static [Action],
    applicant: i64,
    listed: bool,
}

/// The case as an application in its target state (its stage clock as a
/// real case would have it); returns it and when it was submitted.
async fn insert_case(
    txn: &DatabaseTransaction,
    calendar: &WorkCalendar,
    case: &Case<'_>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(contract::Model, DateTime<Utc>), DbErr> {
    let (n, i, path, target) = (case.n, case.i, case.path, case.target);
    let (category, subtype, title) = TITLES[n % TITLES.len()];
    let large = target == Status::LargeApproval;
    let deal: i64 = if large {
        680_000_000
    } else {
        1_000_000 * (n as i64 % 40 + 5)
    };
    let deduction = deal / 10;
    let submitted_on = calendar.add_working_days(today, -(PATHS.len() as i64 - i as i64));
    let submitted_at = Utc::now() - Duration::days((today - submitted_on).num_days());
    let c = contract::ActiveModel {
        approval_code: Set(format!("DEMO{:04}{:06}", case.office.id, n)),
        rule_version: Set("2026".into()),
        status: Set(target.as_str().into()),
        category: Set(Some(category.into())),
        subtype: Set(Some(subtype.into())),
        five_category: Set(Some(category.into())),
        five_subtype: Set(Some(subtype.into())),
        name: Set(format!("{title}（演示 {n}）")),
        contract_number: Set(format!("HT-DEMO-{n:04}")),
        signed_on: Set(Some(submitted_on - Duration::days(20))),
        valid_from: Set(Some(submitted_on - Duration::days(20))),
        valid_to: Set(Some(submitted_on + Duration::days(345))),
        deal_amount: Set(Some(deal)),
        tech_amount: Set(Some(deal - deduction)),
        payment_method: Set("instalments".into()),
        payment_schedule: Set("签约后支付 50%，验收后支付 50%".into()),
        tech_field: Set(None),
        project_leader: Set("演示负责人".into()),
        leader_phone: Set("021-00000000".into()),
        summary: Set(format!(
            "{title}：演示数据，描述合同的技术目标、内容与交付成果。"
        )),
        enterprise_id: Set(Some(case.enterprise.id)),
        applicant_user_id: Set(case.applicant),
        steps_done: Set(if path.is_empty() { 0b11 } else { 0b111111 }),
        office_id: Set((!path.is_empty()).then_some(case.office.id)),
        large: Set(large),
        round: Set(if path.is_empty() { 0 } else { 1 }),
        submitted_at: Set((!path.is_empty()).then_some(submitted_at)),
        stage_started_on: Set((!path.is_empty()).then_some(submitted_on)),
        stage_deadline: Set(match target {
            // Still within its acceptance limit, so automatic
            // acceptance leaves it for the clerk.
            Status::Submitted => Some(calendar.add_working_days(today, 2)),
            Status::Reviewing | Status::LargeApproval | Status::PendingApproval => {
                Some(calendar.add_working_days(submitted_on, 7))
            }
            Status::ExpertReview => Some(calendar.add_working_days(submitted_on, 20)),
            _ => None,
        }),
        created_at: Set(submitted_at - Duration::days(1)),
        updated_at: Set(now),
        integrity_listed: Set(case.listed && !path.is_empty()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok((c, submitted_at))
}

/// The seller (the case's enterprise) and a made-up buyer.
async fn add_parties(
    txn: &DatabaseTransaction,
    c: &contract::Model,
    case: &Case<'_>,
) -> Result<(), DbErr> {
    let ent = case.enterprise;
    for (seq, (role, name, code)) in [
        ("seller", ent.name.clone(), Some(ent.credit_code.clone())),
        ("buyer", format!("演示买方单位{}有限公司", case.n), None),
    ]
    .into_iter()
    .enumerate()
    {
        party::ActiveModel {
            contract_id: Set(c.id),
            role: Set(role.into()),
            seq: Set(seq as i32),
            name: Set(name),
            credit_code: Set(code),
            region: Set(ent.district_code.clone()),
            contact: Set(String::new()),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// The history of the path, each step through the state machine.
async fn add_events(
    txn: &DatabaseTransaction,
    c: &contract::Model,
    case: &Case<'_>,
    submitted_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let large = case.target == Status::LargeApproval;
    let mut from = Status::Draft;
    for action in case.path {
        let to =
            crate::contracts::state::next(from, *action, crate::contracts::state::Guards { large })
                .map_err(|e| DbErr::Custom(e.to_string()))?;
        event::ActiveModel {
            contract_id: Set(c.id),
            at: Set(submitted_at),
            actor: Set("demo".into()),
            action: Set(action.as_str().into()),
            from_status: Set(from.as_str().into()),
            to_status: Set(to.as_str().into()),
            reason: Set("演示数据".into()),
            detail: Set("{}".into()),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        from = to;
    }
    Ok(())
}

/// A registered case's number and certificate, cancelled or revoked where
/// its target says so.
async fn register(
    txn: &DatabaseTransaction,
    registrar: &dyn Registrar,
    c: contract::Model,
    target: Status,
    submitted_at: DateTime<Utc>,
    (today, now): (NaiveDate, DateTime<Utc>),
) -> Result<(), DbErr> {
    let number = registrar
        .registration_number(txn, &c, today)
        .await
        .map_err(DbErr::Custom)?;
    let c = {
        let mut m: contract::ActiveModel = c.into();
        m.registration_number = Set(Some(number.clone()));
        m.registered_at = Set(Some(submitted_at + Duration::days(5)));
        m.proposal = Set(Some("register".into()));
        m.update(txn).await?
    };
    // The PDF needs the CJK font; without it the demo still runs.
    if let Err(e) = registrar
        .certificate(txn, &c, Action::Approve, "", now)
        .await
    {
        tracing::warn!(error = %e, "demo certificate not issued");
        return Ok(());
    }
    let follow = match target {
        Status::Cancelled => Some(Action::ApproveCancel),
        Status::Revoked => Some(Action::Revoke),
        _ => None,
    };
    if let Some(a) = follow {
        registrar
            .certificate(txn, &c, a, "演示数据", now)
            .await
            .map_err(DbErr::Custom)?;
    }
    Ok(())
}

/// The enterprises an office is responsible for now.
async fn assigned(txn: &DatabaseTransaction, office_id: i64) -> Result<Vec<i64>, DbErr> {
    Ok(enterprise_assignment::Entity::find()
        .filter(enterprise_assignment::Column::OfficeId.eq(office_id))
        .filter(enterprise_assignment::Column::ValidTo.is_null())
        .order_by_asc(enterprise_assignment::Column::EnterpriseId)
        .all(txn)
        .await?
        .into_iter()
        .map(|a| a.enterprise_id)
        .collect())
}

pub async fn seed(
    core: &Core,
    calendar: &Calendar,
    registrar: &dyn Registrar,
) -> Result<(), DbErr> {
    let db = &core.db;
    if contract::Entity::find()
        .filter(contract::Column::ApprovalCode.starts_with("DEMO"))
        .count(db)
        .await?
        > 0
    {
        return Ok(());
    }
    let now = Utc::now();
    let today = crate::core::clock::shanghai_date(now);
    let calendar = calendar.snapshot().await?;
    let demo_applicant = app_user::Entity::find()
        .filter(app_user::Column::Username.eq("demo_enterprise"))
        .one(db)
        .await?;
    let offices = office::Entity::find()
        .order_by_asc(office::Column::Id)
        .all(db)
        .await?;
    let txn = crate::core::db::begin(db).await?;
    let mut n = 0usize;
    for o in &offices {
        let assigned = assigned(&txn, o.id).await?;
        if assigned.is_empty() {
            continue;
        }
        for (i, (target, path)) in PATHS.iter().enumerate() {
            n += 1;
            let ent_id = assigned[i % assigned.len()];
            let ent = enterprise::Entity::find_by_id(ent_id)
                .one(&txn)
                .await?
                .ok_or(DbErr::RecordNotFound("enterprise".into()))?;
            let case = Case {
                n,
                i,
                office: o,
                enterprise: &ent,
                target: *target,
                path,
                applicant: demo_applicant
                    .as_ref()
                    .filter(|u| u.enterprise_id == Some(ent_id))
                    .map(|u| u.id)
                    .unwrap_or(0),
                listed: crate::integrity::listing(&txn, ent_id, today)
                    .await?
                    .is_some(),
            };
            let (c, submitted_at) = insert_case(&txn, &calendar, &case, today, now).await?;
            add_parties(&txn, &c, &case).await?;
            add_events(&txn, &c, &case, submitted_at).await?;
            if path.contains(&Action::Approve) {
                register(&txn, registrar, c, *target, submitted_at, (today, now)).await?;
            }
        }
    }
    txn.commit().await
}
