//! Addresses as places, through a Nominatim-compatible geocoder on 127.0.0.1.

use crate::common::{gethere, run, serve};

fn plan_from(address: &str, geocoder: &str, cache: &std::path::Path) -> (i32, String, String) {
    let mut c = gethere();
    c.env("GETHERE_CACHE_DIR", cache).args([
        "--geocoder",
        geocoder,
        "plan",
        "--from",
        address,
        "--to",
        "oregon-convention-center",
        "--arrive-by",
        "2021-11-02T17:30",
    ]);
    run(c)
}

#[test]
fn an_address_is_geocoded_once_and_planned_from() {
    // 111 SW 5th Ave (US Bancorp Tower), as Nominatim would answer.
    let body = r#"[{"lat":"45.5219","lon":"-122.6761","display_name":"US Bancorp Tower, 111 SW 5th Ave, Portland"}]"#;
    let (url, log) = serve(vec![(200, body.into())]);
    let cache = tempfile::tempdir().unwrap();
    let search = format!("{url}/search");
    let (code, out, err) = plan_from("111 SW 5th Ave, Portland", &search, cache.path());
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("from US Bancorp Tower, 111 SW 5th Ave, Portland"),
        "{out}"
    );
    assert!(out.contains("board MAX Green Line"), "{out}");
    // A second run answers from the cache: the server saw one request.
    let (code, _, _) = plan_from("111 SW 5th Ave, Portland", &search, cache.path());
    assert_eq!(code, 0);
    let log = log.lock().unwrap();
    assert_eq!(log.len(), 1, "{log:?}");
    assert!(log[0].contains("format=jsonv2"), "{log:?}");
}

#[test]
fn no_result_and_server_errors_are_one_clear_line() {
    let (url, _) = serve(vec![(200, "[]".into()), (503, "busy".into())]);
    let cache = tempfile::tempdir().unwrap();
    let search = format!("{url}/search");
    let (code, out, err) = plan_from("1 Nowhere Lane", &search, cache.path());
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.contains("found no such address"), "{err}");
    let (code, _, err) = plan_from("2 Elsewhere Road", &search, cache.path());
    assert_eq!(code, 2);
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "{err}"
    );
    assert!(err.contains("HTTP 503"), "{err}");
}

#[test]
fn the_venues_file_can_name_the_geocoder() {
    let body = r#"[{"lat":"45.5219","lon":"-122.6761","display_name":"US Bancorp Tower"}]"#;
    let (url, _) = serve(vec![(200, body.into())]);
    let dir = tempfile::tempdir().unwrap();
    let venues = dir.path().join("venues.toml");
    let mut text = std::fs::read_to_string(crate::common::root().join("data/venues.toml")).unwrap();
    text = format!("[geocoder]\nurl = \"{url}/search\"\n\n{text}");
    std::fs::write(&venues, text).unwrap();
    let mut c = assert_cmd::Command::cargo_bin("gethere").unwrap();
    c.env_remove("GETHERE_GEOCODER")
        .env("GETHERE_CACHE_DIR", dir.path())
        .arg("--feed")
        .arg(crate::common::trimet())
        .arg("--venues")
        .arg(&venues)
        .args(["stops", "--near", "111 SW 5th Ave, Portland"]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("SW 5th & Oak MAX Station"), "{out}");
}
