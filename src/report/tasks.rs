//! The per-task forecast out (`run --tasks FILE.csv`, and the `tasks` array of the JSON report):
//! what a planner pastes into Project or P6 beside the deterministic dates.

use serde::Serialize;

use crate::analysis::tasks::TaskForecast;
use crate::model::Plan;

#[derive(Serialize)]
struct Point {
    days: Option<f64>,
    date: Option<String>,
}

#[derive(Serialize)]
struct Pair {
    p50: Point,
    p80: Point,
}

#[derive(Serialize)]
struct TaskJson<'a> {
    id: &'a str,
    name: &'a str,
    ran: f64,
    start: Pair,
    finish: Pair,
    critical: f64,
    success: Option<f64>,
    iterations: u64,
}

fn r4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

fn pair(plan: &Plan, v: [Option<f64>; 2], finish: bool) -> Pair {
    let point = |x: Option<f64>| Point {
        days: x.map(r4),
        date: x
            .and_then(|t| {
                if finish {
                    plan.calendar().finish_date(t)
                } else {
                    plan.calendar().start_date(t)
                }
            })
            .map(|d| d.to_string()),
    };
    Pair {
        p50: point(v[0]),
        p80: point(v[1]),
    }
}

/// The `tasks` array of the JSON report.
pub fn json_value(plan: &Plan, rows: &[TaskForecast]) -> serde_json::Value {
    let items: Vec<TaskJson> = rows
        .iter()
        .map(|r| {
            let n = &plan.nodes()[r.node];
            TaskJson {
                id: &n.id,
                name: &n.name,
                ran: r4(r.ran),
                start: pair(plan, r.start, false),
                finish: pair(plan, r.finish, true),
                critical: r4(r.critical),
                success: r.success.map(r4),
                iterations: r.iterations,
            }
        })
        .collect();
    // Invariant: plain data with string keys serializes (NaN becomes null).
    serde_json::to_value(items).expect("tasks serialize")
}

/// A JSON report (as `json::render` writes it) with the `tasks` array added at its end.
pub fn add_to_json(report: &str, plan: &Plan, rows: &[TaskForecast]) -> String {
    let mut v: serde_json::Value = match serde_json::from_str(report) {
        Ok(v) => v,
        Err(_) => return report.to_string(),
    };
    if let Some(o) = v.as_object_mut() {
        o.insert("tasks".into(), json_value(plan, rows));
    }
    // Invariant: plain data with string keys serializes (NaN becomes null).
    let mut s = serde_json::to_string_pretty(&v).expect("report serializes");
    s.push('\n');
    s
}

/// The CSV: one row per task.
pub fn csv(plan: &Plan, rows: &[TaskForecast]) -> String {
    let mut w = ::csv::Writer::from_writer(vec![]);
    let _ = w.write_record([
        "id",
        "name",
        "ran",
        "start_p50_days",
        "start_p50_date",
        "start_p80_days",
        "start_p80_date",
        "finish_p50_days",
        "finish_p50_date",
        "finish_p80_days",
        "finish_p80_date",
        "critical",
        "p_success",
    ]);
    let num = |x: Option<f64>| x.map(|v| format!("{}", r4(v))).unwrap_or_default();
    for r in rows {
        let n = &plan.nodes()[r.node];
        let s = pair(plan, r.start, false);
        let f = pair(plan, r.finish, true);
        let date = |p: &Point| p.date.clone().unwrap_or_default();
        let _ = w.write_record([
            n.id.clone(),
            n.name.clone(),
            format!("{}", r4(r.ran)),
            num(s.p50.days),
            date(&s.p50),
            num(s.p80.days),
            date(&s.p80),
            num(f.p50.days),
            date(&f.p50),
            num(f.p80.days),
            date(&f.p80),
            format!("{}", r4(r.critical)),
            num(r.success),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
