//! Plans from other tools: a CSV task list, Microsoft Project XML (MSPDI), Primavera P6 XER and
//! PSPLIB `.sm` files, each turned into scenario TOML text (with a comment block saying what was
//! read, what was skipped and which uncertainty rule was applied). `pipeline::load` runs that
//! text through the normal loader, so running a source file directly and running its import
//! give the same answer.
//!
//! Every function here is pure: bytes in, a [`Imported`] plan or an [`ImportError`] out. The
//! importers check what the generated scenario's diagnostics could only point at in generated
//! text (unknown link targets, cycles), naming the source file, its line or row, and the task.

pub mod csv;
pub mod mspdi;
pub mod psplib;
pub mod throughput;
pub mod toml_out;
pub mod xer;

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use jiff::civil::{Date, DateTime};

use crate::model::calendar::Calendar;
pub use crate::scenario::raw::LinkKind;

/// The formats shipcast reads plans from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A shipcast scenario: not an import.
    Toml,
    Csv,
    Mspdi,
    Xer,
    Psplib,
}

impl Format {
    pub fn label(self) -> &'static str {
        match self {
            Format::Toml => "shipcast scenario (TOML)",
            Format::Csv => "CSV task list",
            Format::Mspdi => "Microsoft Project XML (MSPDI)",
            Format::Xer => "Primavera P6 XER",
            Format::Psplib => "PSPLIB single-mode RCPSP (.sm)",
        }
    }

    /// `--from` values.
    pub fn parse(s: &str) -> Option<Format> {
        Some(match s.to_ascii_lowercase().as_str() {
            "toml" => Format::Toml,
            "csv" => Format::Csv,
            "mspdi" | "xml" | "msproject" | "project" => Format::Mspdi,
            "xer" | "p6" | "primavera" => Format::Xer,
            "psplib" | "sm" => Format::Psplib,
            _ => return None,
        })
    }

    /// The format a file's extension names, if any.
    pub fn from_extension(path: &str) -> Option<Format> {
        let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
        Some(match ext.as_str() {
            "toml" => Format::Toml,
            "csv" | "tsv" => Format::Csv,
            "xml" => Format::Mspdi,
            "xer" => Format::Xer,
            "sm" => Format::Psplib,
            _ => return None,
        })
    }
}

/// Whether `path` names a plan shipcast imports (by its extension) rather than a scenario.
pub fn is_import(path: &str) -> bool {
    matches!(
        Format::from_extension(path),
        Some(Format::Csv | Format::Mspdi | Format::Xer | Format::Psplib)
    )
}

/// What the content of a file looks like, to catch a wrong extension or `--from`.
pub fn sniff(bytes: &[u8]) -> Option<Format> {
    let head = &bytes[..bytes.len().min(4096)];
    let text = String::from_utf8_lossy(head);
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with("ERMHDR") {
        Some(Format::Xer)
    } else if t.starts_with('<') {
        t.contains("schemas.microsoft.com/project")
            .then_some(Format::Mspdi)
            .or(Some(Format::Mspdi).filter(|_| t.contains("<Project")))
    } else if t.starts_with("****") && text.contains("jobs (incl. supersource/sink") {
        Some(Format::Psplib)
    } else if t.starts_with("[[task]]") || t.starts_with("[project]") || t.starts_with('#') {
        Some(Format::Toml)
    } else {
        None
    }
}

/// How durations get their uncertainty when the source gives one number per task.
#[derive(Debug, Clone, PartialEq)]
pub enum Uncertainty {
    /// Every duration fixed at its planned value (what `import --check` uses).
    None,
    /// `[planned x (1 + low), planned, planned x (1 + high)]`, e.g. -10%, +30%.
    Percent { low: f64, high: f64 },
}

impl Default for Uncertainty {
    fn default() -> Self {
        Uncertainty::Percent {
            low: -0.10,
            high: 0.30,
        }
    }
}

impl Uncertainty {
    /// `--uncertainty -10%,+30%` (or `none`).
    pub fn parse(s: &str) -> Result<Uncertainty, String> {
        if s.trim().eq_ignore_ascii_case("none") {
            return Ok(Uncertainty::None);
        }
        let usage = "write LOW%,HIGH%, e.g. -10%,+30%, or none";
        let (a, b) = s.split_once(',').ok_or_else(|| format!("`{s}`: {usage}"))?;
        let pct = |x: &str| -> Result<f64, String> {
            let v: f64 = x
                .trim()
                .trim_end_matches('%')
                .trim_start_matches('+')
                .parse()
                .map_err(|_| format!("`{x}` is not a percentage: {usage}"))?;
            Ok(v / 100.0)
        };
        let (low, high) = (pct(a)?, pct(b)?);
        if !(low <= 0.0 && low > -1.0 && high >= 0.0 && high.is_finite()) {
            return Err(format!(
                "`{s}`: the low side must be in (-100%, 0%] and the high side at least 0%"
            ));
        }
        Ok(Uncertainty::Percent { low, high })
    }

