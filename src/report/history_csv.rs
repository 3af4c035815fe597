//! Reading a history of finished work from CSV: one row per task (an estimate and an actual, in
//! any unit) or per project (start, planned end and actual end dates). Any delimiter the `csv`
//! crate handles (sniffed, or given), UTF-8 or Latin-1. Every error names the file, the row as a
//! spreadsheet numbers it (the header is row 1) and the column, and says what to do.

use std::path::{Path, PathBuf};

use jiff::civil::Date;

use crate::scenario::diag::did_you_mean;

/// Which columns hold the estimate and the actual.
#[derive(Debug, Clone, PartialEq)]
pub enum Columns {
    /// An estimated and an actual amount (hours, days, points: the ratio has no unit).
    Amounts { estimate: String, actual: String },
    /// A project's start, planned end and actual end dates: the estimate is planned end minus
    /// start and the actual is actual end minus start, in calendar days.
    Dates {
        start: String,
        planned_end: String,
        actual_end: String,
    },
}

/// What to read from a history file.
#[derive(Debug, Clone, PartialEq)]
pub struct HistorySpec {
    pub path: PathBuf,
    /// The field delimiter; None: sniffed from the header line.
    pub delimiter: Option<u8>,
    pub columns: Columns,
    /// A column whose values name reference classes.
    pub group: Option<String>,
    /// A column to order the rows by (numbers, dates or text); None: file order.
    pub order: Option<String>,
    /// `COLUMN=VALUE` filters, all of which a row must match to be in the reference class.
    pub filters: Vec<(String, String)>,
    /// Drop rows with a non-numeric cell or an estimate or actual of zero or less (counted and
    /// reported) instead of stopping at the first.
    pub skip_invalid: bool,
}

/// A usable row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The row as a spreadsheet numbers it (the header is row 1).
    pub row: usize,
    pub estimate: f64,
    pub actual: f64,
    pub group: Option<String>,
}

impl Row {
    pub fn ratio(&self) -> f64 {
        self.actual / self.estimate
    }
}

/// Rows left out, for one reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Dropped {
    pub reason: String,
    pub count: usize,
    /// The first such row.
    pub first_row: usize,
}

/// The history as read.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub path: PathBuf,
    /// Data rows in the file.
    pub total: usize,
    /// Usable rows, in the order asked for.
    pub rows: Vec<Row>,
    /// Rows the filters left out.
    pub filtered_out: usize,
    /// Rows that could not be used, by reason, in order of first appearance.
    pub dropped: Vec<Dropped>,
    /// The file was not UTF-8 and was read as Latin-1.
    pub latin1: bool,
    pub delimiter: u8,
}

impl History {
    pub fn ratios(&self) -> Vec<f64> {
        self.rows.iter().map(Row::ratio).collect()
    }

    /// One group name per row ("" where the group cell is empty); empty without `--group`.
    pub fn groups(&self) -> Vec<String> {
        if self.rows.iter().all(|r| r.group.is_none()) {
            return vec![];
        }
        self.rows
            .iter()
            .map(|r| r.group.clone().unwrap_or_default())
            .collect()
    }

