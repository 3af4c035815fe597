//! Reports of `shipcast compare` and `shipcast sweep`: the side-by-side table (scenarios as
//! columns, milestones as rows, the best of each row marked), the paired comparisons below it, in
//! text, Markdown and JSON (`shipcast.compare/1`, `shipcast.sweep/1`).

use std::fmt::Write as _;

use serde::Serialize;

use super::json::{Prob, Tool};
use super::tables::{Table, money, pct, when};
use crate::analysis::compare::{Comparison, Pairing};
use crate::analysis::sweep::Sweep;
use crate::analysis::{MilestoneSummary, P50, P80, Percentile};
use crate::model::Plan;

pub const COMPARE_SCHEMA: &str = "shipcast.compare/1";
pub const SWEEP_SCHEMA: &str = "shipcast.sweep/1";

/// Marks the best cells of a row with " *": `values[k]` is scenario k's figure, `better` says
/// which of two is better. Rows where every scenario ties mark nothing.
fn mark_best(cells: &mut [String], values: &[Option<f64>], lower_is_better: bool) {
    let known: Vec<f64> = values.iter().flatten().copied().collect();
    if known.len() < 2 {
        return;
    }
    let best = if lower_is_better {
        known.iter().copied().fold(f64::INFINITY, f64::min)
    } else {
        known.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    };
    if known.iter().all(|v| *v == best) {
        return;
    }
    for (cell, v) in cells.iter_mut().zip(values) {
        if *v == Some(best) {
            cell.push_str(" *");
        }
    }
}

/// One row of the side-by-side table as data: the milestone's id (None for declared scores),
/// the measure, each scenario's raw value (working days, a probability, an amount, a score)
/// and which scenarios are best in it (none for inputs: budgets and declared scores).
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    pub milestone: Option<String>,
    pub measure: String,
    pub values: Vec<Option<f64>>,
    pub best: Vec<bool>,
}

/// Which of `values` are best (`lower_is_better` or not); none when fewer than two are known or
/// all tie.
fn best_of(values: &[Option<f64>], lower_is_better: bool) -> Vec<bool> {
    let mut cells = vec![String::new(); values.len()];
    mark_best(&mut cells, values, lower_is_better);
    cells.iter().map(|c| c.ends_with('*')).collect()
}

/// The side-by-side table: one row per milestone and measure, one column per scenario.
pub fn side_by_side(c: &Comparison) -> Table {
    side_by_side_with_data(c).0
}

