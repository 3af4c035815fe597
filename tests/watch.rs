//! `shipcast watch`: serves the report, and a save changes what it serves. Bounded in time: the
//! watcher stops by itself after 60 seconds, and the test kills it as soon as it is done.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn get(address: &str, path: &str) -> String {
    let mut s = TcpStream::connect(address).expect("the watcher listens");
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

const PLAN: &str =
    "[project]\nstart = 2027-01-04\n[[task]]\nid = \"a\"\nname = \"Build it\"\nduration = DAYS\n";

#[test]
fn a_save_changes_the_served_report() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan.toml");
    // 10 fixed working days from Monday 2027-01-04 end on Friday 2027-01-15; 20 on 2027-01-29.
    std::fs::write(&file, PLAN.replace("DAYS", "10")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_shipcast"))
        .args(["watch", file.to_str().unwrap(), "--port", "0", "-n", "500"])
        .args(["--stop-after", "60"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let address = first
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_string();
    // Keep reading stderr so the watcher never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    let wait_for = |what: &str| {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let page = get(&address, "/");
            if page.contains(what) {
                return page;
            }
            assert!(Instant::now() < deadline, "never served {what:?}:\n{page}");
            std::thread::sleep(Duration::from_millis(200));
        }
    };
    let before = wait_for("2027-01-15");
    assert!(before.contains("Build it") && before.contains("fetch(\"/version\""));
    let version = get(&address, "/version");
    // A broken save shows its problem, and a good one brings the report back.
    std::fs::write(&file, PLAN.replace("DAYS", "-3")).unwrap();
    let broken = wait_for("cannot run yet");
    assert!(broken.contains("cannot be negative"), "{broken}");
    std::fs::write(&file, PLAN.replace("DAYS", "20")).unwrap();
    let after = wait_for("2027-01-29");
    assert!(!after.contains("2027-01-15"));
    assert_ne!(get(&address, "/version"), version);
    assert!(get(&address, "/nothing").contains("404"));
    // What a person sees: headless Chromium loads the served page (running its script) and
    // shows the new numbers.
    if let Some(chromium) = chromium() {
        let profile = tempfile::tempdir().unwrap();
        let out = Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--virtual-time-budget=2000",
                "--dump-dom",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(format!("http://{address}/"))
            .output()
            .unwrap();
        let dom = String::from_utf8_lossy(&out.stdout);
        assert!(
            dom.contains("2027-01-29") && dom.contains("Build it"),
            "{dom}"
        );
    }
    child.kill().ok();
    child.wait().ok();
}

/// A Chromium on the PATH; CI installs one (.ci/run) and must use it.
fn chromium() -> Option<&'static str> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
    if found.is_none() {
        assert!(std::env::var("CI").is_err(), "Chromium is required in CI");
        eprintln!("skipped the browser check: no Chromium on this machine");
    }
    found
}
