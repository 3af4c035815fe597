//! `shipcast import FILE [-o plan.toml]` and `import --check`, and the flags every command that
//! loads a plan takes to read one from another tool (`--from`, `--uncertainty`, `--low-field`,
//! `--high-field`).

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{EXIT_BAD_INPUT, EXIT_OK, Failure};
use crate::import::{self, Format, Uncertainty};
use crate::pipeline;
use crate::report;

/// How a plan from another tool is read (CSV, MSPDI, XER, PSPLIB).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ImportArgs {
    /// The source format, when the extension does not say or says wrong: toml, csv, mspdi, xer
    /// or psplib [default: by extension (.csv, .xml, .xer, .sm), checked against the content].
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    pub from: Option<Format>,
    /// For imported plans: the uncertainty of a task with one planned duration, LOW%,HIGH%
    /// around it, or none.
    #[arg(long, value_name = "LOW%,HIGH%", value_parser = Uncertainty::parse, allow_hyphen_values = true, default_value = "-10%,+30%")]
    pub uncertainty: Uncertainty,
    /// For imported plans: the custom duration field holding each task's low (optimistic)
    /// duration (e.g. Duration1 in MSPDI, a user field's label in XER).
    #[arg(long, value_name = "FIELD")]
    pub low_field: Option<String>,
    /// For imported plans: the custom duration field holding each task's high (pessimistic)
    /// duration (e.g. Duration2).
    #[arg(long, value_name = "FIELD")]
    pub high_field: Option<String>,
}

fn parse_format(s: &str) -> Result<Format, String> {
    Format::parse(s).ok_or_else(|| format!("`{s}`: use toml, csv, mspdi, xer or psplib"))
}

impl ImportArgs {
    pub fn options(&self) -> import::Options {
        import::Options {
            from: self.from,
            low_field: self.low_field.clone(),
            high_field: self.high_field.clone(),
            uncertainty: self.uncertainty.clone(),
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct ImportCmd {
    /// The plan to import: .csv, .xml (Microsoft Project MSPDI), .xer (Primavera P6) or .sm
    /// (PSPLIB).
    pub file: PathBuf,
    /// Write the scenario to this file instead of stdout (refused if it exists, unless --force).
    #[arg(short, long, value_name = "FILE.toml")]
    pub output: Option<PathBuf>,
    /// Replace the -o file when it exists.
    #[arg(long)]
    pub force: bool,
    /// Compare shipcast's schedule of the plan, every duration fixed, with the dates the source
    /// tool scheduled, task by task; exit 1 when they differ.
    #[arg(long, conflicts_with = "output")]
    pub check: bool,
    #[command(flatten)]
    pub import: ImportArgs,
}

pub fn import(args: &ImportCmd, out: &mut dyn Write) -> Result<i32, Failure> {
    let options = args.import.options();
    if args.check {
        let check = pipeline::imports::import_check(&args.file, &options)?;
        out.write_all(report::imports::render_check(&check).as_bytes())?;
        return Ok(if check.passes() { EXIT_OK } else { 1 });
    }
    if let Some(path) = &args.output {
        super::refuse_existing(path, args.force)?;
        let output = super::Output {
            flag: "--output",
            path: path.clone(),
            existing: super::Existing::Checked,
        };
        super::check_outputs(&[output], &[], &[args.file.as_path()], args.force)?;
    }
    let imported = pipeline::load::import_file(&args.file, &options)?;
    let text = imported.to_toml();
    // The scenario must load: a problem here is shipcast's, but say it plainly.
    if let Err(e) = pipeline::load_all_str(&format!("{} (imported)", args.file.display()), &text) {
        return Err(Failure {
            message: e.render(),
            code: EXIT_BAD_INPUT,
        });
    }
    match &args.output {
        None => out.write_all(text.as_bytes())?,
        Some(path) => {
            write_atomically(path, &text, args.force)?;
            sayln!(
                "wrote {} ({} tasks); next: shipcast run {}",
                path.display(),
                imported.tasks.len(),
                path.display()
            );
        }
    }
    Ok(EXIT_OK)
}

/// Writes the whole text to a temporary file beside `path`, then moves it into place (without
/// `--force`, only where nothing exists).
fn write_atomically(path: &Path, text: &str, force: bool) -> Result<(), Failure> {
    crate::report::outputs::write(path, force, |w| w.write_all(text.as_bytes()))
        .map_err(|e| super::write_failure(path, e))
}
