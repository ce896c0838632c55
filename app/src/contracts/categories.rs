//! Contract categories (F48): the five categories of the 2026 rules
//! (技术开发、技术转让、技术许可、技术咨询、技术服务) with their sub-types,
//! the four categories of the 2001 rules, and the mapping from old to new.
//! Every contract keeps its `rule_version`; lists and statistics work on the
//! five categories through [`map_2001`].

pub const RULES_2026: &str = "2026";
pub const RULES_2001: &str = "2001";

pub struct Subtype {
    pub code: &'static str,
    pub label: &'static str,
}

pub struct Category {
    pub code: &'static str,
    pub label: &'static str,
    pub subtypes: &'static [Subtype],
    /// Transfers and licences must name the IP items they concern.
    pub needs_ip: bool,
}

const fn st(code: &'static str, label: &'static str) -> Subtype {
    Subtype { code, label }
}

pub const FIVE: &[Category] = &[
    Category {
        code: "development",
        label: "技术开发",
        subtypes: &[st("entrusted", "委托开发"), st("cooperative", "合作开发")],
        needs_ip: false,
    },
    Category {
        code: "transfer",
        label: "技术转让",
        subtypes: &[
            st("patent", "专利权转让"),
            st("patent_application", "专利申请权转让"),
            st("know_how", "技术秘密转让"),
            st(
                "other_ip",
                "其他知识产权转让（集成电路布图设计、植物新品种、计算机软件著作权等）",
            ),
        ],
        needs_ip: true,
    },
    Category {
        code: "licence",
        label: "技术许可",
        subtypes: &[
            st("patent", "专利实施许可"),
            st("know_how", "技术秘密使用许可"),
            st("other_ip", "其他知识产权许可"),
        ],
        needs_ip: true,
    },
    Category {
        code: "consulting",
        label: "技术咨询",
        subtypes: &[st("consulting", "技术咨询")],
        needs_ip: false,
    },
    Category {
        code: "service",
        label: "技术服务",
        subtypes: &[
            st("service", "技术服务"),
            st("training", "技术培训"),
            st("brokerage", "技术中介"),
        ],
        needs_ip: false,
    },
];

/// The four categories of the 2001 rules (技术合同认定规则第四条).
pub const FOUR_2001: &[Category] = &[
    Category {
        code: "development",
        label: "技术开发",
        subtypes: &[st("entrusted", "委托开发"), st("cooperative", "合作开发")],
        needs_ip: false,
    },
    Category {
        code: "transfer",
        label: "技术转让",
        subtypes: &[
            st("patent", "专利权转让"),
            st("patent_application", "专利申请权转让"),
            st("patent_licence", "专利实施许可"),
            st("know_how", "技术秘密转让"),
        ],
        needs_ip: true,
    },
    Category {
        code: "consulting",
        label: "技术咨询",
        subtypes: &[st("consulting", "技术咨询")],
        needs_ip: false,
    },
    Category {
        code: "service",
        label: "技术服务",
        subtypes: &[
            st("service", "技术服务"),
            st("training", "技术培训"),
            st("brokerage", "技术中介"),
        ],
        needs_ip: false,
    },
];

pub fn category(rules: &str, code: &str) -> Option<&'static Category> {
    let list = if rules == RULES_2001 { FOUR_2001 } else { FIVE };
    list.iter().find(|c| c.code == code)
}

pub fn subtype(rules: &str, category_code: &str, code: &str) -> Option<&'static Subtype> {
    category(rules, category_code)?
        .subtypes
        .iter()
        .find(|s| s.code == code)
}

/// "技术开发 / 委托开发" for display.
pub fn label(rules: &str, category_code: &str, subtype_code: &str) -> String {
    match (
        category(rules, category_code),
        subtype(rules, category_code, subtype_code),
    ) {
        (Some(c), Some(s)) => format!("{} / {}", c.label, s.label),
        (Some(c), None) => c.label.to_owned(),
        _ => String::new(),
    }
}

/// Where a 2001 record belongs among the five categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mapping {
    To(&'static str, &'static str),
    /// 技术秘密转让 may have moved ownership (转让) or only a right of use
    /// (许可): a person reads the contract and decides.
    Manual,
    Unknown,
}

pub fn map_2001(category_code: &str, subtype_code: &str) -> Mapping {
    match (category_code, subtype_code) {
        ("development", "entrusted") => Mapping::To("development", "entrusted"),
        ("development", "cooperative") => Mapping::To("development", "cooperative"),
        ("transfer", "patent") => Mapping::To("transfer", "patent"),
        ("transfer", "patent_application") => Mapping::To("transfer", "patent_application"),
        ("transfer", "patent_licence") => Mapping::To("licence", "patent"),
        ("transfer", "know_how") => Mapping::Manual,
        ("consulting", "consulting") => Mapping::To("consulting", "consulting"),
        ("service", "service") => Mapping::To("service", "service"),
        ("service", "training") => Mapping::To("service", "training"),
        ("service", "brokerage") => Mapping::To("service", "brokerage"),
        _ => Mapping::Unknown,
    }
}

/// The five-category (category, subtype) of any contract, or `None` while a
/// 2001 record waits for a person's decision.
pub fn five_of(
    rules: &str,
    category_code: &str,
    subtype_code: &str,
) -> Option<(&'static str, &'static str)> {
    if rules == RULES_2001 {
        match map_2001(category_code, subtype_code) {
            Mapping::To(c, s) => Some((c, s)),
            Mapping::Manual | Mapping::Unknown => None,
        }
    } else {
        let s = subtype(rules, category_code, subtype_code)?;
        let c = category(rules, category_code)?;
        Some((c.code, s.code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_categories_with_their_subtypes() {
        let labels: Vec<&str> = FIVE.iter().map(|c| c.label).collect();
        assert_eq!(
            labels,
            ["技术开发", "技术转让", "技术许可", "技术咨询", "技术服务"]
        );
        assert!(category(RULES_2026, "licence").unwrap().needs_ip);
        assert!(!category(RULES_2026, "service").unwrap().needs_ip);
        assert_eq!(
            label(RULES_2026, "licence", "patent"),
            "技术许可 / 专利实施许可"
        );
        assert!(category(RULES_2001, "licence").is_none());
    }

    #[test]
    fn every_old_subtype_maps_or_waits_for_a_person() {
        for c in FOUR_2001 {
            for s in c.subtypes {
                let m = map_2001(c.code, s.code);
                assert_ne!(m, Mapping::Unknown, "{} {}", c.code, s.code);
                if let Mapping::To(nc, ns) = m {
                    assert!(subtype(RULES_2026, nc, ns).is_some(), "{nc} {ns}");
                }
            }
        }
        assert_eq!(
            map_2001("transfer", "patent_licence"),
            Mapping::To("licence", "patent")
        );
        assert_eq!(map_2001("transfer", "know_how"), Mapping::Manual);
        assert_eq!(five_of(RULES_2001, "transfer", "know_how"), None);
        assert_eq!(
            five_of(RULES_2001, "service", "training"),
            Some(("service", "training"))
        );
        assert_eq!(
            five_of(RULES_2026, "transfer", "know_how"),
            Some(("transfer", "know_how"))
        );
        assert_eq!(map_2001("transfer", "nonsense"), Mapping::Unknown);
    }
}
