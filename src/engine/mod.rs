//! The Monte Carlo core: samples many possible schedules of a [`Plan`] in parallel.
//!
//! [`simulate`] is a pure function of the plan, the seed and the iteration count. Iterations are
//! cut into fixed blocks of [`BLOCK`]; rayon hands blocks to threads, and each block writes its
//! milestone finishes into its own slice of the output and returns its own counters, which are
//! added up in block order. Inside a block the forward pass goes node by node (task-major), so one
//! task's sampler and its predecessors' columns stay in cache for the whole block.
//!
//! Memory: the output is `iterations x milestones` finishes; each thread's scratch is
//! `BLOCK x nodes` starts and finishes, whatever the iteration count.

pub mod rng;

use rayon::prelude::*;

use crate::model::{LinkKind, Plan};
use rng::Stream;

/// Iterations per block. A block is the unit of parallel work, and its scratch (`BLOCK x nodes`
/// x 17 bytes) stays in L2 for plans of a few hundred tasks.
pub const BLOCK: usize = 256;

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
    pub iterations: u64,
    pub seed: u64,
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
    pub iterations: u64,
    pub seed: u64,
    /// Milestone finishes in working days, iteration-major: `finish[i * milestones + m]`.
    /// `f64::INFINITY` where the milestone was not delivered in that iteration.
    pub finish: Vec<f64>,
    pub milestones: usize,
    /// One per node of the plan, in plan order.
    pub nodes: Vec<NodeCounts>,
    /// How many iterations each risk occurred in.
    pub risks_fired: Vec<u64>,
}

impl Outcomes {
    /// The finishes of milestone `m`, in iteration order.
    pub fn milestone_column(&self, m: usize) -> Vec<f64> {
        self.finish
            .iter()
            .skip(m)
            .step_by(self.milestones)
            .copied()
            .collect()
    }
}

/// Simulates `config.iterations` schedules of `plan` on the current rayon pool.
pub fn simulate(plan: &Plan, config: &Config) -> Outcomes {
    let n_ms = plan.milestones.len();
    let n = plan.nodes.len();
    let iterations = usize::try_from(config.iterations).expect("iterations fit in memory");
    let streams: Vec<Stream> = plan
        .nodes
        .iter()
        .map(|nd| Stream::new(config.seed, nd.key))
        .collect();
    let risk_streams: Vec<Stream> = plan
        .risks
        .iter()
        .map(|r| Stream::new(config.seed, r.key))
        .collect();
    assert!(n_ms > 0, "a validated plan has at least one milestone");
    let mut finish = vec![f64::INFINITY; iterations * n_ms];
    let chunk = BLOCK * n_ms;
    let counts: Vec<(Vec<NodeCounts>, Vec<u64>)> = finish
        .par_chunks_mut(chunk)
        .enumerate()
        .map_init(
            || Scratch::new(n, plan.risks.len()),
            |scratch, (b, out)| {
                let first = (b * BLOCK) as u64;
                run_block(
                    plan,
                    &streams,
                    &risk_streams,
                    first,
                    out.len() / n_ms,
                    scratch,
                    out,
                )
            },
        )
        .collect();
    let mut nodes = vec![NodeCounts::default(); n];
    let mut risks_fired = vec![0u64; plan.risks.len()];
    for (c, r) in counts {
        for (acc, x) in nodes.iter_mut().zip(c) {
            acc.ran += x.ran;
            acc.succeeded += x.succeeded;
            acc.attempts += x.attempts;
        }
        for (acc, x) in risks_fired.iter_mut().zip(r) {
            *acc += x;
        }
    }
    Outcomes {
        iterations: config.iterations,
        seed: config.seed,
        finish,
        milestones: n_ms,
        nodes,
        risks_fired,
    }
}

/// One thread's working columns, node-major: `start[node * BLOCK + j]`.
struct Scratch {
    start: Vec<f64>,
    finish: Vec<f64>,
    status: Vec<u8>,
    risk_delay: Vec<f64>,
}

impl Scratch {
    fn new(nodes: usize, risks: usize) -> Scratch {
        Scratch {
            start: vec![0.0; nodes * BLOCK],
            finish: vec![0.0; nodes * BLOCK],
            status: vec![OK; nodes * BLOCK],
            risk_delay: vec![0.0; risks * BLOCK],
        }
    }
}

