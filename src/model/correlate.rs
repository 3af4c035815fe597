//! `[[correlation]]` groups: every check on the raw groups, the matrix each uses (declared,
//! built from one coefficient, or repaired), and its Cholesky factor. The matrix arithmetic is in
//! [`crate::dist::copula`].

use std::collections::{HashMap, HashSet};

use super::{Correlation, CorrelationOf, Repair};
use crate::dist::copula;
use crate::scenario::diag::{Diagnostic, did_you_mean};
use crate::scenario::raw::{RawCorrelation, RawMatrix, RawScenario, Sp};

/// A checked group, its tasks still named by id (the plan's order is not known yet).
pub(super) struct Checked {
    pub ids: Vec<String>,
    pub correlation: Correlation,
}

/// What the groups of a scenario need to know about its tasks.
pub(super) struct TaskInfo<'r> {
    /// Declaration index of every id (tasks first, then milestones).
    pub index: &'r HashMap<&'r str, usize>,
    pub n_tasks: usize,
    /// Per task (declaration order): whether it is an experiment.
    pub experiment: Vec<bool>,
}

/// Checks every group; returns the good ones, the problems and the warnings.
pub(super) fn check(
    raw: &RawScenario,
    info: &TaskInfo,
) -> (Vec<Checked>, Vec<Diagnostic>, Vec<String>) {
    let mut c = Checker {
        diags: Vec::new(),
        warnings: Vec::new(),
        member: HashSet::new(),
    };
    let groups = raw
        .correlations
        .iter()
        .filter_map(|g| c.group(raw, info, g))
        .collect();
    (groups, c.diags, c.warnings)
}

struct Checker {
    diags: Vec<Diagnostic>,
    warnings: Vec<String>,
    /// (kind, task) already in a group.
    member: HashSet<(CorrelationOf, usize)>,
}

fn list(ids: &[String]) -> String {
    let quoted: Vec<String> = ids.iter().map(|i| format!("`{i}`")).collect();
    quoted.join(", ")
}

impl Checker {
    fn err(
        &mut self,
        span: std::ops::Range<usize>,
        msg: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.diags.push(Diagnostic::new(span, msg).hint(hint));
    }

    fn group(&mut self, raw: &RawScenario, info: &TaskInfo, g: &RawCorrelation) -> Option<Checked> {
        let before = self.diags.len();
        let of = g.of.value;
        let Some(tasks) = &g.tasks else {
            self.err(
                g.header.clone(),
                "this correlation has no `tasks`",
                "add tasks = [\"a\", \"b\"]: the tasks whose estimates move together",
            );
            return None;
        };
        if tasks.value.len() < 2 {
            self.err(
                tasks.span.clone(),
                format!(
                    "a correlation needs at least two tasks, got {}",
                    tasks.value.len()
                ),
                "list every task of the group: tasks = [\"a\", \"b\"]",
            );
        }
        let mut members = Vec::new();
        for (pos, t) in tasks.value.iter().enumerate() {
            if tasks.value[..pos].iter().any(|p| p.value == t.value) {
                self.err(
                    t.span.clone(),
                    format!("`{}` is listed twice in this correlation", t.value),
                    "list each task once",
                );
                continue;
            }
            match info.index.get(t.value.as_str()) {
                Some(&i) if i < info.n_tasks => {
                    if of == CorrelationOf::Success && !info.experiment[i] {
                        self.err(
                            t.span.clone(),
                            format!(
                                "`{}` is not an experiment: `of = \"success\"` correlates experiments' outcomes",
                                t.value
                            ),
                            format!(
                                "give `{}` a `success`, or correlate durations in a group without `of = \"success\"`",
                                t.value
                            ),
                        );
                    } else if !self.member.insert((of, i)) {
                        self.err(
                            t.span.clone(),
                            format!("`{}` is in two {} correlations", t.value, of.as_str()),
                            "a task may be in one duration and one success correlation: join the two groups into one with a `matrix`",
                        );
                    }
                    members.push(i);
                }
                Some(_) => self.err(
                    t.span.clone(),
                    format!("`{}` is a milestone; a correlation relates tasks", t.value),
                    "list tasks only",
                ),
                None => {
                    let hint =
                        did_you_mean(&t.value, raw.tasks.iter().map(|t| t.id.value.as_str()))
                            .unwrap_or_else(|| {
                                "`tasks` must name tasks declared in this file".into()
                            });
                    self.err(t.span.clone(), format!("unknown task `{}`", t.value), hint);
                }
            }
        }
        let n = tasks.value.len();
        let matrix = self.matrix(g, n)?;
        if self.diags.len() > before {
            return None;
        }
        let ids: Vec<String> = tasks.value.iter().map(|t| t.value.clone()).collect();
        let (matrix, repair) = match copula::cholesky(&matrix, n) {
            Some(_) => (matrix, None),
            None => {
                let smallest = copula::smallest_eigenvalue(&matrix, n);
                let at = g
                    .matrix
                    .as_ref()
                    .map(|m| m.span.clone())
                    .or_else(|| g.coefficient.as_ref().map(|c| c.span.clone()))
                    .unwrap_or_else(|| g.header.clone());
                if !g.repair {
                    let hint = match &g.coefficient {
                        Some(_) => format!(
                            "with {n} tasks, one coefficient for every pair must be at least -1/{} = {:.3}; or add repair = true to use the nearest correlation matrix",
                            n - 1,
                            -1.0 / (n - 1) as f64
                        ),
                        None => "add repair = true to use the nearest correlation matrix (Higham's method) instead, or revise the coefficients".into(),
                    };
                    self.err(
                        at,
                        format!(
                            "this correlation matrix is not positive semi-definite (its smallest eigenvalue is {smallest:.3}): no joint distribution has these correlations"
                        ),
                        hint,
                    );
                    return None;
                }
                let repaired = copula::nearest_correlation(&matrix, n);
                let (mut largest, mut between) = (0.0f64, (0, 1));
                for i in 0..n {
                    for j in i + 1..n {
                        let change = (repaired[i * n + j] - matrix[i * n + j]).abs();
                        if change > largest {
                            (largest, between) = (change, (i, j));
                        }
                    }
                }
                self.warnings.push(format!(
                    "the {} correlation of {} is not positive semi-definite (its smallest eigenvalue is {smallest:.3}); repaired to the nearest correlation matrix; the largest change is {largest:.3} (tasks {} and {})",
                    of.as_str(),
                    list(&ids),
                    ids[between.0],
                    ids[between.1]
                ));
                (
                    repaired,
                    Some(Repair {
                        smallest_eigenvalue: smallest,
                        largest_change: largest,
                        between,
                    }),
                )
            }
        };
        let Some(factor) = copula::cholesky(&matrix, n) else {
            // The repair is positive semi-definite by construction; a failure here would be
            // a bug, reported rather than panicked.
            self.err(
                g.header.clone(),
                "this correlation matrix could not be repaired",
                "revise the coefficients so that they are consistent",
            );
            return None;
        };
        Some(Checked {
            ids,
            correlation: Correlation {
                of,
                tasks: members.iter().map(|&i| i as u32).collect(),
                matrix,
                factor,
                repair,
            },
        })
    }

