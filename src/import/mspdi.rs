//! Microsoft Project XML (MSPDI), as Project and ProjectLibre write it: tasks (summary tasks
//! skipped, their links carried to their leaves; milestones kept), durations, the four link
//! types with lags in every format, the project calendar (working days, exceptions, recurring
//! exceptions), the start date, progress, and custom duration fields for three-point estimates.

use std::collections::{BTreeMap, HashMap, HashSet};

use jiff::civil::{Date, DateTime, Weekday};
use roxmltree::{Document, Node};

use super::{
    DayHours, ImportError, Imported, Link, LinkKind, Options, Progress, Task, carry_summary_links,
    drop_out_of_sequence, parse_datetime,
};
use crate::import::Format;
use crate::model::calendar::Calendar;

/// Project's field ids of Duration1..Duration10.
const DURATION_FIELDS: [(&str, &str); 10] = [
    ("duration1", "188743783"),
    ("duration2", "188743784"),
    ("duration3", "188743785"),
    ("duration4", "188743955"),
    ("duration5", "188743956"),
    ("duration6", "188743957"),
    ("duration7", "188743958"),
    ("duration8", "188743959"),
    ("duration9", "188743960"),
    ("duration10", "188743961"),
];

fn child<'a>(n: Node<'a, 'a>, name: &str) -> Option<Node<'a, 'a>> {
    n.children().find(|c| c.tag_name().name() == name)
}

fn text<'a>(n: Node<'a, 'a>, name: &str) -> Option<&'a str> {
    child(n, name).and_then(|c| c.text()).map(str::trim)
}

fn int(n: Node, name: &str) -> Option<i64> {
    text(n, name).and_then(|s| s.parse().ok())
}

/// `PT8H0M0S` (or `P1DT2H`, `PT1.5H`) in minutes.
pub fn iso_minutes(s: &str) -> Option<f64> {
    let s = s.trim();
    let neg = s.starts_with('-');
    let s = s.trim_start_matches('-').strip_prefix('P')?;
    let mut minutes = 0.0;
    let mut num = String::new();
    let mut in_time = false;
    for c in s.chars() {
        match c {
            'T' => in_time = true,
            '0'..='9' | '.' => num.push(c),
            'D' | 'H' | 'M' | 'S' | 'W' | 'Y' => {
                let v: f64 = num.parse().ok()?;
                num.clear();
                minutes += v * match (c, in_time) {
                    ('W', false) => 7.0 * 1440.0,
                    ('D', _) => 1440.0,
                    ('H', true) => 60.0,
                    ('M', true) => 1.0,
                    ('S', true) => 1.0 / 60.0,
                    _ => return None,
                };
            }
            _ => return None,
        }
    }
    num.is_empty()
        .then_some(if neg { -minutes } else { minutes })
}

/// Byte offsets of line starts, to name a node's line without rescanning the text.
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Lines {
        Lines(
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
        )
    }
    fn of(&self, n: Node) -> usize {
        self.0.partition_point(|&s| s <= n.range().start)
    }
}

fn weekday_of(day_type: i64) -> Option<Weekday> {
    // DayType 1 is Sunday ... 7 Saturday.
    Some(match day_type {
        1 => Weekday::Sunday,
        2 => Weekday::Monday,
        3 => Weekday::Tuesday,
        4 => Weekday::Wednesday,
        5 => Weekday::Thursday,
        6 => Weekday::Friday,
        7 => Weekday::Saturday,
        _ => return None,
    })
}

fn hours_of(n: Node) -> Vec<(u32, u32)> {
    let minute = |s: &str| -> Option<u32> {
        let mut p = s.split(':');
        let h: u32 = p.next()?.parse().ok()?;
        let m: u32 = p.next()?.parse().ok()?;
        Some(h * 60 + m)
    };
    child(n, "WorkingTimes")
        .into_iter()
        .flat_map(|w| {
            w.children()
                .filter(|c| c.tag_name().name() == "WorkingTime")
        })
        .filter_map(|w| {
            let a = minute(text(w, "FromTime")?)?;
            let b = minute(text(w, "ToTime")?)?;
            // 00:00 as an end is midnight.
            Some((a, if b == 0 { 1440 } else { b }))
        })
        .collect()
}