/// The side-by-side table and its rows as data (for the CSV).
pub fn side_by_side_with_data(c: &Comparison) -> (Table, Vec<Measure>) {
    let mut headers = vec!["Milestone".to_string(), "Measure".to_string()];
    headers.extend(c.plans.iter().map(|(label, _)| label.clone()));
    let n = c.plans.len();
    let mut rows = Vec::new();
    let data = std::cell::RefCell::new(Vec::new());
    let current = std::cell::RefCell::new(None::<String>);
    let push = |rows: &mut Vec<Vec<String>>,
                milestone: String,
                measure: &str,
                cells: Vec<String>,
                values: Vec<Option<f64>>,
                lower: bool| {
        let mut cells = cells;
        mark_best(&mut cells, &values, lower);
        data.borrow_mut().push(Measure {
            milestone: current.borrow().clone(),
            measure: measure.to_string(),
            best: best_of(&values, lower),
            values,
        });
        let mut row = vec![milestone, measure.to_string()];
        row.extend(cells);
        rows.push(row);
    };
    for id in c.milestone_ids() {
        *current.borrow_mut() = Some(id.clone());
        let name = c.milestone_name(&id);
        let ms: Vec<Option<&MilestoneSummary>> = (0..n).map(|k| c.milestone(k, &id)).collect();
        let percentile = |k: usize, i: usize| ms[k].and_then(|m| m.percentiles[i].days);
        for (i, label) in [(P50, "P50"), (P80, "P80")] {
            let values: Vec<Option<f64>> = (0..n).map(|k| percentile(k, i)).collect();
            let cells = (0..n)
                .map(|k| ms[k].map_or("-".into(), |_| when(c.plans[k].1, values[k])))
                .collect();
            push(
                &mut rows,
                if i == P50 {
                    name.clone()
                } else {
                    String::new()
                },
                label,
                cells,
                values,
                true,
            );
        }
        if ms.iter().flatten().any(|m| m.delivered.estimate < 1.0) {
            let values: Vec<Option<f64>> =
                ms.iter().map(|m| m.map(|m| m.delivered.estimate)).collect();
            let cells = values.iter().map(|v| v.map_or("-".into(), pct)).collect();
            push(&mut rows, String::new(), "Delivered", cells, values, false);
        }
        if ms.iter().flatten().any(|m| m.on_time.is_some()) {
            let values: Vec<Option<f64>> = ms
                .iter()
                .map(|m| {
                    m.and_then(|m| m.on_time.as_ref())
                        .map(|o| o.probability.estimate)
                })
                .collect();
            let cells = values.iter().map(|v| v.map_or("-".into(), pct)).collect();
            push(&mut rows, String::new(), "P(on time)", cells, values, false);
        }
        if ms.iter().flatten().any(|m| m.cost.is_some()) {
            for (label, pick) in [("Cost P50", 0), ("Cost P80", 1)] {
                let values: Vec<Option<f64>> = ms
                    .iter()
                    .map(|m| {
                        m.and_then(|m| m.cost)
                            .map(|c| if pick == 0 { c.p50 } else { c.p80 })
                    })
                    .collect();
                let cells = values.iter().map(|v| v.map_or("-".into(), money)).collect();
                push(&mut rows, String::new(), label, cells, values, true);
            }
        }
        if ms.iter().flatten().any(|m| m.budget.is_some()) {
            let budget = |k: usize| ms[k].and_then(|m| m.budget.as_ref());
            let values: Vec<Option<f64>> = (0..n).map(|k| budget(k).map(|b| b.amount)).collect();
            let cells = values.iter().map(|v| v.map_or("-".into(), money)).collect();
            // Budgets are inputs: nothing to mark best.
            let mut row = vec![String::new(), "Budget".to_string()];
            row.extend::<Vec<String>>(cells);
            rows.push(row);
            data.borrow_mut().push(Measure {
                milestone: Some(id.clone()),
                measure: "Budget".into(),
                best: vec![false; n],
                values,
            });
            let values: Vec<Option<f64>> = (0..n)
                .map(|k| budget(k).map(|b| b.within.estimate))
                .collect();
            let cells = values.iter().map(|v| v.map_or("-".into(), pct)).collect();
            push(
                &mut rows,
                String::new(),
                "P(within budget)",
                cells,
                values,
                false,
            );
            if (0..n).any(|k| budget(k).is_some_and(|b| b.joint.is_some())) {
                let values: Vec<Option<f64>> = (0..n)
                    .map(|k| budget(k).and_then(|b| b.joint).map(|j| j.estimate))
                    .collect();
                let cells = values.iter().map(|v| v.map_or("-".into(), pct)).collect();
                push(
                    &mut rows,
                    String::new(),
                    "P(on time & in budget)",
                    cells,
                    values,
                    false,
                );
            }
        }
    }
    // Declared scores are inputs, not measurements: shown as written, never marked best.
    for (i, score) in c.score_names().into_iter().enumerate() {
        let values: Vec<Option<f64>> = c
            .plans
            .iter()
            .map(|(_, p)| {
                p.scores()
                    .iter()
                    .find(|(k, _)| *k == score)
                    .map(|(_, v)| *v)
            })
            .collect();
        let cells: Vec<String> = values
            .iter()
            .map(|v| v.map_or("-".into(), |v| format!("{v}")))
            .collect();
        let mut row = vec![
            if i == 0 {
                "Declared scores".into()
            } else {
                String::new()
            },
            format!("{score} (declared)"),
        ];
        row.extend(cells);
        rows.push(row);
        data.borrow_mut().push(Measure {
            milestone: None,
            measure: format!("score:{score}"),
            best: vec![false; n],
            values,
        });
    }
    (Table { headers, rows }, data.into_inner())
}

