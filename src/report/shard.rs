//! `shipcast.shard/1`: the exact outcomes of one shard of a run, for `shipcast merge`.
//!
//! A shard holds every simulated row of its iterations (milestone finishes, and costs when the
//! plan has them; infinity written as null) and the integer counters, so merging shards in order
//! rebuilds exactly the outcomes of the whole run, and so exactly the same report.

use serde::{Deserialize, Serialize};

use crate::engine::{NodeCounts, Outcomes, Sampling};

pub const SHARD_SCHEMA: &str = "shipcast.shard/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardFile {
    pub schema: String,
    pub version: String,
    /// The scenario file, as it was named on the command line.
    pub file: String,
    /// A fingerprint of the scenario text, to refuse merging shards of different scenarios.
    pub fingerprint: String,
    pub variant: Option<String>,
    /// `--gate` options the shards ran with; merge applies them again.
    pub gates: Vec<String>,
    pub seed: u64,
    /// Iterations of the whole run.
    pub iterations: u64,
    pub sampling: String,
    /// This shard, numbered from 1, of `shards`.
    pub shard: u64,
    pub shards: u64,
    /// The run's iterations this shard simulated: `first..first + count`.
    pub first: u64,
    pub count: u64,
    pub milestones: Vec<String>,
    pub costs: bool,
    /// Row-major: per iteration, each milestone's finish then (with costs) each milestone's cost.
    pub rows: Vec<Option<f64>>,
    /// Per node: runs, successes, attempts.
    pub nodes: Vec<[u64; 3]>,
    pub risks_fired: Vec<u64>,
}

/// The iterations of shard `k` (from 1) of `n` in a run of `iterations`: consecutive ranges of
/// equal size, give or take one.
pub fn range(k: u64, n: u64, iterations: u64) -> std::ops::Range<u64> {
    let at = |i: u64| ((u128::from(iterations) * u128::from(i)) / u128::from(n)) as u64;
    at(k - 1)..at(k)
}

/// A fingerprint of scenario text: the same on every platform.
pub fn fingerprint(text: &str) -> String {
    format!("{:016x}", crate::engine::rng::stream_key(text))
}

pub fn sampling_name(s: Sampling) -> &'static str {
    match s {
        Sampling::MonteCarlo => "monte-carlo",
        Sampling::LatinHypercube => "latin-hypercube",
    }
}

impl ShardFile {
    /// Outcomes simulated without traces or criticality.
    pub fn outcomes(&self, seed: u64) -> Outcomes {
        Outcomes {
            iterations: self.count,
            first: self.first,
            seed,
            sampling: if self.sampling == sampling_name(Sampling::LatinHypercube) {
                Sampling::LatinHypercube
            } else {
                Sampling::MonteCarlo
            },
            rows: self
                .rows
                .iter()
                .map(|x| x.unwrap_or(f64::INFINITY))
                .collect(),
            milestones: self.milestones.len(),
            costs: self.costs,
            traced: vec![],
            nodes: self
                .nodes
                .iter()
                .map(|&[ran, succeeded, attempts]| NodeCounts {
                    ran,
                    succeeded,
                    attempts,
                })
                .collect(),
            risks_fired: self.risks_fired.clone(),
            critical: vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_the_run_once() {
        for (n, iterations) in [(1, 10), (4, 10), (16, 100_000), (7, 3)] {
            let mut next = 0;
            for k in 1..=n {
                let r = range(k, n, iterations);
                assert_eq!(r.start, next);
                next = r.end;
            }
            assert_eq!(next, iterations);
        }
    }
}
