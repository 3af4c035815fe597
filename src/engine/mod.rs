//! The Monte Carlo core: samples many possible schedules of a [`Plan`] in parallel.
//!
//! [`simulate`] is a pure function of the plan, the seed and the iteration count. Iterations are
//! cut into fixed blocks of [`BLOCK`]; rayon hands blocks to threads, and each block writes its
//! rows of the output and returns its own integer counters, which are added up (integer sums do
//! not depend on the order). Inside a block the forward pass goes node by node (task-major), so
//! one task's sampler and its predecessors' columns stay in cache for the whole block.
//!
//! Memory: the output is one row per iteration (the milestones' finishes, plus the start and
//! finish of any traced node); each thread's scratch is `BLOCK x nodes` starts and finishes,
//! whatever the iteration count.

mod copula;
mod resource;
pub mod rng;
mod whatif;

use rayon::prelude::*;

pub use copula::Copula;

use crate::dist::Dist;
use crate::model::{Experiment, Link, LinkKind, Node, Plan, Remaining, Risk, Status};
use rng::Draw;
pub use rng::Sampler;
pub use rng::Sampling;
pub use whatif::{Change, what_ifs};

/// Iterations per block. A block is the unit of parallel work, and its scratch (`BLOCK x nodes`
/// x 25 bytes) stays in L2 for plans of a few hundred tasks (128 rather than 256: about 10% less
/// CPU on a 1,000-task plan, BENCHMARKS.md). No value depends on it.
pub const BLOCK: usize = 128;

/// No node: a `once` risk that hits nothing in an iteration.
const NO_NODE: u32 = u32::MAX;

/// What a node did in one iteration.
const OK: u8 = 0;
/// An experiment whose every attempt failed.
const FAILED: u8 = 1;
/// Did not run: a predecessor was not delivered.
const BLOCKED: u8 = 2;
/// A fallback whose experiment succeeded: not needed.
const SKIPPED: u8 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Iterations of the whole run (a shard simulates a range of them).
    pub iterations: u64,
    pub seed: u64,
    pub sampling: Sampling,
}

impl Config {
    /// Plain Monte Carlo sampling.
    pub fn new(iterations: u64, seed: u64) -> Config {
        Config {
            iterations,
            seed,
            sampling: Sampling::MonteCarlo,
        }
    }

    /// The sampler of one stream in this run.
    pub fn sampler(&self, key: u64) -> Sampler {
        Sampler::new(self.seed, key, self.sampling, self.iterations)
    }
}

/// What to record beyond the milestones' finishes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Probes {
    /// Nodes whose start and finish are recorded in every iteration (for Gantt charts).
    pub trace: Vec<u32>,
    /// Count, per milestone and node, the iterations in which the node is on the milestone's
    /// critical path (a backward pass after each forward pass).
    pub criticality: bool,
}

/// Per-node counters over all iterations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NodeCounts {
    /// Iterations in which the node ran (its predecessors were delivered and, for a fallback,
    /// its experiment failed).
    pub ran: u64,
    /// Iterations in which it ran and succeeded (for a plain task, every run).
    pub succeeded: u64,
    /// Attempts made, summed over the iterations in which it ran.
    pub attempts: u64,
}

#[derive(Debug, Clone)]
pub struct Outcomes {
    /// Iterations simulated: `first..first + iterations` of the run.
    pub iterations: u64,
    pub first: u64,
    pub seed: u64,
    /// How the run drew its uniforms: with Latin hypercube sampling, the analysis reads the
    /// run's replicates off the rows (see [`rng::replicate_range`]).
    pub sampling: Sampling,
    /// One row per iteration: each milestone's finish in working days (`f64::INFINITY` where it
    /// was not delivered), then the start and finish of each traced node (infinity where it did
    /// not run), then, when the plan has costs, the cost of reaching each milestone.
    pub rows: Vec<f64>,
    pub milestones: usize,
    /// Whether rows carry costs.
    pub costs: bool,
    /// The traced nodes, as asked in [`Probes::trace`].
    pub traced: Vec<u32>,
    /// One per node of the plan, in plan order.
    pub nodes: Vec<NodeCounts>,
    /// How many iterations each risk occurred in.
    pub risks_fired: Vec<u64>,
    /// With [`Probes::criticality`]: `critical[m * nodes + i]` counts the iterations in which
    /// node i is on milestone m's critical path (empty otherwise).
    pub critical: Vec<u64>,
}

impl Outcomes {
    /// Joins the outcomes of the iterations that directly follow these (same plan, config and
    /// probes): the result is what one run over both ranges gives, bit for bit.
    pub fn append(&mut self, next: Outcomes) {
        assert_eq!(
            next.first,
            self.first + self.iterations,
            "ranges must follow each other"
        );
        assert_eq!(
            (next.milestones, next.costs, &next.traced, next.sampling),
            (self.milestones, self.costs, &self.traced, self.sampling)
        );
        self.iterations += next.iterations;
        self.rows.extend(next.rows);
        for (a, b) in self.nodes.iter_mut().zip(next.nodes) {
            a.ran += b.ran;
            a.succeeded += b.succeeded;
            a.attempts += b.attempts;
        }
        for (a, b) in self.risks_fired.iter_mut().zip(next.risks_fired) {
            *a += b;
        }
        for (a, b) in self.critical.iter_mut().zip(next.critical) {
            *a += b;
        }
    }

    /// Values per iteration in `rows`.
    pub fn row_len(&self) -> usize {
        self.milestones * (1 + usize::from(self.costs)) + 2 * self.traced.len()
    }

    /// The cost of reaching milestone `m` in each iteration, when the plan has costs: the burn
    /// rate times the milestone's finish (or, where it was not delivered, the last finish of the
    /// work that ran towards it), plus the fixed and daily costs of that work.
    pub fn cost_column(&self, m: usize) -> Option<Vec<f64>> {
        let at = self.milestones + 2 * self.traced.len() + m;
        self.costs.then(|| {
            self.rows
                .iter()
                .skip(at)
                .step_by(self.row_len())
                .copied()
                .collect()
        })
    }

    /// The finishes of milestone `m`, in iteration order.
    pub fn milestone_column(&self, m: usize) -> Vec<f64> {
        self.rows
            .iter()
            .skip(m)
            .step_by(self.row_len())
            .copied()
            .collect()
    }

    /// The starts and finishes of the `t`-th traced node, in iteration order.
    pub fn trace_columns(&self, t: usize) -> (Vec<f64>, Vec<f64>) {
        let at = self.milestones + 2 * t;
        let starts = self
            .rows
            .iter()
            .skip(at)
            .step_by(self.row_len())
            .copied()
            .collect();
        let finishes = self
            .rows
            .iter()
            .skip(at + 1)
            .step_by(self.row_len())
            .copied()
            .collect();
        (starts, finishes)
    }
}

/// The iterations of part `k` (from 1) of `n` in a run of `iterations`: consecutive ranges of
/// equal size, give or take one, that together cover the run once. Shards and progress steps
/// are cut this way.
pub fn split(k: u64, n: u64, iterations: u64) -> std::ops::Range<u64> {
    let at = |i: u64| ((u128::from(iterations) * u128::from(i)) / u128::from(n)) as u64;
    at(k - 1)..at(k)
}

/// Scratch space for rayon jobs: a job takes one from the pool (or makes one when all are in
/// use) and gives it back when it ends, so jobs can be as small as one block (rayon splits the
/// work further whenever a thread runs out, and the last blocks of a run balance across the
/// threads) while the pool never holds more than one per job running at once. Whatever scratch
/// a block gets, it overwrites what it reads first: which scratch or thread runs a block never
/// changes what it computes.
pub(crate) struct Pool<T>(std::sync::Mutex<Vec<T>>);

impl<T> Pool<T> {
    pub(crate) fn new() -> Pool<T> {
        Pool(std::sync::Mutex::new(Vec::new()))
    }

    /// One scratch from the pool, or a new one from `make`.
    pub(crate) fn take(&self, make: impl FnOnce() -> T) -> Lease<'_, T> {
        let held = self.0.lock().unwrap_or_else(|e| e.into_inner()).pop();
        Lease {
            pool: self,
            item: Some(held.unwrap_or_else(make)),
        }
    }
}

/// A scratch taken from a [`Pool`], given back when dropped.
pub(crate) struct Lease<'p, T> {
    pool: &'p Pool<T>,
    item: Option<T>,
}

impl<T> std::ops::Deref for Lease<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.item
            .as_ref()
            .expect("a lease holds its item until dropped")
    }
}

