//! Primavera P6 XER: tab-separated tables (`%T` name, `%F` fields, `%R` rows), written by P6 in
//! Windows-1252. Read: PROJECT, CALENDAR, PROJWBS (names), TASK, TASKPRED, and user-defined
//! fields (UDFTYPE, UDFVALUE) for three-point estimates.

use std::collections::{BTreeMap, HashMap};

use jiff::civil::{Date, Weekday};

use super::{
    DayHours, ImportError, Imported, Link, LinkKind, Options, Progress, Task, clean_id,
    drop_out_of_sequence, parse_datetime,
};
use crate::import::Format;
use crate::model::calendar::Calendar;

/// One table: its field names and its rows, each with its line in the file.
#[derive(Debug, Default)]
pub struct Table {
    pub fields: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

impl Table {
    pub fn col(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f == name)
    }
    /// The value of `name` in row `r`, trimmed; None when empty.
    pub fn get<'a>(&self, r: &'a [String], name: &str) -> Option<&'a str> {
        self.col(name)
            .and_then(|i| r.get(i))
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }
}

/// Decodes the file: UTF-8 when it is, else Windows-1252 (what P6 writes). UTF-16 is refused.
pub fn decode(path: &str, bytes: &[u8]) -> Result<(String, &'static str), ImportError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(ImportError::new(path, "this XER file is UTF-16 text")
            .at(1)
            .hint("export it from P6 again (P6 writes Windows-1252), or convert it to UTF-8"));
    }
    if bytes.iter().take(4096).filter(|&&b| b == 0).count() > 0 {
        return Err(ImportError::new(
            path,
            "this XER file holds NUL bytes: it is binary or in a wide encoding",
        )
        .at(1)
        .hint("export it from P6 again as XER"));
    }
    match std::str::from_utf8(bytes) {
        Ok(t) => Ok((t.trim_start_matches('\u{feff}').to_string(), "UTF-8")),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            Ok((text.into_owned(), "Windows-1252"))
        }
    }
}

/// The tables of an XER file.
pub fn tables(path: &str, text: &str) -> Result<BTreeMap<String, Table>, ImportError> {
    let mut out: BTreeMap<String, Table> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut first = true;
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = line.trim_end_matches('\r');
        if first {
            first = false;
            if !line.starts_with("ERMHDR") {
                return Err(ImportError::new(
                    path,
                    "this is not an XER file: it does not start with ERMHDR",
                )
                .at(1)
                .hint("export the project from P6 as XER, or pass --from to say what it is"));
            }
            continue;
        }
        let mut parts = line.split('\t');
        match parts.next() {
            Some("%T") => {
                let name = parts.next().unwrap_or("").trim().to_string();
                out.entry(name.clone()).or_default();
                current = Some(name);
            }
            Some("%F") => {
                let Some(t) = current.as_ref().and_then(|c| out.get_mut(c)) else {
                    return Err(
                        ImportError::new(path, "%F (field names) before any %T (table)")
                            .at(line_no),
                    );
                };
                t.fields = parts.map(|s| s.trim().to_string()).collect();
            }
            Some("%R") => {
                let Some(t) = current.as_ref().and_then(|c| out.get_mut(c)) else {
                    return Err(
                        ImportError::new(path, "%R (a row) before any %T (table)").at(line_no)
                    );
                };
                t.rows.push((line_no, parts.map(str::to_string).collect()));
            }
            Some("%E") | Some("") | None => {}
            Some(other) => {
                return Err(ImportError::new(
                    path,
                    format!(
                        "a line starting with `{}`: XER lines start with %T, %F, %R or %E",
                        other.chars().take(20).collect::<String>()
                    ),
                )
                .at(line_no)
                .hint("the file is damaged or cut short: export it from P6 again"));
            }
        }
    }
    Ok(out)
}

/// Excel-style day numbers (P6 calendar exceptions) to dates: day 1 is 1899-12-31.
fn serial_date(n: i64) -> Option<Date> {
    Date::new(1899, 12, 30)
        .ok()?
        .checked_add(jiff::Span::new().try_days(n).ok()?)
        .ok()
}

/// A node of P6's `clndr_data`: `(0||Name(attrs)(children))`.
#[derive(Debug, Default)]
struct CNode {
    name: String,
    attrs: String,
    children: Vec<CNode>,
}

/// How deep `clndr_data` may nest: P6 writes 5 levels; a damaged or crafted file must not
/// overflow the stack.
const MAX_DEPTH: usize = 64;

