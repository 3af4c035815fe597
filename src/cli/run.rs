//! `shipcast run`, `check` and `merge`: simulate scenarios, print forecasts, decide gates,
//! write charts and reports; batches, CI summaries, JUnit, drift, precision and shards.

use std::cell::RefCell;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{EXIT_BAD_INPUT, EXIT_OK, Failure, Format, OutArgs, SimArgs, exit_code};
use crate::model::{GateSpec, Plan};
use crate::pipeline::{self, DEFAULT_MAX_ITERATIONS, Precision, RunSpec, ShardSpec};
use crate::report::batch::{self, FileOutcome};
use crate::report::shard::{self, ShardRun};
use crate::report::{self, Input};

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// Scenario files (TOML), or directories of them. Several make a batch: one combined
    /// summary, every file run even when one is broken, the worst exit code.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Run this variant of the scenario instead of its base plan.
    #[arg(long, value_name = "NAME")]
    pub variant: Option<String>,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Output format on stdout (markdown: the report.md text; for a batch, the step summary).
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also write one CSV row per iteration to this file (one scenario only).
    #[arg(long, value_name = "FILE.csv")]
    pub samples: Option<PathBuf>,
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
    /// Simulate only shard K of N (numbered from 1) and print a mergeable shard file
    /// (`shipcast merge`); for a batch (several files or a directory), run shard K's share of
    /// the files, each whole.
    #[arg(long, value_name = "K/N", value_parser = super::parse_shard)]
    pub shard: Option<ShardSpec>,
    /// CI mode (also on when CI=true): no progress bar, a plain summary on stderr, and a Markdown
    /// summary appended to $GITHUB_STEP_SUMMARY when it is set.
    #[arg(long)]
    pub ci: bool,
    /// Write the gates as JUnit XML test cases to this file.
    #[arg(long, value_name = "FILE.xml")]
    pub junit: Option<PathBuf>,
    /// An earlier JSON report (run --format json): show how P80 and P(on time) moved since.
    #[arg(long, value_name = "FILE.json")]
    pub baseline: Option<PathBuf>,
    /// Add this run's forecast to a CSV history (one row per milestone: P50, P80, P95 and
    /// P(on time) as of the scenario's status_date); a rerun for the same status date replaces
    /// that date's rows. The report directory gets a chart of how each forecast moved.
    #[arg(long, value_name = "FILE.csv")]
    pub history: Option<PathBuf>,
    #[command(flatten)]
    pub out: OutArgs,
    #[command(flatten)]
    pub import: super::import::ImportArgs,
    /// Also write each task's forecast to this CSV (P50/P80 start and finish, criticality,
    /// P(success)), and add a `tasks` array to the JSON report. One scenario only.
    #[arg(long, value_name = "FILE.csv")]
    pub tasks: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// Shard files written by `shipcast run --shard K/N`, all N of them.
    #[arg(required = true)]
    pub parts: Vec<PathBuf>,
    /// Output format on stdout.
    #[arg(short, long, value_enum, default_value_t = MergeFormat::Json)]
    pub format: MergeFormat,
    /// Skip the drivers (as `run --no-report` does): no what-if reruns, a quicker merge.
    #[arg(long)]
    pub no_drivers: bool,
    /// The scenario the shards ran, when it is not at the path they name (merging elsewhere
    /// than they ran). It must be the same text.
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// A batch's shards: write the gates as JUnit XML test cases to this file.
    #[arg(long, value_name = "FILE.xml")]
    pub junit: Option<PathBuf>,
    /// A batch's shards: CI mode, as `run --ci` (a plain summary on stderr, and the Markdown
    /// summary appended to $GITHUB_STEP_SUMMARY when it is set).
    #[arg(long)]
    pub ci: bool,
}

/// The formats `merge` prints (the Markdown report needs the charts a merge does not draw:
/// markdown is for a sweep's or a batch's shards).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MergeFormat {
    Text,
    Json,
    Csv,
    Markdown,
}

impl From<MergeFormat> for Format {
    fn from(f: MergeFormat) -> Format {
        match f {
            MergeFormat::Text => Format::Text,
            MergeFormat::Json => Format::Json,
            MergeFormat::Csv => Format::Csv,
            MergeFormat::Markdown => Format::Markdown,
        }
    }
}

