//! Shared teams and backlogs as written: `[[resource]]` sections, a task's `uses` and
//! `backlog` (issue 12). Read into raw values with their spans; checked in `model::build`.

use std::ops::Range;

use toml_edit::{Item, TableLike, Value};

use super::{Reader, span};
use crate::scenario::raw::*;

const RESOURCE_KEYS: &[&str] = &["id", "name", "capacity", "changes", "workdays", "holidays"];
const CHANGE_KEYS: &[&str] = &["date", "capacity"];
const BACKLOG_KEYS: &[&str] = &["items", "throughput", "per", "split"];
const THROUGHPUT_FILE_KEYS: &[&str] = &["file", "column"];

impl Reader {
    pub(super) fn resource(
        &mut self,
        t: &dyn TableLike,
        header: Range<usize>,
    ) -> Option<RawResource> {
        self.unknown_keys(t, RESOURCE_KEYS, "a resource");
        let id = self.id(t, &header, "resource")?;
        let capacity = t
            .get("capacity")
            .and_then(|i| self.value_number(i, "capacity"));
        let mut changes = Vec::new();
        if let Some(item) = t.get("changes") {
            let tables: Vec<(&dyn TableLike, Range<usize>)> = match item {
                Item::ArrayOfTables(a) => a
                    .iter()
                    .map(|t| (t as &dyn TableLike, t.span().unwrap_or(0..0)))
                    .collect(),
                Item::Value(Value::Array(a)) => a
                    .iter()
                    .filter_map(|v| {
                        let t = v.as_inline_table();
                        if t.is_none() {
                            self.error(
                                v.span().unwrap_or(0..0),
                                "each capacity change must be a table",
                                Some("e.g. changes = [{ date = 2027-03-01, capacity = 5 }]".into()),
                            );
                        }
                        t.map(|t| (t as &dyn TableLike, v.span().unwrap_or(0..0)))
                    })
                    .collect(),
                _ => {
                    self.error(
                        span(item),
                        "`changes` must be a list of tables",
                        Some("e.g. changes = [{ date = 2027-03-01, capacity = 5 }]".into()),
                    );
                    vec![]
                }
            };
            for (ct, sp) in tables {
                let date = ct.get("date").and_then(|i| self.date(i));
                let cap = ct
                    .get("capacity")
                    .and_then(|i| self.value_number(i, "capacity"));
                let meant = self.unknown_keys_with(ct, CHANGE_KEYS, "a capacity change", &[]);
                if (!ct.contains_key("date") && !meant.contains(&"date"))
                    || (!ct.contains_key("capacity") && !meant.contains(&"capacity"))
                {
                    self.error(
                        sp.clone(),
                        "a capacity change needs a `date` and a `capacity`",
                        Some("e.g. { date = 2027-03-01, capacity = 5 }".into()),
                    );
                }
                changes.push(RawCapacityChange {
                    span: sp,
                    date,
                    capacity: cap,
                });
            }
        }
        let workdays = t
            .get("workdays")
            .map(|item| Sp::new(self.string_list(item, "workdays"), span(item)));
        let mut holidays = Vec::new();
        if let Some(item) = t.get("holidays") {
            match item.as_array() {
                Some(a) => {
                    for v in a.iter() {
                        holidays.extend(self.date_value(v));
                    }
                }
                None => self.error(
                    span(item),
                    "`holidays` must be a list of dates",
                    Some("e.g. holidays = [2027-04-12, 2027-04-13]".into()),
                ),
            }
        }
        Some(RawResource {
            name: self.string(t, "name").map(|s| s.value),
            capacity,
            changes,
            workdays,
            holidays,
            header,
            id,
        })
    }

    /// A number written as a value (not a table), with its span.
    fn value_number(&mut self, item: &Item, key: &str) -> Option<Sp<f64>> {
        match item.as_value() {
            Some(v) => Some(Sp::new(self.number(v, key)?, span(item))),
            None => {
                self.error(
                    span(item),
                    format!("`{key}` must be a number, found {}", item.type_name()),
                    None,
                );
                None
            }
        }
    }

