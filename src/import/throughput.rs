//! Throughput history from a CSV of finished items: one row per item, with the date it was
//! finished in a named column. Items are counted per period (a day, or a week from Monday), from
//! the period of the first item to that of the last, and periods with nothing finished are kept
//! as zeros: a quiet week is part of the history a forecast resamples.

use jiff::ToSpan;
use jiff::civil::{Date, Weekday};

use super::ImportError;

/// A period of throughput.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Day,
    Week,
}

impl Period {
    /// As a backlog writes it (`per = "week"`); None for another word.
    pub fn parse(s: &str) -> Option<Period> {
        match s {
            "day" => Some(Period::Day),
            "week" => Some(Period::Week),
            _ => None,
        }
    }

    /// The first day of the period holding `d`.
    fn start(self, d: Date) -> Date {
        match self {
            Period::Day => d,
            Period::Week => {
                let back = i64::from(d.weekday().since(Weekday::Monday));
                d.checked_sub(back.days()).unwrap_or(d)
            }
        }
    }

    fn next(self, d: Date) -> Option<Date> {
        match self {
            Period::Day => d.checked_add(1.days()).ok(),
            Period::Week => d.checked_add(7.days()).ok(),
        }
    }
}

/// Items finished in each period, oldest first: (the period's first day, count).
pub fn history(
    path: &str,
    bytes: &[u8],
    column: Option<&str>,
    per: Period,
) -> Result<Vec<(Date, u64)>, ImportError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.to_string(),
        // Latin-1: each byte is its code point.
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    };
    // A spreadsheet's "CSV UTF-8" starts with a byte-order mark: not part of the first name.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
    if text.trim().is_empty() {
        return Err(ImportError::new(path, "the file is empty")
            .hint("a throughput history is a CSV with a header row, then one row per finished item with its date (YYYY-MM-DD)"));
    }
    if let Some(line) = text
        .lines()
        // C0 controls only: Windows-1252 punctuation read as Latin-1 lands in C1, and is text.
        .position(|l| l.chars().any(|c| c < ' ' && c != '\t' && c != '\r'))
    {
        return Err(ImportError::new(path, "this is not a CSV text file: it holds binary data")
            .at(line + 1)
            .hint("a throughput history is a CSV with a header row, then one row per finished item with its date (YYYY-MM-DD)"));
    }
    let first = text.lines().next().unwrap_or("");
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ImportError::new(path, format!("cannot read the header row: {e}")).at(1))?
        .clone();
    let names: Vec<&str> = headers.iter().map(str::trim).collect();
    let col = match column {
        Some(c) => names
            .iter()
            .position(|h| h.eq_ignore_ascii_case(c))
            .ok_or_else(|| {
                ImportError::new(
                    path,
                    format!("no column `{c}` (it has {})", names.join(", ")),
                )
                .at(1)
                .hint(
                    crate::scenario::diag::did_you_mean(c, names.iter().copied()).unwrap_or_else(
                        || "name the column of finish dates with column = \"...\"".into(),
                    ),
                )
            })?,
        None if names.len() == 1 => 0,
        None => {
            return Err(ImportError::new(
                path,
                format!(
                    "which column holds the finish dates? ({})",
                    names.join(", ")
                ),
            )
            .at(1)
            .hint("name it: column = \"Done\" in the backlog's throughput table, or --column Done on the command line"));
        }
    };
    let mut dates: Vec<Date> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let record = record.map_err(|e| ImportError::new(path, e.to_string()).at(row))?;
        let cell = record.get(col).unwrap_or("").trim();
        if cell.is_empty() {
            // An item not finished yet.
            continue;
        }
        // A date, or the date part of a timestamp (2027-01-04T10:00, 2027-01-04 10:00).
        let day = cell.get(..10).unwrap_or(cell);
        let date: Date = day.parse().map_err(|_| {
            ImportError::new(path, format!("`{cell}` is not a date"))
                .at(row)
                .col(names[col].to_string())
                .hint("write dates as YYYY-MM-DD")
        })?;
        dates.push(date);
    }
    if dates.is_empty() {
        return Err(ImportError::new(
            path,
            format!("no finished item: column `{}` has no date", names[col]),
        )
        .hint("a throughput history needs at least one finished item"));
    }
    dates.sort();
    let (first, last) = (per.start(dates[0]), per.start(dates[dates.len() - 1]));
    let mut out: Vec<(Date, u64)> = Vec::new();
    let mut at = first;
    let mut k = 0;
    while at <= last {
        let next = per.next(at);
        let mut n = 0;
        while k < dates.len() && next.is_none_or(|nx| dates[k] < nx) {
            n += 1;
            k += 1;
        }
        out.push((at, n));
        match next {
            Some(nx) => at = nx,
            None => break,
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_count_items_and_keep_quiet_weeks() {
        // Mon 2027-01-04 .. Sun 2027-01-10 holds two items, the next week none, the one after one.
        let csv = "Id,Done\n1,2027-01-04\n2,2027-01-10\n3,\n4,2027-01-20T09:00\n";
        let h = history("done.csv", csv.as_bytes(), Some("done"), Period::Week).unwrap();
        let counts: Vec<u64> = h.iter().map(|x| x.1).collect();
        assert_eq!(counts, vec![2, 0, 1]);
        assert_eq!(h[0].0.to_string(), "2027-01-04");
        let days = history("done.csv", csv.as_bytes(), Some("Done"), Period::Day).unwrap();
        assert_eq!(days.len(), 17);
        assert_eq!(days.iter().map(|x| x.1).sum::<u64>(), 3);
    }

    #[test]
    fn one_period_and_errors_name_row_and_column() {
        let one = history(
            "d.csv",
            b"Done\n2027-03-02\n2027-03-03\n",
            None,
            Period::Week,
        )
        .unwrap();
        assert_eq!(one.iter().map(|x| x.1).collect::<Vec<_>>(), vec![2]);
        let e = history("d.csv", b"Done\n", None, Period::Week).unwrap_err();
        assert!(e.to_string().contains("no finished item"), "{e}");
        let e = history(
            "d.csv",
            b"Id;Done\n1;2027-13-40\n",
            Some("Done"),
            Period::Week,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("d.csv:2, column Done") && e.contains("not a date"),
            "{e}"
        );
        let e = history(
            "d.csv",
            b"Id,When\n1,2027-01-01\n",
            Some("Done"),
            Period::Week,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("no column `Done` (it has Id, When)"), "{e}");
        let e = history("d.csv", b"Id,When\n", None, Period::Week)
            .unwrap_err()
            .to_string();
        assert!(e.contains("which column"), "{e}");
    }
}
