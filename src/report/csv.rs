//! `--format csv`: one row per milestone, every milestone figure of the JSON report in its own
//! column.

use super::{Input, finish_date};
use crate::analysis::GateStatus;

fn num(x: Option<f64>) -> String {
    x.map_or(String::new(), |x| x.to_string())
}

pub fn render(input: &Input) -> String {
    let Input { plan, summary, .. } = *input;
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "milestone".to_string(),
        "name".into(),
        "delivered".into(),
        "delivered_low".into(),
        "delivered_high".into(),
    ];
    for p in crate::analysis::PERCENTILES {
        let p = (p * 100.0).round();
        for col in [
            "days",
            "date",
            "low_days",
            "high_days",
            "low_date",
            "high_date",
        ] {
            header.push(format!("p{p}_{col}"));
        }
    }
    for col in [
        "mean_days",
        "sd_days",
        "deadline_days",
        "deadline_date",
        "on_time",
        "on_time_low",
        "on_time_high",
        "gate_confidence",
        "gate_status",
        "gate_decided",
        "cost_p50",
        "cost_p80",
    ] {
        header.push(col.into());
    }
    // Budget columns only when some milestone has a budget: other reports keep their bytes.
    let budgets = summary.milestones.iter().any(|m| m.budget.is_some());
    if budgets {
        for col in [
            "budget",
            "within_budget",
            "within_budget_low",
            "within_budget_high",
            "joint",
            "joint_low",
            "joint_high",
            "budget_gate_confidence",
            "budget_gate_status",
            "budget_gate_decided",
        ] {
            header.push(col.into());
        }
    }
    // Invariant: a CSV writer over a Vec<u8> cannot fail to write, and writes UTF-8.
    w.write_record(&header).expect("write to memory");
    for m in &summary.milestones {
        let ms = &plan.milestones()[m.milestone];
        let mut row = vec![
            ms.id.clone(),
            ms.name.clone(),
            m.delivered.estimate.to_string(),
            m.delivered.low.to_string(),
            m.delivered.high.to_string(),
        ];
        for p in &m.percentiles {
            row.extend([
                num(p.days),
                finish_date(plan, p.days).unwrap_or_default(),
                num(p.low),
                num(p.high),
                finish_date(plan, p.low).unwrap_or_default(),
                finish_date(plan, p.high).unwrap_or_default(),
            ]);
        }
        row.extend([num(m.mean), num(m.sd)]);
        match &m.on_time {
            Some(o) => {
                row.extend([
                    o.deadline_days.to_string(),
                    ms.deadline
                        .and_then(|d| d.date)
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                ]);
                row.extend(
                    [
                        o.probability.estimate,
                        o.probability.low,
                        o.probability.high,
                    ]
                    .map(|x| x.to_string()),
                );
                match &o.gate {
                    Some(g) => row.extend([
                        g.target.to_string(),
                        match g.status {
                            GateStatus::Holds => "holds".into(),
                            GateStatus::Fails => "fails".into(),
                        },
                        g.decided.to_string(),
                    ]),
                    None => row.extend([String::new(), String::new(), String::new()]),
                }
            }
            None => row.extend(std::iter::repeat_n(String::new(), 8)),
        }
        row.extend([num(m.cost.map(|c| c.p50)), num(m.cost.map(|c| c.p80))]);
        if budgets {
            let b = m.budget.as_ref();
            let prob = |p: Option<crate::analysis::Probability>| {
                [
                    num(p.map(|p| p.estimate)),
                    num(p.map(|p| p.low)),
                    num(p.map(|p| p.high)),
                ]
            };
            row.push(num(b.map(|b| b.amount)));
            row.extend(prob(b.map(|b| b.within)));
            row.extend(prob(b.and_then(|b| b.joint)));
            match b.and_then(|b| b.gate.as_ref()) {
                Some(g) => row.extend([
                    g.target.to_string(),
                    match g.status {
                        GateStatus::Holds => "holds".into(),
                        GateStatus::Fails => "fails".into(),
                    },
                    g.decided.to_string(),
                ]),
                None => row.extend([String::new(), String::new(), String::new()]),
            }
        }
        // Invariant: a CSV writer over a Vec<u8> cannot fail to write, and writes UTF-8.
        w.write_record(&row).expect("write to memory");
    }
    // Invariant: a CSV writer over a Vec<u8> cannot fail to write, and writes UTF-8.
    String::from_utf8(w.into_inner().expect("flush to memory")).expect("csv of utf-8 text")
}

