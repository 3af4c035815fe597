//! The text of `import --check`: the source's scheduled dates beside shipcast's, task by task.

use std::fmt::Write;

use crate::pipeline::imports::ImportCheck;

fn days(x: f64) -> String {
    if x.is_finite() {
        format!("{:.2}", x)
    } else {
        "never".into()
    }
}

/// One line per task that differs (every task with `all`), then the verdict.
pub fn render_check(c: &ImportCheck) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({}): {} tasks, {} with scheduled dates, every duration fixed at its planned value",
        c.source,
        c.format.label(),
        c.tasks,
        c.rows.len()
    );
    let differ: Vec<_> = c.rows.iter().filter(|r| r.differs()).collect();
    if !differ.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:<12} {:<28} {:<10} {:>16} {:>16}  {:>21} {:>21}",
            "Task",
            "Name",
            "Where",
            "Source start",
            "Source finish",
            "shipcast start",
            "shipcast finish"
        );
        for r in &differ {
            let name: String = r.name.chars().take(28).collect();
            let got = |d: Option<jiff::civil::Date>, t: f64| match d {
                Some(d) => format!("{d} ({})", days(t)),
                None => days(t),
            };
            let _ = writeln!(
                out,
                "{:<12} {:<28} {:<10} {:>16} {:>16}  {:>21} {:>21}",
                r.id,
                name,
                r.at,
                r.source.0.strftime("%Y-%m-%d %H:%M").to_string(),
                r.source.1.strftime("%Y-%m-%d %H:%M").to_string(),
                got(r.got_dates.0, r.got.0),
                got(r.got_dates.1, r.got.1),
            );
        }
    }
    let _ = writeln!(out);
    let finish = match (c.expected_finish, c.finish_date) {
        (Some(e), Some(d)) => format!(
            "finish: source {} working days, shipcast {} ({d})",
            days(e),
            days(c.finish)
        ),
        (Some(e), None) => format!("finish: source {}, shipcast {}", days(e), days(c.finish)),
        (None, _) => format!("finish: shipcast {}", days(c.finish)),
    };
    let _ = writeln!(out, "{finish}");
    if c.passes() {
        let _ = writeln!(
            out,
            "PASS: every task starts and finishes when the source scheduled it"
        );
    } else {
        let _ = writeln!(
            out,
            "DIFFER: {} of {} tasks{}",
            c.differences(),
            c.rows.len(),
            if c.finish_differs() {
                ", and the finish"
            } else {
                ""
            }
        );
        if !c.skipped.is_empty() {
            let _ = writeln!(out, "what the import skipped (the likely causes):");
            for s in &c.skipped {
                let _ = writeln!(out, "  - {s}");
            }
        }
    }
    out
}
