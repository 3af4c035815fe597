//! Speed of `shipcast merge` without drivers: reading and checking shard files (SHA-256, every
//! column), then the summary streamed from them (k-way merges of the sorted columns).
//!
//! ```text
//! cargo bench --bench merge
//! ```
//!
//! - `merge/read_all/20x50k`: `report::shard::read_all` of 20 shards of 50,000 iterations of a
//!   four-task plan with two milestones and costs (1.4 MB each): digest and column checks.
//! - `merge/streamed_summary/20x50k`: `pipeline::merge` of the same shards as streams
//!   (`merge --no-drivers`), after they were read.
//! - `merge/drivers_ranks/20x50k`: the finish ranks the drivers keep (two k-way walks of each
//!   milestone's sorted columns).
//! - `merge/in_memory_summary/1x1M`: the summary of the same million iterations held in
//!   memory, as `run` computes it, for comparison.
//!
//! Throughput is in iterations merged. BENCHMARKS.md ("Merging shards") has the 10^8-iteration
//! merge measured with `/usr/bin/time -v`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};

use shipcast::analysis::streamed::MilestoneColumns;
use shipcast::engine::{Config, Probes, simulate_range};
use shipcast::pipeline::{self, Joined, RunSpec, ShardSpec};
use shipcast::report::shard::{self, ShardRun, Streams};

const PLAN: &str = r#"
[project]
cost_per_day = 100

[[task]]
id = "a"
duration = [2, 4, 9]

[[task]]
id = "b"
after = ["a"]
duration = [1, 3, 6]
success = 0.8
attempts = 2

[[task]]
id = "c"
after = ["a"]
duration = [2, 3, 7]

[[risk]]
id = "r"
probability = 0.3
affects = ["c"]
delay = [1, 2, 4]
cost = 50

[[milestone]]
id = "half"
after = ["a"]

[[milestone]]
id = "done"
after = ["b", "c"]
deadline = 10
budget = 1200
"#;

const SHARDS: u64 = 20;
const PER_SHARD: u64 = 50_000;

fn bench(c: &mut Criterion) {
    let plan = shipcast::load_str("bench.toml", PLAN).expect("the bench plan loads");
    let iterations = SHARDS * PER_SHARD;
    let config = Config::new(iterations, 42);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut paths = Vec::new();
    for k in 1..=SHARDS {
        let spec = ShardSpec::new(k, SHARDS).expect("a shard");
        let probes = Probes {
            criticality: true,
            trace: vec![],
        };
        let o = simulate_range(&plan, &config, &probes, spec.range(iterations));
        let run = ShardRun {
            file: "bench.toml",
            text: PLAN,
            variant: None,
            gates: &[],
            config,
            shard: k,
            shards: SHARDS,
        };
        let ids = plan.milestones().iter().map(|m| m.id.clone()).collect();
        let path = dir.path().join(format!("{k}.shard"));
        let mut f = std::fs::File::create(&path).expect("a shard file");
        shard::write(&mut f, &run, ids, &o).expect("written");
        paths.push(path);
    }
    let spec = RunSpec {
        iterations: Some(iterations),
        seed: Some(42),
        ..RunSpec::default()
    };

    let mut g = c.benchmark_group("merge");
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Elements(iterations));
    g.bench_function("read_all/20x50k", |b| {
        b.iter(|| black_box(shard::read_all(&paths).expect("good shards")))
    });
    let parts = shard::read_all(&paths).expect("good shards");
    g.bench_function("streamed_summary/20x50k", |b| {
        b.iter(|| {
            let streams: Vec<Streams> = (0..2).map(|m| Streams::new(&parts, m)).collect();
            let columns = streams.iter().map(|s| s as &dyn MilestoneColumns).collect();
            let joined = Joined {
                counts: shard::counters(&parts, 42),
                columns,
                head: None,
            };
            black_box(pipeline::merge(plan.clone(), &spec, joined).expect("merged"))
        })
    });
    g.bench_function("drivers_ranks/20x50k", |b| {
        b.iter(|| {
            let streams: Vec<Streams> = (0..2).map(|m| Streams::new(&parts, m)).collect();
            black_box(
                streams
                    .iter()
                    .map(|s| shipcast::analysis::drivers::FinishRanks::of(s))
                    .collect::<Vec<_>>(),
            )
        })
    });
    let whole = shard::outcomes(&parts, 42).expect("rows");
    g.bench_function("in_memory_summary/1x1M", |b| {
        b.iter(|| black_box(shipcast::analysis::summarize(&plan, &whole)))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    // No HTML plots: criterion's plotters backend panics (FontUnavailable) with the crate's
    // own plotters features (see benches/engine.rs).
    config = Criterion::default().without_plots();
    targets = bench
}
criterion_main!(benches);
