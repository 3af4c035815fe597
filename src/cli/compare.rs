//! `shipcast compare` and `shipcast sweep`.

use std::io::Write;
use std::path::PathBuf;

use super::{EXIT_OK, Failure, Format, OutArgs, SimArgs};
use crate::analysis::compare::{Comparison, Pairing, TradeoffAxis};
use crate::analysis::sweep::{Param, Sweep};
use crate::model::Plan;
use crate::pipeline;
use crate::report::compare as report;
use crate::report::files;

/// A report directory that could not be written.
fn cannot_write(dir: &std::path::Path, e: Box<dyn std::error::Error>) -> Failure {
    Failure::error(
        format!("cannot write the report in {}: {e}", dir.display()),
        None,
    )
}

#[derive(clap::Args, Debug)]
pub struct CompareArgs {
    /// One scenario file (its base plan and every variant), or several files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Compare only these variants (comma-separated) with the base plan.
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub variants: Option<Vec<String>>,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Output format on stdout.
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Give each scenario its own random numbers instead of common ones (to see what pairing buys).
    #[arg(long)]
    pub unpaired: bool,
    /// The trade-off chart's vertical axis: `cost` (cost P80) or `score:NAME` (a declared score).
    #[arg(long, value_name = "cost|score:NAME", default_value = "cost", value_parser = parse_axis)]
    pub y: TradeoffAxis,
    /// Draw the trade-off chart of this milestone only [default: one chart per milestone, so
    /// the one where the scenarios trade off is among them].
    #[arg(long, value_name = "ID")]
    pub milestone: Option<String>,
    /// Name a winner by net value when it is worth more than the other in at least this share
    /// of the runs; otherwise report that the runs cannot tell them apart.
    #[arg(long, value_name = "P", default_value_t = pipeline::DEFAULT_DECISION_CONFIDENCE, value_parser = parse_confidence)]
    pub confidence: f64,
    #[command(flatten)]
    pub out: OutArgs,
    #[command(flatten)]
    pub import: super::import::ImportArgs,
}

/// `--confidence 0.8`: a share in (0.5, 1] (at or below one half both could win).
fn parse_confidence(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(p) if p > 0.5 && p <= 1.0 => Ok(p),
        _ => Err("give a share above 0.5 and at most 1, e.g. 0.8".to_string()),
    }
}

/// `--y cost` or `--y score:NAME`.
fn parse_axis(y: &str) -> Result<TradeoffAxis, String> {
    match y {
        "cost" => Ok(TradeoffAxis::Cost),
        y => match y.strip_prefix("score:") {
            Some(name) if !name.is_empty() => Ok(TradeoffAxis::Score(name.to_string())),
            _ => Err("use `cost` or `score:NAME`".to_string()),
        },
    }
}

/// Every scenario to compare, labelled: "base" and variant names for one file; the file's name
/// (and `file:variant`) for several.
/// Labelled plans, and the file each came from.
type Scenarios = (Vec<(String, Plan)>, Vec<String>);

fn scenarios(args: &CompareArgs) -> Result<Scenarios, Failure> {
    let many = args.files.len() > 1;
    let (mut plans, mut files) = (Vec::new(), Vec::new());
    let mut known = Vec::new();
    for file in &args.files {
        let stem = super::stem(file);
        for plan in super::load_all(file, &args.import)? {
            let label = match (plan.variant(), many) {
                (None, false) => "base".to_string(),
                (None, true) => stem.clone(),
                (Some(v), false) => v.to_string(),
                (Some(v), true) => format!("{stem}:{v}"),
            };
            if let Some(v) = plan.variant() {
                known.push(v.to_string());
                if args
                    .variants
                    .as_ref()
                    .is_some_and(|pick| !pick.iter().any(|p| p == v))
                {
                    continue;
                }
            }
            plans.push((label, plan));
            files.push(file.display().to_string());
        }
    }
    if let Some(pick) = &args.variants {
        for v in pick {
            if !known.contains(v) {
                let have = if known.is_empty() {
                    "there are none".to_string()
                } else {
                    format!("there are: {}", known.join(", "))
                };
                let files: Vec<String> =
                    args.files.iter().map(|f| f.display().to_string()).collect();
                return Err(Failure::error(
                    format!("no variant `{v}` in {} ({have})", files.join(", ")),
                    None,
                ));
            }
        }
    }
    if plans.len() < 2 {
        return Err(Failure::error(
            format!(
                "nothing to compare: {} has no variants",
                args.files[0].display()
            ),
            Some("add [variant.NAME] sections (see the README), or name two or more files"),
        ));
    }
    Ok((plans, files))
}

