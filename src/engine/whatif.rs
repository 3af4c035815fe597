//! "What if" reruns without re-simulating the whole plan: a change (an experiment that always
//! succeeds, a risk that never occurs) alters the draws of a few nodes, and the schedule only
//! of those and of what waits on them.
//!
//! Each block is scheduled once as planned, keeping every node's draws (after risk strikes) and
//! columns; then, for each change, only its *dirty* nodes are scheduled again, in plan order:
//! the nodes whose draws change (redrawn from their streams with the changed plan), and
//! everything downstream of them (their draws reused from the base pass). Every other node keeps
//! the base pass's columns, which are what the changed plan gives it too: its draws come from
//! the same counter-based streams and nothing it waits for moved. So each change's milestone
//! finishes are bit for bit those of `simulate_range` on the changed plan (tested below and in
//! `tests/`), at the cost of scheduling (not drawing) the dirty nodes.
//!
//! Plans on the engine's other paths (shared resources, risks that strike once, correlation
//! groups) are rerun in full.

use rayon::prelude::*;

use super::{
    BLOCK, Copula, Counters, DrawCache, Draws, Env, FAILED, NodeCounts, OK, Outcomes, Pool, Probes,
    Scratch, fill_risks, schedule_node, simulate_range, streams,
};
use crate::engine::Config;
use crate::model::Plan;

/// One change to a plan whose effect on the milestones a "what if" measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The experiment at this node succeeds at its first attempt ([`Plan::with_sure_success`]).
    SureSuccess(usize),
    /// The risk at this index never occurs ([`Plan::without_risk`]).
    NoRisk(usize),
}

impl Change {
    /// The changed plan.
    pub fn apply(self, plan: &Plan) -> Plan {
        match self {
            Change::SureSuccess(i) => plan.with_sure_success(i),
            Change::NoRisk(r) => plan.without_risk(r),
        }
    }

    /// The nodes whose draws it changes.
    fn redrawn(self, plan: &Plan) -> Vec<u32> {
        match self {
            Change::SureSuccess(i) => vec![i as u32],
            Change::NoRisk(r) => plan.risks()[r].affects.clone(),
        }
    }
}

/// The planned run over a range, and each change's milestone finishes over it.
#[derive(Debug, Clone)]
pub struct WhatIfs {
    /// The plan as it is over the range, with the traced nodes asked for (no costs, no
    /// criticality): what `simulate_range` gives with those probes, minus the cost columns.
    /// Without changes the pass only traces: it schedules the traced nodes and what they wait
    /// for, so its rows hold the traced columns alone (`milestones` is 0) and its counters are
    /// empty.
    pub base: Outcomes,
    /// One vector per change: a row of `plan.milestones().len()` finishes per iteration
    /// (infinity where not delivered), exactly the milestone columns of
    /// `simulate_range(&change.apply(plan), ..)`.
    pub changed: Vec<Vec<f64>>,
}

