//! A CSV task list, as exported from a spreadsheet or a tracker: one row per task, columns
//! matched by name (any case): id, name, low, likely, high (or duration), after, success,
//! attempts, fallback, calibration, cost. Errors name the row (the file's line) and the column.

use std::collections::HashMap;

use super::{ImportError, Imported, Link, LinkKind, Options, Task, clean_id};
use crate::import::Format;

const KNOWN: &[&str] = &[
    "id",
    "name",
    "low",
    "likely",
    "high",
    "duration",
    "after",
    "success",
    "attempts",
    "fallback",
    "calibration",
    "cost",
];

pub fn read(path: &str, bytes: &[u8], options: &Options) -> Result<Imported, ImportError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            return Err(ImportError::new(path, "this CSV file is not UTF-8 text")
                .at(line)
                .hint("save it as CSV UTF-8 (spreadsheets offer it under Save As)"));
        }
    };
    let text = text.trim_start_matches('\u{feff}');
    if text.trim().is_empty() {
        return Err(ImportError::new(path, "the file is empty").hint(
            "a plan as CSV has a header row (id, name, duration or low/likely/high, after, ...) and one row per task",
        ));
    }
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.contains('\t') && !first.contains(',') {
        b'\t'
    } else {
        b','
    };
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| csv_error(path, &e))?.clone();
    let mut col: HashMap<String, usize> = HashMap::new();
    let mut unknown = vec![];
    for (i, h) in headers.iter().enumerate() {
        let key = h.trim().to_ascii_lowercase();
        if KNOWN.contains(&key.as_str()) {
            if col.insert(key.clone(), i).is_some() {
                return Err(
                    ImportError::new(path, format!("the column `{h}` appears twice"))
                        .at(1)
                        .col(h.trim()),
                );
            }
        } else if !key.is_empty() {
            unknown.push(h.trim().to_string());
        }
    }
    // A required column missing because it is misspelled is named as such (extra columns
    // are kept as notes, so only the ones the import cannot do without are checked).
    let misspelled = |wanted: &[&str]| -> Option<ImportError> {
        if wanted.iter().any(|w| col.contains_key(*w)) {
            return None;
        }
        unknown.iter().find_map(|u| {
            let key = u.to_ascii_lowercase();
            let known = wanted
                .iter()
                .find(|w| crate::scenario::diag::did_you_mean(&key, [**w]).is_some())?;
            Some(
                ImportError::new(path, format!("unknown column `{u}`"))
                    .at(1)
                    .col(u.clone())
                    .hint(format!("did you mean `{known}`?")),
            )
        })
    };
    if let Some(e) = misspelled(&["id"]).or_else(|| misspelled(&["duration", "likely"])) {
        return Err(e);
    }
    if !col.contains_key("id") {
        return Err(ImportError::new(path, "no `id` column").at(1).hint(format!(
            "the first row names the columns; found: {}",
            headers.iter().collect::<Vec<_>>().join(", ")
        )));
    }
    let has_three = col.contains_key("low") || col.contains_key("high");
    if !col.contains_key("duration") && !col.contains_key("likely") {
        return Err(ImportError::new(path, "no `duration` or `likely` column")
            .at(1)
            .hint("give each task's duration in working days: a `duration` column, or `low`, `likely` and `high`"));
    }
    if has_three && !(col.contains_key("low") && col.contains_key("high")) {
        return Err(ImportError::new(
            path,
            "a `low` column needs a `high` column, and the other way round",
        )
        .at(1));
    }

    let mut plan = Imported::new(path, Format::Csv);
    plan.name = path
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(path)
        .trim_end_matches(".csv")
        .to_string();
    let mut rows = vec![];
    for rec in reader.records() {
        let rec = rec.map_err(|e| csv_error(path, &e))?;
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        rows.push((line, rec));
    }
    let all_ids: std::collections::HashSet<&str> = rows
        .iter()
        .filter_map(|(_, r)| r.get(col["id"]).map(str::trim))
        .collect();
    let mut calibrations = 0;
    let mut ids: HashMap<String, usize> = HashMap::new();
    for (line, rec) in &rows {
        let line = *line;
        let get = |k: &str| -> Option<&str> {
            col.get(k)
                .and_then(|&i| rec.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let err = |k: &str, m: String| ImportError::new(path, m).at(line).col(k.to_string());
        let number = |k: &str| -> Result<Option<f64>, ImportError> {
            match get(k) {
                None => Ok(None),
                Some(s) => s
                    .trim_end_matches('d')
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .map(Some)
                    .ok_or_else(|| err(k, format!("`{s}` is not a number"))),
            }
        };
        let id = get("id").ok_or_else(|| err("id", "this row has no id".into()))?;
        if id.chars().any(|c| c.is_whitespace() || c == ',') {
            return Err(err("id", format!("`{id}` is not a usable id"))
                .hint("use letters, digits, '-', '_' or '.', with no spaces"));
        }
        if let Some(prev) = ids.insert(id.to_string(), line) {
            return Err(err(
                "id",
                format!("the id `{id}` is used twice (also on line {prev})"),
            ));
        }
        let mut t = Task::new(id, format!("row {line}"));
        if let Some(n) = get("name") {
            t.name = n.to_string();
        }
        let likely = match (number("likely")?, number("duration")?) {
            (Some(l), _) => l,
            (None, Some(d)) => d,
            (None, None) => {
                return Err(err(
                    if col.contains_key("likely") {
                        "likely"
                    } else {
                        "duration"
                    },
                    "this task has no duration".into(),
                ));
            }
        };
        t.planned = likely;
        t.low = number("low")?;
        t.high = number("high")?;
        for (k, v) in [("low", t.low), ("likely", Some(likely)), ("high", t.high)] {
            if v.is_some_and(|v| v < 0.0) {
                return Err(err(k, "durations cannot be negative".into()));
            }
        }
        if let (Some(l), Some(h)) = (t.low, t.high)
            && !(l <= likely && likely <= h)
        {
            return Err(err(
                "low",
                format!("low <= likely <= high does not hold: {l}, {likely}, {h}"),
            ));
        }
        if t.low.is_some() != t.high.is_some() {
            return Err(err(
                if t.low.is_some() { "high" } else { "low" },
                "give both low and high, or neither".into(),
            ));
        }
        if let Some(s) = number("success")? {
            if !(s > 0.0 && s <= 1.0) {
                return Err(err(
                    "success",
                    format!("success must be in (0, 1], got {s}"),
                ));
            }
            t.success = Some(s);
        }
        if let Some(a) = get("attempts") {
            t.attempts = Some(a.parse::<i64>().ok().filter(|&a| a >= 1).ok_or_else(|| {
                err(
                    "attempts",
                    format!("`{a}` is not a whole number of attempts (1 or more)"),
                )
            })?);
        }
        t.fallback = get("fallback").map(clean_id);
        t.cost = number("cost")?;
        if let Some(c) = get("calibration") {
            t.calibration = Some(c.to_string());
            calibrations += 1;
        }
        if let Some(after) = get("after") {
            for item in after.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                t.after.push(
                    parse_link(item, &|id| all_ids.contains(id)).map_err(|m| err("after", m))?,
                );
            }
        }
        plan.tasks.push(t);
    }
    if plan.tasks.is_empty() {
        return Err(
            ImportError::new(path, "no tasks: the file has a header row and nothing else").at(1),
        );
    }
    plan.read.push(format!(
        "{} tasks from the rows of {path}, with {} links",
        plan.tasks.len(),
        plan.tasks.iter().map(|t| t.after.len()).sum::<usize>()
    ));
    plan.read.push(format!(
        "columns: {}",
        KNOWN
            .iter()
            .filter(|k| col.contains_key(**k) && **k != "calibration")
            .copied()
            .collect::<Vec<_>>()
            .join(", ")
    ));
    plan.read.push(
        "durations, lags and dates in working days; no start date (add one under [project])".into(),
    );
    if has_three {
        plan.fields = Some("the low and high columns".into());
    }
    if calibrations > 0 {
        plan.skipped.push(format!(
            "the calibration column ({calibrations} tasks): written as a comment on each task, since the [calibration.NAME] tables it names come from `shipcast calibrate`, not from this file"
        ));
    }
    if !unknown.is_empty() {
        plan.skipped
            .push(format!("unknown columns: {}", unknown.join(", ")));
    }
    let _ = options;
    Ok(plan)
}

