//! Learning from history: the distribution of actual / estimate over finished work (a reference
//! class), fitted as empirical quantiles and as a lognormal, and the backtest that replays a
//! history in order and measures how often the forecasts' percentiles come true.
//!
//! Reading the history (CSV) is `report`'s job; this module takes the ratios as numbers.

use std::collections::BTreeMap;

use statrs::distribution::{Beta, ContinuousCDF, Normal};

use crate::dist::RatioTable;

/// How many intervals the quantile table cuts [0, 1] into: quantiles at every percentile.
pub const GRID: usize = 100;

/// z such that Φ(z) = 0.975.
const Z95: f64 = 1.959_963_984_540_054;

/// The fit of one reference class.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// How many ratios it was fitted on.
    pub n: usize,
    /// Empirical quantiles of the ratio at p = i / GRID (type 7: linear between order statistics).
    pub table: RatioTable,
    /// The lognormal fitted by maximum likelihood: the mean and sd (n - 1) of ln(ratio).
    pub mu: f64,
    pub sigma: f64,
    /// Kolmogorov-Smirnov distance between the ratios' CDF and the fitted lognormal's: the largest
    /// gap, in probability. About 1.36 / sqrt(n) would be expected by chance alone.
    pub ks: f64,
    /// Share of ratios exactly 1 (the task took exactly its estimate).
    pub exactly_one: f64,
}

impl Fit {
    /// The ratio's empirical quantile at `p` (read from the table).
    pub fn quantile(&self, p: f64) -> f64 {
        self.table.quantile(p)
    }

    /// The fitted lognormal's quantile at `p`.
    pub fn lognormal_quantile(&self, p: f64) -> f64 {
        lognormal_quantile(self.mu, self.sigma, p)
    }
}

fn lognormal_quantile(mu: f64, sigma: f64, p: f64) -> f64 {
    if sigma > 0.0 {
        (mu + sigma * Normal::standard().inverse_cdf(p)).exp()
    } else {
        mu.exp()
    }
}

fn lognormal_cdf(mu: f64, sigma: f64, x: f64) -> f64 {
    if sigma > 0.0 {
        Normal::standard().cdf((x.ln() - mu) / sigma)
    } else if x >= mu.exp() {
        1.0
    } else {
        0.0
    }
}

/// Type-7 quantiles of a sorted, non-empty sample at p = i / GRID.
pub fn quantile_table(sorted: &[f64]) -> Vec<f64> {
    let n = sorted.len();
    (0..=GRID)
        .map(|i| {
            let h = (n - 1) as f64 * i as f64 / GRID as f64;
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
        })
        .collect()
}

/// Fits the ratios (each positive and finite); None when there are none.
pub fn fit(ratios: &[f64]) -> Option<Fit> {
    if ratios.is_empty() {
        return None;
    }
    let mut sorted = ratios.to_vec();
    radsort::sort(&mut sorted);
    let n = sorted.len();
    let logs: Vec<f64> = sorted.iter().map(|r| r.ln()).collect();
    let mu = logs.iter().sum::<f64>() / n as f64;
    let sigma = if n > 1 {
        (logs.iter().map(|l| (l - mu).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
    } else {
        0.0
    };
    // With ties, the ECDF jumps once per distinct value; the formula over every index still
    // finds the largest gap, since tied values share F.
    let ks = sorted
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = lognormal_cdf(mu, sigma, x);
            ((i + 1) as f64 / n as f64 - f).max(f - i as f64 / n as f64)
        })
        .fold(0.0, f64::max);
    let exactly_one = sorted.iter().filter(|&&r| r == 1.0).count() as f64 / n as f64;
    // Positive finite ratios give positive, non-decreasing quantiles.
    let table = RatioTable::new(quantile_table(&sorted)).ok()?;
    Some(Fit {
        n,
        table,
        mu,
        sigma,
        ks,
        exactly_one,
    })
}

/// One group's fit, or the whole set's when the group is too small.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupFit {
    pub group: String,
    /// Rows in the group.
    pub rows: usize,
    /// True when the group had fewer rows than the minimum and uses the whole set's fit.
    pub fallback: bool,
    pub fit: Fit,
}

/// The whole set's fit and one per group (in the groups' sorted order); groups with fewer than
/// `min_rows` rows fall back to the whole set. None when there are no ratios.
pub fn fit_groups(
    ratios: &[f64],
    groups: &[String],
    min_rows: usize,
) -> Option<(Fit, Vec<GroupFit>)> {
    let all = fit(ratios)?;
    let mut by: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for (r, g) in ratios.iter().zip(groups) {
        by.entry(g.as_str()).or_default().push(*r);
    }
    let out = by
        .into_iter()
        .map(|(g, rs)| {
            let fallback = rs.len() < min_rows;
            GroupFit {
                group: g.to_string(),
                rows: rs.len(),
                fallback,
                fit: if fallback {
                    all.clone()
                } else {
                    fit(&rs).unwrap_or_else(|| all.clone())
                },
            }
        })
        .collect();
    Some((all, out))
}

