//! The forecasting pipeline: the library's one entry.
//!
//! [`forecast`] takes a validated [`Plan`] and a [`RunSpec`] and owns everything between them and
//! a report: the run's configuration, the thread pool, chunked simulation with progress,
//! `--precision` (doubling the run until its intervals are narrow), the analyses charts need,
//! and drift against an earlier run. [`shard`] and [`merge`] split and join a run exactly;
//! [`compare`] and [`sweep`] run several plans on common random numbers. Nothing here reads or
//! writes a file format: `report` does (shard files and baselines included), `cli` wires the two.

pub mod imports;
pub mod input;
pub mod load;
pub mod scale;

pub use load::{load, load_all, load_all_str, load_str, read_text};

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::analysis::compare::{Paired, Pairing, Scenario};
use crate::analysis::drift::{self, Drift, Earlier};
use crate::analysis::sweep::{Param, Point, SweepError};
use crate::analysis::{self, Details, GateStatus, PrecisionReached, Summary};
use crate::engine::{self, Config, Outcomes, Probes, Sampling};
use crate::model::Plan;

/// Iterations when neither the run nor the scenario says.
pub const DEFAULT_ITERATIONS: u64 = 10_000;
/// Seed when neither the run nor the scenario says: runs are reproducible by default.
pub const DEFAULT_SEED: u64 = 42;
/// The most iterations one process simulates (each keeps a row of results in memory).
pub const MAX_ITERATIONS: u64 = 100_000_000;
/// The default ceiling of `--precision`.
pub const DEFAULT_MAX_ITERATIONS: u64 = 1_000_000;
/// A run is simulated in steps, between which an interruption is noticed and progress shown:
/// the first step has this many iterations...
const FIRST_STEP: u64 = 2_048;
/// ...and later ones are sized to take about this long.
const STEP_TIME: std::time::Duration = std::time::Duration::from_millis(200);
/// The most worker threads a run may ask for.
pub const MAX_THREADS: usize = 1024;

/// Set (by a signal handler, say) to stop the simulation at the next step.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Asks every running simulation to stop at its next step: [`forecast`] then returns
/// [`Error::Interrupted`]. Safe to call from a signal handler's thread.
pub fn interrupt() {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Whether [`interrupt`] was called.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// How to run a plan: what the command line (or a caller) asks, before the scenario's own
/// settings and the defaults fill the gaps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunSpec {
    /// Iterations [default: the scenario's, else [`DEFAULT_ITERATIONS`]].
    pub iterations: Option<u64>,
    /// Seed [default: the scenario's, else [`DEFAULT_SEED`]].
    pub seed: Option<u64>,
    pub sampling: Sampling,
    /// Worker threads [default: one per core]. Results do not depend on it.
    pub threads: Option<usize>,
    /// Keep sampling until the intervals are this narrow.
    pub precision: Option<Precision>,
    /// Compute the drivers and Gantt rows that charts and full reports show.
    pub details: bool,
    /// The most memory the run may need, in bytes (none: no limit). See [`memory_estimate`].
    pub memory_limit: Option<u64>,
}

/// `--precision`: the widest 95% interval wanted, in working days, and the most iterations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Precision {
    pub target: f64,
    pub max_iterations: u64,
}

/// The most shards a run may be cut into.
pub const MAX_SHARDS: u64 = 10_000;

/// Shard `k` (from 1) of `n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardSpec {
    pub k: u64,
    pub n: u64,
}

impl ShardSpec {
    /// A shard, when `1 <= k <= n <= MAX_SHARDS`.
    pub fn new(k: u64, n: u64) -> Option<ShardSpec> {
        (k >= 1 && k <= n && n <= MAX_SHARDS).then_some(ShardSpec { k, n })
    }

    /// The iterations of this shard in a run of `iterations`.
    pub fn range(self, iterations: u64) -> Range<u64> {
        engine::split(self.k, self.n, iterations)
    }
}

