//! Goodness of fit: the engine's samples against exact distributions, through the public
//! library API (`load_str`, `engine::simulate`, `Outcomes::milestone_column`), at fixed seeds.
//!
//! - every distribution of the language (uniform, triangular, PERT, normal, lognormal, samples,
//!   fixed) against its exact CDF (Kolmogorov-Smirnov; chi-square for the discrete one);
//! - sums of independent tasks in a chain and maxima of parallel tasks joined by a milestone,
//!   against their exact distributions (convolution; product of CDFs);
//! - the attempts of an experiment with retries against the truncated geometric law (chi-square);
//! - the rank correlation a `[[correlation]]` group induces, against the Gaussian copula's
//!   exact Spearman coefficient.
//!
//! **Levels.** Every check rejects a correct implementation with probability at most
//! `ALPHA = 1e-3` (over the choice of seed; the seeds are fixed, so each run is deterministic).
//! With 20 or so checks, a correct engine passes all of them for at least 98% of seeds, and
//! these seeds pass.
//!
//! **KS.** `D = sup |F_n(x) - F(x)|` of `n` i.i.d. samples of a continuous `F`. Kolmogorov:
//! `P(sqrt(n) D > c) -> 2 sum_k (-1)^(k-1) exp(-2 k^2 c^2)`; the first term alone bounds it
//! from above, so `c = sqrt(ln(2 / ALPHA) / 2) = 1.9495` gives level `<= 1e-3` (the second
//! term is `2 exp(-8 c^2) ~ 1e-13`). Stephens' finite-n form, `D (sqrt n + 0.12 + 0.11 /
//! sqrt n) > c`, keeps the level within 1% of nominal for every n >= 5 (Stephens 1970).
//! At n = 20,000 the test rejects when D > 0.0138: a CDF wrong by 1.4 points anywhere.
//!
//! **Chi-square.** Pearson's `X^2 = sum (O - E)^2 / E` over `k` cells with expected counts of
//! at least 5 (here at least 1,000) is chi-square with `k - 1` degrees of freedom under the
//! hypothesis; the critical value is its `1 - ALPHA` quantile (statrs).
//!
//! **Power.** `every_check_can_fail` feeds each check a deliberately wrong answer (a
//! neighbouring CDF, a wrong success probability, Pearson's coefficient in place of
//! Spearman's) and asserts that it rejects it.

use shipcast::engine::{self, Config};
use statrs::distribution::{
    Beta, ChiSquared, ContinuousCDF, LogNormal, Normal, StudentsT, Triangular,
};

/// The false-rejection probability of each check.
const ALPHA: f64 = 1e-3;
/// Samples per KS check.
const N: u64 = 20_000;

/// The finishes of milestone `m` of scenario `toml`, `n` iterations at `seed`.
fn finishes(toml: &str, n: u64, seed: u64, m: usize) -> Vec<f64> {
    let plan = shipcast::load_str("plan.toml", toml).unwrap();
    let out = engine::simulate(&plan, &Config::new(n, seed));
    out.milestone_column(m)
}

/// A single task with this duration, as its own milestone.
fn one_task(duration: &str) -> String {
    format!("[[task]]\nid = \"t\"\nduration = {duration}\n")
}

/// The Kolmogorov-Smirnov statistic of `xs` against `cdf`, scaled by Stephens' factor, so that
/// it is compared with [`ks_critical`] whatever `n`.
fn ks(xs: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let mut xs = xs.to_vec();
    xs.sort_by(f64::total_cmp);
    let n = xs.len() as f64;
    let d = xs
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            ((i + 1) as f64 / n - f).max(f - i as f64 / n)
        })
        .fold(0.0, f64::max);
    d * (n.sqrt() + 0.12 + 0.11 / n.sqrt())
}

/// `c` with `2 exp(-2 c^2) = ALPHA`: 1.9495 (see the module comment).
fn ks_critical() -> f64 {
    ((2.0 / ALPHA).ln() / 2.0).sqrt()
}

