#![no_main]
//! See `shipcast_fuzz::throughput_csv`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = shipcast_fuzz::throughput_csv(data);
});