/// Where an actual fell in a forecast: the forecast's CDF just below it and at it. They differ
/// only when the forecast has an atom at the actual; verification then counts the actual as
/// spread uniformly between them (the randomized PIT, taken in expectation).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pit {
    pub lower: f64,
    pub upper: f64,
}

impl Pit {
    /// The chance that the randomized PIT is at or below `p`: whether the actual came in at or
    /// below the forecast's `p` percentile, counting an actual inside an atom by where `p` falls
    /// in it.
    pub fn covered(&self, p: f64) -> f64 {
        if self.upper > self.lower {
            ((p - self.lower) / (self.upper - self.lower)).clamp(0.0, 1.0)
        } else if self.lower <= p {
            1.0
        } else {
            0.0
        }
    }

    /// The share of this PIT's mass in `[a, b)`.
    fn mass(&self, a: f64, b: f64) -> f64 {
        if self.upper > self.lower {
            ((b.min(self.upper) - a.max(self.lower)) / (self.upper - self.lower)).max(0.0)
        } else if (a <= self.lower && self.lower < b) || (b >= 1.0 && self.lower >= 1.0) {
            1.0
        } else {
            0.0
        }
    }
}

/// How a forecast of an item is made from its class's past ratios.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// The empirical quantile table, as a scenario's calibration uses it by default.
    Empirical,
    /// The fitted lognormal.
    LogNormal,
}

/// The uncalibrated forecast: the estimate read as PERT over [low, 1, high] times the estimate
/// (quick risk: low 0.9, high 1.3).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Baseline {
    pub low: f64,
    pub high: f64,
}

impl Baseline {
    pub const QUICK_RISK: Baseline = Baseline {
        low: 0.9,
        high: 1.3,
    };

    /// PERT's Beta(1 + 4r, 1 + 4(1 - r)) on [low, high], r = (1 - low) / (high - low).
    fn beta(&self) -> Option<Beta> {
        if !(self.low < 1.0 && 1.0 < self.high) {
            return None;
        }
        let r = (1.0 - self.low) / (self.high - self.low);
        Beta::new(1.0 + 4.0 * r, 1.0 + 4.0 * (1.0 - r)).ok()
    }

    /// The baseline's CDF at ratio `x` (continuous: one value).
    pub fn cdf(&self, x: f64) -> f64 {
        match self.beta() {
            Some(b) => b.cdf(((x - self.low) / (self.high - self.low)).clamp(0.0, 1.0)),
            // Degenerate bounds: the estimate itself, a point forecast.
            None => {
                if x >= 1.0 {
                    1.0
                } else {
                    0.0
                }
            }
        }
    }

    /// The baseline's ratio at percentile `p`.
    pub fn quantile(&self, p: f64) -> f64 {
        match self.beta() {
            Some(b) => self.low + (self.high - self.low) * b.inverse_cdf(p),
            None => 1.0,
        }
    }
}

/// What a backtest replays and how.
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestSpec {
    /// Items forecast from history only after this many have finished.
    pub warmup: usize,
    /// A group's own history is used once it has this many items; before, the whole history.
    pub min_group: usize,
    pub method: Method,
    pub baseline: Baseline,
}

/// The replay's result: one PIT per scored item (after the warm-up), for the calibrated and the
/// baseline forecast, in replay order.
#[derive(Debug, Clone, PartialEq)]
pub struct Backtest {
    pub items: usize,
    pub calibrated: Vec<Pit>,
    pub baseline: Vec<Pit>,
    /// Scored items forecast from their group's own history (the rest used the whole history).
    pub from_group: usize,
}

/// A class's history as it grows: the sorted ratios and the sums of their logs.
#[derive(Default)]
struct History {
    sorted: Vec<f64>,
    sum: f64,
    sum2: f64,
}

impl History {
    fn add(&mut self, r: f64) {
        let at = self.sorted.partition_point(|&x| x < r);
        self.sorted.insert(at, r);
        let l = r.ln();
        self.sum += l;
        self.sum2 += l * l;
    }

