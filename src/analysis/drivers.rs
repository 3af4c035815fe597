//! What drives the risk: which tasks, experiments and risks move a milestone most.
//!
//! Three measures, each answering a different question:
//! - **Sensitivity**: Spearman's rank correlation between what a task (or risk) drew and the
//!   milestone's finish. Durations are monotone functions of the uniform that drove them, so for a
//!   plain task with a continuous distribution the uniform itself stands in for the duration's
//!   rank (`rank / n` tends to `u`); experiments (whose duration depends on how many attempts
//!   they took), resampled histories (ties) and risks are ranked exactly. The draws are
//!   recomputed from the counter-based streams, a few drivers at a time per thread: nothing per
//!   iteration and task is kept for the whole plan.
//! - **Criticality**: the share of delivered iterations in which the task is on the milestone's
//!   critical path (the engine's backward pass).
//! - **What if it resolved**: for an experiment, the milestone's P80 if it always succeeded at the
//!   first attempt; for a risk, if it never occurred. This reruns the simulation with that one
//!   change and the same seed over the run's first [`WHAT_IF_ITERATIONS`] iterations, and compares
//!   with the base on those same iterations: common random numbers make the difference exact for
//!   them, not a regression estimate. It is still an estimate of the P80 gain of the plan, with a
//!   Monte Carlo error: [`WhatIf::p80_gain_low`] and [`WhatIf::p80_gain_high`] bound it (see
//!   [`gain_interval`]). The rerun is [`engine::what_ifs`]: the same values as simulating the
//!   changed plan, at the cost of rescheduling only what the change moves.

use rayon::prelude::*;

use statrs::distribution::{ContinuousCDF, StudentsT};

use super::streamed::MilestoneColumns;
use crate::engine::{self, Change, Config, Copula, Outcomes};
use crate::model::Plan;

/// Experiments and risks whose "what if" is computed: the most influential ones, since each costs
/// a schedule pass over what it moves (a full simulation with resources, `once` risks or
/// correlation groups).
pub const WHAT_IF_LIMIT: usize = 10;

/// Iterations a "what if" rerun covers at most: the first ones of the run.
pub const WHAT_IF_ITERATIONS: u64 = 20_000;

/// Sections the "what if" runs are cut into for the interval of the P80 gain.
pub const WHAT_IF_SECTIONS: usize = 20;

/// The fewest runs a section holds: a shorter "what if" is cut into fewer sections, and with
/// fewer than [`MIN_SECTIONS`] its gain has no interval.
pub const MIN_SECTION_RUNS: usize = 100;

/// The fewest sections an interval is computed from.
pub const MIN_SECTIONS: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriverKind {
    Task,
    Experiment,
    Risk,
    /// A shared resource: its what-if is the run with that resource unlimited.
    Resource,
}

/// A milestone's P80 and delivery chance with one experiment or risk resolved.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WhatIf {
    /// P80 in working days with the change; None when still not reached.
    pub p80: Option<f64>,
    /// How many working days sooner P80 is (base minus changed); None when either is not reached.
    pub p80_gain: Option<f64>,
    /// The 95% interval of `p80_gain` (see [`gain_interval`]); None when the gain has none: it
    /// is None itself, the run is too short to cut into sections, or P80 is not reached in some
    /// section (the interval is then unbounded).
    pub p80_gain_low: Option<f64>,
    pub p80_gain_high: Option<f64>,
    /// P(delivered) with the change.
    pub delivered: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Driver {
    pub kind: DriverKind,
    /// A node index for tasks and experiments, a risk index for risks.
    pub index: usize,
    /// Spearman's rank correlation with the milestone's finish; None when the draw never varies.
    pub sensitivity: Option<f64>,
    /// Share of delivered iterations on the critical path (tasks and experiments).
    pub criticality: Option<f64>,
    pub what_if: Option<WhatIf>,
}

impl DriverKind {
    /// The kind as reports name it.
    pub fn as_str(self) -> &'static str {
        match self {
            DriverKind::Task => "task",
            DriverKind::Experiment => "experiment",
            DriverKind::Risk => "risk",
            DriverKind::Resource => "resource",
        }
    }
}

