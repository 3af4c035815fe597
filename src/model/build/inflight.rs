//! Work in flight: `[project] status_date` and each task's `done`, `actual`, `finished`,
//! `started`, `remaining`, `progress` and `attempt`, checked one task at a time while reading
//! the tasks, then against the network once it is sorted ([`Builder::history`]), where the
//! finished work's times are fixed.
//!
//! Time: the status date S is the *end* of that day (`deadline_time`): work reported done on S
//! is done, and work left starts the next working day. `started = D` is the morning of D;
//! `finished = D` the evening of D. A done task's `actual = N` is the duration it took: it
//! started when its predecessors let it (unless `started` says when) and finished N working
//! days later; with `finished` as well, it started N days before that.

use std::ops::Range;

use jiff::civil::Date;

use super::{Builder, Pending};
use crate::model::calendar::Calendar;
use crate::model::{LinkKind, Remaining, Status, StatusDate};
use crate::scenario::raw::{RawProject, RawTask, Sp, ThreePoint};

/// A task's progress as written, with the spans to report problems at.
#[derive(Debug, Default)]
pub(super) struct Flight {
    /// `done = true`: where it is written.
    done: Option<Range<usize>>,
    actual: Option<f64>,
    /// Working-day time of the evening of `finished`, the date, and where it is written.
    finished: Option<(f64, Date, Range<usize>)>,
    /// Working-day time of the morning of `started`, the date, and where it is written.
    started: Option<(f64, Date, Range<usize>)>,
    remaining: Option<Remaining>,
}

const EPS: f64 = 1e-9;

impl Builder {
    /// `[project] status_date`: needs a start date, and cannot be before it.
    pub(super) fn status_date(&mut self, p: &RawProject, cal: &Calendar) -> Option<StatusDate> {
        let sd = p.status_date.as_ref()?;
        let Some(start) = &p.start else {
            self.err(
                sd.span.clone(),
                "a status date needs a start date",
                Some("add start = 2027-01-04 (when the program began) to [project]: times are working days from it".into()),
            );
            return None;
        };
        if sd.value < start.value {
            self.err(
                sd.span.clone(),
                format!(
                    "the status date {} is before the start {}",
                    sd.value, start.value
                ),
                Some(
                    "the status date is the day the progress was reported: on or after the start"
                        .into(),
                ),
            );
            return None;
        }
        Some(StatusDate {
            date: sd.value,
            time: cal.deadline_time(sd.value)?,
        })
    }

    /// A task's own progress keys, checked against each other and the status date.
    pub(super) fn flight(
        &mut self,
        t: &RawTask,
        status: Option<StatusDate>,
        cal: &Calendar,
        three: ThreePoint,
    ) -> Flight {
        let mut f = Flight::default();
        let keys = [
            ("done", t.done.as_ref().map(|x| x.span.clone())),
            ("actual", t.actual.as_ref().map(|x| x.span.clone())),
            ("finished", t.finished.as_ref().map(|x| x.span.clone())),
            ("started", t.started.as_ref().map(|x| x.span.clone())),
            ("remaining", t.remaining.as_ref().map(|x| x.span.clone())),
            ("progress", t.progress.as_ref().map(|x| x.span.clone())),
            ("attempt", t.attempt.as_ref().map(|x| x.span.clone())),
        ];
        let Some(status) = status else {
            if let Some((key, Some(sp))) = keys.iter().find(|(_, sp)| sp.is_some()) {
                self.err(
                    sp.clone(),
                    format!("`{key}` needs a status date"),
                    Some("add status_date = <the day this progress was reported> to [project], e.g. status_date = 2027-02-15".into()),
                );
            }
            return f;
        };
        let done = t.done.as_ref().filter(|d| d.value);
        f.done = done.map(|d| d.span.clone());
        let date = |d: &Sp<Date>| (d.value, d.span.clone());
        if let Some((d, sp)) = t.started.as_ref().map(date) {
            if d > status.date {
                self.err(
                    sp.clone(),
                    format!("started on {d}, after the status date {}", status.date),
                    Some("work that starts after the status date is not started yet: remove `started` (and its `remaining` or `progress`)".into()),
                );
            } else if let Some(time) = cal.start_time(d) {
                f.started = Some((time, d, sp));
            }
        }
        if let Some((d, sp)) = t.finished.as_ref().map(date) {
            if d > status.date {
                self.err(
                    sp.clone(),
                    format!("finished on {d}, after the status date {}", status.date),
                    Some("a date after the status date is a forecast, not history: mark the task started with its remaining work instead".into()),
                );
            } else if let Some(time) = cal.deadline_time(d) {
                if let Some((_, s, _)) = &f.started
                    && d < *s
                {
                    self.err(
                        sp.clone(),
                        format!("finished on {d}, before it started on {s}"),
                        None,
                    );
                }
                f.finished = Some((time, d, sp));
            }
        }
        f.actual = t.actual.as_ref().map(|a| a.value);
        match (done, &t.remaining, &t.progress) {
            (Some(_), Some(r), _) => self.err(
                r.span.clone(),
                "a done task has no `remaining` work",
                Some("remove `remaining`, or `done = true` if the task is still under way".into()),
            ),
            (Some(_), _, Some(p)) => self.err(
                p.span.clone(),
                "a done task has no `progress` to report",
                Some("remove `progress`, or `done = true` if the task is still under way".into()),
            ),
            (None, Some(r), Some(_)) => self.err(
                r.span.clone(),
                "`remaining` and `progress` both say what is left",
                Some("keep one: remaining = <working days left> or progress = <share done>".into()),
            ),
            (None, Some(r), None) => {
                if let Some(d) = self.dist(r, three) {
                    f.remaining = Some(Remaining::Dist(d));
                }
            }
            (None, None, Some(p)) => {
                if (0.0..1.0).contains(&p.value) {
                    f.remaining = Some(Remaining::Share(1.0 - p.value));
                } else {
                    self.err(
                        p.span.clone(),
                        format!("progress must be in [0, 1), got {}", p.value),
                        Some("progress is the share of the work done, e.g. 0.4; a finished task is done = true".into()),
                    );
                }
            }
            (_, None, None) => {}
        }
        let what_left = (t.remaining.as_ref().map(|r| r.span.clone()))
            .or(t.progress.as_ref().map(|p| p.span.clone()));
        if done.is_none() {
            for (key, sp) in [
                ("actual", t.actual.as_ref().map(|x| x.span.clone())),
                ("finished", t.finished.as_ref().map(|x| x.span.clone())),
            ] {
                if let Some(sp) = sp {
                    self.err(
                        sp,
                        format!("`{key}` only applies to a done task"),
                        Some("add done = true".into()),
                    );
                }
            }
            match (&t.started, what_left) {
                (Some(s), None) => self.err(
                    s.span.clone(),
                    format!("task `{}` is started but does not say what is left", t.id.value),
                    Some("add remaining = <working days left> (any duration form) or progress = <share done, e.g. 0.4>".into()),
                ),
                (None, Some(sp)) => self.err(
                    sp,
                    format!("task `{}` has work left but no start date", t.id.value),
                    Some("add started = <the date work began>, e.g. started = 2027-02-01".into()),
                ),
                _ => {}
            }
        } else if t.actual.is_none() && t.finished.is_none() {
            self.err(
                f.done.clone().unwrap_or(0..0),
                format!("done task `{}` does not say when it finished", t.id.value),
                Some("add finished = <date> or actual = <working days it took>".into()),
            );
        }
        f
    }

