//! The machine contract: `shipcast.report/1`. Field names are stable; docs/json-schema.md
//! documents each one. Adding a field is compatible; renaming or removing one needs a new schema.

use serde::Serialize;

use super::batch::FileOutcome;
use super::{Input, SCHEMA, finish_date};

pub const BATCH_SCHEMA: &str = "shipcast.batch/1";
use crate::analysis::{GateStatus, Percentile, Probability};

#[derive(Serialize)]
struct Report<'a> {
    schema: &'static str,
    tool: Tool,
    scenario: Scenario<'a>,
    run: Run,
    /// A few plain sentences per milestone, generated from the numbers below (report/briefing.rs).
    briefing: Vec<BriefingJson<'a>>,
    milestones: Vec<Milestone<'a>>,
    experiments: Vec<Experiment<'a>>,
    risks: Vec<Risk<'a>>,
    /// The `[[correlation]]` groups applied, with the matrix each used; absent when the plan
    /// has none (so reports of plans without correlations are unchanged).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    correlations: Vec<CorrelationJson<'a>>,
    /// Null unless the run was given `--baseline`.
    drift: Option<Vec<DriftJson<'a>>>,
    /// Shared resources: the delay they cause and their utilisation; absent when the plan has
    /// none or the run computed no details.
    #[serde(skip_serializing_if = "Option::is_none")]
    resources: Option<super::resources::Json<'a>>,
    /// The tasks whose estimates are calibrated against history; absent when none is.
    #[serde(skip_serializing_if = "Option::is_none")]
    calibration: Option<Vec<CalibratedJson<'a>>>,
}

#[derive(Serialize)]
struct CalibratedJson<'a> {
    task: &'a str,
    class: &'a str,
    method: &'static str,
    estimate: f64,
    /// How many finished items the class was learned from, when its table says.
    history_n: Option<u64>,
    source: Option<&'a str>,
    p50_days: f64,
    p80_days: f64,
    p90_days: f64,
}

#[derive(Serialize)]
struct BriefingJson<'a> {
    milestone: &'a str,
    sentences: Vec<String>,
}

#[derive(Serialize)]
struct CorrelationJson<'a> {
    of: &'static str,
    tasks: Vec<&'a str>,
    /// The matrix used, one row per task: the declared one, or its repair.
    matrix: Vec<Vec<f64>>,
    repaired: bool,
    /// With `repaired`: the largest change of a coefficient.
    largest_change: Option<f64>,
}

#[derive(Serialize)]
struct MoveJson {
    before: f64,
    after: f64,
    change: f64,
    beyond_noise: bool,
}

#[derive(Serialize)]
struct DriftJson<'a> {
    milestone: &'a str,
    p80_days: Option<MoveJson>,
    on_time: Option<MoveJson>,
}

#[derive(Serialize)]
struct PrecisionJson {
    target_days: f64,
    reached: bool,
    widest_interval_days: Option<f64>,
}

#[derive(Serialize)]
pub(crate) struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