/// One item of `after`: `ID`, `ID SS`, `ID SS+2`, `ID FS-1.5d`, `ID+2`, or Project's compact
/// `IDSS+2` when the id alone is not a task. Lags in working days (`d`), weeks (`w`, 5 days) or
/// hours (`h`, 8 to the day).
pub fn parse_link(item: &str, exists: &dyn Fn(&str) -> bool) -> Result<Link, String> {
    let usage = "write ID, ID SS, ID SS+2 or ID FS-1 (types FS, SS, FF, SF; lags in working days)";
    let item = item.trim();
    if exists(item) {
        return Ok(Link {
            target: item.to_string(),
            kind: LinkKind::FS,
            lag: 0.0,
        });
    }
    // Split off a lag: the last + or - followed by a number (and a unit).
    let (head, lag) = match item.rfind(['+', '-']) {
        Some(i) if i > 0 && parse_lag(&item[i..]).is_some() && !exists(item) => {
            (item[..i].trim(), parse_lag(&item[i..]).unwrap_or(0.0))
        }
        _ => (item, 0.0),
    };
    let upper = head.to_ascii_uppercase();
    for (suffix, kind) in [
        ("FS", LinkKind::FS),
        ("SS", LinkKind::SS),
        ("FF", LinkKind::FF),
        ("SF", LinkKind::SF),
    ] {
        if upper.ends_with(suffix) && head.len() > 2 {
            let id = head[..head.len() - 2].trim().trim_end_matches(':').trim();
            if !id.is_empty() && (exists(id) || head[..head.len() - 2].ends_with([' ', ':'])) {
                return Ok(Link {
                    target: id.to_string(),
                    kind,
                    lag,
                });
            }
        }
    }
    if head.contains(char::is_whitespace) {
        return Err(format!("`{item}`: {usage}"));
    }
    Ok(Link {
        target: head.to_string(),
        kind: LinkKind::FS,
        lag,
    })
}

