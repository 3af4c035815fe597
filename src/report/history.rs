//! The forecast history (`run --history FILE.csv`): one row per milestone and status date, read
//! back and written again with this run's rows in place of any earlier run's for the same status
//! date.
//!
//! Columns: `status_date,milestone,p50_days,p50_date,p80_days,p80_date,p95_days,p95_date,
//! p_on_time,deadline_date,fingerprint`. Days are working days from the program start as the
//! scenario had it then; a percentile that is not reached, an absent deadline or P(on time)
//! without a deadline is an empty cell. The fingerprint is the scenario text's: rows of different
//! fingerprints are expected (the scenario is updated between status dates).

use jiff::civil::Date;

use super::Input;

/// The header line, which also identifies a file as a shipcast forecast history.
pub const HEADER: &str = "status_date,milestone,p50_days,p50_date,p80_days,p80_date,p95_days,p95_date,p_on_time,deadline_date,fingerprint";

/// One milestone's forecast as of one status date.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub status_date: Date,
    pub milestone: String,
    /// P50, P80 and P95: working days from the start and the date (None: not reached).
    pub p: [(Option<f64>, Option<Date>); 3],
    pub on_time: Option<f64>,
    pub deadline: Option<Date>,
    pub fingerprint: String,
}

/// A history file that is not one shipcast wrote (or that was damaged).
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct HistoryError {
    pub line: usize,
    pub message: String,
}

/// This run's rows: one per milestone, as of the plan's status date (None without one).
pub fn rows(input: &Input, fingerprint: &str) -> Option<Vec<Row>> {
    let (plan, summary) = (input.plan, input.summary);
    let status = plan.status_date()?;
    let cal = plan.calendar();
    Some(
        summary
            .milestones
            .iter()
            .map(|m| {
                let ms = &plan.milestones()[m.milestone];
                let at = |p: f64| {
                    let d = m.percentiles.iter().find(|x| x.p == p).and_then(|x| x.days);
                    (d, d.and_then(|t| cal.finish_date(t)))
                };
                Row {
                    status_date: status.date,
                    milestone: ms.id.clone(),
                    p: [at(0.5), at(0.8), at(0.95)],
                    on_time: m.on_time.as_ref().map(|o| o.probability.estimate),
                    deadline: ms.deadline.and_then(|d| d.date),
                    fingerprint: fingerprint.to_string(),
                }
            })
            .collect(),
    )
}

/// The earlier rows with this run's: every earlier row of a status date this run reports is
/// replaced (a rerun for the same status date replaces, never duplicates), and the rows are kept
/// in status-date order (stable, so a date's milestones keep their order).
pub fn merge(earlier: Vec<Row>, new: Vec<Row>) -> Vec<Row> {
    let mut out: Vec<Row> = earlier
        .into_iter()
        .filter(|r| !new.iter().any(|n| n.status_date == r.status_date))
        .collect();
    out.extend(new);
    out.sort_by_key(|r| r.status_date);
    out
}

fn cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn opt<T: ToString>(x: Option<T>) -> String {
    x.map_or(String::new(), |x| x.to_string())
}

/// The file's text: the header, then one line per row.
pub fn render(rows: &[Row]) -> String {
    let mut s = format!("{HEADER}\n");
    for r in rows {
        let mut cells = vec![r.status_date.to_string(), cell(&r.milestone)];
        for (days, date) in &r.p {
            cells.push(opt(*days));
            cells.push(opt(*date));
        }
        cells.push(opt(r.on_time));
        cells.push(opt(r.deadline));
        cells.push(cell(&r.fingerprint));
        s.push_str(&cells.join(","));
        s.push('\n');
    }
    s
}

/// Splits one CSV line into cells (quotes as `render` writes them).
fn split(line: &str) -> Option<Vec<String>> {
    let mut cells = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        let last = cells.last_mut()?;
        match (c, quoted) {
            ('"', false) if last.is_empty() => quoted = true,
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                last.push('"');
            }
            ('"', true) => quoted = false,
            (',', false) => cells.push(String::new()),
            ('"', false) => return None,
            (c, _) => last.push(c),
        }
    }
    (!quoted).then_some(cells)
}

