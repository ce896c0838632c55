//! Enterprise list import: rows from a CSV or Excel file are checked one by
//! one into a plan (new enterprises, updates, office changes) with the
//! errors of every bad row; a plan with any error writes nothing. The
//! confirmation plans the rows again inside its transaction and writes the
//! plan with its audit row.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter,
};
use serde_json::json;
use techreg_entities::org::{enterprise, office};

use super::Org;
use super::assignments::{self, ReassignError};
use super::enterprises::{enterprise_history, require_manage};
use super::model::{ImportConfirmForm, STATUS_ACTIVE};
use crate::audit::{self, Entry, Outcome};
use crate::core::clock::shanghai_date;
use crate::core::{Caller, DomainError, DomainResult};
use crate::dictionary::DICT_LEGAL_FORM;
use crate::dictionary::SHANGHAI;
use crate::identity::ENTERPRISE_UNVERIFIED;
use crate::tabular::{self, Row, header_positions};

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
async fn plan<C: ConnectionTrait>(
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
        let known = Known {
            legal_forms,
            offices: &offices,
        };
        match check_row(row, &pos, &known, &mut seen) {
            Ok(line) => lines.push(line),
            Err(message) => plan.errors.push(RowError {
                line: row.line,
                message,
            }),
        }
    }
    plan.lines = with_actions(db, lines).await?;
    Ok(plan)
}

/// What a row's cells are checked against.
struct Known<'a> {
    legal_forms: &'a [(String, String)],
    offices: &'a [office::Model],
}

/// One row checked into a line, or its problems joined; `seen` holds the
/// credit codes of the rows before it.
fn check_row(
    row: &Row,
    pos: &[Option<usize>],
    known: &Known<'_>,
    seen: &mut BTreeMap<String, usize>,
) -> Result<Line, String> {
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
    let legal_form_code = legal_form_of(cell(2), known.legal_forms, &mut problems);
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
    let office = office_of(cell(8), known.offices, &mut problems);
    if !problems.is_empty() {
        return Err(problems.join("；"));
    }
    Ok(Line {
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
    })
}

/// The legal form a cell names (by code or label), if any.
fn legal_form_of(
    given: &str,
    legal_forms: &[(String, String)],
    problems: &mut Vec<String>,
) -> Option<String> {
    if given.is_empty() {
        return None;
    }
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

/// The active office a cell names (by code or name), if any.
fn office_of(
    given: &str,
    offices: &[office::Model],
    problems: &mut Vec<String>,
) -> Option<(i64, String)> {
    if given.is_empty() {
        return None;
    }
    let code = crate::core::text::normalize_code(given);
    match offices.iter().find(|x| x.code == code || x.name == given) {
        Some(x) if x.status == STATUS_ACTIVE => Some((x.id, x.name.clone())),
        Some(x) => {
            problems.push(format!("登记处“{}”未处于正常状态", x.name));
            None
        }
        None => {
            problems.push(format!("登记处“{given}”不存在"));
            None
        }
    }
}

/// Each line with what it does: an update of the enterprise with its
/// credit code, or a new one.
async fn with_actions<C: ConnectionTrait>(
    db: &C,
    lines: Vec<Line>,
) -> Result<Vec<(Line, Action)>, DbErr> {
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
    Ok(lines
        .into_iter()
        .map(|l| {
            let action = match existing.get(&l.credit_code) {
                Some(id) => Action::Update(*id),
                None => Action::Create,
            };
            (l, action)
        })
        .collect())
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
async fn apply<C: ConnectionTrait>(
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
                create(db, l, actor, effective, now).await?;
                applied.created += 1;
            }
            Action::Update(id) => {
                if update(db, *id, l, actor, now).await? {
                    applied.updated += 1;
                }
                if let Some((office_id, _)) = &l.office {
                    moves.entry(*office_id).or_default().push(*id);
                }
            }
        }
    }
    for (office_id, ids) in moves {
        let r = assignments::reassign_many(db, &ids, office_id, effective, "导入调整", actor, now)
            .await?;
        applied.reassigned += r.changed.len();
    }
    Ok(applied)
}

/// A new enterprise from a line, given to the office the file names from
/// `effective` or else to the one the rules give it.
async fn create<C: ConnectionTrait>(
    db: &C,
    l: &Line,
    actor: &str,
    effective: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
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
    let change = json!({ "created": true, "line": l.line });
    enterprise_history(db, e.id, actor, "import", change, now).await?;
    match &l.office {
        Some((id, _)) => {
            assignments::assign(db, e.id, *id, effective, "导入指定", actor, now).await?;
        }
        None => {
            let district = l.district_code.as_deref();
            assignments::assign_new(db, e.id, &l.credit_code, district, now).await?;
        }
    }
    Ok(())
}