fn parse_cnode(s: &[u8], i: &mut usize) -> Option<CNode> {
    parse_cnode_at(s, i, 0)
}

fn parse_cnode_at(s: &[u8], i: &mut usize, depth: usize) -> Option<CNode> {
    if depth > MAX_DEPTH {
        return None;
    }
    // Expect '('.
    while *i < s.len() && s[*i] != b'(' {
        *i += 1;
    }
    if *i >= s.len() {
        return None;
    }
    *i += 1;
    let start = *i;
    while *i < s.len() && s[*i] != b'(' {
        *i += 1;
    }
    let header = String::from_utf8_lossy(&s[start..*i]).to_string();
    let name = header.rsplit("||").next().unwrap_or("").to_string();
    // attrs
    *i += 1;
    let a0 = *i;
    while *i < s.len() && s[*i] != b')' {
        *i += 1;
    }
    let attrs = String::from_utf8_lossy(&s[a0.min(s.len())..(*i).min(s.len())]).to_string();
    *i += 1;
    // children block
    let mut children = vec![];
    if *i < s.len() && s[*i] == b'(' {
        *i += 1;
        loop {
            while *i < s.len() && s[*i].is_ascii_whitespace() {
                *i += 1;
            }
            if *i >= s.len() {
                return None;
            }
            if s[*i] == b')' {
                *i += 1;
                break;
            }
            children.push(parse_cnode_at(s, i, depth + 1)?);
        }
    }
    while *i < s.len() && s[*i].is_ascii_whitespace() {
        *i += 1;
    }
    if *i < s.len() && s[*i] == b')' {
        *i += 1;
    }
    Some(CNode {
        name,
        attrs,
        children,
    })
}

fn find<'a>(n: &'a CNode, name: &str) -> Option<&'a CNode> {
    if n.name == name {
        return Some(n);
    }
    n.children.iter().find_map(|c| find(c, name))
}

fn minute(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    Some(h.trim().parse::<u32>().ok()? * 60 + m.trim().parse::<u32>().ok()?)
}

/// Working hours of a day node: its children `(s|08:00|f|12:00)`.
fn day_hours(n: &CNode) -> Vec<(u32, u32)> {
    n.children
        .iter()
        .filter_map(|c| {
            let p: Vec<&str> = c.attrs.split('|').collect();
            let (mut s, mut f) = (None, None);
            for w in p.windows(2) {
                match w[0] {
                    "s" => s = minute(w[1]),
                    "f" => f = minute(w[1]),
                    _ => {}
                }
            }
            let (s, f) = (s?, f?);
            Some((s, if f == 0 { 1440 } else { f }))
        })
        .collect()
}

struct XerCal {
    week: [bool; 7],
    hours: Option<Vec<(u32, u32)>>,
    exceptions: Vec<(Date, bool)>,
    day_hours: f64,
}

fn read_calendar(data: &str, day_hr: f64) -> Option<XerCal> {
    let bytes = data.as_bytes();
    let mut i = 0;
    let root = parse_cnode(bytes, &mut i)?;
    let mut week = [false; 7];
    let mut hours = None;
    let dow = find(&root, "DaysOfWeek")?;
    for d in &dow.children {
        // 1 is Sunday .. 7 Saturday.
        let wd = match d.name.as_str() {
            "1" => Weekday::Sunday,
            "2" => Weekday::Monday,
            "3" => Weekday::Tuesday,
            "4" => Weekday::Wednesday,
            "5" => Weekday::Thursday,
            "6" => Weekday::Friday,
            "7" => Weekday::Saturday,
            _ => continue,
        };
        let h = day_hours(d);
        if !h.is_empty() {
            week[wd.to_monday_zero_offset() as usize] = true;
            if hours.is_none() {
                hours = Some(h);
            }
        }
    }
    let mut exceptions = vec![];
    if let Some(ex) = find(&root, "Exceptions") {
        for e in &ex.children {
            let p: Vec<&str> = e.attrs.split('|').collect();
            if let Some(w) = p.windows(2).find(|w| w[0] == "d")
                && let Some(d) = w[1].trim().parse::<i64>().ok().and_then(serial_date)
            {
                exceptions.push((d, !day_hours(e).is_empty()));
            }
        }
    }
    Some(XerCal {
        week,
        hours,
        exceptions,
        day_hours: day_hr,
    })
}