/// The side-by-side table as machine data: one row per milestone, measure and scenario, with
/// raw numbers (percentiles in working days with their date, probabilities as fractions,
/// amounts, scores) and the "best" marker in its own column (empty for inputs).
pub fn side_by_side_csv(c: &Comparison) -> String {
    let (_, data) = side_by_side_with_data(c);
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["milestone", "measure", "scenario", "value", "date", "best"]);
    for m in &data {
        let dated = m.measure == "P50" || m.measure == "P80";
        let input = m.measure == "Budget" || m.milestone.is_none();
        for (k, v) in m.values.iter().enumerate() {
            let date = if dated {
                super::finish_date(c.plans[k].1, *v).unwrap_or_default()
            } else {
                String::new()
            };
            let _ = w.write_record([
                m.milestone.clone().unwrap_or_default(),
                m.measure.clone(),
                c.plans[k].0.clone(),
                v.map_or(String::new(), |x| x.to_string()),
                date,
                if input {
                    String::new()
                } else {
                    m.best[k].to_string()
                },
            ]);
        }
    }
    // Invariant: a CSV writer over a Vec<u8> cannot fail to write, and writes UTF-8.
    String::from_utf8(w.into_inner().expect("flush to memory")).expect("csv of utf-8 text")
}

/// A difference in days; an infinite one (a percentile among runs where one side never
/// delivers) says which side: below the median it is `b` that never delivers, above it `a`.
fn days(x: Option<f64>, p: f64, a: &str, b: &str) -> String {
    match x {
        Some(d) => format!("{d:+.1}"),
        None if p < 0.5 => format!("{b} never"),
        None => format!("{a} never"),
    }
}

/// The paired comparisons: each scenario against the reference, per shared milestone.
pub fn paired_table(c: &Comparison) -> Table {
    let mut headers = vec![
        "Milestone",
        "Scenario",
        "Days sooner P10",
        "P50",
        "P90",
        "P50 95% interval",
        "P(sooner)",
        "P(on time) change",
    ];
    let costs = c.paired.iter().any(|p| p.cost_saving.is_some());
    if costs {
        headers.extend(["Cost saving (mean)", "P(cheaper)"]);
    }
    let rows = c
        .paired
        .iter()
        .map(|p| {
            let (a, b) = (&c.plans[p.a].0, &c.plans[p.b].0);
            let q = |i: usize| days(p.sooner[i].days, p.sooner[i].p, a, b);
            vec![
                c.milestone_name(&p.milestone),
                format!("{} vs {}", c.plans[p.b].0, c.plans[p.a].0),
                q(0),
                q(1),
                q(2),
                format!(
                    "[{}, {}]",
                    days(p.sooner[1].low, 0.0, a, b),
                    days(p.sooner[1].high, 1.0, a, b)
                ),
                pct(p.b_sooner.estimate),
                p.on_time.map_or("-".into(), |d| {
                    format!(
                        "{:+.1} pts [{:+.1}, {:+.1}]",
                        100.0 * d.estimate,
                        100.0 * d.low,
                        100.0 * d.high
                    )
                }),
            ]
            .into_iter()
            .chain(
                costs
                    .then(|| {
                        [
                            p.cost_saving.map_or("-".into(), |d| {
                                let s = |x: f64| {
                                    if x >= 0.0 {
                                        format!("+{}", money(x))
                                    } else {
                                        money(x)
                                    }
                                };
                                format!("{} [{}, {}]", s(d.estimate), s(d.low), s(d.high))
                            }),
                            p.b_cheaper.map_or("-".into(), |q| pct(q.estimate)),
                        ]
                    })
                    .into_iter()
                    .flatten(),
            )
            .collect()
        })
        .collect();
    Table {
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows,
    }
}

