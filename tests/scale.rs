//! Sweeps and batches cut into shards (`sweep --shard K/N`, `run DIR --shard K/N`) and merged:
//! the merge gives byte for byte what one process gives, in every format, with JUnit, the step
//! summary and the exit code; and a set of shard files that is not one whole command is
//! refused with exit 2, naming the file.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::*;

/// Runs shipcast from the crate root with extra environment variables.
fn shipcast_env(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_shipcast"));
    c.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CI")
        .env_remove("GITHUB_STEP_SUMMARY")
        .stdin(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("run shipcast");
    Output {
        code: out.status.code().expect("exited, not killed"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        bytes: out.stdout,
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    }
}

/// Runs `args` plus `--shard k/n` for every k (in a scrambled order, with varying thread
/// counts), writes each shard file to `dir` as `{name}-{k}.json` and returns their paths in
/// shard order.
fn shards(dir: &tempfile::TempDir, name: &str, args: &[&str], n: u64) -> Vec<PathBuf> {
    let mut paths = vec![PathBuf::new(); n as usize];
    for k in (1..=n).rev() {
        let mut a = args.to_vec();
        let shard = format!("{k}/{n}");
        let threads = (k % 2 + 1).to_string();
        a.extend(["--shard", &shard, "--threads", &threads]);
        let out = shipcast(&a);
        assert_eq!(out.code, 0, "{}", out.stderr);
        paths[k as usize - 1] = write(dir, &format!("{name}-{k}.json"), &out.stdout);
    }
    paths
}

fn merge(parts: &[PathBuf], extra: &[&str]) -> Output {
    let mut a = vec!["merge"];
    a.extend(parts.iter().map(|p| p.to_str().unwrap()));
    a.extend_from_slice(extra);
    shipcast(&a)
}

const SWEEP: &str = "scenarios/speed-vs-scale.toml";

#[test]
fn sweep_shards_merge_into_the_whole_sweep_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    // The scenario's own grid (7 points) and a two-parameter grid (3 x 4) given with --set,
    // under Monte Carlo and Latin hypercube; 9 shards of 7 points leaves two shards empty.
    let grids: [(&[&str], u64); 3] = [
        (&[], 9),
        (
            &[
                "--set",
                "task.embed.success=0.4,0.6,0.8",
                "--set",
                "project.duration_scale=0.9..1.2:0.1",
            ],
            5,
        ),
        (&["--sampling", "lhs"], 3),
    ];
    for (i, (grid, n)) in grids.iter().enumerate() {
        let mut args = vec!["sweep", SWEEP, "--iterations", "1500"];
        args.extend_from_slice(grid);
        let parts = shards(&dir, &format!("sweep{i}"), &args, *n);
        for format in ["text", "json", "csv", "markdown"] {
            let mut one = args.clone();
            one.extend(["--format", format, "--no-report"]);
            let whole = shipcast(&one);
            assert_eq!(whole.code, 0, "{}", whole.stderr);
            let merged = merge(&parts, &["--format", format]);
            assert_eq!(merged.code, 0, "{}", merged.stderr);
            assert_eq!(merged.stdout, whole.stdout, "grid {i}, {format}");
        }
    }
    // An empty shard is a whole file of its own: it says which points it took (none).
    let empty = std::fs::read_to_string(dir.path().join("sweep0-1.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&empty).unwrap();
    assert_eq!(
        (
            v["kind"].as_str(),
            v["grid"].as_u64(),
            v["points"].as_array().map(Vec::len)
        ),
        (Some("sweep"), Some(7), Some(0))
    );
}

/// A batch directory: the bundled scenarios, one with a gate that fails, and a broken file.
fn batch_dir(dir: &tempfile::TempDir) -> PathBuf {
    let batch = dir.path().join("batch");
    std::fs::create_dir(&batch).unwrap();
    for f in ["ai-assistant", "in-flight", "shared-team", "speed-vs-scale"] {
        std::fs::copy(
            format!("scenarios/{f}.toml"),
            batch.join(format!("{f}.toml")),
        )
        .unwrap();
    }
    // A fixed 10-day task with a 30% risk of 5 more days: P(on time by day 10) = 0.7, far
    // below the 0.95 asked.
    std::fs::write(
        batch.join("late.toml"),
        "[[task]]\nid = \"a\"\nduration = 10\n[[risk]]\nid = \"r\"\nprobability = 0.3\naffects = [\"a\"]\ndelay = 5\n[[milestone]]\nid = \"m\"\nafter = [\"a\"]\ndeadline = 10\nconfidence = 0.95\n",
    )
    .unwrap();
    std::fs::write(batch.join("broken.toml"), "[[task]]\nid = \"a\"\n").unwrap();
    batch
}

#[test]
fn batch_shards_merge_into_the_whole_batch_with_junit_step_summary_and_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let batch = batch_dir(&dir);
    let b = batch.to_str().unwrap();
    let args = ["run", b, "--iterations", "1200"];
    // 6 files in 4 shards: 1, 2, 1 and 2 files; then 8 shards, two of them empty.
    for n in [4, 8] {
        let parts = shards(&dir, &format!("batch{n}"), &args, n);
        for format in ["text", "json", "csv", "markdown"] {
            let whole = shipcast(&[&args[..], &["--format", format, "--no-report"]].concat());
            // The broken file makes the batch exit 2 (over the failed gate's 1).
            assert_eq!(whole.code, 2, "{}", whole.stderr);
            let merged = merge(&parts, &["--format", format, "--no-drivers"]);
            assert_eq!(merged.code, 2, "{}", merged.stderr);
            assert_eq!(merged.stdout, whole.stdout, "{n} shards, {format}");
            assert_eq!(merged.stderr, whole.stderr, "{n} shards, {format}");
        }
    }
    let parts = shards(&dir, "ci", &args, 3);
    // Drivers included: the batch that writes reports ranks them, and so does the merge.
    let out = dir.path().join("reports");
    let whole = shipcast(
        &[
            &args[..],
            &["--format", "json", "--out", out.to_str().unwrap()],
        ]
        .concat(),
    );
    assert!(whole.stdout.contains("\"drivers\": ["));
    assert_eq!(merge(&parts, &["--format", "json"]).stdout, whole.stdout);
    // CI: the summary on stderr, the step summary appended, JUnit written, the worst exit code.
    let (s1, s2) = (
        dir.path().join("summary1.md"),
        dir.path().join("summary2.md"),
    );
    let (j1, j2) = (dir.path().join("one.xml"), dir.path().join("merged.xml"));
    let whole = shipcast_env(
        &[
            &args[..],
            &["--no-report", "--ci", "--junit", j1.to_str().unwrap()],
        ]
        .concat(),
        &[("GITHUB_STEP_SUMMARY", &s1)],
    );
    let mut m = vec![
        "merge",
        "--format",
        "text",
        "--no-drivers",
        "--ci",
        "--junit",
        j2.to_str().unwrap(),
    ];
    m.extend(parts.iter().map(|p| p.to_str().unwrap()));
    let merged = shipcast_env(&m, &[("GITHUB_STEP_SUMMARY", &s2)]);
    assert_eq!((whole.code, merged.code), (2, 2));
    assert_eq!(merged.stdout, whole.stdout);
    assert_eq!(merged.stderr, whole.stderr);
    let read = |p: &Path| std::fs::read_to_string(p).unwrap();
    assert!(
        read(&j1).contains("failures=\"1\" errors=\"1\""),
        "{}",
        read(&j1)
    );
    assert_eq!(read(&j2), read(&j1));
    assert_eq!(read(&s2), read(&s1));
}

#[test]
fn a_batch_without_broken_files_exits_with_its_failed_gate() {
    let dir = tempfile::tempdir().unwrap();
    let batch = batch_dir(&dir);
    std::fs::remove_file(batch.join("broken.toml")).unwrap();
    let args = ["run", batch.to_str().unwrap(), "--iterations", "800"];
    let whole = shipcast(&[&args[..], &["--no-report"]].concat());
    assert_eq!(whole.code, 1, "{}", whole.stderr);
    let merged = merge(
        &shards(&dir, "b", &args, 2),
        &["--no-drivers", "--format", "text"],
    );
    assert_eq!(merged.code, 1, "{}", merged.stderr);
    assert_eq!(merged.stdout, whole.stdout);
}

/// Expects a refusal: exit 2, nothing on stdout, and stderr naming `needle`.
#[track_caller]
fn refused(out: Output, needle: &str) {
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr.starts_with("error: ") && out.stderr.contains(needle),
        "wanted {needle:?} in {}",
        out.stderr
    );
}

#[test]
fn sets_of_shards_that_are_not_one_whole_command_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = shards(&dir, "sweep", &["sweep", SWEEP, "-n", "300"], 3);
    let path = |p: &PathBuf| p.to_str().unwrap().to_string();
    // Missing and duplicate shards.
    refused(
        merge(&sweep[..2], &[]),
        "the shards do not make the whole sweep: missing shard 3 of 3",
    );
    let twice = merge(&[sweep[0].clone(), sweep[1].clone(), sweep[1].clone()], &[]);
    refused(
        twice,
        &format!("shard 2 of 3 is given twice: {}", path(&sweep[1])),
    );
    // Other settings: a shard of a sweep with another seed.
    let other = shipcast(&["sweep", SWEEP, "-n", "300", "--seed", "8", "--shard", "2/3"]);
    let other = write(&dir, "other.json", &other.stdout);
    refused(
        merge(&[sweep[0].clone(), other.clone(), sweep[2].clone()], &[]),
        &format!(
            "{} is a shard of another sweep than {}: their `seed` differ",
            path(&other),
            path(&sweep[0])
        ),
    );
    // Mixed kinds: a sweep's shard with a batch's, and with a run's.
    let batch = batch_dir(&dir);
    let batch = shards(
        &dir,
        "batch",
        &["run", batch.to_str().unwrap(), "-n", "300"],
        2,
    );
    refused(
        merge(&[sweep[0].clone(), batch[1].clone()], &[]),
        "is a shard of a batch but",
    );
    let run = shipcast(&[
        "run",
        "scenarios/ai-assistant.toml",
        "-n",
        "300",
        "--shard",
        "1/1",
    ]);
    let run = write(&dir, "run.json", &run.stdout);
    refused(
        merge(&[run.clone(), sweep[0].clone()], &[]),
        &format!(
            "{} is a shard of a sweep but {} is a shard of a run",
            path(&sweep[0]),
            path(&run)
        ),
    );
    // Batch-only flags on a sweep, Markdown on a run's shards.
    refused(
        merge(&sweep, &["--ci"]),
        "--ci applies to the merge of a batch's shards",
    );
    refused(
        merge(&[run], &["--format", "markdown"]),
        "the merge of a run's shards writes text, json or csv",
    );
    // Batch settings differ: another iteration count.
    let b2 = shipcast(&[
        "run",
        dir.path().join("batch").to_str().unwrap(),
        "-n",
        "301",
        "--shard",
        "2/2",
    ]);
    let b2 = write(&dir, "b2.json", &b2.stdout);
    refused(
        merge(&[batch[0].clone(), b2], &[]),
        "their `iterations` differ",
    );
}