/// Reads a history file's text, refusing anything that is not one, with the line at fault.
pub fn parse(text: &str) -> Result<Vec<Row>, HistoryError> {
    let err = |line: usize, message: String| HistoryError { line, message };
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, h)) if h.trim_end() == HEADER => {}
        Some((_, h)) => {
            return Err(err(
                1,
                format!(
                    "not a shipcast forecast history: the header is `{h}`, expected `{HEADER}`"
                ),
            ));
        }
        None => return Err(err(1, "the file is empty: no header".into())),
    }
    let mut rows = Vec::new();
    for (i, line) in lines {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let c =
            split(line.trim_end_matches('\r')).ok_or_else(|| err(n, "unbalanced quotes".into()))?;
        if c.len() != 11 {
            return Err(err(n, format!("{} cells, expected 11", c.len())));
        }
        let date = |k: usize, what: &str| -> Result<Option<Date>, HistoryError> {
            if c[k].is_empty() {
                return Ok(None);
            }
            c[k].parse::<Date>()
                .map(Some)
                .map_err(|_| err(n, format!("{what} `{}` is not a date (YYYY-MM-DD)", c[k])))
        };
        let num = |k: usize, what: &str| -> Result<Option<f64>, HistoryError> {
            if c[k].is_empty() {
                return Ok(None);
            }
            match c[k].parse::<f64>() {
                Ok(x) if x.is_finite() && x >= 0.0 => Ok(Some(x)),
                _ => Err(err(
                    n,
                    format!("{what} `{}` is not a non-negative number", c[k]),
                )),
            }
        };
        let status_date =
            date(0, "status_date")?.ok_or_else(|| err(n, "the status_date is empty".into()))?;
        if c[1].is_empty() {
            return Err(err(n, "the milestone is empty".into()));
        }
        let on_time = num(8, "p_on_time")?;
        if on_time.is_some_and(|p| p > 1.0) {
            return Err(err(n, format!("p_on_time `{}` is above 1", c[8])));
        }
        rows.push(Row {
            status_date,
            milestone: c[1].clone(),
            p: [
                (num(2, "p50_days")?, date(3, "p50_date")?),
                (num(4, "p80_days")?, date(5, "p80_date")?),
                (num(6, "p95_days")?, date(7, "p95_date")?),
            ],
            on_time,
            deadline: date(9, "deadline_date")?,
            fingerprint: c[10].clone(),
        });
    }
    Ok(rows)
}

/// How many distinct status dates the rows cover.
pub fn status_dates(rows: &[Row]) -> usize {
    let mut d: Vec<Date> = rows.iter().map(|r| r.status_date).collect();
    d.dedup();
    d.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn row(day: i8, m: &str, p50: f64) -> Row {
        Row {
            status_date: date(2027, 2, day),
            milestone: m.into(),
            p: [
                (Some(p50), Some(date(2027, 3, 1))),
                (None, None),
                (Some(p50 + 5.0), Some(date(2027, 3, 8))),
            ],
            on_time: Some(0.25),
            deadline: None,
            fingerprint: "00ff".into(),
        }
    }

    #[test]
    fn render_then_parse_is_the_identity() {
        let rows = vec![row(1, "launch", 20.5), row(8, "a,\"b\"", 21.0)];
        assert_eq!(parse(&render(&rows)).unwrap(), rows);
    }

    #[test]
    fn a_rerun_replaces_its_status_date_and_keeps_dates_in_order() {
        let earlier = vec![
            row(1, "launch", 20.0),
            row(8, "launch", 22.0),
            row(8, "gone", 1.0),
        ];
        let merged = merge(earlier, vec![row(8, "launch", 25.0)]);
        assert_eq!(merged, vec![row(1, "launch", 20.0), row(8, "launch", 25.0)]);
        let merged = merge(merged, vec![row(3, "launch", 21.0)]);
        let dates: Vec<i8> = merged.iter().map(|r| r.status_date.day()).collect();
        assert_eq!(dates, vec![1, 3, 8]);
    }

    #[test]
    fn foreign_or_damaged_files_are_refused_with_their_line() {
        assert_eq!(parse("a,b\n1,2\n").unwrap_err().line, 1);
        let text =
            format!("{HEADER}\n2027-02-01,launch,1,,,,,,,,ff\n2027-02-0x,launch,1,,,,,,,,ff\n");
        let e = parse(&text).unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        let e = parse(&format!("{HEADER}\n2027-02-01,launch,1\n")).unwrap_err();
        assert!(e.to_string().contains("line 2: 3 cells"), "{e}");
    }
}
