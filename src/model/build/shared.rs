//! Shared teams and backlogs (issue 12): `[[resource]]` sections checked and turned into
//! capacity steps, each task's `uses`, `priority` and `backlog`, and the activity list the
//! resource-constrained scheduler follows in every iteration.

use std::cmp::Ordering;
use std::collections::{BTreeSet, BinaryHeap, HashMap};

use super::{Builder, Pending};
use crate::dist::Dist;
use crate::model::calendar::Calendar;
use crate::model::{Backlog, LinkKind, Plan, Resource};
use crate::scenario::diag::did_you_mean;
use crate::scenario::raw::{RawScenario, RawThroughput};

/// Periods a backlog's throughput may count.
const PERIODS: &[&str] = &["day", "week"];

/// How many of the program's working days a resource's own calendar is laid out for (about 77
/// years of five-day weeks): work that uses it past them runs as if every day were a working day.
pub const RESOURCE_CALENDAR_DAYS: usize = 20_000;

impl Builder {
    /// The `[[resource]]` sections: unique ids, a capacity, and changes on dates in order.
    pub(super) fn resources(&mut self, raw: &RawScenario, cal: &Calendar) -> Vec<Resource> {
        let mut out: Vec<Resource> = Vec::new();
        for r in &raw.resources {
            if out.iter().any(|o| o.id == r.id.value) {
                self.err(
                    r.id.span.clone(),
                    format!("the resource id `{}` is used twice", r.id.value),
                    Some("each [[resource]] needs its own id".into()),
                );
            }
            let Some(cap) = &r.capacity else {
                self.err(
                    r.header.clone(),
                    format!("resource `{}` has no `capacity`", r.id.value),
                    Some("add capacity = N: how many people, GPUs or slots it has".into()),
                );
                continue;
            };
            let check = |b: &mut Builder, x: f64, sp: std::ops::Range<usize>| {
                let ok = x.is_finite() && x >= 0.0;
                if !ok {
                    b.err(
                        sp,
                        format!("a capacity must be a number of at least 0, got {x}"),
                        Some("e.g. capacity = 4 (four people)".into()),
                    );
                }
                ok
            };
            if !check(self, cap.value, cap.span.clone()) {
                continue;
            }
            let mut steps = vec![(0.0, cap.value)];
            let mut last = None;
            for c in &r.changes {
                let (Some(date), Some(x)) = (&c.date, &c.capacity) else {
                    continue;
                };
                if !check(self, x.value, x.span.clone()) {
                    continue;
                }
                let Some(t) = cal.start_time(date.value) else {
                    self.err(
                        date.span.clone(),
                        "a capacity change on a date needs a start date",
                        Some(
                            "add start = 2027-01-04 to [project]: times are working days from it"
                                .into(),
                        ),
                    );
                    continue;
                };
                if last.is_some_and(|l| date.value <= l) {
                    self.err(
                        date.span.clone(),
                        format!("capacity changes must be in date order: {} is not after the one before", date.value),
                        Some("list the changes from the earliest date to the latest".into()),
                    );
                    continue;
                }
                last = Some(date.value);
                if t <= 0.0 {
                    steps[0].1 = x.value;
                } else {
                    steps.push((t, x.value));
                }
            }
            let off = self.resource_calendar(r, cal);
            out.push(Resource {
                id: r.id.value.clone(),
                name: r.name.clone().unwrap_or_else(|| r.id.value.clone()),
                capacity: steps,
                off,
            });
        }
        out
    }

