//! The entry points of the fuzz targets, shared with `tests/fuzz_regressions.rs` (which includes
//! this file), so a committed reproducer runs through exactly the code the fuzzer ran.
//!
//! Each function takes the raw input, may return early on an error (errors are fine), and must
//! never panic; it returns whether the input was accepted all the way through. The work is bounded so that one input cannot take seconds: inputs longer than
//! [`MAX_INPUT`] are skipped, runs are [`ITERATIONS`] iterations on one thread, and only the
//! first few variants and sweep points are run.

use std::io::Write;

use shipcast::analysis::compare::{Comparison, Pairing};
use shipcast::analysis::sweep::Sweep;
use shipcast::import::{self, Format, Options};
use shipcast::pipeline::{self, Quiet, RunSpec};
use shipcast::report::{self, Input};

/// The longest input a target reads (longer ones are skipped: they add time, not paths).
pub const MAX_INPUT: usize = 16 * 1024;
/// Iterations of every simulation a target runs.
pub const ITERATIONS: u64 = 24;
/// Sweep points simulated at most.
const MAX_POINTS: usize = 8;

fn spec(data_len: usize) -> RunSpec {
    RunSpec {
        iterations: Some(ITERATIONS),
        seed: Some(7),
        // Both samplings, chosen by the input so the fuzzer can reach either.
        sampling: if data_len.is_multiple_of(2) {
            shipcast::engine::Sampling::MonteCarlo
        } else {
            shipcast::engine::Sampling::LatinHypercube
        },
        threads: Some(1),
        precision: None,
        details: true,
        // A fuzz input must not make the target allocate gigabytes.
        memory_limit: Some(256_000_000),
    }
}

