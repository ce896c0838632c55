//! `techreg seed --contracts N`: realistic generated contracts for
//! benchmarks, with near-duplicates planted at a known rate by a fixed
//! perturbation model and legitimate look-alikes that must not be flagged.
//! Deterministic (its own splitmix64 generator from a fixed seed), written
//! in multi-row INSERTs of 1 000 rows with the duplicate index rows.
//! The model is documented in docs/decisions/duplicates.md.
//!
//! Ground truth is in the approval code: `SEED<id>B` an original,
//! `SEED<id>G` an original with a generic name, `SEED<id>D<orig>` a
//! near-duplicate of contract `<orig>`, `SEED<id>R<orig>` a yearly renewal of
//! `<orig>` (a look-alike).

use chrono::{Datelike, Duration, NaiveDate};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, PaginatorTrait};
use techreg_entities::org::office;

use crate::duplicates::{Doc, bands, party_key};

/// Rates (per mille) of the kinds of generated contracts.
pub const NEAR_DUPLICATE_PERMILLE: u64 = 20;
pub const RENEWAL_PERMILLE: u64 = 40;
pub const GENERIC_PERMILLE: u64 = 150;
/// Near-duplicates keep the original's contract number this often (per
/// mille), so they are exact duplicates too.
pub const SAME_NUMBER_PERMILLE: u64 = 300;

/// A small deterministic generator (splitmix64): the same seed gives the
/// same data on every platform and with every version of `rand`.
pub struct Gen(u64);

