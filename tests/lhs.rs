//! Latin hypercube intervals are honest: over many seeds, the reported 95% intervals contain the
//! exact answer about 95% of the time (not 99-100%, as the Monte Carlo formulas gave), and they
//! are narrower than the Monte Carlo ones at the same iteration count.
//!
//! The plan is two independent uniform(0, 10) tasks joined by a milestone, whose finish is their
//! maximum M: P(M <= x) = (x / 10)^2 on [0, 10], so exactly
//!   P50 = 10 sqrt(0.5) = 7.0710678, P80 = 10 sqrt(0.8) = 8.9442719, P95 = 10 sqrt(0.95) = 9.7467943,
//!   P(M <= 8) = 0.64 (the deadline).
//! Two draws, not one: the indicator 1{M <= x} = 1{U1 <= x/10} 1{U2 <= x/10} keeps an interaction
//! that Latin hypercube sampling does not remove, so its estimates have real (smaller) noise. With a
//! single draw a hypercube is an exact stratification whose only error is the discreteness of its
//! strata; no t interval is calibrated for that (it is over-covered, see the report).

use shipcast::analysis::{Intervals, Summary, summarize};
use shipcast::engine::{Config, Sampling, simulate};

const PLAN: &str = r#"
[[task]]
id = "a"
duration = { dist = "uniform", min = 0, max = 10 }
[[task]]
id = "b"
duration = { dist = "uniform", min = 0, max = 10 }
[[milestone]]
id = "done"
after = ["a", "b"]
deadline = 8
"#;

const N: u64 = 2_000;

fn run(plan: &shipcast::model::Plan, seed: u64, sampling: Sampling) -> Summary {
    let config = Config {
        sampling,
        ..Config::new(N, seed)
    };
    summarize(plan, &simulate(plan, &config))
}

#[test]
fn replicated_latin_hypercube_intervals_cover_95_percent_and_are_narrower() {
    let plan = shipcast::load_str("max.toml", PLAN).unwrap();
    let seeds: u64 = std::env::var("SHIPCAST_COVERAGE_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(400);
    // (percentile p, exact value) and the exact P(on time).
    let exact = [
        (0.5, 10.0 * 0.5f64.sqrt()),
        (0.8, 10.0 * 0.8f64.sqrt()),
        (0.95, 10.0 * 0.95f64.sqrt()),
    ];
    let on_time = 0.64;
    let mut covered = [0u64; 4];
    let (mut lhs_width, mut mc_width) = ([0.0f64; 4], [0.0f64; 4]);
    for seed in 0..seeds {
        let lhs = run(&plan, seed, Sampling::LatinHypercube);
        let mc = run(&plan, seed, Sampling::MonteCarlo);
        assert_eq!(lhs.intervals, Intervals::Replicated { replicates: 20 });
        let (l, m) = (&lhs.milestones[0], &mc.milestones[0]);
        for (k, &(p, x)) in exact.iter().enumerate() {
            let pl = l.percentiles.iter().find(|q| q.p == p).unwrap();
            let pm = m.percentiles.iter().find(|q| q.p == p).unwrap();
            let (lo, hi) = (pl.low.unwrap(), pl.high.unwrap());
            assert!(lo <= pl.days.unwrap() && pl.days.unwrap() <= hi);
            covered[k] += u64::from(lo <= x && x <= hi);
            lhs_width[k] += hi - lo;
            mc_width[k] += pm.high.unwrap() - pm.low.unwrap();
        }
        let (pl, pm) = (
            l.on_time.as_ref().unwrap().probability,
            m.on_time.as_ref().unwrap().probability,
        );
        assert!(pl.low <= pl.estimate && pl.estimate <= pl.high);
        covered[3] += u64::from(pl.low <= on_time && on_time <= pl.high);
        lhs_width[3] += pl.high - pl.low;
        mc_width[3] += pm.high - pm.low;
    }
    // Each seed's interval covers independently with probability c (nominally 0.95), so the
    // count of covering seeds is Binomial(seeds, c): its share has sd sqrt(0.95 * 0.05 / seeds),
    // 1.09% for 400 seeds. Allow 3 sd either side: 91.7% to 98.3%. The Monte Carlo formulas
    // applied to these runs covered 99-100%, far outside.
    let sd = (0.95f64 * 0.05 / seeds as f64).sqrt();
    let names = ["P50", "P80", "P95", "P(on time)"];
    for k in 0..4 {
        let share = covered[k] as f64 / seeds as f64;
        let ratio = mc_width[k] / lhs_width[k];
        eprintln!(
            "{}: coverage {:.1}% over {seeds} seeds, Monte Carlo interval {ratio:.2} times as wide",
            names[k],
            100.0 * share
        );
        assert!(
            (share - 0.95).abs() <= 3.0 * sd,
            "{}: coverage {share} is not within 3 sd ({sd}) of 0.95",
            names[k]
        );
        // The point of Latin hypercube sampling: at equal iterations, narrower intervals.
        assert!(
            ratio > 1.2,
            "{}: the LHS interval is not narrower",
            names[k]
        );
    }
}

#[test]
fn degenerate_and_small_runs_keep_the_monte_carlo_intervals() {
    // Every run delivers: each replicate's P(delivered) is 1, no spread to learn from, so the
    // interval is Wilson's (honest at 1, not a zero-width claim).
    let plan = shipcast::load_str("max.toml", PLAN).unwrap();
    let s = run(&plan, 1, Sampling::LatinHypercube);
    let d = s.milestones[0].delivered;
    assert_eq!((d.estimate, d.high), (1.0, 1.0));
    assert_eq!(d, shipcast::analysis::wilson(N, N));
    // Fewer than 10 iterations per replicate: Monte Carlo intervals, said so.
    let config = Config {
        sampling: Sampling::LatinHypercube,
        ..Config::new(199, 1)
    };
    assert_eq!(
        summarize(&plan, &simulate(&plan, &config)).intervals,
        Intervals::MonteCarlo
    );
}
