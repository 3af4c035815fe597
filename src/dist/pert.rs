//! A fast, accurate inverse of the Beta CDF for PERT durations.
//!
//! Inverting the regularized incomplete beta function takes a Newton search per draw (about a
//! microsecond). Instead, each distinct Beta(α, β) shape gets a small table of cells laid out
//! in the *probability* u, so that a draw finds its cell from u alone, by arithmetic on its
//! bits, with no search: with `t = min(u, 1 - u)` (exact in floating point), octave `o` holds
//! `t` in `[2^-(o+2), 2^-(o+1))` and is cut into [`SUB`] equal cells, one set of [`OCTAVES`]
//! octaves for each half of [0, 1]. Cells halve in width toward either end, where the quantile
//! bends like a power of `t`, so a cubic follows it in every cell. In each cell the quantile is
//! `x0 + span * τ(s)` with `s` the position in the cell and `τ` the Hermite interpolant whose
//! end slopes are those of the quantile (`1 / f`, f the Beta density), limited to keep it
//! monotone (Fritsch and Carlson); the cell's ends are the exact quantiles there (Newton's
//! method on statrs' `beta_reg`). A draw is then three loads from one cell and a cubic: no
//! division, no search, no branch.
//!
//! Beyond the last octave (`t` below `2^-17`, about one draw in 65,000) the quantile is the
//! exact inverse, found by Newton's method from the power law the CDF follows there.
//!
//! The table is 6 KiB per shape, of which a block of draws reads mostly the first octaves of
//! each side (the last ones hold little probability). Where the CPU has AVX-512 (or AVX2), a
//! block's draws are looked up eight (or four) at a time ([`PertTable::fill`]), with the same
//! values.
//!
//! Accuracy, measured against statrs' Beta inverse CDF for the shapes of three-point estimates
//! (`tests::accuracy_against_statrs`): at most 3.1e-7 of the range for u in [0.01, 0.99] and
//! 1.6e-7 in the outer tails (on a 20-day estimate: 6e-6 and 3e-6 days).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use statrs::function::beta::ln_beta;
use statrs::function::gamma::ln_gamma;

/// Octaves of `t = min(u, 1 - u)` on each side: `t` down to `2^-(OCTAVES + 1)`.
const OCTAVES: usize = 16;

/// Cells per octave.
const SUB: usize = 8;

/// Cells per side (u below one half, and from one half up).
const SIDE: usize = OCTAVES * SUB;

/// One cell: `x = x0 + span * τ(s)` with `τ(s) = (s (a1 + s (a2 + s a3))).clamp(0, 1)`, `s` the
/// position in the cell as `f32`. Laid out as C lays it out (24 bytes: `x0`, then the four
/// `f32`s) for the vectorised lookup, which reads `x0` and the four `f32`s (one 16-byte load)
/// by offset. `span` is negative in
/// the upper half, where x falls as `t` grows.
#[derive(Debug, Clone, Copy)]
#[repr(C)]
struct Cell {
    x0: f64,
    span: f32,
    a1: f32,
    a2: f32,
    a3: f32,
}

// The vectorised lookup reads cell c's three 8-byte words at 8 * (3c + w).
const _: () = assert!(std::mem::size_of::<Cell>() == 24);

/// The quantile of a standard Beta(α, β), cell by cell in the probability (see the module).
/// The cells are computed on first use, or by [`build_all`] for many tables at once.
#[derive(Debug)]
pub struct PertTable {
    alpha: f64,
    beta: f64,
    grid: OnceLock<Grid>,
}

/// A [`PertTable`]'s cells: the lower half's [`SIDE`], then the upper half's.
#[derive(Debug)]
struct Grid {
    cells: Box<[Cell]>,
}

/// Where `u` falls: its cell and its position in the cell (`f64`, exact), or None beyond the
/// last octave (and for u outside [0, 1), or NaN), where [`PertTable::exact`] answers.
#[inline(always)]
fn locate(u: f64) -> Option<(usize, f64)> {
    let upper = u >= 0.5;
    let t = if upper { 1.0 - u } else { u };
    if !(t > 0.0 && u < 1.0) {
        return None;
    }
    let bits = t.to_bits();
    // t in [2^(e - 1023), 2^(e - 1022)): octave 1021 - e (t = 1/2 gives -1: the end of
    // octave 0).
    let o = 1021 - (bits >> 52) as i64;
    let (o, sub, s) = if o < 0 {
        (0, SUB - 1, 1.0)
    } else {
        let m = f64::from_bits((bits & ((1u64 << 52) - 1)) | 1.0f64.to_bits()) - 1.0;
        let pos = m * SUB as f64;
        let sub = pos as usize;
        (o as usize, sub, pos - sub as f64)
    };
    if o >= OCTAVES {
        return None;
    }
    Some((usize::from(upper) * SIDE + o * SUB + sub, s))
}

impl PertTable {
    /// The table of Beta(α, β), computed now.
    pub fn new(alpha: f64, beta: f64) -> PertTable {
        let table = PertTable::lazy(alpha, beta);
        table.grid();
        table
    }

