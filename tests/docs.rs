//! Checks the output shown in the README and the docs against the tool as it is.
//!
//! A fenced code block is checked when the line right before its opening fence (blank lines
//! allowed in between) is an HTML comment:
//!
//! - `<!-- check: COMMAND -->`: COMMAND runs with `bash -c` in a fresh temporary directory whose
//!   `scenarios` is a symlink to the repository's `scenarios/`, with the built binary's directory
//!   first on `PATH` and `CI` unset. It may chain setup steps (`cp ... && sed ... && shipcast
//!   ...`); its stdout is compared with the block. The exit code is not checked: add
//!   `; echo $?` to the command when the block shows it. The comment may span several lines.
//! - `<!-- file: NAME -->`: the block's text is written to `NAME` in the temporary directory of
//!   every later `check:` of the same document (so a document can show a small scenario, then the
//!   output of running it).
//! - `<!-- example: PATH -->`: the block must be exactly the repository file PATH (a job script
//!   or manifest that a test runs, e.g. `examples/slurm/run.sbatch`), so the recipe the docs
//!   show and the one the tests run are one source and cannot drift.
//!
//! Comparison, by the block's language:
//!
//! - ` ```json `: the block is read leniently (lines that are only `...` or `...,` are dropped,
//!   as are trailing commas before `]` or `}`; a text that is not a JSON object or array on its
//!   own is wrapped in `{}`) and must be a *subset* of the output: every key of a doc object is in
//!   the output object with a matching value, the elements of a doc array match, in order, a
//!   subsequence of the output array's, numbers and strings are equal exactly. The excerpt may
//!   match at any depth of the output (an excerpt of one milestone is fine).
//! - anything else (` ```text `, ` ```xml `, ...): every line of the block, trailing whitespace
//!   trimmed, must appear among the output's lines, in order. Lines starting with `...` mark an
//!   omission (and may say what is left out), lines starting with `$ ` show the command; both are
//!   skipped.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// Markdown: the checked blocks of a document

#[derive(Debug, Clone, PartialEq)]
enum Marker {
    Check(String),
    File(String),
    /// `<!-- check-with-data: PATH | COMMAND -->`: a check on a third-party input under
    /// `../shared/data/PATH` (linked into the sandbox by its file name), which the project's
    /// tests may not need: it runs when that file is there (CI has it) and is skipped otherwise.
    CheckWithData(String, String),
    /// `<!-- example: PATH -->`: the block is the repository file PATH, exactly.
    Example(String),
}

#[derive(Debug)]
struct Block {
    marker: Marker,
    /// 1-based line of the opening fence.
    line: usize,
    lang: String,
    text: String,
}

/// The marked blocks of a Markdown document, in order. A marker that is not followed by a fenced
/// block is an error, so that a marker never silently checks nothing.
fn marked_blocks(markdown: &str) -> Result<Vec<Block>, String> {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut blocks = Vec::new();
    let mut pending: Option<(Marker, usize)> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start();
        if let Some(fence) = fence_of(trimmed) {
            let indent = line.len() - trimmed.len();
            let lang = trimmed[fence.len()..].trim().to_string();
            let start = i;
            let mut body = Vec::new();
            i += 1;
            while i < lines.len() && !lines[i].trim_start().starts_with(fence) {
                let l = lines[i];
                let strip = l.len() - l.trim_start().len();
                body.push(&l[strip.min(indent)..]);
                i += 1;
            }
            if i == lines.len() {
                return Err(format!("line {}: unclosed code block", start + 1));
            }
            if let Some((marker, _)) = pending.take() {
                let mut text = body.join("\n");
                text.push('\n');
                blocks.push(Block {
                    marker,
                    line: start + 1,
                    lang,
                    text,
                });
            }
        } else if trimmed.starts_with("<!--") {
            let start = i;
            let mut comment = trimmed.to_string();
            while !comment.contains("-->") {
                i += 1;
                if i == lines.len() {
                    return Err(format!("line {}: unclosed HTML comment", start + 1));
                }
                comment.push('\n');
                comment.push_str(lines[i].trim());
            }
            let body = comment
                .trim_start_matches("<!--")
                .split("-->")
                .next()
                .unwrap_or("")
                .trim();
            let marker = if let Some(cmd) = body.strip_prefix("check:") {
                Some(Marker::Check(cmd.trim().to_string()))
            } else if let Some(rest) = body.strip_prefix("check-with-data:") {
                let (data, cmd) = rest.split_once('|').unwrap_or(("", rest));
                Some(Marker::CheckWithData(
                    data.trim().to_string(),
                    cmd.trim().to_string(),
                ))
            } else if let Some(path) = body.strip_prefix("example:") {
                Some(Marker::Example(path.trim().to_string()))
            } else {
                body.strip_prefix("file:")
                    .map(|name| Marker::File(name.trim().to_string()))
            };
            if let Some(marker) = marker {
                if let Some((_, at)) = pending {
                    return Err(format!("line {at}: marker not followed by a code block"));
                }
                pending = Some((marker, start + 1));
            }
        } else if !trimmed.is_empty()
            && let Some((_, at)) = pending
        {
            return Err(format!("line {at}: marker not followed by a code block"));
        }
        i += 1;
    }
    if let Some((_, at)) = pending {
        return Err(format!("line {at}: marker not followed by a code block"));
    }
    Ok(blocks)
}