/// Writes `text` with `from` replaced by `to` (which must occur) as `name`.
fn tampered(dir: &tempfile::TempDir, name: &str, text: &str, from: &str, to: &str) -> PathBuf {
    assert!(text.contains(from), "{from} not in the shard file");
    write(dir, name, &text.replacen(from, to, 1))
}

#[test]
fn every_field_of_a_shard_file_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = shards(&dir, "sweep", &["sweep", SWEEP, "-n", "300"], 2);
    let text = std::fs::read_to_string(&sweep[1]).unwrap();
    let cases = [
        (
            "\"schema\":\"shipcast.sweep-shard/1\"",
            "\"schema\":\"shipcast.sweep-shard/9\"",
            "is a shipcast.sweep-shard/9 file; this build of shipcast reads shipcast.sweep-shard/1",
        ),
        (
            "\"kind\":\"sweep\"",
            "\"kind\":\"batch\"",
            "`kind` is \"batch\"",
        ),
        (
            "\"shard\":2",
            "\"shard\":3",
            "`shard` is 3; shards are numbered 1 to 2",
        ),
        ("\"shards\":2", "\"shards\":0", "`shards` is 0"),
        (
            "\"grid\":7",
            "\"grid\":8",
            "`grid` is 8; the parameters make 7 points",
        ),
        (
            "\"first\":3",
            "\"first\":2",
            "`points` are 4 from 2; shard 2 of 2 takes 4 from 3",
        ),
        (
            "\"values\":[0.6]",
            "\"values\":[0.65]",
            "`points[0].values` are not the grid's point 3",
        ),
        (
            "\"p\":0.8",
            "\"p\":0.7",
            "`points[0].p80` must be the 0.8 percentile",
        ),
        (
            "\"sampling\":\"monte-carlo\"",
            "\"sampling\":\"sobol\"",
            "`sampling` is \"sobol\"",
        ),
        (
            "\"fingerprint\":\"",
            "\"fingerprint\":\"x",
            "`fingerprint` is",
        ),
        (
            "\"milestone\":",
            "\"extra\":1,\"milestone\":",
            "unknown field `extra`",
        ),
    ];
    for (i, (from, to, needle)) in cases.iter().enumerate() {
        let bad = tampered(&dir, &format!("bad{i}.json"), &text, from, to);
        let out = merge(&[sweep[0].clone(), bad.clone()], &[]);
        refused(out, &format!("{}", bad.display()));
        let out = merge(&[sweep[0].clone(), bad], &[]);
        assert!(
            out.stderr.contains(needle),
            "wanted {needle:?} in {}",
            out.stderr
        );
    }
    // A probability out of range.
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let est = v["points"][0]["delivered"][0].to_string();
    let bad = tampered(
        &dir,
        "prob.json",
        &text,
        &format!("\"delivered\":[{est}"),
        "\"delivered\":[1.5",
    );
    refused(
        merge(&[sweep[0].clone(), bad], &[]),
        "`points[0].delivered` must be a probability",
    );

    // A batch shard: rows that do not fit, counters out of range, a run and an error at once.
    let batch = batch_dir(&dir);
    let b = shards(
        &dir,
        "batch",
        &["run", batch.to_str().unwrap(), "-n", "200"],
        2,
    );
    let text = std::fs::read_to_string(&b[0]).unwrap();
    let cases = [
        ("\"rows\":[", "\"rows\":[1.0,", "`results[0].run.rows` hold"),
        (
            "\"nodes\":[[200,",
            "\"nodes\":[[201,",
            "`results[0].run.nodes[0]` must be",
        ),
        (
            "\"error\":null",
            "\"error\":\"oops\"",
            "`results[0]` must hold either an error or a run",
        ),
        (
            "\"files\":[",
            "\"files\":[\"x.toml\",",
            "`results[0].file` is",
        ),
        // Fewer attempts than runs, a negative finish: wrong figures, not a panic, were the risk.
        (
            "\"nodes\":[[200,200,200]",
            "\"nodes\":[[200,200,199]",
            "`results[0].run.nodes[0]` must be",
        ),
        (
            "\"rows\":[",
            "\"rows\":[-",
            "must be a number from 0, or null",
        ),
        // Checked against the scenario (ai-assistant.toml has two risks): one risk fewer.
        (
            "\"risks_fired\":[41,58]",
            "\"risks_fired\":[41]",
            "its tasks and risks are not the ones the shard recorded",
        ),
    ];
    for (i, (from, to, needle)) in cases.iter().enumerate() {
        let bad = tampered(&dir, &format!("badb{i}.json"), &text, from, to);
        refused(merge(&[bad, b[1].clone()], &[]), needle);
    }
    // Not a shard file at all, named.
    let junk = write(&dir, "junk.json", "{\"schema\":\"shipcast.batch-shard/1\",");
    refused(
        merge(&[junk.clone(), b[1].clone()], &[]),
        &format!("{} is not a shipcast batch shard file", junk.display()),
    );
}

