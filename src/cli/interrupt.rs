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

/// Prints the closing line of an interrupted command and returns its exit code; the handler
/// stays quiet from then on.
pub fn finish() -> i32 {
    let guard = LAST_WORD.lock().unwrap_or_else(|e| e.into_inner());
    super::say_raw(&message());
    std::mem::forget(guard);
    EXIT_INTERRUPTED
}

/// What an interrupted command kept: `interrupted: nothing written`, or the files written and
/// the outputs not written.
pub fn message() -> String {
    let written: Vec<PathBuf> = outputs::written()
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| !n.to_string_lossy().starts_with('.'))
        })
        .collect();
    let planned = PLANNED.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let missing: Vec<String> = planned
        .iter()
        .filter(|p| !written.iter().any(|w| w == *p || w.starts_with(p)))
        .map(|p| p.display().to_string())
        .collect();
    let mut s = if written.is_empty() {
        "interrupted: nothing written".to_string()
    } else {
        let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
        format!("interrupted after writing {}", names.join(", "))
    };
    if !missing.is_empty() && !written.is_empty() {
        s.push_str(&format!("; not written: {}", missing.join(", ")));
    }
    s.push('\n');
    s
}
