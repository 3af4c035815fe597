//! Work in flight and forecast history (issue 9), through the real binary: exact answers for
//! done, started and retried work, and the history file's rows.
//!
//! Every scenario starts Monday 2027-02-01 with status date Monday 2027-02-15: working days
//! 02-01..02-05 are 0-4, 02-08..02-12 are 5-9, 02-15 is 10, so the status time (the end of the
//! status date) is S = 11 and work left starts on Tuesday 02-16.

mod common;

use common::*;
use serde_json::Value;

const HEAD: &str = "[project]\nstart = 2027-02-01\nstatus_date = 2027-02-15\n";
const N: u64 = 100_000;

fn run_json(toml: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "plan.toml", &format!("{HEAD}{toml}"));
    let n = N.to_string();
    let out = shipcast(&[
        "run",
        path.to_str().unwrap(),
        "--format",
        "json",
        "--seed",
        "7",
        "--no-report",
        "--iterations",
        &n,
    ]);
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    serde_json::from_str(&out.stdout).expect("JSON")
}

fn milestone<'a>(r: &'a Value, id: &str) -> &'a Value {
    r["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .unwrap()
}

/// (days, date) of percentile p.
fn pct(m: &Value, p: f64) -> (f64, String) {
    let x = m["percentiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["p"].as_f64() == Some(p))
        .unwrap();
    (
        x["days"].as_f64().unwrap(),
        x["date"].as_str().unwrap().to_string(),
    )
}

/// Every percentile of `m` is exactly `days` on `date`.
fn always(m: &Value, days: f64, date: &str) {
    for p in [0.1, 0.5, 0.8, 0.9, 0.95] {
        assert_eq!(pct(m, p), (days, date.to_string()), "P{p} of {}", m["id"]);
    }
}

#[test]
fn a_started_task_with_a_fixed_remaining_of_3_finishes_3_working_days_after_the_status_date() {
    // S = 11; S + 3 = 14 ends on working day 13: Thursday 2027-02-18.
    let r = run_json(
        "[[task]]\nid = \"a\"\nduration = [5, 10, 30]\nstarted = 2027-02-08\nremaining = 3\n\
         [[milestone]]\nid = \"m\"\nafter = [\"a\"]\n",
    );
    assert_eq!(r["scenario"]["status_date"], "2027-02-15");
    always(milestone(&r, "m"), 14.0, "2027-02-18");
}

#[test]
fn progress_leaves_the_rest_of_a_fresh_draw() {
    // Fixed 10 with progress 0.4: 6 left, S + 6 = 17 ends on Tuesday 2027-02-23.
    let r = run_json(
        "[[task]]\nid = \"a\"\nduration = 10\nstarted = 2027-02-01\nprogress = 0.4\n\
         [[milestone]]\nid = \"m\"\nafter = [\"a\"]\n",
    );
    always(milestone(&r, "m"), 17.0, "2027-02-23");
    // Uniform(10, 20) with progress 0.5: the rest is Uniform(5, 10), so the finish is
    // 11 + U(5, 10): mean 18.5, sd 5 / sqrt(12) = 1.4434, P80 = 16 + 0.8 * 5 = 20.
    let r = run_json(
        "[[task]]\nid = \"a\"\nduration = { dist = \"uniform\", min = 10, max = 20 }\n\
         started = 2027-02-01\nprogress = 0.5\n[[milestone]]\nid = \"m\"\nafter = [\"a\"]\n",
    );
    let m = milestone(&r, "m");
    let sd = 5.0 / 12f64.sqrt();
    let mean = m["mean_days"].as_f64().unwrap();
    assert!(
        (mean - 18.5).abs() <= 4.0 * sd / (N as f64).sqrt(),
        "mean {mean}"
    );
    // The P80's standard error: sqrt(p (1 - p) / n) / density, density 1/5.
    let p80 = pct(m, 0.8).0;
    let se = (0.8f64 * 0.2 / N as f64).sqrt() * 5.0;
    assert!((p80 - 20.0).abs() <= 4.0 * se, "P80 {p80}");
    assert!(pct(m, 0.1).0 >= 16.0 && pct(m, 0.95).0 <= 21.0);
}

#[test]
fn done_tasks_are_history_and_their_milestones_are_reached() {
    // a: done, actual 3, from the start: finishes at 3, on Wednesday 2027-02-03. b: done,
    // finished 2027-02-10 (the evening of working day 7: t = 8). c waits for a but is not
    // started: it starts at S = 11, not at 3, and finishes at 13 (Wednesday 2027-02-17).
    let r = run_json(
        "[[task]]\nid = \"a\"\nduration = [5, 8, 20]\ndone = true\nactual = 3\n\
         [[task]]\nid = \"b\"\nafter = [\"a\"]\nduration = 4\ndone = true\nfinished = 2027-02-10\n\
         [[task]]\nid = \"c\"\nafter = [\"a\"]\nduration = 2\n\
         [[risk]]\nid = \"r\"\nprobability = 1.0\ndelay = 5\naffects = [\"a\", \"b\"]\n\
         [[milestone]]\nid = \"ma\"\nafter = [\"a\"]\ndeadline = 2027-02-02\n\
         [[milestone]]\nid = \"mb\"\nafter = [\"b\"]\n\
         [[milestone]]\nid = \"mc\"\nafter = [\"c\"]\n",
    );
    let ma = milestone(&r, "ma");
    always(ma, 3.0, "2027-02-03");
    assert_eq!(ma["reached"]["date"], "2027-02-03");
    assert_eq!(ma["delivered"]["estimate"], 1.0);
    // Reached after its deadline: on time in no run.
    assert_eq!(ma["deadline"]["on_time"]["estimate"], 0.0);
    let mb = milestone(&r, "mb");
    always(mb, 8.0, "2027-02-10");
    assert_eq!(mb["reached"]["days"], 8.0);
    let mc = milestone(&r, "mc");
    always(mc, 13.0, "2027-02-17");
    assert!(mc.get("reached").is_none());
}

#[test]
fn nothing_unfinished_starts_before_the_status_date() {
    // a has no predecessor and is not started: it starts at S = 11, not 0, whatever it draws.
    // Its finish is 11 + U(1, 3): P10 = 11 + 1.2, and nothing before 12.
    let r = run_json(
        "[[task]]\nid = \"a\"\nduration = { dist = \"uniform\", min = 1, max = 3 }\n\
         [[milestone]]\nid = \"m\"\nafter = [\"a\"]\n",
    );
    let m = milestone(&r, "m");
    let p10 = pct(m, 0.1).0;
    let se = (0.1f64 * 0.9 / N as f64).sqrt() * 2.0;
    assert!((p10 - 12.2).abs() <= 4.0 * se, "P10 {p10}");
    let mean = m["mean_days"].as_f64().unwrap();
    assert!((mean - 13.0).abs() <= 4.0 * (2.0 / 12f64.sqrt()) / (N as f64).sqrt());
}

#[test]
fn an_experiment_with_failed_attempts_has_only_the_rest_left() {
    // success 0.3 per attempt, 3 attempts, 2 already failed: one attempt left, so the program
    // delivers with probability 0.3 (a fresh one would with 1 - 0.7^3 = 0.657).
    let r = run_json(
        "[[task]]\nid = \"x\"\nduration = 5\nsuccess = 0.3\nattempts = 3\nattempt = 2\n\
         retry_duration = 2\n[[milestone]]\nid = \"m\"\nafter = [\"x\"]\n",
    );
    let m = milestone(&r, "m");
    let p = m["delivered"]["estimate"].as_f64().unwrap();
    let se = (0.3f64 * 0.7 / N as f64).sqrt();
    assert!((p - 0.3).abs() <= 4.0 * se, "P(delivered) {p}");
    // The one attempt left is a retry (2 days) from S: 13, on 2027-02-17.
    assert_eq!(pct(m, 0.1), (13.0, "2027-02-17".to_string()));
    // Started, with the current (third) attempt half done: 1 day left, finishing at 12.
    let r = run_json(
        "[[task]]\nid = \"x\"\nduration = 5\nsuccess = 0.3\nattempts = 3\nattempt = 2\n\
         retry_duration = 2\nstarted = 2027-02-10\nprogress = 0.5\n\
         [[milestone]]\nid = \"m\"\nafter = [\"x\"]\n",
    );
    let m = milestone(&r, "m");
    assert_eq!(pct(m, 0.1).0, 12.0);
    let p = m["delivered"]["estimate"].as_f64().unwrap();
    assert!((p - 0.3).abs() <= 4.0 * se, "P(delivered) {p}");
}

#[test]
fn a_done_experiment_with_its_fallback_under_way_failed() {
    // x's attempts are over (done, finished 2027-02-05 = t 5); its fallback y is under way with
    // 4 days left: the milestone waits for y, at S + 4 = 15 (the end of working day 14, Friday 2027-02-19), every run.
    let r = run_json(
        "[[task]]\nid = \"x\"\nduration = 5\nsuccess = 0.5\nfallback = \"y\"\ndone = true\n\
         finished = 2027-02-05\n[[task]]\nid = \"y\"\nduration = 8\nstarted = 2027-02-08\n\
         remaining = 4\n[[milestone]]\nid = \"m\"\nafter = [\"x\"]\n",
    );
    always(milestone(&r, "m"), 15.0, "2027-02-19");
}

#[test]
fn history_rows_are_replaced_not_duplicated() {
    let dir = tempfile::tempdir().unwrap();
    let body = "[[task]]\nid = \"a\"\nduration = 10\nstarted = 2027-02-01\nprogress = 0.4\n\
                [[milestone]]\nid = \"m\"\nafter = [\"a\"]\ndeadline = 2027-03-01\n\
                [[milestone]]\nid = \"n\"\nafter = [\"a\"]\n";
    let plan = write(&dir, "plan.toml", &format!("{HEAD}{body}"));
    let history = dir.path().join("history.csv");
    let run = |plan: &std::path::Path| {
        let out = shipcast(&[
            "run",
            plan.to_str().unwrap(),
            "--no-report",
            "-n",
            "500",
            "--history",
            history.to_str().unwrap(),
        ]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        std::fs::read_to_string(&history).unwrap()
    };
    let first = run(&plan);
    assert_eq!(first.lines().count(), 3, "{first}");
    assert!(first.starts_with("status_date,milestone,p50_days,p50_date,"));
    // 17 working days ends 2027-02-23; on time (deadline 03-01) in every run.
    assert!(
        first.contains("\n2027-02-15,m,17,2027-02-23,17,2027-02-23,17,2027-02-23,1,2027-03-01,"),
        "{first}"
    );
    assert_eq!(
        run(&plan),
        first,
        "same status date: replaced, not duplicated"
    );
    // A week later, 0.9 done: 1 day left from S = 16: 17 again, a new date's rows.
    let later = write(
        &dir,
        "plan.toml",
        &format!("{HEAD}{body}")
            .replace("2027-02-15", "2027-02-22")
            .replace("0.4", "0.9"),
    );
    let second = run(&later);
    assert_eq!(second.lines().count(), 5, "{second}");
    assert!(second.contains("\n2027-02-22,m,17,"), "{second}");
    assert_eq!(run(&later), second);
    // A file that is not a history is refused, named with its line, and left as it is.
    std::fs::write(&history, "when,what\n").unwrap();
    let out = shipcast(&[
        "run",
        later.to_str().unwrap(),
        "--no-report",
        "--history",
        history.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("history.csv:line 1: not a shipcast forecast history")
    );
    assert_eq!(std::fs::read_to_string(&history).unwrap(), "when,what\n");
    // Without a status date: an error with a hint, nothing written.
    let plain = write(&dir, "plain.toml", "[[task]]\nid = \"a\"\nduration = 1\n");
    let fresh = dir.path().join("fresh.csv");
    let out = shipcast(&[
        "run",
        plain.to_str().unwrap(),
        "--no-report",
        "--history",
        fresh.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("has no status date"), "{}", out.stderr);
    assert!(!fresh.exists());
}
