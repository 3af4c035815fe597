//! Sweeps and batches cut into shards: `sweep --shard K/N`, `run DIR --shard K/N`, and the
//! part of `merge` that joins their shard files (a run's shard files are merged in `run.rs`).

use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::run::{MergeArgs, RunArgs};
use super::{EXIT_BAD_INPUT, EXIT_OK, Failure, Format, exit_code};
use crate::analysis::sweep::{Param, Sweep};
use crate::model::Plan;
use crate::pipeline::{self, RunSpec, ShardSpec};
use crate::report::batch::{self, FileOutcome};
use crate::report::shard_batch::{self, BatchShardFile, BatchShardRun, FileResult, RunRecord};
use crate::report::shard_set::{self, Kind, SetError};
use crate::report::shard_sweep::{self, SweepShardFile, SweepShardRun};
use crate::report::{self, Input};

impl From<SetError> for Failure {
    fn from(e: SetError) -> Failure {
        Failure::error(&e, e.hint())
    }
}

/// Sharded sweeps and batches load scenarios as `merge` reloads them: TOML, or plans from
/// other tools with the default import options.
fn refuse_import_options(import: &super::import::ImportArgs) -> Result<(), Failure> {
    let o = import.options();
    let default = crate::import::Options::default();
    if o.from.is_some()
        || o.low_field.is_some()
        || o.high_field.is_some()
        || o.uncertainty != default.uncertainty
    {
        return Err(Failure::error(
            "--shard of a sweep or a batch reads scenarios with the default import options",
            Some(
                "turn the plan into a scenario first (`shipcast import`), then shard the scenario",
            ),
        ));
    }
    Ok(())
}

/// Loads a scenario the shards ran, checking it is the same text; `None` variant: the base.
fn reload(file: &str, fingerprint: &str, variant: Option<&str>) -> Result<Plan, Failure> {
    shard_set::read_scenario(file, fingerprint)?;
    let plans = pipeline::load::load_all_from(Path::new(file), &crate::import::Options::default())?;
    super::warn(file, &plans);
    Ok(pipeline::select(plans, file, variant)?)
}

/// `sweep --shard K/N`: simulates this shard's grid points and prints its shard file.
#[allow(clippy::too_many_arguments)]
pub fn sweep_shard(
    file: &Path,
    variant: Option<&str>,
    plan: &Plan,
    params: &[Param],
    milestone: usize,
    spec: &RunSpec,
    shard: ShardSpec,
    args: &super::compare::SweepArgs,
    out: &mut dyn Write,
) -> Result<i32, Failure> {
    if args.out.out.is_some() || args.out.png {
        return Err(Failure::error(
            "a sweep shard prints its shard file and writes no report",
            Some("drop --out and --png; `shipcast merge` prints the sweep of the whole grid"),
        ));
    }
    refuse_import_options(&args.import)?;
    let text = std::fs::read_to_string(file)
        .map_err(|e| Failure::error(format!("cannot read {}: {e}", file.display()), None))?;
    let done = pipeline::scale::sweep_shard(plan, params, milestone, spec, shard)?;
    let run = SweepShardRun {
        file: &file.display().to_string(),
        text: &text,
        variant,
        params,
        milestone: &plan.milestones()[milestone].id,
        config: done.config,
        shard: shard.k,
        shards: shard.n,
        grid: done.grid,
        first: done.range.start,
    };
    out.write_all(SweepShardFile::new(&run, &done.points).render().as_bytes())?;
    Ok(EXIT_OK)
}

