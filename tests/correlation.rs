//! Correlated estimates (`[[correlation]]`): a Gaussian copula on the uniforms behind each
//! task's first-attempt duration, or each attempt's success. Through the real binary, with fixed
//! seeds and tolerances of 4 Monte Carlo standard errors around exact values derived beside each
//! check.

mod common;

use common::*;
use serde_json::Value;

const N: u64 = 200_000;

fn sqrt_n() -> f64 {
    (N as f64).sqrt()
}

/// `shipcast run --format json` on scenario text; returns the report and stderr.
fn run(toml: &str, extra: &[&str]) -> (Value, String) {
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
    ];
    let out_dir = dir.path().join("report");
    if extra.contains(&"--drivers") {
        args.extend(["--out", out_dir.to_str().unwrap()]);
    } else {
        args.push("--no-report");
    }
    if !extra.contains(&"--iterations") {
        args.extend(["--iterations", &n]);
    }
    args.extend(extra.iter().filter(|a| **a != "--drivers"));
    let out = shipcast(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    (
        serde_json::from_str(&out.stdout).expect("stdout is JSON"),
        out.stderr,
    )
}

fn milestone<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("no milestone {id}"))
}

fn percentile(m: &Value, p: f64) -> f64 {
    m["percentiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["p"].as_f64() == Some(p))
        .unwrap()["days"]
        .as_f64()
        .unwrap()
}

fn close(what: &str, got: f64, exact: f64, se: f64) {
    assert!(
        (got - exact).abs() <= 4.0 * se,
        "{what}: got {got}, exact {exact}, 4 SE = {}",
        4.0 * se
    );
}

fn validate_report(report: &Value) {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string("docs/schema/report.schema.json").unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

const PRA: &str = r#"
[[task]]
id = "a"
duration = { dist = "normal", mean = 10, sd = 2 }
[[task]]
id = "b"
after = ["a"]
duration = { dist = "triangular", low = 5, likely = 10, high = 15 }
[[task]]
id = "c"
after = ["b"]
duration = { dist = "uniform", min = 8, max = 12 }

[[correlation]]
tasks = ["a", "b", "c"]
matrix = [[1, 0.5, 0.3], [0.5, 1, 0.4], [0.3, 0.4, 1]]
"#;

#[test]
fn the_pra_reference() {
    // The reference published with the R package PRA: N(10, 2) + triangular(5, 10, 15) +
    // uniform(8, 12) in series, correlated by the matrix above on the normal scale. PRA gives
    // mean 30, variance "about 16.7" (9.5 if independent), P5 about 23.25, P95 about 36.75.
    //
    // Exact values of this model (numerical quadrature over the normal scores, 1201 points a
    // side on [-8, 8], and for the percentiles the CDF integrated over (z_a, z_b) with z_c
    // conditionally normal, then bisected; the normal is truncated at 0 as shipcast samples
    // it, which moves the mean by 3e-6):
    //   variances 4.0000 + 25/6 + 4/3 = 9.5 (independent);
    //   covariances 2.03367 (a, b), 0.67703 (a, c), 0.92044 (b, c): slightly less than
    //   rho sd sd (2.04123, 0.69282, 0.94281), since the copula's Pearson correlation of
    //   non-normal marginals is a little below rho; so the variance is 16.7622 (sd 4.09417),
    //   not the 16.854 that rho sd sd would give: PRA's "about 16.7";
    //   P5 = 23.2424 and P95 = 36.7576, where the density of the sum is 0.027560.
    // Standard errors at n = 200,000: mean sd/sqrt(n) = 0.00915; sd about sd/sqrt(2n) = 0.00647
    // (the sum is close to normal, lighter-tailed if anything); P5, P95
    // sqrt(0.05 * 0.95 / n) / 0.027560 = 0.01768.
    let dir = tempfile::tempdir().unwrap();
    let samples = dir.path().join("samples.csv");
    let (r, stderr) = run(PRA, &["--samples", samples.to_str().unwrap()]);
    assert!(stderr.is_empty(), "{stderr}");
    let m = milestone(&r, "finish");
    close(
        "mean",
        m["mean_days"].as_f64().unwrap(),
        30.000003,
        4.09417 / sqrt_n(),
    );
    close(
        "sd",
        m["sd_days"].as_f64().unwrap(),
        16.762245f64.sqrt(),
        4.09417 / (2.0 * N as f64).sqrt(),
    );
    let se = (0.05f64 * 0.95).sqrt() / sqrt_n() / 0.027560;
    // The report's percentiles start at P10: P5 is read off the samples, as the report reads
    // its own (the ceil(n p)-th smallest).
    let mut finishes: Vec<f64> = std::fs::read_to_string(&samples)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    assert_eq!(finishes.len() as u64, N);
    finishes.sort_by(f64::total_cmp);
    let p5 = finishes[(N as f64 * 0.05).ceil() as usize - 1];
    close("P5", p5, 23.242381, se);
    close("P95", percentile(m, 0.95), 36.757625, se);
    // The report names the group and the matrix it used.
    let c = &r["correlations"];
    assert_eq!(c.as_array().unwrap().len(), 1);
    assert_eq!(c[0]["of"], "duration");
    assert_eq!(c[0]["tasks"], serde_json::json!(["a", "b", "c"]));
    assert_eq!(
        c[0]["matrix"],
        serde_json::json!([[1.0, 0.5, 0.3], [0.5, 1.0, 0.4], [0.3, 0.4, 1.0]])
    );
    assert_eq!(c[0]["repaired"], false);
    assert_eq!(c[0]["largest_change"], Value::Null);
    validate_report(&r);

    // Without the correlation, the variance is 9.5 (sd 3.08221): the copula is what moved it.
    let independent = PRA.split("[[correlation]]").next().unwrap();
    let (r, _) = run(independent, &[]);
    let m = milestone(&r, "finish");
    close(
        "independent sd",
        m["sd_days"].as_f64().unwrap(),
        9.49997f64.sqrt(),
        3.08221 / (2.0 * N as f64).sqrt(),
    );
    assert!(r.get("correlations").is_none(), "absent without groups");

    // Latin hypercube sampling runs it too, with the same answers (its error is smaller still).
    let (r, _) = run(PRA, &["--sampling", "lhs"]);
    let m = milestone(&r, "finish");
    close(
        "LHS mean",
        m["mean_days"].as_f64().unwrap(),
        30.000003,
        4.09417 / sqrt_n(),
    );
    close("LHS P95", percentile(m, 0.95), 36.757625, se);
}

#[test]
fn each_task_keeps_the_distribution_it_declares() {
    // Three parallel tasks, strongly correlated, each with its own milestone: a milestone's
    // finish is its task's duration, whose distribution the copula must not change.
    //   triangular(5, 10, 15): P10 = 5 + sqrt(0.1 * 50) = 7.236068, density (x - 5)/25 = 0.089443
    //     there; P50 = 10, density 0.2; P90 = 12.763932, density 0.089443;
    //   uniform(8, 12): P10 8.4, P50 10, P90 11.6, density 0.25;
    //   lognormal p10 = 4, p90 = 12: sigma = ln 3 / (2 z90) = 0.428626, median sqrt(48) =
    //     6.928203; densities phi(z) / (x sigma): 0.102361 at 4, 0.134343 at the median,
    //     0.034120 at 12.
    // A percentile's standard error is sqrt(p (1 - p) / n) / density.
    let (r, _) = run(
        r#"
[[task]]
id = "t"
duration = { dist = "triangular", low = 5, likely = 10, high = 15 }
[[task]]
id = "u"
duration = { dist = "uniform", min = 8, max = 12 }
[[task]]
id = "l"
duration = { dist = "lognormal", p10 = 4, p90 = 12 }
[[milestone]]
id = "mt"
after = ["t"]
[[milestone]]
id = "mu"
after = ["u"]
[[milestone]]
id = "ml"
after = ["l"]
[[correlation]]
tasks = ["t", "u", "l"]
coefficient = 0.8
"#,
        &[],
    );
    let cases = [
        (
            "mt",
            [(7.236068, 0.089443), (10.0, 0.2), (12.763932, 0.089443)],
        ),
        ("mu", [(8.4, 0.25), (10.0, 0.25), (11.6, 0.25)]),
        (
            "ml",
            [(4.0, 0.102361), (6.928203, 0.134343), (12.0, 0.034120)],
        ),
    ];
    for (id, points) in cases {
        let m = milestone(&r, id);
        for (p, (exact, density)) in [0.1f64, 0.5, 0.9].into_iter().zip(points) {
            let se = (p * (1.0 - p)).sqrt() / sqrt_n() / density;
            close(&format!("{id} P{}", p * 100.0), percentile(m, p), exact, se);
        }
    }
}

#[test]
fn coefficient_one_makes_two_identical_parallel_tasks_one() {
    // With coefficient 1 the two tasks draw the same uniform, so their durations are equal in
    // every iteration and max(X, X) = X: the milestone waiting for both has exactly the
    // percentiles, mean and sd of the one waiting for `a` alone (no merge bias at all).
    let (r, _) = run(
        r#"
[[task]]
id = "a"
duration = [5, 10, 20]
[[task]]
id = "b"
duration = [5, 10, 20]
[[milestone]]
id = "one"
after = ["a"]
[[milestone]]
id = "both"
after = ["a", "b"]
[[correlation]]
tasks = ["a", "b"]
coefficient = 1
"#,
        &["--iterations", "20000"],
    );
    let (one, both) = (milestone(&r, "one"), milestone(&r, "both"));
    for key in ["percentiles", "mean_days", "sd_days", "delivered"] {
        assert_eq!(one[key], both[key], "{key}");
    }
}

#[test]
fn coefficient_minus_one_makes_mirror_images() {
    // uniform(0, 10) then uniform(0, 10) with coefficient -1: the second draws 1 - u, so the
    // two always add up to 10 (to rounding).
    let (r, _) = run(
        r#"
[[task]]
id = "a"
duration = { dist = "uniform", min = 0, max = 10 }
[[task]]
id = "b"
after = ["a"]
duration = { dist = "uniform", min = 0, max = 10 }
[[correlation]]
tasks = ["a", "b"]
coefficient = -1
"#,
        &["--iterations", "20000"],
    );
    let m = milestone(&r, "finish");
    for p in m["percentiles"].as_array().unwrap() {
        let d = p["days"].as_f64().unwrap();
        assert!((d - 10.0).abs() < 1e-9, "{p}");
    }
    assert!(m["sd_days"].as_f64().unwrap() < 1e-9);
}

#[test]
fn correlated_success_with_coefficient_one_succeeds_or_fails_together() {
    // Two experiments with the same success chance 0.4 per attempt, up to 3 attempts of 2 days
    // each. Their outcomes correlated with coefficient 1 (attempt by attempt), and their first
    // durations too (the retries are fixed): in every iteration both take the same attempts
    // and both succeed or both fail. So the milestone waiting for both has exactly the results
    // of the one waiting for `a` alone, and P(delivered) is that of one experiment,
    // 1 - 0.6^3 = 0.784 (independent, it would be 0.784^2 = 0.615), with standard error
    // sqrt(0.784 * 0.216 / n) = 0.00092.
    let (r, _) = run(
        r#"
[[task]]
id = "a"
duration = [1, 2, 3]
success = 0.4
attempts = 3
retry_duration = 2
[[task]]
id = "b"
duration = [1, 2, 3]
success = 0.4
attempts = 3
retry_duration = 2
[[milestone]]
id = "one"
after = ["a"]
[[milestone]]
id = "both"
after = ["a", "b"]
[[correlation]]
of = "success"
tasks = ["a", "b"]
coefficient = 1
[[correlation]]
tasks = ["a", "b"]
coefficient = 1
"#,
        &[],
    );
    let (one, both) = (milestone(&r, "one"), milestone(&r, "both"));
    for key in ["percentiles", "mean_days", "sd_days", "delivered"] {
        assert_eq!(one[key], both[key], "{key}");
    }
    close(
        "P(delivered)",
        both["delivered"]["estimate"].as_f64().unwrap(),
        0.784,
        (0.784f64 * 0.216).sqrt() / sqrt_n(),
    );
    let e = r["experiments"].as_array().unwrap();
    assert_eq!(e[0]["success"], e[1]["success"]);
    assert_eq!(e[0]["mean_attempts"], e[1]["mean_attempts"]);
    let groups: Vec<&str> = r["correlations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["of"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ["success", "duration"]);

    // Success correlated alone: still together, attempt by attempt (P(delivered) equal), while
    // the durations differ, so the later of the two finishes later than `a` alone on average.
    let text = r#"
[[task]]
id = "a"
duration = [1, 2, 3]
success = 0.4
attempts = 3
[[task]]
id = "b"
duration = [1, 2, 3]
success = 0.4
attempts = 3
[[milestone]]
id = "one"
after = ["a"]
[[milestone]]
id = "both"
after = ["a", "b"]
[[correlation]]
of = "success"
tasks = ["a", "b"]
coefficient = 1
"#;
    let (r, _) = run(text, &["--iterations", "20000"]);
    let (one, both) = (milestone(&r, "one"), milestone(&r, "both"));
    assert_eq!(one["delivered"], both["delivered"]);
    assert!(both["mean_days"].as_f64().unwrap() > one["mean_days"].as_f64().unwrap());
}

#[test]
fn a_matrix_that_is_not_positive_semi_definite_is_rejected_or_repaired() {
    // Pairwise -0.6 among three tasks: the eigenvalues are 1 + 2(-0.6) = -0.2 and 1.6 (twice),
    // so no three variables have these correlations. By symmetry the nearest correlation
    // matrix is pairwise c, and the nearest c with 1 + 2c >= 0 is -0.5: a change of 0.1.
    let text = r#"
[[task]]
id = "a"
duration = [1, 2, 4]
[[task]]
id = "b"
duration = [1, 2, 4]
[[task]]
id = "c"
duration = [1, 2, 4]
[[correlation]]
tasks = ["a", "b", "c"]
matrix = [[1, -0.6, -0.6], [-0.6, 1, -0.6], [-0.6, -0.6, 1]]
"#;
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "plan.toml", text);
    let out = shipcast(&["validate", path.to_str().unwrap()]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains(
            "this correlation matrix is not positive semi-definite (its smallest eigenvalue is -0.200)"
        ),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("add repair = true"), "{}", out.stderr);

    let repaired = format!("{text}repair = true\n");
    let (r, stderr) = run(&repaired, &["--iterations", "2000"]);
    assert!(
        stderr.contains("warning: ")
            && stderr.contains("repaired to the nearest correlation matrix; the largest change is 0.100 (tasks a and b)"),
        "{stderr}"
    );
    let c = &r["correlations"][0];
    assert_eq!(c["repaired"], true);
    assert!((c["largest_change"].as_f64().unwrap() - 0.1).abs() < 1e-6);
    for i in 0..3 {
        for j in 0..3 {
            let x = c["matrix"][i][j].as_f64().unwrap();
            let want = if i == j { 1.0 } else { -0.5 };
            assert!((x - want).abs() < 1e-6, "{i} {j}: {x}");
        }
    }
    validate_report(&r);
    // The text report says so too.
    let path = write(&dir, "repaired.toml", &repaired);
    let out = shipcast(&["run", path.to_str().unwrap(), "--no-report", "-n", "500"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("Correlated estimates")
            && out.stdout.contains("repaired: largest change 0.100 (a-b)"),
        "{}",
        out.stdout
    );
}

#[test]
fn drivers_rank_a_correlated_task_by_the_uniform_that_drove_it() {
    // a then b, both uniform(0, 10), with coefficient 1: b's duration equals a's in every
    // iteration, so the finish (2a) is a monotone function of either, and both have rank
    // correlation 1 with it. Ranked by b's own stream's uniform (independent of what b
    // actually drew) b would show about 0 instead. Likewise the experiment e (which always
    // succeeds at once; its draws are recomputed through the engine's sampler, not read as
    // uniforms) and the plain task p in parallel: max(e, p) = e = p.
    let (r, _) = run(
        r#"
[[task]]
id = "a"
duration = { dist = "uniform", min = 0, max = 10 }
[[task]]
id = "b"
after = ["a"]
duration = { dist = "uniform", min = 0, max = 10 }
[[task]]
id = "e"
duration = { dist = "uniform", min = 0, max = 10 }
success = 1.0
[[task]]
id = "p"
duration = { dist = "uniform", min = 0, max = 10 }
[[milestone]]
id = "series"
after = ["b"]
[[milestone]]
id = "parallel"
after = ["e", "p"]
[[correlation]]
tasks = ["a", "b"]
coefficient = 1
[[correlation]]
tasks = ["e", "p"]
coefficient = 1
"#,
        &["--iterations", "5000", "--drivers"],
    );
    let sensitivity = |m: &str, id: &str| -> f64 {
        milestone(&r, m)["drivers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == id)
            .unwrap()["sensitivity"]
            .as_f64()
            .unwrap()
    };
    let (a, b) = (sensitivity("series", "a"), sensitivity("series", "b"));
    assert_eq!(a, b, "the same uniform drove both");
    assert!(a > 0.999, "{a}");
    for id in ["e", "p"] {
        let s = sensitivity("parallel", id);
        assert!(s > 0.999, "{id}: {s}");
    }
}

#[test]
fn threads_shards_and_latin_hypercube_do_not_change_correlated_results() {
    // Groups over plain tasks, experiments and a fallback (drawn lazily, only when it runs),
    // 3001 iterations (a partial last block), drivers included.
    let text = r#"
[[task]]
id = "a"
duration = [2, 4, 9]
[[task]]
id = "x"
after = ["a"]
duration = [3, 5, 8]
success = 0.6
attempts = 2
fallback = "f"
[[task]]
id = "f"
duration = { dist = "lognormal", p10 = 2, p90 = 6 }
success = 0.7
[[task]]
id = "y"
after = ["a"]
duration = { dist = "uniform", min = 3, max = 7 }
success = [0.5, 0.8]
[[task]]
id = "z"
after = ["x", "y"]
duration = { dist = "normal", mean = 5, sd = 1 }
[[correlation]]
tasks = ["a", "x", "f", "z"]
matrix = [[1, 0.4, 0.2, 0.1], [0.4, 1, 0.5, 0.3], [0.2, 0.5, 1, 0.2], [0.1, 0.3, 0.2, 1]]
[[correlation]]
of = "success"
tasks = ["x", "y", "f"]
coefficient = 0.7
"#;
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "plan.toml", text);
    let p = path.to_str().unwrap();
    for sampling in ["mc", "lhs"] {
        let whole = |threads: &str| {
            let out = dir.path().join(format!("r-{sampling}-{threads}"));
            let r = shipcast(&[
                "run",
                p,
                "-n",
                "3001",
                "--format",
                "json",
                "--sampling",
                sampling,
                "--threads",
                threads,
                "--out",
                out.to_str().unwrap(),
            ]);
            assert_eq!(r.code, 0, "{}", r.stderr);
            r.stdout
        };
        let one = whole("1");
        assert!(one.contains("\"drivers\": ["));
        assert_eq!(one, whole("3"), "{sampling}: threads");
        let mut parts = Vec::new();
        for k in 1..=3 {
            let shard = shipcast(&[
                "run",
                p,
                "-n",
                "3001",
                "--sampling",
                sampling,
                "--shard",
                &format!("{k}/3"),
            ]);
            assert_eq!(shard.code, 0, "{}", shard.stderr);
            parts.push(write_bytes(
                &dir,
                &format!("part-{sampling}-{k}.json"),
                &shard.bytes,
            ));
        }
        let mut args = vec!["merge", "--format", "json"];
        args.extend(parts.iter().map(|p| p.to_str().unwrap()));
        let merged = shipcast(&args);
        assert_eq!(merged.code, 0, "{}", merged.stderr);
        assert_eq!(merged.stdout, one, "{sampling}: shards");
    }
}

#[test]
fn variants_keep_drop_and_override_the_base_groups() {
    let text = r#"
[[task]]
id = "a"
duration = [1, 2, 4]
[[task]]
id = "b"
duration = [1, 2, 4]
[[task]]
id = "c"
duration = [1, 2, 4]
[[correlation]]
tasks = ["a", "b", "c"]
matrix = [[1, 0.5, 0.3], [0.5, 1, 0.4], [0.3, 0.4, 1]]

[variant.same]
description = "changes nothing about the group"

[variant.without-b]
remove = ["b"]

[variant.without-bc]
remove = ["b", "c"]

[variant.tighter]
[[variant.tighter.correlation]]
tasks = ["c", "a"]
coefficient = 0.9
"#;
    let groups = |variant: &str| -> Value {
        let (r, _) = run(text, &["--iterations", "300", "--variant", variant]);
        r.get("correlations").cloned().unwrap_or(Value::Null)
    };
    let g = groups("same");
    assert_eq!(g[0]["tasks"], serde_json::json!(["a", "b", "c"]));
    // Removing a task drops its row and column.
    let g = groups("without-b");
    assert_eq!(g[0]["tasks"], serde_json::json!(["a", "c"]));
    assert_eq!(g[0]["matrix"], serde_json::json!([[1.0, 0.3], [0.3, 1.0]]));
    // A group left with one task is dropped.
    assert_eq!(groups("without-bc"), Value::Null);
    // A variant's group replaces the base group it shares a task with.
    let g = groups("tighter");
    assert_eq!(g.as_array().unwrap().len(), 1);
    assert_eq!(g[0]["tasks"], serde_json::json!(["c", "a"]));
    assert_eq!(g[0]["matrix"], serde_json::json!([[1.0, 0.9], [0.9, 1.0]]));
}