pub fn compare(args: &CompareArgs, out: &mut dyn Write) -> Result<i32, Failure> {
    let (owned, files) = scenarios(args)?;
    let axis = &args.y;
    if let TradeoffAxis::Score(name) = axis
        && !owned
            .iter()
            .any(|(_, p)| p.scores().iter().any(|(k, _)| k == name))
    {
        let known: Vec<&str> = owned
            .iter()
            .flat_map(|(_, p)| p.scores().iter().map(|(k, _)| k.as_str()))
            .collect();
        return Err(Failure::error(
            format!(
                "--y score:{name}: no scenario declares that score (declared: {})",
                if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                }
            ),
            None,
        ));
    }
    let plans: Vec<(String, &Plan)> = owned.iter().map(|(l, p)| (l.clone(), p)).collect();
    let spec = args.sim.spec();
    pipeline::check(plans[0].1, &spec)?;
    let milestones: Vec<String> = match &args.milestone {
        Some(id)
            if plans
                .iter()
                .any(|(_, p)| p.milestones().iter().any(|m| &m.id == id)) =>
        {
            vec![id.clone()]
        }
        Some(id) => {
            return Err(Failure::error(
                format!("--milestone {id}: no scenario has that milestone"),
                None,
            ));
        }
        None => plans[0]
            .1
            .milestones()
            .iter()
            .map(|m| m.id.clone())
            .collect(),
    };
    let report_dir = args
        .out
        .prepare(&format!("{}-compare", super::stem(&args.files[0])))?;
    let pairing = if args.unpaired {
        Pairing::Independent
    } else {
        Pairing::Common
    };
    let compared = pipeline::compare_at(&plans, &spec, pairing, args.confidence)?;
    let c = Comparison {
        plans: &plans,
        files: &files,
        scenarios: &compared.scenarios,
        paired: &compared.paired,
        pairing,
        decisions: &compared.decisions,
        net: &compared.net,
    };
    out.write_all(report::render(args.format.report(), &c).as_bytes())?;
    if let Some(rd) = &report_dir {
        let written = files::write_compare(&rd.path, &c, &milestones, axis, args.out.png)
            .map_err(|e| cannot_write(&rd.path, e))?;
        rd.seal(&written)?;
        eprintln!(
            "report: {} ({} files in {})",
            rd.path.join("compare.md").display(),
            written.len(),
            rd.path.display()
        );
    }
    Ok(EXIT_OK)
}

#[derive(clap::Args, Debug)]
pub struct SweepArgs {
    /// The scenario file (TOML).
    pub file: PathBuf,
    /// Sweep this variant of the scenario instead of its base plan (its keys are the ones
    /// --set varies).
    #[arg(long, value_name = "NAME")]
    pub variant: Option<String>,
    /// A parameter and its values: PATH=LO..HI:STEP or PATH=A,B,C; once or twice
    /// [default: the scenario's [sweep] section].
    #[arg(long = "set", value_name = "PATH=VALUES", value_parser = super::parse_set)]
    pub set: Vec<Param>,
    /// The milestone to report [default: the [sweep] section's, else the last one].
    #[arg(long, value_name = "ID")]
    pub milestone: Option<String>,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Output format on stdout.
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Simulate only shard K of N's share of the grid points (numbered from 1), each point
    /// whole, and print a mergeable shard file (`shipcast merge`).
    #[arg(long, value_name = "K/N", value_parser = super::parse_shard)]
    pub shard: Option<pipeline::ShardSpec>,
    #[command(flatten)]
    pub out: OutArgs,
    #[command(flatten)]
    pub import: super::import::ImportArgs,
}

pub fn sweep(args: &SweepArgs, out: &mut dyn Write) -> Result<i32, Failure> {
    let plans = super::load_all(&args.file, &args.import)?;
    let plan = pipeline::select(
        plans,
        &args.file.display().to_string(),
        args.variant.as_deref(),
    )?;
    let params = if args.set.is_empty() {
        match plan.sweep() {
            Some(s) => s.params.clone(),
            None => {
                return Err(Failure::error(
                    format!(
                        "nothing to sweep: pass --set PATH=LO..HI:STEP or add a [sweep] section to {}",
                        args.file.display()
                    ),
                    Some("e.g. --set task.train.success=0.3..0.9:0.1"),
                ));
            }
        }
    } else {
        if args.set.len() > 2 {
            return Err(Failure::error(
                "a sweep varies one or two parameters; give --set once or twice",
                None,
            ));
        }
        args.set.clone()
    };
    let milestone = match &args.milestone {
        Some(id) => plan
            .milestones()
            .iter()
            .position(|m| &m.id == id)
            .ok_or_else(|| {
                let ids: Vec<&str> = plan.milestones().iter().map(|m| m.id.as_str()).collect();
                Failure::error(
                    format!("--milestone {id}: the plan has {}", ids.join(", ")),
                    None,
                )
            })?,
        None => plan
            .sweep()
            .map_or(plan.milestones().len() - 1, |s| s.milestone),
    };
    // Every value must apply before anything is written.
    let spec = args.sim.spec();
    pipeline::check_sweep(&plan, &params)?;
    pipeline::check(&plan, &spec)?;
    if let Some(shard) = args.shard {
        let variant = args.variant.as_deref();
        return super::scale::sweep_shard(
            &args.file, variant, &plan, &params, milestone, &spec, shard, args, out,
        );
    }
    let report_dir = args
        .out
        .prepare(&format!("{}-sweep", super::stem(&args.file)))?;
    let (config, points) = pipeline::sweep(&plan, &params, milestone, &spec)?;
    let file = args.file.display().to_string();
    let s = Sweep {
        plan: &plan,
        file: &file,
        params: &params,
        milestone,
        points: &points,
        seed: config.seed,
        iterations: config.iterations,
    };
    out.write_all(report::render_sweep(args.format.report(), &s).as_bytes())?;
    if let Some(rd) = &report_dir {
        let written = files::write_sweep(&rd.path, &s, args.out.png)
            .map_err(|e| cannot_write(&rd.path, e))?;
        rd.seal(&written)?;
        eprintln!(
            "report: {} and sweep.csv in {}",
            written[0].display(),
            rd.path.display()
        );
    }
    Ok(EXIT_OK)
}
