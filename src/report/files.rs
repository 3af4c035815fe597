//! The report directory: charts, `report.html`, `report.md`, `summary.csv` and `drivers.csv`.
//!
//! shipcast marks a directory it writes with a `.shipcast` file. It writes into a directory that
//! does not exist yet, is empty, or carries that mark; any other directory holds files shipcast
//! did not write, and is only used with `--force`. Files it writes have fixed names, so a rerun
//! replaces its own earlier report and nothing else.

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

/// Checks that `dir` may receive a report, and creates it.
pub fn prepare(dir: &Path, force: bool) -> Result<(), DirError> {
    if dir.exists() {
        if !dir.is_dir() {
            return Err(DirError::NotADir(dir.to_path_buf()));
        }
        let empty = std::fs::read_dir(dir)
            .map_err(|e| DirError::Io(dir.to_path_buf(), e))?
            .next()
            .is_none();
        if !empty && !dir.join(MARK).exists() && !force {
            return Err(DirError::Foreign(dir.to_path_buf()));
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| DirError::Io(dir.to_path_buf(), e))?;
    std::fs::write(
        dir.join(MARK),
        "This directory holds a report written by shipcast; it may be replaced by the next run.\n",
    )
    .map_err(|e| DirError::Io(dir.to_path_buf(), e))
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
