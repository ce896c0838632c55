//! The similarity measure: normalisation, character trigrams, MinHash-LSH
//! band hashes, exact keys and the score of two contracts. Pure functions
//! with fixed seeds, so every node (and every rebuild) computes the same.

use super::model::{Doc, Score, Thresholds};

/// LSH bands and MinHash rows per band (24 MinHash values).
pub const BANDS: usize = 6;
pub const ROWS: usize = 4;
pub(super) const K: usize = BANDS * ROWS;

/// Full-width to half-width, lower case, without whitespace and
/// punctuation (anything that is not a letter or a digit, in any script).
pub fn normalize(s: &str) -> String {
    crate::core::text::to_half_width(s)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A contract name for comparison: normalised, without a trailing
/// 合同书/合同/协议书/协议 (the same contract is often called either).
pub fn normalize_name(s: &str) -> String {
    let n = normalize(s);
    for suffix in ["合同书", "协议书", "合同", "协议"] {
        if let Some(stem) = n.strip_suffix(suffix)
            && !stem.is_empty()
        {
            return stem.to_owned();
        }
    }
    n
}

/// A party's identity: its credit code when it has one, otherwise its
/// normalised name (有限责任公司 and 有限公司 taken as the same).
pub fn party_key(name: &str, credit_code: Option<&str>) -> i64 {
    match credit_code
        .map(crate::core::text::normalize_code)
        .filter(|c| !c.is_empty())
    {
        Some(code) => key(&["c", &code]),
        None => key(&["n", &normalize(name).replace("有限责任公司", "有限公司")]),
    }
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// FNV-1a over the bytes, finished with splitmix64: stable across builds
/// and platforms (unlike `std`'s hasher).
fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01B3);
    }
    splitmix64(h)
}

/// A 64-bit key of the parts (length-prefixed, so parts cannot run into
/// each other).
pub fn key(parts: &[&str]) -> i64 {
    let mut buf = Vec::new();
    for p in parts {
        buf.extend_from_slice(&(p.len() as u32).to_le_bytes());
        buf.extend_from_slice(p.as_bytes());
    }
    hash_bytes(&buf) as i64
}

/// Hashes of the character n-grams of `text` (already normalised), sorted
/// and without repeats; a text shorter than `n` is one shingle.
pub fn shingles(text: &str, n: usize) -> Vec<u64> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<u64> = if chars.is_empty() {
        Vec::new()
    } else if chars.len() < n {
        vec![hash_bytes(text.as_bytes())]
    } else {
        let mut buf = String::new();
        chars
            .windows(n)
            .map(|w| {
                buf.clear();
                buf.extend(w);
                hash_bytes(buf.as_bytes())
            })
            .collect()
    };
    out.sort_unstable();
    out.dedup();
    out
}

/// |A ∩ B| / |A ∪ B| of two sorted sets; 0 when both are empty.
pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    common as f64 / (a.len() + b.len() - common) as f64
}

fn seeds() -> &'static [u64; K] {
    static SEEDS: std::sync::OnceLock<[u64; K]> = std::sync::OnceLock::new();
    SEEDS.get_or_init(|| std::array::from_fn(|i| splitmix64(0x7EC4_2E60_0000_0000 + i as u64)))
}

/// The MinHash signature of a shingle set (fixed seeds).
pub fn minhash(shingles: &[u64]) -> [u64; K] {
    let seeds = seeds();
    let mut sig = [u64::MAX; K];
    for s in shingles {
        for (k, seed) in seeds.iter().enumerate() {
            let h = splitmix64(s ^ seed);
            if h < sig[k] {
                sig[k] = h;
            }
        }
    }
    sig
}

/// The band hashes of a shingle set; `None` for an empty text.
pub fn bands(shingles: &[u64]) -> [Option<i64>; BANDS] {
    if shingles.is_empty() {
        return [None; BANDS];
    }
    let sig = minhash(shingles);
    std::array::from_fn(|b| {
        let mut buf = Vec::with_capacity(1 + ROWS * 8);
        buf.push(b as u8);
        for v in &sig[b * ROWS..(b + 1) * ROWS] {
            buf.extend_from_slice(&v.to_le_bytes());
        }
        Some(hash_bytes(&buf) as i64)
    })
}

