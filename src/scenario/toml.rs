//! Reads a TOML scenario into a [`RawScenario`], collecting every problem rather than stopping at
//! the first: unknown keys (with a "did you mean"), wrong types, malformed durations and dates.

use std::ops::Range;

use jiff::civil::Date;
use toml_edit::{Document, Item, TableLike, Value};

use super::diag::{Diagnostic, did_you_mean};
use super::raw::*;

mod shared;

const TOP_KEYS: &[&str] = &[
    "project",
    "task",
    "risk",
    "milestone",
    "correlation",
    "variant",
    "sweep",
    "resource",
    "calibration",
];
/// What `shipcast calibrate` writes in a `[calibration.NAME]` table.
const CALIBRATION_KEYS: &[&str] = &[
    "use",
    "quantiles",
    "mu",
    "sigma",
    "n",
    "source",
    "filter",
    "group",
    "fallback",
    "ks",
    "exactly_one",
];
const SWEEP_KEYS: &[&str] = &["set", "milestone"];
const VARIANT_KEYS: &[&str] = &[
    "description",
    "remove",
    "scores",
    "project",
    "task",
    "risk",
    "milestone",
    "correlation",
    "resource",
];
const PROJECT_KEYS: &[&str] = &[
    "name",
    "start",
    "status_date",
    "workdays",
    "holidays",
    "workdates",
    "three_point",
    "seed",
    "iterations",
    "cost_per_day",
    "scores",
    "calibration",
];
const TASK_KEYS: &[&str] = &[
    "id",
    "name",
    "after",
    "duration",
    "success",
    "attempts",
    "retry_duration",
    "fallback",
    "cost",
    "cost_per_day",
    "done",
    "actual",
    "finished",
    "started",
    "remaining",
    "progress",
    "attempt",
    "estimate",
    "calibration",
    "uses",
    "priority",
    "backlog",
];
const RISK_KEYS: &[&str] = &[
    "id",
    "name",
    "probability",
    "affects",
    "delay",
    "scale",
    "restart",
    "once",
    "cost",
];
const MILESTONE_KEYS: &[&str] = &[
    "id",
    "name",
    "after",
    "deadline",
    "confidence",
    "budget",
    "budget_confidence",
    "value_per_day",
];
const CORRELATION_KEYS: &[&str] = &["tasks", "of", "coefficient", "matrix", "repair"];
const LINK_KEYS: &[&str] = &["task", "type", "lag"];
/// The sections written `[[name]]`, one per item.
const ARRAY_SECTIONS: &[&str] = &["task", "risk", "milestone", "correlation", "resource"];
/// The keys a distribution table may hold, as `'static` names for "did you mean".
const KNOWN: &[&str] = &[
    "set",
    "date",
    "capacity",
    "quantiles",
    "mu",
    "sigma",
    "dist",
    "min",
    "max",
    "low",
    "likely",
    "high",
    "mean",
    "sd",
    "p10",
    "p90",
    "median",
    "values",
];
/// Other names people give a distribution's parameters.
const DIST_SYNONYMS: &[(&str, &str)] = &[
    ("min", "low"),
    ("max", "high"),
    ("minimum", "low"),
    ("maximum", "high"),
    ("optimistic", "low"),
    ("pessimistic", "high"),
    ("mode", "likely"),
    ("most_likely", "likely"),
    ("ml", "likely"),
    ("low", "min"),
    ("high", "max"),
    ("minimum", "min"),
    ("maximum", "max"),
    ("average", "mean"),
    ("mu", "mean"),
    ("stddev", "sd"),
    ("std", "sd"),
    ("sigma", "sd"),
    ("p50", "median"),
    ("samples", "values"),
];
const DISTS: &[&str] = &[
    "uniform",
    "triangular",
    "pert",
    "normal",
    "lognormal",
    "samples",
];

/// Parses scenario text. On success, also returns the problems that do not stop the plan from
/// being checked further (unknown keys), so that validation can report them together with its
/// own. On failure, returns every problem found, in file order.
pub fn parse(text: &str) -> Result<(RawScenario, Vec<Diagnostic>), Vec<Diagnostic>> {
    let doc = match Document::parse(text) {
        Ok(d) => d,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            let msg = e.message().trim().to_string();
            // The TOML parser's words, translated into what to do.
            let hint = if msg.contains("invalid date") || msg.contains("invalid time") {
                "dates are written YYYY-MM-DD, like 2027-07-30, and must exist on the calendar"
            } else if msg.contains("duplicate key") {
                "a key may appear once in a table: keep one of them"
            } else if msg.contains("basic string") {
                "close the text with a `\"` on the same line (\"\"\"...\"\"\" spans several lines)"
            } else if msg.contains("must be quoted") {
                "text goes in double quotes (id = \"design\"); numbers, dates, true, false and [lists] do not; is a value missing after `=`?"
            } else if msg.contains("recursion") {
                "values nest too deeply: a scenario's lists and tables nest a few levels at most"
            } else if msg.contains("unclosed") && msg.contains("table") {
                "a section header is closed on its line: [project], [[task]]"
            } else {
                "see the scenario language in the README, or start from `shipcast init`"
            };
            return Err(vec![
                Diagnostic::new(span, format!("this is not valid TOML: {msg}")).hint(hint),
            ]);
        }
    };
    let mut r = Reader {
        diags: Vec::new(),
        unknown: Vec::new(),
        misspelled: false,
        header: None,
    };
    let scenario = r.scenario(doc.as_table());
    // A variant re-reads the base's text: report each problem once.
    dedup(&mut r.diags);
    dedup(&mut r.unknown);
    if r.diags.is_empty() && !r.misspelled {
        Ok((scenario, r.unknown))
    } else {
        let mut diags = r.diags;
        diags.append(&mut r.unknown);
        diags.sort_by_key(|d| d.span.start);
        Err(diags)
    }
}

/// Drops repeated diagnostics (same place, same message), keeping the first.
pub fn dedup(diags: &mut Vec<Diagnostic>) {
    let mut seen = std::collections::HashSet::new();
    diags.retain(|d| seen.insert((d.span.clone(), d.message.clone())));
}

