//! Learning from history: `calibrate`, `backtest` and `calibration = "NAME"` in scenarios.
//!
//! Synthetic histories are generated here with a fixed seed (SplitMix64 uniforms through the
//! normal quantile), so their ratio distribution is known exactly. Statistical checks allow 4
//! standard errors of the quantity checked, derived beside each check.

mod common;

use common::*;
use serde_json::Value;
use shipcast::analysis::calibration::{
    self, BacktestSpec, Baseline, Method, coverage, fit, fit_groups,
};
use statrs::distribution::{Continuous, ContinuousCDF, Normal};

/// Uniforms in (0, 1) from SplitMix64.
struct Uniforms(u64);

impl Iterator for Uniforms {
    type Item = f64;
    fn next(&mut self) -> Option<f64> {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Some(((z >> 11) as f64 + 0.5) / (1u64 << 53) as f64)
    }
}

fn z(p: f64) -> f64 {
    Normal::standard().inverse_cdf(p)
}

/// `n` ratios from the lognormal with parameters `mu`, `sigma`.
fn lognormal(seed: u64, n: usize, mu: f64, sigma: f64) -> Vec<f64> {
    Uniforms(seed)
        .take(n)
        .map(|u| (mu + sigma * z(u)).exp())
        .collect()
}

/// The standard error of the empirical p-quantile of n lognormal(mu, sigma) draws:
/// sqrt(p (1 - p) / n) / f(x_p), with f(x) = φ(z) / (x sigma).
fn quantile_se(p: f64, n: usize, mu: f64, sigma: f64) -> f64 {
    let zp = z(p);
    let x = (mu + sigma * zp).exp();
    let density = Normal::standard().pdf(zp) / (x * sigma);
    (p * (1.0 - p) / n as f64).sqrt() / density
}

/// A CSV of tasks with estimates and actuals whose ratios are `ratios` (estimates vary, so the
/// unit cancels), and an optional group column.
fn csv(ratios: &[f64], groups: Option<&[&str]>) -> String {
    let mut s = String::from("id,est,act,team\n");
    for (i, r) in ratios.iter().enumerate() {
        let e = 2.0 + (i % 7) as f64;
        let g = groups.map_or("", |g| g[i]);
        s.push_str(&format!("{i},{e},{},{g}\n", e * r));
    }
    s
}

/// The `quantiles` of `[calibration.NAME]` in the TOML text.
fn quantiles_of(toml: &str, name: &str) -> Vec<f64> {
    let doc = toml_edit::Document::parse(toml.to_string()).expect("calibrate writes valid TOML");
    doc["calibration"][name]["quantiles"]
        .as_array()
        .unwrap_or_else(|| panic!("no [calibration.{name}] in\n{toml}"))
        .iter()
        .map(|v| v.as_float().unwrap())
        .collect()
}

#[test]
fn calibrate_recovers_the_quantiles_of_a_known_ratio() {
    // ln R ~ N(0.2, 0.6): the p-quantile is exp(0.2 + 0.6 z_p).
    let (mu, sigma, n) = (0.2, 0.6, 4000);
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "h.csv", &csv(&lognormal(7, n, mu, sigma), None));
    let out = shipcast(&[
        "calibrate",
        path.to_str().unwrap(),
        "--estimate",
        "est",
        "--actual",
        "act",
        "--name",
        "known",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("4000 used"), "{}", out.stderr);
    let q = quantiles_of(&out.stdout, "known");
    assert_eq!(q.len(), 101);
    for p in [0.1, 0.25, 0.5, 0.8, 0.9, 0.95] {
        let exact = (mu + sigma * z(p)).exp();
        let got = q[(p * 100.0).round() as usize];
        let se = quantile_se(p, n, mu, sigma);
        assert!(
            (got - exact).abs() <= 4.0 * se,
            "P{p}: got {got}, exact {exact}, 4 SE {}",
            4.0 * se
        );
    }
    // The lognormal fit: mu is a mean of n logs (SE sigma / sqrt n), sigma's SE is about
    // sigma / sqrt(2 n).
    let f = fit(&lognormal(7, n, mu, sigma)).unwrap();
    assert!(
        (f.mu - mu).abs() <= 4.0 * sigma / (n as f64).sqrt(),
        "{}",
        f.mu
    );
    assert!((f.sigma - sigma).abs() <= 4.0 * sigma / (2.0 * n as f64).sqrt());
    // A lognormal sample fits its lognormal: the KS distance is below its 1% critical value
    // 1.63 / sqrt(n).
    assert!(f.ks < 1.63 / (n as f64).sqrt(), "KS {}", f.ks);
}

