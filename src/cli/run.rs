//! `shipcast run`, `check` and `merge`: simulate scenarios, print forecasts, decide gates,
//! write charts and reports; batches, CI summaries, JUnit, drift, precision and shards.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{EXIT_BAD_INPUT, EXIT_GATE_FAILED, EXIT_OK, Failure, Format, OutArgs, SimArgs};
use crate::analysis::{self, Details, GateStatus, PrecisionReached, Summary, drift};
use crate::engine::{self, Config, Outcomes, Probes, Sampling};
use crate::model::Plan;
use crate::report::batch::{self, FileOutcome};
use crate::report::shard::{self, SHARD_SCHEMA, ShardFile};
use crate::report::{self, Input, RunInfo};

/// The default ceiling of `--precision`.
pub const DEFAULT_MAX_ITERATIONS: u64 = 1_000_000;

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
    #[arg(long, value_name = "ID:DEADLINE@P")]
    pub gate: Vec<String>,
    /// Keep sampling until every percentile's 95% interval is narrower than this many working
    /// days and every gate is decided, e.g. 0.5d.
    #[arg(long, value_name = "DAYS")]
    pub precision: Option<String>,
    /// The most iterations --precision may take.
    #[arg(long, default_value_t = DEFAULT_MAX_ITERATIONS)]
    pub max_iterations: u64,
    /// Simulate only shard K of N (numbered from 1) and print a mergeable shard file
    /// (`shipcast merge`).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
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
    #[command(flatten)]
    pub out: OutArgs,
}

#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// Shard files written by `shipcast run --shard K/N`, all N of them.
    #[arg(required = true)]
    pub parts: Vec<PathBuf>,
    /// Output format on stdout.
    #[arg(short, long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
}

/// One scenario file simulated.
struct Done {
    shown: String,
    plan: Plan,
    config: Config,
    outcomes: Outcomes,
    summary: Summary,
    details: Option<Details>,
    precision: Option<PrecisionReached>,
    drift: Option<Vec<drift::Drift>>,
    report_dir: Option<super::ReportDir>,
}

impl Done {
    fn input(&self) -> Input<'_> {
        Input {
            plan: &self.plan,
            summary: &self.summary,
            file: &self.shown,
            details: self.details.as_ref(),
            run: RunInfo {
                sampling: self.config.sampling,
                precision: self.precision.as_ref(),
                drift: self.drift.as_deref(),
            },
        }
    }

    fn exit_code(&self) -> i32 {
        let failed = self
            .summary
            .milestones
            .iter()
            .filter_map(|m| m.on_time.as_ref()?.gate.as_ref())
            .any(|g| g.status == GateStatus::Fails);
        if failed { EXIT_GATE_FAILED } else { EXIT_OK }
    }
}

/// Files named, with directories expanded to the `.toml` files they hold (sorted).
fn expand(files: &[PathBuf]) -> Result<Vec<PathBuf>, Failure> {
    let mut out = Vec::new();
    for f in files {
        if f.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(f)
                .map_err(|e| {
                    Failure::bad_input(format!("error: cannot read {}: {e}\n", f.display()))
                })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect();
            inside.sort();
            if inside.is_empty() {
                return Err(Failure::bad_input(format!(
                    "error: {} holds no .toml scenario\n",
                    f.display()
                )));
            }
            out.extend(inside);
        } else {
            out.push(f.clone());
        }
    }
    Ok(out)
}

fn parse_days(s: &str) -> Result<f64, Failure> {
    let x = s.trim().trim_end_matches('d').trim();
    match x.parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() => Ok(v),
        _ => Err(Failure::bad_input(format!(
            "error: --precision {s}: give a positive number of working days, e.g. 0.5d\n"
        ))),
    }
}

/// Loads the plan (or its variant) and applies command-line gates.
fn load(file: &Path, args: &RunArgs) -> Result<Plan, Failure> {
    let mut plans = super::load_all(file)?;
    let mut plan = match &args.variant {
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
                        file.display()
                    ))
                })?;
            plans.swap_remove(k)
        }
    };
    for g in &args.gate {
        plan.set_gate(g)
            .map_err(|e| Failure::bad_input(format!("error: --gate {e}\n")))?;
    }
    Ok(plan)
}

