//! Speed of the Monte Carlo core on a generated 1000-task network (see `benches/common/mod.rs`).
//!
//! ```text
//! cargo bench --bench engine
//! ```
//!
//! - `engine/simulate_100k/default_pool`: `engine::simulate`, 100,000 iterations, rayon's global
//!   pool (one thread per core).
//! - `engine/simulate_100k/1_thread`: the same inside a 1-thread pool.
//! - `engine/simulate_100k/1_thread_triangular`: the same network with `three_point =
//!   "triangular"`, 1 thread: isolates the cost of the PERT quantile tables.
//! - `engine/baseline_10k/triangular_fs_loop`: the floor to compare against: a plain loop, one
//!   thread, `rand_distr::Triangular` on a `StdRng` and the finish-to-start forward pass over the
//!   same edges, 10,000 iterations.
//! - `engine/plan_build/load_str`: `scenario::load_str` of the network's TOML text (parsing,
//!   validation and the PERT table construction).
//!
//! Throughput is reported in task-samples (iterations x tasks), so criterion's `elem/s` figure
//! inverts to nanoseconds per task-sample.

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use rand::SeedableRng;
use rand_distr::{Distribution, Triangular};

use shipcast::engine::{self, Config};

const TASKS: usize = 1000;
const NETWORK_SEED: u64 = 7;
const ITERATIONS: u64 = 100_000;
const BASELINE_ITERATIONS: u64 = 10_000;

/// The reference loop: per iteration, each task in order starts at the latest finish of its
/// predecessors and lasts one triangular draw; returns the sum over iterations of the project
/// finish (the latest task finish), so that nothing can be optimized away.
fn baseline(preds: &[Vec<usize>], dists: &[Triangular<f64>], iterations: u64, seed: u64) -> f64 {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut finish = vec![0.0f64; dists.len()];
    let mut total = 0.0;
    for _ in 0..iterations {
        let mut end = 0.0f64;
        for (i, d) in dists.iter().enumerate() {
            let start = preds[i].iter().fold(0.0f64, |s, &p| s.max(finish[p]));
            let f = start + d.sample(&mut rng);
            finish[i] = f;
            end = end.max(f);
        }
        total += end;
    }
    total
}

fn benches(c: &mut Criterion) {
    let net = common::generate(TASKS, NETWORK_SEED);
    let text = net.to_toml(NETWORK_SEED);
    let plan =
        shipcast::load_str("net.toml", &text).expect("the generated network is a valid scenario");
    let config = Config::new(ITERATIONS, 1);
    let task_samples = ITERATIONS * TASKS as u64;

    let mut g = c.benchmark_group("engine/simulate_100k");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(2));
    g.throughput(Throughput::Elements(task_samples));
    g.measurement_time(Duration::from_secs(15));
    g.bench_function("default_pool", |b| {
        b.iter(|| engine::simulate(black_box(&plan), black_box(&config)))
    });
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a 1-thread pool");
    g.measurement_time(Duration::from_secs(30));
    g.bench_function("1_thread", |b| {
        b.iter(|| one.install(|| engine::simulate(black_box(&plan), black_box(&config))))
    });
    // The same network with its three-point estimates read as triangular: the difference from
    // `1_thread` is the cost of the PERT (Beta) quantile tables inside the engine.
    let tri_text = text.replace("three_point = \"pert\"", "three_point = \"triangular\"");
    let tri_plan = shipcast::load_str("net.toml", &tri_text)
        .expect("the triangular variant is a valid scenario");
    g.measurement_time(Duration::from_secs(15));
    g.bench_function("1_thread_triangular", |b| {
        b.iter(|| one.install(|| engine::simulate(black_box(&tri_plan), black_box(&config))))
    });
    g.finish();

    let preds: Vec<Vec<usize>> = net.tasks.iter().map(|t| t.after.clone()).collect();
    let dists: Vec<Triangular<f64>> = net
        .tasks
        .iter()
        .map(|t| {
            let [low, likely, high] = t.duration.map(f64::from);
            Triangular::new(low, high, likely).expect("low <= likely < high")
        })
        .collect();
    let mut g = c.benchmark_group("engine/baseline_10k");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    g.throughput(Throughput::Elements(BASELINE_ITERATIONS * TASKS as u64));
    g.bench_function("triangular_fs_loop", |b| {
        b.iter(|| baseline(black_box(&preds), black_box(&dists), BASELINE_ITERATIONS, 1))
    });
    g.finish();

    let mut g = c.benchmark_group("engine/plan_build");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    g.bench_function("load_str", |b| {
        b.iter(|| shipcast::load_str("net.toml", black_box(&text)))
    });
    g.finish();
}

criterion_group! {
    name = engine_benches;
    // No HTML plots: they are not needed for the medians, and criterion's plotters backend
    // panics (FontUnavailable) when plotters' `ab_glyph` feature is enabled by the crate's own
    // plotters dependency, as feature unification does here.
    config = Criterion::default().without_plots();
    targets = benches
}
criterion_main!(engine_benches);
