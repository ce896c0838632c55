//! The batch check for supervision: clusters of duplicate and possibly
//! duplicate contracts among those submitted in a period (and office),
//! exportable to Excel.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use techreg_entities::contract::{attachment, contract, duplicate_decision, fingerprint, party};
use techreg_entities::org::office;

use super::Duplicates;
use super::model::{Doc, NOT_DUPLICATE, Thresholds, pair};
use super::similarity::score;
use crate::core::Coverage;
use crate::core::period::Period;

/// Band groups larger than this are not compared pair by pair (texts that
/// many contracts share are templates, not duplicates).
const MAX_GROUP: usize = 50;

#[derive(Clone, Debug)]
pub struct Member {
    pub contract: contract::Model,
    pub office: String,
    pub seller: String,
    pub buyer: String,
    /// The contract's status as shown.
    pub status: &'static str,
}

#[derive(Clone, Debug)]
pub struct Cluster {
    pub members: Vec<Member>,
    /// 重复 when any link is exact, otherwise 可能重复.
    pub exact: bool,
    pub reasons: BTreeSet<String>,
}

struct Uf(BTreeMap<i64, i64>);

impl Uf {
    fn find(&mut self, x: i64) -> i64 {
        let p = *self.0.entry(x).or_insert(x);
        if p == x {
            return x;
        }
        let r = self.find(p);
        self.0.insert(x, r);
        r
    }
    fn union(&mut self, a: i64, b: i64) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.0.insert(Ord::max(ra, rb), Ord::min(ra, rb));
        }
    }
}

/// What links the contracts found so far: the union-find over them, the
/// reasons per contract and which ones are linked exactly.
struct Links {
    uf: Uf,
    reasons: BTreeMap<i64, BTreeSet<String>>,
    exact: BTreeSet<i64>,
}

impl Links {
    fn exact(&mut self, members: &[i64], why: &str) {
        for m in members {
            self.uf.union(members[0], *m);
            self.exact.insert(*m);
            self.reasons.entry(*m).or_default().insert(why.into());
        }
    }
}

/// Duplicate clusters among the live contracts submitted in `period` at
/// the covered offices.
pub async fn clusters<C: ConnectionTrait>(
    cx: &Duplicates,
    db: &C,
    period: Period,
    coverage: &Coverage,
    t: &Thresholds,
) -> Result<Vec<Cluster>, DbErr> {
    let (ids, keys) = index_keys(cx, db, period, coverage).await?;
    let mut links = Links {
        uf: Uf(BTreeMap::new()),
        reasons: BTreeMap::new(),
        exact: BTreeSet::new(),
    };
    let mut band_pairs: BTreeSet<(i64, i64)> = BTreeSet::new();
    for ((slot, _), members) in &keys {
        if members.len() < 2 {
            continue;
        }
        match slot {
            0 => links.exact(members, "卖方、买方相同且合同编号相同"),
            1 => links.exact(members, "合同名称、成交额、签订日期均相同"),
            _ if members.len() <= MAX_GROUP => {
                for (i, a) in members.iter().enumerate() {
                    for b in &members[i + 1..] {
                        band_pairs.insert(pair(*a, *b));
                    }
                }
            }
            _ => {}
        }
    }
    link_same_scans(db, &ids, &mut links).await?;
    link_possible(db, &band_pairs, t, &mut links).await?;
    assemble(cx, db, links).await
}

/// The contracts in scope and, per index column (0 number key, 1 content
/// key, 2–7 the bands) and value, the contracts that have it.
async fn index_keys<C: ConnectionTrait>(
    cx: &Duplicates,
    db: &C,
    period: Period,
    coverage: &Coverage,
) -> Result<(BTreeSet<i64>, BTreeMap<(u8, i64), Vec<i64>>), DbErr> {
    const COLUMNS: [&str; 8] = [
        "number_key",
        "content_key",
        "b0",
        "b1",
        "b2",
        "b3",
        "b4",
        "b5",
    ];
    let (fp, c) = (Alias::new("contract_fingerprint"), Alias::new("contract"));
    let mut q = Query::select();
    q.column((fp.clone(), Alias::new("contract_id")));
    for col in COLUMNS {
        q.column((fp.clone(), Alias::new(col)));
    }
    q.from(fp.clone())
        .inner_join(
            c.clone(),
            Expr::col((c.clone(), Alias::new("id")))
                .equals((fp.clone(), Alias::new("contract_id"))),
        )
        .and_where(Expr::col((c.clone(), Alias::new("submitted_at"))).gte(period.start_utc()))
        .and_where(Expr::col((c.clone(), Alias::new("submitted_at"))).lt(period.end_utc()))
        .and_where(
            Expr::col((c.clone(), Alias::new("status"))).is_in(cx.statuses.live().iter().copied()),
        );
    if let Coverage::Offices(ids) = coverage {
        q.and_where(Expr::col((c.clone(), Alias::new("office_id"))).is_in(ids.iter().copied()));
    }
    let mut keys: BTreeMap<(u8, i64), Vec<i64>> = BTreeMap::new();
    let mut ids = BTreeSet::new();
    for r in db.query_all(&q).await? {
        let id: i64 = r.try_get("", "contract_id")?;
        ids.insert(id);
        for (slot, col) in COLUMNS.iter().enumerate() {
            let v: Option<i64> = r.try_get("", col)?;
            if let Some(v) = v {
                keys.entry((slot as u8, v)).or_default().push(id);
            }
        }
    }
    Ok((ids, keys))
}