fn fence_of(trimmed: &str) -> Option<&'static str> {
    ["````", "```"].into_iter().find(|f| trimmed.starts_with(f))
}

// ---------------------------------------------------------------------------------------------
// JSON: lenient reading and the subset match

/// Reads a JSON excerpt from the docs: drops `...` lines and trailing commas, and wraps a
/// fragment such as `"run": { ... }` in `{}`.
fn parse_excerpt(text: &str) -> Result<Value, String> {
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !matches!(l.trim(), "..." | "...,"))
        .collect();
    let cleaned = drop_trailing_commas(&kept.join("\n"));
    if let Ok(v @ (Value::Object(_) | Value::Array(_))) = serde_json::from_str::<Value>(&cleaned) {
        return Ok(v);
    }
    serde_json::from_str(&format!("{{{cleaned}}}"))
        .map_err(|e| format!("unreadable JSON excerpt: {e}"))
}

fn drop_trailing_commas(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for (i, &c) in chars.iter().enumerate() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else if c == ',' {
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if matches!(next, Some(']' | '}') | None) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// Where a doc excerpt and the output part: the path in the output, both values, and how many
/// of the doc's values matched before (to report the candidate that got furthest).
#[derive(Debug)]
struct Mismatch {
    path: Vec<String>,
    doc: String,
    actual: String,
    matched: usize,
}

impl Mismatch {
    fn path(&self) -> String {
        let mut s = String::new();
        for seg in &self.path {
            if !seg.starts_with('[') && !s.is_empty() {
                s.push('.');
            }
            s.push_str(seg);
        }
        if s.is_empty() { "(top)".into() } else { s }
    }

    fn better_than(&self, other: &Option<Mismatch>) -> bool {
        other
            .as_ref()
            .is_none_or(|b| (self.matched, self.path.len()) > (b.matched, b.path.len()))
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 160 {
        format!("{}...", s.chars().take(160).collect::<String>())
    } else {
        s
    }
}

/// Matches `doc` against `out` itself (not its descendants): `Ok(number of doc values matched)`
/// when `doc` is a subset of `out`, else where they part.
fn subset(doc: &Value, out: &Value, path: &mut Vec<String>) -> Result<usize, Mismatch> {
    match (doc, out) {
        (Value::Object(d), Value::Object(o)) => {
            let mut matched = 0;
            for (key, dv) in d {
                path.push(key.clone());
                let found = match o.get(key) {
                    None => Err(Mismatch {
                        path: path.clone(),
                        doc: short(dv),
                        actual: "(no such key)".into(),
                        matched: 0,
                    }),
                    Some(ov) => subset(dv, ov, path),
                };
                path.pop();
                match found {
                    Ok(n) => matched += n,
                    Err(mut m) => {
                        m.matched += matched;
                        return Err(m);
                    }
                }
            }
            Ok(matched)
        }
        (Value::Array(d), Value::Array(o)) => {
            let (mut cursor, mut matched) = (0, 0);
            for (k, dv) in d.iter().enumerate() {
                let mut best: Option<Mismatch> = None;
                let mut found = None;
                for (j, ov) in o.iter().enumerate().skip(cursor) {
                    path.push(format!("[{j}]"));
                    let m = subset(dv, ov, path);
                    path.pop();
                    match m {
                        Ok(n) => {
                            found = Some((j, n));
                            break;
                        }
                        Err(m) if m.better_than(&best) => best = Some(m),
                        Err(_) => {}
                    }
                }
                match found {
                    Some((j, n)) => {
                        cursor = j + 1;
                        matched += n;
                    }
                    None => {
                        let mut m = best.unwrap_or_else(|| Mismatch {
                            path: [path.clone(), vec![format!("[{cursor}..]")]].concat(),
                            doc: format!("element {k} of the doc's array: {}", short(dv)),
                            actual: "(no more elements)".into(),
                            matched: 0,
                        });
                        m.matched += matched;
                        return Err(m);
                    }
                }
            }
            Ok(matched)
        }
        _ if doc == out => Ok(1),
        _ => Err(Mismatch {
            path: path.clone(),
            doc: short(doc),
            actual: short(out),
            matched: 0,
        }),
    }
}

/// Finds `doc` at any depth of `out`: `Ok(())`, or the mismatch of the candidate that got
/// furthest.
fn contains(doc: &Value, out: &Value) -> Result<(), Mismatch> {
    let mut best: Option<Mismatch> = None;
    let mut stack: Vec<(Vec<String>, &Value)> = vec![(Vec::new(), out)];
    while let Some((mut path, node)) = stack.pop() {
        match subset(doc, node, &mut path) {
            Ok(_) => return Ok(()),
            Err(m) if m.better_than(&best) => best = Some(m),
            Err(_) => {}
        }
        let children: Vec<(String, &Value)> = match node {
            Value::Object(o) => o.iter().map(|(k, v)| (k.clone(), v)).collect(),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("[{i}]"), v))
                .collect(),
            _ => Vec::new(),
        };
        for (seg, child) in children.into_iter().rev() {
            let mut p = path.clone();
            p.push(seg);
            stack.push((p, child));
        }
    }
    Err(best.expect("at least the root was tried"))
}

// ---------------------------------------------------------------------------------------------
// Text: the doc's lines, in order, among the output's

/// `Ok(())` when every doc line appears among the output's lines in order, else the first doc
/// line missing (its index in the block) and the output line closest to it.
fn contains_lines(doc: &str, out: &str) -> Result<(), (usize, String, String)> {
    let out_lines: Vec<&str> = out.lines().map(str::trim_end).collect();
    let mut cursor = 0;
    for (k, line) in doc.lines().enumerate() {
        let line = line.trim_end();
        let t = line.trim_start();
        if t.starts_with("...") || line.starts_with("$ ") {
            continue;
        }
        match out_lines[cursor..].iter().position(|o| *o == line) {
            Some(j) => cursor += j + 1,
            None => {
                let closest = out_lines[cursor..]
                    .iter()
                    .max_by_key(|o| common_prefix(o, line))
                    .map_or("(no more output lines)".to_string(), |s| s.to_string());
                return Err((k, line.to_string(), closest));
            }
        }
    }
    Ok(())
}

/// Length of the common prefix; the earliest line wins ties (hence the reversed order).
fn common_prefix(a: &str, b: &str) -> (usize, std::cmp::Reverse<usize>) {
    let n = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    (n, std::cmp::Reverse(a.len()))
}

// ---------------------------------------------------------------------------------------------
// Running a document

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn run_in_sandbox(
    files: &[(String, String)],
    data: Option<&Path>,
    command: &str,
) -> (String, String, Option<i32>) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::os::unix::fs::symlink(repo().join("scenarios"), dir.path().join("scenarios"))
        .expect("symlink");
    if let Some(d) = data {
        std::os::unix::fs::symlink(d, dir.path().join(d.file_name().unwrap())).expect("symlink");
    }
    for (name, text) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, text).unwrap();
    }
    let bin_dir = PathBuf::from(env!("CARGO_BIN_EXE_shipcast"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let out = Command::new("bash")
        .arg("-c")
        .arg(command)
        .current_dir(dir.path())
        .env("PATH", path)
        .env_remove("CI")
        .env_remove("GITHUB_STEP_SUMMARY")
        .stdin(Stdio::null())
        .output()
        .expect("run bash");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    )
}

