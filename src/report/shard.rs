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
    /// Per milestone, then node: iterations in which the node was on the milestone's critical
    /// path. Counts add up over shards, so a merged run ranks drivers as one run does.
    pub critical: Vec<u64>,
}

/// Why shard files could not be merged.
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("no shard file given")]
    NoShards,
    #[error("{path} is not a shipcast shard file: {source}")]
    NotShard {
        path: String,
        source: serde_json::Error,
    },
    #[error(
        "{path} is a {SHARD_SCHEMA} file this build of shipcast cannot read ({source}); it was written by another build: run every shard again with this one"
    )]
    OtherBuild {
        path: String,
        source: serde_json::Error,
    },
    #[error("{path} says the run has {shards} shards; at most {max} are allowed", max = crate::pipeline::MAX_SHARDS)]
    TooManyShards { path: String, shards: u64 },
    #[error("{path} has schema {schema}, not {SHARD_SCHEMA}")]
    Schema { path: String, schema: String },
    #[error(
        "{path} is a shard of another run than {first} (scenario, seed, iterations, sampling, shard count, gates and version must match)"
    )]
    OtherRun { path: String, first: String },
    #[error("the shards do not make a whole run of {shards}: have {have:?}, missing {}", missing_list(.missing))]
    Incomplete {
        shards: u64,
        have: Vec<u64>,
        missing: Vec<u64>,
    },
    #[error("cannot read {path} (the scenario the shards ran): {source}")]
    Scenario {
        path: String,
        source: std::io::Error,
    },
    #[error("{0} changed since the shards ran; run them again")]
    Changed(String),
}

fn missing_list(missing: &[u64]) -> String {
    if missing.is_empty() {
        "none (some appear twice)".into()
    } else {
        missing
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// How a shard was run: everything that must be the same in every shard of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardRun<'a> {
    /// The scenario file as named, and its text.
    pub file: &'a str,
    pub text: &'a str,
    pub variant: Option<&'a str>,
    /// `--gate` options as written.
    pub gates: &'a [String],
    pub config: crate::engine::Config,
    pub shard: u64,
    pub shards: u64,
}

impl ShardFile {
    /// The shard file of outcomes simulated as `run` says, for the plan with these milestones.
    pub fn new(run: &ShardRun, milestones: Vec<String>, o: &Outcomes) -> ShardFile {
        ShardFile {
            schema: SHARD_SCHEMA.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            file: run.file.to_string(),
            fingerprint: fingerprint(run.text),
            variant: run.variant.map(str::to_string),
            gates: run.gates.to_vec(),
            seed: run.config.seed,
            iterations: run.config.iterations,
            sampling: sampling_name(run.config.sampling).into(),
            shard: run.shard,
            shards: run.shards,
            first: o.first,
            count: o.iterations,
            milestones,
            costs: o.costs,
            rows: o.rows.iter().map(|x| x.is_finite().then_some(*x)).collect(),
            nodes: o
                .nodes
                .iter()
                .map(|c| [c.ran, c.succeeded, c.attempts])
                .collect(),
            risks_fired: o.risks_fired.clone(),
            critical: o.critical.clone(),
        }
    }

    /// The file's text: one line of JSON.
    pub fn render(&self) -> String {
        let mut s = serde_json::to_string(self).expect("a shard file serializes");
        s.push('\n');
        s
    }

    /// The sampling the shards ran with.
    pub fn sampling(&self) -> Sampling {
        if self.sampling == sampling_name(Sampling::LatinHypercube) {
            Sampling::LatinHypercube
        } else {
            Sampling::MonteCarlo
        }
    }
}

/// Reads shard files and checks that they are every shard of one run, once each; returns them
/// in shard order, each with its path as named.
pub fn read_all(paths: &[std::path::PathBuf]) -> Result<Vec<(String, ShardFile)>, ShardError> {
    if paths.is_empty() {
        return Err(ShardError::NoShards);
    }
    let mut parts = Vec::new();
    for p in paths {
        let path = p.display().to_string();
        let text = std::fs::read_to_string(p).map_err(|source| ShardError::Io {
            path: path.clone(),
            source,
        })?;
        let part: ShardFile = match serde_json::from_str(&text) {
            Ok(part) => part,
            Err(source) => {
                // A file that names this schema but does not parse came from another build.
                let schema = serde_json::from_str::<serde_json::Value>(&text)
                    .ok()
                    .and_then(|v| v.get("schema")?.as_str().map(str::to_string));
                return Err(if schema.as_deref() == Some(SHARD_SCHEMA) {
                    ShardError::OtherBuild { path, source }
                } else {
                    ShardError::NotShard { path, source }
                });
            }
        };
        if part.shards > crate::pipeline::MAX_SHARDS {
            return Err(ShardError::TooManyShards {
                path,
                shards: part.shards,
            });
        }
        if part.schema != SHARD_SCHEMA {
            return Err(ShardError::Schema {
                path,
                schema: part.schema,
            });
        }
        parts.push((path, part));
    }
    parts.sort_by_key(|(_, p)| p.shard);
    let first = &parts[0].1;
    let key = |p: &ShardFile| {
        (
            p.file.clone(),
            p.fingerprint.clone(),
            p.variant.clone(),
            p.gates.clone(),
            p.seed,
            p.iterations,
            p.sampling.clone(),
            p.shards,
            p.milestones.clone(),
            p.version.clone(),
        )
    };
    if let Some((path, _)) = parts.iter().find(|(_, p)| key(p) != key(first)) {
        return Err(ShardError::OtherRun {
            path: path.clone(),
            first: parts[0].0.clone(),
        });
    }
    let have: Vec<u64> = parts.iter().map(|(_, p)| p.shard).collect();
    if have != (1..=first.shards).collect::<Vec<_>>() {
        return Err(ShardError::Incomplete {
            shards: first.shards,
            missing: (1..=first.shards).filter(|k| !have.contains(k)).collect(),
            have,
        });
    }
    Ok(parts)
}

/// Reads the scenario the shards ran and checks that it has not changed since; returns its text.
pub fn read_scenario(first: &ShardFile) -> Result<String, ShardError> {
    let text = std::fs::read_to_string(&first.file).map_err(|source| ShardError::Scenario {
        path: first.file.clone(),
        source,
    })?;
    if fingerprint(&text) != first.fingerprint {
        return Err(ShardError::Changed(first.file.clone()));
    }
    Ok(text)
}

/// A fingerprint of scenario text: the same on every platform.
pub fn fingerprint(text: &str) -> String {
    format!("{:016x}", crate::model::key::stream_key(text))
}

pub fn sampling_name(s: Sampling) -> &'static str {
    match s {
        Sampling::MonteCarlo => "monte-carlo",
        Sampling::LatinHypercube => "latin-hypercube",
    }
}

impl ShardFile {
    /// The outcomes of this shard's iterations (without traces).
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
            critical: self.critical.clone(),
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn shards_cover_the_run_once() {
        for (n, iterations) in [(1, 10), (4, 10), (16, 100_000), (7, 3)] {
            let mut next = 0;
            for k in 1..=n {
                let r = crate::engine::split(k, n, iterations);
                assert_eq!(r.start, next);
                next = r.end;
            }
            assert_eq!(next, iterations);
        }
    }
}
