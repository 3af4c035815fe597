//! One CLI: a command offers only the flags it uses, every command and argument says what it is,
//! a variant is named wherever its file is, and CSV is machine data in every command.

mod common;

use common::*;

const COMMANDS: [&str; 8] = [
    "init", "validate", "run", "check", "brief", "merge", "compare", "sweep",
];

#[test]
fn check_offers_no_output_flags_and_merge_markdown_only_for_sweeps_and_batches() {
    let help = shipcast(&["check", "--help"]).stdout;
    for flag in [
        "--format",
        "--out",
        "--png",
        "--no-report",
        "--shard",
        "--baseline",
    ] {
        assert!(!help.contains(flag), "check --help offers {flag}:\n{help}");
    }
    let refused = shipcast(&["check", "scenarios/ai-assistant.toml", "-f", "json"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    // Markdown is for a sweep's or a batch's shards; a run's Markdown report needs charts, so
    // the merge of a run's shards refuses it (tests/scale.rs).
    let help = shipcast(&["merge", "--help"]).stdout;
    assert!(
        help.contains("[possible values: text, json, csv,") && help.contains("markdown]"),
        "{help}"
    );
}

#[test]
fn every_command_and_argument_has_a_description() {
    for c in COMMANDS {
        let help = shipcast(&[c, "--help"]).stdout;
        // clap prints an argument's description on its line, or (long help) on the next one.
        let lines: Vec<&str> = help.lines().collect();
        let mut in_list = false;
        for (i, l) in lines.iter().enumerate() {
            if l.starts_with("Arguments:") || l.starts_with("Options:") {
                in_list = true;
                continue;
            }
            if !in_list || !(l.starts_with("  -") || l.starts_with("  <") || l.starts_with("  [")) {
                continue;
            }
            let same_line = l.trim().contains("  ");
            let next_line = lines
                .get(i + 1)
                .is_some_and(|n| n.starts_with("          ") && !n.trim().is_empty());
            assert!(
                same_line || next_line,
                "{c} --help: `{}` has no description",
                l.trim()
            );
        }
    }
    let top = shipcast(&["--help"]).stdout;
    for c in COMMANDS {
        assert!(
            top.contains(&format!("  {c} ")),
            "--help lists no {c}:\n{top}"
        );
    }
}

#[test]
fn a_variant_is_named_in_check_lines_junit_and_batch_rows() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("j.xml");
    let out = shipcast(&[
        "check",
        "scenarios/speed-vs-scale.toml",
        "--variant",
        "scale-first",
        "-n",
        "2000",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert!(
        out.stdout
            .lines()
            .all(|l| l.contains("scenarios/speed-vs-scale.toml [scale-first]: ")),
        "{}",
        out.stdout
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("<testsuite name=\"scenarios/speed-vs-scale.toml [scale-first]\""),
        "{xml}"
    );
    let batch = shipcast(&[
        "run",
        "scenarios/speed-vs-scale.toml",
        "scenarios/speed-vs-scale.toml",
        "--variant",
        "scale-first",
        "-n",
        "1000",
        "--no-report",
    ]);
    assert!(
        batch
            .stdout
            .contains("scenarios/speed-vs-scale.toml [scale-first]  "),
        "{}",
        batch.stdout
    );
}

#[test]
fn batch_csv_is_raw_numbers_with_one_header_row() {
    let dir = tempfile::tempdir().unwrap();
    let broken = write(&dir, "broken.toml", "[[task]]\nid = \"a\"\nduraton = 3\n");
    let out = shipcast(&[
        "run",
        "scenarios/ai-assistant.toml",
        broken.to_str().unwrap(),
        "-n",
        "1000",
        "--no-report",
        "-f",
        "csv",
    ]);
    let mut reader = csv::Reader::from_reader(out.stdout.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "file");
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    // Two milestones of the assistant, one error row for the broken file.
    assert_eq!(rows.len(), 3, "{}", out.stdout);
    for r in &rows[..2] {
        for c in ["delivered", "p80_days"] {
            r[col(c)]
                .parse::<f64>()
                .unwrap_or_else(|_| panic!("{c}: {:?}", r));
        }
        assert!(!r[col("delivered")].contains('%'));
    }
    let launch = &rows[1];
    assert_eq!(&launch[col("gate_confidence")], "0.8");
    assert_eq!(&launch[col("gate_status")], "holds");
    assert!(
        rows[2][col("error")].contains("has no duration"),
        "{:?}",
        rows[2]
    );
}
