//! Ctrl-C (SIGINT) and SIGTERM: stop within a second, keep whole files only, say what was kept.
//!
//! The handler asks the pipeline to stop ([`pipeline::interrupt`]): the simulation notices
//! between steps, a report between files, `--samples` every few thousand rows, and the command
//! returns [`EXIT_INTERRUPTED`] through the usual path, temporary files dropped (and so removed)
//! on the way. Work that has no such checks (the drivers' what-if reruns, sorting a very long run,
//! writing to a slow pipe) is cut short by the handler itself after [`GRACE`]: it removes the
//! temporary files still being written and exits. Either way, exactly one of the two prints the
//! closing line.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use crate::pipeline;
use crate::report::outputs;

/// The exit code of an interrupted command (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: i32 = 130;

/// How long the command has to stop by itself before the handler ends it.
const GRACE: Duration = Duration::from_millis(700);

/// Held by whichever of the command and the handler says the last word.
static LAST_WORD: Mutex<()> = Mutex::new(());
/// The outputs the command meant to write (files, and report directories).
static PLANNED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// The report directories written to the end.
static COMPLETE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Installs the handler (once, at start).
pub fn install() {
    let _ = ctrlc::set_handler(|| {
        pipeline::interrupt();
        std::thread::sleep(GRACE);
        if let Ok(guard) = LAST_WORD.try_lock() {
            outputs::remove_temps();
            super::say_raw(&message());
            std::mem::forget(guard);
            std::process::exit(EXIT_INTERRUPTED);
        }
    });
}

/// Records an output the command will write, for the closing line.
pub fn plan(path: &Path) {
    PLANNED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(path.to_path_buf());
}

/// Records a report directory written to the end.
pub fn complete(dir: &Path) {
    COMPLETE
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(dir.to_path_buf());
}

/// Prints the closing line of an interrupted command and returns its exit code; the handler
/// stays quiet from then on.
pub fn finish() -> i32 {
    let guard = LAST_WORD.lock().unwrap_or_else(|e| e.into_inner());
    super::say_raw(&message());
    std::mem::forget(guard);
    EXIT_INTERRUPTED
}

/// What an interrupted command kept: `interrupted: nothing written`, or the files written (a
/// report directory's counted, and said to be incomplete when it is) and the outputs not
/// written.
pub fn message() -> String {
    let written: Vec<PathBuf> = outputs::written()
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| !n.to_string_lossy().starts_with('.'))
        })
        .collect();
    let planned = PLANNED.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let complete = COMPLETE.lock().unwrap_or_else(|e| e.into_inner()).clone();
    kept(&written, &planned, &complete)
}

/// The closing line from the files written, the outputs planned and the report directories
/// completed.
fn kept(written: &[PathBuf], planned: &[PathBuf], complete: &[PathBuf]) -> String {
    let in_dir = |d: &Path, w: &Path| w.parent() == Some(d);
    let mut parts = Vec::new();
    let mut missing = Vec::new();
    for p in planned {
        let n = written.iter().filter(|w| in_dir(p, w)).count();
        if written.iter().any(|w| w == p) {
            parts.push(p.display().to_string());
        } else if n > 0 {
            let of = if n == 1 { "file" } else { "files" };
            parts.push(if complete.contains(p) {
                format!("the report in {} ({n} {of})", p.display())
            } else {
                format!(
                    "{n} {of} of the report in {}, which is incomplete (a rerun replaces it)",
                    p.display()
                )
            });
        } else {
            missing.push(p.display().to_string());
        }
    }
    for w in written {
        if !planned.iter().any(|p| p == w || in_dir(p, w)) {
            parts.push(w.display().to_string());
        }
    }
    let mut s = if parts.is_empty() {
        "interrupted: nothing written".to_string()
    } else {
        format!("interrupted after writing {}", parts.join(", "))
    };
    if !parts.is_empty() && !missing.is_empty() {
        s.push_str(&format!("; not written: {}", missing.join(", ")));
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_closing_line_says_what_was_kept() {
        let p = PathBuf::from;
        let out = p("out");
        let samples = p("s.csv");
        let planned = [samples.clone(), out.clone()];
        assert_eq!(kept(&[], &planned, &[]), "interrupted: nothing written\n");
        assert_eq!(
            kept(std::slice::from_ref(&samples), &planned, &[]),
            "interrupted after writing s.csv; not written: out\n"
        );
        let report = [out.join("report.html"), out.join("report.md")];
        assert_eq!(
            kept(&report, &planned, &[]),
            "interrupted after writing 2 files of the report in out, which is incomplete (a rerun replaces it); not written: s.csv\n"
        );
        let mut all = report.to_vec();
        all.push(samples);
        assert_eq!(
            kept(&all, &planned, &[out]),
            "interrupted after writing s.csv, the report in out (2 files)\n"
        );
    }
}