    /// A resource's own calendar, as the project working days it does not work: its `workdays`
    /// (when they differ from the project's) and its `holidays`, over the first
    /// [`RESOURCE_CALENDAR_DAYS`] working days of the program.
    fn resource_calendar(
        &mut self,
        r: &crate::scenario::raw::RawResource,
        cal: &Calendar,
    ) -> Vec<u32> {
        if r.workdays.is_none() && r.holidays.is_empty() {
            return vec![];
        }
        let mut works = [true; 7];
        if let Some(days) = &r.workdays {
            works = [false; 7];
            for d in &days.value {
                match super::calendar::parse_weekday(&d.value) {
                    Some(w) => works[w.to_monday_zero_offset() as usize] = true,
                    None => self.err(
                        d.span.clone(),
                        format!("`{}` is not a weekday", d.value),
                        Some("use mon, tue, wed, thu, fri, sat or sun".into()),
                    ),
                }
            }
            if works.iter().all(|w| !w) {
                self.err(
                    days.span.clone(),
                    format!("resource `{}` never works", r.id.value),
                    Some("give it at least one working weekday".into()),
                );
            }
        }
        if cal.start.is_none() {
            let span = r
                .workdays
                .as_ref()
                .map(|w| w.span.clone())
                .or_else(|| r.holidays.first().map(|h| h.span.clone()))
                .unwrap_or_else(|| r.id.span.clone());
            self.err(
                span,
                format!(
                    "resource `{}` has its own calendar, which needs dates",
                    r.id.value
                ),
                Some("add start = YYYY-MM-DD to [project]".into()),
            );
            return vec![];
        }
        let holidays: std::collections::HashSet<jiff::civil::Date> =
            r.holidays.iter().map(|h| h.value).collect();
        cal.working_days(RESOURCE_CALENDAR_DAYS)
            .into_iter()
            .enumerate()
            .filter(|(_, d)| {
                !works[d.weekday().to_monday_zero_offset() as usize] || holidays.contains(d)
            })
            .map(|(k, _)| k as u32)
            .collect()
    }

