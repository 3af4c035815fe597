//! Scenario files in, validated plans out.
//!
//! Parse, then validate: [`toml::parse`] reads the text into a [`raw::RawScenario`] that keeps
//! the span of every value, and `model::build` checks it against itself (the two steps are
//! joined in [`crate::pipeline::load`], which sees both). Both collect
//! every problem they find as a [`diag::Diagnostic`]; [`LoadError::render`] is the one place that
//! turns them into `file:line:col` messages with the offending text and a hint.

pub mod diag;
pub mod raw;
pub mod toml;

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
    /// A plan from another tool that could not be imported (the message names the file, its
    /// line or row and column).
    #[error("{message}")]
    Import {
        message: String,
        hint: Option<String>,
    },
}

impl LoadError {
    /// Every problem, rendered with its file, line, column, the text at fault and a hint.
    pub fn render(&self) -> String {
        match self {
            LoadError::Io { .. } => format!("error: {self}\n"),
            LoadError::Import { message, hint } => match hint {
                Some(h) => format!("error: {message}\n  = hint: {h}\n"),
                None => format!("error: {message}\n"),
            },
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
