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
use crate::model::{Backlog, LinkKind, Plan, Resource, Status};

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
    busy: Vec<Booked>,
    /// Candidate start times.
    cand: Vec<f64>,
    /// Per resource a task uses, what is still held after its earliest start (see [`fit`]).
    near: Vec<Near>,
}

/// What a resource a task uses still holds after the task's earliest start (see [`fit`]).
#[derive(Debug, Default)]
struct Near {
    /// The bookings that end after it, in the order they were made.
    held: Vec<(f64, f64, f64)>,
}

/// Whole amounts below this add up exactly in any order.
const WHOLE: f64 = (1u64 << 32) as f64;

/// What a resource holds in the iteration being scheduled.
#[derive(Debug, Default)]
struct Booked {
    /// `(start, end, amount)`, in the order they were booked.
    held: Vec<(f64, f64, f64)>,
    /// The ends, sorted.
    ends: Vec<f64>,
    /// Whether every amount booked is whole (and below [`WHOLE`]): then `level` is kept.
    whole: bool,
    /// The amount held from each time a booking starts or ends to the next such time, sorted
    /// by time: sums of whole numbers, exact in any order.
    level: Vec<(f64, f64)>,
}

impl Booked {
    fn clear(&mut self) {
        self.held.clear();
        self.ends.clear();
        self.level.clear();
        self.whole = true;
    }

    /// Holds `amount` over `[start, end)`, `start < end`.
    fn book(&mut self, start: f64, end: f64, amount: f64) {
        self.held.push((start, end, amount));
        let k = self.ends.partition_point(|&e| e <= end);
        self.ends.insert(k, end);
        self.whole &= amount.fract() == 0.0 && (0.0..WHOLE).contains(&amount);
        if !self.whole || self.held.len() >= 1 << 20 {
            self.whole = false;
            return;
        }
        let a = self.breakpoint(start);
        let b = self.breakpoint(end);
        for l in &mut self.level[a..b] {
            l.1 += amount;
        }
    }

    /// The index of the breakpoint at `t`, added with the level just before it if missing.
    fn breakpoint(&mut self, t: f64) -> usize {
        let k = self.level.partition_point(|l| l.0 < t);
        if k < self.level.len() && self.level[k].0 == t {
            return k;
        }
        let before = if k == 0 { 0.0 } else { self.level[k - 1].1 };
        self.level.insert(k, (t, before));
        k
    }