    /// The file name, for tables and reports.
    pub fn file_name(&self) -> String {
        self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is empty")]
    Empty { path: String },
    #[error("{path} has a header but no data rows")]
    NoData { path: String },
    #[error("{path} has no column `{column}` (its columns: {columns})")]
    MissingColumn {
        path: String,
        column: String,
        columns: String,
        suggestion: Option<String>,
    },
    #[error("{path}, row {row}, column `{column}`: {problem}")]
    Cell {
        path: String,
        row: usize,
        column: String,
        problem: String,
        hint: String,
    },
    #[error("{path}, row {row}: {problem}")]
    Row {
        path: String,
        row: usize,
        problem: String,
    },
    #[error("{path}: no usable rows{why}")]
    NoRows { path: String, why: String },
}

impl HistoryError {
    pub fn hint(&self) -> String {
        match self {
            HistoryError::Read { .. } => "check the path".into(),
            HistoryError::Empty { .. } | HistoryError::NoData { .. } => {
                "a history needs a header row and one row per finished task or project".into()
            }
            HistoryError::MissingColumn { suggestion, .. } => suggestion.clone().unwrap_or_else(
                || "name the columns as the header row spells them (case matters)".into(),
            ),
            HistoryError::Cell { hint, .. } => hint.clone(),
            HistoryError::Row { .. } => {
                "check the row's quoting and delimiter, or pass --delimiter".into()
            }
            HistoryError::NoRows { .. } => {
                "check the --where filters and the columns; rows with an empty estimate or actual are skipped".into()
            }
        }
    }
}

/// The text of a file: UTF-8 when it is, else Latin-1 (each byte is its code point).
fn decode(bytes: &[u8]) -> (String, bool) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), false),
        Err(_) => (bytes.iter().map(|&b| b as char).collect(), true),
    }
}

/// The delimiter of the header line: the most frequent of `,`, `;`, tab and `|` outside quotes.
fn sniff(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let mut counts = [0usize; 4];
    let mut quoted = false;
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            _ if quoted => {}
            ',' => counts[0] += 1,
            ';' => counts[1] += 1,
            '\t' => counts[2] += 1,
            '|' => counts[3] += 1,
            _ => {}
        }
    }
    let cands = [b',', b';', b'\t', b'|'];
    let best = (0..4).max_by_key(|&i| (counts[i], 4 - i)).unwrap_or(0);
    if counts[best] == 0 { b',' } else { cands[best] }
}

/// A number as written in a cell: `1.5`, or `1,5` when commas do not separate fields.
fn number(cell: &str, delimiter: u8) -> Option<f64> {
    let s = cell.trim();
    let v = s.parse::<f64>().ok().or_else(|| {
        (delimiter != b',' && s.matches(',').count() == 1 && !s.contains('.'))
            .then(|| s.replace(',', ".").parse::<f64>().ok())
            .flatten()
    })?;
    v.is_finite().then_some(v)
}

/// A date as written in a cell: `2024-03-01`, possibly followed by a time.
fn date(cell: &str) -> Option<Date> {
    let s = cell.trim();
    s.get(..10).unwrap_or(s).parse::<Date>().ok()
}

/// An order key: numbers sort as numbers, dates as dates, anything else as text.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum Key {
    Number(f64),
    Date(Date),
    Text(String),
}

/// Reads and checks a history file.
pub fn read(spec: &HistorySpec) -> Result<History, HistoryError> {
    let shown = spec.path.display().to_string();
    let bytes = std::fs::read(&spec.path).map_err(|source| HistoryError::Read {
        path: shown.clone(),
        source,
    })?;
    parse(&spec.path, &bytes, spec)
}