    pub fn describe(&self) -> String {
        match self {
            Uncertainty::None => "none: every duration is fixed at its planned value".into(),
            Uncertainty::Percent { low, high } => format!(
                "[planned {:+}%, planned, planned {:+}%] (--uncertainty {:+}%,{:+}%), read as PERT",
                round(low * 100.0, 4),
                round(high * 100.0, 4),
                round(low * 100.0, 4),
                round(high * 100.0, 4)
            ),
        }
    }
}

/// What an import is asked to do beyond reading.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The format, when `--from` names one; else chosen by extension and content.
    pub from: Option<Format>,
    /// A custom duration field holding each task's low (optimistic) duration.
    pub low_field: Option<String>,
    /// A custom duration field holding each task's high (pessimistic) duration.
    pub high_field: Option<String>,
    pub uncertainty: Uncertainty,
}

/// A problem with a source file: where it is and what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportError {
    pub path: String,
    /// 1-based line (or CSV row), when known.
    pub line: Option<usize>,
    /// 1-based column (or the CSV column's name), when known.
    pub column: Option<String>,
    pub message: String,
    pub hint: Option<String>,
}

impl ImportError {
    pub fn new(path: &str, message: impl Into<String>) -> ImportError {
        ImportError {
            path: path.to_string(),
            line: None,
            column: None,
            message: message.into(),
            hint: None,
        }
    }
    pub fn at(mut self, line: usize) -> ImportError {
        self.line = Some(line);
        self
    }
    pub fn col(mut self, column: impl Into<String>) -> ImportError {
        self.column = Some(column.into());
        self
    }
    pub fn hint(mut self, hint: impl Into<String>) -> ImportError {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        if let Some(c) = &self.column {
            write!(f, ", column {c}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ImportError {}

/// A duration as imported, in working days.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dur {
    Fixed(f64),
    Three(f64, f64, f64),
}

impl Dur {
    pub fn likely(self) -> f64 {
        match self {
            Dur::Fixed(x) | Dur::Three(_, x, _) => x,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// The predecessor's id.
    pub target: String,
    pub kind: LinkKind,
    /// Working days; negative is a lead.
    pub lag: f64,
}

/// Work in flight, as the scenario language says it.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Progress {
    #[default]
    None,
    Done {
        started: Option<Date>,
        finished: Date,
    },
    Started {
        started: Date,
        /// Working days left at the status date (the uncertainty rule applies to it).
        remaining: f64,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub id: String,
    pub name: String,
    /// Where the task is in the source: `line 12`, `row 4`, `job 7`.
    pub at: String,
    /// The planned (likely) duration, in working days.
    pub planned: f64,
    /// Low and high from custom fields or CSV columns, when the source gives them.
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub milestone: bool,
    pub after: Vec<Link>,
    pub success: Option<f64>,
    pub attempts: Option<i64>,
    pub fallback: Option<String>,
    pub cost: Option<f64>,
    pub calibration: Option<String>,
    /// Shared resources the task holds while it runs: (resource id, amount).
    pub uses: Vec<(String, f64)>,
    pub progress: Progress,
    /// A comment line above the task (its WBS, its source calendar, ...).
    pub note: Option<String>,
    /// The source tool's scheduled start and finish, for `import --check`.
    pub scheduled: Option<(DateTime, DateTime)>,
}

impl Task {
    pub fn new(id: impl Into<String>, at: impl Into<String>) -> Task {
        let id = id.into();
        Task {
            name: id.clone(),
            id,
            at: at.into(),
            planned: 0.0,
            low: None,
            high: None,
            milestone: false,
            after: vec![],
            success: None,
            attempts: None,
            fallback: None,
            cost: None,
            calibration: None,
            uses: vec![],
            progress: Progress::None,
            note: None,
            scheduled: None,
        }
    }

    /// The duration the scenario gets: the source's three points, or the rule applied to the
    /// planned value.
    pub fn duration(&self, rule: &Uncertainty) -> Dur {
        let m = self.planned;
        match (self.low, self.high, rule) {
            (Some(l), Some(h), _) => Dur::Three(l.min(m), m, h.max(m)),
            (_, _, Uncertainty::None) => Dur::Fixed(m),
            (low, high, Uncertainty::Percent { low: a, high: b }) => {
                let l = low.unwrap_or(m * (1.0 + a)).min(m);
                let h = high.unwrap_or(m * (1.0 + b)).max(m);
                if l == h {
                    Dur::Fixed(m)
                } else {
                    Dur::Three(l, m, h)
                }
            }
        }
    }
}

/// Hours of a working day, as minute ranges from midnight: what turns a time of day into a
/// share of the working day.
#[derive(Debug, Clone, PartialEq)]
pub struct DayHours(pub Vec<(u32, u32)>);

impl Default for DayHours {
    fn default() -> Self {
        DayHours(vec![(8 * 60, 12 * 60), (13 * 60, 17 * 60)])
    }
}

impl DayHours {
    /// The share of the working day done by `minute` (0 at its start, 1 at its end).
    pub fn share(&self, minute: u32) -> f64 {
        let total: u32 = self.0.iter().map(|(a, b)| b.saturating_sub(*a)).sum();
        if total == 0 {
            return 0.0;
        }
        let done: u32 = self
            .0
            .iter()
            .map(|&(a, b)| minute.clamp(a, b).saturating_sub(a))
            .sum();
        f64::from(done) / f64::from(total)
    }
}

/// A plan read from another tool, before it is written as scenario TOML.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    /// The source file as the user named it.
    pub source: String,
    pub format: Format,
    pub name: String,
    pub calendar: Calendar,
    pub hours: DayHours,
    pub status_date: Option<Date>,
    pub tasks: Vec<Task>,
    /// What was read, one line each, for the comment block.
    pub read: Vec<String>,
    /// What was skipped and why.
    pub skipped: Vec<String>,
    pub uncertainty: Uncertainty,
    /// Whether the durations came from low/high fields or columns (named here).
    pub fields: Option<String>,
    /// PSPLIB's longest path (MPM-Time), the finish `import --check` expects.
    pub expected_finish: Option<f64>,
    /// Shared resources: (id, capacity).
    pub resources: Vec<(String, f64)>,
}

impl Imported {
    pub fn new(source: &str, format: Format) -> Imported {
        Imported {
            source: source.to_string(),
            format,
            name: String::new(),
            calendar: Calendar::default(),
            hours: DayHours::default(),
            status_date: None,
            tasks: vec![],
            read: vec![],
            skipped: vec![],
            uncertainty: Uncertainty::default(),
            fields: None,
            expected_finish: None,
            resources: vec![],
        }
    }

    /// The working-day time of a date and time of day on this plan's calendar (None without a
    /// start date).
    pub fn time(&self, at: DateTime) -> Option<f64> {
        let day = self.calendar.start_time(at.date())?;
        if !self.calendar.is_working(at.date()) {
            return Some(day);
        }
        let minute = at.hour() as u32 * 60 + at.minute() as u32;
        Some(day + self.hours.share(minute))
    }

    /// The scenario text.
    pub fn to_toml(&self) -> String {
        toml_out::write(self)
    }
}

/// Reads a plan from bytes: the format from `options.from`, else from the extension, checked
/// against the content.
pub fn import(path: &str, bytes: &[u8], options: &Options) -> Result<Imported, ImportError> {
    let by_ext = Format::from_extension(path);
    let by_content = sniff(bytes);
    let format = match (options.from, by_ext, by_content) {
        (Some(f), _, _) => f,
        (None, Some(Format::Csv), _) => Format::Csv,
        (None, Some(e), Some(c)) if e != c => {
            return Err(ImportError::new(
                path,
                format!(
                    "the name says {} but the content looks like {}",
                    e.label(),
                    c.label()
                ),
            )
            .hint("rename the file, or say which it is with --from csv|mspdi|xer|psplib"));
        }
        (None, Some(e), _) => e,
        (None, None, Some(c)) => c,
        (None, None, None) => {
            return Err(
                ImportError::new(path, "cannot tell which kind of plan this is")
                    .hint("name it .csv, .xml (MSPDI), .xer or .sm, or pass --from"),
            );
        }
    };
    let mut plan = match format {
        Format::Csv => csv::read(path, bytes, options)?,
        Format::Mspdi => mspdi::read(path, bytes, options)?,
        Format::Xer => xer::read(path, bytes, options)?,
        Format::Psplib => psplib::read(path, bytes, options)?,
        Format::Toml => {
            return Err(
                ImportError::new(path, "this is a shipcast scenario already")
                    .hint("run it directly: there is nothing to import"),
            );
        }
    };
    plan.uncertainty = options.uncertainty.clone();
    check_numbers(&plan)?;
    check_links(&plan)?;
    Ok(plan)
}

/// Unknown link targets and cycles, named in the source's terms.
/// Durations, lags and costs the scenario language accepts (finite; at most 1e9 working days,
/// 1e15 for a cost), refused at the task in the source rather than in the generated text.
fn check_numbers(plan: &Imported) -> Result<(), ImportError> {
    use crate::scenario::raw::{MAX_DAYS, MAX_NUMBER};
    for t in &plan.tasks {
        let remaining = match t.progress {
            Progress::Started { remaining, .. } => Some(remaining),
            _ => None,
        };
        let days = [Some(t.planned), t.low, t.high, remaining]
            .into_iter()
            .flatten()
            .chain(t.after.iter().map(|l| l.lag));
        let bad = |x: f64, max: f64| !x.is_finite() || x.abs() > max;
        let problem = if let Some(x) = days.into_iter().find(|&x| bad(x, MAX_DAYS)) {
            Some(format!(
                "a duration or lag of {x:.3e} working days, above the most shipcast accepts (1e9)"
            ))
        } else {
            t.cost
                .filter(|&c| bad(c, MAX_NUMBER))
                .map(|c| format!("a cost of {c:.3e}, above the most shipcast accepts (1e15)"))
        };
        if let Some(p) = problem {
            return Err(ImportError::new(
                &plan.source,
                format!("{}: task `{}` ({}) has {p}", t.at, t.id, t.name),
            )
            .hint("check the value and its unit in the source plan"));
        }
    }
    Ok(())
}

fn check_links(plan: &Imported) -> Result<(), ImportError> {
    let index: HashMap<&str, usize> = plan
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.as_str(), i))
        .collect();
    for t in &plan.tasks {
        for l in &t.after {
            if !index.contains_key(l.target.as_str()) {
                return Err(ImportError::new(
                    &plan.source,
                    format!(
                        "{}: task `{}` ({}) waits for `{}`, which is not a task of this plan",
                        t.at, t.id, t.name, l.target
                    ),
                )
                .hint("fix the predecessor's id, or remove the link"));
            }
        }
    }
    // Kahn's algorithm; what is left lies on or behind a cycle.
    let n = plan.tasks.len();
    let mut indeg = vec![0usize; n];
    let mut succ: Vec<Vec<usize>> = vec![vec![]; n];
    for (i, t) in plan.tasks.iter().enumerate() {
        for l in &t.after {
            let p = index[l.target.as_str()];
            succ[p].push(i);
            indeg[i] += 1;
        }
    }
    let mut queue: Vec<usize> = (0..n).filter(|&i| indeg[i] == 0).collect();
    let mut seen = 0;
    while let Some(i) = queue.pop() {
        seen += 1;
        for &s in &succ[i] {
            indeg[s] -= 1;
            if indeg[s] == 0 {
                queue.push(s);
            }
        }
    }
    if seen < n {
        // Walk predecessors inside the remainder until one repeats: that is a cycle.
        let left: Vec<bool> = indeg.iter().map(|&d| d > 0).collect();
        let mut at = (0..n).find(|&i| left[i]).unwrap_or(0);
        let mut path: Vec<usize> = vec![];
        let mut pos: BTreeMap<usize, usize> = BTreeMap::new();
        while !pos.contains_key(&at) {
            pos.insert(at, path.len());
            path.push(at);
            let next = plan.tasks[at]
                .after
                .iter()
                .map(|l| index[l.target.as_str()])
                .find(|&p| left[p]);
            match next {
                Some(p) => at = p,
                None => break,
            }
        }
        let start = pos.get(&at).copied().unwrap_or(0);
        let mut cycle: Vec<String> = path[start..]
            .iter()
            .rev()
            .map(|&i| format!("`{}` ({})", plan.tasks[i].id, plan.tasks[i].at))
            .collect();
        if let Some(first) = cycle.first().cloned() {
            cycle.push(first);
        }
        return Err(ImportError::new(
            &plan.source,
            format!("the links form a cycle: {}", cycle.join(" -> ")),
        )
        .hint("remove one of these links in the source plan"));
    }
    Ok(())
}

/// A usable scenario id from a source's identifier: whitespace and commas become `_`.
pub fn clean_id(s: &str) -> String {
    let t: String = s
        .trim()
        .chars()
        .map(|c| {
            if c.is_whitespace() || c == ',' {
                '_'
            } else {
                c
            }
        })
        .collect();
    if t.is_empty() { "_".into() } else { t }
}

/// Rounds to `digits` decimals (for readable generated text).
pub fn round(x: f64, digits: i32) -> f64 {
    let k = 10f64.powi(digits);
    let r = (x * k).round() / k;
    if r == 0.0 { 0.0 } else { r }
}

/// A date and time written as `2027-01-04T08:00:00`, `2027-01-04 08:00` or `2027-01-04`.
pub fn parse_datetime(s: &str) -> Option<DateTime> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let s = s.replacen(' ', "T", 1);
    if let Ok(dt) = s.parse::<DateTime>() {
        return Some(dt);
    }
    s.parse::<Date>().ok().map(|d| d.at(0, 0, 0, 0))
}

/// Summary tasks' links carried to their leaves, as Project does: a link into a summary binds
/// each of its leaves; a finish link out of one waits for all its leaves, a start link for the
/// leaves that start it (those with no predecessor inside it). `children[i]` lists the leaf
/// descendants of summary `i` (by id) and which of them start it.
pub fn carry_summary_links(
    tasks: &mut [Task],
    summaries: &BTreeMap<String, (Vec<String>, Vec<String>)>,
    summary_links: &[(String, Link)],
) {
    let expand = |l: &Link| -> Vec<Link> {
        match summaries.get(&l.target) {
            None => vec![l.clone()],
            Some((leaves, starters)) => {
                let from = match l.kind {
                    LinkKind::SS | LinkKind::SF => starters,
                    LinkKind::FS | LinkKind::FF => leaves,
                };
                from.iter()
                    .map(|t| Link {
                        target: t.clone(),
                        ..l.clone()
                    })
                    .collect()
            }
        }
    };
    let index: HashMap<String, usize> = tasks
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.clone(), i))
        .collect();
    for t in tasks.iter_mut() {
        let links = std::mem::take(&mut t.after);
        for l in &links {
            t.after.extend(expand(l));
        }
    }
    for (summary, link) in summary_links {
        if let Some((leaves, _)) = summaries.get(summary) {
            for leaf in leaves {
                if let Some(&i) = index.get(leaf) {
                    for l in expand(link) {
                        if l.target != *leaf && !tasks[i].after.contains(&l) {
                            tasks[i].after.push(l);
                        }
                    }
                }
            }
        }
    }
}

