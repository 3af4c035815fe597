//! Duration distributions, each defined by its quantile function.
//!
//! Every sampler in shipcast turns one uniform number `u` in (0, 1) into a duration through
//! [`Dist::quantile`]. Because the uniform fully determines the draw, common random numbers,
//! Latin hypercube sampling and rank-based sensitivity work the same way for every distribution.
//!
//! ```
//! use shipcast::dist::Dist;
//! let d = Dist::triangular(5.0, 10.0, 15.0).unwrap();
//! assert_eq!(d.quantile(0.5), 10.0);
//! ```

mod pert;

pub use pert::PertTable;

use statrs::distribution::{ContinuousCDF, Normal};
use std::sync::Arc;

/// z such that Φ(z) = 0.9, used to read lognormal estimates given as percentiles.
const Z90: f64 = 1.2815515655446004;

/// Why a distribution's parameters were refused. The message reads as the end of a sentence
/// that starts with the task's name.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DistError {
    #[error("a duration cannot be negative (got {0})")]
    Negative(f64),
    #[error("a duration must be a finite number (got {0})")]
    NotFinite(f64),
    #[error("needs low <= likely <= high (got {low}, {likely}, {high})")]
    ThreePointOrder { low: f64, likely: f64, high: f64 },
    #[error("needs min <= max (got min {min}, max {max})")]
    UniformOrder { min: f64, max: f64 },
    #[error("sd must be positive (got {0})")]
    Sd(f64),
    #[error("{what} must be positive (got {value})")]
    NotPositive { what: &'static str, value: f64 },
    #[error("needs {lo_name} < {hi_name} (got {lo}, {hi})")]
    PercentileOrder {
        lo_name: &'static str,
        hi_name: &'static str,
        lo: f64,
        hi: f64,
    },
    #[error("samples needs at least one value")]
    NoSamples,
}

/// A duration distribution in working days. Construct it through the checked constructors.
#[derive(Debug, Clone)]
pub enum Dist {
    Fixed(f64),
    Uniform {
        min: f64,
        max: f64,
    },
    Triangular {
        low: f64,
        likely: f64,
        high: f64,
    },
    Pert {
        low: f64,
        high: f64,
        table: Arc<PertTable>,
    },
    /// Normal truncated to `[0, inf)`: `p0` is Φ(-mean/sd), the mass cut away.
    TruncNormal {
        mean: f64,
        sd: f64,
        p0: f64,
    },
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    Samples(Arc<[f64]>),
}

fn check(x: f64) -> Result<f64, DistError> {
    if !x.is_finite() {
        Err(DistError::NotFinite(x))
    } else if x < 0.0 {
        Err(DistError::Negative(x))
    } else {
        Ok(x)
    }
}

impl Dist {
    pub fn fixed(d: f64) -> Result<Dist, DistError> {
        Ok(Dist::Fixed(check(d)?))
    }

    pub fn uniform(min: f64, max: f64) -> Result<Dist, DistError> {
        let (min, max) = (check(min)?, check(max)?);
        if min > max {
            return Err(DistError::UniformOrder { min, max });
        }
        Ok(Dist::Uniform { min, max })
    }

    fn three_point(low: f64, likely: f64, high: f64) -> Result<(f64, f64, f64), DistError> {
        let (low, likely, high) = (check(low)?, check(likely)?, check(high)?);
        if !(low <= likely && likely <= high) {
            return Err(DistError::ThreePointOrder { low, likely, high });
        }
        Ok((low, likely, high))
    }

    pub fn triangular(low: f64, likely: f64, high: f64) -> Result<Dist, DistError> {
        let (low, likely, high) = Self::three_point(low, likely, high)?;
        if low == high {
            return Ok(Dist::Fixed(low));
        }
        Ok(Dist::Triangular { low, likely, high })
    }

    /// PERT: `low + (high - low) * Beta(1 + 4 r, 1 + 4 (1 - r))` with `r = (likely - low) / (high - low)`,
    /// so that the mean is `(low + 4 likely + high) / 6`. Tables are shared through `cache`.
    pub fn pert(
        low: f64,
        likely: f64,
        high: f64,
        cache: &mut pert::TableCache,
    ) -> Result<Dist, DistError> {
        let (low, likely, high) = Self::three_point(low, likely, high)?;
        if low == high {
            return Ok(Dist::Fixed(low));
        }
        let r = (likely - low) / (high - low);
        let table = cache.get(1.0 + 4.0 * r, 1.0 + 4.0 * (1.0 - r));
        Ok(Dist::Pert { low, high, table })
    }

