//! What `calibrate` and `backtest` print and write: the fit as text, the `[calibration.NAME]`
//! tables a scenario includes, the backtest's coverage table, and files written atomically.

use std::fmt::Write as _;
use std::path::Path;

use super::history_csv::History;
use crate::analysis::calibration::{Backtest, Baseline, Coverage, Fit, GroupFit, Method, coverage};

/// What describes a calibration run, for the tables' comments and fields.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    /// `COL=VALUE` filters as written.
    pub filters: Vec<String>,
    /// The `--group` column.
    pub group: Option<String>,
}

/// A name usable as a bare TOML key: letters, digits, `-` and `_`; anything else becomes `-`.
pub fn key_name(s: &str) -> String {
    let k: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if k.is_empty() { "history".into() } else { k }
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A number with 6 significant digits, written as TOML reads it back.
fn num(x: f64) -> String {
    let r: f64 = format!("{x:.5e}").parse().unwrap_or(x);
    let s = format!("{r}");
    if s.contains('.') || s.contains('e') || s.contains("inf") || s.contains("NaN") {
        s
    } else {
        format!("{s}.0")
    }
}

fn percentiles_line(f: &Fit) -> String {
    format!(
        "P10 {:.2}, P50 {:.2}, P80 {:.2}, P90 {:.2}, P95 {:.2}",
        f.quantile(0.1),
        f.quantile(0.5),
        f.quantile(0.8),
        f.quantile(0.9),
        f.quantile(0.95)
    )
}

fn table(
    out: &mut String,
    name: &str,
    h: &History,
    prov: &Provenance,
    f: &Fit,
    group: Option<&GroupFit>,
) {
    let _ = writeln!(
        out,
        "# actual / estimate: {}; {:.1}% exactly 1.",
        percentiles_line(f),
        100.0 * f.exactly_one
    );
    let _ = writeln!(out, "[calibration.{name}]");
    let _ = writeln!(out, "source = {}", toml_string(&h.file_name()));
    if !prov.filters.is_empty() {
        let _ = writeln!(out, "filter = {}", toml_string(&prov.filters.join(", ")));
    }
    if let (Some(col), Some(g)) = (&prov.group, group) {
        let _ = writeln!(
            out,
            "group = {}",
            toml_string(&format!("{col}={}", g.group))
        );
        if g.fallback {
            let _ = writeln!(
                out,
                "# Only {} rows: too few for a fit of its own, so this is the whole set's.",
                g.rows
            );
            let _ = writeln!(out, "fallback = true");
        }
    }
    let _ = writeln!(out, "n = {}", f.n);
    let _ = writeln!(out, "use = \"empirical\"");
    let _ = writeln!(
        out,
        "# Quantiles of actual / estimate at p = 0, 0.01, ..., 1, read with linear interpolation."
    );
    let _ = writeln!(out, "quantiles = [");
    for chunk in f.table.quantiles().chunks(10) {
        let cells: Vec<String> = chunk.iter().map(|&q| num(q)).collect();
        let _ = writeln!(out, "  {},", cells.join(", "));
    }
    let _ = writeln!(out, "]");
    let _ = writeln!(
        out,
        "# Lognormal fit: ln(actual / estimate) ~ N(mu, sigma); use = \"lognormal\" to use it."
    );
    let _ = writeln!(out, "mu = {}", num(f.mu));
    let _ = writeln!(out, "sigma = {}", num(f.sigma));
    let _ = writeln!(
        out,
        "# Kolmogorov-Smirnov distance between the history and the lognormal fit."
    );
    let _ = writeln!(out, "ks = {}", num(f.ks));
    let _ = writeln!(out, "exactly_one = {}", num(f.exactly_one));
}

/// The `[calibration.NAME]` tables: the whole set's, then one per group (`NAME-GROUP`).
pub fn toml_tables(
    name: &str,
    h: &History,
    prov: &Provenance,
    all: &Fit,
    groups: &[GroupFit],
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Written by `shipcast calibrate` from {} ({} of {} rows used).",
        h.file_name(),
        h.rows.len(),
        h.total
    );
    let _ = writeln!(
        out,
        "# In a scenario: calibration = \"NAME\" on a task with estimate = N (or [low, likely, high]), or in [project]."
    );
    table(&mut out, name, h, prov, all, None);
    for g in groups {
        out.push('\n');
        let gname = key_name(&format!("{name}-{}", g.group));
        table(&mut out, &gname, h, prov, &g.fit, Some(g));
    }
    out
}

/// What was read: rows used, filtered out and left out by reason.
pub fn history_text(h: &History) -> String {
    let mut out = String::new();
    let enc = if h.latin1 { "Latin-1" } else { "UTF-8" };
    let delim = match h.delimiter {
        b'\t' => "tab".to_string(),
        d => format!("'{}'", d as char),
    };
    let _ = writeln!(
        out,
        "{}: {} data rows ({enc}, delimiter {delim}); {} used",
        h.file_name(),
        h.total,
        h.rows.len()
    );
    if h.filtered_out > 0 {
        let _ = writeln!(
            out,
            "  {} outside the reference class (--where)",
            h.filtered_out
        );
    }
    for d in &h.dropped {
        let _ = writeln!(
            out,
            "  {} left out: {} (first at row {})",
            d.count, d.reason, d.first_row
        );
    }
    out
}

fn pad(cells: &[String], widths: &[usize]) -> String {
    cells
        .iter()
        .zip(widths)
        .enumerate()
        .map(|(i, (c, w))| {
            if i == 0 {
                format!("{c:<w$}")
            } else {
                format!("{c:>w$}")
            }
        })
        .collect::<Vec<_>>()
        .join("  ")
        .trim_end()
        .to_string()
}

