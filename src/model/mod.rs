//! The validated plan: ids resolved to indices, nodes in topological order, predecessors as
//! compressed sparse rows, distributions constructed. A [`Plan`] cannot be invalid: [`build`] is
//! the only way to make one, and it reports every problem it finds with the span at fault.

mod build;
pub mod calendar;
pub mod calibration;
mod gate;
pub mod key;
pub mod params;

use jiff::civil::Date;

use crate::dist::Dist;
pub use crate::scenario::raw::LinkKind;
pub use build::build;
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
    /// When the duration is an estimate calibrated against history: its class and estimate.
    pub calibrated: Option<calibration::Calibrated>,
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
    /// Every node this milestone waits for, directly or not, fallbacks included: the work whose
    /// cost counts towards reaching it.
    pub ancestors: Vec<u32>,
    /// The risks with a cost that affect this milestone or something it waits for.
    pub risk_costs: Vec<u32>,
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
    /// The `[calibration.NAME]` reference classes (`Node::calibrated` indexes them).
    calibrations: Vec<calibration::Calibration>,
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

    /// The scenario's seed, when it sets one.
    pub fn seed(&self) -> Option<u64> {
        self.seed
    }

    /// The scenario's iterations, when it sets them.
    pub fn iterations(&self) -> Option<u64> {
        self.iterations
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

    /// The plan's label in comparisons: the variant's name, or "base".
    pub fn label(&self) -> &str {
        self.variant.as_deref().unwrap_or("base")
    }
}

/// The id of the milestone added when a scenario declares none.
pub const IMPLICIT_MILESTONE: &str = "finish";