pub fn read(path: &str, bytes: &[u8], options: &Options) -> Result<Imported, ImportError> {
    let (text, encoding) = decode(path, bytes)?;
    let tables = tables(path, &text)?;
    let empty = Table::default();
    let table = |n: &str| tables.get(n).unwrap_or(&empty);
    let projects = table("PROJECT");
    let Some((pline, prow)) = projects.rows.first() else {
        return Err(ImportError::new(path, "no PROJECT table (or it is empty)")
            .hint("export a project from P6 as XER"));
    };
    let mut plan = Imported::new(path, Format::Xer);
    let proj_id = projects.get(prow, "proj_id").unwrap_or("").to_string();
    plan.name = projects
        .get(prow, "proj_short_name")
        .unwrap_or("")
        .to_string();
    if projects.rows.len() > 1 {
        plan.skipped.push(format!(
            "{} more projects in the file: only the first (proj_id {proj_id}) is read",
            projects.rows.len() - 1
        ));
    }
    let start = projects
        .get(prow, "plan_start_date")
        .and_then(parse_datetime)
        .ok_or_else(|| {
            ImportError::new(path, "the project has no plan_start_date")
                .at(*pline)
                .col("plan_start_date")
        })?;
    let data_date = projects
        .get(prow, "last_recalc_date")
        .or(projects.get(prow, "next_data_date"))
        .and_then(parse_datetime);

    // Calendars.
    let cal_table = table("CALENDAR");
    let mut cals: HashMap<String, (String, XerCal)> = HashMap::new();
    for (_, r) in &cal_table.rows {
        let id = cal_table.get(r, "clndr_id").unwrap_or("").to_string();
        let name = cal_table.get(r, "clndr_name").unwrap_or("").to_string();
        let day_hr = cal_table
            .get(r, "day_hr_cnt")
            .and_then(|s| s.parse().ok())
            .filter(|h: &f64| *h > 0.0)
            .unwrap_or(8.0);
        if let Some(c) = cal_table
            .get(r, "clndr_data")
            .and_then(|d| read_calendar(d, day_hr))
        {
            cals.insert(id, (name, c));
        } else {
            cals.insert(
                id,
                (
                    name,
                    XerCal {
                        week: [true, true, true, true, true, false, false],
                        hours: None,
                        exceptions: vec![],
                        day_hours: day_hr,
                    },
                ),
            );
        }
    }
    let proj_cal = projects.get(prow, "clndr_id").unwrap_or("").to_string();
    let default_cal = cal_table
        .rows
        .iter()
        .find(|(_, r)| cal_table.get(r, "default_flag") == Some("Y"))
        .and_then(|(_, r)| cal_table.get(r, "clndr_id"))
        .map(str::to_string);
    let tasks_t = table("TASK");
    // The calendar most tasks use, else the project's.
    let mut use_count: HashMap<String, usize> = HashMap::new();
    for (_, r) in &tasks_t.rows {
        if tasks_t.get(r, "proj_id").unwrap_or(&proj_id) == proj_id
            && let Some(c) = tasks_t.get(r, "clndr_id")
        {
            *use_count.entry(c.to_string()).or_default() += 1;
        }
    }
    let main_cal = if cals.contains_key(&proj_cal) {
        proj_cal.clone()
    } else if let Some((c, _)) = use_count
        .iter()
        .max_by_key(|(k, v)| (**v, std::cmp::Reverse((*k).clone())))
    {
        c.clone()
    } else {
        default_cal.unwrap_or_default()
    };
    let mut calendar = Calendar {
        start: Some(start.date()),
        ..Calendar::default()
    };
    let mut day_hr = 8.0;
    if let Some((name, c)) = cals.get(&main_cal) {
        if c.week.iter().any(|w| *w) {
            calendar.workdays = c.week;
        }
        for (d, working) in &c.exceptions {
            if *d < start.date() {
                continue;
            }
            let wd = calendar.workdays[d.weekday().to_monday_zero_offset() as usize];
            match (working, wd) {
                (false, true) => calendar.holidays.push(*d),
                (true, false) => calendar.workdates.push(*d),
                _ => {}
            }
        }
        calendar.holidays.sort();
        calendar.workdates.sort();
        if let Some(h) = &c.hours {
            plan.hours = DayHours(h.clone());
        }
        day_hr = c.day_hours;
        plan.read.push(format!(
            "the calendar `{name}` (clndr_id {main_cal}): working weekdays, {} non-working and {} working exception days from the start on, {} hours a day",
            calendar.holidays.len(),
            calendar.workdates.len(),
            day_hr
        ));
    }
    plan.calendar = calendar;

    // WBS names.
    let wbs_t = table("PROJWBS");
    let mut wbs: HashMap<String, (String, Option<String>)> = HashMap::new();
    for (_, r) in &wbs_t.rows {
        if let Some(id) = wbs_t.get(r, "wbs_id") {
            wbs.insert(
                id.to_string(),
                (
                    wbs_t.get(r, "wbs_name").unwrap_or("").to_string(),
                    wbs_t.get(r, "parent_wbs_id").map(str::to_string),
                ),
            );
        }
    }
    let wbs_path = |id: &str| -> String {
        let mut names = vec![];
        let mut at = Some(id.to_string());
        while let Some(a) = at {
            if names.len() > 20 {
                break;
            }
            match wbs.get(&a) {
                Some((n, p)) => {
                    names.push(n.clone());
                    at = p.clone();
                }
                None => break,
            }
        }
        names.reverse();
        names.join(" / ")
    };

    // User-defined fields for three-point estimates.
    let udf_types = table("UDFTYPE");
    let udf_values = table("UDFVALUE");
    let mut udf: Vec<HashMap<String, f64>> = vec![];
    for name in [&options.low_field, &options.high_field]
        .into_iter()
        .flatten()
    {
        let ty = udf_types
            .rows
            .iter()
            .find(|(_, r)| {
                udf_types
                    .get(r, "udf_type_label")
                    .is_some_and(|l| l.eq_ignore_ascii_case(name))
                    || udf_types
                        .get(r, "udf_type_name")
                        .is_some_and(|l| l.eq_ignore_ascii_case(name))
            })
            .and_then(|(_, r)| udf_types.get(r, "udf_type_id"))
            .ok_or_else(|| {
                ImportError::new(path, format!("no user field `{name}` in UDFTYPE")).hint(
                    "name a user-defined field of the activities (its label), holding working days",
                )
            })?;
        let mut vals = HashMap::new();
        for (_, r) in &udf_values.rows {
            if udf_values.get(r, "udf_type_id") == Some(ty)
                && let (Some(fk), Some(v)) = (
                    udf_values.get(r, "fk_id"),
                    udf_values
                        .get(r, "udf_number")
                        .and_then(|v| v.parse::<f64>().ok()),
                )
            {
                vals.insert(fk.to_string(), v);
            }
        }
        udf.push(vals);
    }

    // Tasks.
    let mut ids: HashMap<String, String> = HashMap::new();
    let mut skipped_types: BTreeMap<String, usize> = BTreeMap::new();
    let (mut other_cal, mut constrained) = (0, 0);
    let mut latest_actual: Option<Date> = None;
    let mut used_codes: HashMap<String, usize> = HashMap::new();
    for (line, r) in &tasks_t.rows {
        if tasks_t.get(r, "proj_id").is_some_and(|p| p != proj_id) {
            continue;
        }
        let Some(task_id) = tasks_t.get(r, "task_id") else {
            return Err(ImportError::new(path, "an activity without a task_id").at(*line));
        };
        let ttype = tasks_t.get(r, "task_type").unwrap_or("TT_Task");
        if matches!(ttype, "TT_LOE" | "TT_WBS") {
            *skipped_types.entry(ttype.to_string()).or_default() += 1;
            continue;
        }
        let code = clean_id(tasks_t.get(r, "task_code").unwrap_or(task_id));
        let n = used_codes.entry(code.clone()).or_default();
        *n += 1;
        let id = if *n == 1 {
            code
        } else {
            format!("{code}_{task_id}")
        };
        ids.insert(task_id.to_string(), id.clone());
        let mut t = Task::new(id, format!("line {line}"));
        t.name = tasks_t.get(r, "task_name").unwrap_or(task_id).to_string();
        t.milestone = matches!(ttype, "TT_Mile" | "TT_FinMile");
        // A row cut short before its duration is a damaged file, not a zero-day activity (P6
        // itself may leave off empty fields at the end of a row, past the durations).
        if let Some(i) = tasks_t.col("target_drtn_hr_cnt")
            && r.len() <= i
        {
            return Err(ImportError::new(
                path,
                format!(
                    "this TASK row ends after {} fields, before target_drtn_hr_cnt (field {})",
                    r.len(),
                    i + 1
                ),
            )
            .at(*line)
            .hint("the file is damaged or cut short: export it from P6 again"));
        }
        let hours_of = |k: &str| -> Result<Option<f64>, ImportError> {
            match tasks_t.get(r, k) {
                None => Ok(None),
                Some(v) => v
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .map(Some)
                    .ok_or_else(|| {
                        ImportError::new(path, format!("`{v}` is not a number of hours"))
                            .at(*line)
                            .col(k.to_string())
                            .hint("the file is damaged, or was edited by hand: export it from P6 again")
                    }),
            }
        };
        let remain = hours_of("remain_drtn_hr_cnt")?;
        t.planned = (hours_of("target_drtn_hr_cnt")?.unwrap_or(0.0) / day_hr).max(0.0);
        if let Some(w) = tasks_t.get(r, "wbs_id") {
            let p = wbs_path(w);
            if !p.is_empty() {
                t.note = Some(format!("WBS: {p}"));
            }
        }
        let mut k = 0;
        if options.low_field.is_some() {
            t.low = udf.get(k).and_then(|m| m.get(task_id)).copied();
            k += 1;
        }
        if options.high_field.is_some() {
            t.high = udf.get(k).and_then(|m| m.get(task_id)).copied();
        }
        if tasks_t.get(r, "clndr_id").is_some_and(|c| c != main_cal) {
            other_cal += 1;
        }
        if tasks_t.get(r, "cstr_type").is_some() {
            constrained += 1;
        }
        let a_start = tasks_t.get(r, "act_start_date").and_then(parse_datetime);
        let a_end = tasks_t.get(r, "act_end_date").and_then(parse_datetime);
        let status = tasks_t.get(r, "status_code").unwrap_or("TK_NotStart");
        let e_start = tasks_t.get(r, "early_start_date").and_then(parse_datetime);
        let e_end = tasks_t.get(r, "early_end_date").and_then(parse_datetime);
        t.progress = match (status, a_start, a_end) {
            ("TK_Complete", s, Some(f)) => Progress::Done {
                started: s.map(|s| s.date()),
                finished: f.date(),
            },
            ("TK_Active", Some(s), _) => Progress::Started {
                started: s.date(),
                remaining: (remain.unwrap_or(0.0) / day_hr).max(0.0),
            },
            _ => Progress::None,
        };
        t.scheduled = match (&t.progress, a_start, a_end) {
            (Progress::Done { .. }, Some(s), Some(f)) => Some((s, f)),
            (Progress::Started { .. }, Some(s), _) => e_end.map(|f| (s, f)),
            _ => e_start.zip(e_end),
        };
        for d in [a_start, a_end].into_iter().flatten() {
            latest_actual = Some(latest_actual.map_or(d.date(), |l: Date| l.max(d.date())));
        }
        plan.tasks.push(t);
    }
    if plan.tasks.is_empty() {
        return Err(ImportError::new(
            path,
            "the project has no activities (TASK rows)",
        ));
    }
    let index: HashMap<String, usize> = plan
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.clone(), i))
        .collect();

    // Links.
    let preds = table("TASKPRED");
    let mut n_links = 0;
    let mut outside = 0;
    for (line, r) in &preds.rows {
        let (Some(succ), Some(pred)) = (preds.get(r, "task_id"), preds.get(r, "pred_task_id"))
        else {
            return Err(
                ImportError::new(path, "a TASKPRED row without task_id or pred_task_id").at(*line),
            );
        };
        let Some(s) = ids.get(succ) else {
            if tasks_t
                .rows
                .iter()
                .any(|(_, tr)| tasks_t.get(tr, "task_id") == Some(succ))
            {
                outside += 1;
                continue;
            }
            return Err(ImportError::new(
                path,
                format!("a link to activity task_id {succ}, which is not in the TASK table"),
            )
            .at(*line)
            .col("task_id"));
        };
        let Some(p) = ids.get(pred) else {
            if preds.get(r, "pred_proj_id").is_some_and(|pp| pp != proj_id)
                || tasks_t
                    .rows
                    .iter()
                    .any(|(_, tr)| tasks_t.get(tr, "task_id") == Some(pred))
            {
                outside += 1;
                continue;
            }
            return Err(ImportError::new(
                path,
                format!("activity `{s}` waits for task_id {pred}, which is not in the TASK table"),
            )
            .at(*line)
            .col("pred_task_id")
            .hint("fix the link in P6, or export the project it belongs to"));
        };
        let kind = match preds.get(r, "pred_type").unwrap_or("PR_FS") {
            "PR_FS" => LinkKind::FS,
            "PR_SS" => LinkKind::SS,
            "PR_FF" => LinkKind::FF,
            "PR_SF" => LinkKind::SF,
            other => {
                return Err(
                    ImportError::new(path, format!("unknown link type `{other}`"))
                        .at(*line)
                        .col("pred_type")
                        .hint("P6 link types are PR_FS, PR_SS, PR_FF and PR_SF"),
                );
            }
        };
        let lag = preds
            .get(r, "lag_hr_cnt")
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
            / day_hr;
        if let Some(&i) = index.get(s) {
            plan.tasks[i].after.push(Link {
                target: p.clone(),
                kind,
                lag: super::round(lag, 6),
            });
            n_links += 1;
        }
    }

    let in_flight = plan
        .tasks
        .iter()
        .any(|t| !matches!(t.progress, Progress::None));
    if in_flight {
        let mut s = data_date.map(|d| {
            // The data date is the morning work resumes: the status date is the day before.
            let mut day = d.date();
            if let Ok(prev) = day.yesterday()
                && d.hour() < 12
            {
                day = prev;
            }
            day
        });
        if let (Some(sd), Some(la)) = (s, latest_actual)
            && la > sd
        {
            s = Some(la);
        }
        if s.is_none() {
            s = latest_actual;
        }
        if let Some(sd) = s
            && sd < start.date()
        {
            s = Some(start.date());
        }
        plan.status_date = s;
        drop_out_of_sequence(&mut plan);
    }
    plan.read.insert(
        0,
        format!(
            "{} activities ({} milestones) and {} links (FS/SS/FF/SF with lags) of project `{}` (proj_id {proj_id}); the text was {encoding}",
            plan.tasks.len(),
            plan.tasks.iter().filter(|t| t.milestone).count(),
            n_links,
            plan.name
        ),
    );
    plan.read.push(format!("durations (target_drtn_hr_cnt) and lags (lag_hr_cnt) at {day_hr} hours per working day; the plan start date; WBS names as comments"));
    if in_flight {
        plan.read.push("actual dates of completed activities, and actual starts with remaining durations of active ones, as work in flight as of the data date".into());
    }
    if !udf.is_empty() {
        plan.fields = Some(format!(
            "the user fields {}",
            [&options.low_field, &options.high_field]
                .into_iter()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join(" and ")
        ));
    }
    for (ty, n) in skipped_types {
        plan.skipped.push(format!(
            "{n} {} activities",
            if ty == "TT_LOE" {
                "level-of-effort"
            } else {
                "WBS summary"
            }
        ));
    }
    if outside > 0 {
        plan.skipped.push(format!(
            "{outside} links to activities outside this project or skipped"
        ));
    }
    if constrained > 0 {
        plan.skipped.push(format!(
            "date constraints on {constrained} activities (shipcast schedules as soon as possible)"
        ));
    }
    if other_cal > 0 {
        plan.skipped.push(format!(
            "other calendars on {other_cal} activities: every activity uses the project's calendar"
        ));
    }
    plan.skipped
        .push("resources, costs, activity codes, baselines and the other tables".into());
    Ok(plan)
}

#[cfg(test)]
mod tests {

    #[test]
    fn serial_dates_out_of_range_are_none_not_a_panic() {
        assert_eq!(serial_date(2), Some(jiff::civil::date(1900, 1, 1)));
        assert_eq!(serial_date(999_999_999), None);
        assert_eq!(serial_date(i64::MIN), None);
        // Nesting deeper than P6 writes is refused, not a stack overflow.
        let deep = "(0||x()(".repeat(10_000);
        assert!(read_calendar(&deep, 8.0).is_none());
    }

    use super::*;

    #[test]
    fn calendar_data() {
        let c = read_calendar("(0||CalendarData()((0||DaysOfWeek()((0||1()())(0||2()((0||0(s|08:00|f|12:00)())(0||1(s|13:00|f|17:00)())))(0||7()())))(0||Exceptions()((0||0(d|43650)())))))", 8.0).unwrap();
        assert_eq!(c.week, [true, false, false, false, false, false, false]);
        assert_eq!(c.hours, Some(vec![(480, 720), (780, 1020)]));
        assert_eq!(c.exceptions, vec![(Date::new(2019, 7, 4).unwrap(), false)]);
    }
}