    fn pit(&self, r: f64, method: Method) -> Pit {
        match method {
            Method::Empirical => {
                let q = quantile_table(&self.sorted);
                // Built from positive ratios, the table is valid.
                let (lower, upper) = RatioTable::new(q).map_or((0.0, 1.0), |t| t.cdf(r));
                Pit { lower, upper }
            }
            Method::LogNormal => {
                let n = self.sorted.len() as f64;
                let mu = self.sum / n;
                let var = if n > 1.0 {
                    ((self.sum2 - n * mu * mu) / (n - 1.0)).max(0.0)
                } else {
                    0.0
                };
                let f = lognormal_cdf(mu, var.sqrt(), r);
                Pit { lower: f, upper: f }
            }
        }
    }
}

/// Replays `ratios` in the order given: item `i` is forecast from items `0..i` (its group's when
/// the group has at least `min_group` of them, else all of them), once `warmup` items have
/// finished. `groups` is empty, or one per ratio.
pub fn backtest(ratios: &[f64], groups: &[String], spec: &BacktestSpec) -> Backtest {
    let mut all = History::default();
    let mut by: BTreeMap<&str, History> = BTreeMap::new();
    let mut out = Backtest {
        items: ratios.len(),
        calibrated: Vec::new(),
        baseline: Vec::new(),
        from_group: 0,
    };
    for (i, &r) in ratios.iter().enumerate() {
        let group = groups.get(i).map(String::as_str);
        if i >= spec.warmup.max(1) {
            let own = group
                .and_then(|g| by.get(g))
                .filter(|h| h.sorted.len() >= spec.min_group.max(1));
            if own.is_some() {
                out.from_group += 1;
            }
            out.calibrated.push(own.unwrap_or(&all).pit(r, spec.method));
            let b = spec.baseline.cdf(r);
            out.baseline.push(Pit { lower: b, upper: b });
        }
        all.add(r);
        if let Some(g) = group {
            by.entry(g).or_default().add(r);
        }
    }
    out
}

/// The share of actuals at or below the forecasts' `level` percentile, with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coverage {
    pub level: f64,
    pub share: f64,
    pub low: f64,
    pub high: f64,
}

/// Coverage of `level` over `pits`: ties counted in expectation, the interval Wilson's (the
/// count may be fractional, from items inside an atom).
pub fn coverage(pits: &[Pit], level: f64) -> Coverage {
    let n = pits.len() as f64;
    let k: f64 = pits.iter().map(|p| p.covered(level)).sum();
    let (low, high) = wilson(k, n);
    Coverage {
        level,
        share: if n > 0.0 { k / n } else { f64::NAN },
        low,
        high,
    }
}

/// The Wilson score interval for `k` successes in `n` trials (k may be fractional).
pub fn wilson(k: f64, n: f64) -> (f64, f64) {
    if n <= 0.0 {
        return (0.0, 1.0);
    }
    let p = k / n;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// The PIT histogram: the share of items in each of `bins` equal bins of [0, 1], an item inside
/// an atom spread uniformly over it. Flat at 1 / bins when the forecasts are calibrated.
pub fn pit_histogram(pits: &[Pit], bins: usize) -> Vec<f64> {
    let n = pits.len().max(1) as f64;
    (0..bins)
        .map(|b| {
            let (a, e) = (b as f64 / bins as f64, (b + 1) as f64 / bins as f64);
            pits.iter().map(|p| p.mass(a, e)).sum::<f64>() / n
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_table_is_type_7() {
        // Five values: h = 4 p, so p = 0.5 is the middle value and p = 0.1 is 0.4 of the way
        // from the first to the second.
        let q = quantile_table(&[1.0, 2.0, 3.0, 4.0, 10.0]);
        assert_eq!(q[50], 3.0);
        assert!((q[10] - 1.4).abs() < 1e-12);
        assert_eq!((q[0], q[GRID]), (1.0, 10.0));
    }

    #[test]
    fn pit_counts_ties_inside_the_atom() {
        let p = Pit {
            lower: 0.3,
            upper: 0.7,
        };
        assert!((p.covered(0.5) - 0.5).abs() < 1e-12);
        assert_eq!(p.covered(0.2), 0.0);
        assert_eq!(p.covered(0.8), 1.0);
        let h = pit_histogram(&[p], 10);
        assert!((h[3] - 0.25).abs() < 1e-12 && h[0] == 0.0);
        assert!((h.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn quick_risk_p80_is_about_1_10() {
        // PERT over [0.9, 1, 1.3] is 0.9 + 0.4 Beta(2, 4); Beta(2, 4)'s CDF is
        // 1 - (1 - x)^4 (1 + 4x), which is 0.8 at x = 0.490192 (bisection): P80 = 1.096077.
        let q = Baseline::QUICK_RISK.quantile(0.8);
        assert!((q - 1.096_077).abs() < 1e-5, "{q}");
        assert!((Baseline::QUICK_RISK.cdf(q) - 0.8).abs() < 1e-9);
    }
}
