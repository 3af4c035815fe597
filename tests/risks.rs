//! The risk register: delays, scales, restarts, once-only strikes, milestone delays and risk
//! costs, each checked against an exact answer (derived in the comments) with tolerances from
//! the Monte Carlo standard error. Fixed seeds.

mod common;

use common::*;
use shipcast::analysis::{self, Summary};
use shipcast::engine::{self, Config};

fn run(toml: &str, n: u64, seed: u64) -> (shipcast::model::Plan, Summary, engine::Outcomes) {
    let plan = shipcast::load_str("plan.toml", toml).unwrap();
    let out = engine::simulate(&plan, &Config::new(n, seed));
    let summary = analysis::summarize(&plan, &out);
    (plan, summary, out)
}

/// The finishes of milestone `m`, in iteration order.
fn finishes(out: &engine::Outcomes, m: usize) -> Vec<f64> {
    out.milestone_column(m)
}

/// Share of `xs` at or below `x`.
fn cdf(xs: &[f64], x: f64) -> f64 {
    xs.iter().filter(|&&v| v <= x).count() as f64 / xs.len() as f64
}

/// 5 standard errors of a proportion near `p` from `n` runs.
fn tol(p: f64, n: usize) -> f64 {
    5.0 * (p * (1.0 - p) / n as f64).sqrt()
}

#[test]
fn a_risk_mixture_has_the_mixture_mean_and_variance() {
    // T ~ N(10, 2) (truncation at 0 is 5 sd away: negligible), B ~ Bernoulli(0.3), D ~ N(10, sqrt 12)
    // truncated at 0 (2.89 sd away). X = T + B D: E[X] = 10 + 0.3 E[D], Var X = Var T + 0.3 E[D^2]
    // - 0.09 E[D]^2. Untruncated: 13 and 4 + 0.3 * 112 - 0.09 * 100 = 28.6. The truncation moves
    // E[D] to 10.0213 and Var D to 11.786, so exactly 13.0064 and 28.625.
    let toml = r#"
[[task]]
id = "t"
duration = { dist = "normal", mean = 10, sd = 2 }
[[risk]]
id = "r"
probability = 0.3
affects = ["t"]
delay = { dist = "normal", mean = 10, sd = 3.4641016151377544 }
"#;
    let n = 200_000;
    let (_, s, _) = run(toml, n, 7);
    let m = &s.milestones[0];
    let (mean, sd) = (m.mean.unwrap(), m.sd.unwrap());
    // SE of the mean sqrt(28.6 / n) = 0.012; of the variance about 28.6 sqrt((kurtosis - 1) / n)
    // with a kurtosis near 2.6 for this two-humped mixture: 0.081.
    assert!((mean - 13.0064).abs() < 5.0 * 0.012, "mean {mean}");
    assert!(
        (sd * sd - 28.625).abs() < 5.0 * 0.081,
        "variance {}",
        sd * sd
    );
}

#[test]
fn a_scale_multiplies_every_affected_task_by_one_shared_draw() {
    // Two fixed tasks in series, 10 + 20 = 30 days. With probability 0.5 one factor S ~ U(1, 2)
    // multiplies both: the finish is 30 S. P(finish <= x) = 0.5 + 0.5 (x / 30 - 1) on [30, 60],
    // so P80 = 48 and P(finish <= 35) = 0.5 + 0.5 / 6 = 0.5833. Independent factors per task
    // would give 30 + 10 U + 20 V (U, V ~ U(0, 1)) when struck, and P(10 U + 20 V <= 5) is the
    // triangle under v = 0.25 - 0.5 u, area 0.0625: P(finish <= 35) = 0.53125 instead.
    let toml = r#"
[[task]]
id = "a"
duration = 10
[[task]]
id = "b"
after = ["a"]
duration = 20
[[risk]]
id = "messy-data"
probability = 0.5
affects = ["a", "b"]
scale = { dist = "uniform", min = 1, max = 2 }
"#;
    let n = 100_000;
    let (_, s, out) = run(toml, n, 11);
    let f = finishes(&out, 0);
    assert!((cdf(&f, 30.0) - 0.5).abs() < tol(0.5, n as usize));
    let shared = 0.5 + 0.5 / 6.0;
    assert!(
        (cdf(&f, 35.0) - shared).abs() < tol(shared, n as usize),
        "{}",
        cdf(&f, 35.0)
    );
    // The quantile's standard error: sqrt(p (1 - p) / n) / density, density 0.5 / 30.
    let p80 = s.milestones[0].p80().days.unwrap();
    let se = (0.8f64 * 0.2 / n as f64).sqrt() / (0.5 / 30.0);
    assert!((p80 - 48.0).abs() < 5.0 * se, "P80 {p80}");
}