/// Simulates `range` of a run of `config.iterations` as planned (tracing `trace`) and with each
/// change.
pub fn what_ifs(
    plan: &Plan,
    config: &Config,
    changes: &[Change],
    trace: &[u32],
    range: std::ops::Range<u64>,
) -> WhatIfs {
    let n_ms = plan.milestones().len();
    plan.prepare_tables();
    let copula = Copula::new(plan, config);
    let probes = Probes {
        criticality: false,
        trace: trace.to_vec(),
    };
    if plan.has_resources() || plan.has_once_risks() || copula.columns() > 0 {
        let changed = changes
            .iter()
            .map(|c| {
                let out = simulate_range(&c.apply(plan), config, &Probes::default(), range.clone());
                let stride = out.row_len();
                out.rows
                    .chunks(stride)
                    .flat_map(|row| row[..n_ms].iter().copied())
                    .collect()
            })
            .collect();
        return WhatIfs {
            base: simulate_range(plan, config, &probes, range),
            changed,
        };
    }
    let n = plan.nodes().len();
    // Without changes nothing reads the milestones or the counters: only the traced nodes and
    // what they wait for are scheduled (often a small part of a large plan, and none of it
    // when nothing is traced).
    let only: Option<Vec<u32>> = changes.is_empty().then(|| upstream(plan, trace));
    let n_ms = if only.is_some() { 0 } else { n_ms };
    let changed: Vec<Plan> = changes.iter().map(|c| c.apply(plan)).collect();
    let dirty = Dirty::of(plan, changes);
    let (streams, risk_streams) = streams(plan, config);
    let base_stride = n_ms + 2 * trace.len();
    let base_env = Env {
        plan,
        streams: &streams,
        risk_streams: &risk_streams,
        copula: &copula,
        probes: &probes,
        stride: base_stride,
        costs: false,
        once: false,
    };
    let envs: Vec<Env> = changed
        .iter()
        .map(|p| Env {
            plan: p,
            ..base_env
        })
        .collect();
    let iterations = usize::try_from(range.end - range.start).expect("iterations fit in memory");
    // Each row: the base's milestones and traced nodes, then each change's milestones.
    let stride = base_stride + n_ms * changes.len();
    // Zeroed, which costs nothing up front (fresh pages): each block fills its own rows.
    let mut rows = vec![0.0; iterations * stride];
    // No change and nothing traced: no columns, so no rows and nothing to schedule.
    let width = stride.max(1);
    let pool = Pool::new();
    let counters = rows
        .par_chunks_mut(BLOCK * width)
        .enumerate()
        .with_max_len(1)
        .map_init(
            || pool.take(|| Block::new(n, plan.risks().len(), dirty.keep.len(), &copula)),
            |b, (k, out)| {
                let first = range.start + (k * BLOCK) as u64;
                let len = out.len() / stride;
                out.fill(f64::INFINITY);
                b.run(
                    &base_env,
                    &envs,
                    changes,
                    &dirty,
                    only.as_deref(),
                    first,
                    len,
                    out,
                )
            },
        )
        .reduce(Counters::default, Counters::add);
    // The blocks' scratch, freed before the rows are split up.
    drop(pool);
    let changed = (0..changes.len())
        .map(|v| {
            let at = base_stride + v * n_ms;
            rows.chunks(stride)
                .flat_map(|row| row[at..at + n_ms].iter().copied())
                .collect()
        })
        .collect();
    // Without changes the rows are the base's rows (moved, not copied).
    let base_rows = if stride == base_stride {
        rows
    } else {
        rows.chunks(width)
            .flat_map(|row| row[..base_stride].iter().copied())
            .collect()
    };
    WhatIfs {
        base: Outcomes {
            iterations: range.end - range.start,
            first: range.start,
            seed: config.seed,
            sampling: config.sampling,
            rows: base_rows,
            milestones: n_ms,
            costs: false,
            traced: trace.to_vec(),
            nodes: if only.is_some() {
                Vec::new()
            } else if counters.nodes.is_empty() {
                vec![NodeCounts::default(); n]
            } else {
                counters.nodes
            },
            risks_fired: if only.is_some() {
                Vec::new()
            } else if counters.fired.is_empty() {
                vec![0; plan.risks().len()]
            } else {
                counters.fired
            },
            critical: Vec::new(),
        },
        changed,
    }
}

/// `nodes` and every node whose columns they read, in plan (topological) order: predecessors
/// through any link, the fallbacks of an experiment (which write its resolved finish), and the
/// experiment of a fallback (whose status and finish it reads). The reverse of [`dirty`]'s walk.
fn upstream(plan: &Plan, nodes: &[u32]) -> Vec<u32> {
    let mark = reach(plan, nodes.to_vec(), |x, stack| {
        stack.extend(plan.preds_of(x).iter().map(|l| l.node));
    });
    (0..mark.len() as u32)
        .filter(|&i| mark[i as usize])
        .collect()
}

