//! The CI contract: exit codes, gates, batches, step summaries, JUnit, drift, precision, shards
//! and merge, JSON Schemas, and quiet closed pipes.

mod common;

use std::io::Read;
use std::process::{Command, Stdio};

use common::*;
use serde_json::Value;

/// A fixed 10-day task with a 30% risk of 5 more days: P(finish <= 10) = 0.7 exactly.
const RISKY: &str = "[[task]]\nid = \"a\"\nduration = 10\n[[risk]]\nid = \"r\"\nprobability = 0.3\naffects = [\"a\"]\ndelay = 5\n[[milestone]]\nid = \"m\"\nafter = [\"a\"]\ndeadline = 10\n";

fn with_confidence(c: f64) -> String {
    format!("{RISKY}confidence = {c}\n")
}

#[test]
fn exit_codes_for_pass_fail_undecided_and_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, text: &str| {
        let path = write(&dir, name, text);
        shipcast(&["check", path.to_str().unwrap(), "--iterations", "4000"])
    };
    // P(on time) = 0.7 exactly: a 0.5 gate holds, a 0.9 gate fails, both clearly (the interval
    // is about +-0.014 wide at n = 4000).
    let pass = run("pass.toml", &with_confidence(0.5));
    assert_eq!(pass.code, 0, "{}", pass.stdout);
    assert!(
        pass.stdout.starts_with("PASS ") && !pass.stdout.contains("undecided"),
        "{}",
        pass.stdout
    );
    let fail = run("fail.toml", &with_confidence(0.9));
    assert_eq!(fail.code, 1);
    assert!(fail.stdout.starts_with("FAIL "), "{}", fail.stdout);
    // A target of 0.7 sits inside the interval: the verdict follows the estimate, and says it is
    // undecided at this precision.
    let undecided = run("undecided.toml", &with_confidence(0.7));
    assert!(undecided.code == 0 || undecided.code == 1);
    assert!(
        undecided
            .stdout
            .contains("undecided at this precision: raise --iterations or use --precision"),
        "{}",
        undecided.stdout
    );
    let bad = run("bad.toml", "[[task]]\nid = \"a\"\n");
    assert_eq!(bad.code, 2);
    assert!(bad.stdout.is_empty() && bad.stderr.contains("has no duration"));
}

#[test]
fn gates_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "plan.toml", RISKY);
    let p = path.to_str().unwrap();
    assert_eq!(
        shipcast(&["run", p, "--no-report", "--gate", "m:10@0.5"]).code,
        0
    );
    assert_eq!(
        shipcast(&["run", p, "--no-report", "--gate", "m:10@0.9"]).code,
        1
    );
    // The deadline can move: by working day 15 every run is on time.
    assert_eq!(
        shipcast(&["run", p, "--no-report", "--gate", "m:15@0.99"]).code,
        0
    );
    let no_start = shipcast(&["run", p, "--no-report", "--gate", "m:2027-04-30@0.8"]);
    assert_eq!(no_start.code, 2);
    assert!(
        no_start.stderr.contains("needs [project] start"),
        "{}",
        no_start.stderr
    );
    let unknown = shipcast(&["run", p, "--no-report", "--gate", "launch:10@0.8"]);
    assert!(
        unknown.code == 2 && unknown.stderr.contains("no milestone `launch` (it has m)"),
        "{}",
        unknown.stderr
    );
    let dated = shipcast(&[
        "run",
        "scenarios/ai-assistant.toml",
        "--no-report",
        "--iterations",
        "2000",
        "--gate",
        "launch:2027-02-15@0.5",
    ]);
    assert_eq!(dated.code, 1, "launch cannot ship by mid-February");
}

