//! Review queues: which contracts a member of staff sees (their offices, or
//! all for the city office), the queues by role with their counters, the
//! filters and the keyset-paged listing.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{NullOrdering, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, Order, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use techreg_entities::contract::{contract, party};

use super::state::Status;
use crate::core::Caller;
use crate::core::{ObjectScope, Scope};
use crate::security::rbac::perm;
use crate::web::WebError;

/// Permissions that make someone review staff.
pub const STAFF_PERMS: [&str; 4] = [
    perm::CONTRACT_ACCEPT,
    perm::CONTRACT_REVIEW,
    perm::CONTRACT_LARGE,
    perm::CONTRACT_APPROVE,
];

/// Statuses in which a case is still being worked by an office or the city.
pub const OPEN: [Status; 5] = [
    Status::Submitted,
    Status::Reviewing,
    Status::ExpertReview,
    Status::LargeApproval,
    Status::PendingApproval,
];

/// `OPEN` as stored (given to the integrity domain at boot).
pub fn open_statuses() -> &'static [&'static str] {
    static STORED: std::sync::LazyLock<Vec<&'static str>> =
        std::sync::LazyLock::new(|| OPEN.iter().map(|s| s.as_str()).collect());
    &STORED
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Status(Status),
    /// Open cases whose stage deadline is within the next N working days
    /// (or past).
    Due,
    /// Open cases assigned to the viewer.
    Mine,
}

pub struct Queue {
    pub key: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    /// Holders of any of these see the queue.
    pub perms: &'static [&'static str],
}

pub const QUEUES: &[Queue] = &[
    Queue {
        key: "accept",
        label: "待受理",
        kind: Kind::Status(Status::Submitted),
        perms: &[perm::CONTRACT_ACCEPT, perm::CONTRACT_APPROVE],
    },
    Queue {
        key: "review",
        label: "审查中",
        kind: Kind::Status(Status::Reviewing),
        perms: &[perm::CONTRACT_REVIEW, perm::CONTRACT_APPROVE],
    },
    Queue {
        key: "experts",
        label: "专家评审中",
        kind: Kind::Status(Status::ExpertReview),
        perms: &[perm::CONTRACT_REVIEW, perm::CONTRACT_APPROVE],
    },
    Queue {
        key: "large",
        label: "大额审核",
        kind: Kind::Status(Status::LargeApproval),
        perms: &[perm::CONTRACT_LARGE, perm::CONTRACT_APPROVE],
    },
    Queue {
        key: "approve",
        label: "待审定",
        kind: Kind::Status(Status::PendingApproval),
        perms: &[perm::CONTRACT_APPROVE],
    },
    Queue {
        key: "changing",
        label: "变更申请",
        kind: Kind::Status(Status::Changing),
        perms: &[perm::CONTRACT_APPROVE],
    },
    Queue {
        key: "cancelling",
        label: "注销申请",
        kind: Kind::Status(Status::Cancelling),
        perms: &[perm::CONTRACT_APPROVE],
    },
    Queue {
        key: "registered",
        label: "已登记",
        kind: Kind::Status(Status::Registered),
        perms: &STAFF_PERMS,
    },
    Queue {
        key: "returned",
        label: "已退回",
        kind: Kind::Status(Status::Returned),
        perms: &STAFF_PERMS,
    },
    Queue {
        key: "due",
        label: "即将到期",
        kind: Kind::Due,
        perms: &STAFF_PERMS,
    },
    Queue {
        key: "mine",
        label: "我的",
        kind: Kind::Mine,
        perms: &STAFF_PERMS,
    },
];

/// Which contracts the viewer may see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Visible {
    All,
    Offices(Vec<i64>),
}

