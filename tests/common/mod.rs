//! Helpers shared by the integration tests: run the real binary, write scenario files.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Stdio};

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the shipcast binary with `args` from the crate root, with no standard input.
pub fn shipcast(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_shipcast"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CI")
        .stdin(Stdio::null())
        .output()
        .expect("run shipcast");
    Output {
        code: out.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    }
}

pub fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}
