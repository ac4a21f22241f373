//! Compile errors of `schema!` and `#[derive(Table)]` point at the offending span.

use std::path::PathBuf;

/// trybuild compiles the cases as a crate in `<target>/tests/trybuild/ovsdb-derive`, which is
/// their `CARGO_MANIFEST_DIR`: the schema they name is copied there.
fn trybuild_project_dir() -> PathBuf {
    let out = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let target = meta["target_directory"].as_str().unwrap();
    PathBuf::from(target).join("tests/trybuild/ovsdb-derive")
}

#[test]
fn ui() {
    let dir = trybuild_project_dir();
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/demo.ovsschema"),
        dir.join("tests/demo.ovsschema"),
    )
    .unwrap();
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