/// Told how a long simulation advances. Called on the caller's thread.
pub trait Progress {
    /// Whether progress is shown at all.
    fn shown(&self) -> bool {
        false
    }
    fn begin(&self, _total: u64) {}
    fn advance(&self, _iterations: u64) {}
    /// A step whose length is not known in advance (the drivers' what-if reruns, drawing
    /// charts): shown as a spinner with `what` until `end` or the next `begin`.
    fn stage(&self, _what: &str) {}
    fn end(&self) {}
}

/// No progress display.
pub struct Quiet;

impl Progress for Quiet {}

/// Why a run could not be made.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("--iterations must be from 1 to {max}, got {got}")]
    Iterations { got: u64, max: u64 },
    #[error("cannot start {threads} threads: {source}")]
    Threads {
        threads: usize,
        source: rayon::ThreadPoolBuildError,
    },
    #[error(
        "--precision adds iterations to a run, which Latin hypercube strata cannot take: use --sampling mc"
    )]
    PrecisionWithLhs,
    #[error("{file} has no variant `{name}` ({})", known_variants(.known))]
    NoVariant {
        file: String,
        name: String,
        known: Vec<String>,
    },
    #[error("--gate {0}")]
    Gate(#[from] crate::model::GateError),
    // The parameter's error names its path already.
    #[error("--set {source}")]
    Set {
        path: String,
        source: crate::model::params::ParamError,
    },
    #[error("{0}")]
    Sweep(#[from] SweepError),
    #[error("the shards do not make a whole run: {0}")]
    Shards(String),
    #[error("nothing to compare: no scenario given")]
    NothingToCompare,
    #[error("--threads must be from 1 to {MAX_THREADS}, got {0}")]
    TooManyThreads(usize),
    #[error(
        "{iterations} iterations need about {} of memory, above the limit of {}",
        bytes(*.needs),
        bytes(*.limit)
    )]
    Memory {
        iterations: u64,
        needs: u64,
        limit: u64,
        /// The most iterations that fit.
        fits: u64,
        /// Whether the report's details (traced tasks, drivers) take part of it.
        details: bool,
    },
    #[error("interrupted")]
    Interrupted,
}

/// A size in bytes, rounded for reading: 14.2 GB, 512 MB.
pub fn bytes(b: u64) -> String {
    let b = b as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.0} MB", b / 1e6)
    } else {
        format!("{:.0} kB", (b / 1e3).max(1.0))
    }
}

fn known_variants(known: &[String]) -> String {
    if known.is_empty() {
        "it has none".to_string()
    } else {
        format!("it has {}", known.join(", "))
    }
}

impl Error {
    /// What to do about it, when there is more to say than the message.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Iterations { .. } => Some(
                "each iteration keeps a row of results in memory; for more, shard the run (--shard K/N)"
                    .into(),
            ),
            Error::Memory { fits: 0, .. } => {
                Some("raise the limit with --memory-limit SIZE (e.g. 16G) if the machine has the memory".into())
            }
            Error::Memory { fits, details, .. } => Some(format!(
                "use -n {fits} or fewer{}, or raise the limit with --memory-limit SIZE (e.g. 16G) if the machine has the memory",
                if *details { " (or --no-report, which keeps less per iteration)" } else { "" }
            )),
            _ => None,
        }
    }
}

/// The run's configuration: the spec first, then the scenario, then the defaults.
pub fn config(plan: &Plan, spec: &RunSpec) -> Result<Config, Error> {
    let iterations = spec
        .iterations
        .or(plan.iterations())
        .unwrap_or(DEFAULT_ITERATIONS);
    if iterations == 0 || iterations > MAX_ITERATIONS {
        return Err(Error::Iterations {
            got: iterations,
            max: MAX_ITERATIONS,
        });
    }
    Ok(Config {
        iterations,
        seed: spec.seed.or(plan.seed()).unwrap_or(DEFAULT_SEED),
        sampling: spec.sampling,
    })
}

