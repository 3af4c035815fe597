//! Cost confidence through the real binary: P(within budget) and the joint confidence P(on time
//! and within budget) against closed forms, the budget gate in every place a gate shows (exit
//! code, `check`, JUnit, the batch summary), the JSON schemas, the cost/finish chart and
//! `compare`.
//!
//! Statistical checks use fixed seeds and a tolerance of 4.5 Monte Carlo standard errors of the
//! quantity checked, against the exact value derived beside it.

mod common;

use common::*;
use serde_json::Value;

const N: u64 = 100_000;

/// Two independent tasks joined by `m`. `a` ~ uniform(10, 20) is always the later one, so the
/// finish is `a`; `b` ~ uniform(0, 10) is the only cost, 100 per working day it runs, so the
/// cost is 100 b (no burn rate). With deadline 16 and budget 700:
///   P(on time)          = P(a <= 16)            = 6/10 = 0.6
///   P(within budget)    = P(100 b <= 700)       = 7/10 = 0.7
///   P(on time & budget) = P(a <= 16) P(b <= 7)  = 0.42 (a and b draw from their own streams)
fn independent(extra: &str) -> String {
    format!(
        "[[task]]\nid = \"a\"\nduration = {{ dist = \"uniform\", min = 10, max = 20 }}\n\
         [[task]]\nid = \"b\"\nduration = {{ dist = \"uniform\", min = 0, max = 10 }}\ncost_per_day = 100\n\
         [[milestone]]\nid = \"m\"\nafter = [\"a\", \"b\"]\ndeadline = 16\nbudget = 700\n{extra}"
    )
}

fn run_json(toml: &str, extra: &[&str]) -> (Value, i32) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "plan.toml", toml);
    let n = N.to_string();
    let mut args = vec![
        "run",
        path.to_str().unwrap(),
        "--format",
        "json",
        "--seed",
        "7",
        "--no-report",
    ];
    if !extra.contains(&"--iterations") {
        args.extend(["--iterations", &n]);
    }
    args.extend_from_slice(extra);
    let out = shipcast(&args);
    assert!(out.code <= 1, "exit {}: {}", out.code, out.stderr);
    (serde_json::from_str(&out.stdout).expect("JSON"), out.code)
}

fn close(what: &str, got: &Value, exact: f64, n: u64) {
    let est = got["estimate"].as_f64().unwrap();
    let se = (exact * (1.0 - exact) / n as f64).sqrt();
    assert!(
        (est - exact).abs() <= 4.5 * se,
        "{what}: got {est}, exact {exact}, 4.5 SE = {}",
        4.5 * se
    );
    let (lo, hi) = (got["low"].as_f64().unwrap(), got["high"].as_f64().unwrap());
    assert!(lo <= est && est <= hi, "{what}: {got}");
}

#[test]
fn joint_confidence_of_independent_finish_and_cost_is_the_product() {
    let (r, code) = run_json(&independent(""), &[]);
    assert_eq!(code, 0);
    let m = &r["milestones"][0];
    close("on time", &m["deadline"]["on_time"], 0.6, N);
    let b = &m["budget"];
    assert_eq!(b["amount"], 700.0);
    close("within budget", &b["within"], 0.7, N);
    close("joint", &b["joint"], 0.42, N);
    assert!(b["gate"].is_null());
    // The Wilson interval of 0.42 at n = 1e5 is about +-0.0031 wide.
    let half = (b["joint"]["high"].as_f64().unwrap() - b["joint"]["low"].as_f64().unwrap()) / 2.0;
    let exact_half = 1.96 * (0.42f64 * 0.58 / N as f64).sqrt();
    assert!((half - exact_half).abs() < 0.1 * exact_half, "{half}");
}

#[test]
fn joint_confidence_of_one_task_is_the_smaller_event() {
    // One task a ~ uniform(10, 20) costing 100 a day: finish a, cost 100 a. Deadline 16 and
    // budget 1,700: P(on time) = 0.6, P(within) = P(a <= 17) = 0.7, and the joint is
    // P(a <= 16 and a <= 17) = 0.6, not the product 0.42.
    let toml = "[[task]]\nid = \"a\"\nduration = { dist = \"uniform\", min = 10, max = 20 }\ncost_per_day = 100\n\
                [[milestone]]\nid = \"m\"\nafter = [\"a\"]\ndeadline = 16\nbudget = 1700\n";
    let (r, _) = run_json(toml, &[]);
    let b = &r["milestones"][0]["budget"];
    close("within budget", &b["within"], 0.7, N);
    close("joint", &b["joint"], 0.6, N);
    assert_eq!(
        b["joint"]["estimate"], r["milestones"][0]["deadline"]["on_time"]["estimate"],
        "on time implies within budget here, run by run"
    );
}

