#![no_main]
//! See `shipcast_fuzz::history_csv`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = shipcast_fuzz::history_csv(data);
});
