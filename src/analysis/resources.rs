//! What shared resources do to a forecast (issue 12): each milestone's P80 with and without the
//! resource constraint on common random numbers, the delay each resource causes (the P80 when
//! only it is unlimited), and each resource's utilisation over time.

use crate::analysis::{drivers::WHAT_IF_ITERATIONS, quantile_sorted};
use crate::engine::{Config, Outcomes, Probes, simulate_range};
use crate::model::Plan;

/// Time bins of a utilisation profile.
pub const BINS: usize = 60;

/// Iterations a utilisation profile averages over at most: the run's first ones.
pub const PROFILE_ITERATIONS: u64 = 2_000;

/// A milestone's P80 with and without the resource constraint.
#[derive(Debug, Clone, PartialEq)]
pub struct MilestoneDelay {
    pub milestone: usize,
    /// P80 with the constraint (None: not reached).
    pub constrained: Option<f64>,
    /// P80 on the same draws with no resource limits.
    pub unconstrained: Option<f64>,
}

impl MilestoneDelay {
    /// Working days the constraint adds at P80 (None when either is not reached).
    pub fn delay(&self) -> Option<f64> {
        Some(self.constrained? - self.unconstrained?)
    }
}

/// One resource's effect and load.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceImpact {
    pub resource: usize,
    /// Working days the primary milestone's P80 would gain were this resource unlimited (the
    /// others unchanged): what waiting for it adds. None when a P80 is not reached.
    pub delay: Option<f64>,
    /// Mean units in use in each of [`BINS`] equal bins of `[0, horizon)`.
    pub busy: Vec<f64>,
    /// The capacity at the middle of each bin.
    pub capacity: Vec<f64>,
    /// Mean units in use over `[0, horizon)` divided by the mean capacity.
    pub utilisation: f64,
}

/// The resource section of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceReport {
    /// Iterations the comparisons ran on (the run's first ones).
    pub iterations: u64,
    pub milestones: Vec<MilestoneDelay>,
    /// In file order.
    pub resources: Vec<ResourceImpact>,
    /// The end of the utilisation profiles' time axis (working days): the latest P95 finish of
    /// the milestones, or the last finish seen.
    pub horizon: f64,
    /// The milestone the per-resource delays are measured on (the last declared).
    pub primary: usize,
}

impl ResourceReport {
    /// The resource that binds most: the largest delay, when it is above zero.
    pub fn binding(&self) -> Option<&ResourceImpact> {
        self.resources
            .iter()
            .filter(|r| r.delay.is_some_and(|d| d > 0.0))
            .max_by(|a, b| a.delay.unwrap_or(0.0).total_cmp(&b.delay.unwrap_or(0.0)))
    }
}

fn p80(mut column: Vec<f64>) -> Option<f64> {
    radsort::sort(&mut column);
    let q = quantile_sorted(&column, 0.8);
    q.is_finite().then_some(q)
}

/// The resource report of a plan with resources (None without), from the run's first
/// iterations: every comparison is paired (the same draws in every rerun).
pub fn resources(plan: &Plan, config: &Config, out: &Outcomes) -> Option<ResourceReport> {
    if !plan.has_resources() {
        return None;
    }
    let n = config
        .iterations
        .min(WHAT_IF_ITERATIONS)
        .min(out.iterations);
    let rerun = |p: &Plan| simulate_range(p, config, &Probes::default(), 0..n);
    let head = |o: &Outcomes, m: usize| {
        let mut c = o.milestone_column(m);
        c.truncate(n as usize);
        c
    };
    let free = rerun(&plan.without_resources());
    let milestones = (0..out.milestones)
        .map(|m| MilestoneDelay {
            milestone: m,
            constrained: p80(head(out, m)),
            unconstrained: p80(head(&free, m)),
        })
        .collect::<Vec<_>>();
    let primary = out.milestones - 1;
    // Utilisation: the tasks that hold resources, traced over the first iterations.
    let users: Vec<u32> = (0..plan.nodes().len() as u32)
        .filter(|&i| !plan.nodes()[i as usize].uses.is_empty())
        .collect();
    let k = n.min(PROFILE_ITERATIONS);
    let traced = simulate_range(
        plan,
        config,
        &Probes {
            trace: users.clone(),
            criticality: false,
        },
        0..k,
    );
    let cols: Vec<(Vec<f64>, Vec<f64>)> =
        (0..users.len()).map(|t| traced.trace_columns(t)).collect();
    let mut horizon = (0..out.milestones)
        .filter_map(|m| {
            let mut c = head(out, m);
            radsort::sort(&mut c);
            let q = quantile_sorted(&c, 0.95);
            q.is_finite().then_some(q)
        })
        .fold(0.0, f64::max);
    if horizon <= 0.0 {
        horizon = cols
            .iter()
            .flat_map(|(_, f)| f.iter().copied().filter(|x| x.is_finite()))
            .fold(1.0, f64::max);
    }
    let width = horizon / BINS as f64;
    let resources = plan
        .resources()
        .iter()
        .enumerate()
        .map(|(r, res)| {
            let mut busy = vec![0.0; BINS];
            for (t, &i) in users.iter().enumerate() {
                let Some(&(_, amount)) = plan.nodes()[i as usize]
                    .uses
                    .iter()
                    .find(|u| u.0 as usize == r)
                else {
                    continue;
                };
                let (starts, finishes) = &cols[t];
                for (&s, &f) in starts.iter().zip(finishes) {
                    if !s.is_finite() || f.partial_cmp(&s) != Some(std::cmp::Ordering::Greater) {
                        continue;
                    }
                    let (b0, b1) = (
                        (s / width) as usize,
                        ((f / width).ceil() as usize).min(BINS),
                    );
                    for (b, cell) in busy.iter_mut().enumerate().take(b1).skip(b0) {
                        let lo = (b as f64 * width).max(s);
                        let hi = ((b + 1) as f64 * width).min(f);
                        if hi > lo {
                            *cell += amount * (hi - lo) / width;
                        }
                    }
                }
            }
            for cell in &mut busy {
                *cell /= k.max(1) as f64;
            }
            let capacity: Vec<f64> = (0..BINS)
                .map(|b| res.capacity_at((b as f64 + 0.5) * width))
                .collect();
            let cap_sum: f64 = capacity.iter().sum();
            let utilisation = if cap_sum > 0.0 {
                busy.iter().sum::<f64>() / cap_sum
            } else {
                0.0
            };
            let unlimited = rerun(&plan.with_unlimited(r));
            let delay = milestones[primary]
                .constrained
                .zip(p80(head(&unlimited, primary)))
                .map(|(with, without)| with - without);
            ResourceImpact {
                resource: r,
                delay,
                busy,
                capacity,
                utilisation,
            }
        })
        .collect();
    Some(ResourceReport {
        iterations: n,
        milestones,
        resources,
        horizon,
        primary,
    })
}
