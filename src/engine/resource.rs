//! The resource-constrained path (issue 12) and backlog durations.
//!
//! A plan whose tasks compete for `[[resource]]` capacity cannot be scheduled task-major: a
//! task's start depends on what every other task holds at that time. For such plans each block
//! first draws every node's duration exactly as the unconstrained path does (the same draw
//! numbers, risks struck the same way, so common random numbers, Latin hypercube strata and
//! shards are unchanged), then schedules each iteration on its own with a serial
//! schedule-generation scheme: nodes are placed one by one in the plan's fixed activity list
//! ([`Plan::activity_list`]: precedence-feasible, by priority, latest start, file order), each
//! at the earliest time its links allow at which every resource it uses has the capacity free
//! for its whole run. The list does not depend on any draw, so the decisions come in the same
//! order in every iteration, and each iteration depends only on its own draws: results are the
//! same for any thread count, block or shard split.

use super::{
    BLOCK, BLOCKED, Env, FAILED, NodeCounts, OK, SKIPPED, Scratch as Block, correlated_sample,
    own_start, resolved_finish, sample_duration, strike,
};
use crate::model::{Backlog, LinkKind, Plan, Status};

/// The most periods a backlog is simulated for: past it the backlog is not finished.
const MAX_PERIODS: u32 = 100_000;

/// Capacity is compared with this slack, so fractional amounts that add up exactly fit.
const SLACK: f64 = 1e-9;

/// The time to finish a backlog at the uniforms `u` of its draw numbers: the items (draw 0,
/// uniform over the whole numbers of the range), the split factor (draw 1, uniform), then one
/// historical period's throughput per draw from 2 on, until the grown items are done. The
/// duration is whole periods.
pub fn backlog_duration(b: &Backlog, u: impl Fn(u32) -> f64) -> f64 {
    let (lo, hi) = b.items;
    let items = if hi > lo {
        lo + (u(0) * (hi - lo + 1.0)).floor().min(hi - lo)
    } else {
        lo
    };
    let split = if b.split.1 > b.split.0 {
        b.split.0 + u(1) * (b.split.1 - b.split.0)
    } else {
        b.split.0
    };
    // 40 items grown by 1.5 are 60, not 60.000000001 rounded up.
    let need = (items * split * (1.0 - 1e-12)).ceil();
    let n = b.throughput.len();
    let (mut done, mut periods) = (0.0, 0u32);
    while done < need {
        if periods >= MAX_PERIODS {
            return f64::INFINITY;
        }
        let k = ((u(2 + periods) * n as f64) as usize).min(n - 1);
        done += b.throughput[k];
        periods += 1;
    }
    f64::from(periods) * b.period
}

/// The resource path's working columns.
#[derive(Debug, Default)]
pub(super) struct Scratch {
    /// Every node's draws for the block, node-major: duration, success, attempts.
    dur: Vec<f64>,
    ok: Vec<bool>,
    attempts: Vec<u32>,
    /// Per resource, what is held in the iteration being scheduled: `(start, end, amount)`.
    busy: Vec<Vec<(f64, f64, f64)>>,
    /// Candidate start times.
    cand: Vec<f64>,
}

/// The forward pass of a block for a plan with resources: every draw first (node by node, as
/// the unconstrained path makes them), then one serial schedule per iteration.
pub(super) fn schedule(
    env: &Env,
    first: u64,
    len: usize,
    s: &mut Block,
    counts: &mut [NodeCounts],
) {
    let plan = env.plan;
    let n = plan.nodes().len();
    if s.res.dur.len() != n * BLOCK {
        s.res.dur = vec![0.0; n * BLOCK];
        s.res.ok = vec![true; n * BLOCK];
        s.res.attempts = vec![1; n * BLOCK];
        s.res.busy = vec![Vec::new(); plan.resources().len()];
    }
    for (i, node) in plan.nodes().iter().enumerate() {
        if matches!(node.status, Status::Done { .. }) {
            continue;
        }
        let stream = env.streams[i];
        let slot = env.copula.slot(i);
        let risks = !plan.risks_of(i).is_empty();
        for j in 0..len {
            let it = stream.at(first + j as u64);
            let (dur, ok, attempts) = if slot.is_none() {
                sample_duration(node, it)
            } else {
                correlated_sample(node, slot, &s.correlated, stream, first, j)
            };
            let dur = if risks {
                strike(env, s, i, it, j, dur)
            } else {
                dur
            };
            let k = i * BLOCK + j;
            s.res.dur[k] = dur;
            s.res.ok[k] = ok;
            s.res.attempts[k] = attempts;
        }
    }
    for j in 0..len {
        iteration(plan, j, s, counts);
    }
}

