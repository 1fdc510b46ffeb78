//! Fuzzing without a fuzzer binary: proptest generators that mangle a small valid feed, a
//! compiled cache file and user input, and check that gethere never panics — every outcome is
//! a value or a typed error. CI runs a bounded number of cases; set `GETHERE_FUZZ_CASES` (e.g.
//! 20000) to run longer locally.

use gethere::feed::load::read_raw;
use gethere::place::Place;
use gethere::time::{parse_date, parse_duration, parse_user_time};
use gethere::timetable::Timetable;
use gethere::timetable::cache::{read_cache, write_cache};
use gethere::timetable::compile::compile;
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn cases() -> u32 {
    std::env::var("GETHERE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// A small valid feed: two stops, one route, a trip past midnight, calendar + exceptions,
/// a frequency and a transfer.
pub(crate) const FEED: &[(&str, &str)] = &[
    (
        "agency.txt",
        "agency_id,agency_name,agency_url,agency_timezone\nA,Agency,https://a.example,America/Los_Angeles\n",
    ),
    (
        "stops.txt",
        "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station,wheelchair_boarding\nST,Station,45.52,-122.67,1,,1\nS1,One,45.5201,-122.6701,0,ST,0\nS2,Two,45.53,-122.66,0,,2\n",
    ),
    (
        "routes.txt",
        "route_id,agency_id,route_short_name,route_long_name,route_type,route_color\nR,A,1,Line One,3,FF0000\n",
    ),
    (
        "trips.txt",
        "route_id,service_id,trip_id,trip_headsign,wheelchair_accessible\nR,WK,T1,Two,1\nR,WK,T2,Two,0\n",
    ),
    (
        "stop_times.txt",
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence,stop_headsign,pickup_type,drop_off_type,shape_dist_traveled\nT1,23:50:00,23:50:00,S1,1,,0,0,0\nT1,,,S2,2,,0,0,500\nT1,25:10:00,25:10:00,ST,3,,0,0,900\nT2,08:00:00,08:00:00,S1,1,Two,0,1,\nT2,08:10:00,08:10:00,S2,2,,1,0,\n",
    ),
    (
        "calendar.txt",
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nWK,1,1,1,1,1,0,0,20211101,20211130\n",
    ),
    (
        "calendar_dates.txt",
        "service_id,date,exception_type\nWK,20211107,1\nWK,20211111,2\n",
    ),
    (
        "frequencies.txt",
        "trip_id,start_time,end_time,headway_secs,exact_times\nT2,08:00:00,09:00:00,600,0\n",
    ),
    (
        "transfers.txt",
        "from_stop_id,to_stop_id,transfer_type,min_transfer_time\nS1,S2,2,120\nS2,S2,3,\n",
    ),
];

pub(crate) fn write_feed(dir: &Path, files: &[(String, Vec<u8>)]) {
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

pub(crate) fn base_files() -> Vec<(String, Vec<u8>)> {
    FEED.iter()
        .map(|(n, c)| (n.to_string(), c.as_bytes().to_vec()))
        .collect()
}

/// The cache sections of the compact encodings, damaged one at a time.
const COMPACT: &[&str] = &[
    "stop_patterns.start",
    "stop_patterns.words",
    "stops.strings.ends",
    "stops.strings.bytes",
    "stops.names",
    "stops.parents",
    "stops.child_stops",
    "stops.kinds",
    "stops.wheelchair",
    "stops.by_id",
    "shapes.pattern_shape",
];

/// The base feed in `dir/feed`, compiled and cached under `dir/cache` as a query process would
/// find it: (feed, cache dir, content hash, cache file, the timetable).
fn cached_base(dir: &Path) -> (PathBuf, PathBuf, String, PathBuf, Timetable) {
    let feed = dir.join("feed");
    std::fs::create_dir(&feed).unwrap();
    write_feed(&feed, &base_files());
    let cache = dir.join("cache");
    let hash = gethere::feed::load::content_hash(&feed).unwrap();
    let path = gethere::timetable::cache::cache_path(&cache, &hash);
    let raw = read_raw(&feed).unwrap();
    let tt = compile(&raw, "fuzz", hash.clone()).unwrap();
    write_cache(&path, &tt).unwrap();
    (feed, cache, hash, path, tt)
}

/// Reading and compiling must give Ok or Err, never panic.
fn read_and_compile(dir: &Path) {
    if let Ok(raw) = read_raw(dir) {
        let _ = compile(&raw, "fuzz", "0".repeat(64));
    }
}

#[derive(Clone, Debug)]
enum Mutation {
    /// Replace a byte range of one file with random bytes.
    Splice {
        file: usize,
        at: usize,
        len: usize,
        bytes: Vec<u8>,
    },
    /// Cut one file at a position.
    Truncate { file: usize, at: usize },
    /// Replace one field of one line with a value likely to break parsers.
    Field {
        file: usize,
        line: usize,
        field: usize,
        value: String,
    },
    /// Remove a file.
    Remove { file: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let nasty = prop_oneof![
        Just(String::new()),
        Just("25:61:00".to_string()),
        Just("-1:00:00".to_string()),
        Just("99999999:00:00".to_string()),
        Just("2021-02-30".to_string()),
        Just("20210230".to_string()),
        Just("NaN".to_string()),
        Just("1e309".to_string()),
        Just("-91".to_string()),
        Just("\"a,b\nc\"".to_string()),
        Just("\u{feff}x".to_string()),
        Just("Mars/Olympus_Mons".to_string()),
        Just("x".repeat(100_000)),
        "[ -~]{0,12}",
        any::<i64>().prop_map(|n| n.to_string()),
    ];
    prop_oneof![
        (
            0..FEED.len(),
            0..400usize,
            0..8usize,
            proptest::collection::vec(any::<u8>(), 0..12)
        )
            .prop_map(|(file, at, len, bytes)| Mutation::Splice {
                file,
                at,
                len,
                bytes
            }),
        (0..FEED.len(), 0..400usize).prop_map(|(file, at)| Mutation::Truncate { file, at }),
        (0..FEED.len(), 0..6usize, 0..10usize, nasty).prop_map(|(file, line, field, value)| {
            Mutation::Field {
                file,
                line,
                field,
                value,
            }
        }),
        (0..FEED.len()).prop_map(|file| Mutation::Remove { file }),
    ]
}

fn apply(files: &mut [(String, Vec<u8>)], m: &Mutation) {
    match m {
        Mutation::Splice {
            file,
            at,
            len,
            bytes,
        } => {
            let f = &mut files[*file].1;
            let at = (*at).min(f.len());
            let end = (at + len).min(f.len());
            f.splice(at..end, bytes.iter().copied());
        }
        Mutation::Truncate { file, at } => {
            let f = &mut files[*file].1;
            let at = (*at).min(f.len());
            f.truncate(at);
        }
        Mutation::Field {
            file,
            line,
            field,
            value,
        } => {
            let text = String::from_utf8_lossy(&files[*file].1).into_owned();
            let mut lines: Vec<String> = text.lines().map(String::from).collect();
            if let Some(l) = lines.get_mut(*line) {
                let mut fields: Vec<String> = l.split(',').map(String::from).collect();
                if let Some(f) = fields.get_mut(*field) {
                    *f = value.clone();
                }
                *l = fields.join(",");
            }
            files[*file].1 = (lines.join("\n") + "\n").into_bytes();
        }
        Mutation::Remove { file } => {
            files[*file].1.clear();
            files[*file].0 = format!("removed-{}", files[*file].0);
        }
    }
}

#[test]
fn the_base_feed_compiles() {
    let dir = tempfile::tempdir().unwrap();
    write_feed(dir.path(), &base_files());
    let raw = read_raw(dir.path()).unwrap();
    let tt = compile(&raw, "fuzz", "0".repeat(64)).unwrap();
    assert_eq!(tt.meta.counts.trips, 2);
    assert_eq!(
        tt.meta.counts.trips_expanded, 7,
        "T1 + 6 frequency departures"
    );
    assert!(tt.meta.warnings.is_empty(), "{:?}", tt.meta.warnings);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mangled_feeds_never_panic(ms in proptest::collection::vec(mutation(), 1..4)) {
        let dir = tempfile::tempdir().unwrap();
        let mut files = base_files();
        for m in &ms {
            apply(&mut files, m);
        }
        write_feed(dir.path(), &files);
        read_and_compile(dir.path());
    }

    #[test]
    fn random_zip_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048), zip_header in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("feed.zip");
        let mut b = bytes;
        if zip_header {
            b.splice(0..0, *b"PK\x03\x04");
        }
        std::fs::write(&p, &b).unwrap();
        prop_assert!(read_raw(&p).is_err());
    }

    /// The memory-mapped cache checks structure, indices and a checksum of its small part on
    /// open, not a hash of the stop times (see timetable::cache): a damaged file is rejected,
    /// or it is used and every command still answers without panicking.
    #[test]
    fn damaged_cache_is_rejected_or_harmless(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6), cut in proptest::option::of(any::<usize>())) {
        use clap::Parser;
        let dir = tempfile::tempdir().unwrap();
        let (feed, cache, hash, path, tt) = cached_base(dir.path());
        let run = |cmd: &[&str]| {
            let mut args = vec!["gethere", "--feed", feed.to_str().unwrap(), "--cache-dir", cache.to_str().unwrap()];
            args.extend_from_slice(cmd);
            let _ = gethere::app::run(gethere::cli::Cli::try_parse_from(args).unwrap(), 0);
        };
        run(&["feed", "info"]);
        let mut bytes = std::fs::read(&path).unwrap();
        for (at, x) in flips {
            let i = at % bytes.len();
            bytes[i] ^= x;
        }
        if let Some(c) = cut {
            bytes.truncate(c % (bytes.len() + 1));
        }
        std::fs::write(&path, &bytes).unwrap();
        if let Ok(back) = read_cache(&path, &hash) {
            prop_assert_eq!(back.arr.len(), tt.arr.len());
            prop_assert_eq!(back.stops.len(), tt.stops.len());
            for s in back.stops.iter() {
                let _ = (&s.name, s.parent);
            }
        }
        for q in [
            &["plan", "--from", "stop:S1", "--to", "stop:S2", "--depart-at", "2021-11-02T07:55", "--streets", "none"][..],
            &["plan", "--from", "stop:S1", "--to", "stop:ST", "--arrive-by", "2021-11-03T02:00", "--streets", "none", "--window", "2h"][..],
            &["plan", "--from", "45.52,-122.67", "--to", "stop:S2", "--depart-at", "2021-11-02T07:55", "--streets", "none", "--format", "json"][..],
        ] {
            std::fs::write(&path, &bytes).unwrap();
            run(q);
        }
    }

    /// The compact encodings (packed stop → pattern words, front-coded stop strings, sparse
    /// parents, elided columns, the pattern → shape table) damaged inside their own sections:
    /// rejected on open, or every reader of them still answers without panicking.
    #[test]
    fn damaged_compact_sections_are_rejected_or_harmless(section in 0..COMPACT.len(), flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..4)) {
        use clap::Parser;
        let dir = tempfile::tempdir().unwrap();
        let (feed, cache, hash, path, _) = cached_base(dir.path());
        let mut bytes = std::fs::read(&path).unwrap();
        // The section table starts at byte 160: (offset u64, length u64) per flat field.
        let sizes = gethere::timetable::cache::section_sizes(&path).unwrap();
        let k = sizes.iter().skip(2).position(|s| s.0 == COMPACT[section]).unwrap();
        let at = 160 + 16 * k;
        let off = u64::from_ne_bytes(bytes[at..at + 8].try_into().unwrap()) as usize;
        let len = sizes[2 + k].1 as usize;
        prop_assume!(len > 0);
        for (i, x) in flips {
            bytes[off + i % len] ^= x;
        }
        std::fs::write(&path, &bytes).unwrap();
        if let Ok(back) = read_cache(&path, &hash) {
            for s in 0..back.stops.len() {
                let st = &back.stops[s];
                let _ = (&st.name, &st.code, st.parent, st.location_type);
                let _ = back.stops.with_id(&st.id).count();
                let idx = gethere::timetable::StopIdx(s as u32);
                for (p, pos) in back.patterns_at(idx) {
                    prop_assert!(pos < back.patterns[p.ix()].num_stops);
                }
            }
            let _ = back.stop_and_children(gethere::timetable::StopIdx(0));
            for p in 0..back.patterns.len() {
                let _ = back.shapes.pattern_line(&back, gethere::timetable::PatternIdx(p as u32));
            }
        }
        let run = |cmd: &[&str]| {
            let mut args = vec!["gethere", "--feed", feed.to_str().unwrap(), "--cache-dir", cache.to_str().unwrap()];
            args.extend_from_slice(cmd);
            let _ = gethere::app::run(gethere::cli::Cli::try_parse_from(args).unwrap(), 0);
        };
        for q in [
            &["plan", "--from", "stop:S1", "--to", "stop:S2", "--depart-at", "2021-11-02T07:55", "--streets", "none"][..],
            &["plan", "--from", "Station", "--to", "Two", "--arrive-by", "2021-11-03T02:00", "--streets", "none", "--format", "json"][..],
            &["stops", "--near", "45.52,-122.67"][..],
        ] {
            std::fs::write(&path, &bytes).unwrap();
            run(q);
        }
    }

    #[test]
    fn user_input_never_panics(s in "\\PC{0,40}", near in "[0-9T:+Z -]{0,24}") {
        let tz = chrono_tz::America::Los_Angeles;
        let _ = parse_user_time(&s, tz);
        let _ = parse_user_time(&near, tz);
        let _ = parse_duration(&s);
        let _ = parse_duration(&near);
        let _ = parse_date(&near);
        let _ = Place::parse(&s);
        let _ = Place::parse(&near);
    }

    #[test]
    fn near_valid_times_parse_or_explain(y in 1900i32..2200, mo in 0u32..14, d in 0u32..33, h in 0u32..26, mi in 0u32..61) {
        let s = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}");
        match parse_user_time(&s, chrono_tz::America::Los_Angeles) {
            Ok(_) => prop_assert!((1..=12).contains(&mo) && d >= 1 && h < 24 && mi < 60),
            Err(e) => prop_assert!(e.to_string().contains(&s)),
        }
    }
}

