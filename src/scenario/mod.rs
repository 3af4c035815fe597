//! Scenario files in, validated plans out.
//!
//! Parse, then validate: [`toml::parse`] reads the text into a [`raw::RawScenario`] that keeps
//! the span of every value, and [`crate::model::build`] checks it against itself. Both collect
//! every problem they find as a [`diag::Diagnostic`]; [`LoadError::render`] is the one place that
//! turns them into `file:line:col` messages with the offending text and a hint.

pub mod diag;
pub mod raw;
pub mod toml;

use std::path::Path;

use crate::model::{self, Plan};
use diag::Diagnostic;

/// The commented starter scenario that `shipcast init` prints.
pub const STARTER: &str = include_str!("../../scenarios/ai-assistant.toml");

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {} problem(s) found", diagnostics.len())]
    Invalid {
        path: String,
        text: String,
        diagnostics: Vec<Diagnostic>,
    },
}

impl LoadError {
    /// Every problem, rendered with its file, line, column, the text at fault and a hint.
    pub fn render(&self) -> String {
        match self {
            LoadError::Io { .. } => format!("error: {self}\n"),
            LoadError::Invalid {
                path,
                text,
                diagnostics,
            } => {
                let mut out: String = diagnostics
                    .iter()
                    .map(|d| diag::render(path, text, d) + "\n")
                    .collect();
                let n = diagnostics.len();
                out.push_str(&format!(
                    "{path}: {n} problem{} found\n",
                    if n == 1 { "" } else { "s" }
                ));
                out
            }
        }
    }
}

/// Reads and validates a scenario file.
pub fn load(path: &Path) -> Result<Plan, LoadError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: shown.clone(),
        source,
    })?;
    load_str(&shown, &text)
}

/// Validates scenario text; `path` is only used in messages.
pub fn load_str(path: &str, text: &str) -> Result<Plan, LoadError> {
    let invalid = |diagnostics| LoadError::Invalid {
        path: path.to_string(),
        text: text.to_string(),
        diagnostics,
    };
    let (raw, mut diagnostics) = toml::parse(text).map_err(invalid)?;
    match model::build(&raw) {
        Ok(plan) if diagnostics.is_empty() => Ok(plan),
        Ok(_) => Err(invalid(diagnostics)),
        Err(mut more) => {
            diagnostics.append(&mut more);
            diagnostics.sort_by_key(|d| d.span.start);
            Err(invalid(diagnostics))
        }
    }
}
