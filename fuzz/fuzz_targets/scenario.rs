//! The scenario loader, a short simulation and every renderer, in memory.
//!
//! The input is scenario text. Whatever it holds, loading must return a plan or diagnostics,
//! and a plan must simulate and render without a panic. See tests/fuzz_regressions.rs for the
//! same entry point run over the inputs this target found bugs with.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = shipcast_fuzz::scenario(data);
});
