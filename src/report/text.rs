//! The terminal report: a summary table, then each milestone's percentiles with their intervals
//! and its top drivers, then experiments and risks.

use std::fmt::Write as _;

use super::Input;
use super::tables::{self, Table, pct, prob_interval};

/// Drivers listed per milestone in the terminal.
const TOP_DRIVERS: usize = 5;

/// Lays a table out in aligned columns; columns after the first `left` are right-aligned.
pub fn layout(t: &Table, left: usize) -> String {
    let mut width: Vec<usize> = t.headers.iter().map(|h| h.chars().count()).collect();
    for r in &t.rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate().take(width.len()) {
            let pad = " ".repeat(width[i] - c.chars().count());
            if i > 0 {
                s.push_str("  ");
            }
            if i < left {
                s.push_str(c);
                s.push_str(&pad);
            } else {
                s.push_str(&pad);
                s.push_str(c);
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(&t.headers);
    out.push_str(&line(
        &width.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>(),
    ));
    for r in &t.rows {
        out.push_str(&line(r));
    }
    out
}

fn indented(s: &str) -> String {
    s.lines().map(|l| format!("  {l}\n")).collect()
}

pub fn render(input: &Input) -> String {
    let Input {
        plan,
        summary,
        file,
        details,
        run,
    } = *input;
    let mut out = String::new();
    let variant = plan
        .variant()
        .as_ref()
        .map_or(String::new(), |v| format!(", variant {v}"));
    let _ = writeln!(out, "{} ({file}{variant})", plan.name());
    let start = plan
        .calendar()
        .start
        .map_or("no start date: times in working days".into(), |d| {
            format!("start {d}{}", super::as_of(plan))
        });
    let lhs = match (run.sampling, summary.intervals) {
        (crate::engine::Sampling::MonteCarlo, _) => String::new(),
        (_, crate::analysis::Intervals::Replicated { replicates }) => {
            format!(" (Latin hypercube, intervals from {replicates} replicates)")
        }
        (_, crate::analysis::Intervals::MonteCarlo) => {
            " (Latin hypercube, too few iterations for replicates: Monte Carlo intervals)".into()
        }
    };
    let _ = writeln!(
        out,
        "{} iterations{lhs}, seed {}, {start}\n",
        summary.iterations, summary.seed
    );
    out.push_str("Briefing\n");
    out.push_str(&super::briefing::text(&super::briefing::of(input)));
    out.push('\n');
    out.push_str(&layout(&tables::summary(plan, summary), 1));
    if !crate::analysis::gates_decided(summary) {
        out.push_str("(undecided) undecided at this precision: the gate's interval straddles its target; raise --iterations or use --precision\n");
    }
    if let Some(p) = run.precision {
        let widest = if p.widest.is_finite() {
            format!("{:.2}", p.widest)
        } else {
            "unbounded".into()
        };
        if p.reached {
            let _ = writeln!(
                out,
                "precision: every percentile's 95% interval is at most {widest} working days wide (target {}), every gate decided, after {} iterations",
                p.target, summary.iterations
            );
        } else {
            let _ = writeln!(
                out,
                "precision NOT reached after {} iterations (--max-iterations): widest interval {widest} working days, target {}",
                summary.iterations, p.target
            );
        }
    }
    if let Some(drift) = run.drift {
        out.push_str("\nDrift since the baseline (* beyond Monte Carlo noise)\n");
        out.push_str(&layout(&tables::drift(plan, drift), 1));
    }

    for m in &summary.milestones {
        let ms = &plan.milestones()[m.milestone];
        let _ = writeln!(out, "\n{} ({})", ms.name, ms.id);
        if let Some(note) = super::reached_note(plan, m.milestone) {
            let _ = writeln!(out, "  {note} (before the status date)");
        }
        let _ = writeln!(
            out,
            "  delivered {} {}",
            pct(m.delivered.estimate),
            prob_interval(&m.delivered)
        );
        if let (Some(mean), Some(sd)) = (m.mean, m.sd) {
            let _ = writeln!(
                out,
                "  finish when delivered: mean {mean:.1} working days, sd {sd:.1}"
            );
        }
        if let Some(o) = &m.on_time {
            // A whole deadline N is the end of working day N; a fractional one falls inside a day.
            let by = if o.deadline_days.fract() == 0.0 {
                format!("the end of working day {}", o.deadline_days)
            } else {
                format!("working day {}", o.deadline_days)
            };
            let _ = writeln!(
                out,
                "  on time (finish by {by}): {} {}",
                pct(o.probability.estimate),
                prob_interval(&o.probability)
            );
        }
        for line in tables::budget_facts(m) {
            let _ = writeln!(out, "  {line}");
        }
        out.push_str(&indented(&layout(&tables::percentiles(plan, m), 1)));
        if let Some(md) = details.and_then(|d| d.drivers.get(m.milestone)) {
            let t = tables::drivers(plan, md, TOP_DRIVERS);
            if !t.rows.is_empty() {
                out.push_str("  top drivers\n");
                out.push_str(&indented(&layout(&t, 2)));
            }
        }
    }
    if !summary.experiments.is_empty() {
        out.push_str("\nExperiments\n");
        out.push_str(&layout(&tables::experiments(plan, summary), 1));
    }
    if !summary.risks.is_empty() {
        out.push_str("\nRisks\n");
        out.push_str(&layout(&tables::risks(plan, summary), 3));
    }
    if !plan.correlations().is_empty() {
        out.push_str("\nCorrelated estimates (Gaussian copula)\n");
        out.push_str(&layout(&tables::correlations(plan), 4));
    }
    if let Some(t) = tables::calibrated_tasks(plan) {
        out.push_str(
            "\nCalibrated estimates (working days: estimate x actual / estimate of the class)\n",
        );
        out.push_str(&layout(&t, 1));
    }
    if let Some(r) = details.and_then(|d| d.resources.as_ref()) {
        out.push_str("\nShared resources\n");
        out.push_str(&layout(&super::resources::resources(plan, r), 1));
        out.push_str(&layout(&super::resources::milestones(plan, r), 1));
        out.push_str(&super::resources::sentence(plan, r));
        out.push('\n');
    }
    out
}

/// The plain-text exporter: the report a person reads in a terminal.
pub struct Text;

impl super::Exporter for Text {
    fn run(&self, input: &Input) -> Option<String> {
        Some(render(input))
    }

    fn batch(&self, files: &[super::batch::FileOutcome]) -> String {
        layout(&super::batch::combined(files), 2)
    }
}