/// A base correlation group as a variant sees it: without the tasks the variant removes (their
/// rows and columns of a matrix go too), or None when fewer than two tasks are left.
fn without_removed(mut c: RawCorrelation, removed: &[Sp<String>]) -> Option<RawCorrelation> {
    let Some(tasks) = &c.tasks else {
        return Some(c);
    };
    let keep: Vec<bool> = tasks
        .value
        .iter()
        .map(|t| !removed.iter().any(|r| r.value == t.value))
        .collect();
    if keep.iter().all(|k| *k) {
        return Some(c);
    }
    if keep.iter().filter(|k| **k).count() < 2 {
        return None;
    }
    let n = keep.len();
    if let Some(m) = &mut c.matrix
        && m.value.len() == n
        && m.value.iter().all(|r| r.value.len() == n)
    {
        let rows = std::mem::take(&mut m.value);
        m.value = rows
            .into_iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(mut r, _)| {
                let cells = std::mem::take(&mut r.value);
                r.value = cells
                    .into_iter()
                    .zip(&keep)
                    .filter(|(_, k)| **k)
                    .map(|(x, _)| x)
                    .collect();
                r
            })
            .collect();
    }
    if let Some(t) = &mut c.tasks {
        let all = std::mem::take(&mut t.value);
        t.value = all
            .into_iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(x, _)| x)
            .collect();
    }
    Some(c)
}

/// A table-like value as an owned table (spans kept).
fn to_table(t: &dyn TableLike) -> toml_edit::Table {
    let mut out = toml_edit::Table::new();
    overlay(&mut out, t);
    out
}

/// Sets every key of `over` in `base`, keeping keys' and values' spans.
fn overlay(base: &mut toml_edit::Table, over: &dyn TableLike) {
    for (k, item) in over.iter() {
        match over.key(k) {
            Some(key) => base.insert_formatted(key, item.clone()),
            None => base.insert(k, item.clone()),
        };
    }
}

/// The tables of a `[[section]]` list (or an inline array of tables), cloned.
fn tables_of(item: Option<&Item>) -> Vec<toml_edit::Table> {
    match item {
        Some(Item::ArrayOfTables(a)) => a.iter().cloned().collect(),
        Some(Item::Value(Value::Array(a))) => a
            .iter()
            .filter_map(|v| v.as_inline_table())
            .map(|t| to_table(t))
            .collect(),
        _ => vec![],
    }
}

fn id_of(t: &toml_edit::Table) -> Option<String> {
    t.get("id").and_then(|i| i.as_str()).map(str::to_string)
}

struct Reader {
    diags: Vec<Diagnostic>,
    /// Unknown keys: reported, but they do not keep the rest from being read correctly.
    unknown: Vec<Diagnostic>,
    /// Whether a misspelled section, `[project]` key or distribution parameter was found: its
    /// value is missing wherever the plan expects it, so the plan is not checked further (it
    /// would only add knock-ons). A misspelled key elsewhere marks its table instead
    /// (`Diagnostic::covers`).
    misspelled: bool,
    /// The header of the table being read, for `covers`.
    header: Option<Range<usize>>,
}

/// A date as a scenario writes it, `YYYY-MM-DD`, or why not in the scenario's own terms (the
/// date parser's messages speak of "two digit integers" and "parameters").
pub fn parse_date(text: &str) -> Result<Date, (String, String)> {
    let shape = "dates are written YYYY-MM-DD";
    let parts: Vec<&str> = text.trim().split('-').collect();
    let digits = |p: &str, max: usize| {
        !p.is_empty() && p.len() <= max && p.bytes().all(|b| b.is_ascii_digit())
    };
    if parts.len() != 3 || !digits(parts[0], 4) || !digits(parts[1], 2) || !digits(parts[2], 2) {
        return Err((
            format!("`{text}` is not a date"),
            format!("{shape}, like 2027-07-30"),
        ));
    }
    // Each part is 1 to 4 digits: the parses cannot fail.
    let num = |p: &str| p.parse::<i16>().unwrap_or(0);
    let (y, m, d) = (num(parts[0]), num(parts[1]), num(parts[2]));
    let padded = format!("{y:04}-{m:02}-{d:02}");
    if parts[0].len() != 4 || parts[1].len() != 2 || parts[2].len() != 2 {
        let hint = if (1..=12).contains(&m) && d >= 1 {
            format!("{shape}, with zeros in front: {padded}")
        } else {
            format!("{shape}, like 2027-07-30")
        };
        return Err((format!("`{text}` is not written as a date"), hint));
    }
    if !(1..=12).contains(&m) {
        return Err((
            format!("`{text}` has no month {m}"),
            format!("{shape}: the month comes second, from 01 to 12"),
        ));
    }
    if y < 1 {
        return Err((
            format!("`{text}` is before year 1"),
            "dates run from 0001-01-01 to 9999-12-31".into(),
        ));
    }
    let last = Date::new(y, m as i8, 1)
        .ok()
        .map(|first| first.days_in_month())
        .unwrap_or(31);
    match Date::new(y, m as i8, d as i8) {
        Ok(date) => Ok(date),
        Err(_) => Err((
            format!("`{text}` does not exist: {y:04}-{m:02} has {last} days"),
            format!("{shape}, with a day from 01 to {last}"),
        )),
    }
}

fn span(item: &Item) -> Range<usize> {
    match item {
        Item::Value(v) => v.span(),
        Item::Table(t) => t.span(),
        Item::ArrayOfTables(a) => a.span(),
        Item::None => None,
    }
    .unwrap_or(0..0)
}

fn key_span(t: &dyn TableLike, key: &str) -> Range<usize> {
    t.key(key).and_then(|k| k.span()).unwrap_or(0..0)
}

impl Reader {
    fn error(&mut self, span: Range<usize>, msg: impl Into<String>, hint: Option<String>) {
        let mut d = Diagnostic::new(span, msg);
        d.hint = hint;
        self.diags.push(d);
    }

    fn unknown_keys(&mut self, t: &dyn TableLike, allowed: &[&str], what: &str) {
        self.unknown_keys_with(t, allowed, what, &[]);
    }

