//! Feeds from URLs: download, revalidation, and every way a download goes wrong, against a
//! scripted server on 127.0.0.1. The last good copy must survive every failure, and no
//! temporary file may be left behind.

use crate::common::{Reply, gethere_on, run, serve_replies, trimet};
use gethere::feed::fetch::{FetchOptions, FetchStatus, cached_paths, fetch};
use std::path::Path;
use std::time::Duration;

fn zip_bytes() -> Vec<u8> {
    std::fs::read(trimet()).unwrap()
}

fn quick() -> FetchOptions {
    FetchOptions {
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(2),
        max_bytes: 50 << 20,
    }
}

/// Only the cached zip and its sidecar are in the feeds directory.
fn no_leftovers(cache: &Path) {
    let names: Vec<String> = std::fs::read_dir(cache.join("feeds"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| n.ends_with(".zip") || n.ends_with(".json")),
        "{names:?}"
    );
}

#[test]
fn download_then_revalidate_then_keep_on_failures() {
    let good = zip_bytes();
    let mut truncated = good.clone();
    truncated.truncate(good.len() / 2);
    let (url, log) = serve_replies(vec![
        Reply::Body(good.clone(), Some("\"v1\"".into())),
        Reply::NotModified,
        Reply::Status(404, "gone".into()),
        Reply::Status(500, "oops".into()),
        Reply::Truncated(truncated, good.len()),
        Reply::Body(b"<html>maintenance</html>".to_vec(), None),
        Reply::Broken,
        Reply::Hang,
    ]);
    let url = format!("{url}/gtfs.zip");
    let cache = tempfile::tempdir().unwrap();
    let f = fetch(&url, cache.path(), &quick(), 1_000).unwrap();
    assert_eq!(f.status, FetchStatus::Downloaded);
    assert_eq!(std::fs::read(&f.path).unwrap(), good);

    let f = fetch(&url, cache.path(), &quick(), 2_000).unwrap();
    assert_eq!(f.status, FetchStatus::NotModified);
    assert_eq!(f.fetched_at, 1_000);
    assert!(
        log.lock().unwrap()[1]
            .to_lowercase()
            .contains("if-none-match: \"v1\""),
        "{:?}",
        log.lock().unwrap()[1]
    );

    for expect in [
        "HTTP 404",
        "HTTP 500",
        "sent", // truncated: "the server sent N of M bytes" or "broke off"
        "not a usable GTFS zip",
        "broke off",
        "did not answer within 2 s",
    ] {
        let f = fetch(&url, cache.path(), &quick(), 3_000).unwrap();
        match &f.status {
            FetchStatus::KeptAfterFailure { reason } => {
                let ok =
                    reason.contains(expect) || (expect == "sent" && reason.contains("broke off"));
                assert!(ok, "expected {expect:?} in {reason:?}");
            }
            other => panic!("expected a kept copy, got {other:?}"),
        }
        assert_eq!(
            std::fs::read(&f.path).unwrap(),
            good,
            "the good copy survives ({expect})"
        );
        assert_eq!(f.fetched_at, 1_000);
        no_leftovers(cache.path());
    }
}

#[test]
fn a_failure_without_a_previous_copy_is_an_error() {
    let (url, _) = serve_replies(vec![
        Reply::Status(500, "oops".into()),
        Reply::Body(b"not a zip".to_vec(), None),
    ]);
    let cache = tempfile::tempdir().unwrap();
    let e = fetch(&format!("{url}/a.zip"), cache.path(), &quick(), 0)
        .unwrap_err()
        .to_string();
    assert!(e.contains("HTTP 500"), "{e}");
    let e = fetch(&format!("{url}/a.zip"), cache.path(), &quick(), 0)
        .unwrap_err()
        .to_string();
    assert!(e.contains("not a usable GTFS zip"), "{e}");
    no_leftovers(cache.path());
    let (zip, _) = cached_paths(&format!("{url}/a.zip"), cache.path());
    assert!(!zip.exists());
}

