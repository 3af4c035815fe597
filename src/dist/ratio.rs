//! A calibrated ratio: the distribution of actual / estimate learned from finished work, held as
//! its quantiles at equally spaced probabilities and read with linear interpolation between them.
//!
//! The quantile function is the piecewise-linear curve through `(i / K, q[i])`, `i = 0..=K`. A
//! run of equal quantiles is an atom (many past tasks took exactly their estimate): the curve is
//! flat there, so the distribution puts that probability on one value, and [`RatioTable::cdf`]
//! returns both limits of the CDF at such a value.

/// Why a ratio table was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RatioError {
    #[error("needs at least 2 quantiles (got {0})")]
    TooFew(usize),
    #[error("quantile {index} is {value}; every quantile must be a finite number above 0")]
    NotPositive { index: usize, value: f64 },
    #[error(
        "quantile {index} ({value}) is below the one before it ({before}); they must not decrease"
    )]
    Decreasing {
        index: usize,
        value: f64,
        before: f64,
    },
}

/// Quantiles of a ratio at `p = i / K`, `i = 0..=K`: positive, finite, non-decreasing.
#[derive(Debug, Clone, PartialEq)]
pub struct RatioTable {
    q: Vec<f64>,
}

impl RatioTable {
    pub fn new(q: Vec<f64>) -> Result<RatioTable, RatioError> {
        if q.len() < 2 {
            return Err(RatioError::TooFew(q.len()));
        }
        for (i, &v) in q.iter().enumerate() {
            if !(v.is_finite() && v > 0.0) {
                return Err(RatioError::NotPositive { index: i, value: v });
            }
            if i > 0 && v < q[i - 1] {
                return Err(RatioError::Decreasing {
                    index: i,
                    value: v,
                    before: q[i - 1],
                });
            }
        }
        Ok(RatioTable { q })
    }

    /// The quantiles, at `p = i / (len - 1)`.
    pub fn quantiles(&self) -> &[f64] {
        &self.q
    }

    /// The ratio whose cumulative probability is `u` in [0, 1].
    #[inline]
    pub fn quantile(&self, u: f64) -> f64 {
        let k = (self.q.len() - 1) as f64;
        let x = (u * k).clamp(0.0, k);
        let i = (x as usize).min(self.q.len() - 2);
        let f = x - i as f64;
        self.q[i] + f * (self.q[i + 1] - self.q[i])
    }

    /// `(P(R < x), P(R <= x))`: equal except at an atom (a run of equal quantiles), where they
    /// are the probabilities where the atom starts and ends.
    pub fn cdf(&self, x: f64) -> (f64, f64) {
        let q = &self.q;
        let k = (q.len() - 1) as f64;
        // P(R <= x) = sup{p : Q(p) <= x}: the last quantile at or below x, then along its segment.
        let last = q.partition_point(|&v| v <= x);
        let upper = if last == 0 {
            0.0
        } else if last == q.len() {
            1.0
        } else {
            let i = last - 1;
            (i as f64 + (x - q[i]) / (q[i + 1] - q[i])) / k
        };
        // P(R < x) = inf{p : Q(p) >= x}: the first quantile at or above x, back along the segment
        // before it.
        let first = q.partition_point(|&v| v < x);
        let lower = if first == 0 {
            0.0
        } else if first == q.len() {
            1.0
        } else {
            let j = first - 1;
            (j as f64 + (x - q[j]) / (q[j + 1] - q[j])) / k
        };
        (lower, upper)
    }

    /// The exact mean of the interpolated distribution: the mean of each segment's midpoint.
    pub fn mean(&self) -> f64 {
        let k = (self.q.len() - 1) as f64;
        self.q.windows(2).map(|w| (w[0] + w[1]) / 2.0).sum::<f64>() / k
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolates_and_inverts() {
        // Quantiles at p = 0, 1/4, 1/2, 3/4, 1, with an atom at 1 from p = 1/4 to 1/2.
        let t = RatioTable::new(vec![0.5, 1.0, 1.0, 2.0, 4.0]).unwrap();
        assert_eq!(t.quantile(0.0), 0.5);
        assert_eq!(t.quantile(0.125), 0.75);
        assert_eq!(t.quantile(0.3), 1.0);
        // p = 0.8: segment 3 (2 -> 4), a fifth of the way: 2.4.
        assert!((t.quantile(0.8) - 2.4).abs() < 1e-12);
        assert_eq!(t.quantile(1.0), 4.0);
        assert_eq!(t.cdf(1.0), (0.25, 0.5));
        assert_eq!(t.cdf(0.75), (0.125, 0.125));
        assert!((t.cdf(2.4).0 - 0.8).abs() < 1e-12);
        assert_eq!(t.cdf(0.1), (0.0, 0.0));
        assert_eq!(t.cdf(9.0), (1.0, 1.0));
        assert_eq!(t.cdf(4.0), (1.0, 1.0));
        assert_eq!(t.cdf(0.5), (0.0, 0.0));
        // Mean: segments' midpoints 0.75, 1, 1.5, 3 over 4.
        assert!((t.mean() - 1.5625).abs() < 1e-12);
    }

    #[test]
    fn refuses_bad_tables() {
        assert!(RatioTable::new(vec![1.0]).is_err());
        assert!(RatioTable::new(vec![1.0, 0.5]).is_err());
        assert!(RatioTable::new(vec![0.0, 0.5]).is_err());
        assert!(RatioTable::new(vec![1.0, f64::INFINITY]).is_err());
    }
}
