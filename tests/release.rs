//! The release workflow cannot run here; this checks what can be read off it: every platform
//! the README promises is built, each archive gets a checksum, and the archives are named the
//! way `[package.metadata.binstall]` in Cargo.toml looks for them.

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
    assert!(WORKFLOW.contains("needs: build"));
}

#[test]
fn binstall_looks_for_the_archives_the_workflow_makes() {
    assert!(MANIFEST.contains("[package.metadata.binstall]"));
    // The workflow names archives shipcast-<target>.<ext> holding shipcast-<target>/shipcast.
    assert!(WORKFLOW.contains("name=shipcast-${{ matrix.target }}"));
    assert!(MANIFEST.contains(
        "pkg-url = \"{ repo }/releases/download/v{ version }/{ name }-{ target }.{ archive-format }\""
    ));
    assert!(MANIFEST.contains("bin-dir = \"{ name }-{ target }/{ bin }{ binary-ext }\""));
    assert!(WORKFLOW.contains("ext: zip") && MANIFEST.contains("pkg-fmt = \"zip\""));
}