/// Scenario text: load (every variant), simulate the base plan with details, render it in every
/// format (text, JSON, CSV, Markdown, HTML with every chart as SVG, the briefing, the per-task
/// forecast), then compare the variants and run the scenario's own sweep, rendered too.
pub fn scenario(data: &[u8]) -> bool {
    if data.len() > MAX_INPUT {
        return false;
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let Ok(plans) = shipcast::load_all_str("fuzz.toml", text) else {
        return false;
    };
    let spec = spec(data.len());
    let ran = render_run(&plans[0], &spec);
    compare(&plans, &spec);
    sweep(&plans[0], &spec);
    ran
}

fn render_run(plan: &shipcast::model::Plan, spec: &RunSpec) -> bool {
    let Ok(f) = pipeline::forecast(plan.clone(), spec, None, &Quiet) else {
        return false;
    };
    let input = Input::of(&f, "fuzz.toml");
    for format in [
        report::Format::Text,
        report::Format::Json,
        report::Format::Csv,
        report::Format::Markdown,
    ] {
        let _ = format.exporter().run(&input);
    }
    let _ = report::briefing::text(&report::briefing::of(&input));
    if let Some(full) = input.forecast() {
        let _ = report::markdown::render(&full);
        let _ = report::csv::render_drivers(&full);
        let _ = report::html::page(&full);
    }
    let config = f.config;
    let rows = shipcast::analysis::tasks::task_forecast(&f.plan, &config);
    let _ = report::tasks::csv(&f.plan, &rows);
    let _ = report::tasks::json_value(&f.plan, &rows);
    true
}

fn compare(plans: &[shipcast::model::Plan], spec: &RunSpec) {
    if plans.len() < 2 {
        return;
    }
    let labelled: Vec<(String, &shipcast::model::Plan)> = plans
        .iter()
        .take(3)
        .map(|p| (p.variant().unwrap_or("base").to_string(), p))
        .collect();
    let files: Vec<String> = labelled.iter().map(|_| "fuzz.toml".to_string()).collect();
    let spec = RunSpec {
        details: false,
        ..spec.clone()
    };
    let Ok(compared) = pipeline::compare(&labelled, &spec, Pairing::Common) else {
        return;
    };
    let c = Comparison {
        plans: &labelled,
        files: &files,
        scenarios: &compared.scenarios,
        paired: &compared.paired,
        pairing: Pairing::Common,
        decisions: &compared.decisions,
        net: &compared.net,
    };
    for format in [
        report::Format::Text,
        report::Format::Json,
        report::Format::Csv,
        report::Format::Markdown,
    ] {
        let _ = report::compare::render(format, &c);
    }
}

fn sweep(plan: &shipcast::model::Plan, spec: &RunSpec) {
    let Some(s) = plan.sweep() else {
        return;
    };
    let points: usize = s.params.iter().map(|p| p.values.len()).product();
    if points > MAX_POINTS {
        return;
    }
    let spec = RunSpec {
        details: false,
        ..spec.clone()
    };
    let Ok((config, points)) = pipeline::sweep(plan, &s.params, s.milestone, &spec) else {
        return;
    };
    let view = Sweep {
        plan,
        file: "fuzz.toml",
        params: &s.params,
        milestone: s.milestone,
        points: &points,
        seed: config.seed,
        iterations: config.iterations,
    };
    for format in [
        report::Format::Text,
        report::Format::Json,
        report::Format::Csv,
        report::Format::Markdown,
    ] {
        let _ = report::compare::render_sweep(format, &view);
    }
}

/// Imported plans: the importer of `format`, then the scenario it writes, loaded back (an
/// importer must write a scenario shipcast reads; it is loaded, not simulated).
pub fn import(format: Format, name: &str, data: &[u8]) -> bool {
    if data.len() > MAX_INPUT {
        return false;
    }
    let options = Options {
        from: Some(format),
        ..Options::default()
    };
    let Ok(plan) = import::import(name, data, &options) else {
        return false;
    };
    let text = plan.to_toml();
    shipcast::load_all_str(name, &text).is_ok()
}

/// A backlog's throughput history (`throughput = { file = ... }`), counted per week and per day.
pub fn throughput_csv(data: &[u8]) -> bool {
    if data.len() > MAX_INPUT {
        return false;
    }
    use shipcast::import::throughput::{Period, history};
    // The date column found by itself, and named (as `column = "done"` does).
    let week = history("fuzz.csv", data, None, Period::Week).is_ok();
    let day = history("fuzz.csv", data, None, Period::Day).is_ok();
    let _ = history("fuzz.csv", data, Some("done"), Period::Week);
    week && day
}

/// The history CSVs: a calibration history (`calibrate`, amounts then dates), fitted, and a
/// forecast history (`--history`).
pub fn history_csv(data: &[u8]) -> bool {
    if data.len() > MAX_INPUT {
        return false;
    }
    use shipcast::report::history_csv::{Columns, HistorySpec, parse};
    let path = std::path::Path::new("fuzz.csv");
    let amounts = Columns::Amounts {
        estimate: "estimate".into(),
        actual: "actual".into(),
    };
    let specs = [
        HistorySpec {
            path: path.to_path_buf(),
            delimiter: None,
            columns: amounts.clone(),
            group: None,
            order: None,
            filters: vec![],
            skip_invalid: false,
        },
        HistorySpec {
            path: path.to_path_buf(),
            delimiter: None,
            columns: amounts,
            group: Some("team".into()),
            order: Some("finished".into()),
            filters: vec![],
            skip_invalid: data.len().is_multiple_of(2),
        },
        HistorySpec {
            path: path.to_path_buf(),
            delimiter: None,
            columns: Columns::Dates {
                start: "start".into(),
                planned_end: "planned_end".into(),
                actual_end: "actual_end".into(),
            },
            group: None,
            order: None,
            filters: vec![("team".into(), "a".into())],
            skip_invalid: data.len() % 2 == 1,
        },
    ];
    let mut accepted = false;
    for spec in &specs {
        if let Ok(h) = parse(path, data, spec) {
            let _ = report::calibration::history_text(&h);
            if let Some(fit) = shipcast::analysis::calibration::fit(&h.ratios()) {
                let _ = report::calibration::fit_text("fuzz", &fit, &[]);
                accepted = true;
            }
        }
    }
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(rows) = report::history::parse(text)
    {
        let _ = report::history::render(&rows);
        accepted = true;
    }
    accepted
}

/// Shard files for `merge`: the input holds one shard file per line, each naming the scenario
/// [`shard_scenario`] wrote (seeds are real shards of it, so the fingerprint matches and the
/// fuzzer reaches the merge itself). Runs `shipcast merge` through the CLI's own entry point,
/// so whatever `merge` reads and checks is what is fuzzed.
pub fn shard(data: &[u8]) -> bool {
    if data.len() > MAX_INPUT {
        return false;
    }
    let dir = shard_dir();
    let mut paths = Vec::new();
    for (k, part) in split_parts(data).into_iter().enumerate().take(8) {
        if part.is_empty() {
            continue;
        }
        let path = dir.join(format!("part-{k}.shard"));
        let Ok(mut f) = std::fs::File::create(&path) else {
            return false;
        };
        if f.write_all(&with_digest(part)).is_err() {
            return false;
        }
        paths.push(path);
    }
    if paths.is_empty() {
        return false;
    }
    let mut args: Vec<std::ffi::OsString> = vec!["shipcast".into(), "merge".into()];
    if data.len() % 2 == 1 {
        args.push("--no-drivers".into());
    }
    args.extend(paths.iter().map(|p| p.clone().into_os_string()));
    use shipcast::cli::Cli;
    let Ok(cli) = <Cli as clap::Parser>::try_parse_from(args) else {
        return false;
    };
    let mut out = Vec::new();
    shipcast::cli::execute(cli, &mut out).is_ok()
}

/// Between two shard files in one input (shard files are binary, so not a newline).
pub const SHARD_SEPARATOR: &[u8] = b"\n==next shard==\n";

fn split_parts(data: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut rest = data;
    while let Some(at) = rest
        .windows(SHARD_SEPARATOR.len())
        .position(|w| w == SHARD_SEPARATOR)
    {
        parts.push(&rest[..at]);
        rest = &rest[at + SHARD_SEPARATOR.len()..];
    }
    parts.push(rest);
    parts
}

/// A part whose first line claims the current format gets the SHA-256 of the rest written into
/// that line, as `run --shard` would: otherwise nearly every mutation would stop at the digest
/// check, and the field checks behind it would never be fuzzed. (The digest check itself is
/// fuzzed by the parts that do not start with that line, and by tests/bad-input/shard/.)
fn with_digest(part: &[u8]) -> Vec<u8> {
    const HEAD: &[u8] = b"shipcast.shard/3 sha256:";
    let Some(nl) = part.iter().position(|&b| b == b'\n') else {
        return part.to_vec();
    };
    if !part.starts_with(HEAD) {
        return part.to_vec();
    }
    use sha2::Digest;
    let body = &part[nl + 1..];
    let digest: String = sha2::Sha256::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut out = Vec::with_capacity(part.len() + 64);
    out.extend_from_slice(HEAD);
    out.extend_from_slice(digest.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(body);
    out
}

/// The scenario the shard seeds ran, at a fixed path (the shard files name it).
pub const SHARD_SCENARIO_PATH: &str = "/tmp/shipcast-fuzz-shard/plan.toml";
pub const SHARD_SCENARIO: &str = r#"[project]
start = 2027-01-04
cost_per_day = 1000

[[task]]
id = "design"
duration = [3, 5, 9]

[[task]]
id = "train"
after = ["design"]
duration = [5, 8, 20]
success = 0.7
attempts = 3
fallback = "rules"

[[task]]
id = "rules"
duration = [10, 12, 15]

[[risk]]
id = "outage"
probability = 0.2
affects = ["train"]
delay = [2, 4, 8]

[[milestone]]
id = "beta"
after = ["train"]
deadline = 2027-03-01

[[milestone]]
id = "launch"
after = ["beta", "design"]
"#;

/// The directory the shard target writes its parts into (one per process and thread, so that
/// a fuzzer and the regression tests can run at once), with the scenario in place beside it.
pub fn shard_dir() -> std::path::PathBuf {
    let path = std::path::Path::new(SHARD_SCENARIO_PATH);
    let dir = path.parent().expect("a fixed path with a directory");
    let thread = format!("{:?}", std::thread::current().id());
    let thread: String = thread.chars().filter(char::is_ascii_digit).collect();
    let parts = dir.join(format!("parts-{}-{thread}", std::process::id()));
    std::fs::create_dir_all(&parts).expect("the fuzz directory can be made");
    let ok = std::fs::read_to_string(path).is_ok_and(|t| t == SHARD_SCENARIO);
    if !ok {
        let tmp = parts.join("plan.toml");
        std::fs::write(&tmp, SHARD_SCENARIO).expect("the fuzz scenario can be written");
        std::fs::rename(&tmp, path).expect("the fuzz scenario can be moved into place");
    }
    parts
}
