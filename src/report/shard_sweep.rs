//! `shipcast.sweep-shard/1`: the grid points one shard of a sweep simulated
//! (`sweep --shard K/N`), for `shipcast merge`.
//!
//! A shard takes a contiguous block of whole grid points, and each point is simulated on its
//! own with the sweep's seed, so its figures are exactly those of the whole sweep: the file
//! carries them as they are (floats written so they read back to the same bits), with the
//! settings every shard must share. Every field is checked on reading.

use serde::{Deserialize, Serialize};

use super::shard_set::{self, Kind, SetError, field};
use crate::analysis::sweep::{Param, Point, grid_values};
use crate::analysis::{Percentile, Probability};

pub const SWEEP_SHARD_SCHEMA: &str = "shipcast.sweep-shard/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepShardFile {
    pub schema: String,
    pub kind: String,
    /// The shipcast version that wrote it.
    pub version: String,
    /// The scenario file, as named on the command line, and a fingerprint of its text.
    pub file: String,
    pub fingerprint: String,
    pub variant: Option<String>,
    pub params: Vec<ParamOut>,
    /// The milestone reported.
    pub milestone: String,
    pub seed: u64,
    pub iterations: u64,
    pub sampling: String,
    /// This shard, numbered from 1, of `shards`.
    pub shard: u64,
    pub shards: u64,
    /// Points of the whole grid, and the first this shard took (`first..first + points.len()`).
    pub grid: u64,
    pub first: u64,
    pub points: Vec<PointOut>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamOut {
    pub path: String,
    pub values: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointOut {
    pub values: Vec<f64>,
    /// Estimate, low, high.
    pub delivered: [f64; 3],
    pub p50: PercentileOut,
    pub p80: PercentileOut,
    pub on_time: Option<[f64; 3]>,
    /// Cost P50 and P80.
    pub cost: Option<[f64; 2]>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PercentileOut {
    pub p: f64,
    pub days: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// How a sweep shard ran: what every shard of one sweep shares.
pub struct SweepShardRun<'a> {
    pub file: &'a str,
    pub text: &'a str,
    pub variant: Option<&'a str>,
    pub params: &'a [Param],
    pub milestone: &'a str,
    pub config: crate::engine::Config,
    pub shard: u64,
    pub shards: u64,
    pub grid: usize,
    pub first: usize,
}

fn prob(p: &Probability) -> [f64; 3] {
    [p.estimate, p.low, p.high]
}

fn percentile(p: &Percentile) -> PercentileOut {
    PercentileOut {
        p: p.p,
        days: p.days,
        low: p.low,
        high: p.high,
    }
}

impl SweepShardFile {
    pub fn new(run: &SweepShardRun, points: &[Point]) -> SweepShardFile {
        SweepShardFile {
            schema: SWEEP_SHARD_SCHEMA.into(),
            kind: Kind::Sweep.name().into(),
            version: env!("CARGO_PKG_VERSION").into(),
            file: run.file.into(),
            fingerprint: shard_set::fingerprint(run.text),
            variant: run.variant.map(str::to_string),
            params: run
                .params
                .iter()
                .map(|p| ParamOut {
                    path: p.path.clone(),
                    values: p.values.clone(),
                })
                .collect(),
            milestone: run.milestone.into(),
            seed: run.config.seed,
            iterations: run.config.iterations,
            sampling: shard_set::sampling_name(run.config.sampling).into(),
            shard: run.shard,
            shards: run.shards,
            grid: run.grid as u64,
            first: run.first as u64,
            points: points
                .iter()
                .map(|p| PointOut {
                    values: p.values.clone(),
                    delivered: prob(&p.delivered),
                    p50: percentile(&p.p50),
                    p80: percentile(&p.p80),
                    on_time: p.on_time.as_ref().map(prob),
                    cost: p.cost.map(|(a, b)| [a, b]),
                })
                .collect(),
        }
    }

    pub fn render(&self) -> String {
        shard_set::render(self)
    }

    pub fn params(&self) -> Vec<Param> {
        self.params
            .iter()
            .map(|p| Param {
                path: p.path.clone(),
                values: p.values.clone(),
            })
            .collect()
    }

    pub fn sampling(&self) -> crate::engine::Sampling {
        shard_set::sampling(&self.file, &self.sampling).unwrap_or_default()
    }

    /// Every field checked against the format and against itself.
    fn check(&self, path: &str) -> Result<(), SetError> {
        shard_set::check_schema(
            path,
            &self.schema,
            &self.kind,
            SWEEP_SHARD_SCHEMA,
            Kind::Sweep,
        )?;
        if self.version.is_empty() {
            return Err(field(path, "version", "is empty"));
        }
        if self.file.is_empty() {
            return Err(field(path, "file", "is empty"));
        }
        shard_set::check_fingerprint(path, "fingerprint", &self.fingerprint)?;
        if self.variant.as_deref() == Some("") {
            return Err(field(
                path,
                "variant",
                "is empty; omit it for the base plan",
            ));
        }
        if self.milestone.is_empty() {
            return Err(field(path, "milestone", "is empty"));
        }
        if self.iterations == 0 {
            return Err(field(path, "iterations", "is 0"));
        }
        shard_set::sampling(path, &self.sampling)?;
        shard_set::check_numbers(path, self.shard, self.shards)?;
        if self.params.is_empty() || self.params.len() > 2 {
            return Err(field(
                path,
                "params",
                format!(
                    "holds {} parameters; a sweep varies 1 or 2",
                    self.params.len()
                ),
            ));
        }
        for (i, p) in self.params.iter().enumerate() {
            if p.path.is_empty() {
                return Err(field(path, format!("params[{i}].path"), "is empty"));
            }
            if p.values.is_empty() || p.values.iter().any(|v| !v.is_finite()) {
                return Err(field(
                    path,
                    format!("params[{i}].values"),
                    "must be one or more numbers",
                ));
            }
        }
        let params = self.params();
        let grid = crate::analysis::sweep::grid_points(&params)
            .map_err(|e| field(path, "params", e.to_string()))?;
        if self.grid != grid as u64 {
            return Err(field(
                path,
                "grid",
                format!("is {}; the parameters make {grid} points", self.grid),
            ));
        }
        let share = crate::pipeline::scale::share(
            crate::pipeline::ShardSpec {
                k: self.shard,
                n: self.shards,
            },
            grid,
        );
        if self.first != share.start as u64 || self.points.len() != share.len() {
            return Err(field(
                path,
                "points",
                format!(
                    "are {} from {}; shard {} of {} takes {} from {}",
                    self.points.len(),
                    self.first,
                    self.shard,
                    self.shards,
                    share.len(),
                    share.start
                ),
            ));
        }
        for (i, (k, pt)) in share.zip(&self.points).enumerate() {
            let at = |f: &str| format!("points[{i}].{f}");
            if pt.values != grid_values(&params, k) {
                return Err(field(
                    path,
                    at("values"),
                    format!("are not the grid's point {k}"),
                ));
            }
            check_probability(path, &at("delivered"), &pt.delivered)?;
            if let Some(o) = &pt.on_time {
                check_probability(path, &at("on_time"), o)?;
            }
            check_percentile(path, &at("p50"), &pt.p50, 0.5)?;
            check_percentile(path, &at("p80"), &pt.p80, 0.8)?;
            if let Some([a, b]) = pt.cost
                && !(a.is_finite() && b.is_finite() && a <= b)
            {
                return Err(field(
                    path,
                    at("cost"),
                    "must be cost P50 then P80, P50 <= P80",
                ));
            }
        }
        Ok(())
    }

    /// The settings every shard of one sweep shares, each with its name.
    fn settings_differ(&self, other: &SweepShardFile) -> Option<&'static str> {
        [
            ("file", self.file == other.file),
            ("fingerprint", self.fingerprint == other.fingerprint),
            ("variant", self.variant == other.variant),
            ("params", self.params == other.params),
            ("milestone", self.milestone == other.milestone),
            ("seed", self.seed == other.seed),
            ("iterations", self.iterations == other.iterations),
            ("sampling", self.sampling == other.sampling),
            ("shards", self.shards == other.shards),
            ("version", self.version == other.version),
        ]
        .into_iter()
        .find(|(_, same)| !same)
        .map(|(name, _)| name)
    }

    pub fn points(&self) -> Vec<Point> {
        let prob = |p: &[f64; 3]| Probability {
            estimate: p[0],
            low: p[1],
            high: p[2],
        };
        let pct = |p: &PercentileOut| Percentile {
            p: p.p,
            days: p.days,
            low: p.low,
            high: p.high,
        };
        self.points
            .iter()
            .map(|p| Point {
                values: p.values.clone(),
                delivered: prob(&p.delivered),
                p50: pct(&p.p50),
                p80: pct(&p.p80),
                on_time: p.on_time.as_ref().map(prob),
                cost: p.cost.map(|[a, b]| (a, b)),
            })
            .collect()
    }
}

fn check_probability(path: &str, name: &str, p: &[f64; 3]) -> Result<(), SetError> {
    let [e, l, h] = *p;
    if (0.0..=1.0).contains(&e) && l.is_finite() && h.is_finite() && l <= h {
        Ok(())
    } else {
        Err(field(
            path,
            name,
            "must be a probability with its interval: [estimate, low, high], estimate in 0..1, low <= high",
        ))
    }
}

fn check_percentile(path: &str, name: &str, p: &PercentileOut, want: f64) -> Result<(), SetError> {
    let finite = |x: Option<f64>| x.is_none_or(f64::is_finite);
    if p.p == want && finite(p.days) && finite(p.low) && finite(p.high) {
        Ok(())
    } else {
        Err(field(
            path,
            name,
            format!(
                "must be the {want} percentile: p = {want}, and days, low and high numbers or null"
            ),
        ))
    }
}

/// Reads sweep shard files, checks every field and that they are every shard of one
/// sweep, once each; returns them in shard order with their paths.
pub fn read_all(paths: &[std::path::PathBuf]) -> Result<Vec<(String, SweepShardFile)>, SetError> {
    shard_set::read_all(paths)
}

impl shard_set::SetPart for SweepShardFile {
    const KIND: Kind = Kind::Sweep;
    fn check(&self, path: &str) -> Result<(), SetError> {
        SweepShardFile::check(self, path)
    }
    fn settings_differ(&self, other: &Self) -> Option<&'static str> {
        SweepShardFile::settings_differ(self, other)
    }
    fn shard(&self) -> u64 {
        self.shard
    }
    fn shards(&self) -> u64 {
        self.shards
    }
}
