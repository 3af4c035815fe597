//! Outputs, signals and limits (RELIABILITY.md): every output is checked before any work and
//! written whole; Ctrl-C stops a run with exit 130 and keeps only whole files; special files,
//! closed streams, huge thread counts and runs too large for memory are refused or handled,
//! never a hang, a panic or an abort.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// A fixed 10-day task: quick to simulate.
const SMALL: &str = "[[task]]\nid = \"a\"\nduration = 10\n[[milestone]]\nid = \"m\"\nafter = [\"a\"]\ndeadline = 12\n";

/// A chain of 200 uncertain tasks: slow enough that a run of millions is interrupted long
/// before it ends.
fn chain() -> String {
    let mut s = String::new();
    for i in 0..200 {
        s.push_str(&format!(
            "[[task]]\nid = \"t{i}\"\nduration = [1, 2, 4]\n{}",
            if i > 0 {
                format!("after = [\"t{}\"]\n", i - 1)
            } else {
                String::new()
            }
        ));
    }
    s.push_str("[[milestone]]\nid = \"m\"\nafter = [\"t199\"]\n");
    s
}

fn spawn(args: &[&str], dir: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_shipcast"))
        .args(args)
        .current_dir(dir)
        .env_remove("CI")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run shipcast")
}

/// Waits for `child`, at most `limit` (a guard against hangs, far above what it needs).
fn wait(mut child: Child, limit: Duration) -> (i32, String) {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            return (status.code().expect("exited, not killed by a signal"), err);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("shipcast did not stop within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(unix)]
fn signal(child: &Child, sig: i32) {
    // SAFETY: kill(2) with the pid of a child this test started.
    assert_eq!(unsafe { libc::kill(child.id() as i32, sig) }, 0);
}

/// Every file in `dir` (recursively), sorted.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.extend(files_in(&p));
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn no_temporary_files(dir: &Path) {
    let temps: Vec<PathBuf> = files_in(dir)
        .into_iter()
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.contains(".tmp") || name.starts_with(".shipcast-probe")
        })
        .collect();
    assert!(temps.is_empty(), "temporary files left: {temps:?}");
}

#[cfg(unix)]
#[test]
fn sigint_stops_a_long_run_with_130_keeping_the_old_files_and_the_report_directory_usable() {
    let dir = tempfile::tempdir().unwrap();
    let plan = write(&dir, "chain.toml", &chain());
    let small = write(&dir, "small.toml", SMALL);
    // A finished report in `out`, and a samples file the interrupted run is forced to replace.
    let first = shipcast(&[
        "run",
        small.to_str().unwrap(),
        "-n",
        "500",
        "--out",
        dir.path().join("out").to_str().unwrap(),
    ]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let report_before = std::fs::read(dir.path().join("out/report.html")).unwrap();
    std::fs::write(dir.path().join("samples.csv"), "old samples\n").unwrap();

    for sig in [libc::SIGINT, libc::SIGTERM] {
        let child = spawn(
            &[
                "run",
                plan.to_str().unwrap(),
                "-n",
                "20000000",
                "-j",
                "1",
                "--out",
                "out",
                "--samples",
                "samples.csv",
                "--force",
                // The estimate, not what this run allocates: never refused on a small machine.
                "--memory-limit",
                "1T",
            ],
            dir.path(),
        );
        // Long enough for the process to start and install its handler; the run itself takes
        // minutes.
        std::thread::sleep(Duration::from_millis(1500));
        signal(&child, sig);
        let (code, stderr) = wait(child, Duration::from_secs(30));
        assert_eq!(code, 130, "{stderr}");
        assert_eq!(stderr, "interrupted: nothing written\n");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("samples.csv")).unwrap(),
            "old samples\n"
        );
        assert_eq!(
            std::fs::read(dir.path().join("out/report.html")).unwrap(),
            report_before
        );
        no_temporary_files(dir.path());
    }
    // The report directory is still shipcast's: a rerun writes there without --force.
    let again = shipcast(&[
        "run",
        small.to_str().unwrap(),
        "-n",
        "500",
        "--out",
        dir.path().join("out").to_str().unwrap(),
    ]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    // An interrupted run into a new directory leaves no empty directory behind.
    let child = spawn(
        &[
            "run",
            plan.to_str().unwrap(),
            "-n",
            "20000000",
            "-j",
            "1",
            "--out",
            "fresh",
            "--memory-limit",
            "1T",
        ],
        dir.path(),
    );
    std::thread::sleep(Duration::from_millis(1500));
    signal(&child, libc::SIGINT);
    let (code, _) = wait(child, Duration::from_secs(30));
    assert_eq!(code, 130);
    assert!(!dir.path().join("fresh").exists());
}

