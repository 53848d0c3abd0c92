//! Invariant 1 of the architecture: `core` does no IO. This test fails if an IO
//! crate enters its dependency tree.

use std::process::Command;

#[test]
fn core_depends_on_no_io_crate() {
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "-p",
            "tuoke-core",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--offline",
        ])
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8_lossy(&output.stdout);
    for io_crate in [
        "tokio ",
        "sqlx",
        "axum",
        "hyper",
        "reqwest",
        "mio ",
        "async-std",
    ] {
        assert!(
            !tree.lines().any(|l| l.starts_with(io_crate)),
            "core depends on {io_crate}:\n{tree}"
        );
    }
}
