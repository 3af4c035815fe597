//! Building a plan: every semantic check on the raw scenario, ids resolved to indices, the
//! topological order and the compressed predecessor arrays. [`build`] is the only constructor
//! of a [`Plan`].

use std::collections::{HashMap, HashSet};

use jiff::civil::Date;

use super::calendar::{self, Calendar};
use super::correlate;
use super::key::stream_key;
use super::params;
use super::*;
use crate::dist::{Dist, DistError, TableCache};
use crate::scenario::diag::{Diagnostic, did_you_mean};
use crate::scenario::raw::*;

mod inflight;
mod shared;
use inflight::Flight;

/// Checks a raw scenario and builds the plan, or returns every problem found.
pub fn build(raw: &RawScenario) -> Result<Plan, Vec<Diagnostic>> {
    build_with(raw, &mut TableCache::default())
}

/// [`build`], sharing PERT tables through `cache` with the other plans built with it (a
/// scenario's variants repeat most of its estimates: each shape's table is computed once).
pub fn build_with(raw: &RawScenario, cache: &mut TableCache) -> Result<Plan, Vec<Diagnostic>> {
    // Whatever an earlier build that failed named is not this plan's.
    cache.take_named();
    let mut b = Builder {
        cache: std::mem::take(cache),
        ..Builder::default()
    };
    let plan = b.build(raw);
    *cache = std::mem::take(&mut b.cache);
    plan
}

#[derive(Default)]
struct Builder {
    diags: Vec<Diagnostic>,
    fallback_loop: bool,
    /// An id used twice: links to it are ambiguous, so a cycle through it may not be real.
    duplicate_ids: bool,
    cache: TableCache,
    /// The `[calibration.NAME]` classes, checked.
    calibrations: Vec<super::calibration::Calibration>,
}

/// What a distribution written in a duration form stands for, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quantity {
    Duration,
    Factor,
    Amount,
}

/// A resolved link before sorting: predecessor, type, lag, and where the predecessor is named.
type PendingLink = (usize, LinkKind, f64, std::ops::Range<usize>);

/// The ids of a scenario: where each is declared, and all of them for "did you mean".
struct Ids<'r> {
    index: HashMap<&'r str, usize>,
    all: Vec<&'r str>,
}

/// The node of a milestone: zero duration, no cost, its own stream key.
fn milestone_node(id: &str, name: String, decl: usize) -> Node {
    Node {
        id: id.to_string(),
        name,
        is_milestone: true,
        duration: Dist::Fixed(0.0),
        experiment: None,
        fallback_of: None,
        key: stream_key(id),
        decl: decl as u32,
        cost: 0.0,
        cost_per_day: 0.0,
        scale: 1.0,
        status: Status::Planned,
        calibrated: None,
        uses: vec![],
        priority: 0.0,
        backlog: None,
    }
}

/// One implicit milestone, when the scenario declares none: it waits for every task nothing
/// depends on (fallbacks resolve through their experiment, so they are not ends of their own).
fn implicit_milestone(pending: &mut Vec<Pending>, milestones: &mut Vec<Milestone>) {
    let mut has_succ = vec![false; pending.len()];
    for p in pending.iter() {
        for l in &p.links {
            has_succ[l.0] = true;
        }
    }
    let ends: Vec<_> = (0..pending.len())
        .filter(|&i| !has_succ[i] && pending[i].node.fallback_of.is_none())
        .map(|i| (i, LinkKind::FS, 0.0, 0..0))
        .collect();
    milestones.push(Milestone {
        node: pending.len() as u32,
        id: IMPLICIT_MILESTONE.into(),
        name: "Finish".into(),
        deadline: None,
        confidence: None,
        budget: None,
        budget_confidence: None,
        value_per_day: None,
        ancestors: vec![],
        risk_costs: vec![],
    });
    let node = milestone_node(IMPLICIT_MILESTONE, "Finish".into(), pending.len());
    pending.push(Pending {
        node,
        links: ends,
        fallback_span: None,
        id_span: 0..0,
        flight: Flight::default(),
    });
}

/// A node before topological sorting, indexed in declaration order.
struct Pending {
    node: Node,
    links: Vec<PendingLink>,
    fallback_span: Option<std::ops::Range<usize>>,
    /// Where the node's id is written (empty for the implicit milestone).
    id_span: std::ops::Range<usize>,
    /// Work in flight, as written (checked against the network after sorting).
    flight: Flight,
}

impl Builder {
    fn err(&mut self, span: std::ops::Range<usize>, msg: impl Into<String>, hint: Option<String>) {
        let mut d = Diagnostic::new(span, msg);
        d.hint = hint;
        self.diags.push(d);
    }

    fn dist(&mut self, d: &Sp<RawDuration>, three: ThreePoint) -> Option<Dist> {
        self.quantity(d, three, Quantity::Duration)
    }

