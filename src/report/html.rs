//! `report.html`: one self-contained page (inline SVG and CSS, no script, no network) with the
//! summary, every chart, the drivers, experiments and risks, and the inputs that produced it.
//! The summary is the page a reader sees first; every milestone's charts and tables, the
//! schedule and the tables after it fold away in `<details>` sections, each named with its
//! headline numbers.

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
details.section { margin-top: 0.9rem; border-bottom: 2px solid #0072b2; }
details.section > summary { cursor: pointer; padding: 0.3rem 0; }
details.section > summary h2 { display: inline; border: 0; font-size: 1.2rem; margin: 0; }
details.section > summary .headline { color: #555; font-size: 0.92rem; margin-left: 0.6rem; }
details.section[open] { border-bottom: 0; }
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
    let _ = writeln!(s, "<section class=\"briefing\">\n<h2>Briefing</h2>");
    for b in super::briefing::briefing(plan, summary, Some(f.details)) {
        let _ = writeln!(s, "<p>{}</p>", esc(&b.text()));
    }
    let _ = writeln!(s, "</section>");
    let _ = writeln!(s, "<h2>Summary</h2>");
    s.push_str(&table(&tables::summary(plan, summary), 1));
    let _ = writeln!(
        s,
        "<p class=\"note\">P50/P80/P95: the date by which 50/80/95% of simulated runs have delivered. Runs that never deliver (an experiment failed with no fallback) count as never, so a percentile can be <em>not reached</em>.</p>"
    );

    for m in &summary.milestones {
        let ms = &plan.milestones()[m.milestone];
        let mut headline = format!("P80 {}", tables::when(plan, m.p80().days));
        if let Some(o) = &m.on_time {
            let _ = write!(headline, " · on time {}", pct(o.probability.estimate));
        }
        open_section(&mut s, &ms.name, &headline);
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
        s.push_str("</details>\n");
    }
    open_section(&mut s, "Schedule", "which tasks hold it up");
    figure(&mut s, f, svgs, Chart::Gantt)?;
    s.push_str("</details>\n");
    if !summary.experiments.is_empty() {
        open_section(
            &mut s,
            "Experiments",
            &format!("{} in the plan", summary.experiments.len()),
        );
        s.push_str(&table(&tables::experiments(plan, summary), 1));
        s.push_str("</details>\n");
    }
    if !summary.risks.is_empty() {
        open_section(
            &mut s,
            "Risks",
            &format!("{} in the plan", summary.risks.len()),
        );
        s.push_str(&table(&tables::risks(plan, summary), 3));
        s.push_str("</details>\n");
    }
    if !plan.correlations().is_empty() {
        open_section(
            &mut s,
            "Correlated estimates",
            &format!("{} groups", plan.correlations().len()),
        );
        s.push_str(&table(&tables::correlations(plan), 4));
        s.push_str("</details>\n");
    }
    if let Some(t) = tables::calibrated_tasks(plan) {
        let _ = writeln!(s, "<h2>Calibrated estimates</h2>");
        let _ = writeln!(
            s,
            "<p>Working days: each estimate times its class's ratio of actual to estimate.</p>"
        );
        s.push_str(&table(&t, 1));
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

/// Opens a folded section: its title and headline numbers show; the rest opens on a click.
/// The caller closes it with `</details>`.
fn open_section(s: &mut String, title: &str, headline: &str) {
    let _ = writeln!(
        s,
        "<details class=\"section\"><summary><h2>{}</h2><span class=\"headline\">{}</span></summary>",
        esc(title),
        esc(headline)
    );
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

/// The whole report page of a forecast, charts included.
pub fn page(f: &Forecast) -> Result<String, Box<dyn std::error::Error>> {
    let svgs = Chart::render_all(f)?;
    render(f, &svgs)
}

/// A page saying what is wrong with the scenario, for `watch` (the diagnostics as the terminal
/// shows them).
pub fn problem_page(file: &str, message: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{file}: problems</title>\n</head>\n<body style=\"font-family: {FONT}; margin: 2em\">\n<h1>{file} cannot run yet</h1>\n<pre>{}</pre>\n<p>Fix the file and save it: this page updates by itself.</p>\n</body>\n</html>\n",
        esc(message),
        file = esc(file),
    )
}

/// A page with a script that reloads it when the server's version moves past `version` (for
/// `watch`; report.html itself stays script-free).
pub fn live(html: &str, version: u64) -> String {
    let script = format!(
        "<script>(function(){{var v=\"{version}\";setInterval(function(){{fetch(\"/version\",{{cache:\"no-store\"}}).then(function(r){{return r.text()}}).then(function(t){{if(t.trim()!==v)location.reload()}}).catch(function(){{}})}},500)}})();</script>\n"
    );
    match html.rfind("</body>") {
        Some(at) => format!("{}{script}{}", &html[..at], &html[at..]),
        None => format!("{html}{script}"),
    }
}