fn pairing_note(c: &Comparison) -> &'static str {
    match c.pairing {
        Pairing::Common => {
            "paired on common random numbers: shared tasks draw the same numbers in every scenario"
        }
        Pairing::Independent => {
            "UNPAIRED: each scenario drew its own numbers (--unpaired), so differences include sampling noise"
        }
    }
}

pub fn text(c: &Comparison) -> String {
    let s0 = &c.scenarios[0].summary;
    let mut out = format!(
        "Comparing {} scenarios: {} iterations, seed {}\n\n",
        c.plans.len(),
        s0.iterations,
        s0.seed
    );
    out.push_str(&super::text::layout(&side_by_side(c), 2));
    out.push_str("* best in its row (simulated figures only; declared scores are inputs)\n");
    if !c.paired.is_empty() {
        let _ = writeln!(
            out,
            "\nPaired differences against {} ({})",
            c.plans[0].0,
            pairing_note(c)
        );
        out.push_str(&super::text::layout(&paired_table(c), 2));
    }
    out.push_str(&super::decision::text(c));
    out
}

pub fn markdown(c: &Comparison) -> String {
    let s0 = &c.scenarios[0].summary;
    let mut out = format!(
        "# Scenario comparison\n\n{} scenarios, {} iterations, seed {}. Best in each row of simulated figures marked *; declared scores are inputs.\n\n",
        c.plans.len(),
        s0.iterations,
        s0.seed
    );
    out.push_str(&super::markdown::table(&side_by_side(c), 2));
    if !c.paired.is_empty() {
        let _ = writeln!(
            out,
            "\n## Paired differences against {}\n\n{}.\n",
            c.plans[0].0,
            pairing_note(c)
        );
        out.push_str(&super::markdown::table(&paired_table(c), 2));
    }
    out.push_str(&super::decision::markdown(c));
    out
}

#[derive(Serialize)]
struct Run {
    seed: u64,
    iterations: u64,
    pairing: &'static str,
    /// The confidence a winner is named at (null without costs or values: no decision).
    confidence: Option<f64>,
}

#[derive(Serialize)]
struct JPercentile {
    p: f64,
    days: Option<f64>,
    date: Option<String>,
    low_days: Option<f64>,
    high_days: Option<f64>,
}

#[derive(Serialize)]
struct JMilestone<'a> {
    id: &'a str,
    name: &'a str,
    delivered: Prob,
    percentiles: Vec<JPercentile>,
    on_time: Option<Prob>,
    cost: Option<super::json::Cost>,
    /// Only for a milestone with a budget.
    #[serde(skip_serializing_if = "Option::is_none")]
    budget: Option<JBudget>,
}

#[derive(Serialize)]
struct JBudget {
    amount: f64,
    within: Prob,
    joint: Option<Prob>,
}

#[derive(Serialize)]
struct JScenario<'a> {
    label: &'a str,
    name: &'a str,
    file: &'a str,
    variant: Option<&'a str>,
    scores: serde_json::Map<String, serde_json::Value>,
    milestones: Vec<JMilestone<'a>>,
    /// Null when the plan has neither costs nor value_per_day.
    net_value: Option<JNetValue>,
}

#[derive(Serialize)]
struct JDifference {
    estimate: f64,
    low: f64,
    high: f64,
}

#[derive(Serialize)]
struct JComparison<'a> {
    a: &'a str,
    b: &'a str,
    milestone: &'a str,
    sooner_days: Vec<JPercentile>,
    p_b_sooner: Prob,
    on_time_difference: Option<JDifference>,
    /// Mean of cost(a) - cost(b) per run, with its 95% interval: how much cheaper b is
    /// (null without costs).
    cost_saving: Option<JDifference>,
    /// P(b costs strictly less than a), null without costs.
    p_b_cheaper: Option<Prob>,
}

