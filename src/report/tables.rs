//! The tables every human-readable report shows, as plain cells. The text, Markdown and HTML
//! reports only differ in how they lay these out.

use super::finish_date;
use crate::analysis::drivers::{MilestoneDrivers, WhatIf};
use crate::analysis::{Gate, GateStatus, MilestoneSummary, P50, P80, P95, Probability, Summary};
use crate::model::Plan;

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    fn new(headers: &[&str], rows: Vec<Vec<String>>) -> Table {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows,
        }
    }
}

pub fn pct(p: f64) -> String {
    if p.is_nan() {
        "-".into()
    } else {
        format!("{:.1}%", 100.0 * p)
    }
}

pub fn prob_interval(p: &Probability) -> String {
    format!("[{}, {}]", pct(p.low), pct(p.high))
}

/// A finish as a date when the plan has a start, else in working days; "not reached" when the
/// percentile lies among the runs that never deliver.
pub fn when(plan: &Plan, days: Option<f64>) -> String {
    match (days, finish_date(plan, days)) {
        (None, _) => "not reached".into(),
        (Some(_), Some(date)) => date,
        (Some(d), None) => format!("{d:.1} d"),
    }
}

fn days(d: Option<f64>) -> String {
    d.map_or("-".into(), |d| format!("{d:.1}"))
}

fn verdict(g: &Gate) -> String {
    let verdict = match g.status {
        GateStatus::Holds => "holds",
        GateStatus::Fails => "FAILS",
    };
    let undecided = if g.decided { "" } else { " (undecided)" };
    format!("{} {verdict}{undecided}", pct(g.target))
}

/// The deadline's gate ("80.0% holds"), then the budget's ("budget 70.0% FAILS").
fn gate_cell(m: &MilestoneSummary) -> String {
    let on_time = m
        .on_time
        .as_ref()
        .and_then(|o| o.gate.as_ref())
        .map(verdict);
    let budget = m
        .budget
        .as_ref()
        .and_then(|b| b.gate.as_ref())
        .map(|g| format!("budget {}", verdict(g)));
    match (on_time, budget) {
        (None, None) => "-".into(),
        (Some(a), None) | (None, Some(a)) => a,
        (Some(a), Some(b)) => format!("{a}; {b}"),
    }
}

/// One row per milestone: delivery, P50/P80/P95, deadline, on time, gate, and cost when the
/// plan has costs.
pub fn summary(plan: &Plan, summary: &Summary) -> Table {
    let budgets = summary.milestones.iter().any(|m| m.budget.is_some());
    let rows = summary
        .milestones
        .iter()
        .map(|m| {
            let ms = &plan.milestones()[m.milestone];
            let at = |i: usize| when(plan, m.percentiles[i].days);
            let (deadline, on_time) = match (&m.on_time, ms.deadline) {
                (Some(o), Some(d)) => (
                    d.date.map_or(format!("{} d", d.days), |x| x.to_string()),
                    pct(o.probability.estimate),
                ),
                _ => ("-".into(), "-".into()),
            };
            let mut row = vec![
                ms.name.clone(),
                pct(m.delivered.estimate),
                at(P50),
                at(P80),
                at(P95),
                deadline,
                on_time,
                gate_cell(m),
            ];
            if let Some(c) = m.cost {
                row.extend([money(c.p50), money(c.p80)]);
            }
            if budgets {
                row.extend(budget_cells(m));
            }
            row
        })
        .collect();
    let mut headers = vec![
        "Milestone",
        "Delivered",
        "P50",
        "P80",
        "P95",
        "Deadline",
        "On time",
        "Gate",
    ];
    if summary.milestones.iter().any(|m| m.cost.is_some()) {
        headers.extend(["Cost P50", "Cost P80"]);
    }
    if budgets {
        headers.extend(["Budget", "Within budget", "On time & in budget"]);
    }
    Table::new(&headers, rows)
}

