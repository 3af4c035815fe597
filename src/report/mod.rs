//! Everything that serializes: one file per format. Nothing outside this module knows about
//! JSON, CSV or how a table is laid out.

pub mod csv;
pub mod json;
pub mod samples;
pub mod text;

use crate::analysis::Summary;
use crate::model::Plan;

/// What every report is made from.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub plan: &'a Plan,
    pub summary: &'a Summary,
    /// The scenario file as the user named it.
    pub file: &'a str,
}

/// The date of a finish at working-day time `t`, as text, or None without a start date.
pub fn finish_date(plan: &Plan, t: Option<f64>) -> Option<String> {
    plan.calendar.finish_date(t?).map(|d| d.to_string())
}

/// The JSON schema identifier of `shipcast run --format json`.
pub const SCHEMA: &str = "shipcast.report/1";