/// Simulates, in chunks with a progress bar when one is wanted; the chunks join exactly.
fn simulate(
    plan: &Plan,
    config: &Config,
    probes: &Probes,
    range: std::ops::Range<u64>,
    progress: bool,
) -> Outcomes {
    let total = range.end - range.start;
    if !progress || total < 200_000 {
        return engine::simulate_range(plan, config, probes, range);
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} iterations, {eta} left")
            .expect("a valid template"),
    );
    let chunks = 20;
    let mut out: Option<Outcomes> = None;
    for k in 1..=chunks {
        let r = shard::range(k, chunks, total);
        let part = engine::simulate_range(
            plan,
            config,
            probes,
            range.start + r.start..range.start + r.end,
        );
        bar.inc(part.iterations);
        match &mut out {
            None => out = Some(part),
            Some(o) => o.append(part),
        }
    }
    bar.finish_and_clear();
    out.expect("at least one chunk")
}

fn simulate_file(
    file: &Path,
    name: &str,
    args: &RunArgs,
    batch: bool,
    check: bool,
    progress: bool,
) -> Result<Done, Failure> {
    let plan = load(file, args)?;
    let mut config = args.sim.config(&plan)?;
    let target = args.precision.as_deref().map(parse_days).transpose()?;
    if target.is_some() && config.sampling == Sampling::LatinHypercube {
        return Err(Failure::bad_input(
            "error: --precision adds iterations to a run, which Latin hypercube strata cannot take: use --sampling mc\n",
        ));
    }
    let baseline = match &args.baseline {
        Some(path) => Some(read_baseline(path, &file.display().to_string())?),
        None => None,
    };
    let report_dir = if check {
        None
    } else if batch {
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
    let want_details = report_dir.is_some() || args.format == Format::Markdown && !batch;
    let probes = if want_details {
        analysis::detail_probes(&plan)
    } else {
        Probes::default()
    };
    let pool = args.sim.pool()?;
    let (outcomes, summary, precision) = pool.install(|| match target {
        None => {
            let out = simulate(&plan, &config, &probes, 0..config.iterations, progress);
            let summary = analysis::summarize(&plan, &out);
            (out, summary, None)
        }
        Some(target) => {
            let max = args
                .max_iterations
                .clamp(config.iterations, super::MAX_ITERATIONS);
            let mut out = simulate(&plan, &config, &probes, 0..config.iterations, progress);
            loop {
                let summary = analysis::summarize(&plan, &out);
                let widest = analysis::widest_interval(&summary);
                let reached = widest <= target && analysis::gates_decided(&summary);
                if reached || config.iterations >= max {
                    break (
                        out,
                        summary,
                        Some(PrecisionReached {
                            target,
                            reached,
                            widest,
                        }),
                    );
                }
                // Each round doubles the run; the new iterations extend the old exactly.
                let next = (config.iterations * 2).min(max);
                let grown = Config {
                    iterations: next,
                    ..config
                };
                out.append(simulate(
                    &plan,
                    &grown,
                    &probes,
                    config.iterations..next,
                    progress,
                ));
                config = grown;
            }
        }
    });
    let details =
        want_details.then(|| pool.install(|| analysis::details(&plan, &config, &outcomes)));
    let drift = baseline.map(|b| drift::drift(&plan, &summary, &b));
    Ok(Done {
        shown: file.display().to_string(),
        plan,
        config,
        outcomes,
        summary,
        details,
        precision,
        drift,
        report_dir,
    })
}

/// The milestones of an earlier report: a `shipcast.report/1`, or the run of `file` in a
/// `shipcast.batch/1`.
fn read_baseline(path: &Path, file: &str) -> Result<Vec<drift::Earlier>, Failure> {
    let bad = |why: String| {
        Failure::bad_input(format!(
            "error: --baseline {}: {why}\n  = hint: give a report written by `shipcast run --format json`\n",
            path.display()
        ))
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| bad(format!("not JSON ({e})")))?;
    let report = match v.get("schema").and_then(|s| s.as_str()) {
        Some(report::SCHEMA) => &v,
        Some(batch::BATCH_SCHEMA) => v["runs"]
            .as_array()
            .and_then(|runs| runs.iter().find(|r| r["file"] == file))
            .map(|r| &r["report"])
            .ok_or_else(|| bad(format!("it has no run of {file}")))?,
        other => {
            return Err(bad(format!(
                "its schema is {other:?}, not {}",
                report::SCHEMA
            )));
        }
    };
    drift::earlier(report).ok_or_else(|| bad("it has no milestones".into()))
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

fn ci_mode(args: &RunArgs) -> bool {
    args.ci || std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

pub fn run(args: &RunArgs, check: bool, out: &mut dyn Write) -> Result<i32, Failure> {
    let files = expand(&args.files)?;
    let ci = ci_mode(args);
    if let Some(spec) = &args.shard {
        if files.len() != 1 {
            return Err(Failure::bad_input(
                "error: --shard runs one scenario file at a time\n",
            ));
        }
        return run_shard(&files[0], spec, args, out);
    }
    let batch = files.len() > 1;
    if batch && args.samples.is_some() {
        return Err(Failure::bad_input(
            "error: --samples writes one scenario's iterations: name one file\n",
        ));
    }
    // The JUnit file is checked before any work, like --samples.
    if let Some(path) = &args.junit
        && !args.out.force
        && let Ok(existing) = std::fs::read_to_string(path)
        && !batch::is_ours(&existing)
    {
        return Err(Failure::bad_input(format!(
            "error: {} exists and is not a shipcast JUnit report\n  = hint: pass --force to replace it, or choose another file\n",
            path.display()
        )));
    }
    // Refused before any work, created only once the run succeeded.
    if let Some(path) = &args.samples {
        super::refuse_existing(path, args.out.force)?;
    }
    let progress = !ci && !batch && io::stderr().is_terminal();
    let names = report_names(&files, args.variant.as_deref());
    let results: Vec<Result<Done, Failure>> = if batch {
        files
            .par_iter()
            .zip(&names)
            .map(|(f, name)| simulate_file(f, name, args, true, check, false))
            .collect()
    } else {
        vec![simulate_file(
            &files[0], &names[0], args, false, check, progress,
        )]
    };
    if let (Some(path), Some(Ok(done))) = (&args.samples, results.first()) {
        let f = super::open_output(path, args.out.force)?;
        report::samples::write(&done.plan, &done.outcomes, io::BufWriter::new(f)).map_err(|e| {
            Failure::bad_input(format!("error: cannot write {}: {e}\n", path.display()))
        })?;
    }
    // A single file's bad input is the command's error; in a batch it is one row.
    if !batch && let Some(Err(_)) = results.first() {
        return Err(results
            .into_iter()
            .next()
            .and_then(Result::err)
            .expect("an error"));
    }
    let shown: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let outcomes: Vec<FileOutcome> = results
        .iter()
        .zip(&shown)
        .map(|(r, file)| match r {
            Ok(d) => FileOutcome {
                file,
                result: Ok(d.input()),
                exit_code: d.exit_code(),
            },
            Err(f) => FileOutcome {
                file,
                result: Err(f.message.clone()),
                exit_code: EXIT_BAD_INPUT,
            },
        })
        .collect();

    let text = if check {
        gate_lines(&outcomes)
    } else if batch {
        match args.format {
            Format::Text => report::text::layout(&batch::combined(&outcomes), 2),
            Format::Json => batch::json(&outcomes),
            Format::Csv => report::csv::table(&batch::combined(&outcomes)),
            Format::Markdown => batch::step_summary(&outcomes),
        }
    } else {
        let input = outcomes[0].result.as_ref().expect("a single file that ran");
        match (args.format, input.forecast()) {
            (Format::Text, _) => report::text::render(input),
            (Format::Json, _) => report::json::render(input),
            (Format::Csv, _) => report::csv::render(input),
            (Format::Markdown, Some(f)) => report::markdown::render(&f),
            (Format::Markdown, None) => unreachable!("markdown output computes details"),
        }
    };
    out.write_all(text.as_bytes())?;

    for done in results.iter().flatten() {
        if let (Some(rd), Some(forecast)) = (&done.report_dir, done.input().forecast()) {
            // Charts are drawn on this thread, after the simulation.
            let written = report::files::write(&rd.path, &forecast, args.out.png).map_err(|e| {
                Failure::bad_input(format!(
                    "error: cannot write the report in {}: {e}\n",
                    rd.path.display()
                ))
            })?;
            rd.seal(&written)?;
            eprintln!(
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
                eprint!("{e}");
            }
        }
    }
    if ci {
        eprint!("{}", report::text::layout(&batch::combined(&outcomes), 2));
        if let Ok(path) = std::env::var("GITHUB_STEP_SUMMARY")
            && !path.is_empty()
        {
            // Best effort: a CI summary that cannot be written never fails the run.
            let appended = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(&path)
                .and_then(|mut f| f.write_all(batch::step_summary(&outcomes).as_bytes()));
            if let Err(e) = appended {
                eprintln!("note: could not append to GITHUB_STEP_SUMMARY ({path}): {e}");
            }
        }
    }
    if let Some(path) = &args.junit {
        std::fs::write(path, batch::junit(&outcomes)).map_err(|e| {
            Failure::bad_input(format!("error: cannot write {}: {e}\n", path.display()))
        })?;
    }
    Ok(batch::worst(&outcomes))
}

/// `check`: one line per gate, then a line per file that could not be read.
fn gate_lines(outcomes: &[FileOutcome]) -> String {
    use crate::report::tables::pct;
    let mut s = String::new();
    for o in outcomes {
        match &o.result {
            Ok(input) => {
                for m in &input.summary.milestones {
                    let ms = &input.plan.milestones[m.milestone];
                    let Some(on_time) = &m.on_time else { continue };
                    let Some(g) = &on_time.gate else { continue };
                    let verdict = if g.status == GateStatus::Holds {
                        "PASS"
                    } else {
                        "FAIL"
                    };
                    let deadline = ms
                        .deadline
                        .and_then(|d| d.date)
                        .map_or(format!("working day {}", on_time.deadline_days), |d| {
                            d.to_string()
                        });
                    let undecided = if g.decided {
                        ""
                    } else {
                        " (undecided at this precision: raise --iterations or use --precision)"
                    };
                    s.push_str(&format!(
                        "{verdict} {}: {} by {deadline}: P(on time) {} [{}, {}], target {}{undecided}\n",
                        o.file,
                        ms.id,
                        pct(on_time.probability.estimate),
                        pct(on_time.probability.low),
                        pct(on_time.probability.high),
                        pct(g.target)
                    ));
                }
            }
            Err(_) => s.push_str(&format!(
                "ERROR {}: no verdict, see the error on stderr\n",
                o.file
            )),
        }
    }
    if s.is_empty() {
        s.push_str("no gates: give a milestone a deadline and a confidence, or pass --gate\n");
    }
    s
}

fn run_shard(file: &Path, spec: &str, args: &RunArgs, out: &mut dyn Write) -> Result<i32, Failure> {
    let bad = || {
        Failure::bad_input(format!(
            "error: --shard {spec}: write K/N with 1 <= K <= N, e.g. 3/16\n"
        ))
    };
    let (k, n) = spec.split_once('/').ok_or_else(bad)?;
    let (k, n): (u64, u64) = (
        k.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if k == 0 || k > n {
        return Err(bad());
    }
    if args.precision.is_some() || args.samples.is_some() {
        return Err(Failure::bad_input(
            "error: --shard cannot be combined with --precision or --samples\n",
        ));
    }
    let plan = load(file, args)?;
    let config = args.sim.config(&plan)?;
    let text = std::fs::read_to_string(file)?;
    let range = shard::range(k, n, config.iterations);
    let o = args
        .sim
        .pool()?
        .install(|| engine::simulate_range(&plan, &config, &Probes::default(), range.clone()));
    let part = ShardFile {
        schema: SHARD_SCHEMA.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        file: file.display().to_string(),
        fingerprint: shard::fingerprint(&text),
        variant: args.variant.clone(),
        gates: args.gate.clone(),
        seed: config.seed,
        iterations: config.iterations,
        sampling: shard::sampling_name(config.sampling).into(),
        shard: k,
        shards: n,
        first: range.start,
        count: range.end - range.start,
        milestones: plan.milestones.iter().map(|m| m.id.clone()).collect(),
        costs: o.costs,
        rows: o.rows.iter().map(|x| x.is_finite().then_some(*x)).collect(),
        nodes: o
            .nodes
            .iter()
            .map(|c| [c.ran, c.succeeded, c.attempts])
            .collect(),
        risks_fired: o.risks_fired.clone(),
    };
    let mut s = serde_json::to_string(&part).expect("shard serializes");
    s.push('\n');
    out.write_all(s.as_bytes())?;
    Ok(EXIT_OK)
}

pub fn merge(args: &MergeArgs, out: &mut dyn Write) -> Result<i32, Failure> {
    let mut parts = Vec::new();
    for p in &args.parts {
        let text = std::fs::read_to_string(p).map_err(|e| {
            Failure::bad_input(format!("error: cannot read {}: {e}\n", p.display()))
        })?;
        let part: ShardFile = serde_json::from_str(&text).map_err(|e| {
            Failure::bad_input(format!(
                "error: {} is not a shipcast shard file: {e}\n",
                p.display()
            ))
        })?;
        if part.schema != SHARD_SCHEMA {
            return Err(Failure::bad_input(format!(
                "error: {} has schema {}, not {SHARD_SCHEMA}\n",
                p.display(),
                part.schema
            )));
        }
        parts.push((p.display().to_string(), part));
    }
    parts.sort_by_key(|(_, p)| p.shard);
    let first = &parts[0].1;
    let same = |p: &ShardFile| {
        (
            &p.file,
            &p.fingerprint,
            &p.variant,
            &p.gates,
            p.seed,
            p.iterations,
            &p.sampling,
            p.shards,
            &p.milestones,
            &p.version,
        ) == (
            &first.file,
            &first.fingerprint,
            &first.variant,
            &first.gates,
            first.seed,
            first.iterations,
            &first.sampling,
            first.shards,
            &first.milestones,
            &first.version,
        )
    };
    if let Some((name, _)) = parts.iter().find(|(_, p)| !same(p)) {
        return Err(Failure::bad_input(format!(
            "error: {name} is a shard of another run than {} (scenario, seed, iterations, sampling, shard count, gates and version must match)\n",
            parts[0].0
        )));
    }
    let have: Vec<u64> = parts.iter().map(|(_, p)| p.shard).collect();
    if have != (1..=first.shards).collect::<Vec<_>>() {
        let missing: Vec<String> = (1..=first.shards)
            .filter(|k| !have.contains(k))
            .map(|k| k.to_string())
            .collect();
        return Err(Failure::bad_input(format!(
            "error: the shards do not make a whole run of {}: have {:?}, missing {}\n",
            first.shards,
            have,
            if missing.is_empty() {
                "none (some appear twice)".into()
            } else {
                missing.join(", ")
            }
        )));
    }
    let file = PathBuf::from(&first.file);
    let text = std::fs::read_to_string(&file).map_err(|e| {
        Failure::bad_input(format!(
            "error: cannot read {} (the scenario the shards ran): {e}\n",
            file.display()
        ))
    })?;
    if shard::fingerprint(&text) != first.fingerprint {
        return Err(Failure::bad_input(format!(
            "error: {} changed since the shards ran; run them again\n",
            file.display()
        )));
    }
    let run_args = RunArgs {
        files: vec![file.clone()],
        variant: first.variant.clone(),
        sim: SimArgs {
            iterations: Some(first.iterations),
            seed: Some(first.seed),
            threads: None,
            sampling: super::SamplingArg::Mc,
        },
        format: args.format,
        samples: None,
        gate: first.gates.clone(),
        precision: None,
        max_iterations: DEFAULT_MAX_ITERATIONS,
        shard: None,
        ci: false,
        junit: None,
        baseline: None,
        out: OutArgs {
            out: None,
            png: false,
            no_report: true,
            force: false,
        },
    };
    let plan = load(&file, &run_args)?;
    let mut outcomes = first.outcomes(first.seed);
    for (_, p) in &parts[1..] {
        outcomes.append(p.outcomes(first.seed));
    }
    let summary = analysis::summarize(&plan, &outcomes);
    let sampling = if first.sampling == shard::sampling_name(Sampling::LatinHypercube) {
        Sampling::LatinHypercube
    } else {
        Sampling::MonteCarlo
    };
    let input = Input {
        plan: &plan,
        summary: &summary,
        file: &first.file,
        details: None,
        run: RunInfo {
            sampling,
            ..RunInfo::default()
        },
    };
    let text = match args.format {
        Format::Text => report::text::render(&input),
        Format::Json => report::json::render(&input),
        Format::Csv => report::csv::render(&input),
        Format::Markdown => {
            return Err(Failure::bad_input(
                "error: merge writes text, json or csv\n",
            ));
        }
    };
    out.write_all(text.as_bytes())?;
    let failed = summary
        .milestones
        .iter()
        .filter_map(|m| m.on_time.as_ref()?.gate.as_ref())
        .any(|g| g.status == GateStatus::Fails);
    Ok(if failed { EXIT_GATE_FAILED } else { EXIT_OK })
}