#[derive(Serialize)]
struct JNetValue {
    /// Whether some milestone declares value_per_day (else the net value is minus the cost).
    valued: bool,
    /// P10, P50, P90; a null value lies among runs worth minus infinity (never delivered).
    percentiles: Vec<JAmount>,
    /// Null when some run is worth minus infinity.
    mean: Option<JDifference>,
}

#[derive(Serialize)]
struct JAmount {
    p: f64,
    value: Option<f64>,
}

#[derive(Serialize)]
struct JDecision<'a> {
    a: &'a str,
    b: &'a str,
    /// Mean of net(b) - net(a) per run, with its paired 95% interval; null when infinite.
    net_value_difference: Option<JDifference>,
    /// P10, P50, P90 of net(b) - net(a).
    difference_percentiles: Vec<JAmount>,
    p_b_better: Prob,
    p_a_better: Prob,
    confidence: f64,
    /// "a", "b" or "neither" (the runs cannot tell them apart at this confidence).
    winner: &'static str,
    decided: bool,
}

#[derive(Serialize)]
struct JCompare<'a> {
    schema: &'static str,
    tool: Tool,
    run: Run,
    scenarios: Vec<JScenario<'a>>,
    comparisons: Vec<JComparison<'a>>,
    /// Each later scenario against the first by net value; empty without costs or values.
    decisions: Vec<JDecision<'a>>,
}

fn percentile(plan: Option<&Plan>, p: &Percentile) -> JPercentile {
    JPercentile {
        p: p.p,
        days: p.days,
        date: plan.and_then(|plan| super::finish_date(plan, p.days)),
        low_days: p.low,
        high_days: p.high,
    }
}

fn jdiff(d: crate::analysis::compare::Difference) -> JDifference {
    JDifference {
        estimate: d.estimate,
        low: d.low,
        high: d.high,
    }
}

fn prob(p: crate::analysis::Probability) -> Prob {
    Prob {
        estimate: p.estimate,
        low: p.low,
        high: p.high,
    }
}

