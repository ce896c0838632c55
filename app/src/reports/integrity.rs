//! Enterprise integrity statistics (F35): the enterprises in the integrity
//! library during a period, by office, with the applications they
//! submitted in the period and their outcomes, filtered by office and
//! enterprise.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use sea_orm::sea_query::Query as SqlQuery;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use techreg_entities::contract::contract;
use techreg_entities::org::{enterprise, integrity_entry, office};

use crate::contracts::queues::OPEN;
use crate::contracts::state::Status;
use crate::core::Coverage;
use crate::core::period::Period;
use crate::integrity::{enterprises_by_id, validity};

/// The office column of enterprises no office was responsible for.
pub const UNASSIGNED: &str = "（未对口）";

/// One enterprise at one office.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub office: Option<office::Model>,
    pub enterprise: enterprise::Model,
    pub validity: String,
    pub submitted: u64,
    pub registered: u64,
    pub not_accepted: u64,
    pub refused: u64,
    pub in_progress: u64,
    /// Registered 技术交易额 (approved where adjusted), fen.
    pub tech_amount: i64,
}

#[derive(Clone, Debug, Default)]
pub struct Report {
    pub lines: Vec<Line>,
}

impl Line {
    /// The office's name, or that there was none.
    pub fn office_label(&self) -> String {
        self.office
            .as_ref()
            .map(|o| o.name.clone())
            .unwrap_or_else(|| UNASSIGNED.into())
    }

    fn new(office: Option<office::Model>, enterprise: enterprise::Model, validity: String) -> Line {
        Line {
            office,
            enterprise,
            validity,
            submitted: 0,
            registered: 0,
            not_accepted: 0,
            refused: 0,
            in_progress: 0,
            tech_amount: 0,
        }
    }
}

impl Report {
    pub fn total(&self) -> (u64, u64, u64, u64, u64, i64) {
        self.lines.iter().fold((0, 0, 0, 0, 0, 0), |t, l| {
            (
                t.0 + l.submitted,
                t.1 + l.registered,
                t.2 + l.not_accepted,
                t.3 + l.refused,
                t.4 + l.in_progress,
                t.5 + l.tech_amount,
            )
        })
    }
}

/// The entries in force at some time in the period (not removed before it
/// began), of the enterprises `q` names (name or credit code) when given.
async fn entries<C: ConnectionTrait>(
    db: &C,
    period: Period,
    q: &str,
) -> Result<Vec<integrity_entry::Model>, DbErr> {
    use integrity_entry::Column as E;
    let mut select = integrity_entry::Entity::find()
        .filter(E::ValidFrom.lte(period.to))
        .filter(
            Condition::any()
                .add(E::ValidTo.is_null())
                .add(E::ValidTo.gte(period.from)),
        )
        .filter(
            Condition::any()
                .add(E::RemovedAt.is_null())
                .add(E::RemovedAt.gte(period.start_utc())),
        );
    let q = q.trim();
    if !q.is_empty() {
        let code = crate::core::text::normalize_code(q);
        select = select.filter(
            E::EnterpriseId.in_subquery(
                SqlQuery::select()
                    .column(enterprise::Column::Id)
                    .from(enterprise::Entity)
                    .cond_where(
                        Condition::any()
                            .add(enterprise::Column::Name.like(format!("%{q}%")))
                            .add(enterprise::Column::CreditCode.like(format!("{code}%"))),
                    )
                    .to_owned(),
            ),
        );
    }
    select.all(db).await
}

impl Line {
    /// Counts one application of the line's enterprise at its office.
    fn count(&mut self, c: &contract::Model) {
        self.submitted += 1;
        let status = Status::parse(&c.status).unwrap_or(Status::Draft);
        if c.registered_at.is_some() {
            self.registered += 1;
            self.tech_amount += c.approved_tech_amount.or(c.tech_amount).unwrap_or(0);
        } else if status == Status::NotAccepted {
            self.not_accepted += 1;
        } else if status == Status::Refused {
            self.refused += 1;
        } else if OPEN.contains(&status) || status == Status::Returned {
            self.in_progress += 1;
        }
    }
}

/// The lines of the covered offices (and of the one asked for), by office
/// code and credit code; lines without an office last.
fn covered(
    lines: impl IntoIterator<Item = Line>,
    coverage: &Coverage,
    office_filter: Option<i64>,
) -> Vec<Line> {
    let mut lines: Vec<Line> = lines
        .into_iter()
        .filter(|l| {
            let o = l.office.as_ref().map(|o| o.id);
            let covered = match coverage {
                Coverage::City => true,
                Coverage::Offices(ids) => o.is_some_and(|o| ids.contains(&o)),
            };
            covered && office_filter.is_none_or(|f| o == Some(f))
        })
        .collect();
    lines.sort_by(|a, b| {
        let key = |l: &Line| {
            (
                l.office
                    .as_ref()
                    .map(|o| o.code.clone())
                    .unwrap_or_else(|| "~".into()),
                l.enterprise.credit_code.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    lines
}

/// The report: entries in force at some time in the period, their
/// enterprises' applications submitted in it, by the handling office; an
/// enterprise without any at the office responsible for it at the end of
/// the period (or today).
pub async fn integrity_report<C: ConnectionTrait>(
    db: &C,
    period: Period,
    coverage: &Coverage,
    office_filter: Option<i64>,
    q: &str,
    today: NaiveDate,
) -> Result<Report, DbErr> {
    // The validity shown: every entry of the enterprise that touches the period.
    let mut validity_of: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for e in entries(db, period, q).await? {
        validity_of
            .entry(e.enterprise_id)
            .or_default()
            .push(validity(e.valid_from, e.valid_to));
    }
    let ids: Vec<i64> = validity_of.keys().copied().collect();
    let enterprises = enterprises_by_id(db, ids.iter().copied()).await?;
    let offices: BTreeMap<i64, office::Model> = office::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let line = |office_id: Option<i64>, e: &enterprise::Model| {
        Line::new(
            office_id.and_then(|o| offices.get(&o)).cloned(),
            e.clone(),
            validity_of[&e.id].join("；"),
        )
    };
    let mut lines: BTreeMap<(Option<i64>, i64), Line> = BTreeMap::new();
    let mut with_cases: BTreeSet<i64> = BTreeSet::new();
    for chunk in ids.chunks(500) {
        let cases = contract::Entity::find()
            .filter(contract::Column::EnterpriseId.is_in(chunk.iter().copied()))
            .filter(contract::Column::SubmittedAt.gte(period.start_utc()))
            .filter(contract::Column::SubmittedAt.lt(period.end_utc()))
            .filter(contract::Column::OfficeId.is_not_null())
            .all(db)
            .await?;
        for c in cases {
            let Some(e) = c.enterprise_id.and_then(|e| enterprises.get(&e)) else {
                continue;
            };
            with_cases.insert(e.id);
            lines
                .entry((c.office_id, e.id))
                .or_insert_with(|| line(c.office_id, e))
                .count(&c);
        }
    }
    let on = period.to.min(today);
    for (id, e) in enterprises
        .iter()
        .filter(|(id, _)| !with_cases.contains(id))
    {
        let office_id = crate::org::responsible_office(db, *id, on).await?;
        lines.insert((office_id, *id), line(office_id, e));
    }
    Ok(Report {
        lines: covered(lines.into_values(), coverage, office_filter),
    })
}
