//! Decisions in `compare`: net value (costs and the cost of delay), paired differences in net
//! value and cost, and the winner at a chosen confidence, against exact answers.

mod common;

use common::*;
use shipcast::analysis::compare::Winner;
use shipcast::pipeline::{self, RunSpec};

/// One task of uniform(0, 10) working days, so the milestone finishes at d = 10 u. The base pays
/// 300 a working day for it; variant `fixed` pays a fixed 2,000 instead. Each working day of the
/// milestone is worth 100 (value_per_day), the same in both, so per run
///   net(base)  = -300 d - 100 d,   net(fixed) = -2000 - 100 d,
///   net(fixed) - net(base) = 300 d - 2000 = cost(base) - cost(fixed),
/// positive exactly when d > 20/3: P(fixed better) = 1/3, P(base better) = 2/3. The mean
/// difference is 300 * 5 - 2000 = -500, with sd 300 * 10 / sqrt(12) = 866.03.
const PLAN: &str = r#"
[[task]]
id = "t"
duration = { dist = "uniform", min = 0, max = 10 }
cost_per_day = 300

[[milestone]]
id = "m"
after = ["t"]
value_per_day = 100

[variant.fixed]

[[variant.fixed.task]]
id = "t"
cost_per_day = 0
cost = 2000
"#;

const N: u64 = 20_000;

fn compared(confidence: f64) -> pipeline::Compared {
    let plans = shipcast::load_all_str("plan.toml", PLAN).unwrap();
    let labelled: Vec<(String, &shipcast::model::Plan)> = plans
        .iter()
        .map(|p| (p.variant().unwrap_or("base").to_string(), p))
        .collect();
    let spec = RunSpec {
        iterations: Some(N),
        seed: Some(5),
        ..RunSpec::default()
    };
    pipeline::compare_at(
        &labelled,
        &spec,
        shipcast::analysis::compare::Pairing::Common,
        confidence,
    )
    .unwrap()
}

#[test]
fn the_paired_net_value_difference_and_the_winner_match_exact_answers() {
    let c = compared(0.6);
    let d = &c.decisions[0];
    // 4 standard errors: of the mean, 4 * 866.03 / sqrt(N) = 24.5; of a share near 1/3,
    // 4 * sqrt(2/9 / N) = 0.0133.
    let diff = d.difference.unwrap();
    assert!((diff.estimate + 500.0).abs() < 24.5, "{diff:?}");
    assert!(diff.low < -500.0 && -500.0 < diff.high, "{diff:?}");
    assert!((diff.high - diff.low - 2.0 * 1.96 * 866.03 / (N as f64).sqrt()).abs() < 0.5);
    assert!(
        (d.b_better.estimate - 1.0 / 3.0).abs() < 0.0133,
        "{:?}",
        d.b_better
    );
    assert!(
        (d.a_better.estimate - 2.0 / 3.0).abs() < 0.0133,
        "{:?}",
        d.a_better
    );
    // The median difference is 300 * 5 - 2000 = -500 too (d's median is 5).
    let p50 = d.percentiles[1].days.unwrap();
    assert!((p50 + 500.0).abs() < 30.0, "{p50}");
    // At 60%, the base (worth more in 2/3 of runs) wins; at 80% neither does.
    assert_eq!((d.winner, d.decided), (Winner::A, true));
    let d = &compared(0.8).decisions[0];
    assert_eq!((d.winner, d.decided), (Winner::Neither, true));
    // At 1/3 < 0.5 the variant never wins; at a confidence of 2/3 the verdict is undecided.
    let d = &compared(2.0 / 3.0).decisions[0];
    assert!(!d.decided, "{d:?}");
}

#[test]
fn the_paired_cost_difference_is_the_cost_saving_of_the_variant() {
    // cost(base) - cost(fixed) = 300 d - 2000 per run: the same mean -500 and P(cheaper) 1/3.
    let c = compared(0.8);
    let p = &c.paired[0];
    let s = p.cost_saving.unwrap();
    assert!((s.estimate + 500.0).abs() < 24.5, "{s:?}");
    let q = p.b_cheaper.unwrap();
    assert!((q.estimate - 1.0 / 3.0).abs() < 0.0133, "{q:?}");
    // Net values: the base's mean is -400 * 5 = -2000 (sd 400 * 2.887 = 1154.7, 4 SE = 32.7);
    // the variant's -2000 - 500 = -2500 (sd 288.7, 4 SE = 8.2).
    let base = c.net[0].as_ref().unwrap().mean.unwrap().estimate;
    let fixed = c.net[1].as_ref().unwrap().mean.unwrap().estimate;
    assert!((base + 2000.0).abs() < 32.7, "{base}");
    assert!((fixed + 2500.0).abs() < 8.2, "{fixed}");
}

#[test]
fn compare_reports_the_decision_and_csv_is_machine_data() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "plan.toml", PLAN);
    let f = file.to_str().unwrap();
    let out = shipcast(&[
        "compare",
        f,
        "--no-report",
        "-n",
        "20000",
        "--confidence",
        "0.6",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("Decision by net value"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("fixed vs base"), "{}", out.stdout);
    assert!(out.stdout.contains("base wins"), "{}", out.stdout);
    let out = shipcast(&["compare", f, "--no-report", "-n", "2000", "-f", "csv"]);
    let mut lines = out.stdout.lines();
    assert_eq!(
        lines.next(),
        Some("milestone,measure,scenario,value,date,best")
    );
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), 6, "{line}");
        assert!(
            cells[3].is_empty() || cells[3].parse::<f64>().is_ok(),
            "{line}"
        );
        assert!(["", "true", "false"].contains(&cells[5]), "{line}");
    }
    let bad = shipcast(&["compare", f, "--no-report", "--confidence", "0.4"]);
    assert_eq!(bad.code, 2);
}

#[test]
fn sweep_varies_a_variants_keys() {
    // Variant `fixed` pays 2,000 for t: sweeping its cost moves the cost P80 of m by the same
    // amount at every point (the duration, and so the rest, does not change).
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "plan.toml", PLAN);
    let out = shipcast(&[
        "sweep",
        file.to_str().unwrap(),
        "--variant",
        "fixed",
        "--set",
        "task.t.cost=1000,3000",
        "--no-report",
        "-n",
        "1000",
        "-f",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["variant"], "fixed");
    let costs: Vec<f64> = v["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["cost_p80"].as_f64().unwrap())
        .collect();
    assert_eq!(costs, [1000.0, 3000.0]);
    let bad = shipcast(&[
        "sweep",
        file.to_str().unwrap(),
        "--variant",
        "nope",
        "--set",
        "task.t.cost=1,2",
    ]);
    assert_eq!(bad.code, 2);
}