fn parse_lag(s: &str) -> Option<f64> {
    let s = s.trim();
    let (body, scale) = if let Some(b) = s.strip_suffix(['w', 'W']) {
        (b, 5.0)
    } else if let Some(b) = s.strip_suffix(['h', 'H']) {
        (b, 1.0 / 8.0)
    } else if let Some(b) = s.strip_suffix(['d', 'D']) {
        (b, 1.0)
    } else {
        (s, 1.0)
    };
    let v: f64 = body.trim().trim_start_matches('+').parse().ok()?;
    v.is_finite().then_some(v * scale)
}

fn csv_error(path: &str, e: &::csv::Error) -> ImportError {
    let line = e.position().map(|p| p.line() as usize);
    let message = match e.kind() {
        ::csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("this row has {len} fields where the header has {expected_len}"),
        ::csv::ErrorKind::Utf8 { .. } => "this CSV file is not UTF-8 text".to_string(),
        _ => e.to_string(),
    };
    let mut err = ImportError::new(path, message)
        .hint("check the quoting and the number of commas on that row");
    err.line = line;
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_in_every_spelling() {
        let ids = ["a", "b-2", "design"];
        let exists = |s: &str| ids.contains(&s);
        let l = |s: &str| parse_link(s, &exists).unwrap();
        assert_eq!(
            (l("a").target.as_str(), l("a").kind, l("a").lag),
            ("a", LinkKind::FS, 0.0)
        );
        assert_eq!(l("design SS+2").kind, LinkKind::SS);
        assert_eq!(l("design SS+2").lag, 2.0);
        assert_eq!(l("designSS+2").target, "design");
        assert_eq!(l("b-2 FF-1.5d").lag, -1.5);
        assert_eq!(l("b-2").target, "b-2");
        assert_eq!(l("a+1w").lag, 5.0);
        assert_eq!(l("a SF+4h").lag, 0.5);
        assert_eq!(l("a:SS").kind, LinkKind::SS);
        assert!(parse_link("a b c", &exists).is_err());
    }
}
