//! Counter-based random numbers.
//!
//! The uniform for `(seed, stream, iteration, draw)` is a pure function of those four numbers:
//! two rounds of the SplitMix64 finalizer over the stream's key, then one per coordinate. Nothing
//! is carried from one draw to the next, so results do not depend on how iterations are split
//! between threads, and a task that two variants of a plan share (same id, so same stream key)
//! draws the same numbers in both: common random numbers for free.

pub use crate::model::key::{mix64, stream_key};

const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// One stream: a seed and a key, mixed once up front.
#[derive(Debug, Clone, Copy)]
pub struct Stream(u64);

impl Stream {
    pub fn new(seed: u64, key: u64) -> Stream {
        Stream(mix64(mix64(seed ^ GOLDEN) ^ key))
    }

    /// The state for one iteration; draws within it come from [`IterStream::uniform`].
    #[inline(always)]
    pub fn at(self, iteration: u64) -> IterStream {
        IterStream(mix64(self.0 ^ iteration.wrapping_mul(GOLDEN)))
    }
}

#[derive(Debug, Clone, Copy)]
pub struct IterStream(u64);

impl IterStream {
    /// Draw number `draw` of this iteration: a uniform strictly inside (0, 1), on a grid of 2^-53.
    #[inline(always)]
    pub fn uniform(self, draw: u32) -> f64 {
        // The iteration's state is already a full mix of (seed, key, iteration): draw 0 uses it
        // as is (one mix per plain task-sample), later draws mix in their number.
        let bits = if draw == 0 {
            self.0
        } else {
            mix64(
                self.0
                    .wrapping_add(u64::from(draw).wrapping_mul(0xd1b5_4a32_d192_ed03)),
            )
        };
        ((bits >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniforms_are_inside_the_open_interval_and_look_uniform() {
        // Mean 1/2 and variance 1/12 of U(0,1): with n = 200_000 the standard error of the mean is
        // sqrt(1/12 / n) = 6.5e-4, of the variance about sqrt(1/180 / n) = 1.7e-4; allow 5 sigma.
        let s = Stream::new(7, stream_key("task"));
        let n = 200_000u64;
        let (mut sum, mut sq) = (0.0, 0.0);
        for i in 0..n {
            let u = s.at(i).uniform((i % 3) as u32);
            assert!(u > 0.0 && u < 1.0);
            sum += u;
            sq += u * u;
        }
        let mean = sum / n as f64;
        let var = sq / n as f64 - mean * mean;
        assert!((mean - 0.5).abs() < 5.0 * 6.5e-4, "{mean}");
        assert!((var - 1.0 / 12.0).abs() < 5.0 * 1.7e-4, "{var}");
    }

    #[test]
    fn draws_are_pure_functions_of_their_coordinates() {
        let a = Stream::new(1, stream_key("x")).at(5).uniform(2);
        let b = Stream::new(1, stream_key("x")).at(5).uniform(2);
        assert_eq!(a.to_bits(), b.to_bits());
        assert_ne!(a, Stream::new(2, stream_key("x")).at(5).uniform(2));
        assert_ne!(a, Stream::new(1, stream_key("y")).at(5).uniform(2));
        assert_ne!(a, Stream::new(1, stream_key("x")).at(6).uniform(2));
        assert_ne!(a, Stream::new(1, stream_key("x")).at(5).uniform(3));
    }

    #[test]
    fn stream_keys_are_stable_across_versions() {
        // Value-breaking if this changes: recorded forecasts would no longer reproduce.
        assert_eq!(stream_key("train"), 0x6c4d_e05e_3ac7_1dad);
        assert_eq!(
            Stream::new(42, stream_key("train")).at(7).uniform(3),
            0.276_466_486_071_764_33
        );
    }
}

/// How the uniforms of one stream are spread over the iterations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sampling {
    /// Independent uniforms.
    #[default]
    MonteCarlo,
    /// Replicated Latin hypercube: the `n` iterations of a run are cut into [`REPLICATES`]
    /// consecutive replicates (see [`replicate_range`]), and over the `m` iterations of each
    /// replicate each draw of each stream takes exactly one value in each of the `m` strata
    /// `[k/m, (k+1)/m)`, in an order that is a keyed pseudo-random permutation of the replicate's
    /// iterations, with a key of its own. The replicates are independent hypercubes, so the
    /// spread of their estimates measures the error of the whole run. Still a pure function of
    /// (seed, key, iteration, draw) given `n`, so thread counts and shards do not change it.
    LatinHypercube,
}

/// Independent Latin hypercubes a run of `--sampling lhs` is made of (fewer when the run has
/// fewer iterations: each replicate has at least one).
pub const REPLICATES: u64 = 20;

/// The replicates of a Latin hypercube run of `n` iterations: `min(REPLICATES, n)`.
pub fn replicates(n: u64) -> u64 {
    REPLICATES.min(n).max(1)
}

/// The iterations of replicate `r` (from 0) of a run of `n`: consecutive ranges of equal size,
/// give or take one (`floor(r n / R)..floor((r + 1) n / R)`).
pub fn replicate_range(r: u64, n: u64) -> std::ops::Range<u64> {
    let reps = replicates(n);
    let at = |r: u64| ((u128::from(n) * u128::from(r)) / u128::from(reps)) as u64;
    at(r)..at(r + 1)
}

/// The replicate that iteration `i` of a run of `n` belongs to: the `r` with
/// `floor(r n / R) <= i`, that is `r < (i + 1) R / n`.
pub fn replicate_of(i: u64, n: u64) -> u64 {
    let reps = replicates(n);
    ((u128::from(i + 1) * u128::from(reps) - 1) / u128::from(n)) as u64
}

/// A keyed bijection of `[0, n)`: a 4-round Feistel network on the smallest even-bit power of
/// two covering `n`, walked until it lands inside (on average fewer than 4 steps).
pub fn permute(i: u64, n: u64, key: u64) -> u64 {
    debug_assert!(i < n);
    let bits = (64 - (n.max(2) - 1).leading_zeros()).max(2);
    let half = bits.div_ceil(2);
    let mask = (1u64 << half) - 1;
    let mut x = i;
    loop {
        let (mut l, mut r) = (x >> half, x & mask);
        for round in 0..4u64 {
            let f = mix64(r ^ key.wrapping_add(round.wrapping_mul(GOLDEN))) & mask;
            (l, r) = (r, l ^ f);
        }
        x = (l << half) | r;
        if x < n {
            return x;
        }
    }
}

/// A stream as a run samples it: plain, or stratified over the run's replicates.
#[derive(Debug, Clone, Copy)]
pub struct Sampler {
    stream: Stream,
    key: u64,
    /// With Latin hypercube sampling: the run's iteration count.
    strata: Option<u64>,
}

impl Sampler {
    pub fn new(seed: u64, key: u64, sampling: Sampling, iterations: u64) -> Sampler {
        let strata = (sampling == Sampling::LatinHypercube).then_some(iterations.max(1));
        Sampler {
            stream: Stream::new(seed, key),
            key: mix64(seed ^ key ^ GOLDEN),
            strata,
        }
    }

    #[inline(always)]
    pub fn at(self, iteration: u64) -> Draw {
        Draw {
            it: self.stream.at(iteration),
            lhs: self.strata.map(|n| {
                // Iteration -> (its replicate's permutation key, index in the replicate, size).
                let r = replicate_of(iteration, n);
                let range = replicate_range(r, n);
                (
                    mix64(self.key ^ (r + 1).wrapping_mul(0xe703_7ed1_a0b4_28db)),
                    iteration - range.start,
                    range.end - range.start,
                )
            }),
        }
    }
}

impl Sampler {
    /// Draw 0 of iterations `first..first + out.len()`: `self.at(i).uniform(0)` for each, with
    /// the sampling decided once for the loop, and a plain run's loop (one hash per value)
    /// compiled for AVX-512 or AVX2 where the CPU has them (measured on a 1,000-task plan: the
    /// run 8% faster with AVX-512, 4% with AVX2, than hashing inside the quantile loop).
    pub fn fill_first(self, first: u64, out: &mut [f64]) {
        self.fill_draw(first, 0, out);
    }

    /// Draw `draw` of iterations `first..first + out.len()`, as [`Sampler::fill_first`] does
    /// draw 0 (an experiment's first success draw is draw 1).
    pub fn fill_draw(self, first: u64, draw: u32, out: &mut [f64]) {
        if self.strata.is_some() {
            for (j, o) in out.iter_mut().enumerate() {
                *o = self.at(first + j as u64).uniform(draw);
            }
            return;
        }
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512dq") {
                // SAFETY: the CPU has the features `plain_draw_avx512` is compiled for
                // (checked just above).
                return unsafe { plain_draw_avx512(self.stream, first, draw, out) };
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: as above, for `plain_draw_avx2`.
                return unsafe { plain_draw_avx2(self.stream, first, draw, out) };
            }
        }
        plain_draw(self.stream, first, draw, out);
    }
}