/// Budget, P(within budget) and the joint confidence, or dashes.
fn budget_cells(m: &MilestoneSummary) -> [String; 3] {
    match &m.budget {
        Some(b) => [
            money(b.amount),
            pct(b.within.estimate),
            b.joint.map_or("-".into(), |j| pct(j.estimate)),
        ],
        None => ["-".into(), "-".into(), "-".into()],
    }
}

/// The budget lines of a milestone's section ("within budget (cost <= 250,000): 83.0% [...]"
/// and "on time and within budget: ..."), empty without a budget.
pub fn budget_facts(m: &MilestoneSummary) -> Vec<String> {
    let Some(b) = &m.budget else {
        return vec![];
    };
    let mut v = vec![format!(
        "within budget (cost <= {}): {} {}",
        money(b.amount),
        pct(b.within.estimate),
        prob_interval(&b.within)
    )];
    if let Some(j) = &b.joint {
        v.push(format!(
            "on time and within budget (joint confidence): {} {}",
            pct(j.estimate),
            prob_interval(j)
        ));
    }
    v
}

/// A cost in the plan's own unit, rounded, with thousands separated.
pub fn money(x: f64) -> String {
    let whole = x.round() as i64;
    let digits = whole.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if whole < 0 { format!("-{out}") } else { out }
}

/// One milestone's percentiles with their 95% intervals.
pub fn percentiles(plan: &Plan, m: &MilestoneSummary) -> Table {
    let dated = plan.calendar().start.is_some();
    let rows = m
        .percentiles
        .iter()
        .map(|p| {
            let mut row = vec![
                format!("P{}", (p.p * 100.0).round()),
                when(plan, p.days),
                days(p.days),
                format!(
                    "[{}, {}]",
                    days(p.low),
                    p.high.map_or("never".into(), |h| format!("{h:.1}"))
                ),
            ];
            if dated {
                row.push(format!("{} .. {}", when(plan, p.low), when(plan, p.high)));
            }
            row
        })
        .collect();
    let mut headers = vec!["", "When", "Days", "95% interval (days)"];
    if dated {
        headers.push("95% interval (dates)");
    }
    Table::new(&headers, rows)
}

pub fn experiments(plan: &Plan, summary: &Summary) -> Table {
    let rows = summary
        .experiments
        .iter()
        .map(|e| {
            let node = &plan.nodes()[e.node];
            let exp = node
                .experiment
                .as_ref()
                // Invariant: experiment summaries are built from experiments only.
                .expect("experiment summaries are of experiments");
            vec![
                node.name.clone(),
                pct(e.success.estimate),
                e.mean_attempts
                    .map_or("-".into(), |a| format!("{a:.2} of {}", exp.success.len())),
                exp.fallback.map_or("none: program fails".into(), |f| {
                    plan.nodes()[f as usize].id.clone()
                }),
                e.fallback_rate.map_or("-".into(), |r| pct(r.estimate)),
            ]
        })
        .collect();
    Table::new(
        &[
            "Experiment",
            "P(success)",
            "Attempts",
            "Fallback",
            "Fallback ran",
        ],
        rows,
    )
}

pub fn risks(plan: &Plan, summary: &Summary) -> Table {
    let rows = summary
        .risks
        .iter()
        .map(|r| {
            let risk = &plan.risks()[r.risk];
            let mut impact = impacts(risk).join(", ");
            if risk.once && risk.affects.len() > 1 {
                impact.push_str(" (first to start)");
            }
            let affects: Vec<&str> = risk
                .affects
                .iter()
                .map(|&a| plan.nodes()[a as usize].id.as_str())
                .collect();
            vec![
                risk.name.clone(),
                affects.join(", "),
                impact,
                pct(risk.probability),
                pct(r.occurred.estimate),
            ]
        })
        .collect();
    Table::new(&["Risk", "Affects", "Impact", "Declared", "Occurred"], rows)
}

