//! The briefing: a few plain sentences per milestone, generated from the numbers, that a program
//! manager can paste into a status mail. Every report opens with it (text, Markdown, HTML, and
//! the `briefing` field of the JSON); `shipcast brief` prints only it.
//!
//! Every number in a sentence is one the report shows elsewhere, formatted the same way: the
//! summary table's dates and percentages, the on-time and budget lines with their intervals, and
//! the drivers table's "P80 if resolved" gains. No adjective is used that a number does not
//! back: a lever is named only when its gain's 95% interval lies above 0 ([`Gain::Sooner`]), and
//! a gate that is undecided is called undecided.

use super::tables::{Gain, money, pct, prob_interval, when};
use crate::analysis::drivers::{Driver, DriverKind, MilestoneDrivers};
use crate::analysis::{Details, GateStatus, MilestoneSummary, PERCENTILES, Summary};
use crate::model::Plan;

/// Levers are chosen among a milestone's first drivers: the ones every report lists (the text
/// and Markdown reports show five).
pub const LEVER_POOL: usize = 5;

/// Levers named per milestone at most.
pub const LEVERS: usize = 3;

/// The confidence a commitment date is given at when the milestone has no gate.
pub const DEFAULT_CONFIDENCE: f64 = 0.8;

/// One milestone's briefing.
#[derive(Debug, Clone, PartialEq)]
pub struct MilestoneBriefing {
    /// Index into `plan.milestones`.
    pub milestone: usize,
    pub sentences: Vec<String>,
}

impl MilestoneBriefing {
    /// The sentences as one paragraph.
    pub fn text(&self) -> String {
        self.sentences.join(" ")
    }
}

/// The briefing of every milestone, in the summary's order. Without details (no drivers were
/// computed) it names no levers.
pub fn briefing(
    plan: &Plan,
    summary: &Summary,
    details: Option<&Details>,
) -> Vec<MilestoneBriefing> {
    summary
        .milestones
        .iter()
        .map(|m| MilestoneBriefing {
            milestone: m.milestone,
            sentences: sentences(
                plan,
                m,
                details.and_then(|d| d.drivers.iter().find(|x| x.milestone == m.milestone)),
            ),
        })
        .collect()
}

/// The smallest reported percentile at or above `confidence` (index into [`PERCENTILES`]):
/// a date by which at least that share of runs delivered, and one the report shows.
fn percentile_at(confidence: f64) -> Option<usize> {
    PERCENTILES.iter().position(|&p| p >= confidence - 1e-12)
}

/// "P80", "P90".
fn label(i: usize) -> String {
    format!("P{}", (PERCENTILES[i] * 100.0).round())
}

/// The deadline as the summary table shows it.
fn deadline_cell(plan: &Plan, m: usize) -> Option<String> {
    let d = plan.milestones()[m].deadline?;
    Some(d.date.map_or(format!("{} d", d.days), |x| x.to_string()))
}

/// What resolving a driver means, as a condition, the name quoted so that it reads inside a
/// sentence whatever its capitals: `if "Fine-tune the model" succeeds at its first attempt`,
/// `if "GPU quota arrives late" does not happen`.
fn condition(plan: &Plan, d: &Driver) -> String {
    let name = d.subject(plan).1;
    match d.kind {
        DriverKind::Risk => format!("if \"{name}\" does not happen"),
        DriverKind::Resource => format!("if \"{name}\" were not a limit"),
        _ => format!("if \"{name}\" succeeds at its first attempt"),
    }
}

/// The drivers whose what-if gain is clearly positive, largest gain first (ties keep the
/// drivers' ranking), among the first [`LEVER_POOL`].
fn levers(md: &MilestoneDrivers) -> Vec<(&Driver, f64, String)> {
    let mut v: Vec<(&Driver, f64, String)> = md
        .drivers
        .iter()
        .take(LEVER_POOL)
        .filter_map(|d| {
            let w = d.what_if?;
            match Gain::of(&w)? {
                Gain::Sooner(s) => Some((d, w.p80_gain?, s)),
                _ => None,
            }
        })
        .collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1));
    v
}

