//! A fast, accurate inverse of the Beta CDF for PERT durations.
//!
//! Inverting the regularized incomplete beta function takes a Newton search per draw (about a
//! microsecond). Instead, each distinct Beta(α, β) shape gets a table of its CDF at `CELLS + 1`
//! evenly spaced points of [0, 1], computed once with statrs' `beta_reg`, plus a guide table that
//! maps `u` straight to the cell where the search starts (Chen and Asau's method). A draw is then a
//! lookup, a short forward scan (almost always zero or one step) and a linear interpolation of the
//! CDF inside one cell.
//!
//! Accuracy: the true quantile and the interpolated one lie in the same cell, so the error is at
//! most one cell, `1 / CELLS` of the range, anywhere; inside the body of the distribution, where
//! the CDF is smooth, linear interpolation makes it second order. Measured against statrs' Beta
//! inverse CDF for the shapes of three-point estimates: at most 1.2e-6 of the range for u in
//! [0.01, 0.99] and 4.6e-5 in the outer tails (a 20-day range: 2e-5 and 1e-3 days).
//! `tests::accuracy_against_statrs` measures both against statrs' Beta inverse CDF.

use std::collections::HashMap;
use std::sync::Arc;

use statrs::function::beta::{beta_reg, ln_beta};

/// Cells of the CDF table. 2048 keeps the worst-case error under 0.05% of the range and the table
/// at 16 KiB, small enough to stay in L1/L2 cache while one task is sampled for a block.
const CELLS: usize = 2048;

/// The CDF of a standard Beta(α, β) on a grid, with a guide table for O(1) inversion.
#[derive(Debug)]
pub struct PertTable {
    alpha: f64,
    beta: f64,
    /// `cdf[j] = I_{j / CELLS}(α, β)` for j in 0..=CELLS.
    cdf: Box<[f64]>,
    /// `guide[k]` is the cell that contains u = k / CELLS.
    guide: Box<[u16]>,
}

impl PertTable {
    pub fn new(alpha: f64, beta: f64) -> PertTable {
        let mut cdf: Vec<f64> = (0..=CELLS)
            .map(|j| beta_reg(alpha, beta, j as f64 / CELLS as f64))
            .collect();
        cdf[0] = 0.0;
        cdf[CELLS] = 1.0;
        // beta_reg is monotone in exact arithmetic; enforce it against rounding.
        for j in 1..=CELLS {
            if cdf[j] < cdf[j - 1] {
                cdf[j] = cdf[j - 1];
            }
        }
        let mut guide = Vec::with_capacity(CELLS);
        let mut j = 0usize;
        for k in 0..CELLS {
            let u = k as f64 / CELLS as f64;
            while j + 1 < CELLS && cdf[j + 1] <= u {
                j += 1;
            }
            guide.push(j as u16);
        }
        PertTable {
            alpha,
            beta,
            cdf: cdf.into(),
            guide: guide.into(),
        }
    }

    /// The quantile on [0, 1] of the standard Beta(α, β), for u in (0, 1).
    #[inline]
    pub fn quantile(&self, u: f64) -> f64 {
        let k = ((u * CELLS as f64) as usize).min(CELLS - 1);
        let mut j = self.guide[k] as usize;
        while j + 1 < CELLS && self.cdf[j + 1] <= u {
            j += 1;
        }
        let (lo, hi) = (self.cdf[j], self.cdf[j + 1]);
        let t = if hi > lo { (u - lo) / (hi - lo) } else { 0.5 };
        (j as f64 + t) / CELLS as f64
    }

    /// The exact mean of the standard Beta(α, β).
    pub fn mean(&self) -> f64 {
        self.alpha / (self.alpha + self.beta)
    }

    /// The density of the standard Beta(α, β) at x, for diagnostics and tests.
    pub fn pdf(&self, x: f64) -> f64 {
        ((self.alpha - 1.0) * x.ln() + (self.beta - 1.0) * (1.0 - x).ln()
            - ln_beta(self.alpha, self.beta))
        .exp()
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
        assert!(worst_body < 5e-6, "body error {worst_body}");
        assert!(worst_tail < 1e-4, "tail error {worst_tail}");
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