fn assert_fits(what: &str, xs: &[f64], cdf: impl Fn(f64) -> f64) {
    let stat = ks(xs, cdf);
    eprintln!("{what}: KS statistic {stat:.3}");
    assert!(
        stat <= ks_critical(),
        "{what}: KS statistic {stat:.3} > {:.3} (rejected at {ALPHA})",
        ks_critical()
    );
}

fn assert_rejects(what: &str, xs: &[f64], cdf: impl Fn(f64) -> f64) {
    let stat = ks(xs, cdf);
    eprintln!("{what}: KS statistic {stat:.3}");
    assert!(
        stat > ks_critical(),
        "{what}: a wrong CDF passed (KS statistic {stat:.3} <= {:.3})",
        ks_critical()
    );
}

/// Pearson's X^2 of `counts` against cell probabilities `p` (which sum to 1), and its
/// critical value at ALPHA.
fn chi_square(counts: &[u64], p: &[f64]) -> (f64, f64) {
    assert_eq!(counts.len(), p.len());
    assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    let n = counts.iter().sum::<u64>() as f64;
    let x2 = counts
        .iter()
        .zip(p)
        .map(|(&o, &p)| {
            let e = n * p;
            assert!(e >= 5.0, "a cell expects {e} < 5: merge cells");
            (o as f64 - e).powi(2) / e
        })
        .sum();
    let critical = ChiSquared::new((p.len() - 1) as f64)
        .unwrap()
        .inverse_cdf(1.0 - ALPHA);
    eprintln!("X^2 = {x2:.2}, critical {critical:.2}");
    (x2, critical)
}

// ---- the exact CDFs ----

fn uniform_cdf(a: f64, b: f64) -> impl Fn(f64) -> f64 {
    move |x| ((x - a) / (b - a)).clamp(0.0, 1.0)
}

fn triangular_cdf(a: f64, c: f64, b: f64) -> impl Fn(f64) -> f64 {
    let t = Triangular::new(a, b, c).unwrap();
    move |x| t.cdf(x)
}

/// PERT `[a, c, b]`: `a + (b - a) Beta(1 + 4 r, 1 + 4 (1 - r))`, `r = (c - a) / (b - a)` (the
/// definition in src/dist/mod.rs and the README), through statrs' Beta CDF. The engine samples
/// a tabulated inverse within 1e-4 of the range of the exact one (dist::pert's own test): a
/// shift of at most ~2e-4 in F, far below the KS resolution of 0.0138.
fn pert_cdf(a: f64, c: f64, b: f64) -> impl Fn(f64) -> f64 {
    let r = (c - a) / (b - a);
    let beta = Beta::new(1.0 + 4.0 * r, 1.0 + 4.0 * (1.0 - r)).unwrap();
    move |x| beta.cdf(((x - a) / (b - a)).clamp(0.0, 1.0))
}

/// Normal(mean, sd) truncated to [0, inf), as the language defines `dist = "normal"`:
/// `F(x) = (Φ((x - mean) / sd) - Φ(-mean / sd)) / (1 - Φ(-mean / sd))` for x >= 0.
fn trunc_normal_cdf(mean: f64, sd: f64) -> impl Fn(f64) -> f64 {
    let z = Normal::standard();
    let cut = z.cdf(-mean / sd);
    move |x| {
        if x < 0.0 {
            0.0
        } else {
            (z.cdf((x - mean) / sd) - cut) / (1.0 - cut)
        }
    }
}

/// The lognormal whose p-th percentile is `xp` and q-th is `xq`: ln X is normal with
/// `mu + sigma z_p = ln xp` and `mu + sigma z_q = ln xq`.
fn lognormal_cdf(p: f64, xp: f64, q: f64, xq: f64) -> impl Fn(f64) -> f64 {
    let z = Normal::standard();
    let (zp, zq) = (z.inverse_cdf(p), z.inverse_cdf(q));
    let sigma = (xq.ln() - xp.ln()) / (zq - zp);
    let mu = xp.ln() - sigma * zp;
    let ln = LogNormal::new(mu, sigma).unwrap();
    move |x| if x <= 0.0 { 0.0 } else { ln.cdf(x) }
}