fn sentences(plan: &Plan, m: &MilestoneSummary, drivers: Option<&MilestoneDrivers>) -> Vec<String> {
    let ms = &plan.milestones()[m.milestone];
    let name = &ms.name;
    let mut out = Vec::new();

    if let Some(note) = super::reached_note(plan, m.milestone) {
        out.push(format!("{name} was {note}, before the status date."));
        return out;
    }

    // The date to commit to.
    let gate = m.on_time.as_ref().and_then(|o| o.gate.as_ref());
    let confidence = gate.map_or(DEFAULT_CONFIDENCE, |g| g.target);
    let as_of = plan
        .status_date()
        .map_or(String::new(), |s| format!("As of {}, ", s.date));
    let commit = match percentile_at(confidence) {
        Some(i) => match m.percentiles[i].days {
            Some(days) => {
                let why = if gate.is_some() && PERCENTILES[i] == confidence {
                    ": the gate's confidence".to_string()
                } else if gate.is_some() {
                    format!(", which covers the gate's {}", pct(confidence))
                } else {
                    format!(": {} of runs deliver by then", pct(PERCENTILES[i]))
                };
                format!(
                    "commit to {} for {name} ({}{why}).",
                    when(plan, Some(days)),
                    label(i)
                )
            }
            None => format!(
                "{name} has no date to commit to at {}: {} is not reached, because it is delivered in only {} {} of runs.",
                pct(confidence),
                label(i),
                pct(m.delivered.estimate),
                prob_interval(&m.delivered)
            ),
        },
        None => format!(
            "{name} has no reported percentile at the gate's confidence of {}.",
            pct(confidence)
        ),
    };
    out.push(capitalize(&format!("{as_of}{commit}")));

    // The chance of not delivering at all, when there is one (and it was not said above).
    let p_commit_reached =
        percentile_at(confidence).is_some_and(|i| m.percentiles[i].days.is_some());
    if m.delivered.estimate < 1.0 && p_commit_reached {
        out.push(format!(
            "It is delivered in {} {} of runs; in the rest it never is (an experiment fails with no fallback).",
            pct(m.delivered.estimate),
            prob_interval(&m.delivered)
        ));
    }

    // The deadline and its gate.
    if let (Some(o), Some(deadline)) = (&m.on_time, deadline_cell(plan, m.milestone)) {
        let mut s = format!(
            "It meets the {deadline} deadline in {} {} of runs",
            pct(o.probability.estimate),
            prob_interval(&o.probability)
        );
        if let Some(g) = &o.gate {
            let verdict = match g.status {
                GateStatus::Holds => "holds",
                GateStatus::Fails => "FAILS",
            };
            s.push_str(&format!(": the {} gate {verdict}", pct(g.target)));
            if !g.decided {
                s.push_str(", but is undecided (the interval straddles the target; more iterations may flip it)");
            }
        }
        s.push('.');
        out.push(s);
    }

    // The budget.
    if let Some(b) = &m.budget {
        let mut s = format!(
            "It stays within the {} budget in {} {} of runs",
            money(b.amount),
            pct(b.within.estimate),
            prob_interval(&b.within)
        );
        if let Some(j) = &b.joint {
            s.push_str(&format!(
                ", and is both on time and within budget in {} {}",
                pct(j.estimate),
                prob_interval(j)
            ));
        }
        if let Some(g) = &b.gate {
            let verdict = match g.status {
                GateStatus::Holds => "holds",
                GateStatus::Fails => "FAILS",
            };
            s.push_str(&format!(": the {} budget gate {verdict}", pct(g.target)));
            if !g.decided {
                s.push_str(", but is undecided");
            }
        }
        s.push('.');
        out.push(s);
    }

    // The levers.
    let levers = drivers.map(levers).unwrap_or_default();
    if !levers.is_empty() {
        let each: Vec<String> = levers
            .iter()
            .take(LEVERS)
            .map(|(d, _, gain)| format!("{}, P80 is {gain}", condition(plan, d)))
            .collect();
        let head = if each.len() == 1 {
            "The biggest lever"
        } else {
            "The biggest levers"
        };
        out.push(format!("{head}: {}.", each.join("; ")));
    }

    // A failing deadline gate: what it would take.
    if let (Some(o), Some(g)) = (&m.on_time, gate)
        && g.status == GateStatus::Fails
    {
        if let Some(i) = percentile_at(g.target)
            && let Some(days) = m.percentiles[i].days
        {
            out.push(format!(
                "The gate would hold with a deadline of {} ({}).",
                when(plan, Some(days)),
                label(i)
            ));
        }
        // A lever's P80 gain closes the gap when P80, moved by the low end of the gain's
        // interval, is within the deadline: then at least 80% of runs are on time, which meets
        // any gate of at most 80%.
        if g.target <= DEFAULT_CONFIDENCE + 1e-12
            && let Some(p80) = m.p80().days
        {
            let closing = levers.iter().find(|(d, _, _)| {
                d.what_if
                    .and_then(|w| w.p80_gain_low)
                    .is_some_and(|low| p80 - low <= o.deadline_days)
            });
            match closing {
                Some((d, _, gain)) => out.push(format!(
                    "One lever closes the gap: {}, P80 is {gain}, which brings P80 within the deadline.",
                    condition(plan, d)
                )),
                None if drivers.is_some() => out.push(
                    "No single lever in the drivers table closes the gap on its own.".to_string(),
                ),
                None => {}
            }
        }
    }
    out
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// The briefing as plain text: one paragraph per milestone, separated by blank lines (what
/// `shipcast brief` prints, and what the text report opens with).
pub fn text(list: &[MilestoneBriefing]) -> String {
    list.iter()
        .map(|b| b.text() + "\n")
        .collect::<Vec<_>>()
        .join("\n")
}

/// The briefing of a report's input.
pub fn of(input: &super::Input) -> Vec<MilestoneBriefing> {
    briefing(input.plan, input.summary, input.details)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{self, Quiet, RunSpec, load_str};

    /// The briefing of `toml` run with drivers at `n` iterations and seed 11, with the summary.
    fn brief(toml: &str, n: u64) -> (Vec<MilestoneBriefing>, pipeline::Forecast) {
        let plan = load_str("plan.toml", toml).unwrap();
        let spec = RunSpec {
            iterations: Some(n),
            seed: Some(11),
            details: true,
            ..RunSpec::default()
        };
        let f = pipeline::forecast(plan, &spec, None, &Quiet).unwrap();
        (briefing(&f.plan, &f.summary, f.details.as_ref()), f)
    }

    fn on_time(f: &pipeline::Forecast, m: usize) -> crate::analysis::Probability {
        f.summary.milestones[m]
            .on_time
            .as_ref()
            .unwrap()
            .probability
    }

    /// A 10-day task, then an experiment of 5 days (succeeds with 0.6, two attempts of 5 days),
    /// with a 5-day fallback. The milestone finishes at working-day time 15 (first attempt
    /// succeeds: 0.6), 20 (second: 0.4 * 0.6 = 0.24) or 25 (fallback: 0.16), so its CDF is 0.6,
    /// 0.84, 1: P80 = 20, the finish on working day 19 from Monday 2027-01-04, Friday
    /// 2027-01-29. With the experiment sure to succeed at its first attempt every run finishes
    /// at 15, so the what-if gain at P80 is exactly 5.0 in every section: [5.0, 5.0].
    const EXPERIMENT: &str = r#"
[project]
start = 2027-01-04
[[task]]
id = "a"
duration = 10
[[task]]
id = "x"
name = "Fine-tune"
after = ["a"]
duration = 5
success = 0.6
attempts = 2
retry_duration = 5
fallback = "f"
[[task]]
id = "f"
duration = 5
[[milestone]]
id = "launch"
name = "Launch"
after = ["x"]
"#;

    #[test]
    fn a_failing_gate_says_what_it_would_take_and_which_lever_closes_it() {
        // Deadline Wednesday 2027-01-27, the end of working day 17 (t = 18): on time exactly
        // when the first attempt succeeds, P = 0.6 (4 Monte Carlo SE at n = 20,000 is 0.014),
        // so the 80% gate fails, decided. P80 (2027-01-29) is where it would hold. The lever's
        // gain of 5.0 [5.0, 5.0] moves P80 from 20 to 15 <= 18: it closes the gap.
        let toml = format!("{EXPERIMENT}deadline = 2027-01-27\nconfidence = 0.8\n");
        let (b, f) = brief(&toml, 20_000);
        let o = on_time(&f, 0);
        assert!((o.estimate - 0.6).abs() < 0.014, "{o:?}");
        assert_eq!(
            b[0].sentences,
            vec![
                "Commit to 2027-01-29 for Launch (P80: the gate's confidence).".to_string(),
                format!(
                    "It meets the 2027-01-27 deadline in {} {} of runs: the 80.0% gate FAILS.",
                    pct(o.estimate),
                    prob_interval(&o)
                ),
                "The biggest lever: if \"Fine-tune\" succeeds at its first attempt, P80 is 5.0 d sooner [5.0, 5.0].".to_string(),
                "The gate would hold with a deadline of 2027-01-29 (P80).".to_string(),
                "One lever closes the gap: if \"Fine-tune\" succeeds at its first attempt, P80 is 5.0 d sooner [5.0, 5.0], which brings P80 within the deadline.".to_string(),
            ]
        );
    }

    #[test]
    fn a_gate_whose_interval_straddles_its_target_is_called_undecided() {
        // P(on time) is exactly 0.6 (the first attempt succeeds); at a 60% gate and 400 runs its
        // Wilson interval (half-width about 0.048) straddles 0.6, whatever the estimate.
        let toml = format!("{EXPERIMENT}deadline = 2027-01-27\nconfidence = 0.6\n");
        let (b, f) = brief(&toml, 400);
        let o = on_time(&f, 0);
        assert!(o.low < 0.6 && 0.6 <= o.high, "{o:?}");
        let verdict = if o.estimate >= 0.6 { "holds" } else { "FAILS" };
        assert_eq!(
            b[0].sentences[1],
            format!(
                "It meets the 2027-01-27 deadline in {} {} of runs: the 60.0% gate {verdict}, but is undecided (the interval straddles the target; more iterations may flip it).",
                pct(o.estimate),
                prob_interval(&o)
            )
        );
    }

    #[test]
    fn a_gate_between_reported_percentiles_commits_at_the_next_one() {
        // A 90% gate on a deadline of Friday 2027-02-05 (t = 25): every run is on time, so
        // P(on time) = 1 [Wilson 0.99981, 1] and the gate holds, decided. The date to commit
        // to at 0.85 is P90 (25: Friday 2027-02-05, the first reported percentile at or above
        // 85%).
        let toml = format!("{EXPERIMENT}deadline = 2027-02-05\nconfidence = 0.85\n");
        let (b, _) = brief(&toml, 20_000);
        assert_eq!(
            b[0].sentences[..2],
            [
                "Commit to 2027-02-05 for Launch (P90, which covers the gate's 85.0%).",
                "It meets the 2027-02-05 deadline in 100.0% [100.0%, 100.0%] of runs: the 85.0% gate holds.",
            ]
        );
    }

    #[test]
    fn a_milestone_that_may_never_deliver_says_how_often_it_does() {
        // The experiment without its fallback: delivered when one of two attempts succeeds,
        // 1 - 0.4^2 = 0.84, so P80 = 20 (2027-01-29) and P90 is not reached. The lever's gain
        // at P80 is again exactly 5.0 (every run delivers at 15). No deadline: no gate sentence.
        let toml = EXPERIMENT.replace("fallback = \"f\"\n", "");
        let (b, f) = brief(&toml, 20_000);
        let d = f.summary.milestones[0].delivered;
        assert!((d.estimate - 0.84).abs() < 0.011, "{d:?}");
        assert_eq!(
            b[0].sentences,
            vec![
                "Commit to 2027-01-29 for Launch (P80: 80.0% of runs deliver by then).".to_string(),
                format!(
                    "It is delivered in {} {} of runs; in the rest it never is (an experiment fails with no fallback).",
                    pct(d.estimate),
                    prob_interval(&d)
                ),
                "The biggest lever: if \"Fine-tune\" succeeds at its first attempt, P80 is 5.0 d sooner [5.0, 5.0].".to_string(),
            ]
        );
        // At a 90% gate there is no date to commit to: P90 is not reached.
        let toml = format!("{toml}deadline = 2027-02-05\nconfidence = 0.9\n");
        let (b, f) = brief(&toml, 20_000);
        let d = f.summary.milestones[0].delivered;
        assert_eq!(
            b[0].sentences[0],
            format!(
                "Launch has no date to commit to at 90.0%: P90 is not reached, because it is delivered in only {} {} of runs.",
                pct(d.estimate),
                prob_interval(&d)
            )
        );
    }

    #[test]
    fn a_risk_that_delays_is_a_lever_and_a_budget_is_reported() {
        // Two fixed tasks of 10 days in a row; a risk (probability 0.5) adds 4 days to the
        // first. Finish 20 or 24 with probability 1/2 each: P80 = 24, working day 23 from
        // 2027-01-04, Thursday 2027-02-04. Without the risk every run finishes at 20: a gain
        // of exactly 4.0 at P80, in every section. Cost: 1,000 a day burn rate, so 20,000 or
        // 24,000; a budget of 22,000 holds in the runs without the risk (P = 0.5).
        let toml = r#"
[project]
start = 2027-01-04
cost_per_day = 1000
[[task]]
id = "a"
duration = 10
[[task]]
id = "b"
after = ["a"]
duration = 10
[[risk]]
id = "vendor"
name = "Vendor slips"
probability = 0.5
affects = ["a"]
delay = 4
[[milestone]]
id = "ga"
name = "GA"
after = ["b"]
budget = 22000
"#;
        let (b, f) = brief(toml, 20_000);
        let w = f.summary.milestones[0].budget.as_ref().unwrap().within;
        assert!((w.estimate - 0.5).abs() < 0.015, "{w:?}");
        assert_eq!(
            b[0].sentences,
            vec![
                "Commit to 2027-02-04 for GA (P80: 80.0% of runs deliver by then).".to_string(),
                format!(
                    "It stays within the 22,000 budget in {} {} of runs.",
                    pct(w.estimate),
                    prob_interval(&w)
                ),
                "The biggest lever: if \"Vendor slips\" does not happen, P80 is 4.0 d sooner [4.0, 4.0].".to_string(),
            ]
        );
    }

    #[test]
    fn a_milestone_reached_before_the_status_date_says_only_that() {
        let toml = r#"
[project]
start = 2027-01-04
status_date = 2027-01-20
[[task]]
id = "a"
duration = 5
done = true
finished = 2027-01-08
[[task]]
id = "b"
after = ["a"]
duration = 10
[[milestone]]
id = "alpha"
name = "Alpha"
after = ["a"]
[[milestone]]
id = "ga"
name = "GA"
after = ["b"]
"#;
        let (b, _) = brief(toml, 2_000);
        assert_eq!(
            b[0].sentences,
            ["Alpha was already reached on 2027-01-08, before the status date."]
        );
        assert!(
            b[1].sentences[0].starts_with("As of 2027-01-20, commit to "),
            "{:?}",
            b[1]
        );
    }
}
