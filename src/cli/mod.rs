//! The command line: clap definitions and one handler per command. Handlers return an exit code;
//! `main` only passes it on.
//!
//! Exit codes: 0 success; 1 a gate failed (a deadline's confidence is below its target);
//! 2 bad input or usage. stdout carries only the output asked for; messages go to stderr. A
//! closed stdout (`shipcast run plan.toml | head`) ends the program quietly with 0.

mod brief;
mod check;
mod compare;
mod history;
mod import;
mod run;
mod scale;
mod throughput;
mod watch;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::engine::Sampling;
use crate::model::Plan;
use crate::pipeline::{self, RunSpec};
use crate::scenario;

pub const EXIT_OK: i32 = 0;
pub const EXIT_GATE_FAILED: i32 = 1;
pub const EXIT_BAD_INPUT: i32 = 2;

/// The exit code of a finished run: the one place that says what a failed gate means.
pub fn exit_code(gate_failed: bool) -> i32 {
    if gate_failed {
        EXIT_GATE_FAILED
    } else {
        EXIT_OK
    }
}

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
    Validate {
        /// The scenario file (TOML, or a plan from another tool: see `import`).
        file: PathBuf,
        #[command(flatten)]
        import: import::ImportArgs,
    },
    /// Simulate scenarios and report delivery confidence; several files (or a directory) run as
    /// a batch. Exit 1 when a gate fails.
    Run(run::RunArgs),
    /// Like run, but print only the gates' verdicts (and write no report).
    Check(check::CheckArgs),
    /// Print only the briefing: a few plain sentences per milestone, generated from the
    /// numbers (the date to commit to, the deadline's chance, the biggest levers).
    Brief(brief::BriefArgs),
    /// Merge the shard files of a run, a sweep or a batch (`--shard K/N`) into one report.
    Merge(run::MergeArgs),
    /// Re-run a scenario on every save and serve its report on a local port, with live reload.
    Watch(watch::WatchArgs),
    /// Count the items of a CSV of finished work per week (or day), as a backlog's throughput
    /// history, and print them with their percentiles.
    Throughput(throughput::ThroughputArgs),
    /// Compare scenarios side by side: a file's base plan and its variants, or several files.
    Compare(compare::CompareArgs),
    /// Vary one or two parameters over a grid and report a milestone's P80 and cost.
    Sweep(compare::SweepArgs),
    /// Learn how estimates compare with actuals from a CSV of finished work, and write the
    /// [calibration.NAME] tables a scenario uses.
    Calibrate(history::CalibrateArgs),
    /// Replay a CSV of finished work in order, forecasting each item from the ones before it,
    /// and measure how often P50/P80/P90 came true, calibrated and not.
    Backtest(history::BacktestArgs),
    /// Turn a plan from another tool (CSV, Microsoft Project XML, Primavera P6 XER, PSPLIB .sm)
    /// into a scenario; with --check, compare its schedule with the source tool's.
    Import(import::ImportCmd),
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
    /// seed at equal iterations; the milestones' intervals (in run and sweep reports) then come
    /// from the spread of the replicates, and are narrower (runs under 200 iterations, and
    /// compare's paired differences, keep the conservative Monte Carlo intervals).
    #[arg(long, value_enum, default_value_t = SamplingArg::Mc)]
    pub sampling: SamplingArg,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SamplingArg {
    Mc,
    Lhs,
}

impl SimArgs {
    /// The run these flags ask for (what they leave open, the scenario or the defaults fill).
    pub fn spec(&self) -> RunSpec {
        RunSpec {
            iterations: self.iterations,
            seed: self.seed,
            sampling: match self.sampling {
                SamplingArg::Mc => Sampling::MonteCarlo,
                SamplingArg::Lhs => Sampling::LatinHypercube,
            },
            threads: self.threads,
            ..RunSpec::default()
        }
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
                    Some("choose another --out, or pass --force to write there anyway")
                }
                _ => None,
            };
            Failure::error(e, hint)
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
                Failure::error(
                    format!("cannot write in {}: {e}", self.path.display()),
                    None,
                )
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