    /// Unknown keys, suggesting the known key a synonym (`min` for `low`) or a close spelling
    /// names. Returns the known keys suggested.
    fn unknown_keys_with(
        &mut self,
        t: &dyn TableLike,
        allowed: &[&str],
        what: &str,
        synonyms: &[(&str, &str)],
    ) -> Vec<&'static str> {
        let mut meant: Vec<&'static str> = Vec::new();
        for (k, _) in t.iter() {
            if !allowed.contains(&k) {
                let suggested = synonyms
                    .iter()
                    .find(|(from, to)| *from == k && allowed.contains(to))
                    .map(|(_, to)| *to)
                    .or_else(|| {
                        let close = did_you_mean(k, allowed.iter().copied())?;
                        allowed
                            .iter()
                            .copied()
                            .find(|a| close == format!("did you mean `{a}`?"))
                    });
                if let Some(m) = suggested
                    && let Some(known) = KNOWN.iter().find(|x| **x == m)
                {
                    meant.push(known);
                }
                let hint = match suggested {
                    // A misspelled section: say how its header is written.
                    Some(m) if what == "a scenario" => {
                        if ARRAY_SECTIONS.contains(&m) {
                            format!("did you mean `[[{m}]]`?")
                        } else {
                            format!("did you mean `[{m}]`?")
                        }
                    }
                    Some(m) => format!("did you mean `{m}`?"),
                    None => format!("{what} takes: {}", allowed.join(", ")),
                };
                let mut d = Diagnostic::new(key_span(t, k), format!("unknown key `{k}` in {what}"))
                    .hint(hint);
                if suggested.is_some() {
                    if what == "a scenario" || what == "[project]" {
                        self.misspelled = true;
                    }
                    let spans = t
                        .iter()
                        .flat_map(|(k, item)| [key_span(t, k), span(item)])
                        .chain(self.header.clone())
                        .filter(|s| s.end > 0);
                    let (lo, hi) = spans.fold((usize::MAX, 0), |(lo, hi), s| {
                        (lo.min(s.start), hi.max(s.end))
                    });
                    d.covers = (lo < hi).then_some(lo..hi);
                }
                self.unknown.push(d);
            }
        }
        meant
    }

    fn scenario(&mut self, top: &dyn TableLike) -> RawScenario {
        self.unknown_keys(top, TOP_KEYS, "a scenario");
        let mut s = RawScenario::default();
        if let Some(item) = top.get("project") {
            match item.as_table_like() {
                Some(t) => s.project = self.project(t),
                None => self.error(
                    span(item),
                    "`project` must be a table",
                    Some("write it as `[project]`".into()),
                ),
            }
        }
        s.tasks = self.array_of_tables(top, "task", Self::task);
        s.risks = self.array_of_tables(top, "risk", Self::risk);
        s.milestones = self.array_of_tables(top, "milestone", Self::milestone);
        s.correlations = self.array_of_tables(top, "correlation", Self::correlation);
        s.resources = self.array_of_tables(top, "resource", Self::resource);
        if let Some(item) = top.get("variant") {
            s.variants = self.variants(top, item);
        }
        if let Some(item) = top.get("calibration") {
            s.calibrations = self.calibrations(item);
        }
        if let Some(item) = top.get("sweep") {
            match item.as_table_like() {
                Some(t) => {
                    let meant = self.unknown_keys_with(t, SWEEP_KEYS, "[sweep]", &[]);
                    let set = t
                        .get("set")
                        .map(|i| self.string_list(i, "set"))
                        .unwrap_or_default();
                    // A misspelled `set` is reported as such, not again as missing.
                    if (set.is_empty() && !meant.contains(&"set")) || set.len() > 2 {
                        self.error(
                            span(item),
                            "[sweep] needs `set` with one or two parameters",
                            Some("e.g. set = [\"task.train.success=0.3..0.9:0.1\"]".into()),
                        );
                    }
                    s.sweep = Some(RawSweep {
                        header: span(item),
                        set,
                        milestone: self.string(t, "milestone"),
                    });
                }
                None => self.error(
                    span(item),
                    "`sweep` must be a table",
                    Some("write it as [sweep]".into()),
                ),
            }
        }
        s
    }

    /// Each `[variant.NAME]` merged with the base: removals first, then each task, risk or
    /// milestone whose id the base has is overridden key by key, and new ids are added. Values
    /// keep the spans of the text they came from, so problems point at the variant's own lines.
    fn variants(&mut self, top: &dyn TableLike, item: &Item) -> Vec<RawVariant> {
        let Some(all) = item.as_table_like() else {
            self.error(
                span(item),
                "`variant` must hold named tables",
                Some("write [variant.fast] or [[variant.fast.task]]".into()),
            );
            return vec![];
        };
        let mut out = Vec::new();
        for (name, vitem) in all.iter() {
            let name_sp = Sp::new(name.to_string(), key_span(all, name));
            let Some(v) = vitem.as_table_like() else {
                self.error(
                    span(vitem),
                    format!("variant `{name}` must be a table"),
                    Some(format!("write [variant.{name}]")),
                );
                continue;
            };
            self.unknown_keys(v, VARIANT_KEYS, &format!("variant `{name}`"));
            let removed = v
                .get("remove")
                .map(|i| self.string_list(i, "remove"))
                .unwrap_or_default();
            let base_ids: Vec<String> = ["task", "risk", "milestone", "resource"]
                .iter()
                .flat_map(|s| tables_of(top.get(s)))
                .filter_map(|t| id_of(&t))
                .collect();
            for r in &removed {
                if !base_ids.contains(&r.value) {
                    let hint = did_you_mean(&r.value, base_ids.iter().map(String::as_str))
                        .unwrap_or_else(|| {
                            "`remove` names ids of the base plan's tasks, risks or milestones"
                                .into()
                        });
                    // Nothing else depends on it: report it with the plan's own checks.
                    self.unknown.push(
                        Diagnostic::new(
                            r.span.clone(),
                            format!(
                                "variant `{name}` removes `{}`, which the base plan does not have",
                                r.value
                            ),
                        )
                        .hint(hint),
                    );
                }
            }
            let mut merged = toml_edit::Table::new();
            let mut project = top
                .get("project")
                .and_then(|i| i.as_table_like())
                .map(to_table)
                .unwrap_or_default();
            if let Some(vp) = v.get("project").and_then(|i| i.as_table_like()) {
                overlay(&mut project, vp);
            }
            if let Some((k, scores)) = v.get_key_value("scores") {
                project.insert_formatted(k, scores.clone());
            }
            merged.insert("project", Item::Table(project));
            // Calibrations belong to the file: every variant sees the base's.
            if let Some((k, c)) = top.get_key_value("calibration") {
                merged.insert_formatted(k, c.clone());
            }
            for section in ["task", "risk", "milestone", "resource"] {
                let mut tables: Vec<toml_edit::Table> = tables_of(top.get(section))
                    .into_iter()
                    .filter(|t| id_of(t).is_none_or(|id| !removed.iter().any(|r| r.value == id)))
                    .collect();
                if let Some(vs) = v.get(section) {
                    if !matches!(vs, Item::ArrayOfTables(_) | Item::Value(Value::Array(_))) {
                        self.error(
                            span(vs),
                            format!("`variant.{name}.{section}` must be a list of tables"),
                            Some(format!(
                                "write one [[variant.{name}.{section}]] section per {section}"
                            )),
                        );
                    }
                    for vt in tables_of(Some(vs)) {
                        match id_of(&vt).and_then(|id| {
                            tables
                                .iter_mut()
                                .find(|t| id_of(t).as_deref() == Some(id.as_str()))
                        }) {
                            Some(base) => overlay(base, &vt),
                            None => tables.push(vt),
                        }
                    }
                }
                let mut aot = toml_edit::ArrayOfTables::new();
                for t in tables {
                    aot.push(t);
                }
                merged.insert(section, Item::ArrayOfTables(aot));
            }
            let mut scenario = self.scenario(&merged);
            scenario.correlations = self.variant_correlations(top, v, &removed);
            out.push(RawVariant {
                name: name_sp,
                description: v
                    .get("description")
                    .and_then(|i| i.as_str())
                    .map(str::to_string),
                removed: removed.into_iter().map(|r| r.value).collect(),
                scenario,
            });
        }
        out
    }

    /// A variant's correlation groups: the base's, less the tasks it removes (a group left with
    /// fewer than two is dropped), where a group of the variant replaces every base group of the
    /// same kind (`of`) that shares a task with it; the variant's own groups are added.
    fn variant_correlations(
        &mut self,
        top: &dyn TableLike,
        v: &dyn TableLike,
        removed: &[Sp<String>],
    ) -> Vec<RawCorrelation> {
        let own = self.array_of_tables(v, "correlation", Self::correlation);
        let names = |c: &RawCorrelation| -> Vec<String> {
            c.tasks
                .as_ref()
                .map(|t| t.value.iter().map(|s| s.value.clone()).collect())
                .unwrap_or_default()
        };
        let mut out: Vec<RawCorrelation> = self
            .array_of_tables(top, "correlation", Self::correlation)
            .into_iter()
            .filter_map(|c| without_removed(c, removed))
            .filter(|c| {
                let mine = names(c);
                !own.iter()
                    .any(|o| o.of.value == c.of.value && names(o).iter().any(|t| mine.contains(t)))
            })
            .collect();
        out.extend(own);
        out
    }

    fn correlation(&mut self, t: &dyn TableLike, header: Range<usize>) -> Option<RawCorrelation> {
        self.unknown_keys(t, CORRELATION_KEYS, "a correlation");
        let tasks = t
            .get("tasks")
            .map(|i| Sp::new(self.string_list(i, "tasks"), span(i)));
        let of = match self.string(t, "of") {
            None => Sp::new(CorrelationOf::Duration, header.clone()),
            Some(s) => match s.value.as_str() {
                "duration" => Sp::new(CorrelationOf::Duration, s.span),
                "success" => Sp::new(CorrelationOf::Success, s.span),
                other => {
                    let hint = did_you_mean(other, ["duration", "success"])
                        .unwrap_or_else(|| "use \"duration\" (the default) or \"success\"".into());
                    self.error(
                        s.span.clone(),
                        format!("a correlation cannot be `of = \"{other}\"`"),
                        Some(hint),
                    );
                    Sp::new(CorrelationOf::Duration, s.span)
                }
            },
        };
        let coefficient = t.get("coefficient").and_then(|i| {
            let v = i.as_value()?;
            Some(Sp::new(self.number(v, "coefficient")?, span(i)))
        });
        let matrix = t.get("matrix").and_then(|i| self.matrix(i));
        let repair = match t.get("repair") {
            None => false,
            Some(i) => match i.as_bool() {
                Some(b) => b,
                None => {
                    self.error(
                        span(i),
                        format!("`repair` must be true or false, found {}", i.type_name()),
                        Some("repair = true uses the nearest correlation matrix when the one given is not positive semi-definite".into()),
                    );
                    false
                }
            },
        };
        Some(RawCorrelation {
            header,
            tasks,
            of,
            coefficient,
            matrix,
            repair,
        })
    }

    /// `matrix = [[1, 0.5], [0.5, 1]]`: rows of numbers, each value with its span.
    fn matrix(&mut self, item: &Item) -> Option<Sp<RawMatrix>> {
        let sp = span(item);
        let bad = |r: &mut Self, at: Range<usize>, found: &str| {
            r.error(
                at,
                format!("`matrix` must be a list of rows of numbers, found {found}"),
                Some("e.g. matrix = [[1, 0.5], [0.5, 1]], one row per task of `tasks`".into()),
            );
        };
        let Some(rows) = item.as_array() else {
            bad(self, sp, item.type_name());
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for row in rows.iter() {
            let row_sp = row.span().unwrap_or(0..0);
            let Some(values) = row.as_array() else {
                bad(self, row_sp, row.type_name());
                ok = false;
                continue;
            };
            let mut cells = Vec::new();
            for v in values.iter() {
                match self.number(v, "matrix") {
                    Some(x) => cells.push(Sp::new(x, v.span().unwrap_or(0..0))),
                    None => ok = false,
                }
            }
            out.push(Sp::new(cells, row_sp));
        }
        ok.then(|| Sp::new(out, sp))
    }

    fn array_of_tables<T>(
        &mut self,
        top: &dyn TableLike,
        key: &str,
        read: fn(&mut Self, &dyn TableLike, Range<usize>) -> Option<T>,
    ) -> Vec<T> {
        let Some(item) = top.get(key) else {
            return vec![];
        };
        let mut out = Vec::new();
        match item {
            Item::ArrayOfTables(a) => {
                for t in a.iter() {
                    self.header = t.span();
                    out.extend(read(self, t, t.span().unwrap_or(0..0)));
                }
                self.header = None;
            }
            Item::Value(Value::Array(a)) => {
                for v in a.iter() {
                    match v.as_inline_table() {
                        Some(t) => out.extend(read(self, t, v.span().unwrap_or(0..0))),
                        None => self.error(
                            v.span().unwrap_or(0..0),
                            format!("each `{key}` must be a table"),
                            Some(format!("write one `[[{key}]]` section per {key}")),
                        ),
                    }
                }
            }
            _ => self.error(
                span(item),
                format!("`{key}` must be a list of tables"),
                Some(format!(
                    "write one `[[{key}]]` section (double brackets) per {key}"
                )),
            ),
        }
        out
    }

    fn project(&mut self, t: &dyn TableLike) -> RawProject {
        self.unknown_keys(t, PROJECT_KEYS, "[project]");
        let mut p = RawProject {
            name: self.string(t, "name"),
            ..RawProject::default()
        };
        if let Some(item) = t.get("start") {
            p.start = self.date(item);
        }
        if let Some(item) = t.get("status_date") {
            p.status_date = self.date(item);
        }
        if let Some(item) = t.get("workdays") {
            let days = self.string_list(item, "workdays");
            p.workdays = Some(Sp::new(days, span(item)));
        }
        if let Some(item) = t.get("holidays") {
            match item.as_array() {
                Some(a) => {
                    for v in a.iter() {
                        p.holidays.extend(self.date_value(v));
                    }
                }
                None => self.error(
                    span(item),
                    "`holidays` must be a list of dates",
                    Some("e.g. holidays = [2027-01-18, 2027-02-15]".into()),
                ),
            }
        }
        if let Some(item) = t.get("workdates") {
            match item.as_array() {
                Some(a) => {
                    for v in a.iter() {
                        p.workdates.extend(self.date_value(v));
                    }
                }
                None => self.error(
                    span(item),
                    "`workdates` must be a list of dates",
                    Some("e.g. workdates = [2027-01-09]: a Saturday that is worked".into()),
                ),
            }
        }
        if let Some(s) = self.string(t, "three_point") {
            match s.value.as_str() {
                "pert" => p.three_point = ThreePoint::Pert,
                "triangular" => p.three_point = ThreePoint::Triangular,
                other => self.error(
                    s.span,
                    format!("unknown three_point reading `{other}`"),
                    Some("use \"pert\" (the default) or \"triangular\"".into()),
                ),
            }
        }
        p.cost_per_day = self.non_negative(t, "cost_per_day");
        if let Some(item) = t.get("scores") {
            match item.as_table_like() {
                Some(st) => {
                    for (k, v) in st.iter() {
                        if let Some(x) = v.as_value().and_then(|v| self.number(v, k)) {
                            p.scores.push((k.to_string(), x));
                        }
                    }
                }
                None => self.error(
                    span(item),
                    "`scores` must be a table of numbers",
                    Some("e.g. scores = { scalability = 9, maintainability = 7 }".into()),
                ),
            }
        }
        p.seed = self.unsigned(t, "seed", 0);
        p.iterations = self.unsigned(t, "iterations", 1);
        p.calibration = self.string(t, "calibration");
        p
    }

    /// `[calibration.NAME]` tables, each as `shipcast calibrate` writes it.
    fn calibrations(&mut self, item: &Item) -> Vec<RawCalibration> {
        let Some(all) = item.as_table_like() else {
            self.error(
                span(item),
                "`calibration` must hold named tables",
                Some("write [calibration.NAME], as `shipcast calibrate` prints it".into()),
            );
            return vec![];
        };
        let mut out = Vec::new();
        for (name, citem) in all.iter() {
            let name_sp = Sp::new(name.to_string(), key_span(all, name));
            let Some(t) = citem.as_table_like() else {
                self.error(
                    span(citem),
                    format!("calibration `{name}` must be a table"),
                    Some(format!("write [calibration.{name}]")),
                );
                continue;
            };
            self.header = Some(name_sp.span.clone());
            self.unknown_keys(t, CALIBRATION_KEYS, &format!("calibration `{name}`"));
            self.header = None;
            let quantiles = t.get("quantiles").and_then(|q| {
                let Some(a) = q.as_array() else {
                    self.error(
                        span(q),
                        "`quantiles` must be a list of numbers",
                        Some("the ratio's quantiles at equally spaced probabilities from 0 to 1, as `shipcast calibrate` writes them".into()),
                    );
                    return None;
                };
                let mut v = Vec::new();
                for x in a.iter() {
                    v.push(self.number(x, "quantiles")?);
                }
                Some(Sp::new(v, span(q)))
            });
            let num = |r: &mut Self, k: &str| {
                let i = t.get(k)?;
                let v = i.as_value()?;
                Some(Sp::new(r.number(v, k)?, span(i)))
            };
            out.push(RawCalibration {
                header: span(citem),
                method: self.string(t, "use"),
                quantiles,
                mu: num(self, "mu"),
                sigma: num(self, "sigma"),
                n: self.unsigned(t, "n", 1),
                source: t.get("source").and_then(|i| i.as_str()).map(str::to_string),
                name: name_sp,
            });
        }
        out
    }

    fn task(&mut self, t: &dyn TableLike, header: Range<usize>) -> Option<RawTask> {
        self.unknown_keys(t, TASK_KEYS, "a task");
        let id = self.id(t, &header, "task")?;
        Some(RawTask {
            name: self.string(t, "name").map(|s| s.value),
            after: self.links(t),
            duration: t.get("duration").and_then(|i| self.duration(i)),
            success: t.get("success").and_then(|i| self.probabilities(i)),
            attempts: t.get("attempts").and_then(|i| self.integer(i, "attempts")),
            retry_duration: t.get("retry_duration").and_then(|i| self.duration(i)),
            fallback: self.string(t, "fallback"),
            cost: self.non_negative(t, "cost"),
            cost_per_day: self.non_negative(t, "cost_per_day"),
            done: self.boolean(t, "done"),
            actual: self.non_negative(t, "actual"),
            finished: t.get("finished").and_then(|i| self.date(i)),
            started: t.get("started").and_then(|i| self.date(i)),
            remaining: t.get("remaining").and_then(|i| self.duration(i)),
            progress: t.get("progress").and_then(|i| {
                let v = i.as_value()?;
                Some(Sp::new(self.number(v, "progress")?, span(i)))
            }),
            attempt: t.get("attempt").and_then(|i| self.integer(i, "attempt")),
            estimate: t.get("estimate").and_then(|i| self.duration(i)),
            calibration: self.string(t, "calibration"),
            uses: t.get("uses").and_then(|i| self.uses(i)),
            priority: t.get("priority").and_then(|i| {
                let v = i.as_value()?;
                Some(Sp::new(self.number(v, "priority")?, span(i)))
            }),
            backlog: t.get("backlog").and_then(|i| self.backlog(i)),
            header,
            id,
        })
    }

    fn risk(&mut self, t: &dyn TableLike, header: Range<usize>) -> Option<RawRisk> {
        self.unknown_keys(t, RISK_KEYS, "a risk");
        let id = self.id(t, &header, "risk")?;
        let affects = t
            .get("affects")
            .map(|i| self.string_list(i, "affects"))
            .unwrap_or_default();
        Some(RawRisk {
            name: self.string(t, "name").map(|s| s.value),
            probability: t.get("probability").and_then(|i| {
                let v = i.as_value()?;
                Some(Sp::new(self.number(v, "probability")?, span(i)))
            }),
            affects,
            delay: t.get("delay").and_then(|i| self.duration(i)),
            scale: t.get("scale").and_then(|i| self.duration(i)),
            restart: self.boolean(t, "restart"),
            once: self.boolean(t, "once"),
            cost: t.get("cost").and_then(|i| self.duration(i)),
            header,
            id,
        })
    }

    fn milestone(&mut self, t: &dyn TableLike, header: Range<usize>) -> Option<RawMilestone> {
        self.unknown_keys(t, MILESTONE_KEYS, "a milestone");
        let id = self.id(t, &header, "milestone")?;
        let deadline = t.get("deadline").and_then(|item| match item.as_value() {
            Some(Value::Integer(_) | Value::Float(_)) => {
                let v = item.as_value()?;
                Some(Sp::new(
                    RawDeadline::Days(self.number(v, "deadline")?),
                    span(item),
                ))
            }
            _ => self
                .date(item)
                .map(|d| Sp::new(RawDeadline::Date(d.value), d.span)),
        });
        Some(RawMilestone {
            name: self.string(t, "name").map(|s| s.value),
            after: self.links(t),
            deadline,
            confidence: t.get("confidence").and_then(|i| {
                let v = i.as_value()?;
                Some(Sp::new(self.number(v, "confidence")?, span(i)))
            }),
            budget: t.get("budget").and_then(|i| {
                let v = i.as_value()?;
                Some(Sp::new(self.number(v, "budget")?, span(i)))
            }),
            budget_confidence: t.get("budget_confidence").and_then(|i| {
                let v = i.as_value()?;
                Some(Sp::new(self.number(v, "budget_confidence")?, span(i)))
            }),
            value_per_day: t.get("value_per_day").and_then(|i| {
                let v = i.as_value()?;
                Some(Sp::new(self.number(v, "value_per_day")?, span(i)))
            }),
            header,
            id,
        })
    }

    fn id(&mut self, t: &dyn TableLike, header: &Range<usize>, what: &str) -> Option<Sp<String>> {
        let id = self.string(t, "id");
        if id.is_none() && !t.contains_key("id") {
            self.error(
                header.clone(),
                format!("this {what} has no `id`"),
                Some(format!(
                    "add id = \"...\", a short name other {what}s and milestones can refer to"
                )),
            );
        }
        let id = id?;
        if id.value.is_empty() || id.value.chars().any(|c| c.is_whitespace() || c == ',') {
            self.error(
                id.span.clone(),
                if id.value.is_empty() {
                    "an id cannot be empty".to_string()
                } else {
                    format!("`{}` is not a usable id", id.value)
                },
                Some("use letters, digits, '-', '_' or '.', with no spaces".into()),
            );
        }
        Some(id)
    }

    fn string(&mut self, t: &dyn TableLike, key: &str) -> Option<Sp<String>> {
        let item = t.get(key)?;
        match item.as_str() {
            Some(s) => Some(Sp::new(s.to_string(), span(item))),
            None => {
                self.error(
                    span(item),
                    format!("`{key}` must be a string, found {}", item.type_name()),
                    Some(format!("put the value in quotes: {key} = \"...\"")),
                );
                None
            }
        }
    }

    fn string_list(&mut self, item: &Item, key: &str) -> Vec<Sp<String>> {
        if let Some(s) = item.as_str() {
            return vec![Sp::new(s.to_string(), span(item))];
        }
        let Some(a) = item.as_array() else {
            self.error(
                span(item),
                format!("`{key}` must be a list of strings"),
                Some(format!("e.g. {key} = [\"a\", \"b\"]")),
            );
            return vec![];
        };
        let mut out = Vec::new();
        for v in a.iter() {
            match v.as_str() {
                Some(s) => out.push(Sp::new(s.to_string(), v.span().unwrap_or(0..0))),
                None => self.error(
                    v.span().unwrap_or(0..0),
                    format!("`{key}` must hold strings, found {}", v.type_name()),
                    None,
                ),
            }
        }
        out
    }

    fn number(&mut self, v: &Value, key: &str) -> Option<f64> {
        let x = match v {
            Value::Integer(i) => *i.value() as f64,
            Value::Float(f) if f.value().is_finite() => *f.value(),
            Value::Float(f) => {
                self.error(
                    v.span().unwrap_or(0..0),
                    format!("`{key}` must be a finite number, found {}", f.value()),
                    Some(
                        "nan and inf are not numbers a plan can use: write the value itself".into(),
                    ),
                );
                return None;
            }
            _ => {
                self.error(
                    v.span().unwrap_or(0..0),
                    format!("`{key}` must be a number, found {}", v.type_name()),
                    None,
                );
                return None;
            }
        };
        if x.abs() > crate::scenario::raw::MAX_NUMBER {
            self.error(
                v.span().unwrap_or(0..0),
                format!("`{key}` is {x:e}, larger than any number shipcast accepts"),
                Some("numbers in a scenario are at most 1e15 in size (durations, lags and delays at most 1e9 working days): check the unit".into()),
            );
            return None;
        }
        Some(x)
    }

    /// An optional `true` or `false`.
    fn boolean(&mut self, t: &dyn TableLike, key: &str) -> Option<Sp<bool>> {
        let item = t.get(key)?;
        match item.as_bool() {
            Some(b) => Some(Sp::new(b, span(item))),
            None => {
                self.error(
                    span(item),
                    format!("`{key}` must be true or false, found {}", item.type_name()),
                    Some(format!("write {key} = true")),
                );
                None
            }
        }
    }

    /// An optional number that must not be negative (a cost or a rate).
    fn non_negative(&mut self, t: &dyn TableLike, key: &str) -> Option<Sp<f64>> {
        let item = t.get(key)?;
        let Some(value) = item.as_value() else {
            self.error(
                span(item),
                format!("`{key}` must be a number, found {}", item.type_name()),
                None,
            );
            return None;
        };
        let x = self.number(value, key)?;
        if x < 0.0 {
            self.error(
                span(item),
                format!("`{key}` cannot be negative, got {x}"),
                None,
            );
            return None;
        }
        Some(Sp::new(x, span(item)))
    }

    fn integer(&mut self, item: &Item, key: &str) -> Option<Sp<i64>> {
        match item.as_integer() {
            Some(i) => Some(Sp::new(i, span(item))),
            None => {
                self.error(
                    span(item),
                    format!("`{key}` must be a whole number, found {}", item.type_name()),
                    None,
                );
                None
            }
        }
    }

    fn unsigned(&mut self, t: &dyn TableLike, key: &str, min: i64) -> Option<Sp<u64>> {
        let v = self.integer(t.get(key)?, key)?;
        if v.value < min {
            self.error(
                v.span,
                format!("`{key}` must be at least {min}, got {}", v.value),
                Some(format!(
                    "write a whole number from {min}, e.g. {key} = {}",
                    min.max(1) * if key == "seed" { 42 } else { 10000 }
                )),
            );
            return None;
        }
        Some(Sp::new(v.value as u64, v.span))
    }

    fn date(&mut self, item: &Item) -> Option<Sp<Date>> {
        match item.as_value() {
            Some(v) => self.date_value(v),
            None => {
                self.error(
                    span(item),
                    "expected a date",
                    Some("write dates as 2027-01-04".into()),
                );
                None
            }
        }
    }

    fn date_value(&mut self, v: &Value) -> Option<Sp<Date>> {
        let sp = v.span().unwrap_or(0..0);
        let text = match v {
            Value::Datetime(d) => {
                let d = d.value();
                if d.time.is_some() || d.offset.is_some() {
                    self.error(
                        sp,
                        "expected a date without a time",
                        Some("write dates as 2027-01-04".into()),
                    );
                    return None;
                }
                d.to_string()
            }
            Value::String(s) => s.value().clone(),
            _ => {
                self.error(
                    sp,
                    format!("expected a date, found {}", v.type_name()),
                    Some("write dates as 2027-01-04".into()),
                );
                return None;
            }
        };
        match parse_date(&text) {
            Ok(d) => Some(Sp::new(d, sp)),
            Err((msg, hint)) => {
                self.error(sp, msg, Some(hint));
                None
            }
        }
    }

    fn probabilities(&mut self, item: &Item) -> Option<Sp<Vec<f64>>> {
        let sp = span(item);
        let values: Vec<&Value> = match item.as_value() {
            Some(Value::Array(a)) => a.iter().collect(),
            Some(v) => vec![v],
            None => vec![],
        };
        if values.is_empty() {
            self.error(
                sp,
                "`success` must be a probability or a list of them, one per attempt",
                Some("e.g. success = 0.6 or success = [0.5, 0.7, 0.8]".into()),
            );
            return None;
        }
        let mut out = Vec::new();
        for v in values {
            out.push(self.number(v, "success")?);
        }
        Some(Sp::new(out, sp))
    }

    fn links(&mut self, t: &dyn TableLike) -> Vec<RawLink> {
        let Some(item) = t.get("after") else {
            return vec![];
        };
        let values: Vec<&Value> = match item.as_value() {
            Some(Value::Array(a)) => a.iter().collect(),
            Some(v) => vec![v],
            None => vec![],
        };
        let mut out = Vec::new();
        for v in values {
            let sp = v.span().unwrap_or(0..0);
            match v {
                Value::String(s) => out.push(RawLink {
                    target: Sp::new(s.value().clone(), sp),
                    kind: LinkKind::FS,
                    lag: 0.0,
                }),
                Value::InlineTable(lt) => {
                    self.unknown_keys(lt, LINK_KEYS, "a dependency");
                    let Some(target) = self.string(lt, "task") else {
                        if !lt.contains_key("task") {
                            self.error(
                                sp,
                                "this dependency names no `task`",
                                Some("e.g. { task = \"data\", type = \"SS\", lag = 2 }".into()),
                            );
                        }
                        continue;
                    };
                    let kind = match self.string(lt, "type") {
                        None => LinkKind::FS,
                        Some(k) => match k.value.to_ascii_uppercase().as_str() {
                            "FS" => LinkKind::FS,
                            "SS" => LinkKind::SS,
                            "FF" => LinkKind::FF,
                            "SF" => LinkKind::SF,
                            _ => {
                                self.error(
                                    k.span,
                                    format!("unknown dependency type `{}`", k.value),
                                    Some(
                                        "use FS (finish-to-start, the default), SS, FF or SF"
                                            .into(),
                                    ),
                                );
                                LinkKind::FS
                            }
                        },
                    };
                    let lag = lt
                        .get("lag")
                        .and_then(|v| self.number(v, "lag"))
                        .unwrap_or(0.0);
                    out.push(RawLink { target, kind, lag });
                }
                _ => self.error(
                    sp,
                    format!("`after` must list task ids, found {}", v.type_name()),
                    Some(
                        "e.g. after = [\"data\", { task = \"train\", type = \"SS\", lag = 2 }]"
                            .into(),
                    ),
                ),
            }
        }
        out
    }

    fn duration(&mut self, item: &Item) -> Option<Sp<RawDuration>> {
        let sp = span(item);
        let d = match item {
            Item::Value(Value::Integer(_) | Value::Float(_)) => {
                RawDuration::Fixed(self.number(item.as_value()?, "duration")?)
            }
            Item::Value(Value::Array(a)) => {
                let nums: Vec<&Value> = a.iter().collect();
                if nums.len() != 3 {
                    self.error(sp, format!("a three-point estimate needs exactly [low, likely, high], found {} values", nums.len()), Some("e.g. duration = [5, 8, 15]; for resampled history use { dist = \"samples\", values = [...] }".into()));
                    return None;
                }
                let mut v = [0.0; 3];
                for (slot, val) in v.iter_mut().zip(nums) {
                    *slot = self.number(val, "duration")?;
                }
                RawDuration::ThreePoint(v[0], v[1], v[2])
            }
            _ => match item.as_table_like() {
                Some(t) => self.dist_table(t, sp.clone())?,
                None => {
                    self.error(sp, format!("a duration must be a number, [low, likely, high] or a distribution table, found {}", item.type_name()), Some("e.g. duration = 5, duration = [5, 8, 15] or duration = { dist = \"uniform\", min = 4, max = 9 }".into()));
                    return None;
                }
            },
        };
        Some(Sp::new(d, sp))
    }

    fn dist_table(&mut self, t: &dyn TableLike, sp: Range<usize>) -> Option<RawDuration> {
        let Some(dist) = self.string(t, "dist") else {
            if !t.contains_key("dist") {
                let has = |k: &str| t.contains_key(k);
                let guess = if has("likely") || has("mode") || has("most_likely") {
                    Some("\"pert\" (or \"triangular\") with low, likely, high")
                } else if has("min") && has("max") {
                    Some("\"uniform\" with min, max")
                } else if has("mean") && has("sd") {
                    Some("\"normal\" with mean, sd")
                } else if has("p90") {
                    Some("\"lognormal\" with p10 (or median) and p90")
                } else if has("values") {
                    Some("\"samples\" with values")
                } else {
                    None
                };
                let hint = match guess {
                    Some(g) => format!("add dist = {g}"),
                    None => format!("add dist = one of {}", DISTS.join(", ")),
                };
                self.error(sp, "this distribution names no `dist`", Some(hint));
            }
            return None;
        };
        let keys: &[&str] = match dist.value.as_str() {
            "uniform" => &["dist", "min", "max"],
            "triangular" | "pert" => &["dist", "low", "likely", "high"],
            "normal" => &["dist", "mean", "sd"],
            "lognormal" => &["dist", "p10", "p90", "median"],
            "samples" => &["dist", "values"],
            other => {
                let hint = did_you_mean(other, DISTS.iter().copied())
                    .unwrap_or_else(|| format!("use one of {}", DISTS.join(", ")));
                self.error(
                    dist.span,
                    format!("unknown distribution `{other}`"),
                    Some(hint),
                );
                return None;
            }
        };
        let what = format!("a {} distribution", dist.value);
        // `min` in a pert table is reported once, as "did you mean `low`?", not again as a
        // missing `low`.
        let header = self.header.take();
        let meant = self.unknown_keys_with(t, keys, &what, DIST_SYNONYMS);
        self.header = header;
        // The distribution cannot be read: the task would only be reported again as missing
        // its duration.
        if !meant.is_empty() {
            self.misspelled = true;
        }
        let need = |r: &mut Self, k: &str| -> Option<f64> {
            match t.get(k).and_then(|i| i.as_value()) {
                Some(v) => r.number(v, k),
                None if meant.contains(&k) => None,
                None => {
                    r.error(
                        sp.clone(),
                        format!("{what} needs `{k}`"),
                        Some(format!("{what} takes {}", keys[1..].join(", "))),
                    );
                    None
                }
            }
        };
        Some(match dist.value.as_str() {
            "uniform" => {
                let (min, max) = (need(self, "min"), need(self, "max"));
                RawDuration::Uniform {
                    min: min?,
                    max: max?,
                }
            }
            "triangular" | "pert" => {
                let (low, likely, high) =
                    (need(self, "low"), need(self, "likely"), need(self, "high"));
                let (low, likely, high) = (low?, likely?, high?);
                if dist.value == "pert" {
                    RawDuration::Pert { low, likely, high }
                } else {
                    RawDuration::Triangular { low, likely, high }
                }
            }
            "normal" => {
                let (mean, sd) = (need(self, "mean"), need(self, "sd"));
                RawDuration::Normal {
                    mean: mean?,
                    sd: sd?,
                }
            }
            "lognormal" => {
                let p90 = need(self, "p90")?;
                match (t.contains_key("p10"), t.contains_key("median")) {
                    (true, false) => RawDuration::LogNormalP10P90 {
                        p10: need(self, "p10")?,
                        p90,
                    },
                    (false, true) => RawDuration::LogNormalMedianP90 {
                        median: need(self, "median")?,
                        p90,
                    },
                    _ => {
                        self.error(sp, "a lognormal distribution needs `p10` or `median` (one of them) with `p90`", Some("e.g. { dist = \"lognormal\", p10 = 4, p90 = 12 }".into()));
                        return None;
                    }
                }
            }
            _ => {
                let Some(item) = t.get("values") else {
                    self.error(
                        sp,
                        "a samples distribution needs `values`",
                        Some("e.g. { dist = \"samples\", values = [3, 5, 4, 9] }".into()),
                    );
                    return None;
                };
                let Some(a) = item.as_array() else {
                    self.error(span(item), "`values` must be a list of numbers", None);
                    return None;
                };
                let mut values = Vec::new();
                for v in a.iter() {
                    values.push(self.number(v, "values")?);
                }
                RawDuration::Samples(values)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        let diags = match parse(text) {
            Ok((_, unknown)) => unknown,
            Err(d) => d,
        };
        diags
            .into_iter()
            .map(|d| format!("{} | {}", d.message, d.hint.unwrap_or_default()))
            .collect()
    }

    #[test]
    fn reads_every_duration_form() {
        let (s, _) = parse(
            r#"
[[task]]
id = "a"
duration = 3
[[task]]
id = "b"
duration = [1, 2, 4]
[[task]]
id = "c"
duration = { dist = "lognormal", median = 3, p90 = 6 }
[[task]]
id = "d"
duration = { dist = "samples", values = [1, 2.5] }
"#,
        )
        .unwrap();
        let d: Vec<_> = s
            .tasks
            .iter()
            .map(|t| t.duration.clone().unwrap().value)
            .collect();
        assert_eq!(d[0], RawDuration::Fixed(3.0));
        assert_eq!(d[1], RawDuration::ThreePoint(1.0, 2.0, 4.0));
        assert_eq!(
            d[2],
            RawDuration::LogNormalMedianP90 {
                median: 3.0,
                p90: 6.0
            }
        );
        assert_eq!(d[3], RawDuration::Samples(vec![1.0, 2.5]));
    }

    #[test]
    fn reports_every_unknown_key_with_a_suggestion() {
        let e = errors("[project]\nnmae = \"x\"\n[[task]]\nid = \"a\"\nduraton = 3\n");
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].contains("unknown key `nmae`") && e[0].contains("did you mean `name`?"));
        assert!(
            e[1].contains("unknown key `duraton`") && e[1].contains("did you mean `duration`?")
        );
    }

    #[test]
    fn unknown_distribution_is_suggested() {
        let e =
            errors("[[task]]\nid = \"a\"\nduration = { dist = \"lognorml\", p10 = 1, p90 = 2 }\n");
        assert!(
            e[0].contains("unknown distribution `lognorml`") && e[0].contains("`lognormal`"),
            "{e:?}"
        );
    }

    #[test]
    fn links_read_type_and_lag() {
        let (s, _) = parse(
            "[[task]]\nid = \"b\"\nafter = [\"a\", { task = \"c\", type = \"ss\", lag = 2 }]\n",
        )
        .unwrap();
        let l = &s.tasks[0].after;
        assert_eq!((l[0].kind, l[0].lag), (LinkKind::FS, 0.0));
        assert_eq!(
            (l[1].target.value.as_str(), l[1].kind, l[1].lag),
            ("c", LinkKind::SS, 2.0)
        );
    }

    #[test]
    fn bad_dates_are_errors() {
        let e = errors("[project]\nstart = \"2027-02-30\"\n");
        assert!(e[0].contains("2027-02 has 28 days"), "{e:?}");
        let e = errors("[project]\nstart = \"2027-7-30\"\n");
        assert!(e[0].contains("with zeros in front: 2027-07-30"), "{e:?}");
        let e = errors("[project]\nstart = \"2027-13-01\"\n");
        assert!(e[0].contains("has no month 13"), "{e:?}");
        let e = errors("[project]\nstart = \"next week\"\n");
        assert!(e[0].contains("YYYY-MM-DD, like 2027-07-30"), "{e:?}");
        assert!(e.iter().all(|m| !m.contains("integer")), "{e:?}");
    }

    #[test]
    fn syntax_errors_are_reported_not_panicked() {
        let e = parse("[[task]\nid = ").unwrap_err();
        assert!(e[0].message.starts_with("this is not valid TOML"));
    }
}