#[test]
fn a_scenario_changed_since_the_shards_ran_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let batch = batch_dir(&dir);
    let parts = shards(&dir, "b", &["run", batch.to_str().unwrap(), "-n", "200"], 2);
    let late = batch.join("late.toml");
    let text = std::fs::read_to_string(&late).unwrap();
    std::fs::write(&late, text.replace("0.95", "0.5")).unwrap();
    refused(
        merge(&parts, &[]),
        &format!("{} changed since the shards ran", late.display()),
    );
}

#[test]
fn a_sharded_batch_refuses_what_only_the_merge_writes() {
    let dir = tempfile::tempdir().unwrap();
    let batch = batch_dir(&dir);
    let b = batch.to_str().unwrap();
    for (flag, extra) in [
        ("--junit", &["--junit", "x.xml"][..]),
        ("--ci", &["--ci"][..]),
        ("--out", &["--out", "somewhere"][..]),
    ] {
        let out = shipcast(&[&["run", b, "--shard", "1/2"][..], extra].concat());
        refused(out, &format!("a batch shard cannot take {flag}"));
    }
    let out = shipcast(&["sweep", SWEEP, "--shard", "1/2", "--out", "x"]);
    refused(
        out,
        "a sweep shard prints its shard file and writes no report",
    );
}

fn validate(schema_file: &str, instance: &serde_json::Value) {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("docs/schema/{schema_file}")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{schema_file}: {errors:#?}");
}

#[test]
fn shard_files_match_their_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let read = |p: &PathBuf| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    for p in shards(&dir, "sweep", &["sweep", SWEEP, "-n", "200"], 2) {
        validate("sweep-shard.schema.json", &read(&p));
    }
    let batch = batch_dir(&dir);
    let parts = shards(
        &dir,
        "batch",
        &["run", batch.to_str().unwrap(), "-n", "100"],
        2,
    );
    for p in &parts {
        validate("batch-shard.schema.json", &read(p));
    }
    // Both a run and an error are there to check.
    let all: String = parts
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert!(all.contains("\"error\":null") && all.contains("\"run\":null"));
}