/// Checks one block against its command's stdout; `Err` explains the first difference.
fn check_block(block: &Block, stdout: &str) -> Result<(), String> {
    if block.lang == "json" {
        let doc = parse_excerpt(&block.text)?;
        let out: Value =
            serde_json::from_str(stdout).map_err(|e| format!("the output is not JSON: {e}"))?;
        contains(&doc, &out).map_err(|m| {
            format!(
                "first difference at {}:\n    doc:    {}\n    actual: {}",
                m.path(),
                m.doc,
                m.actual
            )
        })
    } else {
        contains_lines(&block.text, stdout).map_err(|(k, doc, closest)| {
            format!(
                "line {} is not in the output (in order):\n    doc:    {doc}\n    actual: {closest} (closest)",
                block.line + 1 + k
            )
        })
    }
}

/// Runs every check of `doc` (a path from the repository root); returns how many blocks it
/// checked, and panics with every failure.
fn check_document(doc: &str) -> usize {
    let markdown = std::fs::read_to_string(repo().join(doc)).expect("read the document");
    let blocks = marked_blocks(&markdown).unwrap_or_else(|e| panic!("{doc}: {e}"));
    let mut files = Vec::new();
    let mut failures = String::new();
    let (mut checked, mut skipped) = (0, 0);
    for block in &blocks {
        match &block.marker {
            Marker::File(name) => files.push((name.clone(), block.text.clone())),
            Marker::Example(path) => {
                checked += 1;
                match std::fs::read_to_string(repo().join(path)) {
                    Ok(text) if text.trim_end() == block.text.trim_end() => {}
                    Ok(_) => {
                        let _ = writeln!(
                            failures,
                            "\n{doc}:{}: the block is not {path} as it is: copy the file into the block",
                            block.line
                        );
                    }
                    Err(e) => {
                        let _ =
                            writeln!(failures, "\n{doc}:{}: cannot read {path}: {e}", block.line);
                    }
                }
            }
            Marker::Check(_) | Marker::CheckWithData(..) => {
                let (command, data) = match &block.marker {
                    Marker::CheckWithData(data, command) => {
                        let path = repo().join("..").join("shared").join("data").join(data);
                        if !path.exists() {
                            eprintln!("{doc}:{}: skipped, no ../shared/data/{data}", block.line);
                            skipped += 1;
                            continue;
                        }
                        (command, Some(path))
                    }
                    Marker::Check(command) => (command, None),
                    Marker::File(_) | Marker::Example(_) => continue,
                };
                checked += 1;
                let (stdout, stderr, code) = run_in_sandbox(&files, data.as_deref(), command);
                if let Err(why) = check_block(block, &stdout) {
                    let _ = writeln!(
                        failures,
                        "\n{doc}:{}: the ```{} block does not match the output of\n    {command}\n  {why}\n  (exit code {code:?}; stderr: {})",
                        block.line,
                        block.lang,
                        stderr
                            .trim()
                            .lines()
                            .take(5)
                            .collect::<Vec<_>>()
                            .join(" | ")
                    );
                }
            }
        }
    }
    assert!(failures.is_empty(), "stale examples in {doc}:{failures}");
    assert!(checked + skipped > 0, "{doc} has no checked examples");
    eprintln!("{doc}: {checked} blocks checked");
    checked
}

