//! Numeric parameters of a plan addressed by a path, for sweeps.
//!
//! Parameters are addressed by a path:
//!
//! | path | what it sets |
//! | --- | --- |
//! | `task.ID.success` | the chance that each attempt of experiment ID succeeds |
//! | `task.ID.attempts` | the most attempts of experiment ID (the last chance repeats) |
//! | `task.ID.duration_scale` | a factor on every duration ID draws |
//! | `task.ID.cost`, `task.ID.cost_per_day` | the task's costs |
//! | `risk.ID.probability` | the chance that risk ID occurs |
//! | `project.cost_per_day` | the burn rate |
//! | `project.duration_scale` | a factor on every task's durations |

use super::Plan;

/// Grid points a sweep may have at most, over all its parameters.
pub const MAX_POINTS: usize = 400;

/// One swept parameter: its path and the values it takes.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub path: String,
    pub values: Vec<f64>,
}

/// The sweepable fields of a task.
const TASK_FIELDS: &[&str] = &[
    "success",
    "attempts",
    "duration_scale",
    "cost",
    "cost_per_day",
];

const SET_USAGE: &str =
    "write PATH=LO..HI:STEP or PATH=A,B,C, e.g. task.train.success=0.3..0.9:0.1";

/// Why a `PATH=VALUES` grid could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SetError {
    #[error("`{0}` has no `=`: {SET_USAGE}")]
    NoEquals(String),
    #[error("`{0}` is not a finite number of at most 1e15: {SET_USAGE}")]
    NotANumber(String),
    #[error("`{0}` has no `..`: {SET_USAGE}")]
    NoRange(String),
    #[error("`{0}` needs LO <= HI and a positive STEP")]
    BadRange(String),
    #[error("`{range}` has {points} points; at most {MAX_POINTS}")]
    TooManyPoints { range: String, points: usize },
    #[error("`{0}` gives no values")]
    Empty(String),
}

/// Why a parameter could not be set.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParamError {
    #[error("{path} must be between 0 and 1, got {value}")]
    NotAFraction { path: String, value: f64 },
    #[error("{path} cannot be negative, got {value}")]
    Negative { path: String, value: f64 },
    #[error("{path} is at most {max:e} (durations stay within 1e9 working days), got {value:e}")]
    TooLarge { path: String, value: f64, max: f64 },
    #[error("{path} must be a whole number from 1 to 1000, got {value}")]
    Attempts { path: String, value: f64 },
    #[error("{path}: the plan has no task `{id}`")]
    NoTask { path: String, id: String },
    #[error("{path}: task `{id}` is not an experiment (it has no `success`)")]
    NotAnExperiment { path: String, id: String },
    #[error(
        "{path}: tasks have no sweepable `{field}`{} (success, attempts, duration_scale, cost, cost_per_day)",
        crate::scenario::diag::did_you_mean(field, TASK_FIELDS.iter().copied()).map(|s| format!("; {s}")).unwrap_or_default()
    )]
    TaskField { path: String, field: String },
    #[error("{path}: the plan has no risk `{id}`")]
    NoRisk { path: String, id: String },
    #[error(
        "`{0}` is not a sweepable parameter: use task.ID.success, task.ID.attempts, task.ID.duration_scale, task.ID.cost, task.ID.cost_per_day, risk.ID.probability, project.cost_per_day or project.duration_scale"
    )]
    Unknown(String),
}

/// Parses `PATH=LO..HI:STEP` (HI included) or `PATH=A,B,C`.
pub fn parse_set(spec: &str) -> Result<Param, SetError> {
    let (path, range) = spec
        .split_once('=')
        .ok_or_else(|| SetError::NoEquals(spec.to_string()))?;
    let num = |s: &str| {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|x: &f64| x.is_finite() && x.abs() <= crate::scenario::raw::MAX_NUMBER)
            .ok_or_else(|| SetError::NotANumber(s.to_string()))
    };
    let values = if let Some((lo_hi, step)) = range.split_once(':') {
        let (lo, hi) = lo_hi
            .split_once("..")
            .ok_or_else(|| SetError::NoRange(range.to_string()))?;
        let (lo, hi, step) = (num(lo)?, num(hi)?, num(step)?);
        if step.is_nan() || step <= 0.0 || hi < lo {
            return Err(SetError::BadRange(range.to_string()));
        }
        let n = ((hi - lo) / step + 1e-9).floor() as usize + 1;
        if n > MAX_POINTS {
            return Err(SetError::TooManyPoints {
                range: range.to_string(),
                points: n,
            });
        }
        // Computed from the index, not by adding steps, so 0.1 steps do not drift.
        (0..n)
            .map(|i| ((lo + i as f64 * step) * 1e9).round() / 1e9)
            .collect()
    } else {
        range.split(',').map(num).collect::<Result<Vec<_>, _>>()?
    };
    if values.is_empty() {
        return Err(SetError::Empty(spec.to_string()));
    }
    Ok(Param {
        path: path.trim().to_string(),
        values,
    })
}

