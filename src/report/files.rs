//! The report directory: charts, `report.html`, `report.md`, `summary.csv` and `drivers.csv`.
//!
//! shipcast marks a directory it writes with a `.shipcast` file that lists the files it wrote.
//! It writes into a directory that does not exist yet, is empty, or carries that mark; any other
//! directory holds files shipcast did not write, and is only used with `--force` (and then not
//! marked, so the next run asks again). A rerun replaces its own files and removes those of its
//! earlier report that it no longer writes (a PNG from an earlier `--png`, the charts of a
//! renamed milestone), and nothing else.
//!
//! [`prepare`] only checks, before any work: the directory is created, and marked, by
//! [`DirWriter::begin`] just before its first file. Each file is written whole to a temporary
//! file and renamed into place ([`super::outputs`]), and the mark is brought up to date before
//! each file: an interrupted report leaves complete files and a mark that lists them, so the next
//! run writes there again without `--force`.

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

/// Checks that `dir` may receive a report, before any work, and creates nothing. Returns
/// whether it is (or may become) shipcast's own, that is, whether to mark it.
pub fn prepare(dir: &Path, force: bool) -> Result<bool, DirError> {
    use super::outputs::{Kind, kind, probe_dir};
    let io_err = |e| DirError::Io(dir.to_path_buf(), e);
    match kind(dir) {
        Kind::Dir => {
            let empty = std::fs::read_dir(dir).map_err(io_err)?.next().is_none();
            let ours = if !empty && !dir.join(MARK).exists() {
                if !force {
                    return Err(DirError::Foreign(dir.to_path_buf()));
                }
                false
            } else {
                true
            };
            probe_dir(dir).map_err(io_err)?;
            Ok(ours)
        }
        Kind::Missing => {
            // It will be created: the nearest directory that exists must take new entries.
            let mut up = dir.parent();
            while let Some(p) = up {
                let p = if p.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    p
                };
                match kind(p) {
                    Kind::Dir => {
                        probe_dir(p).map_err(io_err)?;
                        return Ok(true);
                    }
                    Kind::Missing => up = p.parent(),
                    _ => return Err(DirError::NotADir(p.to_path_buf())),
                }
            }
            Ok(true)
        }
        _ => Err(DirError::NotADir(dir.to_path_buf())),
    }
}

/// The error a report stops with when [`crate::pipeline::interrupt`] was called.
pub fn interrupted() -> io::Error {
    io::Error::new(io::ErrorKind::Interrupted, "interrupted")
}

/// Whether an error of a report's writing is an interruption.
pub fn is_interrupted(e: &(dyn std::error::Error + 'static)) -> bool {
    e.downcast_ref::<io::Error>()
        .is_some_and(|e| e.kind() == io::ErrorKind::Interrupted)
}

/// Writes a report directory's files one at a time, each whole, keeping the mark current.
pub struct DirWriter<'a> {
    dir: &'a Path,
    mark: bool,
    /// What the mark listed before this report.
    old: Vec<String>,
    written: Vec<PathBuf>,
    stop: &'a dyn Fn() -> bool,
    /// The mark's text as it is on disk (None when there is none yet): a mark that would not
    /// change is not written again (a rerun into its own directory lists every file already).
    current: Option<String>,
}