/// What the changes schedule again, in which order, and what must be put back between them.
struct Dirty {
    /// Per change: its dirty nodes (see [`dirty`]) and which of them it redraws.
    nodes: Vec<(Vec<u32>, Vec<bool>)>,
    /// The changes in the order a block runs them: fewest dirty nodes first. A change's dirty
    /// nodes are often all downstream of a later, larger change's too (a late experiment's
    /// successors are among an early one's), and a node the next change schedules again needs
    /// no restoring: on a generated 10,000-task network this order cut the columns copied per
    /// block from 13,600 nodes' to 930.
    order: Vec<usize>,
    /// Per change (by index): its dirty nodes that the change after it in `order` does not
    /// schedule again, whose base columns must be put back before that one (none after the
    /// last: the next block's base pass writes every column), each with its place in `keep`.
    /// A node the next change schedules again is written there before anything reads it (plan
    /// order), so it needs no restoring.
    restore: Vec<Vec<(u32, u32)>>,
    /// Every node in some `restore` list, in plan order: the columns each block copies.
    keep: Vec<u32>,
}

impl Dirty {
    fn of(plan: &Plan, changes: &[Change]) -> Dirty {
        let n = plan.nodes().len();
        let nodes: Vec<(Vec<u32>, Vec<bool>)> = changes.iter().map(|c| dirty(plan, *c)).collect();
        let mut order: Vec<usize> = (0..nodes.len()).collect();
        order.sort_by_key(|&v| (nodes[v].0.len(), v));
        let mut kept = vec![false; n];
        let mut lists = vec![Vec::new(); nodes.len()];
        for pair in order.windows(2) {
            let (v, next) = (pair[0], pair[1]);
            let mut again = vec![false; n];
            nodes[next].0.iter().for_each(|&i| again[i as usize] = true);
            lists[v] = (nodes[v].0.iter())
                .copied()
                .filter(|&i| !again[i as usize])
                .collect::<Vec<u32>>();
            lists[v].iter().for_each(|&i| kept[i as usize] = true);
        }
        let keep: Vec<u32> = (0..n as u32).filter(|&i| kept[i as usize]).collect();
        // Each restored node's place in `keep` (sorted: a binary search).
        let restore = lists
            .into_iter()
            .map(|list| {
                list.into_iter()
                    .map(|i| {
                        (
                            i,
                            keep.binary_search(&i).expect("every restored node is kept") as u32,
                        )
                    })
                    .collect()
            })
            .collect();
        Dirty {
            nodes,
            order,
            restore,
            keep,
        }
    }
}

/// The nodes a change must schedule again, in plan (topological) order, and which of them it
/// redraws. Downstream means: a successor through any link, a fallback of a dirty experiment,
/// and the experiment of a dirty fallback (whose resolved finish the fallback writes).
fn dirty(plan: &Plan, change: Change) -> (Vec<u32>, Vec<bool>) {
    let n = plan.nodes().len();
    let mut succ_count = vec![0u32; n + 1];
    for i in 0..n {
        for l in plan.preds_of(i) {
            succ_count[l.node as usize + 1] += 1;
        }
    }
    for i in 0..n {
        succ_count[i + 1] += succ_count[i];
    }
    let mut at = succ_count.clone();
    let mut succs = vec![0u32; succ_count[n] as usize];
    for i in 0..n {
        for l in plan.preds_of(i) {
            let p = l.node as usize;
            succs[at[p] as usize] = i as u32;
            at[p] += 1;
        }
    }
    let redrawn = change.redrawn(plan);
    let mut redraw = vec![false; n];
    for &i in &redrawn {
        redraw[i as usize] = true;
    }
    let mark = reach(plan, redrawn, |x, stack| {
        stack.extend_from_slice(&succs[succ_count[x] as usize..succ_count[x + 1] as usize]);
    });
    let list = (0..n as u32).filter(|&i| mark[i as usize]).collect();
    (list, redraw)
}