    /// Each task's `uses`, `priority` and `backlog`, checked and set on its node.
    pub(super) fn shared(
        &mut self,
        raw: &RawScenario,
        resources: &[Resource],
        cal: &Calendar,
        pending: &mut [Pending],
    ) {
        let index: HashMap<&str, usize> = resources
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.as_str(), i))
            .collect();
        for (t, p) in raw.tasks.iter().zip(pending.iter_mut()) {
            if let Some(uses) = &t.uses {
                for (id, amount) in &uses.value {
                    let Some(&r) = index.get(id.value.as_str()) else {
                        // Declared but refused above (no capacity, a bad one): already
                        // reported there, and not unknown.
                        if raw.resources.iter().any(|x| x.id.value == id.value) {
                            continue;
                        }
                        let hint = did_you_mean(&id.value, resources.iter().map(|r| r.id.as_str()))
                            .unwrap_or_else(|| {
                                "`uses` names resources declared with [[resource]] (id and capacity)"
                                    .into()
                            });
                        self.err(
                            id.span.clone(),
                            format!("unknown resource `{}`", id.value),
                            Some(hint),
                        );
                        continue;
                    };
                    let most = resources[r].most();
                    if !(amount.value > 0.0 && amount.value.is_finite()) {
                        self.err(
                            amount.span.clone(),
                            format!(
                                "a task must use more than 0 of a resource, got {}",
                                amount.value
                            ),
                            Some(format!(
                                "e.g. uses = {{ {} = 1 }}, or leave it out",
                                id.value
                            )),
                        );
                    } else if amount.value > most {
                        self.err(
                            amount.span.clone(),
                            format!(
                                "task `{}` needs {} of `{}`, which never has more than {most}",
                                t.id.value, amount.value, id.value
                            ),
                            Some(
                                "it could never start: raise the resource's capacity or use less"
                                    .into(),
                            ),
                        );
                    } else {
                        p.node.uses.push((r as u32, amount.value));
                    }
                }
            }
            if let Some(pr) = &t.priority {
                p.node.priority = pr.value;
            }
            let Some(b) = &t.backlog else {
                continue;
            };
            for (present, key) in [
                (t.duration.as_ref().map(|d| d.span.clone()), "duration"),
                (t.success.as_ref().map(|d| d.span.clone()), "success"),
                (t.remaining.as_ref().map(|d| d.span.clone()), "remaining"),
                (t.progress.as_ref().map(|d| d.span.clone()), "progress"),
            ] {
                if let Some(sp) = present {
                    self.err(
                        sp,
                        format!("a backlog cannot have `{key}`"),
                        Some("a backlog's duration is the time to finish its items: keep `backlog` or this key, not both (for work under way, give the items left)".into()),
                    );
                }
            }
            let items = match &b.value.items {
                None => {
                    self.err(
                        b.span.clone(),
                        "a backlog needs `items`",
                        Some("e.g. items = 40, or items = [30, 45] for a range".into()),
                    );
                    None
                }
                Some(i)
                    if !(i.value.0 >= 0.0 && i.value.0 <= i.value.1 && i.value.1.is_finite()) =>
                {
                    self.err(
                        i.span.clone(),
                        format!(
                            "`items` must be at least 0 with low <= high, got [{}, {}]",
                            i.value.0, i.value.1
                        ),
                        Some("e.g. items = [30, 45]".into()),
                    );
                    None
                }
                Some(i) => Some((i.value.0.round(), i.value.1.round())),
            };
            let split = match &b.value.split {
                None => Some((1.0, 1.0)),
                Some(s)
                    if !(s.value.0 > 0.0 && s.value.0 <= s.value.1 && s.value.1.is_finite()) =>
                {
                    self.err(
                        s.span.clone(),
                        format!("`split` must be above 0 with low <= high, got [{}, {}]", s.value.0, s.value.1),
                        Some("split = 1.3 means the items grow by 30% as they are split; [1.0, 1.3] draws the growth".into()),
                    );
                    None
                }
                Some(s) => Some(s.value),
            };
            let period = match &b.value.per {
                None => Some(5.0),
                Some(per) => match per.value.as_str() {
                    "day" => Some(1.0),
                    "week" => Some(cal.workdays.iter().filter(|w| **w).count() as f64),
                    other => {
                        let hint =
                            did_you_mean(other, PERIODS.iter().copied()).unwrap_or_else(|| {
                                "use per = \"week\" (the default) or \"day\"".into()
                            });
                        self.err(
                            per.span.clone(),
                            format!("unknown period `{other}`"),
                            Some(hint),
                        );
                        None
                    }
                },
            };
            let throughput = match &b.value.throughput {
                None => {
                    self.err(
                        b.span.clone(),
                        "a backlog needs `throughput`",
                        Some("items finished per period in the past, e.g. throughput = [3, 5, 2, 6, 4], or { file = \"done.csv\", column = \"Done\" }".into()),
                    );
                    None
                }
                Some(tp) => {
                    match &tp.value {
                        RawThroughput::File { file, .. } => {
                            self.err(
                            file.span.clone(),
                            format!("the throughput file `{}` was not read", file.value),
                            Some("throughput files are read when a scenario is loaded from a file; give the numbers inline here".into()),
                        );
                            None
                        }
                        RawThroughput::Values(v) if v.is_empty() => {
                            self.err(
                            tp.span.clone(),
                            "`throughput` has no periods",
                            Some("give the items finished in each past period, e.g. [3, 5, 2, 6, 4]".into()),
                        );
                            None
                        }
                        RawThroughput::Values(v) if v.iter().any(|x| *x < 0.0) => {
                            self.err(
                                tp.span.clone(),
                                "a throughput cannot be negative",
                                Some("each number is the items finished in one period".into()),
                            );
                            None
                        }
                        RawThroughput::Values(v) if v.iter().all(|x| *x == 0.0) => {
                            self.err(
                            tp.span.clone(),
                            "the throughput is zero in every period: the backlog would never finish",
                            Some("give at least one period in which items were finished".into()),
                        );
                            None
                        }
                        RawThroughput::Values(v) => Some(v.clone()),
                    }
                }
            };
            if let (Some(items), Some(split), Some(period), Some(throughput)) =
                (items, split, period, throughput)
            {
                let rate = throughput.iter().sum::<f64>() / throughput.len() as f64;
                let mean_items = (items.0 + items.1) / 2.0 * (split.0 + split.1) / 2.0;
                p.node.duration = Dist::Fixed((mean_items / rate).ceil() * period);
                p.node.backlog = Some(Backlog {
                    items,
                    split,
                    throughput,
                    period,
                });
            }
        }
    }
}

/// A node's place in the activity list: higher priority first, then earlier latest start,
/// then file order.
#[derive(PartialEq)]
struct Rank {
    priority: f64,
    latest: f64,
    decl: u32,
    node: u32,
}

impl Eq for Rank {}

