//! An imported plan written as scenario TOML: a comment block (what was read, what was skipped,
//! the uncertainty rule), `[project]`, one `[[task]]` per task, the source's milestones, and a
//! last milestone, the project's finish, that waits for every task nothing else waits for.

use std::collections::HashSet;
use std::fmt::Write;

use super::{Dur, Imported, LinkKind, Progress, Task, round};

/// A TOML basic string.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A number as short as it reads (six decimals at most).
pub fn num(x: f64) -> String {
    let r = round(x, 6);
    if r.fract() == 0.0 && r.abs() < 1e15 {
        format!("{}", r as i64)
    } else {
        format!("{r}")
    }
}

fn duration(d: Dur) -> String {
    match d {
        Dur::Fixed(x) => num(x),
        Dur::Three(l, m, h) => format!("[{}, {}, {}]", num(l), num(m), num(h)),
    }
}

fn comment(out: &mut String, text: &str) {
    for line in text.lines() {
        let _ = writeln!(out, "# {line}");
    }
}

/// The id of the added finish milestone: `finish`, or `finish_2`... when a task has that id.
pub fn finish_id(plan: &Imported) -> String {
    let ids: HashSet<&str> = plan.tasks.iter().map(|t| t.id.as_str()).collect();
    let mut id = "finish".to_string();
    let mut k = 1;
    while ids.contains(id.as_str()) {
        k += 1;
        id = format!("finish_{k}");
    }
    id
}

/// Whether a task is written as a `[[milestone]]` (a source milestone with predecessors: a
/// scenario milestone needs something to wait for); other milestones are zero-length tasks.
pub fn as_milestone(t: &Task) -> bool {
    t.milestone && !t.after.is_empty() && matches!(t.progress, Progress::None)
}

fn after(t: &Task) -> String {
    let items: Vec<String> = t
        .after
        .iter()
        .map(|l| {
            if l.kind == LinkKind::FS && l.lag == 0.0 {
                quote(&l.target)
            } else {
                let mut s = format!("{{ task = {}", quote(&l.target));
                if l.kind != LinkKind::FS {
                    let _ = write!(s, ", type = \"{:?}\"", l.kind);
                }
                if l.lag != 0.0 {
                    let _ = write!(s, ", lag = {}", num(l.lag));
                }
                s.push_str(" }");
                s
            }
        })
        .collect();
    format!("[{}]", items.join(", "))
}