    /// An experiment's attempts already made (`attempt = k`, all failed): fewer than its most
    /// attempts, and not on a done experiment.
    pub(super) fn attempt(&mut self, t: &RawTask, f: &Flight, attempts: Option<usize>) -> u32 {
        let (Some(a), Some(most)) = (&t.attempt, attempts) else {
            return 0;
        };
        if f.done.is_some() {
            self.err(
                a.span.clone(),
                "a done experiment succeeded: its failed attempts no longer matter",
                Some("remove `attempt`".into()),
            );
            return 0;
        }
        if a.value < 0 || a.value as usize >= most {
            let hint = if a.value < 0 {
                "attempt is the number of attempts already made, all failed: 0, 1, 2, ..."
                    .to_string()
            } else {
                format!(
                    "at most {} of its {most} attempts can have failed with work left; when they all failed, mark its fallback started instead",
                    most - 1
                )
            };
            self.err(
                a.span.clone(),
                format!(
                    "attempt = {} leaves no attempt of the {most} (`attempts`)",
                    a.value
                ),
                Some(hint),
            );
            return 0;
        }
        a.value as u32
    }

    /// With the network sorted: each done node's times (finished work is history), a milestone
    /// whose every predecessor is done is reached, and the contradictions between a node's
    /// progress and its predecessors'.
    pub(super) fn history(
        &mut self,
        pending: &mut [Pending],
        order: &[usize],
        status: StatusDate,
        cal: &Calendar,
    ) {
        let day = |t: f64| cal.finish_date(t).map_or(String::new(), |d| d.to_string());
        for &i in order {
            let f = &pending[i].flight;
            let is_milestone = pending[i].node.is_milestone;
            let (done, started) = (f.done.clone(), f.started.clone());
            // Fallbacks under way mean their experiment's attempts all failed.
            if let (Some(e), true) = (
                pending[i].node.fallback_of,
                done.is_some() || started.is_some(),
            ) {
                let e = e as usize;
                match &mut pending[e].node.status {
                    Status::Done { failed, .. } => *failed = true,
                    _ => {
                        let sp = done
                            .clone()
                            .or(started.clone().map(|s| s.2))
                            .unwrap_or(0..0);
                        self.err(
                            sp,
                            format!("`{}` is the fallback of `{}`, which is not done", pending[i].node.id, pending[e].node.id),
                            Some(format!("a fallback runs once every attempt of `{}` has failed: mark it done = true (with finished or actual) to say its attempts are over", pending[e].node.id)),
                        );
                        continue;
                    }
                }
            }
            // Start and finish constraints from the predecessors, when they are all history.
            let (mut es, mut ef, mut all_done) = (0.0f64, 0.0f64, true);
            let mut complaint = None;
            for l in &pending[i].links {
                let p = &pending[l.0];
                let (start, finish) = (own_start(p), resolved_finish(pending, l.0));
                let need = match l.1 {
                    LinkKind::FS | LinkKind::FF => finish,
                    LinkKind::SS | LinkKind::SF => start,
                };
                match (need, l.1) {
                    (Some(x), LinkKind::FS | LinkKind::SS) => es = es.max(x + l.2),
                    (Some(x), _) => ef = ef.max(x + l.2),
                    (None, _) => {
                        all_done = false;
                        complaint.get_or_insert((l.0, l.1));
                    }
                }
                if let (Some((s, d, sp)), LinkKind::FS, Some(x)) = (&started, l.1, finish)
                    && x > *s + EPS
                {
                    self.err(
                        sp.clone(),
                        format!("`{}` started on {d}, before its predecessor `{}` finished ({})", pending[i].node.id, p.node.id, day(x)),
                        Some(format!("correct the dates, or make the link start-to-start: after = [{{ task = \"{}\", type = \"SS\" }}]", p.node.id)),
                    );
                }
            }
            if is_milestone {
                if all_done && !pending[i].links.is_empty() {
                    let t = es.max(ef);
                    pending[i].node.status = Status::Done {
                        start: t,
                        finish: t,
                        failed: false,
                    };
                }
                continue;
            }
            let Some(at) = done.clone().or(started.clone().map(|s| s.2)) else {
                continue;
            };
            if let Some((p, kind)) = complaint {
                let (what, state) = match (kind, done.is_some()) {
                    (LinkKind::FS | LinkKind::FF, true) => ("done", "done"),
                    (LinkKind::FS | LinkKind::FF, false) => ("started", "done"),
                    (_, true) => ("done", "started"),
                    (_, false) => ("started", "started"),
                };
                let pid = pending[p].node.id.clone();
                self.err(
                    at,
                    format!("`{}` is {what}, but its predecessor `{pid}` is not {state}", pending[i].node.id),
                    Some(format!("update `{pid}` too (done = true with finished or actual, or started with what is left), or correct `{}`", pending[i].node.id)),
                );
                continue;
            }
            let f = &pending[i].flight;
            if let Some(e) = pending[i].node.fallback_of {
                // A fallback starts once its experiment's last attempt failed.
                if let Status::Done { finish, .. } = pending[e as usize].node.status {
                    es = es.max(finish);
                }
            }
            if done.is_some() {
                let (start, finish) = match (&f.started, &f.finished, f.actual) {
                    (Some(s), Some(fin), _) => (s.0, fin.0),
                    (Some(s), None, Some(a)) => (s.0, s.0 + a),
                    (None, Some(fin), Some(a)) => (fin.0 - a, fin.0),
                    (None, Some(fin), None) => (es.min(fin.0), fin.0),
                    (None, None, Some(a)) => {
                        let start = es.max(ef - a);
                        (start, start + a)
                    }
                    (_, None, None) => continue, // reported already
                };
                if finish > status.time + EPS {
                    self.err(
                        at.clone(),
                        format!("`{}` is done, but starting {} and taking {} working days it finishes on {}, after the status date {}", pending[i].node.id, cal.start_date(start).map_or(String::new(), |d| d.to_string()), finish - start, day(finish), status.date),
                        Some("check `actual`, or give `finished` (and `started`) as dates".into()),
                    );
                    continue;
                }
                if start < -EPS {
                    self.err(
                        at.clone(),
                        format!("`{}` is done, but taking {} working days it started before the program did", pending[i].node.id, finish - start),
                        Some("check `actual` and `finished` against [project] start".into()),
                    );
                    continue;
                }
                pending[i].node.status = Status::Done {
                    start,
                    finish,
                    failed: false,
                };
            } else if let (Some(s), Some(rem)) = (&f.started, &f.remaining) {
                pending[i].node.status = Status::Started {
                    start: s.0,
                    remaining: rem.clone(),
                };
            }
        }
    }
}

/// A node's start, when it is history (done or started).
fn own_start(p: &Pending) -> Option<f64> {
    match &p.node.status {
        Status::Done { start, .. } | Status::Started { start, .. } => Some(*start),
        Status::Planned => None,
    }
}

/// The finish a node's successors see, when it is history: a done node's own, or, for an
/// experiment whose attempts all failed, its fallback chain's.
fn resolved_finish(pending: &[Pending], mut i: usize) -> Option<f64> {
    loop {
        match pending[i].node.status {
            Status::Done {
                finish,
                failed: false,
                ..
            } => return Some(finish),
            Status::Done { failed: true, .. } => {
                i = pending[i].node.experiment.as_ref()?.fallback? as usize;
            }
            _ => return None,
        }
    }
}
