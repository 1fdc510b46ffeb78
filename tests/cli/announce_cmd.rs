//! `gethere announce`: every format for bundled venues on the bundled feed (snapshots), and
//! what cron users rely on: identical bytes run to run, atomic writes that leave unchanged
//! files alone, refusing stale dates, and exit 1 when no transit reaches the venue.

use crate::common::{gethere, gethere_args, run};

const NEW_RELIC: [&str; 7] = [
    "announce",
    "--venue",
    "new-relic",
    "--start",
    "2021-11-02T17:30",
    "--end",
    "2021-11-02T19:30",
];

fn announce(format: &str) -> String {
    let mut a: Vec<&str> = vec!["--format", format, "--now", "2021-10-30T12:00"];
    a.extend(NEW_RELIC);
    let (code, out, err) = gethere_args(&a);
    assert_eq!(code, 0, "{err}");
    out
}

#[test]
fn markdown() {
    let out = announce("markdown");
    assert!(out.starts_with("## Getting to New Relic (US Bancorp Tower) by transit"));
    assert!(
        out.contains("- **MAX Green Line** (light rail) — towards City Center/PSU: every 15 min"),
        "{out}"
    );
    insta::assert_snapshot!("announce_new_relic_md", out);
}

#[test]
fn text() {
    insta::assert_snapshot!("announce_new_relic_txt", announce("text"));
}

#[test]
fn json() {
    let out = announce("json");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["venue"]["key"], "new-relic");
    assert_eq!(v["reachable"], true);
    assert!(
        !v["journeys"][0]["options"][0]["itinerary"]["legs"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    insta::assert_snapshot!("announce_new_relic_json", out);
}

#[test]
fn html_is_a_valid_self_contained_fragment() {
    let out = announce("html");
    let doc = scraper::Html::parse_fragment(&out);
    assert!(doc.errors.is_empty(), "HTML parse errors: {:?}", doc.errors);
    for banned in ["<script", "<link", "src=", "url("] {
        assert!(
            !out.contains(banned),
            "external resource or script: {banned}"
        );
    }
    let sel = scraper::Selector::parse("section.gethere h2").unwrap();
    let h2: String = doc.select(&sel).next().unwrap().text().collect();
    assert_eq!(h2, "Getting to New Relic (US Bancorp Tower) by transit");
    insta::assert_snapshot!("announce_new_relic_html", elide_maps(&out));
}

/// The HTML with each inline map cut down to its `<title>`: the maps' drawing is pinned by
/// their own snapshot (maps_cmd), the page's by this one.
fn elide_maps(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find("<svg ") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find("</svg>").map_or(rest.len(), |e| i + e + 6);
        let svg = &rest[i..end];
        let title = svg
            .find("<title")
            .and_then(|a| svg[a..].find("</title>").map(|b| &svg[a..a + b + 8]))
            .unwrap_or("");
        out.push_str(&format!("<svg …>{title}…</svg>"));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn ics_is_rfc5545_with_the_venue_time_zone() {
    let out = announce("ics");
    let unfolded = icalendar::parser::unfold(&out);
    let cal = icalendar::parser::read_calendar(&unfolded).expect("parses as iCalendar");
    let ev = cal
        .components
        .iter()
        .find(|c| c.name == "VEVENT")
        .expect("a VEVENT");
    let prop = |n: &str| {
        ev.properties
            .iter()
            .find(|p| p.name == n)
            .map(|p| p.val.to_string())
    };
    assert!(
        out.contains("DTSTART;TZID=America/Los_Angeles:20211102T173000"),
        "{out}"
    );
    assert!(
        out.contains("DTEND;TZID=America/Los_Angeles:20211102T193000"),
        "{out}"
    );
    assert!(
        out.contains("BEGIN:VTIMEZONE\r\nTZID:America/Los_Angeles"),
        "{out}"
    );
    assert_eq!(prop("DTSTAMP").as_deref(), Some("20211030T120000Z"));
    assert!(
        prop("LOCATION")
            .unwrap()
            .starts_with("New Relic (US Bancorp Tower)")
    );
    assert!(
        prop("DESCRIPTION")
            .unwrap()
            .contains("SW 5th & Oak MAX Station")
    );
    insta::assert_snapshot!("announce_new_relic_ics", out);
}

#[test]
fn two_runs_give_identical_bytes() {
    for f in ["markdown", "text", "html", "json", "ics"] {
        assert_eq!(announce(f), announce(f), "{f}");
    }
}

#[test]
fn output_is_atomic_and_unchanged_files_are_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("transit.md");
    let write = |quiet: bool| {
        let mut c = gethere();
        c.args(NEW_RELIC).arg("--output").arg(&path);
        if quiet {
            c.arg("--quiet");
        }
        run(c)
    };
    let (code, out, err) = write(false);
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty() && err.contains("wrote"), "{err}");
    let first = std::fs::read(&path).unwrap();
    let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (code, _, err) = write(false);
    assert_eq!(code, 0);
    assert!(err.contains("unchanged"), "{err}");
    assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), mtime);
    assert_eq!(std::fs::read(&path).unwrap(), first);
    let (code, out, err) = write(true);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
    // Nothing but the output in the directory: no temporary files left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn a_failed_run_leaves_the_output_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("transit.md");
    std::fs::write(&path, "previous announcement\n").unwrap();
    let mut c = gethere();
    c.args([
        "announce",
        "--venue",
        "new-relic",
        "--start",
        "2031-01-07T17:30",
        "--output",
    ])
    .arg(&path);
    let (code, _, err) = run(c);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--allow-stale"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "previous announcement\n"
    );
}

#[test]
fn allow_stale_uses_the_same_weekday_and_says_so() {
    let (code, out, err) = gethere_args(&[
        "announce",
        "--venue",
        "new-relic",
        "--start",
        "2026-12-01T17:30",
        "--allow-stale",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("**Tuesday 1 December 2026**"), "{out}");
    assert!(out.contains("> **Caution:** The timetable does not cover Tuesday 1 December 2026. These directions use the timetable for Tuesday 4 January 2022"), "{out}");
}

#[test]
fn a_venue_no_transit_reaches_exits_1_and_says_so() {
    let (code, out, err) = gethere_args(&[
        "announce",
        "--venue",
        "pdx-airport",
        "--start",
        "2021-11-02T17:30",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("No transit stop is within walking distance of the venue."),
        "{out}"
    );
    assert!(
        err.contains("no transit serves the stops near Portland International Airport"),
        "{err}"
    );
}

#[test]
fn last_trips_home_cross_midnight_and_warn_when_close() {
    let (code, out, _) = gethere_args(&[
        "announce",
        "--venue",
        "oregon-convention-center",
        "--start",
        "2021-11-06T20:00",
        "--end",
        "2021-11-06T23:45",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let last = v["last_departures"].as_array().unwrap();
    assert!(
        last.iter()
            .any(|l| l["text"].as_str().unwrap().contains("(Sun 7 Nov)")),
        "{out}"
    );
    assert!(last.iter().any(|l| !l["warning"].is_null()), "{out}");
}
