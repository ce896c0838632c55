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

use super::words::{
    CITY, FIRM, FORM, GENERIC, Gen, KIND, OBJECT, TOPIC, WORD, perturb_name, perturb_summary,
    summary,
};
use crate::duplicates::{Doc, bands, party_key};

/// Rates (per mille) of the kinds of generated contracts.
pub const NEAR_DUPLICATE_PERMILLE: u64 = 20;
pub const RENEWAL_PERMILLE: u64 = 40;
pub const GENERIC_PERMILLE: u64 = 150;
/// Near-duplicates keep the original's contract number this often (per
/// mille), so they are exact duplicates too.
pub const SAME_NUMBER_PERMILLE: u64 = 300;

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

/// The sellers and buyers: `n` enterprises spread over the offices.
async fn seed_firms<C: ConnectionTrait>(
    db: &C,
    g: &mut Gen,
    offices: &[(i64, String)],
    firms_n: u64,
) -> Result<Vec<Firm>, DbErr> {
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
            code: credit_code(g, first_firm as u64 + i),
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
    Ok(firms)
}

fn near_duplicate(g: &mut Gen, id: i64, b: Gc) -> Gc {
    let delta = 1.0 + (g.unit() * 2.0 - 1.0) * 0.009;
    let shift = 1 + g.below(20) as i64;
    let shift = if g.below(2) == 0 { shift } else { -shift };
    Gc {
        id,
        code: format!("SEED{id}D{}", b.id),
        name: perturb_name(g, &b.name),
        number: if g.permille(SAME_NUMBER_PERMILLE) {
            b.number.clone()
        } else {
            format!("{}-{}", b.number, 1 + g.below(9))
        },
        summary: perturb_summary(g, &b.summary),
        amount: ((b.amount as f64 * delta).round() as i64).max(1),
        signed: b.signed + Duration::days(shift),
        ..b
    }
}

fn renewal(g: &mut Gen, id: i64, b: Gc) -> Gc {
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

/// What the contracts are drawn from: the period they are signed in, the
/// recent originals a copy or renewal may follow, and the counts so far.
struct Plan {
    start: NaiveDate,
    span: u64,
    recent: Vec<Gc>,
    report: Report,
}

impl Plan {
    fn new(n: u64, firms: u64) -> Plan {
        let start = NaiveDate::from_ymd_opt(2019, 1, 1).unwrap();
        Plan {
            start,
            span: (NaiveDate::from_ymd_opt(2026, 10, 31).unwrap() - start).num_days() as u64,
            recent: Vec::new(),
            report: Report {
                contracts: n,
                near_duplicates: 0,
                renewals: 0,
                generic: 0,
                firms,
            },
        }
    }

    /// The next contract: a near-duplicate, a renewal or an original.
    fn next(&mut self, g: &mut Gen, id: i64) -> Gc {
        let roll = g.below(1000);
        let pick = g.below(self.recent.len().max(1) as u64) as usize;
        let base = self.recent.get(pick).cloned();
        let c = match base {
            Some(b) if roll < NEAR_DUPLICATE_PERMILLE => {
                self.report.near_duplicates += 1;
                near_duplicate(g, id, b)
            }
            Some(b)
                if roll < NEAR_DUPLICATE_PERMILLE + RENEWAL_PERMILLE
                    && b.signed + Duration::days(400)
                        < self.start + Duration::days(self.span as i64) =>
            {
                self.report.renewals += 1;
                renewal(g, id, b)
            }
            _ => self.original(g, id),
        };
        if c.code.contains('R') {
            // Later renewals and copies follow from this one: one renewal
            // per contract and year.
            self.recent[pick] = c.clone();
        } else if c.code.ends_with('B') || c.code.ends_with('G') {
            if self.recent.len() < 20_000 {
                self.recent.push(c.clone());
            } else {
                let k = g.below(self.recent.len() as u64) as usize;
                self.recent[k] = c.clone();
            }
        }
        c
    }

    fn original(&mut self, g: &mut Gen, id: i64) -> Gc {
        let generic = g.permille(GENERIC_PERMILLE);
        let seller = g.below(self.report.firms) as usize;
        let mut buyer = g.below(self.report.firms) as usize;
        if buyer == seller {
            buyer = (buyer + 1) % self.report.firms as usize;
        }
        let (cat, sub, label) = *g.pick(KIND);
        let (topic, object) = (*g.pick(TOPIC), *g.pick(OBJECT));
        let name = if generic {
            self.report.generic += 1;
            (*g.pick(GENERIC)).to_owned()
        } else {
            format!("{topic}{object}{label}合同")
        };
        // Log-uniform from 10 000 to 10 000 000 yuan, whole hundreds.
        let yuan = 10f64.powf(4.0 + g.unit() * 3.0);
        let signed = self.start + Duration::days(g.below(self.span) as i64);
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
            summary: summary(g, topic, object),
            amount: (yuan / 100.0).round() as i64 * 100 * 100,
            signed,
            seller,
            buyer,
        }
    }
}

