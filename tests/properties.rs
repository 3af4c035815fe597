//! Invariants over random plans (proptest): the engine is a pure function of plan, seed and
//! iteration count, whatever the thread count; every simulated finish lies between the critical
//! path of the shortest and of the longest durations; percentiles never decrease.

use proptest::prelude::*;
use shipcast::analysis;
use shipcast::engine::{Config, Probes, Sampling, simulate, simulate_range};

/// A random network: task i has uniform(min_i, max_i) durations and finish-to-start links to up
/// to three earlier tasks.
fn network() -> impl Strategy<Value = Vec<(f64, f64, Vec<usize>)>> {
    prop::collection::vec(
        (
            0u32..20,
            0u32..20,
            prop::collection::vec(any::<prop::sample::Index>(), 0..4),
        ),
        1..25,
    )
    .prop_map(|tasks| {
        tasks
            .into_iter()
            .enumerate()
            .map(|(i, (a, w, preds))| {
                let mut p: Vec<usize> = if i == 0 {
                    vec![]
                } else {
                    preds.iter().map(|x| x.index(i)).collect()
                };
                p.sort();
                p.dedup();
                (f64::from(a), f64::from(a + w), p)
            })
            .collect()
    })
}

fn to_toml(net: &[(f64, f64, Vec<usize>)]) -> String {
    let mut s = String::new();
    for (i, (min, max, preds)) in net.iter().enumerate() {
        let after: Vec<String> = preds.iter().map(|p| format!("\"t{p}\"")).collect();
        s.push_str(&format!("[[task]]\nid = \"t{i}\"\nafter = [{}]\nduration = {{ dist = \"uniform\", min = {min}, max = {max} }}\n", after.join(", ")));
    }
    s
}

/// The critical path length with each task's duration picked by `pick`.
fn cpm(net: &[(f64, f64, Vec<usize>)], pick: impl Fn(f64, f64) -> f64) -> f64 {
    let mut finish = vec![0.0f64; net.len()];
    for (i, (min, max, preds)) in net.iter().enumerate() {
        let start = preds.iter().map(|&p| finish[p]).fold(0.0, f64::max);
        finish[i] = start + pick(*min, *max);
    }
    finish.into_iter().fold(0.0, f64::max)
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn same_results_for_any_thread_count(net in network(), seed in any::<u64>(), iterations in 1u64..700) {
        let plan = shipcast::load_str("p.toml", &to_toml(&net)).unwrap();
        let config = Config::new(iterations, seed);
        let one = pool(1).install(|| simulate(&plan, &config));
        let two = pool(2).install(|| simulate(&plan, &config));
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        prop_assert_eq!(bits(&one.rows), bits(&two.rows));
        prop_assert_eq!(one.nodes, two.nodes);
    }

    #[test]
    fn finishes_lie_between_the_shortest_and_longest_critical_paths(net in network(), seed in any::<u64>()) {
        let plan = shipcast::load_str("p.toml", &to_toml(&net)).unwrap();
        let out = simulate(&plan, &Config::new(300, seed));
        let (lo, hi) = (cpm(&net, |a, _| a), cpm(&net, |_, b| b));
        for &f in &out.rows {
            prop_assert!(f >= lo - 1e-9 && f <= hi + 1e-9, "{} not in [{}, {}]", f, lo, hi);
        }
        let summary = analysis::summarize(&plan, &out);
        for w in summary.milestones[0].percentiles.windows(2) {
            prop_assert!(w[0].days <= w[1].days);
        }
    }

    #[test]
    fn ranges_simulated_apart_join_into_the_whole_run(net in network(), seed in any::<u64>(), cut in 0u64..600, lhs in any::<bool>()) {
        let plan = shipcast::load_str("p.toml", &to_toml(&net)).unwrap();
        let sampling = if lhs { Sampling::LatinHypercube } else { Sampling::MonteCarlo };
        let config = Config { sampling, ..Config::new(600, seed) };
        let probes = Probes { criticality: true, trace: vec![0] };
        let whole = simulate_range(&plan, &config, &probes, 0..600);
        let mut joined = simulate_range(&plan, &config, &probes, 0..cut);
        joined.append(simulate_range(&plan, &config, &probes, cut..600));
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        prop_assert_eq!(bits(&whole.rows), bits(&joined.rows));
        prop_assert_eq!(whole.nodes, joined.nodes);
        prop_assert_eq!(whole.critical, joined.critical);
    }
}