// ---- each distribution against its CDF ----

#[test]
fn uniform_samples_follow_the_uniform_cdf() {
    let xs = finishes(
        &one_task("{ dist = \"uniform\", min = 3, max = 11 }"),
        N,
        1,
        0,
    );
    assert_fits("uniform(3, 11)", &xs, uniform_cdf(3.0, 11.0));
}

#[test]
fn triangular_samples_follow_the_triangular_cdf() {
    let xs = finishes(
        &one_task("{ dist = \"triangular\", low = 2, likely = 4, high = 13 }"),
        N,
        2,
        0,
    );
    assert_fits("triangular(2, 4, 13)", &xs, triangular_cdf(2.0, 4.0, 13.0));
    // `three_point = "triangular"` reads the bare array as a triangle.
    let toml = format!(
        "[project]\nthree_point = \"triangular\"\n{}",
        one_task("[1, 1, 6]")
    );
    let xs = finishes(&toml, N, 3, 0);
    assert_fits(
        "[1, 1, 6] as a triangle",
        &xs,
        triangular_cdf(1.0, 1.0, 6.0),
    );
}

#[test]
fn pert_samples_follow_the_beta_cdf() {
    // Skewed, symmetric and degenerate-mode shapes: the table is built per shape.
    for (seed, (a, c, b)) in [(5.0, 8.0, 15.0), (0.0, 5.0, 10.0), (2.0, 2.0, 30.0)]
        .into_iter()
        .enumerate()
    {
        let xs = finishes(
            &one_task(&format!("[{a}, {c}, {b}]")),
            N,
            10 + seed as u64,
            0,
        );
        assert_fits(&format!("PERT [{a}, {c}, {b}]"), &xs, pert_cdf(a, c, b));
    }
}

#[test]
fn normal_samples_follow_the_normal_cdf_truncated_at_zero() {
    // mean 3, sd 2: 6.7% of the normal lies below 0 and is cut away, a visible difference.
    let xs = finishes(
        &one_task("{ dist = \"normal\", mean = 3, sd = 2 }"),
        N,
        4,
        0,
    );
    assert_fits("normal(3, 2) on [0, inf)", &xs, trunc_normal_cdf(3.0, 2.0));
}

#[test]
fn lognormal_samples_follow_the_lognormal_cdf() {
    let xs = finishes(
        &one_task("{ dist = \"lognormal\", p10 = 4, p90 = 12 }"),
        N,
        5,
        0,
    );
    assert_fits(
        "lognormal p10 = 4, p90 = 12",
        &xs,
        lognormal_cdf(0.1, 4.0, 0.9, 12.0),
    );
    let xs = finishes(
        &one_task("{ dist = \"lognormal\", median = 6, p90 = 15 }"),
        N,
        6,
        0,
    );
    assert_fits(
        "lognormal median = 6, p90 = 15",
        &xs,
        lognormal_cdf(0.5, 6.0, 0.9, 15.0),
    );
}

#[test]
fn resampled_history_follows_its_empirical_pmf() {
    // Each of the 7 values is drawn with probability 1/7; 4 appears twice.
    let values = [3.0, 4.0, 4.0, 5.0, 6.0, 8.0, 12.0];
    let xs = finishes(
        &one_task("{ dist = \"samples\", values = [3, 4, 4, 5, 6, 8, 12] }"),
        N,
        7,
        0,
    );
    let cells = [3.0, 4.0, 5.0, 6.0, 8.0, 12.0];
    let mut counts = [0u64; 6];
    for x in &xs {
        let k = cells
            .iter()
            .position(|c| c == x)
            .unwrap_or_else(|| panic!("{x} is not one of the samples"));
        counts[k] += 1;
    }
    let p: Vec<f64> = cells
        .iter()
        .map(|c| values.iter().filter(|v| *v == c).count() as f64 / 7.0)
        .collect();
    let (x2, critical) = chi_square(&counts, &p);
    assert!(x2 <= critical, "samples: X^2 = {x2:.2} > {critical:.2}");
}