/// A calendar as Project describes it: per weekday working or not, and dated exceptions.
#[derive(Default, Clone)]
struct RawCal {
    base: Option<String>,
    week: [Option<bool>; 7],
    hours: Option<Vec<(u32, u32)>>,
    /// Dates and whether they work.
    exceptions: Vec<(Date, bool)>,
    recurring: usize,
}

fn date_range(from: Date, to: Date, mut keep: impl FnMut(Date) -> bool) -> Vec<Date> {
    let mut out = vec![];
    let mut d = from;
    while d <= to && out.len() < 50_000 {
        if keep(d) {
            out.push(d);
        }
        match d.tomorrow() {
            Ok(n) => d = n,
            Err(_) => break,
        }
    }
    out
}

/// The dates of one `<Exception>`: a range, or a recurrence inside it.
fn exception_dates(e: Node) -> Vec<Date> {
    let Some(tp) = child(e, "TimePeriod") else {
        return vec![];
    };
    let (Some(from), Some(to)) = (
        text(tp, "FromDate").and_then(parse_datetime),
        text(tp, "ToDate").and_then(parse_datetime),
    ) else {
        return vec![];
    };
    let (from, to) = (from.date(), to.date());
    let period = int(e, "Period").unwrap_or(1).max(1);
    let kind = int(e, "Type").unwrap_or(1);
    let month_item = int(e, "MonthItem").unwrap_or(3);
    let position = int(e, "MonthPosition").unwrap_or(0);
    let month = int(e, "Month").unwrap_or(0);
    let month_day = int(e, "MonthDay").unwrap_or(1);
    let days_of_week = int(e, "DaysOfWeek").unwrap_or(0);
    // The n-th (0-based; 4 = last) `item` of a month: 3 = Sunday .. 9 = Saturday.
    let nth = |y: i16, m: i8| -> Option<Date> {
        let wd = weekday_of(month_item - 2)?;
        let first = Date::new(y, m, 1).ok()?;
        let days: Vec<Date> = date_range(first, first.last_of_month(), |d| d.weekday() == wd);
        if position >= 4 {
            days.last().copied()
        } else {
            days.get(position as usize).copied()
        }
    };
    let months_since = |d: Date| {
        (i64::from(d.year()) - i64::from(from.year())) * 12 + i64::from(d.month())
            - i64::from(from.month())
    };
    match kind {
        // Daily: every `period` days.
        1 | 7 => {
            let mut k = 0i64;
            date_range(from, to, |_| {
                k += 1;
                (k - 1) % period == 0
            })
        }
        // Weekly: the days of `DaysOfWeek` (bit 0 Sunday) every `period` weeks.
        6 => {
            let week0 = from.first_of_month(); // any fixed anchor works for the parity
            let _ = week0;
            let monday = |d: Date| {
                d.checked_sub(
                    jiff::Span::new().days(i64::from(d.weekday().to_monday_zero_offset())),
                )
                .unwrap_or(d)
            };
            let anchor = monday(from);
            date_range(from, to, |d| {
                let bit = 1 << d.weekday().to_sunday_zero_offset();
                let weeks = (monday(d) - anchor).get_days() as i64 / 7;
                days_of_week & bit != 0 && weeks % period == 0
            })
        }
        // Monthly by day, every `period` months.
        4 => date_range(from, to, |d| {
            i64::from(d.day()) == month_day && months_since(d) % period == 0
        }),
        // Monthly by position.
        5 => date_range(from, to, |d| {
            months_since(d) % period == 0 && nth(d.year(), d.month()) == Some(d)
        }),
        // Yearly by day (Month is 0-based).
        2 => date_range(from, to, |d| {
            i64::from(d.month()) == month + 1 && i64::from(d.day()) == month_day
        }),
        // Yearly by position.
        3 => date_range(from, to, |d| {
            i64::from(d.month()) == month + 1 && nth(d.year(), d.month()) == Some(d)
        }),
        _ => date_range(from, to, |_| true),
    }
}