#[test]
fn absurd_hours_skip_the_trip_instead_of_panicking() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = base_files();
    let st = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nT1,99999999:00:00,99999999:00:00,S1,1\nT1,10:00:00,10:00:00,S2,2\nT2,08:00:00,08:00:00,S1,1\nT2,08:10:00,08:10:00,S2,2\n";
    files
        .iter_mut()
        .find(|f| f.0 == "stop_times.txt")
        .unwrap()
        .1 = st.as_bytes().to_vec();
    write_feed(dir.path(), &files);
    let raw = read_raw(dir.path()).unwrap();
    let tt = compile(&raw, "fuzz", "0".repeat(64)).unwrap();
    assert!(
        tt.meta
            .warnings
            .iter()
            .any(|w| w.contains("trip T1") && w.contains("skipped")),
        "{:?}",
        tt.meta.warnings
    );
}

#[test]
fn absurd_frequencies_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = base_files();
    let f = "trip_id,start_time,end_time,headway_secs,exact_times\nT2,00:00:00,160:00:00,1,0\nT2,08:00:00,4000000:00:00,600,0\nT2,08:00:00,09:00:00,0,0\n";
    files
        .iter_mut()
        .find(|x| x.0 == "frequencies.txt")
        .unwrap()
        .1 = f.as_bytes().to_vec();
    write_feed(dir.path(), &files);
    let raw = read_raw(dir.path()).unwrap();
    let tt = compile(&raw, "fuzz", "0".repeat(64)).unwrap();
    assert_eq!(tt.meta.counts.trips_expanded, 1, "only T1 remains");
    assert!(
        tt.meta
            .warnings
            .iter()
            .filter(|w| w.contains("frequencies.txt"))
            .count()
            >= 3,
        "{:?}",
        tt.meta.warnings
    );
}