#[test]
fn readme_examples_are_the_tools_output() {
    check_document("README.md");
}

#[test]
fn json_schema_examples_are_the_tools_output() {
    check_document("docs/json-schema.md");
}

#[test]
fn ci_examples_are_the_tools_output() {
    check_document("docs/ci.md");
}

#[test]
fn cluster_examples_are_the_tools_output() {
    // The Slurm job scripts and the Kubernetes manifest shown are the files tests/slurm/run.sh
    // runs and validates.
    check_document("docs/cluster.md");
}

#[test]
fn calibration_examples_are_the_tools_output() {
    check_document("docs/calibration.md");
}

// ---------------------------------------------------------------------------------------------
// The checker itself: it must be able to fail

const OUTPUT: &str = r#"{
  "schema": "shipcast.report/1",
  "run": { "seed": 42, "iterations": 20000 },
  "milestones": [
    { "id": "beta", "percentiles": [ { "p": 0.5, "days": 39.0 }, { "p": 0.8, "days": 44.9 } ] },
    { "id": "launch", "percentiles": [ { "p": 0.5, "days": 45.2 }, { "p": 0.8, "days": 51.5 } ], "drivers": null }
  ]
}"#;

fn matches(excerpt: &str) -> Result<(), String> {
    let block = Block {
        marker: Marker::Check(String::new()),
        line: 1,
        lang: "json".into(),
        text: excerpt.into(),
    };
    check_block(&block, OUTPUT)
}

