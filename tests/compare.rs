//! Variants, paired comparisons, costs and sweeps, through the real binary.

mod common;

use common::*;
use serde_json::Value;

fn json_of(args: &[&str]) -> Value {
    let out = shipcast(args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).expect("stdout is JSON")
}

fn scenario<'a>(report: &'a Value, label: &str) -> &'a Value {
    report["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["label"] == label)
        .unwrap_or_else(|| panic!("no scenario {label}"))
}

fn milestone<'a>(scenario: &'a Value, id: &str) -> &'a Value {
    scenario["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .unwrap()
}

fn comparison<'a>(report: &'a Value, b: &str, milestone: &str) -> &'a Value {
    report["comparisons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["b"] == b && c["milestone"] == milestone)
        .unwrap()
}

const CHAIN: &str = r#"
[project]
cost_per_day = 1000
scores = { scalability = 3 }

[[task]]
id = "design"
duration = { dist = "uniform", min = 5, max = 15 }

[[task]]
id = "review"
after = ["design"]
duration = 5
cost = 500

[[task]]
id = "build"
after = ["review"]
duration = [5, 10, 20]
cost_per_day = 100

[[milestone]]
id = "done"
after = ["build"]
deadline = 30

[variant.lean]
remove = ["review"]
scores = { scalability = 2 }

[[variant.lean.task]]
id = "build"
after = ["design"]

[variant.bigger]
[[variant.bigger.task]]
id = "build"
duration = [10, 20, 40]
[[variant.bigger.task]]
id = "docs"
after = ["design"]
duration = 50
cost = 100000
"#;

#[test]
fn removing_a_fixed_task_is_exactly_that_much_sooner_in_every_run() {
    // "lean" drops the fixed 5-day review and links build straight to design. Every other draw
    // is shared (common random numbers), so lean finishes exactly 5 days sooner in every run:
    // the difference's P10 = P50 = P90 = 5 and P(lean sooner) = 1.
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "plan.toml", CHAIN);
    let r = json_of(&[
        "compare",
        path.to_str().unwrap(),
        "--format",
        "json",
        "--iterations",
        "5000",
        "--no-report",
    ]);
    assert_eq!(r["schema"], "shipcast.compare/1");
    assert_eq!(r["run"]["pairing"], "common");
    let c = comparison(&r, "lean", "done");
    assert_eq!(c["a"], "base");
    for p in c["sooner_days"].as_array().unwrap() {
        assert_eq!(p["days"], 5.0, "{p}");
        assert_eq!(
            (p["low_days"].as_f64(), p["high_days"].as_f64()),
            (Some(5.0), Some(5.0))
        );
    }
    assert_eq!(c["p_b_sooner"]["estimate"], 1.0);
    // Scores are declared, shown as written; a variant's scores replace the base's.
    assert_eq!(scenario(&r, "base")["scores"]["scalability"], 3.0);
    assert_eq!(scenario(&r, "lean")["scores"]["scalability"], 2.0);
}

#[test]
fn costs_add_burn_rate_fixed_and_daily_costs() {
    // One fixed 10-day task with cost 500 and 100 per day, a 1000-a-day burn: 500 + 100 * 10 +
    // 1000 * 10 = 11,500 in every run.
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "plan.toml",
        "[project]\ncost_per_day = 1000\n[[task]]\nid = \"a\"\nduration = 10\ncost = 500\ncost_per_day = 100\n",
    );
    let r = json_of(&[
        "run",
        path.to_str().unwrap(),
        "--format",
        "json",
        "--iterations",
        "100",
        "--no-report",
    ]);
    let cost = &r["milestones"][0]["cost"];
    for k in ["p10", "p50", "p80", "p90", "mean"] {
        assert_eq!(cost[k], 11_500.0, "{k}");
    }
}

#[test]
fn costs_count_only_the_work_a_milestone_waits_for() {
    // In CHAIN's base, "done" waits for design, review and build: the fixed review cost (500) is
    // in every run, build's 100 a day over its PERT [5, 10, 20] (mean 10.833) and the burn over
    // the finish. The mean cost is then 500 + 100 * 10.833 + 1000 * E[finish], E[finish] = 10 + 5
    // + 10.833 = 25.833: 27_416.7. The cost is 1000 design + 1100 build + constants, so its sd is
    // sqrt(1000^2 * 100/12 + 1100^2 * 7.639) = 4193 (build's PERT variance (mean - low)(high -
    // mean) / 7 = 7.639); the standard error at n = 20_000 is 29.7; allow 4 of them.
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "plan.toml", CHAIN);
    let r = json_of(&[
        "compare",
        path.to_str().unwrap(),
        "--format",
        "json",
        "--iterations",
        "20000",
        "--no-report",
    ]);
    let mean = milestone(scenario(&r, "base"), "done")["cost"]["mean"]
        .as_f64()
        .unwrap();
    assert!((mean - 27_416.7).abs() < 4.0 * 29.7, "{mean}");
    // "bigger" adds a docs task costing 100,000 that "done" does not wait for: it is not part of
    // the cost of reaching "done" (about 39,000 at the median with build's larger estimate).
    let bigger = milestone(scenario(&r, "bigger"), "done")["cost"]["p50"]
        .as_f64()
        .unwrap();
    assert!(bigger < 60_000.0, "{bigger}");
}

