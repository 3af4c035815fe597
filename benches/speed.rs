//! Issue 15 (speed near the floor): the engine against a bare floor loop on the same network,
//! the cost of the drivers and report analyses on top of the simulation, the other engine paths
//! (correlated, resource-constrained) against the plain one, and a long chain of fallbacks
//! (issue 14: it was quadratic in the chain's length).
//!
//! ```text
//! cargo bench --bench speed
//! cargo bench --bench speed -- speed/floor     # one group
//! ```
//!
//! - `speed/floor/{floor,engine}_triangular_1_thread`: 10,000 iterations of the generated
//!   1,000-task network read as triangular, one thread. `floor` is the bare loop the issue
//!   describes: blocks of 256 iterations side by side (lanes), a SplitMix64 uniform and the
//!   triangular inverse CDF per task-sample, and the forward pass over CSR predecessor arrays,
//!   every task finish-to-start (experiments read as plain tasks, fallbacks as tasks without
//!   predecessors). `engine` is `engine::simulate` on the same network with all it does.
//! - `speed/floor/floor_2_threads`: the floor's blocks on rayon's default pool.
//! - `speed/floor_10k_tasks/{floor,engine}_triangular_1_thread`: the same task-samples on the
//!   generated 10,000-task network (1,024 iterations): the floor's own scaling in tasks.
//! - `speed/details/simulate_detail_probes_100k`: the default run's simulation (criticality on),
//!   1,000 tasks (PERT, 10% experiments), 100,000 iterations, 2 threads; `details_100k`: the
//!   drivers, what-ifs and Gantt rows computed from it (`analysis::details`). The ratio of the
//!   second to the first is the analyses' cost on top of the simulation.
//! - `speed/paths/{plain,correlated}_10k`, `speed/paths/resources_1k`: 10,000 iterations of the
//!   network as is and with its first 100 tasks in ten correlation groups of ten (coefficient
//!   0.5); 1,000 iterations with every task using one unit of one of four resources of
//!   capacity 8 (compare per task-sample: criterion's throughput).
//! - `speed/pert/fill_{16,1000}_shapes`: PERT draws as the engine makes them, blocks of 128
//!   uniforms with a table per block, cycling over 16 or 1,000 shapes; `build_100_tables`: the
//!   cost of building a table (each distinct shape of a plan builds one).
//! - `speed/fallback_chain/chain_2000`: 1,000 iterations of a chain of 2,000 experiments, each
//!   the fallback of the one before, all but never succeeding (every fallback runs).

mod common;

use std::fmt::Write;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use rayon::prelude::*;

use shipcast::analysis;
use shipcast::engine::{self, Config};

const TASKS: usize = 1000;
const NETWORK_SEED: u64 = 7;
const LANES: usize = 256;

/// The network as the floor reads it: CSR predecessors and `(low, likely, high)`.
struct Floor {
    pred_start: Vec<u32>,
    preds: Vec<u32>,
    tri: Vec<[f64; 3]>,
}

impl Floor {
    fn new(net: &common::Network) -> Floor {
        let mut pred_start = vec![0u32];
        let mut preds = Vec::new();
        for t in &net.tasks {
            preds.extend(t.after.iter().map(|&p| p as u32));
            pred_start.push(preds.len() as u32);
        }
        let tri = net
            .tasks
            .iter()
            .map(|t| t.duration.map(f64::from))
            .collect();
        Floor {
            pred_start,
            preds,
            tri,
        }
    }