impl<'a> DirWriter<'a> {
    /// Creates `dir` (which [`prepare`] accepted) and, when `mark`, marks it, keeping the list of
    /// the earlier report's files. `stop` is asked before each file: when it says so, writing
    /// ends with an [`interrupted`] error.
    pub fn begin(dir: &'a Path, mark: bool, stop: &'a dyn Fn() -> bool) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let current = std::fs::read_to_string(dir.join(MARK)).ok();
        let mut w = DirWriter {
            dir,
            mark,
            old: current.as_deref().map(listed_in).unwrap_or_default(),
            written: Vec::new(),
            stop,
            current,
        };
        let old = w.old.clone();
        w.write_mark(&old)?;
        Ok(w)
    }

    fn write_mark<S: AsRef<str>>(&mut self, names: &[S]) -> io::Result<()> {
        if !self.mark {
            return Ok(());
        }
        let mark = mark_text(names);
        if self.current.as_deref() == Some(mark.as_str()) {
            return Ok(());
        }
        super::outputs::write(&self.dir.join(MARK), true, |w| w.write_all(mark.as_bytes()))?;
        self.current = Some(mark);
        Ok(())
    }

    fn names(&self) -> Vec<String> {
        self.written
            .iter()
            .filter_map(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .collect()
    }

    /// Writes the file `name` through `body`, given a temporary path with the same extension.
    pub fn put_with(
        &mut self,
        name: &str,
        body: impl FnOnce(&Path) -> io::Result<()>,
    ) -> io::Result<()> {
        if (self.stop)() {
            return Err(interrupted());
        }
        // Listed before it exists: whatever happens next, the directory stays shipcast's.
        let mut names = self.names();
        names.extend(self.old.iter().cloned());
        names.push(name.to_string());
        names.sort();
        names.dedup();
        self.write_mark(&names)?;
        let path = self.dir.join(name);
        super::outputs::write_via(&path, true, body)?;
        self.written.push(path);
        Ok(())
    }

    /// Writes the file `name` holding `text`.
    pub fn put(&mut self, name: &str, text: &str) -> io::Result<()> {
        self.put_with(name, |tmp| std::fs::write(tmp, text))
    }

    /// The files written so far.
    pub fn written(&self) -> &[PathBuf] {
        &self.written
    }

    /// Records exactly this report's files in the mark, and removes the earlier report's files
    /// it did not write again (only files the mark named). Returns the files written.
    pub fn finish(self) -> io::Result<Vec<PathBuf>> {
        if self.mark {
            seal(self.dir, &self.written, self.current.as_deref())?;
        }
        Ok(self.written)
    }
}

/// The files an earlier run listed in the mark.
fn listed(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join(MARK))
        .map(|t| listed_in(&t))
        .unwrap_or_default()
}

/// The files a mark's text lists.
fn listed_in(mark: &str) -> Vec<String> {
    mark.lines()
        .filter_map(|l| l.strip_prefix("  "))
        .map(str::to_string)
        .collect()
}

/// The text of a mark listing `names`.
fn mark_text<S: AsRef<str>>(names: &[S]) -> String {
    let mut mark = MARK_HEADER.to_string();
    for n in names {
        mark.push_str(&format!("  {}\n", n.as_ref()));
    }
    mark
}

/// Records the files of this report in the mark (unless `current`, the mark's text on disk,
/// already lists exactly them), and removes the earlier report's files that this one did not
/// write again. Only files named in the mark are ever removed.
pub fn seal(dir: &Path, written: &[PathBuf], current: Option<&str>) -> io::Result<()> {
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
    // Sorted, as `DirWriter::put_with` lists them: a rerun then finds its mark unchanged.
    let mut names = names;
    names.sort();
    let mark = mark_text(&names);
    if current == Some(mark.as_str()) {
        return Ok(());
    }
    super::outputs::write(&dir.join(MARK), true, |w| w.write_all(mark.as_bytes()))
}

/// Writes every chart (SVG, and PNG when asked) and the reports through `w`, report.html
/// first.
pub fn write(
    w: &mut DirWriter<'_>,
    f: &Forecast,
    png: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let svgs = Chart::render_all(f)?;
    w.put("report.html", &super::html::render(f, &svgs)?)?;
    w.put("report.md", &super::markdown::render(f))?;
    let input = super::Input {
        plan: f.plan,
        summary: f.summary,
        file: f.file,
        details: Some(f.details),
        run: super::RunInfo::default(),
    };
    w.put("summary.csv", &super::csv::render(&input))?;
    w.put("drivers.csv", &super::csv::render_drivers(f))?;
    for (chart, svg) in &svgs {
        let stem = chart.stem(f.plan);
        w.put(&format!("{stem}.svg"), svg)?;
        if png {
            w.put_with(&format!("{stem}.png"), |tmp| {
                chart
                    .png(f, tmp)
                    .map_err(|e| io::Error::other(e.to_string()))
            })?;
        }
    }
    Ok(())
}

fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

/// Writes the forecast history charts, `history-<milestone>.svg` (and `.png` when asked),
/// through `w`: one per milestone of `plan` that the history mentions.
pub fn write_history(
    w: &mut DirWriter<'_>,
    plan: &crate::model::Plan,
    rows: &[super::history::Row],
    png: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    use super::charts;
    for (m, ms) in plan.milestones().iter().enumerate() {
        if !rows.iter().any(|r| r.milestone == ms.id) {
            continue;
        }
        let stem = format!("history-{}", ms.id);
        let svg = charts::to_svg(|root| charts::history(root, plan, rows, m))?;
        w.put(&format!("{stem}.svg"), &svg)?;
        if png {
            w.put_with(&format!("{stem}.png"), |tmp| {
                charts::to_png(tmp, |root| charts::history(root, plan, rows, m)).map_err(other)
            })?;
        }
    }
    Ok(())
}