#[test]
fn a_batch_runs_every_file_and_exits_with_the_worst() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir, "a-good.toml", &with_confidence(0.5));
    write(&dir, "b-broken.toml", "[[task]]\nid = \"a\"\nduraton = 3\n");
    write(&dir, "c-late.toml", &with_confidence(0.9));
    let d = dir.path().to_str().unwrap();
    let out = shipcast(&["run", d, "--iterations", "2000", "--no-report"]);
    assert_eq!(out.code, 2, "bad input is the worst outcome");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines[0].starts_with("File") && lines[0].contains("Milestone") && lines[0].contains("Gate"),
        "{}",
        out.stdout
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("a-good.toml") && l.contains("holds")),
        "{}",
        out.stdout
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("b-broken.toml") && l.contains("ERROR")),
        "{}",
        out.stdout
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("c-late.toml") && l.contains("FAILS")),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains("unknown key `duraton`"),
        "the broken file's diagnostics: {}",
        out.stderr
    );
    // Without the broken file, a failed gate is the worst: 1.
    std::fs::remove_file(dir.path().join("b-broken.toml")).unwrap();
    let json = shipcast(&[
        "run",
        d,
        "--iterations",
        "2000",
        "--no-report",
        "--format",
        "json",
    ]);
    assert_eq!(json.code, 1);
    let v: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["schema"], "shipcast.batch/1");
    assert_eq!(v["exit_code"], 1);
    assert_eq!(v["runs"].as_array().unwrap().len(), 2);
}

#[test]
fn ci_mode_writes_a_step_summary_and_junit() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(&dir, "a.toml", &with_confidence(0.5));
    let b = write(&dir, "b.toml", &with_confidence(0.9));
    let broken = write(&dir, "broken.toml", "[[task]]\n");
    let summary = dir.path().join("summary.md");
    let junit = dir.path().join("junit.xml");
    let out = Command::new(env!("CARGO_BIN_EXE_shipcast"))
        .args([
            "run",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            broken.to_str().unwrap(),
            "--iterations",
            "2000",
            "--no-report",
            "--junit",
            junit.to_str().unwrap(),
        ])
        .env("CI", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("File") && stderr.contains("b.toml"),
        "CI mode prints the summary on stderr: {stderr}"
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.starts_with("## shipcast forecast")
            && md.contains("| File | Milestone |")
            && md.contains("### "),
        "{md}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(
        (
            root.attribute("tests"),
            root.attribute("failures"),
            root.attribute("errors")
        ),
        (Some("3"), Some("1"), Some("1"))
    );
    let cases: Vec<_> = root
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 3);
    assert_eq!(
        cases
            .iter()
            .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
            .count(),
        1
    );
    // The summary is appended, never replaced, and a rerun may replace its own JUnit file.
    let again = Command::new(env!("CARGO_BIN_EXE_shipcast"))
        .args([
            "run",
            a.to_str().unwrap(),
            "--iterations",
            "500",
            "--no-report",
            "--ci",
            "--junit",
            junit.to_str().unwrap(),
        ])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env_remove("CI")
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(&summary)
            .unwrap()
            .matches("## shipcast forecast")
            .count(),
        2
    );
    // A file that is not ours is not replaced.
    std::fs::write(&junit, "<notes/>").unwrap();
    let refused = shipcast(&[
        "run",
        a.to_str().unwrap(),
        "--no-report",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(refused.code, 2);
    assert_eq!(std::fs::read_to_string(&junit).unwrap(), "<notes/>");
}

#[test]
fn an_unwritable_step_summary_never_fails_the_run() {
    let out = Command::new(env!("CARGO_BIN_EXE_shipcast"))
        .args([
            "run",
            "scenarios/ai-assistant.toml",
            "--iterations",
            "300",
            "--no-report",
            "--ci",
        ])
        .env("GITHUB_STEP_SUMMARY", "/nonexistent/dir/summary.md")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("could not append to GITHUB_STEP_SUMMARY")
    );
}

