//! The scenario as written: every value with the span of text it came from, not yet checked
//! against the rest of the plan. [`crate::model::build`] turns it into a [`crate::model::Plan`].

use std::ops::Range;

use jiff::civil::Date;

/// The largest magnitude of any number a scenario may hold (1e15). Beyond it sums of costs or
/// times over a plan could lose whole units or overflow to infinity; nothing real is that big.
pub const MAX_NUMBER: f64 = 1e15;

/// The longest duration, lag, delay or working-day deadline (1e9 working days, about 3.8 million
/// years): with at most a million of them in a chain a finish stays below 2^52, where an `f64`
/// still tells working days apart. Dates stop at 9999-12-31; later finishes print in days.
pub const MAX_DAYS: f64 = 1e9;

/// The largest factor on durations (a risk's `scale`, a swept `duration_scale`): with
/// `MAX_DAYS`, a scaled duration stays far below `f64` overflow.
pub const MAX_SCALE: f64 = 1e6;

/// A value and the byte span of the text it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct Sp<T> {
    pub value: T,
    pub span: Range<usize>,
}

impl<T> Sp<T> {
    pub fn new(value: T, span: Range<usize>) -> Sp<T> {
        Sp { value, span }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ThreePoint {
    #[default]
    Pert,
    Triangular,
}

#[derive(Debug, Clone, Default)]
pub struct RawProject {
    pub name: Option<Sp<String>>,
    pub start: Option<Sp<Date>>,
    /// The date the scenario's progress is reported as of (work in flight).
    pub status_date: Option<Sp<Date>>,
    pub workdays: Option<Sp<Vec<Sp<String>>>>,
    pub holidays: Vec<Sp<Date>>,
    /// Working dates on days the week does not work (calendar exceptions from other tools).
    pub workdates: Vec<Sp<Date>>,
    pub three_point: ThreePoint,
    pub seed: Option<Sp<u64>>,
    pub iterations: Option<Sp<u64>>,
    /// Burn rate while the program runs, per working day.
    pub cost_per_day: Option<Sp<f64>>,
    /// Declared scores for what the simulation cannot measure, in file order.
    pub scores: Vec<(String, f64)>,
    /// The `[calibration.NAME]` every task with an `estimate` uses unless it names its own.
    pub calibration: Option<Sp<String>>,
}

/// A duration as written, before its parameters are checked.
#[derive(Debug, Clone, PartialEq)]
pub enum RawDuration {
    Fixed(f64),
    /// `[low, likely, high]`, read as PERT or triangular by `[project] three_point`.
    ThreePoint(f64, f64, f64),
    Uniform {
        min: f64,
        max: f64,
    },
    Triangular {
        low: f64,
        likely: f64,
        high: f64,
    },
    Pert {
        low: f64,
        likely: f64,
        high: f64,
    },
    Normal {
        mean: f64,
        sd: f64,
    },
    LogNormalP10P90 {
        p10: f64,
        p90: f64,
    },
    LogNormalMedianP90 {
        median: f64,
        p90: f64,
    },
    Samples(Vec<f64>),
}

impl RawDuration {
    /// Every number written, for range checks.
    pub fn numbers(&self) -> Vec<f64> {
        match self {
            RawDuration::Fixed(x) => vec![*x],
            RawDuration::ThreePoint(a, b, c)
            | RawDuration::Triangular {
                low: a,
                likely: b,
                high: c,
            }
            | RawDuration::Pert {
                low: a,
                likely: b,
                high: c,
            } => vec![*a, *b, *c],
            RawDuration::Uniform { min: a, max: b }
            | RawDuration::Normal { mean: a, sd: b }
            | RawDuration::LogNormalP10P90 { p10: a, p90: b }
            | RawDuration::LogNormalMedianP90 { median: a, p90: b } => vec![*a, *b],
            RawDuration::Samples(v) => v.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// Finish-to-start: the successor starts after the predecessor finishes.
    FS,
    /// Start-to-start: the successor starts after the predecessor starts.
    SS,
    /// Finish-to-finish: the successor finishes after the predecessor finishes.
    FF,
    /// Start-to-finish: the successor finishes after the predecessor starts.
    SF,
}

#[derive(Debug, Clone)]
pub struct RawLink {
    pub target: Sp<String>,
    pub kind: LinkKind,
    pub lag: f64,
}

#[derive(Debug, Clone)]
pub struct RawTask {
    pub header: Range<usize>,
    pub id: Sp<String>,
    pub name: Option<String>,
    pub after: Vec<RawLink>,
    pub duration: Option<Sp<RawDuration>>,
    pub success: Option<Sp<Vec<f64>>>,
    pub attempts: Option<Sp<i64>>,
    pub retry_duration: Option<Sp<RawDuration>>,
    pub fallback: Option<Sp<String>>,
    /// A fixed cost, paid when the task runs.
    pub cost: Option<Sp<f64>>,
    /// A cost per working day the task runs (every attempt counts).
    pub cost_per_day: Option<Sp<f64>>,
    /// Work in flight: the task is finished (history, not uncertainty).
    pub done: Option<Sp<bool>>,
    /// A done task's duration, in working days.
    pub actual: Option<Sp<f64>>,
    /// The date a done task finished.
    pub finished: Option<Sp<Date>>,
    /// The date the task started.
    pub started: Option<Sp<Date>>,
    /// A started task's remaining work, from the status date.
    pub remaining: Option<Sp<RawDuration>>,
    /// A started task's share done: the rest is (1 - progress) x a fresh draw of its duration.
    pub progress: Option<Sp<f64>>,
    /// An experiment's attempts already made, all failed.
    pub attempt: Option<Sp<i64>>,
    /// A guess to calibrate against history (a number or `[low, likely, high]`), instead of a
    /// `duration`.
    pub estimate: Option<Sp<RawDuration>>,
    /// The `[calibration.NAME]` this task's estimate uses (default: the project's).
    pub calibration: Option<Sp<String>>,
    /// Shared resources the task holds while it runs: `uses = { ml = 2 }`.
    pub uses: Option<Sp<RawUses>>,
    /// Scheduling priority among ready tasks competing for a resource (higher first).
    pub priority: Option<Sp<f64>>,
    /// A throughput backlog in place of a duration.
    pub backlog: Option<Sp<RawBacklog>>,
}

/// A `[calibration.NAME]` table: what `shipcast calibrate` learned of actual / estimate.
#[derive(Debug, Clone)]
pub struct RawCalibration {
    pub header: Range<usize>,
    pub name: Sp<String>,
    /// `use`: "empirical" (the default) or "lognormal".
    pub method: Option<Sp<String>>,
    /// The ratio's quantiles at equally spaced probabilities from 0 to 1.
    pub quantiles: Option<Sp<Vec<f64>>>,
    /// The lognormal fit of the ratio: ln(ratio) ~ N(mu, sigma).
    pub mu: Option<Sp<f64>>,
    pub sigma: Option<Sp<f64>>,
    /// How many finished items it was learned from.
    pub n: Option<Sp<u64>>,
    /// Where it was learned (a file name, a filter), for the report.
    pub source: Option<String>,
}

/// `uses = { ml = 2 }`: each resource id and amount, with their spans.
pub type RawUses = Vec<(Sp<String>, Sp<f64>)>;

/// A `[[resource]]`: people, GPUs or slots that tasks share.
#[derive(Debug, Clone)]
pub struct RawResource {
    pub header: Range<usize>,
    pub id: Sp<String>,
    pub name: Option<String>,
    pub capacity: Option<Sp<f64>>,
    /// `changes = [{ date = 2027-03-01, capacity = 5 }]`: the capacity from each date on.
    pub changes: Vec<RawCapacityChange>,
    /// Its own working weekdays, when they differ from the project's.
    pub workdays: Option<Sp<Vec<Sp<String>>>>,
    /// Its own days off (a team's offsite, a cluster's maintenance).
    pub holidays: Vec<Sp<Date>>,
}

/// The capacity of a resource from a date on.
#[derive(Debug, Clone)]
pub struct RawCapacityChange {
    pub span: Range<usize>,
    pub date: Option<Sp<Date>>,
    pub capacity: Option<Sp<f64>>,
}

/// Where a backlog's historical throughput comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum RawThroughput {
    /// Items finished per period, as written.
    Values(Vec<f64>),
    /// A CSV of finished items (one date per item), read and counted per period before the plan
    /// is built (the loader replaces it by `Values`).
    File {
        file: Sp<String>,
        column: Option<Sp<String>>,
    },
}

/// `backlog = { items = [30, 45], throughput = [3, 5, 2], per = "week", split = [1.0, 1.3] }`.
#[derive(Debug, Clone)]
pub struct RawBacklog {
    /// Items left: a number or `[low, high]` (uniform over the whole numbers between).
    pub items: Option<Sp<(f64, f64)>>,
    pub throughput: Option<Sp<RawThroughput>>,
    /// The period the throughput counts: "day" or "week" (the default).
    pub per: Option<Sp<String>>,
    /// Scope growth: a factor or `[low, high]` (uniform) on the items.
    pub split: Option<Sp<(f64, f64)>>,
}

#[derive(Debug, Clone)]
pub struct RawRisk {
    pub header: Range<usize>,
    pub id: Sp<String>,
    pub name: Option<String>,
    pub probability: Option<Sp<f64>>,
    pub affects: Vec<Sp<String>>,
    pub delay: Option<Sp<RawDuration>>,
    /// A factor on the affected tasks' durations, drawn once per iteration for all of them.
    pub scale: Option<Sp<RawDuration>>,
    /// The affected task's work is lost once and redone.
    pub restart: Option<Sp<bool>>,
    /// Only the first affected task to start is hit.
    pub once: Option<Sp<bool>>,
    /// What it costs when it occurs (a number or a duration form).
    pub cost: Option<Sp<RawDuration>>,
}

/// What a `[[correlation]]` group correlates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CorrelationOf {
    /// The first attempt's duration (draw 0) of each task.
    #[default]
    Duration,
    /// Each attempt's success (draw 2k + 1 of attempt k) of each experiment.
    Success,
}

impl CorrelationOf {
    /// As the scenario language writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            CorrelationOf::Duration => "duration",
            CorrelationOf::Success => "success",
        }
    }
}