#[test]
fn a_frequency_template_arriving_before_it_departs_does_not_underflow() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = base_files();
    let st = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nT1,23:50:00,23:50:00,S1,1\nT1,25:10:00,25:10:00,S2,2\nT2,07:55:00,08:00:00,S1,1\nT2,08:10:00,08:10:00,S2,2\n";
    files
        .iter_mut()
        .find(|f| f.0 == "stop_times.txt")
        .unwrap()
        .1 = st.as_bytes().to_vec();
    write_feed(dir.path(), &files);
    let raw = read_raw(dir.path()).unwrap();
    let tt = compile(&raw, "fuzz", "0".repeat(64)).unwrap();
    assert_eq!(tt.meta.counts.trips_expanded, 7);
}

#[test]
fn services_that_never_run_make_the_feed_unusable() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = base_files();
    for (name, content) in [
        (
            "calendar.txt",
            "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nWK,0,0,0,0,0,0,0,20211101,20211130\n",
        ),
        (
            "calendar_dates.txt",
            "service_id,date,exception_type\nWK,20211111,2\n",
        ),
    ] {
        files.iter_mut().find(|f| f.0 == name).unwrap().1 = content.as_bytes().to_vec();
    }
    write_feed(dir.path(), &files);
    let raw = read_raw(dir.path()).unwrap();
    let e = compile(&raw, "fuzz", "0".repeat(64))
        .unwrap_err()
        .to_string();
    assert!(e.contains("no trip runs on any day"), "{e}");
}

