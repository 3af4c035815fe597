//! The architecture's invariants, checked on the source: the core does no I/O and knows no file
//! format, and no two modules depend on each other (ARCHITECTURE.md, "Architecture invariants").

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The modules that compute and never read, write or print: they take values and return values.
const CORE: [&str; 4] = ["model", "dist", "engine", "analysis"];

/// What no core module may name.
const FORBIDDEN_IN_CORE: [&str; 11] = [
    "crate::report",
    "crate::cli",
    "crate::pipeline",
    "std::fs",
    "std::io",
    "std::env",
    "std::process",
    "serde",
    "println!",
    "eprintln!",
    "print!(",
];

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The code of a file without its comments (doc links name modules without depending on them)
/// and without its unit tests (which may print what they measured), with grouped paths spelled
/// out: `use crate::{report, cli::x};` also reads as `crate::report crate::cli::x`.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    let text = text
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = text.clone();
    for path in expand_groups(&text) {
        out.push('\n');
        out.push_str(&path);
    }
    out
}

/// Every path a `PREFIX::{a, b::{c, d}}` group names, as `PREFIX::a`, `PREFIX::b::c`, ...
fn expand_groups(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find("::{") {
        let open = from + at + 2;
        // The prefix: the path characters just before `::{`.
        let start = text[..from + at]
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .map_or(0, |i| i + 1);
        let prefix = &text[start..from + at];
        // The group: up to the matching brace.
        let mut depth = 0;
        let mut close = open;
        for (i, &b) in bytes.iter().enumerate().skip(open) {
            match b {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        if close > open {
            out.extend(group_items(prefix, &text[open + 1..close]));
        }
        from = open + 1;
    }
    out
}

/// The items of one group body `a, b::{c, d}` under `prefix`.
fn group_items(prefix: &str, body: &str) -> Vec<String> {
    let mut items = Vec::new();
    let (mut depth, mut last) = (0, 0);
    for (i, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&body[last..i]);
                last = i + 1;
            }
            _ => {}
        }
    }
    items.push(&body[last..]);
    let mut out = Vec::new();
    for item in items {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        match item.split_once("::{") {
            Some((head, rest)) => {
                let inner = rest.strip_suffix('}').unwrap_or(rest);
                out.extend(group_items(&format!("{prefix}::{head}"), inner));
            }
            None => out.push(format!("{prefix}::{item}")),
        }
    }
    out
}

#[test]
fn grouped_paths_are_spelled_out() {
    let paths = expand_groups("use crate::{report, cli::{a, b}};\nuse std::{fs, io::Write};");
    for p in [
        "crate::report",
        "crate::cli::a",
        "crate::cli::b",
        "std::fs",
        "std::io::Write",
    ] {
        assert!(paths.iter().any(|x| x == p), "{p} in {paths:?}");
    }
}

/// The top-level module a file under src/ belongs to (None for lib.rs and main.rs).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).unwrap();
    let mut parts = rel.components();
    let first = parts.next()?.as_os_str().to_string_lossy().into_owned();
    if rel.components().count() == 1 {
        let stem = first.trim_end_matches(".rs").to_string();
        return (stem != "lib" && stem != "main").then_some(stem);
    }
    Some(first)
}

/// Which modules `text` names as `crate::NAME`.
fn named(text: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    modules
        .iter()
        .filter(|m| {
            text.match_indices(&format!("crate::{m}")).any(|(i, s)| {
                let after = text[i + s.len()..].chars().next();
                !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
            })
        })
        .cloned()
        .collect()
}

/// Edges `from -> to` when a module names another; panics on a cycle, naming it.
fn assert_acyclic(edges: &BTreeMap<String, BTreeSet<String>>, what: &str) {
    fn visit(
        n: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
        what: &str,
    ) {
        match state.get(n) {
            Some(2) => return,
            Some(1) => {
                let start = path.iter().position(|p| p == n).unwrap();
                panic!(
                    "{what}: modules depend on each other in a circle: {} -> {n}",
                    path[start..].join(" -> ")
                );
            }
            _ => {}
        }
        state.insert(n.to_string(), 1);
        path.push(n.to_string());
        for m in edges.get(n).into_iter().flatten() {
            visit(m, edges, state, path, what);
        }
        path.pop();
        state.insert(n.to_string(), 2);
    }
    let mut state = BTreeMap::new();
    for n in edges.keys() {
        visit(n, edges, &mut state, &mut Vec::new(), what);
    }
}

#[test]
fn the_core_does_no_io_and_knows_no_format() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut checked = 0;
    for m in CORE {
        for file in rust_files(&src.join(m)) {
            let text = code(&file);
            for bad in FORBIDDEN_IN_CORE {
                assert!(
                    !text.contains(bad),
                    "{} uses `{bad}`: the core ({}) computes; I/O and formats belong to report/ and cli/",
                    file.display(),
                    CORE.join(", ")
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} core files found");
}

#[test]
fn no_two_modules_depend_on_each_other() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = rust_files(&src);
    let modules: BTreeSet<String> = files.iter().filter_map(|f| module_of(&src, f)).collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let Some(m) = module_of(&src, f) else {
            continue;
        };
        let mut to = named(&code(f), &modules);
        to.remove(&m);
        edges.entry(m).or_default().extend(to);
    }
    // The check sees real dependencies: the engine runs plans, the CLI calls the pipeline.
    assert!(edges["engine"].contains("model") && edges["cli"].contains("pipeline"));
    assert_acyclic(&edges, "src/");

    // Inside report/: each format file is a module of its own.
    let report = src.join("report");
    let mut inner: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let name = |f: &Path| {
        let rel = f.strip_prefix(&report).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        first.trim_end_matches(".rs").to_string()
    };
    let parts: BTreeSet<String> = rust_files(&report)
        .iter()
        .map(|f| name(f))
        .filter(|n| n != "mod")
        .collect();
    for f in rust_files(&report) {
        let n = name(&f);
        if n == "mod" {
            continue;
        }
        let text = code(&f);
        let to: BTreeSet<String> = parts
            .iter()
            .filter(|p| **p != n)
            .filter(|p| {
                [format!("super::{p}"), format!("crate::report::{p}")]
                    .iter()
                    .any(|pat| {
                        text.match_indices(pat.as_str()).any(|(i, s)| {
                            let after = text[i + s.len()..].chars().next();
                            !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
                        })
                    })
            })
            .cloned()
            .collect();
        inner.entry(n).or_default().extend(to);
    }
    assert!(!inner.is_empty());
    assert_acyclic(&inner, "src/report/");
}