#[test]
fn a_fixed_duration_is_exact() {
    let xs = finishes(&one_task("7.25"), 1000, 8, 0);
    assert!(xs.iter().all(|&x| x == 7.25));
}

// ---- sums and maxima of independent tasks ----

#[test]
fn a_chain_of_two_uniforms_sums_to_a_triangle() {
    // U(0, 4) + U(0, 4) has the triangular density on [0, 8] with its mode at 4.
    let toml = r#"
[[task]]
id = "a"
duration = { dist = "uniform", min = 0, max = 4 }
[[task]]
id = "b"
after = ["a"]
duration = { dist = "uniform", min = 0, max = 4 }
"#;
    let xs = finishes(toml, N, 20, 0);
    assert_fits("U(0,4) + U(0,4)", &xs, triangular_cdf(0.0, 4.0, 8.0));
}

#[test]
fn a_chain_of_normals_sums_to_a_normal() {
    // N(10, 1) + N(20, 2) + N(5, 0.5): the truncation at 0 is 10 sd away for each (mass
    // below 7.6e-24, invisible), so the sum is N(35, sqrt(1 + 4 + 0.25)).
    let toml = r#"
[[task]]
id = "a"
duration = { dist = "normal", mean = 10, sd = 1 }
[[task]]
id = "b"
after = ["a"]
duration = { dist = "normal", mean = 20, sd = 2 }
[[task]]
id = "c"
after = ["b"]
duration = { dist = "normal", mean = 5, sd = 0.5 }
"#;
    let xs = finishes(toml, N, 21, 0);
    let sum = Normal::new(35.0, 5.25f64.sqrt()).unwrap();
    assert_fits("N(10,1) + N(20,2) + N(5,0.5)", &xs, |x| sum.cdf(x));
}

/// Three different tasks in parallel, each the only predecessor of nothing but the milestone.
const PARALLEL: &str = r#"
[[task]]
id = "a"
duration = { dist = "uniform", min = 2, max = 10 }
[[task]]
id = "b"
duration = { dist = "triangular", low = 3, likely = 5, high = 9 }
[[task]]
id = "c"
duration = [4, 6, 12]
[[milestone]]
id = "m"
after = ["a", "b", "c"]
"#;

/// P(max <= x) = P(a <= x) P(b <= x) P(c <= x) for independent a, b, c.
fn parallel_max_cdf() -> impl Fn(f64) -> f64 {
    let (fa, fb, fc) = (
        uniform_cdf(2.0, 10.0),
        triangular_cdf(3.0, 5.0, 9.0),
        pert_cdf(4.0, 6.0, 12.0),
    );
    move |x| fa(x) * fb(x) * fc(x)
}

#[test]
fn parallel_tasks_joined_by_a_milestone_finish_at_their_maximum() {
    let xs = finishes(PARALLEL, N, 22, 0);
    assert_fits("max(U, T, PERT)", &xs, parallel_max_cdf());
}

// ---- attempts of an experiment ----

/// An experiment of fixed 2-day attempts, success 0.3 each, at most 6 attempts, no fallback:
/// the milestone finishes at 2k when attempt k is the first success, which has probability
/// `0.7^(k-1) 0.3` (k = 1..6); with probability `0.7^6 = 0.1176` every attempt fails and the
/// milestone is never reached (+inf).
fn attempt_counts(success: f64, seed: u64) -> [u64; 7] {
    let toml = format!(
        "[[task]]\nid = \"x\"\nduration = 2\nsuccess = {success}\nattempts = 6\n[[milestone]]\nid = \"m\"\nafter = [\"x\"]\n"
    );
    let mut counts = [0u64; 7];
    for x in finishes(&toml, N, seed, 0) {
        let k = if x.is_finite() {
            assert_eq!(
                x % 2.0,
                0.0,
                "a finish of {x} is not a whole number of attempts"
            );
            (x / 2.0) as usize - 1
        } else {
            6
        };
        counts[k] += 1;
    }
    counts
}

