//! The command line: clap definitions and one handler per command. Handlers return an exit code;
//! `main` only passes it on.
//!
//! Exit codes: 0 success; 1 a gate failed (a deadline's confidence is below its target);
//! 2 bad input or usage. stdout carries only the output asked for; messages go to stderr. A
//! closed stdout (`shipcast run plan.toml | head`) ends the program quietly with 0.

use std::io::{self, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::analysis::{self, GateStatus};
use crate::engine::{self, Config};
use crate::report::{self, Input};
use crate::scenario;

pub const EXIT_OK: i32 = 0;
pub const EXIT_GATE_FAILED: i32 = 1;
pub const EXIT_BAD_INPUT: i32 = 2;

/// Iterations when neither the command line nor the scenario says.
pub const DEFAULT_ITERATIONS: u64 = 10_000;
/// Seed when neither the command line nor the scenario says: runs are reproducible by default.
pub const DEFAULT_SEED: u64 = 42;

#[derive(Parser, Debug)]
#[command(
    name = "shipcast",
    version,
    about = "Forecast when a technical program will deliver, with honest odds."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print a commented starter scenario of an AI program (or write it to FILE).
    Init {
        /// Where to write it; refused if the file exists. Default: stdout.
        file: Option<PathBuf>,
    },
    /// Check a scenario and print every problem found (exit 2 when there is any).
    Validate { file: PathBuf },
    /// Simulate a scenario and report delivery confidence.
    Run(RunArgs),
}

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The scenario file (TOML).
    pub file: PathBuf,
    /// Simulated schedules [default: the scenario's `iterations`, else 10000].
    #[arg(short = 'n', long)]
    pub iterations: Option<u64>,
    /// Random seed: the same seed gives the same results for any thread count
    /// [default: the scenario's `seed`, else 42].
    #[arg(short, long)]
    pub seed: Option<u64>,
    /// Worker threads [default: one per core]. Results do not depend on it.
    #[arg(short = 'j', long)]
    pub threads: Option<usize>,
    /// Output format on stdout.
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also write one CSV row per iteration to this file.
    #[arg(long, value_name = "FILE.csv")]
    pub samples: Option<PathBuf>,
    /// Where to write charts and reports [default: output/<scenario file name>/].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Also write every chart as PNG.
    #[arg(long)]
    pub png: bool,
    /// Write no charts or reports, and skip the drivers analysis they need.
    #[arg(long, conflicts_with_all = ["out", "png"])]
    pub no_report: bool,
    /// Replace the --samples file if it exists, and write the report into a directory that holds
    /// files shipcast did not write.
    #[arg(long)]
    pub force: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Csv,
}

/// A failure that ends the command: its message and exit code.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub code: i32,
}

impl Failure {
    fn bad_input(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            code: EXIT_BAD_INPUT,
        }
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        Failure {
            message: format!("error: {e}\n"),
            code: EXIT_BAD_INPUT,
        }
    }
}

/// Parses the process arguments, runs the command and returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                EXIT_BAD_INPUT
            } else {
                EXIT_OK
            };
        }
    };
    let mut stdout = io::stdout().lock();
    match execute(cli, &mut stdout)
        .and_then(|code| stdout.flush().map(|_| code).map_err(Failure::from))
    {
        Ok(code) => code,
        Err(f) if f.code == EXIT_BAD_INPUT && f.message.contains("Broken pipe") => EXIT_OK,
        Err(f) => {
            eprint!("{}", f.message);
            f.code
        }
    }
}

/// Runs a parsed command, writing its output to `out`.
pub fn execute(cli: Cli, out: &mut dyn Write) -> Result<i32, Failure> {
    match cli.command {
        Command::Init { file } => init(file, out),
        Command::Validate { file } => validate(&file),
        Command::Run(args) => run(&args, out),
    }
}