    /// The table of Beta(α, β), computed on first use.
    fn lazy(alpha: f64, beta: f64) -> PertTable {
        PertTable {
            alpha,
            beta,
            grid: OnceLock::new(),
        }
    }

    #[inline(always)]
    fn grid(&self) -> &Grid {
        self.grid.get_or_init(|| Grid::new(self.alpha, self.beta))
    }

    /// The quantile on [0, 1] of the standard Beta(α, β), for u in (0, 1).
    #[inline(always)]
    pub fn quantile(&self, u: f64) -> f64 {
        match locate(u) {
            Some((c, s)) => self.grid().cells[c].at(s),
            None => self.exact(u),
        }
    }

    /// The exact quantile (beyond the last octave, and for u outside [0, 1): 0 below one half,
    /// 1 from one half up, NaN for NaN).
    #[cold]
    #[inline(never)]
    fn exact(&self, u: f64) -> f64 {
        if u.is_nan() {
            return u;
        }
        // The table's value where its last octave starts bounds the exact tail, so that the
        // two meet without a step back (the inverse is as exact as beta_reg's rounding).
        let deepest = (OCTAVES - 1) * SUB;
        if u >= 0.5 {
            let t = 1.0 - u;
            if t > 0.0 {
                let edge = self.grid().cells[SIDE + deepest].x0;
                (1.0 - inverse(&Incomplete::new(self.beta, self.alpha), t, None, 1e-12)).max(edge)
            } else {
                1.0
            }
        } else if u > 0.0 {
            let edge = self.grid().cells[deepest].x0;
            inverse(&Incomplete::new(self.alpha, self.beta), u, None, 1e-12).min(edge)
        } else {
            0.0
        }
    }

