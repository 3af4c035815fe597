//! `shipcast throughput`: what a throughput history holds, period by period, before a backlog
//! resamples it.

use std::io::Write;
use std::path::PathBuf;

use super::{EXIT_OK, Failure};
use crate::import::throughput::{Period, history};
use crate::report::tables::Table;

#[derive(clap::Args, Debug)]
pub struct ThroughputArgs {
    /// A CSV of finished items: one row per item, with the date it was finished.
    pub file: PathBuf,
    /// The column of finish dates (YYYY-MM-DD) [default: the only column].
    #[arg(long, value_name = "COL")]
    pub column: Option<String>,
    /// The period to count items in: week (from Monday) or day.
    #[arg(long, value_name = "PERIOD", default_value = "week", value_parser = parse_period)]
    pub per: Period,
}

fn parse_period(s: &str) -> Result<Period, String> {
    Period::parse(s).ok_or_else(|| "use week or day".to_string())
}

pub fn throughput(args: &ThroughputArgs, out: &mut dyn Write) -> Result<i32, Failure> {
    let shown = args.file.display().to_string();
    let bytes = std::fs::read(&args.file)
        .map_err(|e| Failure::error(format!("cannot read {shown}: {e}"), None))?;
    let h = history(&shown, &bytes, args.column.as_deref(), args.per)
        .map_err(|e| Failure::error(&e, e.hint.as_deref()))?;
    let per = match args.per {
        Period::Day => "Day",
        Period::Week => "Week of",
    };
    let rows = h
        .iter()
        .map(|(d, n)| vec![d.to_string(), n.to_string()])
        .collect();
    let table = Table {
        headers: vec![per.to_string(), "Items finished".to_string()],
        rows,
    };
    let mut counts: Vec<f64> = h.iter().map(|x| x.1 as f64).collect();
    radsort::sort(&mut counts);
    let q = |p: f64| crate::analysis::quantile_sorted(&counts, p);
    let total: f64 = counts.iter().sum();
    let mut s = crate::report::text::layout(&table, 1);
    s.push_str(&format!(
        "\n{} periods, {} items: per {}, mean {:.2}, P10 {}, P50 {}, P90 {}; {} empty\n",
        h.len(),
        total,
        if args.per == Period::Day {
            "day"
        } else {
            "week"
        },
        total / h.len() as f64,
        q(0.1),
        q(0.5),
        q(0.9),
        counts.iter().filter(|&&c| c == 0.0).count()
    ));
    out.write_all(s.as_bytes())?;
    Ok(EXIT_OK)
}
