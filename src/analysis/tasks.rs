//! The per-task forecast (`run --tasks`): each task's P50 and P80 start and finish, how often it
//! is on the primary milestone's critical path, and an experiment's P(success).
//!
//! Memory stays bounded for big plans: the figures come from the run's first
//! [`TASK_ITERATIONS`] iterations (the same draws as the run, so they agree with it), simulated
//! again with the tasks traced [`TASK_BLOCK`] at a time. At most `TASK_ITERATIONS x TASK_BLOCK x
//! 2` finishes are held at once (40 MB).

use crate::engine::{Config, Probes, simulate_range};
use crate::model::Plan;

use super::quantile_sorted;

/// Iterations the per-task figures are computed from (at most).
pub const TASK_ITERATIONS: u64 = 10_000;
/// Tasks traced per pass.
pub const TASK_BLOCK: usize = 256;

/// One task's forecast. Times are working days from the program start.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskForecast {
    /// Index into `plan.nodes()`.
    pub node: usize,
    /// Share of the iterations in which the task ran.
    pub ran: f64,
    /// P50 and P80 of its start and finish, over the iterations in which it ran.
    pub start: [Option<f64>; 2],
    pub finish: [Option<f64>; 2],
    /// Share of the iterations in which it is on the primary (last) milestone's critical path.
    pub critical: f64,
    /// For an experiment: the share of the iterations in which it ran that it succeeded.
    pub success: Option<f64>,
    /// Iterations the figures come from.
    pub iterations: u64,
}

/// The forecast of every task (not milestones) of `plan`, in plan order.
pub fn task_forecast(plan: &Plan, config: &Config) -> Vec<TaskForecast> {
    let n = config.iterations.min(TASK_ITERATIONS);
    let nodes = plan.nodes().len();
    let tasks: Vec<u32> = (0..nodes as u32)
        .filter(|&i| !plan.nodes()[i as usize].is_milestone)
        .collect();
    let primary = plan.milestones().len() - 1;
    let pick = |mut v: Vec<f64>| -> [Option<f64>; 2] {
        v.retain(|x| x.is_finite());
        radsort::sort(&mut v);
        [0.5, 0.8].map(|p| (!v.is_empty()).then(|| quantile_sorted(&v, p)))
    };
    let mut out = Vec::with_capacity(tasks.len());
    let mut critical: Vec<u64> = vec![];
    let mut counts = vec![];
    for (b, chunk) in tasks.chunks(TASK_BLOCK).enumerate() {
        let probes = Probes {
            trace: chunk.to_vec(),
            criticality: b == 0,
        };
        let o = simulate_range(plan, config, &probes, 0..n);
        if b == 0 {
            critical = o.critical.clone();
            counts = o.nodes.clone();
        }
        for (t, &node) in chunk.iter().enumerate() {
            let (starts, finishes) = o.trace_columns(t);
            let ran = starts.iter().filter(|x| x.is_finite()).count() as f64 / n.max(1) as f64;
            let node = node as usize;
            let c = counts.get(node).copied().unwrap_or_default();
            out.push(TaskForecast {
                node,
                ran,
                start: pick(starts),
                finish: pick(finishes),
                critical: critical.get(primary * nodes + node).copied().unwrap_or(0) as f64
                    / n.max(1) as f64,
                success: plan.nodes()[node]
                    .experiment
                    .as_ref()
                    .map(|_| c.succeeded as f64 / c.ran.max(1) as f64),
                iterations: n,
            });
        }
    }
    out
}
