//! The matrix arithmetic of correlated estimates (a Gaussian copula): checking that a
//! correlation matrix is one (positive semi-definite), its Cholesky factor, the nearest
//! correlation matrix when it is not (Higham 2002), and the map from independent uniforms to
//! correlated ones.
//!
//! The copula acts on uniforms only: `z_i = Φ⁻¹(u_i)` from each task's own uniform,
//! `x = L z` with `L Lᵀ = C`, `u'_i = Φ(x_i)`. Each `x_i` is standard normal (the rows of `L`
//! have unit length when C has a unit diagonal), so each `u'_i` is uniform and every task keeps
//! exactly the distribution it declares; only the dependence between them changes.
//!
//! Matrices are dense, row-major `n x n` slices.

use statrs::distribution::{ContinuousCDF, Normal};

/// A pivot of the Cholesky factorization at or below this counts as zero: the matrix is
/// singular there (a coefficient of 1 makes it so), not indefinite. A correlation matrix has a
/// unit diagonal, so the tolerance is absolute.
const PIVOT_TOL: f64 = 1e-10;

/// Below a zero pivot, what is left of each entry may be at most this (for a positive
/// semi-definite matrix it is at most `sqrt(pivot * its own pivot)`).
const RESIDUAL_TOL: f64 = 1e-5;

/// The smallest and largest uniforms the copula hands on: those of the raw stream's grid
/// (`(k + 0.5) 2⁻⁵³`), so that no quantile function sees 0 or 1.
const U_MIN: f64 = 0.5 / (1u64 << 53) as f64;
const U_MAX: f64 = 1.0 - 1.0 / (1u64 << 53) as f64;