/// The truncated geometric law of the attempt that succeeds (cells 0..5), and of none (cell 6).
fn geometric(p: f64, attempts: i32) -> Vec<f64> {
    let mut cells: Vec<f64> = (0..attempts).map(|k| (1.0 - p).powi(k) * p).collect();
    cells.push((1.0 - p).powi(attempts));
    cells
}

#[test]
fn attempts_follow_the_truncated_geometric_law() {
    // Smallest expected cell: 20,000 * 0.7^5 * 0.3 = 1,008.
    let (x2, critical) = chi_square(&attempt_counts(0.3, 30), &geometric(0.3, 6));
    assert!(x2 <= critical, "attempts: X^2 = {x2:.2} > {critical:.2}");
}

#[test]
fn the_engine_counts_every_attempt() {
    // The attempts counter summed over the run equals the attempts the finishes imply.
    let toml = "[[task]]\nid = \"x\"\nduration = 2\nsuccess = 0.3\nattempts = 6\n[[milestone]]\nid = \"m\"\nafter = [\"x\"]\n";
    let plan = shipcast::load_str("plan.toml", toml).unwrap();
    let out = engine::simulate(&plan, &Config::new(N, 30));
    let implied: u64 = out
        .milestone_column(0)
        .iter()
        .map(|x| if x.is_finite() { (x / 2.0) as u64 } else { 6 })
        .sum();
    let x = plan.nodes().iter().position(|n| n.id == "x").unwrap();
    assert_eq!(out.nodes[x].attempts, implied);
    assert_eq!(out.nodes[x].ran, N);
}

// ---- rank correlation of the copula ----

/// Spearman's coefficient of paired samples (continuous: no ties).
fn spearman(x: &[f64], y: &[f64]) -> f64 {
    fn ranks(v: &[f64]) -> Vec<f64> {
        let mut idx: Vec<usize> = (0..v.len()).collect();
        idx.sort_by(|&i, &j| v[i].total_cmp(&v[j]));
        let mut r = vec![0.0; v.len()];
        for (rank, &i) in idx.iter().enumerate() {
            r[i] = rank as f64;
        }
        r
    }
    let (rx, ry) = (ranks(x), ranks(y));
    let n = x.len() as f64;
    let d2: f64 = rx.iter().zip(&ry).map(|(a, b)| (a - b).powi(2)).sum();
    1.0 - 6.0 * d2 / (n * (n * n - 1.0))
}

/// Two tasks with uniform(0, 1) durations, each its own milestone, in a `[[correlation]]` of
/// `rho`; returns the batch means' statistic (see `copula_rank_correlation`).
fn batch_spearman(rho: f64, seed: u64) -> Vec<f64> {
    let toml = format!(
        r#"
[[task]]
id = "a"
duration = {{ dist = "uniform", min = 0, max = 1 }}
[[task]]
id = "b"
duration = {{ dist = "uniform", min = 0, max = 1 }}
[[milestone]]
id = "ma"
after = ["a"]
[[milestone]]
id = "mb"
after = ["b"]
[[correlation]]
tasks = ["a", "b"]
coefficient = {rho}
"#
    );
    let plan = shipcast::load_str("plan.toml", &toml).unwrap();
    let out = engine::simulate(&plan, &Config::new(BATCHES * BATCH, seed));
    let (a, b) = (out.milestone_column(0), out.milestone_column(1));
    (0..BATCHES as usize)
        .map(|k| {
            let r = k * BATCH as usize..(k + 1) * BATCH as usize;
            spearman(&a[r.clone()], &b[r])
        })
        .collect()
}

const BATCHES: u64 = 20;
const BATCH: u64 = 5_000;

/// The exact expectation of Spearman's coefficient of `m` draws from a Gaussian copula with
/// correlation `rho` (Moran 1948): `6 / (pi (m + 1)) (asin rho + (m - 2) asin(rho / 2))`, which
/// tends to `(6 / pi) asin(rho / 2)` (0.4826 for rho = 0.5); at m = 5,000 the two differ by
/// 6e-5.
fn spearman_mean(rho: f64, m: f64) -> f64 {
    6.0 / (std::f64::consts::PI * (m + 1.0)) * (rho.asin() + (m - 2.0) * (rho / 2.0).asin())
}