pub fn write(plan: &Imported) -> String {
    let mut out = String::new();
    comment(
        &mut out,
        &format!(
            "Imported by shipcast {} from {} ({}).",
            env!("CARGO_PKG_VERSION"),
            plan.source,
            plan.format.label()
        ),
    );
    comment(&mut out, "");
    comment(&mut out, "Read:");
    for r in &plan.read {
        comment(&mut out, &format!("  - {r}"));
    }
    comment(&mut out, "Skipped:");
    if plan.skipped.is_empty() {
        comment(&mut out, "  - nothing");
    }
    for s in &plan.skipped {
        comment(&mut out, &format!("  - {s}"));
    }
    comment(&mut out, "Uncertainty:");
    if let Some(f) = &plan.fields {
        comment(
            &mut out,
            &format!("  - low and high durations from {f}; where a task has none, the rule below"),
        );
    }
    comment(&mut out, &format!("  - {}", plan.uncertainty.describe()));
    let finish = finish_id(plan);
    comment(
        &mut out,
        &format!(
            "The milestone `{finish}` is added: the project's finish, after every task no other task waits to finish."
        ),
    );
    out.push('\n');

    out.push_str("[project]\n");
    let _ = writeln!(
        out,
        "name = {}",
        quote(if plan.name.is_empty() {
            &plan.source
        } else {
            &plan.name
        })
    );
    let cal = &plan.calendar;
    if let Some(start) = cal.start {
        let _ = writeln!(out, "start = {start}");
    }
    let any_progress = plan
        .tasks
        .iter()
        .any(|t| !matches!(t.progress, Progress::None));
    if let (Some(status), true) = (plan.status_date, any_progress) {
        let _ = writeln!(out, "status_date = {status}");
    }
    if cal.workdays != crate::model::calendar::Calendar::default().workdays {
        let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let days: Vec<String> = (0..7)
            .filter(|&i| cal.workdays[i])
            .map(|i| quote(names[i]))
            .collect();
        let _ = writeln!(out, "workdays = [{}]", days.join(", "));
    }
    let dates = |v: &[jiff::civil::Date]| {
        v.iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !cal.holidays.is_empty() {
        let _ = writeln!(out, "holidays = [{}]", dates(&cal.holidays));
    }
    if !cal.workdates.is_empty() {
        let _ = writeln!(out, "workdates = [{}]", dates(&cal.workdates));
    }

    let referenced: HashSet<&str> = plan
        .tasks
        .iter()
        .flat_map(|t| {
            t.after
                .iter()
                .filter(|l| matches!(l.kind, LinkKind::FS | LinkKind::FF) && l.lag >= 0.0)
                .map(|l| l.target.as_str())
        })
        .chain(plan.tasks.iter().filter_map(|t| t.fallback.as_deref()))
        .collect();
    for (id, capacity) in &plan.resources {
        out.push_str("\n[[resource]]\n");
        let _ = writeln!(out, "id = {}", quote(id));
        let _ = writeln!(out, "capacity = {}", num(*capacity));
    }
    for t in plan.tasks.iter().filter(|t| !as_milestone(t)) {
        out.push_str("\n[[task]]\n");
        if let Some(note) = &t.note {
            comment(&mut out, note);
        }
        let _ = writeln!(out, "id = {}", quote(&t.id));
        if t.name != t.id {
            let _ = writeln!(out, "name = {}", quote(&t.name));
        }
        let d = if t.milestone {
            Dur::Fixed(0.0)
        } else {
            t.duration(&plan.uncertainty)
        };
        let _ = writeln!(out, "duration = {}", duration(d));
        if !t.after.is_empty() {
            let _ = writeln!(out, "after = {}", after(t));
        }
        if let Some(s) = t.success {
            let _ = writeln!(out, "success = {}", num(s));
        }
        if let Some(a) = t.attempts {
            let _ = writeln!(out, "attempts = {a}");
        }
        if let Some(f) = &t.fallback {
            let _ = writeln!(out, "fallback = {}", quote(f));
        }
        if let Some(c) = t.cost {
            let _ = writeln!(out, "cost = {}", num(c));
        }
        if let Some(c) = &t.calibration {
            let _ = writeln!(
                out,
                "# calibration = {} (with its [calibration.{c}] table from `shipcast calibrate`, write estimate = instead of duration =)",
                quote(c)
            );
        }
        if !t.uses.is_empty() {
            let uses: Vec<String> = t
                .uses
                .iter()
                .map(|(r, a)| format!("{} = {}", quote(r), num(*a)))
                .collect();
            let _ = writeln!(out, "uses = {{ {} }}", uses.join(", "));
        }
        match &t.progress {
            Progress::None => {}
            Progress::Done { started, finished } => {
                out.push_str("done = true\n");
                if let Some(s) = started {
                    let _ = writeln!(out, "started = {s}");
                }
                let _ = writeln!(out, "finished = {finished}");
            }
            Progress::Started { started, remaining } => {
                let _ = writeln!(out, "started = {started}");
                let left = Task {
                    planned: *remaining,
                    low: None,
                    high: None,
                    ..Task::new("", "")
                };
                let _ = writeln!(
                    out,
                    "remaining = {}",
                    duration(left.duration(&plan.uncertainty))
                );
            }
        }
    }
    for t in plan.tasks.iter().filter(|t| as_milestone(t)) {
        out.push_str("\n[[milestone]]\n");
        if let Some(note) = &t.note {
            comment(&mut out, note);
        }
        let _ = writeln!(out, "id = {}", quote(&t.id));
        if t.name != t.id {
            let _ = writeln!(out, "name = {}", quote(&t.name));
        }
        let _ = writeln!(out, "after = {}", after(t));
    }
    let sinks: Vec<String> = plan
        .tasks
        .iter()
        .filter(|t| !referenced.contains(t.id.as_str()))
        .map(|t| quote(&t.id))
        .collect();
    out.push_str("\n[[milestone]]\n");
    let _ = writeln!(out, "id = {}", quote(&finish));
    out.push_str("name = \"Project finish\"\n");
    let _ = writeln!(out, "after = [{}]", sinks.join(", "));
    out
}
