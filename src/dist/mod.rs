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

pub mod copula;
mod pert;
mod ratio;

pub use pert::PertTable;
pub use ratio::{RatioError, RatioTable};

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
    /// Normal truncated to `[0, inf)`: `p0` is Φ(-mean/sd), the mass cut away, and `kept` is
    /// Φ(mean/sd), the mass kept (computed as such, so that it stays exact when it is tiny). See
    /// [`Dist::quantile`] for how each is used.
    TruncNormal {
        mean: f64,
        sd: f64,
        p0: f64,
        kept: f64,
    },
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    Samples(Arc<[f64]>),
    /// A calibrated estimate: `estimate` times a ratio learned from history, so that the
    /// quantile at `u` is `estimate * ratio.quantile(u)` (one uniform per draw, like the others).
    Calibrated {
        estimate: f64,
        ratio: Arc<RatioTable>,
    },
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

/// The triangular quantile on `[a, b]` with mode `c` at `u`: both sides of the branch (each
/// square root's argument is never negative for u in [0, 1)), then a select, so that a loop of
/// them is one the compiler vectorises.
#[inline(always)]
fn triangular(a: f64, c: f64, b: f64, u: f64) -> f64 {
    let fc = (c - a) / (b - a);
    let left = a + (u * (b - a) * (c - a)).sqrt();
    let right = b - ((1.0 - u) * (b - a) * (b - c)).sqrt();
    if u < fc { left } else { right }
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
        let kept = std_normal().cdf(mean / sd);
        Ok(Dist::TruncNormal { mean, sd, p0, kept })
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

    /// `estimate` times a calibrated ratio (see [`RatioTable`]).
    pub fn calibrated(estimate: f64, ratio: Arc<RatioTable>) -> Result<Dist, DistError> {
        Ok(Dist::Calibrated {
            estimate: check(estimate)?,
            ratio,
        })
    }

    /// The duration whose cumulative probability is `u`, for `u` in (0, 1).
    #[inline]
    pub fn quantile(&self, u: f64) -> f64 {
        match self {
            Dist::Fixed(d) => *d,
            Dist::Uniform { min, max } => min + (max - min) * u,
            Dist::Triangular { low, likely, high } => triangular(*low, *likely, *high, u),
            Dist::Pert { low, high, table } => table.draw(*low, *high, u),
            Dist::TruncNormal { mean, sd, p0, kept } => {
                trunc_normal_quantile(*mean, *sd, *p0, *kept, u)
            }
            Dist::LogNormal { mu, sigma } => (mu + sigma * std_normal().inverse_cdf(u)).exp(),
            Dist::Samples(values) => {
                let i = ((u * values.len() as f64) as usize).min(values.len() - 1);
                values[i]
            }
            Dist::Calibrated { estimate, ratio } => estimate * ratio.quantile(u),
        }
    }

    /// Fills `out[j]` with the quantile of `u[j]`: one match for the whole slice, so that each
    /// distribution's loop is compiled on its own (the engine's hot path); PERT tables look up
    /// eight draws at a time where the CPU allows, with the same values.
    #[inline]
    pub fn fill(&self, out: &mut [f64], u: &[f64]) {
        match self {
            Dist::Fixed(d) => out.fill(*d),
            Dist::Uniform { min, max } => {
                for (o, &u) in out.iter_mut().zip(u) {
                    *o = min + (max - min) * u;
                }
            }
            Dist::Pert { low, high, table } => table.fill(*low, *high, u, out),
            Dist::Triangular { low, likely, high } => {
                for (o, &u) in out.iter_mut().zip(u) {
                    *o = triangular(*low, *likely, *high, u);
                }
            }
            _ => {
                for (o, &u) in out.iter_mut().zip(u) {
                    *o = self.quantile(u);
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
            Dist::Calibrated { estimate, ratio } => {
                *estimate == 0.0 || ratio.quantiles().iter().all(|x| *x == ratio.quantiles()[0])
            }
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
            Dist::Fixed(_) | Dist::Samples(_) | Dist::Calibrated { .. } => false,
        }
    }

    /// The exact mean, where it has a closed form (used by tests and reports).
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Fixed(d) => *d,
            Dist::Uniform { min, max } => (min + max) / 2.0,
            Dist::Triangular { low, likely, high } => (low + likely + high) / 3.0,
            Dist::Pert { low, high, table } => low + (high - low) * table.mean(),
            Dist::TruncNormal { mean, sd, kept, .. } => {
                // E[X | X > 0] for X ~ N(mean, sd): mean + sd * φ(a) / (1 - Φ(a)), a = -mean/sd,
                // where 1 - Φ(a) = Φ(-a) is `kept`.
                let a = -mean / sd;
                if a > ASYMPTOTIC_TAIL {
                    trunc_normal_tail_mean(a, *sd)
                } else {
                    let phi = (-0.5 * a * a).exp() / (2.0 * std::f64::consts::PI).sqrt();
                    mean + sd * phi / kept
                }
            }
            Dist::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Dist::Samples(v) => v.iter().sum::<f64>() / v.len() as f64,
            Dist::Calibrated { estimate, ratio } => estimate * ratio.mean(),
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

/// Past this many sds below zero (`a = -mean/sd`), the truncated normal is sampled through the
/// asymptotic expansion of the normal tail (`trunc_normal_tail`) rather than through Φ⁻¹: Φ(-a)
/// would underflow soon after (below 1e-308 from a ≈ 37.5), and the series needs only a few
/// terms from here on.
const ASYMPTOTIC_TAIL: f64 = 30.0;

/// The quantile of N(mean, sd) truncated to `[0, inf)`, with `p0 = Φ(-mean/sd)` and
/// `kept = Φ(mean/sd)`.
///
/// - `mean >= 0`: `Φ⁻¹(p0 + u (1 - p0))`, the lower-tail form; `1 - p0 >= 1/2`, so nothing is
///   lost to rounding.
/// - `mean < 0`: the lower-tail form would ask Φ⁻¹ for numbers within rounding of 1 (already
///   exactly 1.0, hence infinity, for the top draws from mean/sd ≈ -7.5). The upper tail is
///   exact instead: P(X > x | X > 0) = Q(z) / Q(a) with `Q(z) = Φ(-z)`, `z = (x - mean)/sd`,
///   `a = -mean/sd`, so `z = -Φ⁻¹((1 - u) Φ(-a))`, and Φ⁻¹ is accurate down to the smallest
///   floats.
/// - `a > ASYMPTOTIC_TAIL`: [`trunc_normal_tail`].
#[inline]
fn trunc_normal_quantile(mean: f64, sd: f64, p0: f64, kept: f64, u: f64) -> f64 {
    if mean >= 0.0 {
        let p = p0 + u * (1.0 - p0);
        (mean + sd * std_normal().inverse_cdf(p)).max(0.0)
    } else {
        let a = -mean / sd;
        if a > ASYMPTOTIC_TAIL {
            sd * trunc_normal_tail(a, u)
        } else {
            (mean - sd * std_normal().inverse_cdf((1.0 - u) * kept)).max(0.0)
        }
    }
}

/// The asymptotic series of `R(a) = a Q(a) / φ(a)` (a times the Mills ratio, `Q(a) = Φ(-a)`),
/// `R(a) = 1 + Σ_k (-1)^k (2k-1)!! / a^(2k)`, for `a > ASYMPTOTIC_TAIL`. Its terms fall by a
/// factor `(2k-1)/a²`, below 1/7 for every k kept: the sum stops at the first term under 1e-17,
/// long before the series would start to diverge (near k = a²/2), so its error is below 1e-17.
struct TailSeries {
    /// `terms[k - 1]` is the k-th term, `(-1)^k (2k-1)!! / a^(2k)`.
    terms: [f64; 64],
    len: usize,
}

impl TailSeries {
    fn new(a: f64) -> TailSeries {
        let inv2 = 1.0 / (a * a);
        let (mut terms, mut len, mut term) = ([0.0; 64], 0, 1.0);
        while len < terms.len() {
            term *= -((2 * len + 1) as f64) * inv2;
            terms[len] = term;
            len += 1;
            if term.abs() < 1e-17 {
                break;
            }
        }
        TailSeries { terms, len }
    }

    /// `R(a) - 1`.
    fn r_minus_one(&self) -> f64 {
        self.terms[..self.len].iter().rev().sum()
    }

    /// `R(a + t) - R(a)` given `w = ln(1 + t/a)`: term k changes by
    /// `term_k * ((a/(a+t))^(2k) - 1) = term_k * expm1(-2k w)`, with no cancellation for small t.
    fn r_change(&self, w: f64) -> f64 {
        self.terms[..self.len]
            .iter()
            .enumerate()
            .rev()
            .map(|(k, term)| term * (-2.0 * (k + 1) as f64 * w).exp_m1())
            .sum()
    }
}

/// For `a > ASYMPTOTIC_TAIL`: the `t >= 0` with P(Z > a + t | Z > a) = 1 - u, Z standard normal,
/// so that the truncated normal's quantile is `sd * t`. From `Q(z) = φ(z) R(z) / z`
/// ([`TailSeries`]),
///
/// `ln Q(a + t) - ln Q(a) = -(a t + t²/2) - ln(1 + t/a) + ln(R(a + t) / R(a))`,
///
/// every term computed without cancellation (so t is exact to rounding even for tiny u), is
/// solved for `ln(1 - u)` by Newton's method; the derivative is `-(a + t) / R(a + t)`. The start
/// is the leading term alone, the exponential tail `t = -ln(1 - u) / a` (rate a), which lies
/// above the root; the left side is concave and decreasing in t, so the iterates fall
/// monotonically onto the root, in three or four steps.
fn trunc_normal_tail(a: f64, u: f64) -> f64 {
    if !a.is_finite() {
        return 0.0;
    }
    let series = TailSeries::new(a);
    let r_a = 1.0 + series.r_minus_one();
    let target = (-u).ln_1p();
    let mut t = -target / a;
    for _ in 0..50 {
        let w = (t / a).ln_1p();
        let dr = series.r_change(w);
        let g = -(a * t + 0.5 * t * t) - w + (dr / r_a).ln_1p() - target;
        let step = g * (r_a + dr) / (a + t);
        t = (t + step).max(0.0);
        if step.is_nan() || step.abs() <= 1e-16 * t {
            break;
        }
    }
    t
}

/// The mean of N(-a sd, sd) truncated to `[0, inf)` for `a > ASYMPTOTIC_TAIL`:
/// `sd (φ(a)/Q(a) - a) = sd a (1/R(a) - 1) = sd a (1 - R(a)) / R(a)`.
fn trunc_normal_tail_mean(a: f64, sd: f64) -> f64 {
    if !a.is_finite() {
        return 0.0;
    }
    let r1 = TailSeries::new(a).r_minus_one();
    sd * a * (-r1 / (1.0 + r1))
}

pub use pert::{TableCache, build_all as build_tables};

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> impl Iterator<Item = f64> {
        (1..1000).map(|i| i as f64 / 1000.0)
    }

    /// `fill` is `quantile` draw by draw, bit for bit, for every kind of distribution (the
    /// engine draws with `fill`, the drivers and experiments with `quantile`), including
    /// triangles whose mode is at an end and the uniforms at the branch point.
    #[test]
    fn fill_is_quantile_bit_for_bit() {
        let mut cache = pert::TableCache::default();
        let dists = [
            Dist::Fixed(4.0),
            Dist::Uniform { min: 2.0, max: 7.5 },
            Dist::triangular(5.0, 10.0, 15.0).unwrap(),
            Dist::triangular(5.0, 5.0, 15.0).unwrap(),
            Dist::triangular(1.0, 9.0, 9.0).unwrap(),
            Dist::triangular(0.3, 0.4, 17.0).unwrap(),
            Dist::pert(2.0, 3.0, 11.0, &mut cache).unwrap(),
            Dist::pert(1.0, 1.0, 4.0, &mut cache).unwrap(),
            Dist::normal(3.0, 2.0).unwrap(),
            Dist::lognormal_p10_p90(4.0, 12.0).unwrap(),
            Dist::Samples(vec![3.0, 1.0, 8.0, 2.5].into()),
        ];
        let mut u: Vec<f64> = (0..4001).map(|i| i as f64 / 4001.0).collect();
        // The triangles' branch points (c - a) / (b - a) and the doubles either side.
        for f in [0.5, 0.1 / 16.7] {
            u.extend([
                f,
                f64::from_bits(f64::to_bits(f) + 1),
                f64::from_bits(f64::to_bits(f) - 1),
            ]);
        }
        u.extend([0.0, f64::MIN_POSITIVE, 1.0 - f64::EPSILON / 2.0]);
        for d in &dists {
            let mut out = vec![f64::NAN; u.len()];
            d.fill(&mut out, &u);
            for (x, got) in u.iter().zip(&out) {
                assert_eq!(
                    got.to_bits(),
                    d.quantile(*x).to_bits(),
                    "{d:?} at u = {x:e}"
                );
            }
        }
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

    /// Quantiles of N(mean, sd) truncated to [0, inf), far below zero, at the `FAR_TAIL_U`.
    /// Derived independently of this code, with mpmath at 80 digits from the f64 values of u:
    /// with a = -mean/sd and Q(z) = erfc(z/√2)/2, the quantile is sd * t where t solves
    /// ln Q(a + t) - ln Q(a) = ln(1 - u) (mpmath.findroot).
    const FAR_TAIL: &[(f64, f64, [f64; 7])] = &[
        // The upper-tail form through Φ⁻¹ (a <= 30).
        (
            -10.0,
            1.0,
            [
                9.902859652076524e-11,
                9.90776623438625e-05,
                0.01042837009184432,
                0.06841183608142941,
                0.22552681120220053,
                0.6625284007895524,
                2.4507113192318517,
            ],
        ),
        (
            -7.5,
            2.0,
            [
                5.015222231237344e-10,
                0.0005017581803396142,
                0.05267561075967868,
                0.34071729477307716,
                1.0845930629205174,
                2.9443482473048586,
                8.996352418076503,
            ],
        ),
        (
            -3.0,
            0.25,
            [
                2.0691571635617684e-11,
                2.0701853844996233e-05,
                0.002179293730731907,
                0.014308639251815594,
                0.04727657018414607,
                0.13972169513994515,
                0.5278477693403707,
            ],
        ),
        // The asymptotic tail (a > 30).
        (
            -31.0,
            1.0,
            [
                3.222460159453225e-11,
                3.224070789799781e-05,
                0.00339501511877537,
                0.022328367148036175,
                0.07411148159523898,
                0.22180777350343606,
                0.8809636546648836,
            ],
        ),
        (
            -37.0,
            1.0,
            [
                2.7007327978622158e-11,
                2.7020830786114625e-05,
                0.002845396750974143,
                0.018715326832192958,
                0.06213457497900746,
                0.1860927126897504,
                0.741385141738501,
            ],
        ),
        (
            -50.0,
            1.0,
            [
                1.999200959084558e-11,
                2.0002008257040108e-05,
                0.002106324107883999,
                0.013855486862126695,
                0.04601214895935287,
                0.1379098701076417,
                0.5512597473325673,
            ],
        ),
        (
            -1000.0,
            1.0,
            [
                9.999990005029991e-13,
                1.000499332585703e-06,
                0.0001053604047472304,
                0.0006931462471894646,
                0.002302580139483513,
                0.006907724512966323,
                0.02772547514637641,
            ],
        ),
    ];
    /// The last is 1 - 2^-40, exact in f64 (1 - 1e-12 is not, and the tail is steep there).
    const FAR_TAIL_U: [f64; 7] = [
        1e-9,
        0.001,
        0.1,
        0.5,
        0.9,
        0.999,
        1.0 - 1.0 / (1u64 << 40) as f64,
    ];

    #[test]
    fn truncated_normal_far_below_zero_is_exact() {
        for (mean, sd, exact) in FAR_TAIL {
            let d = Dist::normal(*mean, *sd).unwrap();
            let a = -mean / sd;
            for (u, x) in FAR_TAIL_U.iter().zip(exact) {
                let got = d.quantile(*u);
                assert!(
                    got.is_finite() && got > 0.0,
                    "N({mean}, {sd}) at {u}: {got}"
                );
                // Up to a = 30 the error is that of statrs' Φ(-a), measured against mpmath at
                // below 1e-10 relative for a in [3, 30]; a relative error e there moves the
                // quantile by about sd * e / a (d ln Q / dz = -z near z = a), so 1e-10 * sd
                // covers it, and 1e-12 relative covers Φ⁻¹. Past 30 the computation has no
                // cancellation and only rounding is left: 1e-13 relative.
                let tol = if a > ASYMPTOTIC_TAIL {
                    1e-13 * x
                } else {
                    1e-10 * sd + 1e-12 * x
                };
                assert!(
                    (got - x).abs() <= tol,
                    "N({mean}, {sd}) at u = {u}: got {got}, exact {x}, tolerance {tol}"
                );
            }
        }
    }

    #[test]
    fn truncated_normal_far_below_zero_is_finite_and_monotone() {
        // Every uniform the engine can draw, from 2^-54 up to 1 - 3 * 2^-54, with the fine grid.
        let eps = 1.0 / (1u64 << 54) as f64;
        let us: Vec<f64> = std::iter::once(eps)
            .chain(grid())
            .chain([1.0 - 1e-9, 1.0 - 1e-12, 1.0 - 3.0 * eps])
            .collect();
        for (mean, sd) in [
            (-7.5, 1.0),
            (-10.0, 1.0),
            (-30.0, 1.0),
            (-30.5, 1.0),
            (-1e6, 3.0),
        ] {
            let d = Dist::normal(mean, sd).unwrap();
            let mut last = 0.0f64;
            for &u in &us {
                let x = d.quantile(u);
                // Zero is allowed: below about 1e-15 * |mean| the duration is within rounding
                // of zero (the smallest u here is 2^-54, 1 - u is 1.0 in f64).
                assert!(x.is_finite() && x >= last, "N({mean}, {sd}) at {u}: {x}");
                last = x;
            }
            // The top draw is about t sds above zero where a t + t^2/2 = -ln(3 * 2^-54) = 36.3
            // (the log of the tail ratio without its slowly varying factor), not infinity.
            let a = -mean / sd;
            let t = 2.0 * 36.3 / ((a * a + 2.0 * 36.3).sqrt() + a);
            assert!(last > 0.9 * t * sd, "N({mean}, {sd}): top {last}, t {t}");
        }
    }

    #[test]
    fn truncated_normal_mean_far_below_zero() {
        // mean + sd * φ(a) / Q(a), a = -mean/sd, with mpmath at 50 digits.
        for (mean, sd, exact) in [
            (-10.0, 1.0, 0.09809323396251196),
            (-7.5, 2.0, 0.47571835793573264),
            (-50.0, 1.0, 0.01998403190563981),
            (-1000.0, 1.0, 0.00099999800001),
        ] {
            let got = Dist::normal(mean, sd).unwrap().mean();
            // Up to a = 30 the subtraction mean + sd φ/Q loses |mean| / exact of the 1e-10
            // relative accuracy of statrs' Φ(-a); past it there is no cancellation.
            let tol = 1e-10 * (mean.abs() + sd);
            assert!(
                (got - exact).abs() <= tol,
                "N({mean}, {sd}): mean {got}, exact {exact}"
            );
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