/// A small map in both formats' worth of shapes, to mangle.
const MAP_XML: &str = r#"<?xml version="1.0"?>
<osm version="0.6">
  <node id="1" lat="45.5" lon="-122.6"/>
  <node id="2" lat="45.501" lon="-122.6"/>
  <node id="3" lat="45.501" lon="-122.599"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="footway"/><tag k="name" v="A"/></way>
  <way id="11"><nd ref="3"/><nd ref="1"/><tag k="highway" v="steps"/></way>
</osm>
"#;

/// The bundled map's first bytes: a valid PBF header and the start of its data.
fn pbf_prefix() -> Vec<u8> {
    gethere::walk::BUNDLED_MAP[..4096.min(gethere::walk::BUNDLED_MAP.len())].to_vec()
}

/// Reads and builds, then snaps and searches whatever was built: nothing may panic.
fn read_build_search(bytes: &[u8]) {
    if let Ok(g) = gethere::walk::build_graph(bytes, "fuzz.osm") {
        let p = gethere::walk::Profile::default();
        if let Some(s) = g.snap(45.5005, -122.5995, 300.0, p) {
            let t = g.grow(&g.sources(&s), 1000.0, p);
            let _ = g.path(&t, &s, &s);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mangled_maps_never_panic(
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..8),
        cut in proptest::option::of(any::<usize>()),
        pbf in any::<bool>(),
    ) {
        let mut bytes = if pbf {
            let b = gethere::walk::BUNDLED_MAP;
            // Mangle a copy of the real file (the whole of it: truncation cuts blobs).
            b.to_vec()
        } else {
            MAP_XML.as_bytes().to_vec()
        };
        for (i, v) in &flips {
            let n = bytes.len();
            bytes[i % n] = *v;
        }
        if let Some(c) = cut {
            let n = bytes.len();
            bytes.truncate(c % (n + 1));
        }
        read_build_search(&bytes);
    }

    #[test]
    fn random_map_bytes_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..512), head in 0u8..3) {
        let mut bytes = match head {
            0 => b"<osm>".to_vec(),
            1 => pbf_prefix(),
            _ => Vec::new(),
        };
        bytes.extend(tail);
        read_build_search(&bytes);
    }
}
