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
    gethere_on(trimet())
}

/// The real binary on `feed` (a path or URL) and the bundled venues, with the shared cache.
pub fn gethere_on(feed: impl AsRef<std::ffi::OsStr>) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("gethere").expect("binary built");
    c.env_remove("GETHERE_FEED")
        .env_remove("GETHERE_CONFIG")
        .env_remove("GETHERE_VENUES")
        .env_remove("GETHERE_GEOCODER")
        .env_remove("GETHERE_STREETS")
        .env_remove("GETHERE_REALTIME")
        .env("GETHERE_CACHE_DIR", cache_dir())
        .arg("--feed")
        .arg(feed)
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

/// One scripted answer of the test server.
#[derive(Clone, Debug)]
pub enum Reply {
    /// 200 with this body and optional ETag.
    Body(Vec<u8>, Option<String>),
    /// This status with a short text body.
    Status(u16, String),
    /// 304 Not Modified.
    NotModified,
    /// Claims `claimed` bytes, sends `body`, closes.
    Truncated(Vec<u8>, usize),
    /// Accepts and never answers (until the server stops).
    Hang,
    /// Sends half a header and closes.
    Broken,
}

/// A tiny HTTP server on 127.0.0.1 answering each connection with the next scripted reply,
/// then 500s. It stops by itself after 20 s or 16 connections. Returns the base URL and the
/// log of requests (request line and headers).
pub fn serve_replies(
    replies: Vec<Reply>,
) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log2 = log.clone();
    listener.set_nonblocking(true).expect("nonblocking");
    std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let mut script = replies.into_iter();
        let mut served = 0;
        let mut hung = Vec::new();
        while std::time::Instant::now() < deadline && served < 16 {
            let Ok((stream, _)) = listener.accept() else {
                std::thread::sleep(std::time::Duration::from_millis(5));
                continue;
            };
            served += 1;
            let _ = stream.set_nonblocking(false);
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut request = String::new();
            loop {
                let mut l = String::new();
                if reader.read_line(&mut l).unwrap_or(0) == 0 || l == "\r\n" {
                    break;
                }
                request.push_str(&l);
            }
            log2.lock().expect("log").push(request);
            let reply = script
                .next()
                .unwrap_or(Reply::Status(500, "scripted replies exhausted".into()));
            let mut s = stream;
            let head = |code: u16, len: usize, extra: &str| {
                format!(
                    "HTTP/1.1 {code} X\r\nContent-Length: {len}\r\nConnection: close\r\n{extra}\r\n"
                )
            };
            match reply {
                Reply::Body(b, etag) => {
                    let extra = etag.map(|e| format!("ETag: {e}\r\n")).unwrap_or_default();
                    let _ = s.write_all(head(200, b.len(), &extra).as_bytes());
                    let _ = s.write_all(&b);
                }
                Reply::Status(code, text) => {
                    let _ = s.write_all(
                        head(code, text.len(), "Content-Type: application/json\r\n").as_bytes(),
                    );
                    let _ = s.write_all(text.as_bytes());
                }
                Reply::NotModified => {
                    let _ = s.write_all(b"HTTP/1.1 304 Not Modified\r\nConnection: close\r\n\r\n");
                }
                Reply::Truncated(b, claimed) => {
                    let _ = s.write_all(head(200, claimed, "").as_bytes());
                    let _ = s.write_all(&b);
                }
                Reply::Hang => hung.push(s),
                Reply::Broken => {
                    let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Len");
                }
            }
        }
    });
    (url, log)
}

/// [`serve_replies`] with (status, JSON body) pairs.
pub fn serve(
    responses: Vec<(u16, String)>,
) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    serve_replies(
        responses
            .into_iter()
            .map(|(code, body)| {
                if code == 200 {
                    Reply::Body(body.into_bytes(), None)
                } else {
                    Reply::Status(code, body)
                }
            })
            .collect(),
    )
}

/// The binary with no feed, venues or config from the test's environment, and `platform` as
/// the platform config directory (the machine's own ~/.config/gethere is never read).
pub fn bare(platform: &Path) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("gethere").expect("binary built");
    for v in [
        "GETHERE_FEED",
        "GETHERE_CONFIG",
        "GETHERE_VENUES",
        "GETHERE_GEOCODER",
        "GETHERE_STREETS",
        "GETHERE_REALTIME",
    ] {
        c.env_remove(v);
    }
    c.env("GETHERE_CACHE_DIR", cache_dir())
        .env("XDG_CONFIG_HOME", platform)
        .current_dir(root());
    c
}
