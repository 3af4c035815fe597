//! From raw outcomes to forecasts with their Monte Carlo error.
//!
//! Percentiles are read off the empirical distribution in which an iteration that did not deliver
//! counts as "never" (+infinity): P80 is the finish by which 80% of all simulated programs had
//! delivered. When fewer than 80% deliver at all, P80 is "not reached", which is the honest answer.
//! Every percentile carries a 95% interval from order statistics, every probability a 95% Wilson
//! score interval. Mean and standard deviation are of the delivered iterations.
//!
//! A Latin hypercube run is made of independent replicated hypercubes ([`rng::replicate_range`]):
//! there the intervals of the milestones' percentiles, delivery and on-time probabilities are
//! Student t intervals from the spread of the replicates' estimates ([`Intervals`]), which the
//! Monte Carlo formulas would overstate 1.5 to 5 times.

pub mod calibration;
pub mod compare;
pub mod drift;
pub mod drivers;
pub mod resources;
pub mod streamed;
pub mod sweep;
pub mod tasks;

use statrs::distribution::{Binomial, ContinuousCDF, DiscreteCDF, StudentsT};

use crate::engine::{Config, Outcomes, Probes, Sampling, rng};
use crate::model::Plan;

/// The percentiles every report shows.
pub const PERCENTILES: [f64; 5] = [0.10, 0.50, 0.80, 0.90, 0.95];

/// Where each percentile sits in [`PERCENTILES`] and so in [`MilestoneSummary::percentiles`].
pub const P10: usize = percentile_index(0.10);
pub const P50: usize = percentile_index(0.50);
pub const P80: usize = percentile_index(0.80);
pub const P90: usize = percentile_index(0.90);
pub const P95: usize = percentile_index(0.95);

/// The position of `p` in [`PERCENTILES`]; a `p` that is not there fails the build.
const fn percentile_index(p: f64) -> usize {
    let mut i = 0;
    while i < PERCENTILES.len() {
        if PERCENTILES[i] == p {
            return i;
        }
        i += 1;
    }
    // Evaluated at compile time on constants: a wrong one fails the build, never a run.
    panic!("not one of PERCENTILES")
}

/// z for a two-sided 95% interval.
const Z95: f64 = 1.959963984540054;

/// A probability with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Probability {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

/// The Wilson score interval for `k` successes in `n` trials.
pub fn wilson(k: u64, n: u64) -> Probability {
    if n == 0 {
        return Probability {
            estimate: f64::NAN,
            low: 0.0,
            high: 1.0,
        };
    }
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    // At k = 0 or k = n the bound on that side is exactly the estimate; rounding must not make
    // an interval that excludes its own estimate.
    let low = if k == 0.0 {
        0.0
    } else {
        (centre - half).clamp(0.0, p)
    };
    let high = if k == n {
        1.0
    } else {
        (centre + half).clamp(p, 1.0)
    };
    Probability {
        estimate: p,
        low,
        high,
    }
}

/// A percentile of the finish in working days; `None` stands for "not reached" (never).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Percentile {
    pub p: f64,
    pub days: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// Ranks (1-based) of the order statistics that bound a 95% interval for the p-quantile of `n`
/// samples: with B ~ Binomial(n, p) the count of samples below the true quantile,
/// P(l <= B <= u - 1) >= 0.95 when l is B's 2.5% quantile and u - 1 its 97.5% quantile.
pub fn order_statistic_ranks(n: u64, p: f64) -> (u64, u64) {
    // Invariant: `p` is one of the report's percentiles (constants in (0, 1)), never user data.
    let b = Binomial::new(p, n).expect("p in [0, 1]");
    let l = b.inverse_cdf(0.025).max(1);
    let u = (b.inverse_cdf(0.975) + 1).min(n);
    (l, u)
}

/// The p-quantile of sorted samples, as the inverse of the empirical CDF: the smallest value
/// with at least a share p of the samples at or below it.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    sorted[quantile_rank(sorted.len(), p)]
}