fn init(file: Option<PathBuf>, out: &mut dyn Write) -> Result<i32, Failure> {
    match file {
        None => out.write_all(scenario::STARTER.as_bytes())?,
        Some(path) => {
            let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&path).map_err(|e| {
                if e.kind() == io::ErrorKind::AlreadyExists {
                    Failure::bad_input(format!("error: {} exists; shipcast init does not overwrite files\n  = hint: pick another name, or remove it first\n", path.display()))
                } else {
                    Failure::bad_input(format!("error: cannot write {}: {e}\n", path.display()))
                }
            })?;
            f.write_all(scenario::STARTER.as_bytes())?;
            eprintln!(
                "wrote {}; next: shipcast run {}",
                path.display(),
                path.display()
            );
        }
    }
    Ok(EXIT_OK)
}

fn load(file: &std::path::Path) -> Result<crate::model::Plan, Failure> {
    scenario::load(file).map_err(|e| Failure::bad_input(e.render()))
}

fn validate(file: &std::path::Path) -> Result<i32, Failure> {
    let plan = load(file)?;
    let tasks = plan.nodes.iter().filter(|n| !n.is_milestone).count();
    let experiments = plan.nodes.iter().filter(|n| n.experiment.is_some()).count();
    eprintln!(
        "{}: ok ({tasks} tasks, {experiments} experiments, {} risks, {} milestones)",
        file.display(),
        plan.risks.len(),
        plan.milestones.len()
    );
    Ok(EXIT_OK)
}

fn run(args: &RunArgs, out: &mut dyn Write) -> Result<i32, Failure> {
    let plan = load(&args.file)?;
    let config = Config {
        iterations: args
            .iterations
            .or(plan.iterations)
            .unwrap_or(DEFAULT_ITERATIONS),
        seed: args.seed.or(plan.seed).unwrap_or(DEFAULT_SEED),
    };
    if config.iterations == 0 {
        return Err(Failure::bad_input(
            "error: --iterations must be at least 1\n",
        ));
    }
    // Refuse before simulating, so a long run is not wasted on a file we will not write.
    let samples = match &args.samples {
        Some(path) => Some(open_output(path, args.force)?),
        None => None,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .map_err(|e| {
            Failure::bad_input(format!(
                "error: cannot start {} threads: {e}\n",
                args.threads.unwrap_or(0)
            ))
        })?;
    let report_dir = (!args.no_report).then(|| report_dir(args));
    if let Some(dir) = &report_dir {
        report::files::prepare(dir, args.force).map_err(|e| {
            let hint = match e {
                report::files::DirError::Foreign(_) => {
                    "  = hint: choose another --out, or pass --force to write there anyway
"
                }
                _ => "",
            };
            Failure::bad_input(format!(
                "error: {e}
{hint}"
            ))
        })?;
    }
    let probes = if report_dir.is_some() {
        analysis::detail_probes(&plan)
    } else {
        engine::Probes::default()
    };
    let (outcomes, summary, details) = pool.install(|| {
        let outcomes = engine::simulate_with(&plan, &config, &probes);
        let summary = analysis::summarize(&plan, &outcomes);
        let details = report_dir
            .is_some()
            .then(|| analysis::details(&plan, &config, &outcomes));
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
    let text = match args.format {
        Format::Text => report::text::render(&input),
        Format::Json => report::json::render(&input),
        Format::Csv => report::csv::render(&input),
    };
    out.write_all(text.as_bytes())?;
    if let (Some(dir), Some(forecast)) = (&report_dir, input.forecast()) {
        // Charts are drawn on this thread, after the simulation.
        let written = report::files::write(dir, &forecast, args.png).map_err(|e| {
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

/// The report directory: `--out`, else `output/<file stem>/` under the current directory.
fn report_dir(args: &RunArgs) -> PathBuf {
    args.out.clone().unwrap_or_else(|| {
        let stem = args
            .file
            .file_stem()
            .map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
        PathBuf::from("output").join(stem)
    })
}

/// Opens a file the user named for output, refusing to replace one that exists unless forced.
fn open_output(path: &std::path::Path, force: bool) -> Result<std::fs::File, Failure> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true);
    if force {
        opts.create(true).truncate(true);
    } else {
        opts.create_new(true);
    }
    opts.open(path).map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            Failure::bad_input(format!("error: {} exists and would be overwritten\n  = hint: pass --force to replace it, or choose another file\n", path.display()))
        } else {
            Failure::bad_input(format!("error: cannot write {}: {e}\n", path.display()))
        }
    })
}
