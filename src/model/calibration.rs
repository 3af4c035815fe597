//! Calibration in a plan: the `[calibration.NAME]` reference classes, checked, and a task's
//! `estimate` turned into a duration with the class's ratio of actual to estimate.
//!
//! **The rule for a three-point estimate.** The ratio's spread was measured against single-point
//! estimates: it is the spread of what really happens around what people say they expect. A
//! three-point estimate's `likely` is that same single guess; its `low` and `high` are the
//! estimator's own idea of the spread, the inside view that history replaces. So
//! `estimate = [low, likely, high]` becomes `likely x ratio`, and `low` and `high` are only
//! checked (multiplying a PERT by the ratio would count the uncertainty twice, and the declared
//! spread is exactly what the reference class shows to be too narrow). A single-point
//! `estimate = N` becomes `N x ratio`.

use std::sync::Arc;

use crate::dist::{Dist, RatioTable};
use crate::scenario::diag::{Diagnostic, did_you_mean};
use crate::scenario::raw::{RawCalibration, RawDuration, RawScenario, RawTask, Sp};

/// Which of a class's fits a plan uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// The empirical quantiles, linearly interpolated (keeps the atom at 1 of tasks that took
    /// exactly their estimate).
    Empirical,
    /// The lognormal fit.
    LogNormal,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Empirical => "empirical",
            Method::LogNormal => "lognormal",
        }
    }
}

/// A reference class: the distribution of actual / estimate a calibrated task's estimate is
/// multiplied by.
#[derive(Debug, Clone)]
pub struct Calibration {
    pub name: String,
    pub method: Method,
    /// The ratio's distribution (its estimate is 1).
    pub ratio: Dist,
    /// How many finished items it was learned from, when the table says.
    pub n: Option<u64>,
    /// Where it was learned, when the table says.
    pub source: Option<String>,
}

/// A calibrated task: its class (an index into the plan's calibrations) and the estimate the
/// ratio multiplies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calibrated {
    pub class: u32,
    pub estimate: f64,
}

fn err(diags: &mut Vec<Diagnostic>, span: std::ops::Range<usize>, msg: String, hint: &str) {
    diags.push(Diagnostic::new(span, msg).hint(hint));
}

/// Checks every `[calibration.NAME]`; a class with a problem is reported and left out.
pub(super) fn classes(raw: &RawScenario, diags: &mut Vec<Diagnostic>) -> Vec<Calibration> {
    raw.calibrations
        .iter()
        .filter_map(|c| class(c, diags))
        .collect()
}

fn class(c: &RawCalibration, diags: &mut Vec<Diagnostic>) -> Option<Calibration> {
    let name = &c.name.value;
    let method = match c.method.as_ref().map(|m| m.value.as_str()) {
        None | Some("empirical") => Method::Empirical,
        Some("lognormal") => Method::LogNormal,
        Some(other) => {
            err(
                diags,
                c.method
                    .as_ref()
                    .map_or(c.header.clone(), |m| m.span.clone()),
                format!("calibration `{name}`: unknown `use = \"{other}\"`"),
                "use \"empirical\" (the quantiles, the default) or \"lognormal\" (mu and sigma)",
            );
            return None;
        }
    };
    let ratio = match method {
        Method::Empirical => {
            let Some(q) = &c.quantiles else {
                err(
                    diags,
                    c.name.span.clone(),
                    format!("calibration `{name}` has no `quantiles`"),
                    "paste the table `shipcast calibrate` writes, or set use = \"lognormal\" with mu and sigma",
                );
                return None;
            };
            match RatioTable::new(q.value.clone()) {
                Ok(t) => Dist::Calibrated {
                    estimate: 1.0,
                    ratio: Arc::new(t),
                },
                Err(e) => {
                    err(
                        diags,
                        q.span.clone(),
                        format!("calibration `{name}`: these quantiles are invalid: {e}"),
                        "quantiles of actual / estimate at equally spaced probabilities from 0 to 1, positive and non-decreasing",
                    );
                    return None;
                }
            }
        }
        Method::LogNormal => match (&c.mu, &c.sigma) {
            (Some(mu), Some(sigma)) if sigma.value > 0.0 => Dist::LogNormal {
                mu: mu.value,
                sigma: sigma.value,
            },
            (Some(_), Some(sigma)) => {
                err(
                    diags,
                    sigma.span.clone(),
                    format!(
                        "calibration `{name}`: sigma must be positive (got {})",
                        sigma.value
                    ),
                    "sigma is the standard deviation of ln(actual / estimate)",
                );
                return None;
            }
            _ => {
                err(
                    diags,
                    c.name.span.clone(),
                    format!("calibration `{name}` uses the lognormal but lacks `mu` or `sigma`"),
                    "ln(actual / estimate) ~ N(mu, sigma): add both, as `shipcast calibrate` writes them",
                );
                return None;
            }
        },
    };
    Some(Calibration {
        name: name.clone(),
        method,
        ratio,
        n: c.n.as_ref().map(|n| n.value),
        source: c.source.clone(),
    })
}