fn read_calendar(n: Node) -> (String, RawCal) {
    let uid = text(n, "UID").unwrap_or("").to_string();
    let mut cal = RawCal {
        base: text(n, "BaseCalendarUID")
            .filter(|b| *b != "-1" && !b.is_empty())
            .map(str::to_string),
        ..RawCal::default()
    };
    if let Some(week) = child(n, "WeekDays") {
        for wd in week.children().filter(|c| c.tag_name().name() == "WeekDay") {
            let working = int(wd, "DayWorking") == Some(1);
            let day_type = int(wd, "DayType").unwrap_or(-1);
            if day_type == 0 {
                // Project 2003's exceptions: a WeekDay with a TimePeriod.
                if let Some(tp) = child(wd, "TimePeriod")
                    && let (Some(a), Some(b)) = (
                        text(tp, "FromDate").and_then(parse_datetime),
                        text(tp, "ToDate").and_then(parse_datetime),
                    )
                {
                    for d in date_range(a.date(), b.date(), |_| true) {
                        cal.exceptions.push((d, working));
                    }
                }
            } else if let Some(w) = weekday_of(day_type) {
                cal.week[w.to_monday_zero_offset() as usize] = Some(working);
                if working && cal.hours.is_none() {
                    let h = hours_of(wd);
                    if !h.is_empty() {
                        cal.hours = Some(h);
                    }
                }
            }
        }
    }
    if let Some(ex) = child(n, "Exceptions") {
        for e in ex.children().filter(|c| c.tag_name().name() == "Exception") {
            let working = int(e, "DayWorking") == Some(1);
            let kind = int(e, "Type").unwrap_or(1);
            if kind != 1 {
                cal.recurring += 1;
            }
            for d in exception_dates(e) {
                cal.exceptions.push((d, working));
            }
        }
    }
    (uid, cal)
}