/// The finish that successors of node `p` see in column slot `j`: its own when it succeeded, its
/// fallback chain's when it failed, never (infinity) when it was not delivered.
#[inline]
fn resolved_finish(plan: &Plan, s: &Scratch, mut p: usize, j: usize) -> f64 {
    loop {
        let k = p * BLOCK + j;
        match s.status[k] {
            OK => return s.finish[k],
            FAILED => match plan.nodes[p].experiment.as_ref().and_then(|e| e.fallback) {
                Some(f) => p = f as usize,
                None => return f64::INFINITY,
            },
            _ => return f64::INFINITY,
        }
    }
}

fn run_block(
    plan: &Plan,
    streams: &[Stream],
    risk_streams: &[Stream],
    first: u64,
    len: usize,
    s: &mut Scratch,
    out: &mut [f64],
) -> (Vec<NodeCounts>, Vec<u64>) {
    let mut fired = vec![0u64; plan.risks.len()];
    for (r, risk) in plan.risks.iter().enumerate() {
        for j in 0..len {
            let it = risk_streams[r].at(first + j as u64);
            let delay = if it.uniform(0) < risk.probability {
                fired[r] += 1;
                risk.delay.quantile(it.uniform(1))
            } else {
                0.0
            };
            s.risk_delay[r * BLOCK + j] = delay;
        }
    }
    let mut counts = vec![NodeCounts::default(); plan.nodes.len()];
    for (i, node) in plan.nodes.iter().enumerate() {
        let preds = plan.preds_of(i);
        let risks = plan.risks_of(i);
        let stream = streams[i];
        let c = &mut counts[i];
        for j in 0..len {
            let k = i * BLOCK + j;
            // Earliest start from start constraints, earliest finish from finish constraints.
            let (mut es, mut ef) = (0.0f64, 0.0f64);
            for l in preds {
                let p = l.node as usize;
                match l.kind {
                    LinkKind::FS => es = es.max(resolved_finish(plan, s, p, j) + l.lag),
                    LinkKind::SS => es = es.max(own_start(plan, s, p, j) + l.lag),
                    LinkKind::FF => ef = ef.max(resolved_finish(plan, s, p, j) + l.lag),
                    LinkKind::SF => ef = ef.max(own_start(plan, s, p, j) + l.lag),
                }
            }
            if let Some(e) = node.fallback_of {
                let ek = e as usize * BLOCK + j;
                match s.status[ek] {
                    FAILED => es = es.max(s.finish[ek]),
                    OK => {
                        s.status[k] = SKIPPED;
                        continue;
                    }
                    _ => es = f64::INFINITY,
                }
            }
            if es == f64::INFINITY || ef == f64::INFINITY {
                s.status[k] = BLOCKED;
                s.start[k] = f64::INFINITY;
                s.finish[k] = f64::INFINITY;
                continue;
            }
            let it = stream.at(first + j as u64);
            let (mut dur, ok, attempts) = match &node.experiment {
                None => (node.duration.quantile(it.uniform(0)), true, 1),
                Some(e) => {
                    let (mut total, mut ok, mut n) = (0.0, false, 0u32);
                    for (a, &p) in e.success.iter().enumerate() {
                        let d = if a == 0 {
                            &node.duration
                        } else {
                            e.retry.as_ref().unwrap_or(&node.duration)
                        };
                        total += d.quantile(it.uniform(2 * a as u32));
                        n += 1;
                        if it.uniform(2 * a as u32 + 1) < p {
                            ok = true;
                            break;
                        }
                    }
                    (total, ok, n)
                }
            };
            for &r in risks {
                dur += s.risk_delay[r as usize * BLOCK + j];
            }
            let start = es.max(ef - dur);
            s.start[k] = start;
            s.finish[k] = start + dur;
            s.status[k] = if ok { OK } else { FAILED };
            c.ran += 1;
            c.succeeded += u64::from(ok);
            c.attempts += u64::from(attempts);
        }
    }
    let n_ms = plan.milestones.len();
    for (m, ms) in plan.milestones.iter().enumerate() {
        for j in 0..len {
            out[j * n_ms + m] = resolved_finish(plan, s, ms.node as usize, j);
        }
    }
    (counts, fired)
}

/// A node's own start (an experiment's first attempt), or never when it was not delivered: it did
/// not run, or it failed and no fallback in its chain delivered.
#[inline]
fn own_start(plan: &Plan, s: &Scratch, p: usize, j: usize) -> f64 {
    let k = p * BLOCK + j;
    match s.status[k] {
        OK => s.start[k],
        FAILED if resolved_finish(plan, s, p, j).is_finite() => s.start[k],
        _ => f64::INFINITY,
    }
}
