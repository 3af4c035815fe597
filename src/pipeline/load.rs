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
    let text = read_text(path)?;
    load_str(&shown, &text)
}

/// The text of a scenario file. UTF-8, with or without a byte-order mark; UTF-16 with a
/// byte-order mark (what Windows editors call "Unicode") is decoded too, and lines and columns
/// in messages are the same in either encoding. Anything else is refused at the line and
/// column of its first byte that is not UTF-8. A FIFO that no process writes is refused
/// instead of waited on.
pub fn read_text(path: &Path) -> Result<String, LoadError> {
    let shown = path.display().to_string();
    let bytes = super::input::read(path).map_err(|source| LoadError::Io {
        path: shown.clone(),
        source,
    })?;
    decode(&shown, bytes)
}

/// [`read_text`] on bytes already read; `path` is only used in messages.
pub fn decode(path: &str, bytes: Vec<u8>) -> Result<String, LoadError> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(&bytes) {
        let (text, malformed) = encoding.decode_without_bom_handling(&bytes[bom..]);
        if !malformed {
            return Ok(text.into_owned());
        }
    }
    match String::from_utf8(bytes) {
        // A NUL is never in a text file: UTF-16 without a byte-order mark, or binary data.
        Ok(text) if text.contains('\0') => {
            let at = text.find('\0').unwrap_or(0);
            Err(LoadError::Invalid {
                path: path.to_string(),
                text: text.clone(),
                diagnostics: vec![
                    Diagnostic::new(at..at + 1, "a NUL byte: this is not a text file, or it is UTF-16 without a byte-order mark")
                        .hint("save the file as UTF-8 (in most editors: Save As, Encoding: UTF-8)"),
                ],
            })
        }
        Ok(text) => Ok(text),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bad = e.as_bytes()[at];
            // The lossy text has the same bytes up to `at`, then U+FFFD (3 bytes).
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            Err(LoadError::Invalid {
                path: path.to_string(),
                text,
                diagnostics: vec![
                    Diagnostic::new(at..at + 3, format!("this byte (0x{bad:02X}) is not UTF-8 text"))
                        .hint("save the file as UTF-8 (in most editors: Save As, Encoding: UTF-8); shipcast reads scenarios as UTF-8 or UTF-16 with a byte-order mark"),
                ],
            })
        }
    }
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
    let text = read_text(path)?;
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
    // What the builder finds inside a table with a misspelled key is a knock-on of it.
    let covered: Vec<std::ops::Range<usize>> = diagnostics
        .iter()
        .filter_map(|d| d.covers.clone())
        .collect();
    let knock_on = |d: &Diagnostic| covered.iter().any(|r| r.contains(&d.span.start));
    let mut plans = Vec::new();
    // One set of PERT tables for the scenario and its variants.
    let mut tables = crate::dist::TableCache::default();
    match model::build_with(&raw, &mut tables) {
        Ok(plan) => plans.push(plan),
        Err(mut more) => {
            more.retain(|d| !knock_on(d));
            // The variants repeat the base's problems: report the base's alone.
            diagnostics.extend(more);
            return Err(invalid(diagnostics));
        }
    }
    for v in &raw.variants {
        match model::build_with(&v.scenario, &mut tables) {
            Ok(plan) => plans.push(plan.with_variant(&v.name.value)),
            Err(more) => {
                diagnostics.extend(more.into_iter().filter(|d| !knock_on(d)).map(|mut d| {
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
                }))
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::Dist;

    /// A scenario's variants use the base's PERT tables (one per shape, computed once), and a
    /// shape only a variant has gets its own.
    #[test]
    fn variants_share_the_base_pert_tables() {
        let text = r#"
[project]
name = "shared tables"
[[task]]
id = "a"
duration = [2, 3, 7]
[[task]]
id = "b"
duration = [1, 4, 5]
after = ["a"]
[variant.slow]
description = "b takes longer"
[[variant.slow.task]]
id = "b"
duration = [2, 8, 10]
"#;
        let plans = load_all_str("t.toml", text).unwrap();
        let table = |plan: &Plan, id: &str| match &plan
            .nodes()
            .iter()
            .find(|n| n.id == id)
            .unwrap()
            .duration
        {
            Dist::Pert { table, .. } => table.clone(),
            other => panic!("{id} is not PERT: {other:?}"),
        };
        let (base, slow) = (&plans[0], &plans[1]);
        assert!(std::sync::Arc::ptr_eq(&table(base, "a"), &table(slow, "a")));
        // [1, 4, 5] and [2, 8, 10] have the same shape (r = 3/4): one table for both.
        assert!(std::sync::Arc::ptr_eq(&table(base, "b"), &table(slow, "b")));
        assert!(!std::sync::Arc::ptr_eq(
            &table(base, "a"),
            &table(base, "b")
        ));
    }
}
