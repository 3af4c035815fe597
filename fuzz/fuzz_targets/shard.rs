#![no_main]
//! See `shipcast_fuzz::shard`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = shipcast_fuzz::shard(data);
});