    /// `out[j] = low + (high - low) * self.quantile(u[j])` for each j, with the same values:
    /// eight at a time where the CPU has AVX-512, four with AVX2, otherwise one by one.
    #[inline]
    pub fn fill(&self, low: f64, high: f64, u: &[f64], out: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512vl")
            && std::arch::is_x86_feature_detected!("avx512dq")
        {
            // SAFETY: the CPU has the features `fill_avx512` is compiled for (checked above).
            return unsafe { self.fill_avx512(low, high, u, out) };
        }
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: as above, for `fill_avx2`.
            return unsafe { self.fill_avx2(low, high, u, out) };
        }
        self.fill_scalar(low, high, u, out);
    }

    /// [`PertTable::fill`] one draw at a time.
    fn fill_scalar(&self, low: f64, high: f64, u: &[f64], out: &mut [f64]) {
        for (o, &u) in out.iter_mut().zip(u) {
            *o = self.draw(low, high, u);
        }
    }

    /// One PERT draw on `[low, high]` at uniform `u`: what every path of
    /// [`PertTable::fill`] gives, and what `Dist::quantile` gives.
    #[inline(always)]
    pub fn draw(&self, low: f64, high: f64, u: f64) -> f64 {
        low + (high - low) * self.quantile(u)
    }

    /// The lanes in `again` (bit b: `out[b]`) looked up again one by one: those beyond the
    /// last octave, and any u outside [0, 1).
    #[inline(always)]
    fn redo(&self, low: f64, high: f64, u: &[f64], out: &mut [f64], mut again: u32) {
        while again != 0 {
            let b = again.trailing_zeros() as usize;
            again &= again - 1;
            out[b] = self.draw(low, high, u[b]);
        }
    }

    /// [`PertTable::fill`] eight draws at a time: [`locate`] on the bits of each lane, each
    /// lane's cell by plain loads (`x0`, and its four `f32`s in one load, transposed into
    /// vectors; on this Zen 4, a third faster than three gathers of eight), and the cubic, the same operations in the same order (no
    /// fused multiply-add) as [`PertTable::quantile`], so the same values. Lanes beyond the
    /// last octave, or outside [0, 1), are looked up again one by one.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512vl,avx512dq,avx2")]
    unsafe fn fill_avx512(&self, low: f64, high: f64, u: &[f64], out: &mut [f64]) {
        use std::arch::x86_64::*;
        let n = u.len().min(out.len());
        let words = self.grid().cells.as_ptr().cast::<i64>();
        let x0s = words.cast::<f64>();
        let (lowv, spanv) = (_mm512_set1_pd(low), _mm512_set1_pd(high - low));
        let (zero, unit) = (_mm256_set1_ps(0.0), _mm256_set1_ps(1.0));
        let one = _mm512_set1_pd(1.0);
        let mantissa = _mm512_set1_epi64((1i64 << 52) - 1);
        let one_bits = _mm512_set1_epi64(1.0f64.to_bits() as i64);
        let clamp = |x: __m256| {
            let x = _mm256_mask_blend_ps(_mm256_cmp_ps_mask::<_CMP_LT_OQ>(x, zero), x, zero);
            _mm256_mask_blend_ps(_mm256_cmp_ps_mask::<_CMP_GT_OQ>(x, unit), x, unit)
        };
        let mut at = 0;
        while at + 8 <= n {
            // SAFETY (every load below): `at + 8 <= n` bounds the loads and
            // stores; cell indices are below 2 * SIDE (lanes that would fall outside read cell
            // 0 and are looked up again) and each word is inside its cell's 24 bytes.
            let uv = unsafe { _mm512_loadu_pd(u.as_ptr().add(at)) };
            let upper = _mm512_cmp_pd_mask::<_CMP_GE_OQ>(uv, _mm512_set1_pd(0.5));
            let t = _mm512_mask_blend_pd(upper, uv, _mm512_sub_pd(one, uv));
            // As `locate`: not (t > 0 and u < 1), NaN included.
            let bad = !(_mm512_cmp_pd_mask::<_CMP_GT_OQ>(t, _mm512_setzero_pd())
                & _mm512_cmp_pd_mask::<_CMP_LT_OQ>(uv, one));
            let bits = _mm512_castpd_si512(t);
            let o = _mm256_sub_epi32(
                _mm256_set1_epi32(1021),
                _mm512_cvtepi64_epi32(_mm512_srli_epi64::<52>(bits)),
            );
            let m = _mm512_sub_pd(
                _mm512_castsi512_pd(_mm512_or_si512(_mm512_and_si512(bits, mantissa), one_bits)),
                one,
            );
            let pos = _mm512_mul_pd(m, _mm512_set1_pd(SUB as f64));
            let sub = _mm512_cvttpd_epi32(pos);
            let s = _mm512_sub_pd(pos, _mm512_cvtepi32_pd(sub));
            // t = 1/2: the end of octave 0's last cell.
            let half = _mm256_cmplt_epi32_mask(o, _mm256_setzero_si256());
            let o = _mm256_mask_mov_epi32(o, half, _mm256_setzero_si256());
            let sub = _mm256_mask_mov_epi32(sub, half, _mm256_set1_epi32(SUB as i32 - 1));
            let s = _mm512_mask_mov_pd(s, half, one);
            let deep = _mm256_cmpgt_epi32_mask(o, _mm256_set1_epi32(OCTAVES as i32 - 1));
            let again = bad | deep;
            let c = _mm256_add_epi32(
                _mm256_add_epi32(_mm256_slli_epi32::<3>(o), sub),
                _mm256_maskz_mov_epi32(upper, _mm256_set1_epi32(SIDE as i32)),
            );
            const _: () = assert!(SUB == 8, "the octave's cells are o << 3");
            let c = _mm256_maskz_mov_epi32(!again, c);
            let c3 = _mm256_add_epi32(_mm256_add_epi32(c, c), c);
            let mut idx = [0i32; 8];
            unsafe { _mm256_storeu_si256(idx.as_mut_ptr().cast(), c3) };
            let x0 = unsafe {
                _mm512_set_pd(
                    *x0s.add(idx[7] as usize),
                    *x0s.add(idx[6] as usize),
                    *x0s.add(idx[5] as usize),
                    *x0s.add(idx[4] as usize),
                    *x0s.add(idx[3] as usize),
                    *x0s.add(idx[2] as usize),
                    *x0s.add(idx[1] as usize),
                    *x0s.add(idx[0] as usize),
                )
            };
            // Each lane's four f32s (span, a1, a2, a3) in one load, then transposed.
            let quad = |k: usize| unsafe { _mm_loadu_ps(words.add(idx[k] as usize + 1).cast()) };
            let t0 = _mm256_set_m128(quad(4), quad(0));
            let t1 = _mm256_set_m128(quad(5), quad(1));
            let t2 = _mm256_set_m128(quad(6), quad(2));
            let t3 = _mm256_set_m128(quad(7), quad(3));
            let (u0, u1) = (_mm256_unpacklo_ps(t0, t1), _mm256_unpackhi_ps(t0, t1));
            let (u2, u3) = (_mm256_unpacklo_ps(t2, t3), _mm256_unpackhi_ps(t2, t3));
            let span = _mm256_shuffle_ps::<0x44>(u0, u2);
            let a1 = _mm256_shuffle_ps::<0xEE>(u0, u2);
            let a2 = _mm256_shuffle_ps::<0x44>(u1, u3);
            let a3 = _mm256_shuffle_ps::<0xEE>(u1, u3);
            let sv = _mm512_cvtpd_ps(s);
            let inner = _mm256_add_ps(a2, _mm256_mul_ps(sv, a3));
            let tau = clamp(_mm256_mul_ps(
                sv,
                _mm256_add_ps(a1, _mm256_mul_ps(sv, inner)),
            ));
            let q = _mm512_add_pd(
                x0,
                _mm512_mul_pd(_mm512_cvtps_pd(span), _mm512_cvtps_pd(tau)),
            );
            let x = _mm512_add_pd(lowv, _mm512_mul_pd(spanv, q));
            unsafe { _mm512_storeu_pd(out.as_mut_ptr().add(at), x) };
            self.redo(low, high, &u[at..], &mut out[at..], u32::from(again));
            at += 8;
        }
        self.fill_scalar(low, high, &u[at..n], &mut out[at..n]);
    }

    /// [`PertTable::fill`] four draws at a time with AVX2: the lookup of
    /// [`PertTable::fill_avx512`] with vector masks instead of mask registers, the same values.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn fill_avx2(&self, low: f64, high: f64, u: &[f64], out: &mut [f64]) {
        use std::arch::x86_64::*;
        let n = u.len().min(out.len());
        let words = self.grid().cells.as_ptr().cast::<i64>();
        let x0s = words.cast::<f64>();
        let (lowv, spanv) = (_mm256_set1_pd(low), _mm256_set1_pd(high - low));
        let (zero, unit) = (_mm_set1_ps(0.0), _mm_set1_ps(1.0));
        let one = _mm256_set1_pd(1.0);
        let mantissa = _mm256_set1_epi64x((1i64 << 52) - 1);
        let one_bits = _mm256_set1_epi64x(1.0f64.to_bits() as i64);
        // The even (low) 32-bit halves of four 64-bit lanes, as four lanes.
        let evens = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
        let narrow = |w: __m256i, pick: __m256i| {
            _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(w, pick))
        };
        let lanes = |m: __m128i| _mm_movemask_ps(_mm_castsi128_ps(m)) as u32;
        let clamp = |x: __m128| {
            let x = _mm_blendv_ps(x, zero, _mm_cmplt_ps(x, zero));
            _mm_blendv_ps(x, unit, _mm_cmpgt_ps(x, unit))
        };
        let mut at = 0;
        while at + 4 <= n {
            // SAFETY (every load below): as in `fill_avx512`, for four lanes.
            let uv = unsafe { _mm256_loadu_pd(u.as_ptr().add(at)) };
            let upper = _mm256_cmp_pd::<_CMP_GE_OQ>(uv, _mm256_set1_pd(0.5));
            let t = _mm256_blendv_pd(uv, _mm256_sub_pd(one, uv), upper);
            let good = _mm256_and_pd(
                _mm256_cmp_pd::<_CMP_GT_OQ>(t, _mm256_setzero_pd()),
                _mm256_cmp_pd::<_CMP_LT_OQ>(uv, one),
            );
            let bad = !(_mm256_movemask_pd(good) as u32) & 0xF;
            let bits = _mm256_castpd_si256(t);
            let o = _mm_sub_epi32(
                _mm_set1_epi32(1021),
                narrow(_mm256_srli_epi64::<52>(bits), evens),
            );
            let m = _mm256_sub_pd(
                _mm256_castsi256_pd(_mm256_or_si256(_mm256_and_si256(bits, mantissa), one_bits)),
                one,
            );
            let pos = _mm256_mul_pd(m, _mm256_set1_pd(SUB as f64));
            let sub = _mm256_cvttpd_epi32(pos);
            let s = _mm256_sub_pd(pos, _mm256_cvtepi32_pd(sub));
            // t = 1/2: the end of octave 0's last cell.
            let half = _mm_cmplt_epi32(o, _mm_setzero_si128());
            let o = _mm_andnot_si128(half, o);
            let sub = _mm_blendv_epi8(sub, _mm_set1_epi32(SUB as i32 - 1), half);
            let s = _mm256_blendv_pd(s, one, _mm256_castsi256_pd(_mm256_cvtepi32_epi64(half)));
            let deep = _mm_cmpgt_epi32(o, _mm_set1_epi32(OCTAVES as i32 - 1));
            let again = bad | lanes(deep);
            let up = narrow(_mm256_castpd_si256(upper), evens);
            let c = _mm_add_epi32(
                _mm_add_epi32(_mm_slli_epi32::<3>(o), sub),
                _mm_and_si128(up, _mm_set1_epi32(SIDE as i32)),
            );
            // Lanes looked up again read cell 0.
            let keep = _mm_cmpeq_epi32(
                _mm_and_si128(_mm_setr_epi32(1, 2, 4, 8), _mm_set1_epi32(again as i32)),
                _mm_setzero_si128(),
            );
            let c = _mm_and_si128(c, keep);
            let c3 = _mm_add_epi32(_mm_add_epi32(c, c), c);
            // Each lane's cell by plain loads, as in `fill_avx512` (here 17% faster than
            // gathers of four), its four f32s in one load, transposed.
            let mut idx = [0i32; 4];
            unsafe { _mm_storeu_si128(idx.as_mut_ptr().cast(), c3) };
            let x0 = unsafe {
                _mm256_set_pd(
                    *x0s.add(idx[3] as usize),
                    *x0s.add(idx[2] as usize),
                    *x0s.add(idx[1] as usize),
                    *x0s.add(idx[0] as usize),
                )
            };
            let quad = |k: usize| unsafe { _mm_loadu_ps(words.add(idx[k] as usize + 1).cast()) };
            let (t0, t1, t2, t3) = (quad(0), quad(1), quad(2), quad(3));
            let (u0, u1) = (_mm_unpacklo_ps(t0, t1), _mm_unpackhi_ps(t0, t1));
            let (u2, u3) = (_mm_unpacklo_ps(t2, t3), _mm_unpackhi_ps(t2, t3));
            let span = _mm_movelh_ps(u0, u2);
            let a1 = _mm_movehl_ps(u2, u0);
            let a2 = _mm_movelh_ps(u1, u3);
            let a3 = _mm_movehl_ps(u3, u1);
            let sv = _mm256_cvtpd_ps(s);
            let inner = _mm_add_ps(a2, _mm_mul_ps(sv, a3));
            let tau = clamp(_mm_mul_ps(sv, _mm_add_ps(a1, _mm_mul_ps(sv, inner))));
            let q = _mm256_add_pd(
                x0,
                _mm256_mul_pd(_mm256_cvtps_pd(span), _mm256_cvtps_pd(tau)),
            );
            let x = _mm256_add_pd(lowv, _mm256_mul_pd(spanv, q));
            unsafe { _mm256_storeu_pd(out.as_mut_ptr().add(at), x) };
            self.redo(low, high, &u[at..], &mut out[at..], again);
            at += 4;
        }
        self.fill_scalar(low, high, &u[at..n], &mut out[at..n]);
    }

    /// The exact mean of the standard Beta(α, β).
    pub fn mean(&self) -> f64 {
        self.alpha / (self.alpha + self.beta)
    }
}