    /// One block of `LANES` iterations from `first`: the sum of the project finishes.
    fn block(&self, first: u64, seed: u64, finish: &mut [f64]) -> f64 {
        let n = self.tri.len();
        let mut start = [0.0f64; LANES];
        let mut end = [0.0f64; LANES];
        for i in 0..n {
            start.fill(0.0);
            for &p in &self.preds[self.pred_start[i] as usize..self.pred_start[i + 1] as usize] {
                let col = &finish[p as usize * LANES..(p as usize + 1) * LANES];
                for (s, &f) in start.iter_mut().zip(col) {
                    *s = s.max(f);
                }
            }
            let [a, c, b] = self.tri[i];
            let fc = (c - a) / (b - a);
            let key = splitmix(seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let col = &mut finish[i * LANES..(i + 1) * LANES];
            for (j, f) in col.iter_mut().enumerate() {
                let u =
                    (splitmix(key ^ (first + j as u64)) >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
                let d = if u < fc {
                    a + (u * (b - a) * (c - a)).sqrt()
                } else {
                    b - ((1.0 - u) * (b - a) * (b - c)).sqrt()
                };
                *f = start[j] + d;
                end[j] = end[j].max(*f);
            }
        }
        end.iter().sum()
    }

    /// `iterations` iterations (a multiple of `LANES`), blocks spread over the current pool.
    fn run(&self, iterations: u64, seed: u64) -> f64 {
        let blocks = iterations / LANES as u64;
        (0..blocks)
            .into_par_iter()
            .map_init(
                || vec![0.0f64; self.tri.len() * LANES],
                |finish, b| self.block(b * LANES as u64, seed, finish),
            )
            .sum()
    }
}

#[inline(always)]
fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The generated network with its first 100 tasks in ten correlation groups of ten.
fn correlated(text: &str) -> String {
    let mut s = text.to_string();
    for g in 0..10 {
        let ids: Vec<String> = (g * 10..g * 10 + 10)
            .map(|i| format!("\"{}\"", common::task_id(i)))
            .collect();
        let _ = write!(
            s,
            "\n[[correlation]]\ntasks = [{}]\ncoefficient = 0.5\n",
            ids.join(", ")
        );
    }
    s
}

/// The generated network with every task using one unit of one of four resources of capacity 8.
fn with_resources(text: &str) -> String {
    let mut s = String::new();
    for r in 0..4 {
        let _ = write!(s, "[[resource]]\nid = \"r{r}\"\ncapacity = 8\n\n");
    }
    let mut k = 0;
    for line in text.lines() {
        s.push_str(line);
        s.push('\n');
        if line.starts_with("duration = ") {
            let _ = writeln!(s, "uses = {{ r{} = 1 }}", k % 4);
            k += 1;
        }
    }
    s
}

/// A chain of `n` experiments, each the fallback of the one before, succeeding one time in
/// a thousand.
fn chain(n: usize) -> String {
    let mut s = String::from("[project]\nname = \"chain\"\n");
    for i in 0..n {
        let _ = write!(s, "[[task]]\nid = \"t{i}\"\nduration = [1, 2, 4]\n");
        if i + 1 < n {
            let _ = write!(
                s,
                "success = 0.001\nattempts = 1\nfallback = \"t{}\"\n",
                i + 1
            );
        }
    }
    s.push_str("[[milestone]]\nid = \"done\"\nafter = [\"t0\"]\n");
    s
}

fn benches(c: &mut Criterion) {
    let net = common::generate(TASKS, NETWORK_SEED);
    let text = net.to_toml(NETWORK_SEED);
    let tri_text = text.replace("three_point = \"pert\"", "three_point = \"triangular\"");
    let tri_plan = shipcast::load_str("net.toml", &tri_text).expect("a valid scenario");
    let floor = Floor::new(&net);
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a 1-thread pool");

    let iterations = 10_240u64;
    let mut g = c.benchmark_group("speed/floor");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    g.throughput(Throughput::Elements(iterations * TASKS as u64));
    g.bench_function("floor_triangular_1_thread", |b| {
        b.iter(|| one.install(|| floor.run(black_box(iterations), 1)))
    });
    g.bench_function("floor_2_threads", |b| {
        b.iter(|| floor.run(black_box(iterations), 1))
    });
    let config = Config::new(iterations, 1);
    g.bench_function("engine_triangular_1_thread", |b| {
        b.iter(|| one.install(|| engine::simulate(black_box(&tri_plan), &config)))
    });
    g.bench_function("engine_triangular_2_threads", |b| {
        b.iter(|| engine::simulate(black_box(&tri_plan), &config))
    });
    g.finish();

    // The same task-samples on ten times the tasks (10,000 x 1,024): how the floor itself, and
    // the engine, scale in tasks once a block's columns outgrow the caches.
    let big = common::generate(10 * TASKS, NETWORK_SEED);
    let big_tri = big
        .to_toml(NETWORK_SEED)
        .replace("three_point = \"pert\"", "three_point = \"triangular\"");
    let big_plan = shipcast::load_str("net.toml", &big_tri).expect("a valid scenario");
    let big_floor = Floor::new(&big);
    let big_iterations = iterations / 10;
    let mut g = c.benchmark_group("speed/floor_10k_tasks");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    g.throughput(Throughput::Elements(big_iterations * 10 * TASKS as u64));
    g.bench_function("floor_triangular_1_thread", |b| {
        b.iter(|| one.install(|| big_floor.run(black_box(big_iterations), 1)))
    });
    let big_config = Config::new(big_iterations, 1);
    g.bench_function("engine_triangular_1_thread", |b| {
        b.iter(|| one.install(|| engine::simulate(black_box(&big_plan), &big_config)))
    });
    g.finish();

    let plan = shipcast::load_str("net.toml", &text).expect("a valid scenario");
    let config = Config::new(100_000, 1);
    let probes = analysis::detail_probes(&plan);
    let out = engine::simulate_with(&plan, &config, &probes);
    let mut g = c.benchmark_group("speed/details");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20));
    g.bench_function("simulate_detail_probes_100k", |b| {
        b.iter(|| engine::simulate_with(black_box(&plan), &config, &probes))
    });
    g.bench_function("details_100k", |b| {
        b.iter(|| analysis::details(black_box(&plan), &config, &out))
    });
    g.finish();

