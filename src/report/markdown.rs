//! `report.md`: the summary in Markdown for a pull request or a wiki page, with the SVG charts
//! linked (they sit beside it).

use std::fmt::Write as _;

use super::Forecast;
use super::charts::Chart;
use super::tables::{self, Table, pct};

/// Drivers listed per milestone.
const TOP_DRIVERS: usize = 5;

fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// A GitHub-flavoured Markdown table; columns from `numeric_from` on are right-aligned.
pub fn table(t: &Table, numeric_from: usize) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "| {} |",
        t.headers
            .iter()
            .map(|h| cell(h))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let rule: Vec<&str> = (0..t.headers.len())
        .map(|i| if i >= numeric_from { "---:" } else { "---" })
        .collect();
    let _ = writeln!(s, "| {} |", rule.join(" | "));
    for r in &t.rows {
        let _ = writeln!(
            s,
            "| {} |",
            r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
        );
    }
    s
}

pub fn render(f: &Forecast) -> String {
    let (plan, summary) = (f.plan, f.summary);
    let mut s = String::new();
    let _ = writeln!(s, "# {}: delivery forecast\n", plan.name());
    let start = plan
        .calendar()
        .start
        .map_or("no start date (times in working days)".to_string(), |d| {
            format!("start {d}{}", super::as_of(plan))
        });
    let _ = writeln!(
        s,
        "Scenario `{}`, {start}, seed {}, {} simulated runs, shipcast {}.\n",
        f.file,
        summary.seed,
        summary.iterations,
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(s, "## Briefing\n");
    for b in super::briefing::briefing(plan, summary, Some(f.details)) {
        let _ = writeln!(s, "{}\n", b.text());
    }
    s.push_str(&table(&tables::summary(plan, summary), 1));
    for m in &summary.milestones {
        let ms = &plan.milestones()[m.milestone];
        let _ = writeln!(s, "\n## {}\n", ms.name);
        let mut line = format!("Delivered in {} of runs", pct(m.delivered.estimate));
        if let Some(o) = &m.on_time {
            let _ = write!(line, ", on time in {}", pct(o.probability.estimate));
        }
        for fact in tables::budget_facts(m) {
            let _ = write!(line, ", {fact}");
        }
        if let Some(note) = super::reached_note(plan, m.milestone) {
            let _ = write!(line, "; {note}");
        }
        let _ = writeln!(s, "{line}.\n");
        let mut charts = vec![Chart::SCurve(m.milestone), Chart::Tornado(m.milestone)];
        if m.budget.is_some() {
            charts.insert(1, Chart::Budget(m.milestone));
        }
        for chart in charts {
            let stem = chart.stem(plan);
            let _ = writeln!(s, "![{stem}]({stem}.svg)\n");
        }
        let t = tables::drivers(plan, &f.drivers[m.milestone], TOP_DRIVERS);
        if !t.rows.is_empty() {
            let _ = writeln!(s, "Top drivers:\n");
            s.push_str(&table(&t, 2));
        }
    }
    if !summary.experiments.is_empty() {
        let _ = writeln!(s, "\n## Experiments\n");
        s.push_str(&table(&tables::experiments(plan, summary), 1));
    }
    if !summary.risks.is_empty() {
        let _ = writeln!(s, "\n## Risks\n");
        s.push_str(&table(&tables::risks(plan, summary), 3));
    }
    if !plan.correlations().is_empty() {
        let _ = writeln!(s, "\n## Correlated estimates\n");
        s.push_str(&table(&tables::correlations(plan), 4));
    }
    if let Some(t) = tables::calibrated_tasks(plan) {
        let _ = writeln!(s, "\n## Calibrated estimates\n");
        let _ = writeln!(
            s,
            "Working days: each estimate times its class's ratio of actual to estimate.\n"
        );
        s.push_str(&table(&t, 1));
    }
    if let Some(r) = &f.resources {
        let _ = writeln!(s, "\n## Shared resources\n");
        s.push_str(&table(&super::resources::resources(plan, r), 1));
        s.push('\n');
        s.push_str(&table(&super::resources::milestones(plan, r), 1));
        let _ = writeln!(s, "\n{}", super::resources::sentence(plan, r));
    }
    let _ = writeln!(
        s,
        "\nThe full report with every chart is [report.html](report.html); the schedule is in [gantt.svg](gantt.svg)."
    );
    s
}

/// The Markdown exporter: report.md for one run (which needs its details), the CI step summary
/// for batches.
pub struct Markdown;

impl super::Exporter for Markdown {
    fn run(&self, input: &super::Input) -> Option<String> {
        input.forecast().map(|f| render(&f))
    }

    fn batch(&self, files: &[super::batch::FileOutcome]) -> String {
        step_summary(files)
    }
}

/// The step summary is capped at this many bytes (GitHub refuses more than 1 MiB).
pub const STEP_SUMMARY_CAP: usize = 1 << 20;

/// Markdown for `$GITHUB_STEP_SUMMARY`: the combined table, then each error in full.
pub fn step_summary(outcomes: &[super::batch::FileOutcome]) -> String {
    let mut s = String::from("## shipcast forecast\n\n");
    s.push_str(&table(&super::batch::combined(outcomes), 2));
    let undecided = outcomes
        .iter()
        .filter_map(|o| o.result.as_ref().ok())
        .any(|i| !crate::analysis::gates_decided(i.summary));
    if undecided {
        s.push_str("\n(undecided): the gate's interval straddles its target; raise `--iterations` or use `--precision`.\n");
    }
    for o in outcomes {
        if let Err(e) = &o.result {
            s.push_str(&format!("\n### {}\n\n```text\n{}```\n", o.scenario(), e));
        }
    }
    if s.len() > STEP_SUMMARY_CAP {
        let mut cut = STEP_SUMMARY_CAP - 64;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str("\n\n(truncated at 1 MiB)\n");
    }
    s
}