    /// A distribution of a duration, a factor or an amount, written in any duration form.
    fn quantity(&mut self, d: &Sp<RawDuration>, three: ThreePoint, what: Quantity) -> Option<Dist> {
        let limit = match what {
            Quantity::Duration => Some((
                MAX_DAYS,
                "1e9 working days (about 3.8 million years)",
                "duration",
                "check the unit: durations are working days",
            )),
            Quantity::Factor => Some((
                MAX_SCALE,
                "1e6",
                "scale",
                "a scale multiplies durations: 1.5 makes the work half as long again",
            )),
            Quantity::Amount => None,
        };
        if let Some((max, shown, noun, hint)) = limit
            && let Some(x) = d.value.numbers().into_iter().find(|x| x.abs() > max)
        {
            self.err(
                d.span.clone(),
                format!("this {noun} holds {x:e}, above the most shipcast accepts: {shown}"),
                Some(format!("a {noun} is at most {shown}; {hint}")),
            );
            return None;
        }
        let r = match &d.value {
            RawDuration::Fixed(x) => Dist::fixed(*x),
            RawDuration::ThreePoint(l, m, h) => match three {
                ThreePoint::Pert => Dist::pert(*l, *m, *h, &mut self.cache),
                ThreePoint::Triangular => Dist::triangular(*l, *m, *h),
            },
            RawDuration::Uniform { min, max } => Dist::uniform(*min, *max),
            RawDuration::Triangular { low, likely, high } => Dist::triangular(*low, *likely, *high),
            RawDuration::Pert { low, likely, high } => {
                Dist::pert(*low, *likely, *high, &mut self.cache)
            }
            RawDuration::Normal { mean, sd } => Dist::normal(*mean, *sd),
            RawDuration::LogNormalP10P90 { p10, p90 } => Dist::lognormal_p10_p90(*p10, *p90),
            RawDuration::LogNormalMedianP90 { median, p90 } => {
                Dist::lognormal_median_p90(*median, *p90)
            }
            RawDuration::Samples(v) => Dist::samples(v.clone()),
        };
        match r {
            Ok(d) => Some(d),
            Err(e) => {
                let hint = match e {
                    DistError::ThreePointOrder { .. } => {
                        "write the three values in increasing order: [low, likely, high]"
                    }
                    DistError::UniformOrder { .. } => "swap min and max",
                    DistError::PercentileOrder { .. } => {
                        "the higher percentile must be the larger duration"
                    }
                    _ => match what {
                        Quantity::Duration => {
                            "durations are working days: a number, [low, likely, high], or a distribution table"
                        }
                        Quantity::Factor => {
                            "a scale is a factor on durations, 0 or more: a number, [low, likely, high] (e.g. [1.0, 1.2, 1.8]), or a distribution table"
                        }
                        Quantity::Amount => {
                            "a cost is an amount, 0 or more: a number, [low, likely, high], or a distribution table"
                        }
                    },
                };
                let (noun, e) = match what {
                    Quantity::Duration => ("duration", e.to_string()),
                    Quantity::Factor => ("scale", e.to_string().replace("a duration", "a scale")),
                    Quantity::Amount => ("cost", e.to_string().replace("a duration", "a cost")),
                };
                self.err(
                    d.span.clone(),
                    format!("this {noun} is invalid: {e}"),
                    Some(hint.into()),
                );
                None
            }
        }
    }

    fn calendar(&mut self, p: &RawProject) -> Calendar {
        let mut cal = Calendar {
            start: p.start.as_ref().map(|s| s.value),
            ..Calendar::default()
        };
        if let Some(days) = &p.workdays {
            cal.workdays = [false; 7];
            for d in &days.value {
                match calendar::parse_weekday(&d.value) {
                    Some(w) => cal.workdays[w.to_monday_zero_offset() as usize] = true,
                    None => self.err(
                        d.span.clone(),
                        format!("`{}` is not a weekday", d.value),
                        Some("use mon, tue, wed, thu, fri, sat or sun".into()),
                    ),
                }
            }
            if cal.workdays.iter().all(|w| !w) {
                self.err(
                    days.span.clone(),
                    "the week has no working days",
                    Some("e.g. workdays = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"]".into()),
                );
                cal.workdays = Calendar::default().workdays;
            }
        }
        cal.holidays = p.holidays.iter().map(|h| h.value).collect();
        cal.holidays.sort();
        cal.holidays.dedup();
        cal.workdates = p.workdates.iter().map(|h| h.value).collect();
        cal.workdates.sort();
        cal.workdates.dedup();
        if let Some(start) = &p.start
            && cal.first_day().is_none()
        {
            self.err(
                start.span.clone(),
                format!("no working day from the start, {}, to the calendar's end (9999-12-31)", start.value),
                Some("every day after the start is a weekend or a holiday: start earlier, or check `holidays` and `workdays`".into()),
            );
            cal.start = None;
        }
        cal
    }

