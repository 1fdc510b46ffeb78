//! `gethere walk` and walking along street maps: hand-made `.osm` fixture maps with known
//! answers (tests/fixtures/streets_*/map.osm), bad maps, and the bundled Portland extract.

use crate::common::{fixture, gethere, gethere_on, run};
use serde_json::Value;

/// The fixture maps' grid: x and y steps of about 100 m from 45.0,-122.0.
fn p(x: f64, y: f64) -> (f64, f64) {
    (45.0 + y * 0.0009, -122.0 + x * 0.00127)
}

fn arg((lat, lon): (f64, f64)) -> String {
    format!("{lat:.7},{lon:.7}")
}

/// Haversine metres on the mean Earth radius, written out here so the tests do not use the
/// product's own distance function.
fn hav(a: (f64, f64), b: (f64, f64)) -> f64 {
    let r = 6_371_008.8_f64;
    let (p1, p2) = (a.0.to_radians(), b.0.to_radians());
    let dp = (b.0 - a.0).to_radians();
    let dl = (b.1 - a.1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * r * h.sqrt().asin()
}

/// The length of a polyline of grid points.
fn along(points: &[(f64, f64)]) -> f64 {
    points
        .windows(2)
        .map(|w| hav(p(w[0].0, w[0].1), p(w[1].0, w[1].1)))
        .sum()
}

/// `gethere walk` on a fixture map (the feed is any fixture feed: its stops are elsewhere).
fn walk(map: &str, from: (f64, f64), to: (f64, f64), extra: &[&str]) -> (i32, Value, String) {
    let mut c = gethere_on(fixture("overnight_trip"));
    c.arg("--streets")
        .arg(fixture(map).join("map.osm"))
        .args(["walk", "--format", "json", "--from"])
        .arg(arg(from))
        .arg("--to")
        .arg(arg(to))
        .args(extra);
    let (code, out, err) = run(c);
    let v = serde_json::from_str(&out).unwrap_or(Value::Null);
    (code, v, err)
}

fn metres(v: &Value) -> f64 {
    v["distance_m"].as_f64().expect("distance_m")
}

fn streets(v: &Value) -> Vec<String> {
    v["streets"]
        .as_array()
        .expect("streets")
        .iter()
        .map(|s| s.as_str().unwrap_or_default().to_string())
        .collect()
}

/// The product rounds metres up.
fn assert_close(got: f64, want: f64) {
    assert!(
        got >= want - 0.01 && got <= want + 1.01,
        "got {got} m, expected {want:.2} m"
    );
}

#[test]
fn detour_around_a_block() {
    let (code, v, err) = walk("streets_detour_block", p(1.0, 0.0), p(1.0, 1.0), &[]);
    assert_eq!(code, 0, "{err}");
    let want = along(&[(1.0, 0.0), (2.0, 0.0), (2.0, 1.0), (1.0, 1.0)]);
    assert_close(metres(&v), want);
    assert!(metres(&v) > 2.5 * hav(p(1.0, 0.0), p(1.0, 1.0)));
    let s = streets(&v);
    assert!(
        s == ["South St", "East St", "North St"] || s == ["South St", "West St", "North St"],
        "{s:?}"
    );
    assert_eq!(v["along_streets"], true);
}

#[test]
fn foot_no_is_not_walked() {
    let (code, v, err) = walk("streets_foot_no", p(0.0, 0.0), p(2.0, 0.0), &[]);
    assert_eq!(code, 0, "{err}");
    assert_close(
        metres(&v),
        along(&[(0.0, 0.0), (0.0, 1.0), (2.0, 1.0), (2.0, 0.0)]),
    );
    assert_eq!(streets(&v), ["Loop St"]);
}

#[test]
fn a_motorway_is_not_walked_the_footway_beside_it_is() {
    let (code, v, err) = walk("streets_motorway_footway", p(0.5, 0.05), p(2.5, 0.05), &[]);
    assert_eq!(code, 0, "{err}");
    let want = hav(p(0.5, 0.05), p(0.5, 0.2))
        + along(&[(0.5, 0.2), (2.5, 0.2)])
        + hav(p(2.5, 0.2), p(2.5, 0.05));
    assert_close(metres(&v), want);
    assert_eq!(streets(&v), ["Riverside Path"]);
}

#[test]
fn steps_and_the_wheelchair_profile() {
    let (code, v, err) = walk("streets_steps_wheelchair", p(0.0, 0.0), p(1.0, 0.0), &[]);
    assert_eq!(code, 0, "{err}");
    assert_close(metres(&v), along(&[(0.0, 0.0), (1.0, 0.0)]));
    assert_eq!(streets(&v), ["Long Stair"]);
    // No steps, and not the lane tagged wheelchair=no either.
    let (code, v, err) = walk(
        "streets_steps_wheelchair",
        p(0.0, 0.0),
        p(1.0, 0.0),
        &["--wheelchair"],
    );
    assert_eq!(code, 0, "{err}");
    assert_close(
        metres(&v),
        along(&[(0.0, 0.0), (0.0, -1.0), (1.0, -1.0), (1.0, 0.0)]),
    );
    assert_eq!(streets(&v), ["Ramp Walk"]);
    assert_eq!(v["wheelchair"], true);
    assert!(!err.contains("no wheelchair information"), "{err}");
}

#[test]
fn a_map_without_wheelchair_tags_says_so() {
    let (code, _, err) = walk(
        "streets_foot_no",
        p(0.0, 0.0),
        p(2.0, 0.0),
        &["--wheelchair"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("no wheelchair information"), "{err}");
}

#[test]
fn a_point_projects_onto_the_middle_of_a_segment() {
    let (code, v, err) = walk("streets_projection", p(1.0, 0.1), p(2.0, 0.0), &[]);
    assert_eq!(code, 0, "{err}");
    // 10 m to the middle of the edge, then 100 m along it; the nearest node is 100 m away.
    let want = hav(p(1.0, 0.1), p(1.0, 0.0)) + along(&[(1.0, 0.0), (2.0, 0.0)]);
    assert_close(metres(&v), want);
    let g = v["geometry"].as_array().unwrap();
    let (la, lo) = p(1.0, 0.0);
    let snapped = g[1].as_array().unwrap();
    assert!((snapped[0].as_f64().unwrap() - lo).abs() < 2e-6, "{g:?}");
    assert!((snapped[1].as_f64().unwrap() - la).abs() < 2e-6, "{g:?}");
}

#[test]
fn two_points_on_the_same_edge() {
    let (code, v, err) = walk("streets_projection", p(0.5, -0.05), p(1.5, 0.1), &[]);
    assert_eq!(code, 0, "{err}");
    let want = hav(p(0.5, -0.05), p(0.5, 0.0))
        + along(&[(0.5, 0.0), (1.5, 0.0)])
        + hav(p(1.5, 0.0), p(1.5, 0.1));
    assert_close(metres(&v), want);
    assert_eq!(streets(&v), ["Long Path"]);
}

#[test]
fn a_river_with_one_bridge() {
    let (code, v, err) = walk("streets_river_bridge", p(0.0, 0.0), p(2.0, 0.0), &[]);
    assert_eq!(code, 0, "{err}");
    assert_close(
        metres(&v),
        along(&[(0.0, 0.0), (0.0, 5.0), (2.0, 5.0), (2.0, 0.0)]),
    );
    assert_eq!(streets(&v), ["West Bank St", "Only Bridge", "East Bank St"]);
}

#[test]
fn disconnected_components_exit_1() {
    let (code, _, err) = walk("streets_two_components", p(0.5, 0.0), p(0.5, 2.0), &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("does not connect"), "{err}");
}

#[test]
fn off_the_map_is_a_straight_line_estimate_and_says_so() {
    let (code, v, err) = walk("streets_projection", p(1.0, 0.0), p(1.0, 10.0), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["along_streets"], false);
    assert!(err.contains("are estimates"), "{err}");
    assert_close(metres(&v), hav(p(1.0, 0.0), p(1.0, 10.0)));
}

#[test]
fn text_and_geojson() {
    let mut c = gethere_on(fixture("overnight_trip"));
    c.arg("--streets")
        .arg(fixture("streets_river_bridge").join("map.osm"))
        .args(["walk", "--from"])
        .arg(arg(p(0.0, 0.0)))
        .arg("--to")
        .arg(arg(p(2.0, 0.0)));
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("along West Bank St, then Only Bridge, then East Bank St"),
        "{out}"
    );
    assert!(out.contains("OpenStreetMap contributors"), "{out}");
    let mut c = gethere_on(fixture("overnight_trip"));
    c.arg("--streets")
        .arg(fixture("streets_river_bridge").join("map.osm"))
        .args(["walk", "--format", "geojson", "--from"])
        .arg(arg(p(0.0, 0.0)))
        .arg("--to")
        .arg(arg(p(2.0, 0.0)));
    let (code, out, _) = run(c);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["type"], "FeatureCollection");
    assert_eq!(v["features"][0]["geometry"]["type"], "LineString");
    assert!(
        v["features"][0]["geometry"]["coordinates"]
            .as_array()
            .unwrap()
            .len()
            >= 4
    );
}

