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

/// The side-by-side table: one row per milestone and measure, one column per scenario.
pub fn side_by_side(c: &Comparison) -> Table {
    let mut headers = vec!["Milestone".to_string(), "Measure".to_string()];
    headers.extend(c.plans.iter().map(|(label, _)| label.clone()));
    let n = c.plans.len();
    let mut rows = Vec::new();
    let push = |rows: &mut Vec<Vec<String>>,
                milestone: String,
                measure: &str,
                cells: Vec<String>,
                values: Vec<Option<f64>>,
                lower: bool| {
        let mut cells = cells;
        mark_best(&mut cells, &values, lower);
        let mut row = vec![milestone, measure.to_string()];
        row.extend(cells);
        rows.push(row);
    };
    for id in c.milestone_ids() {
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
        let cells = values
            .iter()
            .map(|v| v.map_or("-".into(), |v| format!("{v}")))
            .collect();
        push(
            &mut rows,
            if i == 0 {
                "Declared scores".into()
            } else {
                String::new()
            },
            &score,
            cells,
            values,
            false,
        );
    }
    Table { headers, rows }
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
    let headers = [
        "Milestone",
        "Scenario",
        "Days sooner P10",
        "P50",
        "P90",
        "P50 95% interval",
        "P(sooner)",
        "P(on time) change",
    ];
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
    out.push_str("* best in its row\n");
    if !c.paired.is_empty() {
        let _ = writeln!(
            out,
            "\nPaired differences against {} ({})",
            c.plans[0].0,
            pairing_note(c)
        );
        out.push_str(&super::text::layout(&paired_table(c), 2));
    }
    out
}

pub fn markdown(c: &Comparison) -> String {
    let s0 = &c.scenarios[0].summary;
    let mut out = format!(
        "# Scenario comparison\n\n{} scenarios, {} iterations, seed {}. Best in each row marked *.\n\n",
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
    out
}

#[derive(Serialize)]
struct Run {
    seed: u64,
    iterations: u64,
    pairing: &'static str,
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
}

#[derive(Serialize)]
struct JCompare<'a> {
    schema: &'static str,
    tool: Tool,
    run: Run,
    scenarios: Vec<JScenario<'a>>,
    comparisons: Vec<JComparison<'a>>,
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
        },
        scenarios: c
            .plans
            .iter()
            .zip(c.scenarios)
            .zip(c.files)
            .map(|(((label, plan), sc), file)| JScenario {
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
            })
            .collect(),
    };
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
        "Sweep of {} ({}) for {}: {} points, {} iterations each, seed {} (common random numbers)\n\n",
        s.plan.name(),
        s.file,
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
        w.write_record(&row).expect("write to memory");
    }
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
        super::Format::Csv => super::csv::table(&side_by_side(c)),
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
