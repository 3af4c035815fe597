//! Comparing scenarios: side-by-side figures, paired differences and trade-offs.
//!
//! Every scenario is simulated with the same seed, so a task that two scenarios share (same id)
//! draws the same numbers in both: common random numbers. The difference between two scenarios
//! in one iteration is then the effect of what changed, not noise, and its distribution is much
//! narrower than the difference of two independent runs would be.

use super::{Percentile, Probability, percentiles, summarize, wilson};
use crate::engine::{Config, Outcomes, simulate};
use crate::model::Plan;

/// z for a two-sided 95% interval.
const Z95: f64 = 1.959963984540054;

/// Percentiles shown for paired differences.
pub const DIFF_PERCENTILES: [f64; 3] = [0.1, 0.5, 0.9];

/// One simulated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub label: String,
    pub summary: super::Summary,
    pub outcomes: Outcomes,
}

/// A difference with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Difference {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

/// Scenario `b` against the reference `a` for one milestone they share.
#[derive(Debug, Clone, PartialEq)]
pub struct Paired {
    pub a: usize,
    pub b: usize,
    pub milestone: String,
    /// Percentiles of `finish(a) - finish(b)` per run: how many working days sooner `b` is
    /// (negative: later). `None` is infinite: one of the two never delivered in that run.
    pub sooner: Vec<Percentile>,
    /// P(b delivers strictly before a).
    pub b_sooner: Probability,
    /// P(b on time) - P(a on time), when both have a deadline.
    pub on_time: Option<Difference>,
    /// With costs in both: the mean of `cost(a) - cost(b)` per run (how much cheaper `b` is
    /// reaching the milestone; negative: dearer), with its paired 95% interval.
    pub cost_saving: Option<Difference>,
    /// With costs in both: P(b costs strictly less than a).
    pub b_cheaper: Option<Probability>,
}

/// How the scenarios draw their random numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pairing {
    /// The same seed for all: shared tasks draw the same numbers.
    Common,
    /// A different seed per scenario, as if each were run on its own (for comparison only).
    Independent,
}

/// Scenarios side by side, as every comparison report and chart reads them.
pub struct Comparison<'a> {
    /// Each scenario's label and plan; the first is the reference the others are paired with.
    pub plans: &'a [(String, &'a Plan)],
    /// The file each plan came from.
    pub files: &'a [String],
    pub scenarios: &'a [Scenario],
    pub paired: &'a [Paired],
    pub pairing: Pairing,
    /// Each scenario against the reference by net value (empty when no plan has costs or
    /// values).
    pub decisions: &'a [Decision],
    /// Each scenario's net value, when its plan has costs or values.
    pub net: &'a [Option<NetValue>],
}

impl Comparison<'_> {
    /// Milestone ids in order of first appearance across the scenarios.
    pub fn milestone_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for (_, plan) in self.plans {
            for m in plan.milestones() {
                if !ids.contains(&m.id) {
                    ids.push(m.id.clone());
                }
            }
        }
        ids
    }

    /// Scenario `k`'s summary of milestone `id`, when it has that milestone.
    pub fn milestone(&self, k: usize, id: &str) -> Option<&super::MilestoneSummary> {
        let m = self.plans[k]
            .1
            .milestones()
            .iter()
            .position(|m| m.id == id)?;
        self.scenarios[k].summary.milestones.get(m)
    }

    /// The name of milestone `id`, from the first scenario that has it.
    pub fn milestone_name(&self, id: &str) -> String {
        self.plans
            .iter()
            .find_map(|(_, p)| p.milestones().iter().find(|m| m.id == id))
            .map_or(id.to_string(), |m| m.name.clone())
    }

    /// Score names in order of first appearance.
    pub fn score_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for (_, plan) in self.plans {
            for (k, _) in plan.scores() {
                if !names.contains(k) {
                    names.push(k.clone());
                }
            }
        }
        names
    }
}

/// What the trade-off chart puts on its vertical axis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TradeoffAxis {
    /// Cost P80 (lower is better), with P10-P90 whiskers.
    Cost,
    /// A declared score (higher is better).
    Score(String),
}

/// Simulates every plan with `config` (or, unpaired, a seed per plan).
pub fn simulate_all(plans: &[(String, &Plan)], config: &Config, pairing: Pairing) -> Vec<Scenario> {
    plans
        .iter()
        .enumerate()
        .map(|(k, (label, plan))| {
            let seed = match pairing {
                Pairing::Common => config.seed,
                Pairing::Independent => config.seed.wrapping_add(k as u64),
            };
            let outcomes = simulate(plan, &Config { seed, ..*config });
            let summary = summarize(plan, &outcomes);
            Scenario {
                label: label.clone(),
                summary,
                outcomes,
            }
        })
        .collect()
}

