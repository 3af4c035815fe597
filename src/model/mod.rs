//! The validated plan: ids resolved to indices, nodes in topological order, predecessors as
//! compressed sparse rows, distributions constructed. A [`Plan`] cannot be invalid: [`build`] is
//! the only way to make one, and it reports every problem it finds with the span at fault.

mod build;
pub mod calendar;
pub mod calibration;
mod correlate;
mod gate;
pub mod key;
pub mod params;

use jiff::civil::Date;

use crate::dist::Dist;
pub use crate::scenario::raw::{CorrelationOf, LinkKind};
pub use build::{build, build_with};
use calendar::Calendar;
pub use gate::{DeadlineSpec, GateError, GateSpec};

/// A node of the schedule network: a task, or a milestone (a zero-duration node).
#[derive(Debug, Clone)]
pub struct Node {
    pub id: String,
    pub name: String,
    pub is_milestone: bool,
    pub duration: Dist,
    pub experiment: Option<Experiment>,
    /// When this task is an experiment's fallback: that experiment. It runs only when every
    /// attempt of the experiment failed, starting once the last attempt ends.
    pub fallback_of: Option<u32>,
    /// The stream key: a hash of the id, so the same task draws the same numbers in any plan.
    pub key: u64,
    /// Position in the file (tasks first, then milestones), for reports that follow the file.
    pub decl: u32,
    /// Paid once when the task runs.
    pub cost: f64,
    /// Paid per working day the task runs (every attempt).
    pub cost_per_day: f64,
    /// Multiplies every sampled duration (1 unless a sweep scales it).
    pub scale: f64,
    /// Work in flight: planned, under way or done as of the status date.
    pub status: Status,
    /// When the duration is an estimate calibrated against history: its class and estimate.
    pub calibrated: Option<calibration::Calibrated>,
    /// Shared resources held while the node runs (every attempt of an experiment, and any risk
    /// delay): `(resource index, amount)`.
    pub uses: Vec<(u32, f64)>,
    /// `priority = N` (0 when not written): among ready tasks competing for resources, higher
    /// goes first; equal priorities go by latest start, then file order.
    pub priority: f64,
    /// A throughput backlog: its duration is the time to finish its items (see [`Backlog`]).
    pub backlog: Option<Backlog>,
}

/// A shared resource: people, GPUs or slots, with a capacity that may change on dates.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub id: String,
    pub name: String,
    /// `(from, capacity)` steps in working-day time, sorted; the first is from 0.
    pub capacity: Vec<(f64, f64)>,
    /// With its own calendar: the project's working days (by index from the start, sorted) on
    /// which it does not work; work that uses it pauses on them. Empty: it works every
    /// project working day.
    pub off: Vec<u32>,
}

impl Resource {
    /// The capacity at working-day time `t`.
    pub fn capacity_at(&self, t: f64) -> f64 {
        let k = self.capacity.partition_point(|&(from, _)| from <= t);
        self.capacity[k.saturating_sub(1)].1
    }

    /// The times its capacity changes strictly between `after` and `before`.
    pub fn steps_between(&self, after: f64, before: f64) -> impl Iterator<Item = f64> + '_ {
        self.capacity
            .iter()
            .map(|c| c.0)
            .filter(move |&t| t > after && t < before)
    }

    /// The largest capacity it ever has.
    pub fn most(&self) -> f64 {
        self.capacity.iter().map(|c| c.1).fold(0.0, f64::max)
    }
}

/// A backlog: items (uniform over the whole numbers in `items`), grown by a split factor
/// (uniform in `split`), finished at a throughput per period resampled from history.
#[derive(Debug, Clone, PartialEq)]
pub struct Backlog {
    pub items: (f64, f64),
    pub split: (f64, f64),
    /// Items finished in each historical period (at least one is positive).
    pub throughput: Vec<f64>,
    /// The period's length in working days.
    pub period: f64,
}

/// Where a node stands at the status date. Times are working days from the program start.
#[derive(Debug, Clone)]
pub enum Status {
    /// Not started: it starts no earlier than the status date.
    Planned,
    /// Under way since `start`; what is left takes `remaining` from the status date (risks that
    /// affect it add to that).
    Started { start: f64, remaining: Remaining },
    /// Finished: history, not uncertainty. A milestone whose every predecessor is done is done
    /// too (reached). `failed`: an experiment whose fallback is under way (its attempts all
    /// failed); otherwise a done experiment succeeded.
    Done {
        start: f64,
        finish: f64,
        failed: bool,
    },
}

