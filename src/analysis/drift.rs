//! Forecast drift: how a milestone's P80 and P(on time) moved since an earlier report, and
//! whether the move is larger than Monte Carlo noise.
//!
//! Each figure's standard error is read back from its own 95% interval (half its width over
//! 1.96); two runs are treated as independent, so the move is beyond noise when it exceeds 1.96
//! times the root of the two squared errors. (Runs with the same seed share random numbers and
//! are positively correlated, so this test is, if anything, conservative.)

use super::{MilestoneSummary, Summary};
use crate::model::Plan;

const Z95: f64 = 1.959963984540054;

/// A figure then and now, each with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Move {
    pub before: f64,
    pub after: f64,
    /// `after - before`.
    pub change: f64,
    /// Whether the change exceeds what Monte Carlo noise explains.
    pub significant: bool,
}

impl Move {
    fn new(before: Est, after: Est) -> Move {
        let se = |(_, lo, hi): Est| (hi - lo) / (2.0 * Z95);
        let noise = Z95 * (se(before).powi(2) + se(after).powi(2)).sqrt();
        let change = after.0 - before.0;
        Move {
            before: before.0,
            after: after.0,
            change,
            significant: change.abs() > noise,
        }
    }
}

/// One milestone's drift.
#[derive(Debug, Clone, PartialEq)]
pub struct Drift {
    pub milestone: String,
    /// P80 in working days (None when either report has no finite P80 with its interval).
    pub p80: Option<Move>,
    /// P(on time), when both reports have a deadline for it.
    pub on_time: Option<Move>,
}

/// A milestone of an earlier run: (P80 days, low, high) and (P(on time), low, high).
#[derive(Debug, Clone, PartialEq)]
pub struct Earlier {
    pub id: String,
    pub p80: Option<Est>,
    pub on_time: Option<Est>,
}

/// An estimate with its 95% interval: (estimate, low, high).
pub type Est = (f64, f64, f64);

fn now(m: &MilestoneSummary) -> (Option<Est>, Option<Est>) {
    let p = m.p80();
    let p80 = match (p.days, p.low, p.high) {
        (Some(d), Some(lo), Some(hi)) => Some((d, lo, hi)),
        _ => None,
    };
    let on_time = m.on_time.as_ref().map(|o| {
        (
            o.probability.estimate,
            o.probability.low,
            o.probability.high,
        )
    });
    (p80, on_time)
}

/// The drift of every milestone that both reports have, in this plan's order.
pub fn drift(plan: &Plan, summary: &Summary, before: &[Earlier]) -> Vec<Drift> {
    summary
        .milestones
        .iter()
        .filter_map(|m| {
            let id = &plan.milestones()[m.milestone].id;
            let b = before.iter().find(|e| &e.id == id)?;
            let (p80, on_time) = now(m);
            Some(Drift {
                milestone: id.clone(),
                p80: b.p80.zip(p80).map(|(b, a)| Move::new(b, a)),
                on_time: b.on_time.zip(on_time).map(|(b, a)| Move::new(b, a)),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_is_judged_from_both_intervals() {
        // Intervals of half-width 1.96 have a standard error of 1 each; the noise band of their
        // difference is 1.96 * sqrt(2) = 2.77.
        let small = Move::new((10.0, 8.04, 11.96), (12.0, 10.04, 13.96));
        assert!(!small.significant && small.change == 2.0);
        let large = Move::new((10.0, 8.04, 11.96), (13.0, 11.04, 14.96));
        assert!(large.significant);
    }
}