/// One scenario file simulated.
struct Done {
    shown: String,
    forecast: pipeline::Forecast,
    report_dir: Option<super::ReportDir>,
}

impl Done {
    fn input(&self) -> Input<'_> {
        Input::of(&self.forecast, &self.shown)
    }
}

/// Files named, with directories expanded to the `.toml` files they hold (sorted).
fn expand(files: &[PathBuf]) -> Result<Vec<PathBuf>, Failure> {
    let mut out = Vec::new();
    for f in files {
        if f.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(f)
                .map_err(|e| Failure::error(format!("cannot read {}: {e}", f.display()), None))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect();
            inside.sort();
            if inside.is_empty() {
                return Err(Failure::error(
                    format!("{} holds no .toml scenario", f.display()),
                    None,
                ));
            }
            out.extend(inside);
        } else {
            out.push(f.clone());
        }
    }
    Ok(out)
}

/// Loads the plan (or its variant) and applies command-line gates.
pub(super) fn load(
    file: &Path,
    variant: Option<&str>,
    gates: &[GateSpec],
    import: &super::import::ImportArgs,
) -> Result<Plan, Failure> {
    let plans = super::load_all(file, import)?;
    let mut plan = pipeline::select(plans, &file.display().to_string(), variant)?;
    for g in gates {
        plan.set_gate(g).map_err(pipeline::Error::from)?;
    }
    Ok(plan)
}

use crate::pipeline::Progress as _;

/// Progress on stderr for a single run in a terminal: a bar while simulating, a spinner while
/// the drivers rerun and the charts are drawn. Nothing shows until the command has run for
/// [`Bar::DELAY`], so quick runs stay quiet; never on a pipe or in CI (`shown` is false).
pub(crate) struct Bar {
    shown: bool,
    started: std::time::Instant,
    bar: RefCell<Option<indicatif::ProgressBar>>,
}

impl Bar {
    const DELAY: std::time::Duration = std::time::Duration::from_secs(1);

    pub(crate) fn new(shown: bool) -> Bar {
        Bar {
            shown,
            started: std::time::Instant::now(),
            bar: RefCell::new(None),
        }
    }

    /// Replaces the display with `bar`, drawn once the command has run for [`Bar::DELAY`].
    fn show(&self, bar: indicatif::ProgressBar) {
        self.clear();
        let wait = Self::DELAY.saturating_sub(self.started.elapsed());
        if wait.is_zero() {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        } else {
            bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
            let later = bar.clone();
            std::thread::spawn(move || {
                std::thread::sleep(wait);
                if !later.is_finished() {
                    later.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                    later.tick();
                }
            });
        }
        *self.bar.borrow_mut() = Some(bar);
    }

    fn clear(&self) {
        if let Some(b) = self.bar.borrow_mut().take() {
            b.finish_and_clear();
        }
    }
}

impl pipeline::Progress for Bar {
    fn shown(&self) -> bool {
        self.shown
    }

    fn begin(&self, total: u64) {
        if !self.shown {
            return;
        }
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(total),
            indicatif::ProgressDrawTarget::hidden(),
        );
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} iterations, {eta} left")
        {
            bar.set_style(style);
        }
        self.show(bar);
    }

    fn advance(&self, iterations: u64) {
        if let Some(b) = self.bar.borrow().as_ref() {
            b.inc(iterations);
        }
    }

    fn stage(&self, what: &str) {
        if !self.shown {
            return;
        }
        let bar =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::hidden());
        if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            bar.set_style(style);
        }
        bar.set_message(what.to_string());
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        self.show(bar);
    }

    fn end(&self) {
        self.clear();
    }
}

/// How one file of a command is run.
#[derive(Debug, Clone, Copy)]
struct Mode {
    /// `check`: verdicts only, no report directory.
    check: bool,
    /// One file of several: its report goes in a subdirectory.
    batch: bool,
}

