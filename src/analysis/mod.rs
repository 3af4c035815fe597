//! From raw outcomes to forecasts with their Monte Carlo error.
//!
//! Percentiles are read off the empirical distribution in which an iteration that did not deliver
//! counts as "never" (+infinity): P80 is the finish by which 80% of all simulated programs had
//! delivered. When fewer than 80% deliver at all, P80 is "not reached", which is the honest answer.
//! Every percentile carries a 95% interval from order statistics, every probability a 95% Wilson
//! score interval. Mean and standard deviation are of the delivered iterations.

pub mod compare;
pub mod drift;
pub mod drivers;
pub mod sweep;

use statrs::distribution::{Binomial, DiscreteCDF};

use crate::engine::{Config, Outcomes, Probes, simulate_range};
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
    let b = Binomial::new(p, n).expect("p in [0, 1]");
    let l = b.inverse_cdf(0.025).max(1);
    let u = (b.inverse_cdf(0.975) + 1).min(n);
    (l, u)
}

/// The p-quantile of sorted samples, as the inverse of the empirical CDF: the smallest value
/// with at least a share p of the samples at or below it.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    let k = ((p * n as f64).ceil() as usize).clamp(1, n);
    sorted[k - 1]
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
                low: finite(sorted[l as usize - 1]),
                high: finite(sorted[u as usize - 1]),
            }
        })
        .collect()
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
        sorted.sort_by(f64::total_cmp);
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
}

impl MilestoneSummary {
    /// The reported percentile `p` (one of [`PERCENTILES`]), looked up by value.
    pub fn percentile(&self, p: f64) -> Option<&Percentile> {
        self.percentiles.iter().find(|x| x.p == p)
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
    pub milestones: Vec<MilestoneSummary>,
    pub experiments: Vec<ExperimentSummary>,
    pub risks: Vec<RiskSummary>,
}

/// Summarises one milestone's finishes (in iteration order) and, when given, its costs.
pub fn milestone_summary(
    plan: &Plan,
    m: usize,
    column: &[f64],
    cost: Option<&[f64]>,
) -> MilestoneSummary {
    let n = column.len() as u64;
    let mut sorted = column.to_vec();
    sorted.sort_by(f64::total_cmp);
    let delivered_n = sorted.partition_point(|x| x.is_finite()) as u64;
    let delivered = &sorted[..delivered_n as usize];
    let (mean, sd) = mean_sd(delivered);
    let on_time = plan.milestones()[m].deadline.map(|d| {
        let k = sorted.partition_point(|&x| x <= d.days) as u64;
        let probability = wilson(k, n);
        let gate = plan.milestones()[m].confidence.map(|target| Gate {
            target,
            status: if probability.estimate >= target {
                GateStatus::Holds
            } else {
                GateStatus::Fails
            },
            decided: !(probability.low < target && target <= probability.high),
        });
        OnTime {
            deadline_days: d.days,
            probability,
            gate,
        }
    });
    MilestoneSummary {
        milestone: m,
        delivered: wilson(delivered_n, n),
        percentiles: percentiles(&sorted, &PERCENTILES),
        mean,
        sd,
        on_time,
        cost: cost.map(CostSummary::of),
    }
}

/// Mean and sample standard deviation, summed in order (so the result is reproducible).
fn mean_sd(xs: &[f64]) -> (Option<f64>, Option<f64>) {
    if xs.is_empty() {
        return (None, None);
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let sd = if xs.len() > 1 {
        Some((xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt())
    } else {
        Some(0.0)
    };
    (Some(mean), sd)
}

pub fn summarize(plan: &Plan, out: &Outcomes) -> Summary {
    let milestones = (0..out.milestones)
        .map(|m| {
            milestone_summary(
                plan,
                m,
                &out.milestone_column(m),
                out.cost_column(m).as_deref(),
            )
        })
        .collect();
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
    let pick = |mut v: Vec<f64>| -> [Option<f64>; 3] {
        v.retain(|x| x.is_finite());
        v.sort_by(f64::total_cmp);
        [0.1, 0.5, 0.9].map(|p| (!v.is_empty()).then(|| quantile_sorted(&v, p)))
    };
    out.traced
        .iter()
        .enumerate()
        .map(|(t, &node)| {
            let (starts, finishes) = out.trace_columns(t);
            let ran =
                starts.iter().filter(|x| x.is_finite()).count() as f64 / starts.len().max(1) as f64;
            GanttRow {
                node: node as usize,
                ran,
                start: pick(starts),
                finish: pick(finishes),
            }
        })
        .collect()
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
        .filter_map(|m| m.on_time.as_ref()?.gate.as_ref())
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
}

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

/// Computes the details of a run simulated with [`detail_probes`]. Large plans are simulated once
/// more to trace the tasks most often critical for the primary milestone.
pub fn details(plan: &Plan, config: &Config, out: &Outcomes) -> Details {
    let drivers = drivers::drivers(plan, config, out);
    let primary = plan.milestones().len() - 1;
    let gantt = if !out.traced.is_empty() {
        gantt(out)
    } else {
        let n = plan.nodes().len();
        let mut by_crit: Vec<u32> = (0..n as u32)
            .filter(|&i| !plan.nodes()[i as usize].is_milestone)
            .collect();
        by_crit.sort_by_key(|&i| {
            std::cmp::Reverse(
                out.critical
                    .get(primary * n + i as usize)
                    .copied()
                    .unwrap_or(0),
            )
        });
        by_crit.truncate(GANTT_TASKS);
        by_crit.sort();
        // Percentiles of start and finish need no more than the run's first iterations.
        let n = config.iterations.min(drivers::WHAT_IF_ITERATIONS);
        let traced = simulate_range(
            plan,
            config,
            &Probes {
                criticality: false,
                trace: by_crit,
            },
            0..n,
        );
        gantt(&traced)
    };
    let finishes = (0..out.milestones)
        .map(|m| {
            let mut c = out.milestone_column(m);
            c.sort_by(f64::total_cmp);
            c
        })
        .collect();
    Details {
        drivers,
        gantt,
        finishes,
        primary,
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
    fn not_delivered_percentiles_are_not_reached() {
        let mut xs: Vec<f64> = (1..=7).map(f64::from).collect();
        xs.extend([f64::INFINITY; 3]);
        let ps = percentiles(&xs, &[0.5, 0.8]);
        assert_eq!(ps[0].days, Some(5.0));
        assert_eq!(ps[1].days, None);
    }
}
