//! The application's content by form step, and the logical checks (F50)
//! that every step and the final submission run. Checks are pure: the
//! dictionary codes they need come in as sets, today's date as an argument.
//! Each problem names the field and says what to fix.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::categories::{self, RULES_2026};

pub const STEPS: [(u8, &str); 6] = [
    (1, "基本信息"),
    (2, "合同当事人"),
    (3, "金额与支付"),
    (4, "技术内容"),
    (5, "附件"),
    (6, "核对并提交"),
];

/// A problem with one field of one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub step: u8,
    pub field: String,
    pub message: String,
}

fn problem(step: u8, field: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem {
        step,
        field: field.into(),
        message: message.into(),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Basics {
    pub category: String,
    pub subtype: String,
    pub name: String,
    pub contract_number: String,
    pub signed_on: Option<NaiveDate>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    /// `seller` or `buyer`.
    pub applicant_side: String,
}

pub fn check_basics(b: &Basics, today: NaiveDate) -> Vec<Problem> {
    let mut p = Vec::new();
    match categories::category(RULES_2026, &b.category) {
        None => p.push(problem(1, "category", "请选择合同类别")),
        Some(_) if categories::subtype(RULES_2026, &b.category, &b.subtype).is_none() => {
            p.push(problem(1, "subtype", "请选择该类别下的具体类型"))
        }
        _ => {}
    }
    let n = b.name.chars().count();
    if !(2..=200).contains(&n) {
        p.push(problem(1, "name", "请填写合同名称（2–200 个字）"));
    }
    if b.contract_number.chars().count() > 100 {
        p.push(problem(1, "contract_number", "合同编号不能超过 100 个字符"));
    }
    match b.signed_on {
        None => p.push(problem(1, "signed_on", "请填写签订日期")),
        Some(d) if d > today => p.push(problem(1, "signed_on", "签订日期不能晚于今天")),
        _ => {}
    }
    if b.valid_from.is_none() {
        p.push(problem(1, "valid_from", "请填写合同有效期的起始日期"));
    }
    if b.valid_to.is_none() {
        p.push(problem(1, "valid_to", "请填写合同有效期的截止日期"));
    }
    if let (Some(s), Some(f)) = (b.signed_on, b.valid_from)
        && f < s
    {
        p.push(problem(1, "valid_from", "有效期起始日期不能早于签订日期"));
    }
    if let (Some(f), Some(t)) = (b.valid_from, b.valid_to)
        && t < f
    {
        p.push(problem(1, "valid_to", "有效期截止日期不能早于起始日期"));
    }
    if b.applicant_side != "seller" && b.applicant_side != "buyer" {
        p.push(problem(
            1,
            "applicant_side",
            "请选择申请人在合同中的身份（卖方或买方）",
        ));
    }
    p
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Party {
    /// `seller`, `buyer` or `other`.
    pub role: String,
    pub name: String,
    pub credit_code: Option<String>,
    pub region: Option<String>,
    pub legal_form: Option<String>,
    /// 3-digit country code for a foreign party; `None` for a domestic one.
    pub country: Option<String>,
    pub contact: String,
}

/// Checks the parties; `legal_forms` and `regions` are the active codes.
/// Fields are named `parties.{index}.{field}`.
pub fn check_parties(
    parties: &[Party],
    legal_forms: &BTreeSet<String>,
    regions: &BTreeSet<String>,
) -> Vec<Problem> {
    let mut p = Vec::new();
    for (i, party) in parties.iter().enumerate() {
        let f = |name: &str| format!("parties.{i}.{name}");
        if !["seller", "buyer", "other"].contains(&party.role.as_str()) {
            p.push(problem(2, f("role"), "请选择当事人身份"));
        }
        if !(2..=200).contains(&party.name.chars().count()) {
            p.push(problem(2, f("name"), "请填写当事人名称（2–200 个字）"));
        }
        match &party.country {
            Some(c) if c.len() != 3 || !c.bytes().all(|b| b.is_ascii_digit()) => p.push(problem(
                2,
                f("country"),
                "国别代码为 3 位数字（海关国别代码）",
            )),
            Some(_) => {}
            None => {
                if let Some(code) = &party.credit_code
                    && let Err(m) = crate::identity::credit_code(code)
                {
                    p.push(problem(2, f("credit_code"), m));
                }
                match &party.region {
                    None => p.push(problem(2, f("region"), "境内当事人请选择所在地区")),
                    Some(r) if !regions.is_empty() && !regions.contains(r) => {
                        p.push(problem(2, f("region"), "所在地区无效"))
                    }
                    _ => {}
                }
            }
        }
        if let Some(l) = &party.legal_form
            && !legal_forms.contains(l)
        {
            p.push(problem(2, f("legal_form"), "请从列表中选择法人类型"));
        }
        if party.contact.chars().count() > 100 {
            p.push(problem(2, f("contact"), "联系方式不能超过 100 个字"));
        }
    }
    let sellers: Vec<&Party> = parties.iter().filter(|x| x.role == "seller").collect();
    let buyers: Vec<&Party> = parties.iter().filter(|x| x.role == "buyer").collect();
    if sellers.is_empty() {
        p.push(problem(2, "parties", "至少填写一个卖方（技术的提供方）"));
    }
    if buyers.is_empty() {
        p.push(problem(2, "parties", "至少填写一个买方（技术的接受方）"));
    }
    for s in &sellers {
        for b in &buyers {
            let same_code = s.credit_code.is_some() && s.credit_code == b.credit_code;
            if same_code || s.name.trim() == b.name.trim() {
                p.push(problem(
                    2,
                    "parties",
                    format!("卖方与买方不能是同一单位（{}）", s.name.trim()),
                ));
            }
        }
    }
    p
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Amounts {
    pub deal_amount: Option<i64>,
    /// (item, fen)
    pub deductions: Vec<(String, i64)>,
    pub payment_method: String,
    pub payment_schedule: String,
}

pub const PAYMENT_METHODS: &[(&str, &str)] = &[
    ("lump_sum", "一次总付"),
    ("instalments", "分期支付"),
    ("royalty", "提成支付"),
    ("mixed", "一次总付加提成"),
    ("other", "其他"),
];

impl Amounts {
    /// 技术交易额 = 成交额 − 非技术性费用.
    pub fn tech_amount(&self) -> Option<i64> {
        Some(self.deal_amount? - self.deductions.iter().map(|(_, a)| a).sum::<i64>())
    }
}

pub fn check_amounts(a: &Amounts) -> Vec<Problem> {
    let mut p = Vec::new();
    match a.deal_amount {
        None => p.push(problem(3, "deal_amount", "请填写成交额")),
        Some(d) if d <= 0 => p.push(problem(3, "deal_amount", "成交额应大于零")),
        _ => {}
    }
    for (i, (item, amount)) in a.deductions.iter().enumerate() {
        if item.trim().is_empty() {
            p.push(problem(
                3,
                format!("deductions.{i}.item"),
                "请填写扣除项目名称（如设备、原材料）",
            ));
        }
        if *amount <= 0 {
            p.push(problem(
                3,
                format!("deductions.{i}.amount"),
                "扣除金额应大于零",
            ));
        }
    }
    if let Some(t) = a.tech_amount()
        && a.deal_amount.is_some_and(|d| d > 0)
        && t < 0
    {
        p.push(problem(
            3,
            "deductions",
            "非技术性费用合计超过成交额：技术交易额 = 成交额 − 非技术性费用，不能为负",
        ));
    }
    if !PAYMENT_METHODS.iter().any(|(c, _)| *c == a.payment_method) {
        p.push(problem(3, "payment_method", "请选择支付方式"));
    }
    if a.payment_schedule.chars().count() > 1000 {
        p.push(problem(3, "payment_schedule", "支付安排不能超过 1000 个字"));
    }
    p
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpItem {
    pub ip_type: String,
    pub number: String,
    pub owner: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Technology {
    pub tech_field: String,
    pub socio_goal: Option<String>,
    pub project_leader: String,
    pub leader_phone: String,
    pub summary: String,
    pub ip_items: Vec<IpItem>,
}

/// `fields`, `goals`, `ip_types` are the active dictionary codes.
pub fn check_technology(
    t: &Technology,
    category: &str,
    fields: &BTreeSet<String>,
    goals: &BTreeSet<String>,
    ip_types: &BTreeSet<String>,
) -> Vec<Problem> {
    let mut p = Vec::new();
    if !fields.contains(&t.tech_field) {
        p.push(problem(4, "tech_field", "请选择技术领域"));
    }
    if let Some(g) = &t.socio_goal
        && !goals.contains(g)
    {
        p.push(problem(4, "socio_goal", "请从列表中选择社会经济目标"));
    }
    if !(2..=50).contains(&t.project_leader.chars().count()) {
        p.push(problem(4, "project_leader", "请填写项目负责人姓名"));
    }
    if t.leader_phone.chars().count() > 30 {
        p.push(problem(4, "leader_phone", "联系电话不能超过 30 个字符"));
    }
    let n = t.summary.chars().count();
    if n < 20 {
        p.push(problem(
            4,
            "summary",
            "请填写技术内容摘要（不少于 20 个字），说明合同的技术目标、内容和成果形式",
        ));
    } else if n > 2000 {
        p.push(problem(4, "summary", "技术内容摘要不能超过 2000 个字"));
    }
    for (i, ip) in t.ip_items.iter().enumerate() {
        if !ip_types.contains(&ip.ip_type) {
            p.push(problem(
                4,
                format!("ip_items.{i}.ip_type"),
                "请选择知识产权类型",
            ));
        }
        if ip.number.trim().is_empty() {
            p.push(problem(
                4,
                format!("ip_items.{i}.number"),
                "请填写知识产权编号（如专利号、登记号）",
            ));
        }
        if ip.owner.trim().is_empty() {
            p.push(problem(4, format!("ip_items.{i}.owner"), "请填写权利人"));
        }
    }
    if categories::category(RULES_2026, category).is_some_and(|c| c.needs_ip)
        && t.ip_items.is_empty()
    {
        p.push(problem(
            4,
            "ip_items",
            "技术转让、技术许可合同须填写所涉知识产权（类型、编号、权利人）",
        ));
    }
    p
}

/// Checks that only hold at submission: validity and attachments.
pub fn check_submission(b: &Basics, contract_scans: usize, today: NaiveDate) -> Vec<Problem> {
    let mut p = Vec::new();
    if let Some(t) = b.valid_to
        && t < today
    {
        p.push(problem(
            1,
            "valid_to",
            "合同有效期已届满：技术合同应在有效期内申请登记",
        ));
    }
    if contract_scans == 0 {
        p.push(problem(5, "contract", "请上传合同文本扫描件（PDF 或图片）"));
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn basics() -> Basics {
        Basics {
            category: "development".into(),
            subtype: "entrusted".into(),
            name: "智能检测系统委托开发合同".into(),
            contract_number: "HT-2026-001".into(),
            signed_on: Some(d("2026-03-01")),
            valid_from: Some(d("2026-03-01")),
            valid_to: Some(d("2027-02-28")),
            applicant_side: "seller".into(),
        }
    }

    fn fields(p: &[Problem]) -> Vec<&str> {
        p.iter().map(|x| x.field.as_str()).collect()
    }

    #[test]
    fn dates_must_run_in_order_and_not_in_the_future() {
        let today = d("2026-11-29");
        assert!(check_basics(&basics(), today).is_empty());
        let mut b = basics();
        b.valid_from = Some(d("2026-02-01"));
        b.valid_to = Some(d("2026-01-01"));
        assert_eq!(fields(&check_basics(&b, today)), ["valid_from", "valid_to"]);
        b = basics();
        b.signed_on = Some(d("2026-12-01"));
        assert!(fields(&check_basics(&b, today)).contains(&"signed_on"));
        b = basics();
        b.subtype = "patent".into();
        assert_eq!(fields(&check_basics(&b, today)), ["subtype"]);
    }

    #[test]
    fn amounts_add_up_and_the_tech_amount_is_not_negative() {
        let mut a = Amounts {
            deal_amount: Some(1_000_000),
            deductions: vec![("设备".into(), 300_000)],
            payment_method: "lump_sum".into(),
            payment_schedule: String::new(),
        };
        assert!(check_amounts(&a).is_empty());
        assert_eq!(a.tech_amount(), Some(700_000));
        a.deductions.push(("原材料".into(), 800_000));
        assert_eq!(fields(&check_amounts(&a)), ["deductions"]);
        a.deductions = vec![(" ".into(), 0)];
        assert_eq!(
            fields(&check_amounts(&a)),
            ["deductions.0.item", "deductions.0.amount"]
        );
    }

    #[test]
    fn parties_need_both_sides_valid_codes_and_must_differ() {
        let code = format!(
            "91310115000000001{}",
            crate::identity::credit_check_char("91310115000000001")
        );
        let region: BTreeSet<String> = ["310115".to_string()].into();
        let forms: BTreeSet<String> = ["150".to_string()].into();
        let seller = Party {
            role: "seller".into(),
            name: "上海甲科技有限公司".into(),
            credit_code: Some(code.clone()),
            region: Some("310115".into()),
            legal_form: Some("150".into()),
            country: None,
            contact: String::new(),
        };
        let mut buyer = seller.clone();
        buyer.role = "buyer".into();
        buyer.name = "上海乙制造有限公司".into();
        let p = check_parties(&[seller.clone(), buyer.clone()], &forms, &region);
        assert_eq!(fields(&p), ["parties"], "same credit code on both sides");
        buyer.credit_code = None;
        assert!(check_parties(&[seller.clone(), buyer.clone()], &forms, &region).is_empty());
        let foreign = Party {
            role: "buyer".into(),
            name: "Foreign GmbH".into(),
            country: Some("27".into()),
            ..Default::default()
        };
        assert_eq!(
            fields(&check_parties(&[seller.clone(), foreign], &forms, &region)),
            ["parties.1.country"]
        );
        assert_eq!(
            fields(&check_parties(&[seller], &forms, &region)),
            ["parties"]
        );
    }

    #[test]
    fn transfers_and_licences_need_ip_items() {
        let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        let t = Technology {
            tech_field: "01".into(),
            socio_goal: None,
            project_leader: "张工".into(),
            leader_phone: String::new(),
            summary: "研制一套基于机器视觉的零件表面缺陷在线检测系统并交付源代码。".into(),
            ip_items: vec![],
        };
        let (f, g, i) = (set(&["01"]), set(&[]), set(&["011"]));
        assert!(check_technology(&t, "development", &f, &g, &i).is_empty());
        assert_eq!(
            fields(&check_technology(&t, "licence", &f, &g, &i)),
            ["ip_items"]
        );
    }

    #[test]
    fn submission_within_validity_with_a_contract_scan() {
        let b = basics();
        assert!(check_submission(&b, 1, d("2026-11-29")).is_empty());
        assert_eq!(
            fields(&check_submission(&b, 0, d("2027-03-01"))),
            ["valid_to", "contract"]
        );
    }
}