/// Parses the bytes of a history file (`path` names it in messages).
pub fn parse(path: &Path, bytes: &[u8], spec: &HistorySpec) -> Result<History, HistoryError> {
    let shown = path.display().to_string();
    let (text, latin1) = decode(bytes);
    if text.trim().is_empty() {
        return Err(HistoryError::Empty { path: shown });
    }
    if let Some(line) = text
        .lines()
        // C0 controls only: Windows-1252 punctuation read as Latin-1 lands in C1, and is text.
        .position(|l| l.chars().any(|c| c < ' ' && c != '\t' && c != '\r'))
    {
        return Err(HistoryError::Row {
            path: shown,
            row: line + 1,
            problem: "this is not a CSV text file: it holds binary data".into(),
        });
    }
    let delimiter = spec.delimiter.unwrap_or_else(|| sniff(&text));
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| HistoryError::Row {
            path: shown.clone(),
            row: 1,
            problem: e.to_string(),
        })?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let column = |name: &str, flag: &str| -> Result<usize, HistoryError> {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            let suggestion = did_you_mean(name, headers.iter().map(String::as_str))
                .map(|s| format!("{s} (for {flag})"));
            let columns = if headers.len() <= 1 {
                format!(
                    "{}; is the delimiter right? pass --delimiter",
                    headers.join(", ")
                )
            } else {
                headers.join(", ")
            };
            HistoryError::MissingColumn {
                path: shown.clone(),
                column: name.to_string(),
                columns,
                suggestion,
            }
        })
    };
    enum Cols {
        Amounts(usize, usize),
        Dates(usize, usize, usize),
    }
    let cols = match &spec.columns {
        Columns::Amounts { estimate, actual } => {
            Cols::Amounts(column(estimate, "--estimate")?, column(actual, "--actual")?)
        }
        Columns::Dates {
            start,
            planned_end,
            actual_end,
        } => Cols::Dates(
            column(start, "--start")?,
            column(planned_end, "--planned-end")?,
            column(actual_end, "--actual-end")?,
        ),
    };
    let group = spec
        .group
        .as_deref()
        .map(|g| column(g, "--group"))
        .transpose()?;
    let order = spec
        .order
        .as_deref()
        .map(|o| column(o, "--order"))
        .transpose()?;
    let filters = spec
        .filters
        .iter()
        .map(|(c, v)| Ok((column(c, "--where")?, v.as_str())))
        .collect::<Result<Vec<_>, HistoryError>>()?;

    let mut rows: Vec<(Option<Key>, Row)> = Vec::new();
    let mut dropped: Vec<Dropped> = Vec::new();
    let mut drop = |reason: &str, row: usize| match dropped.iter_mut().find(|d| d.reason == reason)
    {
        Some(d) => d.count += 1,
        None => dropped.push(Dropped {
            reason: reason.to_string(),
            count: 1,
            first_row: row,
        }),
    };
    let (mut total, mut filtered_out) = (0, 0);
    let skip_hint =
        "fix the cell, or pass --skip-invalid to leave out such rows (they are counted)";
    for (i, rec) in reader.records().enumerate() {
        let row = i + 2;
        let rec = rec.map_err(|e| HistoryError::Row {
            path: shown.clone(),
            row,
            problem: e.to_string(),
        })?;
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        total += 1;
        let cell = |k: usize| rec.get(k).unwrap_or("").trim();
        if !filters.iter().all(|(k, v)| cell(*k) == *v) {
            filtered_out += 1;
            continue;
        }
        let bad = |k: usize, problem: String, hint: &str| HistoryError::Cell {
            path: shown.clone(),
            row,
            column: headers[k].clone(),
            problem,
            hint: hint.to_string(),
        };
        // (estimate, actual), or why not.
        let pair: Result<(f64, f64), HistoryError> = match cols {
            Cols::Amounts(e, a) => {
                if cell(e).is_empty() || cell(a).is_empty() {
                    drop("empty estimate or actual", row);
                    continue;
                }
                let num = |k: usize| {
                    number(cell(k), delimiter)
                        .ok_or_else(|| bad(k, format!("`{}` is not a number", cell(k)), skip_hint))
                };
                num(e).and_then(|ev| Ok((ev, num(a)?)))
            }
            Cols::Dates(s, p, a) => {
                if cell(s).is_empty() || cell(p).is_empty() || cell(a).is_empty() {
                    drop("empty start, planned end or actual end", row);
                    continue;
                }
                let day = |k: usize| {
                    date(cell(k)).ok_or_else(|| {
                        bad(
                            k,
                            format!("`{}` is not a date", cell(k)),
                            "write dates as YYYY-MM-DD; or pass --skip-invalid to leave out such rows",
                        )
                    })
                };
                (|| {
                    let (sd, pd, ad) = (day(s)?, day(p)?, day(a)?);
                    let days = |d: Date| (d - sd).get_days() as f64;
                    Ok((days(pd), days(ad)))
                })()
            }
        };
        let checked = pair.and_then(|(e, a)| {
            let (ek, ak) = match cols {
                Cols::Amounts(e, a) => (e, a),
                Cols::Dates(_, p, a) => (p, a),
            };
            if e <= 0.0 {
                Err(bad(
                    ek,
                    format!("the estimate is {e}; a ratio needs an estimate above zero"),
                    skip_hint,
                ))
            } else if a <= 0.0 {
                Err(bad(
                    ak,
                    format!("the actual is {a}; a ratio needs an actual above zero"),
                    skip_hint,
                ))
            } else {
                Ok((e, a))
            }
        });
        let (estimate, actual) = match checked {
            Ok(x) => x,
            Err(e) if spec.skip_invalid => {
                let reason = match &e {
                    HistoryError::Cell { problem, .. } if problem.contains("not a") => {
                        "a cell that is not a number or date"
                    }
                    _ => "an estimate or actual of zero or less",
                };
                drop(reason, row);
                continue;
            }
            Err(e) => return Err(e),
        };
        let key = match order {
            None => None,
            Some(k) if cell(k).is_empty() => {
                drop("empty order cell", row);
                continue;
            }
            Some(k) => Some(match (number(cell(k), delimiter), date(cell(k))) {
                (Some(x), _) => Key::Number(x),
                (None, Some(d)) => Key::Date(d),
                _ => Key::Text(cell(k).to_string()),
            }),
        };
        rows.push((
            key,
            Row {
                row,
                estimate,
                actual,
                group: group.map(|g| cell(g).to_string()),
            },
        ));
    }
    if total == 0 {
        return Err(HistoryError::NoData { path: shown });
    }
    if order.is_some() {
        // Mixed kinds (a number beside a date) sort by kind first; stable within equal keys.
        rows.sort_by(|a, b| {
            let rank = |k: &Option<Key>| match k {
                Some(Key::Number(_)) => 0,
                Some(Key::Date(_)) => 1,
                _ => 2,
            };
            rank(&a.0)
                .cmp(&rank(&b.0))
                .then(a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal))
        });
    }
    let rows: Vec<Row> = rows.into_iter().map(|(_, r)| r).collect();
    if rows.is_empty() {
        let mut why = Vec::new();
        if filtered_out > 0 {
            why.push(format!("{filtered_out} left out by --where"));
        }
        for d in &dropped {
            why.push(format!("{} with {}", d.count, d.reason));
        }
        let why = if why.is_empty() {
            String::new()
        } else {
            format!(" ({})", why.join(", "))
        };
        return Err(HistoryError::NoRows { path: shown, why });
    }
    Ok(History {
        path: path.to_path_buf(),
        total,
        rows,
        filtered_out,
        dropped,
        latin1,
        delimiter,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> HistorySpec {
        HistorySpec {
            path: "h.csv".into(),
            delimiter: None,
            columns: Columns::Amounts {
                estimate: "est".into(),
                actual: "act".into(),
            },
            group: None,
            order: None,
            filters: vec![],
            skip_invalid: false,
        }
    }

    #[test]
    fn sniffs_semicolons_and_decimal_commas_and_latin1() {
        let bytes = b"na\xefve;est;act\nx;2,5;5\ny;4;2\n";
        let h = parse(Path::new("h.csv"), bytes, &spec()).unwrap();
        assert!(h.latin1);
        assert_eq!(h.delimiter, b';');
        assert_eq!(h.ratios(), vec![2.0, 0.5]);
    }

    #[test]
    fn orders_by_a_column() {
        let mut s = spec();
        s.order = Some("when".into());
        let h = parse(
            Path::new("h.csv"),
            b"when,est,act\n10,1,3\n2,1,2\n,1,9\n",
            &s,
        )
        .unwrap();
        assert_eq!(h.ratios(), vec![2.0, 3.0]);
        assert_eq!(h.dropped[0].reason, "empty order cell");
    }
}