/// The 0-based position in sorted order of the p-quantile of `n` values ([`quantile_sorted`]'s),
/// for `n` at least 1.
pub fn quantile_rank(n: usize, p: f64) -> usize {
    ((p * n as f64).ceil() as usize).clamp(1, n) - 1
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Percentiles with intervals, from the sorted finishes of one milestone.
pub fn percentiles(sorted: &[f64], ps: &[f64]) -> Vec<Percentile> {
    let n = sorted.len() as u64;
    ps.iter()
        .map(|&p| {
            let (l, u) = order_statistic_ranks(n, p);
            Percentile {
                p,
                days: finite(quantile_sorted(sorted, p)),
                // No iterations (a library caller's empty run): no bounds, not a panic.
                low: sorted.get(l as usize - 1).copied().and_then(finite),
                high: sorted
                    .get((u as usize).max(1) - 1)
                    .copied()
                    .and_then(finite),
            }
        })
        .collect()
}

/// How the 95% intervals of a summary's milestones were computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Intervals {
    /// Order statistics for percentiles, Wilson for probabilities: plain Monte Carlo runs, and
    /// Latin hypercube runs too small to have [`MIN_REPLICATE_SIZE`] iterations per replicate.
    #[default]
    MonteCarlo,
    /// Replicated Latin hypercube: the estimate is the pooled one (all iterations), its interval
    /// `estimate -+ t(R - 1, 0.975) sd / sqrt(R)` with `sd` the standard deviation of the same
    /// estimate over the run's `R` replicates. A figure whose replicates all agree, or whose
    /// percentile some replicate does not reach, keeps its Monte Carlo interval.
    Replicated { replicates: u64 },
}

/// Iterations each replicate needs for replicated intervals (so 200 for a run of 20).
pub const MIN_REPLICATE_SIZE: u64 = 10;

impl Intervals {
    /// The intervals a run of `iterations` drawn by `sampling` gets.
    pub fn of(sampling: Sampling, iterations: u64) -> Intervals {
        match sampling {
            Sampling::LatinHypercube if iterations >= rng::REPLICATES * MIN_REPLICATE_SIZE => {
                Intervals::Replicated {
                    replicates: rng::replicates(iterations),
                }
            }
            _ => Intervals::MonteCarlo,
        }
    }
}

/// The 97.5% quantile of Student's t with `df` degrees of freedom.
fn t975(df: u64) -> f64 {
    // Invariant: callers pass the replicates less one, and replicates are at least 2.
    StudentsT::new(0.0, 1.0, df as f64)
        .expect("df >= 1")
        .inverse_cdf(0.975)
}

/// Mean and half-width `t * sd / sqrt(R)` of the replicates' estimates, or None when they all
/// agree (no spread to learn the error from) or one is not finite.
fn replicated_half_width(estimates: &[f64]) -> Option<f64> {
    let r = estimates.len();
    if r < 2 || estimates.iter().any(|x| !x.is_finite()) {
        return None;
    }
    if estimates.iter().all(|&x| x == estimates[0]) {
        return None;
    }
    let mean = estimates.iter().sum::<f64>() / r as f64;
    let var = estimates.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (r - 1) as f64;
    Some(t975(r as u64 - 1) * (var / r as f64).sqrt())
}

/// The column's iterations cut into the replicates of a Latin hypercube run of its length.
#[cfg(test)]
fn replicate_slices<T>(column: &[T]) -> impl Iterator<Item = &[T]> {
    let n = column.len() as u64;
    (0..rng::replicates(n)).map(move |r| {
        let range = rng::replicate_range(r, n);
        &column[range.start as usize..range.end as usize]
    })
}

/// Replaces the Monte Carlo intervals of reached percentiles (`mc`, from the pooled sorted
/// finishes) by replicated ones; `column` is in iteration order.
///
/// The interval inverts the replicated test of the CDF, as the order-statistic interval inverts
/// the binomial one: it holds every `x` at which the mean over the replicates of their share of
/// finishes at or before `x`, `F(x)`, is within `t * sd / sqrt(R)` of `p` (the mean of the shares
/// is an unbiased estimate of the true CDF, where the quantile of a few hundred stratified
/// iterations is not, by up to a stratum). Where every replicate has the same count at or before
/// `x` there is no spread to judge by, and `x` is held when `F(x)` is within one replicate's
/// stratum (`1 / m`) of `p`. The upper bound is open (None) when the held values reach "never".
#[cfg(test)]
fn replicated_percentiles(column: &[f64], mc: Vec<Percentile>) -> Vec<Percentile> {
    let n = column.len() as u64;
    let mut by_value: Vec<(f64, usize)> = column
        .iter()
        .enumerate()
        .map(|(i, &x)| (x, rng::replicate_of(i as u64, n) as usize))
        .filter(|(x, _)| x.is_finite())
        .collect();
    by_value.sort_by(|a, b| a.0.total_cmp(&b.0));
    replicated_percentiles_from(by_value.into_iter(), n, mc)
}

