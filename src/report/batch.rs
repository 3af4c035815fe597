//! Reports over several scenario files: the combined summary (one row per file and milestone),
//! the Markdown for a CI step summary, JUnit XML with a test case per gate, and
//! `shipcast.batch/1` JSON.

use serde::Serialize;

use super::json::Tool;
use super::tables::{Table, pct, when};
use super::{Input, html::esc};
use crate::analysis::GateStatus;

pub const BATCH_SCHEMA: &str = "shipcast.batch/1";

/// The step summary is capped at this many bytes (GitHub refuses more than 1 MiB).
pub const STEP_SUMMARY_CAP: usize = 1 << 20;

/// One file of a batch: its forecast, or the error that stopped it.
pub struct FileOutcome<'a> {
    pub file: &'a str,
    pub result: Result<Input<'a>, String>,
    pub exit_code: i32,
}

/// One row per file and milestone; a file that failed gets one row with its error.
pub fn combined(outcomes: &[FileOutcome]) -> Table {
    let mut rows = Vec::new();
    for o in outcomes {
        match &o.result {
            Ok(input) => {
                let t = super::tables::summary(input.plan, input.summary);
                for r in t.rows {
                    let mut row = vec![o.file.to_string()];
                    row.extend(r.into_iter().take(8));
                    rows.push(row);
                }
            }
            Err(e) => {
                let first = e
                    .lines()
                    .next()
                    .unwrap_or("error")
                    .trim_start_matches("error: ")
                    .to_string();
                rows.push(vec![
                    o.file.to_string(),
                    format!("ERROR: {first}"),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]);
            }
        }
    }
    let headers = [
        "File",
        "Milestone",
        "Delivered",
        "P50",
        "P80",
        "P95",
        "Deadline",
        "On time",
        "Gate",
    ];
    Table {
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows,
    }
}

/// The worst exit code: bad input (2) over a failed gate (1) over success (0).
pub fn worst(outcomes: &[FileOutcome]) -> i32 {
    outcomes.iter().map(|o| o.exit_code).max().unwrap_or(0)
}

/// Markdown for `$GITHUB_STEP_SUMMARY`: the combined table, then each error in full.
pub fn step_summary(outcomes: &[FileOutcome]) -> String {
    let mut s = String::from("## shipcast forecast\n\n");
    s.push_str(&super::markdown::table(&combined(outcomes), 2));
    let undecided = outcomes
        .iter()
        .filter_map(|o| o.result.as_ref().ok())
        .any(|i| !crate::analysis::gates_decided(i.summary));
    if undecided {
        s.push_str("\n(undecided): the gate's interval straddles its target; raise `--iterations` or use `--precision`.\n");
    }
    for o in outcomes {
        if let Err(e) = &o.result {
            s.push_str(&format!("\n### {}\n\n```text\n{}```\n", o.file, e));
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

/// JUnit XML: a test suite per file, a test case per gate (failed when the gate fails), and an
/// error case for a file that could not be read.
pub fn junit(outcomes: &[FileOutcome]) -> String {
    let mut suites = String::new();
    let (mut total, mut failures, mut errors) = (0, 0, 0);
    for o in outcomes {
        let mut cases = String::new();
        let (mut n, mut f, mut e) = (0, 0, 0);
        match &o.result {
            Ok(input) => {
                for m in &input.summary.milestones {
                    let ms = &input.plan.milestones[m.milestone];
                    let (Some(on_time), Some(deadline)) = (&m.on_time, ms.deadline) else {
                        continue;
                    };
                    let Some(g) = &on_time.gate else { continue };
                    n += 1;
                    let name = format!(
                        "{} on time by {} with P >= {}",
                        ms.id,
                        deadline
                            .date
                            .map_or(format!("working day {}", deadline.days), |d| d.to_string()),
                        pct(g.target)
                    );
                    let detail = format!(
                        "P(on time) {} (95% interval {} to {}), target {}; P80 {}{}",
                        pct(on_time.probability.estimate),
                        pct(on_time.probability.low),
                        pct(on_time.probability.high),
                        pct(g.target),
                        when(input.plan, m.p80().days),
                        if g.decided {
                            ""
                        } else {
                            "; undecided at this precision"
                        }
                    );
                    cases.push_str(&format!(
                        "    <testcase classname=\"{}\" name=\"{}\">",
                        esc(o.file),
                        esc(&name)
                    ));
                    if g.status == GateStatus::Fails {
                        f += 1;
                        cases.push_str(&format!("<failure message=\"{}\"/>", esc(&detail)));
                    } else {
                        cases.push_str(&format!("<system-out>{}</system-out>", esc(&detail)));
                    }
                    cases.push_str("</testcase>\n");
                }
            }
            Err(err) => {
                n += 1;
                e += 1;
                cases.push_str(&format!(
                    "    <testcase classname=\"{}\" name=\"load\"><error message=\"the scenario could not be read\">{}</error></testcase>\n",
                    esc(o.file),
                    esc(err)
                ));
            }
        }
        total += n;
        failures += f;
        errors += e;
        suites.push_str(&format!("  <testsuite name=\"{}\" tests=\"{n}\" failures=\"{f}\" errors=\"{e}\">\n{cases}  </testsuite>\n", esc(o.file)));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"shipcast\" tests=\"{total}\" failures=\"{failures}\" errors=\"{errors}\">\n{suites}</testsuites>\n"
    )
}

/// Whether an existing file is a JUnit report shipcast wrote (and may be replaced).
pub fn is_ours(existing: &str) -> bool {
    existing.starts_with("<?xml") && existing.contains("<testsuites name=\"shipcast\"")
}

#[derive(Serialize)]
struct Run<'a> {
    file: &'a str,
    exit_code: i32,
    error: Option<&'a str>,
    report: Option<serde_json::Value>,
}

#[derive(Serialize)]
struct Batch<'a> {
    schema: &'static str,
    tool: Tool,
    exit_code: i32,
    runs: Vec<Run<'a>>,
}

pub fn json(outcomes: &[FileOutcome]) -> String {
    let batch = Batch {
        schema: BATCH_SCHEMA,
        tool: Tool::this(),
        exit_code: worst(outcomes),
        runs: outcomes
            .iter()
            .map(|o| Run {
                file: o.file,
                exit_code: o.exit_code,
                error: o.result.as_ref().err().map(String::as_str),
                report: o.result.as_ref().ok().map(super::json::value),
            })
            .collect(),
    };
    let mut s = serde_json::to_string_pretty(&batch).expect("report serializes");
    s.push('\n');
    s
}