impl Driver {
    /// The id and name of the task or risk this driver is.
    pub fn subject<'p>(&self, plan: &'p Plan) -> (&'p str, &'p str) {
        match self.kind {
            DriverKind::Risk => (&plan.risks()[self.index].id, &plan.risks()[self.index].name),
            DriverKind::Resource => (
                &plan.resources()[self.index].id,
                &plan.resources()[self.index].name,
            ),
            _ => (&plan.nodes()[self.index].id, &plan.nodes()[self.index].name),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct MilestoneDrivers {
    pub milestone: usize,
    /// Ranked: largest |sensitivity| first, then criticality.
    pub drivers: Vec<Driver>,
}

/// Mid-ranks scaled to (0, 1): tied values share the mean of their ranks.
pub fn mid_ranks(x: &[f64]) -> Vec<f64> {
    /// A column's values with their positions, and the buckets' counts.
    type Buffers = (Vec<(f64, u32)>, Vec<u32>);
    thread_local! {
        // The sort's buffers, kept for the thread's next column (a driver's run is ranked a
        // task at a time on each thread).
        static BUFFERS: std::cell::RefCell<Buffers> = Default::default();
    }
    let mut ranks = vec![0.0; x.len()];
    BUFFERS.with_borrow_mut(|(order, counts)| {
        mid_ranks_into(x, &mut ranks, order, counts);
        // A very long column's buffers are not kept for the rest of the process.
        if order.capacity() > HELD {
            *order = Vec::new();
            *counts = Vec::new();
        }
    });
    ranks
}

/// [`mid_ranks`] into `ranks` (as long as `x`), with buffers kept between calls.
///
/// Finite values are sorted by distributing them into about `n / 2` buckets by value (a
/// monotone map: `(v - min) * scale`, rounded down, never orders two values the wrong way
/// round) and sorting each bucket: two passes over the data, against eight for a radix sort by
/// the value's bits. Any correct sort gives the same ranks: equal values (`==`) are next to
/// each other in every ascending order and share their mean rank.
fn mid_ranks_into(
    x: &[f64],
    ranks: &mut [f64],
    order: &mut Vec<(f64, u32)>,
    counts: &mut Vec<u32>,
) {
    let n = x.len();
    let (lo, hi) = x
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let buckets = (n / 2).next_power_of_two();
    let scale = buckets as f64 / (hi - lo);
    order.clear();
    // Also when some value is not finite (min and max then are not both finite, or the
    // scale is not), when all are equal (an infinite scale) and for short columns.
    if n < 64
        || !(lo.is_finite() && hi.is_finite() && scale.is_finite())
        || x.iter().any(|v| v.is_nan())
    {
        order.extend(x.iter().zip(0u32..).map(|(&v, i)| (v, i)));
        // A radix sort by value (the order of `f64::total_cmp`).
        radsort::sort_by_key(order, |a| a.0);
    } else {
        let bucket = |v: f64| (((v - lo) * scale) as usize).min(buckets - 1);
        counts.clear();
        counts.resize(buckets + 1, 0);
        for &v in x {
            counts[bucket(v) + 1] += 1;
        }
        for b in 0..buckets {
            counts[b + 1] += counts[b];
        }
        order.resize(n, (0.0, 0));
        for (&v, i) in x.iter().zip(0u32..) {
            let at = &mut counts[bucket(v)];
            order[*at as usize] = (v, i);
            *at += 1;
        }
        // Bucket b now ends at counts[b] (and starts where b - 1 ends).
        let mut start = 0;
        for &end in &counts[..buckets] {
            let end = end as usize;
            if end - start > 1 {
                order[start..end].sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
            }
            start = end;
        }
    }
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && order[j + 1].0 == order[i].0 {
            j += 1;
        }
        // Ranks i+1 ..= j+1 (1-based) share their mean, scaled by n.
        let r = ((i + j) as f64 / 2.0 + 0.5) / n as f64;
        for &(_, o) in &order[i..=j] {
            ranks[o as usize] = r;
        }
        i = j + 1;
    }
}

/// Pearson's correlation, summed in index order; None when either side has no variance.
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len() as f64;
    pearson_with_mean(x, y, y.iter().sum::<f64>() / n)
}

/// [`pearson`] with the mean of `y` (`y.iter().sum() / n`) already computed: the drivers
/// correlate every task with the same milestone ranks.
fn pearson_with_mean(x: &[f64], y: &[f64], my: f64) -> Option<f64> {
    let n = x.len() as f64;
    let mx = x.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

/// What a driver drew in each iteration: uniforms, which already are ranks and are computed
/// from the counter-based streams when needed (nothing per iteration is stored), or values to
/// rank.
enum Draws<'a> {
    /// An uncorrelated task's own draw 0.
    Stream(engine::Sampler),
    /// A correlated task's uniform.
    Uniforms(Box<dyn Fn(u64) -> f64 + Sync + 'a>),
    Values(Vec<f64>),
    Constant,
}

/// Iterations of a driver's draws held at once: up to this many, each draw is computed once per
/// driver and [`SIDE_BY_SIDE`] drivers are summed together; a longer run (a merge of many
/// shards) computes them again for each pass, a chunk at a time, one driver at a time, so
/// memory stays flat.
const HELD: usize = 1 << 20;
const CHUNK: usize = 1 << 12;

/// Drivers whose sums run side by side: each keeps its own sums in iteration order (the same
/// values as one at a time), but independent chains of additions keep the CPU's adders busy.
const SIDE_BY_SIDE: usize = 4;

impl Draws<'_> {
    /// The draws of iterations `from..from + out.len()` into `out` (zeros for a constant).
    fn fill(&self, from: usize, out: &mut [f64]) {
        match self {
            Draws::Stream(stream) => stream.fill_first(from as u64, out),
            Draws::Uniforms(u) => {
                for (k, x) in out.iter_mut().enumerate() {
                    *x = u((from + k) as u64);
                }
            }
            Draws::Values(v) => out.copy_from_slice(&v[from..from + out.len()]),
            Draws::Constant => out.fill(0.0),
        }
    }
}

/// A milestone's finish ranks as its drivers read them: the ranks, their sum of squared
/// deviations from their mean (the same for every driver, so summed once), and, for a run short
/// enough to hold them, the deviations themselves (one division per iteration saved for every
/// driver).
struct RankMoments<'r> {
    ranks: &'r FinishRanks,
    syy: f64,
    dy: Option<Vec<f64>>,
}

