//! Charts, reports and drivers: exact answers for the drivers, snapshots of the charts' text,
//! fonts on a machine without fontconfig, the report directory's safety rules, and the HTML
//! report rendered in headless Chromium.

mod common;

use common::*;
use shipcast::analysis::drivers::{Driver, DriverKind, MilestoneDrivers};
use shipcast::analysis::{self, Details};
use shipcast::engine::{Config, simulate_with};
use shipcast::model::Plan;
use shipcast::report::charts::Chart;
use shipcast::report::{Forecast, html};

fn forecast(toml: &str, iterations: u64) -> (Plan, analysis::Summary, Details) {
    let plan = shipcast::load_str("plan.toml", toml).unwrap();
    let config = Config::new(iterations, 11);
    let out = simulate_with(&plan, &config, &analysis::detail_probes(&plan));
    let summary = analysis::summarize(&plan, &out);
    let details = analysis::details(&plan, &config, &out);
    (plan, summary, details)
}

fn driver<'a>(plan: &Plan, md: &'a MilestoneDrivers, id: &str) -> &'a Driver {
    md.drivers
        .iter()
        .find(|d| match d.kind {
            DriverKind::Risk => plan.risks()[d.index].id == id,
            _ => plan.nodes()[d.index].id == id,
        })
        .unwrap_or_else(|| panic!("no driver {id}"))
}

#[test]
fn the_dominant_task_ranks_first_and_a_single_path_is_always_critical() {
    // A chain big -> a -> b: big is uniform(0, 100), the others uniform(0, 1), so big's draw
    // decides the order of the finishes almost entirely. Every task of the only path is on the
    // critical path in every iteration: criticality exactly 1.
    let (plan, _, d) = forecast(
        r#"
[[task]]
id = "a"
after = ["big"]
duration = { dist = "uniform", min = 0, max = 1 }
[[task]]
id = "big"
duration = { dist = "uniform", min = 0, max = 100 }
[[task]]
id = "b"
after = ["a"]
duration = { dist = "uniform", min = 0, max = 1 }
"#,
        20_000,
    );
    let md = &d.drivers[0];
    assert_eq!(plan.nodes()[md.drivers[0].index].id, "big");
    assert!(md.drivers[0].sensitivity.unwrap() > 0.99);
    for id in ["a", "big", "b"] {
        assert_eq!(driver(&plan, md, id).criticality, Some(1.0), "{id}");
    }
}

#[test]
fn sensitivity_and_criticality_match_exact_values() {
    // Milestone "sum" waits for x then y, both uniform(0, 1): Spearman's rho between X and
    // S = X + Y is 12 E[X F_S(S)] - 3 with F_S the triangular(0, 1, 2) CDF; integrating gives
    // 7/10 (a midpoint rule on 4e6 points: 0.69999988). Its standard error at n = 100_000 is
    // about (1 - 0.49) / sqrt(n) = 0.0016; allow 0.01.
    // Milestone "max" waits for p and q in parallel, both uniform(0, 10): each is the later one,
    // hence critical, with probability 1/2 (standard error sqrt(0.25 / n) = 0.0016; allow 0.01).
    let (plan, _, d) = forecast(
        r#"
[[task]]
id = "x"
duration = { dist = "uniform", min = 0, max = 1 }
[[task]]
id = "y"
after = ["x"]
duration = { dist = "uniform", min = 0, max = 1 }
[[task]]
id = "p"
duration = { dist = "uniform", min = 0, max = 10 }
[[task]]
id = "q"
duration = { dist = "uniform", min = 0, max = 10 }
[[milestone]]
id = "sum"
after = ["y"]
[[milestone]]
id = "max"
after = ["p", "q"]
"#,
        100_000,
    );
    let rho = driver(&plan, &d.drivers[0], "x").sensitivity.unwrap();
    assert!((rho - 0.7).abs() < 0.01, "rho {rho}");
    for id in ["p", "q"] {
        let c = driver(&plan, &d.drivers[1], id).criticality.unwrap();
        assert!((c - 0.5).abs() < 0.01, "{id}: {c}");
    }
    // Tasks off a milestone's paths are not among its drivers.
    assert!(
        d.drivers[1]
            .drivers
            .iter()
            .all(|dr| plan.nodes()[dr.index].id != "x")
    );
}