/// An existing enterprise updated from a line: empty cells leave its
/// values alone. Returns whether anything changed.
async fn update<C: ConnectionTrait>(
    db: &C,
    id: i64,
    l: &Line,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let before = enterprise::Entity::find_by_id(id)
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
    use enterprise::Column as Col;
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    set(Col::Name, "name", &before.name, &l.name);
    let (old, new) = (opt(&before.legal_form_code), opt(&l.legal_form_code));
    set(Col::LegalFormCode, "legal_form_code", &old, &new);
    let (old, new) = (opt(&before.district_code), opt(&l.district_code));
    set(Col::DistrictCode, "district_code", &old, &new);
    set(Col::Address, "address", &before.address, &l.address);
    set(Col::LegalRep, "legal_rep", &before.legal_rep, &l.legal_rep);
    set(
        Col::ContactName,
        "contact_name",
        &before.contact_name,
        &l.contact_name,
    );
    set(
        Col::ContactPhone,
        "contact_phone",
        &before.contact_phone,
        &l.contact_phone,
    );
    if cols.is_empty() {
        return Ok(false);
    }
    let mut update = enterprise::Entity::update_many();
    for (col, value) in cols {
        update = update.col_expr(col, Expr::value(value));
    }
    update
        .col_expr(Col::UpdatedAt, Expr::value(now))
        .col_expr(Col::Version, Expr::value(before.version + 1))
        .filter(Col::Id.eq(id))
        .exec(db)
        .await?;
    changes.insert("line".into(), json!(l.line));
    let change = serde_json::Value::Object(changes);
    enterprise_history(db, id, actor, "import", change, now).await?;
    Ok(true)
}

/// Active legal forms (code, label) from the data dictionary.
async fn active_legal_forms(org: &Org) -> Result<Vec<(String, String)>, DbErr> {
    Ok(org
        .dictionaries
        .active(DICT_LEGAL_FORM)
        .await?
        .iter()
        .map(|e| (e.code.clone(), e.label.clone()))
        .collect())
}

/// The rows of a file as planned, and the date office changes take effect
/// unless the confirmation says otherwise.
pub struct Preview {
    pub rows: Vec<Row>,
    pub plan: Plan,
    pub today: NaiveDate,
}

/// Plans an uploaded file's rows; writes nothing.
pub async fn preview(org: &Org, caller: &Caller, rows: Vec<Row>) -> DomainResult<Preview> {
    require_manage(caller)?;
    let forms = active_legal_forms(org).await?;
    let plan = plan(&org.core.db, &rows, &forms).await?;
    Ok(Preview {
        rows,
        plan,
        today: shanghai_date(org.core.now()),
    })
}

/// Writes a confirmed import: the rows are planned again inside the
/// transaction (the data may have moved since the preview), and a plan
/// with errors comes back as a preview instead. A refusal of the whole
/// import is `Rejected` with its message.
pub async fn confirm(
    org: &Org,
    caller: &Caller,
    form: &ImportConfirmForm,
) -> DomainResult<Result<Applied, Preview>> {
    require_manage(caller)?;
    let rows = tabular::from_payload(&form.payload)
        .ok_or_else(|| DomainError::BadRequest("payload".into()))?;
    let Some(effective) = form.effective() else {
        return Err(DomainError::Rejected("请填写生效日期（年-月-日）".into()));
    };
    let forms = active_legal_forms(org).await?;
    let now = org.core.now();
    let txn = org.core.begin().await?;
    let plan = plan(&txn, &rows, &forms).await?;
    if !plan.errors.is_empty() {
        return Ok(Err(Preview {
            rows,
            plan,
            today: shanghai_date(now),
        }));
    }
    let applied = match apply(&txn, &plan, &caller.user.username, effective, now).await {
        Ok(a) => a,
        Err(ReassignError::Db(e)) => return Err(e.into()),
        Err(e) => return Err(DomainError::Rejected(format!("未写入任何数据：{e}"))),
    };
    let detail = json!({
        "file": form.file_name, "rows": plan.lines.len(),
        "created": applied.created, "updated": applied.updated,
        "reassigned": applied.reassigned, "effective": effective.to_string(),
    });
    let entry = Entry {
        action: "enterprise.import",
        object_type: Some("enterprise"),
        object_id: None,
        outcome: Outcome::Success,
        detail,
    };
    audit::record(&txn, now, &caller.actor(), entry).await?;
    txn.commit().await?;
    Ok(Ok(applied))
}
