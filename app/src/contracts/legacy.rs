//! `techreg import contracts FILE`: registered contracts of the old system
//! (CSV in UTF-8 or GBK, or Excel) become registered contracts here with
//! their original registration numbers and record ids, under the rules
//! they were registered by. 2001 records get their five-category mapping;
//! those that need a person's decision (技术秘密转让) are imported and
//! listed. Any bad row stops the whole import (nothing written); a number
//! already imported is skipped, so a rerun is harmless.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter,
};
use techreg_entities::contract::{contract, event, party};
use techreg_entities::org::{enterprise, office};

use super::categories::{self, Mapping, RULES_2001};
use super::money::parse_yuan;
use super::state::Status;
use crate::tabular::{Row, header_positions};

const COLUMNS: &[&[&str]] = &[
    &["原登记编号", "登记编号"],
    &["原记录ID", "原ID", "记录ID"],
    &["合同名称", "项目名称"],
    &["合同编号"],
    &["合同类别", "类别"],
    &["合同子类", "子类", "具体类型"],
    &["签订日期"],
    &["有效期起", "有效期开始"],
    &["有效期止", "有效期结束"],
    &["卖方名称", "卖方"],
    &["卖方信用代码", "卖方统一社会信用代码"],
    &["买方名称", "买方"],
    &["买方信用代码", "买方统一社会信用代码"],
    &["成交额", "合同成交额"],
    &["技术交易额"],
    &["登记处编码", "登记处"],
    &["登记日期"],
    &["项目负责人"],
    &["技术内容摘要", "摘要"],
];

#[derive(Debug, Clone)]
pub struct Record {
    pub line: usize,
    pub number: String,
    pub legacy_id: Option<String>,
    pub name: String,
    pub contract_number: String,
    pub category: &'static str,
    pub subtype: &'static str,
    pub mapping: Mapping,
    pub signed_on: Option<NaiveDate>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub seller: (String, Option<String>),
    pub buyer: (String, Option<String>),
    pub deal_amount: i64,
    pub tech_amount: i64,
    pub office_id: Option<i64>,
    pub registered_on: NaiveDate,
    pub project_leader: String,
    pub summary: String,
}

#[derive(Debug, Default)]
pub struct Report {
    pub rows: usize,
    pub records: Vec<Record>,
    /// Numbers already in the database: skipped.
    pub existing: Vec<String>,
    pub errors: Vec<(usize, String)>,
}

impl Report {
    /// Records imported without a five-category mapping, for a person.
    pub fn unmapped(&self) -> Vec<&Record> {
        self.records
            .iter()
            .filter(|r| !matches!(r.mapping, Mapping::To(..)))
            .collect()
    }
}

fn date(cell: &str) -> Option<NaiveDate> {
    let s = cell.trim().replace(['/', '.'], "-");
    let s = s.split([' ', 'T']).next().unwrap_or("");
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Finds (category, subtype) codes by their Chinese labels under `rules`.
fn category_of(rules: &str, cat: &str, sub: &str) -> Option<(&'static str, &'static str)> {
    let list = if rules == RULES_2001 {
        categories::FOUR_2001
    } else {
        categories::FIVE
    };
    let c = list.iter().find(|c| c.label == cat || c.code == cat)?;
    let s = c
        .subtypes
        .iter()
        .find(|s| s.label == sub || s.code == sub || s.label.starts_with(sub))?;
    Some((c.code, s.code))
}

/// Reads and checks every row; writes nothing.
pub async fn plan<C: ConnectionTrait>(db: &C, rows: &[Row], rules: &str) -> Result<Report, DbErr> {
    let mut report = Report::default();
    let Some((header, body)) = rows.split_first() else {
        report.errors.push((0, "文件中没有数据".into()));
        return Ok(report);
    };
    let pos = header_positions(header, COLUMNS);
    for (i, label) in [
        (0, "原登记编号"),
        (2, "合同名称"),
        (4, "合同类别"),
        (5, "合同子类"),
        (9, "卖方名称"),
        (11, "买方名称"),
        (13, "成交额"),
        (16, "登记日期"),
    ] {
        if pos[i].is_none() {
            report
                .errors
                .push((header.line, format!("表头缺少“{label}”列")));
        }
    }
    if !report.errors.is_empty() {
        return Ok(report);
    }
    let offices: BTreeMap<String, i64> = office::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.code, o.id))
        .collect();
    let mut seen = BTreeSet::new();
    report.rows = body.len();
    for row in body {
        let cell = |i: usize| -> &str {
            pos[i]
                .and_then(|p| row.cells.get(p))
                .map(String::as_str)
                .unwrap_or("")
        };
        let mut problems = Vec::new();
        let number = crate::core::text::normalize_code(cell(0));
        if number.is_empty() {
            problems.push("缺少原登记编号".to_owned());
        } else if !seen.insert(number.clone()) {
            problems.push(format!("原登记编号 {number} 在文件中重复"));
        }
        let name = cell(2).to_owned();
        if name.is_empty() {
            problems.push("缺少合同名称".into());
        }
        let (category, subtype) = match category_of(rules, cell(4), cell(5)) {
            Some(x) => x,
            None => {
                problems.push(format!("无法识别的合同类别“{} / {}”", cell(4), cell(5)));
                ("", "")
            }
        };
        let mapping = if rules == RULES_2001 {
            categories::map_2001(category, subtype)
        } else {
            Mapping::To(category, subtype)
        };
        let credit = |i: usize, problems: &mut Vec<String>| match cell(i) {
            "" => None,
            c => match crate::identity::credit_code(c) {
                Ok(c) => Some(c),
                Err(m) => {
                    problems.push(m.to_owned());
                    None
                }
            },
        };
        let seller = (cell(9).to_owned(), credit(10, &mut problems));
        let buyer = (cell(11).to_owned(), credit(12, &mut problems));
        if seller.0.is_empty() || buyer.0.is_empty() {
            problems.push("缺少卖方或买方名称".into());
        }
        let deal_amount = match parse_yuan(cell(13)) {
            Ok(v) => v,
            Err(m) => {
                problems.push(format!("成交额：{m}"));
                0
            }
        };
        let tech_amount = match cell(14) {
            "" => deal_amount,
            t => match parse_yuan(t) {
                Ok(v) if v <= deal_amount => v,
                Ok(_) => {
                    problems.push("技术交易额大于成交额".into());
                    0
                }
                Err(m) => {
                    problems.push(format!("技术交易额：{m}"));
                    0
                }
            },
        };
        let office_id = match cell(15) {
            "" => None,
            code => {
                let code = crate::core::text::normalize_code(code);
                let found = offices.get(&code).copied();
                if found.is_none() {
                    problems.push(format!("登记处编码 {code} 不存在"));
                }
                found
            }
        };
        let registered_on = date(cell(16));
        if registered_on.is_none() {
            problems.push("登记日期无效（年-月-日）".into());
        }
        if problems.is_empty() {
            report.records.push(Record {
                line: row.line,
                number,
                legacy_id: Some(cell(1).to_owned()).filter(|s| !s.is_empty()),
                name,
                contract_number: cell(3).to_owned(),
                category,
                subtype,
                mapping,
                signed_on: date(cell(6)),
                valid_from: date(cell(7)),
                valid_to: date(cell(8)),
                seller,
                buyer,
                deal_amount,
                tech_amount,
                office_id,
                registered_on: registered_on.expect("checked"),
                project_leader: cell(17).to_owned(),
                summary: cell(18).to_owned(),
            });
        } else {
            report.errors.push((row.line, problems.join("；")));
        }
    }
    let numbers: Vec<String> = report.records.iter().map(|r| r.number.clone()).collect();
    let mut existing = BTreeSet::new();
    for chunk in numbers.chunks(500) {
        for c in contract::Entity::find()
            .filter(contract::Column::RegistrationNumber.is_in(chunk.iter().cloned()))
            .all(db)
            .await?
        {
            existing.insert(c.registration_number.unwrap_or_default());
        }
    }
    report.records.retain(|r| {
        if existing.contains(&r.number) {
            report.existing.push(r.number.clone());
            false
        } else {
            true
        }
    });
    Ok(report)
}

