//! `gethere feed info` and `feed check` on the real feeds, and the compiled cache's behaviour:
//! reused, rebuilt when truncated or corrupt, safe when two processes compile at once.

use crate::common::{gethere_on, run, shared_data, trimet};
use std::path::Path;

fn info(feed: &Path, cache: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut c = gethere_on(feed);
    c.env("GETHERE_CACHE_DIR", cache)
        .args(["feed", "info"])
        .args(extra);
    run(c)
}

#[test]
fn bundled_trimet_info() {
    let cache = tempfile::tempdir().unwrap();
    let (code, out, err) = info(&trimet(), cache.path(), &["--now", "2021-11-01"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(
            "  TRIMET TriMet (America/Los_Angeles)\n  PSC Portland Streetcar (America/Los_Angeles)"
        ),
        "{out}"
    );
    assert!(out.contains("service: 2021-10-17 to 2022-01-08"), "{out}");
    assert!(
        out.contains("103 stops, 2 routes, 2341 trips, 43813 stop times"),
        "{out}"
    );
    assert!(!out.contains("expired"), "not expired on 2021-11-01: {out}");
    insta::assert_snapshot!(
        "feed_info_trimet",
        out.replace(&trimet().display().to_string(), "data/trimet.zip")
    );
    let (_, json, _) = info(
        &trimet(),
        cache.path(),
        &["--now", "2021-11-01", "--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["counts"]["stop_times"], 43813);
    assert_eq!(v["timezone"], "America/Los_Angeles");
    // Today (for the organizer) the feed is long expired, and feed info says so.
    let (_, out, _) = info(&trimet(), cache.path(), &["--now", "2026-11-25"]);
    assert!(
        out.contains("warning: feed expired: its last day of service is 2022-01-08"),
        "{out}"
    );
}

/// SOURCE.md figures for every feed in ../shared/data.
#[test]
fn shared_feeds_match_their_source_figures() {
    for (rel, stops, routes, trips, stop_times, first, last) in [
        (
            "trimet/trimet-2021-max-green-streetcar.gtfs.zip",
            103,
            2,
            2341,
            43813,
            "2021-10-17",
            "2022-01-08",
        ),
        (
            "godurham/godurham-2023-12.gtfs.zip",
            960,
            21,
            5066,
            186818,
            "2023-11-11",
            "2024-12-31",
        ),
        (
            "charlotte-cats-2018/charlotte-cats-2018.gtfs.zip",
            3021,
            67,
            9415,
            310101,
            "2018-10-04",
            "2019-02-03",
        ),
    ] {
        let Some(feed) = shared_data(rel) else { return };
        let cache = tempfile::tempdir().unwrap();
        let (code, out, err) = info(&feed, cache.path(), &["--format", "json"]);
        assert_eq!(code, 0, "{rel}: {err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let c = &v["counts"];
        assert_eq!(
            (
                c["stops"].as_u64(),
                c["routes"].as_u64(),
                c["trips"].as_u64(),
                c["stop_times"].as_u64()
            ),
            (Some(stops), Some(routes), Some(trips), Some(stop_times)),
            "{rel}"
        );
        assert_eq!(
            (v["service_start"].as_str(), v["service_end"].as_str()),
            (Some(first), Some(last)),
            "{rel}"
        );
        if rel.starts_with("godurham") {
            // 166,083 empty times, interpolated (SOURCE.md); two Christmas days without service.
            assert_eq!(c["interpolated_stop_times"], 166083);
            assert_eq!(
                v["days_without_service"],
                serde_json::json!(["2023-12-25", "2024-12-25"])
            );
        }
        let mut chk = gethere_on(&feed);
        chk.env("GETHERE_CACHE_DIR", cache.path())
            .args(["feed", "check"]);
        let (code, out, _) = run(chk);
        assert_eq!(code, 0, "{rel}: {out}");
    }
}

fn cache_file(cache: &Path) -> std::path::PathBuf {
    let dir = cache.join("timetables");
    let f = std::fs::read_dir(&dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert!(f.extension().is_some_and(|e| e == "timetable"), "{f:?}");
    f
}

#[test]
fn a_damaged_cache_is_detected_and_rebuilt() {
    let cache = tempfile::tempdir().unwrap();
    let (_, first, _) = info(&trimet(), cache.path(), &["--now", "2021-11-01"]);
    let file = cache_file(cache.path());
    let good = std::fs::read(&file).unwrap();
    for damage in ["truncate", "flip", "garbage"] {
        let mut b = good.clone();
        match damage {
            "truncate" => b.truncate(b.len() / 3),
            // A flip in the checksummed small part (after the 160-byte header and the section
            // table). Stop times are not hashed on open (timetable::cache explains why).
            "flip" => {
                let sections = u32::from_ne_bytes(b[120..124].try_into().unwrap()) as usize;
                let i = 160 + 16 * sections + 100;
                b[i] ^= 0x40;
            }
            _ => b = b"not a timetable at all".to_vec(),
        }
        std::fs::write(&file, &b).unwrap();
        let (code, out, err) = info(&trimet(), cache.path(), &["--now", "2021-11-01"]);
        assert_eq!(code, 0, "{damage}: {err}");
        assert_eq!(out, first, "{damage}");
        assert!(
            err.contains("rebuilt"),
            "{damage}: the rebuild is mentioned: {err}"
        );
        assert_eq!(
            std::fs::read(&file).unwrap(),
            good,
            "{damage}: the cache is whole again"
        );
    }
}

#[test]
fn two_processes_on_a_cold_cache_both_succeed() {
    let cache = tempfile::tempdir().unwrap();
    let exe = assert_cmd::cargo::cargo_bin("gethere");
    let children: Vec<_> = (0..2)
        .map(|_| {
            std::process::Command::new(&exe)
                .env("GETHERE_CACHE_DIR", cache.path())
                .arg("--feed")
                .arg(trimet())
                .args(["feed", "info", "--now", "2021-11-01"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for o in &outs {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert_eq!(outs[0].stdout, outs[1].stdout);
    let files: Vec<_> = std::fs::read_dir(cache.path().join("timetables"))
        .unwrap()
        .collect();
    assert_eq!(files.len(), 1, "one cache file, no temporary files");
    let (code, _, err) = info(&trimet(), cache.path(), &["--now", "2021-11-01"]);
    assert_eq!(code, 0);
    assert!(
        !err.contains("rebuilt"),
        "the cache left behind is valid: {err}"
    );
}

#[test]
fn feed_check_on_the_bundled_feed_is_clean() {
    let mut c = gethere_on(trimet());
    c.args(["feed", "check", "--format", "json"]);
    let (code, out, _) = run(c);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["usable"], true);
    assert_eq!(v["errors"], serde_json::json!([]));
}

#[test]
fn an_old_format_cache_is_rebuilt() {
    let cache = tempfile::tempdir().unwrap();
    let (_, first, _) = info(&trimet(), cache.path(), &["--now", "2021-11-01"]);
    let file = cache_file(cache.path());
    let mut b = std::fs::read(&file).unwrap();
    b[8..12].copy_from_slice(&0u32.to_le_bytes()); // format version 0
    std::fs::write(&file, &b).unwrap();
    let (code, out, err) = info(&trimet(), cache.path(), &["--now", "2021-11-01"]);
    assert_eq!(code, 0);
    assert_eq!(out, first);
    assert!(err.contains("format version 0"), "{err}");
}
