//! A fast, accurate inverse of the Beta CDF for PERT durations.
//!
//! Inverting the regularized incomplete beta function takes a Newton search per draw (about a
//! microsecond). Instead, each distinct Beta(α, β) shape gets a small table over `CELLS` equal
//! cells of x in [0, 1]: the CDF `F` at each cell's left end (statrs' `beta_reg`), and a cubic
//! that maps the cell's share of probability back to x. The cubic is the Hermite interpolant of
//! the inverse CDF, whose slopes at the cell's ends are `1 / f` (f the Beta density), limited to
//! keep it monotone where `f` vanishes (Fritsch and Carlson). A guide table maps `u` to the cell
//! where the search starts (Chen and Asau's method). A draw is then a lookup, rarely one step of
//! search, and a cubic: no division, no iteration.
//!
//! In the first and last cell, where `F` behaves like `x^α` (or `1 - (1 - x)^β`) and no cubic
//! follows it, the power law is inverted instead.
//!
//! The table is small on purpose (3.6 KiB per shape), so that a block of 256 draws of one task
//! finds it in cache even in a plan of a thousand distinct estimates: a 2,049-point linear table
//! (20 KiB) missed cache on most draws there (25 ns a draw against 10), and Newton steps on a
//! cubic CDF made each draw a chain of divisions.
//!
//! Accuracy, measured against statrs' Beta inverse CDF for the shapes of three-point estimates
//! (`tests::accuracy_against_statrs`): at most 1.4e-5 of the range for u in [0.01, 0.99] and
//! 9.6e-5 of it in the outer tails (on a 20-day estimate: 0.0003 and 0.002 days).

use std::collections::HashMap;
use std::sync::Arc;

use statrs::function::beta::{beta_reg, ln_beta};

/// Cells of the table.
const CELLS: usize = 128;

/// Entries of the guide table: finer than the cells, so that the search almost never takes a
/// second step.
const GUIDE: usize = 512;

/// One cell: `x = (j + t(s)) / CELLS` with `s = (u - f0) * inv_span` and
/// `t(s) = s (a1 + s (a2 + s a3))`.
#[derive(Debug, Clone, Copy)]
struct Cell {
    f0: f64,
    inv_span: f32,
    a1: f32,
    a2: f32,
    a3: f32,
}

/// The CDF of a standard Beta(α, β) on a grid, inverted cell by cell, with a guide table.
#[derive(Debug)]
pub struct PertTable {
    alpha: f64,
    beta: f64,
    /// `CELLS` cells and a last one whose `f0` is 1, so that `cells[j + 1].f0` bounds cell j.
    cells: Box<[Cell]>,
    /// `guide[k]` is the cell that contains u = k / GUIDE.
    guide: Box<[u8]>,
}

impl PertTable {
    pub fn new(alpha: f64, beta: f64) -> PertTable {
        let ln_b = ln_beta(alpha, beta);
        let pdf = |x: f64| -> f64 {
            let at = |edge: f64| if edge == 1.0 { (-ln_b).exp() } else { 0.0 };
            if x <= 0.0 {
                at(alpha)
            } else if x >= 1.0 {
                at(beta)
            } else {
                ((alpha - 1.0) * x.ln() + (beta - 1.0) * (1.0 - x).ln() - ln_b).exp()
            }
        };
        let mut cdf: Vec<f64> = (0..=CELLS)
            .map(|j| beta_reg(alpha, beta, j as f64 / CELLS as f64))
            .collect();
        cdf[0] = 0.0;
        cdf[CELLS] = 1.0;
        // beta_reg is monotone in exact arithmetic; enforce it against rounding.
        for j in 1..=CELLS {
            cdf[j] = cdf[j].max(cdf[j - 1]);
        }
        let cells = (0..CELLS)
            .map(|j| {
                let span = cdf[j + 1] - cdf[j];
                // Slopes of t(s) at the ends: span / (f h), limited to 3 (monotone, and finite
                // where the density is zero).
                let slope = |x: f64| {
                    let d = pdf(x) / CELLS as f64;
                    if d > 0.0 { (span / d).min(3.0) } else { 3.0 }
                };
                let (m0, m1) = (
                    slope(j as f64 / CELLS as f64),
                    slope((j + 1) as f64 / CELLS as f64),
                );
                Cell {
                    f0: cdf[j],
                    inv_span: if span > 0.0 { (1.0 / span) as f32 } else { 0.0 },
                    a1: m0 as f32,
                    a2: (3.0 - 2.0 * m0 - m1) as f32,
                    a3: (m0 + m1 - 2.0) as f32,
                }
            })
            .chain(std::iter::once(Cell {
                f0: 1.0,
                inv_span: 0.0,
                a1: 0.0,
                a2: 0.0,
                a3: 0.0,
            }))
            .collect::<Vec<_>>();
        let mut guide = Vec::with_capacity(GUIDE);
        let mut j = 0usize;
        for k in 0..GUIDE {
            let u = k as f64 / GUIDE as f64;
            while j + 1 < CELLS && cdf[j + 1] <= u {
                j += 1;
            }
            guide.push(j as u8);
        }
        PertTable {
            alpha,
            beta,
            cells: cells.into(),
            guide: guide.into(),
        }
    }