/// A task's duration from its `estimate` and its class, or the problems. `Ok(None)` when the
/// task has no estimate (and names no calibration).
pub(super) fn task(
    raw: &RawScenario,
    t: &RawTask,
    classes: &[Calibration],
    diags: &mut Vec<Diagnostic>,
) -> Option<(Dist, Calibrated)> {
    let Some(est) = &t.estimate else {
        if let Some(c) = &t.calibration {
            err(
                diags,
                c.span.clone(),
                format!(
                    "task `{}` names a calibration but has no `estimate`",
                    t.id.value
                ),
                "calibration applies to a guess: write it as estimate = N or [low, likely, high] instead of duration",
            );
        }
        return None;
    };
    if let Some(d) = &t.duration {
        err(
            diags,
            d.span.clone(),
            format!("task `{}` has both `duration` and `estimate`", t.id.value),
            "keep `estimate` to calibrate the guess against history, or `duration` to use it as written",
        );
        return None;
    }
    let value = estimate_value(est, diags)?;
    let Some(name) = t.calibration.as_ref().or(raw.project.calibration.as_ref()) else {
        err(
            diags,
            est.span.clone(),
            format!(
                "task `{}` has an estimate but no calibration to apply to it",
                t.id.value
            ),
            "add calibration = \"NAME\" to the task or to [project], naming a [calibration.NAME] table (`shipcast calibrate` writes one); or write duration = ... to use the figure as it is",
        );
        return None;
    };
    let Some(k) = classes.iter().position(|c| c.name == name.value) else {
        // A class that failed its own checks is reported already.
        if !raw.calibrations.iter().any(|c| c.name.value == name.value) {
            let hint = did_you_mean(
                &name.value,
                raw.calibrations.iter().map(|c| c.name.value.as_str()),
            )
            .unwrap_or_else(|| {
                "name a [calibration.NAME] table of this file; `shipcast calibrate` writes one"
                    .into()
            });
            diags.push(
                Diagnostic::new(
                    name.span.clone(),
                    format!("unknown calibration `{}`", name.value),
                )
                .hint(hint),
            );
        }
        return None;
    };
    let class = &classes[k];
    let dist = match &class.ratio {
        Dist::Calibrated { ratio, .. } => Dist::Calibrated {
            estimate: value,
            ratio: ratio.clone(),
        },
        Dist::LogNormal { mu, sigma } if value > 0.0 => Dist::LogNormal {
            mu: mu + value.ln(),
            sigma: *sigma,
        },
        _ => Dist::Fixed(0.0),
    };
    Some((
        dist,
        Calibrated {
            class: k as u32,
            estimate: value,
        },
    ))
}

/// The figure the ratio multiplies: N, or the `likely` of `[low, likely, high]`.
fn estimate_value(est: &Sp<RawDuration>, diags: &mut Vec<Diagnostic>) -> Option<f64> {
    let hint = "an estimate is a number of working days or [low, likely, high]; write other distributions as duration = { ... }";
    match est.value {
        RawDuration::Fixed(n) if n >= 0.0 => Some(n),
        RawDuration::ThreePoint(l, m, h) if 0.0 <= l && l <= m && m <= h => Some(m),
        RawDuration::ThreePoint(l, m, h) => {
            err(
                diags,
                est.span.clone(),
                format!(
                    "this estimate is invalid: needs 0 <= low <= likely <= high (got {l}, {m}, {h})"
                ),
                hint,
            );
            None
        }
        RawDuration::Fixed(n) => {
            err(
                diags,
                est.span.clone(),
                format!("this estimate is invalid: it cannot be negative (got {n})"),
                hint,
            );
            None
        }
        _ => {
            err(
                diags,
                est.span.clone(),
                "an estimate must be a number or [low, likely, high]".into(),
                hint,
            );
            None
        }
    }
}