/// A bad map is an error (exit 2) of one line naming the file, never a panic.
#[test]
fn bad_maps_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let bundled =
        std::fs::read(crate::common::root().join("data/portland-central-filtered.osm.pbf"))
            .unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.osm", Vec::new(), "empty"),
        ("truncated.osm.pbf", bundled[..bundled.len() / 2].to_vec(), "truncated"),
        ("notes.txt", b"just some text\n".to_vec(), "not an OpenStreetMap file"),
        (
            "html.osm",
            b"<html><body>404</body></html>".to_vec(),
            "not an OpenStreetMap file",
        ),
        (
            "cut.osm",
            b"<osm version='0.6'><node id='1' lat='45' lon='-122'/><way id='2'><nd ref='1'/>"
                .to_vec(),
            "truncated",
        ),
        (
            "buildings.osm",
            b"<osm><node id='1' lat='45' lon='-122'/><node id='2' lat='45.001' lon='-122'/><way id='3'><nd ref='1'/><nd ref='2'/><tag k='building' v='yes'/></way></osm>".to_vec(),
            "no walkable ways",
        ),
    ];
    for (name, bytes, why) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let mut c = gethere();
        c.arg("--streets").arg(&path).args([
            "walk",
            "--from",
            "new-relic",
            "--to",
            "union-station",
        ]);
        let (code, _, err) = run(c);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(err.contains(name) && err.contains(why), "{name}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{name}: {err}");
    }
    let mut c = gethere();
    c.args([
        "--streets",
        "/no/such/map.osm.pbf",
        "walk",
        "--from",
        "psu",
        "--to",
        "union-station",
    ]);
    let (code, _, err) = run(c);
    assert_eq!(code, 2);
    assert!(
        err.contains("/no/such/map.osm.pbf") && err.contains("no such file"),
        "{err}"
    );
}

