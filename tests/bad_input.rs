//! The bad-input corpus: every file under `tests/bad-input/<dir>/` is run through the real
//! binary and must be refused with exit code 2, the messages its `.expected` file lists, and
//! no panic. See RELIABILITY.md ("Bad input") for the convention:
//!
//! - a case is any file under `tests/bad-input/<dir>/` whose name does not end in `.expected`
//!   or `.args` and does not start with `_` (those are helpers a case refers to);
//! - `<case>.expected` holds one or more lines, each non-empty line a substring of stderr;
//! - `<case>.args` (optional) holds one invocation per non-empty line, whitespace-separated,
//!   `{}` standing for the case's path and `{dir}` for its directory. Without it, the
//!   directory's default applies (see `defaults`); other directories need `.args`.
//!
//! Each invocation runs in an empty temporary directory (nothing is written into the repo)
//! and is killed after 60 s, which fails the test instead of hanging CI.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(60);
/// The corpus must not shrink below this many committed cases.
const AT_LEAST: usize = 80;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad-input")
}

/// The invocations of a case without `.args`, by the corpus directory it is in.
fn defaults(dir: &str) -> Option<Vec<&'static str>> {
    Some(match dir {
        "scenario" => vec!["validate {}", "run {} -n 200 --no-report --format json"],
        "csv" | "mspdi" | "xer" | "psplib" => vec!["import {}"],
        "throughput" => vec!["throughput {}"],
        // History cases name their columns `estimate` and `actual`.
        "history" => vec![
            "calibrate {} --estimate estimate --actual actual",
            "backtest {} --estimate estimate --actual actual",
        ],
        _ => return None,
    })
}

fn is_case(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    path.is_file()
        && !name.starts_with('_')
        && !name.ends_with(".expected")
        && !name.ends_with(".args")
}

/// Every case file, with the corpus directory it belongs to, in a stable order.
fn cases() -> Vec<(String, PathBuf)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
            .map(|e| e.expect("a directory entry").path())
            .collect();
        entries.sort();
        for p in entries {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if p.is_dir() && !name.starts_with('_') {
                walk(&p, out);
            } else if is_case(&p) {
                out.push(p);
            }
        }
    }
    let root = corpus();
    let mut files = Vec::new();
    walk(&root, &mut files);
    files
        .into_iter()
        .map(|p| {
            let top = p
                .strip_prefix(&root)
                .expect("under the corpus")
                .components()
                .next()
                .expect("a directory")
                .as_os_str()
                .to_string_lossy()
                .into_owned();
            (top, p)
        })
        .collect()
}

fn sibling(case: &Path, ext: &str) -> PathBuf {
    let mut name = case.file_name().expect("a file name").to_os_string();
    name.push(ext);
    case.with_file_name(name)
}

struct Ran {
    code: Option<i32>,
    stderr: String,
    timed_out: bool,
}