fn simulate_file(
    file: &Path,
    name: &str,
    args: &RunArgs,
    mode: Mode,
    progress: &dyn pipeline::Progress,
) -> Result<Done, Failure> {
    let shown = file.display().to_string();
    let plan = load(file, args.variant.as_deref(), &args.gate, &args.import)?;
    let mut spec = RunSpec {
        precision: args.precision.map(|target| Precision {
            target,
            max_iterations: args.max_iterations,
        }),
        ..args.sim.spec()
    };
    // Bad input is refused before a report directory is made.
    pipeline::check(&plan, &spec)?;
    if args.history.is_some() && plan.status_date().is_none() {
        return Err(Failure::error(
            format!("{shown} has no status date: --history records forecasts by status date"),
            Some(
                "add status_date = <the day the progress was reported> to [project] (with start); a rerun for the same status date replaces its rows",
            ),
        ));
    }
    let baseline = match &args.baseline {
        Some(path) => Some(report::baseline::read(path, &shown)?),
        None => None,
    };
    let report_dir = if mode.check {
        None
    } else if mode.batch {
        let base = OutArgs {
            out: Some(
                args.out
                    .out
                    .clone()
                    .unwrap_or_else(|| PathBuf::from("output"))
                    .join(name),
            ),
            ..args.out.clone()
        };
        base.prepare(name)?
    } else {
        args.out.prepare(name)?
    };
    spec.details = report_dir.is_some() || args.format == Format::Markdown && !mode.batch;
    let forecast = pipeline::forecast(plan, &spec, baseline.as_deref(), progress)?;
    Ok(Done {
        shown,
        forecast,
        report_dir,
    })
}

/// The rows of a history file, none when it does not exist yet. A file that is not a history
/// is refused, never replaced.
fn read_history(path: &Path) -> Result<Vec<report::history::Row>, Failure> {
    if report::outputs::kind(path).is_special() {
        return Err(Failure::error(
            format!(
                "--history {} is not a regular file: it is read and rewritten whole",
                path.display()
            ),
            Some("name a regular file (a new one starts the history)"),
        ));
    }
    // A history grows by a few rows a run: anything this large was not written by shipcast, and
    // is not read whole to find out.
    const MAX_HISTORY: u64 = 64 << 20;
    if std::fs::metadata(path).is_ok_and(|m| m.len() > MAX_HISTORY) {
        return Err(Failure::error(
            format!(
                "--history {} is over 64 MiB: not a forecast history shipcast wrote",
                path.display()
            ),
            Some("name the history file shipcast keeps, or a new file to start one"),
        ));
    }
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(Failure::error(
                format!("cannot read {}: {e}", path.display()),
                None,
            ));
        }
    };
    report::history::parse(&text).map_err(|e| {
        Failure::error(
            format!("{}:{e}", path.display()),
            Some("--history adds to a forecast history shipcast wrote; name a new file to start one (this one is left as it is)"),
        )
    })
}

/// Adds this run's rows to the history at `path`, replacing any of the same status date, and
/// writes it whole to a temporary file beside it, renamed over it (`report::outputs`): an
/// interruption leaves the old file or the new one, never half of one. Returns the rows written.
fn write_history(
    path: &Path,
    file: &Path,
    done: &Done,
    earlier: Vec<report::history::Row>,
) -> Result<Vec<report::history::Row>, Failure> {
    let text = pipeline::read_text(file)?;
    let fingerprint = shard::fingerprint(&text);
    let new = report::history::rows(&done.input(), &fingerprint).unwrap_or_default();
    let rows = report::history::merge(earlier, new);
    let text = report::history::render(&rows);
    report::outputs::write(path, true, |w| w.write_all(text.as_bytes()))
        .map_err(|e| super::write_failure(path, e))?;
    Ok(rows)
}

/// Each file's report directory name: its stem (with the variant), or, where two files share a
/// stem, its path with the separators turned into dashes.
fn report_names(files: &[PathBuf], variant: Option<&str>) -> Vec<String> {
    let stems: Vec<String> = files.iter().map(|f| super::stem(f)).collect();
    files
        .iter()
        .zip(&stems)
        .map(|(f, stem)| {
            let base = if stems.iter().filter(|s| *s == stem).count() > 1 {
                let parts: Vec<String> = f
                    .with_extension("")
                    .components()
                    .filter_map(|c| match c {
                        std::path::Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                        _ => None,
                    })
                    .collect();
                parts.join("-")
            } else {
                stem.clone()
            };
            match variant {
                Some(v) => format!("{base}-{v}"),
                None => base,
            }
        })
        .collect()
}