/// Sets the parameter at `path` to `value` in `plan`.
pub fn apply(plan: &mut Plan, path: &str, value: f64) -> Result<(), ParamError> {
    let parts: Vec<&str> = path.split('.').collect();
    let fraction = |v: f64| {
        if (0.0..=1.0).contains(&v) {
            Ok(v)
        } else {
            Err(ParamError::NotAFraction {
                path: path.to_string(),
                value: v,
            })
        }
    };
    let non_negative = |v: f64| {
        if v >= 0.0 {
            Ok(v)
        } else {
            Err(ParamError::Negative {
                path: path.to_string(),
                value: v,
            })
        }
    };
    let scale = |v: f64| {
        let v = non_negative(v)?;
        if v > crate::scenario::raw::MAX_SCALE {
            return Err(ParamError::TooLarge {
                path: path.to_string(),
                value: v,
                max: crate::scenario::raw::MAX_SCALE,
            });
        }
        Ok(v)
    };
    match parts.as_slice() {
        ["project", "cost_per_day"] => plan.cost_per_day = non_negative(value)?,
        ["project", "duration_scale"] => {
            let v = scale(value)?;
            plan.nodes.iter_mut().for_each(|n| n.scale = v);
        }
        ["task", id, field] => {
            let i = plan
                .node_index(id)
                .filter(|&i| !plan.nodes[i].is_milestone)
                .ok_or_else(|| ParamError::NoTask {
                    path: path.to_string(),
                    id: id.to_string(),
                })?;
            let node = &mut plan.nodes[i];
            match *field {
                "success" | "attempts" => {
                    let e =
                        node.experiment
                            .as_mut()
                            .ok_or_else(|| ParamError::NotAnExperiment {
                                path: path.to_string(),
                                id: id.to_string(),
                            })?;
                    if *field == "success" {
                        let p = fraction(value)?;
                        e.success.iter_mut().for_each(|s| *s = p);
                    } else {
                        if value < 1.0 || value.fract() != 0.0 || value > 1000.0 {
                            return Err(ParamError::Attempts {
                                path: path.to_string(),
                                value,
                            });
                        }
                        // Invariant: `build` refuses an experiment without a success chance.
                        let last = *e.success.last().expect("an experiment has an attempt");
                        e.success.resize(value as usize, last);
                    }
                }
                "duration_scale" => node.scale = scale(value)?,
                "cost" => node.cost = non_negative(value)?,
                "cost_per_day" => node.cost_per_day = non_negative(value)?,
                other => {
                    return Err(ParamError::TaskField {
                        path: path.to_string(),
                        field: other.to_string(),
                    });
                }
            }
        }
        ["risk", id, "probability"] => {
            let r =
                plan.risks
                    .iter_mut()
                    .find(|r| r.id == *id)
                    .ok_or_else(|| ParamError::NoRisk {
                        path: path.to_string(),
                        id: id.to_string(),
                    })?;
            r.probability = fraction(value)?;
        }
        _ => return Err(ParamError::Unknown(path.to_string())),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_include_their_end_without_drift() {
        let p = parse_set("task.train.success=0.3..0.9:0.1").unwrap();
        assert_eq!(p.path, "task.train.success");
        assert_eq!(p.values, vec![0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
        assert_eq!(
            parse_set("project.cost_per_day=1,2.5").unwrap().values,
            vec![1.0, 2.5]
        );
        assert!(parse_set("x=1..0:1").is_err());
        assert!(parse_set("x").is_err());
        assert!(parse_set("x=0..1000:1").is_err());
    }
}
