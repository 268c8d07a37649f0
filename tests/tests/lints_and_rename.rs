//! The expansions compile warning-free under `#![deny(warnings)]` and clippy pedantic, with
//! dd-instrument renamed (`crate = path`): checked by running clippy on tests/fixtures/renamed.

use std::path::Path;
use std::process::Command;

#[test]
fn expansions_pass_clippy_pedantic_with_the_crate_renamed() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/renamed");
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/fixtures");
    let output = Command::new(env!("CARGO"))
        .args(["clippy", "--offline", "--quiet", "--manifest-path"])
        .arg(fixture.join("Cargo.toml"))
        .args(["--", "-D", "warnings"])
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "clippy failed on the fixture:\n{stderr}");
    assert!(!stderr.contains("warning"), "clippy warned on the fixture:\n{stderr}");
}