/// Sets node `i`'s outcome in column `j`.
#[inline]
fn set(s: &mut Block, k: usize, start: f64, finish: f64, status: u8, resolved: f64) {
    s.start[k] = start;
    s.finish[k] = finish;
    s.status[k] = status;
    s.resolved[k] = resolved;
}

/// One iteration's serial schedule.
fn iteration(plan: &Plan, j: usize, s: &mut Block, counts: &mut [NodeCounts]) {
    let status_time = plan.status_time();
    for b in &mut s.res.busy {
        b.clear();
    }
    for &i in plan.activity_list() {
        let i = i as usize;
        let node = &plan.nodes()[i];
        let k = i * BLOCK + j;
        let counts = &mut counts[i];
        if let Status::Done {
            start,
            finish,
            failed,
        } = node.status
        {
            let resolved = if failed { f64::INFINITY } else { finish };
            set(
                s,
                k,
                start,
                finish,
                if failed { FAILED } else { OK },
                resolved,
            );
            counts.ran += 1;
            counts.succeeded += u64::from(!failed);
            counts.attempts += 1;
            continue;
        }
        let (mut es, mut ef) = (0.0f64, 0.0f64);
        for l in plan.preds_of(i) {
            let p = l.node as usize;
            match l.kind {
                LinkKind::FS => es = es.max(resolved_finish(s, p, j) + l.lag),
                LinkKind::SS => es = es.max(own_start(s, p, j) + l.lag),
                LinkKind::FF => ef = ef.max(resolved_finish(s, p, j) + l.lag),
                LinkKind::SF => ef = ef.max(own_start(s, p, j) + l.lag),
            }
        }
        if let Some(e) = node.fallback_of {
            let ek = e as usize * BLOCK + j;
            match s.status[ek] {
                FAILED => es = es.max(s.finish[ek]),
                OK => {
                    set(s, k, f64::INFINITY, f64::INFINITY, SKIPPED, f64::INFINITY);
                    continue;
                }
                _ => es = f64::INFINITY,
            }
        }
        if es == f64::INFINITY || ef == f64::INFINITY {
            set(s, k, f64::INFINITY, f64::INFINITY, BLOCKED, f64::INFINITY);
            continue;
        }
        let (dur, ok, attempts) = (s.res.dur[k], s.res.ok[k], s.res.attempts[k]);
        let (start, finish) = match node.status {
            // Under way: it holds what it uses from its start, whatever else is scheduled.
            Status::Started { start, .. } => {
                (start, stretch(plan, &node.uses, status_time, dur).max(ef))
            }
            _ => {
                let earliest = es.max(status_time).max(ef - dur);
                let start = if node.uses.is_empty() || dur <= 0.0 {
                    earliest
                } else {
                    fit(
                        plan,
                        &node.uses,
                        earliest,
                        dur,
                        &s.res.busy,
                        &mut s.res.cand,
                    )
                };
                (start, stretch(plan, &node.uses, start, dur))
            }
        };
        if !start.is_finite() {
            // The capacity it needs is never free again (a resource that shrinks for good).
            set(s, k, f64::INFINITY, f64::INFINITY, BLOCKED, f64::INFINITY);
            continue;
        }
        if finish > start {
            for &(r, amount) in &node.uses {
                s.res.busy[r as usize].push((start, finish, amount));
            }
        }
        let resolved = if ok { finish } else { f64::INFINITY };
        set(s, k, start, finish, if ok { OK } else { FAILED }, resolved);
        counts.ran += 1;
        counts.succeeded += u64::from(ok);
        counts.attempts += u64::from(attempts);
        // A fallback that ran stands in for the failed experiments above it in its chain.
        if let Some(e) = node.fallback_of {
            let mut x = e as usize;
            while s.status[x * BLOCK + j] == FAILED {
                s.resolved[x * BLOCK + j] = resolved;
                match plan.nodes()[x].fallback_of {
                    Some(y) => x = y as usize,
                    None => break,
                }
            }
        }
    }
}