/// The lower-triangular `L` (row-major) with `L Lᵀ = a`, for a symmetric positive
/// semi-definite `a`; None when `a` is not positive semi-definite. A zero pivot (within
/// [`PIVOT_TOL`]: a singular matrix, as perfect correlation makes) gives a zero column, so
/// `[[1, 1], [1, 1]]` factors as `[[1, 0], [1, 0]]` and both tasks get the same normal.
pub fn cholesky(a: &[f64], n: usize) -> Option<Vec<f64>> {
    debug_assert_eq!(a.len(), n * n);
    let mut l = vec![0.0; n * n];
    for j in 0..n {
        let d = a[j * n + j] - (0..j).map(|k| l[j * n + k] * l[j * n + k]).sum::<f64>();
        if d < -PIVOT_TOL || d.is_nan() {
            return None;
        }
        if d <= PIVOT_TOL {
            for i in j + 1..n {
                let r = a[i * n + j] - (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum::<f64>();
                if r.abs() > RESIDUAL_TOL {
                    return None;
                }
            }
            continue;
        }
        let pivot = d.sqrt();
        l[j * n + j] = pivot;
        for i in j + 1..n {
            let r = a[i * n + j] - (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum::<f64>();
            l[i * n + j] = r / pivot;
        }
    }
    Some(l)
}

/// The eigenvalues of a symmetric matrix (ascending) and its eigenvectors (column `k` of the
/// row-major result belongs to eigenvalue `k`), by cyclic Jacobi rotations: slow for large
/// matrices, exact to rounding, and ample for correlation groups of a few dozen tasks.
pub fn symmetric_eigen(a: &[f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut m = a.to_vec();
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    let scale: f64 = m.iter().map(|x| x * x).sum::<f64>().max(f64::MIN_POSITIVE);
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| m[i * n + j] * m[i * n + j])
            .sum();
        if off <= 1e-30 * scale {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = m[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let (app, aqq) = (m[p * n + p], m[q * n + q]);
                let theta = (aqq - app) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (mkp, mkq) = (m[k * n + p], m[k * n + q]);
                    m[k * n + p] = c * mkp - s * mkq;
                    m[k * n + q] = s * mkp + c * mkq;
                }
                for k in 0..n {
                    let (mpk, mqk) = (m[p * n + k], m[q * n + k]);
                    m[p * n + k] = c * mpk - s * mqk;
                    m[q * n + k] = s * mpk + c * mqk;
                }
                for k in 0..n {
                    let (vkp, vkq) = (v[k * n + p], v[k * n + q]);
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| m[a * n + a].total_cmp(&m[b * n + b]));
    let values = order.iter().map(|&k| m[k * n + k]).collect();
    let mut vectors = vec![0.0; n * n];
    for (new, &old) in order.iter().enumerate() {
        for r in 0..n {
            vectors[r * n + new] = v[r * n + old];
        }
    }
    (values, vectors)
}

/// The smallest eigenvalue of a symmetric matrix: negative when it is not a covariance.
pub fn smallest_eigenvalue(a: &[f64], n: usize) -> f64 {
    symmetric_eigen(a, n).0.first().copied().unwrap_or(0.0)
}

/// The nearest positive semi-definite matrix in the Frobenius norm: the negative eigenvalues
/// set to zero.
fn psd_projection(a: &[f64], n: usize) -> Vec<f64> {
    let (values, vectors) = symmetric_eigen(a, n);
    let mut out = vec![0.0; n * n];
    for (k, &lambda) in values.iter().enumerate() {
        if lambda <= 0.0 {
            continue;
        }
        for i in 0..n {
            let vik = vectors[i * n + k] * lambda;
            for j in 0..n {
                out[i * n + j] += vik * vectors[j * n + k];
            }
        }
    }
    // Symmetric to the last bit.
    for i in 0..n {
        for j in 0..i {
            let m = 0.5 * (out[i * n + j] + out[j * n + i]);
            out[i * n + j] = m;
            out[j * n + i] = m;
        }
    }
    out
}

/// The correlation matrix nearest to the symmetric `a` in the Frobenius norm, by Higham's
/// alternating projections with Dykstra's correction (N. J. Higham, "Computing the nearest
/// correlation matrix: a problem from finance", IMA J. Numer. Anal. 22, 2002, Algorithm 3.3):
/// project onto the positive semi-definite matrices (with the correction), then onto those with a
/// unit diagonal, until the two agree. The result is the last positive semi-definite iterate
/// scaled to a unit diagonal (`D^-1/2 X D^-1/2`, which keeps it positive semi-definite), so that
/// it always factors.
pub fn nearest_correlation(a: &[f64], n: usize) -> Vec<f64> {
    let mut y = a.to_vec();
    let mut ds = vec![0.0; n * n];
    let mut x = y.clone();
    for _ in 0..10_000 {
        let r: Vec<f64> = y.iter().zip(&ds).map(|(y, d)| y - d).collect();
        x = psd_projection(&r, n);
        for k in 0..n * n {
            ds[k] = x[k] - r[k];
        }
        let mut next = x.clone();
        for i in 0..n {
            next[i * n + i] = 1.0;
        }
        let change: f64 = next.iter().zip(&y).map(|(a, b)| (a - b).powi(2)).sum();
        let gap: f64 = next.iter().zip(&x).map(|(a, b)| (a - b).powi(2)).sum();
        y = next;
        if change.sqrt() <= 1e-12 * (n as f64) && gap.sqrt() <= 1e-12 * (n as f64) {
            break;
        }
    }
    let d: Vec<f64> = (0..n)
        .map(|i| 1.0 / x[i * n + i].max(f64::MIN_POSITIVE).sqrt())
        .collect();
    let mut out = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            out[i * n + j] = if i == j {
                1.0
            } else {
                (x[i * n + j] * d[i] * d[j]).clamp(-1.0, 1.0)
            };
        }
    }
    out
}

/// Φ⁻¹, the standard normal quantile.
#[inline]
pub fn normal_quantile(u: f64) -> f64 {
    Normal::standard().inverse_cdf(u)
}

/// The correlated uniform of a group's member: `Φ(Σ_k row[k] z(k))` over its row of the
/// Cholesky factor (`row[k]` for `k <= i`), kept inside the raw streams' open interval. The
/// engine and the drivers both call this, in the same order, so they agree to the last bit.
#[inline]
pub fn correlate(row: &[f64], z: impl Fn(usize) -> f64) -> f64 {
    let mut x = 0.0;
    for (k, &l) in row.iter().enumerate() {
        x += l * z(k);
    }
    Normal::standard().cdf(x).clamp(U_MIN, U_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(l: &[f64], n: usize) -> Vec<f64> {
        let mut out = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                out[i * n + j] = (0..n).map(|k| l[i * n + k] * l[j * n + k]).sum();
            }
        }
        out
    }

    #[test]
    fn cholesky_of_a_known_matrix() {
        // [[4, 2, 2], [2, 5, 3], [2, 3, 6]] = L Lᵀ with L = [[2, 0, 0], [1, 2, 0], [1, 1, 2]]
        // (row 2: 2*1 = 2, 1 + 4 = 5; row 3: 2, 1 + 2 = 3, 1 + 1 + 4 = 6).
        let a = [4.0, 2.0, 2.0, 2.0, 5.0, 3.0, 2.0, 3.0, 6.0];
        let l = cholesky(&a, 3).unwrap();
        let want = [2.0, 0.0, 0.0, 1.0, 2.0, 0.0, 1.0, 1.0, 2.0];
        for (g, w) in l.iter().zip(want) {
            assert!((g - w).abs() < 1e-15, "{l:?}");
        }
    }

    #[test]
    fn perfect_correlation_factors_with_a_zero_column() {
        let l = cholesky(&[1.0, 1.0, 1.0, 1.0], 2).unwrap();
        assert_eq!(l, vec![1.0, 0.0, 1.0, 0.0]);
        // Three tasks, all perfectly correlated: every row is (1, 0, 0).
        let l = cholesky(&[1.0; 9], 3).unwrap();
        assert_eq!(l, vec![1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
        // Perfectly anti-correlated.
        assert_eq!(
            cholesky(&[1.0, -1.0, -1.0, 1.0], 2).unwrap(),
            vec![1.0, 0.0, -1.0, 0.0]
        );
    }

    #[test]
    fn an_indefinite_matrix_does_not_factor() {
        // Pairwise -0.6 among three: eigenvalues 1 + 2(-0.6) = -0.2 and 1.6 (twice).
        let a = [1.0, -0.6, -0.6, -0.6, 1.0, -0.6, -0.6, -0.6, 1.0];
        assert!(cholesky(&a, 3).is_none());
        assert!((smallest_eigenvalue(&a, 3) + 0.2).abs() < 1e-12);
        // a and b perfectly correlated, but b and c apart while a and c are not: singular
        // pivot with a residual, caught below the zero pivot.
        let a = [1.0, 1.0, 0.5, 1.0, 1.0, 0.0, 0.5, 0.0, 1.0];
        assert!(cholesky(&a, 3).is_none());
        assert!(smallest_eigenvalue(&a, 3) < -0.1);
    }

    #[test]
    fn the_pra_matrix_factors_and_reproduces() {
        let a = [1.0, 0.5, 0.3, 0.5, 1.0, 0.4, 0.3, 0.4, 1.0];
        let l = cholesky(&a, 3).unwrap();
        for (g, w) in product(&l, 3).iter().zip(a) {
            assert!((g - w).abs() < 1e-15);
        }
        // Lower triangular, positive diagonal.
        assert!(l[1] == 0.0 && l[2] == 0.0 && l[5] == 0.0);
        assert!((0..3).all(|i| l[i * 3 + i] > 0.0));
    }

    #[test]
    fn eigen_decomposition_reconstructs() {
        let a = [2.0, -1.0, 0.0, -1.0, 2.0, -1.0, 0.0, -1.0, 2.0];
        let (values, v) = symmetric_eigen(&a, 3);
        // Eigenvalues of the second-difference matrix: 2 - 2 cos(k pi / 4), k = 1, 2, 3.
        let want = [2.0 - 2f64.sqrt(), 2.0, 2.0 + 2f64.sqrt()];
        for (g, w) in values.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{values:?}");
        }
        for i in 0..3 {
            for j in 0..3 {
                let x: f64 = (0..3)
                    .map(|k| v[i * 3 + k] * values[k] * v[j * 3 + k])
                    .sum();
                assert!((x - a[i * 3 + j]).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn higham_s_example() {
        // Higham (2002), section 4: the nearest correlation matrix to [[1, 1, 0], [1, 1, 1],
        // [0, 1, 1]] is [[1, 0.7607, 0.1573], [0.7607, 1, 0.7607], [0.1573, 0.7607, 1]] (to the
        // four places printed there).
        let a = [1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0];
        let x = nearest_correlation(&a, 3);
        let want = [
            1.0, 0.7607, 0.1573, 0.7607, 1.0, 0.7607, 0.1573, 0.7607, 1.0,
        ];
        for (g, w) in x.iter().zip(want) {
            assert!((g - w).abs() < 5e-5, "{x:?}");
        }
        assert!(cholesky(&x, 3).is_some());
    }

    #[test]
    fn repairs_are_correlation_matrices_closer_than_the_input() {
        // Pairwise -0.6 among three (not PSD): by symmetry the nearest correlation matrix is
        // pairwise c, and the closest c with 1 + 2c >= 0 is -1/2.
        let a = [1.0, -0.6, -0.6, -0.6, 1.0, -0.6, -0.6, -0.6, 1.0];
        let x = nearest_correlation(&a, 3);
        for i in 0..3 {
            assert_eq!(x[i * 3 + i], 1.0);
            for j in 0..3 {
                assert_eq!(x[i * 3 + j], x[j * 3 + i]);
                if i != j {
                    assert!((x[i * 3 + j] + 0.5).abs() < 1e-6, "{x:?}");
                }
            }
        }
        assert!(smallest_eigenvalue(&x, 3) > -1e-9);
        assert!(cholesky(&x, 3).is_some());
        // A positive semi-definite input comes back as it was.
        let ok = [1.0, 0.5, 0.3, 0.5, 1.0, 0.4, 0.3, 0.4, 1.0];
        let y = nearest_correlation(&ok, 3);
        for (g, w) in y.iter().zip(ok) {
            assert!((g - w).abs() < 1e-9);
        }
        // A larger, random-looking one: unit diagonal, PSD, and no farther than the identity
        // (a correlation matrix) is from the input.
        let n = 5;
        let mut b = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                b[i * n + j] = if i == j {
                    1.0
                } else {
                    (((i + j) * 7 % 11) as f64 / 5.0 - 1.0) * 0.95
                };
            }
        }
        assert!(cholesky(&b, n).is_none());
        let x = nearest_correlation(&b, n);
        assert!(cholesky(&x, n).is_some());
        let dist = |m: &[f64]| -> f64 { m.iter().zip(&b).map(|(p, q)| (p - q).powi(2)).sum() };
        let identity: Vec<f64> = (0..n * n)
            .map(|k| if k % (n + 1) == 0 { 1.0 } else { 0.0 })
            .collect();
        assert!(dist(&x) < dist(&identity));
    }

    #[test]
    fn correlate_keeps_perfectly_correlated_uniforms_identical() {
        let z = normal_quantile(0.3);
        let a = correlate(&[1.0], |_| z);
        let b = correlate(&[1.0, 0.0], |k| if k == 0 { z } else { 1.7 });
        assert_eq!(a.to_bits(), b.to_bits());
        assert!((a - 0.3).abs() < 1e-15);
        // Far tails stay inside the open interval.
        assert_eq!(correlate(&[1.0], |_| 40.0), U_MAX);
        assert_eq!(correlate(&[1.0], |_| -40.0), U_MIN);
    }
}