pub fn read(path: &str, bytes: &[u8], options: &Options) -> Result<Imported, ImportError> {
    let text_all = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        ImportError::new(path, "this XML file is not UTF-8 text")
            .at(line)
            .hint("save it from Project again as XML (Project writes UTF-8)")
    })?;
    let body = text_all.trim_start_matches('\u{feff}');
    let lines = Lines::new(body);
    let doc = Document::parse(body).map_err(|e| {
        let pos = e.pos();
        ImportError::new(path, format!("malformed XML: {e}"))
            .at(pos.row as usize)
            .col(pos.col.to_string())
            .hint("the file is damaged or cut short: export it from Project again")
    })?;
    let root = doc.root_element();
    if root.tag_name().name() != "Project" {
        return Err(ImportError::new(
            path,
            format!(
                "the root element is <{}>, not <Project>: this is not Microsoft Project XML",
                root.tag_name().name()
            ),
        )
        .at(lines.of(root)));
    }
    let mut plan = Imported::new(path, Format::Mspdi);
    plan.name = text(root, "Title")
        .or(text(root, "Name"))
        .unwrap_or("")
        .to_string();
    let minutes_per_day = text(root, "MinutesPerDay")
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|m| *m > 0.0)
        .unwrap_or(480.0);
    let start = text(root, "StartDate").and_then(parse_datetime);

    // Calendars: the project's, over its base.
    let cals: HashMap<String, RawCal> = child(root, "Calendars")
        .into_iter()
        .flat_map(|c| c.children().filter(|n| n.tag_name().name() == "Calendar"))
        .map(read_calendar)
        .collect();
    let cal_uid = text(root, "CalendarUID").unwrap_or("1").to_string();
    let mut chain = vec![];
    let mut at = Some(cal_uid.clone());
    while let Some(u) = at {
        if chain.len() > 10 || chain.contains(&u) {
            break;
        }
        let c = cals.get(&u);
        at = c.and_then(|c| c.base.clone());
        if let Some(c) = c {
            chain.push(u);
            let _ = c;
        }
    }
    let mut week = [true, true, true, true, true, false, false];
    let mut hours = None;
    let mut exceptions: BTreeMap<Date, bool> = BTreeMap::new();
    let mut recurring = 0;
    for u in chain.iter().rev() {
        let c = &cals[u];
        for (day, w) in week.iter_mut().zip(c.week) {
            if let Some(w) = w {
                *day = w;
            }
        }
        if c.hours.is_some() {
            hours = c.hours.clone();
        }
        for (d, w) in &c.exceptions {
            exceptions.insert(*d, *w);
        }
        recurring += c.recurring;
    }
    if week.iter().all(|w| !w) {
        week = [true, true, true, true, true, false, false];
    }
    let mut calendar = Calendar {
        start: start.map(|s| s.date()),
        workdays: week,
        ..Calendar::default()
    };
    let from = start.map(|s| s.date()).unwrap_or(Date::MIN);
    let mut before = 0;
    for (d, working) in &exceptions {
        if *d < from {
            before += 1;
            continue;
        }
        let weekday_works = week[d.weekday().to_monday_zero_offset() as usize];
        match (working, weekday_works) {
            (false, true) => calendar.holidays.push(*d),
            (true, false) => calendar.workdates.push(*d),
            _ => {}
        }
    }
    plan.calendar = calendar;
    if let Some(h) = hours {
        plan.hours = DayHours(h);
    }
    plan.read.push(format!(
        "the project calendar (UID {cal_uid}{}): working weekdays, {} non-working and {} working exception days from the start on ({} recurring exceptions expanded)",
        if chain.len() > 1 { ", over its base calendar" } else { "" },
        plan.calendar.holidays.len(),
        plan.calendar.workdates.len(),
        recurring
    ));
    if before > 0 {
        plan.skipped.push(format!(
            "{before} calendar exception days before the project start (they cannot matter)"
        ));
    }
    plan.skipped.push("working hours within a day: a partly worked exception day counts as a whole working day, and a day is MinutesPerDay of work".into());

    // Custom duration fields for three-point estimates.
    let field_id = |name: &str| -> Option<String> {
        let lname = name.to_ascii_lowercase();
        let declared = child(root, "ExtendedAttributes").and_then(|ea| {
            ea.children()
                .filter(|c| c.tag_name().name() == "ExtendedAttribute")
                .find(|c| {
                    text(*c, "FieldName").is_some_and(|f| f.eq_ignore_ascii_case(name))
                        || text(*c, "Alias").is_some_and(|f| f.eq_ignore_ascii_case(name))
                })
                .and_then(|c| text(c, "FieldID"))
                .map(str::to_string)
        });
        declared.or_else(|| {
            DURATION_FIELDS
                .iter()
                .find(|(n, _)| *n == lname)
                .map(|(_, id)| id.to_string())
        })
    };
    let mut custom: Vec<(String, String)> = vec![];
    for name in [&options.low_field, &options.high_field]
        .into_iter()
        .flatten()
    {
        match field_id(name) {
            Some(id) => custom.push((name.clone(), id)),
            None => {
                return Err(ImportError::new(
                    path,
                    format!("no custom field `{name}` in this file"),
                )
                .hint("name a duration field (Duration1 .. Duration10) or its alias"));
            }
        }
    }

    let status = text(root, "StatusDate")
        .or(text(root, "CurrentDate"))
        .and_then(parse_datetime);

    // Tasks.
    let Some(tasks_node) = child(root, "Tasks") else {
        return Err(ImportError::new(path, "no <Tasks> in this file").at(lines.of(root)));
    };
    struct Entry {
        id: String,
        summary: bool,
        level: i64,
        links: Vec<(Link, usize)>,
    }
    let mut entries: Vec<Entry> = vec![];
    let mut tasks: Vec<Task> = vec![];
    let mut summaries: BTreeMap<String, (Vec<String>, Vec<String>)> = BTreeMap::new();
    let mut stack: Vec<(i64, String)> = vec![];
    let (mut n_summary, mut inactive, mut constrained, mut manual, mut elapsed_lags, mut pct_lags) =
        (0, 0, 0, 0, 0, 0);
    let mut task_cals = 0;
    let mut latest_actual: Option<Date> = None;
    let mut scheduled_of: HashMap<String, (Option<DateTime>, Option<DateTime>, f64)> =
        HashMap::new();
    let mut seen = HashSet::new();
    let mut project_summary = None;
    for tn in tasks_node
        .children()
        .filter(|c| c.tag_name().name() == "Task")
    {
        let line = lines.of(tn);
        let Some(uid) = text(tn, "UID") else {
            return Err(ImportError::new(path, "a task without a <UID>").at(line));
        };
        if int(tn, "IsNull") == Some(1) {
            continue;
        }
        let level = int(tn, "OutlineLevel").unwrap_or(1);
        if level == 0 || uid == "0" && int(tn, "Summary") == Some(1) {
            // The project summary task: kept only as a stand-in for an empty plan.
            project_summary = Some((tn, line));
            continue;
        }
        if int(tn, "Active") == Some(0) {
            inactive += 1;
            continue;
        }
        if !seen.insert(uid.to_string()) {
            return Err(
                ImportError::new(path, format!("the task UID {uid} appears twice")).at(line),
            );
        }
        let id = super::clean_id(uid);
        while stack.last().is_some_and(|(l, _)| *l >= level) {
            stack.pop();
        }
        let summary = int(tn, "Summary") == Some(1);
        let mut links = vec![];
        for ln in tn
            .children()
            .filter(|c| c.tag_name().name() == "PredecessorLink")
        {
            let lline = lines.of(ln);
            let Some(pred) = text(ln, "PredecessorUID") else {
                return Err(ImportError::new(
                    path,
                    format!("task UID {uid}: a link without a <PredecessorUID>"),
                )
                .at(lline));
            };
            let kind = match int(ln, "Type").unwrap_or(1) {
                0 => LinkKind::FF,
                1 => LinkKind::FS,
                2 => LinkKind::SF,
                3 => LinkKind::SS,
                t => {
                    return Err(ImportError::new(
                        path,
                        format!("task UID {uid}: unknown link type {t}"),
                    )
                    .at(lline)
                    .hint("MSPDI link types are 0 (FF), 1 (FS), 2 (SF) and 3 (SS)"));
                }
            };
            let lag_raw = text(ln, "LinkLag")
                .and_then(|s| s.parse::<f64>().ok())
                .unwrap_or(0.0);
            let format = int(ln, "LagFormat").unwrap_or(7);
            links.push((
                Link {
                    target: super::clean_id(pred),
                    kind,
                    // Resolved below, once every task's dates are known: lag in raw units.
                    lag: lag_raw,
                },
                format as usize,
            ));
            if matches!(format, 4 | 6 | 8 | 10 | 12 | 36 | 38 | 40 | 42 | 44) {
                elapsed_lags += 1;
            }
            if matches!(format, 19 | 20 | 51 | 52) {
                pct_lags += 1;
            }
        }
        let leaf_of: Vec<String> = stack.iter().map(|(_, s)| s.clone()).collect();
        if summary {
            let s = text(tn, "Start").and_then(parse_datetime);
            let f = text(tn, "Finish").and_then(parse_datetime);
            let d = text(tn, "Duration").and_then(iso_minutes).unwrap_or(0.0) / minutes_per_day;
            scheduled_of.insert(id.clone(), (s, f, d));
            n_summary += 1;
            summaries.entry(id.clone()).or_default();
            stack.push((level, id.clone()));
            entries.push(Entry {
                id,
                summary,
                level,
                links,
            });
            continue;
        }
        for s in &leaf_of {
            summaries.entry(s.clone()).or_default().0.push(id.clone());
        }
        let mut t = Task::new(id.clone(), format!("line {line}"));
        t.name = text(tn, "Name").unwrap_or(uid).to_string();
        t.milestone = int(tn, "Milestone") == Some(1);
        let minutes = match text(tn, "Duration") {
            None => 0.0,
            Some(d) => iso_minutes(d).ok_or_else(|| {
                ImportError::new(
                    path,
                    format!("task `{uid}`: <Duration> `{d}` is not a duration"),
                )
                .at(line)
                .hint("Project writes durations as PT16H0M0S (16 hours); export the file from Project again")
            })?,
        };
        t.planned = (minutes / minutes_per_day).max(0.0);
        for (i, (_, fid)) in custom.iter().enumerate() {
            let v = tn
                .children()
                .filter(|c| c.tag_name().name() == "ExtendedAttribute")
                .find(|c| text(*c, "FieldID") == Some(fid.as_str()))
                .and_then(|c| text(c, "Value"))
                .and_then(|v| {
                    iso_minutes(v)
                        .map(|m| m / minutes_per_day)
                        .or_else(|| v.parse().ok())
                });
            if i == 0 && options.low_field.is_some() {
                t.low = v;
            } else {
                t.high = v;
            }
        }
        let s = text(tn, "Start").and_then(parse_datetime);
        let f = text(tn, "Finish").and_then(parse_datetime);
        if let (Some(s), Some(f)) = (s, f) {
            t.scheduled = Some((s, f));
        }
        scheduled_of.insert(id.clone(), (s, f, t.planned));
        if int(tn, "ConstraintType").is_some_and(|c| c != 0) {
            constrained += 1;
        }
        if int(tn, "Manual") == Some(1) {
            manual += 1;
        }
        if text(tn, "CalendarUID").is_some_and(|c| c != "-1" && c != cal_uid) {
            task_cals += 1;
        }
        let a_start = text(tn, "ActualStart").and_then(parse_datetime);
        let a_finish = text(tn, "ActualFinish").and_then(parse_datetime);
        let pct = int(tn, "PercentComplete").unwrap_or(0);
        let remaining = text(tn, "RemainingDuration")
            .and_then(iso_minutes)
            .map(|m| m / minutes_per_day);
        t.progress = match (a_start, a_finish) {
            (_, Some(fin)) => Progress::Done {
                started: a_start.map(|d| d.date()),
                finished: fin.date(),
            },
            (Some(st), None) if pct >= 100 => Progress::Done {
                started: Some(st.date()),
                finished: f.map(|f| f.date()).unwrap_or(st.date()),
            },
            (Some(st), None) => Progress::Started {
                started: st.date(),
                remaining: remaining
                    .unwrap_or(t.planned * (1.0 - pct as f64 / 100.0))
                    .max(0.0),
            },
            _ => Progress::None,
        };
        for d in [a_start, a_finish].into_iter().flatten() {
            latest_actual = Some(latest_actual.map_or(d.date(), |l: Date| l.max(d.date())));
        }
        tasks.push(t);
        entries.push(Entry {
            id,
            summary,
            level,
            links,
        });
    }
    let _ = entries.iter().map(|e| e.level).max();

    // Lags in working days; links on summary tasks carried to their leaves.
    let mut summary_links = vec![];
    let index: HashMap<String, usize> = tasks
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.clone(), i))
        .collect();
    for e in &entries {
        let mut resolved = vec![];
        for (l, format) in &e.links {
            let raw = l.lag;
            let lag = match format {
                19 | 20 | 51 | 52 => {
                    // Percent of the predecessor's duration (LinkLag holds tenths of a percent).
                    let d = scheduled_of.get(&l.target).map_or(0.0, |x| x.2);
                    raw / 10.0 / 100.0 * d
                }
                4 | 6 | 8 | 10 | 12 | 36 | 38 | 40 | 42 | 44 => {
                    // Elapsed time: converted at the predecessor's scheduled date.
                    let minutes = raw / 10.0;
                    let anchor = scheduled_of.get(&l.target).and_then(|x| match l.kind {
                        LinkKind::FS | LinkKind::FF => x.1,
                        LinkKind::SS | LinkKind::SF => x.0,
                    });
                    match anchor.and_then(|a| {
                        let b = a
                            .checked_add(jiff::Span::new().try_minutes(minutes as i64).ok()?)
                            .ok()?;
                        Some(elapsed_to_working(&plan, a, b))
                    }) {
                        Some(v) => v,
                        None => {
                            let per_week =
                                plan.calendar.workdays.iter().filter(|w| **w).count() as f64;
                            minutes / 1440.0 * per_week / 7.0
                        }
                    }
                }
                _ => raw / 10.0 / minutes_per_day,
            };
            resolved.push(Link {
                lag: super::round(lag, 6),
                ..l.clone()
            });
        }
        if e.summary {
            for l in resolved {
                summary_links.push((e.id.clone(), l));
            }
        } else if let Some(&i) = index.get(&e.id) {
            tasks[i].after = resolved;
        }
    }
    // Which leaves start each summary: those with no predecessor among its leaves.
    for (leaves, starters) in summaries.values_mut() {
        let set: HashSet<&String> = leaves.iter().collect();
        *starters = leaves
            .iter()
            .filter(|l| {
                index
                    .get(*l)
                    .is_some_and(|&i| tasks[i].after.iter().all(|p| !set.contains(&p.target)))
            })
            .cloned()
            .collect();
    }
    // A summary with no leaves is dropped along with its links.
    let empty: Vec<String> = summaries
        .iter()
        .filter(|(_, v)| v.0.is_empty())
        .map(|(k, _)| k.clone())
        .collect();
    for k in &empty {
        summaries.remove(k);
    }
    for t in &mut tasks {
        t.after.retain(|l| !empty.contains(&l.target));
    }
    let n_links: usize = tasks.iter().map(|t| t.after.len()).sum::<usize>() + summary_links.len();
    carry_summary_links(&mut tasks, &summaries, &summary_links);
    for t in &mut tasks {
        let mut seen = HashSet::new();
        t.after
            .retain(|l| seen.insert((l.target.clone(), format!("{:?}", l.kind), l.lag.to_bits())));
    }
    if tasks.is_empty()
        && let Some((tn, line)) = project_summary
    {
        let mut t = Task::new("project", format!("line {line}"));
        t.name = text(tn, "Name").unwrap_or("Project").to_string();
        t.milestone = true;
        t.scheduled = text(tn, "Start").and_then(parse_datetime).map(|s| (s, s));
        t.note =
            Some("the project summary task, as a milestone: the plan has no other task".into());
        plan.skipped.push("the plan has no tasks: its project summary task stands in, as a milestone at the start".into());
        tasks.push(t);
    }
    plan.tasks = tasks;
    if plan.tasks.is_empty() {
        return Err(ImportError::new(
            path,
            "no tasks in this plan (only summary tasks, or none)",
        ));
    }

    if plan.calendar.start.is_none() {
        return Err(ImportError::new(path, "no <StartDate> for the project")
            .hint("save the plan from Project with a project start date"));
    }
    let in_flight = plan
        .tasks
        .iter()
        .any(|t| !matches!(t.progress, Progress::None));
    if in_flight {
        let mut s = status.map(|s| s.date()).or(latest_actual);
        if let (Some(sd), Some(la)) = (s, latest_actual)
            && la > sd
        {
            plan.skipped.push(format!(
                "the status date {sd}: actual dates run to {la}, which is used instead"
            ));
            s = Some(la);
        }
        if let (Some(sd), Some(st)) = (s, plan.calendar.start)
            && sd < st
        {
            s = Some(st);
        }
        plan.status_date = s;
        drop_out_of_sequence(&mut plan);
    }

    let milestones = plan.tasks.iter().filter(|t| t.milestone).count();
    plan.read.insert(
        0,
        format!(
            "{} tasks ({} milestones) and {} links; {} summary tasks skipped, their links carried to their tasks as Project does",
            plan.tasks.len(),
            milestones,
            n_links,
            n_summary
        ),
    );
    plan.read.push(format!(
        "durations and lags at {} minutes per working day; the start date{}",
        minutes_per_day,
        if in_flight { "; actual start and finish dates and remaining durations as work in flight, as of the status date" } else { "" }
    ));
    if elapsed_lags > 0 {
        plan.read.push(format!("{elapsed_lags} elapsed lags, turned into working days at the predecessor's scheduled dates"));
    }
    if pct_lags > 0 {
        plan.read.push(format!(
            "{pct_lags} percentage lags, as that share of the predecessor's planned duration"
        ));
    }
    if !custom.is_empty() {
        plan.fields = Some(format!(
            "the custom fields {}",
            custom
                .iter()
                .map(|(n, id)| format!("{n} (field {id})"))
                .collect::<Vec<_>>()
                .join(" and ")
        ));
    }
    if inactive > 0 {
        plan.skipped.push(format!("{inactive} inactive tasks"));
    }
    if constrained > 0 {
        plan.skipped.push(format!("date constraints on {constrained} tasks (shipcast schedules every task as soon as possible)"));
    }
    if manual > 0 {
        plan.skipped.push(format!("manual scheduling on {manual} tasks: they are scheduled from their links like the others"));
    }
    if task_cals > 0 {
        plan.skipped.push(format!(
            "task calendars on {task_cals} tasks: every task uses the project calendar"
        ));
    }
    plan.skipped
        .push("resources, assignments, costs and baselines".into());
    Ok(plan)
}

/// Working days between two instants on the plan's calendar.
fn elapsed_to_working(plan: &Imported, a: DateTime, b: DateTime) -> f64 {
    match (plan.time(a), plan.time(b)) {
        (Some(x), Some(y)) => y - x,
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_durations() {
        assert_eq!(iso_minutes("PT8H0M0S"), Some(480.0));
        assert_eq!(iso_minutes("PT1.5H"), Some(90.0));
        assert_eq!(iso_minutes("P1DT2H"), Some(1440.0 + 120.0));
        assert_eq!(iso_minutes("8h"), None);
    }
}