#[test]
fn a_run_that_never_delivers_is_within_budget_by_its_spend_and_never_jointly() {
    // A fixed 10-day experiment that succeeds half the time, no fallback, a burn rate of 100:
    // every run spends 100 x 10 = 1,000 (a failed run's spend is the burn rate up to the last
    // finish of the work that ran: day 10), so with budget 1,000 P(within) = 1 exactly; only the
    // delivered half is on time, so the joint is 0.5.
    let toml = "[project]\ncost_per_day = 100\n[[task]]\nid = \"x\"\nduration = 10\nsuccess = 0.5\n\
                [[milestone]]\nid = \"m\"\nafter = [\"x\"]\ndeadline = 10\nbudget = 1000\n";
    let (r, _) = run_json(toml, &["--iterations", "20000"]);
    let m = &r["milestones"][0];
    assert_eq!(m["budget"]["within"]["estimate"], 1.0);
    assert_eq!(m["budget"]["within"]["high"], 1.0);
    close("delivered", &m["delivered"], 0.5, 20_000);
    close("joint", &m["budget"]["joint"], 0.5, 20_000);
    // Without a deadline there is no joint confidence.
    let (r, _) = run_json(
        &toml.replace("deadline = 10\n", ""),
        &["--iterations", "500"],
    );
    assert!(r["milestones"][0]["budget"]["joint"].is_null());
}

#[test]
fn latin_hypercube_budget_figures_carry_replicated_intervals() {
    // The same closed form under --sampling lhs, in 20 replicates of m = 1,000. The estimates
    // agree with the exact answers. `b`'s strata are 0.01 wide and 7 is a stratum boundary, so
    // every replicate has exactly 700 runs within budget: the shares agree and P(within) keeps
    // its Wilson interval (as P(on time) does). The joint indicator I_a I_b has variance
    // 0.42 x 0.58 = 0.2436, of which the hypercube removes the main effects and leaves the
    // interaction, Var((I_a - 0.6)(I_b - 0.7)) = 0.24 x 0.21 = 0.0504: its replicated interval is
    // about sqrt(0.0504 / 0.2436) = 0.45 of Wilson's (x t(19) / z = 1.07).
    let n = 20_000;
    let (r, _) = run_json(
        &independent(""),
        &["--iterations", "20000", "--sampling", "lhs"],
    );
    assert_eq!(r["run"]["intervals"], "replicated-lhs");
    let b = &r["milestones"][0]["budget"];
    close("within budget", &b["within"], 0.7, n);
    close("joint", &b["joint"], 0.42, n);
    let half = |p: &Value| (p["high"].as_f64().unwrap() - p["low"].as_f64().unwrap()) / 2.0;
    let wilson_half = |p: f64| 1.96 * (p * (1.0 - p) / n as f64).sqrt();
    let within = half(&b["within"]);
    assert!(
        (within - wilson_half(0.7)).abs() < 0.01 * wilson_half(0.7),
        "{within}"
    );
    let joint = half(&b["joint"]);
    assert!(
        joint < 0.75 * wilson_half(0.42) && joint > 0.25 * wilson_half(0.42),
        "{joint} vs Wilson {}",
        wilson_half(0.42)
    );
}

