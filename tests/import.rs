//! Plans from other tools: CSV, MSPDI, XER and PSPLIB imports through the real binary, the
//! deterministic check, broken files (clear error, exit 2, no panic), and `run --tasks`.

mod common;

use common::shipcast;

const DIR: &str = "tests/fixtures/import";

fn fixture(name: &str) -> String {
    format!("{DIR}/{name}")
}

fn stdout(o: &common::Output) -> String {
    o.stdout.clone()
}

fn stderr(o: &common::Output) -> String {
    o.stderr.clone()
}

#[test]
fn the_deterministic_check_passes_on_every_good_fixture() {
    for f in ["plan.xml", "plan.xer", "tiny.sm"] {
        let o = shipcast(&["import", "--check", &fixture(f)]);
        assert_eq!(Some(o.code), Some(0), "{f}: {}{}", stdout(&o), stderr(&o));
        assert!(stdout(&o).contains("PASS"), "{f}: {}", stdout(&o));
    }
}

#[test]
fn mspdi_import_keeps_links_lags_calendar_progress_and_summaries() {
    let o = shipcast(&["import", &fixture("plan.xml"), "--low-field", "Optimistic"]);
    assert_eq!(Some(o.code), Some(0), "{}", stderr(&o));
    let t = stdout(&o);
    // The comment block says what was read and skipped, and the rule.
    assert!(t.starts_with("# Imported by shipcast"));
    assert!(t.contains("1 summary tasks skipped"), "{t}");
    assert!(t.contains("--uncertainty -10%,+30%"), "{t}");
    assert!(t.contains("custom fields Optimistic"), "{t}");
    // Calendar exceptions: a holiday, a recurring one (first Friday of each month), a working Saturday.
    assert!(
        t.contains("holidays = [2027-01-18, 2027-02-05, 2027-03-05]"),
        "{t}"
    );
    assert!(t.contains("workdates = [2027-01-23]"), "{t}");
    // All four link types, lags in days, hours, elapsed days and percent.
    assert!(t.contains(r#"{ task = "3", type = "SS", lag = 2 }"#), "{t}");
    assert!(t.contains(r#"{ task = "4", type = "FF", lag = 1 }"#), "{t}");
    assert!(t.contains(r#"{ task = "3", type = "SF" }"#), "{t}");
    assert!(t.contains(r#"{ task = "6", lag = 0.5 }"#), "{t}");
    // The summary's link is carried to its children.
    assert!(t.contains("id = \"4\"\nname = \"Frontend\"\nduration = [3.6, 4, 5.2]\nafter = [{ task = \"3\", type = \"SS\", lag = 2 }, \"1\"]"), "{t}");
    // Progress: done with its dates, the status date; Duration1 as the low estimate.
    assert!(t.contains("status_date = 2027-01-06"), "{t}");
    assert!(
        t.contains(
            "duration = [2, 3, 3.9]\ndone = true\nstarted = 2027-01-04\nfinished = 2027-01-06"
        ),
        "{t}"
    );
    // The milestone is kept.
    assert!(
        t.contains("[[milestone]]\nid = \"8\"\nname = \"Launch\""),
        "{t}"
    );
}

#[test]
fn running_the_source_equals_running_its_import() {
    let dir = tempfile::tempdir().unwrap();
    for (f, from) in [
        ("plan.xml", None),
        ("plan.xer", None),
        ("plan.csv", None),
        ("tiny.sm", Some("psplib")),
    ] {
        let toml = dir.path().join(format!("{f}.toml"));
        let o = shipcast(&["import", &fixture(f), "-o", toml.to_str().unwrap()]);
        assert_eq!(Some(o.code), Some(0), "{f}: {}", stderr(&o));
        let mut direct = vec!["run", "-n", "500", "--no-report", "-f", "json"];
        let src = fixture(f);
        direct.push(&src);
        if let Some(fr) = from {
            direct.extend(["--from", fr]);
        }
        let a = shipcast(&direct);
        let b = shipcast(&[
            "run",
            "-n",
            "500",
            "--no-report",
            "-f",
            "json",
            toml.to_str().unwrap(),
        ]);
        assert_eq!(Some(a.code), Some(0), "{f}: {}", stderr(&a));
        let strip = |o: &common::Output| {
            let mut v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
            v["scenario"] = serde_json::Value::Null;
            v
        };
        assert_eq!(strip(&a), strip(&b), "{f}");
        // check and validate take the source too.
        let v = shipcast(&["validate", &src]);
        assert_eq!(Some(v.code), Some(0), "{f}: {}", stderr(&v));
    }
}

#[test]
fn import_refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan.toml");
    std::fs::write(&out, "mine").unwrap();
    let o = shipcast(&["import", &fixture("plan.csv"), "-o", out.to_str().unwrap()]);
    assert_eq!(Some(o.code), Some(2));
    assert!(stderr(&o).contains("exists"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "mine");
    let o = shipcast(&[
        "import",
        &fixture("plan.csv"),
        "-o",
        out.to_str().unwrap(),
        "--force",
    ]);
    assert_eq!(Some(o.code), Some(0), "{}", stderr(&o));
    assert!(std::fs::read_to_string(&out).unwrap().contains("[[task]]"));
}

#[test]
fn csv_import_reads_experiments_and_notes_the_calibration_column() {
    let o = shipcast(&["import", &fixture("plan.csv")]);
    let t = stdout(&o);
    assert!(
        t.contains("success = 0.6\nattempts = 3\nfallback = \"prompt\""),
        "{t}"
    );
    assert!(t.contains("the calibration column (1 tasks)"), "{t}");
    assert!(t.contains("unknown columns: owner"), "{t}");
    assert!(
        t.contains(
            r#"{ task = "build", type = "FF", lag = 1 }, { task = "docs", type = "SF", lag = 5 }"#
        ),
        "{t}"
    );
}

#[test]
fn broken_files_give_a_clear_error_and_exit_2() {
    let cases = [
        ("unknown-link.csv", "row 4: task `c` (C) waits for `zz`"),
        ("cycle.csv", "the links form a cycle"),
        (
            "missing-column.csv",
            "missing-column.csv:1: no `duration` or `likely` column",
        ),
        ("latin1.csv", "latin1.csv:2: this CSV file is not UTF-8"),
        (
            "bad-number.csv",
            "bad-number.csv:2, column duration: `five` is not a number",
        ),
        ("truncated.xml", "malformed XML"),
        ("wrong.xml", "malformed XML"),
        (
            "unknown-link.xer",
            "unknown-link.xer:29, column pred_task_id",
        ),
        ("utf16.xer", "UTF-16"),
        ("truncated.sm", "no `PRECEDENCE RELATIONS:` section"),
    ];
    for (f, want) in cases {
        for cmd in ["import", "run", "validate"] {
            let o = shipcast(&[cmd, &fixture(f)]);
            assert_eq!(Some(o.code), Some(2), "{cmd} {f}: {}", stderr(&o));
            let e = stderr(&o);
            assert!(e.contains(want), "{cmd} {f}: {e}");
            assert!(e.starts_with("error: "), "{cmd} {f}: {e}");
            assert!(!e.contains("panicked"), "{cmd} {f}: {e}");
        }
    }
    // A wrong guess is a clear error; --from overrides the extension.
    let o = shipcast(&["import", "--from", "xer", &fixture("plan.csv")]);
    assert!(stderr(&o).contains("not an XER file"), "{}", stderr(&o));
}

#[test]
fn random_and_truncated_bytes_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut seed: u64 = 7;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    for f in ["plan.xml", "plan.xer", "plan.csv", "tiny.sm"] {
        let good = std::fs::read(fixture(f)).unwrap();
        for k in 0..6 {
            let mut bytes = good[..next() % good.len()].to_vec();
            if k % 2 == 1 {
                for _ in 0..8 {
                    let i = next() % bytes.len().max(1);
                    if let Some(b) = bytes.get_mut(i) {
                        *b = (next() % 256) as u8;
                    }
                }
            }
            let p = dir.path().join(f);
            std::fs::write(&p, &bytes).unwrap();
            let o = shipcast(&["import", p.to_str().unwrap()]);
            assert!(matches!(o.code, 0 | 2), "{f} #{k}: {}", stderr(&o));
            assert!(!stderr(&o).contains("panicked"), "{f} #{k}: {}", stderr(&o));
        }
    }
}

#[test]
fn run_tasks_writes_the_per_task_forecast() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("tasks.csv");
    let o = shipcast(&[
        "run",
        "scenarios/ai-assistant.toml",
        "-n",
        "2000",
        "--no-report",
        "-f",
        "json",
        "--tasks",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(Some(o.code), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let tasks = v["tasks"].as_array().unwrap();
    let ft = tasks.iter().find(|t| t["id"] == "finetune").unwrap();
    assert!(ft["success"].as_f64().unwrap() > 0.8);
    assert!(
        ft["finish"]["p80"]["days"].as_f64().unwrap()
            >= ft["finish"]["p50"]["days"].as_f64().unwrap()
    );
    assert!(
        ft["start"]["p50"]["date"]
            .as_str()
            .unwrap()
            .starts_with("2027-")
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("id,name,ran,start_p50_days"), "{text}");
    assert_eq!(text.lines().count(), 1 + tasks.len());
    // Without --tasks the report has no tasks array; a second run refuses to overwrite.
    let plain = shipcast(&[
        "run",
        "scenarios/ai-assistant.toml",
        "-n",
        "200",
        "--no-report",
        "-f",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&plain.stdout).unwrap();
    assert!(v.get("tasks").is_none());
    let again = shipcast(&[
        "run",
        "scenarios/ai-assistant.toml",
        "-n",
        "200",
        "--no-report",
        "--tasks",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(Some(again.code), Some(2));
}

#[test]
fn the_tasks_array_matches_the_report_schema() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("tasks.csv");
    let o = shipcast(&[
        "run",
        &fixture("plan.xer"),
        "-n",
        "300",
        "--no-report",
        "-f",
        "json",
        "--tasks",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let report: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("docs/schema/report.schema.json").unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(!report["tasks"].as_array().unwrap().is_empty());
}

#[test]
fn a_psplib_instance_imports_its_resources_and_runs_constrained() {
    // j301_1 (PSPLIB j30): MPM-Time 38 without resources, published optimum 43 with them. The
    // import turns the four renewable resources into [[resource]] sections and each job's
    // requests into `uses`; with fixed durations the constrained run can never beat the optimum,
    // and `import --check` compares the unconstrained schedule with MPM-Time.
    let file = "tests/fixtures/psplib/j301_1.sm";
    let toml = shipcast(&["import", file]);
    assert_eq!(toml.code, 0, "{}", toml.stderr);
    assert!(
        toml.stdout
            .contains("[[resource]]\nid = \"R3\"\ncapacity = 4")
    );
    assert!(toml.stdout.contains("uses = { \"R1\" = 4 }"));
    let check = shipcast(&["import", "--check", file]);
    assert_eq!(check.code, 0, "{}", check.stdout);
    let run = shipcast(&[
        "run",
        file,
        "--uncertainty",
        "none",
        "--no-report",
        "-n",
        "20",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let r: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let finish = r["milestones"][0]["percentiles"][1]["days"]
        .as_f64()
        .unwrap();
    assert!((43.0..=1.5 * 43.0).contains(&finish), "{finish}");
}