/// On the bundled central-Portland extract: pinned walks checked against the map by hand.
#[test]
fn bundled_map_pinned_walks() {
    let walk_json = |from: &str, to: &str| -> Value {
        let (code, out, err) =
            crate::common::gethere_args(&["walk", "--format", "json", "--from", from, "--to", to]);
        assert_eq!(code, 0, "{from} → {to}: {err}");
        serde_json::from_str(&out).unwrap()
    };
    // New Relic's lobby (SW 5th & Oak) to the SW 5th & Oak MAX platform: across the corner.
    let v = walk_json("new-relic", "SW 5th & Oak MAX Station");
    assert!((20.0..=80.0).contains(&metres(&v)), "{v}");
    assert!(
        streets(&v).iter().any(|s| s == "Southwest 5th Avenue"),
        "{v}"
    );
    // The Convention Center's Holladay St entrance to its MAX station: across NE Holladay St.
    let v = walk_json("oregon-convention-center", "Convention Center MAX Station");
    assert!((20.0..=120.0).contains(&metres(&v)), "{v}");
    assert!(
        streets(&v).iter().any(|s| s == "Northeast Holladay Street"),
        "{v}"
    );
    // Rose Quarter (east bank) to Union Station (west bank): over the Steel Bridge, longer than
    // the line across the Willamette (1190 m by the map, 930 m straight).
    let v = walk_json(
        "Rose Quarter TC MAX Station",
        "Union Station/NW 6th & Hoyt MAX Stn",
    );
    let straight = hav(
        (
            v["from"]["lat"].as_f64().unwrap(),
            v["from"]["lon"].as_f64().unwrap(),
        ),
        (
            v["to"]["lat"].as_f64().unwrap(),
            v["to"]["lon"].as_f64().unwrap(),
        ),
    );
    assert!(
        metres(&v) > 1.15 * straight,
        "{} m vs {straight:.0} m straight: {v}",
        metres(&v)
    );
    assert!(
        streets(&v).iter().any(|s| s.contains("Steel Bridge")),
        "{v}"
    );
    // Union Station to New Relic on foot, about 900 m: with a street map it is an itinerary.
    let (code, out, err) = crate::common::gethere_args(&[
        "plan",
        "--from",
        "union-station",
        "--to",
        "new-relic",
        "--arrive-by",
        "2021-11-02T17:30",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("on foot"), "{out}");
}

/// `plan --format geojson` opens in geojson.io: a FeatureCollection of LineStrings, one per leg.
#[test]
fn plan_geojson() {
    let (code, out, err) = crate::common::gethere_args(&[
        "--format",
        "geojson",
        "plan",
        "--from",
        "union-station",
        "--to",
        "new-relic",
        "--arrive-by",
        "2021-11-02T17:30",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["type"], "FeatureCollection");
    let f = v["features"].as_array().unwrap();
    assert!(f.len() >= 2);
    for feat in f {
        assert_eq!(feat["geometry"]["type"], "LineString");
        let c = feat["geometry"]["coordinates"].as_array().unwrap();
        assert!(c.len() >= 2, "{feat}");
        let lon = c[0][0].as_f64().unwrap();
        assert!((-123.0..-122.0).contains(&lon), "lon first: {feat}");
    }
    assert!(f.iter().any(|x| x["properties"]["mode"] == "transit"));
    assert!(v["attribution"].as_str().unwrap().contains("OpenStreetMap"));
}

/// On the real extract, a walk along the streets is never shorter than the straight line
/// (random pairs of points in the map's area, a deterministic generator).
#[test]
fn bundled_map_network_is_never_shorter_than_the_straight_line() {
    use gethere::walk::{BUNDLED_MAP, Profile, Streets, build_graph, walk_from};
    let graph = build_graph(BUNDLED_MAP, "bundled").unwrap();
    let streets = Streets {
        graph,
        name: "bundled".into(),
        map_hash: String::new(),
    };
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut ratios = Vec::new();
    for _ in 0..300 {
        let a = (45.48 + 0.07 * next(), -122.70 + 0.13 * next());
        let b = (a.0 + 0.01 * (next() - 0.5), a.1 + 0.014 * (next() - 0.5));
        let from = walk_from(Some(&streets), a.0, a.1, 5000.0, Profile::default());
        let Some(w) = from.to(b.0, b.1, 1.2) else {
            continue;
        };
        let straight = hav(a, b);
        if w.along_streets {
            assert!(
                w.metres as f64 >= straight - 1.0,
                "{a:?} → {b:?}: {} m along streets, {straight:.1} m straight",
                w.metres
            );
            if straight > 50.0 {
                ratios.push(w.metres as f64 / straight);
            }
        }
    }
    assert!(
        ratios.len() > 150,
        "only {} pairs walked along streets",
        ratios.len()
    );
    ratios.sort_by(f64::total_cmp);
    eprintln!(
        "network/straight over {} pairs: median {:.2}, p90 {:.2}, max {:.2}",
        ratios.len(),
        ratios[ratios.len() / 2],
        ratios[ratios.len() * 9 / 10],
        ratios[ratios.len() - 1]
    );
}

/// Every bundled venue point inside the bundled street map lies within 50 m of a walkable way
/// (entrances where people walk in, not inside buildings), and using one warns about nothing.
#[test]
fn bundled_venues_are_on_the_street_map() {
    use gethere::walk::{BUNDLED_MAP, MAX_SNAP_M, Profile, build_graph};
    let g = build_graph(BUNDLED_MAP, "bundled").unwrap();
    let venues =
        gethere::venues::Venues::load(&crate::common::root().join("data/venues.toml")).unwrap();
    let mut checked = 0;
    for (key, v) in &venues.venues {
        let mut points = vec![(v.lat, v.lon)];
        points.extend(v.entrances.iter().map(|e| (e.lat, e.lon)));
        for (lat, lon) in points {
            if !g.covers(lat, lon, 0.0) {
                continue;
            }
            let s = g.snap(lat, lon, MAX_SNAP_M, Profile::default());
            let d = s.map(|s| s.dist).unwrap_or(f64::INFINITY);
            // A venue's own point may be its middle when it lists entrances.
            if v.entrances.is_empty() || (lat, lon) != (v.lat, v.lon) {
                assert!(
                    d <= 50.0,
                    "{key} at {lat},{lon} is {d:.0} m from any walkable way"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 6, "{checked}");
    let (code, _, err) =
        crate::common::gethere_args(&["stops", "--near", "oregon-convention-center"]);
    assert_eq!(code, 0);
    assert!(!err.contains("walkable way"), "{err}");
}

/// An installed binary works from an empty directory with no flags: the bundled feed, venues
/// and street map are in the binary (`cargo install` then deleting the clone).
#[test]
fn installed_binary_works_from_an_empty_directory() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("gethere");
    std::fs::copy(assert_cmd::cargo::cargo_bin("gethere"), &bin).unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let mut cmd = std::process::Command::new(&bin);
    cmd.current_dir(&empty)
        .env_remove("GETHERE_FEED")
        .env_remove("GETHERE_CONFIG")
        .env("XDG_CONFIG_HOME", dir.path().join("no-config"))
        .env_remove("GETHERE_VENUES")
        .env_remove("GETHERE_GEOCODER")
        .env_remove("GETHERE_STREETS")
        .env("GETHERE_CACHE_DIR", dir.path().join("cache"))
        .args([
            "plan",
            "--from",
            "union-station",
            "--to",
            "new-relic",
            "--arrive-by",
            "2021-11-02T17:30",
        ]);
    // A process forked by another test thread while the copy was open for writing holds that
    // descriptor until it execs: running the copy meanwhile fails with "text file busy".
    let mut tries = 0;
    let out = loop {
        match cmd.output() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && tries < 100 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            r => break r.unwrap(),
        }
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("Northwest 5th Avenue"), "{stdout}");
    assert!(stdout.contains("on foot"), "{stdout}");
    assert_eq!(
        std::fs::read_dir(&empty).unwrap().count(),
        0,
        "wrote into the working directory"
    );
}

/// A map URL is downloaded into the cache and revalidated; a failed or bad download keeps the
/// last good copy and says so; with no copy at all it is an error.
#[test]
fn map_url_keeps_the_last_good_copy() {
    use crate::common::{Reply, serve_replies};
    let good = std::fs::read(fixture("streets_river_bridge").join("map.osm")).unwrap();
    let (url, log) = serve_replies(vec![
        Reply::Body(good.clone(), Some("\"m1\"".into())),
        Reply::NotModified,
        Reply::Status(500, "oops".into()),
        Reply::Body(b"<html>maintenance</html>".to_vec(), None),
        Reply::Truncated(good[..good.len() / 2].to_vec(), good.len()),
    ]);
    let cache = tempfile::tempdir().unwrap();
    let map_url = format!("{url}/map.osm");
    let go = || {
        let mut c = gethere_on(fixture("overnight_trip"));
        c.env("GETHERE_CACHE_DIR", cache.path())
            .env("GETHERE_STREETS", &map_url)
            .args(["walk", "--format", "json", "--from"])
            .arg(arg(p(0.0, 0.0)))
            .arg("--to")
            .arg(arg(p(2.0, 0.0)));
        run(c)
    };
    for (i, expect_note) in [false, false, true, true, true].into_iter().enumerate() {
        let (code, out, err) = go();
        assert_eq!(code, 0, "run {i}: {err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            streets(&v),
            ["West Bank St", "Only Bridge", "East Bank St"],
            "run {i}"
        );
        assert_eq!(
            err.contains("could not refresh"),
            expect_note,
            "run {i}: {err}"
        );
    }
    assert!(
        log.lock().unwrap()[1]
            .to_lowercase()
            .contains("if-none-match: \"m1\"")
    );
    // No copy and a failing server: an error naming the URL.
    let (url, _) = serve_replies(vec![Reply::Status(404, "gone".into())]);
    let mut c = gethere_on(fixture("overnight_trip"));
    c.env("GETHERE_CACHE_DIR", tempfile::tempdir().unwrap().path())
        .args([
            "--streets",
            &format!("{url}/none.osm"),
            "walk",
            "--from",
            "45,-122",
            "--to",
            "45.001,-122",
        ]);
    let (code, _, err) = run(c);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("none.osm") && err.contains("404"), "{err}");
}

/// `[streets] map` in the venues file names the map, relative to that file.
#[test]
fn venues_file_names_the_street_map() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("streets_river_bridge").join("map.osm"),
        dir.path().join("river.osm"),
    )
    .unwrap();
    let (lat, lon) = p(0.0, 0.0);
    std::fs::write(
        dir.path().join("venues.toml"),
        format!(
            "[streets]\nmap = \"river.osm\"\n\n[venues.west]\nname = \"West bank\"\nlat = {lat}\nlon = {lon}\n"
        ),
    )
    .unwrap();
    let mut c = assert_cmd::Command::cargo_bin("gethere").unwrap();
    c.env_remove("GETHERE_STREETS")
        .env_remove("GETHERE_FEED")
        .env("GETHERE_CACHE_DIR", crate::common::cache_dir())
        .arg("--feed")
        .arg(fixture("overnight_trip"))
        .arg("--venues")
        .arg(dir.path().join("venues.toml"))
        .args(["walk", "--format", "json", "--from", "west", "--to"])
        .arg(arg(p(2.0, 0.0)));
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(streets(&v), ["West Bank St", "Only Bridge", "East Bank St"]);
}