#[test]
fn the_budget_gate_sets_the_exit_code_and_shows_in_check_junit_and_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    // P(within budget) = 0.7 exactly (see `independent`); at n = 4000 its interval is +-0.014.
    let pass = write(&dir, "pass.toml", &independent("budget_confidence = 0.6\n"));
    let fail = write(&dir, "fail.toml", &independent("budget_confidence = 0.8\n"));
    let undecided = write(
        &dir,
        "undecided.toml",
        &independent("budget_confidence = 0.7\n"),
    );
    let check = |p: &std::path::Path| shipcast(&["check", p.to_str().unwrap(), "-n", "4000"]);
    let out = check(&pass);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stdout.starts_with("PASS ")
            && out
                .stdout
                .contains(": m within budget 700: P(within budget) ")
            && out.stdout.contains("target 60.0%")
            && !out.stdout.contains("undecided"),
        "{}",
        out.stdout
    );
    let out = check(&fail);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.starts_with("FAIL "), "{}", out.stdout);
    let out = check(&undecided);
    assert!(
        out.stdout.contains("undecided at this precision"),
        "{}",
        out.stdout
    );
    // The deadline's gate and the budget's are separate test cases, and both appear in the
    // batch summary's Gate column.
    let both = write(
        &dir,
        "both.toml",
        &independent("confidence = 0.5\nbudget_confidence = 0.8\n"),
    );
    let junit = dir.path().join("junit.xml");
    let out = shipcast(&[
        "run",
        both.to_str().unwrap(),
        pass.to_str().unwrap(),
        "-n",
        "4000",
        "--no-report",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout.contains("50.0% holds; budget 80.0% FAILS")
            && out.stdout.contains("budget 60.0% holds"),
        "{}",
        out.stdout
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let root = doc.root_element();
    assert_eq!(
        (root.attribute("tests"), root.attribute("failures")),
        (Some("3"), Some("1")),
        "{xml}"
    );
    let failed: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .filter(|n| n.children().any(|c| c.has_tag_name("failure")))
        .map(|n| n.attribute("name").unwrap().to_string())
        .collect();
    assert_eq!(failed, vec!["m within budget 700 with P >= 80.0%"]);
}

fn validate(schema_file: &str, instance: &Value) {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("docs/schema/{schema_file}")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{schema_file}: {errors:#?}");
}

#[test]
fn reports_with_budgets_match_their_schemas_and_draw_the_scatter() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "plan.toml",
        &independent("confidence = 0.5\nbudget_confidence = 0.6\n"),
    );
    let out_dir = dir.path().join("r");
    let out = shipcast(&[
        "run",
        path.to_str().unwrap(),
        "-n",
        "3000",
        "--format",
        "json",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    validate("report.schema.json", &report);
    let svg = std::fs::read_to_string(out_dir.join("budget-m.svg")).unwrap();
    let joint = pct(report["milestones"][0]["budget"]["joint"]["estimate"]
        .as_f64()
        .unwrap());
    assert!(
        svg.contains(&format!("on time and within budget: {joint}"))
            && svg.contains("the first 2,000 of 3,000 runs shown"),
        "the joint confidence is printed in its quadrant"
    );
    // One circle per shown run, plus the legend's two.
    assert_eq!(svg.matches("<circle").count(), 2000 + 2);
    let html = std::fs::read_to_string(out_dir.join("report.html")).unwrap();
    assert!(html.contains("<figure id=\"budget-m\">"));
    let md = std::fs::read_to_string(out_dir.join("report.md")).unwrap();
    assert!(md.contains("![budget-m](budget-m.svg)") && md.contains("Within budget"));
    let csv = std::fs::read_to_string(out_dir.join("summary.csv")).unwrap();
    assert!(csv.lines().next().unwrap().ends_with(
        ",budget,within_budget,within_budget_low,within_budget_high,joint,joint_low,joint_high,budget_gate_confidence,budget_gate_status,budget_gate_decided"
    ));

    // compare: the budget rows side by side, and its JSON.
    let tight = write(&dir, "tight.toml", &independent("").replace("700", "500"));
    let out = shipcast(&[
        "compare",
        path.to_str().unwrap(),
        tight.to_str().unwrap(),
        "-n",
        "3000",
        "--no-report",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for row in ["Budget", "P(within budget)", "P(on time & in budget)"] {
        assert!(out.stdout.contains(row), "{row} in\n{}", out.stdout);
    }
    let out = shipcast(&[
        "compare",
        path.to_str().unwrap(),
        tight.to_str().unwrap(),
        "-n",
        "3000",
        "--no-report",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    validate("compare.schema.json", &v);
    assert_eq!(
        v["scenarios"][1]["milestones"][0]["budget"]["amount"],
        500.0
    );
}

#[test]
fn sharded_budget_runs_merge_into_the_unsharded_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "plan.toml", &independent("budget_confidence = 0.6\n"));
    let p = path.to_str().unwrap();
    let whole = shipcast(&["run", p, "-n", "3000", "--format", "json", "--no-report"]);
    let mut shards = Vec::new();
    for k in 1..=3 {
        let out = shipcast(&["run", p, "-n", "3000", "--shard", &format!("{k}/3")]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let f = dir.path().join(format!("s{k}.json"));
        std::fs::write(&f, out.bytes).unwrap();
        shards.push(f.to_str().unwrap().to_string());
    }
    let mut args = vec!["merge"];
    args.extend(shards.iter().map(String::as_str));
    args.push("--no-drivers");
    let merged = shipcast(&args);
    assert_eq!(merged.stdout, whole.stdout, "{}", merged.stderr);
}

fn pct(p: f64) -> String {
    format!("{:.1}%", 100.0 * p)
}
