//! End-to-end tests through the real `shipcast` binary.
//!
//! Statistical checks use a fixed seed and a tolerance of 4 Monte Carlo standard errors of the
//! quantity checked, against an exact value derived in the comment beside it. With a fixed seed
//! the outcome is deterministic; 4 standard errors is wide enough that a correct engine passes
//! for any seed (p ~ 6e-5) and narrow enough to catch a biased one.

mod common;

use common::*;
use serde_json::Value;

const N: u64 = 100_000;

fn sqrt_n() -> f64 {
    (N as f64).sqrt()
}

/// `shipcast run` with JSON output on a scenario given as text; returns the parsed report.
fn run_json(toml: &str, extra: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "plan.toml", toml);
    let n = N.to_string();
    let mut args = vec![
        "run",
        path.to_str().unwrap(),
        "--format",
        "json",
        "--seed",
        "1",
    ];
    if !extra.contains(&"--out") {
        args.push("--no-report");
    }
    if !extra.contains(&"--iterations") {
        args.extend(["--iterations", &n]);
    }
    args.extend_from_slice(extra);
    let out = shipcast(&args);
    assert!(
        out.code == 0 || out.code == 1,
        "exit {}: {}",
        out.code,
        out.stderr
    );
    serde_json::from_str(&out.stdout).expect("stdout is JSON")
}

fn milestone<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("no milestone {id}"))
}

