//! The region config: discovery (--config > GETHERE_CONFIG > the platform directory > the
//! built-in file), precedence of flags and environment over the file, `gethere config`, its
//! errors, and the Triangle as the second home example (data/triangle.toml, GoDurham).

use crate::common::{bare, cache_dir, fixture, root, run, trimet};
use std::path::Path;

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// `gethere config --format json` with these extra arguments and environment.
fn config_json(platform: &Path, args: &[&str], env: &[(&str, &str)]) -> serde_json::Value {
    let mut c = bare(platform);
    for (k, v) in env {
        c.env(k, v);
    }
    c.args(args).args(["config", "--format", "json"]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    json(&out)
}

fn triangle() -> String {
    root().join("data/triangle.toml").display().to_string()
}

/// The announce of the cron line, from the config alone: no --feed, no --venues.
fn triangle_announce(c: &mut assert_cmd::Command) {
    c.args([
        "announce",
        "--venue",
        "american-underground",
        "--start",
        "2024-03-12T18:00",
        "--end",
        "2024-03-12T20:30",
        "--now",
        "2024-03-01",
    ]);
}

#[test]
fn a_cron_line_needs_only_the_config() {
    let platform = tempfile::tempdir().unwrap();
    let mut c = bare(platform.path());
    c.args(["--config", "data/triangle.toml"]);
    triangle_announce(&mut c);
    let (code, by_flag, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err, "");
    insta::assert_snapshot!("announce_american_underground_md", by_flag);

    // The same from GETHERE_CONFIG, and from the platform config directory.
    let mut c = bare(platform.path());
    c.env("GETHERE_CONFIG", triangle());
    triangle_announce(&mut c);
    let (code, by_env, err) = run(c);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(by_env, by_flag);

    // A copy elsewhere finds its feed relative to itself, not to the working directory.
    std::fs::create_dir_all(platform.path().join("gethere")).unwrap();
    let text = std::fs::read_to_string(triangle()).unwrap().replace(
        "source = \"godurham-2023-12.gtfs.zip\"",
        "source = \"feeds/durham.zip\"",
    );
    std::fs::write(platform.path().join("gethere/config.toml"), text).unwrap();
    std::fs::create_dir_all(platform.path().join("gethere/feeds")).unwrap();
    std::fs::copy(
        root().join("data/godurham-2023-12.gtfs.zip"),
        platform.path().join("gethere/feeds/durham.zip"),
    )
    .unwrap();
    let mut c = bare(platform.path());
    c.current_dir(platform.path());
    triangle_announce(&mut c);
    let (code, by_platform, err) = run(c);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(by_platform, by_flag);
}

#[test]
fn the_triangle_venues_are_served_by_the_feed() {
    let platform = tempfile::tempdir().unwrap();
    // Each Durham-area venue has a GoDurham stop within 400 m, with lines; downtown Raleigh has
    // none (no GoRaleigh feed), which is said.
    for (venue, stop) in [
        ("american-underground", "E Main St at Corcoran St (WB)"),
        ("durham-station", "Durham Station"),
        ("brier-creek", "Brier Creek Pkwy at Little Brier Creek Ln"),
        (
            "regional-transit-center",
            "GoTriangle Regional Transit Center (RTC) & RTP Connect",
        ),
    ] {
        let mut c = bare(platform.path());
        c.args(["--config", "data/triangle.toml", "stops", "--near", venue]);
        let (code, out, err) = run(c);
        assert_eq!(code, 0, "{venue}: {err}");
        assert_eq!(err, "", "{venue}");
        let first = out.lines().nth(2).unwrap_or_default();
        assert!(first.starts_with(stop), "{venue}: {out}");
    }
    let mut c = bare(platform.path());
    c.args([
        "--config",
        "data/triangle.toml",
        "stops",
        "--near",
        "goraleigh-station",
    ]);
    let (code, _, err) = run(c);
    assert_eq!(code, 1);
    assert!(
        err.contains("warning: venue 'goraleigh-station' is 19.9 km from the nearest stop"),
        "{err}"
    );
    // Its announcement says so without naming stops that are not there.
    let mut c = bare(platform.path());
    c.args([
        "--config",
        "data/triangle.toml",
        "announce",
        "--venue",
        "goraleigh-station",
        "--start",
        "2024-03-12T18:00",
    ]);
    let (code, out, _) = run(c);
    assert_eq!(code, 1);
    assert!(out.contains("**No transit reaches this venue.**"), "{out}");
    assert!(!out.contains("serves the stops near"), "{out}");
    // Raleigh (Brier Creek) to downtown Durham is one ride of route 2.
    let mut c = bare(platform.path());
    c.args([
        "--config",
        "data/triangle.toml",
        "plan",
        "--from",
        "brier-creek",
        "--to",
        "american-underground",
        "--arrive-by",
        "2024-03-12T18:00",
    ]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("1. leave 16:56, arrive 17:36 · 40 min · no transfers"),
        "{out}"
    );
}

#[test]
fn gethere_config_says_where_each_value_came_from() {
    let platform = tempfile::tempdir().unwrap();
    let mut c = bare(platform.path());
    c.args(["--config", "data/triangle.toml", "config"]);
    let (code, out, err) = run(c);
    assert_eq!((code, err.as_str()), (0, ""));
    let out = out.replace(&cache_dir().display().to_string(), "<cache>");
    insta::assert_snapshot!("config_triangle_text", out);

    // The built-in config: the bundled feed (from the copy in the binary) and venues.
    let mut c = bare(platform.path());
    c.args(["config", "--format", "json"]);
    let (code, out, err) = run(c);
    assert_eq!((code, err.as_str()), (0, ""));
    let out = out
        .replace(&cache_dir().display().to_string(), "<cache>")
        .replace(&platform.path().display().to_string(), "<config home>");
    insta::assert_snapshot!("config_built_in_json", out);
}

#[test]
fn flags_beat_the_environment_which_beats_the_file_which_beats_the_default() {
    let platform = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("region.toml");
    std::fs::write(
        &file,
        "[[feeds]]\nkey = \"file\"\nsource = \"file.zip\"\n\n[streets]\nmap = \"none\"\n\n\
         [geocoder]\nurl = \"https://geo.example/search\"\n\n[realtime]\nsources = [\"rt.pb\"]\n",
    )
    .unwrap();
    let file_s = file.display().to_string();
    let p = platform.path();
    let from = |v: &serde_json::Value, what: &str| v[format!("{what}_from")].clone();
    let kind = |v: &serde_json::Value, what: &str| {
        let f = from(v, what);
        format!(
            "{} {}",
            f["kind"].as_str().unwrap(),
            f["name"].as_str().or(f["path"].as_str()).unwrap_or("")
        )
        .trim()
        .to_string()
    };

    // Default: nothing given.
    let v = config_json(p, &[], &[]);
    assert_eq!(kind(&v, "config"), "built_in");
    assert_eq!(kind(&v, "feeds"), "built_in");
    assert_eq!(v["feeds"][0]["key"], "trimet");
    assert_eq!(kind(&v, "geocoder"), "built_in");
    assert_eq!(v["geocoder"], serde_json::Value::Null);

    // The platform file beats the built-in one.
    std::fs::create_dir_all(p.join("gethere")).unwrap();
    std::fs::copy(&file, p.join("gethere/config.toml")).unwrap();
    let platform_file = p.join("gethere/config.toml").display().to_string();
    let v = config_json(p, &[], &[]);
    assert_eq!(
        kind(&v, "config"),
        format!("platform_default {platform_file}")
    );
    assert_eq!(kind(&v, "feeds"), format!("config_file {platform_file}"));
    assert_eq!(
        v["feeds"][0]["source"],
        p.join("gethere/file.zip").display().to_string()
    );
    assert_eq!(v["streets"], "none");

    // GETHERE_CONFIG beats the platform file; --config beats GETHERE_CONFIG; --venues (the
    // same file format) beats GETHERE_CONFIG too, being a flag.
    let other = dir.path().join("other.toml");
    std::fs::write(
        &other,
        "[venues.x]\nname = \"X\"\nlat = 45.5\nlon = -122.6\n",
    )
    .unwrap();
    let other_s = other.display().to_string();
    let v = config_json(p, &[], &[("GETHERE_CONFIG", &file_s)]);
    assert_eq!(kind(&v, "config"), "env GETHERE_CONFIG");
    assert_eq!(v["config_file"], file_s.as_str());
    let v = config_json(p, &["--config", &other_s], &[("GETHERE_CONFIG", &file_s)]);
    assert_eq!(kind(&v, "config"), "flag --config");
    assert_eq!(v["venues"], serde_json::json!(["x"]));
    // A file without [[feeds]]: the built-in feed.
    assert_eq!(kind(&v, "feeds"), "built_in");
    let v = config_json(p, &["--venues", &other_s], &[("GETHERE_CONFIG", &file_s)]);
    assert_eq!(kind(&v, "config"), "flag --venues");
    let v = config_json(p, &[], &[("GETHERE_VENUES", &other_s)]);
    assert_eq!(kind(&v, "config"), "env GETHERE_VENUES");

    // Values: the file's, then the environment's, then the flag's.
    let v = config_json(p, &["--config", &file_s], &[]);
    for what in ["feeds", "streets", "geocoder", "realtime", "venues"] {
        assert_eq!(kind(&v, what), format!("config_file {file_s}"), "{what}");
    }
    assert_eq!(v["geocoder"], "https://geo.example/search");
    // Relative files are relative to the config file, as feeds and the street map.
    assert_eq!(
        v["realtime"],
        serde_json::json!([dir.path().join("rt.pb").display().to_string()])
    );
    let env = [
        ("GETHERE_FEED", "env=env.zip"),
        ("GETHERE_STREETS", "env.osm"),
        ("GETHERE_GEOCODER", "https://env.example/search"),
        ("GETHERE_REALTIME", "a.pb,b.pb"),
    ];
    let v = config_json(p, &["--config", &file_s], &env);
    assert_eq!(kind(&v, "feeds"), "env GETHERE_FEED");
    assert_eq!(v["feeds"][0]["key"], "env");
    assert_eq!(v["feeds"][0]["source"], "env.zip");
    assert_eq!(kind(&v, "streets"), "env GETHERE_STREETS");
    assert_eq!(v["streets"], "env.osm");
    assert_eq!(kind(&v, "geocoder"), "env GETHERE_GEOCODER");
    assert_eq!(kind(&v, "realtime"), "env GETHERE_REALTIME");
    assert_eq!(v["realtime"], serde_json::json!(["a.pb", "b.pb"]));
    let v = config_json(
        p,
        &[
            "--config",
            &file_s,
            "--feed",
            "flag.zip",
            "--streets",
            "flag.osm",
            "--geocoder",
            "https://flag.example/search",
            "--realtime",
            "c.pb",
        ],
        &env,
    );
    assert_eq!(kind(&v, "feeds"), "flag --feed");
    assert_eq!(v["feeds"][0]["key"], serde_json::Value::Null);
    assert_eq!(v["feeds"][0]["source"], "flag.zip");
    assert_eq!(kind(&v, "streets"), "flag --streets");
    assert_eq!(kind(&v, "geocoder"), "flag --geocoder");
    assert_eq!(kind(&v, "realtime"), "flag --realtime");
    assert_eq!(v["realtime"], serde_json::json!(["c.pb"]));
}

/// The config's feed is the one opened, and `--feed` (also `KEY=PATH`) replaces it.
#[test]
fn the_config_names_the_feed_and_feed_replaces_it() {
    let platform = tempfile::tempdir().unwrap();
    let info = |args: &[&str]| {
        let mut c = bare(platform.path());
        c.args(args).args(["feed", "info", "--now", "2024-03-01"]);
        let (code, out, err) = run(c);
        assert_eq!(code, 0, "{err}");
        out
    };
    let out = info(&["--config", "data/triangle.toml"]);
    assert!(out.contains("GoDurham"), "{out}");
    let trimet_s = trimet().display().to_string();
    let out = info(&["--config", "data/triangle.toml", "--feed", &trimet_s]);
    assert!(out.contains("TriMet"), "{out}");
    let keyed = format!("portland={trimet_s}");
    let out2 = info(&["--config", "data/triangle.toml", "--feed", &keyed]);
    assert_eq!(out2, out);
}

/// Arguments, environment, and the start of the expected error line.
type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, String);