impl<'r> RankMoments<'r> {
    fn of(ranks: &'r FinishRanks, hold: bool) -> Self {
        let n = ranks.sums.len() as f64;
        let deviation = |k: usize| ranks.rank(k, n) - ranks.mean;
        let dy: Option<Vec<f64>> = hold.then(|| (0..ranks.sums.len()).map(deviation).collect());
        let mut syy = 0.0;
        match &dy {
            Some(dy) => dy.iter().for_each(|d| syy += d * d),
            None => (0..ranks.sums.len()).for_each(|k| syy += deviation(k) * deviation(k)),
        }
        RankMoments { ranks, syy, dy }
    }

    /// Every milestone's, holding the deviations while they take at most [`HELD`] values in all.
    fn all(ranks: &'r [FinishRanks]) -> Vec<Self> {
        let total: usize = ranks.iter().map(|r| r.sums.len()).sum();
        ranks.iter().map(|r| Self::of(r, total <= HELD)).collect()
    }
}

/// Spearman's correlation of each driver's draws (ranked) with each milestone's finish ranks:
/// [`pearson`] of the two, with the same arithmetic in the same order as on two vectors (each
/// sum in iteration order), but every draw computed once, each milestone's own sums once, and up
/// to [`SIDE_BY_SIDE`] drivers summed together. One row per driver, one value per milestone.
fn sensitivities(
    group: &[Draws],
    milestones: &[RankMoments],
    bufs: &mut [Vec<f64>; SIDE_BY_SIDE],
) -> Vec<Vec<Option<f64>>> {
    let Some(len) = milestones.first().map(|m| m.ranks.sums.len()) else {
        return vec![vec![]; group.len()];
    };
    if len > HELD {
        return group
            .iter()
            .map(|d| long_sensitivities(d, milestones, &mut bufs[0]))
            .collect();
    }
    debug_assert!(group.len() <= SIDE_BY_SIDE);
    let n = len as f64;
    for (t, buf) in bufs.iter_mut().enumerate() {
        buf.clear();
        buf.resize(len, 0.0);
        if let Some(d) = group.get(t) {
            d.fill(0, buf);
        }
    }
    let x: [&[f64]; SIDE_BY_SIDE] = std::array::from_fn(|t| &bufs[t][..len]);
    let mx = plain_sums(&x).map(|s| s / n);
    let mut sxx = [0.0; SIDE_BY_SIDE];
    let mut rows = vec![Vec::with_capacity(milestones.len()); group.len()];
    for (m, rm) in milestones.iter().enumerate() {
        let (ranks, my) = (rm.ranks, rm.ranks.mean);
        let mut sxy = [0.0; SIDE_BY_SIDE];
        // The squares once, with the first milestone.
        match (&rm.dy, m == 0) {
            (Some(dy), true) => deviation_sums::<true>(&x, &mx, |k| dy[k], &mut sxy, &mut sxx),
            (Some(dy), false) => deviation_sums::<false>(&x, &mx, |k| dy[k], &mut sxy, &mut sxx),
            (None, true) => {
                deviation_sums::<true>(&x, &mx, |k| ranks.rank(k, n) - my, &mut sxy, &mut sxx)
            }
            (None, false) => {
                deviation_sums::<false>(&x, &mx, |k| ranks.rank(k, n) - my, &mut sxy, &mut sxx)
            }
        }
        for (t, row) in rows.iter_mut().enumerate() {
            let constant = matches!(group[t], Draws::Constant);
            row.push(
                (!constant && sxx[t] > 0.0 && rm.syy > 0.0)
                    .then(|| sxy[t] / (sxx[t] * rm.syy).sqrt()),
            );
        }
    }
    rows
}

/// Each driver's sum in iteration order, the drivers side by side (in registers: see
/// [`deviation_sums`]).
#[inline(never)]
fn plain_sums(x: &[&[f64]; SIDE_BY_SIDE]) -> [f64; SIDE_BY_SIDE] {
    let len = x[0].len();
    let [x0, x1, x2, x3] = [&x[0][..len], &x[1][..len], &x[2][..len], &x[3][..len]];
    let (mut s0, mut s1, mut s2, mut s3) = (0.0, 0.0, 0.0, 0.0);
    for k in 0..len {
        s0 += x0[k];
        s1 += x1[k];
        s2 += x2[k];
        s3 += x3[k];
    }
    [s0, s1, s2, s3]
}

/// For each driver t and iteration k (in order): `sxy[t] += dx * dy(k)` and, with `SXX`,
/// `sxx[t] += dx * dx`, where `dx = x[t][k] - mx[t]`: [`pearson`]'s sums, side by side, in
/// registers (a function of its own: inlined into [`sensitivities`], the sums were kept on
/// the stack and read and written back every iteration).
#[inline(never)]
fn deviation_sums<const SXX: bool>(
    x: &[&[f64]; SIDE_BY_SIDE],
    mx: &[f64; SIDE_BY_SIDE],
    dy: impl Fn(usize) -> f64,
    sxy: &mut [f64; SIDE_BY_SIDE],
    sxx: &mut [f64; SIDE_BY_SIDE],
) {
    const _: () = assert!(SIDE_BY_SIDE == 4, "four drivers' sums, one variable each");
    let len = x[0].len();
    let [x0, x1, x2, x3] = [&x[0][..len], &x[1][..len], &x[2][..len], &x[3][..len]];
    let [m0, m1, m2, m3] = *mx;
    let [mut a0, mut a1, mut a2, mut a3] = *sxy;
    let [mut b0, mut b1, mut b2, mut b3] = *sxx;
    for k in 0..len {
        let d = dy(k);
        let (d0, d1, d2, d3) = (x0[k] - m0, x1[k] - m1, x2[k] - m2, x3[k] - m3);
        a0 += d0 * d;
        a1 += d1 * d;
        a2 += d2 * d;
        a3 += d3 * d;
        if SXX {
            b0 += d0 * d0;
            b1 += d1 * d1;
            b2 += d2 * d2;
            b3 += d3 * d3;
        }
    }
    *sxy = [a0, a1, a2, a3];
    *sxx = [b0, b1, b2, b3];
}