/// Which nodes are reached from `stack` through `links` (which pushes a node's neighbours, one
/// way) and both ways along fallback chains: an experiment's fallback writes its resolved
/// finish, and a fallback reads its experiment's status and finish.
fn reach(plan: &Plan, mut stack: Vec<u32>, links: impl Fn(usize, &mut Vec<u32>)) -> Vec<bool> {
    let mut mark = vec![false; plan.nodes().len()];
    while let Some(x) = stack.pop() {
        let x = x as usize;
        if mark[x] {
            continue;
        }
        mark[x] = true;
        links(x, &mut stack);
        let node = &plan.nodes()[x];
        if let Some(f) = node.experiment.as_ref().and_then(|e| e.fallback) {
            stack.push(f);
        }
        if let Some(e) = node.fallback_of {
            stack.push(e);
        }
    }
    mark
}

/// One thread's columns for the base pass, a copy of those the changes put back between them
/// ([`Dirty::keep`]), and the base pass's draws.
struct Block {
    s: Scratch,
    /// The variants' counters, which nothing reads.
    counts: Vec<NodeCounts>,
    cache: DrawCache,
    saved: Saved,
    risk_fired: Vec<bool>,
}

/// A copy of the planned columns of [`Dirty::keep`]'s nodes, node-major as in [`Scratch`]:
/// the k-th kept node's at `k * BLOCK`.
struct Saved {
    start: Vec<f64>,
    finish: Vec<f64>,
    status: Vec<u8>,
    resolved: Vec<f64>,
}

impl Saved {
    fn new(kept: usize) -> Saved {
        Saved {
            start: vec![0.0; kept * BLOCK],
            finish: vec![0.0; kept * BLOCK],
            status: vec![0; kept * BLOCK],
            resolved: vec![0.0; kept * BLOCK],
        }
    }

    /// Copies node `i`'s columns from `s` into slot `k`.
    fn save(&mut self, s: &Scratch, i: usize, k: usize) {
        let (r, to) = (i * BLOCK..(i + 1) * BLOCK, k * BLOCK..(k + 1) * BLOCK);
        self.start[to.clone()].copy_from_slice(&s.start[r.clone()]);
        self.finish[to.clone()].copy_from_slice(&s.finish[r.clone()]);
        self.status[to.clone()].copy_from_slice(&s.status[r.clone()]);
        self.resolved[to].copy_from_slice(&s.resolved[r]);
    }

    /// Puts node `i`'s columns back into `s` from slot `k`.
    fn restore(&self, s: &mut Scratch, i: usize, k: usize) {
        let (r, from) = (i * BLOCK..(i + 1) * BLOCK, k * BLOCK..(k + 1) * BLOCK);
        s.start[r.clone()].copy_from_slice(&self.start[from.clone()]);
        s.finish[r.clone()].copy_from_slice(&self.finish[from.clone()]);
        s.status[r.clone()].copy_from_slice(&self.status[from.clone()]);
        s.resolved[r].copy_from_slice(&self.resolved[from]);
    }
}

impl Block {
    fn new(nodes: usize, risks: usize, kept: usize, copula: &Copula) -> Block {
        Block {
            s: Scratch::new(nodes, risks, copula),
            counts: vec![NodeCounts::default(); nodes],
            cache: DrawCache {
                dur: vec![0.0; nodes * BLOCK],
                ok: vec![true; nodes * BLOCK],
                attempts: vec![1; nodes * BLOCK],
            },
            saved: Saved::new(kept),
            risk_fired: vec![false; BLOCK],
        }
    }