#[test]
fn two_outputs_on_one_path_are_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let plan = write(&dir, "p.toml", SMALL);
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let dotted = dir.path().join(".").join("x.xml");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "--junit".into(),
                p("x.xml"),
                "--samples".into(),
                dotted.to_str().unwrap().into(),
                "--no-report".into(),
            ],
            "are the same path",
        ),
        (
            vec![
                "--samples".into(),
                p("h.csv"),
                "--history".into(),
                p("h.csv"),
                "--no-report".into(),
            ],
            "are the same path",
        ),
        (
            vec!["--tasks".into(), p("out"), "--out".into(), p("out")],
            "are the same path",
        ),
        (
            vec![
                "--samples".into(),
                p("out/report.md"),
                "--out".into(),
                p("out"),
            ],
            "a file the report in",
        ),
        (
            vec![
                "--samples".into(),
                p("p.toml"),
                "--force".into(),
                "--no-report".into(),
            ],
            "would overwrite the input",
        ),
    ];
    for (flags, says) in cases {
        let mut args = vec!["run", plan.to_str().unwrap(), "-n", "100"];
        args.extend(flags.iter().map(String::as_str));
        let r = shipcast(&args);
        assert_eq!(r.code, 2, "{flags:?}: {}", r.stderr);
        assert!(r.stderr.contains(says), "{flags:?}: {}", r.stderr);
        assert!(r.stderr.contains("hint:"), "{}", r.stderr);
    }
    // Nothing was written, and the scenario is untouched.
    assert_eq!(files_in(dir.path()), std::slice::from_ref(&plan));
    assert_eq!(std::fs::read_to_string(&plan).unwrap(), SMALL);
}

#[test]
fn an_output_that_cannot_be_written_is_refused_before_simulating() {
    let dir = tempfile::tempdir().unwrap();
    let plan = write(&dir, "p.toml", SMALL);
    let file = write(&dir, "f", "");
    let under_file = file.join("report");
    let missing_dir = dir.path().join("no/such/dir/samples.csv");
    for (flags, says) in [
        (
            vec!["--out", under_file.to_str().unwrap()],
            "not a directory",
        ),
        (vec!["--out", file.to_str().unwrap()], "not a directory"),
        (
            vec!["--no-report", "--samples", missing_dir.to_str().unwrap()],
            "does not exist",
        ),
        (
            vec!["--no-report", "--junit", dir.path().to_str().unwrap()],
            "is a directory",
        ),
    ] {
        let mut args = vec!["run", plan.to_str().unwrap(), "-n", "100"];
        args.extend(flags);
        let r = shipcast(&args);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains(says), "{}", r.stderr);
        assert!(r.stdout.is_empty(), "refused before the forecast printed");
    }
    // A directory that takes no new files, even for root (who may write anywhere else): /proc.
    #[cfg(target_os = "linux")]
    for flags in [
        ["--out", "/proc/shipcast-report"],
        ["--samples", "/proc/shipcast-samples.csv"],
    ] {
        let mut args = vec!["run", plan.to_str().unwrap(), "-n", "100"];
        args.extend(flags);
        let r = shipcast(&args);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains("/proc/shipcast-"), "{}", r.stderr);
        assert!(r.stdout.is_empty(), "refused before the forecast printed");
    }
}

