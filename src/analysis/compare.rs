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
    d.sort_by(f64::total_cmp);
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
    Some(Paired {
        a,
        b,
        milestone: id.to_string(),
        sooner: percentiles(&d, &DIFF_PERCENTILES),
        b_sooner: wilson(sooner, n),
        on_time,
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
