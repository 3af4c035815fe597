//! One loop, compiled three ways and picked at run time.
//!
//! The crate is built for baseline x86-64, whose two-lane vectors leave some of the hot loops
//! scalar. [`multiversion!`] defines a function that runs a generic body (an `#[inline(always)]`
//! function) compiled for AVX-512 (F, BW, VL and DQ), for AVX2, or for the baseline, whichever
//! the CPU has (`is_x86_feature_detected!` caches its answer). The bodies it is used for only
//! compare, select, add, subtract, multiply and convert exactly, with no fused multiply-add, so
//! every path gives the same bits; each one's tests compare the paths or check the outputs bit
//! for bit.

/// `multiversion!(/// docs
/// fn name(arg: Type, ...) -> Ret => body);` defines `fn name` calling `body(arg, ...)`
/// compiled for AVX-512, AVX2 or the baseline (see the module).
macro_rules! multiversion {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? => $body:path) => {
        $(#[$meta])*
        #[inline]
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq,avx2")]
                unsafe fn avx512($($arg: $ty),*) $(-> $ret)? {
                    $body($($arg),*)
                }
                #[target_feature(enable = "avx2")]
                unsafe fn avx2($($arg: $ty),*) $(-> $ret)? {
                    $body($($arg),*)
                }
                if std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512bw")
                    && std::arch::is_x86_feature_detected!("avx512vl")
                    && std::arch::is_x86_feature_detected!("avx512dq")
                {
                    // SAFETY: the CPU has every feature `avx512` is compiled for.
                    return unsafe { avx512($($arg),*) };
                }
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU has AVX2, which `avx2` is compiled for.
                    return unsafe { avx2($($arg),*) };
                }
            }
            $body($($arg),*)
        }
    };
}
