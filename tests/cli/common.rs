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

/// A tiny HTTP server on 127.0.0.1 answering each connection with the next scripted response
/// (status line + body), then 500s. It serves at most `responses.len() + 4` connections and
/// stops by itself after 20 s. Returns the base URL and a log of request lines.
pub fn serve(
    responses: Vec<(u16, String)>,
) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log2 = log.clone();
    listener.set_nonblocking(true).expect("nonblocking");
    std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let mut script = responses.into_iter();
        let mut served = 0;
        while std::time::Instant::now() < deadline && served < 16 {
            let Ok((stream, _)) = listener.accept() else {
                std::thread::sleep(std::time::Duration::from_millis(5));
                continue;
            };
            served += 1;
            let _ = stream.set_nonblocking(false);
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            loop {
                let mut l = String::new();
                if reader.read_line(&mut l).unwrap_or(0) == 0 || l == "\r\n" {
                    break;
                }
            }
            log2.lock().expect("log").push(first.trim().to_string());
            let (code, body) = script
                .next()
                .unwrap_or((500, "scripted responses exhausted".into()));
            let mut s = stream;
            let _ = write!(
                s,
                "HTTP/1.1 {code} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, log)
}