/// Writes a comparison's report through `w`: the overlaid S-curves of every milestone, the
/// trade-off chart of `milestone`, `compare.md` and `compare.json` (and PNGs of the charts).
pub fn write_compare(
    w: &mut DirWriter<'_>,
    c: &crate::analysis::compare::Comparison,
    milestones: &[String],
    axis: &crate::analysis::compare::TradeoffAxis,
    png: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    use super::charts::{overlay, to_png, to_svg, tradeoff};
    for id in c.milestone_ids() {
        w.put(
            &format!("s-curves-{id}.svg"),
            &to_svg(|root| overlay(root, c, &id))?,
        )?;
    }
    for milestone in milestones {
        w.put(
            &format!("tradeoff-{milestone}.svg"),
            &to_svg(|root| tradeoff(root, c, milestone, axis))?,
        )?;
    }
    w.put("compare.md", &super::compare::markdown(c))?;
    w.put("compare.json", &super::compare::json(c))?;
    if png {
        for id in c.milestone_ids() {
            w.put_with(&format!("s-curves-{id}.png"), |tmp| {
                to_png(tmp, |root| overlay(root, c, &id)).map_err(other)
            })?;
        }
        for milestone in milestones {
            w.put_with(&format!("tradeoff-{milestone}.png"), |tmp| {
                to_png(tmp, |root| tradeoff(root, c, milestone, axis)).map_err(other)
            })?;
        }
    }
    Ok(())
}

/// Writes a sweep's report through `w`: `sweep.svg` and `sweep.csv` (and `sweep.png`).
pub fn write_sweep(
    w: &mut DirWriter<'_>,
    s: &crate::analysis::sweep::Sweep,
    png: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    use super::charts::{sweep, to_png, to_svg};
    w.put("sweep.svg", &to_svg(|root| sweep(root, s))?)?;
    w.put("sweep.csv", &super::compare::sweep_csv(s))?;
    if png {
        w.put_with("sweep.png", |tmp| {
            to_png(tmp, |root| sweep(root, s)).map_err(other)
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mark_lists_each_file_before_it_is_written_and_an_interrupted_report_stays_ours() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("report");
        assert!(prepare(&dir, false).unwrap());
        assert!(!dir.exists(), "prepare only checks");
        let calls = std::cell::Cell::new(0);
        let stop = || {
            calls.set(calls.get() + 1);
            calls.get() > 2
        };
        let mut w = DirWriter::begin(&dir, true, &stop).unwrap();
        assert_eq!(listed(&dir), Vec::<String>::new());
        w.put("report.html", "<html>").unwrap();
        assert_eq!(listed(&dir), ["report.html"]);
        w.put_with("report.md", |tmp| {
            // While a file is written, the mark already names it.
            assert_eq!(listed(tmp.parent().unwrap()), ["report.html", "report.md"]);
            std::fs::write(tmp, "# r")
        })
        .unwrap();
        let err = w.put("summary.csv", "x").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::Interrupted);
        // The interrupted report is complete file by file, and still shipcast's.
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, [MARK, "report.html", "report.md"]);
        assert!(prepare(&dir, false).unwrap());
        // The next report replaces it and removes what it no longer writes.
        let never = || false;
        let mut w = DirWriter::begin(&dir, true, &never).unwrap();
        w.put("report.html", "<html>2").unwrap();
        w.finish().unwrap();
        assert_eq!(listed(&dir), ["report.html"]);
        assert!(!dir.join("report.md").exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_directory_that_cannot_be_written_is_refused_before_any_work() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let ro = root.path().join("ro");
        std::fs::create_dir(&ro).unwrap();
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
        // root ignores permissions: the check only means something for other users.
        let writable_anyway = tempfile::tempfile_in(&ro).is_ok();
        if !writable_anyway {
            assert!(matches!(prepare(&ro, false), Err(DirError::Io(..))));
            assert!(matches!(
                prepare(&ro.join("sub"), false),
                Err(DirError::Io(..))
            ));
        }
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
        let file = root.path().join("f");
        std::fs::write(&file, "").unwrap();
        assert!(matches!(prepare(&file, false), Err(DirError::NotADir(_))));
        assert!(matches!(
            prepare(&file.join("sub"), false),
            Err(DirError::NotADir(_))
        ));
    }
}
