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

/// Parses `PATH=LO..HI:STEP` (HI included) or `PATH=A,B,C`.
pub fn parse_set(spec: &str) -> Result<Param, String> {
    let usage = "write PATH=LO..HI:STEP or PATH=A,B,C, e.g. task.train.success=0.3..0.9:0.1";
    let (path, range) = spec
        .split_once('=')
        .ok_or_else(|| format!("`{spec}` has no `=`: {usage}"))?;
    let num = |s: &str| {
        s.trim()
            .parse::<f64>()
            .map_err(|_| format!("`{s}` is not a number: {usage}"))
    };
    let values = if let Some((lo_hi, step)) = range.split_once(':') {
        let (lo, hi) = lo_hi
            .split_once("..")
            .ok_or_else(|| format!("`{range}` has no `..`: {usage}"))?;
        let (lo, hi, step) = (num(lo)?, num(hi)?, num(step)?);
        if step.is_nan() || step <= 0.0 || hi < lo {
            return Err(format!("`{range}` needs LO <= HI and a positive STEP"));
        }
        let n = ((hi - lo) / step + 1e-9).floor() as usize + 1;
        if n > MAX_POINTS {
            return Err(format!("`{range}` has {n} points; at most {MAX_POINTS}"));
        }
        // Computed from the index, not by adding steps, so 0.1 steps do not drift.
        (0..n)
            .map(|i| ((lo + i as f64 * step) * 1e9).round() / 1e9)
            .collect()
    } else {
        range.split(',').map(num).collect::<Result<Vec<_>, _>>()?
    };
    if values.is_empty() {
        return Err(format!("`{spec}` gives no values"));
    }
    Ok(Param {
        path: path.trim().to_string(),
        values,
    })
}

/// Sets the parameter at `path` to `value` in `plan`.
pub fn apply(plan: &mut Plan, path: &str, value: f64) -> Result<(), String> {
    let parts: Vec<&str> = path.split('.').collect();
    let fraction = |v: f64| {
        if (0.0..=1.0).contains(&v) {
            Ok(v)
        } else {
            Err(format!("{path} must be between 0 and 1, got {v}"))
        }
    };
    let non_negative = |v: f64| {
        if v >= 0.0 {
            Ok(v)
        } else {
            Err(format!("{path} cannot be negative, got {v}"))
        }
    };
    match parts.as_slice() {
        ["project", "cost_per_day"] => plan.cost_per_day = non_negative(value)?,
        ["project", "duration_scale"] => {
            let v = non_negative(value)?;
            plan.nodes.iter_mut().for_each(|n| n.scale = v);
        }
        ["task", id, field] => {
            let i = plan
                .node_index(id)
                .filter(|&i| !plan.nodes[i].is_milestone)
                .ok_or_else(|| format!("{path}: the plan has no task `{id}`"))?;
            let node = &mut plan.nodes[i];
            match *field {
                "success" | "attempts" => {
                    let e = node.experiment.as_mut().ok_or_else(|| {
                        format!("{path}: task `{id}` is not an experiment (it has no `success`)")
                    })?;
                    if *field == "success" {
                        let p = fraction(value)?;
                        e.success.iter_mut().for_each(|s| *s = p);
                    } else {
                        if value < 1.0 || value.fract() != 0.0 || value > 1000.0 {
                            return Err(format!(
                                "{path} must be a whole number from 1 to 1000, got {value}"
                            ));
                        }
                        let last = *e.success.last().expect("an experiment has an attempt");
                        e.success.resize(value as usize, last);
                    }
                }
                "duration_scale" => node.scale = non_negative(value)?,
                "cost" => node.cost = non_negative(value)?,
                "cost_per_day" => node.cost_per_day = non_negative(value)?,
                other => {
                    return Err(format!(
                        "{path}: tasks have no sweepable `{other}` (success, attempts, duration_scale, cost, cost_per_day)"
                    ));
                }
            }
        }
        ["risk", id, "probability"] => {
            let r = plan
                .risks
                .iter_mut()
                .find(|r| r.id == *id)
                .ok_or_else(|| format!("{path}: the plan has no risk `{id}`"))?;
            r.probability = fraction(value)?;
        }
        _ => {
            return Err(format!(
                "`{path}` is not a sweepable parameter: use task.ID.success, task.ID.attempts, task.ID.duration_scale, task.ID.cost, task.ID.cost_per_day, risk.ID.probability, project.cost_per_day or project.duration_scale"
            ));
        }
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
