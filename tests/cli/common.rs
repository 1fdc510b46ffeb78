//! Helpers shared by the CLI tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The project root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The bundled TriMet feed.
pub fn trimet() -> PathBuf {
    root().join("data/trimet-2021-max-green-streetcar.gtfs.zip")
}

/// A fixture feed directory under tests/fixtures.
pub fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures").join(name)
}

/// `../shared/data/<rel>` when the shared data is next to the project; tests that need it
/// print that they are skipped otherwise (a clone of the project alone has no shared data).
pub fn shared_data(rel: &str) -> Option<PathBuf> {
    let p = root().join("../shared/data").join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!(
            "skipped: {} is absent (only CI and developers have ../shared)",
            p.display()
        );
        None
    }
}

/// A cache directory shared by the tests of one binary run, so the bundled feed is compiled
/// once, not once per test. Concurrent compiles are safe (atomic rename).
pub fn cache_dir() -> PathBuf {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("tempdir"))
        .path()
        .to_path_buf()
}

/// The real binary on the bundled feed and venues, with the shared cache.
pub fn gethere() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("gethere").expect("binary built");
    c.env_remove("GETHERE_FEED")
        .env_remove("GETHERE_VENUES")
        .env_remove("GETHERE_GEOCODER")
        .env("GETHERE_CACHE_DIR", cache_dir())
        .arg("--feed")
        .arg(trimet())
        .arg("--venues")
        .arg(root().join("data/venues.toml"))
        .current_dir(root());
    c
}

/// Runs and returns (exit code, stdout, stderr).
pub fn run(mut c: assert_cmd::Command) -> (i32, String, String) {
    let out = c.output().expect("runs");
    let code = out.status.code().unwrap_or(-1);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "gethere panicked:\n{stderr}");
    (code, stdout, stderr)
}

/// Runs `gethere ARGS` on the bundled feed.
pub fn gethere_args(args: &[&str]) -> (i32, String, String) {
    let mut c = gethere();
    c.args(args);
    run(c)
}
