//! Loading: parse, then build. Lives above `scenario` (text to raw values) and `model` (raw values
//! to a valid plan) so that neither needs the other.

use std::path::Path;

use crate::import::{self, Format, ImportError, Imported};
use crate::model::{self, Plan};
use crate::scenario::LoadError;
use crate::scenario::diag::Diagnostic;
use crate::scenario::toml;

/// Reads and validates a scenario file.
pub fn load(path: &Path) -> Result<Plan, LoadError> {
    let shown = path.display().to_string();
    let text = super::input::read_to_string(path).map_err(|source| LoadError::Io {
        path: shown.clone(),
        source,
    })?;
    load_str(&shown, &text)
}

/// Validates scenario text; `path` is only used in messages. Variants are checked too; the
/// base plan is returned.
pub fn load_str(path: &str, text: &str) -> Result<Plan, LoadError> {
    let mut plans = load_all_str(path, text)?;
    Ok(plans.swap_remove(0))
}

/// Reads and validates a scenario file: the base plan, then each variant in file order. Files
/// it names (a backlog's throughput history) are read relative to its directory.
pub fn load_all(path: &Path) -> Result<Vec<Plan>, LoadError> {
    let shown = path.display().to_string();
    let text = super::input::read_to_string(path).map_err(|source| LoadError::Io {
        path: shown.clone(),
        source,
    })?;
    load_all_in(path.parent(), &shown, &text)
}

/// Replaces every backlog's `throughput = { file = ... }` by the items finished per period in
/// that file (relative to `dir`, else to the working directory), or reports why it cannot.
fn read_throughput(
    raw: &mut crate::scenario::raw::RawScenario,
    dir: Option<&Path>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    use crate::import::throughput::{Period, history};
    use crate::scenario::raw::RawThroughput;
    let tasks = raw.tasks.iter_mut().chain(
        raw.variants
            .iter_mut()
            .flat_map(|v| v.scenario.tasks.iter_mut()),
    );
    for t in tasks {
        let Some(b) = t.backlog.as_mut() else {
            continue;
        };
        let per = b
            .value
            .per
            .as_ref()
            .and_then(|p| Period::parse(&p.value))
            .unwrap_or(Period::Week);
        let Some(tp) = b.value.throughput.as_mut() else {
            continue;
        };
        let RawThroughput::File { file, column } = &tp.value else {
            continue;
        };
        let path = match dir {
            Some(d) => d.join(&file.value),
            None => Path::new(&file.value).to_path_buf(),
        };
        let read = std::fs::read(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
            .and_then(|bytes| {
                history(
                    &path.display().to_string(),
                    &bytes,
                    column.as_ref().map(|c| c.value.as_str()),
                    per,
                )
                .map_err(|e| e.to_string())
            });
        match read {
            Ok(h) => tp.value = RawThroughput::Values(h.iter().map(|x| x.1 as f64).collect()),
            Err(message) => {
                let mut d = Diagnostic::new(file.span.clone(), message);
                d.hint = Some(
                    "a CSV with one row per finished item and its finish date (YYYY-MM-DD) in the named column; `shipcast throughput FILE --column COL` shows what it holds".into(),
                );
                diagnostics.push(d);
            }
        }
    }
}

/// The base plan and every variant of scenario text, or every problem in any of them. A
/// variant's problems say which variant they are in; problems of the base are reported once.
pub fn load_all_str(path: &str, text: &str) -> Result<Vec<Plan>, LoadError> {
    load_all_in(None, path, text)
}

/// [`load_all_str`] for a scenario in `dir`, which the files it names are relative to.
fn load_all_in(dir: Option<&Path>, path: &str, text: &str) -> Result<Vec<Plan>, LoadError> {
    let invalid = |mut diagnostics: Vec<Diagnostic>| {
        toml::dedup(&mut diagnostics);
        diagnostics.sort_by_key(|d| d.span.start);
        LoadError::Invalid {
            path: path.to_string(),
            text: text.to_string(),
            diagnostics,
        }
    };
    let (mut raw, mut diagnostics) = toml::parse(text).map_err(invalid)?;
    let before = diagnostics.len();
    read_throughput(&mut raw, dir, &mut diagnostics);
    if diagnostics.len() > before {
        // An unread history would only add "not read" knock-ons below.
        return Err(invalid(diagnostics));
    }
    let mut plans = Vec::new();
    match model::build(&raw) {
        Ok(plan) => plans.push(plan),
        Err(more) => {
            // The variants repeat the base's problems: report the base's alone.
            diagnostics.extend(more);
            return Err(invalid(diagnostics));
        }
    }
    for v in &raw.variants {
        match model::build(&v.scenario) {
            Ok(plan) => plans.push(plan.with_variant(&v.name.value)),
            Err(more) => diagnostics.extend(more.into_iter().map(|mut d| {
                d.message = format!("in variant `{}`: {}", v.name.value, d.message);
                if v.removed
                    .iter()
                    .any(|r| d.message.contains(&format!("`{r}`")))
                {
                    d.hint = Some(format!(
                        "variant `{}` removes it: override what depends on it too",
                        v.name.value
                    ));
                }
                d
            })),
        }
    }
    if diagnostics.is_empty() {
        Ok(plans)
    } else {
        Err(invalid(diagnostics))
    }
}

impl From<ImportError> for LoadError {
    fn from(e: ImportError) -> LoadError {
        LoadError::Import {
            message: e.to_string(),
            hint: e.hint,
        }
    }
}

/// Whether a file is read as a plan from another tool: `--from` names a format other than
/// TOML, or its extension is .csv, .xml, .xer or .sm.
pub fn is_import(path: &Path, options: &import::Options) -> bool {
    match options.from {
        Some(f) => f != Format::Toml,
        None => import::is_import(&path.display().to_string()),
    }
}

/// Reads a plan from another tool (CSV, MSPDI, XER, PSPLIB) into an [`Imported`] plan.
pub fn import_file(path: &Path, options: &import::Options) -> Result<Imported, LoadError> {
    let shown = path.display().to_string();
    let bytes = super::input::read(path).map_err(|source| LoadError::Io {
        path: shown.clone(),
        source,
    })?;
    Ok(import::import(&shown, &bytes, options)?)
}

/// The one loading function of every command: a scenario file, or a plan from another tool
/// imported in memory and loaded as its scenario text (so running the source file and running
/// its import give the same answer). The base plan, then each variant.
pub fn load_all_from(path: &Path, options: &import::Options) -> Result<Vec<Plan>, LoadError> {
    if !is_import(path, options) {
        return load_all(path);
    }
    let imported = import_file(path, options)?;
    let text = imported.to_toml();
    load_all_str(&format!("{} (imported)", path.display()), &text)
}