impl Ord for Rank {
    fn cmp(&self, o: &Self) -> Ordering {
        // BinaryHeap pops the greatest: the best rank compares greatest.
        self.priority
            .total_cmp(&o.priority)
            .then(o.latest.total_cmp(&self.latest))
            .then(o.decl.cmp(&self.decl))
            .then(o.node.cmp(&self.node))
    }
}

impl PartialOrd for Rank {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// Every node's latest start in the deterministic schedule of mean durations (no resources),
/// against the latest finish of the whole plan.
pub(crate) fn latest_starts(plan: &Plan) -> Vec<f64> {
    let nodes = plan.nodes();
    let n = nodes.len();
    let d: Vec<f64> = nodes
        .iter()
        .map(|nd| {
            if nd.is_milestone {
                0.0
            } else {
                nd.scale * nd.duration.mean()
            }
        })
        .collect();
    let (mut es, mut ef) = (vec![0.0f64; n], vec![0.0f64; n]);
    for i in 0..n {
        let (mut s, mut f) = (0.0f64, 0.0f64);
        for l in plan.preds_of(i) {
            let p = l.node as usize;
            match l.kind {
                LinkKind::FS => s = s.max(ef[p] + l.lag),
                LinkKind::SS => s = s.max(es[p] + l.lag),
                LinkKind::FF => f = f.max(ef[p] + l.lag),
                LinkKind::SF => f = f.max(es[p] + l.lag),
            }
        }
        if let Some(e) = nodes[i].fallback_of {
            s = s.max(ef[e as usize]);
        }
        es[i] = s.max(f - d[i]);
        ef[i] = es[i] + d[i];
    }
    let end = ef.iter().copied().fold(0.0, f64::max);
    let mut lf = vec![end; n];
    let mut ls = vec![0.0; n];
    for k in (0..n).rev() {
        ls[k] = lf[k] - d[k];
        for l in plan.preds_of(k) {
            let p = l.node as usize;
            let bound = match l.kind {
                LinkKind::FS => ls[k] - l.lag,
                LinkKind::SS => ls[k] - l.lag + d[p],
                LinkKind::FF => lf[k] - l.lag,
                LinkKind::SF => lf[k] - l.lag + d[p],
            };
            lf[p] = lf[p].min(bound);
        }
        if let Some(e) = nodes[k].fallback_of {
            let e = e as usize;
            lf[e] = lf[e].min(ls[k]);
        }
    }
    ls
}

/// The order in which the serial schedule-generation scheme places nodes in every iteration:
/// repeatedly the best-ranked node whose predecessors (and the fallbacks they may resolve to,
/// and the experiment a fallback replaces) are placed. It does not depend on any draw, so the
/// scheduler decides in the same order in every iteration.
pub(crate) fn activity_list(plan: &Plan) -> Vec<u32> {
    let nodes = plan.nodes();
    let n = nodes.len();
    let ls = latest_starts(plan);
    // What must be placed before each node.
    let chain = |mut p: usize, out: &mut BTreeSet<usize>| {
        while let Some(f) = nodes[p].experiment.as_ref().and_then(|e| e.fallback) {
            out.insert(f as usize);
            p = f as usize;
        }
    };
    let mut succs: Vec<Vec<u32>> = vec![vec![]; n];
    let mut waiting = vec![0usize; n];
    for i in 0..n {
        let mut before = BTreeSet::new();
        for l in plan.preds_of(i) {
            before.insert(l.node as usize);
            chain(l.node as usize, &mut before);
        }
        if let Some(e) = nodes[i].fallback_of {
            before.insert(e as usize);
        }
        waiting[i] = before.len();
        for b in before {
            succs[b].push(i as u32);
        }
    }
    let rank = |i: usize| Rank {
        priority: nodes[i].priority,
        latest: ls[i],
        decl: nodes[i].decl,
        node: i as u32,
    };
    let mut ready: BinaryHeap<Rank> = (0..n).filter(|&i| waiting[i] == 0).map(rank).collect();
    let mut out = Vec::with_capacity(n);
    while let Some(r) = ready.pop() {
        out.push(r.node);
        for &s in &succs[r.node as usize] {
            waiting[s as usize] -= 1;
            if waiting[s as usize] == 0 {
                ready.push(rank(s as usize));
            }
        }
    }
    debug_assert_eq!(out.len(), n, "the plan has no cycle");
    out
}