/// Rows waiting for their multi-row INSERTs.
#[derive(Default)]
struct Batch {
    contracts: Vec<String>,
    parties: Vec<String>,
    fingerprints: Vec<String>,
}

impl Batch {
    fn push(&mut self, c: &Gc, firms: &[Firm]) {
        let (id, s, b) = (c.id, &firms[c.seller], &firms[c.buyer]);
        let submitted = c.signed + Duration::days(5 + (c.id % 40));
        let registered = c.status == "registered";
        self.contracts.push(format!(
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
            self.parties.push(format!(
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
        self.fingerprints.push(format!(
            "({id}, {}, {}, {}, {}, {})",
            opt(doc.number_key()),
            opt(doc.content_key()),
            doc.seller,
            doc.buyer,
            bs.iter().map(|b| opt(*b)).collect::<Vec<_>>().join(", ")
        ));
    }

    async fn flush<C: ConnectionTrait>(&mut self, db: &C) -> Result<(), DbErr> {
        db.execute_unprepared(&format!(
        "INSERT INTO contract (id, approval_code, rule_version, status, category, subtype, five_category, five_subtype, name, contract_number, signed_on, valid_from, valid_to, deal_amount, tech_amount, payment_method, summary, enterprise_id, applicant_user_id, applicant_side, steps_done, office_id, registration_number, submitted_at, accepted_at, registered_at, round, created_at, updated_at, version) VALUES {}",
        self.contracts.join(",")
    ))
    .await?;
        db.execute_unprepared(&format!(
        "INSERT INTO contract_party (contract_id, role, seq, name, credit_code, region, legal_form, contact) VALUES {}",
        self.parties.join(",")
    ))
    .await?;
        db.execute_unprepared(&format!(
        "INSERT INTO contract_fingerprint (contract_id, number_key, content_key, seller_key, buyer_key, b0, b1, b2, b3, b4, b5) VALUES {}",
        self.fingerprints.join(",")
    ))
    .await?;
        self.contracts.clear();
        self.parties.clear();
        self.fingerprints.clear();
        Ok(())
    }
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
    let firms = seed_firms(db, &mut g, &offices, firms_n).await?;
    let first = next_id(db, "contract").await?;
    let mut plan = Plan::new(n, firms_n);
    let mut batch = Batch::default();
    for i in 0..n {
        let c = plan.next(&mut g, first + i as i64);
        batch.push(&c, &firms);
        if batch.contracts.len() == 1000 || i + 1 == n {
            batch.flush(db).await?;
        }
    }
    bump_sequence(db, "contract").await?;
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        db.execute_unprepared(
            "ANALYZE contract; ANALYZE contract_party; ANALYZE contract_fingerprint",
        )
        .await?;
    }
    Ok(plan.report)
}
