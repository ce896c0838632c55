//! F24: deadline reminders to the person who works a case and to the head
//! of its office, by message and SMS, at the configured points of each
//! stage: some working days before the deadline, on the day, and every n
//! working days while overdue. Reminders go out on working days only, from
//! the configured hour (Shanghai time).
//!
//! A point is sent once: `deadline_reminder` has a unique key (contract,
//! status, deadline, point, recipient) and the reminder, its message and
//! its SMS row are written in one transaction that is rolled back when the
//! key is already there. A run repeated, or two nodes running at once, send
//! nothing twice; a new stage, or the clock started again after a return
//! for correction, has a new deadline and so new points.
//!
//! Acceptance is not reminded once overdue: the day after its limit the
//! system accepts the case (F25) and the review clock starts.

use chrono::NaiveDate;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use techreg_entities::alerts::deadline_reminder;
use techreg_entities::contract::contract;

use crate::alerts::{self, Kind, NewMessage};
use crate::boot::AppState;
use crate::calendar::WorkCalendar;
use crate::contracts::casework::holders;
use crate::contracts::service::position_for;
use crate::contracts::state::Status;
use crate::settings::fill;
use crate::web::WebError;

const BATCH: u64 = 500;

/// The configured points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Points {
    /// Remind this many working days before (0: not before).
    pub days_before: i64,
    pub on_due_day: bool,
    /// Every n working days while overdue (0: not while overdue).
    pub overdue_every: i64,
}

/// Which point (if any) falls on `today` for a stage due on `deadline`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Point {
    /// Due in this many working days.
    Before(i64),
    Due,
    /// This many working days late.
    Overdue(i64),
}

impl Point {
    /// The stored name: one "before" reminder per stage, one on the day,
    /// one per overdue day that is a point.
    pub fn key(&self) -> String {
        match self {
            Point::Before(_) => "before".into(),
            Point::Due => "due".into(),
            Point::Overdue(n) => format!("over{n}"),
        }
    }
}

/// The point of `today`, a working day, for a stage due on `deadline`.
pub fn point_on(
    calendar: &WorkCalendar,
    points: Points,
    today: NaiveDate,
    deadline: NaiveDate,
) -> Option<Point> {
    if deadline > today {
        let left = calendar.working_days_between(today, deadline);
        (points.days_before > 0 && left <= points.days_before).then_some(Point::Before(left))
    } else if deadline == today {
        points.on_due_day.then_some(Point::Due)
    } else {
        let late = calendar.working_days_between(deadline, today);
        (points.overdue_every > 0 && late >= 1 && (late - 1) % points.overdue_every == 0)
            .then_some(Point::Overdue(late))
    }
}

async fn points(state: &AppState) -> Points {
    let get = |key: &'static str, default: i64| async move {
        state.settings.get_i64(key).await.unwrap_or(default)
    };
    Points {
        days_before: get("reminders.days_before", 1).await,
        on_due_day: get("reminders.on_due_day", 1).await == 1,
        overdue_every: get("reminders.overdue_every_days", 1).await,
    }
}

/// Sends today's reminders; returns how many were sent.
pub async fn run(state: &AppState) -> Result<u64, WebError> {
    let now = state.core.clock.now();
    let today = crate::core::clock::shanghai_date(now);
    let calendar = state.calendar.snapshot().await?;
    let hour = state
        .settings
        .get_i64("reminders.send_hour")
        .await
        .unwrap_or(9);
    if !calendar.is_working_day(today) || i64::from(crate::core::clock::shanghai_hour(now)) < hour {
        return Ok(0);
    }
    let points = points(state).await;
    let latest = calendar.add_working_days(today, points.days_before.max(0));
    let statuses: Vec<&str> = Status::ALL
        .iter()
        .filter(|s| position_for(**s).is_some())
        .map(|s| s.as_str())
        .collect();
    let mut sent = 0;
    let mut after = 0i64;
    loop {
        let cases = contract::Entity::find()
            .filter(contract::Column::Status.is_in(statuses.clone()))
            .filter(contract::Column::StageDeadline.lte(latest))
            .filter(contract::Column::Id.gt(after))
            .order_by_asc(contract::Column::Id)
            .limit(BATCH)
            .all(&state.core.db)
            .await?;
        let Some(last) = cases.last() else { break };
        after = last.id;
        for c in &cases {
            let Some(deadline) = c.stage_deadline else {
                continue;
            };
            let Some(point) = point_on(&calendar, points, today, deadline) else {
                continue;
            };
            if matches!(point, Point::Overdue(_)) && c.status == Status::Submitted.as_str() {
                continue;
            }
            sent += remind(state, c, deadline, &point).await?;
        }
    }
    if sent > 0 {
        alerts::deliver_pending(&state.alerts).await?;
    }
    Ok(sent)
}