/// Contracts whose contract-text scans have the same digest.
async fn link_same_scans<C: ConnectionTrait>(
    db: &C,
    ids: &BTreeSet<i64>,
    links: &mut Links,
) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut by_digest: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let list: Vec<i64> = ids.iter().copied().collect();
    for chunk in list.chunks(5000) {
        for a in attachment::Entity::find()
            .filter(attachment::Column::Kind.eq("contract"))
            .filter(attachment::Column::ContractId.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            by_digest.entry(a.digest).or_default().push(a.contract_id);
        }
    }
    for members in by_digest.values_mut() {
        members.sort_unstable();
        members.dedup();
        if members.len() >= 2 {
            links.exact(members, "合同文本扫描件相同");
        }
    }
    Ok(())
}

/// Possible duplicates: the pairs that share a band and score high
/// enough, unless decided "not a duplicate".
async fn link_possible<C: ConnectionTrait>(
    db: &C,
    band_pairs: &BTreeSet<(i64, i64)>,
    t: &Thresholds,
    links: &mut Links,
) -> Result<(), DbErr> {
    let candidates: BTreeSet<i64> = band_pairs.iter().flat_map(|(a, b)| [*a, *b]).collect();
    let docs = docs_of(db, &candidates).await?;
    let mut decided: BTreeSet<(i64, i64)> = BTreeSet::new();
    if !band_pairs.is_empty() {
        let list: Vec<i64> = candidates.iter().copied().collect();
        for chunk in list.chunks(5000) {
            for d in duplicate_decision::Entity::find()
                .filter(duplicate_decision::Column::ContractA.is_in(chunk.iter().copied()))
                .filter(duplicate_decision::Column::Decision.eq(NOT_DUPLICATE))
                .all(db)
                .await?
            {
                decided.insert((d.contract_a, d.contract_b));
            }
        }
    }
    let shingles: BTreeMap<i64, Vec<u64>> =
        docs.iter().map(|(id, d)| (*id, d.shingles())).collect();
    for (a, b) in band_pairs {
        if decided.contains(&(*a, *b)) {
            continue;
        }
        let (Some(da), Some(db_)) = (docs.get(a), docs.get(b)) else {
            continue;
        };
        let s = score(da, &shingles[a], db_, &shingles[b], t);
        if s.score >= t.min_score {
            links.uf.union(*a, *b);
            for m in [a, b] {
                links
                    .reasons
                    .entry(*m)
                    .or_default()
                    .insert(format!("可能重复（评分 {}）", s.score));
            }
        }
    }
    Ok(())
}

/// The linked groups of two or more as clusters, with their contracts,
/// first parties and offices; exact clusters first.
async fn assemble<C: ConnectionTrait>(
    cx: &Duplicates,
    db: &C,
    mut links: Links,
) -> Result<Vec<Cluster>, DbErr> {
    let linked: Vec<i64> = links.uf.0.keys().copied().collect();
    let mut groups: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for id in linked {
        let root = links.uf.find(id);
        groups.entry(root).or_default().push(id);
    }
    let member_ids: Vec<i64> = groups
        .values()
        .filter(|g| g.len() > 1)
        .flatten()
        .copied()
        .collect();
    let (mut contracts, parties) = contracts_of(db, &member_ids).await?;
    let offices: BTreeMap<i64, String> = office::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let mut out = Vec::new();
    for g in groups.values().filter(|g| g.len() > 1) {
        let mut members = Vec::new();
        let mut why = BTreeSet::new();
        for id in g {
            let Some(c) = contracts.remove(id) else {
                continue;
            };
            why.extend(links.reasons.get(id).cloned().unwrap_or_default());
            let ps = parties.get(id).map(Vec::as_slice).unwrap_or(&[]);
            let first = |role: &str| {
                ps.iter()
                    .find(|p| p.role == role)
                    .map(|p| p.name.clone())
                    .unwrap_or_default()
            };
            members.push(Member {
                office: c
                    .office_id
                    .and_then(|o| offices.get(&o).cloned())
                    .unwrap_or_default(),
                seller: first("seller"),
                buyer: first("buyer"),
                status: cx.statuses.label(&c.status),
                contract: c,
            });
        }
        members.sort_by_key(|m| m.contract.id);
        out.push(Cluster {
            exact: g.iter().any(|id| links.exact.contains(id)),
            members,
            reasons: why,
        });
    }
    out.sort_by(|a, b| {
        b.exact
            .cmp(&a.exact)
            .then(a.members[0].contract.id.cmp(&b.members[0].contract.id))
    });
    Ok(out)
}

