//! `shipcast.batch-shard/1`: the files one shard of a batch ran (`run DIR --shard K/N`), for
//! `shipcast merge`.
//!
//! A shard takes a contiguous block of the batch's whole files (in the batch's order) and runs
//! each in full; the file records, per scenario, either the error that stopped it or the exact
//! outcomes of its run (every row, the counters and the criticality counts), so the merge
//! rebuilds each forecast, drivers included, as one process does, and from them the batch
//! summary, the step summary, JUnit and the exit code. Every field is checked on reading.

use serde::{Deserialize, Serialize};

use super::shard_set::{self, Kind, SetError, field};
use crate::engine::{Outcomes, Sampling};

pub const BATCH_SHARD_SCHEMA: &str = "shipcast.batch-shard/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchShardFile {
    pub schema: String,
    pub kind: String,
    pub version: String,
    /// Every file of the batch, as named (directories expanded), in the batch's order.
    pub files: Vec<String>,
    pub variant: Option<String>,
    /// `--gate` options as written.
    pub gates: Vec<String>,
    /// `--iterations` and `--seed` as given (each file's scenario fills what they leave open).
    pub iterations: Option<u64>,
    pub seed: Option<u64>,
    pub sampling: String,
    pub shard: u64,
    pub shards: u64,
    /// The first file this shard took: `files[first..first + results.len()]`.
    pub first: u64,
    pub results: Vec<FileResult>,
}

/// One file of the shard: the error that stopped it, or its run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileResult {
    pub file: String,
    /// The error as the batch shows it.
    pub error: Option<String>,
    pub run: Option<RunRecord>,
}

/// The whole run of one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunRecord {
    /// A fingerprint of the scenario text the run read.
    pub fingerprint: String,
    pub seed: u64,
    pub iterations: u64,
    pub milestones: Vec<String>,
    pub costs: bool,
    /// Row-major: per iteration, each milestone's finish then (with costs) each milestone's
    /// cost; null where a milestone was not delivered.
    pub rows: Vec<Option<f64>>,
    /// Per node: runs, successes, attempts.
    pub nodes: Vec<[u64; 3]>,
    pub risks_fired: Vec<u64>,
    /// Per milestone, then node: iterations on the milestone's critical path.
    pub critical: Vec<u64>,
}

/// How a batch shard ran: what every shard of one batch shares.
pub struct BatchShardRun<'a> {
    pub files: &'a [String],
    pub variant: Option<&'a str>,
    pub gates: &'a [String],
    pub iterations: Option<u64>,
    pub seed: Option<u64>,
    pub sampling: Sampling,
    pub shard: u64,
    pub shards: u64,
    pub first: usize,
}

impl RunRecord {
    /// The record of a whole run of a scenario with this text and these milestones.
    pub fn new(text: &str, milestones: Vec<String>, o: &Outcomes) -> RunRecord {
        RunRecord {
            fingerprint: shard_set::fingerprint(text),
            seed: o.seed,
            iterations: o.iterations,
            milestones,
            costs: o.costs,
            rows: o.rows.iter().map(|x| x.is_finite().then_some(*x)).collect(),
            nodes: shard_set::counts_to_arrays(&o.nodes),
            risks_fired: o.risks_fired.clone(),
            critical: o.critical.clone(),
        }
    }

    /// The run's outcomes (without traces).
    pub fn outcomes(&self, sampling: Sampling) -> Outcomes {
        Outcomes {
            iterations: self.iterations,
            first: 0,
            seed: self.seed,
            sampling,
            rows: self
                .rows
                .iter()
                .map(|x| x.unwrap_or(f64::INFINITY))
                .collect(),
            milestones: self.milestones.len(),
            costs: self.costs,
            traced: vec![],
            nodes: shard_set::arrays_to_counts(&self.nodes),
            risks_fired: self.risks_fired.clone(),
            critical: self.critical.clone(),
        }
    }

    fn check(&self, path: &str, at: &str) -> Result<(), SetError> {
        let name = |f: &str| format!("{at}.{f}");
        shard_set::check_fingerprint(path, &name("fingerprint"), &self.fingerprint)?;
        let n = self.iterations;
        if n == 0 {
            return Err(field(path, name("iterations"), "is 0"));
        }
        if self.milestones.is_empty() || self.milestones.iter().any(String::is_empty) {
            return Err(field(
                path,
                name("milestones"),
                "must name one or more milestones",
            ));
        }
        let width = self.milestones.len() as u64 * if self.costs { 2 } else { 1 };
        if n.checked_mul(width) != Some(self.rows.len() as u64) {
            return Err(field(
                path,
                name("rows"),
                format!(
                    "hold {} values; {n} iterations of {width} make {}",
                    self.rows.len(),
                    n.saturating_mul(width)
                ),
            ));
        }
        // Milestone finishes are null when not delivered; costs are always numbers.
        for (i, v) in self.rows.iter().enumerate() {
            let column = i as u64 % width;
            let cost = column >= self.milestones.len() as u64;
            match v {
                None if cost => {
                    return Err(field(
                        path,
                        format!("{}[{i}]", name("rows")),
                        "is a cost, and null",
                    ));
                }
                Some(x) if !x.is_finite() || *x < 0.0 => {
                    return Err(field(
                        path,
                        format!("{}[{i}]", name("rows")),
                        "must be a number from 0, or null",
                    ));
                }
                _ => {}
            }
        }
        if self.nodes.is_empty() {
            return Err(field(path, name("nodes"), "is empty"));
        }
        for (i, &[ran, succeeded, attempts]) in self.nodes.iter().enumerate() {
            if ran > n || succeeded > ran || attempts < ran {
                return Err(field(
                    path,
                    format!("{}[{i}]", name("nodes")),
                    "must be [runs, successes, attempts] with successes <= runs <= iterations and runs <= attempts",
                ));
            }
        }
        if self.risks_fired.iter().any(|&k| k > n) {
            return Err(field(
                path,
                name("risks_fired"),
                "counts more than the iterations",
            ));
        }
        if self.critical.len() != self.milestones.len() * self.nodes.len()
            || self.critical.iter().any(|&k| k > n)
        {
            return Err(field(
                path,
                name("critical"),
                "must hold a count of at most the iterations per milestone and node",
            ));
        }
        Ok(())
    }
}