/// A change between two different stops walks along the streets (the links computed from the
/// map), never shorter than the straight line between the stops, and shows its streets.
#[test]
fn changes_between_stops_walk_along_streets() {
    let (code, out, err) = crate::common::gethere_args(&[
        "--format",
        "json",
        "plan",
        "--from",
        "nw-23rd",
        "--to",
        "new-relic",
        "--arrive-by",
        "2021-11-02T17:30",
        // Short walks at the ends, so the answer changes from the streetcar to MAX.
        "--max-walk",
        "5m",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let changes: Vec<&Value> = v["itineraries"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["legs"].as_array().unwrap())
        .filter(|l| {
            l["mode"] == "walk" && !l["from"]["stop_id"].is_null() && !l["to"]["stop_id"].is_null()
        })
        .collect();
    assert!(!changes.is_empty(), "{out}");
    for l in changes {
        let pt = |p: &Value| (p["lat"].as_f64().unwrap(), p["lon"].as_f64().unwrap());
        let straight = hav(pt(&l["from"]), pt(&l["to"]));
        let m = l["distance_m"].as_f64().unwrap();
        assert!(m + 1.0 >= straight, "{m} m < {straight:.0} m straight: {l}");
        assert!(!l["streets"].as_array().unwrap().is_empty(), "{l}");
        assert!(l["geometry"].as_array().unwrap().len() >= 2, "{l}");
    }
}

#[test]
fn feed_check_warns_about_venues_far_from_walkable_ways() {
    // The bundled venues are all on walkable ways (entrances moved there): no warning.
    let (code, _, err) = crate::common::gethere_args(&["feed", "check"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("from the nearest walkable way"), "{err}");
    // A point inside the Convention Center hall (the old venue point) is 103 m from any way.
    let dir = tempfile::tempdir().unwrap();
    let venues = dir.path().join("venues.toml");
    std::fs::write(
        &venues,
        "[venues.hall]\nname = \"Inside the hall\"\nlat = 45.52850\nlon = -122.66300\n",
    )
    .unwrap();
    let mut c = assert_cmd::Command::cargo_bin("gethere").expect("binary built");
    c.env_remove("GETHERE_FEED")
        .env_remove("GETHERE_VENUES")
        .env_remove("GETHERE_STREETS")
        .env_remove("GETHERE_REALTIME")
        .env("GETHERE_CACHE_DIR", crate::common::cache_dir())
        .arg("--feed")
        .arg(crate::common::trimet())
        .arg("--venues")
        .arg(&venues)
        .args(["feed", "check"]);
    let (code, _, err) = crate::common::run(c);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(
            "warning: venue 'hall' point 45.52850,-122.66300 is 103 m from the nearest walkable way"
        ),
        "{err}"
    );
}