#[test]
fn four_shards_merge_into_the_unsharded_report_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let run = |report: bool| {
        let out = dir.path().join("report");
        let mut args = vec![
            "run",
            "scenarios/ai-assistant.toml",
            "--iterations",
            "3001",
            "--format",
            "json",
            "--gate",
            "beta:45@0.5",
            "--force",
        ];
        if report {
            args.extend(["--out", out.to_str().unwrap()]);
        } else {
            args.push("--no-report");
        }
        let r = shipcast(&args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        r.stdout
    };
    // With a report, the run ranks its drivers; without, it does not.
    let (whole, whole_bare) = (run(true), run(false));
    assert!(whole.contains("\"drivers\": [") && !whole_bare.contains("\"drivers\": ["));
    let mut parts = Vec::new();
    for k in [3, 1, 4, 2] {
        let shard = shipcast(&[
            "run",
            "scenarios/ai-assistant.toml",
            "--iterations",
            "3001",
            "--shard",
            &format!("{k}/4"),
            "--gate",
            "beta:45@0.5",
            "--threads",
            &(k % 2 + 1).to_string(),
        ]);
        assert_eq!(shard.code, 0, "{}", shard.stderr);
        parts.push(write_bytes(&dir, &format!("part-{k}.json"), &shard.bytes));
    }
    let mut args = vec!["merge"];
    args.extend(parts.iter().map(|p| p.to_str().unwrap()));
    let merged = shipcast(&args);
    assert_eq!(merged.code, 0, "{}", merged.stderr);
    // Drivers included: criticality counts add up, sensitivities and what-ifs are recomputed
    // from the same streams.
    assert_eq!(merged.stdout, whole);
    args.push("--no-drivers");
    let bare = shipcast(&args);
    assert_eq!(bare.code, 0, "{}", bare.stderr);
    assert_eq!(bare.stdout, whole_bare);
    // A missing shard is refused.
    let three = shipcast(&[
        "merge",
        parts[0].to_str().unwrap(),
        parts[1].to_str().unwrap(),
        parts[2].to_str().unwrap(),
    ]);
    assert_eq!(three.code, 2);
    assert!(three.stderr.contains("missing 2"), "{}", three.stderr);
}

/// Two milestones, one with a deadline, a gate, a budget and a budget gate; an experiment
/// with a fallback, one without (so some runs never deliver); risks with delays and costs.
const WIDE_PLAN: &str = r#"
[project]
start = 2027-01-04
cost_per_day = 1000

[[task]]
id = "design"
duration = [3, 5, 9]

[[task]]
id = "model"
after = ["design"]
duration = [4, 6, 12]
success = 0.55
attempts = 3
retry_duration = [2, 3, 5]
fallback = "rules"

[[task]]
id = "rules"
duration = { dist = "samples", values = [4, 5, 5, 7] }

[[task]]
id = "pilot"
after = ["model"]
duration = { dist = "lognormal", p10 = 2, p90 = 6 }
success = 0.9

[[risk]]
id = "vendor"
probability = 0.25
affects = ["design"]
delay = [2, 4, 8]
cost = 3000

[[risk]]
id = "rework"
probability = 0.2
affects = ["model"]
scale = [1.1, 1.3, 1.6]

[[milestone]]
id = "beta"
after = ["model"]

[[milestone]]
id = "launch"
after = ["pilot"]
deadline = 2027-02-05
confidence = 0.5
budget = 26000
budget_confidence = 0.5
"#;