impl Cell {
    /// The quantile at position `s` of the cell: the arithmetic every path repeats.
    #[inline(always)]
    fn at(&self, s: f64) -> f64 {
        let s = s as f32;
        let tau = (s * (self.a1 + s * (self.a2 + s * self.a3))).clamp(0.0, 1.0);
        self.x0 + f64::from(self.span) * f64::from(tau)
    }
}

/// The density of the standard Beta(α, β) at x, given ln B(α, β).
fn density(alpha: f64, beta: f64, ln_b: f64, x: f64) -> f64 {
    if x <= 0.0 || x >= 1.0 {
        // α, β >= 1: zero at an end unless the exponent there is 0.
        let edge = if x <= 0.0 { alpha } else { beta };
        return if edge == 1.0 { (-ln_b).exp() } else { 0.0 };
    }
    ((alpha - 1.0) * x.ln() + (beta - 1.0) * (1.0 - x).ln() - ln_b).exp()
}

/// The regularized incomplete beta function of one shape, `I_x(a, b)`: statrs' `beta_reg`
/// (0.19, MIT; the continued fraction of Numerical Recipes' `betacf`) with its normalising
/// constant `ln Γ(a + b) - ln Γ(a) - ln Γ(b)` computed once for the shape instead of in every
/// call, where its three log-gammas (ten divisions and two logarithms each) were most of a
/// call's cost. The same operations in the same order otherwise, so the same values, bit for
/// bit (`tests::incomplete_beta_is_statrs_bit_for_bit`). Also `ln B(a, b)` for the density.
struct Incomplete {
    a: f64,
    b: f64,
    /// `ln Γ(a + b) - ln Γ(a) - ln Γ(b)`, summed in statrs' order.
    norm: f64,
    /// `ln B(a, b)`, as statrs' `ln_beta` computes it.
    ln_b: f64,
}