/// Links into work in flight that the scenario language cannot hold are dropped, and said so:
/// a started or done task whose predecessor is not done (not started, for start-to-start), or
/// that started before its finish-to-start predecessor finished (progress out of sequence).
pub fn drop_out_of_sequence(plan: &mut Imported) {
    #[derive(Clone, Copy)]
    struct State {
        done: Option<Date>,
        begun: bool,
    }
    let state_of = |t: &Task| match &t.progress {
        Progress::Done { finished, .. } => State {
            done: Some(*finished),
            begun: true,
        },
        Progress::Started { .. } => State {
            done: None,
            begun: true,
        },
        Progress::None => State {
            done: None,
            begun: false,
        },
    };
    let state: HashMap<String, State> = plan
        .tasks
        .iter()
        .map(|t| (t.id.clone(), state_of(t)))
        .collect();
    let mut dropped = vec![];
    for t in &mut plan.tasks {
        let started = match &t.progress {
            Progress::None => continue,
            Progress::Done { started, .. } => *started,
            Progress::Started { started, .. } => Some(*started),
        };
        let id = t.id.clone();
        t.after.retain(|l| {
            let Some(p) = state.get(&l.target).copied() else {
                return true;
            };
            let ok = match l.kind {
                LinkKind::SS => p.begun,
                LinkKind::FS => match (p.done, started) {
                    (Some(f), Some(s)) => s > f,
                    (Some(_), None) => true,
                    (None, _) => false,
                },
                LinkKind::FF | LinkKind::SF => p.done.is_some(),
            };
            if !ok {
                dropped.push(format!("{} -> {}", l.target, id));
            }
            ok
        });
    }
    if !dropped.is_empty() {
        plan.skipped.push(format!(
            "{} link(s) into work under way that progress contradicts (a predecessor not done, \
             or the task started before it finished: out of sequence): {}",
            dropped.len(),
            dropped.join(", ")
        ));
    }
}