impl<T> std::ops::DerefMut for Lease<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.item
            .as_mut()
            .expect("a lease holds its item until dropped")
    }
}

impl<T> Drop for Lease<'_, T> {
    fn drop(&mut self) {
        if let Some(item) = self.item.take() {
            self.pool
                .0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(item);
        }
    }
}

/// Simulates `config.iterations` schedules of `plan` on the current rayon pool.
pub fn simulate(plan: &Plan, config: &Config) -> Outcomes {
    simulate_with(plan, config, &Probes::default())
}

/// Integer counters of one block or of many; adding them is exact and order-free.
#[derive(Debug, Clone, Default)]
struct Counters {
    nodes: Vec<NodeCounts>,
    fired: Vec<u64>,
    critical: Vec<u64>,
}

impl Counters {
    fn add(mut self, other: Counters) -> Counters {
        if self.nodes.is_empty() {
            return other;
        }
        for (a, b) in self.nodes.iter_mut().zip(&other.nodes) {
            a.ran += b.ran;
            a.succeeded += b.succeeded;
            a.attempts += b.attempts;
        }
        for (a, b) in self.fired.iter_mut().zip(&other.fired) {
            *a += b;
        }
        for (a, b) in self.critical.iter_mut().zip(&other.critical) {
            *a += b;
        }
        self
    }
}

/// Simulates with extra recording: traced nodes and criticality counts.
pub fn simulate_with(plan: &Plan, config: &Config, probes: &Probes) -> Outcomes {
    simulate_range(plan, config, probes, 0..config.iterations)
}

/// Every node's and every risk's stream of draws for a run.
fn streams(plan: &Plan, config: &Config) -> (Vec<Sampler>, Vec<Sampler>) {
    (
        plan.nodes()
            .iter()
            .map(|nd| config.sampler(nd.key))
            .collect(),
        plan.risks().iter().map(|r| config.sampler(r.key)).collect(),
    )
}

/// Simulates only the iterations in `range` of a run of `config.iterations`: the rows are exactly
/// those a whole run would have for them, so ranges can be simulated apart (shards, or more
/// iterations later) and joined with [`Outcomes::append`].
pub fn simulate_range(
    plan: &Plan,
    config: &Config,
    probes: &Probes,
    range: std::ops::Range<u64>,
) -> Outcomes {
    let n_ms = plan.milestones().len();
    assert!(n_ms > 0, "a validated plan has at least one milestone");
    assert!(
        range.end <= config.iterations,
        "the range lies inside the run"
    );
    let n = plan.nodes().len();
    // Invariant: `pipeline` caps iterations (1e8) far below usize::MAX.
    let iterations = usize::try_from(range.end - range.start).expect("iterations fit in memory");
    plan.prepare_tables();
    let (streams, risk_streams) = streams(plan, config);
    let copula = Copula::new(plan, config);
    let costs = plan.has_costs();
    let stride = n_ms * (1 + usize::from(costs)) + 2 * probes.trace.len();
    let mut rows = vec![f64::INFINITY; iterations * stride];
    let env = Env {
        plan,
        streams: &streams,
        risk_streams: &risk_streams,
        copula: &copula,
        probes,
        stride,
        costs,
        once: plan.has_once_risks(),
    };
    let pool = Pool::new();
    let counters = rows
        .par_chunks_mut(BLOCK * stride)
        .enumerate()
        .with_max_len(1)
        .map_init(
            || pool.take(|| Scratch::new(n, plan.risks().len(), &copula)),
            |scratch, (b, out)| {
                run_block(
                    &env,
                    range.start + (b * BLOCK) as u64,
                    out.len() / stride,
                    scratch,
                    out,
                )
            },
        )
        .reduce(Counters::default, Counters::add);
    drop(pool);
    let Counters {
        nodes,
        fired,
        critical,
    } = counters;
    Outcomes {
        iterations: range.end - range.start,
        first: range.start,
        seed: config.seed,
        sampling: config.sampling,
        rows,
        milestones: n_ms,
        costs,
        traced: probes.trace.clone(),
        nodes: if nodes.is_empty() {
            vec![NodeCounts::default(); n]
        } else {
            nodes
        },
        risks_fired: if fired.is_empty() {
            vec![0; plan.risks().len()]
        } else {
            fired
        },
        // An empty range has no block to count in: its counters are zeros all the same.
        critical: if critical.is_empty() && probes.criticality {
            vec![0; n_ms * n]
        } else {
            critical
        },
    }
}

/// The duration of one run of `node` in one iteration, with whether it succeeded and how many
/// attempts it took. Attempt k draws its duration from draw 2k and its success from draw 2k + 1,
/// so a plain task (draw 0) and the first attempt of the same task made an experiment agree.
///
/// Work in flight: an experiment with `made` failed attempts behind it goes on from attempt
/// `made` (0-based), with the same draw numbers it would have had; a started task's duration
/// (an experiment's: its attempt under way) is what is left of it, from the status date.
#[inline]
pub fn sample_duration(node: &Node, it: Draw) -> (f64, bool, u32) {
    sample_with(node, |draw| it.uniform(draw))
}

/// [`sample_duration`] with the uniform of each draw number given by `u` (the node's own
/// stream, or correlated draws where its groups correlate them).
#[inline]
pub fn sample_with(node: &Node, u: impl Fn(u32) -> f64) -> (f64, bool, u32) {
    let left = match &node.status {
        Status::Started { remaining, .. } => Some(remaining),
        _ => None,
    };
    match &node.experiment {
        // A backlog: its items are what is left, whether or not it has started.
        None if node.backlog.is_some() => {
            let b = node.backlog.as_ref().expect("checked") /* invariant: the match above chose a backlog */;
            (node.scale * resource::backlog_duration(b, u), true, 1)
        }
        None => {
            let d = match left {
                None => node.duration.quantile(u(0)),
                Some(r) => rest(r, &node.duration, u(0)),
            };
            (node.scale * d, true, 1)
        }
        Some(e) => {
            let (mut total, mut n) = (0.0, 0u32);
            let made = e.made as usize;
            for (a, &p) in e.success.iter().enumerate().skip(made) {
                let d = if a == 0 {
                    &node.duration
                } else {
                    e.retry.as_ref().unwrap_or(&node.duration)
                };
                let x = u(2 * a as u32);
                total += match left {
                    Some(r) if a == made => rest(r, d, x),
                    _ => d.quantile(x),
                };
                n += 1;
                if u(2 * a as u32 + 1) < p {
                    return (node.scale * total, true, n);
                }
            }
            (node.scale * total, false, n)
        }
    }
}

/// What is left of a run under way whose full duration would be `full`, at uniform `u`.
#[inline]
fn rest(r: &Remaining, full: &Dist, u: f64) -> f64 {
    match r {
        Remaining::Dist(d) => d.quantile(u),
        Remaining::Share(share) => share * full.quantile(u),
    }
}

/// What a risk does in one iteration when it occurs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RiskDraw {
    /// Working days added to each task it hits (0 without a delay).
    pub delay: f64,
    /// The factor on the durations of the tasks it hits (1 without a scale).
    pub scale: f64,
    /// What it costs (0 without a cost).
    pub cost: f64,
}

/// One iteration of a risk: None when it does not occur (draw 0), else its delay (draw 1),
/// scale (draw 2) and cost (draw 3), each from its own distribution.
#[inline]
pub fn sample_risk(risk: &Risk, it: Draw) -> Option<RiskDraw> {
    (it.uniform(0) < risk.probability).then(|| RiskDraw {
        delay: risk
            .delay
            .as_ref()
            .map_or(0.0, |d| d.quantile(it.uniform(1))),
        scale: risk
            .scale
            .as_ref()
            .map_or(1.0, |d| d.quantile(it.uniform(2))),
        cost: risk
            .cost
            .as_ref()
            .map_or(0.0, |d| d.quantile(it.uniform(3))),
    })
}

/// The draw numbers of a restart on a task's stream: where the work is lost (the first) and the
/// redone attempt's duration (the second). Keyed by the risk, so two restart risks on one task
/// draw apart, and far above the attempts' draws (2k and 2k + 1 for k below 1000).
fn restart_draws(risk_key: u64) -> (u32, u32) {
    let base = 0x8000_0000 | (risk_key as u32 & 0x7fff_fffe);
    (base, base + 1)
}