/// Checks a spec against a plan before any work: the configuration it gives, or why it cannot
/// run.
pub fn check(plan: &Plan, spec: &RunSpec) -> Result<Config, Error> {
    let config = config(plan, spec)?;
    if spec.precision.is_some() && config.sampling == Sampling::LatinHypercube {
        return Err(Error::PrecisionWithLhs);
    }
    check_threads(spec.threads)?;
    // A run grown by --precision may reach its ceiling.
    let iterations = match spec.precision {
        Some(p) => p.max_iterations.clamp(config.iterations, MAX_ITERATIONS),
        None => config.iterations,
    };
    check_memory(plan, iterations, spec)?;
    Ok(config)
}

fn check_threads(threads: Option<usize>) -> Result<(), Error> {
    match threads {
        Some(t) if t > MAX_THREADS => Err(Error::TooManyThreads(t)),
        _ => Ok(()),
    }
}

/// The threads a pool of the asked size has.
fn pool_threads(threads: Option<usize>) -> usize {
    match threads {
        Some(t) if t > 0 => t,
        _ => std::thread::available_parallelism().map_or(1, |n| n.get()),
    }
}

/// About how many bytes a run of `iterations` of `plan` holds at its peak, from the width of the
/// row each iteration keeps (see [`engine::Outcomes`]): each milestone's finish and (with costs)
/// cost, and with `spec.details` the start and finish of every traced task. On top of the rows,
/// the analysis holds a sorted copy of a milestone's column and its costs, and the drivers rank
/// one task's draws per thread (a column of draws, of ranks and of indices). Measured against
/// the peak resident size of real runs, it errs high by 15 to 30% (see RELIABILITY.md).
pub fn memory_estimate(plan: &Plan, iterations: u64, spec: &RunSpec) -> u64 {
    let milestones = plan.milestones().len() as u64;
    let costs = u64::from(plan.has_costs());
    let traced = if spec.details {
        analysis::detail_probes(plan).trace.len() as u64
    } else {
        0
    };
    let row = milestones * (1 + costs) + 2 * traced;
    let analysis = 2 * milestones + 4;
    let drivers = if spec.details {
        2 + 3 * pool_threads(spec.threads) as u64
    } else {
        0
    };
    iterations.saturating_mul(8 * (row + analysis + drivers))
}

fn check_memory(plan: &Plan, iterations: u64, spec: &RunSpec) -> Result<(), Error> {
    fits_memory(iterations, memory_estimate(plan, 1, spec), spec)
}

/// Refuses a run of `iterations` that keeps `per_iteration` bytes for each, above the limit.
fn fits_memory(iterations: u64, per_iteration: u64, spec: &RunSpec) -> Result<(), Error> {
    let Some(limit) = spec.memory_limit else {
        return Ok(());
    };
    let needs = iterations.saturating_mul(per_iteration);
    if needs <= limit {
        return Ok(());
    }
    Err(Error::Memory {
        iterations,
        needs,
        limit,
        fits: limit / per_iteration.max(1),
        details: spec.details,
    })
}

/// A rayon pool of the asked size (0 or none: one thread per core).
pub fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool, Error> {
    check_threads(threads)?;
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|source| Error::Threads {
            threads: threads.unwrap_or(0),
            source,
        })
}

/// The base plan (`variant` None) or the named variant among a file's plans.
pub fn select(mut plans: Vec<Plan>, file: &str, variant: Option<&str>) -> Result<Plan, Error> {
    let Some(name) = variant else {
        return Ok(plans.swap_remove(0));
    };
    match plans.iter().position(|p| p.variant() == Some(name)) {
        Some(k) => Ok(plans.swap_remove(k)),
        None => Err(Error::NoVariant {
            file: file.to_string(),
            name: name.to_string(),
            known: plans
                .iter()
                .filter_map(|p| p.variant().map(str::to_string))
                .collect(),
        }),
    }
}

