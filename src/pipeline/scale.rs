//! Sweeps and batches cut into shards (`sweep --shard K/N`, `run DIR --shard K/N`): each shard
//! takes whole grid points or whole files, so every part it computes is exactly what one
//! process computes, and joining the shards in order gives the whole command's results.

use std::ops::Range;

use super::{Error, Forecast, RunSpec, ShardSpec, config, pool, shard_probes};
use crate::analysis::{self, sweep::Param, sweep::Point};
use crate::engine::{self, Config, Outcomes};
use crate::model::Plan;

/// The items (grid points or files, in order) that shard `k` of `n` takes out of `len`:
/// contiguous blocks, the same cut as a run's iterations, empty when `n` exceeds `len`.
pub fn share(shard: ShardSpec, len: usize) -> Range<usize> {
    let r = engine::split(shard.k, shard.n, len as u64);
    r.start as usize..r.end as usize
}

/// A shard of a sweep: its configuration, the grid points it took (of the whole grid) and
/// their results, each the same as in the whole sweep.
pub struct SweepShard {
    pub config: Config,
    pub grid: usize,
    pub range: Range<usize>,
    pub points: Vec<Point>,
}

/// Simulates shard `shard` of the sweep of `params` over `plan`, reporting `milestone`.
pub fn sweep_shard(
    plan: &Plan,
    params: &[Param],
    milestone: usize,
    spec: &RunSpec,
    shard: ShardSpec,
) -> Result<SweepShard, Error> {
    super::check_sweep(plan, params)?;
    let config = config(plan, spec)?;
    let grid = analysis::sweep::grid_points(params)?;
    let range = share(shard, grid);
    let points = pool(spec.threads)?.install(|| {
        analysis::sweep::sweep_range(plan, params, milestone, &config, range.clone())
    })?;
    Ok(SweepShard {
        config,
        grid,
        range,
        points,
    })
}

/// Simulates the whole run of one file of a batch shard, recording what [`rebuild`] needs to
/// give the forecast (drivers included) one process gives.
pub fn whole_run(plan: &Plan, spec: &RunSpec) -> Result<(Config, Outcomes), Error> {
    super::check(plan, spec)?;
    let config = config(plan, spec)?;
    let out = pool(spec.threads)?
        .install(|| engine::simulate_range(plan, &config, &shard_probes(), 0..config.iterations));
    Ok((config, out))
}

/// The forecast of a whole run recorded by [`whole_run`], as [`super::forecast`] gives it.
pub fn rebuild(plan: Plan, spec: &RunSpec, outcomes: Outcomes) -> Result<Forecast, Error> {
    let config = config(&plan, spec)?;
    let fits = outcomes.first == 0
        && outcomes.iterations == config.iterations
        && outcomes.seed == config.seed
        && outcomes.sampling == config.sampling
        && outcomes.milestones == plan.milestones().len()
        && outcomes.nodes.len() == plan.nodes().len()
        && outcomes.risks_fired.len() == plan.risks().len()
        && outcomes.rows.len() as u64 == outcomes.iterations * outcomes.row_len() as u64
        && outcomes.critical.len() == outcomes.milestones * outcomes.nodes.len();
    if !fits {
        return Err(Error::Shards(
            "the recorded run does not fit the scenario's plan".into(),
        ));
    }
    let summary = analysis::summarize(&plan, &outcomes);
    let details = spec.details.then(|| {
        pool(spec.threads).map(|p| p.install(|| analysis::details(&plan, &config, &outcomes)))
    });
    let details = details.transpose()?;
    Ok(Forecast {
        plan,
        config,
        outcomes,
        summary,
        details,
        precision: None,
        drift: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_cover_every_item_once_in_order() {
        for len in [0, 1, 5, 7, 12, 100] {
            for n in [1, 2, 3, 7, 12, 50] {
                let mut next = 0;
                for k in 1..=n {
                    let r = share(ShardSpec { k, n }, len);
                    assert_eq!(r.start, next, "{k}/{n} of {len}");
                    // Blocks differ by at most one item.
                    assert!(r.len() <= len / n as usize + 1);
                    next = r.end;
                }
                assert_eq!(next, len);
            }
        }
    }
}