    let config = Config::new(10_000, 1);
    let corr = shipcast::load_str("net.toml", &correlated(&text)).expect("a valid scenario");
    let res = shipcast::load_str("net.toml", &with_resources(&text)).expect("a valid scenario");
    let mut g = c.benchmark_group("speed/paths");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    g.throughput(Throughput::Elements(10_000 * TASKS as u64));
    for (name, p) in [("plain_10k", &plan), ("correlated_10k", &corr)] {
        g.bench_function(name, |b| b.iter(|| engine::simulate(black_box(p), &config)));
    }
    // The resource-constrained path schedules each iteration serially: 1,000 iterations.
    let config = Config::new(1_000, 1);
    g.throughput(Throughput::Elements(1_000 * TASKS as u64));
    g.bench_function("resources_1k", |b| {
        b.iter(|| engine::simulate(black_box(&res), &config))
    });
    g.finish();

    // PERT draws, as the engine makes them: blocks of 128 uniforms, a table per block,
    // cycling over 16 shapes (estimates on a grid) or 1,000; and building 100 tables.
    let mut g = c.benchmark_group("speed/pert");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    let shape = |k: usize, n: usize| {
        let r = (k as f64 + 0.5) / n as f64;
        (1.0 + 4.0 * r, 1.0 + 4.0 * (1.0 - r))
    };
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let u: Vec<f64> = (0..128 * 64)
        .map(|_| {
            x = splitmix(x);
            (x >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect();
    const BLOCKS: usize = 4096;
    g.throughput(Throughput::Elements((BLOCKS * 128) as u64));
    for shapes in [16usize, 1000] {
        let tables: Vec<shipcast::dist::PertTable> = (0..shapes)
            .map(|k| {
                let (a, b) = shape(k, shapes);
                shipcast::dist::PertTable::new(a, b)
            })
            .collect();
        let mut out = vec![0.0; 128];
        g.bench_function(format!("fill_{shapes}_shapes"), |b| {
            b.iter(|| {
                for k in 0..BLOCKS {
                    let at = (k % 64) * 128;
                    tables[k % shapes].fill(2.0, 9.0, black_box(&u[at..at + 128]), &mut out);
                }
                out[7]
            })
        });
    }
    g.throughput(Throughput::Elements(100));
    g.bench_function("build_100_tables", |b| {
        b.iter(|| {
            (0..100)
                .map(|k| {
                    let (a, b) = shape(k, 100);
                    shipcast::dist::PertTable::new(black_box(a), b).mean()
                })
                .sum::<f64>()
        })
    });
    g.finish();

    let chain_plan = shipcast::load_str("chain.toml", &chain(2000)).expect("a valid scenario");
    let config = Config::new(1000, 1);
    let mut g = c.benchmark_group("speed/fallback_chain");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    g.bench_function("chain_2000", |b| {
        b.iter(|| engine::simulate(black_box(&chain_plan), &config))
    });
    g.finish();
}

criterion_group! {
    name = speed_benches;
    // No HTML plots (see benches/engine.rs).
    config = Criterion::default().without_plots();
    targets = benches
}
criterion_main!(speed_benches);