/// [`replicated_percentiles`] from the delivered finishes of a run of `n` in ascending order,
/// each with its replicate.
fn replicated_percentiles_from(
    by_value: impl Iterator<Item = (f64, usize)>,
    n: u64,
    mut mc: Vec<Percentile>,
) -> Vec<Percentile> {
    let reps = rng::replicates(n) as usize;
    let sizes: Vec<f64> = (0..reps as u64)
        .map(|r| {
            let range = rng::replicate_range(r, n);
            (range.end - range.start) as f64
        })
        .collect();
    let smallest = sizes.iter().copied().fold(f64::INFINITY, f64::min);
    let mut by_value = by_value.peekable();
    let t = t975(reps as u64 - 1);
    let mut counts = vec![0u64; reps];
    // Per percentile: the first held value, and the value after the last held one (None for
    // "never"), with whether the last value looked at was held.
    let mut low: Vec<Option<f64>> = vec![None; mc.len()];
    let mut high: Vec<Option<f64>> = vec![None; mc.len()];
    let mut last_held = vec![false; mc.len()];
    while let Some(&(x, _)) = by_value.peek() {
        for (k, held) in last_held.iter().enumerate() {
            if *held {
                high[k] = Some(x);
            }
        }
        while let Some(&(y, r)) = by_value.peek() {
            if y != x {
                break;
            }
            counts[r] += 1;
            by_value.next();
        }
        let shares: Vec<f64> = counts
            .iter()
            .zip(&sizes)
            .map(|(&c, m)| c as f64 / m)
            .collect();
        let mean = shares.iter().sum::<f64>() / reps as f64;
        let var = shares.iter().map(|f| (f - mean).powi(2)).sum::<f64>() / (reps - 1) as f64;
        let half = t * (var / reps as f64).sqrt();
        let agree = counts.iter().all(|&c| c == counts[0]);
        for (k, pct) in mc.iter().enumerate() {
            let off = (mean - pct.p).abs();
            let held = off <= half || (agree && off < 1.0 / smallest);
            if held && low[k].is_none() {
                low[k] = Some(x);
            }
            last_held[k] = held;
            if held {
                high[k] = None;
            }
        }
    }
    for (k, pct) in mc.iter_mut().enumerate() {
        // Not reached, or nothing held (the replicates cannot place it): the Monte Carlo bounds.
        let (Some(days), Some(l)) = (pct.days, low[k]) else {
            continue;
        };
        // The estimate itself is always inside its interval.
        pct.low = Some(l.min(days));
        pct.high = high[k].map(|h| h.max(days));
    }
    mc
}

/// The share of the column's iterations that `hit`, with its interval: replicated when the
/// replicates' shares differ, else (all 0, all 1, or all equal) the Wilson interval.
#[cfg(test)]
fn replicated_probability(column: &[f64], hit: impl Fn(f64) -> bool) -> Probability {
    let hits: Vec<bool> = column.iter().map(|&x| hit(x)).collect();
    replicated_share(&hits)
}