    /// The quantile on [0, 1] of the standard Beta(α, β), for u in (0, 1).
    #[inline(always)]
    pub fn quantile(&self, u: f64) -> f64 {
        let k = ((u * GUIDE as f64) as usize).min(GUIDE - 1);
        let mut j = self.guide[k] as usize;
        // One step without a branch (the common case), then the rare longer walk.
        j += usize::from(j + 1 < CELLS && self.cells[j + 1].f0 <= u);
        while j + 1 < CELLS && self.cells[j + 1].f0 <= u {
            j += 1;
        }
        let c = self.cells[j];
        let s = (((u - c.f0) as f32) * c.inv_span).clamp(0.0, 1.0);
        let t = if j == 0 && self.alpha > 1.0 {
            // F ~ x^α near 0, which no cubic follows: invert the power law (rare: the first cell
            // holds little probability).
            f64::from(s).powf(1.0 / self.alpha)
        } else if j == CELLS - 1 && self.beta > 1.0 {
            1.0 - (1.0 - f64::from(s)).powf(1.0 / self.beta)
        } else {
            f64::from((s * (c.a1 + s * (c.a2 + s * c.a3))).clamp(0.0, 1.0))
        };
        (j as f64 + t) * (1.0 / CELLS as f64)
    }

    /// The exact mean of the standard Beta(α, β).
    pub fn mean(&self) -> f64 {
        self.alpha / (self.alpha + self.beta)
    }
}

/// Shares one table between every task whose estimate has the same shape: `[2, 3, 5]` and
/// `[4, 6, 10]` differ only by scale and use the same Beta(α, β).
#[derive(Debug, Default)]
pub struct TableCache {
    tables: HashMap<(u64, u64), Arc<PertTable>>,
}

impl TableCache {
    pub fn get(&mut self, alpha: f64, beta: f64) -> Arc<PertTable> {
        self.tables
            .entry((alpha.to_bits(), beta.to_bits()))
            .or_insert_with(|| Arc::new(PertTable::new(alpha, beta)))
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::{Beta, ContinuousCDF};

    /// Measures the table against statrs' Beta inverse CDF on a fine grid of u for the shapes that
    /// three-point estimates produce: symmetric, skewed either way, and the extremes (mode at an
    /// end: α = 1 or β = 1). The bounds asserted here are the ones ARCHITECTURE.md quotes.
    #[test]
    fn accuracy_against_statrs() {
        let mut worst_tail = 0.0f64;
        let mut worst_body = 0.0f64;
        for r in [0.0, 0.1, 0.25, 0.5, 0.8, 1.0] {
            let (a, b) = (1.0 + 4.0 * r, 1.0 + 4.0 * (1.0 - r));
            let table = PertTable::new(a, b);
            let exact = Beta::new(a, b).unwrap();
            for i in 1..10_000 {
                let u = i as f64 / 10_000.0;
                let err = (table.quantile(u) - exact.inverse_cdf(u)).abs();
                if (0.01..=0.99).contains(&u) {
                    worst_body = worst_body.max(err);
                } else {
                    worst_tail = worst_tail.max(err);
                }
            }
        }
        eprintln!(
            "PERT table vs statrs: worst body error {worst_body:.2e}, worst tail error {worst_tail:.2e}"
        );
        assert!(worst_body < 2e-5, "body error {worst_body}");
        assert!(worst_tail < 2e-4, "tail error {worst_tail}");
    }

    #[test]
    fn quantile_is_monotone_and_in_range() {
        let t = PertTable::new(1.8, 4.2);
        let mut last = 0.0;
        for i in 1..100_000 {
            let x = t.quantile(i as f64 / 100_000.0);
            assert!((0.0..=1.0).contains(&x) && x >= last);
            last = x;
        }
    }

    #[test]
    fn cache_shares_tables_of_equal_shape() {
        let mut c = TableCache::default();
        let a = c.get(2.0, 4.0);
        let b = c.get(2.0, 4.0);
        assert!(Arc::ptr_eq(&a, &b));
    }
}
