//! The import rule of docs/architecture.md, checked over the source text of
//! `app/src`: floors from the bottom up, imports only downward, a domain
//! reached by other parts only through its `mod.rs`, a domain's routes
//! mounted only by `server.rs`, and the web floor under every domain's
//! routes but above nothing of theirs. Both `use` declarations and inline
//! `crate::a::b` paths count; comments, strings and `#[cfg(test)]` modules
//! at the end of a file do not.

use std::collections::BTreeMap;
use std::path::Path;

/// Every top-level module of the application with its floor, bottom first.
/// A module imports only modules on lower floors (same-floor modules are
/// peers and import neither each other).
pub const FLOORS: &[(&str, u8)] = &[
    ("core", 0),
    ("security", 1),
    ("integrations", 2),
    ("files", 3),
    ("tabular", 3),
    ("web", 4),
    ("audit", 5),
    ("settings", 6),
    ("calendar", 7),
    ("dictionary", 7),
    ("identity", 8),
    ("org", 9),
    ("alerts", 10),
    ("duplicates", 11),
    ("integrity", 11),
    ("contracts", 12),
    ("reports", 13),
    ("showcase", 13),
    ("jobs", 14),
    ("demo", 14),
    ("nav", 14),
    ("server", 15),
    ("boot", 15),
    ("cli", 16),
];

/// The domains: reached only through their `mod.rs`, their routes mounted
/// only by `server.rs`, and only their route files speak HTTP.
const DOMAIN_FLOORS: std::ops::RangeInclusive<u8> = 5..=13;

fn floor(module: &str) -> Option<u8> {
    FLOORS.iter().find(|(m, _)| *m == module).map(|(_, f)| *f)
}

fn is_domain(module: &str) -> bool {
    floor(module).is_some_and(|f| DOMAIN_FLOORS.contains(&f))
}

/// One source file: its path below `src/` (`contracts/routes/apply.rs`).
pub struct Source {
    pub path: String,
    pub text: String,
}

/// Reads every `.rs` file below `src`.
pub fn read_tree(src: &Path) -> Vec<Source> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<Source>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("read source folder")
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(root, &p, out);
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push(Source {
                    path: p
                        .strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                    text: std::fs::read_to_string(&p).expect("read source file"),
                });
            }
        }
    }
    let mut out = Vec::new();
    walk(src, src, &mut out);
    out
}

/// The module path of a file: `a/b.rs` and `a/b/mod.rs` are `[a, b]`.
fn module_of(path: &str) -> Vec<String> {
    let mut parts: Vec<String> = path
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_owned)
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The code without comments, string and char literals, and without a
/// trailing `#[cfg(test)] mod … { … }`.
fn code_only(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod ") {
        Some(i) => &text[..i],
        None => text,
    };
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
        } else if c == b'r' && matches!(b.get(i + 1), Some(b'"' | b'#')) && raw_string_at(b, i) {
            let hashes = b[i + 1..].iter().take_while(|&&x| x == b'#').count();
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            i += 2 + hashes;
            while i < b.len() && !b[i..].starts_with(&close) {
                i += 1;
            }
            i += close.len();
            out.push_str("\"\"");
        } else if c == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == b'\'' && char_literal_at(b, i) {
            i += 1;
            while i < b.len() && b[i] != b'\'' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("' '");
        } else {
            out.push(c as char);
            i += 1;
        }
    }
    out
}

fn raw_string_at(b: &[u8], i: usize) -> bool {
    let before_ok = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
    let hashes = b[i + 1..].iter().take_while(|&&x| x == b'#').count();
    before_ok && b.get(i + 1 + hashes) == Some(&b'"')
}

/// A char literal (`'a'`, `'\n'`), not a lifetime (`'a`).
fn char_literal_at(b: &[u8], i: usize) -> bool {
    match b.get(i + 1) {
        Some(b'\\') => true,
        Some(_) => {
            // One (possibly multi-byte) character, then the closing quote.
            let rest = std::str::from_utf8(&b[i + 1..]).unwrap_or("");
            let mut chars = rest.chars();
            chars.next();
            chars.next() == Some('\'')
        }
        None => false,
    }
}

/// `a::{b, c::{d, e}}` becomes `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let head = tree[..open].trim_end_matches("::");
    let body = &tree[open + 1..tree.len().saturating_sub(1)];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&body[start..]);
    let mut out = Vec::new();
    for p in parts.into_iter().filter(|p| !p.is_empty()) {
        if p == "self" {
            out.push(head.to_owned());
        } else {
            out.extend(expand(&format!("{head}::{p}")));
        }
    }
    out
}