    fn build(&mut self, raw: &RawScenario) -> Result<Plan, Vec<Diagnostic>> {
        let three = raw.project.three_point;
        let calendar = self.calendar(&raw.project);
        let status = self.status_date(&raw.project, &calendar);
        if raw.tasks.is_empty() {
            self.err(0..0, "this scenario has no tasks", Some("add a [[task]] section with an id and a duration; `shipcast init` prints a complete example".into()));
        }
        let ids = self.ids(raw);
        self.calibrations = super::calibration::classes(raw, &mut self.diags);
        let resources = self.resources(raw, &calendar);
        let mut pending = self.tasks(raw, &ids, three, status, &calendar);
        self.shared(raw, &resources, &calendar, &mut pending);
        let (correlations, warnings) = self.correlations(raw, &ids, &pending);
        let mut milestones = self.milestones(raw, &ids, &calendar, &mut pending);
        self.check_fallbacks(&mut pending);
        let risks = self.risks(raw, &ids.index, raw.tasks.len(), three);
        if milestones.is_empty() && !pending.is_empty() {
            implicit_milestone(&mut pending, &mut milestones);
        }

        // A fallback loop is also a cycle of the ordering edges: report it once, as a loop.
        // With an id used twice, links name the wrong task and a "cycle" may be a knock-on.
        let order = if self.fallback_loop || self.duplicate_ids {
            None
        } else {
            self.topo_order(&pending)
        };
        if !self.diags.is_empty() {
            self.diags.sort_by_key(|d| d.span.start);
            return Err(std::mem::take(&mut self.diags));
        }
        // Invariant: `topo_order` reports a cycle as a diagnostic, and the skips above only
        // happen with another diagnostic reported.
        let order = order.expect("no cycle when there are no diagnostics");
        if let Some(status) = status {
            self.history(&mut pending, &order, status, &calendar);
            if !self.diags.is_empty() {
                self.diags.sort_by_key(|d| d.span.start);
                return Err(std::mem::take(&mut self.diags));
            }
        }
        let mut plan = assemble(raw, calendar, pending, order, risks, milestones);
        plan.status = status;
        // The PERT tables `quantity` named, computed by the first run (`Plan::prepare_tables`).
        plan.tables = self.cache.take_named();
        let index: HashMap<&str, u32> = (plan.nodes.iter().enumerate())
            .map(|(i, n)| (n.id.as_str(), i as u32))
            .collect();
        plan.correlations = correlations
            .into_iter()
            .map(|g| Correlation {
                tasks: g.ids.iter().map(|id| index[id.as_str()]).collect(),
                ..g.correlation
            })
            .collect();
        plan.warnings = warnings;
        plan.calibrations = std::mem::take(&mut self.calibrations);
        if !resources.is_empty() {
            plan.activity = shared::activity_list(&plan);
            plan.resources = resources;
        }
        if let Some(sw) = &raw.sweep {
            plan.sweep = self.sweep(sw, &plan);
            if !self.diags.is_empty() {
                return Err(std::mem::take(&mut self.diags));
            }
        }
        Ok(plan)
    }

    /// The `[[correlation]]` groups, checked against the tasks (see [`correlate`]).
    fn correlations(
        &mut self,
        raw: &RawScenario,
        ids: &Ids,
        tasks: &[Pending],
    ) -> (Vec<correlate::Checked>, Vec<String>) {
        let info = correlate::TaskInfo {
            index: &ids.index,
            n_tasks: raw.tasks.len(),
            experiment: tasks.iter().map(|p| p.node.experiment.is_some()).collect(),
        };
        let (groups, diags, warnings) = correlate::check(raw, &info);
        self.diags.extend(diags);
        (groups, warnings)
    }