impl Format {
    /// The report format this flag names.
    pub fn report(self) -> crate::report::Format {
        match self {
            Format::Text => crate::report::Format::Text,
            Format::Json => crate::report::Format::Json,
            Format::Csv => crate::report::Format::Csv,
            Format::Markdown => crate::report::Format::Markdown,
        }
    }
}

/// A failure that ends the command: its rendered message and exit code.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub code: i32,
}

impl Failure {
    /// A message already rendered (a diagnostic with its source lines, say).
    pub fn bad_input(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            code: EXIT_BAD_INPUT,
        }
    }

    /// An error, rendered as every error is: `error: MESSAGE`, then `  = hint: HINT` when given.
    pub fn error(message: impl std::fmt::Display, hint: Option<&str>) -> Failure {
        let mut s = format!("error: {message}\n");
        if let Some(h) = hint {
            s.push_str(&format!("  = hint: {h}\n"));
        }
        Failure::bad_input(s)
    }
}

impl From<pipeline::Error> for Failure {
    fn from(e: pipeline::Error) -> Failure {
        Failure::error(&e, e.hint().as_deref())
    }
}

impl From<crate::report::baseline::BaselineError> for Failure {
    fn from(e: crate::report::baseline::BaselineError) -> Failure {
        Failure::error(&e, Some(e.hint()))
    }
}

impl From<crate::report::shard::ShardError> for Failure {
    fn from(e: crate::report::shard::ShardError) -> Failure {
        Failure::error(e, None)
    }
}

impl From<scenario::LoadError> for Failure {
    fn from(e: scenario::LoadError) -> Failure {
        Failure::bad_input(e.render())
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
        Failure::error(e, None)
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
        Command::Validate { file, import } => validate(&file, &import),
        Command::Run(args) => run::run(&args, false, out),
        Command::Check(args) => run::run(&args.run_args(), true, out),
        Command::Brief(args) => brief::brief(&args, out),
        Command::Merge(args) => run::merge(&args, out),
        Command::Compare(args) => compare::compare(&args, out),
        Command::Sweep(args) => compare::sweep(&args, out),
        Command::Calibrate(args) => history::calibrate(&args, out),
        Command::Backtest(args) => history::backtest(&args, out),
        Command::Watch(args) => watch::watch(&args),
        Command::Throughput(args) => throughput::throughput(&args, out),
        Command::Import(args) => import::import(&args, out),
    }
}