/// The work a restart adds to one run of `node` (before the task's scale): the risk strikes at a
/// uniform point of the run's work; the attempt in progress loses what it had done and is drawn
/// again from its own distribution, without using up an attempt or changing its outcome.
/// `u` gives the uniform of each of the node's draw numbers, as the run drew them (correlated
/// where a correlation group says so); the restart's own draws come from `it`.
pub fn restart_extra(node: &Node, u: impl Fn(u32) -> f64, it: Draw, risk_key: u64) -> f64 {
    let (at, redo) = restart_draws(risk_key);
    let dist_of = |a: usize| match &node.experiment {
        Some(e) if a > 0 => e.retry.as_ref().unwrap_or(&node.duration),
        _ => &node.duration,
    };
    // The attempts still to do, as `sample_duration` drew them (work in flight: from the
    // attempt under way, whose part still to do is what can be lost), walked twice rather than
    // stored: this runs per struck iteration, inside the block loop.
    let left = match &node.status {
        Status::Started { remaining, .. } => Some(remaining),
        _ => None,
    };
    let attempts = |visit: &mut dyn FnMut(usize, f64, bool) -> bool| match &node.experiment {
        None => {
            let x = u(0);
            visit(
                0,
                match left {
                    None => node.duration.quantile(x),
                    Some(r) => rest(r, &node.duration, x),
                },
                true,
            );
        }
        Some(e) => {
            let made = e.made as usize;
            let last = e.success.len() - 1;
            for (a, &p) in e.success.iter().enumerate().skip(made) {
                let x = u(2 * a as u32);
                let d = match left {
                    Some(r) if a == made => rest(r, dist_of(a), x),
                    _ => dist_of(a).quantile(x),
                };
                let done = u(2 * a as u32 + 1) < p || a == last;
                if !visit(a, d, done) || done {
                    break;
                }
            }
        }
    };
    let mut total = 0.0;
    attempts(&mut |_, d, _| {
        total += d;
        true
    });
    let strike = it.uniform(at) * total;
    let (mut before, mut extra) = (0.0, 0.0);
    attempts(&mut |a, d, last| {
        if strike < before + d || last {
            let lost = (strike - before).clamp(0.0, d);
            extra = lost + dist_of(a).quantile(it.uniform(redo)) - d;
            return false;
        }
        before += d;
        true
    });
    extra
}

/// Node `node`'s draw in iteration `iteration`, exactly as the engine makes it: from its own
/// stream, or correlated by its `[[correlation]]` groups (for the drivers, which recompute
/// draws rather than store them).
pub fn sample_node(
    plan: &Plan,
    copula: &Copula,
    stream: Sampler,
    node: usize,
    iteration: u64,
) -> (f64, bool, u32) {
    let it = stream.at(iteration);
    let nd = &plan.nodes()[node];
    if copula.slot(node).is_none() {
        return sample_duration(nd, it);
    }
    sample_with(nd, |draw| {
        copula
            .uniform(node, iteration, draw)
            .unwrap_or_else(|| it.uniform(draw))
    })
}

/// What every block reads.
struct Env<'a> {
    plan: &'a Plan,
    streams: &'a [Sampler],
    risk_streams: &'a [Sampler],
    copula: &'a Copula,
    probes: &'a Probes,
    stride: usize,
    costs: bool,
    /// Some risk hits only the first affected task to start: each block is scheduled twice.
    once: bool,
}

/// One thread's working columns, node-major: `start[node * BLOCK + j]`.
struct Scratch {
    start: Vec<f64>,
    finish: Vec<f64>,
    status: Vec<u8>,
    /// The finish successors see: the node's own, its fallback chain's, or infinity.
    resolved: Vec<f64>,
    /// Per risk and iteration: whether it occurred, and what it does (`risk * BLOCK + j`).
    risk_fired: Vec<bool>,
    risk_delay: Vec<f64>,
    risk_scale: Vec<f64>,
    risk_cost: Vec<f64>,
    /// For risks with `once`: the node it hits in each iteration (`NO_NODE`: none).
    once_target: Vec<u32>,
    /// The current node's draws for the block: its uniforms (of one draw number at a time),
    /// duration, success, attempts.
    u: Vec<f64>,
    /// The iterations of the block whose attempts so far failed (a planned experiment's
    /// draws), as `u8`: a block holds at most 256 iterations; and those attempts' quantiles.
    failed: Vec<u8>,
    q: Vec<f64>,
    dur: Vec<f64>,
    ok: Vec<bool>,
    attempts: Vec<u32>,
    /// The current node's earliest start and finish from its links, for the block.
    es: Vec<f64>,
    ef: Vec<f64>,
    /// `BLOCK` zeros, never written: the start and finish bounds of a node without such links.
    zeros: Vec<f64>,
    /// `BLOCK` trues and ones, never written: a plain node's `ok` and `attempts` (one attempt
    /// that always succeeds), which its draws then do not write.
    trues: Vec<bool>,
    ones: Vec<u32>,
    /// For the backward pass: per node, the iterations of the block in which it is reached
    /// (bit j for iteration j; all clear between passes).
    reached: Vec<u128>,
    /// Correlated uniforms, one column per correlated draw of each group member (see
    /// [`Copula::fill`]), and the normal scores they are made from.
    correlated: Vec<f64>,
    z: Vec<f64>,
    /// The resource-constrained path's columns and profiles (empty without resources).
    res: resource::Scratch,
}

impl Scratch {
    fn new(nodes: usize, risks: usize, copula: &Copula) -> Scratch {
        Scratch {
            start: vec![0.0; nodes * BLOCK],
            finish: vec![0.0; nodes * BLOCK],
            status: vec![OK; nodes * BLOCK],
            resolved: vec![0.0; nodes * BLOCK],
            risk_fired: vec![false; risks * BLOCK],
            risk_delay: vec![0.0; risks * BLOCK],
            risk_scale: vec![1.0; risks * BLOCK],
            risk_cost: vec![0.0; risks * BLOCK],
            once_target: vec![NO_NODE; risks * BLOCK],
            u: vec![0.0; BLOCK],
            failed: vec![0; BLOCK],
            q: vec![0.0; BLOCK],
            dur: vec![0.0; BLOCK],
            es: vec![0.0; BLOCK],
            ef: vec![0.0; BLOCK],
            zeros: vec![0.0; BLOCK],
            trues: vec![true; BLOCK],
            ones: vec![1; BLOCK],
            ok: vec![true; BLOCK],
            attempts: vec![1; BLOCK],
            reached: vec![0; nodes],
            correlated: vec![0.0; copula.columns() * BLOCK],
            z: vec![0.0; copula.widest() * BLOCK],
            res: resource::Scratch::default(),
        }
    }
}

/// The node whose finish successors of node `p` see in column slot `j` (its own when it
/// succeeded, its fallback chain's when it failed), or None when it was not delivered.
#[inline]
fn resolved_node(plan: &Plan, s: &Scratch, mut p: usize, j: usize) -> Option<usize> {
    loop {
        match s.status[p * BLOCK + j] {
            OK => return Some(p),
            FAILED => p = plan.nodes()[p].experiment.as_ref()?.fallback? as usize,
            _ => return None,
        }
    }
}

/// The finish successors of node `p` see: `resolved[k]`, kept up to date as fallbacks run.
#[inline(always)]
fn resolved_finish(s: &Scratch, p: usize, j: usize) -> f64 {
    s.resolved[p * BLOCK + j]
}

/// The start SS and SF successors of node `p` see: its own start (an experiment's first
/// attempt) whenever it ran, whether or not it succeeded, so a failed experiment does not block
/// them; never (infinity, as `start` holds) when it did not run.
#[inline(always)]
fn own_start(s: &Scratch, p: usize, j: usize) -> f64 {
    s.start[p * BLOCK + j]
}

/// A node's draw in column slot `j` of a block whose correlated uniforms are in `columns`.
#[inline]
fn correlated_sample(
    node: &Node,
    slot: copula::Slot,
    columns: &[f64],
    stream: Sampler,
    first: u64,
    j: usize,
) -> (f64, bool, u32) {
    let it = stream.at(first + j as u64);
    sample_with(node, |draw| match slot.column(draw) {
        Some(c) => columns[c * BLOCK + j],
        None => it.uniform(draw),
    })
}

/// Every risk's draws for the block into its columns, counting the iterations it occurred in.
fn fill_risks(env: &Env, first: u64, len: usize, s: &mut Scratch, fired: &mut [u64]) {
    for (r, risk) in env.plan.risks().iter().enumerate() {
        for j in 0..len {
            let k = r * BLOCK + j;
            let draw = sample_risk(risk, env.risk_streams[r].at(first + j as u64));
            fired[r] += u64::from(draw.is_some());
            s.risk_fired[k] = draw.is_some();
            s.risk_delay[k] = draw.map_or(0.0, |d| d.delay);
            s.risk_scale[k] = draw.map_or(1.0, |d| d.scale);
            s.risk_cost[k] = draw.map_or(0.0, |d| d.cost);
            s.once_target[k] = NO_NODE;
        }
    }
}

