//! Helpers shared by the integration tests: run the real binary, write scenario files.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Stdio};

pub struct Output {
    pub code: i32,
    /// Standard output as text (a shard file's binary columns replaced, see `bytes`).
    pub stdout: String,
    /// Standard output as written: what a shard file must be saved from.
    pub bytes: Vec<u8>,
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
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        bytes: out.stdout,
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    }
}

/// Writes bytes (a shard file) to `name` in `dir`.
pub fn write_bytes(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

pub fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}
