//! The briefing through the real binary: `shipcast brief` prints exactly what every report opens
//! with, and every number in it is one the report shows elsewhere.

mod common;

use common::*;

const SCENARIOS: [&str; 3] = [
    "scenarios/ai-assistant.toml",
    "scenarios/in-flight.toml",
    "scenarios/speed-vs-scale.toml",
];

/// The numbers a sentence states: every word holding a digit (dates, percentages, amounts,
/// days), and every figure with its interval ("93.4% [93.0%, 93.7%]", "4.9 d sooner [4.7, 5.0]")
/// as one unit, so an interval is checked next to its estimate. "P80: 80.0% of runs deliver by
/// then" restates what P80 is, and is left out.
fn numbers(sentence: &str) -> Vec<String> {
    let mut s = sentence.to_string();
    for p in ["10", "50", "80", "90", "95"] {
        s = s.replace(&format!("(P{p}: {p}.0% of runs deliver by then)"), "");
    }
    let words: Vec<&str> = s.split(' ').collect();
    let trim = |w: &str| {
        w.trim_start_matches(['(', '['])
            .trim_end_matches(['.', ',', ';', ':', ')', ']'])
            .to_string()
    };
    let mut out: Vec<String> = words
        .iter()
        .filter(|w| w.chars().any(|c| c.is_ascii_digit()))
        .map(|w| trim(w))
        .filter(|w| !w.starts_with('P'))
        .collect();
    for (i, w) in words.iter().enumerate() {
        if !w.starts_with('[') {
            continue;
        }
        let end = (i..words.len()).find(|&j| words[j].contains(']')).unwrap();
        let begin = (0..i)
            .rev()
            .find(|&j| words[j].chars().any(|c| c.is_ascii_digit()))
            .unwrap();
        let unit = words[begin..=end].join(" ");
        out.push(unit[..=unit.rfind(']').unwrap()].to_string());
    }
    out
}

#[test]
fn every_number_in_the_briefing_is_shown_elsewhere_in_the_report() {
    for file in SCENARIOS {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("r");
        let run = shipcast(&["run", file, "--out", out.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{file}: {}", run.stderr);
        let text = run.stdout;
        let start = text.find("Briefing\n").expect("the report opens with it") + 9;
        let body_at = text.find("\nMilestone ").expect("then the summary table");
        let (briefing, body) = (&text[start..body_at], &text[body_at..]);
        let header = &text[..start];
        let mut checked = 0;
        for sentence in briefing.lines().flat_map(|l| l.split(". ")) {
            for n in numbers(sentence) {
                assert!(
                    body.contains(&n) || header.contains(&n),
                    "{file}: `{n}` of \"{sentence}\" is not in the report"
                );
                checked += 1;
            }
        }
        assert!(checked >= 5, "{file}: only {checked} numbers");

        // `brief` prints the same paragraphs, and nothing else.
        let brief = shipcast(&["brief", file]);
        assert_eq!(brief.code, 0, "{}", brief.stderr);
        assert_eq!(brief.stdout.trim_end(), briefing.trim_end(), "{file}");

        // The Markdown and HTML reports open with it; the JSON carries it.
        let md = std::fs::read_to_string(out.join("report.md")).unwrap();
        let md_brief =
            &md[md.find("## Briefing\n\n").unwrap() + 13..md.find("| Milestone").unwrap()];
        assert_eq!(md_brief.trim_end(), briefing.trim_end(), "{file}");
        let html = std::fs::read_to_string(out.join("report.html")).unwrap();
        assert!(
            html.find("<h2>Briefing</h2>").unwrap() < html.find("<h2>Summary</h2>").unwrap(),
            "{file}"
        );
        let json = shipcast(&[
            "run",
            file,
            "--format",
            "json",
            "--out",
            dir.path().join("j").to_str().unwrap(),
        ]);
        let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
        let paragraphs: Vec<String> = v["briefing"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| {
                let s: Vec<&str> = b["sentences"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap())
                    .collect();
                s.join(" ")
            })
            .collect();
        assert_eq!(paragraphs.join("\n\n"), briefing.trim_end(), "{file}");
    }
}

#[test]
fn brief_names_a_bad_variant_and_exits_2() {
    let out = shipcast(&["brief", "scenarios/ai-assistant.toml", "--variant", "nope"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.starts_with("error: "), "{}", out.stderr);
    assert!(out.stdout.is_empty());
}

#[test]
fn numbers_keeps_each_estimate_with_its_interval() {
    assert_eq!(
        numbers(
            "It meets the 2027-03-26 deadline in 93.4% [93.0%, 93.7%] of runs: the 80.0% gate holds."
        ),
        [
            "2027-03-26",
            "93.4%",
            "93.0%",
            "93.7%",
            "80.0%",
            "93.4% [93.0%, 93.7%]"
        ]
    );
    assert_eq!(
        numbers("if X does not occur, P80 is 1.5 d sooner [1.4, 1.6]; and 22,000."),
        ["1.5", "1.4", "1.6", "22,000", "1.5 d sooner [1.4, 1.6]"]
    );
}