#[test]
fn streamed_merges_of_a_plan_with_budgets_experiments_and_risks_are_the_run_byte_for_byte() {
    // 7 uneven shards of 2999 iterations (not a multiple of the 20 Latin hypercube
    // replicates): the merge with drivers reads the rows, the one without streams the sorted
    // columns; both print what one run prints, in JSON and in text.
    let dir = tempfile::tempdir().unwrap();
    let plan = write(&dir, "wide.toml", WIDE_PLAN);
    let p = plan.to_str().unwrap();
    for sampling in ["mc", "lhs"] {
        let run = |extra: &[&str]| {
            let mut args = vec!["run", p, "-n", "2999", "--sampling", sampling];
            args.extend(extra);
            shipcast(&args)
        };
        let mut parts = Vec::new();
        for k in 1..=7 {
            let shard = run(&["--shard", &format!("{k}/7")]);
            assert_eq!(shard.code, 0, "{}", shard.stderr);
            parts.push(write_bytes(
                &dir,
                &format!("{sampling}-{k}.shard"),
                &shard.bytes,
            ));
        }
        let out = dir.path().join(format!("report-{sampling}"));
        for (format, drivers) in [
            ("json", true),
            ("json", false),
            ("text", false),
            ("csv", false),
        ] {
            let mut args = vec!["-f", format];
            if drivers {
                args.extend(["--out", out.to_str().unwrap()]);
            } else {
                args.push("--no-report");
            }
            let whole = run(&args);
            assert!(whole.code <= 1, "{}", whole.stderr);
            let mut merge = vec!["merge", "-f", format];
            if !drivers {
                merge.push("--no-drivers");
            }
            merge.extend(parts.iter().map(|p| p.to_str().unwrap()));
            let merged = shipcast(&merge);
            assert_eq!(merged.code, whole.code, "{}", merged.stderr);
            assert_eq!(
                merged.stdout, whole.stdout,
                "{sampling} {format} drivers: {drivers}"
            );
        }
    }
}

#[test]
fn shard_files_carry_a_digest_and_the_format_version() {
    let dir = tempfile::tempdir().unwrap();
    let plan = write(&dir, "wide.toml", WIDE_PLAN);
    let p = plan.to_str().unwrap();
    let shard = shipcast(&["run", p, "-n", "500", "--shard", "1/1"]);
    assert_eq!(shard.code, 0, "{}", shard.stderr);
    assert!(shard.stdout.starts_with("shipcast.shard/3 sha256:"));
    // The header's sizes announce the columns: 500 iterations of two milestones with costs,
    // 28 bytes each.
    let first_two = shard
        .bytes
        .splitn(3, |&b| b == b'\n')
        .take(2)
        .map(<[u8]>::len)
        .sum::<usize>();
    assert_eq!(shard.bytes.len() - first_two - 2, 500 * 2 * 28);
    let good = write_bytes(&dir, "good.shard", &shard.bytes);
    let merged = shipcast(&["merge", "--no-drivers", good.to_str().unwrap()]);
    assert_eq!(merged.code, 0, "{}", merged.stderr);
    // One bit flipped in the columns: refused as damaged, before anything is read from them.
    let mut bytes = shard.bytes.clone();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let bad = write_bytes(&dir, "bad.shard", &bytes);
    let refused = shipcast(&["merge", bad.to_str().unwrap()]);
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("bad.shard was edited or damaged"),
        "{}",
        refused.stderr
    );
    assert!(!refused.stderr.contains("panicked"));
}

#[test]
fn latin_hypercube_shards_merge_into_the_unsharded_report_byte_for_byte() {
    // Shard boundaries (3001 / 3) do not fall on the 20 replicates' (3001 / 20): each shard
    // draws exactly its slice of the whole run's hypercubes.
    let dir = tempfile::tempdir().unwrap();
    let args = |extra: &[&str]| {
        let mut a = vec![
            "run",
            "scenarios/ai-assistant.toml",
            "--iterations",
            "3001",
            "--sampling",
            "lhs",
        ];
        a.extend_from_slice(extra);
        shipcast(&a)
    };
    let whole = args(&["--format", "json", "--no-report"]);
    assert_eq!(whole.code, 0, "{}", whole.stderr);
    let report: Value = serde_json::from_str(&whole.stdout).unwrap();
    assert_eq!(report["run"]["intervals"], "replicated-lhs");
    validate("report.schema.json", &report);
    let mut parts = Vec::new();
    for k in 1..=3 {
        let shard = args(&["--shard", &format!("{k}/3")]);
        assert_eq!(shard.code, 0, "{}", shard.stderr);
        parts.push(write_bytes(&dir, &format!("part-{k}.json"), &shard.bytes));
    }
    let mut merge = vec!["merge", "--format", "json", "--no-drivers"];
    merge.extend(parts.iter().map(|p| p.to_str().unwrap()));
    let merged = shipcast(&merge);
    assert_eq!(merged.code, 0, "{}", merged.stderr);
    assert_eq!(merged.stdout, whole.stdout);
}