#[test]
fn what_if_is_exact_with_common_random_numbers() {
    // The experiment takes 10 days per attempt and succeeds with 1/2, three attempts, fallback
    // 4 days: P80 = 30 (P(X <= 20) = 3/4 < 0.8 <= P(X <= 30) = 7/8). If the first try always
    // works it takes 10 days: P80 gains exactly 20. The risk (probability 0.3, 5 days) on a
    // fixed 10-day task makes P80 = 15; without it P80 = 10: a gain of exactly 5. An experiment
    // that always succeeds gains exactly nothing.
    let (plan, _, d) = forecast(
        r#"
[[task]]
id = "train"
duration = 10
success = 0.5
attempts = 3
fallback = "plan-b"
[[task]]
id = "plan-b"
duration = 4
[[task]]
id = "slow"
duration = 10
[[task]]
id = "sure"
duration = { dist = "uniform", min = 1, max = 3 }
success = 1.0
[[risk]]
id = "outage"
probability = 0.3
affects = ["slow"]
delay = 5
[[milestone]]
id = "model"
after = ["train"]
[[milestone]]
id = "infra"
after = ["slow"]
[[milestone]]
id = "certain"
after = ["sure"]
"#,
        4_000,
    );
    let train = driver(&plan, &d.drivers[0], "train").what_if.unwrap();
    assert_eq!(train.p80_gain, Some(20.0));
    assert_eq!(train.delivered, 1.0);
    assert_eq!(
        driver(&plan, &d.drivers[1], "outage")
            .what_if
            .unwrap()
            .p80_gain,
        Some(5.0)
    );
    assert_eq!(
        driver(&plan, &d.drivers[2], "sure")
            .what_if
            .unwrap()
            .p80_gain,
        Some(0.0)
    );
}

const EXAMPLE: &str = include_str!("../scenarios/ai-assistant.toml");

/// The text of every `<text>` element of an SVG, in order.
fn svg_texts(svg: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find("<text") {
        rest = &rest[i..];
        let open_end = rest.find('>').unwrap() + 1;
        let close = rest.find("</text>").unwrap();
        out.push(rest[open_end..close].trim().to_string());
        rest = &rest[close..];
    }
    out
}

#[test]
fn charts_say_what_they_answer_with_labels_units_and_markers() {
    let (plan, summary, details) = forecast(EXAMPLE, 4_000);
    let f = Forecast {
        plan: &plan,
        summary: &summary,
        file: "ai-assistant.toml",
        details: &details,
    };
    let mut all = String::new();
    for chart in Chart::all(&f) {
        let svg = chart.svg(&f).unwrap();
        assert_eq!(svg, chart.svg(&f).unwrap(), "deterministic");
        assert!(svg.contains("Liberation Sans"), "the bundled font is named");
        let texts = svg_texts(&svg);
        all.push_str(&format!("== {}\n{}\n", chart.stem(&plan), texts.join("\n")));
    }
    // Titles, axis labels with units, dates on the axis, marker labels: each chart's text.
    for needle in [
        "When will Launch ship?",
        "Chance delivered by then",
        "Date (working days from the start, as calendar dates)",
        "P80 Mar 22",
        "deadline Mar 26:",
        "How spread out is Launch&apos;s finish?",
        "What moves Launch?",
        "Rank correlation with the finish (Spearman)",
        "Which tasks hold up Launch?",
        "Fine-tune the model (experiment)",
        "risk: GPU quota arrives late",
    ] {
        assert!(all.contains(needle), "missing {needle:?} in\n{all}");
    }
    insta::assert_snapshot!("chart_texts", all);
}

#[test]
fn a_program_that_may_never_deliver_shows_it() {
    let (plan, summary, details) = forecast(
        "[[task]]\nid = \"a\"\nduration = [2, 4, 9]\nsuccess = 0.7\n",
        2_000,
    );
    let f = Forecast {
        plan: &plan,
        summary: &summary,
        file: "p.toml",
        details: &details,
    };
    // One attempt succeeding with 0.7: P(delivered) = 0.7, standard error sqrt(0.21 / 2000).
    let delivered = summary.milestones[0].delivered.estimate;
    assert!(
        (delivered - 0.7).abs() < 4.0 * (0.21f64 / 2000.0).sqrt(),
        "{delivered}"
    );
    let texts = svg_texts(&Chart::SCurve(0).svg(&f).unwrap()).join("\n");
    assert!(
        texts.contains(&format!("delivers at all: {:.1}%", 100.0 * delivered)),
        "{texts}"
    );
    assert!(
        texts.contains("P50 day"),
        "no start date: labels in working days\n{texts}"
    );
    assert!(
        !texts.contains("P95"),
        "P95 is not reached, so it is not marked\n{texts}"
    );
}