fn init(file: Option<PathBuf>, out: &mut dyn Write) -> Result<i32, Failure> {
    match file {
        None => out.write_all(scenario::STARTER.as_bytes())?,
        Some(path) => {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .map_err(|e| {
                    if e.kind() == io::ErrorKind::AlreadyExists {
                        Failure::error(
                            format!(
                                "{} exists; shipcast init does not overwrite files",
                                path.display()
                            ),
                            Some("pick another name, or remove it first"),
                        )
                    } else {
                        Failure::error(format!("cannot write {}: {e}", path.display()), None)
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

/// The base plan and every variant of a scenario file, or of a plan from another tool imported
/// in memory; their warnings go to stderr.
pub fn load_all(file: &Path, import: &import::ImportArgs) -> Result<Vec<Plan>, Failure> {
    let plans = pipeline::load::load_all_from(file, &import.options())?;
    warn(&file.display().to_string(), &plans);
    Ok(plans)
}

/// Prints the plans' warnings on stderr, each once (a variant repeats its base's).
pub fn warn(file: &str, plans: &[Plan]) {
    let mut seen = std::collections::HashSet::new();
    for w in plans.iter().flat_map(|p| p.warnings()) {
        if seen.insert(w) {
            eprintln!("warning: {file}: {w}");
        }
    }
}

fn validate(file: &Path, import: &import::ImportArgs) -> Result<i32, Failure> {
    let plans = load_all(file, import)?;
    let plan = &plans[0];
    let tasks = plan.nodes().iter().filter(|n| !n.is_milestone).count();
    let experiments = plan
        .nodes()
        .iter()
        .filter(|n| n.experiment.is_some())
        .count();
    let variants = match plans.len() - 1 {
        0 => String::new(),
        n => format!(", {n} variant{}", if n == 1 { "" } else { "s" }),
    };
    eprintln!(
        "{}: ok ({tasks} tasks, {experiments} experiments, {} risks, {} milestones{variants})",
        file.display(),
        plan.risks().len(),
        plan.milestones().len()
    );
    Ok(EXIT_OK)
}

const OVERWRITE_HINT: &str = "pass --force to replace it, or choose another file";

/// Refuses an output file that exists, unless forced; creates nothing.
pub fn refuse_existing(path: &Path, force: bool) -> Result<(), Failure> {
    if !force && path.exists() {
        return Err(Failure::error(
            format!("{} exists and would be overwritten", path.display()),
            Some(OVERWRITE_HINT),
        ));
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
            Failure::error(
                format!("{} exists and would be overwritten", path.display()),
                Some(OVERWRITE_HINT),
            )
        } else {
            Failure::error(format!("cannot write {}: {e}", path.display()), None)
        }
    })
}

/// `--gate ID:DEADLINE@CONFIDENCE`, parsed, with the text as written.
pub fn parse_gate(text: &str) -> Result<crate::model::GateSpec, String> {
    use crate::model::{DeadlineSpec, GateSpec};
    let usage = "write MILESTONE:DEADLINE@CONFIDENCE, e.g. launch:2027-04-30@0.8 or launch:60@0.8";
    let (id, rest) = text.split_once(':').ok_or_else(|| usage.to_string())?;
    let (deadline, confidence) = rest
        .rsplit_once('@')
        .ok_or_else(|| format!("no @CONFIDENCE: {usage}"))?;
    let confidence: f64 = confidence
        .parse()
        .map_err(|_| format!("`{confidence}` is not a number: {usage}"))?;
    if !(confidence > 0.0 && confidence <= 1.0) {
        return Err(format!(
            "the confidence must be in (0, 1], got {confidence}"
        ));
    }
    let deadline =
        match deadline.parse::<u32>() {
            Ok(days) => DeadlineSpec::Days(days),
            Err(_) => DeadlineSpec::Date(deadline.parse().map_err(|e| {
                format!("`{deadline}` is neither whole working days nor a date: {e}")
            })?),
        };
    Ok(GateSpec {
        text: text.to_string(),
        milestone: id.to_string(),
        deadline,
        confidence,
    })
}

/// `--precision 0.5d`: a positive number of working days.
pub fn parse_days(s: &str) -> Result<f64, String> {
    let x = s.trim().trim_end_matches('d').trim();
    match x.parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() => Ok(v),
        _ => Err("give a positive number of working days, e.g. 0.5d".to_string()),
    }
}

/// `--shard K/N`.
pub fn parse_shard(spec: &str) -> Result<pipeline::ShardSpec, String> {
    let bad = || {
        format!(
            "write K/N with 1 <= K <= N <= {}, e.g. 3/16",
            pipeline::MAX_SHARDS
        )
    };
    let (k, n) = spec.split_once('/').ok_or_else(bad)?;
    let (k, n): (u64, u64) = (
        k.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    pipeline::ShardSpec::new(k, n).ok_or_else(bad)
}

/// `--set PATH=LO..HI:STEP` or `PATH=A,B,C`.
pub fn parse_set(spec: &str) -> Result<crate::model::params::Param, String> {
    crate::model::params::parse_set(spec).map_err(|e| e.to_string())
}
