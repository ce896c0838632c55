//! Enterprise list import: rows from a CSV or Excel file are checked one by
//! one into a plan (new enterprises, updates, office changes) with the
//! errors of every bad row; a plan with any error writes nothing.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter,
};
use serde_json::json;
use techreg_entities::org::{enterprise, office};

use super::enterprises::{self, ReassignError};
use super::service::{self, STATUS_ACTIVE};
use crate::dictionary::districts::SHANGHAI;
use crate::identity::ENTERPRISE_UNVERIFIED;
use crate::tabular::{Row, header_positions};

/// Accepted header labels per column, canonical label first.
pub const COLUMNS: &[&[&str]] = &[
    &["统一社会信用代码", "信用代码", "社会信用代码"],
    &["单位名称", "企业名称", "名称"],
    &["法人类型", "法人类型代码"],
    &["所在区", "区", "行政区划代码"],
    &["地址", "注册地址"],
    &["法定代表人", "法人代表"],
    &["联系人"],
    &["联系电话", "电话"],
    &["对口登记处", "登记处编码", "登记处"],
];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Line {
    pub line: usize,
    pub credit_code: String,
    pub name: String,
    pub legal_form_code: Option<String>,
    pub district_code: Option<String>,
    pub address: String,
    pub legal_rep: String,
    pub contact_name: String,
    pub contact_phone: String,
    /// The office named in the file, if any: (id, name).
    pub office: Option<(i64, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Create,
    Update(i64),
}

#[derive(Debug, Default)]
pub struct Plan {
    pub lines: Vec<(Line, Action)>,
    pub errors: Vec<RowError>,
}

impl Plan {
    pub fn created(&self) -> usize {
        self.lines
            .iter()
            .filter(|(_, a)| *a == Action::Create)
            .count()
    }
    pub fn updated(&self) -> usize {
        self.lines.len() - self.created()
    }
}

fn district_of(cell: &str) -> Option<&'static str> {
    SHANGHAI
        .iter()
        .find(|d| d.code == cell || d.name == cell || d.name.trim_end_matches('区') == cell)
        .map(|d| d.code)
}

