//! The house keeps its rule (docs/architecture.md, "Floors"): imports run
//! downward, a domain is reached through its mod.rs, routes are mounted
//! only by server.rs, the web floor imports no domain.
//!
//! While the house is being rebuilt, `tests/house-baseline.txt` lists the
//! imports still waiting to be moved: a new wrong import fails at once, and
//! so does a listed one that is gone (take it off the list), so the list
//! only shrinks.

use std::collections::BTreeSet;

use techreg_tests::house;

#[test]
fn imports_run_one_way() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let found: BTreeSet<String> = house::violations(&house::read_tree(&root.join("../app/src")))
        .into_iter()
        .collect();
    let baseline: BTreeSet<String> = std::fs::read_to_string(root.join("house-baseline.txt"))
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    let new: Vec<_> = found.difference(&baseline).collect();
    let gone: Vec<_> = baseline.difference(&found).collect();
    assert!(
        new.is_empty() && gone.is_empty(),
        "{} import(s) break the house rule:\n{}\n\n{} listed in tests/house-baseline.txt no longer occur (remove them):\n{}",
        new.len(),
        new.iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        gone.len(),
        gone.iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
    );
}