/// Whether the batch coefficients' mean is within the t-test's tolerance of `expected`. The
/// batches are independent and identically distributed (disjoint iterations), and each
/// coefficient, a U-statistic of 5,000 pairs, is close to normal, so `(mean - E) / (s /
/// sqrt(B))` is Student's t with `B - 1 = 19` degrees of freedom: the tolerance is
/// `t(19, 1 - ALPHA / 2) s / sqrt(B)`, 3.88 standard errors, with `s` the batches' standard
/// deviation (about 0.011 here, so a tolerance near 0.01).
fn spearman_matches(batches: &[f64], expected: f64) -> Result<(), String> {
    let b = batches.len() as f64;
    let mean = batches.iter().sum::<f64>() / b;
    let s = (batches.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (b - 1.0)).sqrt();
    let t = StudentsT::new(0.0, 1.0, b - 1.0)
        .unwrap()
        .inverse_cdf(1.0 - ALPHA / 2.0);
    let tol = t * s / b.sqrt();
    eprintln!("Spearman {mean:.4} (sd {s:.4}), expected {expected:.4} +- {tol:.4}");
    if (mean - expected).abs() <= tol {
        Ok(())
    } else {
        Err(format!(
            "Spearman {mean:.4}, expected {expected:.4} +- {tol:.4}"
        ))
    }
}

#[test]
fn copula_rank_correlation_is_the_gaussian_copulas() {
    for (rho, seed) in [(0.5, 40), (-0.7, 41), (0.9, 42)] {
        let batches = batch_spearman(rho, seed);
        let exact = spearman_mean(rho, BATCH as f64);
        if let Err(e) = spearman_matches(&batches, exact) {
            panic!("rho = {rho}: {e}");
        }
    }
    // A coefficient of 0 leaves the two durations independent: Spearman 0.
    let batches = batch_spearman(0.0, 43);
    spearman_matches(&batches, 0.0).unwrap();
}

// ---- power: each check rejects a wrong answer ----

#[test]
fn every_check_can_fail() {
    // A triangle is not its PERT, though both are [2, 4, 13] three-point estimates.
    let xs = finishes(
        &one_task("{ dist = \"triangular\", low = 2, likely = 4, high = 13 }"),
        N,
        2,
        0,
    );
    assert_rejects("triangle against PERT", &xs, pert_cdf(2.0, 4.0, 13.0));
    // The untruncated normal: 6.7% of mass misplaced.
    let xs = finishes(
        &one_task("{ dist = \"normal\", mean = 3, sd = 2 }"),
        N,
        4,
        0,
    );
    let plain = Normal::new(3.0, 2.0).unwrap();
    assert_rejects("normal without truncation", &xs, |x| plain.cdf(x));
    // A sum of two uniforms is not uniform on the same range.
    let toml = "[[task]]\nid = \"a\"\nduration = { dist = \"uniform\", min = 0, max = 4 }\n[[task]]\nid = \"b\"\nafter = [\"a\"]\nduration = { dist = \"uniform\", min = 0, max = 4 }\n";
    assert_rejects(
        "U + U against U(0, 8)",
        &finishes(toml, N, 20, 0),
        uniform_cdf(0.0, 8.0),
    );
    // The maximum is not the slowest task alone.
    let xs = finishes(PARALLEL, N, 22, 0);
    assert_rejects("max against its PERT term", &xs, pert_cdf(4.0, 6.0, 12.0));
    // A success probability of 0.33 instead of 0.3.
    let (x2, critical) = chi_square(&attempt_counts(0.3, 30), &geometric(0.33, 6));
    assert!(x2 > critical, "p = 0.33 passed: X^2 = {x2:.2}");
    // Pearson's rho in place of Spearman's (0.5 against 0.4826).
    assert!(spearman_matches(&batch_spearman(0.5, 40), 0.5).is_err());
}
