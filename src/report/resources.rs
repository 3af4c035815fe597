//! The cells of the resource section every human-readable format lays out (issue 12).

use crate::analysis::resources::ResourceReport;
use crate::model::Plan;
use crate::report::tables::{Table, when};

fn days(d: Option<f64>) -> String {
    d.map_or("-".into(), |d| format!("{d:+.1} d"))
}

/// Each milestone's P80 with and without the resource constraint.
pub fn milestones(plan: &Plan, r: &ResourceReport) -> Table {
    Table {
        headers: [
            "milestone",
            "P80",
            "P80 without resource limits",
            "waiting adds",
        ]
        .map(String::from)
        .to_vec(),
        rows: r
            .milestones
            .iter()
            .map(|m| {
                vec![
                    plan.milestones()[m.milestone].name.clone(),
                    when(plan, m.constrained),
                    when(plan, m.unconstrained),
                    days(m.delay()),
                ]
            })
            .collect(),
    }
}

/// Each resource: capacity, utilisation, and what waiting for it adds to the last milestone.
pub fn resources(plan: &Plan, r: &ResourceReport) -> Table {
    let binding = r.binding().map(|b| b.resource);
    let ms = &plan.milestones()[r.primary].name;
    Table {
        headers: vec![
            "resource".into(),
            "capacity".into(),
            "utilisation".into(),
            format!("adds at P80 to {ms}"),
            "binds".into(),
        ],
        rows: r
            .resources
            .iter()
            .map(|i| {
                let res = &plan.resources()[i.resource];
                let caps: Vec<String> = res
                    .capacity
                    .iter()
                    .map(|(t, c)| {
                        if *t > 0.0 {
                            format!("{c} from {}", super::tables::when(plan, Some(*t + 1.0)))
                        } else {
                            format!("{c}")
                        }
                    })
                    .collect();
                vec![
                    res.name.clone(),
                    caps.join(", "),
                    format!("{:.0}%", 100.0 * i.utilisation),
                    days(i.delay),
                    if binding == Some(i.resource) {
                        "yes".into()
                    } else {
                        String::new()
                    },
                ]
            })
            .collect(),
    }
}

/// One sentence: which resource binds and what waiting for it costs.
pub fn sentence(plan: &Plan, r: &ResourceReport) -> String {
    let ms = &plan.milestones()[r.primary].name;
    match r.binding() {
        Some(b) => format!(
            "Waiting for {} adds {:.1} working days to {ms} at P80 (paired runs with it unlimited).",
            plan.resources()[b.resource].name,
            b.delay.unwrap_or(0.0)
        ),
        None => format!("No single resource delays {ms} at P80."),
    }
}

/// The `resources` object of the JSON report.
#[derive(serde::Serialize)]
pub struct Json<'a> {
    /// The iterations the comparisons reran (the run's first ones).
    iterations: u64,
    /// The resource that delays the last milestone most at P80, when one does.
    binding: Option<&'a str>,
    horizon_days: f64,
    milestones: Vec<MilestoneJson<'a>>,
    resources: Vec<ResourceJson<'a>>,
}

#[derive(serde::Serialize)]
struct MilestoneJson<'a> {
    id: &'a str,
    p80_days: Option<f64>,
    p80_days_unconstrained: Option<f64>,
    delay_days: Option<f64>,
}

#[derive(serde::Serialize)]
struct StepJson {
    from_days: f64,
    from_date: Option<String>,
    capacity: f64,
}

#[derive(serde::Serialize)]
struct ResourceJson<'a> {
    id: &'a str,
    name: &'a str,
    capacity: Vec<StepJson>,
    utilisation: f64,
    /// What waiting for it adds to the last milestone's P80 (paired rerun with it unlimited).
    delay_days: Option<f64>,
    /// Mean units in use in equal bins of `[0, horizon_days)`.
    busy: Vec<f64>,
}

/// The JSON view of a resource report.
pub fn json<'a>(plan: &'a Plan, r: &ResourceReport) -> Json<'a> {
    Json {
        iterations: r.iterations,
        binding: r
            .binding()
            .map(|b| plan.resources()[b.resource].id.as_str()),
        horizon_days: r.horizon,
        milestones: r
            .milestones
            .iter()
            .map(|m| MilestoneJson {
                id: &plan.milestones()[m.milestone].id,
                p80_days: m.constrained,
                p80_days_unconstrained: m.unconstrained,
                delay_days: m.delay(),
            })
            .collect(),
        resources: r
            .resources
            .iter()
            .map(|i| {
                let res = &plan.resources()[i.resource];
                ResourceJson {
                    id: &res.id,
                    name: &res.name,
                    capacity: res
                        .capacity
                        .iter()
                        .map(|&(t, c)| StepJson {
                            from_days: t,
                            from_date: plan.calendar().start_date(t).map(|d| d.to_string()),
                            capacity: c,
                        })
                        .collect(),
                    utilisation: i.utilisation,
                    delay_days: i.delay,
                    busy: i.busy.clone(),
                }
            })
            .collect(),
    }
}