#[test]
fn the_html_report_is_self_contained() {
    let (plan, summary, details) = forecast(EXAMPLE, 2_000);
    let f = Forecast {
        plan: &plan,
        summary: &summary,
        file: "ai-assistant.toml",
        details: &details,
    };
    let page = html::render(&f, &Chart::render_all(&f).unwrap()).unwrap();
    for forbidden in ["<script", "src=", "href=", "url(", "@import"] {
        assert!(
            !page.contains(forbidden),
            "report.html must not contain {forbidden}"
        );
    }
    assert_eq!(page.matches("<svg").count(), Chart::all(&f).len());
    for needle in [
        "Support assistant v1",
        "seed 11",
        "2000 simulated runs",
        "Experiments",
        "Fine-tune the model",
        "What drives it",
    ] {
        assert!(page.contains(needle), "missing {needle}");
    }
}

#[test]
fn run_writes_the_report_directory_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("report");
    let o = out_dir.to_str().unwrap();
    let run = shipcast(&[
        "run",
        "scenarios/ai-assistant.toml",
        "--iterations",
        "2000",
        "--out",
        o,
        "--png",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("{o}/report.html")),
        "{}",
        run.stderr
    );
    for name in [
        "report.html",
        "report.md",
        "summary.csv",
        "drivers.csv",
        "gantt.svg",
        "gantt.png",
        "s-curve-launch.svg",
        "s-curve-launch.png",
        "histogram-beta.svg",
        "drivers-launch.svg",
    ] {
        assert!(out_dir.join(name).is_file(), "missing {name}");
    }
    let drivers = std::fs::read_to_string(out_dir.join("drivers.csv")).unwrap();
    assert!(drivers.starts_with("milestone,rank,kind,id,name,sensitivity,criticality,"));
    assert!(
        drivers.contains("launch,1,experiment,finetune,"),
        "{drivers}"
    );
    let md = std::fs::read_to_string(out_dir.join("report.md")).unwrap();
    assert!(md.contains("![s-curve-launch](s-curve-launch.svg)") && md.contains("| Milestone |"));
    // A rerun replaces shipcast's own report.
    assert_eq!(
        shipcast(&[
            "run",
            "scenarios/ai-assistant.toml",
            "--iterations",
            "500",
            "--out",
            o
        ])
        .code,
        0
    );
}

#[test]
fn a_directory_shipcast_did_not_write_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    let o = dir.path().to_str().unwrap();
    let run = shipcast(&[
        "run",
        "scenarios/ai-assistant.toml",
        "--iterations",
        "200",
        "--out",
        o,
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("files shipcast did not write") && run.stderr.contains("--force"),
        "{}",
        run.stderr
    );
    assert!(!dir.path().join("report.html").exists());
    let forced = shipcast(&[
        "run",
        "scenarios/ai-assistant.toml",
        "--iterations",
        "200",
        "--out",
        o,
        "--force",
    ]);
    assert_eq!(forced.code, 0);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
        "mine"
    );
}

/// Share of pixels that are not (near) white, and the number of distinct colours.
fn ink(png: &std::path::Path) -> (f64, usize) {
    let img = image::open(png).unwrap().to_rgb8();
    let total = (img.width() * img.height()) as f64;
    let inked = img
        .pixels()
        .filter(|p| p.0.iter().any(|c| *c < 235))
        .count() as f64;
    let colours: std::collections::HashSet<[u8; 3]> = img.pixels().map(|p| p.0).collect();
    (inked / total, colours.len())
}