impl BatchShardFile {
    pub fn new(run: &BatchShardRun, results: Vec<FileResult>) -> BatchShardFile {
        BatchShardFile {
            schema: BATCH_SHARD_SCHEMA.into(),
            kind: Kind::Batch.name().into(),
            version: env!("CARGO_PKG_VERSION").into(),
            files: run.files.to_vec(),
            variant: run.variant.map(str::to_string),
            gates: run.gates.to_vec(),
            iterations: run.iterations,
            seed: run.seed,
            sampling: shard_set::sampling_name(run.sampling).into(),
            shard: run.shard,
            shards: run.shards,
            first: run.first as u64,
            results,
        }
    }

    pub fn render(&self) -> String {
        shard_set::render(self)
    }

    pub fn sampling(&self) -> Sampling {
        shard_set::sampling("", &self.sampling).unwrap_or_default()
    }

    fn check(&self, path: &str) -> Result<(), SetError> {
        shard_set::check_schema(
            path,
            &self.schema,
            &self.kind,
            BATCH_SHARD_SCHEMA,
            Kind::Batch,
        )?;
        if self.version.is_empty() {
            return Err(field(path, "version", "is empty"));
        }
        if self.files.len() < 2 || self.files.iter().any(String::is_empty) {
            return Err(field(
                path,
                "files",
                "must name the batch's two or more files",
            ));
        }
        if self.variant.as_deref() == Some("") {
            return Err(field(path, "variant", "is empty; omit it for base plans"));
        }
        if self.gates.iter().any(String::is_empty) {
            return Err(field(path, "gates", "holds an empty gate"));
        }
        if self.iterations == Some(0) {
            return Err(field(path, "iterations", "is 0"));
        }
        shard_set::sampling(path, &self.sampling)?;
        shard_set::check_numbers(path, self.shard, self.shards)?;
        let share = crate::pipeline::scale::share(
            crate::pipeline::ShardSpec {
                k: self.shard,
                n: self.shards,
            },
            self.files.len(),
        );
        if self.first != share.start as u64 || self.results.len() != share.len() {
            return Err(field(
                path,
                "results",
                format!(
                    "are {} files from {}; shard {} of {} takes {} from {}",
                    self.results.len(),
                    self.first,
                    self.shard,
                    self.shards,
                    share.len(),
                    share.start
                ),
            ));
        }
        for (i, (k, r)) in share.zip(&self.results).enumerate() {
            let at = format!("results[{i}]");
            if r.file != self.files[k] {
                return Err(field(
                    path,
                    format!("{at}.file"),
                    format!(
                        "is {:?}; file {} of the batch is {:?}",
                        r.file,
                        k + 1,
                        self.files[k]
                    ),
                ));
            }
            match (&r.error, &r.run) {
                (Some(e), None) if !e.is_empty() => {}
                (None, Some(run)) => {
                    run.check(path, &format!("{at}.run"))?;
                    if self.iterations.is_some_and(|n| n != run.iterations)
                        || self.seed.is_some_and(|s| s != run.seed)
                    {
                        return Err(field(
                            path,
                            format!("{at}.run"),
                            "has another seed or iteration count than the batch's",
                        ));
                    }
                }
                _ => {
                    return Err(field(path, at, "must hold either an error or a run"));
                }
            }
        }
        Ok(())
    }

    fn settings_differ(&self, other: &BatchShardFile) -> Option<&'static str> {
        [
            ("files", self.files == other.files),
            ("variant", self.variant == other.variant),
            ("gates", self.gates == other.gates),
            ("iterations", self.iterations == other.iterations),
            ("seed", self.seed == other.seed),
            ("sampling", self.sampling == other.sampling),
            ("shards", self.shards == other.shards),
            ("version", self.version == other.version),
        ]
        .into_iter()
        .find(|(_, same)| !same)
        .map(|(name, _)| name)
    }
}

/// Reads batch shard files, checks every field and that they are every shard of one
/// batch, once each; returns them in shard order with their paths.
pub fn read_all(paths: &[std::path::PathBuf]) -> Result<Vec<(String, BatchShardFile)>, SetError> {
    shard_set::read_all(paths)
}

impl shard_set::SetPart for BatchShardFile {
    const KIND: Kind = Kind::Batch;
    fn check(&self, path: &str) -> Result<(), SetError> {
        BatchShardFile::check(self, path)
    }
    fn settings_differ(&self, other: &Self) -> Option<&'static str> {
        BatchShardFile::settings_differ(self, other)
    }
    fn shard(&self) -> u64 {
        self.shard
    }
    fn shards(&self) -> u64 {
        self.shards
    }
}