fn percentile(m: &Value, p: f64) -> Option<f64> {
    m["percentiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["p"].as_f64() == Some(p))
        .unwrap()["days"]
        .as_f64()
}

fn close(what: &str, got: f64, exact: f64, se: f64) {
    assert!(
        (got - exact).abs() <= 4.0 * se,
        "{what}: got {got}, exact {exact}, 4 SE = {}",
        4.0 * se
    );
}

#[test]
fn merge_bias_of_two_parallel_triangular_tasks() {
    // Two independent triangular(5, 10, 15) tasks joined by a milestone: the finish is their max M.
    // Each has F(x) = (x-5)^2/50 on [5, 10] and 1 - (15-x)^2/50 on [10, 15], so
    //   P(M <= 10) = F(10)^2 = 0.5^2 = 0.25;
    //   E[M] = 5 + int_5^15 (1 - F^2) dx = 5 + 10 - (1/4 + 43/12) = 67/6 = 11.1667
    //     (int F^2 is 1/4 on [5,10] and 5 - 5/3 + 1/4 = 43/12 on [10,15]); sd(M) = 1.6750 numerically;
    //   P80 solves F(x)^2 = 0.8: x = 15 - sqrt(50 (1 - sqrt 0.8)) = 12.7025, where the density of M
    //     is 2 F f = 0.16440, so its standard error is sqrt(0.8 * 0.2 / n) / 0.16440.
    // Deterministic CPM would say 10: the gap is merge bias.
    let r = run_json(
        r#"
[[task]]
id = "a"
duration = { dist = "triangular", low = 5, likely = 10, high = 15 }
[[task]]
id = "b"
duration = { dist = "triangular", low = 5, likely = 10, high = 15 }
[[milestone]]
id = "done"
after = ["a", "b"]
deadline = 10
"#,
        &[],
    );
    let m = milestone(&r, "done");
    let on_time = m["deadline"]["on_time"]["estimate"].as_f64().unwrap();
    close(
        "P(M <= 10)",
        on_time,
        0.25,
        (0.25f64 * 0.75).sqrt() / sqrt_n(),
    );
    close(
        "E[M]",
        m["mean_days"].as_f64().unwrap(),
        67.0 / 6.0,
        1.6750 / sqrt_n(),
    );
    close(
        "P80",
        percentile(m, 0.8).unwrap(),
        12.702_470_8,
        (0.16f64).sqrt() / sqrt_n() / 0.164_397_8,
    );
    assert_eq!(m["delivered"]["estimate"], 1.0);
}

#[test]
fn chain_of_two_uniforms() {
    // U(0,10) + U(0,10) has the triangular(0, 10, 20) distribution: mean 10 and median 10, sd
    // sqrt(2 * 100/12) = 4.0825; the density at the median is 0.1, so the median's standard error
    // is sqrt(0.25 / n) / 0.1.
    let r = run_json(
        r#"
[[task]]
id = "a"
duration = { dist = "uniform", min = 0, max = 10 }
[[task]]
id = "b"
after = ["a"]
duration = { dist = "uniform", min = 0, max = 10 }
"#,
        &[],
    );
    let m = milestone(&r, "finish");
    close(
        "mean",
        m["mean_days"].as_f64().unwrap(),
        10.0,
        4.0825 / sqrt_n(),
    );
    close(
        "P50",
        percentile(m, 0.5).unwrap(),
        10.0,
        0.5 / sqrt_n() / 0.1,
    );
    close("sd", m["sd_days"].as_f64().unwrap(), 4.0825, 0.05);
}

const EXPERIMENT: &str = r#"
[[task]]
id = "train"
duration = 10
success = 0.5
attempts = 3
"#;

#[test]
fn experiment_with_fallback() {
    // Attempts take 10 days each and succeed with 1/2: the program takes 10, 20 or 30 days with
    // probability 1/2, 1/4, 1/8, and with 1/8 all three fail and the 4-day fallback runs: 34.
    // Mean = 5 + 5 + 3.75 + 4.25 = 18; E[X^2] = 50 + 100 + 112.5 + 144.5 = 407, so sd = sqrt(83).
    // P(fallback ran) = 1/8. P(X <= 20) = 3/4 and P(X <= 30) = 7/8, so P80 = 30 and P95 = 34.
    let r = run_json(
        &format!("{EXPERIMENT}fallback = \"plan-b\"\n[[task]]\nid = \"plan-b\"\nduration = 4\n"),
        &[],
    );
    let m = milestone(&r, "finish");
    close(
        "mean",
        m["mean_days"].as_f64().unwrap(),
        18.0,
        83f64.sqrt() / sqrt_n(),
    );
    assert_eq!(m["delivered"]["estimate"], 1.0);
    assert_eq!(percentile(m, 0.8), Some(30.0));
    assert_eq!(percentile(m, 0.95), Some(34.0));
    let e = &r["experiments"][0];
    assert_eq!(e["id"], "train");
    assert_eq!(e["fallback"], "plan-b");
    close(
        "P(fallback ran)",
        e["fallback_rate"]["estimate"].as_f64().unwrap(),
        0.125,
        (0.125f64 * 0.875).sqrt() / sqrt_n(),
    );
    // P(success within 3 attempts) = 7/8; mean attempts = 1 + 1/2 + 1/4 = 1.75 (sd 0.829).
    close(
        "P(success)",
        e["success"]["estimate"].as_f64().unwrap(),
        0.875,
        (0.125f64 * 0.875).sqrt() / sqrt_n(),
    );
    close(
        "mean attempts",
        e["mean_attempts"].as_f64().unwrap(),
        1.75,
        0.829 / sqrt_n(),
    );
}

#[test]
fn experiment_without_fallback_fails_the_program() {
    // Without a fallback the 1/8 of iterations where every attempt fails deliver nothing:
    // P(delivered) = 7/8, so P95 is not reached at all (reported as null, not as a date).
    let r = run_json(EXPERIMENT, &[]);
    let m = milestone(&r, "finish");
    close(
        "P(delivered)",
        m["delivered"]["estimate"].as_f64().unwrap(),
        0.875,
        (0.125f64 * 0.875).sqrt() / sqrt_n(),
    );
    assert_eq!(percentile(m, 0.8), Some(30.0));
    assert_eq!(percentile(m, 0.95), None);
    assert!(m["percentiles"][4]["date"].is_null());
}

#[test]
fn pert_mean_for_a_single_task() {
    // PERT [2, 5, 14] is 2 + 12 Beta(2, 4): mean (2 + 4*5 + 14) / 6 = 6, variance
    // (mean - low)(high - mean) / 7 = 32/7 (exact for PERT's alpha + beta = 6).
    let r = run_json("[[task]]\nid = \"a\"\nduration = [2, 5, 14]\n", &[]);
    let m = milestone(&r, "finish");
    close(
        "mean",
        m["mean_days"].as_f64().unwrap(),
        6.0,
        (32.0f64 / 7.0).sqrt() / sqrt_n(),
    );
    close(
        "sd",
        m["sd_days"].as_f64().unwrap(),
        (32.0f64 / 7.0).sqrt(),
        0.03,
    );
}

#[test]
fn three_point_can_be_read_as_triangular() {
    // Triangular [2, 5, 14] has mean (2 + 5 + 14) / 3 = 7 and variance
    // (a^2 + b^2 + c^2 - ab - ac - bc) / 18 = (4 + 25 + 196 - 10 - 28 - 70) / 18 = 6.5.
    let r = run_json(
        "[project]\nthree_point = \"triangular\"\n[[task]]\nid = \"a\"\nduration = [2, 5, 14]\n",
        &[],
    );
    close(
        "mean",
        milestone(&r, "finish")["mean_days"].as_f64().unwrap(),
        7.0,
        6.5f64.sqrt() / sqrt_n(),
    );
}

#[test]
fn calendar_dates_skip_weekends_and_holidays() {
    // Start Monday 2027-01-04. A fixed 5-day task ends Friday 2027-01-08; a 6-day one crosses the
    // weekend to Monday 2027-01-11; with Wednesday 2027-01-06 a holiday, the 5-day task also
    // ends on Monday 2027-01-11. Deadline Friday 2027-01-08 is 4 working days for the 5-day task
    // with the holiday, so it is late in every iteration.
    let plan = |holidays: &str, days: u32| {
        format!(
            "[project]\nstart = 2027-01-04\nholidays = [{holidays}]\n[[task]]\nid = \"a\"\nduration = {days}\n[[milestone]]\nid = \"m\"\nafter = [\"a\"]\ndeadline = 2027-01-08\n"
        )
    };
    let date = |r: &Value| {
        milestone(r, "m")["percentiles"][1]["date"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let r = run_json(&plan("", 5), &[]);
    assert_eq!(date(&r), "2027-01-08");
    assert_eq!(milestone(&r, "m")["deadline"]["on_time"]["estimate"], 1.0);
    assert_eq!(date(&run_json(&plan("", 6), &[])), "2027-01-11");
    let r = run_json(&plan("2027-01-06", 5), &[]);
    assert_eq!(date(&r), "2027-01-11");
    assert_eq!(milestone(&r, "m")["deadline"]["days"], 4.0);
    assert_eq!(milestone(&r, "m")["deadline"]["on_time"]["estimate"], 0.0);
}

#[test]
fn fractional_working_day_deadlines() {
    // A uniform(19, 21) task with a deadline of 19.8 working days: on time when the finish is at
    // most 19.8, P = 0.8 / 2 = 0.4 exactly (sd sqrt(0.24)). Every report shows the deadline as
    // written: 19.8, not rounded to a whole day.
    let toml = r#"
[[task]]
id = "a"
duration = { dist = "uniform", min = 19, max = 21 }
[[milestone]]
id = "m"
after = ["a"]
deadline = 19.8
confidence = 0.3
"#;
    let r = run_json(toml, &[]);
    let deadline = &milestone(&r, "m")["deadline"];
    assert_eq!(deadline["days"], 19.8);
    assert_eq!(deadline["date"], Value::Null);
    close(
        "P(on time)",
        deadline["on_time"]["estimate"].as_f64().unwrap(),
        0.4,
        0.24f64.sqrt() / sqrt_n(),
    );

    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "plan.toml", toml);
    let path = path.to_str().unwrap();
    let text = shipcast(&["run", path, "--no-report", "--iterations", "1000"]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(
        text.stdout
            .contains("on time (finish by working day 19.8): "),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains(" 19.8 d "), "{}", text.stdout);
    let check = shipcast(&["check", path, "--iterations", "1000"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    assert!(
        check
            .stdout
            .starts_with(&format!("PASS {path}: m by working day 19.8: ")),
        "{}",
        check.stdout
    );

    // With a start date the deadline also falls on a date: time 19.8 is in working day 20
    // (index 19), Friday 2027-01-29 for a Monday 2027-01-04 start.
    let dated = toml.replace("[[task]]", "[project]\nstart = 2027-01-04\n[[task]]");
    let r = run_json(&dated, &["--iterations", "10"]);
    let deadline = &milestone(&r, "m")["deadline"];
    assert_eq!(deadline["days"], 19.8);
    assert_eq!(deadline["date"], "2027-01-29");
}

#[test]
fn dependency_types_and_lags() {
    // a: 10 days. b SS+3 from a: starts at 3, 4 days: finishes at 7. c FF+2 from a: 5 days,
    // finishes at 12 (starts at 7). d SF from a: finishes no earlier than a's start + 6 = 6, with a
    // 2-day duration starting at 4. e FS-2 (a lead) from a: starts at 8, 1 day: 9.
    let r = run_json(
        r#"
[[task]]
id = "a"
duration = 10
[[task]]
id = "b"
after = [{ task = "a", type = "SS", lag = 3 }]
duration = 4
[[task]]
id = "c"
after = [{ task = "a", type = "FF", lag = 2 }]
duration = 5
[[task]]
id = "d"
after = [{ task = "a", type = "SF", lag = 6 }]
duration = 2
[[task]]
id = "e"
after = [{ task = "a", lag = -2 }]
duration = 1
[[milestone]]
id = "mb"
after = ["b"]
[[milestone]]
id = "mc"
after = ["c"]
[[milestone]]
id = "md"
after = ["d"]
[[milestone]]
id = "me"
after = ["e"]
"#,
        &["--iterations", "10"],
    );
    for (id, t) in [("mb", 7.0), ("mc", 12.0), ("md", 6.0), ("me", 9.0)] {
        assert_eq!(percentile(milestone(&r, id), 0.5), Some(t), "{id}");
    }
}

#[test]
fn start_links_from_a_failed_experiment_still_run() {
    // An experiment that never succeeds and has no fallback fails the program where it is
    // needed: a task linked to its finish (FS, FF) is never delivered. A task that only waits for
    // it to start (SS) still runs, from the experiment's start: y starts at 0 and finishes at 2.
    // An experiment that never ran (its own predecessor failed) has no start: what waits for its
    // start (y2) is never delivered.
    let r = run_json(
        r#"
[[task]]
id = "x"
duration = 5
success = 0.0
[[task]]
id = "y"
after = [{ task = "x", type = "SS" }]
duration = 2
[[task]]
id = "f"
after = [{ task = "x", type = "FF" }]
duration = 2
[[task]]
id = "x2"
after = ["x"]
duration = 3
success = 0.5
[[task]]
id = "y2"
after = [{ task = "x2", type = "SS" }]
duration = 2
[[milestone]]
id = "my"
after = ["y"]
[[milestone]]
id = "mf"
after = ["f"]
[[milestone]]
id = "my2"
after = ["y2"]
"#,
        &["--iterations", "50"],
    );
    assert_eq!(milestone(&r, "my")["delivered"]["estimate"], 1.0);
    assert_eq!(percentile(milestone(&r, "my"), 0.5), Some(2.0));
    assert_eq!(milestone(&r, "mf")["delivered"]["estimate"], 0.0);
    assert_eq!(milestone(&r, "my2")["delivered"]["estimate"], 0.0);
}

#[test]
fn start_links_read_an_experiments_first_attempt_whether_or_not_it_succeeds() {
    // a: 2 days. x after a: an experiment of 2 attempts (5 days, then 3), each succeeding with
    // probability 1/2, no fallback; it starts at 2 and succeeds (finishing at 7 or 10) with
    // probability 1 - 1/4 = 3/4. y SS+1 from x starts at 3 in every iteration, failed or not, and
    // finishes at 5. w SF+4 from x must finish by 2 + 4 = 6 at the earliest: 1 day, 5 to 6.
    // z FS from x (1 day) runs only when x succeeds: delivered with probability 3/4 (sd
    // sqrt(3/16)), finishing at 8 with probability 1/2 and 11 with 1/4: P10 = 8, and P80 is not
    // reached.
    let r = run_json(
        r#"
[[task]]
id = "a"
duration = 2
[[task]]
id = "x"
after = ["a"]
duration = 5
success = 0.5
attempts = 2
retry_duration = 3
[[task]]
id = "y"
after = [{ task = "x", type = "SS", lag = 1 }]
duration = 2
[[task]]
id = "w"
after = [{ task = "x", type = "SF", lag = 4 }]
duration = 1
[[task]]
id = "z"
after = ["x"]
duration = 1
[[milestone]]
id = "my"
after = ["y"]
[[milestone]]
id = "mw"
after = ["w"]
[[milestone]]
id = "mz"
after = ["z"]
"#,
        &[],
    );
    for (id, t) in [("my", 5.0), ("mw", 6.0)] {
        let m = milestone(&r, id);
        assert_eq!(m["delivered"]["estimate"], 1.0, "{id}");
        for p in [0.1, 0.5, 0.8, 0.9, 0.95] {
            assert_eq!(percentile(m, p), Some(t), "{id} P{p}");
        }
    }
    let mz = milestone(&r, "mz");
    close(
        "P(z delivered)",
        mz["delivered"]["estimate"].as_f64().unwrap(),
        0.75,
        (3.0f64 / 16.0).sqrt() / sqrt_n(),
    );
    assert_eq!(percentile(mz, 0.1), Some(8.0));
    assert_eq!(percentile(mz, 0.8), None);
}

#[test]
fn risks_add_their_delay_when_they_occur() {
    // A fixed 10-day task with a risk of probability 0.3 that adds a fixed 5 days: the finish is
    // 15 with probability 0.3, so mean = 11.5 (sd sqrt(0.3 * 0.7) * 5 = 2.291).
    let r = run_json(
        "[[task]]\nid = \"a\"\nduration = 10\n[[risk]]\nid = \"r\"\nprobability = 0.3\naffects = [\"a\"]\ndelay = 5\n",
        &[],
    );
    close(
        "mean",
        milestone(&r, "finish")["mean_days"].as_f64().unwrap(),
        11.5,
        2.291 / sqrt_n(),
    );
    close(
        "occurred",
        r["risks"][0]["occurred"]["estimate"].as_f64().unwrap(),
        0.3,
        (0.21f64).sqrt() / sqrt_n(),
    );
}

#[test]
fn thread_count_does_not_change_a_single_byte() {
    // 10_001 iterations: not a multiple of the block size, so the last block is partial.
    let run = |threads: &str| {
        shipcast(&[
            "run",
            "--no-report",
            "scenarios/ai-assistant.toml",
            "--format",
            "json",
            "--iterations",
            "10001",
            "--threads",
            threads,
        ])
    };
    let one = run("1");
    let two = run("2");
    let three = run("3");
    assert_eq!(one.code, 0, "{}", one.stderr);
    assert_eq!(one.stdout, two.stdout);
    assert_eq!(one.stdout, three.stdout);
    let again = run("2");
    assert_eq!(two.stdout, again.stdout);
}

#[test]
fn report_carries_schema_version_seed_and_iterations() {
    let out = shipcast(&[
        "run",
        "--no-report",
        "scenarios/ai-assistant.toml",
        "--format",
        "json",
        "--iterations",
        "2000",
        "--seed",
        "7",
    ]);
    let r: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(r["schema"], "shipcast.report/1");
    assert_eq!(r["tool"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(r["run"]["seed"], 7);
    assert_eq!(r["run"]["iterations"], 2000);
    assert_eq!(r["scenario"]["start"], "2027-01-04");
    let launch = milestone(&r, "launch");
    assert_eq!(launch["deadline"]["gate"]["confidence"], 0.8);
    // Percentiles are non-decreasing and each lies inside its own interval.
    let ps = launch["percentiles"].as_array().unwrap();
    for w in ps.windows(2) {
        assert!(w[0]["days"].as_f64() <= w[1]["days"].as_f64());
    }
    for p in ps {
        let (d, lo, hi) = (
            p["days"].as_f64().unwrap(),
            p["low_days"].as_f64().unwrap(),
            p["high_days"].as_f64().unwrap(),
        );
        assert!(lo <= d && d <= hi, "{p}");
    }
}

#[test]
fn different_seeds_give_different_samples_and_the_scenario_seed_is_the_default() {
    let a = shipcast(&[
        "run",
        "--no-report",
        "scenarios/ai-assistant.toml",
        "--format",
        "json",
        "--iterations",
        "500",
    ]);
    let b = shipcast(&[
        "run",
        "--no-report",
        "scenarios/ai-assistant.toml",
        "--format",
        "json",
        "--iterations",
        "500",
        "--seed",
        "42",
    ]);
    let c = shipcast(&[
        "run",
        "--no-report",
        "scenarios/ai-assistant.toml",
        "--format",
        "json",
        "--iterations",
        "500",
        "--seed",
        "43",
    ]);
    // The example scenario declares seed = 42.
    assert_eq!(a.stdout, b.stdout);
    assert_ne!(b.stdout, c.stdout);
}

#[test]
fn text_and_csv_formats() {
    let text = shipcast(&[
        "run",
        "--no-report",
        "scenarios/ai-assistant.toml",
        "--iterations",
        "2000",
    ]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    for needle in [
        "Milestone",
        "Launch",
        "P80",
        "Experiments",
        "Fine-tune the model",
        "prompting",
        "Risks",
    ] {
        assert!(
            text.stdout.contains(needle),
            "missing {needle}:\n{}",
            text.stdout
        );
    }
    let csv = shipcast(&[
        "run",
        "--no-report",
        "scenarios/ai-assistant.toml",
        "--iterations",
        "2000",
        "--format",
        "csv",
    ]);
    let lines: Vec<&str> = csv.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "header and one row per milestone");
    assert!(lines[0].starts_with("milestone,name,delivered,"));
    assert!(lines[2].starts_with("launch,Launch,"));
    assert!(
        csv.stderr.is_empty(),
        "csv goes to stdout alone: {}",
        csv.stderr
    );
}

#[test]
fn samples_file_has_a_row_per_iteration_and_is_never_overwritten_silently() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("samples.csv");
    let p = path.to_str().unwrap();
    let out = shipcast(&[
        "run",
        "--no-report",
        "scenarios/ai-assistant.toml",
        "--iterations",
        "300",
        "--format",
        "json",
        "--samples",
        p,
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 301);
    assert_eq!(
        lines[0],
        "iteration,beta_days,beta_date,beta_delivered,launch_days,launch_date,launch_delivered"
    );
    assert!(lines[1].starts_with("0,"));
    assert!(lines[300].starts_with("299,"));
    // The P50 of the sample file agrees with the report's.
    let mut days: Vec<f64> = lines[1..]
        .iter()
        .map(|l| l.split(',').nth(4).unwrap().parse().unwrap())
        .collect();
    days.sort_by(f64::total_cmp);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        Some(days[149]),
        percentile(milestone(&report, "launch"), 0.5)
    );

    std::fs::write(&path, "mine").unwrap();
    let again = shipcast(&[
        "run",
        "--no-report",
        "scenarios/ai-assistant.toml",
        "--iterations",
        "10",
        "--samples",
        p,
    ]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("--force"), "{}", again.stderr);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine");
    let forced = shipcast(&[
        "run",
        "--no-report",
        "scenarios/ai-assistant.toml",
        "--iterations",
        "10",
        "--samples",
        p,
        "--force",
    ]);
    assert_eq!(forced.code, 0);
    assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 11);
}

#[test]
fn a_failing_gate_exits_1() {
    // A fixed 10-day task against a 9-day deadline is late in every iteration.
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "late.toml",
        "[[task]]\nid = \"a\"\nduration = 10\n[[milestone]]\nid = \"m\"\nafter = [\"a\"]\ndeadline = 9\nconfidence = 0.5\n",
    );
    let out = shipcast(&[
        "run",
        "--no-report",
        path.to_str().unwrap(),
        "--iterations",
        "100",
    ]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.contains("FAILS"));
}

#[test]
fn init_prints_a_starter_that_runs_as_is() {
    let init = shipcast(&["init"]);
    assert_eq!(init.code, 0);
    assert!(init.stdout.contains("[[task]]") && init.stdout.contains("fallback"));
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "plan.toml", &init.stdout);
    let out = shipcast(&[
        "run",
        "--no-report",
        path.to_str().unwrap(),
        "--iterations",
        "1000",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // init FILE refuses to overwrite.
    let again = shipcast(&["init", path.to_str().unwrap()]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("does not overwrite"));
}

#[test]
fn every_bundled_scenario_validates() {
    for entry in std::fs::read_dir("scenarios").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let out = shipcast(&["validate", path.to_str().unwrap()]);
            assert_eq!(out.code, 0, "{}: {}", path.display(), out.stderr);
        }
    }
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(shipcast(&["run"]).code, 2);
    assert_eq!(
        shipcast(&[
            "run",
            "--no-report",
            "scenarios/ai-assistant.toml",
            "--format",
            "yaml"
        ])
        .code,
        2
    );
    assert_eq!(
        shipcast(&[
            "run",
            "--no-report",
            "scenarios/ai-assistant.toml",
            "--iterations",
            "0"
        ])
        .code,
        2
    );
    let huge = shipcast(&[
        "run",
        "--no-report",
        "scenarios/ai-assistant.toml",
        "-n",
        "1000000000000",
    ]);
    assert!(
        huge.code == 2 && huge.stderr.contains("--iterations must be from 1 to"),
        "{}",
        huge.stderr
    );
    let missing = shipcast(&["run", "--no-report", "no/such/file.toml"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("no/such/file.toml"));
    assert_eq!(shipcast(&["--version"]).code, 0);
}
