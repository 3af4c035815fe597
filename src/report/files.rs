//! The report directory: charts, `report.html`, `report.md`, `summary.csv` and `drivers.csv`.
//!
//! shipcast marks a directory it writes with a `.shipcast` file that lists the files it wrote.
//! It writes into a directory that does not exist yet, is empty, or carries that mark; any other
//! directory holds files shipcast did not write, and is only used with `--force` (and then not
//! marked, so the next run asks again). A rerun replaces its own files and removes those of its
//! earlier report that it no longer writes (a PNG from an earlier `--png`, the charts of a
//! renamed milestone), and nothing else.

use std::io;
use std::path::{Path, PathBuf};

use super::Forecast;
use super::charts::Chart;

/// The mark of a directory shipcast wrote.
pub const MARK: &str = ".shipcast";

/// Why a report directory cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DirError {
    #[error("{0} has files shipcast did not write; refusing to write a report there")]
    Foreign(PathBuf),
    #[error("{0} is a file, not a directory")]
    NotADir(PathBuf),
    #[error("cannot use {0}: {1}")]
    Io(PathBuf, io::Error),
}

const MARK_HEADER: &str = "This directory holds a report written by shipcast; the next run may replace it.\nFiles it wrote:\n";

/// Checks that `dir` may receive a report, and creates it. Returns whether it is (or may
/// become) shipcast's own, that is, whether to mark it.
pub fn prepare(dir: &Path, force: bool) -> Result<bool, DirError> {
    if dir.exists() {
        if !dir.is_dir() {
            return Err(DirError::NotADir(dir.to_path_buf()));
        }
        let empty = std::fs::read_dir(dir)
            .map_err(|e| DirError::Io(dir.to_path_buf(), e))?
            .next()
            .is_none();
        if !empty && !dir.join(MARK).exists() {
            return if force {
                Ok(false)
            } else {
                Err(DirError::Foreign(dir.to_path_buf()))
            };
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| DirError::Io(dir.to_path_buf(), e))?;
    Ok(true)
}

/// The files an earlier run listed in the mark.
fn listed(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join(MARK))
        .map(|t| {
            t.lines()
                .filter_map(|l| l.strip_prefix("  "))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Records the files of this report in the mark, and removes the earlier report's files that
/// this one did not write again. Only files named in the mark are ever removed.
pub fn seal(dir: &Path, written: &[PathBuf]) -> io::Result<()> {
    let names: Vec<String> = written
        .iter()
        .filter_map(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect();
    for old in listed(dir) {
        if !names.contains(&old) && !old.contains('/') && !old.starts_with('.') {
            let _ = std::fs::remove_file(dir.join(&old));
        }
    }
    let mut mark = MARK_HEADER.to_string();
    for n in &names {
        mark.push_str(&format!("  {n}\n"));
    }
    std::fs::write(dir.join(MARK), mark)
}

/// Writes every chart (SVG, and PNG when asked) and the reports into `dir`, which [`prepare`]
/// accepted. Returns the files written, report.html first.
pub fn write(
    dir: &Path,
    f: &Forecast,
    png: bool,
) -> Result<Vec<PathBuf>, Box<dyn std::error::Error>> {
    let mut written = Vec::new();
    let put = |written: &mut Vec<PathBuf>, name: &str, text: &str| -> io::Result<()> {
        let path = dir.join(name);
        std::fs::write(&path, text)?;
        written.push(path);
        Ok(())
    };
    let svgs = Chart::render_all(f)?;
    put(&mut written, "report.html", &super::html::render(f, &svgs)?)?;
    put(&mut written, "report.md", &super::markdown::render(f))?;
    let input = super::Input {
        plan: f.plan,
        summary: f.summary,
        file: f.file,
        details: Some(f.details),
        run: super::RunInfo::default(),
    };
    put(&mut written, "summary.csv", &super::csv::render(&input))?;
    put(&mut written, "drivers.csv", &super::csv::render_drivers(f))?;
    for (chart, svg) in &svgs {
        let stem = chart.stem(f.plan);
        put(&mut written, &format!("{stem}.svg"), svg)?;
        if png {
            let path = dir.join(format!("{stem}.png"));
            chart.png(f, &path)?;
            written.push(path);
        }
    }
    Ok(written)
}

/// Writes the forecast history charts, `history-<milestone>.svg` (and `.png` when asked), into
/// a report directory: one per milestone of `plan` that the history mentions.
pub fn write_history(
    dir: &Path,
    plan: &crate::model::Plan,
    rows: &[super::history::Row],
    png: bool,
) -> Result<Vec<PathBuf>, Box<dyn std::error::Error>> {
    use super::charts;
    let mut written = Vec::new();
    for (m, ms) in plan.milestones().iter().enumerate() {
        if !rows.iter().any(|r| r.milestone == ms.id) {
            continue;
        }
        let stem = format!("history-{}", ms.id);
        let svg = charts::to_svg(|root| charts::history(root, plan, rows, m))?;
        let path = dir.join(format!("{stem}.svg"));
        std::fs::write(&path, svg)?;
        written.push(path);
        if png {
            let path = dir.join(format!("{stem}.png"));
            charts::to_png(&path, |root| charts::history(root, plan, rows, m))?;
            written.push(path);
        }
    }
    Ok(written)
}

/// Writes a comparison's report directory: the overlaid S-curves of every milestone, the
/// trade-off chart of `milestone`, `compare.md` and `compare.json` (and PNGs of the charts).
/// Returns the files written.
pub fn write_compare(
    dir: &Path,
    c: &crate::analysis::compare::Comparison,
    milestones: &[String],
    axis: &crate::analysis::compare::TradeoffAxis,
    png: bool,
) -> Result<Vec<PathBuf>, Box<dyn std::error::Error>> {
    use super::charts::{overlay, to_png, to_svg, tradeoff};
    let mut written = Vec::new();
    let mut put = |name: String, text: String| -> io::Result<()> {
        std::fs::write(dir.join(&name), text)?;
        written.push(dir.join(name));
        Ok(())
    };
    for id in c.milestone_ids() {
        put(
            format!("s-curves-{id}.svg"),
            to_svg(|root| overlay(root, c, &id))?,
        )?;
    }
    for milestone in milestones {
        put(
            format!("tradeoff-{milestone}.svg"),
            to_svg(|root| tradeoff(root, c, milestone, axis))?,
        )?;
    }
    put("compare.md".into(), super::compare::markdown(c))?;
    put("compare.json".into(), super::compare::json(c))?;
    if png {
        for id in c.milestone_ids() {
            let path = dir.join(format!("s-curves-{id}.png"));
            to_png(&path, |root| overlay(root, c, &id))?;
            written.push(path);
        }
        for milestone in milestones {
            let path = dir.join(format!("tradeoff-{milestone}.png"));
            to_png(&path, |root| tradeoff(root, c, milestone, axis))?;
            written.push(path);
        }
    }
    Ok(written)
}

/// Writes a sweep's report directory: `sweep.svg` and `sweep.csv` (and `sweep.png`). Returns the
/// files written.
pub fn write_sweep(
    dir: &Path,
    s: &crate::analysis::sweep::Sweep,
    png: bool,
) -> Result<Vec<PathBuf>, Box<dyn std::error::Error>> {
    use super::charts::{sweep, to_png, to_svg};
    let mut written = vec![dir.join("sweep.svg"), dir.join("sweep.csv")];
    std::fs::write(&written[0], to_svg(|root| sweep(root, s))?)?;
    std::fs::write(&written[1], super::compare::sweep_csv(s))?;
    if png {
        let path = dir.join("sweep.png");
        to_png(&path, |root| sweep(root, s))?;
        written.push(path);
    }
    Ok(written)
}