#[test]
fn groups_get_their_own_fit_and_small_groups_fall_back() {
    // Team a: ln R ~ N(0, 0.5) (median 1); team b: ln R ~ N(ln 2, 0.5) (median 2); team c has
    // 5 rows, under the minimum of 30, and uses the whole set's fit.
    let (n, sigma) = (2000, 0.5);
    let mut ratios = lognormal(11, n, 0.0, sigma);
    ratios.extend(lognormal(12, n, 2f64.ln(), sigma));
    ratios.extend([1.0, 1.5, 2.0, 3.0, 9.0]);
    let groups: Vec<&str> = (0..ratios.len())
        .map(|i| match i {
            i if i < n => "a",
            i if i < 2 * n => "b",
            _ => "c",
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "h.csv", &csv(&ratios, Some(&groups)));
    let out = shipcast(&[
        "calibrate",
        path.to_str().unwrap(),
        "--estimate",
        "est",
        "--actual",
        "act",
        "--group",
        "team",
        "--name",
        "t",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for (name, median) in [("t-a", 1.0f64), ("t-b", 2.0)] {
        let got = quantiles_of(&out.stdout, name)[50];
        let se = quantile_se(0.5, n, median.ln(), sigma);
        assert!((got - median).abs() <= 4.0 * se, "{name}: median {got}");
    }
    assert_eq!(
        quantiles_of(&out.stdout, "t-c"),
        quantiles_of(&out.stdout, "t")
    );
    assert!(out.stdout.contains("fallback = true"));
    assert!(
        out.stdout.contains("too few rows"),
        "the fall-back is noted: {}",
        out.stdout
    );
    // The library says the same.
    let gs: Vec<String> = groups.iter().map(|g| g.to_string()).collect();
    let (all, fits) = fit_groups(&ratios, &gs, 30).unwrap();
    assert_eq!(fits.len(), 3);
    assert!(!fits[0].fallback && !fits[1].fallback && fits[2].fallback);
    assert_eq!(fits[2].fit, all);
    assert_eq!(fits[2].rows, 5);
}

fn spec(warmup: usize) -> BacktestSpec {
    BacktestSpec {
        warmup,
        min_group: 30,
        method: Method::Empirical,
        baseline: Baseline::QUICK_RISK,
    }
}

#[test]
fn backtest_of_a_stable_history_is_calibrated() {
    // Every item's ratio comes from the same distribution, so a forecast from the items before
    // it is calibrated: coverage p, with a binomial SE of sqrt(p (1 - p) / scored). (The
    // rolling quantiles of m >= 200 items add a bias of order 1/m, far below that.)
    let ratios = lognormal(21, 4200, 0.1, 0.8);
    let b = calibration::backtest(&ratios, &[], &spec(200));
    assert_eq!(b.calibrated.len(), 4000);
    for p in [0.5, 0.8, 0.9] {
        let c = coverage(&b.calibrated, p);
        let se = (p * (1.0 - p) / 4000.0).sqrt();
        assert!((c.share - p).abs() <= 4.0 * se, "P{p}: {}", c.share);
        assert!(c.low < c.share && c.share < c.high);
    }
    // The lognormal fit of a lognormal history is calibrated too.
    let mut s = spec(200);
    s.method = Method::LogNormal;
    let b = calibration::backtest(&ratios, &[], &s);
    for p in [0.5, 0.8, 0.9] {
        let c = coverage(&b.calibrated, p).share;
        assert!(
            (c - p).abs() <= 4.0 * (p * (1.0 - p) / 4000.0).sqrt(),
            "P{p}: {c}"
        );
    }
}

/// Beta(2, 4)'s CDF, 1 - (1 - x)^4 (1 + 4 x), inverted by bisection: quick risk's PERT over
/// [0.9, 1, 1.3] is 0.9 + 0.4 Beta(2, 4).
fn quick_risk_quantile(p: f64) -> f64 {
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..100 {
        let m = (lo + hi) / 2.0;
        if 1.0 - (1.0 - m).powi(4) * (1.0 + 4.0 * m) < p {
            lo = m;
        } else {
            hi = m;
        }
    }
    0.9 + 0.4 * lo
}

#[test]
fn backtest_of_a_biased_history_measures_the_baselines_miss() {
    // Work takes 1.5x its estimate with ln R ~ N(ln 1.5, 0.3). The quick-risk forecast's p
    // percentile is the estimate times q_p = quick_risk_quantile(p), so its coverage is
    // P(R <= q_p) = Φ((ln q_p - ln 1.5) / 0.3): P80 at 1.0961 covers Φ(-1.0458) = 14.8%.
    let (mu, sigma) = (1.5f64.ln(), 0.3);
    let ratios = lognormal(31, 4200, mu, sigma);
    let b = calibration::backtest(&ratios, &[], &spec(200));
    for p in [0.5, 0.8, 0.9] {
        let exact = Normal::standard().cdf((quick_risk_quantile(p).ln() - mu) / sigma);
        let got = coverage(&b.baseline, p).share;
        let se = (exact * (1.0 - exact) / 4000.0).sqrt();
        assert!(
            (got - exact).abs() <= 4.0 * se,
            "baseline P{p}: got {got}, exact {exact}"
        );
        let cal = coverage(&b.calibrated, p).share;
        assert!((cal - p).abs() <= 4.0 * (p * (1.0 - p) / 4000.0).sqrt());
    }
    assert!((quick_risk_quantile(0.8) - 1.096_077).abs() < 1e-5);
}

#[test]
fn backtest_counts_ties_inside_the_atom() {
    // Half the items take exactly their estimate, the other half 2x: the forecast is an atom of
    // 1/2 at 1 and 1/2 at 2. P50's percentile is the top of the atom at 1, so an "at or below"
    // count would put the actuals at 1 wholly inside it; the randomized PIT counts each as
    // uniform over [0, 1/2] (and the 2s over [1/2, 1]): coverage of P50 is exactly 1/2 and of
    // P80 is 1/2 + (0.3 / 0.5) / 2 = 0.8, within what the alternation leaves (an exact 50/50
    // history at every step after the first two).
    let ratios: Vec<f64> = (0..1000)
        .map(|i| if i % 2 == 0 { 1.0 } else { 2.0 })
        .collect();
    let b = calibration::backtest(&ratios, &[], &spec(100));
    let p50 = coverage(&b.calibrated, 0.5).share;
    let p80 = coverage(&b.calibrated, 0.8).share;
    assert!((p50 - 0.5).abs() < 0.01, "{p50}");
    assert!((p80 - 0.8).abs() < 0.01, "{p80}");
}

#[test]
fn backtest_command_prints_coverage_and_draws_its_charts() {
    let dir = tempfile::tempdir().unwrap();
    let ratios = lognormal(41, 600, 0.3, 0.7);
    let path = write(&dir, "h.csv", &csv(&ratios, None));
    let chart = dir.path().join("cal.png");
    let pit = dir.path().join("pit.svg");
    let args = [
        "backtest",
        path.to_str().unwrap(),
        "--estimate",
        "est",
        "--actual",
        "act",
        "--order",
        "id",
        "--warmup",
        "100",
        "--chart",
        chart.to_str().unwrap(),
        "--pit",
        pit.to_str().unwrap(),
    ];
    let out = shipcast(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("P80") && out.stdout.contains("PERT -10%/+30%"));
    assert!(
        out.stdout.contains("each of the other 500"),
        "{}",
        out.stdout
    );
    assert!(chart.exists() && std::fs::read_to_string(&pit).unwrap().contains("<svg"));
    // The charts are not overwritten without --force.
    let again = shipcast(&args);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("exists"), "{}", again.stderr);
}

/// Runs `args` and expects exit 2 with every `needles` in stderr.
fn fails(args: &[&str], needles: &[&str]) {
    let out = shipcast(args);
    assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
    for n in needles {
        assert!(
            out.stderr.contains(n),
            "{args:?}: no `{n}` in {}",
            out.stderr
        );
    }
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
}

#[test]
fn csv_errors_name_the_row_and_column_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let cal = |name: &str, text: &str| {
        let p = write(&dir, name, text);
        p.to_str().unwrap().to_string()
    };
    let base = |f: &str| {
        vec![
            "calibrate".to_string(),
            f.to_string(),
            "--estimate".into(),
            "est".into(),
            "--actual".into(),
            "act".into(),
        ]
    };
    let run = |args: Vec<String>, needles: &[&str]| {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        fails(&a, needles);
    };
    // A missing column, with a suggestion.
    let f = cal("missing.csv", "est,actual\n1,2\n");
    run(base(&f), &["missing.csv", "no column `act`", "actual"]);
    // A non-numeric cell: row 3 (the header is row 1), column act.
    let f = cal("text.csv", "est,act\n1,2\n2,lots\n");
    run(
        base(&f),
        &[
            "text.csv, row 3, column `act`",
            "`lots` is not a number",
            "--skip-invalid",
        ],
    );
    // A zero and a negative estimate.
    let f = cal("zero.csv", "est,act\n1,2\n0,2\n");
    run(base(&f), &["row 3, column `est`", "above zero"]);
    let f = cal("neg.csv", "est,act\n-1,2\n");
    run(base(&f), &["row 2, column `est`"]);
    // An empty file, and a header alone.
    let f = cal("empty.csv", "");
    run(base(&f), &["empty.csv is empty"]);
    let f = cal("header.csv", "est,act\n");
    run(base(&f), &["no data rows"]);
    // --skip-invalid leaves such rows out and says how many and why.
    let f = cal("mixed.csv", "est,act\n1,2\n0,2\n2,x\n4,4\n,3\n");
    let out = shipcast(&[
        "calibrate",
        &f,
        "--estimate",
        "est",
        "--actual",
        "act",
        "--skip-invalid",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for n in [
        "5 data rows",
        "2 used",
        "1 left out: an estimate or actual of zero or less (first at row 3)",
        "1 left out: a cell that is not a number or date (first at row 4)",
        "1 left out: empty estimate or actual (first at row 6)",
    ] {
        assert!(out.stderr.contains(n), "no `{n}` in {}", out.stderr);
    }
    // An output file that exists is refused without --force.
    let out_file = cal("cal.toml", "keep me");
    let f = cal("ok.csv", "est,act\n1,2\n2,2\n");
    let mut a = base(&f);
    a.extend(["-o".into(), out_file.clone()]);
    run(a.clone(), &["exists", "--force"]);
    assert_eq!(std::fs::read_to_string(&out_file).unwrap(), "keep me");
    a.push("--force".into());
    let argv: Vec<&str> = a.iter().map(String::as_str).collect();
    assert_eq!(shipcast(&argv).code, 0);
    assert!(
        std::fs::read_to_string(&out_file)
            .unwrap()
            .contains("[calibration.ok]")
    );
}

#[test]
fn project_history_by_dates_and_latin1_semicolons() {
    // Three projects planned for 10, 20 and 40 days took 15, 20 and 80: ratios 1.5, 1, 2.
    // Sorted 1, 1.5, 2: the median is 1.5. The file is Latin-1 with ';' and a name with é.
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"name;start;planned;done\n".to_vec();
    bytes.extend(b"caf\xe9;2024-01-01;2024-01-11;2024-01-16\n");
    bytes.extend(b"b;2024-02-01;2024-02-21;2024-02-21\n");
    bytes.extend(b"c;2024-03-01;2024-04-10;2024-05-20\n");
    let path = dir.path().join("projects.csv");
    std::fs::write(&path, bytes).unwrap();
    let out = shipcast(&[
        "calibrate",
        path.to_str().unwrap(),
        "--start",
        "start",
        "--planned-end",
        "planned",
        "--actual-end",
        "done",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("Latin-1") && out.stderr.contains("';'"));
    let q = quantiles_of(&out.stdout, "projects");
    assert_eq!((q[0], q[50], q[100]), (1.0, 1.5, 2.0));
}

const N: u64 = 100_000;

fn run_json(toml: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "plan.toml", toml);
    let n = N.to_string();
    let out = shipcast(&[
        "run",
        path.to_str().unwrap(),
        "--format",
        "json",
        "--seed",
        "3",
        "-n",
        &n,
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

fn pct(m: &Value, p: f64) -> f64 {
    m["percentiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["p"].as_f64() == Some(p))
        .unwrap()["days"]
        .as_f64()
        .unwrap()
}

#[test]
fn a_calibrated_estimate_is_the_estimate_times_the_ratio() {
    // Quantiles 0.5, 1, 1, 2, 4 at p = 0, 1/4, 1/2, 3/4, 1: R is uniform on [0.5, 1] with
    // probability 1/4, exactly 1 with 1/4, uniform on [1, 2] and on [2, 4] with 1/4 each.
    // The task's duration D = 10 R (estimate 10, and [8, 10, 20] reads as its likely 10):
    //   P(D <= 10) = 1/2 (the atom's top);  P80 = 10 Q(0.8) = 10 (2 + 0.2 * 2) = 24, where D's
    //   density is (1/4) / 20 = 0.0125 per day, so its SE is sqrt(0.16 / n) / 0.0125;
    //   E[D] = 10 (0.75 + 1 + 1.5 + 3) / 4 = 15.625; E[R^2] = (7/12 + 1 + 7/3 + 28/3) / 4 =
    //   3.3125, so sd(D) = 10 sqrt(3.3125 - 1.5625^2) = 9.3332.
    for estimate in ["10", "[8, 10, 20]"] {
        let r = run_json(&format!(
            r#"
[project]
calibration = "toy"
[[task]]
id = "a"
estimate = {estimate}
[[milestone]]
id = "m"
after = ["a"]
deadline = 10
[calibration.toy]
n = 5
source = "made up"
quantiles = [0.5, 1, 1, 2, 4]
"#
        ));
        let m = &r["milestones"][0];
        let sn = (N as f64).sqrt();
        let on_time = m["deadline"]["on_time"]["estimate"].as_f64().unwrap();
        assert!((on_time - 0.5).abs() <= 4.0 * 0.5 / sn, "{on_time}");
        let p80 = pct(m, 0.8);
        assert!((p80 - 24.0).abs() <= 4.0 * 0.4 / sn / 0.0125, "{p80}");
        let mean = m["mean_days"].as_f64().unwrap();
        assert!((mean - 15.625).abs() <= 4.0 * 9.3332 / sn, "{mean}");
        // The report lists the task, its class and its exact quantiles; the driver row names
        // the class.
        let c = &r["calibration"][0];
        assert_eq!(
            (c["task"].as_str(), c["class"].as_str()),
            (Some("a"), Some("toy"))
        );
        assert_eq!(c["estimate"], 10.0);
        assert!((c["p80_days"].as_f64().unwrap() - 24.0).abs() < 1e-9);
        assert_eq!(c["history_n"], 5);
        assert_eq!(m["drivers"][0]["calibration"], "toy");
    }
}

#[test]
fn a_lognormal_calibration_shifts_the_log_by_the_estimate() {
    // ln R ~ N(0.1, 0.5) and estimate 4: D = 4 R, ln D ~ N(0.1 + ln 4, 0.5), so P80 is
    // 4 exp(0.1 + 0.5 z_0.8) = 6.7338, where D's density is φ(z_0.8) / (0.5 * 6.7338).
    let r = run_json(
        r#"
[[task]]
id = "a"
estimate = 4
calibration = "ln"
[calibration.ln]
use = "lognormal"
mu = 0.1
sigma = 0.5
"#,
    );
    let m = &r["milestones"][0];
    let exact = 4.0 * (0.1 + 0.5 * z(0.8)).exp();
    let density = Normal::standard().pdf(z(0.8)) / (0.5 * exact);
    let se = 0.4 / (N as f64).sqrt() / density;
    let p80 = pct(m, 0.8);
    assert!((p80 - exact).abs() <= 4.0 * se, "{p80} vs {exact}");
    assert_eq!(r["calibration"][0]["method"], "lognormal");
}

#[test]
fn calibration_mistakes_are_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let check = |text: &str, needles: &[&str]| {
        let path = write(&dir, "bad.toml", text);
        fails(&["validate", path.to_str().unwrap()], needles);
    };
    let table = "[calibration.sip]\nquantiles = [0.5, 1, 2]\n";
    check(
        "[[task]]\nid = \"a\"\nestimate = 3\ncalibration = \"histroy\"\n[calibration.history]\nquantiles = [1, 2]\n",
        &["unknown calibration `histroy`", "did you mean `history`?"],
    );
    check(
        &format!("[[task]]\nid = \"a\"\nestimate = 3\n{table}"),
        &["has an estimate but no calibration"],
    );
    check(
        &format!(
            "[[task]]\nid = \"a\"\nestimate = 3\nduration = 3\ncalibration = \"sip\"\n{table}"
        ),
        &["both `duration` and `estimate`"],
    );
    check(
        &format!("[[task]]\nid = \"a\"\nduration = 3\ncalibration = \"sip\"\n{table}"),
        &["names a calibration but has no `estimate`"],
    );
    check(
        "[[task]]\nid = \"a\"\nestimate = 3\ncalibration = \"x\"\n[calibration.x]\nquantiles = [2, 1]\n",
        &["quantiles are invalid", "must not decrease"],
    );
    check(
        &format!("[[task]]\nid = \"a\"\nestimate = [3, 2, 4]\ncalibration = \"sip\"\n{table}"),
        &["low <= likely <= high"],
    );
    check(
        "[[task]]\nid = \"a\"\nestimate = 3\ncalibration = \"sip\"\n[calibration.sip]\nquantiles = [1, 2]\nsigam = 1\n",
        &["unknown key `sigam`", "did you mean `sigma`?"],
    );
}

#[test]
fn variants_see_the_files_calibrations() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "v.toml",
        "[project]\ncalibration = \"c\"\n[[task]]\nid = \"a\"\nestimate = 3\n[calibration.c]\nquantiles = [1, 2]\n[variant.more]\n[[variant.more.task]]\nid = \"a\"\nestimate = 5\n",
    );
    let out = shipcast(&["validate", path.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("1 variant"));
}