    /// The declared matrix (row-major), or one built from `coefficient`, checked entry by entry.
    fn matrix(&mut self, g: &RawCorrelation, n: usize) -> Option<Vec<f64>> {
        let in_range = |x: f64| (-1.0..=1.0).contains(&x);
        match (&g.coefficient, &g.matrix) {
            (None, None) => {
                self.err(
                    g.header.clone(),
                    "this correlation has neither `coefficient` nor `matrix`",
                    "add coefficient = 0.6 (the same for every pair) or a full matrix = [[1, 0.6], [0.6, 1]]",
                );
                None
            }
            (Some(c), Some(_)) => {
                self.err(
                    c.span.clone(),
                    "a correlation takes `coefficient` or `matrix`, not both",
                    "keep `coefficient` for one value for every pair, or `matrix` for each pair its own",
                );
                None
            }
            (Some(c), None) => {
                if !in_range(c.value) {
                    self.err(
                        c.span.clone(),
                        format!(
                            "a correlation coefficient must be between -1 and 1, got {}",
                            c.value
                        ),
                        "e.g. coefficient = 0.6: the two estimates tend to run long together",
                    );
                    return None;
                }
                Some(
                    (0..n * n)
                        .map(|k| if k / n == k % n { 1.0 } else { c.value })
                        .collect(),
                )
            }
            (None, Some(m)) => self.declared(m, n),
        }
    }

    fn declared(&mut self, m: &Sp<RawMatrix>, n: usize) -> Option<Vec<f64>> {
        let shape = "one row and one column per task, in the order of `tasks`, e.g. matrix = [[1, 0.5], [0.5, 1]] for two";
        if m.value.len() != n {
            self.err(
                m.span.clone(),
                format!(
                    "the matrix has {} row{} for {n} tasks",
                    m.value.len(),
                    if m.value.len() == 1 { "" } else { "s" }
                ),
                shape,
            );
            return None;
        }
        let before = self.diags.len();
        for (i, row) in m.value.iter().enumerate() {
            if row.value.len() != n {
                self.err(
                    row.span.clone(),
                    format!(
                        "row {} of the matrix has {} value{} for {n} tasks",
                        i + 1,
                        row.value.len(),
                        if row.value.len() == 1 { "" } else { "s" }
                    ),
                    shape,
                );
            }
        }
        if self.diags.len() > before {
            return None;
        }
        let at = |i: usize, j: usize| &m.value[i].value[j];
        for i in 0..n {
            for j in 0..n {
                let x = at(i, j);
                if i == j {
                    if x.value != 1.0 {
                        self.err(
                            x.span.clone(),
                            format!(
                                "the diagonal of a correlation matrix is 1, got {} (row {})",
                                x.value,
                                i + 1
                            ),
                            "a task is perfectly correlated with itself: write 1 on the diagonal",
                        );
                    }
                } else if !(-1.0..=1.0).contains(&x.value) {
                    self.err(
                        x.span.clone(),
                        format!(
                            "a correlation coefficient must be between -1 and 1, got {}",
                            x.value
                        ),
                        "each entry is the correlation of two tasks' estimates",
                    );
                } else if j < i && (x.value - at(j, i).value).abs() > 1e-12 {
                    self.err(
                        x.span.clone(),
                        format!(
                            "the matrix is not symmetric: row {} column {} is {}, but row {} column {} is {}",
                            i + 1,
                            j + 1,
                            x.value,
                            j + 1,
                            i + 1,
                            at(j, i).value
                        ),
                        "the correlation of a with b is that of b with a: make the two entries equal",
                    );
                }
            }
        }
        if self.diags.len() > before {
            return None;
        }
        Some(
            m.value
                .iter()
                .flat_map(|r| r.value.iter().map(|x| x.value))
                .collect(),
        )
    }
}