fn layout(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = pad(
        &headers.iter().map(|h| h.to_string()).collect::<Vec<_>>(),
        &widths,
    );
    out.push('\n');
    for r in rows {
        out.push_str(&pad(r, &widths));
        out.push('\n');
    }
    out
}

/// The fit of every class as a table.
pub fn fit_text(name: &str, all: &Fit, groups: &[GroupFit]) -> String {
    let row = |label: String, f: &Fit| {
        vec![
            label,
            f.n.to_string(),
            format!("{:.2}", f.quantile(0.1)),
            format!("{:.2}", f.quantile(0.5)),
            format!("{:.2}", f.quantile(0.8)),
            format!("{:.2}", f.quantile(0.9)),
            format!("{:.2}", f.quantile(0.95)),
            format!("{:.1}%", 100.0 * f.exactly_one),
            format!("{:.3}", f.mu),
            format!("{:.3}", f.sigma),
            format!("{:.3}", f.ks),
        ]
    };
    let mut rows = vec![row(name.to_string(), all)];
    let mut notes = Vec::new();
    for g in groups {
        let gname = key_name(&format!("{name}-{}", g.group));
        if g.fallback {
            let mut r = row(format!("{gname} *"), &g.fit);
            r[1] = format!("{} -> {}", g.rows, g.fit.n);
            rows.push(r);
            notes.push(gname);
        } else {
            rows.push(row(gname, &g.fit));
        }
    }
    let mut out = String::from("Ratio actual / estimate by reference class:\n");
    out.push_str(&layout(
        &[
            "Class", "n", "P10", "P50", "P80", "P90", "P95", "= 1", "mu", "sigma", "KS",
        ],
        &rows,
    ));
    if !notes.is_empty() {
        let _ = writeln!(
            out,
            "* too few rows for a fit of its own: uses the whole set's ({})",
            notes.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "mu, sigma: the lognormal fit of the ratio; KS: its largest CDF gap to the history (chance alone gives about 1.36/sqrt(n) = {:.3} for {}).",
        1.36 / (all.n as f64).sqrt(),
        name
    );
    out
}

/// The levels a backtest reports.
pub const LEVELS: [f64; 3] = [0.5, 0.8, 0.9];

/// How far off a coverage may be and still pass: 5 points.
pub const TOLERANCE: f64 = 0.05;

fn cov_cell(c: &Coverage) -> String {
    let verdict = if (c.share - c.level).abs() <= TOLERANCE {
        "ok"
    } else {
        "OFF"
    };
    format!(
        "{:.1}% [{:.1}, {:.1}] {verdict}",
        100.0 * c.share,
        100.0 * c.low,
        100.0 * c.high
    )
}

/// A backtest and how it was made, for its report.
#[derive(Debug, Clone, Copy)]
pub struct BacktestView<'a> {
    pub backtest: &'a Backtest,
    /// The `--order` column.
    pub order: Option<&'a str>,
    pub method: Method,
    pub baseline: Baseline,
    pub min_group: usize,
    pub grouped: bool,
}

/// The backtest's coverage table beside the baseline's, and what was replayed.
pub fn backtest_text(v: &BacktestView) -> String {
    let (b, order, method, baseline, min_group) =
        (v.backtest, v.order, v.method, v.baseline, v.min_group);
    let grouped = v.grouped;
    let mut out = String::new();
    let scored = b.calibrated.len();
    let _ = writeln!(
        out,
        "Replayed {} items in {}: the first {} are the warm-up; each of the other {scored} is forecast from the items before it.",
        b.items,
        order.map_or("file order".to_string(), |o| format!("order of {o}")),
        b.items - scored,
    );
    if grouped {
        let _ = writeln!(
            out,
            "{} of them from their own group's history (once it has {min_group} items), the rest from the whole history.",
            b.from_group
        );
    }
    let method_name = match method {
        Method::Empirical => "calibrated (empirical quantiles)",
        Method::LogNormal => "calibrated (lognormal fit)",
    };
    let base_name = format!(
        "uncalibrated (PERT {:+.0}%/{:+.0}%)",
        100.0 * (baseline.low - 1.0),
        100.0 * (baseline.high - 1.0)
    );
    let rows: Vec<Vec<String>> = LEVELS
        .iter()
        .map(|&p| {
            vec![
                format!("P{:.0}", 100.0 * p),
                cov_cell(&coverage(&b.calibrated, p)),
                cov_cell(&coverage(&b.baseline, p)),
            ]
        })
        .collect();
    out.push('\n');
    out.push_str("Share of actuals at or below the forecast percentile, with 95% intervals:\n");
    out.push_str(&layout(&["Percentile", method_name, &base_name], &rows));
    let all_ok = LEVELS
        .iter()
        .all(|&p| (coverage(&b.calibrated, p).share - p).abs() <= TOLERANCE);
    let _ = writeln!(
        out,
        "\nCalibrated coverage within {:.0} points of every percentile: {}",
        100.0 * TOLERANCE,
        if all_ok { "yes" } else { "no" }
    );
    let _ = writeln!(
        out,
        "Ties: an actual inside an atom of its forecast (a task that took exactly its estimate) counts by where the percentile falls in the atom (randomized PIT, in expectation)."
    );
    out
}

/// Writes `path` through a temporary file in the same directory and a rename, so an
/// interrupted run leaves no half-written file ([`super::outputs::write_via`]). Refuses an
/// existing file unless `force`.
pub fn write_atomic(
    path: &Path,
    force: bool,
    write: impl FnOnce(&Path) -> std::io::Result<()>,
) -> std::io::Result<()> {
    super::outputs::write_via(path, force, write)
}
