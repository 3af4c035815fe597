//! Everything that serializes: one file per format. Nothing outside this module knows about
//! JSON, CSV or how a table is laid out.

pub mod batch;
pub mod charts;
pub mod compare;
pub mod csv;
pub mod files;
pub mod html;
pub mod json;
pub mod markdown;
pub mod samples;
pub mod shard;
pub mod tables;
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

/// The date of a finish at working-day time `t`, as text, or None without a start date.
pub fn finish_date(plan: &Plan, t: Option<f64>) -> Option<String> {
    plan.calendar.finish_date(t?).map(|d| d.to_string())
}

/// The JSON schema identifier of `shipcast run --format json`.
pub const SCHEMA: &str = "shipcast.report/1";