#[test]
fn pairing_narrows_the_interval_of_a_difference() {
    // A big shared uncertainty (uniform 0..100 days) and a small change (a 2-day task becomes 1
    // day). Paired, the difference is exactly 1 day in every run: an interval of width 0.
    // Unpaired, it is the difference of two independent uniforms plus 1, triangular on
    // [-99, 101] with density 1/100 at its median, so the median's standard error is
    // sqrt(0.25 / 4000) / 0.01 = 0.79 days and its 95% interval about 3.1 days wide.
    let plan = r#"
[[task]]
id = "research"
duration = { dist = "uniform", min = 0, max = 100 }
[[task]]
id = "ship"
after = ["research"]
duration = 2
[variant.faster]
[[variant.faster.task]]
id = "ship"
duration = 1
"#;
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "plan.toml", plan);
    let p = path.to_str().unwrap();
    let width = |extra: &[&str]| {
        let mut args = vec![
            "compare",
            p,
            "--format",
            "json",
            "--iterations",
            "4000",
            "--no-report",
        ];
        args.extend_from_slice(extra);
        let r = json_of(&args);
        let median = &comparison(&r, "faster", "finish")["sooner_days"][1];
        median["high_days"].as_f64().unwrap() - median["low_days"].as_f64().unwrap()
    };
    let paired = width(&[]);
    let unpaired = width(&["--unpaired"]);
    assert_eq!(paired, 0.0);
    assert!(unpaired > 2.0, "unpaired interval width {unpaired}");
}