#[test]
fn png_charts_render_with_no_system_fonts() {
    // With fontconfig pointed at nothing and no home for user fonts, text still renders, from
    // the bundled font, and identically from run to run.
    let dir = tempfile::tempdir().unwrap();
    let render = |name: &str| {
        let out_dir = dir.path().join(name);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_shipcast"))
            .args([
                "run",
                "scenarios/ai-assistant.toml",
                "--iterations",
                "1000",
                "--png",
                "--out",
                out_dir.to_str().unwrap(),
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("FONTCONFIG_FILE", "/dev/null")
            .env("FONTCONFIG_PATH", "/nonexistent")
            .env("HOME", dir.path())
            .env("XDG_DATA_HOME", "/nonexistent")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read(out_dir.join("s-curve-launch.png")).unwrap()
    };
    let a = render("a");
    assert_eq!(a, render("b"), "PNG output is deterministic");
    let (share, colours) = ink(&dir.path().join("a").join("s-curve-launch.png"));
    assert!(
        share > 0.05 && colours > 20,
        "chart looks blank: {share} inked, {colours} colours"
    );
}

#[test]
fn the_report_renders_in_headless_chromium_without_console_errors() {
    let Some(chromium) = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            std::process::Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
    else {
        // CI installs Chromium (.ci/run) and must run this test; a developer machine may not have it.
        assert!(std::env::var("CI").is_err(), "Chromium is required in CI");
        eprintln!("skipped: no Chromium on this machine (apt-get install chromium)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report");
    let run = shipcast(&[
        "run",
        "scenarios/ai-assistant.toml",
        "--iterations",
        "2000",
        "--out",
        report.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The screenshot is kept as a CI artifact.
    let artifacts = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("output")
        .join("ci-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let shot = artifacts.join("report.png");
    let _ = std::fs::remove_file(&shot);
    let out = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1100,900",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", report.join("report.html").display()))
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(shot.is_file(), "no screenshot: {log}");
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:?}");
    // One screen (1100x900) of the folded report: the title, the summary table and the folded
    // sections' headlines, mostly text on white.
    let (share, colours) = ink(&shot);
    assert!(
        share > 0.02 && colours > 20,
        "screenshot looks blank: {share} inked, {colours} colours"
    );
}

/// A task uniform on [10, 20] days, delayed by exactly 5 days when a risk of probability `q`
/// occurs (the implicit `finish` milestone waits for it).
fn risky_task(q: f64) -> String {
    format!(
        "[[task]]\nid = \"t\"\nduration = {{ dist = \"uniform\", min = 10, max = 20 }}\n\
         [[risk]]\nid = \"r\"\nprobability = {q}\naffects = [\"t\"]\ndelay = 5\n"
    )
}

/// The exact P80 gain of resolving the risk of [`risky_task`]: without it the finish is X ~
/// U(10, 20), P80 = 18. With it, P(X + 5B <= t) = (1 - q)(t - 10)/10 + q(t - 15)/10 =
/// (t - 10 - 5q)/10 for t in [15, 20], so P80 = 18 + 5q (in range for q <= 0.4): the gain is
/// exactly 5q days.
fn exact_gain(q: f64) -> f64 {
    5.0 * q
}

#[test]
fn what_if_gain_intervals_cover_the_exact_gain() {
    // 200 runs of 2,000 iterations (20 sections of 100) per case, seeds 1..=200. A 95% interval
    // covers the exact gain in Binomial(200, 0.95) runs: mean 190, sd sqrt(200 * 0.95 * 0.05) =
    // 3.08; accept 190 +- 3 sd, [181, 199].
    const RUNS: u64 = 200;
    for q in [0.3, 0.028] {
        let plan = shipcast::load_str("plan.toml", &risky_task(q)).unwrap();
        let exact = exact_gain(q);
        let mut covered = 0;
        let mut widths = 0.0;
        for seed in 1..=RUNS {
            let config = Config::new(2_000, seed);
            let out = simulate_with(&plan, &config, &analysis::detail_probes(&plan));
            let details = analysis::details(&plan, &config, &out);
            let w = driver(&plan, &details.drivers[0], "r").what_if.unwrap();
            let (lo, hi) = (w.p80_gain_low.unwrap(), w.p80_gain_high.unwrap());
            let g = w.p80_gain.unwrap();
            assert!(lo <= g && g <= hi, "seed {seed}: {g} outside [{lo}, {hi}]");
            if lo <= exact && exact <= hi {
                covered += 1;
            }
            widths += hi - lo;
            // The table never shows a bare figure: the interval is always beside it, and a gain
            // is claimed only when the interval excludes zero.
            let cell = shipcast::report::tables::Gain::of(&w).unwrap().cell();
            assert!(cell.contains(&format!("[{lo:.1}, {hi:.1}]")), "{cell}");
            assert_eq!(cell.contains("sooner"), lo > 0.0, "{cell}");
        }
        eprintln!(
            "q {q}: exact gain {exact}, covered {covered}/{RUNS}, mean width {:.3}",
            widths / RUNS as f64
        );
        assert!(
            (181..=199).contains(&covered),
            "q {q}: the 95% interval covered the exact gain {exact} in {covered} of {RUNS} runs"
        );
    }
}

/// The conservative width of a character in em: wider than Liberation Sans' average (about
/// 0.5), so a label that passes fits in any sans-serif a viewer substitutes.
const CHAR_EM: f64 = 0.6;

/// Every `<text>` of an SVG whose estimated box leaves the canvas or whose font is under 12 px:
/// (file, text, box) for each.
fn labels_off_canvas(name: &str, svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    let root = doc.root_element();
    let num = |n: roxmltree::Node, a: &str| n.attribute(a).and_then(|v| v.parse::<f64>().ok());
    let (w, h) = (num(root, "width").unwrap(), num(root, "height").unwrap());
    let mut bad = Vec::new();
    for t in doc.descendants().filter(|n| n.has_tag_name("text")) {
        let text = t.text().unwrap_or("").trim();
        if text.is_empty() {
            continue;
        }
        let size = num(t, "font-size").unwrap();
        let (x, y) = (num(t, "x").unwrap(), num(t, "y").unwrap());
        let width = CHAR_EM * size * text.chars().count() as f64;
        let left = match t.attribute("text-anchor").unwrap_or("start") {
            "middle" => x - width / 2.0,
            "end" => x - width,
            _ => x,
        };
        let dy = t.attribute("dy").unwrap_or("0");
        let shift = if let Some(v) = dy.strip_suffix("em") {
            v.parse::<f64>().unwrap() * size
        } else if let Some(v) = dy.strip_suffix("ex") {
            v.parse::<f64>().unwrap() * size * 0.5
        } else {
            dy.parse::<f64>().unwrap_or(0.0)
        };
        // Ascent 0.8 em above the baseline, descent 0.25 em below.
        let base = y + shift;
        let (mut x0, mut y0, mut x1, mut y1) =
            (left, base - 0.8 * size, left + width, base + 0.25 * size);
        if let Some(tr) = t.attribute("transform") {
            // Axis titles turned a quarter: rotate(270, x, y) turns (dx, dy) into (dy, -dx).
            assert!(
                tr.starts_with("rotate(270"),
                "{name}: unexpected transform {tr}"
            );
            (x0, y0, x1, y1) = (x + (y0 - y), y - (x1 - x), x + (y1 - y), y - (x0 - x));
        }
        if x0 < 0.0 || y0 < 0.0 || x1 > w || y1 > h || size < 11.99 {
            bad.push(format!(
                "{name}: {text:?} at {size:.1} px in [{x0:.0}, {y0:.0}, {x1:.0}, {y1:.0}]"
            ));
        }
    }
    bad
}

#[test]
fn every_chart_label_stays_on_the_canvas_and_is_readable() {
    let dir = tempfile::tempdir().unwrap();
    let out = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let budget = write(
        &dir,
        "budget.toml",
        "[project]\nstart = \"2027-01-04\"\ncost_per_day = 1000\n\
         [[task]]\nid = \"a\"\nname = \"A task with a rather long name for a chart label\"\nduration = [10, 14, 20]\n\
         [[task]]\nid = \"b\"\nduration = [2, 5, 12]\nafter = [\"a\"]\n\
         [[milestone]]\nid = \"m\"\nafter = [\"b\"]\ndeadline = \"2027-02-05\"\nbudget = 26000\n",
    );
    let history = dir.path().join("history.csv");
    let mut runs: Vec<Vec<String>> = Vec::new();
    for s in ["ai-assistant", "in-flight", "speed-vs-scale"] {
        runs.push(
            ["run", &format!("scenarios/{s}.toml"), "--out", &out(s)]
                .map(String::from)
                .to_vec(),
        );
    }
    runs.push(
        [
            "run",
            "scenarios/in-flight.toml",
            "--out",
            &out("history"),
            "--history",
        ]
        .map(String::from)
        .into_iter()
        .chain([history.to_str().unwrap().to_string()])
        .collect(),
    );
    runs.push(
        ["run", budget.to_str().unwrap(), "--out", &out("budget")]
            .map(String::from)
            .to_vec(),
    );
    // One task: one row in the Gantt chart and the tornado (an empty range drew no bar and put
    // the "critical" label above the canvas).
    let single = write(
        &dir,
        "single.toml",
        "[[task]]\nid = \"a\"\nduration = [20, 25, 35]\n[[milestone]]\nid = \"m\"\nafter = [\"a\"]\n",
    );
    runs.push(
        ["run", single.to_str().unwrap(), "--out", &out("single")]
            .map(String::from)
            .to_vec(),
    );
    runs.push(
        [
            "compare",
            "scenarios/speed-vs-scale.toml",
            "--out",
            &out("compare"),
        ]
        .map(String::from)
        .to_vec(),
    );
    runs.push(
        [
            "sweep",
            "scenarios/speed-vs-scale.toml",
            "--out",
            &out("sweep"),
        ]
        .map(String::from)
        .to_vec(),
    );
    for args in &runs {
        let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
        args.extend(["-n", "1000"]);
        let run = shipcast(&args);
        assert!(run.code <= 1, "{args:?}: {}", run.stderr);
    }
    let mut bad = Vec::new();
    let mut seen = 0;
    for entry in walk(dir.path()) {
        if entry.extension().is_some_and(|e| e == "svg") {
            let svg = std::fs::read_to_string(&entry).unwrap();
            let name = entry
                .strip_prefix(dir.path())
                .unwrap()
                .display()
                .to_string();
            bad.extend(labels_off_canvas(&name, &svg));
            seen += 1;
        }
    }
    for kind in [
        "budget-m.svg",
        "history-launch.svg",
        "tradeoff-",
        "sweep.svg",
        "gantt.svg",
    ] {
        assert!(
            walk(dir.path())
                .iter()
                .any(|p| p.display().to_string().contains(kind)),
            "no {kind} chart was written"
        );
    }
    assert!(seen > 25, "only {seen} charts");
    assert!(
        bad.is_empty(),
        "labels off the canvas or too small:\n{}",
        bad.join("\n")
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A progress display that is shown and counts what it is told.
#[derive(Default)]
struct Counting {
    steps: std::cell::Cell<u64>,
    iterations: std::cell::Cell<u64>,
    stages: std::cell::Cell<u64>,
}

impl shipcast::pipeline::Progress for Counting {
    fn shown(&self) -> bool {
        true
    }
    fn advance(&self, iterations: u64) {
        self.steps.set(self.steps.get() + 1);
        self.iterations.set(self.iterations.get() + iterations);
    }
    fn stage(&self, _what: &str) {
        self.stages.set(self.stages.get() + 1);
    }
}

#[test]
fn progress_steps_leave_the_report_byte_for_byte_unchanged() {
    use shipcast::pipeline::{self, Quiet, RunSpec};
    use shipcast::report::{Input, json};
    let spec = RunSpec {
        iterations: Some(9_001),
        details: true,
        ..RunSpec::default()
    };
    let quiet = pipeline::forecast(load_plan(), &spec, None, &Quiet).unwrap();
    let counting = Counting::default();
    let stepped = pipeline::forecast(load_plan(), &spec, None, &counting).unwrap();
    // Every run is simulated in steps, the first of 2,048 iterations and the next sized from the
    // time the last took (so how many depends on the machine; see also
    // pipeline::tests::steps_join_into_the_whole_run).
    assert!(counting.steps.get() >= 2, "{}", counting.steps.get());
    assert_eq!(counting.iterations.get(), 9_001);
    assert_eq!(counting.stages.get(), 1, "the drivers' reruns are a stage");
    assert_eq!(
        json::render(&Input::of(&quiet, "x.toml")),
        json::render(&Input::of(&stepped, "x.toml"))
    );
}

fn load_plan() -> Plan {
    shipcast::load_str("ai-assistant.toml", EXAMPLE).unwrap()
}
