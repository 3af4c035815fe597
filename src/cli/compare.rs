//! `shipcast compare` and `shipcast sweep`.

use std::io::Write;
use std::path::PathBuf;

use super::{EXIT_OK, Failure, Format, OutArgs, SimArgs};
use crate::analysis::compare::{Comparison, Pairing, TradeoffAxis};
use crate::analysis::sweep::{Param, Sweep};
use crate::model::Plan;
use crate::pipeline;
use crate::report::charts;
use crate::report::compare as report;

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
    /// The milestone of the trade-off chart [default: the last one of the first scenario].
    #[arg(long, value_name = "ID")]
    pub milestone: Option<String>,
    #[command(flatten)]
    pub out: OutArgs,
    #[command(flatten)]
    pub import: super::import::ImportArgs,
}

/// `--y cost` or `--y score:NAME`.
fn parse_axis(y: &str) -> Result<TradeoffAxis, String> {
    match y {
        "cost" => Ok(TradeoffAxis::Cost),
        y => match y.strip_prefix("score:") {
            Some(name) if !name.is_empty() => Ok(TradeoffAxis::Score(name.to_string())),
            _ => Err(format!("{y}: use `cost` or `score:NAME`")),
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
    let milestone = match &args.milestone {
        Some(id)
            if plans
                .iter()
                .any(|(_, p)| p.milestones().iter().any(|m| &m.id == id)) =>
        {
            id.clone()
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
            .last()
            .map(|m| m.id.clone())
            .unwrap_or_default(),
    };
    let report_dir = args
        .out
        .prepare(&format!("{}-compare", super::stem(&args.files[0])))?;
    let pairing = if args.unpaired {
        Pairing::Independent
    } else {
        Pairing::Common
    };
    let compared = pipeline::compare(&plans, &spec, pairing)?;
    let c = Comparison {
        plans: &plans,
        files: &files,
        scenarios: &compared.scenarios,
        paired: &compared.paired,
        pairing,
    };
    let text = match args.format {
        Format::Text => report::text(&c),
        Format::Json => report::json(&c),
        Format::Markdown => report::markdown(&c),
        Format::Csv => crate::report::csv::table(&report::side_by_side(&c)),
    };
    out.write_all(text.as_bytes())?;
    if let Some(rd) = &report_dir {
        let dir = &rd.path;
        let fail = |e: Box<dyn std::error::Error>| {
            Failure::error(
                format!("cannot write the report in {}: {e}", dir.display()),
                None,
            )
        };
        let mut written: Vec<PathBuf> = Vec::new();
        let mut put = |name: String, text: String| -> Result<(), Failure> {
            std::fs::write(dir.join(&name), text)?;
            written.push(dir.join(name));
            Ok(())
        };
        for id in c.milestone_ids() {
            put(
                format!("s-curves-{id}.svg"),
                charts::to_svg(|root| charts::overlay(root, &c, &id)).map_err(fail)?,
            )?;
        }
        put(
            format!("tradeoff-{milestone}.svg"),
            charts::to_svg(|root| charts::tradeoff(root, &c, &milestone, axis)).map_err(fail)?,
        )?;
        put("compare.md".into(), report::markdown(&c))?;
        put("compare.json".into(), report::json(&c))?;
        if args.out.png {
            for id in c.milestone_ids() {
                let path = dir.join(format!("s-curves-{id}.png"));
                charts::to_png(&path, |root| charts::overlay(root, &c, &id)).map_err(fail)?;
                written.push(path);
            }
            let path = dir.join(format!("tradeoff-{milestone}.png"));
            charts::to_png(&path, |root| charts::tradeoff(root, &c, &milestone, axis))
                .map_err(fail)?;
            written.push(path);
        }
        rd.seal(&written)?;
        eprintln!(
            "report: {} ({} files in {})",
            dir.join("compare.md").display(),
            written.len(),
            dir.display()
        );
    }
    Ok(EXIT_OK)
}

#[derive(clap::Args, Debug)]
pub struct SweepArgs {
    /// The scenario file (TOML).
    pub file: PathBuf,
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
    #[command(flatten)]
    pub out: OutArgs,
    #[command(flatten)]
    pub import: super::import::ImportArgs,
}

pub fn sweep(args: &SweepArgs, out: &mut dyn Write) -> Result<i32, Failure> {
    let mut plans = super::load_all(&args.file, &args.import)?;
    let plan = plans.swap_remove(0);
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
    let text = match args.format {
        Format::Text => report::sweep_text(&s),
        Format::Json => report::sweep_json(&s),
        Format::Csv => report::sweep_csv(&s),
        Format::Markdown => crate::report::markdown::table(&report::sweep_table(&s), params.len()),
    };
    out.write_all(text.as_bytes())?;
    if let Some(rd) = &report_dir {
        let dir = &rd.path;
        let fail = |e: Box<dyn std::error::Error>| {
            Failure::error(
                format!("cannot write the report in {}: {e}", dir.display()),
                None,
            )
        };
        let mut written = vec![dir.join("sweep.svg"), dir.join("sweep.csv")];
        std::fs::write(
            &written[0],
            charts::to_svg(|root| charts::sweep(root, &s)).map_err(fail)?,
        )?;
        std::fs::write(&written[1], report::sweep_csv(&s))?;
        if args.out.png {
            let path = dir.join("sweep.png");
            charts::to_png(&path, |root| charts::sweep(root, &s)).map_err(fail)?;
            written.push(path);
        }
        rd.seal(&written)?;
        eprintln!(
            "report: {} and sweep.csv in {}",
            written[0].display(),
            dir.display()
        );
    }
    Ok(EXIT_OK)
}