impl Incomplete {
    /// For a, b > 0.
    fn new(a: f64, b: f64) -> Incomplete {
        Incomplete {
            a,
            b,
            norm: ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b),
            ln_b: ln_beta(a, b),
        }
    }

    /// `I_x(a, b)` for x in [0, 1].
    fn at(&self, x: f64) -> f64 {
        // statrs' `ulps_eq!(x, 1.0, epsilon = 1e-15)`: for x <= 1, the absolute test decides
        // (the five-ulp test it falls back on accepts only x within 5.6e-16 of 1).
        let bt = if x == 0.0 || (x - 1.0).abs() <= 1e-15 {
            0.0
        } else {
            (self.norm + self.a * x.ln() + self.b * (1.0 - x).ln()).exp()
        };
        let symm_transform = x >= (self.a + 1.0) / (self.a + self.b + 2.0);
        let eps = statrs::prec::F64_PREC;
        let fpmin = f64::MIN_POSITIVE / eps;
        let (a, b, x) = if symm_transform {
            (self.b, self.a, 1.0 - x)
        } else {
            (self.a, self.b, x)
        };
        let qab = a + b;
        let qap = a + 1.0;
        let qam = a - 1.0;
        let mut c = 1.0;
        let mut d = 1.0 - qab * x / qap;
        if d.abs() < fpmin {
            d = fpmin;
        }
        d = 1.0 / d;
        let mut h = d;
        // One step of Lentz's method: the next `d` and `c` for the term `aa`.
        let lentz = |aa: f64, d: &mut f64, c: &mut f64| {
            *d = 1.0 + aa * *d;
            if d.abs() < fpmin {
                *d = fpmin;
            }
            *c = 1.0 + aa / *c;
            if c.abs() < fpmin {
                *c = fpmin;
            }
            *d = 1.0 / *d;
        };
        for m in 1..141 {
            let m = f64::from(m);
            let m2 = m * 2.0;
            lentz(m * (b - m) * x / ((qam + m2) * (a + m2)), &mut d, &mut c);
            h = h * d * c;
            lentz(
                -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
                &mut d,
                &mut c,
            );
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() <= eps {
                break;
            }
        }
        if symm_transform {
            1.0 - bt * h / a
        } else {
            bt * h / a
        }
    }

    /// The density at x.
    fn density(&self, x: f64) -> f64 {
        density(self.a, self.b, self.ln_b, x)
    }
}