/// 403 for someone who is not review staff of any office.
pub fn visible(user: &Caller) -> Result<Visible, WebError> {
    let mut offices = Vec::new();
    for g in &user.grants.0 {
        if !STAFF_PERMS.iter().any(|p| g.permissions.contains(*p)) {
            continue;
        }
        match g.scope {
            Scope::All => return Ok(Visible::All),
            Scope::Office(id) if !offices.contains(&id) => offices.push(id),
            _ => {}
        }
    }
    if offices.is_empty() {
        Err(WebError::Forbidden("missing permission"))
    } else {
        Ok(Visible::Offices(offices))
    }
}

/// Whether the viewer may open a contract: a staff permission whose scope
/// covers the contract's office. Drafts are nobody's business here.
pub fn may_see(user: &Caller, c: &contract::Model) -> bool {
    let scope = ObjectScope {
        office_id: c.office_id,
        ..Default::default()
    };
    c.office_id.is_some()
        && c.status != Status::Draft.as_str()
        && STAFF_PERMS
            .iter()
            .any(|p| user.grants.covers(p, &scope, user.user.id))
}

pub fn queues_for(user: &Caller) -> Vec<&'static Queue> {
    QUEUES
        .iter()
        .filter(|q| q.perms.iter().any(|p| user.grants.has(p)))
        .collect()
}

fn statuses(list: &[Status]) -> Vec<&'static str> {
    list.iter().map(|s| s.as_str()).collect()
}

/// Contracts the viewer may see.
pub fn base(vis: &Visible) -> Condition {
    let c = Condition::all()
        .add(contract::Column::Status.ne(Status::Draft.as_str()))
        .add(contract::Column::OfficeId.is_not_null());
    match vis {
        Visible::All => c,
        Visible::Offices(ids) => c.add(contract::Column::OfficeId.is_in(ids.clone())),
    }
}

/// The queue's own condition; `due_by` is the last day that counts as due.
pub fn of_queue(kind: Kind, user_id: i64, due_by: NaiveDate) -> Condition {
    match kind {
        Kind::Status(s) => Condition::all().add(contract::Column::Status.eq(s.as_str())),
        Kind::Due => Condition::all()
            .add(contract::Column::Status.is_in(statuses(&OPEN)))
            .add(contract::Column::StageDeadline.lte(due_by)),
        Kind::Mine => Condition::all()
            .add(contract::Column::Status.is_in(statuses(&OPEN)))
            .add(contract::Column::AssignedUserId.eq(user_id)),
    }
}

/// The counters of the viewer's queues.
pub async fn counts<C: ConnectionTrait>(
    db: &C,
    user: &Caller,
    vis: &Visible,
    due_by: NaiveDate,
) -> Result<Vec<(&'static Queue, u64)>, DbErr> {
    let mut out = Vec::new();
    for q in queues_for(user) {
        let n = contract::Entity::find()
            .filter(base(vis))
            .filter(of_queue(q.kind, user.user.id, due_by))
            .count(db)
            .await?;
        out.push((q, n));
    }
    Ok(out)
}

/// The deadline filter (F26): 将逾期 is due from today within the "due
/// soon" working days, 已逾期 is past its deadline. Only stages an office
/// is working have a deadline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Due {
    #[default]
    Any,
    Soon,
    Overdue,
}

impl Due {
    pub fn parse(s: Option<&str>) -> Self {
        match s {
            Some("soon") => Due::Soon,
            Some("overdue") => Due::Overdue,
            _ => Due::Any,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Due::Any => "",
            Due::Soon => "soon",
            Due::Overdue => "overdue",
        }
    }

    pub fn condition(self, today: NaiveDate, due_by: NaiveDate) -> Condition {
        let open = contract::Column::Status.is_in(statuses(&OPEN));
        match self {
            Due::Any => Condition::all(),
            Due::Soon => Condition::all()
                .add(open)
                .add(contract::Column::StageDeadline.gte(today))
                .add(contract::Column::StageDeadline.lte(due_by)),
            Due::Overdue => Condition::all()
                .add(open)
                .add(contract::Column::StageDeadline.lt(today)),
        }
    }
}