    /// `uses = { ml = 2, gpu = 8 }`: resource ids and amounts.
    pub(super) fn uses(&mut self, item: &Item) -> Option<Sp<RawUses>> {
        let Some(t) = item.as_table_like() else {
            self.error(
                span(item),
                format!(
                    "`uses` must be a table of amounts, found {}",
                    item.type_name()
                ),
                Some("e.g. uses = { ml = 2 } (resource id = how many it holds)".into()),
            );
            return None;
        };
        let mut out = Vec::new();
        for (k, v) in t.iter() {
            let ksp = t
                .key(k)
                .and_then(|key| key.span())
                .unwrap_or_else(|| span(v));
            if let Some(x) = self.value_number(v, &format!("uses.{k}")) {
                out.push((Sp::new(k.to_string(), ksp), x));
            }
        }
        Some(Sp::new(out, span(item)))
    }

    /// `backlog = { items = .., throughput = .., per = .., split = .. }`.
    pub(super) fn backlog(&mut self, item: &Item) -> Option<Sp<RawBacklog>> {
        let sp = span(item);
        let Some(t) = item.as_table_like() else {
            self.error(
                sp,
                format!("`backlog` must be a table, found {}", item.type_name()),
                Some("e.g. backlog = { items = [30, 45], throughput = [3, 5, 2, 6, 4], per = \"week\" }".into()),
            );
            return None;
        };
        self.unknown_keys(t, BACKLOG_KEYS, "a backlog");
        let throughput = t.get("throughput").and_then(|i| self.throughput(i));
        Some(Sp::new(
            RawBacklog {
                items: t.get("items").and_then(|i| self.range(i, "items")),
                throughput,
                per: self.string(t, "per"),
                split: t.get("split").and_then(|i| self.range(i, "split")),
            },
            sp,
        ))
    }

    /// A number or `[low, high]`.
    fn range(&mut self, item: &Item, key: &str) -> Option<Sp<(f64, f64)>> {
        let sp = span(item);
        match item.as_value() {
            Some(Value::Array(a)) => {
                let xs: Vec<f64> = a.iter().filter_map(|v| self.number(v, key)).collect();
                if xs.len() != 2 || a.len() != 2 {
                    if a.len() != 2 {
                        self.error(
                            sp,
                            format!("`{key}` must be a number or [low, high]"),
                            Some(format!("e.g. {key} = [30, 45]")),
                        );
                    }
                    return None;
                }
                Some(Sp::new((xs[0], xs[1]), sp))
            }
            Some(v) => {
                let x = self.number(v, key)?;
                Some(Sp::new((x, x), sp))
            }
            None => {
                self.error(
                    sp,
                    format!("`{key}` must be a number or [low, high]"),
                    Some(format!("e.g. {key} = [30, 45]")),
                );
                None
            }
        }
    }

    /// `[3, 5, 2]` or `{ file = "done.csv", column = "Done" }`.
    fn throughput(&mut self, item: &Item) -> Option<Sp<RawThroughput>> {
        let sp = span(item);
        if let Some(Value::Array(a)) = item.as_value() {
            let xs: Vec<f64> = a
                .iter()
                .filter_map(|v| self.number(v, "throughput"))
                .collect();
            return (xs.len() == a.len()).then(|| Sp::new(RawThroughput::Values(xs), sp));
        }
        if let Some(t) = item.as_table_like() {
            self.unknown_keys(t, THROUGHPUT_FILE_KEYS, "a throughput file");
            let Some(file) = self.string(t, "file") else {
                if !t.contains_key("file") {
                    self.error(
                        sp,
                        "a throughput table needs a `file`",
                        Some("e.g. throughput = { file = \"done.csv\", column = \"Done\" }".into()),
                    );
                }
                return None;
            };
            let column = self.string(t, "column");
            return Some(Sp::new(RawThroughput::File { file, column }, sp));
        }
        let hint = "e.g. throughput = [3, 5, 2, 6, 4] (items per period) or { file = \"done.csv\", column = \"Done\" }".to_string();
        self.error(
            sp,
            format!(
                "`throughput` must be a list of numbers or a file table, found {}",
                item.type_name()
            ),
            Some(hint),
        );
        None
    }
}