    /// With whole amounts: the amount held at `p`, by bookings with `start <= p < end`.
    fn at(&self, p: f64) -> f64 {
        let k = self.level.partition_point(|l| l.0 <= p);
        if k == 0 { 0.0 } else { self.level[k - 1].1 }
    }
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
        s.res.busy = (0..plan.resources().len())
            .map(|_| Booked::default())
            .collect();
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
            Status::Started { start, .. } => (
                start,
                stretch(plan.resources(), &node.uses, status_time, dur).max(ef),
            ),
            _ => {
                let earliest = es.max(status_time).max(ef - dur);
                let start = if node.uses.is_empty() || dur <= 0.0 {
                    earliest
                } else {
                    let r = &mut s.res;
                    fit(
                        plan.resources(),
                        &node.uses,
                        earliest,
                        dur,
                        &r.busy,
                        &mut r.cand,
                        &mut r.near,
                    )
                };
                (start, stretch(plan.resources(), &node.uses, start, dur))
            }
        };
        if !start.is_finite() {
            // The capacity it needs is never free again (a resource that shrinks for good).
            set(s, k, f64::INFINITY, f64::INFINITY, BLOCKED, f64::INFINITY);
            continue;
        }
        if finish > start {
            for &(r, amount) in &node.uses {
                s.res.busy[r as usize].book(start, finish, amount);
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
fn stretch(resources: &[Resource], uses: &[(u32, f64)], t: f64, dur: f64) -> f64 {
    let end = t + dur;
    if dur <= 0.0 {
        return end;
    }
    let mut calendars = uses
        .iter()
        .map(|&(r, _)| resources[r as usize].off.as_slice())
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
///
/// Only what is still held after `earliest` can matter: a booking that ends by then is neither
/// a candidate (its end is not after `earliest`) nor held at any point checked (every point is
/// at or after `earliest`), so it is dropped once, before the candidates, instead of being
/// scanned again for every candidate and every point (that made the serial schedule about
/// quadratic in the bookings). The bookings kept stay in the order they were made, so the
/// amounts held are summed in the same order and every decision is the same, bit for bit
/// (the test `fit_matches_the_full_scan` compares it with the full scan).
fn fit(
    resources: &[Resource],
    uses: &[(u32, f64)],
    earliest: f64,
    dur: f64,
    busy: &[Booked],
    cand: &mut Vec<f64>,
    near: &mut Vec<Near>,
) -> f64 {
    if uses.iter().all(|&(r, _)| busy[r as usize].whole) {
        return fit_whole(resources, uses, earliest, dur, busy, cand);
    }
    if near.len() < uses.len() {
        near.resize_with(uses.len(), Near::default);
    }
    cand.clear();
    cand.push(earliest);
    for (u, &(r, _)) in uses.iter().enumerate() {
        let r = r as usize;
        let held = &mut near[u].held;
        held.clear();
        held.extend(busy[r].held.iter().copied().filter(|b| b.1 > earliest));
        cand.extend(held.iter().map(|b| b.1));
        cand.extend(resources[r].steps_between(earliest, f64::INFINITY));
    }
    cand.sort_by(f64::total_cmp);
    cand.dedup();
    'next: for &t in cand.iter() {
        let end = stretch(resources, uses, t, dur);
        for (u, &(r, need)) in uses.iter().enumerate() {
            let res = &resources[r as usize];
            let held = &near[u].held;
            // Usage and capacity are piecewise constant, changing at starts and capacity
            // steps: check at t and at every change inside the run.
            let points = std::iter::once(t)
                .chain(held.iter().map(|b| b.0).filter(|&p| p > t && p < end))
                .chain(res.steps_between(t, end));
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

/// [`fit`] when every amount held is whole: sums of whole numbers are exact in any order, so
/// the amount held at a point is read from the running levels kept as bookings are made (a
/// binary search) instead of summed over the bookings: the same value, so the same decisions.
/// The candidates are the same, read from the sorted ends (no sort unless capacity steps or a
/// second resource are merged in). The points checked are every start and end within the run
/// besides `t` and the capacity steps: at an end that is not a start the amount held only fell
/// since the point checked before it, at the same capacity, so it adds no failure.
fn fit_whole(
    resources: &[Resource],
    uses: &[(u32, f64)],
    earliest: f64,
    dur: f64,
    busy: &[Booked],
    cand: &mut Vec<f64>,
) -> f64 {
    cand.clear();
    cand.push(earliest);
    let mut sorted = uses.len() == 1;
    for &(r, _) in uses {
        let r = r as usize;
        let ends = &busy[r].ends;
        cand.extend_from_slice(&ends[ends.partition_point(|&e| e <= earliest)..]);
        let before = cand.len();
        cand.extend(resources[r].steps_between(earliest, f64::INFINITY));
        sorted &= cand.len() == before;
    }
    if !sorted {
        cand.sort_by(f64::total_cmp);
    }
    cand.dedup();
    // Per resource used (the first few), how many breakpoints are at or before the candidate:
    // candidates rise, so it only moves forward, one search for the first and a walk after.
    let mut firsts = [0usize; 4];
    for (f, &(r, _)) in firsts.iter_mut().zip(uses) {
        *f = busy[r as usize].level.partition_point(|l| l.0 <= earliest);
    }
    'next: for &t in cand.iter() {
        let end = stretch(resources, uses, t, dur);
        for (u, &(r, need)) in uses.iter().enumerate() {
            let res = &resources[r as usize];
            let b = &busy[r as usize];
            // The amount held is `b.at(p)` at every point checked: at t, the level of the last
            // breakpoint at or before it; at a breakpoint inside the run, that breakpoint's own
            // level (breakpoints are distinct and sorted), read without another search.
            let first = match firsts.get_mut(u) {
                Some(f) => {
                    while b.level.get(*f).is_some_and(|l| l.0 <= t) {
                        *f += 1;
                    }
                    *f
                }
                None => b.level.partition_point(|l| l.0 <= t),
            };
            let at_t = if first == 0 {
                0.0
            } else {
                b.level[first - 1].1
            };
            if at_t + need > res.capacity_at(t) + SLACK {
                continue 'next;
            }
            for &(p, held) in b.level[first..].iter().take_while(|l| l.0 < end) {
                if held + need > res.capacity_at(p) + SLACK {
                    continue 'next;
                }
            }
            for p in res.steps_between(t, end) {
                if b.at(p) + need > res.capacity_at(p) + SLACK {
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

    /// The full scan `fit` replaced: every booking, for every candidate and every point.
    fn full_scan(
        resources: &[Resource],
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
                resources[r]
                    .capacity
                    .iter()
                    .map(|c| c.0)
                    .filter(|&t| t > earliest),
            );
        }
        cand.sort_by(f64::total_cmp);
        cand.dedup();
        'next: for &t in cand.iter() {
            let end = stretch(resources, uses, t, dur);
            for &(r, need) in uses {
                let r = r as usize;
                let res = &resources[r];
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

    /// A small SplitMix64 for the random bookings.
    fn next(z: &mut u64) -> u64 {
        *z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut x = *z;
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^ (x >> 31)
    }

    fn unit(z: &mut u64) -> f64 {
        (next(z) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Random resources (capacity steps, some with calendars, one that shrinks to nothing for
    /// good), random bookings (whole and fractional times and amounts, overlapping, in no
    /// order) and random requests: `fit`, with whole amounts held and with fractional ones, gives
    /// exactly what the full scan gives.
    #[test]
    fn fit_matches_the_full_scan() {
        const RESOURCES: usize = 6;
        let mut z = 15u64;
        let (mut cand, mut near) = (Vec::new(), Vec::new());
        let (mut found, mut never) = (0, 0);
        for case in 0..400u32 {
            let resources: Vec<Resource> = (0..RESOURCES)
                .map(|r| {
                    let mut capacity = vec![(0.0, 1.0 + (next(&mut z) % 4) as f64)];
                    for _ in 0..next(&mut z) % 3 {
                        let from = capacity.last().unwrap().0 + 1.0 + (next(&mut z) % 20) as f64;
                        capacity.push((from, (next(&mut z) % 5) as f64 * 0.5));
                    }
                    if case.is_multiple_of(7) && r == 0 {
                        capacity.push((capacity.last().unwrap().0 + 5.0, 0.0));
                    }
                    let off = if next(&mut z).is_multiple_of(3) {
                        let mut off: Vec<u32> = (0..next(&mut z) % 8)
                            .map(|_| (next(&mut z) % 60) as u32)
                            .collect();
                        off.sort_unstable();
                        off.dedup();
                        off
                    } else {
                        Vec::new()
                    };
                    Resource {
                        id: format!("r{r}"),
                        name: format!("r{r}"),
                        capacity,
                        off,
                    }
                })
                .collect();
            // Whole amounts (the running-sum path) in even cases, fractional ones in odd cases.
            let amounts: [f64; 5] = if case.is_multiple_of(2) {
                [1.0, 2.0, 3.0, 1.0, 4.0]
            } else {
                [1.0, 0.5, 0.1, 0.3, 2.0]
            };
            let busy: Vec<Vec<(f64, f64, f64)>> = (0..RESOURCES)
                .map(|_| {
                    (0..next(&mut z) % 40)
                        .map(|_| {
                            let start = if next(&mut z).is_multiple_of(2) {
                                (next(&mut z) % 50) as f64
                            } else {
                                unit(&mut z) * 50.0
                            };
                            let end = start + 0.25 + unit(&mut z) * 10.0;
                            let amount = amounts[(next(&mut z) % 5) as usize];
                            (start, end, amount)
                        })
                        .collect()
                })
                .collect();
            let booked: Vec<Booked> = busy
                .iter()
                .map(|held| {
                    let mut b = Booked::default();
                    b.clear();
                    for &(start, end, amount) in held {
                        b.book(start, end, amount);
                    }
                    assert_eq!(b.whole, held.iter().all(|h| h.2.fract() == 0.0));
                    b
                })
                .collect();
            for _ in 0..10 {
                // One or two resources, and sometimes five (more than `fit_whole` walks
                // breakpoints for; the rest are searched).
                let count = if next(&mut z).is_multiple_of(6) {
                    5
                } else {
                    1 + (next(&mut z) % 2) as usize
                };
                let r0 = next(&mut z) % RESOURCES as u64;
                let uses: Vec<(u32, f64)> = (0..count as u64)
                    .map(|k| {
                        let amount = [1.0, 0.5, 0.1, 0.2, 1.5][(next(&mut z) % 5) as usize];
                        (((r0 + k) % RESOURCES as u64) as u32, amount)
                    })
                    .collect();
                let earliest = if next(&mut z).is_multiple_of(2) {
                    (next(&mut z) % 40) as f64
                } else {
                    unit(&mut z) * 40.0
                };
                let dur = 0.5 + unit(&mut z) * 8.0;
                let want = full_scan(&resources, &uses, earliest, dur, &busy, &mut cand);
                let got = fit(
                    &resources, &uses, earliest, dur, &booked, &mut cand, &mut near,
                );
                assert_eq!(
                    got.to_bits(),
                    want.to_bits(),
                    "case {case}: {uses:?} at {earliest} for {dur}"
                );
                if want.is_finite() {
                    found += 1;
                } else {
                    never += 1;
                }
            }
        }
        // Both outcomes are exercised.
        assert!(found > 1000 && never > 10, "{found} fits, {never} never");
    }

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