#[test]
fn precision_mode_samples_until_the_intervals_are_narrow() {
    let r: Value = serde_json::from_str(
        &shipcast(&[
            "run",
            "scenarios/ai-assistant.toml",
            "--iterations",
            "1000",
            "--precision",
            "0.5d",
            "--format",
            "json",
            "--no-report",
        ])
        .stdout,
    )
    .unwrap();
    let p = &r["run"]["precision"];
    assert_eq!(p["reached"], true, "{p}");
    assert_eq!(p["target_days"], 0.5);
    assert!(p["widest_interval_days"].as_f64().unwrap() <= 0.5);
    let n = r["run"]["iterations"].as_u64().unwrap();
    assert!(
        n > 1000 && (n / 1000).is_power_of_two(),
        "doubles from 1000: {n}"
    );
    for m in r["milestones"].as_array().unwrap() {
        for q in m["percentiles"].as_array().unwrap() {
            assert!(q["high_days"].as_f64().unwrap() - q["low_days"].as_f64().unwrap() <= 0.5);
        }
    }
    // A ceiling it cannot reach below: the report says so.
    let capped = shipcast(&[
        "run",
        "scenarios/ai-assistant.toml",
        "--iterations",
        "1000",
        "--precision",
        "0.01d",
        "--max-iterations",
        "4000",
        "--no-report",
    ]);
    assert!(
        capped
            .stdout
            .contains("precision NOT reached after 4000 iterations"),
        "{}",
        capped.stdout
    );
}

#[test]
fn drift_against_a_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let base = shipcast(&[
        "run",
        "scenarios/ai-assistant.toml",
        "--iterations",
        "4000",
        "--format",
        "json",
        "--no-report",
    ]);
    let baseline = write(&dir, "baseline.json", &base.stdout);
    let b = baseline.to_str().unwrap();
    // The same plan and seed: nothing moved.
    let same: Value = serde_json::from_str(
        &shipcast(&[
            "run",
            "scenarios/ai-assistant.toml",
            "--iterations",
            "4000",
            "--format",
            "json",
            "--no-report",
            "--baseline",
            b,
        ])
        .stdout,
    )
    .unwrap();
    let launch = same["drift"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["milestone"] == "launch")
        .unwrap();
    assert_eq!(launch["p80_days"]["change"], 0.0);
    assert_eq!(launch["p80_days"]["beyond_noise"], false);
    // Ten more days of review: launch's P80 moves by about ten days, far beyond noise.
    let slower = std::fs::read_to_string("scenarios/ai-assistant.toml")
        .unwrap()
        .replace(
            "values = [3, 4, 4, 5, 6, 8, 12]",
            "values = [13, 14, 14, 15, 16, 18, 22]",
        );
    let path = write(&dir, "slower.toml", &slower);
    let out = shipcast(&[
        "run",
        path.to_str().unwrap(),
        "--iterations",
        "4000",
        "--no-report",
        "--baseline",
        b,
    ]);
    assert!(
        out.stdout.contains("Drift since the baseline") && out.stdout.contains("(+10.0 d) *"),
        "{}",
        out.stdout
    );
    let bad = shipcast(&[
        "run",
        "scenarios/ai-assistant.toml",
        "--no-report",
        "--baseline",
        "Cargo.toml",
    ]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("--baseline Cargo.toml: not JSON"),
        "{}",
        bad.stderr
    );
}

