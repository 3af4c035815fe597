//! Everything that serializes: one file per format. Nothing outside this module knows about
//! JSON, CSV or how a table is laid out.

pub mod baseline;
pub mod batch;
pub mod briefing;
pub mod calibration;
pub mod charts;
pub mod compare;
pub mod csv;
pub mod decision;
pub mod files;
pub mod history;
pub mod history_csv;
pub mod html;
pub mod imports;
pub mod json;
pub mod markdown;
pub mod resources;
pub mod samples;
pub mod shard;
pub mod shard_batch;
pub mod shard_set;
pub mod shard_sweep;
pub mod tables;
pub mod tasks;
pub mod text;

use crate::analysis::{Details, Summary};
use crate::model::Plan;

/// What every report is made from.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub plan: &'a Plan,
    pub summary: &'a Summary,
    /// The scenario file as the user named it.
    pub file: &'a str,
    /// Drivers and the rest, when the run computed them.
    pub details: Option<&'a Details>,
    /// How the run was made, beyond seed and iterations.
    pub run: RunInfo<'a>,
}

/// How a run was made: sampling, precision mode, and drift against a baseline.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunInfo<'a> {
    pub sampling: crate::engine::Sampling,
    pub precision: Option<&'a crate::analysis::PrecisionReached>,
    pub drift: Option<&'a [crate::analysis::drift::Drift]>,
}

/// Everything a chart or a full report is drawn from: an [`Input`] with its details.
#[derive(Debug, Clone, Copy)]
pub struct Forecast<'a> {
    pub plan: &'a Plan,
    pub summary: &'a Summary,
    pub file: &'a str,
    pub details: &'a Details,
}

impl std::ops::Deref for Forecast<'_> {
    type Target = Details;
    fn deref(&self) -> &Details {
        self.details
    }
}

impl<'a> Input<'a> {
    /// The forecast with details, when there are any.
    pub fn forecast(&self) -> Option<Forecast<'a>> {
        Some(Forecast {
            plan: self.plan,
            summary: self.summary,
            file: self.file,
            details: self.details?,
        })
    }
}

impl<'a> Input<'a> {
    /// The report input of a forecast of `file`.
    pub fn of(f: &'a crate::pipeline::Forecast, file: &'a str) -> Input<'a> {
        Input {
            plan: &f.plan,
            summary: &f.summary,
            file,
            details: f.details.as_ref(),
            run: RunInfo {
                sampling: f.config.sampling,
                precision: f.precision.as_ref(),
                drift: f.drift.as_deref(),
            },
        }
    }
}

/// An output format on stdout. Each format implements it in its own file (text, json, csv,
/// markdown), as hyperfine's exporters do.
pub trait Exporter: Sync {
    /// One run's report, or None when the format needs details the run did not compute.
    fn run(&self, input: &Input) -> Option<String>;
    /// A batch of runs: every file, including those that could not run.
    fn batch(&self, files: &[batch::FileOutcome]) -> String;
}

/// The formats a report is printed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Csv,
    Markdown,
}

impl Format {
    /// The exporter of this format.
    pub fn exporter(self) -> &'static dyn Exporter {
        match self {
            Format::Text => &text::Text,
            Format::Json => &json::Json,
            Format::Csv => &csv::Csv,
            Format::Markdown => &markdown::Markdown,
        }
    }
}

/// The date of a finish at working-day time `t`, as text, or None without a start date.
pub fn finish_date(plan: &Plan, t: Option<f64>) -> Option<String> {
    plan.calendar().finish_date(t?).map(|d| d.to_string())
}

/// ", as of <status date>" for a scenario with work in flight, else nothing.
pub fn as_of(plan: &Plan) -> String {
    plan.status_date()
        .map_or(String::new(), |s| format!(", as of {}", s.date))
}

/// "already reached on <date>" for a milestone every node of which was done at the status
/// date (its finish is history: P = 100% at that date).
pub fn reached_note(plan: &Plan, m: usize) -> Option<String> {
    let t = plan.reached(m)?;
    Some(match finish_date(plan, Some(t)) {
        Some(d) => format!("already reached on {d}"),
        None => format!("already reached on working day {t}"),
    })
}

/// The JSON schema identifier of `shipcast run --format json`.
pub const SCHEMA: &str = "shipcast.report/1";