/// `run FILES... --shard K/N` (a batch): runs this shard's files whole and prints its shard
/// file. A file that cannot run is recorded with its error, as the batch reports it.
pub fn batch_shard(
    files: &[PathBuf],
    shard: ShardSpec,
    args: &RunArgs,
    check: bool,
    out: &mut dyn Write,
) -> Result<i32, Failure> {
    if check {
        return Err(Failure::error(
            "check does not shard; run the batch with `run --shard K/N` and merge",
            None,
        ));
    }
    let refused = [
        (args.precision.is_some(), "--precision"),
        (args.samples.is_some(), "--samples"),
        (args.baseline.is_some(), "--baseline"),
        (args.tasks.is_some(), "--tasks"),
        (args.junit.is_some(), "--junit (give it to merge)"),
        (args.ci, "--ci (give it to merge)"),
        (args.out.out.is_some() || args.out.png, "--out and --png"),
    ];
    if let Some((_, flag)) = refused.iter().find(|(given, _)| *given) {
        return Err(Failure::error(
            format!("a batch shard cannot take {flag}"),
            Some("a shard prints its shard file; `shipcast merge` writes the batch's outputs"),
        ));
    }
    refuse_import_options(&args.import)?;
    let shown: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let range = pipeline::scale::share(shard, files.len());
    let spec = args.sim.spec();
    let results: Vec<FileResult> = files[range.clone()]
        .par_iter()
        .zip(&shown[range.clone()])
        .map(|(f, name)| {
            let record = || -> Result<RunRecord, Failure> {
                let plan = super::run::load(f, args.variant.as_deref(), &args.gate, &args.import)?;
                let text = std::fs::read_to_string(f)
                    .map_err(|e| Failure::error(format!("cannot read {name}: {e}"), None))?;
                let (_, outcomes) = pipeline::scale::whole_run(&plan, &spec)?;
                let ids = plan.milestones().iter().map(|m| m.id.clone()).collect();
                Ok(RunRecord::new(&text, ids, &outcomes))
            };
            match record() {
                Ok(run) => FileResult {
                    file: name.clone(),
                    error: None,
                    run: Some(run),
                },
                Err(f) => FileResult {
                    file: name.clone(),
                    error: Some(f.message),
                    run: None,
                },
            }
        })
        .collect();
    let gates: Vec<String> = args.gate.iter().map(|g| g.text.clone()).collect();
    let run = BatchShardRun {
        files: &shown,
        variant: args.variant.as_deref(),
        gates: &gates,
        iterations: spec.iterations,
        seed: spec.seed,
        sampling: spec.sampling,
        shard: shard.k,
        shards: shard.n,
        first: range.start,
    };
    out.write_all(BatchShardFile::new(&run, results).render().as_bytes())?;
    Ok(EXIT_OK)
}

/// `merge` of sweep or batch shard files; `None` when they are a run's (merged in `run.rs`).
pub fn merge(args: &MergeArgs, out: &mut dyn Write) -> Result<Option<i32>, Failure> {
    let kind = shard_set::kind(&args.parts)?;
    let batch_only = [(args.junit.is_some(), "--junit"), (args.ci, "--ci")];
    if kind != Kind::Batch
        && let Some((_, flag)) = batch_only.iter().find(|(given, _)| *given)
    {
        return Err(Failure::error(
            format!("{flag} applies to the merge of a batch's shards"),
            None,
        ));
    }
    match kind {
        Kind::Run if args.format == super::run::MergeFormat::Markdown => Err(Failure::error(
            "the merge of a run's shards writes text, json or csv",
            Some("the Markdown report needs the charts of a run's report directory"),
        )),
        Kind::Run => Ok(None),
        Kind::Sweep => merge_sweep(args, out).map(Some),
        Kind::Batch => merge_batch(args, out).map(Some),
    }
}

fn merge_sweep(args: &MergeArgs, out: &mut dyn Write) -> Result<i32, Failure> {
    let parts = shard_sweep::read_all(&args.parts)?;
    let first = &parts[0].1;
    let plan = reload(&first.file, &first.fingerprint, first.variant.as_deref())?;
    let milestone = plan
        .milestones()
        .iter()
        .position(|m| m.id == first.milestone)
        .ok_or_else(|| {
            Failure::error(
                format!(
                    "{} has no milestone `{}`, which the shards report",
                    first.file, first.milestone
                ),
                None,
            )
        })?;
    let params = first.params();
    pipeline::check_sweep(&plan, &params)?;
    let points: Vec<_> = parts.iter().flat_map(|(_, p)| p.points()).collect();
    let s = Sweep {
        plan: &plan,
        file: &first.file,
        params: &params,
        milestone,
        points: &points,
        seed: first.seed,
        iterations: first.iterations,
    };
    let format = Format::from(args.format).report();
    out.write_all(report::compare::render_sweep(format, &s).as_bytes())?;
    Ok(EXIT_OK)
}

