//! The decision part of a comparison: each scenario's net value (costs and the cost of delay of
//! milestones with `value_per_day`), and each scenario against the reference run by run, with
//! the winner at the chosen confidence or the statement that the runs cannot tell them apart.

use std::fmt::Write as _;

use super::tables::{Table, money, pct, prob_interval};
use crate::analysis::compare::{Comparison, Decision, Winner};

/// An amount, or what it is when the percentile falls among runs worth minus infinity.
fn amount(x: Option<f64>) -> String {
    x.map_or("never delivers".into(), money)
}

/// A signed amount: "+12,300".
fn signed(x: f64) -> String {
    if x >= 0.0 {
        format!("+{}", money(x))
    } else {
        money(x)
    }
}

/// Each scenario's net value: P10, P50, P90 and the mean with its interval.
pub fn net_table(c: &Comparison) -> Table {
    let rows = c
        .net
        .iter()
        .enumerate()
        .filter_map(|(k, n)| {
            let n = n.as_ref()?;
            Some(vec![
                c.plans[k].0.clone(),
                amount(n.percentiles[0].days),
                amount(n.percentiles[1].days),
                amount(n.percentiles[2].days),
                n.mean.map_or("- (some runs never deliver)".into(), |m| {
                    format!(
                        "{} [{}, {}]",
                        money(m.estimate),
                        money(m.low),
                        money(m.high)
                    )
                }),
            ])
        })
        .collect();
    Table {
        headers: [
            "Scenario",
            "Net value P10",
            "P50",
            "P90",
            "Mean [95% interval]",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

/// The verdict of one decision, in words: "scale-first wins", "base wins", "cannot tell apart".
pub fn verdict(c: &Comparison, d: &Decision) -> String {
    let (a, b) = (&c.plans[d.a].0, &c.plans[d.b].0);
    let v = match d.winner {
        Winner::A => format!("{a} wins"),
        Winner::B => format!("{b} wins"),
        Winner::Neither => "cannot tell apart".into(),
    };
    if d.decided {
        v
    } else {
        format!("{v} (undecided)")
    }
}

/// Each scenario against the reference by net value.
pub fn decision_table(c: &Comparison) -> Table {
    let rows = c
        .decisions
        .iter()
        .map(|d| {
            vec![
                format!("{} vs {}", c.plans[d.b].0, c.plans[d.a].0),
                d.difference
                    .map_or("- (some runs never deliver)".into(), |x| {
                        format!(
                            "{} [{}, {}]",
                            signed(x.estimate),
                            signed(x.low),
                            signed(x.high)
                        )
                    }),
                d.percentiles[1].days.map_or("-".into(), signed),
                format!(
                    "{} {}",
                    pct(d.b_better.estimate),
                    prob_interval(&d.b_better)
                ),
                format!(
                    "{} {}",
                    pct(d.a_better.estimate),
                    prob_interval(&d.a_better)
                ),
                verdict(c, d),
            ]
        })
        .collect();
    let confidence = c.decisions.first().map_or(0.8, |d| d.confidence);
    Table {
        headers: vec![
            "Scenario".into(),
            "Net value gain (mean)".into(),
            "Gain P50".into(),
            "P(better)".into(),
            "P(worse)".into(),
            format!("At {}", pct(confidence)),
        ],
        rows,
    }
}

/// What net value means for these plans, and when a scenario wins.
fn definition(c: &Comparison) -> String {
    let valued = c.net.iter().flatten().any(|n| n.valued);
    let confidence = c.decisions.first().map_or(0.8, |d| d.confidence);
    let net = if valued {
        "net value = -cost - value_per_day x working days to each milestone"
    } else {
        "net value = -cost (no milestone has value_per_day: finishing sooner is worth nothing here)"
    };
    format!(
        "{net}; a scenario wins when it is worth more in at least {} of runs",
        pct(confidence)
    )
}

/// The decision section of the text report (empty without costs or values).
pub fn text(c: &Comparison) -> String {
    if c.decisions.is_empty() {
        return String::new();
    }
    let mut out = format!("\nDecision by net value ({})\n", definition(c));
    out.push_str(&super::text::layout(&net_table(c), 1));
    out.push('\n');
    out.push_str(&super::text::layout(&decision_table(c), 1));
    if c.decisions.iter().any(|d| !d.decided) {
        out.push_str("(undecided): the interval of P(better) or P(worse) straddles the confidence; raise --iterations\n");
    }
    out
}

/// The decision section of the Markdown report (empty without costs or values).
pub fn markdown(c: &Comparison) -> String {
    if c.decisions.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n## Decision by net value\n\n{}.\n",
        capital(&definition(c))
    );
    out.push_str(&super::markdown::table(&net_table(c), 1));
    out.push('\n');
    out.push_str(&super::markdown::table(&decision_table(c), 1));
    out
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or(String::new(), |f| {
        f.to_uppercase().collect::<String>() + c.as_str()
    })
}