pub fn json(c: &Comparison) -> String {
    let s0 = &c.scenarios[0].summary;
    let report = JCompare {
        schema: COMPARE_SCHEMA,
        tool: Tool::this(),
        run: Run {
            seed: s0.seed,
            iterations: s0.iterations,
            pairing: match c.pairing {
                Pairing::Common => "common",
                Pairing::Independent => "independent",
            },
            confidence: c.decisions.first().map(|d| d.confidence),
        },
        scenarios: c
            .plans
            .iter()
            .zip(c.scenarios)
            .zip(c.files)
            .enumerate()
            .map(|(k, (((label, plan), sc), file))| JScenario {
                net_value: c.net.get(k).and_then(|n| n.as_ref()).map(|n| JNetValue {
                    valued: n.valued,
                    percentiles: n
                        .percentiles
                        .iter()
                        .map(|p| JAmount {
                            p: p.p,
                            value: p.days,
                        })
                        .collect(),
                    mean: n.mean.map(jdiff),
                }),
                label,
                name: plan.name(),
                file,
                variant: plan.variant(),
                scores: plan
                    .scores()
                    .iter()
                    .map(|(k, v)| (k.clone(), serde_json::json!(v)))
                    .collect(),
                milestones: sc
                    .summary
                    .milestones
                    .iter()
                    .map(|m| {
                        let ms = &plan.milestones()[m.milestone];
                        JMilestone {
                            id: &ms.id,
                            name: &ms.name,
                            delivered: prob(m.delivered),
                            percentiles: m
                                .percentiles
                                .iter()
                                .map(|p| percentile(Some(plan), p))
                                .collect(),
                            on_time: m.on_time.as_ref().map(|o| prob(o.probability)),
                            cost: m.cost.map(Into::into),
                            budget: m.budget.as_ref().map(|b| JBudget {
                                amount: b.amount,
                                within: prob(b.within),
                                joint: b.joint.map(prob),
                            }),
                        }
                    })
                    .collect(),
            })
            .collect(),
        comparisons: c
            .paired
            .iter()
            .map(|p| JComparison {
                a: &c.plans[p.a].0,
                b: &c.plans[p.b].0,
                milestone: &p.milestone,
                sooner_days: p.sooner.iter().map(|x| percentile(None, x)).collect(),
                p_b_sooner: prob(p.b_sooner),
                on_time_difference: p.on_time.map(|d| JDifference {
                    estimate: d.estimate,
                    low: d.low,
                    high: d.high,
                }),
                cost_saving: p.cost_saving.map(jdiff),
                p_b_cheaper: p.b_cheaper.map(prob),
            })
            .collect(),
        decisions: c
            .decisions
            .iter()
            .map(|d| JDecision {
                a: &c.plans[d.a].0,
                b: &c.plans[d.b].0,
                net_value_difference: d.difference.map(jdiff),
                difference_percentiles: d
                    .percentiles
                    .iter()
                    .map(|p| JAmount {
                        p: p.p,
                        value: p.days,
                    })
                    .collect(),
                p_b_better: prob(d.b_better),
                p_a_better: prob(d.a_better),
                confidence: d.confidence,
                winner: match d.winner {
                    crate::analysis::compare::Winner::A => "a",
                    crate::analysis::compare::Winner::B => "b",
                    crate::analysis::compare::Winner::Neither => "neither",
                },
                decided: d.decided,
            })
            .collect(),
    };
    // Invariant: plain data with string keys serializes (NaN becomes null).
    let mut s = serde_json::to_string_pretty(&report).expect("report serializes");
    s.push('\n');
    s
}

/// One row per grid point.
pub fn sweep_table(s: &Sweep) -> Table {
    let mut headers: Vec<String> = s.params.iter().map(|p| p.path.clone()).collect();
    headers.extend(["P50", "P80", "P80 95% interval (days)", "Delivered"].map(String::from));
    let deadline = s.points.iter().any(|p| p.on_time.is_some());
    let costs = s.points.iter().any(|p| p.cost.is_some());
    if deadline {
        headers.push("P(on time)".into());
    }
    if costs {
        headers.extend(["Cost P50", "Cost P80"].map(String::from));
    }
    let rows = s
        .points
        .iter()
        .map(|p| {
            let mut row: Vec<String> = p.values.iter().map(|v| format!("{v}")).collect();
            row.push(when(s.plan, p.p50.days));
            row.push(when(s.plan, p.p80.days));
            row.push(format!(
                "[{}, {}]",
                p.p80.low.map_or("-".into(), |d| format!("{d:.1}")),
                p.p80.high.map_or("never".into(), |d| format!("{d:.1}"))
            ));
            row.push(pct(p.delivered.estimate));
            if deadline {
                row.push(p.on_time.map_or("-".into(), |o| pct(o.estimate)));
            }
            if let (true, Some((c50, c80))) = (costs, p.cost) {
                row.extend([money(c50), money(c80)]);
            }
            row
        })
        .collect();
    Table { headers, rows }
}

pub fn sweep_text(s: &Sweep) -> String {
    let ms = &s.plan.milestones()[s.milestone];
    let mut out = format!(
        "Sweep of {} ({}{}) for {}: {} points, {} iterations each, seed {} (common random numbers)\n\n",
        s.plan.name(),
        s.file,
        s.plan
            .variant()
            .map_or(String::new(), |v| format!(", variant {v}")),
        ms.name,
        s.points.len(),
        s.iterations,
        s.seed
    );
    out.push_str(&super::text::layout(&sweep_table(s), s.params.len()));
    out
}