fn merge_batch(args: &MergeArgs, out: &mut dyn Write) -> Result<i32, Failure> {
    let parts = shard_batch::read_all(&args.parts)?;
    let first = &parts[0].1;
    let ci = args.ci || std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    // The same checks as a batch run's outputs, before any work: writable, not over an input
    // (a shard), a JUnit report replaced only when shipcast wrote it.
    {
        use super::{Existing, Output};
        let mut outputs = Vec::new();
        if let Some(p) = &args.junit {
            outputs.push(Output {
                flag: "--junit",
                path: p.clone(),
                existing: Existing::Ours(|head| batch::is_ours(&String::from_utf8_lossy(head))),
            });
        }
        if ci
            && let Ok(path) = std::env::var("GITHUB_STEP_SUMMARY")
            && !path.is_empty()
        {
            outputs.push(Output {
                flag: "GITHUB_STEP_SUMMARY",
                path: std::path::PathBuf::from(path),
                existing: Existing::Append,
            });
        }
        let inputs: Vec<&std::path::Path> = args.parts.iter().map(|p| p.as_path()).collect();
        super::check_outputs(&outputs, &[], &inputs, false)?;
    }
    let gates = first
        .gates
        .iter()
        .map(|g| super::parse_gate(g).map_err(|e| Failure::error(format!("--gate {e}"), None)))
        .collect::<Result<Vec<_>, _>>()?;
    let sampling = first.sampling();
    let results: Vec<&FileResult> = parts.iter().flat_map(|(_, p)| &p.results).collect();
    let variant = first.variant.as_deref();
    // Only the JSON batch shows each file's drivers (the what-if reruns, most of a small
    // plan's work); text, CSV, Markdown, JUnit and the step summary never read them.
    let details = !args.no_drivers && args.format == super::run::MergeFormat::Json;
    let forecasts: Vec<Result<pipeline::Forecast, String>> = results
        .par_iter()
        .map(|r| -> Result<Result<pipeline::Forecast, String>, Failure> {
            let Some(run) = &r.run else {
                return Ok(Err(r.error.clone().unwrap_or_default()));
            };
            let mut plan = reload(&r.file, &run.fingerprint, variant)?;
            for g in &gates {
                plan.set_gate(g).map_err(pipeline::Error::from)?;
            }
            let ids: Vec<&str> = plan.milestones().iter().map(|m| m.id.as_str()).collect();
            if ids
                != run
                    .milestones
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
            {
                return Err(Failure::error(
                    format!(
                        "{}: its milestones are not the ones the shard recorded",
                        r.file
                    ),
                    None,
                ));
            }
            // The counters must be the plan's, one per task and risk, and no experiment may
            // have made more attempts than it has chances.
            if run.nodes.len() != plan.nodes().len() || run.risks_fired.len() != plan.risks().len()
            {
                return Err(Failure::error(
                    format!(
                        "{}: its tasks and risks are not the ones the shard recorded",
                        r.file
                    ),
                    Some("run every shard again with the same scenarios"),
                ));
            }
            for (node, &[ran, _, attempts]) in plan.nodes().iter().zip(&run.nodes) {
                let most = node
                    .experiment
                    .as_ref()
                    .map_or(1, |e| e.success.len().max(1) as u64);
                if attempts > ran.saturating_mul(most) {
                    return Err(Failure::error(
                        format!(
                            "{}: the shard says `{}` made {attempts} attempts in {ran} runs, more than {most} a run",
                            r.file, node.id
                        ),
                        Some("run every shard again"),
                    ));
                }
            }
            let spec = RunSpec {
                iterations: Some(run.iterations),
                seed: Some(run.seed),
                sampling,
                details,
                ..RunSpec::default()
            };
            let outcomes = run.outcomes(sampling);
            Ok(Ok(pipeline::scale::rebuild(plan, &spec, outcomes)?))
        })
        .collect::<Result<_, _>>()?;
    let outcomes: Vec<FileOutcome> = results
        .iter()
        .zip(&forecasts)
        .map(|(r, f)| match f {
            Ok(forecast) => FileOutcome {
                file: &r.file,
                variant,
                result: Ok(Input::of(forecast, &r.file)),
                exit_code: exit_code(forecast.gate_failed()),
            },
            Err(e) => FileOutcome {
                file: &r.file,
                variant,
                result: Err(e.clone()),
                exit_code: EXIT_BAD_INPUT,
            },
        })
        .collect();
    let text = Format::from(args.format)
        .report()
        .exporter()
        .batch(&outcomes);
    out.write_all(text.as_bytes())?;
    for o in &outcomes {
        if let Err(e) = &o.result {
            say!("{e}");
        }
    }
    super::run::batch_outputs(&outcomes, ci, args.junit.as_deref())
}