    pub fn normal(mean: f64, sd: f64) -> Result<Dist, DistError> {
        if !mean.is_finite() {
            return Err(DistError::NotFinite(mean));
        }
        if !(sd > 0.0 && sd.is_finite()) {
            return Err(DistError::Sd(sd));
        }
        let p0 = std_normal().cdf(-mean / sd);
        Ok(Dist::TruncNormal { mean, sd, p0 })
    }

    /// Lognormal whose 10th and 90th percentiles are `p10` and `p90`.
    pub fn lognormal_p10_p90(p10: f64, p90: f64) -> Result<Dist, DistError> {
        positive("p10", p10)?;
        positive("p90", p90)?;
        if p10 >= p90 {
            return Err(DistError::PercentileOrder {
                lo_name: "p10",
                hi_name: "p90",
                lo: p10,
                hi: p90,
            });
        }
        let mu = (p10.ln() + p90.ln()) / 2.0;
        let sigma = (p90.ln() - p10.ln()) / (2.0 * Z90);
        Ok(Dist::LogNormal { mu, sigma })
    }

    /// Lognormal with the given median and 90th percentile.
    pub fn lognormal_median_p90(median: f64, p90: f64) -> Result<Dist, DistError> {
        positive("median", median)?;
        positive("p90", p90)?;
        if median >= p90 {
            return Err(DistError::PercentileOrder {
                lo_name: "median",
                hi_name: "p90",
                lo: median,
                hi: p90,
            });
        }
        let mu = median.ln();
        Ok(Dist::LogNormal {
            mu,
            sigma: (p90.ln() - mu) / Z90,
        })
    }

    /// Resampled history: each draw picks one of `values` with equal probability.
    pub fn samples(values: Vec<f64>) -> Result<Dist, DistError> {
        if values.is_empty() {
            return Err(DistError::NoSamples);
        }
        for &v in &values {
            check(v)?;
        }
        Ok(Dist::Samples(values.into()))
    }

    /// The duration whose cumulative probability is `u`, for `u` in (0, 1).
    #[inline]
    pub fn quantile(&self, u: f64) -> f64 {
        match self {
            Dist::Fixed(d) => *d,
            Dist::Uniform { min, max } => min + (max - min) * u,
            Dist::Triangular { low, likely, high } => {
                let (a, c, b) = (*low, *likely, *high);
                let fc = (c - a) / (b - a);
                if u < fc {
                    a + (u * (b - a) * (c - a)).sqrt()
                } else {
                    b - ((1.0 - u) * (b - a) * (b - c)).sqrt()
                }
            }
            Dist::Pert { low, high, table } => low + (high - low) * table.quantile(u),
            Dist::TruncNormal { mean, sd, p0 } => {
                let p = p0 + u * (1.0 - p0);
                (mean + sd * std_normal().inverse_cdf(p)).max(0.0)
            }
            Dist::LogNormal { mu, sigma } => (mu + sigma * std_normal().inverse_cdf(u)).exp(),
            Dist::Samples(values) => {
                let i = ((u * values.len() as f64) as usize).min(values.len() - 1);
                values[i]
            }
        }
    }

    /// Fills `out[j]` with the quantile of `u(j)`: one match for the whole slice, so that each
    /// distribution's loop is compiled on its own (the engine's hot path). A fixed duration
    /// does not even draw its uniforms.
    #[inline]
    pub fn fill(&self, out: &mut [f64], u: impl Fn(usize) -> f64) {
        match self {
            Dist::Fixed(d) => out.fill(*d),
            Dist::Uniform { min, max } => {
                for (j, o) in out.iter_mut().enumerate() {
                    *o = min + (max - min) * u(j);
                }
            }
            Dist::Pert { low, high, table } => {
                for (j, o) in out.iter_mut().enumerate() {
                    *o = low + (high - low) * table.quantile(u(j));
                }
            }
            _ => {
                for (j, o) in out.iter_mut().enumerate() {
                    *o = self.quantile(u(j));
                }
            }
        }
    }

