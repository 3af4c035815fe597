//! Every input that made a fuzz target fail, run again through the target's own entry point
//! (`fuzz/src/lib.rs`, compiled here as a module): `tests/fuzz-regressions/<target>/<file>`.
//! An error is fine; a panic is a regression. See RELIABILITY.md, "Fuzzing".
//!
//! Besides what the fuzzer found, the issue's own reproducers of the same kind of bug live here
//! too (`issue-14-*`: the calendar's limits, a shard whose `succeeded` exceeds `ran`).

#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod entry;

use std::path::Path;

/// The targets, by directory name, and their entry points.
fn target(name: &str) -> Option<fn(&[u8]) -> bool> {
    Some(match name {
        "scenario" => entry::scenario,
        "shard" => entry::shard,
        "import_csv" => |d| entry::import(shipcast::import::Format::Csv, "plan.csv", d),
        "import_mspdi" => |d| entry::import(shipcast::import::Format::Mspdi, "plan.xml", d),
        "import_xer" => |d| entry::import(shipcast::import::Format::Xer, "plan.xer", d),
        "import_psplib" => |d| entry::import(shipcast::import::Format::Psplib, "plan.sm", d),
        "throughput_csv" => entry::throughput_csv,
        "history_csv" => entry::history_csv,
        _ => return None,
    })
}

/// Runs every input under `root/<target>/`; returns the number run and the ones that panicked.
fn run_all(root: &Path) -> (usize, Vec<String>) {
    let mut ran = 0;
    let mut failed = Vec::new();
    let Ok(dirs) = std::fs::read_dir(root) else {
        return (0, failed);
    };
    let mut dirs: Vec<_> = dirs.map(|d| d.unwrap().path()).collect();
    dirs.sort();
    for dir in dirs.iter().filter(|d| d.is_dir()) {
        let name = dir.file_name().unwrap().to_str().unwrap();
        let run = target(name).unwrap_or_else(|| panic!("{}: no such fuzz target", dir.display()));
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|f| f.unwrap().path())
            .collect();
        files.sort();
        for file in files {
            let data = std::fs::read(&file).unwrap();
            ran += 1;
            if std::panic::catch_unwind(|| run(&data)).is_err() {
                failed.push(file.display().to_string());
            }
        }
    }
    (ran, failed)
}

#[test]
fn fuzz_regressions_do_not_panic() {
    let root = Path::new("tests/fuzz-regressions");
    assert!(root.is_dir(), "{} is missing", root.display());
    let (ran, failed) = run_all(root);
    assert!(ran > 0, "no regression input was run");
    assert!(failed.is_empty(), "these inputs panicked: {failed:#?}");
}

#[test]
fn every_entry_point_goes_all_the_way_on_a_valid_input() {
    // So that a regression input which stops early on an error cannot hide a broken entry point.
    let read = |p: &str| std::fs::read(p).unwrap();
    assert!(entry::scenario(&read("scenarios/ai-assistant.toml")));
    use shipcast::import::Format;
    assert!(entry::import(
        Format::Csv,
        "plan.csv",
        &read("tests/fixtures/import/plan.csv")
    ));
    assert!(entry::import(
        Format::Mspdi,
        "plan.xml",
        &read("tests/fixtures/import/plan.xml")
    ));
    assert!(entry::import(
        Format::Xer,
        "plan.xer",
        &read("tests/fixtures/import/plan.xer")
    ));
    assert!(entry::import(
        Format::Psplib,
        "plan.sm",
        &read("tests/fixtures/psplib/j301_1.sm")
    ));
    assert!(entry::throughput_csv(b"finished\n2027-01-04\n2027-01-12\n"));
    assert!(entry::history_csv(b"estimate,actual\n5,7\n3,3.5\n8,12\n"));
    // Two real shards of the shard target's scenario, joined by the separator, as the seeds are
    // made.
    entry::shard_dir();
    let mut shards = Vec::new();
    for k in ["1/2", "2/2"] {
        if !shards.is_empty() {
            shards.extend_from_slice(entry::SHARD_SEPARATOR);
        }
        let args = [
            "shipcast",
            "run",
            entry::SHARD_SCENARIO_PATH,
            "-n",
            "20",
            "--shard",
            k,
        ];
        let cli = <shipcast::cli::Cli as clap::Parser>::try_parse_from(args).unwrap();
        shipcast::cli::execute(cli, &mut shards).unwrap();
    }
    assert!(entry::shard(&shards));
}