fn run_block(env: &Env, first: u64, len: usize, s: &mut Scratch, out: &mut [f64]) -> Counters {
    let plan = env.plan;
    let n = plan.nodes().len();
    let mut c = Counters {
        nodes: vec![NodeCounts::default(); n],
        fired: vec![0; plan.risks().len()],
        critical: if env.probes.criticality {
            vec![0; plan.milestones().len() * n]
        } else {
            vec![]
        },
    };
    fill_risks(env, first, len, s, &mut c.fired);
    env.copula.fill(first, len, &mut s.z, &mut s.correlated);
    if env.once {
        // First the schedule without the risks that strike once, to see which affected task
        // starts first in each iteration; then the schedule with them, striking that task. A
        // strike only lengthens the task it hits, so it does not move another task before it.
        pass(env, first, len, s, &mut c.nodes);
        for (r, risk) in plan.risks().iter().enumerate().filter(|(_, r)| r.once) {
            for j in 0..len {
                let k = r * BLOCK + j;
                if !s.risk_fired[k] {
                    continue;
                }
                let mut at = f64::INFINITY;
                for &a in &risk.affects {
                    let ak = a as usize * BLOCK + j;
                    let ran = s.status[ak] == OK || s.status[ak] == FAILED;
                    // Finished work is history: no risk strikes it.
                    let done = matches!(plan.nodes()[a as usize].status, Status::Done { .. });
                    // Ties go to the first in plan order.
                    if ran && !done && s.start[ak] < at {
                        at = s.start[ak];
                        s.once_target[k] = a;
                    }
                }
            }
        }
        c.nodes.fill(NodeCounts::default());
    }
    pass(env, first, len, s, &mut c.nodes);
    let n_ms = plan.milestones().len();
    for j in 0..len {
        let row = &mut out[j * env.stride..(j + 1) * env.stride];
        for (m, ms) in plan.milestones().iter().enumerate() {
            row[m] = resolved_finish(s, ms.node as usize, j);
        }
        for (t, &node) in env.probes.trace.iter().enumerate() {
            let k = node as usize * BLOCK + j;
            let ran = s.status[k] == OK || s.status[k] == FAILED;
            row[n_ms + 2 * t] = if ran { s.start[k] } else { f64::INFINITY };
            row[n_ms + 2 * t + 1] = if ran { s.finish[k] } else { f64::INFINITY };
        }
    }
    if env.costs {
        let at = n_ms + 2 * env.probes.trace.len();
        for (m, ms) in plan.milestones().iter().enumerate() {
            for j in 0..len {
                let (mut spent, mut last) = (0.0, 0.0f64);
                for &a in &ms.ancestors {
                    let (node, k) = (&plan.nodes()[a as usize], a as usize * BLOCK + j);
                    if s.status[k] == OK || s.status[k] == FAILED {
                        spent += node.cost + node.cost_per_day * (s.finish[k] - s.start[k]);
                        last = last.max(s.finish[k]);
                    }
                }
                for &r in &ms.risk_costs {
                    let k = r as usize * BLOCK + j;
                    if s.risk_fired[k] {
                        spent += s.risk_cost[k];
                    }
                }
                let row = &mut out[j * env.stride..(j + 1) * env.stride];
                let end = if row[m].is_finite() { row[m] } else { last };
                row[at + m] = spent + plan.cost_per_day() * end;
            }
        }
    }
    if env.probes.criticality {
        for (m, ms) in plan.milestones().iter().enumerate() {
            let counts = &mut c.critical[m * n..(m + 1) * n];
            mark_critical(plan, s, len, ms.node as usize, counts);
        }
    }
    c
}

/// What the risks that occurred do to one run of node `i` (duration `dur`, draws `it`): restarts
/// add work, scales multiply it, delays add time, in that order. A risk with `once` strikes only
/// its target of the iteration.
#[inline]
fn strike(env: &Env, s: &Scratch, i: usize, it: Draw, j: usize, mut dur: f64) -> f64 {
    let plan = env.plan;
    let node = &plan.nodes()[i];
    let hits = |r: usize| {
        let k = r * BLOCK + j;
        s.risk_fired[k] && (!plan.risks()[r].once || s.once_target[k] == i as u32)
    };
    let risks = plan.risks_of(i);
    if risks.iter().any(|&r| plan.risks()[r as usize].reshapes()) {
        let (mut extra, mut factor) = (0.0, 1.0);
        for &r in risks {
            let r = r as usize;
            if !hits(r) {
                continue;
            }
            let risk = &plan.risks()[r];
            if risk.restart {
                let slot = env.copula.slot(i);
                let u = |draw: u32| match slot.column(draw) {
                    Some(c) => s.correlated[c * BLOCK + j],
                    None => it.uniform(draw),
                };
                extra += restart_extra(node, u, it, risk.key);
            }
            factor *= s.risk_scale[r * BLOCK + j];
        }
        dur = (dur + node.scale * extra) * factor;
    }
    for &r in risks {
        if hits(r as usize) {
            dur += s.risk_delay[r as usize * BLOCK + j];
        }
    }
    dur
}

/// One forward pass over a block: task-major without resources, or, when tasks compete for
/// resources, one serial schedule per iteration ([`resource::schedule`]).
#[inline]
fn pass(env: &Env, first: u64, len: usize, s: &mut Scratch, counts: &mut [NodeCounts]) {
    if env.plan.has_resources() {
        resource::schedule(env, first, len, s, counts);
    } else {
        schedule(env, first, len, s, counts);
    }
}

/// The forward pass over one block: every node, in plan order, for every iteration.
fn schedule(env: &Env, first: u64, len: usize, s: &mut Scratch, counts: &mut [NodeCounts]) {
    for (i, counts) in counts.iter_mut().enumerate() {
        schedule_node(env, first, len, s, counts, i, Draws::Fresh);
    }
}