    /// Every id, tasks then milestones (one namespace), each reported once if used twice.
    fn ids<'r>(&mut self, raw: &'r RawScenario) -> Ids<'r> {
        let mut index: HashMap<&str, usize> = HashMap::new();
        let ids = raw
            .tasks
            .iter()
            .map(|t| &t.id)
            .chain(raw.milestones.iter().map(|m| &m.id));
        for (i, id) in ids.enumerate() {
            if index.insert(id.value.as_str(), i).is_some() {
                self.duplicate_ids = true;
                self.err(
                    id.span.clone(),
                    format!("the id `{}` is used twice", id.value),
                    Some("tasks and milestones need unique ids".into()),
                );
            }
        }
        let all = raw
            .tasks
            .iter()
            .map(|t| t.id.value.as_str())
            .chain(raw.milestones.iter().map(|m| m.id.value.as_str()))
            .collect();
        Ids { index, all }
    }

    /// The node an id names, or a diagnostic with a "did you mean".
    fn resolve(&mut self, ids: &Ids, id: &Sp<String>, what: &str) -> Option<usize> {
        match ids.index.get(id.value.as_str()) {
            // A duplicate id resolves to its last declaration; the duplicate is reported already.
            Some(&i) => Some(i),
            None => {
                let hint = did_you_mean(&id.value, ids.all.iter().copied()).unwrap_or_else(|| {
                    format!("{what} must name a task or milestone declared in this file")
                });
                self.err(
                    id.span.clone(),
                    format!("unknown task or milestone `{}`", id.value),
                    Some(hint),
                );
                None
            }
        }
    }

    fn links(&mut self, ids: &Ids, after: &[RawLink]) -> Vec<PendingLink> {
        after
            .iter()
            .filter_map(|l| {
                if l.lag.abs() > MAX_DAYS {
                    self.err(
                        l.target.span.clone(),
                        format!("the lag after `{}` is {:e} working days, above the most shipcast accepts: 1e9 working days", l.target.value, l.lag),
                        Some("a lag is at most 1e9 working days either way; check the unit: lags are working days".into()),
                    );
                    return None;
                }
                Some((
                    self.resolve(ids, &l.target, "`after`")?,
                    l.kind,
                    l.lag,
                    l.target.span.clone(),
                ))
            })
            .collect()
    }

    /// The tasks, in declaration order.
    fn tasks(
        &mut self,
        raw: &RawScenario,
        ids: &Ids,
        three: ThreePoint,
        status: Option<StatusDate>,
        calendar: &Calendar,
    ) -> Vec<Pending> {
        let n_tasks = raw.tasks.len();
        let mut pending: Vec<Pending> = Vec::new();
        for t in &raw.tasks {
            let calibrated = super::calibration::task(raw, t, &self.calibrations, &mut self.diags);
            let duration = match (&t.duration, &calibrated) {
                (_, Some((d, _))) => Some(d.clone()),
                // An estimate that could not be calibrated is reported already.
                (None, None) if t.estimate.is_some() => None,
                // A backlog's duration comes from its items and throughput (`shared`).
                (None, None) if t.backlog.is_some() => None,
                (Some(d), None) => self.dist(d, three),
                (None, None) => {
                    self.err(
                        t.id.span.clone(),
                        format!("task `{}` has no duration", t.id.value),
                        Some(
                            "add duration = 5, [low, likely, high], or a distribution table".into(),
                        ),
                    );
                    None
                }
            };
            let links = self.links(ids, &t.after);
            let experiment = self.experiment(t, three);
            let flight = self.flight(t, status, calendar, three);
            let made = self.attempt(t, &flight, experiment.as_ref().map(|e| e.0.len()));
            let fallback = t
                .fallback
                .as_ref()
                .and_then(|f| self.resolve(ids, f, "`fallback`"));
            if let (Some(f), Some(sp)) = (fallback, &t.fallback)
                && f >= n_tasks
            {
                self.err(
                    sp.span.clone(),
                    format!("the fallback `{}` is a milestone", sp.value),
                    Some("a fallback must be a task that does the work another way".into()),
                );
            }
            pending.push(Pending {
                node: Node {
                    id: t.id.value.clone(),
                    name: t.name.clone().unwrap_or_else(|| t.id.value.clone()),
                    is_milestone: false,
                    duration: duration.unwrap_or(Dist::Fixed(0.0)),
                    experiment: experiment.map(|(success, retry)| Experiment {
                        success,
                        retry,
                        fallback: fallback.filter(|f| *f < n_tasks).map(|f| f as u32),
                        made,
                    }),
                    fallback_of: None,
                    key: stream_key(&t.id.value),
                    decl: pending.len() as u32,
                    cost: t.cost.as_ref().map_or(0.0, |c| c.value),
                    cost_per_day: t.cost_per_day.as_ref().map_or(0.0, |c| c.value),
                    scale: 1.0,
                    status: Status::Planned,
                    calibrated: calibrated.map(|c| c.1),
                    uses: vec![],
                    priority: 0.0,
                    backlog: None,
                },
                links,
                fallback_span: t.fallback.as_ref().map(|f| f.span.clone()),
                id_span: t.id.span.clone(),
                flight,
            });
        }
        pending
    }

    /// The declared milestones, appended to the nodes after the tasks.
    fn milestones(
        &mut self,
        raw: &RawScenario,
        ids: &Ids,
        calendar: &Calendar,
        pending: &mut Vec<Pending>,
    ) -> Vec<Milestone> {
        let mut milestones = Vec::new();
        for m in &raw.milestones {
            let links = self.links(ids, &m.after);
            if m.after.is_empty() {
                self.err(
                    m.id.span.clone(),
                    format!("milestone `{}` waits for nothing", m.id.value),
                    Some(
                        "add after = [\"task-id\", ...]: the tasks that must finish to reach it"
                            .into(),
                    ),
                );
            }
            let deadline = m
                .deadline
                .as_ref()
                .and_then(|d| self.deadline(d, calendar, raw.project.start.as_ref()));
            if let Some(c) = &m.confidence {
                if !(c.value > 0.0 && c.value <= 1.0) {
                    self.err(
                        c.span.clone(),
                        format!("confidence must be in (0, 1], got {}", c.value),
                        Some("e.g. confidence = 0.8: the gate holds when P(on time) >= 80%".into()),
                    );
                }
                if m.deadline.is_none() {
                    self.err(
                        c.span.clone(),
                        "confidence without a deadline",
                        Some(
                            "a gate needs both: add deadline = 2027-04-30 (or working days)".into(),
                        ),
                    );
                }
            }
            self.budget(raw, m);
            let name = m.name.clone().unwrap_or_else(|| m.id.value.clone());
            milestones.push(Milestone {
                node: pending.len() as u32,
                id: m.id.value.clone(),
                name: name.clone(),
                deadline,
                confidence: m.confidence.as_ref().map(|c| c.value),
                budget: m.budget.as_ref().map(|b| b.value),
                budget_confidence: m.budget_confidence.as_ref().map(|c| c.value),
                value_per_day: m.value_per_day.as_ref().map(|v| v.value),
                ancestors: vec![],
                risk_costs: vec![],
            });
            let node = milestone_node(&m.id.value, name, pending.len());
            pending.push(Pending {
                node,
                links,
                fallback_span: None,
                id_span: m.id.span.clone(),
                flight: Flight::default(),
            });
        }
        milestones
    }

    /// Checks a milestone's `budget` and `budget_confidence`: a budget needs a cost somewhere in
    /// the plan and cannot be negative; its gate needs a budget and a confidence in (0, 1].
    fn budget(&mut self, raw: &RawScenario, m: &RawMilestone) {
        if let Some(b) = &m.budget {
            if b.value < 0.0 {
                self.err(
                    b.span.clone(),
                    format!("a budget cannot be negative, got {}", b.value),
                    Some("budget = 250000: the most reaching this milestone may cost, in the unit of your costs".into()),
                );
            }
            let any_cost = [&raw.project.cost_per_day]
                .into_iter()
                .chain(raw.tasks.iter().flat_map(|t| [&t.cost, &t.cost_per_day]))
                .any(|c| c.as_ref().is_some_and(|c| c.value > 0.0));
            if !any_cost {
                self.err(
                    b.span.clone(),
                    "a budget, but the plan declares no cost",
                    Some("declare what the work costs: cost_per_day in [project] (the burn rate), or cost / cost_per_day on tasks".into()),
                );
            }
        }
        if let Some(v) = &m.value_per_day
            && !(v.value >= 0.0 && v.value.is_finite())
        {
            self.err(
                v.span.clone(),
                format!("value_per_day cannot be negative, got {}", v.value),
                Some("value_per_day = 5000: what each working day earlier is worth (the cost of delay), in the unit of your costs".into()),
            );
        }
        if let Some(c) = &m.budget_confidence {
            if !(c.value > 0.0 && c.value <= 1.0) {
                self.err(
                    c.span.clone(),
                    format!("budget_confidence must be in (0, 1], got {}", c.value),
                    Some("e.g. budget_confidence = 0.8: the gate holds when P(cost <= budget) >= 80%".into()),
                );
            }
            if m.budget.is_none() {
                self.err(
                    c.span.clone(),
                    "budget_confidence without a budget",
                    Some(
                        "a cost gate needs both: add budget = 250000 (in the unit of your costs)"
                            .into(),
                    ),
                );
            }
        }
    }

    /// Checks a `[sweep]` section: each parameter parses and applies to this plan.
    fn sweep(&mut self, sw: &RawSweep, plan: &Plan) -> Option<SweepSpec> {
        let mut out = Vec::new();
        for s in &sw.set {
            let applied = params::parse_set(&s.value)
                .map_err(|e| e.to_string())
                .and_then(|p| {
                    let mut probe = plan.clone();
                    p.values
                        .iter()
                        .try_for_each(|&v| params::apply(&mut probe, &p.path, v))
                        .map_err(|e| e.to_string())?;
                    Ok(p)
                });
            match applied {
                Ok(p) => out.push(p),
                Err(e) => self.err(
                    s.span.clone(),
                    format!("cannot sweep this: {e}"),
                    Some("e.g. set = [\"task.train.success=0.3..0.9:0.1\"]".into()),
                ),
            }
        }
        let milestone = match &sw.milestone {
            None => plan.milestones.len() - 1,
            Some(m) => match plan.milestones.iter().position(|x| x.id == m.value) {
                Some(i) => i,
                None => {
                    let hint =
                        did_you_mean(&m.value, plan.milestones.iter().map(|x| x.id.as_str()))
                            .unwrap_or_else(|| "name a milestone of this plan".into());
                    self.err(
                        m.span.clone(),
                        format!("unknown milestone `{}`", m.value),
                        Some(hint),
                    );
                    return None;
                }
            },
        };
        (out.len() == sw.set.len()).then_some(SweepSpec {
            params: out,
            milestone,
        })
    }

    fn experiment(&mut self, t: &RawTask, three: ThreePoint) -> Option<(Vec<f64>, Option<Dist>)> {
        let Some(success) = &t.success else {
            for (present, key) in [
                (t.attempts.as_ref().map(|a| a.span.clone()), "attempts"),
                (
                    t.retry_duration.as_ref().map(|a| a.span.clone()),
                    "retry_duration",
                ),
                (t.fallback.as_ref().map(|a| a.span.clone()), "fallback"),
                (t.attempt.as_ref().map(|a| a.span.clone()), "attempt"),
            ] {
                if let Some(sp) = present {
                    self.err(sp, format!("`{key}` only applies to an experiment"), Some("add success = <probability per attempt> to make this task an experiment".into()));
                }
            }
            return None;
        };
        for p in &success.value {
            if !(0.0..=1.0).contains(p) {
                self.err(
                    success.span.clone(),
                    format!("a probability must be between 0 and 1, got {p}"),
                    Some("write 0.6 for a 60% chance".into()),
                );
                return None;
            }
        }
        let attempts = match &t.attempts {
            Some(a) if a.value < 1 => {
                self.err(
                    a.span.clone(),
                    format!("attempts must be at least 1, got {}", a.value),
                    Some("attempts is the most tries, including the first".into()),
                );
                return None;
            }
            Some(a) if a.value > 1000 => {
                self.err(
                    a.span.clone(),
                    format!("attempts must be at most 1000, got {}", a.value),
                    None,
                );
                return None;
            }
            Some(a) => Some(a.value as usize),
            None => None,
        };
        let probs = match (attempts, success.value.len()) {
            (None, _) => success.value.clone(),
            (Some(n), 1) => vec![success.value[0]; n],
            (Some(n), k) if n == k => success.value.clone(),
            (Some(n), k) => {
                self.err(
                    success.span.clone(),
                    format!("success lists {k} probabilities but attempts is {n}"),
                    Some("give one probability per attempt, or a single one for all".into()),
                );
                return None;
            }
        };
        let retry = t.retry_duration.as_ref().and_then(|d| self.dist(d, three));
        Some((probs, retry))
    }

    fn deadline(
        &mut self,
        d: &Sp<RawDeadline>,
        cal: &Calendar,
        start: Option<&Sp<Date>>,
    ) -> Option<Deadline> {
        match d.value {
            RawDeadline::Days(days) => {
                // Fractions are allowed: `deadline = 19.5` is half way through working day 20.
                if days > MAX_DAYS {
                    self.err(
                        d.span.clone(),
                        format!("a deadline of {days:e} working days is above the most shipcast accepts: 1e9 working days"),
                        Some("deadline = N means by the end of working day N: check the unit, or give a date (deadline = 2028-06-30)".into()),
                    );
                    return None;
                }
                if !(days >= 0.0 && days.is_finite()) {
                    self.err(
                        d.span.clone(),
                        format!("a deadline in working days cannot be negative, got {days}"),
                        Some("deadline = N means by the end of working day N; N may be fractional, e.g. 19.5".into()),
                    );
                    return None;
                }
                Some(Deadline {
                    days,
                    date: cal.finish_date(days),
                })
            }
            RawDeadline::Date(date) => {
                let Some(start) = start else {
                    self.err(d.span.clone(), "a deadline date needs a start date", Some("add start = 2027-01-04 to [project], or give the deadline in working days (deadline = 60)".into()));
                    return None;
                };
                if date < start.value {
                    self.err(
                        d.span.clone(),
                        format!("the deadline {date} is before the start {}", start.value),
                        Some("a deadline is a date on or after [project] start".into()),
                    );
                    return None;
                }
                if let Some(first) = cal.first_day()
                    && date < first
                {
                    self.err(
                        d.span.clone(),
                        format!("the deadline {date} falls before the first working day, {first}: nothing can finish by then"),
                        Some("every day from the start to the deadline is a weekend or a holiday: check `holidays` and `workdays` in [project], or the deadline".into()),
                    );
                    return None;
                }
                Some(Deadline {
                    days: cal.deadline_time(date)?,
                    date: Some(date),
                })
            }
        }
    }

    /// Fallbacks: no loops, one experiment each, and nothing may depend on a fallback directly
    /// (depend on its experiment: it resolves to the fallback when it fails).
    fn check_fallbacks(&mut self, pending: &mut [Pending]) {
        let fb: Vec<Option<usize>> = pending
            .iter()
            .map(|p| {
                p.node
                    .experiment
                    .as_ref()
                    .and_then(|e| e.fallback.map(|f| f as usize))
            })
            .collect();
        let mut in_reported_loop = vec![false; pending.len()];
        for start in 0..pending.len() {
            let Some(f) = fb[start] else { continue };
            let fb_span = pending[start].fallback_span.clone().unwrap_or(0..0);
            if f == start {
                self.fallback_loop = true;
                let msg = format!(
                    "fallback loop: `{}` is its own fallback",
                    pending[start].node.id
                );
                self.err(
                    fb_span,
                    msg,
                    Some("name another task that does the work another way".into()),
                );
                continue;
            }
            if let Some(prev) = pending[f].node.fallback_of {
                let msg = format!(
                    "`{}` is the fallback of both `{}` and `{}`",
                    pending[f].node.id, pending[prev as usize].node.id, pending[start].node.id
                );
                self.err(
                    fb_span,
                    msg,
                    Some("give each experiment its own fallback task".into()),
                );
                continue;
            }
            pending[f].node.fallback_of = Some(start as u32);
            if in_reported_loop[start] {
                continue;
            }
            // Walk the chain; a loop comes back to `start`.
            let mut path = vec![start, f];
            let mut cur = f;
            while let Some(next) = fb[cur] {
                if path.len() > pending.len() {
                    break; // a loop that does not pass through `start`: reported from its own members
                }
                path.push(next);
                if next == start {
                    let names: Vec<_> = path.iter().map(|&i| pending[i].node.id.as_str()).collect();
                    let msg = format!("fallback loop: {}", names.join(" -> "));
                    self.err(
                        fb_span.clone(),
                        msg,
                        Some("a chain of fallbacks must end in a task without one".into()),
                    );
                    for &i in &path {
                        in_reported_loop[i] = true;
                    }
                    self.fallback_loop = true;
                    break;
                }
                cur = next;
            }
        }
        for (i, p) in pending.iter().enumerate() {
            if p.node.fallback_of.is_none() || self.fallback_loop {
                continue;
            }
            for l in &p.links {
                // The chain of experiments and fallbacks that l's target resolves through.
                let mut cur = Some(l.0);
                while let Some(c) = cur {
                    if c == i {
                        let exp = &pending[p.node.fallback_of.unwrap_or(0) as usize].node.id;
                        self.err(
                            l.3.clone(),
                            format!("`{}` is the fallback of `{exp}`: it cannot wait for `{}`, which resolves to it", p.node.id, pending[l.0].node.id),
                            Some(format!("remove `{}` from its `after`: a fallback starts by itself once `{exp}` has failed", pending[l.0].node.id)),
                        );
                        break;
                    }
                    cur = fb[c];
                }
            }
        }
        for p in pending.iter() {
            for l in &p.links {
                if pending[l.0].node.fallback_of.is_some() {
                    let exp = &pending[pending[l.0].node.fallback_of.unwrap_or(0) as usize]
                        .node
                        .id;
                    self.err(
                        l.3.clone(),
                        format!(
                            "`{}` is a fallback and runs only when `{exp}` fails",
                            pending[l.0].node.id
                        ),
                        Some(format!(
                            "depend on `{exp}` instead: it resolves to its fallback when it fails"
                        )),
                    );
                }
            }
        }
    }

    fn risks(
        &mut self,
        raw: &RawScenario,
        index: &HashMap<&str, usize>,
        n_tasks: usize,
        three: ThreePoint,
    ) -> Vec<(Risk, Vec<usize>)> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for r in &raw.risks {
            if !seen.insert(r.id.value.as_str()) {
                self.err(
                    r.id.span.clone(),
                    format!("the risk id `{}` is used twice", r.id.value),
                    Some("each [[risk]] needs its own id".into()),
                );
            }
            let probability = match &r.probability {
                Some(p) if (0.0..=1.0).contains(&p.value) => p.value,
                Some(p) => {
                    self.err(
                        p.span.clone(),
                        format!("a probability must be between 0 and 1, got {}", p.value),
                        Some("write 0.2 for a 20% chance".into()),
                    );
                    0.0
                }
                None => {
                    self.err(r.id.span.clone(), format!("risk `{}` has no probability", r.id.value), Some("add probability = 0.2 (the chance it happens in one run of the program)".into()));
                    0.0
                }
            };
            let delay = r.delay.as_ref().and_then(|d| self.dist(d, three));
            let scale = r
                .scale
                .as_ref()
                .and_then(|d| self.quantity(d, three, Quantity::Factor));
            let cost = r
                .cost
                .as_ref()
                .and_then(|d| self.quantity(d, three, Quantity::Amount));
            let restart = r.restart.as_ref().is_some_and(|b| b.value);
            let once = r.once.as_ref().is_some_and(|b| b.value);
            if r.delay.is_none() && r.scale.is_none() && !restart && r.cost.is_none() {
                self.err(
                    r.id.span.clone(),
                    format!("risk `{}` has no impact", r.id.value),
                    Some("add delay = [low, likely, high] working days, scale = [1.1, 1.2, 1.5] (a factor on durations), restart = true or cost = 5000".into()),
                );
            }
            if r.affects.is_empty() {
                self.err(
                    r.id.span.clone(),
                    format!("risk `{}` affects nothing", r.id.value),
                    Some("add affects = [\"task-id\"]".into()),
                );
            }
            let mut affects = Vec::new();
            for a in &r.affects {
                match index.get(a.value.as_str()) {
                    Some(&i) if i >= n_tasks && (r.scale.is_some() || restart) => self.err(
                        a.span.clone(),
                        format!(
                            "`{}` is a milestone: it has no work to {}",
                            a.value,
                            if restart { "restart" } else { "scale" }
                        ),
                        Some("a milestone can only be delayed (delay) or cost something (cost); affect its tasks instead".into()),
                    ),
                    Some(&i) => affects.push(i),
                    None => {
                        let hint = did_you_mean(
                            &a.value,
                            raw.tasks
                                .iter()
                                .map(|t| t.id.value.as_str())
                                .chain(raw.milestones.iter().map(|m| m.id.value.as_str())),
                        )
                        .unwrap_or_else(|| {
                            "`affects` must name tasks or milestones declared in this file".into()
                        });
                        self.err(
                            a.span.clone(),
                            format!("unknown task or milestone `{}`", a.value),
                            Some(hint),
                        );
                    }
                }
            }
            out.push((
                Risk {
                    id: r.id.value.clone(),
                    name: r.name.clone().unwrap_or_else(|| r.id.value.clone()),
                    probability,
                    delay,
                    scale,
                    restart,
                    once,
                    cost,
                    key: stream_key(&format!("risk:{}", r.id.value)),
                    affects: vec![],
                },
                affects,
            ));
        }
        out
    }

    /// Kahn's algorithm, taking ready nodes in declaration order so the order is stable. Ordering
    /// edges: each predecessor, and every fallback in its chain, comes before the node; an
    /// experiment comes before its fallback. On a cycle, reports the cycle's path.
    fn topo_order(&mut self, pending: &[Pending]) -> Option<Vec<usize>> {
        let n = pending.len();
        let mut succ: Vec<Vec<usize>> = vec![vec![]; n];
        let fb = |i: usize| {
            pending[i]
                .node
                .experiment
                .as_ref()
                .and_then(|e| e.fallback.map(|f| f as usize))
        };
        for (i, p) in pending.iter().enumerate() {
            for l in &p.links {
                let mut cur = Some(l.0);
                let mut steps = 0;
                while let Some(c) = cur {
                    // A fallback waiting on its own experiment's chain is reported by
                    // check_fallbacks; a direct self-link stays, to be reported as a cycle.
                    if c != i || c == l.0 {
                        succ[c].push(i);
                    }
                    cur = fb(c);
                    steps += 1;
                    if steps > n {
                        break; // a fallback loop, reported already
                    }
                }
            }
            if let Some(f) = fb(i)
                && f != i
            {
                succ[i].push(f);
            }
        }
        let mut indeg = vec![0usize; n];
        for s in &succ {
            for &j in s {
                indeg[j] += 1;
            }
        }
        let mut ready: std::collections::BTreeSet<usize> =
            (0..n).filter(|&i| indeg[i] == 0).collect();
        let mut order = Vec::with_capacity(n);
        while let Some(i) = ready.pop_first() {
            order.push(i);
            for &j in &succ[i] {
                indeg[j] -= 1;
                if indeg[j] == 0 {
                    ready.insert(j);
                }
            }
        }
        if order.len() == n {
            return Some(order);
        }
        // A cycle remains among the nodes with indegree > 0: walk predecessors until one repeats.
        let left: Vec<bool> = (0..n).map(|i| indeg[i] > 0).collect();
        let mut pred_in_cycle: Vec<Option<usize>> = vec![None; n];
        for (i, s) in succ.iter().enumerate() {
            for &j in s {
                if left[i] && left[j] && pred_in_cycle[j].is_none() {
                    pred_in_cycle[j] = Some(i);
                }
            }
        }
        let mut cur = (0..n).find(|&i| left[i])?;
        let mut seen = vec![false; n];
        while !seen[cur] {
            seen[cur] = true;
            cur = pred_in_cycle[cur]?;
        }
        let mut cycle = vec![cur];
        let mut c = pred_in_cycle[cur]?;
        while c != cur {
            cycle.push(c);
            c = pred_in_cycle[c]?;
        }
        cycle.push(cur);
        cycle.reverse();
        let names: Vec<_> = cycle.iter().map(|&i| pending[i].node.id.as_str()).collect();
        // Point at the link that closes the loop, where there is one.
        let sp = pending[cycle[1]]
            .links
            .iter()
            .find(|l| l.0 == cycle[0])
            .map(|l| l.3.clone())
            .unwrap_or_else(|| pending[cycle[1]].id_span.clone());
        self.err(sp, format!("dependency cycle: {}", names.join(" -> ")), Some("a task cannot wait, directly or through others, for itself: remove one of these links".into()));
        None
    }
}