/// A plan simulated and analysed.
#[derive(Debug, Clone)]
pub struct Forecast {
    pub plan: Plan,
    pub config: Config,
    pub outcomes: Outcomes,
    pub summary: Summary,
    /// Drivers and Gantt rows, when the spec asked for them.
    pub details: Option<Details>,
    /// Where `--precision` got to, when it was asked for.
    pub precision: Option<PrecisionReached>,
    /// How the forecast moved since a baseline, when one was given.
    pub drift: Option<Vec<Drift>>,
}

impl Forecast {
    /// Whether some gate fails: its P(on time) is below its confidence, or its P(within budget)
    /// below its budget_confidence.
    pub fn gate_failed(&self) -> bool {
        gate_failed(&self.summary)
    }
}

/// Whether some gate of a summary fails.
pub fn gate_failed(summary: &Summary) -> bool {
    summary
        .milestones
        .iter()
        .flat_map(analysis::MilestoneSummary::gates)
        .any(|g| g.status == GateStatus::Fails)
}

/// Simulates `range` of a run in steps, which join exactly (results do not depend on them):
/// each step is sized from the last one's time to take about [`STEP_TIME`], so that progress
/// moves and an [`interrupt`] stops the run within a second.
fn simulate(
    pool: &rayon::ThreadPool,
    plan: &Plan,
    config: &Config,
    probes: &Probes,
    range: Range<u64>,
    progress: &dyn Progress,
) -> Result<Outcomes, Error> {
    let total = range.end - range.start;
    progress.begin(total);
    let mut out: Option<Outcomes> = None;
    let mut at = range.start;
    let mut step = FIRST_STEP;
    while at < range.end || out.is_none() {
        if interrupted() {
            progress.end();
            return Err(Error::Interrupted);
        }
        let end = at.saturating_add(step).min(range.end);
        let started = std::time::Instant::now();
        let part = pool.install(|| engine::simulate_range(plan, config, probes, at..end));
        let took = started.elapsed();
        progress.advance(part.iterations);
        match &mut out {
            None => {
                // The whole range's rows at once: no doubling of the largest allocation.
                let mut first = part;
                let row = first.row_len();
                first
                    .rows
                    .reserve_exact(((range.end - end) as usize).saturating_mul(row));
                out = Some(first);
            }
            Some(o) => o.append(part),
        }
        at = end;
        // Aim the next step at STEP_TIME, growing or shrinking at most fourfold.
        let scale = STEP_TIME.as_secs_f64() / took.as_secs_f64().max(1e-6);
        step = ((step as f64 * scale.clamp(0.25, 4.0)) as u64).max(256);
    }
    progress.end();
    out.ok_or(Error::Interrupted)
}