impl Gen {
    pub fn new(seed: u64) -> Gen {
        Gen(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
    pub fn permille(&mut self, p: u64) -> bool {
        self.below(1000) < p
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const CITY: &[&str] = &[
    "上海",
    "浦江",
    "申城",
    "东方",
    "华东",
    "沪",
    "长江",
    "黄浦江",
    "松江",
    "临港",
];
const FIRM: &[&str] = &[
    "智能",
    "精密",
    "生物",
    "新材料",
    "信息",
    "电子",
    "医药",
    "汽车",
    "能源",
    "环境",
    "软件",
    "机器人",
    "光电",
    "化工",
    "数据",
    "半导体",
    "航空",
    "海洋",
    "仪器",
    "网络",
];
const WORD: &[&str] = &[
    "恒", "源", "创", "博", "瑞", "华", "信", "达", "联", "凯", "科", "鼎", "宏", "泰", "正", "明",
    "安", "康", "思", "远", "天", "诚", "合", "新", "德", "宇", "峰", "晟", "越", "卓",
];
const FORM: &[&str] = &["有限公司", "股份有限公司", "研究院", "有限责任公司"];
const TOPIC: &[&str] = &[
    "机器视觉",
    "深度学习",
    "边缘计算",
    "数字孪生",
    "区块链",
    "锂电池",
    "氢燃料",
    "纳米涂层",
    "基因测序",
    "细胞培养",
    "工业互联网",
    "激光焊接",
    "毫米波雷达",
    "碳纤维",
    "光刻胶",
    "北斗定位",
    "智能电网",
    "医学影像",
    "语音识别",
    "自然语言处理",
    "增材制造",
    "柔性显示",
    "污水处理",
    "固废资源化",
    "储能变流",
    "微流控",
    "高分子",
    "智慧物流",
    "车路协同",
    "知识图谱",
];
const OBJECT: &[&str] = &[
    "检测系统",
    "控制平台",
    "分析软件",
    "生产工艺",
    "监测装置",
    "管理系统",
    "算法模型",
    "测试方法",
    "制备技术",
    "评价体系",
    "优化方案",
    "调度系统",
    "识别模块",
    "驱动电路",
    "标定装置",
    "仿真平台",
];
const KIND: &[(&str, &str, &str)] = &[
    ("development", "entrusted", "技术开发"),
    ("development", "cooperative", "合作开发"),
    ("transfer", "patent", "专利权转让"),
    ("licence", "patent", "专利实施许可"),
    ("consulting", "consulting", "技术咨询"),
    ("service", "service", "技术服务"),
    ("service", "training", "技术培训"),
];
const GENERIC: &[&str] = &[
    "技术服务合同",
    "技术开发合同",
    "技术咨询合同",
    "技术转让合同",
    "技术开发（委托）合同",
    "技术服务协议",
];
const VERB: &[&str] = &[
    "研制", "开发", "优化", "改进", "设计", "搭建", "验证", "部署", "升级", "评估",
];
const PART: &[&str] = &[
    "数据采集",
    "特征提取",
    "参数标定",
    "样机试制",
    "中试放大",
    "现场调试",
    "性能测试",
    "可靠性验证",
    "接口开发",
    "人员培训",
    "文档编制",
    "算法移植",
    "模型训练",
    "工艺验证",
    "质量追溯",
    "故障诊断",
    "能耗分析",
    "安全评估",
    "系统集成",
    "远程运维",
];
const DELIVER: &[&str] = &[
    "源代码",
    "技术报告",
    "样机",
    "工艺文件",
    "图纸",
    "测试报告",
    "专利申请文件",
    "操作手册",
    "数据集",
    "培训教材",
];
const SIMILAR: &[(char, char)] = &[
    ('测', '侧'),
    ('统', '通'),
    ('制', '治'),
    ('型', '形'),
    ('技', '枝'),
    ('术', '木'),
    ('开', '升'),
    ('发', '友'),
    ('系', '糸'),
    ('务', '各'),
    ('服', '报'),
    ('合', '含'),
];

struct Firm {
    id: i64,
    name: String,
    code: String,
    region: &'static str,
    office: i64,
}

#[derive(Clone)]
struct Gc {
    id: i64,
    code: String,
    status: &'static str,
    cat: (&'static str, &'static str),
    name: String,
    number: String,
    summary: String,
    amount: i64,
    signed: NaiveDate,
    seller: usize,
    buyer: usize,
}

fn credit_code(g: &mut Gen, n: u64) -> String {
    let base = format!(
        "91310{:012}",
        (n * 7_919 + g.below(1000)) % 1_000_000_000_000
    );
    let base: String = base.chars().take(17).collect();
    format!("{base}{}", crate::identity::credit_check_char(&base))
}

fn summary(g: &mut Gen, topic: &str, object: &str) -> String {
    let mut s = format!("{}{}{}，", g.pick(VERB), topic, object);
    let k = 3 + g.below(3);
    for _ in 0..k {
        s.push_str(&format!(
            "{}{}{}，",
            g.pick(PART),
            g.pick(&["达到", "不低于", "提升至", "控制在", "覆盖"]),
            match g.below(4) {
                0 => format!("{}%", 50 + g.below(50)),
                1 => format!("{}台套", 1 + g.below(200)),
                2 => format!("{}毫秒", 1 + g.below(900)),
                _ => format!("{}项指标", 2 + g.below(30)),
            }
        ));
    }
    s.push_str(&format!(
        "{}{}，交付{}和{}。",
        g.pick(CITY),
        g.pick(&["现场实施", "分期验收", "联合攻关", "驻场支持", "远程协作"]),
        g.pick(DELIVER),
        g.pick(DELIVER)
    ));
    s
}

/// The perturbation model of a near-duplicate's name: one of
/// swap two adjacent characters / substitute a look-alike character /
/// change punctuation and spacing (brackets full↔half width, spaces,
/// a trailing 。).
pub fn perturb_name(g: &mut Gen, name: &str) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    match g.below(3) {
        0 if chars.len() > 4 => {
            let i = 1 + g.below(chars.len() as u64 - 3) as usize;
            chars.swap(i, i + 1);
            chars.into_iter().collect()
        }
        1 => {
            let candidates: Vec<usize> = (0..chars.len())
                .filter(|i| SIMILAR.iter().any(|(a, _)| *a == chars[*i]))
                .collect();
            if let Some(i) = candidates.get(g.below(candidates.len().max(1) as u64) as usize) {
                let to = SIMILAR
                    .iter()
                    .find(|(a, _)| *a == chars[*i])
                    .map(|x| x.1)
                    .unwrap();
                chars[*i] = to;
                chars.into_iter().collect()
            } else {
                format!("{name} ")
            }
        }
        _ => {
            let s = name.replace('（', "(").replace('）', ")");
            let mid = s.chars().count() / 2;
            let (a, b): (String, String) =
                (s.chars().take(mid).collect(), s.chars().skip(mid).collect());
            format!("{a} {b}。")
        }
    }
}

/// Punctuation and spacing of a near-duplicate's summary.
fn perturb_summary(g: &mut Gen, s: &str) -> String {
    match g.below(3) {
        0 => s.replace('，', ", "),
        1 => s.replace('。', ".").replace('，', "、"),
        _ => s.to_owned(),
    }
}

fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn ts(d: NaiveDate, secs: i64) -> String {
    let t = d.and_hms_opt(2, 0, 0).unwrap().and_utc() + Duration::seconds(secs);
    format!("'{}'", t.format("%Y-%m-%dT%H:%M:%S+00:00"))
}

fn opt(v: Option<i64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "NULL".into())
}

pub struct Report {
    pub contracts: u64,
    pub near_duplicates: u64,
    pub renewals: u64,
    pub generic: u64,
    pub firms: u64,
}

async fn ensure_offices<C: ConnectionTrait>(db: &C) -> Result<Vec<(i64, String)>, DbErr> {
    let now = chrono::Utc::now();
    if office::Entity::find().count(db).await? == 0 {
        for d in crate::dictionary::SHANGHAI {
            crate::org::create_office(
                db,
                crate::org::NewOffice {
                    code: &format!("SH{}", d.code),
                    name: &format!("{}技术合同登记处", d.name),
                    kind: crate::org::KIND_DISTRICT,
                    district_code: Some(d.code),
                    address: "",
                    phone: "",
                    head_name: "",
                    handles: "",
                },
                now,
            )
            .await?;
        }
    }
    Ok(office::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.district_code.unwrap_or_else(|| "310101".into())))
        .collect())
}