/// `drivers.csv`: every driver of every milestone, ranked within each milestone.
pub fn render_drivers(f: &super::Forecast) -> String {
    let plan = f.plan;
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record([
        "milestone",
        "rank",
        "kind",
        "id",
        "name",
        "sensitivity",
        "criticality",
        "p80_if_resolved_days",
        "p80_gain_days",
        "p80_gain_low_days",
        "p80_gain_high_days",
        "delivered_if_resolved",
    ])
    // Invariant: a CSV writer over a Vec<u8> cannot fail to write, and writes UTF-8.
    .expect("write to memory");
    for md in &f.drivers {
        let ms = &plan.milestones()[md.milestone];
        for (rank, d) in md.drivers.iter().enumerate() {
            let (id, name) = d.subject(plan);
            w.write_record([
                ms.id.clone(),
                (rank + 1).to_string(),
                d.kind.as_str().to_string(),
                id.to_string(),
                name.to_string(),
                num(d.sensitivity),
                num(d.criticality),
                num(d.what_if.and_then(|x| x.p80)),
                num(d.what_if.and_then(|x| x.p80_gain)),
                num(d.what_if.and_then(|x| x.p80_gain_low)),
                num(d.what_if.and_then(|x| x.p80_gain_high)),
                num(d.what_if.map(|x| x.delivered)),
            ])
            // Invariant: a CSV writer over a Vec<u8> cannot fail to write, and writes UTF-8.
            .expect("write to memory");
        }
    }
    // Invariant: a CSV writer over a Vec<u8> cannot fail to write, and writes UTF-8.
    String::from_utf8(w.into_inner().expect("flush to memory")).expect("csv of utf-8 text")
}

/// Any table as CSV, headers first.
pub fn table(t: &super::tables::Table) -> String {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    // Invariant: a CSV writer over a Vec<u8> cannot fail to write, and writes UTF-8.
    w.write_record(&t.headers).expect("write to memory");
    for r in &t.rows {
        // Invariant: a CSV writer over a Vec<u8> cannot fail to write, and writes UTF-8.
        w.write_record(r).expect("write to memory");
    }
    // Invariant: a CSV writer over a Vec<u8> cannot fail to write, and writes UTF-8.
    String::from_utf8(w.into_inner().expect("flush to memory")).expect("csv of utf-8 text")
}

/// The CSV exporter: one row per milestone, or per file and milestone for batches.
pub struct Csv;

impl super::Exporter for Csv {
    fn run(&self, input: &Input) -> Option<String> {
        Some(render(input))
    }

    fn batch(&self, files: &[super::batch::FileOutcome]) -> String {
        batch(files)
    }
}

/// A batch as machine data: one row per file and milestone with raw numbers (working days and
/// dates, probabilities as fractions, the gate's confidence, status and whether it is decided
/// in their own columns), and one row with the error for a file that could not run.
pub fn batch(outcomes: &[super::batch::FileOutcome]) -> String {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = ["file", "variant", "milestone", "name", "delivered"]
        .map(String::from)
        .to_vec();
    for p in ["p50", "p80", "p95"] {
        header.push(format!("{p}_days"));
        header.push(format!("{p}_date"));
    }
    header.extend(
        [
            "deadline_days",
            "deadline_date",
            "on_time",
            "gate_confidence",
            "gate_status",
            "gate_decided",
            "error",
        ]
        .map(String::from),
    );
    // Invariant: a CSV writer over a Vec<u8> cannot fail to write, and writes UTF-8.
    w.write_record(&header).expect("write to memory");
    let width = header.len();
    for o in outcomes {
        let lead = [o.file.to_string(), o.variant.unwrap_or("").to_string()];
        match &o.result {
            Ok(input) => {
                let plan = input.plan;
                for m in &input.summary.milestones {
                    let ms = &plan.milestones()[m.milestone];
                    let mut row: Vec<String> = lead.to_vec();
                    row.extend([
                        ms.id.clone(),
                        ms.name.clone(),
                        m.delivered.estimate.to_string(),
                    ]);
                    for i in [
                        crate::analysis::P50,
                        crate::analysis::P80,
                        crate::analysis::P95,
                    ] {
                        let d = m.percentiles[i].days;
                        row.extend([num(d), finish_date(plan, d).unwrap_or_default()]);
                    }
                    match &m.on_time {
                        Some(o) => {
                            row.extend([
                                o.deadline_days.to_string(),
                                ms.deadline
                                    .and_then(|d| d.date)
                                    .map(|d| d.to_string())
                                    .unwrap_or_default(),
                                o.probability.estimate.to_string(),
                            ]);
                            match &o.gate {
                                Some(g) => row.extend([
                                    g.target.to_string(),
                                    match g.status {
                                        GateStatus::Holds => "holds".into(),
                                        GateStatus::Fails => "fails".into(),
                                    },
                                    g.decided.to_string(),
                                ]),
                                None => row.extend([String::new(), String::new(), String::new()]),
                            }
                        }
                        None => row.extend(std::iter::repeat_n(String::new(), 6)),
                    }
                    row.push(String::new());
                    // Invariant: a CSV writer over a Vec<u8> cannot fail to write, and writes UTF-8.
                    w.write_record(&row).expect("write to memory");
                }
            }
            Err(e) => {
                let mut row: Vec<String> = lead.to_vec();
                row.resize(width - 1, String::new());
                row.push(
                    e.lines()
                        .next()
                        .unwrap_or("error")
                        .trim_start_matches("error: ")
                        .to_string(),
                );
                // Invariant: a CSV writer over a Vec<u8> cannot fail to write, and writes UTF-8.
                w.write_record(&row).expect("write to memory");
            }
        }
    }
    // Invariant: a CSV writer over a Vec<u8> cannot fail to write, and writes UTF-8.
    String::from_utf8(w.into_inner().expect("flush to memory")).expect("csv of utf-8 text")
}