impl Tool {
    pub fn this() -> Tool {
        Tool {
            name: "shipcast",
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

#[derive(Serialize)]
struct Scenario<'a> {
    name: &'a str,
    file: &'a str,
    /// The variant run (`run --variant`), null for the base plan.
    variant: Option<&'a str>,
    start: Option<String>,
    /// `[project] status_date`: the forecast is made from it (absent without work in flight).
    #[serde(skip_serializing_if = "Option::is_none")]
    status_date: Option<String>,
}

#[derive(Serialize)]
struct Run {
    seed: u64,
    iterations: u64,
    sampling: &'static str,
    /// How the milestones' intervals were computed: only in Latin hypercube runs (a Monte Carlo
    /// run's report is unchanged from before the field).
    #[serde(skip_serializing_if = "Option::is_none")]
    intervals: Option<&'static str>,
    /// Null unless the run was given `--precision`.
    precision: Option<PrecisionJson>,
}

#[derive(Serialize)]
pub(crate) struct Prob {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

impl From<Probability> for Prob {
    fn from(p: Probability) -> Prob {
        Prob {
            estimate: p.estimate,
            low: p.low,
            high: p.high,
        }
    }
}

#[derive(Serialize)]
struct Pct {
    p: f64,
    days: Option<f64>,
    date: Option<String>,
    low_days: Option<f64>,
    high_days: Option<f64>,
    low_date: Option<String>,
    high_date: Option<String>,
}

#[derive(Serialize)]
struct Gate {
    confidence: f64,
    status: &'static str,
    decided: bool,
}

#[derive(Serialize)]
struct Deadline {
    days: f64,
    date: Option<String>,
    on_time: Prob,
    gate: Option<Gate>,
}

#[derive(Serialize)]
struct Milestone<'a> {
    id: &'a str,
    name: &'a str,
    delivered: Prob,
    percentiles: Vec<Pct>,
    mean_days: Option<f64>,
    sd_days: Option<f64>,
    deadline: Option<Deadline>,
    /// Null when the plan declares no costs.
    cost: Option<Cost>,
    /// Only when the milestone has a budget (absent otherwise, so reports without budgets keep
    /// their bytes).
    #[serde(skip_serializing_if = "Option::is_none")]
    budget: Option<Budget>,
    /// Null when the run did not compute drivers (`--no-report`).
    drivers: Option<Vec<Driver<'a>>>,
    /// When every node the milestone waits for was done at the status date: when it was
    /// reached (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    reached: Option<Reached>,
}

#[derive(Serialize)]
struct Reached {
    days: f64,
    date: Option<String>,
}

#[derive(Serialize)]
pub struct Cost {
    pub p10: f64,
    pub p50: f64,
    pub p80: f64,
    pub p90: f64,
    pub mean: f64,
}

impl From<crate::analysis::CostSummary> for Cost {
    fn from(c: crate::analysis::CostSummary) -> Cost {
        Cost {
            p10: c.p10,
            p50: c.p50,
            p80: c.p80,
            p90: c.p90,
            mean: c.mean,
        }
    }
}

#[derive(Serialize)]
struct Budget {
    amount: f64,
    /// P(cost <= budget), over every run.
    within: Prob,
    /// P(on time and cost <= budget); null without a deadline.
    joint: Option<Prob>,
    /// With `budget_confidence`: the gate on `within`.
    gate: Option<Gate>,
}

fn gate_json(g: &crate::analysis::Gate) -> Gate {
    Gate {
        confidence: g.target,
        status: match g.status {
            GateStatus::Holds => "holds",
            GateStatus::Fails => "fails",
        },
        decided: g.decided,
    }
}

#[derive(Serialize)]
struct WhatIf {
    p80_days: Option<f64>,
    p80_gain_days: Option<f64>,
    p80_gain_low_days: Option<f64>,
    p80_gain_high_days: Option<f64>,
    delivered: f64,
}

#[derive(Serialize)]
struct Driver<'a> {
    kind: &'static str,
    id: &'a str,
    name: &'a str,
    sensitivity: Option<f64>,
    criticality: Option<f64>,
    what_if: Option<WhatIf>,
    /// The calibration class of a calibrated task; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    calibration: Option<&'a str>,
}

#[derive(Serialize)]
struct Experiment<'a> {
    id: &'a str,
    name: &'a str,
    attempts_max: usize,
    success: Prob,
    mean_attempts: Option<f64>,
    fallback: Option<&'a str>,
    fallback_rate: Option<Prob>,
}

#[derive(Serialize)]
struct Risk<'a> {
    id: &'a str,
    name: &'a str,
    probability: f64,
    /// The tasks and milestones it affects.
    affects: Vec<&'a str>,
    /// What it does when it occurs: "delay", "scale", "restart", "cost".
    impacts: Vec<&'static str>,
    /// Whether it strikes only the first affected task to start.
    once: bool,
    occurred: Prob,
}

/// The report as pretty-printed JSON, ending in a newline.
pub fn render(input: &Input) -> String {
    // Invariant: plain data with string keys serializes (NaN becomes null).
    let mut s = serde_json::to_string_pretty(&report(input)).expect("report serializes");
    s.push('\n');
    s
}

/// The report as a JSON value (for reports that embed it).
pub fn value(input: &Input) -> serde_json::Value {
    // Invariant: plain data with string keys serializes (NaN becomes null).
    serde_json::to_value(report(input)).expect("report serializes")
}