#[test]
fn a_restart_loses_the_work_done_and_redoes_it() {
    // A fixed 10-day task struck for sure: the work is lost at a uniform point f and redone in
    // full, so it takes 10 + 10 f ~ U(10, 20): P50 = 15, P80 = 18, P(<= 12) = 0.2.
    let toml = r#"
[[task]]
id = "train"
duration = 10
[[risk]]
id = "cluster-failure"
probability = 1
affects = ["train"]
restart = true
"#;
    let n = 100_000;
    let (_, s, out) = run(toml, n, 3);
    let f = finishes(&out, 0);
    assert!(f.iter().all(|&x| (10.0..=20.0).contains(&x)));
    assert!((cdf(&f, 12.0) - 0.2).abs() < tol(0.2, n as usize));
    let se = (0.8f64 * 0.2 / n as f64).sqrt() / 0.1;
    let p80 = s.milestones[0].p80().days.unwrap();
    assert!((p80 - 18.0).abs() < 5.0 * se, "P80 {p80}");
}

#[test]
fn a_restart_redoes_an_experiments_attempt_without_using_one_up() {
    // An experiment that always succeeds at its first attempt (10 days) and is struck for sure:
    // as a plain task, U(10, 20), still one attempt and always delivered. With success = 0 and
    // two attempts of 10 days it always fails: the strike falls in attempt 1 or 2 (each half
    // the time) and adds U(0, 10): total U(20, 30), still two attempts; its 1-day fallback then
    // delivers on U(21, 31).
    let sure = r#"
[[task]]
id = "x"
duration = 10
success = 1.0
[[risk]]
id = "r"
probability = 1
affects = ["x"]
restart = true
"#;
    let (_, s, out) = run(sure, 20_000, 5);
    assert_eq!(s.experiments[0].success.estimate, 1.0);
    assert_eq!(out.nodes[0].attempts, 20_000);
    let f = finishes(&out, 0);
    assert!(f.iter().all(|&x| (10.0..=20.0).contains(&x)));
    assert!((cdf(&f, 15.0) - 0.5).abs() < tol(0.5, f.len()));

    let failing = r#"
[[task]]
id = "x"
duration = 10
success = 0.0
attempts = 2
fallback = "y"
[[task]]
id = "y"
duration = 1
[[risk]]
id = "r"
probability = 1
affects = ["x"]
restart = true
"#;
    let (plan, _, out) = run(failing, 20_000, 6);
    let x = plan.node_index("x").unwrap();
    assert_eq!(out.nodes[x].attempts, 40_000);
    let f = finishes(&out, 0);
    assert!(
        f.iter().all(|&v| (21.0..=31.0).contains(&v)),
        "{:?}",
        &f[..5]
    );
    assert!((cdf(&f, 26.0) - 0.5).abs() < tol(0.5, f.len()));
    assert!((cdf(&f, 23.0) - 0.2).abs() < tol(0.2, f.len()));
}

#[test]
fn once_strikes_only_the_first_affected_task_to_start() {
    // `a` starts at 0; `b` waits for `c` (5 days), so starts at 5. A sure 7-day delay on both:
    // each struck, the finish is max(10 + 7, 5 + 10 + 7) = 22; struck once, only `a` (first to
    // start) takes it: max(17, 15) = 17.
    let toml = |once: bool| {
        format!(
            r#"
[[task]]
id = "c"
duration = 5
[[task]]
id = "b"
after = ["c"]
duration = 10
[[task]]
id = "a"
duration = 10
[[risk]]
id = "r"
probability = 1
affects = ["b", "a"]
delay = 7
once = {once}
"#
        )
    };
    let (_, each, _) = run(&toml(false), 500, 1);
    let (_, once, _) = run(&toml(true), 500, 1);
    assert_eq!(each.milestones[0].p50().days, Some(22.0));
    assert_eq!(once.milestones[0].p50().days, Some(17.0));
    assert_eq!(
        once.milestones[0].percentile(0.95).unwrap().days,
        Some(17.0)
    );
}

#[test]
fn once_goes_to_the_first_in_plan_order_on_a_tie() {
    // `a` and `b` both start at 0; `a` comes first in the file. The 7-day delay hits `a` only:
    // a = 10 + 7 = 17, b = 12, and the milestone on `b` alone is not delayed.
    let toml = r#"
[[task]]
id = "a"
duration = 10
[[task]]
id = "b"
duration = 12
[[milestone]]
id = "ma"
after = ["a"]
[[milestone]]
id = "mb"
after = ["b"]
[[risk]]
id = "r"
probability = 1
affects = ["a", "b"]
delay = 7
once = true
"#;
    let (_, s, _) = run(toml, 300, 2);
    assert_eq!(s.milestones[0].p50().days, Some(17.0));
    assert_eq!(s.milestones[1].p50().days, Some(12.0));
}

