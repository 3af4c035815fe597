//! `shipcast run`: simulate one scenario, print the forecast, write charts and reports.

use std::io::{self, Write};
use std::path::PathBuf;

use super::{EXIT_GATE_FAILED, EXIT_OK, Failure, Format, OutArgs, SimArgs};
use crate::analysis::{self, GateStatus};
use crate::engine;
use crate::report::{self, Input};

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The scenario file (TOML).
    pub file: PathBuf,
    /// Run this variant of the scenario instead of its base plan.
    #[arg(long, value_name = "NAME")]
    pub variant: Option<String>,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Output format on stdout (markdown: the report.md text).
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also write one CSV row per iteration to this file.
    #[arg(long, value_name = "FILE.csv")]
    pub samples: Option<PathBuf>,
    #[command(flatten)]
    pub out: OutArgs,
}

pub fn run(args: &RunArgs, out: &mut dyn Write) -> Result<i32, Failure> {
    let mut plans = super::load_all(&args.file)?;
    let plan = match &args.variant {
        None => plans.swap_remove(0),
        Some(name) => {
            let names: Vec<String> = plans.iter().filter_map(|p| p.variant.clone()).collect();
            let k = plans
                .iter()
                .position(|p| p.variant.as_deref() == Some(name.as_str()))
                .ok_or_else(|| {
                    let known = if names.is_empty() {
                        "it has none".to_string()
                    } else {
                        format!("it has {}", names.join(", "))
                    };
                    Failure::bad_input(format!(
                        "error: {} has no variant `{name}` ({known})\n",
                        args.file.display()
                    ))
                })?;
            plans.swap_remove(k)
        }
    };
    let config = args.sim.config(&plan)?;
    // Refuse before simulating, so a long run is not wasted on a file we will not write.
    let samples = match &args.samples {
        Some(path) => Some(super::open_output(path, args.out.force)?),
        None => None,
    };
    let default_dir = match &args.variant {
        Some(v) => format!("{}-{v}", super::stem(&args.file)),
        None => super::stem(&args.file),
    };
    let report_dir = args.out.prepare(&default_dir)?;
    let want_details = report_dir.is_some() || args.format == Format::Markdown;
    let probes = if want_details {
        analysis::detail_probes(&plan)
    } else {
        engine::Probes::default()
    };
    let (outcomes, summary, details) = args.sim.pool()?.install(|| {
        let outcomes = engine::simulate_with(&plan, &config, &probes);
        let summary = analysis::summarize(&plan, &outcomes);
        let details = want_details.then(|| analysis::details(&plan, &config, &outcomes));
        (outcomes, summary, details)
    });
    if let (Some(f), Some(path)) = (samples, &args.samples) {
        report::samples::write(&plan, &outcomes, io::BufWriter::new(f)).map_err(|e| {
            Failure::bad_input(format!("error: cannot write {}: {e}\n", path.display()))
        })?;
    }
    let file = args.file.display().to_string();
    let input = Input {
        plan: &plan,
        summary: &summary,
        file: &file,
        details: details.as_ref(),
    };
    let text = match (args.format, input.forecast()) {
        (Format::Text, _) => report::text::render(&input),
        (Format::Json, _) => report::json::render(&input),
        (Format::Csv, _) => report::csv::render(&input),
        (Format::Markdown, Some(f)) => report::markdown::render(&f),
        (Format::Markdown, None) => unreachable!("markdown output computes details"),
    };
    out.write_all(text.as_bytes())?;
    if let (Some(dir), Some(forecast)) = (&report_dir, input.forecast()) {
        // Charts are drawn on this thread, after the simulation.
        let written = report::files::write(dir, &forecast, args.out.png).map_err(|e| {
            Failure::bad_input(format!(
                "error: cannot write the report in {}: {e}\n",
                dir.display()
            ))
        })?;
        let charts = written
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "svg"))
            .count();
        eprintln!(
            "report: {} ({charts} charts and summaries in {})",
            dir.join("report.html").display(),
            dir.display()
        );
    }
    let failed = summary
        .milestones
        .iter()
        .filter_map(|m| m.on_time.as_ref()?.gate.as_ref())
        .any(|g| g.status == GateStatus::Fails);
    Ok(if failed { EXIT_GATE_FAILED } else { EXIT_OK })
}
