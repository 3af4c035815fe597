//! `shipcast calibrate` and `shipcast backtest`: learning from a history of finished work.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{EXIT_OK, Failure};
use crate::analysis::calibration::{self, BacktestSpec, Baseline, Method};
use crate::report::calibration as report;
use crate::report::charts;
use crate::report::history_csv::{self, Columns, History, HistorySpec};

/// Where the history is and which columns to read.
#[derive(clap::Args, Debug, Clone)]
pub struct HistoryArgs {
    /// A CSV of finished work, one row per task (or per project), with a header row. Any
    /// delimiter (sniffed, or --delimiter), UTF-8 or Latin-1.
    pub file: PathBuf,
    /// The column of estimates (any unit: the ratio actual / estimate has none).
    #[arg(
        long,
        value_name = "COL",
        required_unless_present = "start",
        requires = "actual"
    )]
    pub estimate: Option<String>,
    /// The column of actuals, in the estimates' unit.
    #[arg(long, value_name = "COL", requires = "estimate")]
    pub actual: Option<String>,
    /// Project history by dates: the column of start dates (with --planned-end and --actual-end;
    /// durations are calendar days from the start).
    #[arg(long, value_name = "COL", conflicts_with = "estimate", requires_all = ["planned_end", "actual_end"])]
    pub start: Option<String>,
    /// The column of planned (estimated) end dates.
    #[arg(long, value_name = "COL", requires = "start")]
    pub planned_end: Option<String>,
    /// The column of actual end dates.
    #[arg(long, value_name = "COL", requires = "start")]
    pub actual_end: Option<String>,
    /// A column whose values name reference classes: one fit per value.
    #[arg(long, value_name = "COL")]
    pub group: Option<String>,
    /// A group with fewer rows than this uses the whole set's fit.
    #[arg(long, value_name = "N", default_value_t = 30)]
    pub min_group: usize,
    /// Keep only rows whose COL is VALUE (repeat to require several): the reference class.
    #[arg(long = "where", value_name = "COL=VALUE", value_parser = parse_filter)]
    pub filters: Vec<(String, String)>,
    /// The field delimiter (a character, or `tab`) [default: sniffed from the header].
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,
    /// Leave out rows with a non-numeric cell or an estimate or actual of zero or less (they
    /// are counted and reported) instead of stopping at the first.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Replace output files that exist.
    #[arg(long)]
    pub force: bool,
}