/// The x in (0, 1) where the CDF of Beta(α, β) is `t` (a lower-tail probability in (0, 1/2]),
/// by Newton's method from `start` (or from the power law `F ~ x^α / (α B)` near 0), kept
/// inside a bracket that bisection narrows when a step would leave it. It stops once a step
/// is below `tol` of x: the step just taken leaves an error of about its square (for the
/// table's edges, 1e-5 leaves 1e-10 of x times x times the density's relative slope there, far
/// below the cubic's; the exact tails ask for 1e-12, beta_reg's own rounding).
fn inverse(beta: &Incomplete, t: f64, start: Option<f64>, tol: f64) -> f64 {
    let (alpha, ln_b) = (beta.a, beta.ln_b);
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    let mut x = start
        .unwrap_or_else(|| ((t.ln() + alpha.ln() + ln_b) / alpha).exp())
        .clamp(f64::MIN_POSITIVE, 1.0 - f64::EPSILON);
    for _ in 0..200 {
        let f = beta.at(x) - t;
        if f == 0.0 {
            return x;
        }
        if f > 0.0 {
            hi = x;
        } else {
            lo = x;
        }
        let step = f / beta.density(x);
        let next = x - step;
        if !(next > lo && next < hi) {
            x = 0.5 * (lo + hi);
            if hi - lo <= 4.0 * f64::EPSILON * hi {
                return x;
            }
            continue;
        }
        if step.abs() <= tol * x {
            return next;
        }
        x = next;
    }
    x
}

impl Grid {
    fn new(alpha: f64, beta: f64) -> Grid {
        let mut cells = Vec::with_capacity(2 * SIDE);
        // The lower half: quantiles of t; the upper half: 1 - the quantiles of Beta(β, α).
        for (a, b, upper) in [(alpha, beta, false), (beta, alpha, true)] {
            let inc = Incomplete::new(a, b);
            // Each cell edge's t, from t = 1/2 down, and its quantile (lower tail of
            // Beta(a, b)): each predicted from the last (below), then corrected by Newton.
            let edge_t =
                |o: usize, k: usize| (1.0 + k as f64 / SUB as f64) * 0.5f64.powi(o as i32 + 2);
            let mut q = vec![[0.0f64; SUB + 1]; OCTAVES];
            // The density at each edge, computed once: the next edge's prediction and both
            // cells that share the edge read it.
            let mut fq = vec![[0.0f64; SUB + 1]; OCTAVES];
            // The median first, from its approximation (a - 1/3) / (a + b - 2/3); then each
            // edge from the last by three terms of Taylor's series (with g = f' / f:
            // x' = 1 / f, x'' = -g / f^2, x''' = (2 g^2 - g') / f^3), which Newton's method
            // then corrects, mostly in one step.
            let median = (a - 1.0 / 3.0) / (a + b - 2.0 / 3.0);
            let (mut last_t, mut last_x, mut last_f) = (0.5, median, inc.density(median));
            for o in 0..OCTAVES {
                for k in (0..=SUB).rev() {
                    let t = edge_t(o, k);
                    let (x, fx) = if o > 0 && k == SUB {
                        (q[o - 1][0], fq[o - 1][0])
                    } else {
                        let f = last_f;
                        let h = t - last_t;
                        let start = if f > 0.0 && last_x > 0.0 && last_x < 1.0 {
                            let (x, y) = (last_x, 1.0 - last_x);
                            let g = (a - 1.0) / x - (b - 1.0) / y;
                            let dg = -(a - 1.0) / (x * x) - (b - 1.0) / (y * y);
                            let hf = h / f;
                            x + hf - hf * hf * g / 2.0 + hf * hf * hf * (2.0 * g * g - dg) / 6.0
                        } else {
                            last_x
                        };
                        let start = if start > 0.0 && start < 1.0 {
                            Some(start)
                        } else {
                            None
                        };
                        let x = inverse(&inc, t, start, 1e-5);
                        (x, inc.density(x))
                    };
                    q[o][k] = x;
                    fq[o][k] = fx;
                    (last_t, last_x, last_f) = (t, x, fx);
                }
            }
            for (o, (row, dens)) in q.iter().zip(&fq).enumerate() {
                let width = 0.5f64.powi(o as i32 + 2) / SUB as f64;
                for k in 0..SUB {
                    // In the cell, as s goes 0 to 1, t goes up by `width`: x goes from
                    // q0 to q1 below one half, from 1 - q0 to 1 - q1 above.
                    let (q0, q1) = (row[k], row[k + 1]);
                    let (x0, x1) = if upper {
                        (1.0 - q0, 1.0 - q1)
                    } else {
                        (q0, q1)
                    };
                    let d = q1 - q0;
                    // Slopes of τ at the ends: width / (f d), limited to 3 (monotone, and
                    // finite where the density is zero).
                    let slope = |f: f64| {
                        let f = f * d;
                        if f > 0.0 { (width / f).min(3.0) } else { 3.0 }
                    };
                    let (m0, m1) = (slope(dens[k]), slope(dens[k + 1]));
                    cells.push(Cell {
                        x0,
                        span: span_toward_zero(x0, x1),
                        a1: m0 as f32,
                        a2: (3.0 - 2.0 * m0 - m1) as f32,
                        a3: (m0 + m1 - 2.0) as f32,
                    });
                }
            }
        }
        Grid {
            cells: cells.into(),
        }
    }
}