/// The share of iterations (in iteration order, the whole run) that hit, with its replicated
/// interval, or Wilson's when the replicates' shares all agree.
#[cfg(test)]
fn replicated_share(hits: &[bool]) -> Probability {
    let counts: Vec<u64> = replicate_slices(hits)
        .map(|s| s.iter().filter(|&&h| h).count() as u64)
        .collect();
    streamed::share(&counts, hits.len() as u64, true)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateStatus {
    /// P(on time) is at or above the target.
    Holds,
    /// P(on time) is below the target.
    Fails,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    pub target: f64,
    pub status: GateStatus,
    /// False when the interval of P(on time) straddles the target: more iterations may flip it.
    pub decided: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OnTime {
    pub deadline_days: f64,
    pub probability: Probability,
    pub gate: Option<Gate>,
}

impl Gate {
    /// The gate "`probability` is at least `target`", undecided when its interval straddles it.
    pub fn judge(target: f64, probability: &Probability) -> Gate {
        Gate {
            target,
            status: if probability.estimate >= target {
                GateStatus::Holds
            } else {
                GateStatus::Fails
            },
            decided: !(probability.low < target && target <= probability.high),
        }
    }
}

/// A milestone's budget: how likely its cost stays within it, alone and jointly with the
/// deadline.
///
/// Every run counts, as in [`CostSummary`]: a run that never delivers the milestone has spent
/// what the work that ran towards it cost (the burn rate up to its last finish), and is within
/// budget when that spend is. It is never on time, so never counts towards the joint confidence.
/// So P(within budget) >= p exactly when the cost's p-quantile is at most the budget.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetSummary {
    pub amount: f64,
    /// P(cost <= budget).
    pub within: Probability,
    /// With a deadline: P(on time and cost <= budget), the joint confidence level (JCL).
    pub joint: Option<Probability>,
    /// With `budget_confidence`: the gate on P(cost <= budget).
    pub gate: Option<Gate>,
}

/// Cost percentiles of one milestone over all runs (a run that never delivers still spends).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CostSummary {
    pub p10: f64,
    pub p50: f64,
    pub p80: f64,
    pub p90: f64,
    pub mean: f64,
}