/// Where a node's draws for a block come from in [`schedule_node`].
enum Draws<'c> {
    /// From the streams.
    Fresh,
    /// From the streams, and kept in the cache (the base pass of [`what_ifs`]).
    Keep(&'c mut DrawCache),
    /// From the cache: what the base pass drew for this node (a what-if's unchanged node).
    Reuse(&'c DrawCache),
}

/// One block's draws of every node (after risk strikes): `dur[node * BLOCK + j]`.
struct DrawCache {
    dur: Vec<f64>,
    ok: Vec<bool>,
    attempts: Vec<u32>,
}

/// The forward pass of node `i` over one block (its predecessors already scheduled).
#[inline(always)]
fn schedule_node(
    env: &Env,
    first: u64,
    len: usize,
    s: &mut Scratch,
    counts: &mut NodeCounts,
    i: usize,
    draws: Draws,
) {
    let plan = env.plan;
    let status_time = plan.status_time();
    let node = &plan.nodes()[i];
    {
        let preds = plan.preds_of(i);
        let risks = plan.risks_of(i);
        let stream = env.streams[i];
        let slot = env.copula.slot(i);
        // First every draw of the block (independent of the schedule, so the CPU overlaps
        // them), then the schedule; a draw of a run that does not happen is simply unused. A
        // fallback, which runs only when its experiment failed, draws when it runs instead.
        let lazy = node.fallback_of.is_some();
        let done = matches!(node.status, Status::Done { .. });
        // A plain node's `ok` and `attempts` are the constant columns (see `draw_node`).
        let mut plain = false;
        // A what-if's reused draws are read where the base pass kept them, not copied.
        let mut reused: Option<&DrawCache> = None;
        let mut keep: Option<&mut DrawCache> = None;
        if !lazy && !done {
            match draws {
                Draws::Reuse(c) => reused = Some(c),
                Draws::Fresh | Draws::Keep(_) => {
                    plain = draw_node(env, first, len, s, i);
                    if !risks.is_empty() {
                        for j in 0..len {
                            s.dur[j] = strike(env, s, i, stream.at(first + j as u64), j, s.dur[j]);
                        }
                    }
                    if let Draws::Keep(c) = draws {
                        keep = Some(c);
                    }
                }
            }
        }
        let at = i * BLOCK;
        let (dur, ok, tries) = match reused {
            Some(c) => (
                &c.dur[at..at + len],
                &c.ok[at..at + len],
                &c.attempts[at..at + len],
            ),
            None if plain => (&s.dur[..len], &s.trues[..len], &s.ones[..len]),
            None => (&s.dur[..len], &s.ok[..len], &s.attempts[..len]),
        };
        if let Some(c) = keep {
            c.dur[at..at + len].copy_from_slice(dur);
            c.ok[at..at + len].copy_from_slice(ok);
            c.attempts[at..at + len].copy_from_slice(tries);
        }
        if !lazy && matches!(node.status, Status::Planned) {
            // The common case, link by link: each link's constraint over the whole block (a
            // max the compiler vectorises), then each iteration's start and finish. The same
            // maxima in the same order as the general loop below.
            let (es, ef) = (&mut s.es[..len], &mut s.ef[..len]);
            let [has_es, has_ef] = link_bounds(preds, &s.resolved, &s.start, es, ef);
            // Each iteration's start, finish, status and resolved finish, and the counters.
            let at = i * BLOCK..i * BLOCK + len;
            let es = if has_es {
                &s.es[..len]
            } else {
                &s.zeros[..len]
            };
            let ef = if has_ef {
                &s.ef[..len]
            } else {
                &s.zeros[..len]
            };
            let block = NodeBlock {
                es,
                ef,
                dur,
                ok,
                tries,
                start: &mut s.start[at.clone()],
                finish: &mut s.finish[at.clone()],
                status: &mut s.status[at.clone()],
                resolved: &mut s.resolved[at],
            };
            let [ran, succeeded, attempts] = schedule_block(block, status_time);
            counts.ran += ran;
            counts.succeeded += succeeded;
            counts.attempts += attempts;
            return;
        }
        for j in 0..len {
            let k = i * BLOCK + j;
            // Finished work is history: the same times in every iteration, no risk delays.
            if let Status::Done {
                start,
                finish,
                failed,
            } = node.status
            {
                s.start[k] = start;
                s.finish[k] = finish;
                s.status[k] = if failed { FAILED } else { OK };
                s.resolved[k] = if failed { f64::INFINITY } else { finish };
                counts.ran += 1;
                counts.succeeded += u64::from(!failed);
                counts.attempts += 1;
                continue;
            }
            // Earliest start from start constraints, earliest finish from finish constraints.
            let (mut es, mut ef) = (0.0f64, 0.0f64);
            for l in preds {
                let p = l.node as usize;
                match l.kind {
                    LinkKind::FS => es = es.max(resolved_finish(s, p, j) + l.lag),
                    LinkKind::SS => es = es.max(own_start(s, p, j) + l.lag),
                    LinkKind::FF => ef = ef.max(resolved_finish(s, p, j) + l.lag),
                    LinkKind::SF => ef = ef.max(own_start(s, p, j) + l.lag),
                }
            }
            if let Some(e) = node.fallback_of {
                let ek = e as usize * BLOCK + j;
                match s.status[ek] {
                    FAILED => es = es.max(s.finish[ek]),
                    OK => {
                        s.status[k] = SKIPPED;
                        s.start[k] = f64::INFINITY;
                        s.finish[k] = f64::INFINITY;
                        s.resolved[k] = f64::INFINITY;
                        continue;
                    }
                    _ => es = f64::INFINITY,
                }
            }
            if es == f64::INFINITY || ef == f64::INFINITY {
                s.status[k] = BLOCKED;
                s.start[k] = f64::INFINITY;
                s.finish[k] = f64::INFINITY;
                s.resolved[k] = f64::INFINITY;
                continue;
            }
            let (dur, ok, attempts) = if lazy {
                let it = stream.at(first + j as u64);
                let (dur, ok, attempts) = if slot.is_none() {
                    sample_duration(node, it)
                } else {
                    correlated_sample(node, slot, &s.correlated, stream, first, j)
                };
                (strike(env, s, i, it, j, dur), ok, attempts)
            } else {
                (dur[j], ok[j], tries[j])
            };
            let (start, finish) = match node.status {
                // Under way: its start is history, what is left runs from the status date.
                Status::Started { start, .. } => (start, (status_time + dur).max(ef)),
                // Nothing unfinished starts before the status date (0 without one).
                _ => {
                    let start = es.max(status_time).max(ef - dur);
                    (start, start + dur)
                }
            };
            s.start[k] = start;
            s.finish[k] = finish;
            s.status[k] = if ok { OK } else { FAILED };
            // A failed experiment delivers nothing until a fallback in its chain does.
            s.resolved[k] = if ok { finish } else { f64::INFINITY };
            counts.ran += 1;
            counts.succeeded += u64::from(ok);
            counts.attempts += u64::from(attempts);
        }
        // A fallback that ran stands in for the failed experiments above it in its chain.
        if let Some(e) = node.fallback_of {
            for j in 0..len {
                let k = i * BLOCK + j;
                // A failed fallback leaves its chain undelivered (infinity, as it already is):
                // only one that succeeded walks up, so a long chain costs its length, not its
                // square.
                if s.status[k] != OK {
                    continue;
                }
                let value = s.resolved[k];
                let mut x = e as usize;
                while s.status[x * BLOCK + j] == FAILED {
                    s.resolved[x * BLOCK + j] = value;
                    match plan.nodes()[x].fallback_of {
                        Some(y) => x = y as usize,
                        None => break,
                    }
                }
            }
        }
    }
}

multiversion! {
    /// A planned node's earliest start `es` and earliest finish `ef` in each iteration of a block
    /// (`es.len()` of them) from its links `preds`, read off the block's `resolved` and `start`
    /// columns; and whether any link bounds each side. A side without links is left as it was (its
    /// bound is +0: the caller reads a column of zeros instead), and each side's first link writes
    /// `max(+0, x)` rather than maxing into a zeroed column (zeroing two columns per node was a
    /// call to memset each, 8% of the simulation). Compiled for AVX-512 or AVX2 where the CPU has
    /// them: comparisons and additions only, the same values on every path.
    fn link_bounds(
        preds: &[Link],
        resolved: &[f64],
        start: &[f64],
        es: &mut [f64],
        ef: &mut [f64],
    ) -> [bool; 2] => link_bounds_any
}

#[inline(always)]
fn link_bounds_any(
    preds: &[Link],
    resolved: &[f64],
    start: &[f64],
    es: &mut [f64],
    ef: &mut [f64],
) -> [bool; 2] {
    let len = es.len();
    let (mut has_es, mut has_ef) = (false, false);
    for l in preds {
        let p = l.node as usize * BLOCK;
        let (col, target, has) = match l.kind {
            LinkKind::FS => (&resolved[p..p + len], &mut *es, &mut has_es),
            LinkKind::SS => (&start[p..p + len], &mut *es, &mut has_es),
            LinkKind::FF => (&resolved[p..p + len], &mut *ef, &mut has_ef),
            LinkKind::SF => (&start[p..p + len], &mut *ef, &mut has_ef),
        };
        let target = &mut target[..len];
        // `t.max(x)` as a plain comparison (one instruction a lane instead of a NaN-aware
        // sequence), the same value: `t` starts at +0 and only takes values of `x` that
        // compare greater, so it is never NaN nor -0; a NaN `x` leaves `t`, as `max` does; an
        // `x` equal to `t` leaves `t`, and the only equal pair with different bits, `x` = -0
        // against `t` = +0, gives +0 from `max` too.
        if *has {
            for (t, &v) in target.iter_mut().zip(col) {
                let x = v + l.lag;
                *t = if x > *t { x } else { *t };
            }
        } else {
            for (t, &v) in target.iter_mut().zip(col) {
                let x = v + l.lag;
                *t = if x > 0.0 { x } else { 0.0 };
            }
            *has = true;
        }
    }
    [has_es, has_ef]
}

multiversion! {
    /// [`NodeBlock::schedule_any`], compiled for AVX-512 or AVX2 where the CPU has them.
    fn schedule_block(block: NodeBlock<'_>, status_time: f64) -> [u64; 3] => NodeBlock::schedule_any
}

/// One planned node's columns for a block, as [`schedule_node`]'s common case fills them.
struct NodeBlock<'a> {
    es: &'a [f64],
    ef: &'a [f64],
    dur: &'a [f64],
    ok: &'a [bool],
    tries: &'a [u32],
    start: &'a mut [f64],
    finish: &'a mut [f64],
    status: &'a mut [u8],
    resolved: &'a mut [f64],
}

impl NodeBlock<'_> {
    /// Each iteration's start, finish, status and resolved finish from its bounds and draws,
    /// and the node's counters (ran, succeeded, attempts). Branch-free loops, compiled for
    /// AVX-512 or AVX2 where the CPU has them (the baseline's two-lane vectors did not pay,
    /// and the compiler left the loop scalar, with branches): comparisons, selections,
    /// additions and subtractions only, so the same values on every path.
    #[inline(always)]
    fn schedule_any(self, status_time: f64) -> [u64; 3] {
        let len = self.dur.len();
        let (es, ef, dur, ok) = (&self.es[..len], &self.ef[..len], self.dur, &self.ok[..len]);
        let (start, finish) = (&mut self.start[..len], &mut self.finish[..len]);
        let (status, resolved) = (&mut self.status[..len], &mut self.resolved[..len]);
        for j in 0..len {
            // A blocked iteration (a link never satisfied) is infinite throughout, whatever
            // was computed for it.
            let blocked = (es[j] == f64::INFINITY) | (ef[j] == f64::INFINITY);
            // `es.max(status_time).max(ef - dur)` by plain comparisons, the same value as
            // in the links' loop: `es` and `status_time` are never NaN nor -0, and a NaN
            // `ef - dur` (an infinite duration against an infinite finish link) is passed
            // over as `max` passes it over.
            let after = if status_time > es[j] {
                status_time
            } else {
                es[j]
            };
            let late = ef[j] - dur[j];
            let st = if late > after { late } else { after };
            let fin = st + dur[j];
            start[j] = if blocked { f64::INFINITY } else { st };
            finish[j] = if blocked { f64::INFINITY } else { fin };
            // BLOCKED, else OK (0) when the node succeeded, FAILED (1) when not.
            const _: () = assert!(OK == 0 && FAILED == 1);
            status[j] = if blocked { BLOCKED } else { u8::from(!ok[j]) };
            resolved[j] = if blocked | !ok[j] { f64::INFINITY } else { fin };
        }
        let (mut ran, mut succeeded, mut attempts) = (0u64, 0u64, 0u64);
        for (&st, &tries) in status.iter().zip(&self.tries[..len]) {
            let blocked = st == BLOCKED;
            ran += u64::from(!blocked);
            succeeded += u64::from(st == OK);
            attempts += if blocked { 0 } else { u64::from(tries) };
        }
        [ran, succeeded, attempts]
    }
}

