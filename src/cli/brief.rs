//! `shipcast brief`: only the briefing, the plain sentences every report opens with.

use std::io::Write;
use std::path::PathBuf;

use super::{EXIT_OK, Failure, SimArgs};
use crate::model::GateSpec;
use crate::pipeline::{self, RunSpec};

#[derive(clap::Args, Debug)]
pub struct BriefArgs {
    /// The scenario file (TOML).
    pub file: PathBuf,
    /// Brief this variant of the scenario instead of its base plan.
    #[arg(long, value_name = "NAME")]
    pub variant: Option<String>,
    /// A gate from the command line, replacing the milestone's own: MILESTONE:DEADLINE@CONFIDENCE
    /// with a date or whole working days, e.g. launch:2027-04-30@0.8. Repeatable.
    #[arg(long, value_name = "ID:DEADLINE@P", value_parser = super::parse_gate)]
    pub gate: Vec<GateSpec>,
    #[command(flatten)]
    pub sim: SimArgs,
    #[command(flatten)]
    pub import: super::import::ImportArgs,
}

/// Simulates the file with its drivers (the levers come from their what-ifs) and prints the
/// briefing. Exits 0 whatever the gates say: `check` is the command that decides them.
pub fn brief(args: &BriefArgs, out: &mut dyn Write) -> Result<i32, Failure> {
    let shown = args.file.display().to_string();
    let plans = super::load_all(&args.file, &args.import)?;
    let mut plan = pipeline::select(plans, &shown, args.variant.as_deref())?;
    for g in &args.gate {
        plan.set_gate(g).map_err(pipeline::Error::from)?;
    }
    let spec = RunSpec {
        details: true,
        ..args.sim.spec()
    };
    let forecast = pipeline::forecast(plan, &spec, None, &pipeline::Quiet)?;
    let input = crate::report::Input::of(&forecast, &shown);
    out.write_all(crate::report::briefing::text(&crate::report::briefing::of(&input)).as_bytes())?;
    Ok(EXIT_OK)
}
