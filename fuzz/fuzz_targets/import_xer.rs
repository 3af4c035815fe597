#![no_main]
//! The Xer importer, then the scenario it writes, loaded back. See `shipcast_fuzz::import`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = shipcast_fuzz::import(shipcast::import::Format::Xer, "plan.xer", data);
});
