//! `shipcast compare` and `shipcast sweep`.

use std::io::Write;
use std::path::PathBuf;

use super::{EXIT_OK, Failure, Format, OutArgs, SimArgs};
use crate::analysis::compare::{Comparison, Pairing, TradeoffAxis, paired, simulate_all};
use crate::analysis::sweep::{Sweep, parse_set, sweep as run_sweep};
use crate::model::Plan;
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
    #[arg(long, value_name = "cost|score:NAME", default_value = "cost")]
    pub y: String,
    /// The milestone of the trade-off chart [default: the last one of the first scenario].
    #[arg(long, value_name = "ID")]
    pub milestone: Option<String>,
    #[command(flatten)]
    pub out: OutArgs,
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
        for plan in super::load_all(file)? {
            let label = match (&plan.variant, many) {
                (None, false) => "base".to_string(),
                (None, true) => stem.clone(),
                (Some(v), false) => v.clone(),
                (Some(v), true) => format!("{stem}:{v}"),
            };
            if let Some(v) = &plan.variant {
                known.push(v.clone());
                if args.variants.as_ref().is_some_and(|pick| !pick.contains(v)) {
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
                return Err(Failure::bad_input(format!(
                    "error: no variant `{v}` in {} ({have})\n",
                    args.files
                        .iter()
                        .map(|f| f.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
    }
    if plans.len() < 2 {
        return Err(Failure::bad_input(format!(
            "error: nothing to compare: {} has no variants\n  = hint: add [variant.NAME] sections (see the README), or name two or more files\n",
            args.files[0].display()
        )));
    }
    Ok((plans, files))
}

pub fn compare(args: &CompareArgs, out: &mut dyn Write) -> Result<i32, Failure> {
    let (owned, files) = scenarios(args)?;
    let axis = match args.y.as_str() {
        "cost" => TradeoffAxis::Cost,
        y => match y.strip_prefix("score:") {
            Some(name) if !name.is_empty() => TradeoffAxis::Score(name.to_string()),
            _ => {
                return Err(Failure::bad_input(format!(
                    "error: --y {y}: use `cost` or `score:NAME`\n"
                )));
            }
        },
    };
    if let TradeoffAxis::Score(name) = &axis
        && !owned
            .iter()
            .any(|(_, p)| p.scores.iter().any(|(k, _)| k == name))
    {
        let known: Vec<&str> = owned
            .iter()
            .flat_map(|(_, p)| p.scores.iter().map(|(k, _)| k.as_str()))
            .collect();
        return Err(Failure::bad_input(format!(
            "error: --y score:{name}: no scenario declares that score (declared: {})\n",
            if known.is_empty() {
                "none".into()
            } else {
                known.join(", ")
            }
        )));
    }
    let plans: Vec<(String, &Plan)> = owned.iter().map(|(l, p)| (l.clone(), p)).collect();
    let config = args.sim.config(plans[0].1)?;
    let milestone = match &args.milestone {
        Some(id)
            if plans
                .iter()
                .any(|(_, p)| p.milestones.iter().any(|m| &m.id == id)) =>
        {
            id.clone()
        }
        Some(id) => {
            return Err(Failure::bad_input(format!(
                "error: --milestone {id}: no scenario has that milestone\n"
            )));
        }
        None => plans[0]
            .1
            .milestones
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
    let scenarios = args
        .sim
        .pool()?
        .install(|| simulate_all(&plans, &config, pairing));
    let mut pairs = Vec::new();
    for b in 1..plans.len() {
        for m in &plans[0].1.milestones {
            pairs.extend(paired(&plans, &scenarios, 0, b, &m.id));
        }
    }
    let c = Comparison {
        plans: &plans,
        files: &files,
        scenarios: &scenarios,
        paired: &pairs,
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
            Failure::bad_input(format!(
                "error: cannot write the report in {}: {e}\n",
                dir.display()
            ))
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
            charts::to_svg(|root| charts::tradeoff(root, &c, &milestone, &axis)).map_err(fail)?,
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
            charts::to_png(&path, |root| charts::tradeoff(root, &c, &milestone, &axis))
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
    #[arg(long = "set", value_name = "PATH=VALUES")]
    pub set: Vec<String>,
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
}

pub fn sweep(args: &SweepArgs, out: &mut dyn Write) -> Result<i32, Failure> {
    let mut plans = super::load_all(&args.file)?;
    let plan = plans.swap_remove(0);
    let params = if args.set.is_empty() {
        match &plan.sweep {
            Some(s) => s.params.clone(),
            None => {
                return Err(Failure::bad_input(format!(
                    "error: nothing to sweep: pass --set PATH=LO..HI:STEP or add a [sweep] section to {}\n  = hint: e.g. --set task.train.success=0.3..0.9:0.1\n",
                    args.file.display()
                )));
            }
        }
    } else {
        if args.set.len() > 2 {
            return Err(Failure::bad_input(
                "error: a sweep varies one or two parameters; give --set once or twice\n",
            ));
        }
        args.set
            .iter()
            .map(|s| {
                parse_set(s).map_err(|e| Failure::bad_input(format!("error: --set {s}: {e}\n")))
            })
            .collect::<Result<Vec<_>, _>>()?
    };
    let milestone = match &args.milestone {
        Some(id) => plan
            .milestones
            .iter()
            .position(|m| &m.id == id)
            .ok_or_else(|| {
                let ids: Vec<&str> = plan.milestones.iter().map(|m| m.id.as_str()).collect();
                Failure::bad_input(format!(
                    "error: --milestone {id}: the plan has {}\n",
                    ids.join(", ")
                ))
            })?,
        None => plan
            .sweep
            .as_ref()
            .map_or(plan.milestones.len() - 1, |s| s.milestone),
    };
    // Every value must apply before anything is written.
    for p in &params {
        let mut probe = plan.clone();
        for &v in &p.values {
            crate::analysis::sweep::apply(&mut probe, &p.path, v)
                .map_err(|e| Failure::bad_input(format!("error: --set {}: {e}\n", p.path)))?;
        }
    }
    let config = args.sim.config(&plan)?;
    let report_dir = args
        .out
        .prepare(&format!("{}-sweep", super::stem(&args.file)))?;
    let points = args
        .sim
        .pool()?
        .install(|| run_sweep(&plan, &params, milestone, &config))
        .map_err(|e| Failure::bad_input(format!("error: {e}\n")))?;
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
            Failure::bad_input(format!(
                "error: cannot write the report in {}: {e}\n",
                dir.display()
            ))
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
