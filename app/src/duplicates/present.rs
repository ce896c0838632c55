//! The batch check as the views show it.

use techreg_views::pages::duplicates::ClusterRow;

use super::report::Cluster;

/// 重复 when any link is exact, otherwise 可能重复.
pub fn kind_label(exact: bool) -> &'static str {
    if exact { "重复" } else { "可能重复" }
}

pub fn cluster_rows(clusters: &[Cluster]) -> Vec<ClusterRow> {
    clusters
        .iter()
        .enumerate()
        .map(|(i, c)| ClusterRow {
            no: i + 1,
            kind: kind_label(c.exact),
            members: c
                .members
                .iter()
                .map(|m| {
                    (
                        m.contract.id,
                        m.contract.approval_code.clone(),
                        m.contract.name.clone(),
                        m.seller.clone(),
                        m.buyer.clone(),
                        m.office.clone(),
                    )
                })
                .collect(),
            reasons: c.reasons.iter().cloned().collect::<Vec<_>>().join("；"),
        })
        .collect()
}