/// [`sensitivities`] of one driver over a run too long to hold its draws: recomputed a chunk at
/// a time for each pass.
fn long_sensitivities(
    draws: &Draws,
    milestones: &[RankMoments],
    buf: &mut Vec<f64>,
) -> Vec<Option<f64>> {
    if matches!(draws, Draws::Constant) {
        return vec![None; milestones.len()];
    }
    let len = milestones.first().map_or(0, |m| m.ranks.sums.len());
    let n = len as f64;
    let mut walk = |f: &mut dyn FnMut(usize, &[f64])| {
        buf.resize(CHUNK, 0.0);
        for from in (0..len).step_by(CHUNK) {
            let chunk = &mut buf[..CHUNK.min(len - from)];
            draws.fill(from, chunk);
            f(from, chunk);
        }
    };
    let mut sx = 0.0;
    walk(&mut |_, xs| xs.iter().for_each(|x| sx += x));
    let mx = sx / n;
    let mut sxx = 0.0;
    milestones
        .iter()
        .enumerate()
        .map(|(m, rm)| {
            let (ranks, my) = (rm.ranks, rm.ranks.mean);
            let mut sxy = 0.0;
            walk(&mut |from, xs| {
                for (k, &x) in xs.iter().enumerate() {
                    let (dx, dy) = (x - mx, ranks.rank(from + k, n) - my);
                    sxy += dx * dy;
                    if m == 0 {
                        sxx += dx * dx;
                    }
                }
            });
            (sxx > 0.0 && rm.syy > 0.0).then(|| sxy / (sxx * rm.syy).sqrt())
        })
        .collect()
}

/// A milestone's finish ranks in iteration order, stored as `start + end` of each finish's
/// tie group (0-based positions in ascending order): its mid-rank is
/// `((start + end) / 2 + 0.5) / n`, as [`mid_ranks`] computes it. 4 bytes per iteration.
pub struct FinishRanks {
    pub sums: Vec<u32>,
    /// The iterations that delivered the milestone (finite finishes).
    pub delivered: u64,
    /// The mean of the ranks, summed in iteration order (once per milestone, not per driver).
    mean: f64,
}

impl FinishRanks {
    /// The ranks of a column streamed in ascending order (ties in any order), with each
    /// value's iteration in `0..n`.
    pub fn of(cols: &dyn MilestoneColumns) -> FinishRanks {
        let n = cols.iterations() as usize;
        let mut sums = vec![0u32; n];
        // Two walks in step: the one ahead finds where each tie group ends.
        let mut ahead = cols.sorted().peekable();
        let mut behind = cols.sorted();
        let mut pos = 0usize;
        let mut delivered = 0u64;
        while let Some((x, _)) = ahead.next() {
            let mut end = pos;
            while ahead.peek().is_some_and(|(y, _)| *y == x) {
                ahead.next();
                end += 1;
            }
            for _ in pos..=end {
                if let Some((_, i)) = behind.next()
                    && let Some(slot) = sums.get_mut(i as usize)
                {
                    *slot = (pos + end) as u32;
                }
            }
            if x.is_finite() {
                delivered += (end + 1 - pos) as u64;
            }
            pos = end + 1;
        }
        let len = sums.len();
        let n = len as f64;
        let mut sy = 0.0;
        for &sum in &sums {
            sy += (f64::from(sum) / 2.0 + 0.5) / n;
        }
        FinishRanks {
            sums,
            delivered,
            mean: sy / n,
        }
    }

    fn rank(&self, k: usize, n: f64) -> f64 {
        (f64::from(self.sums[k]) / 2.0 + 0.5) / n
    }
}

/// What task `i` drew in each iteration: with a `[[correlation]]` group, the correlated
/// uniform that drove its duration, not its stream's own (whose ranks would be another task's
/// draw mixed in).
fn task_draws<'a>(plan: &'a Plan, i: usize, config: &Config, copula: &'a Copula) -> Draws<'a> {
    let node = &plan.nodes()[i];
    let stream = config.sampler(node.key);
    let n = config.iterations;
    if node.experiment.is_none() {
        if node.duration.is_continuous() && copula.slot(i).is_none() {
            // Uncorrelated: the stream's own draw 0, with no copula lookup.
            return Draws::Stream(stream);
        }
        if node.duration.is_continuous() {
            return Draws::Uniforms(Box::new(move |it| {
                copula
                    .uniform(i, it, 0)
                    .unwrap_or_else(|| stream.at(it).uniform(0))
            }));
        }
        if node.duration.is_constant() {
            return Draws::Constant;
        }
    }
    Draws::Values(mid_ranks(&engine::node_durations(
        plan, copula, stream, i, n,
    )))
}

