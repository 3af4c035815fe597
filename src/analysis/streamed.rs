//! A milestone's summary from streams of its outcomes, so that a merge of shards need not hold
//! the whole run: every figure of [`MilestoneSummary`] is an order statistic, a count, or a sum
//! taken in a fixed order, and each of those is read off one of three streams.
//!
//! - The finishes in ascending order, each with its iteration: percentiles and their intervals
//!   (the values at a few ranks), delivered and on-time counts per replicate (the replicate is
//!   read off the iteration) and the mean of the delivered finishes (summed in ascending order)
//!   in one pass; their sd in a second; the replicated percentiles of a Latin hypercube run in a
//!   third.
//! - The costs in ascending order: cost percentiles.
//! - The costs in iteration order: the mean cost (summed in iteration order) and P(within
//!   budget); with a deadline, (finish, cost) in iteration order: the joint P(on time and within
//!   budget).
//!
//! A single run reads the same streams from memory ([`InMemory`]), so a run and a merge do the
//! same arithmetic in the same order and report the same bits.

use super::{
    BudgetSummary, CostSummary, Gate, Intervals, MilestoneSummary, OnTime, PERCENTILES, Percentile,
    Probability, order_statistic_ranks, replicated_half_width, wilson,
};
use crate::engine::rng;
use crate::model::Plan;

/// One milestone's outcomes over a whole run, as streams (each may be read more than once).
pub trait MilestoneColumns {
    /// Iterations of the whole run.
    fn iterations(&self) -> u64;
    /// The finishes (infinity: not delivered) in ascending order by `f64::total_cmp`, ties in
    /// iteration order, each with its iteration.
    fn sorted(&self) -> Box<dyn Iterator<Item = (f64, u64)> + '_>;
    /// The costs in ascending order; empty when the plan has none.
    fn sorted_costs(&self) -> Box<dyn Iterator<Item = f64> + '_>;
    /// The costs in iteration order; empty when the plan has none.
    fn costs_in_order(&self) -> Box<dyn Iterator<Item = f64> + '_>;
    /// Each iteration's finish and cost, in iteration order (only read for the joint
    /// probability of a milestone with a deadline and a budget); empty without costs.
    fn pairs_in_order(&self) -> Box<dyn Iterator<Item = (f64, f64)> + '_>;
    /// Whether the plan has costs.
    fn costs(&self) -> bool;
}

/// A milestone's columns held in memory, in iteration order. The sorted orders are computed
/// once, on first use: the finishes' as 4-byte indices, the costs' as a sorted copy.
pub struct InMemory<'a> {
    finishes: &'a [f64],
    costs: Option<&'a [f64]>,
    order: std::cell::OnceCell<Vec<u32>>,
    sorted_costs: std::cell::OnceCell<Vec<f64>>,
}

impl<'a> InMemory<'a> {
    /// At most `u32::MAX` iterations (a run has at most 10^8).
    pub fn new(finishes: &'a [f64], costs: Option<&'a [f64]>) -> InMemory<'a> {
        assert!(finishes.len() <= u32::MAX as usize, "too many iterations");
        InMemory {
            finishes,
            costs,
            order: std::cell::OnceCell::new(),
            sorted_costs: std::cell::OnceCell::new(),
        }
    }
}

impl MilestoneColumns for InMemory<'_> {
    fn iterations(&self) -> u64 {
        self.finishes.len() as u64
    }
    fn sorted(&self) -> Box<dyn Iterator<Item = (f64, u64)> + '_> {
        let order = self.order.get_or_init(|| {
            let f = self.finishes;
            let mut order: Vec<u32> = (0..f.len() as u32).collect();
            // Stable: ties stay in iteration order. A radix sort by value, in the order of
            // `f64::total_cmp`.
            radsort::sort_by_key(&mut order, |&a| f[a as usize]);
            order
        });
        Box::new(
            order
                .iter()
                .map(|&i| (self.finishes[i as usize], u64::from(i))),
        )
    }
    fn sorted_costs(&self) -> Box<dyn Iterator<Item = f64> + '_> {
        let sorted = self.sorted_costs.get_or_init(|| {
            let mut v = self.costs.map(<[f64]>::to_vec).unwrap_or_default();
            radsort::sort(&mut v);
            v
        });
        Box::new(sorted.iter().copied())
    }
    fn costs_in_order(&self) -> Box<dyn Iterator<Item = f64> + '_> {
        Box::new(self.costs.unwrap_or_default().iter().copied())
    }
    fn pairs_in_order(&self) -> Box<dyn Iterator<Item = (f64, f64)> + '_> {
        let costs = self.costs.unwrap_or_default();
        Box::new(self.finishes.iter().copied().zip(costs.iter().copied()))
    }
    fn costs(&self) -> bool {
        self.costs.is_some()
    }
}

/// The values at the given 1-based ranks of an ascending stream (infinity past its end); the
/// stream is read to its end.
fn at_ranks(sorted: impl Iterator<Item = f64>, ranks: &[u64]) -> Vec<f64> {
    let mut want: Vec<u64> = ranks.to_vec();
    want.sort_unstable();
    want.dedup();
    let mut found = vec![f64::INFINITY; want.len()];
    let mut k = 0;
    for (i, x) in sorted.enumerate() {
        while k < want.len() && want[k] == i as u64 + 1 {
            found[k] = x;
            k += 1;
        }
    }
    ranks
        .iter()
        .map(|r| found[want.binary_search(r).expect("a wanted rank")])
        .collect()
}

/// The 1-based rank of the p-quantile of `n` values (see [`super::quantile_sorted`]).
fn quantile_rank(n: u64, p: f64) -> u64 {
    ((p * n as f64).ceil() as u64).clamp(1, n)
}

