#![no_main]
//! The Psplib importer, then the scenario it writes, loaded back. See `shipcast_fuzz::import`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = shipcast_fuzz::import(shipcast::import::Format::Psplib, "plan.sm", data);
});