#[test]
fn a_risk_on_a_milestone_delays_reaching_it() {
    // Reached at 10 without the risk, at 10 + 5 with it (probability 0.4): P(<= 10) = 0.6,
    // P80 = 15. The work before it is not delayed: a second milestone on the task stays at 10.
    let toml = r#"
[[task]]
id = "a"
duration = 10
[[milestone]]
id = "launch"
after = ["a"]
[[milestone]]
id = "code-complete"
after = ["a"]
[[risk]]
id = "review"
name = "Launch review adds a week"
probability = 0.4
affects = ["launch"]
delay = 5
"#;
    let n = 50_000;
    let (_, s, out) = run(toml, n, 9);
    let f = finishes(&out, 0);
    assert!(f.iter().all(|&x| x == 10.0 || x == 15.0));
    assert!((cdf(&f, 10.0) - 0.6).abs() < tol(0.6, n as usize));
    assert_eq!(s.milestones[0].p80().days, Some(15.0));
    assert_eq!(s.milestones[1].percentile(0.95).unwrap().days, Some(10.0));
}

#[test]
fn a_risk_cost_is_added_to_the_milestones_it_reaches() {
    // A 1,000 cost with probability 0.3 on `a`: the mean cost of `launch` (after a) is
    // 500 (a's fixed cost) + 0.3 * 1000 = 800, SE 1000 sqrt(0.21 / n); `other` (after b only)
    // never pays it: 200 exactly.
    let toml = r#"
[[task]]
id = "a"
duration = 3
cost = 500
[[task]]
id = "b"
duration = 2
cost = 200
[[milestone]]
id = "launch"
after = ["a"]
[[milestone]]
id = "other"
after = ["b"]
[[risk]]
id = "fine"
probability = 0.3
affects = ["a"]
cost = 1000
"#;
    let n = 40_000;
    let (_, s, _) = run(toml, n, 4);
    let launch = s.milestones[0].cost.as_ref().unwrap();
    let se = 1000.0 * (0.21f64 / n as f64).sqrt();
    assert!((launch.mean - 800.0).abs() < 5.0 * se, "{}", launch.mean);
    assert_eq!((launch.p10, launch.p90), (500.0, 1500.0));
    assert_eq!(s.milestones[1].cost.as_ref().unwrap().mean, 200.0);
}

#[test]
fn risks_with_every_impact_run_the_same_for_any_thread_count_and_shard() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "plan.toml",
        r#"
[[task]]
id = "data"
duration = [5, 8, 14]
[[task]]
id = "train"
after = ["data"]
duration = [6, 9, 15]
success = 0.6
attempts = 3
[[task]]
id = "eval"
after = ["data"]
duration = [2, 3, 5]
[[milestone]]
id = "launch"
after = ["train", "eval"]
[[risk]]
id = "messy"
probability = 1
affects = ["data", "eval"]
scale = [1.0, 1.2, 1.8]
[[risk]]
id = "outage"
probability = 0.2
affects = ["train", "eval"]
restart = true
once = true
delay = [1, 2, 4]
cost = [1000, 2000, 5000]
"#,
    );
    let p = path.to_str().unwrap();
    let json = |threads: &str| {
        let out = shipcast(&[
            "run",
            p,
            "-n",
            "3001",
            "--format",
            "json",
            "--no-report",
            "-j",
            threads,
        ]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        out.stdout
    };
    let one = json("1");
    assert_eq!(one, json("2"));
    let mut parts = Vec::new();
    for k in 1..=3 {
        let shard = shipcast(&["run", p, "-n", "3001", "--shard", &format!("{k}/3")]);
        assert_eq!(shard.code, 0, "{}", shard.stderr);
        parts.push(write_bytes(&dir, &format!("part-{k}.json"), &shard.bytes));
    }
    let mut args = vec!["merge", "--no-drivers"];
    args.extend(parts.iter().map(|p| p.to_str().unwrap()));
    let merged = shipcast(&args);
    assert_eq!(merged.code, 0, "{}", merged.stderr);
    assert_eq!(merged.stdout, one);
}

#[test]
fn risks_spare_finished_work_and_once_moves_to_the_first_unfinished_task() {
    // The status date is the end of working day 10 (2027-01-15). `a` is done (10 days), so no
    // risk strikes it and its milestone was reached at 10. `b` (after `a`) and `c` both start at
    // the status time 10; the once-only 7-day delay goes to `b`, first in plan order among the
    // unfinished: b = 10 + 5 + 7 = 22, c = 10 + 5 = 15.
    let toml = r#"
[project]
start = 2027-01-04
status_date = 2027-01-15
[[task]]
id = "a"
duration = 10
done = true
actual = 10
[[task]]
id = "b"
after = ["a"]
duration = 5
[[task]]
id = "c"
duration = 5
[[milestone]]
id = "ma"
after = ["a"]
[[milestone]]
id = "mb"
after = ["b"]
[[milestone]]
id = "mc"
after = ["c"]
[[risk]]
id = "r"
probability = 1
affects = ["a", "b", "c"]
delay = 7
once = true
"#;
    let (_, s, _) = run(toml, 200, 8);
    assert_eq!(s.milestones[0].p50().days, Some(10.0));
    assert_eq!(s.milestones[1].p50().days, Some(22.0));
    assert_eq!(s.milestones[2].p50().days, Some(15.0));
}
