//! The command line: clap definitions and one handler per command. Handlers return an exit code;
//! `main` only passes it on.
//!
//! Exit codes: 0 success; 1 a gate failed (a deadline's confidence is below its target);
//! 2 bad input or usage. stdout carries only the output asked for; messages go to stderr. A
//! closed stdout (`shipcast run plan.toml | head`) ends the program quietly with 0.

mod compare;
mod run;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::engine::Config;
use crate::model::Plan;
use crate::scenario;

pub const EXIT_OK: i32 = 0;
pub const EXIT_GATE_FAILED: i32 = 1;
pub const EXIT_BAD_INPUT: i32 = 2;

/// Iterations when neither the command line nor the scenario says.
pub const DEFAULT_ITERATIONS: u64 = 10_000;
/// Seed when neither the command line nor the scenario says: runs are reproducible by default.
pub const DEFAULT_SEED: u64 = 42;
/// The most iterations one process simulates (each keeps a row of results in memory).
pub const MAX_ITERATIONS: u64 = 100_000_000;

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
    /// Check a scenario, with its variants, and print every problem found (exit 2 if any).
    Validate { file: PathBuf },
    /// Simulate scenarios and report delivery confidence; several files (or a directory) run as
    /// a batch. Exit 1 when a gate fails.
    Run(run::RunArgs),
    /// Like run, but print only the gates' verdicts (and write no report).
    Check(run::RunArgs),
    /// Merge shard files written by `run --shard K/N` into the report of the whole run.
    Merge(run::MergeArgs),
    /// Compare scenarios side by side: a file's base plan and its variants, or several files.
    Compare(compare::CompareArgs),
    /// Vary one or two parameters over a grid and report a milestone's P80 and cost.
    Sweep(compare::SweepArgs),
}

/// How many runs to simulate, and how.
#[derive(clap::Args, Debug, Clone)]
pub struct SimArgs {
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
    /// How uniforms are drawn: plain Monte Carlo, or Latin hypercube (lhs), which stratifies
    /// every draw over 20 independent replicates of the run so estimates vary less from seed to
    /// seed at equal iterations; the milestones' intervals then come from the spread of the
    /// replicates, and are narrower (runs under 200 iterations keep Monte Carlo intervals).
    #[arg(long, value_enum, default_value_t = SamplingArg::Mc)]
    pub sampling: SamplingArg,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SamplingArg {
    Mc,
    Lhs,
}

impl SimArgs {
    /// The run's configuration: the command line first, then the scenario, then the defaults.
    pub fn config(&self, plan: &Plan) -> Result<Config, Failure> {
        let config = Config::new(
            self.iterations
                .or(plan.iterations)
                .unwrap_or(DEFAULT_ITERATIONS),
            self.seed.or(plan.seed).unwrap_or(DEFAULT_SEED),
        );
        let config = Config {
            sampling: match self.sampling {
                SamplingArg::Mc => crate::engine::Sampling::MonteCarlo,
                SamplingArg::Lhs => crate::engine::Sampling::LatinHypercube,
            },
            ..config
        };
        if config.iterations == 0 || config.iterations > MAX_ITERATIONS {
            return Err(Failure::bad_input(format!(
                "error: --iterations must be from 1 to {MAX_ITERATIONS}, got {}\n  = hint: each iteration keeps a row of results in memory; for more, shard the run (--shard K/N)\n",
                config.iterations
            )));
        }
        Ok(config)
    }

