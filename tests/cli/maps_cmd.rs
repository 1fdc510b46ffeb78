//! Maps: `announce --map`, `announce --format html`, `plan --map`, `stops --map`. The SVG is
//! parsed (roxmltree) and its elements counted against the command's own JSON answer; every
//! bundled venue's map is rendered to PNG with resvg (text included) so a person can look at
//! it (`GETHERE_MAP_PNG_DIR=dir` keeps the PNGs); without a street map and for a feed without
//! shapes.txt the map still draws what it has.

use crate::common::{fixture, gethere, gethere_args, gethere_on, root, run};
use std::path::Path;

const START: &str = "2021-11-02T17:30";

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Elements of `doc` with this `class`.
fn class<'a>(doc: &'a roxmltree::Document, name: &str) -> Vec<roxmltree::Node<'a, 'a>> {
    doc.descendants()
        .filter(|n| n.attribute("class") == Some(name))
        .collect()
}

/// The text of every `<text>` (rows of a two-line label joined by a space).
fn texts(doc: &roxmltree::Document) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            let rows: Vec<&str> = n
                .descendants()
                .filter(|d| d.is_text())
                .filter_map(|d| d.text())
                .collect();
            rows.join(" ")
        })
        .collect()
}

/// `announce --map` for `venue`: (exit code, svg, stdout).
fn venue_map(venue: &str, extra: &[&str]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(format!("{venue}.svg"));
    let mut a = vec!["announce", "--venue", venue, "--start", START, "--map"];
    let f = file.to_str().unwrap().to_string();
    a.push(&f);
    a.extend(extra);
    let (code, out, err) = gethere_args(&a);
    assert!(code == 0 || code == 1, "{err}");
    assert!(err.contains("wrote"), "{err}");
    (code, read(&file), out)
}

fn announce_json(venue: &str) -> serde_json::Value {
    let (_, out, err) = gethere_args(&[
        "announce", "--venue", venue, "--start", START, "--format", "json",
    ]);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"))
}

#[test]
fn venue_map_has_one_path_per_line_one_symbol_per_stop_and_the_venue() {
    let (code, svg, md) = venue_map("new-relic", &[]);
    assert_eq!(code, 0);
    let doc = roxmltree::Document::parse(&svg).expect("the SVG parses");
    let root_el = doc.root_element();
    assert!(root_el.has_tag_name("svg"));
    assert_eq!(root_el.attribute("role"), Some("img"));
    let title = root_el
        .children()
        .find(|n| n.has_tag_name("title"))
        .and_then(|n| n.text())
        .unwrap();
    assert!(title.contains("New Relic"), "{title}");
    let desc = root_el
        .children()
        .find(|n| n.has_tag_name("desc"))
        .and_then(|n| n.text())
        .unwrap();
    assert!(desc.contains("SW 5th & Oak MAX Station"), "{desc}");

    // The announcement's own answer says what must be drawn.
    let a = announce_json("new-relic");
    let lines = a["lines"].as_array().unwrap();
    let platforms: usize = a["stops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stop_ids"].as_array().unwrap().len())
        .sum();
    let drawn = class(&doc, "line");
    assert_eq!(drawn.len(), lines.len(), "one path per line:\n{svg}");
    for l in lines {
        let name = l["name"].as_str().unwrap();
        assert!(
            drawn.iter().any(|p| p
                .children()
                .any(|c| c.has_tag_name("title") && c.text().unwrap_or("").starts_with(name))),
            "{name} drawn"
        );
    }
    assert_eq!(class(&doc, "stop").len(), platforms, "one symbol per stop");
    assert_eq!(class(&doc, "venue").len(), 1);
    assert_eq!(class(&doc, "entrance").len(), 1);
    assert!(!class(&doc, "street-major").is_empty(), "streets drawn");
    let t = texts(&doc);
    assert!(
        t.iter().any(|x| x == "New Relic (US Bancorp Tower)"),
        "{t:?}"
    );
    assert!(t.iter().any(|x| x == "SW 5th & Oak"), "{t:?}");
    assert!(
        t.iter().any(|x| x.contains("© OpenStreetMap contributors")),
        "{t:?}"
    );
    assert!(t.iter().any(|x| x.contains("TriMet")), "{t:?}");
    assert!(t.iter().any(|x| x.ends_with(" m")), "scale bar: {t:?}");
    assert!(t.iter().any(|x| x == "N"), "north arrow: {t:?}");
    // Self-contained: nothing fetched from elsewhere, no script.
    assert!(!svg.contains("<script") && !svg.contains("href=") && !svg.contains("@import"));
    assert!(svg.len() < 200_000, "{} bytes", svg.len());
    // Markdown on stdout links the map (by its path: stdout is not next to it).
    assert!(
        md.contains("[Map of the venue and its nearest stops]("),
        "{md}"
    );
    insta::assert_snapshot!("map_new_relic_svg", svg);
}

#[test]
fn the_same_inputs_give_the_same_bytes() {
    let (_, a, _) = venue_map("oregon-convention-center", &[]);
    let (_, b, _) = venue_map("oregon-convention-center", &[]);
    assert_eq!(a, b);
}