/// The per-run difference `fa - fb` (days `b` is sooner), with "neither delivers" as no
/// difference.
fn difference(fa: f64, fb: f64) -> f64 {
    if fa.is_infinite() && fb.is_infinite() {
        0.0
    } else {
        fa - fb
    }
}

/// Paired statistics of scenario `b` against `a` on milestone `id` (present in both plans).
pub fn paired(
    plans: &[(String, &Plan)],
    scenarios: &[Scenario],
    a: usize,
    b: usize,
    id: &str,
) -> Option<Paired> {
    let ma = plans[a].1.milestones().iter().position(|m| m.id == id)?;
    let mb = plans[b].1.milestones().iter().position(|m| m.id == id)?;
    let fa = scenarios[a].outcomes.milestone_column(ma);
    let fb = scenarios[b].outcomes.milestone_column(mb);
    let n = fa.len() as u64;
    let mut d: Vec<f64> = fa
        .iter()
        .zip(&fb)
        .map(|(&x, &y)| difference(x, y))
        .collect();
    radsort::sort(&mut d);
    let sooner = fa.iter().zip(&fb).filter(|(x, y)| y < x).count() as u64;
    let deadline = |k: usize, m: usize| plans[k].1.milestones()[m].deadline.map(|d| d.days);
    let on_time = deadline(a, ma).zip(deadline(b, mb)).map(|(da, db)| {
        // Paired proportions: only the runs where exactly one is on time move the difference.
        let (mut only_a, mut only_b) = (0u64, 0u64);
        for (&x, &y) in fa.iter().zip(&fb) {
            match (x <= da, y <= db) {
                (true, false) => only_a += 1,
                (false, true) => only_b += 1,
                _ => {}
            }
        }
        let (pa, pb) = (only_a as f64 / n as f64, only_b as f64 / n as f64);
        let estimate = pb - pa;
        let se = ((pa + pb - estimate * estimate) / n as f64).max(0.0).sqrt();
        Difference {
            estimate,
            low: estimate - Z95 * se,
            high: estimate + Z95 * se,
        }
    });
    let ca = scenarios[a].outcomes.cost_column(ma);
    let cb = scenarios[b].outcomes.cost_column(mb);
    let (cost_saving, b_cheaper) = match (ca, cb) {
        (Some(ca), Some(cb)) => {
            let saving: Vec<f64> = ca.iter().zip(&cb).map(|(x, y)| x - y).collect();
            let cheaper = saving.iter().filter(|&&s| s > 0.0).count() as u64;
            (mean_difference(&saving), Some(wilson(cheaper, n)))
        }
        _ => (None, None),
    };
    Some(Paired {
        a,
        b,
        milestone: id.to_string(),
        sooner: percentiles(&d, &DIFF_PERCENTILES),
        b_sooner: wilson(sooner, n),
        on_time,
        cost_saving,
        b_cheaper,
    })
}

/// The mean of paired differences with its 95% interval (`mean -+ z sd / sqrt(n)`), summed in
/// order; None when one is infinite (a run that never delivers has no finite value) or there
/// are none.
pub fn mean_difference(d: &[f64]) -> Option<Difference> {
    if d.is_empty() || d.iter().any(|x| !x.is_finite()) {
        return None;
    }
    let n = d.len() as f64;
    let mean = d.iter().sum::<f64>() / n;
    let var = if d.len() > 1 {
        d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    let half = Z95 * (var / n).sqrt();
    Some(Difference {
        estimate: mean,
        low: mean - half,
        high: mean + half,
    })
}

/// Each run's net value of a plan: minus what the program cost (the dearest of its milestones'
/// costs in that run: the milestone that waits for all the work costs all of it) and minus
/// each milestone's `value_per_day` times its finish in working days (the cost of delay,
/// counted from the start). A run in which a milestone with a value never delivers is worth
/// minus infinity. None when the plan declares neither costs nor values.
pub fn net_values(plan: &Plan, outcomes: &Outcomes) -> Option<Vec<f64>> {
    let valued: Vec<(usize, f64)> = plan
        .milestones()
        .iter()
        .enumerate()
        .filter_map(|(m, ms)| ms.value_per_day.filter(|&v| v > 0.0).map(|v| (m, v)))
        .collect();
    let costs: Vec<Vec<f64>> = (0..plan.milestones().len())
        .filter_map(|m| outcomes.cost_column(m))
        .collect();
    if valued.is_empty() && costs.is_empty() {
        return None;
    }
    let n = outcomes.iterations as usize;
    let mut net = vec![0.0; n];
    for (i, v) in net.iter_mut().enumerate() {
        let spent = costs.iter().map(|c| c[i]).fold(0.0, f64::max);
        *v = -spent;
    }
    for (m, value) in valued {
        for (v, t) in net.iter_mut().zip(outcomes.milestone_column(m)) {
            *v -= value * t;
        }
    }
    Some(net)
}

/// A scenario's net value over its runs (see [`net_values`]): higher is better.
#[derive(Debug, Clone, PartialEq)]
pub struct NetValue {
    /// P10, P50, P90; None where the percentile falls among runs worth minus infinity.
    pub percentiles: Vec<Percentile>,
    /// The mean, with its 95% interval; None when some run is worth minus infinity.
    pub mean: Option<Difference>,
    /// Whether some milestone declares `value_per_day` (else the net value is minus the cost).
    pub valued: bool,
}

/// Percentiles shown for net values.
pub const NET_PERCENTILES: [f64; 3] = [0.1, 0.5, 0.9];

/// The net value of scenario `k`, when its plan has costs or values.
pub fn net_value(plan: &Plan, scenario: &Scenario) -> Option<NetValue> {
    let net = net_values(plan, &scenario.outcomes)?;
    // Percentiles (in `days`, here an amount) with order-statistic intervals; None where the
    // percentile falls among the runs worth minus infinity.
    let mut sorted = net.clone();
    radsort::sort(&mut sorted);
    Some(NetValue {
        percentiles: percentiles(&sorted, &NET_PERCENTILES),
        mean: mean_difference(&net),
        valued: plan.milestones().iter().any(|m| m.value_per_day.is_some()),
    })
}

/// Which of two scenarios is better, by net value, at a chosen confidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Winner {
    /// The reference scenario `a` is worth more in at least the confidence's share of runs.
    A,
    /// Scenario `b` is.
    B,
    /// Neither is worth more in that many runs: the simulation cannot tell them apart at this
    /// confidence.
    Neither,
}