impl Sampler {
    /// Draw `draw` of iterations `first + lanes[t]` into `out[t]` (as many as `lanes`): what
    /// `at(first + lanes[t]).uniform(draw)` gives, in a loop the compiler vectorises (AVX-512
    /// or AVX2 where the CPU has them) for Monte Carlo sampling.
    pub fn fill_draw_at(self, first: u64, lanes: &[u8], draw: u32, out: &mut [f64]) {
        let out = &mut out[..lanes.len()];
        if self.strata.is_some() {
            for (o, &j) in out.iter_mut().zip(lanes) {
                *o = self.at(first + u64::from(j)).uniform(draw);
            }
            return;
        }
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512dq") {
                // SAFETY: the CPU has the features `lanes_draw_avx512` is compiled for.
                return unsafe { lanes_draw_avx512(self.stream, first, lanes, draw, out) };
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: as above, for `lanes_draw_avx2`.
                return unsafe { lanes_draw_avx2(self.stream, first, lanes, draw, out) };
            }
        }
        lanes_draw(self.stream, first, lanes, draw, out);
    }
}

#[inline(always)]
fn lanes_draw(stream: Stream, first: u64, lanes: &[u8], draw: u32, out: &mut [f64]) {
    for (o, &j) in out.iter_mut().zip(lanes) {
        *o = stream.at(first + u64::from(j)).uniform(draw);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq")]
unsafe fn lanes_draw_avx512(stream: Stream, first: u64, lanes: &[u8], draw: u32, out: &mut [f64]) {
    lanes_draw(stream, first, lanes, draw, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn lanes_draw_avx2(stream: Stream, first: u64, lanes: &[u8], draw: u32, out: &mut [f64]) {
    lanes_draw(stream, first, lanes, draw, out);
}

#[inline(always)]
fn plain_draw(stream: Stream, first: u64, draw: u32, out: &mut [f64]) {
    for (j, o) in out.iter_mut().enumerate() {
        *o = stream.at(first + j as u64).uniform(draw);
    }
}

/// [`plain_draw`] with 64-bit multiplies and integer-to-float conversions in vector registers:
/// the same integer arithmetic and the same exact conversion (the value has 53 bits), so the
/// same values, bit for bit.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq")]
unsafe fn plain_draw_avx512(stream: Stream, first: u64, draw: u32, out: &mut [f64]) {
    plain_draw(stream, first, draw, out);
}

/// [`plain_draw`] with AVX2 (the 64-bit multiplies built from 32-bit ones): same values.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn plain_draw_avx2(stream: Stream, first: u64, draw: u32, out: &mut [f64]) {
    plain_draw(stream, first, draw, out);
}

/// The draws of one stream in one iteration.
#[derive(Debug, Clone, Copy)]
pub struct Draw {
    it: IterStream,
    /// With Latin hypercube sampling: the replicate's key, the index in it and its size.
    lhs: Option<(u64, u64, u64)>,
}

impl Draw {
    /// Draw number `draw`: a uniform strictly inside (0, 1).
    #[inline(always)]
    pub fn uniform(self, draw: u32) -> f64 {
        let u = self.it.uniform(draw);
        match self.lhs {
            None => u,
            Some((key, i, m)) => {
                let stratum = permute(
                    i,
                    m,
                    key ^ u64::from(draw).wrapping_mul(0xa076_1d64_78bd_642f),
                );
                (stratum as f64 + u) / m as f64
            }
        }
    }
}

#[cfg(test)]
mod lhs_tests {
    use super::*;

    #[test]
    fn fill_draw_at_is_that_draw_of_each_listed_iteration() {
        // Every loop the CPU offers, and the dispatched one for both samplings: the values are
        // `at(first + lane).uniform(draw)` to the bit, lanes in any order, repeated or none.
        let lanes: Vec<u8> = (0..=255u8).rev().step_by(3).chain([7, 7, 0, 255]).collect();
        let mut loops: Vec<&str> = vec!["dispatched", "plain"];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512dq") {
                loops.push("avx512");
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                loops.push("avx2");
            }
        }
        for sampling in [Sampling::MonteCarlo, Sampling::LatinHypercube] {
            let s = Sampler::new(11, stream_key("t"), sampling, 5000);
            for name in &loops {
                if *name != "dispatched" && sampling == Sampling::LatinHypercube {
                    continue; // the vector loops are for plain runs only
                }
                for (first, n, draw) in [(0u64, lanes.len(), 2u32), (4000, 9, 5), (128, 0, 3)] {
                    let mut out = vec![0.0; n];
                    let lanes = &lanes[..n];
                    match *name {
                        "dispatched" => s.fill_draw_at(first, lanes, draw, &mut out),
                        "plain" => lanes_draw(s.stream, first, lanes, draw, &mut out),
                        // SAFETY: the CPU has the features (checked when listed above).
                        #[cfg(target_arch = "x86_64")]
                        "avx512" => unsafe {
                            lanes_draw_avx512(s.stream, first, lanes, draw, &mut out)
                        },
                        // SAFETY: as above.
                        #[cfg(target_arch = "x86_64")]
                        "avx2" => unsafe {
                            lanes_draw_avx2(s.stream, first, lanes, draw, &mut out)
                        },
                        _ => unreachable!("only the loops listed above"),
                    }
                    for (t, &u) in out.iter().enumerate() {
                        let want = s.at(first + u64::from(lanes[t])).uniform(draw);
                        assert_eq!(u.to_bits(), want.to_bits(), "{name} {sampling:?} lane {t}");
                    }
                }
            }
        }
    }

    #[test]
    fn fill_draw_is_that_draw_of_each_iteration() {
        // Whichever loop runs (AVX-512, AVX2 or plain code; Monte Carlo or Latin hypercube),
        // the values are `at(i).uniform(draw)` to the bit, from any first iteration, any length.
        type Fill = Box<dyn Fn(Sampler, u64, u32, &mut [f64])>;
        let mut loops: Vec<(&str, Fill)> = vec![
            (
                "dispatched",
                Box::new(|s: Sampler, f, d, o: &mut [f64]| s.fill_draw(f, d, o)),
            ),
            (
                "plain",
                Box::new(|s: Sampler, f, d, o: &mut [f64]| plain_draw(s.stream, f, d, o)),
            ),
        ];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512dq") {
                // SAFETY: the CPU has the features (checked just above).
                loops.push((
                    "avx512",
                    Box::new(|s: Sampler, f, d, o: &mut [f64]| unsafe {
                        plain_draw_avx512(s.stream, f, d, o)
                    }),
                ));
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: as above.
                loops.push((
                    "avx2",
                    Box::new(|s: Sampler, f, d, o: &mut [f64]| unsafe {
                        plain_draw_avx2(s.stream, f, d, o)
                    }),
                ));
            }
        }
        for sampling in [Sampling::MonteCarlo, Sampling::LatinHypercube] {
            let s = Sampler::new(11, stream_key("t"), sampling, 5000);
            for (name, fill) in &loops {
                if *name != "dispatched" && sampling == Sampling::LatinHypercube {
                    continue; // the vector loops are for plain runs only
                }
                for (first, len, draw) in [
                    (0u64, 1000usize, 0u32),
                    (37, 1, 0),
                    (4000, 999, 0),
                    (123, 0, 0),
                    (0, 1000, 1),
                    (4000, 999, 3),
                ] {
                    let mut out = vec![0.0; len];
                    fill(s, first, draw, &mut out);
                    for (j, &u) in out.iter().enumerate() {
                        let want = s.at(first + j as u64).uniform(draw);
                        assert_eq!(
                            u.to_bits(),
                            want.to_bits(),
                            "{name} {sampling:?} {first} {j} draw {draw}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn permutations_are_bijections() {
        for n in [1u64, 2, 3, 7, 64, 100, 1000, 4097] {
            let mut seen = vec![false; n as usize];
            for i in 0..n {
                let p = permute(i, n, 12345);
                assert!(!seen[p as usize], "n {n}: {p} twice");
                seen[p as usize] = true;
            }
        }
    }

    #[test]
    fn replicates_cut_the_run_into_consecutive_ranges() {
        for n in [1u64, 2, 19, 20, 21, 39, 1000, 1013, 123_457] {
            let mut next = 0;
            for r in 0..replicates(n) {
                let range = replicate_range(r, n);
                assert_eq!(range.start, next, "n {n} r {r}");
                assert!(!range.is_empty(), "n {n} r {r}");
                for i in [range.start, range.end - 1] {
                    assert_eq!(replicate_of(i, n), r, "n {n} i {i}");
                }
                next = range.end;
            }
            assert_eq!(next, n);
        }
    }

    #[test]
    fn each_replicate_puts_one_draw_in_each_of_its_strata() {
        let n = 1013;
        let s = Sampler::new(3, stream_key("t"), Sampling::LatinHypercube, n);
        for r in 0..replicates(n) {
            let range = replicate_range(r, n);
            let m = range.end - range.start;
            for draw in [0, 3] {
                let mut strata = vec![0; m as usize];
                for i in range.clone() {
                    let u = s.at(i).uniform(draw);
                    assert!(u > 0.0 && u < 1.0);
                    strata[(u * m as f64) as usize] += 1;
                }
                assert!(strata.iter().all(|&c| c == 1), "replicate {r}");
            }
        }
    }

    #[test]
    fn replicates_are_permuted_with_keys_of_their_own() {
        // Replicates 0 and 1 have the same size; their strata must not come in the same order.
        let n = 2000;
        let s = Sampler::new(3, stream_key("t"), Sampling::LatinHypercube, n);
        let order = |r: u64| -> Vec<u64> {
            replicate_range(r, n)
                .map(|i| (s.at(i).uniform(0) * 100.0) as u64)
                .collect()
        };
        assert_ne!(order(0), order(1));
    }
}