/// What is left of a started task (for an experiment: of the attempt under way).
#[derive(Debug, Clone)]
pub enum Remaining {
    /// `remaining = <duration>`, drawn in place of the (current attempt's) duration.
    Dist(Dist),
    /// `progress = p`: `1 - p` times a fresh draw of the (current attempt's) duration.
    Share(f64),
}

/// The status date of a scenario with work in flight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StatusDate {
    pub date: Date,
    /// Working-day time of the end of that date: work left starts no earlier.
    pub time: f64,
}

/// An experiment: a task that succeeds only with some probability per attempt.
#[derive(Debug, Clone)]
pub struct Experiment {
    /// The chance that attempt k succeeds; its length is the most attempts.
    pub success: Vec<f64>,
    /// The duration of attempts after the first (None: the task's duration).
    pub retry: Option<Dist>,
    /// What runs when every attempt failed (None: the program fails in that iteration).
    pub fallback: Option<u32>,
    /// Attempts already made, all failed (`attempt = k`): the experiment goes on with attempt
    /// k + 1, and its success and durations are those of attempts k + 1 onwards.
    pub made: u32,
}

/// A predecessor link into a node.
#[derive(Debug, Clone, Copy)]
pub struct Link {
    pub node: u32,
    pub kind: LinkKind,
    pub lag: f64,
}

#[derive(Debug, Clone)]
pub struct Risk {
    pub id: String,
    pub name: String,
    /// The chance that it occurs in one iteration.
    pub probability: f64,
    /// Added to each affected task's duration (or, for a milestone, on reaching it).
    pub delay: Option<Dist>,
    /// Multiplies the affected tasks' durations: one draw per iteration, shared by all of them.
    pub scale: Option<Dist>,
    /// The affected task's work is lost once, at a random point, and redone.
    pub restart: bool,
    /// Only the first affected task to start is hit.
    pub once: bool,
    /// What it costs when it occurs, added to the milestones that wait for what it affects.
    pub cost: Option<Dist>,
    pub key: u64,
    /// The nodes it affects, in plan order.
    pub affects: Vec<u32>,
}

impl Risk {
    /// Whether it changes task durations in other ways than a delay.
    pub fn reshapes(&self) -> bool {
        self.scale.is_some() || self.restart
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Deadline {
    /// Working days from the start: on time when the finish is at or before this time.
    pub days: f64,
    pub date: Option<Date>,
}

#[derive(Debug, Clone)]
pub struct Milestone {
    pub node: u32,
    pub id: String,
    pub name: String,
    pub deadline: Option<Deadline>,
    /// With a deadline: a gate that holds when P(on time) >= confidence.
    pub confidence: Option<f64>,
    /// The most reaching the milestone may cost (only in a plan with costs).
    pub budget: Option<f64>,
    /// With a budget: a gate that holds when P(cost <= budget) >= budget_confidence.
    pub budget_confidence: Option<f64>,
    /// The value of delivering one working day earlier (the cost of delay), in the cost unit:
    /// `compare` weighs it against costs.
    pub value_per_day: Option<f64>,
    /// Every node this milestone waits for, directly or not, fallbacks included: the work whose
    /// cost counts towards reaching it.
    pub ancestors: Vec<u32>,
    /// The risks with a cost that affect this milestone or something it waits for.
    pub risk_costs: Vec<u32>,
}

/// A `[[correlation]]` group as the engine applies it: a Gaussian copula on one draw of each of
/// its tasks (see [`crate::dist::copula`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    pub of: CorrelationOf,
    /// Node indices (plan order), in the order the group lists them.
    pub tasks: Vec<u32>,
    /// The correlation matrix used (row-major, `tasks.len()` squared): the one declared, or its
    /// repair.
    pub matrix: Vec<f64>,
    /// The lower-triangular Cholesky factor of `matrix` (row-major): `x = L z`.
    pub factor: Vec<f64>,
    /// Set when the declared matrix was not positive semi-definite and `repair = true` replaced
    /// it by the nearest correlation matrix.
    pub repair: Option<Repair>,
}

/// How a correlation matrix was repaired.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Repair {
    /// The declared matrix's smallest eigenvalue (negative).
    pub smallest_eigenvalue: f64,
    /// The largest absolute change of a coefficient.
    pub largest_change: f64,
    /// The two tasks (positions in [`Correlation::tasks`]) whose coefficient changed most.
    pub between: (usize, usize),
}