/// Scenario `b` against the reference `a` by net value, run by run on common random numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub a: usize,
    pub b: usize,
    /// The mean of `net(b) - net(a)` with its paired 95% interval; None when a run of one is
    /// worth minus infinity and the other's is not.
    pub difference: Option<Difference>,
    /// Percentiles (P10, P50, P90) of `net(b) - net(a)` per run; None where infinite.
    pub percentiles: Vec<Percentile>,
    /// P(b is worth strictly more than a), and P(a strictly more than b).
    pub b_better: Probability,
    pub a_better: Probability,
    /// The confidence the winner is named at.
    pub confidence: f64,
    pub winner: Winner,
    /// False when the winner's probability (or, with no winner, either probability) has an
    /// interval that straddles the confidence: more iterations may change the verdict.
    pub decided: bool,
}

/// Decides between scenarios `a` and `b` at `confidence`: `b` wins when it is worth more than
/// `a` in at least `confidence` of the runs (the share's estimate, as a gate is judged), `a`
/// wins when it is, and otherwise neither. None when either plan has neither costs nor values.
pub fn decide(
    plans: &[(String, &Plan)],
    scenarios: &[Scenario],
    a: usize,
    b: usize,
    confidence: f64,
) -> Option<Decision> {
    let na = net_values(plans[a].1, &scenarios[a].outcomes)?;
    let nb = net_values(plans[b].1, &scenarios[b].outcomes)?;
    let n = na.len() as u64;
    let d: Vec<f64> = na
        .iter()
        .zip(&nb)
        .map(|(&x, &y)| if x == y { 0.0 } else { y - x })
        .collect();
    let b_better = wilson(d.iter().filter(|&&x| x > 0.0).count() as u64, n);
    let a_better = wilson(d.iter().filter(|&&x| x < 0.0).count() as u64, n);
    let straddles = |p: &Probability| p.low < confidence && confidence <= p.high;
    let (winner, decided) = if b_better.estimate >= confidence {
        (Winner::B, !straddles(&b_better))
    } else if a_better.estimate >= confidence {
        (Winner::A, !straddles(&a_better))
    } else {
        (
            Winner::Neither,
            !straddles(&b_better) && !straddles(&a_better),
        )
    };
    let mut sorted = d.clone();
    radsort::sort(&mut sorted);
    Some(Decision {
        a,
        b,
        difference: mean_difference(&d),
        percentiles: percentiles(&sorted, &NET_PERCENTILES),
        b_better,
        a_better,
        confidence,
        winner,
        decided,
    })
}

/// Which points are not dominated, when both coordinates are to be made small: a point is
/// dominated when another is no worse in both and better in one.
pub fn non_dominated(points: &[(f64, f64)]) -> Vec<bool> {
    points
        .iter()
        .map(|&(x, y)| {
            !points
                .iter()
                .any(|&(x2, y2)| x2 <= x && y2 <= y && (x2 < x || y2 < y))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_dominated_points() {
        // (1, 5) and (3, 2) trade off; (4, 4) is worse than (3, 2) in both; (3, 2) twice: neither
        // dominates the other.
        let pts = [(1.0, 5.0), (3.0, 2.0), (4.0, 4.0), (3.0, 2.0), (1.0, 6.0)];
        assert_eq!(non_dominated(&pts), vec![true, true, false, true, false]);
    }
}