fn risk_draws(plan: &Plan, r: usize, config: &Config) -> Draws<'static> {
    let risk = &plan.risks()[r];
    if risk.probability == 0.0 {
        return Draws::Constant;
    }
    let stream = config.sampler(risk.key);
    // What is ranked: the delay it drew (0 when it did not occur); without a delay, the factor
    // on durations (1 when it did not occur); else whether it occurred. Each grows with the harm
    // done (a restart's harm is its occurrence).
    let value = |d: Option<engine::RiskDraw>| match d {
        None if risk.delay.is_none() && risk.scale.is_some() => 1.0,
        None => 0.0,
        Some(d) if risk.delay.is_some() => d.delay,
        Some(d) if risk.scale.is_some() => d.scale,
        Some(_) => 1.0,
    };
    Draws::Values(mid_ranks(
        &(0..config.iterations)
            .map(|it| value(engine::sample_risk(risk, stream.at(it))))
            .collect::<Vec<f64>>(),
    ))
}

/// One milestone's P80 over the first `n` runs of a simulation, and in each section of them.
#[derive(Debug, Clone, PartialEq)]
struct P80s {
    /// P80 over all `n` runs; None when not reached.
    p80: Option<f64>,
    delivered: f64,
    /// P80 in each section (infinite where not reached there).
    sections: Vec<f64>,
}

/// How many sections `n` runs are cut into: [`WHAT_IF_SECTIONS`], or fewer so that each holds
/// at least [`MIN_SECTION_RUNS`] runs.
fn sections(n: usize) -> usize {
    WHAT_IF_SECTIONS.min(n / MIN_SECTION_RUNS)
}

/// P80 and P(delivered) of every milestone over the first `n` iterations of `out`, overall and
/// per section (section `j` of `k` is runs `j n / k .. (j + 1) n / k`).
fn p80s(out: &Outcomes, n: usize) -> Vec<P80s> {
    (0..out.milestones)
        .map(|m| {
            let mut col = out.milestone_column(m);
            col.truncate(n);
            p80s_of(col)
        })
        .collect()
}

/// [`p80s`] of rows of `milestones` finishes per iteration (what [`engine::what_ifs`] gives).
fn p80s_of_rows(rows: &[f64], milestones: usize) -> Vec<P80s> {
    (0..milestones)
        .map(|m| p80s_of(rows.iter().skip(m).step_by(milestones).copied().collect()))
        .collect()
}

/// P80 and P(delivered) of one milestone's finishes, overall and per section (by selection:
/// the same order statistic [`super::quantile_sorted`] reads off a full sort).
fn p80s_of(mut col: Vec<f64>) -> P80s {
    let n = col.len();
    let k = sections(n);
    let sections = (0..k)
        .map(|j| {
            let mut s = col[j * n / k..(j + 1) * n / k].to_vec();
            let at = super::quantile_rank(s.len(), 0.8);
            s.select_nth_unstable_by(at, f64::total_cmp);
            s[at]
        })
        .collect();
    let delivered = col.iter().filter(|x| x.is_finite()).count() as f64 / n as f64;
    let at = super::quantile_rank(n, 0.8);
    col.select_nth_unstable_by(at, f64::total_cmp);
    let p80 = col[at];
    P80s {
        p80: p80.is_finite().then_some(p80),
        delivered,
        sections,
    }
}

/// The 95% interval of a P80 gain `gain`, estimated on `n` paired runs, from the gains
/// `sections[j] = base P80 - changed P80` in `k` contiguous sections of those same runs.
///
/// This is *sectioning* (Asmussen and Glynn, *Stochastic Simulation*, 2007, III.5a; studied
/// for quantiles, also under common random numbers, by Nakayama, ACM TOMACS 24(4), 2014): the
/// interval is `gain ± t(k-1, 0.975) s / sqrt(k)`, where `s` is the standard deviation of the
/// section gains. A sample quantile's variance falls as 1/n, so the variance of the gain on all
/// runs is about that of one section's divided by `k`; the Student t with `k - 1` degrees of
/// freedom accounts for `s` being estimated from `k` values. The interval is centred on the
/// gain from all runs (the figure reported), not on the mean of the section gains, which
/// carries the larger O(k/n) bias of quantiles of small samples.
///
/// Why this and not a formula or a bootstrap: a difference of two *paired* quantiles has a
/// variance that depends on both densities at their quantiles and on the joint distribution of
/// the pair, which a plan with experiments and fixed durations makes lumpy; sectioning needs no
/// density estimate. A bootstrap would resample each (driver, milestone) pair hundreds of
/// times; sections cost one sort of the same runs. The sections are fixed ranges of iteration
/// numbers and every draw is a pure function of its iteration, so the interval is identical for
/// any thread count and block size. With Latin hypercube sampling the sections are not
/// independent (they share the strata), which makes the interval conservative.
///
/// None when there are fewer than [`MIN_SECTIONS`] sections or P80 is not reached in one of
/// them on either side (the interval is then unbounded).
pub fn gain_interval(gain: f64, sections: &[f64]) -> Option<(f64, f64)> {
    let k = sections.len();
    if k < MIN_SECTIONS || sections.iter().any(|g| !g.is_finite()) {
        return None;
    }
    let mean = sections.iter().sum::<f64>() / k as f64;
    let var = sections.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / (k - 1) as f64;
    // Invariant: k >= MIN_SECTIONS (5), checked above.
    let t = StudentsT::new(0.0, 1.0, (k - 1) as f64)
        .expect("k - 1 >= 1 degrees of freedom")
        .inverse_cdf(0.975);
    let half = t * (var / k as f64).sqrt();
    Some((gain - half, gain + half))
}

