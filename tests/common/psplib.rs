//! PSPLIB single-mode `.sm` instances (RCPSP) for the tests and the j30 benchmark
//! (`examples/psplib.rs`), read by shipcast's own importer (`shipcast::import`): one task per
//! job with its fixed duration (no uncertainty), one `[[resource]]` per renewable resource, each
//! job's requests as its `uses`, and a `finish` milestone after the sink.

/// An instance: its MPM-Time (critical path without resources) and the scenario text.
pub struct Instance {
    pub mpm_time: f64,
    pub toml: String,
}

/// Reads `.sm` text; None when the importer refuses it.
pub fn read(text: &str) -> Option<Instance> {
    let options = shipcast::import::Options {
        from: Some(shipcast::import::Format::Psplib),
        low_field: None,
        high_field: None,
        uncertainty: shipcast::import::Uncertainty::None,
    };
    let imported = shipcast::import::import("instance.sm", text.as_bytes(), &options).ok()?;
    Some(Instance {
        mpm_time: imported.expected_finish?,
        toml: shipcast::import::toml_out::write(&imported),
    })
}