fn report<'a>(input: &Input<'a>) -> Report<'a> {
    let Input {
        plan,
        summary,
        file,
        details,
        run,
    } = *input;
    let pct = |p: &Percentile| Pct {
        p: p.p,
        days: p.days,
        date: finish_date(plan, p.days),
        low_days: p.low,
        high_days: p.high,
        low_date: finish_date(plan, p.low),
        high_date: finish_date(plan, p.high),
    };
    Report {
        schema: SCHEMA,
        tool: Tool {
            name: "shipcast",
            version: env!("CARGO_PKG_VERSION"),
        },
        scenario: Scenario {
            name: plan.name(),
            file,
            variant: plan.variant(),
            start: plan.calendar().start.map(|d| d.to_string()),
            status_date: plan.status_date().map(|s| s.date.to_string()),
        },
        run: Run {
            seed: summary.seed,
            iterations: summary.iterations,
            sampling: match run.sampling {
                crate::engine::Sampling::MonteCarlo => "monte-carlo",
                crate::engine::Sampling::LatinHypercube => "latin-hypercube",
            },
            intervals: (run.sampling == crate::engine::Sampling::LatinHypercube).then_some(
                match summary.intervals {
                    crate::analysis::Intervals::MonteCarlo => "monte-carlo",
                    crate::analysis::Intervals::Replicated { .. } => "replicated-lhs",
                },
            ),
            precision: run.precision.map(|p| PrecisionJson {
                target_days: p.target,
                reached: p.reached,
                widest_interval_days: p.widest.is_finite().then_some(p.widest),
            }),
        },
        briefing: super::briefing::of(input)
            .into_iter()
            .map(|b| BriefingJson {
                milestone: &plan.milestones()[b.milestone].id,
                sentences: b.sentences,
            })
            .collect(),
        milestones: summary
            .milestones
            .iter()
            .map(|m| {
                let ms = &plan.milestones()[m.milestone];
                Milestone {
                    id: &ms.id,
                    name: &ms.name,
                    delivered: m.delivered.into(),
                    percentiles: m.percentiles.iter().map(pct).collect(),
                    mean_days: m.mean,
                    sd_days: m.sd,
                    deadline: m.on_time.as_ref().map(|o| Deadline {
                        days: o.deadline_days,
                        date: ms.deadline.and_then(|d| d.date).map(|d| d.to_string()),
                        on_time: o.probability.into(),
                        gate: o.gate.as_ref().map(gate_json),
                    }),
                    cost: m.cost.map(Into::into),
                    budget: m.budget.as_ref().map(|b| Budget {
                        amount: b.amount,
                        within: b.within.into(),
                        joint: b.joint.map(Into::into),
                        gate: b.gate.as_ref().map(gate_json),
                    }),
                    reached: plan.reached(m.milestone).map(|t| Reached {
                        days: t,
                        date: finish_date(plan, Some(t)),
                    }),
                    drivers: details.map(|d| {
                        d.drivers[m.milestone]
                            .drivers
                            .iter()
                            .map(|d| {
                                let (id, name) = d.subject(plan);
                                Driver {
                                    kind: d.kind.as_str(),
                                    id,
                                    name,
                                    sensitivity: d.sensitivity,
                                    criticality: d.criticality,
                                    what_if: d.what_if.map(|w| WhatIf {
                                        p80_days: w.p80,
                                        p80_gain_days: w.p80_gain,
                                        p80_gain_low_days: w.p80_gain_low,
                                        p80_gain_high_days: w.p80_gain_high,
                                        delivered: w.delivered,
                                    }),
                                    calibration: super::tables::calibration_of(plan, d),
                                }
                            })
                            .collect()
                    }),
                }
            })
            .collect(),
        experiments: summary
            .experiments
            .iter()
            .map(|e| {
                let node = &plan.nodes()[e.node];
                let exp = node
                    .experiment
                    .as_ref()
                    // Invariant: experiment summaries are built from experiments only.
                    .expect("experiment summaries are of experiments");
                Experiment {
                    id: &node.id,
                    name: &node.name,
                    attempts_max: exp.success.len(),
                    success: e.success.into(),
                    mean_attempts: e.mean_attempts,
                    fallback: exp.fallback.map(|f| plan.nodes()[f as usize].id.as_str()),
                    fallback_rate: e.fallback_rate.map(Into::into),
                }
            })
            .collect(),
        risks: summary
            .risks
            .iter()
            .map(|r| {
                let risk = &plan.risks()[r.risk];
                Risk {
                    id: &risk.id,
                    name: &risk.name,
                    probability: risk.probability,
                    affects: risk
                        .affects
                        .iter()
                        .map(|&a| plan.nodes()[a as usize].id.as_str())
                        .collect(),
                    impacts: super::tables::impacts(risk),
                    once: risk.once,
                    occurred: r.occurred.into(),
                }
            })
            .collect(),
        correlations: plan
            .correlations()
            .iter()
            .map(|c| CorrelationJson {
                of: c.of.as_str(),
                tasks: c
                    .tasks
                    .iter()
                    .map(|&t| plan.nodes()[t as usize].id.as_str())
                    .collect(),
                matrix: c.matrix.chunks(c.len()).map(<[f64]>::to_vec).collect(),
                repaired: c.repair.is_some(),
                largest_change: c.repair.map(|r| r.largest_change),
            })
            .collect(),
        drift: run.drift.map(|d| {
            d.iter()
                .map(|d| {
                    let mv = |m: crate::analysis::drift::Move| MoveJson {
                        before: m.before,
                        after: m.after,
                        change: m.change,
                        beyond_noise: m.significant,
                    };
                    DriftJson {
                        milestone: &d.milestone,
                        p80_days: d.p80.map(mv),
                        on_time: d.on_time.map(mv),
                    }
                })
                .collect()
        }),
        calibration: plan.has_calibrated_tasks().then(|| {
            let mut nodes: Vec<&crate::model::Node> = plan
                .nodes()
                .iter()
                .filter(|n| n.calibrated.is_some())
                .collect();
            nodes.sort_by_key(|n| n.decl);
            nodes
                .into_iter()
                .filter_map(|n| {
                    let c = n.calibrated?;
                    let class = &plan.calibrations()[c.class as usize];
                    Some(CalibratedJson {
                        task: &n.id,
                        class: &class.name,
                        method: class.method.as_str(),
                        estimate: c.estimate,
                        history_n: class.n,
                        source: class.source.as_deref(),
                        p50_days: n.duration.quantile(0.5),
                        p80_days: n.duration.quantile(0.8),
                        p90_days: n.duration.quantile(0.9),
                    })
                })
                .collect()
        }),
        resources: details
            .and_then(|d| d.resources.as_ref())
            .map(|r| super::resources::json(plan, r)),
    }
}