/// 已逾期 past the deadline, 将逾期 within the "due soon" days: (css
/// class, label) of the mark beside an open case's deadline.
pub fn deadline_mark(
    status: Status,
    deadline: Option<NaiveDate>,
    today: NaiveDate,
    due_by: NaiveDate,
) -> Option<(&'static str, &'static str)> {
    if !OPEN.contains(&status) {
        return None;
    }
    match deadline {
        Some(d) if d < today => Some(("mark overdue", "已逾期")),
        Some(d) if d <= due_by => Some(("mark due", "将逾期")),
        _ => None,
    }
}

/// Today and the last day that counts as "due soon" (`contracts.due_soon_days`
/// working days ahead).
pub async fn due_window(
    state: &crate::boot::AppState,
) -> Result<
    (
        NaiveDate,
        NaiveDate,
        std::sync::Arc<crate::calendar::WorkCalendar>,
    ),
    DbErr,
> {
    let today = crate::core::clock::shanghai_date(state.core.clock.now());
    let calendar = state.calendar.snapshot().await?;
    let n = state
        .settings
        .get_i64("contracts.due_soon_days")
        .await
        .unwrap_or(2);
    Ok((today, calendar.add_working_days(today, n), calendar))
}

/// Filters typed by the viewer.
#[derive(Clone, Debug, Default)]
pub struct Filters {
    pub q: String,
    pub category: String,
    pub office: Option<i64>,
    pub by_submitted: bool,
}

pub fn filtered(f: &Filters) -> Condition {
    let mut c = Condition::all();
    let text = f.q.trim();
    if !text.is_empty() {
        let like = format!("%{text}%");
        c = c.add(
            Condition::any()
                .add(contract::Column::Name.like(like.clone()))
                .add(contract::Column::ApprovalCode.like(like.clone()))
                .add(contract::Column::RegistrationNumber.like(like.clone()))
                .add(
                    contract::Column::Id.in_subquery(
                        Query::select()
                            .column(party::Column::ContractId)
                            .from(party::Entity)
                            .and_where(party::Column::Name.like(like))
                            .to_owned(),
                    ),
                ),
        );
    }
    if !f.category.is_empty() {
        c = c.add(contract::Column::FiveCategory.eq(f.category.clone()));
    }
    if let Some(o) = f.office {
        c = c.add(contract::Column::OfficeId.eq(o));
    }
    c
}

/// Where the next page starts: the sort key and the id of the last row,
/// after whether the case is of an integrity-listed enterprise (F28: those
/// come first in every queue).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cursor {
    Deadline(bool, Option<NaiveDate>, i64),
    Submitted(bool, DateTime<Utc>, i64),
}

impl Cursor {
    pub fn encode(&self) -> String {
        let p = |listed: &bool| if *listed { "p1" } else { "p0" };
        match self {
            Cursor::Deadline(l, Some(d), id) => format!("{}_{d}_{id}", p(l)),
            Cursor::Deadline(l, None, id) => format!("{}_none_{id}", p(l)),
            Cursor::Submitted(l, t, id) => {
                format!(
                    "{}_{}_{id}",
                    p(l),
                    t.timestamp_nanos_opt().unwrap_or_default()
                )
            }
        }
    }

    pub fn decode(s: &str, by_submitted: bool) -> Option<Cursor> {
        let (listed, rest) = s.split_once('_')?;
        let listed = match listed {
            "p1" => true,
            "p0" => false,
            _ => return None,
        };
        let (key, id) = rest.rsplit_once('_')?;
        let id: i64 = id.parse().ok()?;
        if by_submitted {
            let nanos: i64 = key.parse().ok()?;
            Some(Cursor::Submitted(
                listed,
                DateTime::from_timestamp_nanos(nanos),
                id,
            ))
        } else if key == "none" {
            Some(Cursor::Deadline(listed, None, id))
        } else {
            Some(Cursor::Deadline(listed, Some(key.parse().ok()?), id))
        }
    }

