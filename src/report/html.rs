//! `report.html`: one self-contained page (inline SVG and CSS, no script, no network) with the
//! summary, every chart, the drivers, experiments and risks, and the inputs that produced it.

use std::fmt::Write as _;

use super::Forecast;
use super::charts::{Chart, FONT};
use super::tables::{self, Table, pct, prob_interval};

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn table(t: &Table, numeric_from: usize) -> String {
    let mut s = String::from("<table>\n<thead><tr>");
    for (i, h) in t.headers.iter().enumerate() {
        let class = if i >= numeric_from {
            " class=\"num\""
        } else {
            ""
        };
        let _ = write!(s, "<th{class}>{}</th>", esc(h));
    }
    s.push_str("</tr></thead>\n<tbody>\n");
    for r in &t.rows {
        s.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            let class = if i >= numeric_from {
                " class=\"num\""
            } else {
                ""
            };
            let fails = if c.contains("FAILS") { " fails" } else { "" };
            let _ = write!(
                s,
                "<td class=\"{}{fails}\">{}</td>",
                class.trim_start_matches(" class=\"").trim_end_matches('"'),
                esc(c)
            );
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody>\n</table>\n");
    s
}

/// The SVG document without any XML prologue, ready to inline.
fn inline_svg(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}

const CSS: &str = r#"
:root { color-scheme: light; }
body { font-family: FONT; color: #222; max-width: 1040px; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.7rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.3rem; margin-top: 2.4rem; border-bottom: 2px solid #0072b2; padding-bottom: 0.2rem; }
h3 { font-size: 1.05rem; margin-top: 1.6rem; }
.inputs { color: #555; font-size: 0.92rem; }
table { border-collapse: collapse; margin: 0.6rem 0 1rem; font-size: 0.92rem; }
th, td { padding: 0.3rem 0.7rem; border-bottom: 1px solid #ddd; text-align: left; vertical-align: top; }
th { background: #f3f6f9; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.fails { color: #b04a00; font-weight: bold; }
figure { margin: 1rem 0; }
figure svg { max-width: 100%; height: auto; border: 1px solid #e4e4e4; }
figcaption { font-size: 0.88rem; color: #555; }
.note { font-size: 0.9rem; color: #555; }
footer { margin-top: 3rem; font-size: 0.85rem; color: #777; }
"#;

/// The page, with `svgs` from [`Chart::render_all`] inlined.
pub fn render(
    f: &Forecast,
    svgs: &[(Chart, String)],
) -> Result<String, Box<dyn std::error::Error>> {
    let (plan, summary) = (f.plan, f.summary);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"
    );
    let _ = writeln!(
        s,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    );
    let _ = writeln!(s, "<title>{} — delivery forecast</title>", esc(plan.name()));
    let _ = writeln!(
        s,
        "<style>{}</style>\n</head>\n<body>",
        CSS.replace("FONT", FONT)
    );
    let _ = writeln!(s, "<h1>{} — delivery forecast</h1>", esc(plan.name()));
    let start = plan
        .calendar()
        .start
        .map_or("no start date (times in working days)".to_string(), |d| {
            format!("start {d}{}", super::as_of(plan))
        });
    let _ = writeln!(
        s,
        "<p class=\"inputs\">Scenario <code>{}</code> · {} · seed {} · {} simulated runs · shipcast {}</p>",
        esc(f.file),
        esc(&start),
        summary.seed,
        summary.iterations,
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(s, "<h2>Summary</h2>");
    s.push_str(&table(&tables::summary(plan, summary), 1));
    let _ = writeln!(
        s,
        "<p class=\"note\">P50/P80/P95: the date by which 50/80/95% of simulated runs have delivered. Runs that never deliver (an experiment failed with no fallback) count as never, so a percentile can be <em>not reached</em>.</p>"
    );

    for m in &summary.milestones {
        let ms = &plan.milestones()[m.milestone];
        let _ = writeln!(s, "<h2>{}</h2>", esc(&ms.name));
        let mut facts = format!(
            "Delivered in {} of runs {}",
            pct(m.delivered.estimate),
            prob_interval(&m.delivered)
        );
        if let Some(note) = super::reached_note(plan, m.milestone) {
            let _ = write!(facts, "; {note}");
        }
        if let Some(o) = &m.on_time {
            let _ = write!(
                facts,
                "; on time in {} {}",
                pct(o.probability.estimate),
                prob_interval(&o.probability)
            );
        }
        for line in tables::budget_facts(m) {
            let _ = write!(facts, "; {line}");
        }
        if let (Some(mean), Some(sd)) = (m.mean, m.sd) {
            let _ = write!(
                facts,
                "; when delivered, mean {mean:.1} working days (sd {sd:.1})"
            );
        }
        let _ = writeln!(s, "<p>{}.</p>", esc(&facts));
        for chart in [Chart::SCurve(m.milestone), Chart::Histogram(m.milestone)] {
            figure(&mut s, f, svgs, chart)?;
        }
        if m.budget.is_some() {
            figure(&mut s, f, svgs, Chart::Budget(m.milestone))?;
        }
        let _ = writeln!(s, "<h3>Percentiles with their 95% intervals</h3>");
        s.push_str(&table(&tables::percentiles(plan, m), 1));
        let _ = writeln!(s, "<h3>What drives it</h3>");
        figure(&mut s, f, svgs, Chart::Tornado(m.milestone))?;
        s.push_str(&table(
            &tables::drivers(plan, &f.drivers[m.milestone], usize::MAX),
            2,
        ));
        let _ = writeln!(
            s,
            "<p class=\"note\">Sensitivity: rank correlation of what the task or risk drew with this milestone's finish. Critical: share of delivered runs in which the task is on the critical path. P80 if resolved: rerun with the experiment succeeding at its first attempt, or the risk never happening, on the same random numbers.</p>"
        );
    }
    let _ = writeln!(s, "<h2>Schedule</h2>");
    figure(&mut s, f, svgs, Chart::Gantt)?;
    if !summary.experiments.is_empty() {
        let _ = writeln!(s, "<h2>Experiments</h2>");
        s.push_str(&table(&tables::experiments(plan, summary), 1));
    }
    if !summary.risks.is_empty() {
        let _ = writeln!(s, "<h2>Risks</h2>");
        s.push_str(&table(&tables::risks(plan, summary), 3));
    }
    if !plan.correlations().is_empty() {
        let _ = writeln!(s, "<h2>Correlated estimates</h2>");
        s.push_str(&table(&tables::correlations(plan), 4));
    }
    if let Some(r) = &f.resources {
        let _ = writeln!(s, "<h2>Shared resources</h2>");
        let _ = writeln!(s, "<p>{}</p>", esc(&super::resources::sentence(plan, r)));
        s.push_str(&table(&super::resources::resources(plan, r), 1));
        s.push_str(&table(&super::resources::milestones(plan, r), 1));
        for k in 0..plan.resources().len() {
            figure(&mut s, f, svgs, Chart::Utilisation(k))?;
        }
        let _ = writeln!(
            s,
            "<p class=\"note\">Each comparison reruns the first {} runs on the same random numbers with the resource limits lifted (all of them, or one resource at a time); utilisation is the mean use over the first runs against the capacity.</p>",
            r.iterations
        );
    }
    let _ = writeln!(
        s,
        "<footer>Generated by shipcast {} from <code>{}</code> with seed {} and {} runs. The same inputs give the same report.</footer>",
        env!("CARGO_PKG_VERSION"),
        esc(f.file),
        summary.seed,
        summary.iterations
    );
    let _ = writeln!(s, "</body>\n</html>");
    Ok(s)
}

fn figure(
    s: &mut String,
    f: &Forecast,
    svgs: &[(Chart, String)],
    chart: Chart,
) -> Result<(), Box<dyn std::error::Error>> {
    let svg = svgs
        .iter()
        .find(|(c, _)| *c == chart)
        .map(|(_, svg)| svg)
        .ok_or("chart not rendered")?;
    let _ = writeln!(
        s,
        "<figure id=\"{}\">\n{}\n</figure>",
        esc(&chart.stem(f.plan)),
        inline_svg(svg)
    );
    Ok(())
}
