//! Baselines for `--baseline`: the milestones of an earlier `shipcast.report/1`, or of one run in
//! a `shipcast.batch/1`, read back into [`Earlier`] figures for drift.

use serde::Deserialize;

use super::SCHEMA;
use super::json::BATCH_SCHEMA;
use crate::analysis::drift::Earlier;

/// Why a baseline could not be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("--baseline {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("--baseline {path}: not JSON ({source})")]
    NotJson {
        path: String,
        source: serde_json::Error,
    },
    #[error("--baseline {path}: its schema is {schema:?}, not {SCHEMA}")]
    Schema {
        path: String,
        schema: Option<String>,
    },
    #[error("--baseline {path}: it has no run of {file}")]
    NoRun { path: String, file: String },
    #[error("--baseline {path}: it has no milestones")]
    NoMilestones { path: String },
}

impl BaselineError {
    pub fn hint(&self) -> &'static str {
        "give a report written by `shipcast run --format json`"
    }
}

/// The parts of a report a baseline needs; everything else is ignored.
#[derive(Deserialize)]
struct Report {
    milestones: Option<Vec<Milestone>>,
}

#[derive(Deserialize)]
struct Milestone {
    id: Option<String>,
    #[serde(default)]
    percentiles: Vec<Percentile>,
    deadline: Option<Deadline>,
}

#[derive(Deserialize)]
struct Percentile {
    p: Option<f64>,
    days: Option<f64>,
    low_days: Option<f64>,
    high_days: Option<f64>,
}

#[derive(Deserialize)]
struct Deadline {
    on_time: Option<OnTime>,
}

#[derive(Deserialize)]
struct OnTime {
    estimate: Option<f64>,
    low: Option<f64>,
    high: Option<f64>,
}

#[derive(Deserialize)]
struct Batch {
    #[serde(default)]
    runs: Vec<BatchRun>,
}

#[derive(Deserialize)]
struct BatchRun {
    file: Option<String>,
    report: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Head {
    schema: Option<serde_json::Value>,
}

fn earlier(report: Report) -> Option<Vec<Earlier>> {
    let ms = report.milestones?;
    Some(
        ms.into_iter()
            .filter_map(|m| {
                let p80 = m
                    .percentiles
                    .iter()
                    .find(|p| p.p == Some(0.8))
                    .and_then(|p| Some((p.days?, p.low_days?, p.high_days?)));
                let on_time = m
                    .deadline
                    .and_then(|d| d.on_time)
                    .and_then(|o| Some((o.estimate?, o.low?, o.high?)));
                Some(Earlier {
                    id: m.id?,
                    p80,
                    on_time,
                })
            })
            .collect(),
    )
}

/// The milestones of the earlier report at `path`: a `shipcast.report/1`, or the run of `file`
/// in a `shipcast.batch/1`.
pub fn read(path: &std::path::Path, file: &str) -> Result<Vec<Earlier>, BaselineError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Io {
        path: shown.clone(),
        source,
    })?;
    parse(&shown, &text, file)
}

/// [`read`] on text already read; `path` is only used in messages.
pub fn parse(path: &str, text: &str, file: &str) -> Result<Vec<Earlier>, BaselineError> {
    let not_json = |source| BaselineError::NotJson {
        path: path.to_string(),
        source,
    };
    let value: serde_json::Value = serde_json::from_str(text).map_err(not_json)?;
    let head: Head = serde_json::from_value(value.clone()).map_err(not_json)?;
    let schema = head.schema.as_ref().and_then(|s| s.as_str());
    let report: serde_json::Value = match schema {
        Some(SCHEMA) => value,
        Some(BATCH_SCHEMA) => {
            let batch: Batch = serde_json::from_value(value).map_err(not_json)?;
            batch
                .runs
                .into_iter()
                .find(|r| r.file.as_deref() == Some(file))
                .and_then(|r| r.report)
                .ok_or_else(|| BaselineError::NoRun {
                    path: path.to_string(),
                    file: file.to_string(),
                })?
        }
        _ => {
            return Err(BaselineError::Schema {
                path: path.to_string(),
                schema: schema.map(str::to_string),
            });
        }
    };
    let report: Report = serde_json::from_value(report).map_err(not_json)?;
    earlier(report).ok_or_else(|| BaselineError::NoMilestones {
        path: path.to_string(),
    })
}