/// What the drivers read of a whole run: its counters, its first iterations, and each
/// milestone's finish ranks.
pub struct RunView<'a> {
    /// The whole run's counters (`critical` from [`engine::Probes::criticality`]); its rows
    /// may be empty.
    pub counts: &'a Outcomes,
    /// The rows of the run's first `min(iterations, WHAT_IF_ITERATIONS)` iterations at least.
    pub head: &'a Outcomes,
    /// Per milestone: its finish ranks over the whole run.
    pub ranks: Vec<FinishRanks>,
}

/// Ranks the drivers of every milestone. `out` must come from [`engine::simulate_with`] with
/// criticality on, for the same plan and config. Also returns the plan simulated again over the
/// what-ifs' iterations (the run's first [`WHAT_IF_ITERATIONS`]) with `trace` traced, which the
/// what-ifs compute on the way (the Gantt chart of a large plan reads it).
pub fn drivers(
    plan: &Plan,
    config: &Config,
    out: &Outcomes,
    trace: &[u32],
) -> (Vec<MilestoneDrivers>, Outcomes) {
    drivers_of(plan, config, &RunView::in_memory(out), trace)
}

impl<'a> RunView<'a> {
    /// The view of a run held in memory: its own counters, rows and finish ranks.
    pub fn in_memory(out: &'a Outcomes) -> Self {
        let ranks = (0..out.milestones)
            .map(|m| {
                let column = out.milestone_column(m);
                FinishRanks::of(&super::streamed::InMemory::new(&column, None))
            })
            .collect();
        RunView {
            counts: out,
            head: out,
            ranks,
        }
    }
}