/// Node `i`'s draws for the block (before risk strikes) into `s.dur`, `s.ok`, `s.attempts`;
/// true when the node is plain (one attempt that always succeeds), whose `ok` and `attempts`
/// are then not written: they are [`Scratch::trues`] and [`Scratch::ones`].
#[inline(always)]
fn draw_node(env: &Env, first: u64, len: usize, s: &mut Scratch, i: usize) -> bool {
    let node = &env.plan.nodes()[i];
    let stream = env.streams[i];
    let slot = env.copula.slot(i);
    if node.experiment.is_none() && node.backlog.is_none() && matches!(node.status, Status::Planned)
    {
        // The common case: one draw per run, the same arithmetic as `sample_duration`.
        match slot.column(0) {
            None => {
                // The block's uniforms in a loop of their own (vectorised where the CPU
                // allows), then the quantiles.
                let u = &mut s.u[..len];
                stream.fill_first(first, u);
                node.duration.fill(&mut s.dur[..len], u);
            }
            Some(c) => {
                let col = &s.correlated[c * BLOCK..c * BLOCK + len];
                node.duration.fill(&mut s.dur[..len], col);
            }
        }
        for d in &mut s.dur[..len] {
            *d *= node.scale;
        }
        // Every run succeeds at its one attempt: `s.ok` and `s.attempts` are left as they
        // are (see [`Scratch::trues`]).
        return true;
    } else if let Some(e) = node
        .experiment
        .as_ref()
        .filter(|_| slot.is_none() && first_in_bulk(node))
    {
        let (u, q) = (&mut s.u[..len], &mut s.q[..len]);
        let (dur, ok, attempts) = (&mut s.dur[..len], &mut s.ok[..len], &mut s.attempts[..len]);
        first_attempts(
            node,
            e,
            stream,
            first,
            u,
            q,
            dur,
            ok,
            attempts,
            &mut s.failed,
        );
    } else if !slot.is_none() {
        for j in 0..len {
            let (dur, ok, attempts) =
                correlated_sample(node, slot, &s.correlated, stream, first, j);
            s.dur[j] = dur;
            s.ok[j] = ok;
            s.attempts[j] = attempts;
        }
    } else {
        for j in 0..len {
            let (dur, ok, attempts) = sample_duration(node, stream.at(first + j as u64));
            s.dur[j] = dur;
            s.ok[j] = ok;
            s.attempts[j] = attempts;
        }
    }
    false
}

// `first_attempts` lists a block's iterations as `u8`.
const _: () = assert!(BLOCK <= 256);

/// Whether an uncorrelated experiment's draws can start with [`first_attempts`]: it is planned
/// (not started, no attempt made) and not a backlog.
#[inline]
fn first_in_bulk(node: &Node) -> bool {
    node.experiment.as_ref().is_some_and(|e| e.made == 0)
        && node.backlog.is_none()
        && matches!(node.status, Status::Planned)
}

/// A planned experiment's draws for iterations `first..first + dur.len()` (before risk
/// strikes), exactly as [`sample_duration`] makes them, attempt by attempt over the block:
/// every first attempt at once (its duration from draw 0 through `fill`, its success from draw
/// 1), then each later attempt `a` for the iterations still failing (draws `2a` and `2a + 1`),
/// adding to their totals in the same order as [`sample_with`]. `u`, `q` and `failed` are
/// scratch.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn first_attempts(
    node: &Node,
    e: &Experiment,
    stream: Sampler,
    first: u64,
    u: &mut [f64],
    q: &mut [f64],
    dur: &mut [f64],
    ok: &mut [bool],
    attempts: &mut [u32],
    failed: &mut [u8],
) {
    stream.fill_first(first, u);
    node.duration.fill(dur, u);
    stream.fill_draw(first, 1, u);
    let len = u.len();
    let (dur, ok, attempts) = (&mut dur[..len], &mut ok[..len], &mut attempts[..len]);
    let p = e.success[0];
    // The first attempts, then the iterations that failed them listed (a loop of its own: in
    // one, the compiler left both scalar).
    first_outcomes(p, node.scale, u, dur, ok, attempts);
    let mut n = 0;
    for (j, &o) in ok.iter().enumerate() {
        failed[n] = j as u8;
        n += usize::from(!o);
    }
    // Each later attempt's draws for the listed iterations (`q` holds the success draws).
    for (a, &p) in e.success.iter().enumerate().skip(1) {
        if n == 0 {
            return;
        }
        let d = e.retry.as_ref().unwrap_or(&node.duration);
        stream.fill_draw_at(first, &failed[..n], 2 * a as u32, u);
        d.fill(&mut q[..n], &u[..n]);
        stream.fill_draw_at(first, &failed[..n], 2 * a as u32 + 1, u);
        let mut still = 0;
        for t in 0..n {
            let j = usize::from(failed[t]);
            let total = dur[j] + q[t];
            let success = u[t] < p;
            dur[j] = if success { node.scale * total } else { total };
            ok[j] = success;
            attempts[j] += 1;
            failed[still] = failed[t];
            still += usize::from(!success);
        }
        n = still;
    }
    // Every attempt failed.
    for &j in &failed[..n] {
        let j = usize::from(j);
        dur[j] *= node.scale;
    }
}

multiversion! {
    /// A block's first attempts: success where the draw `u` is below `p`, the duration (`+0 +`
    /// the quantile, as `sample_with` sums it) times `scale` where it succeeded; compiled for
    /// AVX-512 or AVX2 where the CPU has them (comparisons, selections and one product: the same
    /// values).
    fn first_outcomes(
        p: f64,
        scale: f64,
        u: &[f64],
        dur: &mut [f64],
        ok: &mut [bool],
        attempts: &mut [u32],
    ) => first_outcomes_any
}

#[inline(always)]
fn first_outcomes_any(
    p: f64,
    scale: f64,
    u: &[f64],
    dur: &mut [f64],
    ok: &mut [bool],
    tries: &mut [u32],
) {
    let len = u.len();
    let (dur, ok, tries) = (&mut dur[..len], &mut ok[..len], &mut tries[..len]);
    for j in 0..len {
        let success = u[j] < p;
        let total = 0.0 + dur[j];
        dur[j] = if success { scale * total } else { total };
        ok[j] = success;
        tries[j] = 1;
    }
}