    fn of(c: &contract::Model, by_submitted: bool) -> Cursor {
        if by_submitted {
            Cursor::Submitted(c.integrity_listed, c.submitted_at.unwrap_or_default(), c.id)
        } else {
            Cursor::Deadline(c.integrity_listed, c.stage_deadline, c.id)
        }
    }

    fn after(&self) -> Condition {
        use contract::Column as C;
        let (listed, rest) = match self {
            Cursor::Deadline(l, Some(d), id) => (
                *l,
                Condition::any()
                    .add(C::StageDeadline.gt(*d))
                    .add(
                        Condition::all()
                            .add(C::StageDeadline.eq(*d))
                            .add(C::Id.gt(*id)),
                    )
                    .add(C::StageDeadline.is_null()),
            ),
            Cursor::Deadline(l, None, id) => (
                *l,
                Condition::all()
                    .add(C::StageDeadline.is_null())
                    .add(C::Id.gt(*id)),
            ),
            Cursor::Submitted(l, t, id) => (
                *l,
                Condition::any().add(C::SubmittedAt.gt(*t)).add(
                    Condition::all()
                        .add(C::SubmittedAt.eq(*t))
                        .add(C::Id.gt(*id)),
                ),
            ),
        };
        let same = Condition::all()
            .add(C::IntegrityListed.eq(listed))
            .add(rest);
        if listed {
            // Listed cases first: after the last listed row come the rest
            // of the listed ones, then every unlisted one.
            Condition::any().add(same).add(C::IntegrityListed.eq(false))
        } else {
            same
        }
    }
}

/// One page of a queue and where the next one starts.
pub async fn page<C: ConnectionTrait>(
    db: &C,
    cond: Condition,
    f: &Filters,
    after: Option<&Cursor>,
    size: u64,
) -> Result<(Vec<contract::Model>, Option<Cursor>), DbErr> {
    let mut select = contract::Entity::find().filter(cond).filter(filtered(f));
    if let Some(a) = after {
        select = select.filter(a.after());
    }
    select = select.order_by_desc(contract::Column::IntegrityListed);
    select = if f.by_submitted {
        select
            .order_by_asc(contract::Column::SubmittedAt)
            .order_by_asc(contract::Column::Id)
    } else {
        select
            .order_by_with_nulls(
                contract::Column::StageDeadline,
                Order::Asc,
                NullOrdering::Last,
            )
            .order_by_asc(contract::Column::Id)
    };
    let mut rows = select.limit(size + 1).all(db).await?;
    let next = if rows.len() as u64 > size {
        rows.truncate(size as usize);
        rows.last().map(|c| Cursor::of(c, f.by_submitted))
    } else {
        None
    };
    Ok((rows, next))
}

/// Open cases assigned to the user: the counter beside 合同审查 in the
/// navigation.
pub async fn my_open_count<C: sea_orm::ConnectionTrait>(
    db: &C,
    user_id: i64,
) -> Result<u64, sea_orm::DbErr> {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    contract::Entity::find()
        .filter(contract::Column::AssignedUserId.eq(user_id))
        .filter(contract::Column::Status.is_in(OPEN.map(|s| s.as_str())))
        .count(db)
        .await
}

/// Whether the user works cases at all (and so sees the counter).
pub fn is_review_staff(user: &Caller) -> bool {
    STAFF_PERMS.iter().any(|p| user.grants.has(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        for (c, by_submitted) in [
            (Cursor::Deadline(false, Some(d), 12), false),
            (Cursor::Deadline(true, Some(d), 12), false),
            (Cursor::Deadline(true, None, 7), false),
            (
                Cursor::Submitted(
                    false,
                    DateTime::from_timestamp_nanos(1_790_000_000_123_456_789),
                    3,
                ),
                true,
            ),
        ] {
            assert_eq!(Cursor::decode(&c.encode(), by_submitted), Some(c));
        }
        assert_eq!(Cursor::decode("garbage", false), None);
        assert_eq!(Cursor::decode("p0_2026-13-01_4", false), None);
        assert_eq!(Cursor::decode("2026-12-01_4", false), None, "old cursors");
    }
}