/// Simulates and analyses a plan as `spec` asks; `baseline` is an earlier run's milestones to
/// measure drift against.
pub fn forecast(
    plan: Plan,
    spec: &RunSpec,
    baseline: Option<&[Earlier]>,
    progress: &dyn Progress,
) -> Result<Forecast, Error> {
    let mut config = check(&plan, spec)?;
    let pool = pool(spec.threads)?;
    let probes = if spec.details {
        analysis::detail_probes(&plan)
    } else {
        Probes::default()
    };
    let mut outcomes = simulate(
        &pool,
        &plan,
        &config,
        &probes,
        0..config.iterations,
        progress,
    )?;
    let mut summary = analysis::summarize(&plan, &outcomes);
    let mut precision = None;
    if let Some(want) = spec.precision {
        let max = want.max_iterations.clamp(config.iterations, MAX_ITERATIONS);
        loop {
            let widest = analysis::widest_interval(&summary);
            let reached = widest <= want.target && analysis::gates_decided(&summary);
            if reached || config.iterations >= max {
                precision = Some(PrecisionReached {
                    target: want.target,
                    reached,
                    widest,
                });
                break;
            }
            // Each round doubles the run; the new iterations extend the old exactly.
            let grown = Config {
                iterations: (config.iterations * 2).min(max),
                ..config
            };
            let more = simulate(
                &pool,
                &plan,
                &grown,
                &probes,
                config.iterations..grown.iterations,
                progress,
            )?;
            outcomes.rows.reserve_exact(more.rows.len());
            outcomes.append(more);
            config = grown;
            summary = analysis::summarize(&plan, &outcomes);
        }
    }
    if interrupted() {
        return Err(Error::Interrupted);
    }
    let details = spec.details.then(|| {
        progress.stage("drivers and what-if reruns");
        let d = pool.install(|| analysis::details(&plan, &config, &outcomes));
        progress.end();
        d
    });
    if interrupted() {
        return Err(Error::Interrupted);
    }
    let drift = baseline.map(|b| drift::drift(&plan, &summary, b));
    Ok(Forecast {
        plan,
        config,
        outcomes,
        summary,
        details,
        precision,
        drift,
    })
}

/// The per-task forecast of a finished run (`run --tasks`): P50/P80 start and finish,
/// criticality and P(success), from the run's first iterations (see [`analysis::tasks`]).
pub fn task_forecast(
    f: &Forecast,
    threads: Option<usize>,
) -> Result<Vec<analysis::tasks::TaskForecast>, Error> {
    Ok(pool(threads)?.install(|| analysis::tasks::task_forecast(&f.plan, &f.config)))
}

/// The probes a shard records: criticality, so that merged shards rank drivers as one run does.
fn shard_probes() -> Probes {
    Probes {
        criticality: true,
        trace: vec![],
    }
}

/// Simulates one shard of the run `spec` describes, for [`merge`].
pub fn shard(plan: &Plan, spec: &RunSpec, shard: ShardSpec) -> Result<(Config, Outcomes), Error> {
    let config = config(plan, spec)?;
    let range = shard.range(config.iterations);
    check_memory(plan, range.end - range.start, spec)?;
    let out = pool(spec.threads)?
        .install(|| engine::simulate_range(plan, &config, &shard_probes(), range));
    Ok((config, out))
}

/// What a merge joins: every shard of a run, as streams.
pub struct Joined<'a> {
    /// The whole run's counters (rows empty).
    pub counts: Outcomes,
    /// Each milestone's columns over the whole run.
    pub columns: Vec<&'a dyn analysis::streamed::MilestoneColumns>,
    /// The rows of the run's first `min(iterations, WHAT_IF_ITERATIONS)` iterations at least,
    /// for the drivers' what-ifs, the scatter and the resources (None: no drivers).
    pub head: Option<Outcomes>,
}

/// Joins every shard of a run into the forecast of the whole run without holding its rows:
/// the same, byte for byte, as running it at once with the same spec. The summary streams
/// the columns; the drivers (`spec.details`, with a `head`) keep each milestone's finish ranks,
/// 4 bytes per iteration.
pub fn merge(plan: Plan, spec: &RunSpec, joined: Joined) -> Result<Forecast, Error> {
    let config = config(&plan, spec)?;
    let Joined {
        counts,
        columns,
        head,
    } = joined;
    if columns.len() != plan.milestones().len() || counts.first != 0 {
        return Err(Error::Shards(
            "the shards do not fit the plan's milestones".into(),
        ));
    }
    if counts.iterations != config.iterations
        || columns.iter().any(|c| c.iterations() != counts.iterations)
    {
        return Err(Error::Shards(format!(
            "they hold {} iterations of a run of {}",
            counts.iterations, config.iterations
        )));
    }
    let summary = analysis::summarize_streamed(&plan, &counts, &columns);
    let head = head.filter(|h| {
        h.first == 0 && h.iterations >= config.iterations.min(analysis::drivers::WHAT_IF_ITERATIONS)
    });
    let details = match head {
        Some(head) if spec.details && !counts.critical.is_empty() => {
            let pool = pool(spec.threads)?;
            // The ranks stream the columns on this thread; the drivers then run on the pool.
            let view = analysis::drivers::RunView {
                counts: &counts,
                head: &head,
                ranks: columns
                    .iter()
                    .map(|c| analysis::drivers::FinishRanks::of(*c))
                    .collect(),
            };
            Some(pool.install(|| analysis::details_of(&plan, &config, &view)))
        }
        _ => None,
    };
    Ok(Forecast {
        plan,
        config,
        outcomes: counts,
        summary,
        details,
        precision: None,
        drift: None,
    })
}