/// Node `node`'s durations (before risk strikes) in iterations `0..n`: [`sample_node`]'s first
/// value for each, a block at a time where the node is a planned uncorrelated experiment.
pub fn node_durations(
    plan: &Plan,
    copula: &Copula,
    stream: Sampler,
    node: usize,
    n: u64,
) -> Vec<f64> {
    let nd = &plan.nodes()[node];
    let Some(e) = nd
        .experiment
        .as_ref()
        .filter(|_| copula.slot(node).is_none() && first_in_bulk(nd))
    else {
        return (0..n)
            .map(|it| sample_node(plan, copula, stream, node, it).0)
            .collect();
    };
    let mut out = vec![0.0; usize::try_from(n).expect("iterations fit in memory")];
    let (mut u, mut q, mut ok, mut attempts, mut failed) = (
        vec![0.0; BLOCK],
        vec![0.0; BLOCK],
        [false; BLOCK],
        [0u32; BLOCK],
        [0u8; BLOCK],
    );
    for (b, dur) in out.chunks_mut(BLOCK).enumerate() {
        let len = dur.len();
        first_attempts(
            nd,
            e,
            stream,
            (b * BLOCK) as u64,
            &mut u[..len],
            &mut q[..len],
            dur,
            &mut ok[..len],
            &mut attempts[..len],
            &mut failed,
        );
    }
    out
}

/// Two constraint values equal up to rounding (an FF/SF start is `ef - d`, whose finish
/// `start + d` may differ from `ef` in the last bit).
#[inline]
fn binds(constraint: f64, at: f64) -> bool {
    (constraint - at).abs() <= 1e-9 * at.abs().max(1.0)
}

// The backward pass keeps a block's iterations as the bits of a `u128`.
const _: () = assert!(BLOCK <= 128);

multiversion! {
    /// The backward pass over the block's `len` iterations, from milestone node `from` in each
    /// iteration that delivered it: follow every link whose constraint set the node's start or
    /// finish (ties: all of them), counting each node reached once per iteration.
    ///
    /// Every link leads to a node earlier in plan order (a predecessor, the fallback in its chain
    /// that delivered it, or a fallback's experiment), so one sweep from `from` down to the first
    /// node, carrying the set of iterations that reached each node, visits each reached node after
    /// everything that can reach it: the same nodes as a walk per iteration, but each link tested
    /// for all the iterations that reached the node at once, along its columns.
    ///
    /// Compiled for AVX-512 or AVX2 where the CPU has them (the lanes' tests become vector
    /// comparisons packed into masks); the same arithmetic on every path.
    fn mark_critical(
        plan: &Plan,
        s: &mut Scratch,
        len: usize,
        from: usize,
        counts: &mut [u64],
    ) => mark_critical_any
}

#[inline(always)]
fn mark_critical_any(plan: &Plan, s: &mut Scratch, len: usize, from: usize, counts: &mut [u64]) {
    if len == 0 {
        return;
    }
    let delivered = lanes_where(u128::MAX >> (128 - len), len, |j| {
        s.status[from * BLOCK + j] == OK
    });
    s.reached[from] = delivered;
    for x in (0..=from).rev() {
        let lanes = std::mem::take(&mut s.reached[x]);
        if lanes == 0 {
            continue;
        }
        counts[x] += u64::from(lanes.count_ones());
        let xr = x * BLOCK..x * BLOCK + len;
        let (start, finish) = (&s.start[xr.clone()], &s.finish[xr]);
        if let Some(e) = plan.nodes()[x].fallback_of {
            let e = e as usize;
            let fin = &s.finish[e * BLOCK..e * BLOCK + len];
            s.reached[e] |= lanes_where(lanes, len, |j| binds(fin[j], start[j]));
        }
        for l in plan.preds_of(x) {
            let p = l.node as usize;
            let pr = p * BLOCK..p * BLOCK + len;
            // Finish links lead to whoever delivered the predecessor's finish; start links to
            // the predecessor itself.
            let (value, at, finish_link) = match l.kind {
                LinkKind::FS => (&s.resolved[pr.clone()], start, true),
                LinkKind::SS => (&s.start[pr.clone()], start, false),
                LinkKind::FF => (&s.resolved[pr.clone()], finish, true),
                LinkKind::SF => (&s.start[pr.clone()], finish, false),
            };
            let hits = lanes_where(lanes, len, |j| binds(value[j] + l.lag, at[j]));
            if hits == 0 {
                continue;
            }
            if !finish_link {
                s.reached[p] |= hits;
                continue;
            }
            // Where the predecessor itself succeeded it delivered its finish; where it failed,
            // a fallback in its chain did (`resolved_node`).
            let status = &s.status[pr];
            let ok = lanes_where(hits, len, |j| status[j] == OK);
            s.reached[p] |= ok;
            let mut rest = hits & !ok;
            while rest != 0 {
                let j = rest.trailing_zeros() as usize;
                rest &= rest - 1;
                if let Some(q) = resolved_node(plan, s, p, j) {
                    s.reached[q] |= 1 << j;
                }
            }
        }
    }
}