#[test]
fn variants_override_key_by_key_add_and_remove() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "plan.toml", CHAIN);
    let p = path.to_str().unwrap();
    // "bigger" overrides only build's duration: build still waits for review, so its finish is
    // at least design + review + build's low estimate = 5 + 5 + 10.
    let r = json_of(&[
        "compare",
        p,
        "--format",
        "json",
        "--iterations",
        "2000",
        "--variants",
        "bigger",
        "--no-report",
    ]);
    assert_eq!(r["scenarios"].as_array().unwrap().len(), 2);
    let done = milestone(scenario(&r, "bigger"), "done");
    assert!(done["percentiles"][0]["days"].as_f64().unwrap() >= 20.0);
    // The variant can be run on its own.
    let run = json_of(&[
        "run",
        p,
        "--variant",
        "lean",
        "--format",
        "json",
        "--iterations",
        "200",
        "--no-report",
    ]);
    assert!(
        run["milestones"][0]["percentiles"][4]["days"]
            .as_f64()
            .unwrap()
            <= 35.0
    );
    let unknown = shipcast(&["run", p, "--variant", "nope", "--no-report"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("no variant `nope`") && unknown.stderr.contains("lean, bigger"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn variant_errors_name_the_variant_the_line_and_a_fix() {
    let dir = tempfile::tempdir().unwrap();
    // Removing review without relinking build leaves build waiting for a task that is gone.
    let broken = CHAIN
        .replace(
            "[[variant.lean.task]]\nid = \"build\"\nafter = [\"design\"]\n",
            "",
        )
        .replace("remove = [\"review\"]", "remove = [\"review\", \"desgn\"]");
    let path = write(&dir, "plan.toml", &broken);
    let p = path.to_str().unwrap();
    let out = shipcast(&["validate", p]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let e = &out.stderr;
    assert!(
        e.contains("variant `lean` removes `desgn`, which the base plan does not have")
            && e.contains("did you mean `design`?"),
        "{e}"
    );
    assert!(
        e.contains("in variant `lean`: unknown task or milestone `review`"),
        "{e}"
    );
    assert!(
        e.contains("variant `lean` removes it: override what depends on it too"),
        "{e}"
    );
    // Both point at their lines: the remove list and build's `after` in the base.
    let line_of = |needle: &str| broken.lines().position(|l| l.contains(needle)).unwrap() + 1;
    assert!(e.contains(&format!("{p}:{}:", line_of("remove = "))), "{e}");
    assert!(
        e.contains(&format!("{p}:{}:", line_of("after = [\"review\"]"))),
        "{e}"
    );
    // An unknown key inside a variant's task is caught with a suggestion.
    let typo = CHAIN.replace(
        "[[variant.bigger.task]]\nid = \"build\"\nduration",
        "[[variant.bigger.task]]\nid = \"build\"\nduraton",
    );
    let path = write(&dir, "typo.toml", &typo);
    let out = shipcast(&["validate", path.to_str().unwrap()]);
    assert!(
        out.stderr.contains("unknown key `duraton` in a task")
            && out.stderr.contains("did you mean `duration`?"),
        "{}",
        out.stderr
    );
}

#[test]
fn compare_needs_something_to_compare() {
    let out = shipcast(&["compare", "scenarios/ai-assistant.toml", "--no-report"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("has no variants"), "{}", out.stderr);
    // Two files compare their base plans.
    let two = json_of(&[
        "compare",
        "scenarios/ai-assistant.toml",
        "scenarios/speed-vs-scale.toml",
        "--variants",
        "scale-first",
        "--format",
        "json",
        "--iterations",
        "500",
        "--no-report",
    ]);
    let labels: Vec<&str> = two["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        vec![
            "ai-assistant",
            "speed-vs-scale",
            "speed-vs-scale:scale-first"
        ]
    );
}

#[test]
fn the_bundled_trade_off_is_a_real_one() {
    // speed-vs-scale: the prototype reaches first users sooner; building for scale first
    // handles 10x load sooner. The text marks each row's best and shows the paired comparison.
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("cmp");
    let out = shipcast(&[
        "compare",
        "scenarios/speed-vs-scale.toml",
        "--iterations",
        "4000",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("* best in its row") && out.stdout.contains("scale-first vs base"),
        "{}",
        out.stdout
    );
    for f in [
        "compare.md",
        "compare.json",
        "s-curves-mvp.svg",
        "s-curves-scale.svg",
        "tradeoff-scale.svg",
    ] {
        assert!(out_dir.join(f).is_file(), "missing {f}");
    }
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("compare.json")).unwrap())
            .unwrap();
    let mvp = comparison(&r, "scale-first", "mvp")["sooner_days"][1]["days"]
        .as_f64()
        .unwrap();
    let scale = comparison(&r, "scale-first", "scale")["sooner_days"][1]["days"]
        .as_f64()
        .unwrap();
    assert!(mvp < 0.0 && scale > 0.0, "mvp {mvp}, scale {scale}");
    let svg = std::fs::read_to_string(out_dir.join("tradeoff-scale.svg")).unwrap();
    assert!(
        svg.contains("scale-first (non-dominated)"),
        "the cheaper and sooner one is highlighted"
    );
}

#[test]
fn sweeps_share_random_numbers_across_the_grid() {
    // A fixed 10-day experiment with 3 attempts and a 4-day fallback: with success p, P80 is
    // the smallest of 10, 20, 30, 34 whose cumulative chance reaches 0.8. With common random
    // numbers a higher p can only make each run finish sooner, so P80 never rises along the grid.
    // At p = 0.5: P(X <= 20) = 0.75, P(X <= 30) = 0.875, so P80 = 30; at p = 0.9, P(X <= 10) =
    // 0.9: P80 = 10.
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "plan.toml",
        "[[task]]\nid = \"train\"\nduration = 10\nsuccess = 0.5\nattempts = 3\nfallback = \"b\"\n[[task]]\nid = \"b\"\nduration = 4\n",
    );
    let r = json_of(&[
        "sweep",
        path.to_str().unwrap(),
        "--set",
        "task.train.success=0.1..0.9:0.1",
        "--format",
        "json",
        "--iterations",
        "20000",
        "--no-report",
    ]);
    assert_eq!(r["schema"], "shipcast.sweep/1");
    let pts = r["points"].as_array().unwrap();
    assert_eq!(pts.len(), 9);
    let p80: Vec<f64> = pts
        .iter()
        .map(|p| p["p80"]["days"].as_f64().unwrap())
        .collect();
    assert!(p80.windows(2).all(|w| w[1] <= w[0]), "{p80:?}");
    assert_eq!(pts[4]["values"][0], 0.5);
    assert_eq!(p80[4], 30.0);
    assert_eq!(p80[8], 10.0);
}

#[test]
fn sweep_sections_are_checked_and_used() {
    let out = shipcast(&[
        "sweep",
        "scenarios/speed-vs-scale.toml",
        "--iterations",
        "500",
        "--format",
        "csv",
        "--no-report",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines[0].starts_with("task.embed.success,delivered,p50_days,p80_days"),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len(), 1 + 7);
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "plan.toml",
        "[[task]]\nid = \"a\"\nduration = 3\n[sweep]\nset = [\"task.a.success=0.1..0.5:0.1\"]\n",
    );
    let bad = shipcast(&["validate", path.to_str().unwrap()]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr
            .contains("cannot sweep this: task.a.success: task `a` is not an experiment")
            && bad.stderr.contains(":5:"),
        "{}",
        bad.stderr
    );
    let cli = shipcast(&[
        "sweep",
        path.to_str().unwrap(),
        "--set",
        "task.zz.cost=1,2",
        "--no-report",
    ]);
    assert_eq!(cli.code, 2);
}

#[test]
fn a_mitigation_variant_shows_what_it_buys() {
    // The base's risk occurs when its uniform is below 0.4; the mitigated variant's, below 0.05:
    // on common random numbers it occurs in the variant only in runs where it also occurs in the
    // base, with the same delay. So the variant is strictly sooner exactly when the base's risk
    // occurs and the variant's does not: P = 0.4 - 0.05 = 0.35 (the 1-day reservation never
    // binds, as it runs beside 11+ days of work), and it is never later.
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "mitigation.toml",
        r#"
[project]
start = 2027-01-04
cost_per_day = 1000

[[task]]
id = "data"
duration = [5, 8, 14]

[[task]]
id = "train"
after = ["data"]
duration = [6, 9, 15]

[[milestone]]
id = "launch"
after = ["train"]
deadline = 2027-02-05

[[risk]]
id = "gpu"
probability = 0.4
affects = ["train"]
delay = [5, 8, 15]
cost = 4000

[[variant.reserve.risk]]
id = "gpu"
probability = 0.05

[[variant.reserve.task]]
id = "reserve"
duration = 1
cost = 6000

[[variant.reserve.milestone]]
id = "launch"
after = ["train", "reserve"]
deadline = 2027-02-05
"#,
    );
    let n = 20_000;
    let r = json_of(&[
        "compare",
        path.to_str().unwrap(),
        "--format",
        "json",
        "--no-report",
        "-n",
        &n.to_string(),
    ]);
    let c = &r["comparisons"][0];
    let sooner = c["p_b_sooner"]["estimate"].as_f64().unwrap();
    let se = (0.35f64 * 0.65 / n as f64).sqrt();
    assert!((sooner - 0.35).abs() < 5.0 * se, "P(sooner) {sooner}");
    // Never later: the smallest paired difference is 0.
    assert_eq!(c["sooner_days"][0]["days"], 0.0);
    let on_time = &c["on_time_difference"];
    assert!(on_time["low"].as_f64().unwrap() > 0.0, "{on_time}");
    let p80 = |label: &str| {
        scenario(&r, label)["milestones"][0]["percentiles"][2]["days"]
            .as_f64()
            .unwrap()
    };
    assert!(p80("reserve") < p80("base") - 3.0);
    let cost_p80 = |label: &str| {
        scenario(&r, label)["milestones"][0]["cost"]["p80"]
            .as_f64()
            .unwrap()
    };
    assert!(cost_p80("reserve") < cost_p80("base"));
}

#[test]
fn a_sweep_point_has_the_intervals_of_the_same_run() {
    // A grid point that changes nothing the schedule depends on (a task's cost) is the run
    // itself: its P80 and its interval must be the run's, with Monte Carlo sampling and with
    // Latin hypercube sampling (whose intervals come from the replicates).
    for sampling in ["mc", "lhs"] {
        let run = json_of(&[
            "run",
            "scenarios/ai-assistant.toml",
            "-n",
            "4000",
            "--sampling",
            sampling,
            "--format",
            "json",
            "--no-report",
        ]);
        let sweep = json_of(&[
            "sweep",
            "scenarios/ai-assistant.toml",
            "--set",
            "task.finetune.cost=0",
            "--milestone",
            "launch",
            "-n",
            "4000",
            "--sampling",
            sampling,
            "--format",
            "json",
            "--no-report",
        ]);
        let launch = run["milestones"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == "launch")
            .unwrap();
        let p80 = &launch["percentiles"][2];
        let point = &sweep["points"][0]["p80"];
        for key in ["days", "low_days", "high_days"] {
            assert_eq!(point[key], p80[key], "{sampling} {key}");
        }
    }
}