/// What a risk does when it occurs, in the order it acts: "restart", "scale", "delay", "cost".
pub fn impacts(risk: &crate::model::Risk) -> Vec<&'static str> {
    let mut out = Vec::new();
    if risk.restart {
        out.push("restart");
    }
    if risk.scale.is_some() {
        out.push("scale");
    }
    if risk.delay.is_some() {
        out.push("delay");
    }
    if risk.cost.is_some() {
        out.push("cost");
    }
    out
}

/// The `[[correlation]]` groups the run applied: what they correlate, their tasks, the
/// coefficients used (one for every pair, or pair by pair), and whether the matrix was repaired.
pub fn correlations(plan: &Plan) -> Table {
    let rows = plan
        .correlations()
        .iter()
        .map(|c| {
            let id = |i: usize| plan.nodes()[c.tasks[i] as usize].id.as_str();
            let n = c.len();
            let pairs: Vec<(usize, usize)> = (0..n)
                .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
                .collect();
            let first = c.coefficient(0, 1);
            let coefficients = if pairs.iter().all(|&(i, j)| c.coefficient(i, j) == first) {
                format!("{first:.2} every pair")
            } else {
                let each: Vec<String> = pairs
                    .iter()
                    .map(|&(i, j)| format!("{}-{} {:.2}", id(i), id(j), c.coefficient(i, j)))
                    .collect();
                each.join(", ")
            };
            let matrix = match c.repair {
                None => "as declared".to_string(),
                Some(r) => format!(
                    "repaired: largest change {:.3} ({}-{})",
                    r.largest_change,
                    id(r.between.0),
                    id(r.between.1)
                ),
            };
            let tasks: Vec<&str> = (0..n).map(id).collect();
            vec![
                c.of.as_str().to_string(),
                tasks.join(", "),
                coefficients,
                matrix,
            ]
        })
        .collect();
    Table::new(&["Correlated", "Tasks", "Coefficients", "Matrix"], rows)
}

/// What a "what if" P80 gain says, judged by its 95% interval.
#[derive(Debug, Clone, PartialEq)]
pub enum Gain {
    /// The interval lies above 0: "1.5 d sooner [1.3, 1.7]".
    Sooner(String),
    /// The interval lies below 0: "0.4 d later [0.2, 0.6]".
    Later(String),
    /// The gain and its interval are exactly 0 (P80 did not move on the same runs).
    None,
    /// The interval holds 0, or there is none: the figures, with no claim ("0.1 [-0.1, 0.3]").
    Unclear(String),
}

impl Gain {
    /// Judges a what-if's P80 gain; None when it has no gain (a P80 not reached).
    pub fn of(w: &WhatIf) -> Option<Gain> {
        let g = w.p80_gain?;
        Some(match (w.p80_gain_low, w.p80_gain_high) {
            (Some(lo), Some(hi)) if lo > 0.0 => {
                Gain::Sooner(format!("{g:.1} d sooner [{lo:.1}, {hi:.1}]"))
            }
            (Some(lo), Some(hi)) if hi < 0.0 => {
                Gain::Later(format!("{:.1} d later [{:.1}, {:.1}]", -g, -hi, -lo))
            }
            (Some(lo), Some(hi)) if g == 0.0 && lo == 0.0 && hi == 0.0 => Gain::None,
            (Some(lo), Some(hi)) => Gain::Unclear(format!("{g:.1} [{lo:.1}, {hi:.1}]")),
            _ => Gain::Unclear(format!("{g:.1} (no interval)")),
        })
    }

    /// The cell of the "P80 if resolved" column.
    pub fn cell(&self) -> String {
        match self {
            Gain::Sooner(s) | Gain::Later(s) => s.clone(),
            Gain::None => "no change".into(),
            Gain::Unclear(s) => format!("no clear gain: {s}"),
        }
    }
}

