//! The canonical text that is signed: version "1", documented field by field
//! in docs/certificate-canonical-v1.md. JSON with keys sorted by their UTF-8
//! bytes at every level, no whitespace between tokens, strings with the
//! minimal JSON escapes (non-ASCII characters stay literal UTF-8), amounts as
//! integer fen, dates as YYYY-MM-DD. Never change what a field means for a
//! version: add a version instead.

use chrono::NaiveDate;
use serde_json::Value;

pub const VERSION: &str = "1";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartyRef {
    pub name: String,
    /// 统一社会信用代码; none for individuals and foreign parties.
    pub credit_code: Option<String>,
}

/// The data a certificate certifies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertifiedData {
    pub registration_number: String,
    /// 统一审批编码.
    pub approval_code: String,
    pub contract_name: String,
    pub contract_number: String,
    /// Category code of the rule version the contract was registered under.
    pub category: String,
    pub category_label: String,
    pub subtype_label: String,
    pub signed_on: NaiveDate,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub sellers: Vec<PartyRef>,
    pub buyers: Vec<PartyRef>,
    /// 成交额 in fen.
    pub deal_amount_fen: i64,
    /// 技术交易额 in fen.
    pub tech_amount_fen: i64,
    pub office_code: String,
    pub office_name: String,
    pub registered_on: NaiveDate,
}

fn date(d: NaiveDate) -> Value {
    Value::String(d.format("%Y-%m-%d").to_string())
}

fn parties(list: &[PartyRef]) -> Value {
    Value::Array(
        list.iter()
            .map(|p| {
                let mut m = serde_json::Map::new();
                m.insert("name".into(), Value::String(p.name.clone()));
                m.insert(
                    "credit_code".into(),
                    p.credit_code.clone().map_or(Value::Null, Value::String),
                );
                Value::Object(m)
            })
            .collect(),
    )
}

/// The version 1 canonical text of `d`.
pub fn canonical_text(d: &CertifiedData) -> String {
    let mut m = serde_json::Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_owned(), v);
    };
    put("v", Value::String(VERSION.into()));
    put(
        "registration_number",
        Value::String(d.registration_number.clone()),
    );
    put("approval_code", Value::String(d.approval_code.clone()));
    put("contract_name", Value::String(d.contract_name.clone()));
    put("contract_number", Value::String(d.contract_number.clone()));
    put("category", Value::String(d.category.clone()));
    put("category_label", Value::String(d.category_label.clone()));
    put("subtype_label", Value::String(d.subtype_label.clone()));
    put("signed_on", date(d.signed_on));
    put("valid_from", date(d.valid_from));
    put("valid_to", date(d.valid_to));
    put("sellers", parties(&d.sellers));
    put("buyers", parties(&d.buyers));
    put("deal_amount_fen", Value::from(d.deal_amount_fen));
    put("tech_amount_fen", Value::from(d.tech_amount_fen));
    put("office_code", Value::String(d.office_code.clone()));
    put("office_name", Value::String(d.office_name.clone()));
    put("registered_on", date(d.registered_on));
    let mut out = String::new();
    write_sorted(&Value::Object(m), &mut out);
    out
}

/// serde_json keeps insertion order in this workspace (`preserve_order`), so
/// the keys are sorted here explicitly.
fn write_sorted(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(k).expect("string serialises"));
                out.push(':');
                write_sorted(&map[k.as_str()], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_sorted(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&serde_json::to_string(other).expect("scalar serialises")),
    }
}

#[cfg(test)]
pub(crate) fn sample() -> CertifiedData {
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    CertifiedData {
        registration_number: "2026310115000123".into(),
        approval_code: "TR-2026-000123".into(),
        contract_name: "“智能制造”工艺优化 \"AI\" 技术开发合同".into(),
        contract_number: "HT-2026/001".into(),
        category: "development".into(),
        category_label: "技术开发".into(),
        subtype_label: "委托开发".into(),
        signed_on: d(2026, 3, 1),
        valid_from: d(2026, 3, 2),
        valid_to: d(2027, 3, 1),
        sellers: vec![PartyRef {
            name: "上海示例科技有限公司".into(),
            credit_code: Some("91310115MA1H7XXXXX".into()),
        }],
        buyers: vec![
            PartyRef {
                name: "浙江买方制造有限公司".into(),
                credit_code: Some("91330100MA2XXXXXXX".into()),
            },
            PartyRef {
                name: "张三".into(),
                credit_code: None,
            },
        ],
        deal_amount_fen: 123_456_789,
        tech_amount_fen: 100_000_000,
        office_code: "310115".into(),
        office_name: "浦东新区技术合同登记处".into(),
        registered_on: d(2026, 11, 29),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOLDEN: &str = concat!(
        r#"{"approval_code":"TR-2026-000123","buyers":[{"credit_code":"91330100MA2XXXXXXX","name":"浙江买方制造有限公司"},"#,
        r#"{"credit_code":null,"name":"张三"}],"category":"development","category_label":"技术开发","#,
        r#""contract_name":"“智能制造”工艺优化 \"AI\" 技术开发合同","contract_number":"HT-2026/001","#,
        r#""deal_amount_fen":123456789,"office_code":"310115","office_name":"浦东新区技术合同登记处","#,
        r#""registered_on":"2026-11-29","registration_number":"2026310115000123","#,
        r#""sellers":[{"credit_code":"91310115MA1H7XXXXX","name":"上海示例科技有限公司"}],"#,
        r#""signed_on":"2026-03-01","subtype_label":"委托开发","tech_amount_fen":100000000,"#,
        r#""v":"1","valid_from":"2026-03-02","valid_to":"2027-03-01"}"#
    );

    #[test]
    fn golden_text_is_stable() {
        assert_eq!(canonical_text(&sample()), GOLDEN);
    }

    #[test]
    fn keys_are_sorted_at_every_level() {
        let text = canonical_text(&sample());
        let parsed: Value = serde_json::from_str(&text).unwrap();
        let keys: Vec<&String> = parsed.as_object().unwrap().keys().collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        assert_eq!(keys.len(), 18);
        // Inside party objects too.
        assert!(text.contains(r#"{"credit_code":null,"name":"张三"}"#));
    }

    #[test]
    fn chinese_stays_literal_and_quotes_are_escaped() {
        let mut d = sample();
        d.contract_name = "引号\"反斜杠\\换行\n制表\t".into();
        let text = canonical_text(&d);
        assert!(text.contains(r#""contract_name":"引号\"反斜杠\\换行\n制表\t""#));
        assert!(!text.contains("\\u"), "no \\u escapes for Chinese");
        assert!(!text.contains(": ") && !text.contains(", ") && !text.contains('\n'));
        // A control character without a short form gets \u00XX.
        d.contract_name = "a\u{1}b".into();
        assert!(canonical_text(&d).contains(r#""a\u0001b""#));
        // The text round-trips to the same data.
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["contract_name"], "引号\"反斜杠\\换行\n制表\t");
    }

    #[test]
    fn any_change_changes_the_text() {
        let base = canonical_text(&sample());
        let mut d = sample();
        d.tech_amount_fen += 1;
        assert_ne!(canonical_text(&d), base);
        let mut d = sample();
        d.buyers.reverse();
        assert_ne!(canonical_text(&d), base, "party order is part of the data");
    }
}