/// Renders an SVG with resvg (system fonts, so labels are drawn) and returns the image.
fn render_png(svg: &str) -> resvg::tiny_skia::Pixmap {
    let mut opt = resvg::usvg::Options::default();
    opt.fontdb_mut().load_system_fonts();
    let tree = resvg::usvg::Tree::from_str(svg, &opt).expect("usvg parses the map");
    let size = tree.size().to_int_size();
    let mut pm = resvg::tiny_skia::Pixmap::new(size.width() * 2, size.height() * 2).unwrap();
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(2.0, 2.0),
        &mut pm.as_mut(),
    );
    pm
}

/// Renders `svg` and keeps the PNG as `name`.png in `GETHERE_MAP_PNG_DIR`, when set.
fn look(name: &str, svg: &str) -> resvg::tiny_skia::Pixmap {
    let pm = render_png(svg);
    if let Some(d) = std::env::var_os("GETHERE_MAP_PNG_DIR") {
        let d = std::path::PathBuf::from(d);
        std::fs::create_dir_all(&d).unwrap();
        pm.save_png(d.join(format!("{name}.png"))).unwrap();
        // And as printed in grayscale (luminance), to check the map reads without colour.
        let mut grey = pm.clone();
        for p in grey.pixels_mut() {
            let y = (0.299 * p.red() as f64 + 0.587 * p.green() as f64 + 0.114 * p.blue() as f64)
                .round()
                .min(p.alpha() as f64) as u8;
            *p = resvg::tiny_skia::PremultipliedColorU8::from_rgba(y, y, y, p.alpha()).unwrap();
        }
        grey.save_png(d.join(format!("{name}-grey.png"))).unwrap();
    }
    pm
}

#[test]
fn every_bundled_venue_renders_to_png() {
    let venues = read(&root().join("data/venues.toml"));
    let keys: Vec<String> = venues
        .lines()
        .filter_map(|l| l.strip_prefix("[venues.")?.strip_suffix(']'))
        .map(str::to_string)
        .collect();
    assert!(keys.len() >= 9, "{keys:?}");
    for key in &keys {
        let (_, svg, _) = venue_map(key, &[]);
        let pm = look(key, &svg);
        // Something is drawn: dark ink (text, symbols) on a light map.
        let dark = pm
            .pixels()
            .iter()
            .filter(|p| p.red() < 80 && p.green() < 80 && p.blue() < 80)
            .count();
        assert!(dark > 500, "{key}: only {dark} dark pixels");
    }
}