type Loaded = (
    BTreeMap<i64, contract::Model>,
    BTreeMap<i64, Vec<party::Model>>,
);

async fn contracts_of<C: ConnectionTrait>(db: &C, ids: &[i64]) -> Result<Loaded, DbErr> {
    let mut contracts: BTreeMap<i64, contract::Model> = BTreeMap::new();
    let mut parties: BTreeMap<i64, Vec<party::Model>> = BTreeMap::new();
    for chunk in ids.chunks(5000) {
        for c in contract::Entity::find()
            .filter(contract::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            contracts.insert(c.id, c);
        }
        for p in party::Entity::find()
            .filter(party::Column::ContractId.is_in(chunk.iter().copied()))
            .order_by_asc(party::Column::Seq)
            .all(db)
            .await?
        {
            parties.entry(p.contract_id).or_default().push(p);
        }
    }
    Ok((contracts, parties))
}

async fn docs_of<C: ConnectionTrait>(
    db: &C,
    ids: &BTreeSet<i64>,
) -> Result<BTreeMap<i64, Doc>, DbErr> {
    let mut out = BTreeMap::new();
    let list: Vec<i64> = ids.iter().copied().collect();
    for chunk in list.chunks(5000) {
        let keys: BTreeMap<i64, (i64, i64)> = fingerprint::Entity::find()
            .filter(fingerprint::Column::ContractId.is_in(chunk.iter().copied()))
            .all(db)
            .await?
            .into_iter()
            .map(|f| (f.contract_id, (f.seller_key, f.buyer_key)))
            .collect();
        for c in contract::Entity::find()
            .filter(contract::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            let (seller, buyer) = keys.get(&c.id).copied().unwrap_or((0, 0));
            out.insert(
                c.id,
                Doc {
                    name: c.name,
                    contract_number: c.contract_number,
                    summary: c.summary,
                    deal_amount: c.deal_amount,
                    signed_on: c.signed_on,
                    seller,
                    buyer,
                },
            );
        }
    }
    Ok(out)
}

pub fn to_xlsx(
    period: Period,
    clusters: &[Cluster],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let head = Format::new()
        .set_bold()
        .set_background_color("F0F3F7")
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("重复合同")?;
    ws.write_string(
        0,
        0,
        format!(
            "重复与可能重复合同（{}），共 {} 组",
            period.label(),
            clusters.len()
        ),
    )?;
    let headers = [
        "组号",
        "类型",
        "统一审批编码",
        "登记编号",
        "合同名称",
        "合同编号",
        "卖方",
        "买方",
        "成交额（元）",
        "签订日期",
        "状态",
        "登记处",
        "理由",
    ];
    for (col, h) in headers.iter().enumerate() {
        ws.write_string_with_format(1, col as u16, *h, &head)?;
    }
    let mut row = 2u32;
    for (n, cl) in clusters.iter().enumerate() {
        let reasons = cl.reasons.iter().cloned().collect::<Vec<_>>().join("；");
        for m in &cl.members {
            let c = &m.contract;
            ws.write_number(row, 0, (n + 1) as f64)?;
            ws.write_string(row, 1, if cl.exact { "重复" } else { "可能重复" })?;
            ws.write_string(row, 2, &c.approval_code)?;
            ws.write_string(row, 3, c.registration_number.as_deref().unwrap_or(""))?;
            ws.write_string(row, 4, &c.name)?;
            ws.write_string(row, 5, &c.contract_number)?;
            ws.write_string(row, 6, &m.seller)?;
            ws.write_string(row, 7, &m.buyer)?;
            if let Some(a) = c.deal_amount {
                ws.write_number(row, 8, a as f64 / 100.0)?;
            }
            ws.write_string(
                row,
                9,
                c.signed_on.map(|d| d.to_string()).unwrap_or_default(),
            )?;
            ws.write_string(row, 10, m.status)?;
            ws.write_string(row, 11, &m.office)?;
            ws.write_string(row, 12, &reasons)?;
            row += 1;
        }
    }
    ws.set_column_width(2, 24)?;
    ws.set_column_width(4, 36)?;
    ws.set_column_width(6, 30)?;
    ws.set_column_width(7, 30)?;
    ws.set_column_width(12, 40)?;
    wb.save_to_buffer()
}