#[derive(clap::Args, Debug)]
pub struct CalibrateArgs {
    #[command(flatten)]
    pub history: HistoryArgs,
    /// The calibration's name in the scenario [default: the file's name].
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Write the [calibration.NAME] tables to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Draw the Q-Q chart of the whole set's fit to FILE (.svg or .png).
    #[arg(long, value_name = "FILE")]
    pub chart: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FitArg {
    Empirical,
    Lognormal,
}

#[derive(clap::Args, Debug)]
pub struct BacktestArgs {
    #[command(flatten)]
    pub history: HistoryArgs,
    /// Replay in the order of this column (numbers, dates or text) [default: file order].
    #[arg(long, value_name = "COL")]
    pub order: Option<String>,
    /// Items that only feed the history before forecasts are scored.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub warmup: usize,
    /// The uncalibrated forecast: PERT from LOW% to HIGH% around the estimate.
    #[arg(long, value_name = "LOW,HIGH", default_value = "-10,30", value_parser = parse_baseline, allow_hyphen_values = true)]
    pub baseline: Baseline,
    /// Which fit the calibrated forecast uses.
    #[arg(long, value_enum, default_value_t = FitArg::Empirical)]
    pub fit: FitArg,
    /// Draw the calibration chart (forecast percentile against coverage) to FILE (.svg or .png).
    #[arg(long, value_name = "FILE")]
    pub chart: Option<PathBuf>,
    /// Draw the PIT histogram to FILE (.svg or .png).
    #[arg(long, value_name = "FILE")]
    pub pit: Option<PathBuf>,
}

/// `--where COL=VALUE`.
pub fn parse_filter(s: &str) -> Result<(String, String), String> {
    let (c, v) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}`: write COL=VALUE, e.g. Category=Development"))?;
    Ok((c.trim().to_string(), v.trim().to_string()))
}

/// `--delimiter ;` or `--delimiter tab`.
pub fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => Err(format!(
            "`{s}`: give one ASCII character, e.g. ';', or `tab`"
        )),
    }
}

/// `--baseline -10,30`: PERT bounds in percent around the estimate.
pub fn parse_baseline(s: &str) -> Result<Baseline, String> {
    let bad = || format!("`{s}`: write LOW,HIGH in percent around the estimate, e.g. -10,30");
    let (lo, hi) = s.split_once(',').ok_or_else(bad)?;
    let lo: f64 = lo.trim().trim_end_matches('%').parse().map_err(|_| bad())?;
    let hi: f64 = hi.trim().trim_end_matches('%').parse().map_err(|_| bad())?;
    if !(lo < 0.0 && lo > -100.0 && hi > 0.0 && hi.is_finite()) {
        return Err(format!(
            "`{s}`: LOW must be between -100 and 0 and HIGH above 0, e.g. -10,30"
        ));
    }
    Ok(Baseline {
        low: 1.0 + lo / 100.0,
        high: 1.0 + hi / 100.0,
    })
}

impl HistoryArgs {
    fn spec(&self, order: Option<String>) -> HistorySpec {
        let columns = match (&self.estimate, &self.actual) {
            (Some(e), Some(a)) => Columns::Amounts {
                estimate: e.clone(),
                actual: a.clone(),
            },
            _ => Columns::Dates {
                start: self.start.clone().unwrap_or_default(),
                planned_end: self.planned_end.clone().unwrap_or_default(),
                actual_end: self.actual_end.clone().unwrap_or_default(),
            },
        };
        HistorySpec {
            path: self.file.clone(),
            delimiter: self.delimiter,
            columns,
            group: self.group.clone(),
            order,
            filters: self.filters.clone(),
            skip_invalid: self.skip_invalid,
        }
    }

    fn read(&self, order: Option<String>) -> Result<History, Failure> {
        let h = history_csv::read(&self.spec(order))
            .map_err(|e| Failure::error(&e, Some(&e.hint())))?;
        say!("{}", report::history_text(&h));
        Ok(h)
    }

    fn provenance(&self) -> report::Provenance {
        report::Provenance {
            filters: self
                .filters
                .iter()
                .map(|(c, v)| format!("{c}={v}"))
                .collect(),
            group: self.group.clone(),
        }
    }
}

/// Checks the output files named (two on one path, or one over the history, are refused).
fn distinct(outputs: &[(&'static str, &Option<PathBuf>)], h: &HistoryArgs) -> Result<(), Failure> {
    let outputs: Vec<super::Output> = outputs
        .iter()
        .filter_map(|(flag, p)| {
            p.as_ref().map(|p| super::Output {
                flag,
                path: p.clone(),
                // Existing files were refused (or forced) above.
                existing: super::Existing::Checked,
            })
        })
        .collect();
    super::check_outputs(&outputs, &[], &[h.file.as_path()], h.force)
}

fn refuse(path: &Path, force: bool) -> Result<(), Failure> {
    super::refuse_existing(path, force)
}

fn write_err(path: &Path, e: impl std::fmt::Display) -> Failure {
    Failure::error(format!("cannot write {}: {e}", path.display()), None)
}

/// The kind of chart file a path asks for.
fn chart_kind(path: &Path) -> Result<bool, Failure> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("svg") => Ok(false),
        Some("png") => Ok(true),
        _ => Err(Failure::error(
            format!("{}: a chart file must end in .svg or .png", path.display()),
            Some("e.g. --chart qq.png"),
        )),
    }
}

macro_rules! draw_to {
    ($path:expr, $force:expr, |$root:ident| $body:expr) => {{
        let path: &Path = $path;
        let png = chart_kind(path)?;
        refuse(path, $force)?;
        let result = if png {
            crate::report::calibration::write_atomic(path, true, |tmp| {
                charts::to_png(tmp, |$root| $body).map_err(|e| std::io::Error::other(e.to_string()))
            })
        } else {
            charts::to_svg(|$root| $body)
                .map_err(|e| std::io::Error::other(e.to_string()))
                .and_then(|svg| {
                    crate::report::calibration::write_atomic(path, true, |tmp| {
                        std::fs::write(tmp, svg)
                    })
                })
        };
        result.map_err(|e| write_err(path, e))?;
        sayln!("wrote {}", path.display());
    }};
}

pub fn calibrate(args: &CalibrateArgs, out: &mut dyn Write) -> Result<i32, Failure> {
    // Refuse before the work, not after it.
    for p in args.output.iter().chain(&args.chart) {
        refuse(p, args.history.force)?;
    }
    distinct(
        &[("--output", &args.output), ("--chart", &args.chart)],
        &args.history,
    )?;
    if let Some(c) = &args.chart {
        chart_kind(c)?;
    }
    let h = args.history.read(None)?;
    let name = report::key_name(
        args.name
            .as_deref()
            .unwrap_or(&super::stem(&args.history.file)),
    );
    let ratios = h.ratios();
    let groups = h.groups();
    let Some((all, fits)) = calibration::fit_groups(&ratios, &groups, args.history.min_group)
    else {
        return Err(Failure::error(
            format!("{}: no usable rows", h.file_name()),
            None,
        ));
    };
    let toml = report::toml_tables(&name, &h, &args.history.provenance(), &all, &fits);
    let mut text = report::fit_text(&name, &all, &fits);
    if let Some(path) = &args.chart {
        let title = format!("Q-Q: {name}, actual / estimate against its lognormal fit");
        draw_to!(path, args.history.force, |root| charts::calibration::qq(
            root, &title, &all
        ));
    }
    match &args.output {
        Some(path) => {
            report::write_atomic(path, args.history.force, |tmp| std::fs::write(tmp, &toml))
                .map_err(|e| write_err(path, e))?;
            text.push_str(&format!(
                "\nwrote {} ([calibration.{name}]{}); use it with calibration = \"{name}\"\n",
                path.display(),
                if fits.is_empty() {
                    ""
                } else {
                    " and one table per group"
                }
            ));
            out.write_all(text.as_bytes())?;
        }
        None => {
            // stdout stays valid TOML (`> calibration.toml` or appended to a scenario): the
            // summary goes in as comments.
            for line in text.lines() {
                writeln!(out, "# {line}")?;
            }
            out.write_all(b"\n")?;
            out.write_all(toml.as_bytes())?;
        }
    }
    Ok(EXIT_OK)
}

pub fn backtest(args: &BacktestArgs, out: &mut dyn Write) -> Result<i32, Failure> {
    for p in args.chart.iter().chain(&args.pit) {
        chart_kind(p)?;
        refuse(p, args.history.force)?;
    }
    distinct(
        &[("--chart", &args.chart), ("--pit", &args.pit)],
        &args.history,
    )?;
    let h = args.history.read(args.order.clone())?;
    if h.rows.len() <= args.warmup {
        return Err(Failure::error(
            format!(
                "{}: {} usable rows, not more than the warm-up of {}: nothing left to score",
                h.file_name(),
                h.rows.len(),
                args.warmup
            ),
            Some("pass a smaller --warmup"),
        ));
    }
    let method = match args.fit {
        FitArg::Empirical => Method::Empirical,
        FitArg::Lognormal => Method::LogNormal,
    };
    let spec = BacktestSpec {
        warmup: args.warmup,
        min_group: args.history.min_group,
        method,
        baseline: args.baseline,
    };
    let b = calibration::backtest(&h.ratios(), &h.groups(), &spec);
    let view = report::BacktestView {
        backtest: &b,
        order: args.order.as_deref(),
        method,
        baseline: args.baseline,
        min_group: args.history.min_group,
        grouped: args.history.group.is_some(),
    };
    out.write_all(report::backtest_text(&view).as_bytes())?;
    let series: [(&str, &[calibration::Pit]); 2] =
        [("calibrated", &b.calibrated), ("uncalibrated", &b.baseline)];
    let title = format!("Backtest of {}", h.file_name());
    if let Some(path) = &args.chart {
        let t = format!("{title}: coverage by percentile");
        draw_to!(path, args.history.force, |root| {
            charts::calibration::reliability(root, &t, &series)
        });
    }
    if let Some(path) = &args.pit {
        let t = format!("{title}: PIT histogram");
        draw_to!(path, args.history.force, |root| {
            charts::calibration::pit_histogram(root, &t, &series)
        });
    }
    Ok(EXIT_OK)
}