async fn next_id<C: ConnectionTrait>(db: &C, table: &str) -> Result<i64, DbErr> {
    let r = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COALESCE(MAX(id), 0) AS m FROM {table}"),
        ))
        .await?;
    Ok(r.map(|r| r.try_get::<i64>("", "m"))
        .transpose()?
        .unwrap_or(0)
        + 1)
}

async fn bump_sequence<C: ConnectionTrait>(db: &C, table: &str) -> Result<(), DbErr> {
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        db.execute_unprepared(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
        ))
        .await?;
    }
    Ok(())
}

/// Generates `n` contracts (with parties, enterprises for the sellers and
/// the index rows) from `seed`.
pub async fn seed_contracts<C: ConnectionTrait>(
    db: &C,
    n: u64,
    seed: u64,
) -> Result<Report, DbErr> {
    let mut g = Gen::new(seed);
    let offices = ensure_offices(db).await?;
    let firms_n = (n / 8).max(40);
    let first_firm = next_id(db, "enterprise").await?;
    let now = ts(NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(), 0);
    let mut firms = Vec::with_capacity(firms_n as usize);
    let mut rows = Vec::new();
    for i in 0..firms_n {
        let (office, region) = offices[(i as usize) % offices.len()].clone();
        let name = format!(
            "{}{}{}{}{}",
            g.pick(CITY),
            g.pick(WORD),
            g.pick(WORD),
            g.pick(FIRM),
            g.pick(FORM)
        );
        let name = format!(
            "{name}{}",
            if i % 3 == 0 {
                format!("（{}）", i)
            } else {
                String::new()
            }
        );
        let f = Firm {
            id: first_firm + i as i64,
            code: credit_code(&mut g, first_firm as u64 + i),
            name,
            region: crate::dictionary::SHANGHAI
                .iter()
                .find(|d| d.code == region)
                .map(|d| d.code)
                .unwrap_or("310101"),
            office,
        };
        rows.push(format!(
            "({}, {}, {}, {}, 'verified', {now}, {now})",
            f.id,
            q(&f.code),
            q(&f.name),
            q(f.region)
        ));
        firms.push(f);
        if rows.len() == 1000 || i + 1 == firms_n {
            db.execute_unprepared(&format!(
                "INSERT INTO enterprise (id, credit_code, name, district_code, status, created_at, updated_at) VALUES {}",
                rows.join(",")
            ))
            .await?;
            rows.clear();
        }
    }
    bump_sequence(db, "enterprise").await?;

    let first = next_id(db, "contract").await?;
    let start = NaiveDate::from_ymd_opt(2019, 1, 1).unwrap();
    let span = (NaiveDate::from_ymd_opt(2026, 10, 31).unwrap() - start).num_days() as u64;
    let mut recent: Vec<Gc> = Vec::new();
    let mut report = Report {
        contracts: n,
        near_duplicates: 0,
        renewals: 0,
        generic: 0,
        firms: firms_n,
    };
    let (mut cs, mut ps, mut fs) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        let id = first + i as i64;
        let roll = g.below(1000);
        let pick = g.below(recent.len().max(1) as u64) as usize;
        let base = recent.get(pick).cloned();
        let c = match base {
            Some(b) if roll < NEAR_DUPLICATE_PERMILLE => {
                report.near_duplicates += 1;
                let delta = 1.0 + (g.unit() * 2.0 - 1.0) * 0.009;
                let shift = 1 + g.below(20) as i64;
                let shift = if g.below(2) == 0 { shift } else { -shift };
                Gc {
                    id,
                    code: format!("SEED{id}D{}", b.id),
                    name: perturb_name(&mut g, &b.name),
                    number: if g.permille(SAME_NUMBER_PERMILLE) {
                        b.number.clone()
                    } else {
                        format!("{}-{}", b.number, 1 + g.below(9))
                    },
                    summary: perturb_summary(&mut g, &b.summary),
                    amount: ((b.amount as f64 * delta).round() as i64).max(1),
                    signed: b.signed + Duration::days(shift),
                    ..b
                }
            }
            Some(b)
                if roll < NEAR_DUPLICATE_PERMILLE + RENEWAL_PERMILLE
                    && b.signed + Duration::days(400) < start + Duration::days(span as i64) =>
            {
                report.renewals += 1;
                let factor = 0.85 + g.unit() * 0.4;
                let signed = b.signed + Duration::days(335 + g.below(61) as i64);
                Gc {
                    id,
                    code: format!("SEED{id}R{}", b.id),
                    number: format!(
                        "{}-{}",
                        b.number.split('-').next().unwrap_or("HT"),
                        signed.year()
                    ),
                    amount: ((b.amount as f64 * factor / 100.0).round() as i64) * 100,
                    signed,
                    ..b
                }
            }
            _ => {
                let generic = g.permille(GENERIC_PERMILLE);
                let seller = g.below(firms_n) as usize;
                let mut buyer = g.below(firms_n) as usize;
                if buyer == seller {
                    buyer = (buyer + 1) % firms_n as usize;
                }
                let (cat, sub, label) = *g.pick(KIND);
                let (topic, object) = (*g.pick(TOPIC), *g.pick(OBJECT));
                let name = if generic {
                    report.generic += 1;
                    (*g.pick(GENERIC)).to_owned()
                } else {
                    format!("{topic}{object}{label}合同")
                };
                // Log-uniform from 10 000 to 10 000 000 yuan, whole hundreds.
                let yuan = 10f64.powf(4.0 + g.unit() * 3.0);
                let signed = start + Duration::days(g.below(span) as i64);
                Gc {
                    id,
                    code: format!("SEED{id}{}", if generic { "G" } else { "B" }),
                    status: match g.below(20) {
                        0 => "submitted",
                        1 | 2 => "reviewing",
                        _ => "registered",
                    },
                    cat: (cat, sub),
                    name,
                    number: format!(
                        "{}{}-{:05}",
                        g.pick(&["HT", "JS", "KF", "FW"]),
                        signed.year(),
                        g.below(100_000)
                    ),
                    summary: summary(&mut g, topic, object),
                    amount: (yuan / 100.0).round() as i64 * 100 * 100,
                    signed,
                    seller,
                    buyer,
                }
            }
        };
        if c.code.contains('R') {
            // Later renewals and copies follow from this one: one renewal
            // per contract and year.
            recent[pick] = c.clone();
        } else if c.code.ends_with('B') || c.code.ends_with('G') {
            if recent.len() < 20_000 {
                recent.push(c.clone());
            } else {
                let k = g.below(recent.len() as u64) as usize;
                recent[k] = c.clone();
            }
        }
        let (s, b) = (&firms[c.seller], &firms[c.buyer]);
        let submitted = c.signed + Duration::days(5 + (c.id % 40));
        let registered = c.status == "registered";
        cs.push(format!(
            "({id}, {}, '2026', {}, {}, {}, {}, {}, {}, {}, '{}', '{}', '{}', {}, {}, 'lump_sum', {}, {}, 0, 'seller', 63, {}, {}, {}, {}, {}, 1, {}, {}, 1)",
            q(&c.code),
            q(c.status),
            q(c.cat.0),
            q(c.cat.1),
            q(c.cat.0),
            q(c.cat.1),
            q(&c.name),
            q(&c.number),
            c.signed,
            c.signed,
            c.signed + Duration::days(365),
            c.amount,
            c.amount,
            q(&c.summary),
            s.id,
            s.office,
            if registered { q(&format!("S{id:012}")) } else { "NULL".into() },
            ts(submitted, 0),
            ts(submitted, 86_400),
            if registered { ts(submitted, 864_000) } else { "NULL".into() },
            ts(submitted, -3600),
            ts(submitted, 0),
        ));
        for (seq, role, f) in [(1, "seller", s), (2, "buyer", b)] {
            ps.push(format!(
                "({id}, '{role}', {seq}, {}, {}, {}, '150', '')",
                q(&f.name),
                q(&f.code),
                q(f.region)
            ));
        }
        let doc = Doc {
            name: c.name.clone(),
            contract_number: c.number.clone(),
            summary: c.summary.clone(),
            deal_amount: Some(c.amount),
            signed_on: Some(c.signed),
            seller: party_key(&s.name, Some(&s.code)),
            buyer: party_key(&b.name, Some(&b.code)),
        };
        let bs = bands(&doc.shingles());
        fs.push(format!(
            "({id}, {}, {}, {}, {}, {})",
            opt(doc.number_key()),
            opt(doc.content_key()),
            doc.seller,
            doc.buyer,
            bs.iter().map(|b| opt(*b)).collect::<Vec<_>>().join(", ")
        ));
        if cs.len() == 1000 || i + 1 == n {
            db.execute_unprepared(&format!(
                "INSERT INTO contract (id, approval_code, rule_version, status, category, subtype, five_category, five_subtype, name, contract_number, signed_on, valid_from, valid_to, deal_amount, tech_amount, payment_method, summary, enterprise_id, applicant_user_id, applicant_side, steps_done, office_id, registration_number, submitted_at, accepted_at, registered_at, round, created_at, updated_at, version) VALUES {}",
                cs.join(",")
            ))
            .await?;
            db.execute_unprepared(&format!(
                "INSERT INTO contract_party (contract_id, role, seq, name, credit_code, region, legal_form, contact) VALUES {}",
                ps.join(",")
            ))
            .await?;
            db.execute_unprepared(&format!(
                "INSERT INTO contract_fingerprint (contract_id, number_key, content_key, seller_key, buyer_key, b0, b1, b2, b3, b4, b5) VALUES {}",
                fs.join(",")
            ))
            .await?;
            cs.clear();
            ps.clear();
            fs.clear();
        }
    }
    bump_sequence(db, "contract").await?;
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        db.execute_unprepared(
            "ANALYZE contract; ANALYZE contract_party; ANALYZE contract_fingerprint",
        )
        .await?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_deterministic_and_perturbations_stay_close() {
        let (mut a, mut b) = (Gen::new(7), Gen::new(7));
        assert_eq!(
            (0..5).map(|_| a.next_u64()).collect::<Vec<_>>(),
            (0..5).map(|_| b.next_u64()).collect::<Vec<_>>()
        );
        let mut g = Gen::new(1);
        for _ in 0..50 {
            let name = "机器视觉检测系统技术开发合同";
            let p = perturb_name(&mut g, name);
            let (x, y) = (
                crate::duplicates::shingles(&crate::duplicates::normalize(name), 3),
                crate::duplicates::shingles(&crate::duplicates::normalize(&p), 3),
            );
            assert!(crate::duplicates::jaccard(&x, &y) >= 0.5, "{p}");
        }
    }
}