fn noon(d: NaiveDate) -> DateTime<Utc> {
    // 12:00 in Shanghai, so the date is the same in UTC and in Shanghai.
    Utc.from_utc_datetime(&d.and_hms_opt(4, 0, 0).expect("valid time"))
}

/// Writes the records of a clean report inside the caller's transaction.
pub async fn apply<C: ConnectionTrait>(
    db: &C,
    report: &Report,
    rules: &str,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    assert!(
        report.errors.is_empty(),
        "a report with errors is never applied"
    );
    for r in &report.records {
        let enterprise_id = match &r.seller.1 {
            Some(code) => enterprise::Entity::find()
                .filter(enterprise::Column::CreditCode.eq(code.clone()))
                .one(db)
                .await?
                .map(|e| e.id),
            None => None,
        };
        let (five_category, five_subtype) = match r.mapping {
            Mapping::To(c, s) => (Some(c.to_owned()), Some(s.to_owned())),
            _ => (None, None),
        };
        let registered = noon(r.registered_on);
        let c = contract::ActiveModel {
            approval_code: Set(format!("LEGACY-{}", r.number)),
            rule_version: Set(rules.to_owned()),
            status: Set(Status::Registered.as_str().into()),
            category: Set(Some(r.category.into())),
            subtype: Set(Some(r.subtype.into())),
            five_category: Set(five_category),
            five_subtype: Set(five_subtype),
            name: Set(r.name.clone()),
            contract_number: Set(r.contract_number.clone()),
            signed_on: Set(r.signed_on),
            valid_from: Set(r.valid_from),
            valid_to: Set(r.valid_to),
            deal_amount: Set(Some(r.deal_amount)),
            tech_amount: Set(Some(r.tech_amount)),
            project_leader: Set(r.project_leader.chars().take(50).collect()),
            summary: Set(r.summary.clone()),
            enterprise_id: Set(enterprise_id),
            applicant_user_id: Set(0),
            office_id: Set(r.office_id),
            registration_number: Set(Some(r.number.clone())),
            legacy_id: Set(r.legacy_id.clone()),
            submitted_at: Set(Some(registered)),
            registered_at: Set(Some(registered)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
        for (seq, (role, (name, code))) in [("seller", &r.seller), ("buyer", &r.buyer)]
            .into_iter()
            .enumerate()
        {
            party::ActiveModel {
                contract_id: Set(c.id),
                role: Set(role.into()),
                seq: Set(seq as i32),
                name: Set(name.clone()),
                credit_code: Set(code.clone()),
                contact: Set(String::new()),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
        event::ActiveModel {
            contract_id: Set(c.id),
            at: Set(now),
            actor: Set("system".into()),
            action: Set("import".into()),
            from_status: Set(Status::Registered.as_str().into()),
            to_status: Set(Status::Registered.as_str().into()),
            reason: Set(format!("历史数据导入（第 {} 行）", r.line)),
            detail: Set(
                serde_json::json!({ "legacy_id": r.legacy_id, "rules": rules }).to_string(),
            ),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(report.records.len())
}