/// A milestone's drivers, most influential first; `limit` rows at most.
pub fn drivers(plan: &Plan, md: &MilestoneDrivers, limit: usize) -> Table {
    let rows = md
        .drivers
        .iter()
        .take(limit)
        .map(|d| {
            let (name, kind) = (d.subject(plan).1.to_string(), d.kind.as_str());
            let what_if = d
                .what_if
                .map_or("-".into(), |w| match (Gain::of(&w), w.p80) {
                    (Some(g), _) => g.cell(),
                    (None, Some(_)) => "P80 becomes reachable".into(),
                    (None, None) => {
                        format!("P80 still not reached ({} delivered)", pct(w.delivered))
                    }
                });
            let kind = match calibration_of(plan, d) {
                Some(class) => format!("{kind}, calibrated: {class}"),
                None => kind.to_string(),
            };
            vec![
                name,
                kind,
                d.sensitivity.map_or("-".into(), |s| format!("{s:+.2}")),
                d.criticality.map_or("-".into(), pct),
                what_if,
            ]
        })
        .collect();
    Table::new(
        &[
            "Driver",
            "Kind",
            "Sensitivity",
            "Critical",
            "P80 if resolved",
        ],
        rows,
    )
}

/// How each milestone's P80 and P(on time) moved since a baseline report.
pub fn drift(plan: &Plan, drift: &[crate::analysis::drift::Drift]) -> Table {
    let star = |m: &crate::analysis::drift::Move| if m.significant { " *" } else { "" };
    let rows = drift
        .iter()
        .map(|d| {
            let name = plan
                .milestones()
                .iter()
                .find(|m| m.id == d.milestone)
                .map_or(d.milestone.clone(), |m| m.name.clone());
            let p80 = d.p80.map_or("-".into(), |m| {
                format!(
                    "{} -> {} ({:+.1} d){}",
                    when(plan, Some(m.before)),
                    when(plan, Some(m.after)),
                    m.change,
                    star(&m)
                )
            });
            let on_time = d.on_time.map_or("-".into(), |m| {
                format!(
                    "{} -> {} ({:+.1} pts){}",
                    pct(m.before),
                    pct(m.after),
                    100.0 * m.change,
                    star(&m)
                )
            });
            vec![name, p80, on_time]
        })
        .collect();
    Table::new(&["Milestone", "P80", "P(on time)"], rows)
}

/// The calibration class of a driver's task, when its estimate is calibrated.
pub fn calibration_of<'p>(plan: &'p Plan, d: &crate::analysis::drivers::Driver) -> Option<&'p str> {
    use crate::analysis::drivers::DriverKind;
    if matches!(d.kind, DriverKind::Risk | DriverKind::Resource) {
        return None;
    }
    let c = plan.nodes()[d.index].calibrated?;
    Some(plan.calibrations()[c.class as usize].name.as_str())
}

/// One row per calibrated task: its estimate, its class and what the class makes of it.
/// None when no task is calibrated.
pub fn calibrated_tasks(plan: &Plan) -> Option<Table> {
    let mut nodes: Vec<&crate::model::Node> = plan
        .nodes()
        .iter()
        .filter(|n| n.calibrated.is_some())
        .collect();
    if nodes.is_empty() {
        return None;
    }
    nodes.sort_by_key(|n| n.decl);
    let rows = nodes
        .iter()
        .filter_map(|n| {
            let c = n.calibrated?;
            let class = &plan.calibrations()[c.class as usize];
            let q = |p: f64| format!("{:.1}", n.duration.quantile(p));
            Some(vec![
                n.name.clone(),
                format!("{}", c.estimate),
                format!(
                    "{} ({}{})",
                    class.name,
                    class.method.as_str(),
                    class.n.map_or(String::new(), |n| format!(", n = {n}"))
                ),
                q(0.5),
                q(0.8),
                q(0.9),
            ])
        })
        .collect();
    Some(Table::new(
        &["Task", "Estimate", "Calibration", "P50", "P80", "P90"],
        rows,
    ))
}
