//! `import --check`: the deterministic comparison of an imported plan with the schedule the
//! source tool computed. Every duration is fixed at its planned value (no uncertainty), the
//! plan is loaded through the normal loader and simulated once, and each task's start and
//! finish is compared with the source's scheduled dates, in working days on the plan's calendar.

use std::path::Path;

use jiff::civil::{Date, DateTime};

use crate::engine::{self, Config, Probes};
use crate::import::{self, Format, Imported, Uncertainty};
use crate::scenario::LoadError;

/// Differences below this many working days (a few seconds) are rounding.
pub const TOLERANCE: f64 = 1e-3;

/// One task: what the source scheduled and what shipcast computes.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckRow {
    pub id: String,
    pub name: String,
    /// Where the task is in the source file.
    pub at: String,
    pub source: (DateTime, DateTime),
    /// The source's start and finish in working days from the plan's start.
    pub expected: (f64, f64),
    pub got: (f64, f64),
    /// shipcast's start and finish dates (None without a start date).
    pub got_dates: (Option<Date>, Option<Date>),
}

impl CheckRow {
    pub fn differs(&self) -> bool {
        (self.expected.0 - self.got.0).abs() > TOLERANCE
            || (self.expected.1 - self.got.1).abs() > TOLERANCE
    }
}

/// The result of `import --check`.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportCheck {
    pub source: String,
    pub format: Format,
    pub tasks: usize,
    /// Every task with scheduled dates in the source, in file order.
    pub rows: Vec<CheckRow>,
    /// The project's finish: what the source says (the latest scheduled finish, or PSPLIB's
    /// MPM-Time) and what shipcast computes, in working days.
    pub expected_finish: Option<f64>,
    pub finish: f64,
    pub finish_date: Option<Date>,
    /// What the import skipped (the likely causes of differences).
    pub skipped: Vec<String>,
}

impl ImportCheck {
    pub fn differences(&self) -> usize {
        self.rows.iter().filter(|r| r.differs()).count()
    }
    pub fn finish_differs(&self) -> bool {
        self.expected_finish
            .is_some_and(|e| (e - self.finish).abs() > TOLERANCE)
    }
    pub fn passes(&self) -> bool {
        self.differences() == 0 && !self.finish_differs()
    }
}

/// Imports `path` with fixed durations and compares shipcast's schedule with the source's.
pub fn import_check(path: &Path, options: &import::Options) -> Result<ImportCheck, LoadError> {
    let fixed = import::Options {
        low_field: None,
        high_field: None,
        uncertainty: Uncertainty::None,
        ..options.clone()
    };
    let imported = super::load::import_file(path, &fixed)?;
    check_imported(&imported)
}

/// The check of a plan already imported (with fixed durations).
pub fn check_imported(imported: &Imported) -> Result<ImportCheck, LoadError> {
    let text = imported.to_toml();
    // The source tools' dates (and PSPLIB's MPM-Time) are schedules without resource limits.
    let plan = super::load::load_str(&format!("{} (imported)", imported.source), &text)?
        .without_resources();
    let n = plan.nodes().len();
    let probes = Probes {
        trace: (0..n as u32).collect(),
        criticality: false,
    };
    let out = engine::simulate_with(&plan, &Config::new(1, 0), &probes);
    let cal = plan.calendar();
    let mut rows = vec![];
    let mut latest: Option<f64> = None;
    for t in &imported.tasks {
        let Some((s, f)) = t.scheduled else {
            continue;
        };
        let (Some(node), Some(es), Some(ef)) =
            (plan.node_index(&t.id), imported.time(s), imported.time(f))
        else {
            continue;
        };
        let (starts, finishes) = out.trace_columns(node);
        let got = (starts[0], finishes[0]);
        latest = Some(latest.map_or(ef, |l: f64| l.max(ef)));
        rows.push(CheckRow {
            id: t.id.clone(),
            name: t.name.clone(),
            at: t.at.clone(),
            source: (s, f),
            expected: (es, ef),
            got,
            got_dates: (cal.start_date(got.0), cal.finish_date(got.1)),
        });
    }
    let finish = out.milestone_column(plan.milestones().len() - 1)[0];
    Ok(ImportCheck {
        source: imported.source.clone(),
        format: imported.format,
        tasks: imported.tasks.len(),
        rows,
        expected_finish: imported.expected_finish.or(latest),
        finish,
        finish_date: cal.finish_date(finish),
        skipped: imported.skipped.clone(),
    })
}