fn assemble(
    raw: &RawScenario,
    calendar: Calendar,
    pending: Vec<Pending>,
    order: Vec<usize>,
    risks: Vec<(Risk, Vec<usize>)>,
    mut milestones: Vec<Milestone>,
) -> Plan {
    let mut new_index = vec![0u32; pending.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new as u32;
    }
    let mut risk_lists: Vec<Vec<u32>> = vec![vec![]; pending.len()];
    let mut risks: Vec<Risk> = risks
        .into_iter()
        .enumerate()
        .map(|(r, (mut risk, affects))| {
            for &t in &affects {
                risk_lists[new_index[t] as usize].push(r as u32);
            }
            risk.affects = affects.iter().map(|&t| new_index[t]).collect();
            risk.affects.sort_unstable();
            risk.affects.dedup();
            risk
        })
        .collect();
    risks.shrink_to_fit();
    let mut slots: Vec<Option<Pending>> = pending.into_iter().map(Some).collect();
    let mut nodes = Vec::with_capacity(order.len());
    let (mut pred_start, mut preds) = (vec![0u32], Vec::new());
    let (mut risk_start, mut risk_of) = (vec![0u32], Vec::new());
    for &old in &order {
        // Invariant: `order` is a permutation (topological order), so each slot is taken once.
        let mut p = slots[old].take().expect("each node once");
        for l in &p.links {
            preds.push(Link {
                node: new_index[l.0],
                kind: l.1,
                lag: l.2,
            });
        }
        pred_start.push(preds.len() as u32);
        risk_of.extend(&risk_lists[new_index[old] as usize]);
        risk_start.push(risk_of.len() as u32);
        if let Some(e) = &mut p.node.experiment {
            e.fallback = e.fallback.map(|f| new_index[f as usize]);
        }
        p.node.fallback_of = p.node.fallback_of.map(|e| new_index[e as usize]);
        nodes.push(p.node);
    }
    for m in &mut milestones {
        m.node = new_index[m.node as usize];
    }
    // Ancestors of each milestone: walk predecessors, and from each experiment into its fallback
    // chain (a fallback's work counts when it runs).
    for m in &mut milestones {
        let mut seen = vec![false; nodes.len()];
        let mut stack = vec![m.node as usize];
        while let Some(x) = stack.pop() {
            let preds = &preds[pred_start[x] as usize..pred_start[x + 1] as usize];
            let fallback = nodes[x].experiment.as_ref().and_then(|e| e.fallback);
            for p in preds.iter().map(|l| l.node).chain(fallback) {
                if !seen[p as usize] {
                    seen[p as usize] = true;
                    stack.push(p as usize);
                }
            }
        }
        m.ancestors = (0..nodes.len() as u32)
            .filter(|&i| seen[i as usize])
            .collect();
        seen[m.node as usize] = true;
        m.risk_costs = (0..risks.len() as u32)
            .filter(|&r| {
                let risk = &risks[r as usize];
                risk.cost.is_some() && risk.affects.iter().any(|&a| seen[a as usize])
            })
            .collect();
    }
    Plan {
        name: raw
            .project
            .name
            .as_ref()
            .map_or_else(|| "Untitled plan".to_string(), |n| n.value.clone()),
        variant: None,
        scores: raw.project.scores.clone(),
        cost_per_day: raw.project.cost_per_day.as_ref().map_or(0.0, |c| c.value),
        calendar,
        seed: raw.project.seed.as_ref().map(|s| s.value),
        iterations: raw.project.iterations.as_ref().map(|s| s.value),
        nodes,
        pred_start,
        preds,
        risks,
        risk_start,
        risk_of,
        milestones,
        sweep: None,
        status: None,
        correlations: vec![],
        warnings: vec![],
        calibrations: Vec::new(),
        resources: vec![],
        activity: vec![],
        tables: vec![],
    }
}