/// [`drivers`] from a view of the run (a merge of shards builds one without its rows).
pub fn drivers_of(
    plan: &Plan,
    config: &Config,
    view: &RunView,
    trace: &[u32],
) -> (Vec<MilestoneDrivers>, Outcomes) {
    let out = view.counts;
    let n_ms = out.milestones;
    let tasks: Vec<usize> = (0..plan.nodes().len())
        .filter(|&i| !plan.nodes()[i].is_milestone)
        .collect();
    // One row of sensitivities (one per milestone) per task, then per risk.
    let moments = RankMoments::all(&view.ranks);
    let copula = Copula::new(plan, config);
    let task_sens: Vec<Vec<Option<f64>>> = tasks
        .par_chunks(SIDE_BY_SIDE)
        .map_init(Default::default, |bufs, group| {
            let draws: Vec<Draws> = group
                .iter()
                .map(|&i| task_draws(plan, i, config, &copula))
                .collect();
            sensitivities(&draws, &moments, bufs)
        })
        .flatten_iter()
        .collect();
    let risks: Vec<usize> = (0..plan.risks().len()).collect();
    let risk_sens: Vec<Vec<Option<f64>>> = risks
        .par_chunks(SIDE_BY_SIDE)
        .map_init(Default::default, |bufs, group| {
            let draws: Vec<Draws> = group.iter().map(|&r| risk_draws(plan, r, config)).collect();
            sensitivities(&draws, &moments, bufs)
        })
        .flatten_iter()
        .collect();

    // What-ifs for the most influential experiments and risks (by their largest |sensitivity|).
    let influence = |s: &[Option<f64>]| s.iter().flatten().fold(0.0f64, |a, b| a.max(b.abs()));
    let mut candidates: Vec<(DriverKind, usize, f64)> = tasks
        .iter()
        .zip(&task_sens)
        .filter(|(i, _)| plan.nodes()[**i].experiment.is_some())
        .map(|(&i, s)| (DriverKind::Experiment, i, influence(s)))
        .chain(
            risk_sens
                .iter()
                .enumerate()
                .map(|(r, s)| (DriverKind::Risk, r, influence(s))),
        )
        .collect();
    candidates.sort_by(|a, b| b.2.total_cmp(&a.2));
    candidates.truncate(WHAT_IF_LIMIT);
    // Every shared resource too: which one binds is what its what-if (unlimited) says.
    candidates.extend((0..plan.resources().len()).map(|r| (DriverKind::Resource, r, 0.0)));
    // The reruns cover the run's first iterations: on those same runs the comparison with the
    // base is exact (common random numbers), and a large run does not cost a full rerun each.
    let n = config.iterations.min(WHAT_IF_ITERATIONS);
    let base = p80s(view.head, n as usize);
    // Experiments and risks: the changed schedules only, from the same draws
    // (`engine::what_ifs`); shared resources: a full rerun with the resource unlimited.
    let changes: Vec<Change> = candidates
        .iter()
        .filter_map(|&(kind, index, _)| match kind {
            DriverKind::Experiment => Some(Change::SureSuccess(index)),
            DriverKind::Risk => Some(Change::NoRisk(index)),
            _ => None,
        })
        .collect();
    let runs = engine::what_ifs(plan, config, &changes, trace, 0..n);
    let mut changed = runs.changed.into_iter();
    let what_ifs: Vec<((DriverKind, usize), Vec<WhatIf>)> = candidates
        .iter()
        .map(|&(kind, index, _)| {
            let alt = match kind {
                DriverKind::Resource => p80s(
                    &engine::simulate_range(
                        &plan.with_unlimited(index),
                        config,
                        &engine::Probes::default(),
                        0..n,
                    ),
                    n as usize,
                ),
                _ => p80s_of_rows(
                    &changed.next().expect("one rerun per change"),
                    out.milestones,
                ),
            };
            let w = base
                .iter()
                .zip(alt)
                .map(|(b, a)| {
                    let p80_gain = b.p80.zip(a.p80).map(|(b, a)| b - a);
                    let section_gains: Vec<f64> = b
                        .sections
                        .iter()
                        .zip(&a.sections)
                        .map(|(b, a)| b - a)
                        .collect();
                    let interval = p80_gain.and_then(|g| gain_interval(g, &section_gains));
                    WhatIf {
                        p80: a.p80,
                        p80_gain,
                        p80_gain_low: interval.map(|i| i.0),
                        p80_gain_high: interval.map(|i| i.1),
                        delivered: a.delivered,
                    }
                })
                .collect();
            ((kind, index), w)
        })
        .collect();
    let what_if = |kind: DriverKind, index: usize, m: usize| {
        what_ifs
            .iter()
            .find(|(k, _)| *k == (kind, index))
            .map(|(_, w)| w[m])
    };

    let drivers = (0..n_ms)
        .map(|m| {
            // Only what the milestone waits for can drive it.
            let mut upstream = vec![false; plan.nodes().len()];
            for &a in &plan.milestones()[m].ancestors {
                upstream[a as usize] = true;
            }
            let risk_upstream = |r: usize| {
                (0..plan.nodes().len())
                    .any(|i| upstream[i] && plan.risks_of(i).contains(&(r as u32)))
            };
            let delivered = view.ranks[m].delivered as f64;
            let crit = |i: usize| {
                (delivered > 0.0 && !out.critical.is_empty())
                    .then(|| out.critical[m * plan.nodes().len() + i] as f64 / delivered)
            };
            let mut drivers: Vec<Driver> = tasks
                .iter()
                .zip(&task_sens)
                .filter(|(i, _)| upstream[**i])
                .map(|(&i, s)| {
                    let kind = if plan.nodes()[i].experiment.is_some() {
                        DriverKind::Experiment
                    } else {
                        DriverKind::Task
                    };
                    Driver {
                        kind,
                        index: i,
                        sensitivity: s[m],
                        criticality: crit(i),
                        what_if: what_if(kind, i, m),
                    }
                })
                .chain(
                    risk_sens
                        .iter()
                        .enumerate()
                        .filter(|(r, _)| risk_upstream(*r))
                        .map(|(r, s)| Driver {
                            kind: DriverKind::Risk,
                            index: r,
                            sensitivity: s[m],
                            criticality: None,
                            what_if: what_if(DriverKind::Risk, r, m),
                        }),
                )
                .collect();
            let key = |d: &Driver| {
                (
                    d.sensitivity.map_or(0.0, f64::abs),
                    d.criticality.unwrap_or(0.0),
                )
            };
            drivers.sort_by(|a, b| {
                let (ka, kb) = (key(a), key(b));
                kb.0.total_cmp(&ka.0).then(kb.1.total_cmp(&ka.1))
            });
            // Shared resources the milestone's work uses: one that binds (its P80 gain when
            // unlimited lies above 0) leads the list, the others follow it.
            let uses = |r: usize| {
                (0..plan.nodes().len())
                    .any(|i| upstream[i] && plan.nodes()[i].uses.iter().any(|u| u.0 as usize == r))
            };
            let resource = |r: usize| Driver {
                kind: DriverKind::Resource,
                index: r,
                sensitivity: None,
                criticality: None,
                what_if: what_if(DriverKind::Resource, r, m),
            };
            let binds = |d: &Driver| {
                d.what_if
                    .and_then(|w| w.p80_gain_low)
                    .is_some_and(|low| low > 0.0)
            };
            let (mut binding, rest): (Vec<Driver>, Vec<Driver>) = (0..plan.resources().len())
                .filter(|&r| uses(r))
                .map(resource)
                .partition(binds);
            binding.sort_by(|a, b| {
                let gain = |d: &Driver| d.what_if.and_then(|w| w.p80_gain).unwrap_or(0.0);
                gain(b).total_cmp(&gain(a))
            });
            binding.extend(drivers);
            binding.extend(rest);
            let drivers = binding;
            MilestoneDrivers {
                milestone: m,
                drivers,
            }
        })
        .collect();
    (drivers, runs.base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitivities_are_pearson_of_the_ranks_bit_for_bit() {
        // Spearman's correlation is Pearson's on the ranks: every path of `sensitivities` (four
        // drivers side by side with held rank deviations, or computed on the fly, and the
        // chunked one for long runs) must give exactly `pearson(x, mid_ranks(finishes))`. The
        // finishes have ties and undelivered (infinite) runs; 5,000 runs span two chunks; five
        // drivers leave the second group partial.
        let n = 5000usize;
        let finishes: Vec<Vec<f64>> = vec![
            (0..n)
                .map(|k| {
                    if k % 13 == 0 {
                        f64::INFINITY
                    } else {
                        (k % 97) as f64
                    }
                })
                .collect(),
            (0..n).map(|k| ((k * 31) % 211) as f64 + 0.5).collect(),
        ];
        let ranks: Vec<FinishRanks> = finishes
            .iter()
            .map(|col| FinishRanks::of(&super::super::streamed::InMemory::new(col, None)))
            .collect();
        let sampler = |key| engine::Sampler::new(7, key, engine::Sampling::MonteCarlo, n as u64);
        let values: Vec<f64> = (0..n).map(|k| ((k * 7) % 50) as f64).collect();
        let draws = [
            Draws::Stream(sampler(1)),
            Draws::Values(mid_ranks(&values)),
            Draws::Constant,
            Draws::Uniforms(Box::new(move |it| sampler(2).at(it).uniform(0))),
            Draws::Stream(sampler(3)),
        ];
        let expected: Vec<Vec<Option<u64>>> = draws
            .iter()
            .map(|d| {
                let mut x = vec![0.0; n];
                d.fill(0, &mut x);
                finishes
                    .iter()
                    .map(|col| match d {
                        Draws::Constant => None,
                        _ => pearson(&x, &mid_ranks(col)).map(f64::to_bits),
                    })
                    .collect()
            })
            .collect();
        let bits = |rows: Vec<Vec<Option<f64>>>| -> Vec<Vec<Option<u64>>> {
            rows.into_iter()
                .map(|r| r.into_iter().map(|v| v.map(f64::to_bits)).collect())
                .collect()
        };
        let held = RankMoments::all(&ranks);
        assert!(held.iter().all(|m| m.dy.is_some()));
        let unheld: Vec<RankMoments> = ranks.iter().map(|r| RankMoments::of(r, false)).collect();
        for moments in [&held, &unheld] {
            let mut bufs = Default::default();
            let got: Vec<Vec<Option<f64>>> = draws
                .chunks(SIDE_BY_SIDE)
                .flat_map(|group| sensitivities(group, moments, &mut bufs))
                .collect();
            assert_eq!(bits(got), expected);
        }
        let mut buf = Vec::new();
        let long = draws
            .iter()
            .map(|d| long_sensitivities(d, &unheld, &mut buf))
            .collect();
        assert_eq!(bits(long), expected);
        // Not vacuous: a driver that varies has a value for every milestone.
        assert!(expected[0].iter().chain(&expected[1]).all(Option::is_some));
    }

    #[test]
    fn mid_ranks_share_ties() {
        assert_eq!(
            mid_ranks(&[10.0, 30.0, 20.0, 20.0]),
            vec![0.125, 0.875, 0.5, 0.5]
        );
    }

    /// The bucket sort's ranks are the radix sort's, bit for bit: columns with many ties, both
    /// zeros, clustered and spread values, infinities and NaN (which take the radix path).
    #[test]
    fn mid_ranks_are_a_radix_sorts() {
        let radix = |x: &[f64]| {
            let mut order: Vec<(f64, u32)> = x.iter().zip(0u32..).map(|(&v, i)| (v, i)).collect();
            radsort::sort_by_key(&mut order, |a| a.0);
            let mut ranks = vec![0.0; x.len()];
            let n = x.len();
            let mut i = 0;
            while i < n {
                let mut j = i;
                while j + 1 < n && order[j + 1].0 == order[i].0 {
                    j += 1;
                }
                for &(_, o) in &order[i..=j] {
                    ranks[o as usize] = ((i + j) as f64 / 2.0 + 0.5) / n as f64;
                }
                i = j + 1;
            }
            ranks
        };
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let columns: Vec<Vec<f64>> = vec![
            (0..5000).map(|_| 10.0 + 90.0 * next()).collect(),
            (0..5000).map(|_| (next() * 7.0).floor()).collect(),
            (0..5000)
                .map(|_| {
                    if next() < 0.8 {
                        0.0
                    } else {
                        1e6 * next().powi(8)
                    }
                })
                .collect(),
            (0..999)
                .map(|k| match k % 3 {
                    0 => 0.0,
                    1 => -0.0,
                    _ => next() - 0.5,
                })
                .collect(),
            (0..300)
                .map(|k| if k % 50 == 0 { f64::INFINITY } else { next() })
                .collect(),
            (0..300)
                .map(|k| if k % 70 == 0 { f64::NAN } else { next() })
                .collect(),
            vec![3.5; 1000],
            (0..40).map(|_| next()).collect(),
        ];
        for x in &columns {
            let bits = |r: Vec<f64>| r.into_iter().map(f64::to_bits).collect::<Vec<u64>>();
            assert_eq!(bits(mid_ranks(x)), bits(radix(x)));
        }
    }

    #[test]
    fn pearson_of_a_line_is_one() {
        let x = [1.0, 2.0, 3.0, 4.0];
        assert!((pearson(&x, &[2.0, 4.0, 6.0, 8.0]).unwrap() - 1.0).abs() < 1e-12);
        assert!((pearson(&x, &[8.0, 6.0, 4.0, 2.0]).unwrap() + 1.0).abs() < 1e-12);
        assert_eq!(pearson(&x, &[1.0, 1.0, 1.0, 1.0]), None);
    }
}