/// Scenarios simulated side by side, and each one paired with the first.
#[derive(Debug, Clone)]
pub struct Compared {
    pub config: Config,
    pub scenarios: Vec<Scenario>,
    /// Every later scenario against the first, for each milestone of the first.
    pub paired: Vec<Paired>,
    /// Every later scenario against the first by net value, at the confidence asked for (empty
    /// when the plans have neither costs nor `value_per_day`).
    pub decisions: Vec<analysis::compare::Decision>,
    /// Each scenario's net value, when its plan has costs or values.
    pub net: Vec<Option<analysis::compare::NetValue>>,
}

/// The confidence `compare` names a winner at when none is given.
pub const DEFAULT_DECISION_CONFIDENCE: f64 = 0.8;

/// Simulates labelled plans side by side with the first plan's configuration.
pub fn compare(
    plans: &[(String, &Plan)],
    spec: &RunSpec,
    pairing: Pairing,
) -> Result<Compared, Error> {
    compare_at(plans, spec, pairing, DEFAULT_DECISION_CONFIDENCE)
}

/// [`compare`], naming the winner by net value at `confidence`.
pub fn compare_at(
    plans: &[(String, &Plan)],
    spec: &RunSpec,
    pairing: Pairing,
    confidence: f64,
) -> Result<Compared, Error> {
    let Some((_, first)) = plans.first() else {
        return Err(Error::NothingToCompare);
    };
    let config = config(first, spec)?;
    check_threads(spec.threads)?;
    // Every scenario's rows are kept side by side.
    let per_iteration = plans.iter().map(|(_, p)| memory_estimate(p, 1, spec)).sum();
    fits_memory(config.iterations, per_iteration, spec)?;
    let scenarios =
        pool(spec.threads)?.install(|| analysis::compare::simulate_all(plans, &config, pairing));
    let mut paired = Vec::new();
    for b in 1..plans.len() {
        for m in first.milestones() {
            paired.extend(analysis::compare::paired(plans, &scenarios, 0, b, &m.id));
        }
    }
    let decisions = (1..plans.len())
        .filter_map(|b| analysis::compare::decide(plans, &scenarios, 0, b, confidence))
        .collect();
    let net = plans
        .iter()
        .zip(&scenarios)
        .map(|((_, plan), s)| analysis::compare::net_value(plan, s))
        .collect();
    Ok(Compared {
        config,
        scenarios,
        paired,
        decisions,
        net,
    })
}

/// Checks that every value of every parameter applies to `plan`, before any work.
pub fn check_sweep(plan: &Plan, params: &[Param]) -> Result<(), Error> {
    for p in params {
        let mut probe = plan.clone();
        for &v in &p.values {
            crate::model::params::apply(&mut probe, &p.path, v).map_err(|source| Error::Set {
                path: p.path.clone(),
                source,
            })?;
        }
    }
    Ok(())
}