#[test]
fn connection_refused_is_clear() {
    // Bind and drop a listener to get a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cache = tempfile::tempdir().unwrap();
    let e = fetch(
        &format!("http://127.0.0.1:{port}/f.zip"),
        cache.path(),
        &quick(),
        0,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("could not connect"), "{e}");
}

#[test]
fn oversized_bodies_are_refused() {
    let (url, _) = serve_replies(vec![Reply::Body(zip_bytes(), None)]);
    let cache = tempfile::tempdir().unwrap();
    let mut o = quick();
    o.max_bytes = 1000;
    let e = fetch(&format!("{url}/f.zip"), cache.path(), &o, 0)
        .unwrap_err()
        .to_string();
    assert!(e.contains("limit"), "{e}");
    no_leftovers(cache.path());
}

#[test]
fn two_processes_fetching_at_once_leave_one_valid_copy() {
    let good = zip_bytes();
    let (url, _) = serve_replies(vec![
        Reply::Body(good.clone(), None),
        Reply::Body(good.clone(), None),
    ]);
    let url = format!("{url}/gtfs.zip");
    let cache = tempfile::tempdir().unwrap();
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let (u, c) = (url.clone(), cache.path().to_path_buf());
            std::thread::spawn(move || fetch(&u, &c, &quick(), 5))
        })
        .collect();
    for h in handles {
        let f = h.join().unwrap().unwrap();
        assert_eq!(std::fs::read(&f.path).unwrap(), good);
    }
    no_leftovers(cache.path());
}

#[test]
fn the_cli_uses_a_url_feed_and_says_when_it_keeps_the_old_copy() {
    let (url, _) = serve_replies(vec![
        Reply::Body(zip_bytes(), Some("\"v1\"".into())),
        Reply::Status(500, "oops".into()),
    ]);
    let feed = format!("{url}/gtfs.zip");
    let cache = tempfile::tempdir().unwrap();
    let info = |cache: &Path| {
        let mut c = gethere_on(&feed);
        c.env("GETHERE_CACHE_DIR", cache)
            .args(["feed", "info", "--now", "2021-11-01"]);
        run(c)
    };
    let (code, out, err) = info(cache.path());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("TRIMET TriMet"), "{out}");
    let (code, out2, err) = info(cache.path());
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, out2);
    assert!(
        err.contains("note: could not refresh") && err.contains("HTTP 500"),
        "{err}"
    );
    // A fresh cache and a failing server: exit 2, one line.
    let (url, _) = serve_replies(vec![Reply::Status(500, "oops".into())]);
    let empty = tempfile::tempdir().unwrap();
    let mut c = gethere_on(format!("{url}/gtfs.zip"));
    c.env("GETHERE_CACHE_DIR", empty.path())
        .args(["feed", "info"]);
    let (code, out, err) = run(c);
    assert_eq!((code, out.as_str()), (2, ""));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: could not download"), "{err}");
}

#[test]
fn a_sidecar_that_does_not_describe_the_zip_is_not_used_to_revalidate() {
    let good = zip_bytes();
    let (url, log) = serve_replies(vec![
        Reply::Body(good.clone(), Some("\"v1\"".into())),
        Reply::Body(good.clone(), Some("\"v2\"".into())),
    ]);
    let url = format!("{url}/gtfs.zip");
    let cache = tempfile::tempdir().unwrap();
    let f = fetch(&url, cache.path(), &quick(), 1).unwrap();
    // Another run's zip ends up on disk under this run's sidecar.
    let mut other = good.clone();
    other.extend_from_slice(b"\0");
    std::fs::write(&f.path, &other).unwrap();
    let f = fetch(&url, cache.path(), &quick(), 2).unwrap();
    assert_eq!(
        f.status,
        FetchStatus::Downloaded,
        "a full download, not a 304 for the wrong file"
    );
    assert!(
        !log.lock().unwrap()[1]
            .to_lowercase()
            .contains("if-none-match")
    );
    assert_eq!(std::fs::read(&f.path).unwrap(), good);
}
