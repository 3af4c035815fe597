//! The release workflow cannot run here; this checks what can be read off it: every platform
//! the README promises is built, each archive gets a checksum, and the archives are named the
//! way `[package.metadata.binstall]` in Cargo.toml looks for them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const WORKFLOW: &str = include_str!("../.github/workflows/release.yml");
const MANIFEST: &str = include_str!("../Cargo.toml");

#[test]
fn the_release_workflow_builds_every_platform_with_checksums() {
    for target in [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert!(
            WORKFLOW.contains(&format!("target: {target},")),
            "{target} is not in the build matrix"
        );
    }
    assert!(WORKFLOW.contains("--locked --target ${{ matrix.target }}"));
    assert!(WORKFLOW.contains("sha256sum"), "archives get checksums");
    assert!(WORKFLOW.contains("SHA256SUMS"), "one file of all checksums");
    assert!(WORKFLOW.contains("tags: [\"v*\"]"), "runs on version tags");
    // YAML structure: no tabs, and the two jobs at the same indentation.
    assert!(!WORKFLOW.contains('\t'), "YAML forbids tabs");
    assert!(WORKFLOW.contains("\n  build:\n") && WORKFLOW.contains("\n  release:\n"));
    assert!(WORKFLOW.contains("needs: [build, wheels]"));
    assert!(WORKFLOW.contains("\n  wheels:\n") && WORKFLOW.contains("\n  pypi:\n"));
}

#[test]
fn binstall_looks_for_the_archives_the_workflow_makes() {
    assert!(MANIFEST.contains("[package.metadata.binstall]"));
    // `{ repo }` in pkg-url is the package's repository: without it binstall finds nothing.
    assert!(env!("CARGO_PKG_REPOSITORY").starts_with("https://github.com/"));
    // The workflow names archives shipcast-<target>.<ext> holding shipcast-<target>/shipcast.
    assert!(WORKFLOW.contains("name=shipcast-${{ matrix.target }}"));
    assert!(MANIFEST.contains(
        "pkg-url = \"{ repo }/releases/download/v{ version }/{ name }-{ target }.{ archive-format }\""
    ));
    assert!(MANIFEST.contains("bin-dir = \"{ name }-{ target }/{ bin }{ binary-ext }\""));
    assert!(WORKFLOW.contains("ext: zip") && MANIFEST.contains("pkg-fmt = \"zip\""));
}

/// A virtualenv with the release tools from PyPI, made once per test run; `None` (skipped) where
/// this machine has no Python, except under CI, which must run these checks.
fn release_tools() -> Option<&'static Path> {
    static VENV: OnceLock<Option<PathBuf>> = OnceLock::new();
    VENV.get_or_init(|| {
        let python = ["python3", "python"].into_iter().find(|p| {
            Command::new(p)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
        let Some(python) = python else {
            assert!(std::env::var("CI").is_err(), "Python 3 is required in CI");
            eprintln!("skipped: no python3 on this machine");
            return None;
        };
        // Kept between test runs in cargo's scratch directory for integration tests.
        let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("release-tools");
        if bin(&venv, "maturin").exists() && bin(&venv, "check-jsonschema").exists() {
            return Some(venv);
        }
        run(Command::new(python)
            .args(["-m", "venv", "--clear"])
            .arg(&venv));
        run(Command::new(bin(&venv, "pip")).args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-cache-dir",
            "maturin>=1.5,<2",
            "check-jsonschema",
        ]));
        Some(venv)
    })
    .as_deref()
}

fn bin(venv: &Path, name: &str) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts").join(format!("{name}.exe"))
    } else {
        venv.join("bin").join(name)
    }
}

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The workflow's own check: GitHub's workflow schema (as vendored by check-jsonschema), so a
/// misspelt key or a wrong type is caught here and not on the first release tag.
#[test]
fn the_release_workflow_matches_githubs_schema() {
    let Some(venv) = release_tools() else { return };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    run(Command::new(bin(venv, "check-jsonschema"))
        .args(["--builtin-schema", "vendor.github-workflows"])
        .arg(root.join(".github/workflows/release.yml")));
    // The check can fail: a job without `runs-on` is refused.
    let broken = tempfile::Builder::new().suffix(".yml").tempfile().unwrap();
    std::fs::write(
        broken.path(),
        WORKFLOW.replace("    runs-on: ubuntu-latest\n    if:", "    if:"),
    )
    .unwrap();
    let out = Command::new(bin(venv, "check-jsonschema"))
        .args(["--builtin-schema", "vendor.github-workflows"])
        .arg(broken.path())
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "a job without runs-on must fail the schema check"
    );
}

/// `pipx install shipcast` installs the wheel the release builds: build one with maturin (the
/// debug profile, reusing this test run's build) and install it in a fresh virtualenv, where
/// `shipcast` must be on the PATH and run the bundled scenario.
#[test]
fn the_wheel_installs_shipcast_in_a_fresh_virtualenv() {
    let Some(tools) = release_tools() else { return };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // target/debug/shipcast -> target: the same target directory, so nothing is rebuilt.
    let target_dir = Path::new(env!("CARGO_BIN_EXE_shipcast"))
        .parent()
        .unwrap()
        .parent()
        .unwrap();
    let work = tempfile::tempdir().unwrap();
    let wheels = work.path().join("wheels");
    run(Command::new(bin(tools, "maturin"))
        .current_dir(root)
        .args([
            "build",
            "--profile",
            "dev",
            "--locked",
            "--compatibility",
            "linux",
            "--out",
        ])
        .arg(&wheels)
        .env("CARGO_TARGET_DIR", target_dir));
    let wheel = std::fs::read_dir(&wheels)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "whl"))
        .expect("maturin wrote a wheel");
    let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    let version = env!("CARGO_PKG_VERSION");
    assert!(name.starts_with(&format!("shipcast-{version}-")), "{name}");

    let venv = work.path().join("venv");
    let python = bin(tools, "python");
    run(Command::new(&python).args(["-m", "venv"]).arg(&venv));
    run(Command::new(bin(&venv, "pip"))
        .args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-cache-dir",
            "--no-index",
        ])
        .arg(&wheel));
    let shipcast = bin(&venv, "shipcast");
    assert!(
        shipcast.exists(),
        "the wheel puts shipcast in the virtualenv's bin"
    );
    let printed = run(Command::new(&shipcast).arg("--version"));
    assert_eq!(printed.trim(), format!("shipcast {version}"));
    let json = run(Command::new(&shipcast)
        .arg("run")
        .arg(root.join("scenarios/ai-assistant.toml"))
        .args(["--no-report", "-n", "1000", "--format", "json"]));
    assert!(json.contains("\"schema\": \"shipcast.report/1\""), "{json}");
}
