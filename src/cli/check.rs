//! `shipcast check`: the flags of `run` that a verdict uses, and nothing else (no output format,
//! no report directory, no charts).

use std::path::PathBuf;

use super::run::RunArgs;
use super::{Format, OutArgs, SimArgs};
use crate::model::GateSpec;
use crate::pipeline::DEFAULT_MAX_ITERATIONS;

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Scenario files (TOML), or directories of them: one verdict line per gate of each, every
    /// file run even when one is broken, the worst exit code.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Check this variant of the scenario instead of its base plan.
    #[arg(long, value_name = "NAME")]
    pub variant: Option<String>,
    #[command(flatten)]
    pub sim: SimArgs,
    /// A gate from the command line, replacing the milestone's own: MILESTONE:DEADLINE@CONFIDENCE
    /// with a date or whole working days, e.g. launch:2027-04-30@0.8. Repeatable.
    #[arg(long, value_name = "ID:DEADLINE@P", value_parser = super::parse_gate)]
    pub gate: Vec<GateSpec>,
    /// Keep sampling until every percentile's 95% interval is narrower than this many working
    /// days and every gate is decided, e.g. 0.5d.
    #[arg(long, value_name = "DAYS", value_parser = super::parse_days)]
    pub precision: Option<f64>,
    /// The most iterations --precision may take.
    #[arg(long, default_value_t = DEFAULT_MAX_ITERATIONS)]
    pub max_iterations: u64,
    /// CI mode (also on when CI=true): no progress bar, and a Markdown summary appended to
    /// $GITHUB_STEP_SUMMARY when it is set.
    #[arg(long)]
    pub ci: bool,
    /// Write the gates as JUnit XML test cases to this file.
    #[arg(long, value_name = "FILE.xml")]
    pub junit: Option<PathBuf>,
    /// Replace a --junit file that shipcast did not write.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub import: super::import::ImportArgs,
}

impl CheckArgs {
    /// The run these flags ask for: `run`'s, with no report and no other output.
    pub fn run_args(&self) -> RunArgs {
        RunArgs {
            files: self.files.clone(),
            variant: self.variant.clone(),
            sim: self.sim.clone(),
            format: Format::Text,
            samples: None,
            gate: self.gate.clone(),
            precision: self.precision,
            max_iterations: self.max_iterations,
            shard: None,
            ci: self.ci,
            junit: self.junit.clone(),
            baseline: None,
            history: None,
            tasks: None,
            import: self.import.clone(),
            out: OutArgs {
                out: None,
                png: false,
                no_report: true,
                force: self.force,
            },
        }
    }
}