/// The report directory of each file (none for `check` or `--no-report`).
fn report_dirs(args: &RunArgs, names: &[String], check: bool) -> Vec<PathBuf> {
    if check || args.out.no_report {
        return Vec::new();
    }
    if names.len() > 1 {
        let base = args
            .out
            .out
            .clone()
            .unwrap_or_else(|| PathBuf::from("output"));
        names.iter().map(|n| base.join(n)).collect()
    } else {
        vec![
            args.out
                .out
                .clone()
                .unwrap_or_else(|| PathBuf::from("output").join(&names[0])),
        ]
    }
}

/// Whether the first bytes of a file are those of a JUnit report shipcast wrote.
fn junit_is_ours(head: &[u8]) -> bool {
    batch::is_ours(&String::from_utf8_lossy(head))
}

/// Checks every output `run` will write before any work (see [`super::check_outputs`]).
fn check_outputs(
    args: &RunArgs,
    files: &[PathBuf],
    names: &[String],
    check: bool,
    ci: bool,
) -> Result<(), Failure> {
    use super::{Existing, Output};
    let mut outputs = Vec::new();
    let mut add = |flag, path: &Option<PathBuf>, existing| {
        if let Some(p) = path {
            outputs.push(Output {
                flag,
                path: p.clone(),
                existing,
            });
        }
    };
    add("--samples", &args.samples, Existing::Refuse);
    add("--tasks", &args.tasks, Existing::Refuse);
    add("--junit", &args.junit, Existing::Ours(junit_is_ours));
    add("--history", &args.history, Existing::Update);
    if ci
        && let Ok(path) = std::env::var("GITHUB_STEP_SUMMARY")
        && !path.is_empty()
    {
        outputs.push(Output {
            flag: "GITHUB_STEP_SUMMARY",
            path: PathBuf::from(path),
            existing: Existing::Append,
        });
    }
    let mut inputs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    inputs.extend(args.baseline.as_deref());
    super::check_outputs(
        &outputs,
        &report_dirs(args, names, check),
        &inputs,
        args.out.force,
    )?;
    Ok(())
}

/// Refuses a scenario read through a FIFO where it is read twice (for its fingerprint, by
/// --history and --shard): the second read would find nothing.
fn read_twice(file: &Path, flag: &str) -> Result<(), Failure> {
    if report::outputs::kind(file) == report::outputs::Kind::Fifo {
        return Err(Failure::error(
            format!(
                "{}: {flag} needs the scenario as a regular file (it reads it twice)",
                file.display()
            ),
            None,
        ));
    }
    Ok(())
}