impl CostSummary {
    pub fn of(column: &[f64]) -> CostSummary {
        let mut sorted = column.to_vec();
        radsort::sort(&mut sorted);
        let q = |p| quantile_sorted(&sorted, p);
        CostSummary {
            p10: q(0.1),
            p50: q(0.5),
            p80: q(0.8),
            p90: q(0.9),
            mean: column.iter().sum::<f64>() / column.len() as f64,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct MilestoneSummary {
    /// Index into `plan.milestones`.
    pub milestone: usize,
    pub delivered: Probability,
    pub percentiles: Vec<Percentile>,
    /// Mean and standard deviation of the delivered iterations (None when none delivered).
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub on_time: Option<OnTime>,
    /// The cost of reaching the milestone, when the plan has costs.
    pub cost: Option<CostSummary>,
    /// When the milestone has a budget (and the plan costs).
    pub budget: Option<BudgetSummary>,
}

impl MilestoneSummary {
    /// The reported percentile `p` (one of [`PERCENTILES`]), looked up by value.
    pub fn percentile(&self, p: f64) -> Option<&Percentile> {
        self.percentiles.iter().find(|x| x.p == p)
    }

    /// Its gates: the deadline's (on P(on time)), then the budget's (on P(within budget)).
    pub fn gates(&self) -> impl Iterator<Item = &Gate> {
        let on_time = self.on_time.as_ref().and_then(|o| o.gate.as_ref());
        let budget = self.budget.as_ref().and_then(|b| b.gate.as_ref());
        on_time.into_iter().chain(budget)
    }

    /// The median finish.
    pub fn p50(&self) -> &Percentile {
        &self.percentiles[P50]
    }

    /// The finish by which 80% of the runs have delivered: what most reports lead with.
    pub fn p80(&self) -> &Percentile {
        &self.percentiles[P80]
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentSummary {
    /// Index into `plan.nodes`.
    pub node: usize,
    /// Share of the iterations in which the experiment ran that it succeeded.
    pub success: Probability,
    pub mean_attempts: Option<f64>,
    /// Share of all iterations in which its fallback ran.
    pub fallback_rate: Option<Probability>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RiskSummary {
    pub risk: usize,
    pub occurred: Probability,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub iterations: u64,
    pub seed: u64,
    /// How the milestones' intervals were computed. Experiments' and risks' rates always carry
    /// Wilson intervals (their counters are summed over the whole run).
    pub intervals: Intervals,
    pub milestones: Vec<MilestoneSummary>,
    pub experiments: Vec<ExperimentSummary>,
    pub risks: Vec<RiskSummary>,
}

/// Summarises one milestone's finishes (in iteration order, the whole run) and, when given, its
/// costs, with intervals of the given kind.
pub fn milestone_summary(
    plan: &Plan,
    m: usize,
    column: &[f64],
    cost: Option<&[f64]>,
    intervals: Intervals,
) -> MilestoneSummary {
    let cols = streamed::InMemory::new(column, cost);
    streamed::milestone_summary(plan, m, &cols, intervals)
}

/// Summarises the outcomes of a whole run (all its iterations, from the first).
pub fn summarize(plan: &Plan, out: &Outcomes) -> Summary {
    let intervals = Intervals::of(out.sampling, out.iterations);
    let milestones = (0..out.milestones)
        .map(|m| {
            milestone_summary(
                plan,
                m,
                &out.milestone_column(m),
                out.cost_column(m).as_deref(),
                intervals,
            )
        })
        .collect();
    summary_of(plan, out, milestones)
}

/// Summarises a whole run from its counters (`out`, whose rows may be empty) and each
/// milestone's columns as streams: what a merge of shards does without holding the run.
pub fn summarize_streamed(
    plan: &Plan,
    out: &Outcomes,
    columns: &[&dyn streamed::MilestoneColumns],
) -> Summary {
    let intervals = Intervals::of(out.sampling, out.iterations);
    let milestones = columns
        .iter()
        .enumerate()
        .map(|(m, c)| streamed::milestone_summary(plan, m, *c, intervals))
        .collect();
    summary_of(plan, out, milestones)
}

/// The summary of a run: its milestones', experiments' and risks' figures.
fn summary_of(plan: &Plan, out: &Outcomes, milestones: Vec<MilestoneSummary>) -> Summary {
    let intervals = Intervals::of(out.sampling, out.iterations);
    let mut experiments: Vec<ExperimentSummary> = plan
        .nodes()
        .iter()
        .enumerate()
        .filter_map(|(i, node)| {
            let e = node.experiment.as_ref()?;
            let c = out.nodes[i];
            Some(ExperimentSummary {
                node: i,
                success: wilson(c.succeeded, c.ran),
                mean_attempts: (c.ran > 0).then(|| c.attempts as f64 / c.ran as f64),
                fallback_rate: e
                    .fallback
                    .map(|f| wilson(out.nodes[f as usize].ran, out.iterations)),
            })
        })
        .collect();
    experiments.sort_by_key(|e| plan.nodes()[e.node].decl);
    let risks = out
        .risks_fired
        .iter()
        .enumerate()
        .map(|(r, &k)| RiskSummary {
            risk: r,
            occurred: wilson(k, out.iterations),
        })
        .collect();
    Summary {
        iterations: out.iterations,
        seed: out.seed,
        intervals,
        milestones,
        experiments,
        risks,
    }
}

/// One bar of a Gantt chart: when a task starts and finishes, in the iterations where it ran.
#[derive(Debug, Clone, PartialEq)]
pub struct GanttRow {
    /// Index into `plan.nodes`.
    pub node: usize,
    /// Share of iterations in which the task ran (below 1 for fallbacks and after failures).
    pub ran: f64,
    /// P10, P50 and P90 of the start and of the finish (None when it never ran).
    pub start: [Option<f64>; 3],
    pub finish: [Option<f64>; 3],
}

/// Gantt rows for the traced nodes of `out`, in trace order.
pub fn gantt(out: &Outcomes) -> Vec<GanttRow> {
    use rayon::prelude::*;
    let stride = out.row_len();
    let traced: Vec<usize> = (0..out.traced.len()).collect();
    // Tasks in groups of four, whose eight columns lie side by side in each row: one pass over
    // the rows per group (not one strided pass per column), the groups in parallel.
    traced
        .par_chunks(4)
        .flat_map_iter(|group| {
            let at = out.milestones + 2 * group[0];
            let rows = out.rows.chunks_exact(stride.max(1));
            let mut columns = vec![vec![0.0; rows.len()]; 2 * group.len()];
            for (k, row) in rows.enumerate() {
                for (c, column) in columns.iter_mut().enumerate() {
                    column[k] = row[at + c];
                }
            }
            let mut columns = columns.into_iter();
            group
                .iter()
                .map(|&t| {
                    let mut starts = columns.next().expect("two columns per task");
                    let mut finishes = columns.next().expect("two columns per task");
                    let ran = starts.iter().filter(|x| x.is_finite()).count() as f64
                        / starts.len().max(1) as f64;
                    GanttRow {
                        node: out.traced[t] as usize,
                        ran,
                        start: gantt_quantiles(&mut starts),
                        finish: gantt_quantiles(&mut finishes),
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// P10, P50 and P90 of the finite values of `v` (None when there are none).
fn gantt_quantiles(v: &mut Vec<f64>) -> [Option<f64>; 3] {
    v.retain(|x| x.is_finite());
    quantiles_selected(v, [0.1, 0.5, 0.9])
}

/// [`quantile_sorted`] at each of `ps` (ascending) of `v` as if sorted, without sorting it:
/// each quantile is an order statistic, found by selection, the largest first and each next
/// one among the values below it. The same values as sorting (the total order of `f64`, as
/// `radsort` sorts), in linear time. None for each when `v` is empty.
pub fn quantiles_selected<const N: usize>(v: &[f64], ps: [f64; N]) -> [Option<f64>; N] {
    let n = v.len();
    let mut out = [None; N];
    if n == 0 {
        return out;
    }
    debug_assert!(ps.windows(2).all(|w| w[0] <= w[1]), "ascending levels");
    // Each value as an integer in the same total order (`f64::total_cmp`'s key), so that the
    // selection compares integers.
    let key = |x: f64| {
        let b = x.to_bits() as i64;
        b ^ ((((b >> 63) as u64) >> 1) as i64)
    };
    let value = |k: i64| f64::from_bits((k ^ ((((k >> 63) as u64) >> 1) as i64)) as u64);
    let mut keys: Vec<i64> = v.iter().map(|&x| key(x)).collect();
    // Invariant: keys[..end] holds the `end` smallest values.
    let mut end = n;
    for (o, &p) in out.iter_mut().zip(&ps).rev() {
        let at = quantile_rank(n, p);
        let (_, x, _) = keys[..end].select_nth_unstable(at);
        *o = Some(value(*x));
        end = at + 1;
    }
    out
}

/// Where `--precision` got to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrecisionReached {
    /// The widest 95% interval asked for, in working days.
    pub target: f64,
    /// Whether every percentile's interval is narrower and every gate decided.
    pub reached: bool,
    /// The widest interval among the reported percentiles (infinite when one is open-ended).
    pub widest: f64,
}

/// The widest 95% interval, in working days, among the reported percentiles that are reached;
/// infinite when one of them has no upper bound yet.
pub fn widest_interval(summary: &Summary) -> f64 {
    summary
        .milestones
        .iter()
        .flat_map(|m| &m.percentiles)
        .map(|p| match (p.days, p.low, p.high) {
            (None, _, _) => 0.0,
            (Some(_), Some(lo), Some(hi)) => hi - lo,
            _ => f64::INFINITY,
        })
        .fold(0.0, f64::max)
}

/// Whether no gate's interval straddles its target.
pub fn gates_decided(summary: &Summary) -> bool {
    summary
        .milestones
        .iter()
        .flat_map(MilestoneSummary::gates)
        .all(|g| g.decided)
}

/// What charts and reports add to the summary: drivers, Gantt rows and the sorted finishes.
#[derive(Debug, Clone, PartialEq)]
pub struct Details {
    pub drivers: Vec<drivers::MilestoneDrivers>,
    pub gantt: Vec<GanttRow>,
    /// Each milestone's finishes, sorted (infinity where not delivered).
    pub finishes: Vec<Vec<f64>>,
    /// The milestone whose critical path the Gantt chart highlights: the last one declared.
    pub primary: usize,
    /// Per milestone with a budget (empty for the others): the (finish, cost) of the run's first
    /// [`SCATTER_POINTS`] iterations, in iteration order, for the cost/finish scatter.
    pub scatter: Vec<Vec<(f64, f64)>>,
    /// With `[[resource]]`s: the delay they cause and their utilisation over time.
    pub resources: Option<resources::ResourceReport>,
}

/// Runs a cost/finish scatter shows at most: the first ones, so the chart is the same for any
/// thread count or shard split and its SVG stays small.
pub const SCATTER_POINTS: usize = 2000;

/// Tasks a Gantt chart shows at most.
pub const GANTT_TASKS: usize = 40;

/// The probes a run that will produce [`Details`] should simulate with: criticality, and the
/// trace of every task when they fit in one Gantt chart.
pub fn detail_probes(plan: &Plan) -> Probes {
    let tasks: Vec<u32> = (0..plan.nodes().len() as u32)
        .filter(|&i| !plan.nodes()[i as usize].is_milestone)
        .collect();
    Probes {
        criticality: true,
        trace: if tasks.len() <= GANTT_TASKS {
            tasks
        } else {
            vec![]
        },
    }
}

/// Computes the details of a run simulated with [`detail_probes`]. Large plans trace the tasks
/// most often critical for the primary milestone in the drivers' what-if base pass.
pub fn details(plan: &Plan, config: &Config, out: &Outcomes) -> Details {
    let finishes = (0..out.milestones)
        .map(|m| {
            let mut c = out.milestone_column(m);
            radsort::sort(&mut c);
            c
        })
        .collect();
    details_with(plan, config, &drivers::RunView::in_memory(out), finishes)
}

/// [`details`] from a view of the run without its rows (a merge of shards): the drivers from
/// the finish ranks, the Gantt rows, scatter and resources from the run's first iterations.
/// `finishes` is left empty: a merge draws no charts.
pub fn details_of(plan: &Plan, config: &Config, view: &drivers::RunView) -> Details {
    details_with(plan, config, view, vec![])
}

/// The details of a run: `view.counts` holds its counters (and traces, when it was traced),
/// `view.head` the rows of its first iterations at least.
fn details_with(
    plan: &Plan,
    config: &Config,
    view: &drivers::RunView,
    finishes: Vec<Vec<f64>>,
) -> Details {
    let (counts, head) = (view.counts, view.head);
    let primary = plan.milestones().len() - 1;
    // A plan too large to trace every task in the run traces the tasks most often critical for
    // the primary milestone over the run's first iterations (percentiles of start and finish
    // need no more), in the drivers' base pass.
    let trace = if counts.traced.is_empty() {
        let n = plan.nodes().len();
        let mut by_crit: Vec<u32> = (0..n as u32)
            .filter(|&i| !plan.nodes()[i as usize].is_milestone)
            .collect();
        by_crit.sort_by_key(|&i| {
            std::cmp::Reverse(
                counts
                    .critical
                    .get(primary * n + i as usize)
                    .copied()
                    .unwrap_or(0),
            )
        });
        by_crit.truncate(GANTT_TASKS);
        by_crit.sort();
        by_crit
    } else {
        Vec::new()
    };
    let (drivers, traced) = drivers::drivers_of(plan, config, view, &trace);
    let gantt = if counts.traced.is_empty() {
        gantt(&traced)
    } else {
        gantt(counts)
    };
    let scatter = (0..head.milestones)
        .map(
            |m| match (plan.milestones()[m].budget, head.cost_column(m)) {
                (Some(_), Some(cost)) => head
                    .milestone_column(m)
                    .into_iter()
                    .zip(cost)
                    .take(SCATTER_POINTS)
                    .collect(),
                _ => Vec::new(),
            },
        )
        .collect();
    Details {
        drivers,
        gantt,
        finishes,
        primary,
        scatter,
        resources: resources::resources(plan, config, head),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_a_published_value() {
        // Wilson (1927) / Newcombe (1998) example: 81 of 263 gives 0.2553 to 0.3662.
        let p = wilson(81, 263);
        assert!(
            (p.low - 0.2553).abs() < 5e-4 && (p.high - 0.3662).abs() < 5e-4,
            "{p:?}"
        );
    }

    #[test]
    fn wilson_bounds_are_exact_at_the_ends() {
        let all = wilson(500, 500);
        assert_eq!((all.estimate, all.high), (1.0, 1.0));
        assert!(all.low < 1.0);
        let none = wilson(0, 500);
        assert_eq!((none.estimate, none.low), (0.0, 0.0));
        assert!(none.high > 0.0);
    }

    #[test]
    fn cost_percentiles() {
        let c = CostSummary::of(&[4.0, 1.0, 3.0, 2.0, 5.0]);
        assert_eq!(
            (c.p10, c.p50, c.p80, c.p90, c.mean),
            (1.0, 3.0, 4.0, 5.0, 3.0)
        );
    }

    use proptest::strategy::Strategy as _;

    proptest::proptest! {
        /// Selection gives what sorting gives, bit for bit: duplicates, signed zeros, any
        /// length, levels at the ends and equal levels.
        #[test]
        fn selected_quantiles_are_the_sorted_ones(
            v in proptest::collection::vec(
                proptest::prop_oneof![
                    (-3i32..4).prop_map(|x| if x == 0 { -0.0 } else { f64::from(x) / 2.0 }),
                    proptest::strategy::Just(0.0),
                    -1e3f64..1e3,
                ],
                0..60,
            ),
            mut ps in proptest::collection::vec(0.0f64..=1.0, 4),
        ) {
            ps.sort_by(f64::total_cmp);
            let ps = [ps[0], ps[1], ps[1], ps[3]];
            let mut sorted = v.clone();
            radsort::sort(&mut sorted);
            let got = quantiles_selected(&v, ps);
            for (g, p) in got.iter().zip(ps) {
                let want = (!sorted.is_empty()).then(|| quantile_sorted(&sorted, p));
                proptest::prop_assert_eq!(g.map(f64::to_bits), want.map(f64::to_bits));
            }
        }
    }

    #[test]
    fn quantile_inverts_the_empirical_cdf() {
        let xs: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(quantile_sorted(&xs, 0.5), 5.0);
        assert_eq!(quantile_sorted(&xs, 0.51), 6.0);
        assert_eq!(quantile_sorted(&xs, 0.1), 1.0);
        assert_eq!(quantile_sorted(&xs, 1.0), 10.0);
    }

    #[test]
    fn order_statistic_interval_brackets_the_estimate() {
        let (l, u) = order_statistic_ranks(1000, 0.8);
        // Normal approximation: 800 -+ 1.96 * sqrt(1000 * 0.8 * 0.2) = 800 -+ 24.8.
        assert!(
            (774..=777).contains(&l) && (824..=827).contains(&u),
            "{l} {u}"
        );
    }

    #[test]
    fn t_quantile_matches_tables() {
        // t(19, 0.975) = 2.093 and t(9, 0.975) = 2.262 (any table of Student's t).
        assert!((t975(19) - 2.093_024).abs() < 1e-5, "{}", t975(19));
        assert!((t975(9) - 2.262_157).abs() < 1e-5, "{}", t975(9));
    }

    #[test]
    fn replicated_intervals_hold_their_estimates_and_fall_back_when_replicates_agree() {
        // 20 replicates of 10: replicate r holds 10 values r + 0.0 .. r + 0.9, except that the
        // last three iterations of replicate 0 never deliver.
        let mut column: Vec<f64> = (0..200)
            .map(|i| f64::from(i / 10) + f64::from(i % 10) / 10.0)
            .collect();
        column[7..10].fill(f64::INFINITY);
        let mut sorted = column.clone();
        radsort::sort(&mut sorted);
        let mc = percentiles(&sorted, &[0.5, 0.8]);
        let rep = replicated_percentiles(&column, mc.clone());
        // The pooled estimates stay; their intervals hold them.
        for (r, m) in rep.iter().zip(&mc) {
            assert_eq!(r.days, m.days);
            assert!(r.low.unwrap() <= r.days.unwrap() && r.days.unwrap() <= r.high.unwrap());
        }
        // A percentile the pooled run does not reach keeps its Monte Carlo bounds.
        let rep = replicated_percentiles(&column, percentiles(&sorted, &[0.99]));
        assert_eq!(rep, percentiles(&sorted, &[0.99]));
        // Every replicate delivers 10 of 10, or all agree: Wilson's interval.
        let all = replicated_probability(&column[10..], f64::is_finite);
        assert_eq!(all, wilson(190, 190));
        // Shares that differ: a t interval around the pooled share.
        let p = replicated_probability(&column, f64::is_finite);
        assert_eq!(p.estimate, 197.0 / 200.0);
        assert!(p.low < p.estimate && p.high == 1.0);
    }

    #[test]
    fn not_delivered_percentiles_are_not_reached() {
        let mut xs: Vec<f64> = (1..=7).map(f64::from).collect();
        xs.extend([f64::INFINITY; 3]);
        let ps = percentiles(&xs, &[0.5, 0.8]);
        assert_eq!(ps[0].days, Some(5.0));
        assert_eq!(ps[1].days, None);
    }
}
