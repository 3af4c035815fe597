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
    #[error("--baseline {path}: {}, not {SCHEMA}", match schema { Some(s) => format!("its schema is `{s}`"), None => "it names no schema".to_string() })]
    Schema {
        path: String,
        schema: Option<String>,
    },
    #[error("--baseline {path}: it has no run of {file}")]
    NoRun { path: String, file: String },
    #[error("--baseline {path}: its run of {file} failed, so it has no forecast to compare with")]
    RunFailed { path: String, file: String },
    #[error("--baseline {path}: it has no milestones")]
    NoMilestones { path: String },
}

impl BaselineError {
    pub fn hint(&self) -> &'static str {
        "give a report written by `shipcast run --format json`"
    }
}

/// A milestone of an earlier report, as far as a baseline reads it. A milestone whose fields do
/// not have these shapes is skipped, as a figure the baseline cannot compare.
#[derive(Deserialize)]
struct Milestone {
    id: String,
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

fn earlier(m: Milestone) -> Earlier {
    let p80 = m
        .percentiles
        .iter()
        .find(|p| p.p == Some(0.8))
        .and_then(|p| Some((p.days?, p.low_days?, p.high_days?)));
    let on_time = m
        .deadline
        .and_then(|d| d.on_time)
        .and_then(|o| Some((o.estimate?, o.low?, o.high?)));
    Earlier {
        id: m.id,
        p80,
        on_time,
    }
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
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|source| BaselineError::NotJson {
            path: path.to_string(),
            source,
        })?;
    let schema = value.get("schema").and_then(|s| s.as_str());
    let report = match schema {
        Some(SCHEMA) => &value,
        Some(BATCH_SCHEMA) => {
            let run = value
                .get("runs")
                .and_then(|r| r.as_array())
                .and_then(|runs| {
                    runs.iter()
                        .find(|r| r.get("file").and_then(|f| f.as_str()) == Some(file))
                })
                .ok_or_else(|| BaselineError::NoRun {
                    path: path.to_string(),
                    file: file.to_string(),
                })?;
            match run.get("report") {
                Some(report) if !report.is_null() => report,
                _ => {
                    return Err(BaselineError::RunFailed {
                        path: path.to_string(),
                        file: file.to_string(),
                    });
                }
            }
        }
        _ => {
            return Err(BaselineError::Schema {
                path: path.to_string(),
                schema: schema.map(str::to_string),
            });
        }
    };
    let milestones = report
        .get("milestones")
        .and_then(|m| m.as_array())
        .ok_or_else(|| BaselineError::NoMilestones {
            path: path.to_string(),
        })?;
    Ok(milestones
        .iter()
        .filter_map(|m| Milestone::deserialize(m).ok())
        .map(earlier)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = r#"{"schema": "shipcast.report/1", "milestones": [
        {"id": "launch", "percentiles": [{"p": 0.5, "days": 40.0, "low_days": 39.0, "high_days": 41.0},
                                        {"p": 0.8, "days": 50.0, "low_days": 49.0, "high_days": 51.5}],
         "deadline": {"on_time": {"estimate": 0.9, "low": 0.88, "high": 0.92}}},
        {"id": 7},
        {"id": "beta", "percentiles": [{"p": 0.8, "days": null, "low_days": 60.0, "high_days": null}],
         "deadline": null}]}"#;

    #[test]
    fn a_report_gives_p80_and_on_time_and_skips_what_it_cannot_read() {
        let e = parse("b.json", REPORT, "plan.toml").unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].id, "launch");
        assert_eq!(e[0].p80, Some((50.0, 49.0, 51.5)));
        assert_eq!(e[0].on_time, Some((0.9, 0.88, 0.92)));
        assert_eq!(
            (e[1].id.as_str(), e[1].p80, e[1].on_time),
            ("beta", None, None)
        );
    }

    #[test]
    fn a_batch_gives_the_run_of_the_file_or_says_why_not() {
        let batch = format!(
            r#"{{"schema": "shipcast.batch/1", "runs": [
                {{"file": "a.toml", "report": {REPORT}}},
                {{"file": "b.toml", "report": null, "error": "error: ..."}}]}}"#
        );
        assert_eq!(parse("x.json", &batch, "a.toml").unwrap().len(), 2);
        let failed = parse("x.json", &batch, "b.toml").unwrap_err().to_string();
        assert!(failed.contains("its run of b.toml failed"), "{failed}");
        let missing = parse("x.json", &batch, "c.toml").unwrap_err().to_string();
        assert!(missing.contains("it has no run of c.toml"), "{missing}");
    }

    #[test]
    fn other_json_is_refused_with_its_schema() {
        let e = parse("x.json", "[1, 2]", "a.toml").unwrap_err().to_string();
        assert!(
            e.contains("it names no schema, not shipcast.report/1"),
            "{e}"
        );
        let e = parse("x.json", r#"{"schema": "other/1"}"#, "a.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("its schema is `other/1`"), "{e}");
        let e = parse("x.json", "{", "a.toml").unwrap_err().to_string();
        assert!(e.contains("not JSON"), "{e}");
        let e = parse("x.json", r#"{"schema": "shipcast.report/1"}"#, "a.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("it has no milestones"), "{e}");
    }
}