/// A matrix as written: rows, and the numbers of each row, each with its span.
pub type RawMatrix = Vec<Sp<Vec<Sp<f64>>>>;

/// A `[[correlation]]` section: tasks whose draws move together, with one `coefficient` for
/// every pair or a full `matrix`.
#[derive(Debug, Clone)]
pub struct RawCorrelation {
    pub header: Range<usize>,
    pub tasks: Option<Sp<Vec<Sp<String>>>>,
    pub of: Sp<CorrelationOf>,
    pub coefficient: Option<Sp<f64>>,
    /// Rows of numbers, each with its span.
    pub matrix: Option<Sp<RawMatrix>>,
    /// Replace a matrix that is not positive semi-definite by the nearest correlation matrix.
    pub repair: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RawDeadline {
    Date(Date),
    Days(f64),
}

#[derive(Debug, Clone)]
pub struct RawMilestone {
    pub header: Range<usize>,
    pub id: Sp<String>,
    pub name: Option<String>,
    pub after: Vec<RawLink>,
    pub deadline: Option<Sp<RawDeadline>>,
    pub confidence: Option<Sp<f64>>,
    /// The most the milestone may cost, in the plan's cost unit.
    pub budget: Option<Sp<f64>>,
    /// With a budget: a gate that holds when P(cost <= budget) >= budget_confidence.
    pub budget_confidence: Option<Sp<f64>>,
    /// The value of delivering one working day earlier (the cost of delay), in the cost unit.
    pub value_per_day: Option<Sp<f64>>,
}

#[derive(Debug, Clone, Default)]
pub struct RawScenario {
    pub project: RawProject,
    pub tasks: Vec<RawTask>,
    pub risks: Vec<RawRisk>,
    pub milestones: Vec<RawMilestone>,
    /// `[[correlation]]` sections (for a variant: the base's, less what it removes, with its own).
    pub correlations: Vec<RawCorrelation>,
    /// `[[resource]]` sections, in file order.
    pub resources: Vec<RawResource>,
    /// `[variant.NAME]` sections, each already merged with the base plan.
    pub variants: Vec<RawVariant>,
    /// A `[sweep]` section: what `shipcast sweep` varies by default.
    pub sweep: Option<RawSweep>,
    /// `[calibration.NAME]` tables, in file order.
    pub calibrations: Vec<RawCalibration>,
}

#[derive(Debug, Clone)]
pub struct RawSweep {
    pub header: Range<usize>,
    /// `PATH=LO..HI:STEP` or `PATH=A,B,C`, one or two.
    pub set: Vec<Sp<String>>,
    pub milestone: Option<Sp<String>>,
}

/// A variant: the base plan with the variant's removals, overrides and additions applied.
#[derive(Debug, Clone)]
pub struct RawVariant {
    pub name: Sp<String>,
    pub description: Option<String>,
    /// Ids the variant removes (checked to exist in the base plan).
    pub removed: Vec<String>,
    pub scenario: RawScenario,
}