impl Correlation {
    /// The number of tasks in the group.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// A group always has at least two tasks.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// The coefficient between the tasks at positions `i` and `j`.
    pub fn coefficient(&self, i: usize, j: usize) -> f64 {
        self.matrix[i * self.len() + j]
    }

    /// Row `i` of the Cholesky factor, up to the diagonal.
    pub fn factor_row(&self, i: usize) -> &[f64] {
        &self.factor[i * self.len()..i * self.len() + i + 1]
    }
}

/// A valid plan. Its fields are private: [`build`] is the only way to make one, and the few
/// changes allowed afterwards (a gate, a swept parameter, a what-if) are methods that keep it
/// valid. Read it through its accessors.
#[derive(Debug, Clone)]
pub struct Plan {
    name: String,
    /// The variant this plan is (None for the base plan).
    variant: Option<String>,
    /// Declared scores, in file order.
    scores: Vec<(String, f64)>,
    /// Burn rate per working day while the program runs.
    cost_per_day: f64,
    calendar: Calendar,
    /// `[project] status_date`: the forecast is made from it.
    status: Option<StatusDate>,
    seed: Option<u64>,
    iterations: Option<u64>,
    /// Every task and milestone, in topological order: a node's predecessors, the experiment it
    /// is a fallback of, and every fallback of its predecessors all come before it.
    nodes: Vec<Node>,
    /// Predecessors of node i are `preds[pred_start[i]..pred_start[i + 1]]`.
    pred_start: Vec<u32>,
    preds: Vec<Link>,
    risks: Vec<Risk>,
    /// Risks that delay node i are `risk_of[risk_start[i]..risk_start[i + 1]]`.
    risk_start: Vec<u32>,
    risk_of: Vec<u32>,
    /// At least one: a scenario without milestones gets the implicit `finish`.
    milestones: Vec<Milestone>,
    /// The `[sweep]` section, checked against the plan.
    sweep: Option<SweepSpec>,
    /// `[[correlation]]` groups, checked and factored.
    correlations: Vec<Correlation>,
    /// What the user should know that does not stop the plan (a repaired correlation matrix):
    /// the CLI prints these on stderr.
    warnings: Vec<String>,
    /// The `[calibration.NAME]` reference classes (`Node::calibrated` indexes them).
    calibrations: Vec<calibration::Calibration>,
    /// `[[resource]]` sections, in file order (empty: the unconstrained engine path).
    resources: Vec<Resource>,
    /// With resources: every node in the order the resource-constrained scheduler places them
    /// (precedence-feasible; by priority, latest start, file order).
    activity: Vec<u32>,
    /// Every PERT table the plan's distributions use, computed on first use or side by side
    /// by [`Plan::prepare_tables`].
    tables: Vec<std::sync::Arc<crate::dist::PertTable>>,
}

/// What `shipcast sweep` varies when the command line does not say.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepSpec {
    pub params: Vec<params::Param>,
    /// Index into `milestones` (default: the last one).
    pub milestone: usize,
}

impl Plan {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The variant this plan is (None for the base plan).
    pub fn variant(&self) -> Option<&str> {
        self.variant.as_deref()
    }

    /// Declared scores, in file order.
    pub fn scores(&self) -> &[(String, f64)] {
        &self.scores
    }

    /// Burn rate per working day while the program runs.
    pub fn cost_per_day(&self) -> f64 {
        self.cost_per_day
    }

    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// The status date, when the scenario has work in flight: nothing unfinished starts
    /// before it.
    pub fn status_date(&self) -> Option<StatusDate> {
        self.status
    }

    /// The working-day time before which nothing unfinished starts (0 without a status date).
    pub fn status_time(&self) -> f64 {
        self.status.map_or(0.0, |s| s.time)
    }

    /// When milestone `m` was already reached at the status date (every node it waits for is
    /// done): its finish time.
    pub fn reached(&self, m: usize) -> Option<f64> {
        match self.nodes[self.milestones[m].node as usize].status {
            Status::Done { finish, .. } => Some(finish),
            _ => None,
        }
    }

    /// The scenario's seed, when it sets one.
    pub fn seed(&self) -> Option<u64> {
        self.seed
    }