/// Every path the code names that starts at `crate`, `super` or `self`,
/// as absolute segments below the crate root.
fn paths_of(file_module: &[String], code: &str) -> Vec<Vec<String>> {
    let mut raw: Vec<String> = Vec::new();
    let bytes = code.as_bytes();
    // `use` declarations, with their brace groups.
    let mut i = 0;
    while let Some(pos) = code[i..].find("use ") {
        let at = i + pos;
        i = at + 4;
        if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_') {
            continue;
        }
        let Some(end) = code[at..].find(';') else {
            break;
        };
        // `a as b` keeps `a`: the alias is not a path.
        let tree = code[at + 4..at + end].trim().replace(" as ", "@");
        if tree.starts_with("crate::") || tree.starts_with("super::") || tree.starts_with("self::")
        {
            raw.extend(
                expand(&tree)
                    .into_iter()
                    .map(|p| p.split('@').next().unwrap_or_default().to_owned()),
            );
        }
    }
    // Inline paths.
    for start in ["crate::", "super::"] {
        let mut i = 0;
        while let Some(pos) = code[i..].find(start) {
            let at = i + pos;
            i = at + start.len();
            if at > 0
                && (bytes[at - 1].is_ascii_alphanumeric()
                    || bytes[at - 1] == b'_'
                    || bytes[at - 1] == b':')
            {
                continue;
            }
            let path: String = code[at..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            raw.push(path.trim_end_matches(':').to_owned());
        }
    }
    let mut out = Vec::new();
    for p in raw {
        let segs: Vec<&str> = p
            .split("::")
            .filter(|s| !s.is_empty() && *s != "*")
            .collect();
        let mut abs: Vec<String>;
        let mut rest = &segs[..];
        match segs.first() {
            Some(&"crate") => {
                abs = Vec::new();
                rest = &segs[1..];
            }
            Some(&"self") => {
                abs = file_module.to_vec();
                rest = &segs[1..];
            }
            Some(&"super") => {
                // `a.rs` and `a/mod.rs` are both module `a`: each `super`
                // is one step up from it.
                abs = file_module.to_vec();
                let mut ok = true;
                while let Some(&"super") = rest.first() {
                    ok &= abs.pop().is_some();
                    rest = &rest[1..];
                }
                if !ok {
                    continue;
                }
            }
            _ => continue,
        }
        abs.extend(rest.iter().map(|s| s.to_string()));
        if !abs.is_empty() {
            out.push(abs);
        }
    }
    out
}

/// The names a module file re-exports with `pub use` (the last segment of
/// each path, or its `as` name).
fn reexports(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in code.split("pub use ").skip(1) {
        let Some(tree) = part.split(';').next() else {
            continue;
        };
        for path in expand(&tree.replace(" as ", "@")) {
            let name = match path.split_once('@') {
                Some((_, alias)) => alias.to_owned(),
                None => path.rsplit("::").next().unwrap_or("").to_owned(),
            };
            out.push(name);
        }
    }
    out
}

fn is_route_file(path: &str) -> bool {
    path.contains("/routes/") || path.ends_with("/routes.rs")
}