fn ci_mode(args: &RunArgs) -> bool {
    args.ci || std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

pub fn run(args: &RunArgs, check: bool, out: &mut dyn Write) -> Result<i32, Failure> {
    let files = expand(&args.files)?;
    let ci = ci_mode(args);
    if args.history.is_some() && (files.len() != 1 || args.shard.is_some()) {
        return Err(Failure::error(
            "--history records one scenario's forecast: name one file, without --shard",
            None,
        ));
    }
    // A history file that exists must be one: read (and refused) before any work.
    let earlier = match &args.history {
        Some(path) => {
            read_twice(&files[0], "--history")?;
            Some(read_history(path)?)
        }
        None => None,
    };
    if let Some(shard) = args.shard {
        if files.len() != 1 {
            return super::scale::batch_shard(&files, shard, args, check, out);
        }
        read_twice(&files[0], "--shard")?;
        return run_shard(&files[0], shard, args, out);
    }
    let batch = files.len() > 1;
    // One display for the whole command: simulation, drivers, charts.
    let bar = Bar::new(!batch && !ci && io::stderr().is_terminal());
    if batch && args.samples.is_some() {
        return Err(Failure::error(
            "--samples writes one scenario's iterations: name one file",
            None,
        ));
    }
    if args.tasks.is_some() && (batch || check) {
        return Err(Failure::error(
            "--tasks writes one scenario's per-task forecast: name one file, with run",
            None,
        ));
    }
    let names = report_names(&files, args.variant.as_deref());
    // Every output is checked before any work: writable, distinct, and not replacing a file the
    // user wrote (a JUnit report shipcast wrote may be replaced).
    check_outputs(args, &files, &names, check, ci)?;
    let results: Vec<Result<Done, Failure>> = if batch {
        let mode = Mode { check, batch: true };
        files
            .par_iter()
            .zip(&names)
            .map(|(f, name)| simulate_file(f, name, args, mode, &pipeline::Quiet))
            .collect()
    } else {
        let mode = Mode {
            check,
            batch: false,
        };
        vec![simulate_file(&files[0], &names[0], args, mode, &bar)]
    };
    if pipeline::interrupted() {
        return Err(Failure::interrupted());
    }
    if let (Some(path), Some(Ok(done))) = (&args.samples, results.first()) {
        report::outputs::write(path, args.out.force, |w| {
            report::samples::write(&done.forecast.plan, &done.forecast.outcomes, w)
        })
        .map_err(|e| super::write_failure(path, e))?;
    }
    let mut task_rows = None;
    if let (Some(path), Some(Ok(done))) = (&args.tasks, results.first()) {
        let rows = pipeline::task_forecast(&done.forecast, args.sim.threads)?;
        let csv = report::tasks::csv(&done.forecast.plan, &rows);
        report::outputs::write(path, args.out.force, |w| w.write_all(csv.as_bytes()))
            .map_err(|e| super::write_failure(path, e))?;
        task_rows = Some(rows);
    }
    let mut history = None;
    if let (Some(path), Some(Ok(done)), Some(earlier)) = (&args.history, results.first(), earlier) {
        history = Some(write_history(path, &files[0], done, earlier)?);
    }
    let mut results = results;
    // A single file's bad input is the command's error; in a batch it is one row.
    if !batch
        && let Some(Err(_)) = results.first()
        && let Some(Err(failure)) = results.pop()
    {
        return Err(failure);
    }
    let shown: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let outcomes: Vec<FileOutcome> = results
        .iter()
        .zip(&shown)
        .map(|(r, file)| match r {
            Ok(d) => FileOutcome {
                file,
                variant: args.variant.as_deref(),
                result: Ok(d.input()),
                exit_code: exit_code(d.forecast.gate_failed()),
            },
            Err(f) => FileOutcome {
                file,
                variant: args.variant.as_deref(),
                result: Err(f.message.clone()),
                exit_code: EXIT_BAD_INPUT,
            },
        })
        .collect();

    let exporter = args.format.report().exporter();
    let text = if check {
        batch::check_lines(&outcomes)
    } else if batch {
        exporter.batch(&outcomes)
    } else {
        let input = outcomes[0]
            .result
            .as_ref()
            .map_err(|e| Failure::bad_input(e.clone()))?;
        let text = exporter
            .run(input)
            .ok_or_else(|| Failure::error("this format needs the report's details", None))?;
        match (&task_rows, args.format, results.first()) {
            (Some(rows), Format::Json, Some(Ok(done))) => {
                report::tasks::add_to_json(&text, &done.forecast.plan, rows)
            }
            _ => text,
        }
    };
    out.write_all(text.as_bytes())?;

    for done in results.iter().flatten() {
        if let (Some(rd), Some(forecast)) = (&done.report_dir, done.input().forecast()) {
            bar.stage("drawing charts and writing the report");
            // Charts are drawn on this thread, after the simulation.
            let written = rd.write(|w| {
                report::files::write(w, &forecast, args.out.png)?;
                if let Some(rows) = &history {
                    report::files::write_history(w, &done.forecast.plan, rows, args.out.png)?;
                }
                Ok(())
            })?;
            pipeline::Progress::end(&bar);
            sayln!(
                "report: {} ({} files in {})",
                rd.path.join("report.html").display(),
                written.len(),
                rd.path.display()
            );
        }
    }
    if batch {
        for o in &outcomes {
            if let Err(e) = &o.result {
                say!("{e}");
            }
        }
    }
    batch_outputs(&outcomes, ci, args.junit.as_deref())
}

/// What a batch writes besides its report, for `run` and for a merge of batch shards alike: in
/// CI the plain summary on stderr and the step summary (best effort), then JUnit; returns the
/// batch's exit code.
pub(super) fn batch_outputs(
    outcomes: &[FileOutcome],
    ci: bool,
    junit: Option<&Path>,
) -> Result<i32, Failure> {
    if ci {
        say!("{}", report::text::layout(&batch::combined(outcomes), 2));
        if let Ok(path) = std::env::var("GITHUB_STEP_SUMMARY")
            && !path.is_empty()
        {
            // Best effort: a CI summary that cannot be written never fails the run.
            let appended = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(&path)
                .and_then(|mut f| f.write_all(report::markdown::step_summary(outcomes).as_bytes()));
            if let Err(e) = appended {
                sayln!("note: could not append to GITHUB_STEP_SUMMARY ({path}): {e}");
            }
        }
    }
    if let Some(path) = junit {
        let xml = batch::junit(outcomes);
        report::outputs::write(path, true, |w| w.write_all(xml.as_bytes()))
            .map_err(|e| super::write_failure(path, e))?;
    }
    Ok(batch::worst(outcomes))
}

fn run_shard(
    file: &Path,
    shard: ShardSpec,
    args: &RunArgs,
    out: &mut dyn Write,
) -> Result<i32, Failure> {
    if args.precision.is_some() || args.samples.is_some() {
        return Err(Failure::error(
            "--shard cannot be combined with --precision or --samples",
            None,
        ));
    }
    let plan = load(file, args.variant.as_deref(), &args.gate, &args.import)?;
    let text = pipeline::read_text(file)?;
    let (config, outcomes) = pipeline::shard(&plan, &args.sim.spec(), shard)?;
    let gates: Vec<String> = args.gate.iter().map(|g| g.text.clone()).collect();
    let run = ShardRun {
        file: &file.display().to_string(),
        text: &text,
        variant: args.variant.as_deref(),
        gates: &gates,
        config,
        shard: shard.k,
        shards: shard.n,
    };
    let ids = plan.milestones().iter().map(|m| m.id.clone()).collect();
    shard::write(out, &run, ids, &outcomes)?;
    Ok(EXIT_OK)
}

pub fn merge(args: &MergeArgs, out: &mut dyn Write) -> Result<i32, Failure> {
    // A sweep's or a batch's shard files are merged in scale.rs.
    if let Some(code) = super::scale::merge(args, out)? {
        return Ok(code);
    }
    let parts = shard::read_all(&args.parts)?;
    let first = &parts[0].header;
    let text = shard::read_scenario(first, args.scenario.as_deref())?;
    let plans = pipeline::load_all_str(&first.file, &text)?;
    super::warn(&first.file, &plans);
    let mut plan = pipeline::select(plans, &first.file, first.variant.as_deref())?;
    for g in &first.gates {
        let gate = super::parse_gate(g).map_err(|e| Failure::error(format!("--gate {e}"), None))?;
        plan.set_gate(&gate).map_err(pipeline::Error::from)?;
    }
    shard::check(&parts, &plan)?;
    let spec = RunSpec {
        iterations: Some(first.iterations),
        seed: Some(first.seed),
        sampling: first.sampling(),
        details: !args.no_drivers,
        ..RunSpec::default()
    };
    // The summary streams the shards' columns; the drivers keep each milestone's finish
    // ranks and read the run's first iterations.
    let streams: Vec<shard::Streams> = (0..first.milestones.len())
        .map(|m| shard::Streams::new(&parts, m))
        .collect();
    let head = if spec.details {
        Some(shard::head(
            &parts,
            first.seed,
            crate::analysis::drivers::WHAT_IF_ITERATIONS,
        )?)
    } else {
        None
    };
    let joined = pipeline::Joined {
        counts: shard::counters(&parts, first.seed),
        columns: streams
            .iter()
            .map(|s| s as &dyn crate::analysis::streamed::MilestoneColumns)
            .collect(),
        head,
    };
    let forecast = pipeline::merge(plan, &spec, joined)?;
    if let Some(e) = streams.iter().find_map(shard::Streams::error) {
        return Err(e.into());
    }
    let input = Input::of(&forecast, &first.file);
    let text = Format::from(args.format)
        .report()
        .exporter()
        .run(&input)
        .ok_or_else(|| Failure::error("merge writes text, json or csv", None))?;
    out.write_all(text.as_bytes())?;
    Ok(exit_code(forecast.gate_failed()))
}