/// `x1 - x0` as an `f32` no larger in size, so that `x0 + span` never passes `x1`: the cells
/// then meet without overlapping and the quantile stays monotone across them.
fn span_toward_zero(x0: f64, x1: f64) -> f32 {
    let mut span = (x1 - x0) as f32;
    let passes = |span: f32| {
        let end = x0 + f64::from(span);
        if x1 >= x0 { end > x1 } else { end < x1 }
    };
    while span != 0.0 && passes(span) {
        span = f32::from_bits(span.to_bits() - 1);
    }
    span
}

/// Shares one table between every task whose estimate has the same shape: `[2, 3, 5]` and
/// `[4, 6, 10]` differ only by scale and use the same Beta(α, β). It also lists the tables named
/// since the last [`TableCache::take_named`] (one plan's, when plans share the cache).
#[derive(Debug, Default)]
pub struct TableCache {
    tables: HashMap<(u64, u64), (Arc<PertTable>, u64)>,
    /// Which plan each table was last named by (its count of `take_named` calls).
    plan: u64,
    named: Vec<Arc<PertTable>>,
}

impl TableCache {
    pub fn get(&mut self, alpha: f64, beta: f64) -> Arc<PertTable> {
        let (table, by) = self
            .tables
            .entry((alpha.to_bits(), beta.to_bits()))
            .or_insert_with(|| (Arc::new(PertTable::lazy(alpha, beta)), u64::MAX));
        if *by != self.plan {
            *by = self.plan;
            self.named.push(table.clone());
        }
        table.clone()
    }

    /// The tables named since the last call, each once.
    pub fn take_named(&mut self) -> Vec<Arc<PertTable>> {
        self.plan += 1;
        std::mem::take(&mut self.named)
    }
}