/// The iterations among `lanes` (bits below `len`) for which `test` holds: tested one by one
/// when they are few, else over the whole block (a loop the compiler vectorises) and packed
/// into bits eight at a time.
#[inline(always)]
fn lanes_where(lanes: u128, len: usize, test: impl Fn(usize) -> bool) -> u128 {
    if lanes.count_ones() <= 8 {
        let (mut rest, mut out) = (lanes, 0u128);
        while rest != 0 {
            let j = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            if test(j) {
                out |= 1 << j;
            }
        }
        return out;
    }
    let mut hit = [0u8; BLOCK];
    for (j, h) in hit[..len].iter_mut().enumerate() {
        *h = u8::from(test(j));
    }
    let mut out = 0u128;
    for (k, bytes) in hit.chunks_exact(8).enumerate() {
        // Eight bytes of 0 or 1 to eight bits: byte i lands on bit 56 + i.
        let x = u64::from_le_bytes(bytes.try_into().expect("chunks of 8"));
        out |= u128::from(x.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * k);
    }
    out & lanes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis;
    use crate::pipeline::load_str;

    #[test]
    fn a_normal_far_below_zero_delivers_every_time() {
        // N(-10, 1) truncated to [0, inf): every draw is a finite duration, so the one task and
        // the implicit milestone deliver in every iteration. Its exact mean is
        // -a + φ(a)/Q(a) with a = 10, Q(a) = erfc(a/√2)/2: 0.0980932 (mpmath at 40 digits), and
        // its sd sqrt(1 + a λ - λ²), λ = φ(a)/Q(a): 0.0971873. The finish is the duration (the
        // task starts at 0), so the mean of 20,000 finishes is within 4 standard errors
        // (4 * 0.0971873 / sqrt(20000) = 0.00275) of 0.0980932.
        let plan = load_str(
            "plan.toml",
            "[[task]]\nid = \"t\"\nduration = { dist = \"normal\", mean = -10, sd = 1 }\n",
        )
        .unwrap();
        let n = 20_000;
        let summary = analysis::summarize(&plan, &simulate(&plan, &Config::new(n, 1)));
        let m = &summary.milestones[0];
        assert_eq!(m.delivered.estimate, 1.0);
        let mut last = 0.0;
        for p in &m.percentiles {
            let days = p.days.expect("every percentile is reached");
            assert!(days.is_finite() && days > 0.0 && days >= last, "{p:?}");
            last = days;
        }
        let mean = m.mean.unwrap();
        let se = 0.0971873 / (n as f64).sqrt();
        assert!((mean - 0.0980932).abs() <= 4.0 * se, "mean {mean}");
        // The sample sd's standard error is sd * sqrt((kurtosis - 1) / (4 n)); this distribution
        // is nearly exponential (kurtosis 9, an upper bound here), so 4 SE is 0.00389.
        let se_sd = 0.0971873 * (8.0 / (4.0 * n as f64)).sqrt();
        let sd = m.sd.unwrap();
        assert!((sd - 0.0971873).abs() <= 4.0 * se_sd, "sd {sd}");
    }

    /// The backward pass as a walk per iteration (a stack and a visited set), as it was before
    /// the sweep over the block: the oracle for `mark_critical`.
    fn walk_critical(plan: &Plan, s: &Scratch, j: usize, from: usize, counts: &mut [u64]) {
        let mut seen = vec![false; plan.nodes().len()];
        let mut stack = vec![from];
        while let Some(x) = stack.pop() {
            if std::mem::replace(&mut seen[x], true) {
                continue;
            }
            counts[x] += 1;
            let k = x * BLOCK + j;
            let (start, finish) = (s.start[k], s.finish[k]);
            if let Some(e) = plan.nodes()[x].fallback_of
                && binds(s.finish[e as usize * BLOCK + j], start)
            {
                stack.push(e as usize);
            }
            for l in plan.preds_of(x) {
                let p = l.node as usize;
                let (value, at, via) = match l.kind {
                    LinkKind::FS => (
                        resolved_finish(s, p, j),
                        start,
                        resolved_node(plan, s, p, j),
                    ),
                    LinkKind::SS => (own_start(s, p, j), start, Some(p)),
                    LinkKind::FF => (
                        resolved_finish(s, p, j),
                        finish,
                        resolved_node(plan, s, p, j),
                    ),
                    LinkKind::SF => (own_start(s, p, j), finish, Some(p)),
                };
                if let Some(q) = via
                    && binds(value + l.lag, at)
                {
                    stack.push(q);
                }
            }
        }
    }

    /// The sweep counts what a walk per iteration counts, node by node, on a plan with every
    /// link kind, lags, ties (equal durations in parallel), experiments with a fallback chain
    /// and two milestones, over a full block and a short one.
    #[test]
    fn the_sweep_reaches_what_a_walk_per_iteration_reaches() {
        let plan = load_str(
            "plan.toml",
            r#"
[[task]]
id = "a"
duration = [2, 4, 9]
[[task]]
id = "b"
duration = 3
[[task]]
id = "c"
duration = 3
[[task]]
id = "x"
duration = [1, 3, 6]
after = ["a", "b", "c"]
success = 0.5
fallback = "y"
[[task]]
id = "y"
duration = [2, 3, 5]
after = ["b"]
success = 0.5
fallback = "z"
[[task]]
id = "z"
duration = 4
[[task]]
id = "s"
duration = [1, 2, 3]
after = [{ task = "a", type = "SS", lag = 1 }, { task = "x", type = "SF" }]
[[task]]
id = "f"
duration = [1, 2, 4]
after = [{ task = "x", type = "FF", lag = 0.5 }, "c"]
[[milestone]]
id = "m1"
after = ["x", "s"]
[[milestone]]
id = "m2"
after = ["f", "s", "b"]
"#,
        )
        .unwrap();
        // 300 iterations: full blocks (most nodes reached in many iterations, tested along
        // columns) and a short one; 6: every node reached in a few, tested one by one.
        for iterations in [300u64, 6] {
            let config = Config::new(iterations, 9);
            let out = simulate_with(
                &plan,
                &config,
                &Probes {
                    criticality: true,
                    trace: Vec::new(),
                },
            );
            let n = plan.nodes().len();
            let mut expected = vec![0u64; plan.milestones().len() * n];
            let (streams, risk_streams) = streams(&plan, &config);
            let copula = Copula::new(&plan, &config);
            let probes = Probes::default();
            let env = Env {
                plan: &plan,
                streams: &streams,
                risk_streams: &risk_streams,
                copula: &copula,
                probes: &probes,
                stride: plan.milestones().len(),
                costs: false,
                once: false,
            };
            let mut s = Scratch::new(n, plan.risks().len(), &copula);
            let mut nodes = vec![NodeCounts::default(); n];
            for first in (0..iterations).step_by(BLOCK) {
                let len = BLOCK.min((iterations - first) as usize);
                let mut fired = vec![0; plan.risks().len()];
                fill_risks(&env, first, len, &mut s, &mut fired);
                pass(&env, first, len, &mut s, &mut nodes);
                for (m, ms) in plan.milestones().iter().enumerate() {
                    for j in 0..len {
                        if s.status[ms.node as usize * BLOCK + j] == OK {
                            walk_critical(
                                &plan,
                                &s,
                                j,
                                ms.node as usize,
                                &mut expected[m * n..(m + 1) * n],
                            );
                        }
                    }
                }
            }
            assert_eq!(out.critical, expected, "{iterations} iterations");
            // Not vacuous: the parallel tasks tie, so both are reached in some iterations, and
            // each milestone reaches some node in every delivered iteration.
            assert!(expected.iter().filter(|&&c| c > 0).count() > n);
        }
    }

    #[test]
    fn the_backward_pass_follows_a_start_link_to_a_failed_experiment() {
        // a (2 days) -> x, an experiment that always fails (no fallback); y waits for x's start
        // (SS + 1), and the milestone m for y. y starts at 3 in every iteration, so m delivers at
        // 5 every time, and its critical path is m <- y <- x (y's start is x's start + 1) <- a
        // (x starts when a finishes): all four are critical in every iteration.
        let plan = load_str(
            "plan.toml",
            "[[task]]\nid = \"a\"\nduration = 2\n\
             [[task]]\nid = \"x\"\nafter = [\"a\"]\nduration = 5\nsuccess = 0.0\n\
             [[task]]\nid = \"y\"\nafter = [{ task = \"x\", type = \"SS\", lag = 1 }]\nduration = 2\n\
             [[milestone]]\nid = \"m\"\nafter = [\"y\"]\n",
        )
        .unwrap();
        let n = 300; // more than one block
        let probes = Probes {
            trace: vec![],
            criticality: true,
        };
        let out = simulate_with(&plan, &Config::new(n, 3), &probes);
        assert!(out.milestone_column(0).iter().all(|&t| t == 5.0));
        let x = plan.nodes().iter().position(|nd| nd.id == "x").unwrap();
        assert_eq!(out.nodes[x].succeeded, 0);
        assert_eq!(out.critical, vec![n; plan.nodes().len()]);
    }

    /// A block's first attempts at once (the engine and the drivers) give `sample_node`'s
    /// draws bit for bit: experiments with one or several attempts, a retry distribution, PERT
    /// and uniform durations, each sampling, over more than one block and a partial last one;
    /// and nodes off that path (started, correlated) are drawn one by one as before.
    #[test]
    fn first_attempts_at_once_are_sample_node() {
        let plan = load_str(
            "plan.toml",
            "[project]\nname = \"x\"\nstart = \"2027-01-04\"\nstatus_date = \"2027-01-11\"\n\
             [[task]]\nid = \"a\"\nduration = [2, 3, 9]\nsuccess = 0.6\nattempts = 3\nretry_duration = [1, 2, 4]\n\
             [[task]]\nid = \"b\"\nduration = [1, 4, 5]\nsuccess = 0.3\n\
             [[task]]\nid = \"c\"\nduration = { dist = \"uniform\", min = 2, max = 7 }\nsuccess = 0.5\nattempts = 2\n\
             [[task]]\nid = \"d\"\nduration = [2, 3, 5]\nsuccess = 0.5\nattempts = 2\nstarted = \"2027-01-05\"\nprogress = 0.4\n\
             [[task]]\nid = \"e\"\nduration = [2, 3, 5]\nsuccess = 0.5\n\
             [[task]]\nid = \"f\"\nduration = [1, 2, 3]\n\
             [[correlation]]\ntasks = [\"e\", \"f\"]\ncoefficient = 0.5\n",
        )
        .unwrap();
        for sampling in [Sampling::MonteCarlo, Sampling::LatinHypercube] {
            let config = Config {
                iterations: 1000,
                seed: 5,
                sampling,
            };
            let copula = Copula::new(&plan, &config);
            for (i, node) in plan.nodes().iter().enumerate() {
                let stream = config.sampler(node.key);
                let got = node_durations(&plan, &copula, stream, i, config.iterations);
                for (it, g) in got.iter().enumerate() {
                    let want = sample_node(&plan, &copula, stream, i, it as u64).0;
                    assert_eq!(g.to_bits(), want.to_bits(), "{} {sampling:?} {it}", node.id);
                }
            }
            // The engine's blocks: the same finishes as one iteration at a time would give
            // (each task alone before the milestone, so its finish is its duration after the
            // status date's shift, compared through the traced columns).
            let trace: Vec<u32> = (0..plan.nodes().len() as u32)
                .filter(|&i| !plan.nodes()[i as usize].is_milestone)
                .collect();
            let probes = Probes {
                trace: trace.clone(),
                criticality: false,
            };
            let out = simulate_with(&plan, &config, &probes);
            for (t, &i) in trace.iter().enumerate() {
                let node = &plan.nodes()[i as usize];
                if !copula.slot(i as usize).is_none() || !first_in_bulk(node) {
                    continue;
                }
                let (starts, finishes) = out.trace_columns(t);
                let stream = config.sampler(node.key);
                let (mut succeeded, mut attempts) = (0, 0);
                for (it, (s, f)) in starts.iter().zip(&finishes).enumerate() {
                    let (d, ok, n) = sample_node(&plan, &copula, stream, i as usize, it as u64);
                    assert_eq!(
                        (f - s).to_bits(),
                        ((s + d) - s).to_bits(),
                        "{} {it}",
                        node.id
                    );
                    succeeded += u64::from(ok);
                    attempts += u64::from(n);
                }
                let counts = &out.nodes[i as usize];
                assert_eq!((counts.succeeded, counts.attempts), (succeeded, attempts));
            }
        }
    }
}