/// The share of a run of `n` that hit, from the hits in each replicate, with its interval:
/// replicated when `replicated` and the replicates' shares differ, else Wilson's.
pub(super) fn share(counts: &[u64], n: u64, replicated: bool) -> Probability {
    let k = counts.iter().sum::<u64>();
    let mc = wilson(k, n);
    if !replicated {
        return mc;
    }
    let shares: Vec<f64> = counts
        .iter()
        .enumerate()
        .map(|(r, &c)| {
            let range = rng::replicate_range(r as u64, n);
            c as f64 / (range.end - range.start) as f64
        })
        .collect();
    match replicated_half_width(&shares) {
        Some(half) => Probability {
            estimate: mc.estimate,
            low: (mc.estimate - half).max(0.0),
            high: (mc.estimate + half).min(1.0),
        },
        None => mc,
    }
}

/// Summarises milestone `m` of `plan` from its columns, with intervals of the given kind: the
/// same figures as [`super::milestone_summary`] on the columns in memory, bit for bit.
pub fn milestone_summary(
    plan: &Plan,
    m: usize,
    cols: &dyn MilestoneColumns,
    intervals: Intervals,
) -> MilestoneSummary {
    let replicated = matches!(intervals, Intervals::Replicated { .. });
    let n = cols.iterations();
    let ms = &plan.milestones()[m];
    let deadline = ms.deadline.map(|d| d.days);
    let budget = ms.budget.filter(|_| cols.costs());
    let reps = rng::replicates(n) as usize;
    // The replicate of an iteration (a column read again after a change cannot index past the
    // counts).
    let rep = |i: u64| (rng::replicate_of(i, n) as usize).min(reps - 1);

    // Ascending order: the values at the percentiles' ranks, and per replicate the iterations
    // delivered and on time.
    let ranks: Vec<[u64; 3]> = PERCENTILES
        .iter()
        .map(|&p| {
            let (l, u) = order_statistic_ranks(n, p);
            [quantile_rank(n, p), l, u]
        })
        .collect();
    let flat: Vec<u64> = ranks.iter().flatten().copied().collect();
    // The delivered finishes come first in ascending order: their sum, in that order, is the
    // mean's.
    let (mut delivered_r, mut on_time_r) = (vec![0u64; reps], vec![0u64; reps]);
    let mut sum = 0.0;
    let counted = cols.sorted().inspect(|&(t, i)| {
        let r = rep(i);
        if t.is_finite() {
            delivered_r[r] += 1;
            sum += t;
        }
        on_time_r[r] += u64::from(deadline.is_some_and(|d| t <= d));
    });
    let values = at_ranks(counted.map(|x| x.0), &flat);
    let finite = |x: f64| x.is_finite().then_some(x);
    let mut pcts: Vec<Percentile> = PERCENTILES
        .iter()
        .enumerate()
        .map(|(k, &p)| Percentile {
            p,
            days: finite(values[3 * k]),
            low: finite(values[3 * k + 1]),
            high: finite(values[3 * k + 2]),
        })
        .collect();
    // Iteration order: the cost sum, the iterations within budget, and with a deadline too,
    // on time and within budget.
    let (mut within_r, mut joint_r) = (vec![0u64; reps], vec![0u64; reps]);
    let mut cost_sum = 0.0;
    for (i, c) in cols.costs_in_order().enumerate() {
        cost_sum += c;
        if let Some(b) = budget {
            within_r[rep(i as u64)] += u64::from(c <= b);
        }
    }
    if let (Some(b), Some(d)) = (budget, deadline) {
        for (i, (t, c)) in cols.pairs_in_order().enumerate() {
            joint_r[rep(i as u64)] += u64::from(t <= d && c <= b);
        }
    }
    let delivered_n: u64 = delivered_r.iter().sum();
    let (mean, sd) = if delivered_n == 0 {
        (None, None)
    } else {
        let mean = sum / delivered_n as f64;
        let sd = if delivered_n > 1 {
            let mut sq = 0.0;
            for x in cols.sorted().map(|x| x.0).take(delivered_n as usize) {
                sq += (x - mean).powi(2);
            }
            (sq / (delivered_n as f64 - 1.0)).sqrt()
        } else {
            0.0
        };
        (Some(mean), Some(sd))
    };
    if replicated {
        let tagged = cols
            .sorted()
            .take(delivered_n as usize)
            .map(|(x, i)| (x, rep(i)));
        pcts = super::replicated_percentiles_from(tagged, n, pcts);
    }
    let on_time = deadline.map(|d| {
        let probability = share(&on_time_r, n, replicated);
        OnTime {
            deadline_days: d,
            probability,
            gate: ms.confidence.map(|t| Gate::judge(t, &probability)),
        }
    });
    let cost = cols.costs().then(|| {
        let q = [0.1, 0.5, 0.8, 0.9].map(|p| quantile_rank(n, p));
        let v = at_ranks(cols.sorted_costs(), &q);
        CostSummary {
            p10: v[0],
            p50: v[1],
            p80: v[2],
            p90: v[3],
            mean: cost_sum / n as f64,
        }
    });
    let budget = budget.map(|amount| {
        let within = share(&within_r, n, replicated);
        BudgetSummary {
            amount,
            within,
            joint: deadline.map(|_| share(&joint_r, n, replicated)),
            gate: ms.budget_confidence.map(|t| Gate::judge(t, &within)),
        }
    });
    MilestoneSummary {
        milestone: m,
        delivered: share(&delivered_r, n, replicated),
        percentiles: pcts,
        mean,
        sd,
        on_time,
        cost,
        budget,
    }
}