    /// Every draw is the same value.
    pub fn is_constant(&self) -> bool {
        match self {
            Dist::Fixed(_) => true,
            Dist::Uniform { min, max } => min == max,
            Dist::Samples(v) => v.iter().all(|x| *x == v[0]),
            _ => false,
        }
    }

    /// The quantile function is strictly increasing, so a draw's rank is its uniform's rank.
    pub fn is_continuous(&self) -> bool {
        match self {
            Dist::Uniform { min, max } => min < max,
            Dist::Triangular { .. }
            | Dist::Pert { .. }
            | Dist::TruncNormal { .. }
            | Dist::LogNormal { .. } => true,
            Dist::Fixed(_) | Dist::Samples(_) => false,
        }
    }

    /// The exact mean, where it has a closed form (used by tests and reports).
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Fixed(d) => *d,
            Dist::Uniform { min, max } => (min + max) / 2.0,
            Dist::Triangular { low, likely, high } => (low + likely + high) / 3.0,
            Dist::Pert { low, high, table } => low + (high - low) * table.mean(),
            Dist::TruncNormal { mean, sd, p0 } => {
                // E[X | X > 0] for X ~ N(mean, sd): mean + sd * φ(a) / (1 - Φ(a)), a = -mean/sd.
                let a = -mean / sd;
                let phi = (-0.5 * a * a).exp() / (2.0 * std::f64::consts::PI).sqrt();
                mean + sd * phi / (1.0 - p0)
            }
            Dist::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Dist::Samples(v) => v.iter().sum::<f64>() / v.len() as f64,
        }
    }
}

fn positive(what: &'static str, value: f64) -> Result<(), DistError> {
    if value > 0.0 && value.is_finite() {
        Ok(())
    } else {
        Err(DistError::NotPositive { what, value })
    }
}

fn std_normal() -> Normal {
    Normal::standard()
}

pub use pert::TableCache;

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> impl Iterator<Item = f64> {
        (1..1000).map(|i| i as f64 / 1000.0)
    }

    #[test]
    fn triangular_quantile_inverts_cdf() {
        let d = Dist::triangular(5.0, 10.0, 15.0).unwrap();
        // F(x) = (x-5)^2/50 below the mode, so F(7.5) = 0.125.
        assert!((d.quantile(0.125) - 7.5).abs() < 1e-12);
        assert!((d.quantile(0.875) - 12.5).abs() < 1e-12);
    }

    #[test]
    fn lognormal_hits_its_percentiles() {
        let d = Dist::lognormal_p10_p90(4.0, 12.0).unwrap();
        assert!((d.quantile(0.1) - 4.0).abs() < 1e-9);
        assert!((d.quantile(0.9) - 12.0).abs() < 1e-9);
        let d = Dist::lognormal_median_p90(6.0, 12.0).unwrap();
        assert!((d.quantile(0.5) - 6.0).abs() < 1e-9);
        assert!((d.quantile(0.9) - 12.0).abs() < 1e-9);
    }

    #[test]
    fn truncated_normal_is_never_negative_and_monotone() {
        let d = Dist::normal(1.0, 2.0).unwrap();
        let mut last = -1.0;
        for u in grid() {
            let x = d.quantile(u);
            assert!(x >= 0.0 && x >= last);
            last = x;
        }
    }

    #[test]
    fn samples_pick_each_value_equally() {
        let d = Dist::samples(vec![1.0, 2.0, 3.0, 4.0]).unwrap();
        assert_eq!(d.quantile(0.01), 1.0);
        assert_eq!(d.quantile(0.26), 2.0);
        assert_eq!(d.quantile(0.99), 4.0);
    }

    #[test]
    fn constructors_reject_bad_parameters() {
        assert!(Dist::triangular(10.0, 5.0, 15.0).is_err());
        assert!(Dist::uniform(3.0, 2.0).is_err());
        assert!(Dist::fixed(-1.0).is_err());
        assert!(Dist::normal(3.0, 0.0).is_err());
        assert!(Dist::lognormal_p10_p90(5.0, 5.0).is_err());
        assert!(Dist::samples(vec![]).is_err());
    }
}