#[test]
fn html_embeds_the_venue_map_and_a_last_mile_map_per_journey() {
    let (code, html, err) = gethere_args(&[
        "announce",
        "--venue",
        "new-relic",
        "--start",
        START,
        "--format",
        "html",
    ]);
    assert_eq!(code, 0, "{err}");
    let a = announce_json("new-relic");
    let options: usize = a["journeys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["options"].as_array().unwrap().len())
        .sum();
    assert!(options >= 3);
    assert_eq!(html.matches("<svg ").count(), 1 + options, "{html}");
    // The venue map comes with "Nearest stops", before the lines.
    let (stops_at, svg_at, lines_at) = (
        html.find("Nearest stops").unwrap(),
        html.find("<svg ").unwrap(),
        html.find(">Lines ").unwrap(),
    );
    assert!(stops_at < svg_at && svg_at < lines_at);
    // Ids are unique on the page.
    let mut ids: Vec<&str> = html
        .match_indices(" id=\"")
        .map(|(i, _)| {
            let rest = &html[i + 5..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "duplicate ids");
    // Each inline map parses on its own.
    for (i, part) in html.split("<svg ").skip(1).enumerate() {
        let svg = format!("<svg {}</svg>", &part[..part.find("</svg>").unwrap()]);
        roxmltree::Document::parse(&svg).expect("inline map parses");
        look(&format!("html-new-relic-{i}"), &svg);
    }
}

#[test]
fn announce_map_is_atomic_unchanged_and_linked_next_to_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("transit.md");
    let map = dir.path().join("venue map.svg");
    let args = |c: &mut assert_cmd::Command| {
        c.args([
            "announce",
            "--venue",
            "new-relic",
            "--start",
            START,
            "--output",
        ])
        .arg(&md)
        .arg("--map")
        .arg(&map);
    };
    let mut c = gethere();
    args(&mut c);
    let (code, _, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(&format!("wrote {}", map.display())), "{err}");
    assert!(read(&md).contains("[Map of the venue and its nearest stops](venue%20map.svg)"));
    let mut c = gethere();
    args(&mut c);
    let (_, _, err) = run(c);
    assert!(
        err.contains(&format!("unchanged: {}", map.display())),
        "{err}"
    );
    // No temporary files left behind.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn a_map_that_cannot_be_written_is_one_error_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    // A directory where the file should be.
    let (code, _, err) = gethere_args(&[
        "announce",
        "--venue",
        "new-relic",
        "--start",
        START,
        "--map",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.starts_with("error:"), "{err}");
    let same = dir.path().join("x.md");
    let s = same.to_str().unwrap();
    let (code, _, err) = gethere_args(&[
        "announce",
        "--venue",
        "new-relic",
        "--start",
        START,
        "--map",
        s,
        "--output",
        s,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--map"), "{err}");
    assert!(!same.exists());
}

#[test]
fn without_a_street_map_the_map_draws_lines_stops_and_venue() {
    let (_, svg, _) = venue_map("oregon-convention-center", &["--streets", "none"]);
    let doc = roxmltree::Document::parse(&svg).unwrap();
    assert!(class(&doc, "street-major").is_empty() && class(&doc, "street-minor").is_empty());
    assert!(!class(&doc, "line").is_empty());
    assert!(!class(&doc, "stop").is_empty());
    assert_eq!(class(&doc, "venue").len(), 1);
    let t = texts(&doc);
    assert!(!t.iter().any(|x| x.contains("OpenStreetMap")), "{t:?}");
    look("occ-no-streets", &svg);
}

#[test]
fn plan_map_draws_the_first_itinerary() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan.svg");
    let (code, _, err) = gethere_args(&[
        "plan",
        "--from",
        "union-station",
        "--to",
        "oregon-convention-center",
        "--arrive-by",
        START,
        "--map",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let svg = read(&file);
    let doc = roxmltree::Document::parse(&svg).unwrap();
    // The JSON answer's first itinerary: one drawn line per route ridden, its walks.
    let (_, out, _) = gethere_args(&[
        "plan",
        "--from",
        "union-station",
        "--to",
        "oregon-convention-center",
        "--arrive-by",
        START,
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let legs = v["itineraries"][0]["legs"].as_array().unwrap();
    let mut routes: Vec<&str> = legs
        .iter()
        .filter_map(|l| l["route"]["id"].as_str())
        .collect();
    routes.sort();
    routes.dedup();
    assert!(!routes.is_empty());
    assert_eq!(class(&doc, "line").len(), routes.len(), "{svg}");
    assert_eq!(class(&doc, "walk").len(), 1);
    assert_eq!(class(&doc, "venue").len(), 1, "the destination venue");
    assert_eq!(class(&doc, "place-start").len(), 1);
    let desc = doc
        .descendants()
        .find(|n| n.has_tag_name("desc"))
        .and_then(|n| n.text())
        .unwrap();
    assert!(desc.contains("Ride "), "{desc}");
    look("plan-union-station-occ", &svg);
}

#[test]
fn stops_map_draws_the_stops_found() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("stops.svg");
    let f = file.to_str().unwrap();
    let (code, _, err) = gethere_args(&["stops", "--near", "psu", "--map", f]);
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = gethere_args(&["stops", "--near", "psu", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let n = v["stops"].as_array().unwrap().len();
    let doc_text = read(&file);
    let doc = roxmltree::Document::parse(&doc_text).unwrap();
    assert_eq!(class(&doc, "stop").len(), n);
    assert_eq!(class(&doc, "venue").len(), 1);
    look("stops-psu", &doc_text);
}

#[test]
fn a_feed_without_shapes_draws_lines_stop_to_stop() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fixture.svg");
    let feed = fixture("parent_station");
    assert!(!feed.join("shapes.txt").exists());
    let stops = read(&feed.join("stops.txt"));
    // The first stop's coordinates, from the fixture itself.
    let header: Vec<&str> = stops.lines().next().unwrap().split(',').collect();
    let row: Vec<&str> = stops.lines().nth(1).unwrap().split(',').collect();
    let col = |n: &str| row[header.iter().position(|h| *h == n).unwrap()];
    let near = format!("{},{}", col("stop_lat"), col("stop_lon"));
    let mut c = gethere_on(&feed);
    c.args(["stops", "--near", &near, "--radius", "2000", "--map"])
        .arg(&file);
    let (code, _, err) = run(c);
    assert!(code == 0, "{err}");
    let svg = read(&file);
    let doc = roxmltree::Document::parse(&svg).unwrap();
    assert!(!class(&doc, "line").is_empty(), "{svg}");
    assert!(!class(&doc, "stop").is_empty());
    look("fixture-no-shapes", &svg);
}

#[test]
fn an_unreadable_shapes_file_is_a_warning_and_lines_run_stop_to_stop() {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("feed");
    std::fs::create_dir(&feed).unwrap();
    for e in std::fs::read_dir(fixture("parent_station")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), feed.join(e.file_name())).unwrap();
    }
    std::fs::write(
        feed.join("shapes.txt"),
        "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\nA,notanumber,1,x\n",
    )
    .unwrap();
    let mut c = gethere_on(&feed);
    c.args(["feed", "check"]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("shapes.txt:2:") && out.contains("stop to stop"),
        "{out}"
    );
    let file = dir.path().join("m.svg");
    let mut c = gethere_on(&feed);
    c.args([
        "stops",
        "--near",
        "45.52,-122.675",
        "--radius",
        "2000",
        "--map",
    ])
    .arg(&file);
    let (code, _, err) = run(c);
    assert_eq!(code, 0, "{err}");
    let svg = read(&file);
    let doc = roxmltree::Document::parse(&svg).unwrap();
    assert_eq!(class(&doc, "line").len(), 1, "{svg}");
}
