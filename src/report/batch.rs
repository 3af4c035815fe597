//! Reports over several scenario files: the combined summary (one row per file and milestone),
//! the Markdown for a CI step summary, JUnit XML with a test case per gate, and
//! `shipcast.batch/1` JSON.

use super::tables::{Table, money, pct, when};
use super::{Input, html::esc};
use crate::analysis::GateStatus;

/// One file of a batch: its forecast, or the error that stopped it.
pub struct FileOutcome<'a> {
    pub file: &'a str,
    /// The variant run (`--variant`), named wherever the file is.
    pub variant: Option<&'a str>,
    pub result: Result<Input<'a>, String>,
    pub exit_code: i32,
}

impl FileOutcome<'_> {
    /// The scenario as every batch output names it: the file, then the variant in brackets
    /// (`llm.toml [prompt-mvp]`).
    pub fn scenario(&self) -> String {
        match self.variant {
            Some(v) => format!("{} [{v}]", self.file),
            None => self.file.to_string(),
        }
    }
}

/// `check`: one line per gate, then a line per file that could not be read.
pub fn check_lines(outcomes: &[FileOutcome]) -> String {
    let mut s = String::new();
    for o in outcomes {
        match &o.result {
            Ok(input) => {
                for m in &input.summary.milestones {
                    let ms = &input.plan.milestones()[m.milestone];
                    let Some(on_time) = &m.on_time else { continue };
                    let Some(g) = &on_time.gate else { continue };
                    let verdict = if g.status == GateStatus::Holds {
                        "PASS"
                    } else {
                        "FAIL"
                    };
                    let deadline = ms
                        .deadline
                        .and_then(|d| d.date)
                        .map_or(format!("working day {}", on_time.deadline_days), |d| {
                            d.to_string()
                        });
                    let undecided = if g.decided {
                        ""
                    } else {
                        " (undecided at this precision: raise --iterations or use --precision)"
                    };
                    s.push_str(&format!(
                        "{verdict} {}: {} by {deadline}: P(on time) {} [{}, {}], target {}{undecided}\n",
                        o.scenario(),
                        ms.id,
                        pct(on_time.probability.estimate),
                        pct(on_time.probability.low),
                        pct(on_time.probability.high),
                        pct(g.target)
                    ));
                }
                for m in &input.summary.milestones {
                    let ms = &input.plan.milestones()[m.milestone];
                    let Some(b) = &m.budget else { continue };
                    let Some(g) = &b.gate else { continue };
                    s.push_str(&format!(
                        "{} {}: {} within budget {}: P(within budget) {} [{}, {}], target {}{}\n",
                        if g.status == GateStatus::Holds {
                            "PASS"
                        } else {
                            "FAIL"
                        },
                        o.scenario(),
                        ms.id,
                        money(b.amount),
                        pct(b.within.estimate),
                        pct(b.within.low),
                        pct(b.within.high),
                        pct(g.target),
                        if g.decided {
                            ""
                        } else {
                            " (undecided at this precision: raise --iterations or use --precision)"
                        }
                    ));
                }
            }
            Err(_) => s.push_str(&format!(
                "ERROR {}: no verdict, see the error on stderr\n",
                o.scenario()
            )),
        }
    }
    if s.is_empty() {
        s.push_str("no gates: give a milestone a deadline and a confidence, or pass --gate\n");
    }
    s
}

/// One row per file and milestone; a file that failed gets one row with its error.
pub fn combined(outcomes: &[FileOutcome]) -> Table {
    let mut rows = Vec::new();
    for o in outcomes {
        match &o.result {
            Ok(input) => {
                let t = super::tables::summary(input.plan, input.summary);
                for r in t.rows {
                    let mut row = vec![o.scenario()];
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
                    o.scenario(),
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
                    let ms = &input.plan.milestones()[m.milestone];
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
                        esc(&o.scenario()),
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
                for m in &input.summary.milestones {
                    let ms = &input.plan.milestones()[m.milestone];
                    let Some(b) = &m.budget else { continue };
                    let Some(g) = &b.gate else { continue };
                    n += 1;
                    let name = format!(
                        "{} within budget {} with P >= {}",
                        ms.id,
                        money(b.amount),
                        pct(g.target)
                    );
                    let detail = format!(
                        "P(within budget) {} (95% interval {} to {}), target {}; cost P80 {}{}",
                        pct(b.within.estimate),
                        pct(b.within.low),
                        pct(b.within.high),
                        pct(g.target),
                        m.cost.map_or("-".into(), |c| money(c.p80)),
                        if g.decided {
                            ""
                        } else {
                            "; undecided at this precision"
                        }
                    );
                    cases.push_str(&format!(
                        "    <testcase classname=\"{}\" name=\"{}\">",
                        esc(&o.scenario()),
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
                    esc(&o.scenario()),
                    esc(err)
                ));
            }
        }
        total += n;
        failures += f;
        errors += e;
        suites.push_str(&format!("  <testsuite name=\"{}\" tests=\"{n}\" failures=\"{f}\" errors=\"{e}\">\n{cases}  </testsuite>\n", esc(&o.scenario())));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"shipcast\" tests=\"{total}\" failures=\"{failures}\" errors=\"{errors}\">\n{suites}</testsuites>\n"
    )
}

/// Whether an existing file is a JUnit report shipcast wrote (and may be replaced).
pub fn is_ours(existing: &str) -> bool {
    existing.starts_with("<?xml") && existing.contains("<testsuites name=\"shipcast\"")
}
