//! Stream keys: the stable 64-bit identity of a task's or a risk's random numbers.
//!
//! A key belongs to the plan (it is derived from an id when the plan is built); the engine only
//! reads it. The same id gives the same key in any plan, variant or version, which is what makes
//! common random numbers between variants, and recorded forecasts reproducible.

/// The SplitMix64 finalizer (Steele, Lea and Flood 2014): a bijection on u64 with full avalanche.
#[inline(always)]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A stable 64-bit key for a stream name (FNV-1a, then mixed): the same on every platform and
/// version, unlike `std`'s hasher.
pub fn stream_key(name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix64(h)
}
