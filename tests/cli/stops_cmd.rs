//! `gethere stops --near` on the bundled feed and venues, read as an attendee would.

use crate::common::gethere_args;

#[test]
fn near_new_relic() {
    let (code, out, _) = gethere_args(&["stops", "--near", "new-relic"]);
    assert_eq!(code, 0);
    // The nearest MAX stop is on SW 5th at Oak, a minute's walk.
    assert!(
        out.lines()
            .nth(2)
            .unwrap()
            .starts_with("SW 5th & Oak MAX Station (stop 7627)"),
        "{out}"
    );
    insta::assert_snapshot!("stops_new_relic", out);
}

#[test]
fn near_the_convention_center_with_departures_across_midnight() {
    let (code, out, _) = gethere_args(&[
        "stops",
        "--near",
        "oregon-convention-center",
        "--at",
        "2021-11-06T23:50",
        "--window",
        "40m",
    ]);
    assert_eq!(code, 0);
    assert!(
        out.contains("Convention Center MAX Station (station landmark-119)"),
        "{out}"
    );
    assert!(
        out.contains("00:19 (Sun)  MAX Green Line towards Rose Quarter TC"),
        "{out}"
    );
    insta::assert_snapshot!("stops_occ_midnight", out);
}

#[test]
fn nothing_in_radius_shows_the_nearest_and_exits_1() {
    let (code, out, _) = gethere_args(&["stops", "--near", "pdx-airport"]);
    assert_eq!(code, 1);
    assert!(
        out.starts_with(
            "No stop within 400 m of Portland International Airport (PDX); the nearest ones"
        ),
        "{out}"
    );
    assert!(out.contains("NE 82nd Ave MAX Station"), "{out}");
}

#[test]
fn json_lists_lines_and_distances() {
    let (code, out, _) = gethere_args(&[
        "stops",
        "--near",
        "Convention Center MAX Station",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let stops = v["stops"].as_array().unwrap();
    assert!(
        stops
            .iter()
            .all(|s| s["distance_m"].as_u64().unwrap() <= 400)
    );
    let first = &stops[0];
    assert_eq!(first["station"]["stop_id"], "landmark-119");
    assert_eq!(first["lines"][0]["long_name"], "MAX Green Line");
}

#[test]
fn ambiguous_and_unknown_names_are_clear() {
    let (code, _, err) = gethere_args(&["stops", "--near", "Gateway"]);
    assert_eq!(code, 0, "one station matches: {err}");
    let (code, _, err) = gethere_args(&["stops", "--near", "SW 5th"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("matches several stops") && err.contains("stop:"),
        "{err}"
    );
    let (code, _, err) = gethere_args(&["stops", "--near", "new-relik"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("new-relic"),
        "a similar venue is suggested: {err}"
    );
}

#[test]
fn a_venue_far_from_the_feed_is_flagged() {
    let (code, _, err) = gethere_args(&["stops", "--near", "pdx-airport"]);
    assert_eq!(code, 1);
    assert!(err.contains("warning: venue 'pdx-airport' is 6.3 km from the nearest stop in this feed (NE 82nd Ave MAX Station)"), "{err}");
    let (_, _, err) = gethere_args(&["stops", "--near", "new-relic"]);
    assert!(!err.contains("warning"), "{err}");
}

#[test]
fn an_unreadable_or_invalid_venues_file_is_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("venues.toml");
    std::fs::write(
        &bad,
        "[venues.x]\nname = \"X\"\nlat = 45.5\nlon = -122.6\nadress = \"typo\"\n",
    )
    .unwrap();
    for (path, needle) in [
        (dir.path().join("missing.toml"), "reading venues file"),
        (bad, "unknown field `adress`"),
    ] {
        let mut c = assert_cmd::Command::cargo_bin("gethere").unwrap();
        c.env("GETHERE_CACHE_DIR", crate::common::cache_dir())
            .arg("--feed")
            .arg(crate::common::trimet())
            .arg("--venues")
            .arg(&path)
            .args(["stops", "--near", "x"]);
        let (code, out, err) = crate::common::run(c);
        assert_eq!((code, out.as_str()), (2, ""), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{err}");
    }
}

#[test]
fn wheelchair_filter_applies_to_the_nearest_fallback_too() {
    // TriMet's stops do not say whether they are step-free: none qualifies, and none is shown.
    let (code, out, _) = gethere_args(&[
        "stops",
        "--near",
        "45.5189,-122.6789",
        "--radius",
        "250",
        "--wheelchair",
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        out.trim(),
        "No stop near 45.51890,-122.67890 is marked wheelchair accessible in this feed"
    );
}

#[test]
fn same_named_stops_on_one_corner_are_one_place() {
    let Some(feed) = crate::common::shared_data("charlotte-cats-2018/charlotte-cats-2018.gtfs.zip")
    else {
        return;
    };
    // Two stops named "Trade St & Tryon St", one on each side of the street.
    let mut c = crate::common::gethere_on(feed);
    c.args([
        "plan",
        "--from",
        "Trade St & Tryon St",
        "--to",
        "35.1500,-80.8270",
        "--arrive-by",
        "2018-10-10T17:30",
        "--format",
        "json",
    ]);
    let (code, out, err) = crate::common::run(c);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["query"]["from"]["name"], "Trade St & Tryon St");
}