/// Computes the tables not yet computed, side by side on the current rayon pool (a plan of a
/// thousand tasks may have a thousand shapes, each a few hundred incomplete beta functions).
pub fn build_all(tables: &[Arc<PertTable>]) {
    use rayon::prelude::*;
    let todo: Vec<&Arc<PertTable>> = tables.iter().filter(|t| t.grid.get().is_none()).collect();
    todo.par_iter().for_each(|t| {
        t.grid();
    });
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
        assert!(worst_body < 4e-7, "body error {worst_body}");
        assert!(worst_tail < 2e-7, "tail error {worst_tail}");
    }

    /// The vectorised fill gives the scalar lookup's values bit for bit, on a fine grid and at
    /// the edges where the lookup changes course: cell and octave edges on both sides of one
    /// half (and the doubles either side), one half itself, the exact tails, and u = 0. Every path the CPU offers is
    /// checked; a lane count that is not a multiple of eight checks the tail too.
    #[test]
    fn fill_is_the_scalar_lookup_bit_for_bit() {
        let next = |x: f64, up: bool| {
            let b = x.to_bits();
            f64::from_bits(if up { b + 1 } else { b.saturating_sub(1) })
        };
        for (a, b) in [
            (1.0, 5.0),
            (5.0, 1.0),
            (3.0, 3.0),
            (1.4, 4.6),
            (4.2, 1.8),
            (1.0, 1.0),
            (2.0, 9.0),
            (1.0 + 4.0 * 0.97, 1.0 + 4.0 * 0.03),
        ] {
            let table = PertTable::new(a, b);
            let mut u: Vec<f64> = (0..20_001).map(|i| i as f64 / 20_001.0).collect();
            // Every cell edge (octave and cell starts, either side of one half), the last
            // octave's end, and the doubles either side.
            for o in 0..=OCTAVES {
                for k in 0..=SUB {
                    let t = (1.0 + k as f64 / SUB as f64) * 0.5f64.powi(o as i32 + 2);
                    for x in [t, 1.0 - t] {
                        u.extend([x, next(x, true), next(x, false)]);
                    }
                }
            }
            u.extend([0.0, f64::MIN_POSITIVE, 1e-300, next(1.0, false), 0.5]);
            u.retain(|x| (0.0..1.0).contains(x));
            // No engine draw is outside [0, 1), but a caller's may be: the same values still.
            u.extend([
                1.0,
                1.5,
                3e9,
                1e300,
                -0.5,
                -0.0,
                -1e300,
                f64::INFINITY,
                f64::NAN,
            ]);
            let want: Vec<f64> = u.iter().map(|&x| 3.0 + 17.0 * table.quantile(x)).collect();
            let mut paths: Vec<(&str, Vec<f64>)> = Vec::new();
            let mut out = vec![0.0; u.len()];
            table.fill_scalar(3.0, 20.0, &u, &mut out);
            paths.push(("scalar", out.clone()));
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx512vl")
                && std::arch::is_x86_feature_detected!("avx512dq")
            {
                // SAFETY: the CPU has the features (checked above).
                unsafe { table.fill_avx512(3.0, 20.0, &u, &mut out) };
                paths.push(("avx512", out.clone()));
            }
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has the feature (checked above).
                unsafe { table.fill_avx2(3.0, 20.0, &u, &mut out) };
                paths.push(("avx2", out.clone()));
            }
            table.fill(3.0, 20.0, &u, &mut out);
            paths.push(("fill", out.clone()));
            eprintln!("Beta({a}, {b}): {} draws on {} paths", u.len(), paths.len());
            for (name, got) in &paths {
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert_eq!(
                        g.to_bits(),
                        w.to_bits(),
                        "{name} at u = {:e} ({a}, {b})",
                        u[i]
                    );
                }
            }
        }
    }

    #[test]
    fn quantile_is_monotone_and_in_range() {
        // A fine grid, and each cell edge with the doubles either side (where one cell's cubic
        // meets the next one's, and where the table meets the exact tails), on both sides of
        // one half, for shapes from one end to the other.
        let mut u: Vec<f64> = (1..100_000).map(|i| i as f64 / 100_000.0).collect();
        for o in 0..=OCTAVES + 2 {
            for k in 0..=SUB {
                let t = (1.0 + k as f64 / SUB as f64) * 0.5f64.powi(o as i32 + 2);
                for x in [t, 1.0 - t] {
                    let b = x.to_bits();
                    u.extend([f64::from_bits(b - 1), x, f64::from_bits(b + 1)]);
                }
            }
        }
        u.extend([1e-300, 1e-12, 1.0 - 1e-12, 0.5]);
        u.retain(|x| *x > 0.0 && *x < 1.0);
        u.sort_by(f64::total_cmp);
        for r in [0.0, 0.05, 0.2, 0.45, 0.5, 0.7, 0.95, 1.0] {
            let t = PertTable::new(1.0 + 4.0 * r, 1.0 + 4.0 * (1.0 - r));
            let mut last = 0.0;
            for &x in &u {
                let q = t.quantile(x);
                // Beyond the last octave the exact inverse is as monotone as beta_reg's
                // rounding allows: a few units in the last place between neighbouring doubles.
                let slack = if locate(x).is_none() {
                    1e-14 * last
                } else {
                    0.0
                };
                assert!(
                    (0.0..=1.0).contains(&q) && q >= last - slack,
                    "r = {r}, u = {x:e}: {q} after {last}"
                );
                last = q;
            }
        }
    }

    /// `Incomplete::at` is statrs' `beta_reg` with its constant hoisted: the same bits, for
    /// the shapes of three-point estimates (α, β in [1, 5]) and beyond, across x in [0, 1]
    /// (both sides of the symmetry switch, the ends, and x within 1e-15 of 1).
    #[test]
    fn incomplete_beta_is_statrs_bit_for_bit() {
        let mut z = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            z ^= z << 13;
            z ^= z >> 7;
            z ^= z << 17;
            (z >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut checked = 0;
        for _ in 0..300 {
            let (a, b) = (0.2 + 9.0 * next(), 0.2 + 9.0 * next());
            let inc = Incomplete::new(a, b);
            assert_eq!(inc.ln_b.to_bits(), ln_beta(a, b).to_bits());
            let ends = [0.0, 1.0, 1.0 - 1e-16, 1.0 - 2e-15, 1e-300, 0.5];
            let mut xs: Vec<f64> = (0..100).map(|_| next()).collect();
            xs.extend((0..20).map(|_| next().powi(12)));
            for x in xs.into_iter().chain(ends) {
                let want = statrs::function::beta::beta_reg(a, b, x);
                assert_eq!(inc.at(x).to_bits(), want.to_bits(), "a {a} b {b} x {x}");
                checked += 1;
            }
        }
        assert_eq!(checked, 300 * 126);
    }

    #[test]
    fn cache_shares_tables_of_equal_shape() {
        let mut c = TableCache::default();
        let a = c.get(2.0, 4.0);
        let b = c.get(2.0, 4.0);
        assert!(Arc::ptr_eq(&a, &b));
        // Named, not computed, until build_all computes every table, the same grid as now.
        let d = c.get(3.5, 1.5);
        assert!(a.grid.get().is_none() && d.grid.get().is_none());
        let named = c.take_named();
        assert_eq!(named.len(), 2, "each table once");
        build_all(&named);
        // The next plan lists what it names itself: a shape shared with the last plan (already
        // computed), and a new one; not the last plan's other shapes.
        let (a2, e) = (c.get(2.0, 4.0), c.get(1.5, 4.5));
        let next = c.take_named();
        assert!(Arc::ptr_eq(&a2, &a) && next.len() == 2);
        assert!(
            next.iter().any(|t| Arc::ptr_eq(t, &e)) && !next.iter().any(|t| Arc::ptr_eq(t, &d))
        );
        for (t, (alpha, beta)) in [(&a, (2.0, 4.0)), (&d, (3.5, 1.5))] {
            let now = PertTable::new(alpha, beta);
            let (got, want) = (t.grid.get().expect("built"), now.grid());
            assert!(got.cells.iter().zip(&want.cells).all(|(x, y)| {
                (x.x0, x.span, x.a1, x.a2, x.a3) == (y.x0, y.span, y.a1, y.a2, y.a3)
            }));
        }
    }
}