pub fn sweep_csv(s: &Sweep) -> String {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = s.params.iter().map(|p| p.path.clone()).collect();
    header.extend(
        [
            "delivered",
            "p50_days",
            "p80_days",
            "p80_low_days",
            "p80_high_days",
            "on_time",
            "cost_p50",
            "cost_p80",
        ]
        .map(String::from),
    );
    // Invariant: a CSV writer over a Vec<u8> cannot fail to write, and writes UTF-8.
    w.write_record(&header).expect("write to memory");
    let num = |x: Option<f64>| x.map_or(String::new(), |x| x.to_string());
    for p in s.points {
        let mut row: Vec<String> = p.values.iter().map(|v| v.to_string()).collect();
        row.extend([
            p.delivered.estimate.to_string(),
            num(p.p50.days),
            num(p.p80.days),
            num(p.p80.low),
            num(p.p80.high),
            num(p.on_time.map(|o| o.estimate)),
            num(p.cost.map(|c| c.0)),
            num(p.cost.map(|c| c.1)),
        ]);
        // Invariant: a CSV writer over a Vec<u8> cannot fail to write, and writes UTF-8.
        w.write_record(&row).expect("write to memory");
    }
    // Invariant: a CSV writer over a Vec<u8> cannot fail to write, and writes UTF-8.
    String::from_utf8(w.into_inner().expect("flush to memory")).expect("csv of utf-8 text")
}

#[derive(Serialize)]
struct JPoint {
    values: Vec<f64>,
    delivered: Prob,
    p50: JPercentile,
    p80: JPercentile,
    on_time: Option<Prob>,
    cost_p50: Option<f64>,
    cost_p80: Option<f64>,
}

#[derive(Serialize)]
struct JSweep<'a> {
    schema: &'static str,
    tool: Tool,
    scenario: &'a str,
    file: &'a str,
    /// The variant swept (`sweep --variant`); absent for the base plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    variant: Option<&'a str>,
    milestone: &'a str,
    run: serde_json::Value,
    parameters: Vec<serde_json::Value>,
    points: Vec<JPoint>,
}

pub fn sweep_json(s: &Sweep) -> String {
    let report = JSweep {
        schema: SWEEP_SCHEMA,
        tool: Tool::this(),
        scenario: s.plan.name(),
        file: s.file,
        variant: s.plan.variant(),
        milestone: &s.plan.milestones()[s.milestone].id,
        run: serde_json::json!({ "seed": s.seed, "iterations": s.iterations }),
        parameters: s
            .params
            .iter()
            .map(|p| serde_json::json!({ "path": p.path, "values": p.values }))
            .collect(),
        points: s
            .points
            .iter()
            .map(|p| JPoint {
                values: p.values.clone(),
                delivered: prob(p.delivered),
                p50: percentile(Some(s.plan), &p.p50),
                p80: percentile(Some(s.plan), &p.p80),
                on_time: p.on_time.map(prob),
                cost_p50: p.cost.map(|c| c.0),
                cost_p80: p.cost.map(|c| c.1),
            })
            .collect(),
    };
    // Invariant: plain data with string keys serializes (NaN becomes null).
    let mut out = serde_json::to_string_pretty(&report).expect("report serializes");
    out.push('\n');
    out
}

/// A comparison in one of the stdout formats.
pub fn render(format: super::Format, c: &Comparison) -> String {
    match format {
        super::Format::Text => text(c),
        super::Format::Json => json(c),
        super::Format::Markdown => markdown(c),
        super::Format::Csv => side_by_side_csv(c),
    }
}

/// A sweep in one of the stdout formats.
pub fn render_sweep(format: super::Format, s: &Sweep) -> String {
    match format {
        super::Format::Text => sweep_text(s),
        super::Format::Json => sweep_json(s),
        super::Format::Csv => sweep_csv(s),
        super::Format::Markdown => super::markdown::table(&sweep_table(s), s.params.len()),
    }
}