    /// A rayon pool of the asked size.
    pub fn pool(&self) -> Result<rayon::ThreadPool, Failure> {
        rayon::ThreadPoolBuilder::new()
            .num_threads(self.threads.unwrap_or(0))
            .build()
            .map_err(|e| {
                Failure::bad_input(format!(
                    "error: cannot start {} threads: {e}\n",
                    self.threads.unwrap_or(0)
                ))
            })
    }
}

/// Where charts and reports go.
#[derive(clap::Args, Debug, Clone)]
pub struct OutArgs {
    /// Where to write charts and reports [default: a directory under output/ named after the
    /// scenario file].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Also write every chart as PNG.
    #[arg(long)]
    pub png: bool,
    /// Write no charts or reports (and skip the analyses only they need).
    #[arg(long, conflicts_with_all = ["out", "png"])]
    pub no_report: bool,
    /// Replace an existing output file named on the command line, and write the report into a
    /// directory that holds files shipcast did not write.
    #[arg(long)]
    pub force: bool,
}

impl OutArgs {
    /// The report directory, checked and created: `--out`, else `output/<default_name>/`.
    /// None with `--no-report`.
    pub fn prepare(&self, default_name: &str) -> Result<Option<ReportDir>, Failure> {
        if self.no_report {
            return Ok(None);
        }
        let dir = self
            .out
            .clone()
            .unwrap_or_else(|| PathBuf::from("output").join(default_name));
        let mark = crate::report::files::prepare(&dir, self.force).map_err(|e| {
            let hint = match e {
                crate::report::files::DirError::Foreign(_) => {
                    "  = hint: choose another --out, or pass --force to write there anyway\n"
                }
                _ => "",
            };
            Failure::bad_input(format!("error: {e}\n{hint}"))
        })?;
        Ok(Some(ReportDir { path: dir, mark }))
    }
}

/// A report directory ready for writing.
#[derive(Debug, Clone)]
pub struct ReportDir {
    pub path: PathBuf,
    /// Whether shipcast owns it: mark it, and clear its own stale files.
    pub mark: bool,
}

impl ReportDir {
    /// Marks the directory as shipcast's (listing `written`), when it owns it.
    pub fn seal(&self, written: &[PathBuf]) -> Result<(), Failure> {
        if self.mark {
            crate::report::files::seal(&self.path, written).map_err(|e| {
                Failure::bad_input(format!(
                    "error: cannot write in {}: {e}\n",
                    self.path.display()
                ))
            })?;
        }
        Ok(())
    }
}

/// The file name without its extension, for default output directories.
pub fn stem(file: &Path) -> String {
    file.file_stem()
        .map_or("scenario".into(), |s| s.to_string_lossy().into_owned())
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Csv,
    Markdown,
}

/// A failure that ends the command: its message and exit code.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub code: i32,
}

impl Failure {
    pub fn bad_input(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            code: EXIT_BAD_INPUT,
        }
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        if e.kind() == io::ErrorKind::BrokenPipe {
            // The reader went away (`| head`): nothing left to say, and nothing went wrong.
            return Failure {
                message: String::new(),
                code: EXIT_OK,
            };
        }
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
        Command::Run(args) => run::run(&args, false, out),
        Command::Check(args) => run::run(&args, true, out),
        Command::Merge(args) => run::merge(&args, out),
        Command::Compare(args) => compare::compare(&args, out),
        Command::Sweep(args) => compare::sweep(&args, out),
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

/// The base plan and every variant of a scenario file.
pub fn load_all(file: &Path) -> Result<Vec<Plan>, Failure> {
    scenario::load_all(file).map_err(|e| Failure::bad_input(e.render()))
}

fn validate(file: &Path) -> Result<i32, Failure> {
    let plans = load_all(file)?;
    let plan = &plans[0];
    let tasks = plan.nodes.iter().filter(|n| !n.is_milestone).count();
    let experiments = plan.nodes.iter().filter(|n| n.experiment.is_some()).count();
    let variants = match plans.len() - 1 {
        0 => String::new(),
        n => format!(", {n} variant{}", if n == 1 { "" } else { "s" }),
    };
    eprintln!(
        "{}: ok ({tasks} tasks, {experiments} experiments, {} risks, {} milestones{variants})",
        file.display(),
        plan.risks.len(),
        plan.milestones.len()
    );
    Ok(EXIT_OK)
}

/// Refuses an output file that exists, unless forced; creates nothing.
pub fn refuse_existing(path: &Path, force: bool) -> Result<(), Failure> {
    if !force && path.exists() {
        return Err(Failure::bad_input(format!(
            "error: {} exists and would be overwritten\n  = hint: pass --force to replace it, or choose another file\n",
            path.display()
        )));
    }
    Ok(())
}

/// Opens a file the user named for output, refusing to replace one that exists unless forced.
pub fn open_output(path: &Path, force: bool) -> Result<std::fs::File, Failure> {
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