/// The person working the case and the office heads, each once.
async fn recipients(state: &AppState, c: &contract::Model) -> Result<Vec<i64>, WebError> {
    let mut ids: Vec<i64> = c.assigned_user_id.into_iter().collect();
    if let Some(office) = c.office_id {
        for (id, _) in holders(&state.core.db, office, "office_head").await? {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    Ok(ids)
}

async fn remind(
    state: &AppState,
    c: &contract::Model,
    deadline: NaiveDate,
    point: &Point,
) -> Result<u64, WebError> {
    let (template_key, title, days) = match point {
        Point::Before(n) => ("reminders.template_before", "办理期限将到", *n),
        Point::Due => ("reminders.template_due", "今日到期", 0),
        Point::Overdue(n) => ("reminders.template_overdue", "已逾期", *n),
    };
    let template = state
        .settings
        .get_string(template_key)
        .await
        .map_err(|e| WebError::Internal(anyhow::anyhow!(e.to_string())))?;
    let stage = Status::parse(&c.status)
        .map(|s| s.label())
        .unwrap_or("办理");
    let name = if c.name.is_empty() {
        "（未填写名称）"
    } else {
        &c.name
    };
    let (deadline_text, days_text) = (deadline.to_string(), days.to_string());
    let text = fill(
        &template,
        &[
            ("编号", c.approval_code.as_str()),
            ("名称", name),
            ("阶段", stage),
            ("期限", deadline_text.as_str()),
            ("天数", days_text.as_str()),
        ],
    );
    let title = format!("{title}：{}", c.approval_code);
    let link = format!("/review/contracts/{}", c.id);
    let now = state.core.clock.now();
    let mut sent = 0;
    for user_id in recipients(state, c).await? {
        let txn = state.core.db.begin().await?;
        let out = alerts::send_with_sms(
            &txn,
            &state.alerts,
            &NewMessage {
                user_id,
                kind: Kind::Work,
                title: &title,
                body: &text,
                link: Some(&link),
                object: Some(("contract", c.id)),
            },
            &text,
            now,
        )
        .await?;
        let inserted = deadline_reminder::Entity::insert(deadline_reminder::ActiveModel {
            contract_id: Set(c.id),
            status: Set(c.status.clone()),
            deadline: Set(deadline),
            point: Set(point.key()),
            user_id: Set(user_id),
            message_id: Set(Some(out.message_id)),
            sms_id: Set(out.sms_id),
            created_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                deadline_reminder::Column::ContractId,
                deadline_reminder::Column::Status,
                deadline_reminder::Column::Deadline,
                deadline_reminder::Column::Point,
                deadline_reminder::Column::UserId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        if inserted == 1 {
            txn.commit().await?;
            sent += 1;
        } else {
            // Sent already (by an earlier run or another node).
            txn.rollback().await?;
        }
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::calendar::DayKind;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    const DEFAULT: Points = Points {
        days_before: 1,
        on_due_day: true,
        overdue_every: 1,
    };

    /// 2027-03-02 and 03-03 (Tue, Wed) are holidays here; the deadline is
    /// Friday 03-05.
    fn calendar() -> WorkCalendar {
        WorkCalendar::new(BTreeMap::from([
            (d("2027-03-02"), DayKind::Holiday),
            (d("2027-03-03"), DayKind::Holiday),
        ]))
    }

    #[test]
    fn points_fall_on_working_days_around_the_deadline() {
        let cal = calendar();
        let due = d("2027-03-05");
        let on = |day: &str| point_on(&cal, DEFAULT, d(day), due);
        assert_eq!(on("2027-03-01"), None, "Monday: two working days left");
        assert_eq!(on("2027-03-04"), Some(Point::Before(1)));
        assert_eq!(on("2027-03-05"), Some(Point::Due));
        assert_eq!(on("2027-03-08"), Some(Point::Overdue(1)));
        assert_eq!(on("2027-03-09"), Some(Point::Overdue(2)));
    }

    #[test]
    fn the_day_before_a_holiday_is_the_working_day_before() {
        let cal = calendar();
        // Due Thursday 03-04: the working day before is Monday 03-01.
        let due = d("2027-03-04");
        assert_eq!(
            point_on(&cal, DEFAULT, d("2027-03-01"), due),
            Some(Point::Before(1))
        );
    }

    #[test]
    fn points_follow_the_settings() {
        let cal = calendar();
        let due = d("2027-03-05");
        let p = Points {
            days_before: 0,
            on_due_day: false,
            overdue_every: 2,
        };
        assert_eq!(point_on(&cal, p, d("2027-03-04"), due), None);
        assert_eq!(point_on(&cal, p, due, due), None);
        assert_eq!(
            point_on(&cal, p, d("2027-03-08"), due),
            Some(Point::Overdue(1))
        );
        assert_eq!(point_on(&cal, p, d("2027-03-09"), due), None);
        assert_eq!(
            point_on(&cal, p, d("2027-03-10"), due),
            Some(Point::Overdue(3))
        );
    }

    #[test]
    fn point_keys_are_stable() {
        assert_eq!(Point::Before(2).key(), "before");
        assert_eq!(Point::Due.key(), "due");
        assert_eq!(Point::Overdue(3).key(), "over3");
    }
}