/// The rule's findings, one line each, sorted.
pub fn violations(sources: &[Source]) -> Vec<String> {
    let files: BTreeMap<&str, &Source> = sources.iter().map(|s| (s.path.as_str(), s)).collect();
    // A name a domain's mod.rs re-exports is its surface, even where a
    // submodule has the same name (`mod record;` + `pub use record::record;`).
    let exported = |module: &str, name: &str| {
        files
            .get(format!("{module}/mod.rs").as_str())
            .is_some_and(|m| reexports(&code_only(&m.text)).iter().any(|n| n == name))
    };
    let is_submodule = |module: &str, name: &str| {
        (files.contains_key(format!("{module}/{name}.rs").as_str())
            || files.contains_key(format!("{module}/{name}/mod.rs").as_str()))
            && !exported(module, name)
    };
    let mut out = std::collections::BTreeSet::new();
    for (top, _) in files
        .keys()
        .filter(|p| **p != "lib.rs" && **p != "main.rs")
        .map(|p| (module_of(p)[0].clone(), ()))
        .collect::<BTreeMap<_, _>>()
    {
        if floor(&top).is_none() {
            out.insert(format!(
                "{top}: a module without a floor (add it to the floor table)"
            ));
        }
    }
    for src in sources {
        if src.path == "lib.rs" || src.path == "main.rs" {
            continue;
        }
        let module = module_of(&src.path);
        let from = module[0].as_str();
        let Some(from_floor) = floor(from) else {
            continue;
        };
        for path in paths_of(&module, &code_only(&src.text)) {
            let to = path[0].as_str();
            if to == from {
                continue;
            }
            let Some(to_floor) = floor(to) else {
                continue;
            };
            let shown = format!("crate::{}", path.join("::"));
            if to_floor >= from_floor {
                out.insert(format!(
                    "{}: {shown}: `{from}` (floor {from_floor}) may not import `{to}` (floor {to_floor})",
                    src.path
                ));
                continue;
            }
            if to == "web" && is_domain(from) && !is_route_file(&src.path) {
                out.insert(format!(
                    "{}: {shown}: only a domain's route files speak HTTP; services return DomainError",
                    src.path
                ));
            }
            if is_domain(to) {
                let item = path.get(1).map(String::as_str);
                if item == Some("routes") {
                    // `mod routes;` and the `routes()` it exports share the name.
                    if from != "server" {
                        out.insert(format!(
                            "{}: {shown}: a domain's routes are mounted only by server.rs",
                            src.path
                        ));
                    }
                } else if let Some(item) = item.filter(|i| is_submodule(to, i)) {
                    out.insert(format!(
                        "{}: {shown}: reach `{to}` through its mod.rs, not its file `{item}`",
                        src.path
                    ));
                }
            }
        }
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> Vec<Source> {
        files
            .iter()
            .map(|(p, t)| Source {
                path: p.to_string(),
                text: t.to_string(),
            })
            .collect()
    }

    const BASE: &[(&str, &str)] = &[
        ("core/mod.rs", "pub mod clock;\n"),
        ("core/clock.rs", ""),
        ("web/mod.rs", "use crate::core::clock;\n"),
        (
            "org/mod.rs",
            "mod service;\nmod routes;\npub use service::find;\n",
        ),
        ("org/service.rs", "use crate::core::clock::now;\n"),
        ("org/routes.rs", "use crate::web::Ctx;\n"),
        (
            "contracts/mod.rs",
            "mod service;\nmod routes;\npub use service::Contract;\n",
        ),
        ("contracts/service.rs", "use crate::org::find;\n"),
        ("contracts/routes.rs", "use crate::web::Ctx;\n"),
        (
            "server.rs",
            "fn r() { crate::org::routes(x); crate::contracts::routes(x); }\n",
        ),
    ];

    fn with(extra: &[(&str, &str)]) -> Vec<String> {
        let mut files: Vec<(&str, &str)> = BASE
            .iter()
            .copied()
            .filter(|(p, _)| !extra.iter().any(|(q, _)| q == p))
            .collect();
        files.extend_from_slice(extra);
        violations(&tree(&files))
    }

    #[test]
    fn a_house_that_keeps_the_rule_passes() {
        assert_eq!(with(&[]), Vec::<String>::new());
    }

    #[test]
    fn a_route_file_importing_another_domains_routes_fails() {
        let v = with(&[(
            "contracts/routes.rs",
            "use crate::web::Ctx;\nuse crate::org::routes::list_page;\n",
        )]);
        assert!(
            v.iter().any(|l| l.contains("mounted only by server.rs")),
            "{v:?}"
        );
    }

    #[test]
    fn a_lower_domain_importing_a_higher_one_fails_inline_paths_too() {
        let v = with(&[(
            "org/service.rs",
            "fn f() { let c = crate::contracts::Contract::default(); }\n",
        )]);
        assert!(
            v.iter()
                .any(|l| l.contains("`org` (floor 9) may not import `contracts`")),
            "{v:?}"
        );
    }

    #[test]
    fn the_web_floor_importing_a_domain_fails() {
        let v = with(&[("web/mod.rs", "use crate::{core::clock, org::find};\n")]);
        assert!(
            v.iter()
                .any(|l| l.starts_with("web/mod.rs") && l.contains("may not import `org`")),
            "{v:?}"
        );
    }

    #[test]
    fn a_domain_is_reached_through_its_mod_rs_only() {
        let v = with(&[("contracts/service.rs", "use crate::org::service::find;\n")]);
        assert!(v.iter().any(|l| l.contains("through its mod.rs")), "{v:?}");
    }

    #[test]
    fn services_do_not_speak_http() {
        let v = with(&[("org/service.rs", "use crate::web::WebError;\n")]);
        assert!(
            v.iter().any(|l| l.contains("only a domain's route files")),
            "{v:?}"
        );
    }

    #[test]
    fn comments_strings_and_tests_are_not_imports() {
        let v = with(&[(
            "org/service.rs",
            "// crate::contracts::x\nconst S: &str = \"crate::contracts::y\";\n\
             #[cfg(test)]\nmod tests {\n    use crate::contracts::Contract;\n}\n",
        )]);
        assert_eq!(v, Vec::<String>::new());
    }

    #[test]
    fn super_paths_are_resolved() {
        let v = with(&[
            ("org/routes.rs", "use super::super::contracts::Contract;\n"),
            ("org/service.rs", "use super::find;\n"),
        ]);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].contains("may not import `contracts`"));
    }

    #[test]
    fn a_re_exported_name_is_the_surface_even_with_a_file_of_that_name() {
        let v = with(&[
            (
                "org/mod.rs",
                "mod service;\nmod routes;\nmod find;\npub use find::find;\n",
            ),
            ("org/find.rs", ""),
            (
                "contracts/service.rs",
                "use crate::org::{find as lookup, routes as r};\n",
            ),
        ]);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].contains("mounted only by server.rs"), "{v:?}");
    }

    #[test]
    fn every_module_needs_a_floor() {
        let v = with(&[("gadgets/mod.rs", "")]);
        assert!(
            v.iter()
                .any(|l| l.starts_with("gadgets: a module without a floor"))
        );
    }
}