#[test]
fn config_errors_are_one_line_naming_the_problem() {
    let platform = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let unknown = write(
        "unknown.toml",
        "[[feeds]]\nkey = \"a\"\nsource = \"a.zip\"\nurl = \"https://x\"\n",
    );
    let dup = write(
        "dup.toml",
        "[[feeds]]\nkey = \"a\"\nsource = \"a.zip\"\n\n[[feeds]]\nkey = \"a\"\nsource = \"b.zip\"\n",
    );
    let bad_key = write(
        "badkey.toml",
        "[[feeds]]\nkey = \"Durham Area\"\nsource = \"a.zip\"\n",
    );
    let typo = write("typo.toml", "[geocodr]\nurl = \"https://x\"\n");
    let missing = dir.path().join("missing.toml").display().to_string();
    let cases: Vec<Case> = vec![
        (
            vec!["--config", &unknown],
            vec![],
            format!("error: config file {unknown}:4: unknown field `url`, expected `key` or `source`"),
        ),
        (
            vec!["--config", &dup],
            vec![],
            format!("error: config file {dup}:6: two feeds have the key 'a'; give each feed its own key"),
        ),
        (
            vec!["--config", &bad_key],
            vec![],
            format!("error: config file {bad_key}:2: feed key 'Durham Area' is not valid: use up to 32 of a-z, 0-9, '_' and '-'"),
        ),
        (
            vec![],
            vec![("GETHERE_CONFIG", typo.as_str())],
            format!("error: config file {typo}:1: unknown field `geocodr`"),
        ),
        (
            vec!["--config", &missing],
            vec![],
            format!("error: reading config file {missing}: no such file"),
        ),
        (
            vec![],
            vec![("GETHERE_FEED", "a=a.zip,a=b.zip")],
            "error: feeds of $GETHERE_FEED: two feeds have the key 'a'; give each feed its own key".into(),
        ),
        (
            vec!["--config", "data/triangle.toml", "--venues", "data/venues.toml"],
            vec![],
            "error: --venues 'data/venues.toml' is not valid: --config and --venues both name the region config file; give one".into(),
        ),
    ];
    for (args, env, expected) in cases {
        let mut c = bare(platform.path());
        for (k, v) in &env {
            c.env(k, v);
        }
        c.args(&args).args(["stops", "--near", "x"]);
        let (code, out, err) = run(c);
        assert_eq!((code, out.as_str()), (2, ""), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with(&expected), "{args:?}\n{err}\n{expected}");
    }
}

/// Several feeds from the environment make one region (`gethere config` shows them too).
#[test]
fn several_feeds_make_one_region() {
    let platform = tempfile::tempdir().unwrap();
    let a = fixture("overnight_trip").display().to_string();
    let b = trimet().display().to_string();
    let mut c = bare(platform.path());
    c.env("GETHERE_FEED", format!("night={a},portland={b}"))
        .args(["feed", "info", "--format", "json"]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["feeds"][0]["key"], "night");
    assert_eq!(v["feeds"][1]["key"], "portland");
    let v = config_json(
        platform.path(),
        &["--feed", &format!("night={a}"), "--feed", &b],
        &[],
    );
    assert_eq!(v["feeds"][0]["key"], "night");
    assert_eq!(v["feeds"][1]["source"], b.as_str());
    assert_eq!(v["feeds"][1]["exists"], true);
}
