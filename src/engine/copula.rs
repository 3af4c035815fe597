//! Correlated draws: the plan's `[[correlation]]` groups applied to the raw uniforms.
//!
//! For a group and one draw number (draw 0, the first attempt's duration, or draw `2k + 1`,
//! attempt `k`'s success), member `i`'s uniform is `Φ(Σ_{k <= i} L_ik Φ⁻¹(u_k))`, where `u_k` is
//! member `k`'s own uniform of that draw in that iteration and `L` the Cholesky factor of the
//! group's matrix. That is a pure function of the iteration's raw uniforms, so threads, shards,
//! block sizes and variants (common random numbers) see the same values; the run's blocks
//! compute each group's columns once ([`Copula::fill`]) and the drivers one iteration at a time
//! ([`Copula::uniform`]), with the same arithmetic in the same order, so both agree to the bit.
//! Tasks in no group draw exactly as before.

use super::BLOCK;
use super::rng::Sampler;
use crate::dist::copula::{correlate, normal_quantile};
use crate::engine::Config;
use crate::model::{CorrelationOf, Plan};

/// Where one member's correlated uniforms are kept.
#[derive(Debug, Clone, Copy)]
struct Place {
    group: u32,
    member: u32,
    /// The scratch column of its first correlated draw; draw `k` of the group's list at `+ k`.
    column: u32,
    /// How many draws the group correlates (1 for durations, the most attempts for success).
    width: u32,
}

/// A node's correlated draws: its first attempt's duration, its attempts' success.
#[derive(Debug, Clone, Copy, Default)]
pub struct Slot {
    duration: Option<Place>,
    success: Option<Place>,
}

impl Slot {
    /// Whether any of the node's draws is correlated.
    #[inline]
    pub fn is_none(&self) -> bool {
        self.duration.is_none() && self.success.is_none()
    }

    /// The column holding the node's draw number `draw`, when that draw is correlated.
    #[inline]
    fn place(&self, draw: u32) -> Option<(Place, u32)> {
        if draw == 0 {
            return self.duration.map(|p| (p, 0));
        }
        let p = self.success?;
        let k = draw >> 1;
        (draw & 1 == 1 && k < p.width).then_some((p, k))
    }

    /// The scratch column of the node's draw `draw`, when that draw is correlated.
    #[inline]
    pub fn column(&self, draw: u32) -> Option<usize> {
        self.place(draw).map(|(p, k)| (p.column + k) as usize)
    }
}

#[derive(Debug, Clone)]
struct Group {
    n: usize,
    factor: Vec<f64>,
    samplers: Vec<Sampler>,
    /// The draw numbers correlated, attempt by attempt.
    draws: Vec<u32>,
    /// Member `m`'s column for draw `d` of `draws`: `column + m * draws.len() + d`.
    column: usize,
}

/// The correlation groups of a plan in one run (they need the run's samplers).
#[derive(Debug, Clone)]
pub struct Copula {
    groups: Vec<Group>,
    slots: Vec<Slot>,
    columns: usize,
    widest: usize,
}

impl Copula {
    pub fn new(plan: &Plan, config: &Config) -> Copula {
        let mut slots = vec![Slot::default(); plan.nodes().len()];
        let mut groups = Vec::new();
        let mut columns = 0;
        for (g, c) in plan.correlations().iter().enumerate() {
            let draws: Vec<u32> = match c.of {
                CorrelationOf::Duration => vec![0],
                CorrelationOf::Success => {
                    let attempts = (c.tasks.iter())
                        .filter_map(|&t| plan.nodes()[t as usize].experiment.as_ref())
                        .map(|e| e.success.len())
                        .max()
                        .unwrap_or(0);
                    (0..attempts as u32).map(|k| 2 * k + 1).collect()
                }
            };
            for (m, &t) in c.tasks.iter().enumerate() {
                let place = Place {
                    group: g as u32,
                    member: m as u32,
                    column: (columns + m * draws.len()) as u32,
                    width: draws.len() as u32,
                };
                match c.of {
                    CorrelationOf::Duration => slots[t as usize].duration = Some(place),
                    CorrelationOf::Success => slots[t as usize].success = Some(place),
                }
            }
            groups.push(Group {
                n: c.len(),
                factor: c.factor.clone(),
                samplers: (c.tasks.iter())
                    .map(|&t| config.sampler(plan.nodes()[t as usize].key))
                    .collect(),
                column: columns,
                draws,
            });
            columns += c.len() * groups[g].draws.len();
        }
        let widest = groups.iter().map(|g| g.n).max().unwrap_or(0);
        Copula {
            groups,
            slots,
            columns,
            widest,
        }
    }

    /// Scratch columns a block needs for the correlated uniforms (`columns x BLOCK`).
    pub fn columns(&self) -> usize {
        self.columns
    }

    /// Scratch columns a block needs for the normal scores of the largest group.
    pub fn widest(&self) -> usize {
        self.widest
    }

    #[inline]
    pub fn slot(&self, node: usize) -> Slot {
        self.slots[node]
    }

    /// Every correlated uniform of the `len` iterations from `first`, into `out[column * BLOCK +
    /// j]`; `z` is scratch for the normal scores (`widest x BLOCK`).
    pub fn fill(&self, first: u64, len: usize, z: &mut [f64], out: &mut [f64]) {
        for g in &self.groups {
            for (d, &draw) in g.draws.iter().enumerate() {
                for (k, s) in g.samplers.iter().enumerate() {
                    for j in 0..len {
                        z[k * BLOCK + j] = normal_quantile(s.at(first + j as u64).uniform(draw));
                    }
                }
                for m in 0..g.n {
                    let row = &g.factor[m * g.n..m * g.n + m + 1];
                    let column = g.column + m * g.draws.len() + d;
                    let col = &mut out[column * BLOCK..column * BLOCK + len];
                    for (j, u) in col.iter_mut().enumerate() {
                        *u = correlate(row, |k| z[k * BLOCK + j]);
                    }
                }
            }
        }
    }

    /// Draw `draw` of node `node` in iteration `iteration`, correlated, when the node's groups
    /// correlate that draw: what [`Copula::fill`] puts in its column, to the bit.
    pub fn uniform(&self, node: usize, iteration: u64, draw: u32) -> Option<f64> {
        let (p, _) = self.slots[node].place(draw)?;
        let g = &self.groups[p.group as usize];
        let m = p.member as usize;
        let row = &g.factor[m * g.n..m * g.n + m + 1];
        Some(correlate(row, |k| {
            normal_quantile(g.samplers[k].at(iteration).uniform(draw))
        }))
    }
}