    /// The scenario's iterations, when it sets them.
    pub fn iterations(&self) -> Option<u64> {
        self.iterations
    }

    /// Computes the PERT tables not computed yet, side by side on the current rayon pool (a
    /// run calls it first, so that the tables are built by the threads the run was given).
    pub fn prepare_tables(&self) {
        crate::dist::build_tables(&self.tables);
    }

    /// Every task and milestone, in topological order: a node's predecessors, the experiment it
    /// is a fallback of, and every fallback of its predecessors all come before it.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    pub fn risks(&self) -> &[Risk] {
        &self.risks
    }

    /// At least one: a scenario without milestones gets the implicit `finish`.
    pub fn milestones(&self) -> &[Milestone] {
        &self.milestones
    }

    /// The `[sweep]` section, checked against the plan.
    pub fn sweep(&self) -> Option<&SweepSpec> {
        self.sweep.as_ref()
    }

    /// The correlation groups, in file order.
    pub fn correlations(&self) -> &[Correlation] {
        &self.correlations
    }

    /// Warnings about the scenario that do not stop it from running, one sentence each (the
    /// caller decides where they go).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The `[calibration.NAME]` reference classes, in file order.
    pub fn calibrations(&self) -> &[calibration::Calibration] {
        &self.calibrations
    }

    /// Whether some task's estimate is calibrated against history.
    pub fn has_calibrated_tasks(&self) -> bool {
        self.nodes.iter().any(|n| n.calibrated.is_some())
    }

    /// This plan, named as variant `name` of its file.
    pub fn with_variant(mut self, name: &str) -> Plan {
        self.variant = Some(name.to_string());
        self
    }

    /// This plan with experiment `node` succeeding at its first attempt (a what-if); a node that
    /// is not an experiment is left as it is.
    pub fn with_sure_success(&self, node: usize) -> Plan {
        let mut changed = self.clone();
        if let Some(e) = changed.nodes[node].experiment.as_mut() {
            e.success = vec![1.0];
        }
        changed
    }

    /// Whether some risk strikes only the first affected task to start.
    pub fn has_once_risks(&self) -> bool {
        self.risks.iter().any(|r| r.once && r.probability > 0.0)
    }

    /// This plan with risk `risk` never occurring (a what-if).
    pub fn without_risk(&self, risk: usize) -> Plan {
        let mut changed = self.clone();
        changed.risks[risk].probability = 0.0;
        changed
    }

    pub fn preds_of(&self, i: usize) -> &[Link] {
        &self.preds[self.pred_start[i] as usize..self.pred_start[i + 1] as usize]
    }

    pub fn risks_of(&self, i: usize) -> &[u32] {
        &self.risk_of[self.risk_start[i] as usize..self.risk_start[i + 1] as usize]
    }

    pub fn node_index(&self, id: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.id == id)
    }

    /// Whether any cost is declared: costs are only simulated then.
    pub fn has_costs(&self) -> bool {
        self.cost_per_day > 0.0
            || self.risks.iter().any(|r| r.cost.is_some())
            || self
                .nodes
                .iter()
                .any(|n| n.cost > 0.0 || n.cost_per_day > 0.0)
    }

    /// The shared resources, in file order.
    pub fn resources(&self) -> &[Resource] {
        &self.resources
    }

    /// Whether tasks compete for resources (the engine's resource-constrained path).
    pub fn has_resources(&self) -> bool {
        !self.resources.is_empty()
    }

    /// With resources: the nodes in the order the scheduler places them in every iteration.
    pub fn activity_list(&self) -> &[u32] {
        &self.activity
    }

    /// This plan with no resource constraint (a what-if: the delay resources cause).
    pub fn without_resources(&self) -> Plan {
        let mut changed = self.clone();
        changed.resources.clear();
        changed.activity.clear();
        changed
    }

    /// This plan with resource `r` unlimited (a what-if: the delay that resource causes).
    pub fn with_unlimited(&self, r: usize) -> Plan {
        let mut changed = self.clone();
        changed.resources[r].capacity = vec![(0.0, f64::INFINITY)];
        changed
    }

    /// The plan's label in comparisons: the variant's name, or "base".
    pub fn label(&self) -> &str {
        self.variant.as_deref().unwrap_or("base")
    }
}

/// The id of the milestone added when a scenario declares none.
pub const IMPLICIT_MILESTONE: &str = "finish";