#[test]
fn latin_hypercube_runs_are_reproducible_for_any_thread_count() {
    let run = |threads: &str| {
        shipcast(&[
            "run",
            "scenarios/ai-assistant.toml",
            "--iterations",
            "3000",
            "--sampling",
            "lhs",
            "--format",
            "json",
            "--no-report",
            "--threads",
            threads,
        ])
        .stdout
    };
    let one = run("1");
    assert_eq!(one, run("2"));
    assert!(one.contains("\"sampling\": \"latin-hypercube\""));
    let refused = shipcast(&[
        "run",
        "scenarios/ai-assistant.toml",
        "--sampling",
        "lhs",
        "--precision",
        "1d",
        "--no-report",
    ]);
    assert_eq!(refused.code, 2);
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_shipcast"))
        .args([
            "run",
            "scenarios/ai-assistant.toml",
            "--iterations",
            "20000",
            "--format",
            "json",
            "--no-report",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(err.is_empty(), "nothing on stderr: {err}");
}

fn validate(schema_file: &str, instance: &Value) {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("docs/schema/{schema_file}")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{schema_file}: {errors:#?}");
}

#[test]
fn every_json_output_matches_its_schema() {
    let json = |args: &[&str]| -> Value {
        let out = shipcast(args);
        assert!(out.code <= 1, "{}", out.stderr);
        serde_json::from_str(&out.stdout).unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("r");
    // A report with drivers, costs, precision and drift; one without; one where P95 is never.
    let base = json(&[
        "run",
        "scenarios/ai-assistant.toml",
        "--iterations",
        "2000",
        "--format",
        "json",
        "--out",
        d.to_str().unwrap(),
    ]);
    validate("report.schema.json", &base);
    // Shared resources and a backlog: the resources section.
    let team = json(&[
        "run",
        "scenarios/shared-team.toml",
        "--iterations",
        "500",
        "--format",
        "json",
        "--out",
        dir.path().join("team").to_str().unwrap(),
    ]);
    assert_eq!(team["resources"]["binding"], "ml");
    validate("report.schema.json", &team);
    let baseline = write(&dir, "b.json", &serde_json::to_string(&base).unwrap());
    validate(
        "report.schema.json",
        &json(&[
            "run",
            "scenarios/ai-assistant.toml",
            "--iterations",
            "1000",
            "--precision",
            "2d",
            "--format",
            "json",
            "--no-report",
            "--baseline",
            baseline.to_str().unwrap(),
        ]),
    );
    validate(
        "report.schema.json",
        &json(&[
            "run",
            "scenarios/speed-vs-scale.toml",
            "--variant",
            "scale-first",
            "--iterations",
            "1000",
            "--format",
            "json",
            "--no-report",
        ]),
    );
    let never = write(
        &dir,
        "never.toml",
        "[[task]]\nid = \"a\"\nduration = 3\nsuccess = 0.5\n[[task]]\nid = \"b\"\nduration = 1\nsuccess = 0.5\nfallback = \"c\"\n[[task]]\nid = \"c\"\nafter = [\"a\"]\nduration = 1\n",
    );
    validate(
        "report.schema.json",
        &json(&[
            "run",
            never.to_str().unwrap(),
            "--iterations",
            "500",
            "--format",
            "json",
            "--out",
            dir.path().join("n").to_str().unwrap(),
        ]),
    );
    validate(
        "compare.schema.json",
        &json(&[
            "compare",
            "scenarios/speed-vs-scale.toml",
            "--iterations",
            "1000",
            "--format",
            "json",
            "--no-report",
        ]),
    );
    validate(
        "sweep.schema.json",
        &json(&[
            "sweep",
            "scenarios/speed-vs-scale.toml",
            "--iterations",
            "500",
            "--format",
            "json",
            "--no-report",
        ]),
    );
    let batch = json(&[
        "run",
        "scenarios",
        "--iterations",
        "500",
        "--format",
        "json",
        "--no-report",
    ]);
    validate("batch.schema.json", &batch);
    for run in batch["runs"].as_array().unwrap() {
        validate("report.schema.json", &run["report"]);
    }
    // A shard file's first line is its schema and digest; the payload follows.
    let shard = shipcast(&[
        "run",
        "scenarios/ai-assistant.toml",
        "--iterations",
        "500",
        "--shard",
        "2/3",
    ]);
    let mut lines = shard.stdout.splitn(3, '\n');
    let head = lines.next().unwrap();
    assert!(head.starts_with("shipcast.shard/3 sha256:"), "{head}");
    validate(
        "shard.schema.json",
        &serde_json::from_str(lines.next().unwrap()).unwrap(),
    );
}