/// Checks every row against the header, the active legal forms (code,
/// label) and the database; never writes.
pub async fn plan<C: ConnectionTrait>(
    db: &C,
    rows: &[Row],
    legal_forms: &[(String, String)],
) -> Result<Plan, DbErr> {
    let mut plan = Plan::default();
    let Some((header, body)) = rows.split_first() else {
        plan.errors.push(RowError {
            line: 0,
            message: "文件中没有数据".into(),
        });
        return Ok(plan);
    };
    let pos = header_positions(header, COLUMNS);
    for (i, required) in [(0usize, "统一社会信用代码"), (1, "单位名称")] {
        if pos[i].is_none() {
            plan.errors.push(RowError {
                line: header.line,
                message: format!("表头缺少“{required}”列"),
            });
        }
    }
    if !plan.errors.is_empty() {
        return Ok(plan);
    }
    if body.is_empty() {
        plan.errors.push(RowError {
            line: header.line,
            message: "文件中只有表头，没有数据行".into(),
        });
        return Ok(plan);
    }
    let offices: Vec<office::Model> = office::Entity::find().all(db).await?;
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut lines = Vec::with_capacity(body.len());
    for row in body {
        let cell = |i: usize| -> &str {
            pos[i]
                .and_then(|p| row.cells.get(p))
                .map(String::as_str)
                .unwrap_or("")
        };
        let mut problems: Vec<String> = Vec::new();
        let credit_code = match crate::identity::credit_code(cell(0)) {
            Ok(c) => c,
            Err(m) => {
                problems.push(m.to_owned());
                String::new()
            }
        };
        if !credit_code.is_empty()
            && let Some(first) = seen.insert(credit_code.clone(), row.line)
        {
            problems.push(format!("统一社会信用代码与第 {first} 行重复"));
        }
        let name = cell(1).to_owned();
        if !(2..=200).contains(&name.chars().count()) {
            problems.push("单位名称应为 2–200 个字".into());
        }
        let legal_form_code = match cell(2) {
            "" => None,
            given => {
                let code = crate::core::text::normalize_code(given);
                let found = legal_forms
                    .iter()
                    .find(|(c, l)| *c == code || l == given)
                    .map(|(c, _)| c.clone());
                if found.is_none() {
                    problems.push(format!("法人类型“{given}”不在数据字典中"));
                }
                found
            }
        };
        let district_code = match cell(3) {
            "" => None,
            d => {
                let found = district_of(d);
                if found.is_none() {
                    problems.push(format!("所在区“{d}”不是上海市的区"));
                }
                found.map(str::to_owned)
            }
        };
        let limited = |problems: &mut Vec<String>, i: usize, label: &str, max: usize| {
            let v = cell(i).to_owned();
            if v.chars().count() > max {
                problems.push(format!("{label}不能超过 {max} 个字"));
            }
            v
        };
        let address = limited(&mut problems, 4, "地址", 200);
        let legal_rep = limited(&mut problems, 5, "法定代表人", 50);
        let contact_name = limited(&mut problems, 6, "联系人", 50);
        let contact_phone = limited(&mut problems, 7, "联系电话", 30);
        let office = match cell(8) {
            "" => None,
            o => {
                let code = crate::core::text::normalize_code(o);
                match offices.iter().find(|x| x.code == code || x.name == o) {
                    Some(x) if x.status == STATUS_ACTIVE => Some((x.id, x.name.clone())),
                    Some(x) => {
                        problems.push(format!("登记处“{}”未处于正常状态", x.name));
                        None
                    }
                    None => {
                        problems.push(format!("登记处“{o}”不存在"));
                        None
                    }
                }
            }
        };
        if problems.is_empty() {
            lines.push(Line {
                line: row.line,
                credit_code,
                name,
                legal_form_code,
                district_code,
                address,
                legal_rep,
                contact_name,
                contact_phone,
                office,
            });
        } else {
            plan.errors.push(RowError {
                line: row.line,
                message: problems.join("；"),
            });
        }
    }
    let codes: Vec<String> = lines.iter().map(|l| l.credit_code.clone()).collect();
    let mut existing: BTreeMap<String, i64> = BTreeMap::new();
    for chunk in codes.chunks(500) {
        for e in enterprise::Entity::find()
            .filter(enterprise::Column::CreditCode.is_in(chunk.iter().cloned()))
            .all(db)
            .await?
        {
            existing.insert(e.credit_code, e.id);
        }
    }
    plan.lines = lines
        .into_iter()
        .map(|l| {
            let action = match existing.get(&l.credit_code) {
                Some(id) => Action::Update(*id),
                None => Action::Create,
            };
            (l, action)
        })
        .collect();
    Ok(plan)
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Applied {
    pub created: usize,
    pub updated: usize,
    pub reassigned: usize,
}

/// Writes a plan without errors inside the caller's transaction. Empty
/// cells leave existing values alone; an office in the file reassigns from
/// `effective`.
pub async fn apply<C: ConnectionTrait>(
    db: &C,
    plan: &Plan,
    actor: &str,
    effective: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Applied, ReassignError> {
    assert!(
        plan.errors.is_empty(),
        "a plan with errors is never applied"
    );
    let mut applied = Applied::default();
    let mut moves: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (l, action) in &plan.lines {
        match action {
            Action::Create => {
                let e = enterprise::ActiveModel {
                    credit_code: Set(l.credit_code.clone()),
                    name: Set(l.name.clone()),
                    district_code: Set(l.district_code.clone()),
                    status: Set(ENTERPRISE_UNVERIFIED.into()),
                    created_at: Set(now),
                    updated_at: Set(now),
                    legal_form_code: Set(l.legal_form_code.clone()),
                    address: Set(l.address.clone()),
                    legal_rep: Set(l.legal_rep.clone()),
                    contact_name: Set(l.contact_name.clone()),
                    contact_phone: Set(l.contact_phone.clone()),
                    source: Set("import".into()),
                    in_commitment_library: Set(false),
                    in_integrity_list: Set(false),
                    has_anomaly: Set(false),
                    version: Set(0),
                    ..Default::default()
                }
                .insert(db)
                .await?;
                enterprises::history(
                    db,
                    e.id,
                    actor,
                    "import",
                    json!({ "created": true, "line": l.line }),
                    now,
                )
                .await?;
                match &l.office {
                    Some((id, _)) => {
                        service::assign(db, e.id, *id, effective, "导入指定", actor, now).await?
                    }
                    None => {
                        service::assign_new(
                            db,
                            e.id,
                            &l.credit_code,
                            l.district_code.as_deref(),
                            now,
                        )
                        .await?;
                    }
                }
                applied.created += 1;
            }
            Action::Update(id) => {
                let before = enterprise::Entity::find_by_id(*id)
                    .one(db)
                    .await?
                    .ok_or(DbErr::RecordNotFound("enterprise".into()))?;
                let mut changes = serde_json::Map::new();
                let mut cols: Vec<(enterprise::Column, String)> = Vec::new();
                let mut set = |col: enterprise::Column, key: &str, old: &str, new: &str| {
                    if !new.is_empty() && old != new {
                        changes.insert(key.into(), json!([old, new]));
                        cols.push((col, new.to_owned()));
                    }
                };
                set(enterprise::Column::Name, "name", &before.name, &l.name);
                set(
                    enterprise::Column::LegalFormCode,
                    "legal_form_code",
                    before.legal_form_code.as_deref().unwrap_or(""),
                    l.legal_form_code.as_deref().unwrap_or(""),
                );
                set(
                    enterprise::Column::DistrictCode,
                    "district_code",
                    before.district_code.as_deref().unwrap_or(""),
                    l.district_code.as_deref().unwrap_or(""),
                );
                set(
                    enterprise::Column::Address,
                    "address",
                    &before.address,
                    &l.address,
                );
                set(
                    enterprise::Column::LegalRep,
                    "legal_rep",
                    &before.legal_rep,
                    &l.legal_rep,
                );
                set(
                    enterprise::Column::ContactName,
                    "contact_name",
                    &before.contact_name,
                    &l.contact_name,
                );
                set(
                    enterprise::Column::ContactPhone,
                    "contact_phone",
                    &before.contact_phone,
                    &l.contact_phone,
                );
                if !cols.is_empty() {
                    let mut update = enterprise::Entity::update_many();
                    for (col, value) in cols {
                        update = update.col_expr(col, Expr::value(value));
                    }
                    update
                        .col_expr(enterprise::Column::UpdatedAt, Expr::value(now))
                        .col_expr(enterprise::Column::Version, Expr::value(before.version + 1))
                        .filter(enterprise::Column::Id.eq(*id))
                        .exec(db)
                        .await?;
                    changes.insert("line".into(), json!(l.line));
                    enterprises::history(
                        db,
                        *id,
                        actor,
                        "import",
                        serde_json::Value::Object(changes),
                        now,
                    )
                    .await?;
                    applied.updated += 1;
                }
                if let Some((office_id, _)) = &l.office {
                    moves.entry(*office_id).or_default().push(*id);
                }
            }
        }
    }
    for (office_id, ids) in moves {
        let r = enterprises::reassign_many(db, &ids, office_id, effective, "导入调整", actor, now)
            .await?;
        applied.reassigned += r.changed.len();
    }
    Ok(applied)
}