/// Runs shipcast with `args` in `cwd`, killing it after `TIMEOUT`.
fn run(args: &[String], cwd: &Path) -> Ran {
    let mut child = Command::new(env!("CARGO_BIN_EXE_shipcast"))
        .args(args)
        .current_dir(cwd)
        .env_remove("CI")
        .env_remove("GITHUB_STEP_SUMMARY")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start shipcast");
    // Read stderr on a thread so a chatty child cannot block on a full pipe.
    let mut err = child.stderr.take().expect("piped stderr");
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut buf).ok();
        String::from_utf8_lossy(&buf).into_owned()
    });
    let start = Instant::now();
    let (code, timed_out) = loop {
        if let Some(status) = child.try_wait().expect("wait for shipcast") {
            break (status.code(), false);
        }
        if start.elapsed() > TIMEOUT {
            child.kill().ok();
            child.wait().ok();
            break (None, true);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Ran {
        code,
        stderr: reader.join().unwrap_or_default(),
        timed_out,
    }
}

/// Checks one invocation; returns what is wrong, if anything.
fn check(label: &str, args: &[String], expected: &[String]) -> Option<String> {
    let cwd = tempfile::tempdir().expect("a temporary directory");
    let ran = run(args, cwd.path());
    let mut wrong = Vec::new();
    if ran.timed_out {
        wrong.push(format!("still running after {} s", TIMEOUT.as_secs()));
    }
    if ran.code != Some(2) {
        wrong.push(format!("exit code {:?}, expected 2", ran.code));
    }
    if ran.stderr.contains("panicked") {
        wrong.push("panicked".to_string());
    }
    for e in expected {
        if !ran.stderr.contains(e.as_str()) {
            wrong.push(format!("stderr lacks {e:?}"));
        }
    }
    (!wrong.is_empty()).then(|| {
        format!(
            "{label}: shipcast {}\n  {}\n  stderr:\n{}",
            args.join(" "),
            wrong.join("\n  "),
            ran.stderr
        )
    })
}

fn invocations(dir: &str, case: &Path) -> Result<Vec<Vec<String>>, String> {
    let args_file = sibling(case, ".args");
    let lines: Vec<String> = if args_file.exists() {
        std::fs::read_to_string(&args_file)
            .map_err(|e| format!("{}: {e}", args_file.display()))?
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect()
    } else {
        defaults(dir)
            .ok_or_else(|| {
                format!(
                    "{}: `{dir}/` has no default invocation: add {}",
                    case.display(),
                    args_file.display()
                )
            })?
            .into_iter()
            .map(String::from)
            .collect()
    };
    let path = case.display().to_string();
    let parent = case.parent().expect("a directory").display().to_string();
    Ok(lines
        .iter()
        .map(|l| {
            l.split_whitespace()
                .map(|w| w.replace("{dir}", &parent).replace("{}", &path))
                .collect()
        })
        .collect())
}

#[test]
fn every_bad_input_is_refused_with_its_message_and_exit_2() {
    let cases = cases();
    assert!(
        cases.len() >= AT_LEAST,
        "the corpus has {} cases; it must keep at least {AT_LEAST}",
        cases.len()
    );
    let mut failures = Vec::new();
    for (dir, case) in &cases {
        let label = case
            .strip_prefix(corpus())
            .unwrap_or(case)
            .display()
            .to_string();
        let expected_file = sibling(case, ".expected");
        let expected: Vec<String> = match std::fs::read_to_string(&expected_file) {
            Ok(t) => t
                .lines()
                .map(str::trim_end)
                .filter(|l| !l.trim().is_empty())
                .map(String::from)
                .collect(),
            Err(e) => {
                failures.push(format!("{label}: no {}: {e}", expected_file.display()));
                continue;
            }
        };
        if expected.is_empty() {
            failures.push(format!("{label}: its .expected file lists no message"));
            continue;
        }
        match invocations(dir, case) {
            Ok(all) => failures.extend(all.iter().filter_map(|a| check(&label, a, &expected))),
            Err(e) => failures.push(e),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of the corpus' invocations failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// A 10 MB line, generated here rather than committed: one line of a comment, then one of a
/// string, is read or refused in reasonable time, never a panic or a hang.
#[test]
fn a_ten_megabyte_line_is_refused_not_a_hang() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let long = "x".repeat(10 << 20);
    let unterminated = dir.path().join("long-string.toml");
    std::fs::write(
        &unterminated,
        format!("[[task]]\nid = \"a\"\nduration = 3\nname = \"{long}\n"),
    )
    .expect("write");
    let junk = dir.path().join("long-junk.toml");
    std::fs::write(&junk, format!("[[task]]\nid = \"a\"\nduration = 3{long}\n")).expect("write");
    let mut failures = Vec::new();
    for (file, expected) in [
        (&unterminated, "long-string.toml:4:"),
        (&junk, "long-junk.toml:3:12"),
    ] {
        for args in [
            vec!["validate".to_string(), file.display().to_string()],
            vec![
                "run".to_string(),
                file.display().to_string(),
                "--no-report".to_string(),
            ],
        ] {
            failures.extend(check(
                "10 MB line",
                &args,
                &[expected.to_string(), "not valid TOML".to_string()],
            ));
        }
    }
    // The offending line is shown cut short, not 10 MB of it.
    let ran = run(
        &["validate".to_string(), junk.display().to_string()],
        dir.path(),
    );
    assert!(
        ran.stderr.len() < 10_000,
        "{} bytes of stderr",
        ran.stderr.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The other side of the limits: the largest numbers validation accepts (durations, lags and
/// delays of 1e9 working days, costs of 1e15, scales of 1e6) go through every command and
/// renderer without a panic, and finishes past 9999-12-31 are shown in working days.
#[test]
fn the_largest_accepted_numbers_survive_every_renderer() {
    let plan = "[project]\nstart = 2027-01-04\nholidays = [2027-12-24]\nstatus_date = 2027-01-05\ncost_per_day = 1e9\n\
        [[task]]\nid = \"a\"\nduration = [1, 5e8, 1e9]\ncost = 1e15\n\
        [[task]]\nid = \"b\"\nafter = [{ task = \"a\", lag = 1e9 }]\nduration = 1e9\nsuccess = 0.5\n\
        [[task]]\nid = \"c\"\nduration = 3\n\
        [[risk]]\nid = \"r\"\nprobability = 0.5\naffects = [\"c\"]\ndelay = [1e8, 2e8, 1e9]\nscale = 1e6\n\
        [[milestone]]\nid = \"m\"\nafter = [\"b\", \"c\"]\ndeadline = 1e9\nbudget = 1e15\n\
        [variant.later]\n";
    let dir = tempfile::tempdir().expect("a temporary directory");
    let dated = dir.path().join("dated.toml");
    std::fs::write(&dated, plan).expect("write");
    let undated = dir.path().join("undated.toml");
    std::fs::write(
        &undated,
        plan.replace("start = 2027-01-04\n", "")
            .replace("holidays = [2027-12-24]\n", "")
            .replace("status_date = 2027-01-05\n", ""),
    )
    .expect("write");
    let mut failures = Vec::new();
    for file in [&dated, &undated] {
        let f = file.display().to_string();
        let out = dir.path().join("out").display().to_string();
        let history = dir.path().join("history.csv").display().to_string();
        let tasks = dir.path().join("tasks.csv").display().to_string();
        let mut report = vec!["run", &f, "-n", "300", "--out", &out, "--force", "--png"];
        // A forecast history needs a status date: only the dated plan has one.
        if file == &dated {
            report.extend(["--history", history.as_str()]);
        }
        let n = ["-n", "300", "--no-report"];
        let runs: Vec<Vec<&str>> = vec![
            vec!["validate", &f],
            report,
            [&["run", f.as_str()][..], &n, &["--format", "json"]].concat(),
            [&["run", f.as_str()][..], &n, &["--format", "csv"]].concat(),
            [&["run", f.as_str()][..], &n, &["--format", "markdown"]].concat(),
            [
                &["run", f.as_str()][..],
                &n,
                &["--tasks", &tasks, "--force"],
            ]
            .concat(),
            vec!["brief", &f, "-n", "300"],
            vec!["compare", &f, "-n", "300", "--out", &out, "--force"],
            vec![
                "sweep",
                &f,
                "--set",
                "task.c.duration_scale=1,1e6",
                "-n",
                "300",
            ]
            .into_iter()
            .chain(["--out", out.as_str(), "--force"])
            .collect(),
        ];
        for args in runs {
            let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
            let ran = run(&args, dir.path());
            if ran.timed_out || !matches!(ran.code, Some(0 | 1)) || ran.stderr.contains("panicked")
            {
                failures.push(format!(
                    "shipcast {}: exit {:?}, timed out {}\n{}",
                    args.join(" "),
                    ran.code,
                    ran.timed_out,
                    ran.stderr
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