#[cfg(unix)]
#[test]
fn special_files_never_block_and_are_never_read_to_their_end() {
    let dir = tempfile::tempdir().unwrap();
    let plan = write(&dir, "p.toml", SMALL);
    let fifo = dir.path().join("fifo");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo with a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let run = |args: &[&str]| {
        let child = Command::new(env!("CARGO_BIN_EXE_shipcast"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .env_remove("CI")
            .spawn()
            .unwrap();
        wait(child, Duration::from_secs(30))
    };
    // A scenario FIFO nobody writes to: refused, not waited on.
    let (code, err) = run(&["run", fifo.to_str().unwrap(), "--no-report"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no process writes"), "{err}");
    // A JUnit FIFO nobody reads: refused, not waited on.
    let p = plan.to_str().unwrap();
    let (code, err) = run(&[
        "run",
        p,
        "-n",
        "100",
        "--no-report",
        "--junit",
        fifo.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no process is reading"), "{err}");
    // /dev/full is a device: not read to decide ownership (it never ends), written in place,
    // and the failure to write is an error, not a hang.
    let (code, err) = run(&["run", p, "-n", "100", "--no-report", "--junit", "/dev/full"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot write /dev/full"), "{err}");
    // /dev/null takes any output without --force.
    let (code, err) = run(&[
        "run",
        p,
        "-n",
        "100",
        "--no-report",
        "--samples",
        "/dev/null",
    ]);
    assert_eq!(code, 0, "{err}");
    no_temporary_files(dir.path());
}

#[cfg(unix)]
#[test]
fn closed_or_full_standard_streams_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let plan = write(&dir, "p.toml", SMALL);
    let p = plan.to_str().unwrap();
    let out = dir.path().join("out");
    // stderr on a full device: the messages are lost, the exit code is the run's.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_shipcast"))
        .args(["run", p, "-n", "200", "--out", out.to_str().unwrap()])
        .env_remove("CI")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(full)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    // So does a refused input, whose message cannot be written either.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_shipcast"))
        .args(["run", "missing.toml"])
        .stdin(Stdio::null())
        .stderr(full)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2));
    // stdout whose reader is gone before anything is written (`| head` that already left):
    // quiet, exit 0.
    let mut child = Command::new(env!("CARGO_BIN_EXE_shipcast"))
        .args(["run", p, "-n", "200", "--no-report"])
        .env_remove("CI")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let (code, err) = wait(child, Duration::from_secs(30));
    assert_eq!((code, err.as_str()), (0, ""));
}

#[test]
fn a_thread_count_above_the_cap_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let plan = write(&dir, "p.toml", SMALL);
    let r = shipcast(&["run", plan.to_str().unwrap(), "-j", "100000", "--no-report"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "error: --threads must be from 1 to 1024, got 100000\n"
    );
    let ok = shipcast(&[
        "run",
        plan.to_str().unwrap(),
        "-j",
        "1024",
        "-n",
        "300",
        "--no-report",
    ]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
}

#[test]
fn a_run_too_large_for_memory_is_refused_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    // 100 milestones: a row of 100 finishes per iteration.
    let mut text = String::from("[[task]]\nid = \"a\"\nduration = [1, 2, 3]\n");
    for i in 0..100 {
        text.push_str(&format!("[[milestone]]\nid = \"m{i}\"\nafter = [\"a\"]\n"));
    }
    let plan = write(&dir, "wide.toml", &text);
    // Per iteration, without the report: 8 bytes x (100 finishes + 2 x 100 + 4 for the
    // analysis) = 2,432 bytes, so 10^7 iterations need 24.3 GB; 8 GB fit 3,289,473.
    let child = spawn(
        &[
            "run",
            plan.to_str().unwrap(),
            "-n",
            "10000000",
            "--no-report",
            "--memory-limit",
            "8G",
        ],
        dir.path(),
    );
    let (code, err) = wait(child, Duration::from_secs(30));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.starts_with(
            "error: 10000000 iterations need about 24.3 GB of memory, above the limit of 8.0 GB\n"
        ),
        "{err}"
    );
    assert!(err.contains("use -n 3289473 or fewer"), "{err}");
    // A small limit: 25 MB fit 10,279 iterations of 2,432 bytes.
    let r = shipcast(&[
        "run",
        plan.to_str().unwrap(),
        "-n",
        "100000",
        "--no-report",
        "--memory-limit",
        "25M",
    ]);
    assert_eq!(r.code, 2, "100,000 iterations need 243.2 MB: {}", r.stderr);
    assert!(r.stderr.contains("use -n 10279 or fewer"), "{}", r.stderr);
    let r = shipcast(&[
        "run",
        plan.to_str().unwrap(),
        "-n",
        "10000",
        "--no-report",
        "--memory-limit",
        "25M",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // A bad size is a usage error.
    let r = shipcast(&["run", plan.to_str().unwrap(), "--memory-limit", "lots"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("write a size such as 16G"),
        "{}",
        r.stderr
    );
}