#[test]
fn the_checker_accepts_true_excerpts() {
    // A fragment, wrapped in {} and found at the top.
    matches(r#""run": { "seed": 42 }"#).unwrap();
    // One milestone, deep in the tree, with an omission and a trailing comma.
    matches(
        r#"{
  "id": "launch",
  "percentiles": [
    ...
    { "p": 0.8, "days": 51.5 },
  ],
  ...
  "drivers": null
}"#,
    )
    .unwrap();
    // A subsequence of an array.
    matches("\"milestones\": [\n  { \"id\": \"beta\" },\n  ...\n  { \"id\": \"launch\" }\n]")
        .unwrap();
    // Text lines, in order, with omissions and a prompt.
    let block = Block {
        marker: Marker::Check(String::new()),
        line: 1,
        lang: "text".into(),
        text: "$ shipcast x\nb\n...\nd\n".into(),
    };
    check_block(&block, "a\nb   \nc\nd\n").unwrap();
}

#[test]
fn the_checker_rejects_wrong_excerpts() {
    // A stale number: reported with its path and both values.
    let err = matches(r#"{ "id": "launch", "percentiles": [ { "p": 0.8, "days": 51.6 } ] }"#)
        .unwrap_err();
    assert!(err.contains("milestones[1].percentiles[1].days"), "{err}");
    assert!(err.contains("51.6") && err.contains("51.5"), "{err}");
    // A key the output does not have.
    let err = matches(r#""run": { "seed": 42, "threads": 4 }"#).unwrap_err();
    assert!(
        err.contains("run.threads") && err.contains("no such key"),
        "{err}"
    );
    // Elements out of order are not a subsequence.
    assert!(matches(r#""milestones": [ { "id": "launch" }, { "id": "beta" } ]"#).is_err());
    // 1 is not 1.0, and "42" is not 42.
    assert!(matches(r#""run": { "iterations": 20000.0 }"#).is_err());
    assert!(matches(r#""run": { "seed": "42" }"#).is_err());
    // Text lines out of order, or changed.
    let block = |text: &str| Block {
        marker: Marker::Check(String::new()),
        line: 10,
        lang: "text".into(),
        text: text.into(),
    };
    assert!(check_block(&block("d\nb\n"), "a\nb\nc\nd\n").is_err());
    let err = check_block(&block("a\nc 2\n"), "a\nb\nc 1\nd\n").unwrap_err();
    assert!(
        err.contains("line 12") && err.contains("c 2") && err.contains("c 1"),
        "{err}"
    );
}

#[test]
fn markers_must_precede_a_block() {
    let md = "<!-- check: shipcast run x -->\n```text\na\n```\n\n<!-- file: a.toml -->\n\n```toml\nx = 1\n```\n";
    let blocks = marked_blocks(md).unwrap();
    assert_eq!(blocks.len(), 2);
    assert_eq!(blocks[0].marker, Marker::Check("shipcast run x".into()));
    assert_eq!((blocks[0].line, blocks[0].text.as_str()), (2, "a\n"));
    assert_eq!(blocks[1].marker, Marker::File("a.toml".into()));
    assert!(marked_blocks("<!-- check: x -->\nsome prose\n```text\na\n```\n").is_err());
    assert!(marked_blocks("text\n<!-- check: x -->\n").is_err());
}