/// Runs a plan at every point of a parameter grid, reporting milestone `milestone`.
pub fn sweep(
    plan: &Plan,
    params: &[Param],
    milestone: usize,
    spec: &RunSpec,
) -> Result<(Config, Vec<Point>), Error> {
    check_sweep(plan, params)?;
    let config = check(plan, spec)?;
    let points =
        pool(spec.threads)?.install(|| analysis::sweep::sweep(plan, params, milestone, &config))?;
    Ok((config, points))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two milestones, with costs, and three tasks (all traced by a report).
    const PLAN: &str = "[project]\ncost_per_day = 100\n[[task]]\nid = \"a\"\nduration = [1, 2, 3]\n[[task]]\nid = \"b\"\nduration = 2\nafter = [\"a\"]\n[[task]]\nid = \"c\"\nduration = 1\n[[milestone]]\nid = \"m1\"\nafter = [\"a\"]\n[[milestone]]\nid = \"m2\"\nafter = [\"b\", \"c\"]\n";

    #[test]
    fn the_memory_estimate_follows_the_width_of_a_row() {
        let plan = load_str("p.toml", PLAN).unwrap();
        assert!(plan.has_costs());
        let bare = RunSpec::default();
        // 2 finishes + 2 costs, and 2 x 2 + 4 analysis columns: 12 values of 8 bytes.
        assert_eq!(memory_estimate(&plan, 1, &bare), 96);
        assert_eq!(memory_estimate(&plan, 1_000_000, &bare), 96_000_000);
        let report = RunSpec {
            details: true,
            threads: Some(3),
            ..RunSpec::default()
        };
        // + 3 traced tasks x (start, finish), + 2 + 3 x 3 drivers columns: 12 + 6 + 11 = 29.
        assert_eq!(memory_estimate(&plan, 1, &report), 29 * 8);
        // Never overflows.
        assert_eq!(memory_estimate(&plan, u64::MAX, &report), u64::MAX);
    }

    #[test]
    fn a_run_above_the_memory_limit_is_refused_with_what_fits() {
        let plan = load_str("p.toml", PLAN).unwrap();
        let spec = RunSpec {
            iterations: Some(10_000_000),
            memory_limit: Some(500_000_000),
            ..RunSpec::default()
        };
        // 10^7 x 96 bytes = 960 MB; 500 MB fit 5,208,333 iterations.
        let err = check(&plan, &spec).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Memory {
                    needs: 960_000_000,
                    fits: 5_208_333,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "10000000 iterations need about 960 MB of memory, above the limit of 500 MB"
        );
        assert!(err.hint().unwrap().starts_with("use -n 5208333 or fewer,"));
        let fits = RunSpec {
            iterations: Some(5_208_333),
            ..spec.clone()
        };
        assert!(check(&plan, &fits).is_ok());
        // --precision is judged at its ceiling.
        let grows = RunSpec {
            iterations: Some(1000),
            precision: Some(Precision {
                target: 0.1,
                max_iterations: 10_000_000,
            }),
            ..spec
        };
        assert!(matches!(check(&plan, &grows), Err(Error::Memory { .. })));
    }

    #[test]
    fn threads_are_capped() {
        assert!(matches!(
            pool(Some(MAX_THREADS + 1)),
            Err(Error::TooManyThreads(_))
        ));
        assert!(pool(Some(2)).is_ok());
    }

    #[test]
    fn steps_join_into_the_whole_run() {
        let plan = load_str("p.toml", PLAN).unwrap();
        let config = Config {
            iterations: 50_000,
            seed: 7,
            sampling: Sampling::MonteCarlo,
        };
        let probes = analysis::detail_probes(&plan);
        let pool = pool(Some(2)).unwrap();
        let stepped = simulate(&pool, &plan, &config, &probes, 0..50_000, &Quiet).unwrap();
        let whole = engine::simulate_range(&plan, &config, &probes, 0..50_000);
        assert_eq!(stepped.rows, whole.rows);
        assert_eq!(stepped.nodes, whole.nodes);
        assert_eq!(stepped.critical, whole.critical);
    }
}
