//! Sweeps: vary one or two numeric parameters of a plan over a grid and watch a milestone's P80,
//! P(on time) and cost move. Every grid point is simulated with the same seed, so the curve shows
//! the effect of the parameter, not noise from point to point (common random numbers).
//!
//! Parameters are addressed by a path:
//!
//! | path | what it sets |
//! | --- | --- |
//! | `task.ID.success` | the chance that each attempt of experiment ID succeeds |
//! | `task.ID.attempts` | the most attempts of experiment ID (the last chance repeats) |
//! | `task.ID.duration_scale` | a factor on every duration ID draws |
//! | `task.ID.cost`, `task.ID.cost_per_day` | the task's costs |
//! | `risk.ID.probability` | the chance that risk ID occurs |
//! | `project.cost_per_day` | the burn rate |
//! | `project.duration_scale` | a factor on every task's durations |

use super::{Intervals, Percentile, Probability, milestone_summary, quantile_sorted};
use crate::engine::{Config, simulate};
use crate::model::Plan;
pub use crate::model::params::{MAX_POINTS, Param, ParamError, SetError, apply, parse_set};

/// Why a sweep could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SweepError {
    #[error("the grid has {0} points; at most {MAX_POINTS}")]
    TooManyPoints(usize),
    #[error(transparent)]
    Param(#[from] ParamError),
}

/// One grid point's results for the swept milestone.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// The value of each parameter, in the order given.
    pub values: Vec<f64>,
    pub delivered: Probability,
    pub p50: Percentile,
    pub p80: Percentile,
    pub on_time: Option<Probability>,
    /// Cost P50 and P80, when the plan has costs.
    pub cost: Option<(f64, f64)>,
}

/// A finished sweep, as every sweep report and chart reads it.
pub struct Sweep<'a> {
    pub plan: &'a Plan,
    pub file: &'a str,
    pub params: &'a [Param],
    pub milestone: usize,
    pub points: &'a [Point],
    pub seed: u64,
    pub iterations: u64,
}

/// Simulates every point of the grid (the first parameter varies slowest) for milestone `m`.
pub fn sweep(
    plan: &Plan,
    params: &[Param],
    m: usize,
    config: &Config,
) -> Result<Vec<Point>, SweepError> {
    let points = grid_points(params)?;
    sweep_range(plan, params, m, config, 0..points)
}

/// The number of points of the grid, refused past [`MAX_POINTS`].
pub fn grid_points(params: &[Param]) -> Result<usize, SweepError> {
    let points: usize = params.iter().map(|p| p.values.len()).product();
    if points > MAX_POINTS {
        return Err(SweepError::TooManyPoints(points));
    }
    Ok(points)
}

/// The parameters' values at point `k` of the grid (mixed-radix digits of k: the last
/// parameter varies fastest).
pub fn grid_values(params: &[Param], k: usize) -> Vec<f64> {
    let mut rest = k;
    let mut values = vec![0.0; params.len()];
    for (slot, p) in values.iter_mut().zip(params).rev() {
        *slot = p.values[rest % p.values.len()];
        rest /= p.values.len();
    }
    values
}

/// Simulates the grid points `range` (a shard of a sweep): each point is the same as in the
/// whole sweep, since every point runs with the same seed on its own.
pub fn sweep_range(
    plan: &Plan,
    params: &[Param],
    m: usize,
    config: &Config,
    range: std::ops::Range<usize>,
) -> Result<Vec<Point>, SweepError> {
    let mut out = Vec::with_capacity(range.len());
    for k in range {
        let values = grid_values(params, k);
        let mut changed = plan.clone();
        for (p, &v) in params.iter().zip(&values) {
            apply(&mut changed, &p.path, v)?;
        }
        let outcomes = simulate(&changed, config);
        // The same figures, with the same intervals, as a run's report of this milestone:
        // order statistics and Wilson, or the replicates' spread under Latin hypercube.
        let summary = milestone_summary(
            &changed,
            m,
            &outcomes.milestone_column(m),
            None,
            Intervals::of(outcomes.sampling, outcomes.iterations),
        );
        let cost = outcomes.cost_column(m).map(|mut c| {
            radsort::sort(&mut c);
            (quantile_sorted(&c, 0.5), quantile_sorted(&c, 0.8))
        });
        out.push(Point {
            values,
            delivered: summary.delivered,
            p50: *summary.p50(),
            p80: *summary.p80(),
            on_time: summary.on_time.map(|o| o.probability),
            cost,
        });
    }
    Ok(out)
}