    /// One block: the base pass (its rows and counters), then each change.
    #[allow(clippy::too_many_arguments)]
    fn run(
        &mut self,
        base: &Env,
        envs: &[Env],
        changes: &[Change],
        dirty: &Dirty,
        only: Option<&[u32]>,
        first: u64,
        len: usize,
        out: &mut [f64],
    ) -> Counters {
        let plan = base.plan;
        // Only the traced columns when the pass only traces (see `WhatIfs::base`).
        let n_ms = if only.is_some() {
            0
        } else {
            plan.milestones().len()
        };
        let stride = out.len() / len;
        let mut c = Counters {
            nodes: vec![NodeCounts::default(); plan.nodes().len()],
            fired: vec![0; plan.risks().len()],
            critical: Vec::new(),
        };
        let s = &mut self.s;
        fill_risks(base, first, len, s, &mut c.fired);
        match only {
            Some(nodes) => {
                for &i in nodes {
                    let i = i as usize;
                    schedule_node(base, first, len, s, &mut c.nodes[i], i, Draws::Fresh);
                }
            }
            None => {
                for (i, counts) in c.nodes.iter_mut().enumerate() {
                    schedule_node(base, first, len, s, counts, i, Draws::Keep(&mut self.cache));
                }
            }
        }
        for j in 0..len {
            let row = &mut out[j * stride..j * stride + base.stride];
            for (m, ms) in plan.milestones()[..n_ms].iter().enumerate() {
                row[m] = s.resolved[ms.node as usize * BLOCK + j];
            }
            for (t, &node) in base.probes.trace.iter().enumerate() {
                let k = node as usize * BLOCK + j;
                let ran = s.status[k] == OK || s.status[k] == FAILED;
                row[n_ms + 2 * t] = if ran { s.start[k] } else { f64::INFINITY };
                row[n_ms + 2 * t + 1] = if ran { s.finish[k] } else { f64::INFINITY };
            }
        }
        if changes.is_empty() {
            return c;
        }
        for (k, &i) in dirty.keep.iter().enumerate() {
            self.saved.save(s, i as usize, k);
        }
        for &v in &dirty.order {
            let change = &changes[v];
            let env = &envs[v];
            let (nodes, redraw) = &dirty.nodes[v];
            if let Change::NoRisk(r) = *change {
                let col = &mut s.risk_fired[r * BLOCK..(r + 1) * BLOCK];
                self.risk_fired.copy_from_slice(col);
                col.fill(false);
            }
            for &i in nodes {
                let i = i as usize;
                let draws = if redraw[i] {
                    Draws::Fresh
                } else {
                    Draws::Reuse(&self.cache)
                };
                schedule_node(env, first, len, s, &mut self.counts[i], i, draws);
            }
            let at = base.stride + v * n_ms;
            for j in 0..len {
                let row = &mut out[j * stride + at..j * stride + at + n_ms];
                for (m, ms) in plan.milestones().iter().enumerate() {
                    row[m] = s.resolved[ms.node as usize * BLOCK + j];
                }
            }
            // Back to the base pass's columns for the next change.
            for &(i, k) in &dirty.restore[v] {
                self.saved.restore(s, i as usize, k as usize);
            }
            if let Change::NoRisk(r) = *change {
                s.risk_fired[r * BLOCK..(r + 1) * BLOCK].copy_from_slice(&self.risk_fired);
            }
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Experiments, fallbacks (one a chain), risks that delay and scale, and all link kinds:
    /// each change's finishes must equal a full rerun of the changed plan, bit for bit.
    const PLAN: &str = r#"
[project]
name = "what-if"
[[task]]
id = "a"
duration = [2, 4, 9]
[[task]]
id = "b"
duration = [1, 3, 5]
after = ["a"]
success = 0.4
attempts = 2
fallback = "c"
[[task]]
id = "c"
duration = [3, 4, 8]
success = 0.5
fallback = "d"
[[task]]
id = "d"
duration = [5, 6, 7]
[[task]]
id = "e"
duration = [1, 2, 6]
after = [{ task = "b", type = "SS", lag = 1 }]
[[task]]
id = "f"
duration = [2, 5, 6]
after = ["b", "e"]
[[task]]
id = "g"
duration = [4, 5, 9]
success = 0.6
[[risk]]
id = "slip"
probability = 0.3
affects = ["a", "e"]
delay = [1, 2, 4]
[[risk]]
id = "rework"
probability = 0.2
affects = ["f"]
scale = [1.1, 1.3, 1.6]
[[milestone]]
id = "beta"
after = ["f"]
[[milestone]]
id = "done"
after = ["beta", "g"]
"#;

    /// Without changes the pass schedules only the traced nodes and what they wait for, and
    /// their columns are still bit for bit those of a full run.
    #[test]
    fn a_pass_without_changes_traces_only_what_it_needs() {
        let plan = crate::pipeline::load_str("what-if.toml", PLAN).expect("the test plan is valid");
        let at = |id: &str| plan.node_index(id).unwrap() as u32;
        // e waits on b (SS), b on a; b's fallback c and c's fallback d write b's resolved
        // finish. f, g and the milestones are not needed.
        let mut want = vec![at("a"), at("b"), at("c"), at("d"), at("e")];
        want.sort();
        assert_eq!(upstream(&plan, &[at("e")]), want);
        assert_eq!(upstream(&plan, &[at("d")]), {
            let mut w = vec![at("a"), at("b"), at("c"), at("d")];
            w.sort();
            w
        });
        let config = Config::new(3000, 11);
        let range = 300..2900;
        let trace = [at("e"), at("c")];
        let got = what_ifs(&plan, &config, &[], &trace, range.clone());
        assert_eq!(got.base.milestones, 0);
        assert!(got.changed.is_empty() && got.base.nodes.is_empty());
        let probes = Probes {
            criticality: false,
            trace: trace.to_vec(),
        };
        let full = simulate_range(&plan, &config, &probes, range.clone());
        for (t, node) in trace.iter().enumerate() {
            let (a, b) = (got.base.trace_columns(t), full.trace_columns(t));
            assert_eq!(a.0.len(), 2600);
            for (x, y) in a.0.iter().zip(&b.0).chain(a.1.iter().zip(&b.1)) {
                assert_eq!(x.to_bits(), y.to_bits(), "traced node {node}");
            }
        }
    }

    #[test]
    fn each_change_matches_a_full_rerun() {
        let plan = crate::pipeline::load_str("what-if.toml", PLAN).expect("the test plan is valid");
        let config = Config::new(3000, 11);
        let changes = [
            Change::SureSuccess(plan.node_index("b").unwrap()),
            Change::SureSuccess(plan.node_index("c").unwrap()),
            Change::SureSuccess(plan.node_index("g").unwrap()),
            Change::NoRisk(0),
            Change::NoRisk(1),
        ];
        // A range that does not start at a block boundary, and ends inside one.
        let range = 300..2900;
        let trace = [1, 3, 5];
        let got = what_ifs(&plan, &config, &changes, &trace, range.clone());
        let probes = Probes {
            criticality: false,
            trace: trace.to_vec(),
        };
        let base = simulate_range(&plan, &config, &probes, range.clone());
        assert_eq!(got.base.rows.len(), base.rows.len());
        for (a, b) in got.base.rows.iter().zip(&base.rows) {
            assert_eq!(a.to_bits(), b.to_bits(), "base");
        }
        assert_eq!(got.base.nodes, base.nodes);
        assert_eq!(got.base.risks_fired, base.risks_fired);
        for (c, got) in changes.iter().zip(&got.changed) {
            let full = simulate_range(&c.apply(&plan), &config, &Probes::default(), range.clone());
            let want: Vec<f64> = full
                .rows
                .chunks(full.row_len())
                .flat_map(|r| r[..plan.milestones().len()].iter().copied())
                .collect();
            assert_eq!(got.len(), want.len());
            for (a, b) in got.iter().zip(&want) {
                assert_eq!(a.to_bits(), b.to_bits(), "{c:?}");
            }
        }
    }
}