/// When `dur` working days of work started at `t` end, for a task using `uses`: the work
/// pauses on the days off of every resource it uses (their own calendars).
fn stretch(plan: &Plan, uses: &[(u32, f64)], t: f64, dur: f64) -> f64 {
    let end = t + dur;
    if dur <= 0.0 {
        return end;
    }
    let mut calendars = uses
        .iter()
        .map(|&(r, _)| plan.resources()[r as usize].off.as_slice())
        .filter(|off| !off.is_empty());
    match (calendars.next(), calendars.next()) {
        (None, _) => end,
        // The usual case, one calendar: its days off as they are (this runs for every candidate
        // start of every task, so nothing is allocated).
        (Some(off), None) => pause(off, t, end),
        (Some(a), Some(b)) => {
            let mut off: Vec<u32> = a.iter().chain(b).copied().collect();
            for more in calendars {
                off.extend_from_slice(more);
            }
            off.sort_unstable();
            off.dedup();
            pause(&off, t, end)
        }
    }
}

/// `end` pushed back by the days off in `off` (sorted project working-day indices) that fall
/// within the work from `t`: the part of each from when the work would be under way is lost.
fn pause(off: &[u32], t: f64, mut end: f64) -> f64 {
    let first = off.partition_point(|&k| f64::from(k) + 1.0 <= t);
    for &k in &off[first..] {
        let day = f64::from(k);
        if day >= end {
            break;
        }
        end += day + 1.0 - day.max(t);
    }
    end
}

/// The earliest start at or after `earliest` at which every resource in `uses` has the amount
/// free for `[start, start + dur)`, or infinity when it never has. Candidates are `earliest`,
/// the ends of what is held and the dates capacities change: usage and capacity only change
/// there, so the first feasible start is one of them.
fn fit(
    plan: &Plan,
    uses: &[(u32, f64)],
    earliest: f64,
    dur: f64,
    busy: &[Vec<(f64, f64, f64)>],
    cand: &mut Vec<f64>,
) -> f64 {
    cand.clear();
    cand.push(earliest);
    for &(r, _) in uses {
        let r = r as usize;
        cand.extend(busy[r].iter().map(|b| b.1).filter(|&e| e > earliest));
        cand.extend(
            plan.resources()[r]
                .capacity
                .iter()
                .map(|c| c.0)
                .filter(|&t| t > earliest),
        );
    }
    cand.sort_by(f64::total_cmp);
    cand.dedup();
    'next: for &t in cand.iter() {
        let end = stretch(plan, uses, t, dur);
        for &(r, need) in uses {
            let r = r as usize;
            let res = &plan.resources()[r];
            let held = &busy[r];
            // Usage and capacity are piecewise constant, changing at starts and capacity
            // steps: check at t and at every change inside the run.
            let points = std::iter::once(t)
                .chain(held.iter().map(|b| b.0).filter(|&p| p > t && p < end))
                .chain(
                    res.capacity
                        .iter()
                        .map(|c| c.0)
                        .filter(|&p| p > t && p < end),
                );
            for p in points {
                let used: f64 = held
                    .iter()
                    .filter(|b| b.0 <= p && p < b.1)
                    .map(|b| b.2)
                    .sum();
                if used + need > res.capacity_at(p) + SLACK {
                    continue 'next;
                }
            }
        }
        return t;
    }
    f64::INFINITY
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_throughput_is_exact() {
        let b = Backlog {
            items: (40.0, 40.0),
            split: (1.0, 1.0),
            throughput: vec![4.0],
            period: 5.0,
        };
        assert_eq!(backlog_duration(&b, |_| 0.37), 50.0);
        let grown = Backlog {
            split: (1.5, 1.5),
            ..b.clone()
        };
        assert_eq!(backlog_duration(&grown, |_| 0.37), 75.0);
        let none = Backlog {
            items: (0.0, 0.0),
            ..b
        };
        assert_eq!(backlog_duration(&none, |_| 0.5), 0.0);
    }
}