/// The JSON exporter: `shipcast.report/1`, and `shipcast.batch/1` for batches.
pub struct Json;

impl super::Exporter for Json {
    fn run(&self, input: &Input) -> Option<String> {
        Some(render(input))
    }

    fn batch(&self, files: &[FileOutcome]) -> String {
        batch(files)
    }
}

#[derive(Serialize)]
struct BatchRun<'a> {
    file: &'a str,
    /// The variant run (`--variant`); absent for base plans.
    #[serde(skip_serializing_if = "Option::is_none")]
    variant: Option<&'a str>,
    exit_code: i32,
    error: Option<&'a str>,
    report: Option<serde_json::Value>,
}

#[derive(Serialize)]
struct Batch<'a> {
    schema: &'static str,
    tool: Tool,
    exit_code: i32,
    runs: Vec<BatchRun<'a>>,
}

/// `shipcast.batch/1`: every file of a batch with its report or its error.
pub fn batch(outcomes: &[FileOutcome]) -> String {
    let batch = Batch {
        schema: BATCH_SCHEMA,
        tool: Tool::this(),
        exit_code: super::batch::worst(outcomes),
        runs: outcomes
            .iter()
            .map(|o| BatchRun {
                file: o.file,
                variant: o.variant,
                exit_code: o.exit_code,
                error: o.result.as_ref().err().map(String::as_str),
                report: o.result.as_ref().ok().map(value),
            })
            .collect(),
    };
    // Invariant: plain data with string keys serializes (NaN becomes null).
    let mut s = serde_json::to_string_pretty(&batch).expect("report serializes");
    s.push('\n');
    s
}
