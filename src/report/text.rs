//! The terminal report: a summary table, then each milestone's percentiles with their intervals,
//! experiments and risks.

use std::fmt::Write as _;

use super::{Input, finish_date};
use crate::analysis::{GateStatus, Percentile, Probability};
use crate::model::Plan;

/// Lays out rows under headers; columns after the first `left` are right-aligned.
pub fn table(headers: &[&str], rows: &[Vec<String>], left: usize) -> String {
    let cols = headers.len();
    let mut width: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| -> String {
        let mut s = String::new();
        for (i, c) in cells.enumerate().take(cols) {
            let pad = width[i] - c.chars().count();
            if i > 0 {
                s.push_str("  ");
            }
            if i < left {
                s.push_str(c);
                s.push_str(&" ".repeat(pad));
            } else {
                s.push_str(&" ".repeat(pad));
                s.push_str(c);
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(&mut headers.iter().copied());
    out.push_str(&line(
        &mut width
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str),
    ));
    for r in rows {
        out.push_str(&line(&mut r.iter().map(String::as_str)));
    }
    out
}

pub fn pct(p: f64) -> String {
    if p.is_nan() {
        "-".into()
    } else {
        format!("{:.1}%", 100.0 * p)
    }
}

fn prob_interval(p: &Probability) -> String {
    format!("[{}, {}]", pct(p.low), pct(p.high))
}

/// A finish as a date when the plan has a start, else in working days; "never" when not reached.
fn when(plan: &Plan, days: Option<f64>) -> String {
    match (days, finish_date(plan, days)) {
        (None, _) => "not reached".into(),
        (Some(_), Some(date)) => date,
        (Some(d), None) => format!("{d:.1} d"),
    }
}

fn days(d: Option<f64>) -> String {
    d.map_or("-".into(), |d| format!("{d:.1}"))
}

fn percentile_row(plan: &Plan, p: &Percentile) -> Vec<String> {
    vec![
        format!("P{}", (p.p * 100.0).round()),
        when(plan, p.days),
        days(p.days),
        format!(
            "[{}, {}]",
            days(p.low),
            p.high.map_or("never".into(), |h| format!("{h:.1}"))
        ),
        if plan.calendar.start.is_some() {
            format!("{} .. {}", when(plan, p.low), when(plan, p.high))
        } else {
            String::new()
        },
    ]
}

pub fn render(input: &Input) -> String {
    let Input {
        plan,
        summary,
        file,
    } = *input;
    let mut out = String::new();
    let _ = writeln!(out, "{} ({file})", plan.name);
    let start = plan
        .calendar
        .start
        .map_or("no start date: times in working days".into(), |d| {
            format!("start {d}")
        });
    let _ = writeln!(
        out,
        "{} iterations, seed {}, {start}\n",
        summary.iterations, summary.seed
    );

    let headers = [
        "Milestone",
        "Delivered",
        "P50",
        "P80",
        "P95",
        "Deadline",
        "On time",
        "Gate",
    ];
    let rows: Vec<Vec<String>> = summary
        .milestones
        .iter()
        .map(|m| {
            let ms = &plan.milestones[m.milestone];
            let at = |i: usize| when(plan, m.percentiles[i].days);
            let (deadline, on_time, gate) = match (&m.on_time, ms.deadline) {
                (Some(o), Some(d)) => (
                    d.date.map_or(format!("{:.1} d", d.days), |x| x.to_string()),
                    pct(o.probability.estimate),
                    o.gate.as_ref().map_or("-".into(), |g| {
                        let verdict = match g.status {
                            GateStatus::Holds => "holds",
                            GateStatus::Fails => "FAILS",
                        };
                        let undecided = if g.decided { "" } else { " (undecided)" };
                        format!("{} {verdict}{undecided}", pct(g.target))
                    }),
                ),
                _ => ("-".into(), "-".into(), "-".into()),
            };
            vec![
                ms.name.clone(),
                pct(m.delivered.estimate),
                at(1),
                at(2),
                at(4),
                deadline,
                on_time,
                gate,
            ]
        })
        .collect();
    out.push_str(&table(&headers, &rows, 1));

    for m in &summary.milestones {
        let ms = &plan.milestones[m.milestone];
        let _ = writeln!(out, "\n{} ({})", ms.name, ms.id);
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
            let _ = writeln!(
                out,
                "  on time (finish <= {:.1} working days): {} {}",
                o.deadline_days,
                pct(o.probability.estimate),
                prob_interval(&o.probability)
            );
        }
        let rows: Vec<Vec<String>> = m
            .percentiles
            .iter()
            .map(|p| percentile_row(plan, p))
            .collect();
        let t = table(
            &[
                "",
                "When",
                "Days",
                "95% interval (days)",
                if plan.calendar.start.is_some() {
                    "95% interval (dates)"
                } else {
                    ""
                },
            ],
            &rows,
            1,
        );
        for line in t.lines() {
            let _ = writeln!(out, "  {line}");
        }
    }

    if !summary.experiments.is_empty() {
        let rows: Vec<Vec<String>> = summary
            .experiments
            .iter()
            .map(|e| {
                let node = &plan.nodes[e.node];
                let exp = node.experiment.as_ref().expect("an experiment");
                vec![
                    node.name.clone(),
                    pct(e.success.estimate),
                    e.mean_attempts
                        .map_or("-".into(), |a| format!("{a:.2} of {}", exp.success.len())),
                    exp.fallback.map_or("none: program fails".into(), |f| {
                        plan.nodes[f as usize].id.clone()
                    }),
                    e.fallback_rate.map_or("-".into(), |r| pct(r.estimate)),
                ]
            })
            .collect();
        out.push_str("\nExperiments\n");
        out.push_str(&table(
            &["Task", "P(success)", "Attempts", "Fallback", "Fallback ran"],
            &rows,
            1,
        ));
    }
    if !summary.risks.is_empty() {
        let rows: Vec<Vec<String>> = summary
            .risks
            .iter()
            .map(|r| {
                let risk = &plan.risks[r.risk];
                vec![
                    risk.name.clone(),
                    pct(risk.probability),
                    pct(r.occurred.estimate),
                ]
            })
            .collect();
        out.push_str("\nRisks\n");
        out.push_str(&table(&["Risk", "Declared", "Occurred"], &rows, 1));
    }
    out
}