/// Similarity of two contracts: 40 % text (Jaccard of character trigrams
/// of normalised name and summary), 30 % parties, 30 % deal amount, the
/// whole scaled by how close the signing dates are (1 within the window,
/// falling to 0 at three windows: yearly renewals are not duplicates).
pub fn score(a: &Doc, a_sh: &[u64], b: &Doc, b_sh: &[u64], t: &Thresholds) -> Score {
    let mut reasons = Vec::new();
    let text = jaccard(a_sh, b_sh);
    if normalize_name(&a.name) == normalize_name(&b.name) {
        reasons.push("合同名称相同".to_owned());
    }
    reasons.push(format!("名称与摘要相似度 {:.0}%", text * 100.0));
    let parties = match (a.seller == b.seller, a.buyer == b.buyer) {
        (true, true) => {
            reasons.push("卖方、买方均相同".into());
            1.0
        }
        (true, false) => {
            reasons.push("卖方相同、买方不同".into());
            0.5
        }
        (false, true) => {
            reasons.push("买方相同、卖方不同".into());
            0.5
        }
        (false, false) => {
            reasons.push("当事人不同".into());
            0.0
        }
    };
    let amount = match (a.deal_amount, b.deal_amount) {
        (Some(x), Some(y)) if x.max(y) > 0 => {
            let rel = (x - y).abs() as f64 / x.max(y) as f64;
            if rel == 0.0 {
                reasons.push("成交额相同".into());
            } else {
                reasons.push(format!("成交额相差 {:.1}%", rel * 100.0));
            }
            let tol = (t.amount_tolerance_pct.max(1) as f64) / 100.0;
            (1.0 - rel / tol).max(0.0)
        }
        _ => 0.5,
    };
    let window = t.date_window_days.max(1);
    let date = match (a.signed_on, b.signed_on) {
        (Some(x), Some(y)) => {
            let d = (x - y).num_days().abs();
            if d == 0 {
                reasons.push("签订日期相同".into());
            } else {
                reasons.push(format!("签订日期相差 {d} 天"));
            }
            if d <= window {
                1.0
            } else {
                (1.0 - (d - window) as f64 / (2 * window) as f64).max(0.0)
            }
        }
        _ => 0.7,
    };
    let s = (0.4 * text + 0.3 * parties + 0.3 * amount) * date;
    Score {
        score: (s * 100.0).round() as u32,
        text,
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn doc(name: &str, summary: &str, amount: i64, day: u32) -> Doc {
        Doc {
            name: name.into(),
            contract_number: "HT-1".into(),
            summary: summary.into(),
            deal_amount: Some(amount),
            signed_on: NaiveDate::from_ymd_opt(2025, 3, day),
            seller: party_key("上海甲科技有限公司", Some("91310110MA1RECW01X")),
            buyer: party_key("上海乙制造有限责任公司", None),
        }
    }

    const SUMMARY: &str = "研制一套基于机器视觉的零件表面缺陷在线检测系统，包括图像采集、缺陷分类模型训练与产线部署，并交付源代码和技术文档。";

    #[test]
    fn normalisation_folds_width_case_spacing_and_punctuation() {
        assert_eq!(normalize("ＡＢＣ　１２３"), "abc123");
        assert_eq!(normalize("《智能 检测》系统（一期）。"), "智能检测系统一期");
        assert_eq!(normalize("HT-2025/001"), "ht2025001");
        assert_eq!(normalize_name("视觉检测技术开发合同书"), "视觉检测技术开发");
        assert_eq!(normalize_name("视觉检测技术开发协议"), "视觉检测技术开发");
        assert_eq!(normalize_name("合同"), "合同");
        assert_eq!(
            party_key("上海乙制造有限责任公司", None),
            party_key("上海乙制造 有限公司", Some(" "))
        );
        assert_eq!(
            party_key("甲", Some("91310110ma1recw01x")),
            party_key("另一个名字", Some("91310110MA1RECW01X"))
        );
    }

    #[test]
    fn a_party_is_its_credit_code_however_typed() {
        assert_eq!(
            party_key("甲公司", Some(" ９１３１０１１０ｍａ１ ")),
            party_key("甲有限公司", Some("91310110MA1"))
        );
        assert_eq!(
            party_key("上海甲有限责任公司", None),
            party_key("上海甲有限公司", Some(" "))
        );
    }

    #[test]
    fn shingles_and_jaccard() {
        assert_eq!(shingles("", 3), Vec::<u64>::new());
        assert_eq!(shingles("ab", 3).len(), 1);
        assert_eq!(shingles("abcabc", 3).len(), 3); // abc bca cab
        let a = shingles("技术开发合同", 3);
        assert_eq!(jaccard(&a, &a), 1.0);
        assert_eq!(jaccard(&a, &shingles("完全无关的内容", 3)), 0.0);
        let b = shingles("技术开发协议", 3);
        let j = jaccard(&a, &b);
        assert!(j > 0.3 && j < 0.7, "{j}");
    }

    #[test]
    fn minhash_estimates_jaccard_and_is_stable() {
        let a = shingles(&normalize(SUMMARY), 3);
        let b = shingles(&normalize(&SUMMARY.replace("源代码", "源程序")), 3);
        let (sa, sb) = (minhash(&a), minhash(&b));
        let agree = sa.iter().zip(&sb).filter(|(x, y)| x == y).count();
        assert!(agree >= K / 2, "{agree} of {K}");
        // Fixed seeds: the same text always gives the same bands.
        assert_eq!(bands(&a), bands(&shingles(&normalize(SUMMARY), 3)));
        assert_eq!(bands(&[]), [None; BANDS]);
    }

    #[test]
    fn exact_keys_ignore_punctuation_and_need_a_number() {
        let a = doc("视觉检测技术开发合同", SUMMARY, 100_000 * 100, 1);
        let mut b = a.clone();
        b.name = "视觉检测技术开发（合同）".into();
        b.contract_number = "ht 1".into();
        assert_eq!(a.number_key(), b.number_key());
        assert_eq!(a.content_key(), b.content_key());
        b.deal_amount = Some(100_000 * 100 + 1);
        assert_ne!(a.content_key(), b.content_key());
        b.contract_number = " ".into();
        assert_eq!(b.number_key(), None);
    }

    #[test]
    fn a_perturbed_copy_scores_high_and_a_renewal_or_a_generic_name_low() {
        let t = Thresholds::default();
        let a = doc("视觉检测系统技术开发合同", SUMMARY, 100_000 * 100, 1);
        let mut near = doc(
            "视觉检侧系统 技术开发合同。",
            &SUMMARY.replace('，', ","),
            100_500 * 100,
            9,
        );
        near.contract_number = "HT-1a".into();
        let (sa, sn) = (a.shingles(), near.shingles());
        let s = score(&a, &sa, &near, &sn, &t);
        assert!(s.score >= t.min_score, "{s:?}");
        assert!(s.reasons.iter().any(|r| r == "卖方、买方均相同"));
        assert!(s.reasons.iter().any(|r| r == "签订日期相差 8 天"));

        let mut renewal = a.clone();
        renewal.signed_on = NaiveDate::from_ymd_opt(2026, 3, 4);
        renewal.deal_amount = Some(110_000 * 100);
        let s = score(&a, &sa, &renewal, &renewal.shingles(), &t);
        assert_eq!(s.score, 0, "{s:?}");

        let mut generic = doc(
            "技术服务合同",
            "为客户的数据中心提供运维技术服务与人员培训。",
            100_000 * 100,
            1,
        );
        generic.seller = party_key("丙", Some("91310000AAAAAAAA1X"));
        generic.buyer = party_key("丁", Some("91310000BBBBBBBB2X"));
        let mut other = doc(
            "技术服务合同",
            "对新能源汽车电池管理软件进行测试并出具测试报告。",
            120_000 * 100,
            20,
        );
        other.seller = party_key("戊", Some("91310000CCCCCCCC3X"));
        other.buyer = party_key("己", Some("91310000DDDDDDDD4X"));
        let s = score(&generic, &generic.shingles(), &other, &other.shingles(), &t);
        assert!(s.score < t.min_score, "{s:?}");
        assert!(s.reasons.iter().any(|r| r == "当事人不同"));
    }
}
