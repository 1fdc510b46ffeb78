//! A corpus of broken feeds, each built from the small valid feed of the fuzz module, run
//! through the real binary. Per kind the outcome is strict (unusable: `feed check` exits 2
//! naming the file and line where the reader gives one, `feed info` prints one `error:` line)
//! or lenient (usable: the offending rows are skipped with a warning naming file, line and
//! id). Never a panic.

use crate::common::{gethere_on, run};
use crate::fuzz::{base_files, write_feed};
use std::path::{Path, PathBuf};

/// How a case is made from the base feed.
enum Make {
    /// Replace (or add) a file's content.
    Set(&'static str, String),
    /// Remove a file.
    Remove(&'static str),
    /// Turn every file's line endings to CRLF.
    Crlf,
    /// Write a zip of the feed, then damage it.
    Zip(fn(Vec<u8>) -> Vec<u8>),
}

fn build(dir: &Path, make: &Make) -> PathBuf {
    let mut files = base_files();
    match make {
        Make::Set(name, content) => match files.iter_mut().find(|f| f.0 == *name) {
            Some(f) => f.1 = content.clone().into_bytes(),
            None => files.push((name.to_string(), content.clone().into_bytes())),
        },
        Make::Remove(name) => files.retain(|f| f.0 != *name),
        Make::Crlf => {
            for f in &mut files {
                f.1 = String::from_utf8_lossy(&f.1)
                    .replace('\n', "\r\n")
                    .into_bytes();
            }
        }
        Make::Zip(damage) => {
            let mut buf = std::io::Cursor::new(Vec::new());
            {
                let mut z = zip::ZipWriter::new(&mut buf);
                for (n, c) in &files {
                    z.start_file(n.as_str(), zip::write::SimpleFileOptions::default())
                        .unwrap();
                    std::io::Write::write_all(&mut z, c).unwrap();
                }
                z.finish().unwrap();
            }
            let p = dir.join("feed.zip");
            std::fs::write(&p, damage(buf.into_inner())).unwrap();
            return p;
        }
    }
    let p = dir.join("feed");
    std::fs::create_dir_all(&p).unwrap();
    write_feed(&p, &files);
    p
}

fn stop_times(rows: &str) -> String {
    format!("trip_id,arrival_time,departure_time,stop_id,stop_sequence\n{rows}")
}

/// (name, how, usable?, words the report must contain)
fn corpus() -> Vec<(&'static str, Make, bool, Vec<&'static str>)> {
    let base_st = "T1,23:50:00,23:50:00,S1,1\nT1,25:10:00,25:10:00,S2,2\nT2,08:00:00,08:00:00,S1,1\nT2,08:10:00,08:10:00,S2,2\n";
    vec![
        ("missing stops.txt", Make::Remove("stops.txt"), false, vec!["stops.txt"]),
        ("missing agency.txt", Make::Remove("agency.txt"), false, vec!["agency.txt"]),
        ("empty (0-byte) calendar_dates.txt", Make::Set("calendar_dates.txt", String::new()), true, vec![]),
        ("time 25:61:00", Make::Set("stop_times.txt", stop_times("T1,25:01:00,25:01:00,S1,1\nT1,25:61:00,25:61:00,S2,2\n")), true, vec!["stop_times.txt:3", "arrival_time '25:61:00'"]),
        ("stop_times without departure_time column", Make::Set("stop_times.txt", "trip_id,arrival_time,stop_id,stop_sequence\nT1,08:00:00,S1,1\nT1,08:10:00,S2,2\n".into()), false, vec!["stop_times.txt:2", "missing field `departure_time`"]),
        ("stop_times without stop_id column", Make::Set("stop_times.txt", "trip_id,arrival_time,departure_time,stop_sequence\nT1,08:00:00,08:00:00,1\n".into()), false, vec!["stop_times.txt"]),
        ("UTF-8 BOM", Make::Set("stops.txt", format!("\u{feff}{}", crate::fuzz::FEED[1].1)), true, vec![]),
        ("CRLF line endings", Make::Crlf, true, vec![]),
        ("quoted fields with commas and newlines", Make::Set("stops.txt", "stop_id,stop_name,stop_lat,stop_lon\nS1,\"One, \"\"the first\"\"\nplatform\",45.52,-122.67\nS2,Two,45.53,-122.66\nST,Station,45.52,-122.67\n".into()), true, vec![]),
        ("empty stops.txt", Make::Set("stops.txt", String::new()), false, vec!["stops.txt"]),
        ("header-only stops.txt", Make::Set("stops.txt", "stop_id,stop_name,stop_lat,stop_lon\n".into()), false, vec!["no trip has usable stop times"]),
        ("time -1:00:00", Make::Set("stop_times.txt", stop_times("T1,-1:00:00,-1:00:00,S1,1\nT1,08:10:00,08:10:00,S2,2\n")), false, vec!["stop_times.txt"]),
        ("time 99999999:00:00", Make::Set("stop_times.txt", stop_times(&format!("T1,99999999:00:00,99999999:00:00,S1,1\nT1,08:10:00,08:10:00,S2,2\n{}", "T2,08:00:00,08:00:00,S1,1\nT2,08:10:00,08:10:00,S2,2\n"))), true, vec!["trip T1", "beyond 168:00:00"]),
        ("times running backwards", Make::Set("stop_times.txt", stop_times("T1,09:00:00,09:00:00,S1,1\nT1,08:00:00,08:00:00,S2,2\nT2,08:00:00,08:00:00,S1,1\nT2,08:10:00,08:10:00,S2,2\n")), true, vec!["stop_times.txt:2", "trip T1", "run backwards"]),
        ("stop time with unknown stop", Make::Set("stop_times.txt", stop_times(&format!("T1,08:00:00,08:00:00,NOPE,1\nT1,08:10:00,08:10:00,S2,2\n{}", "T2,08:00:00,08:00:00,S1,1\nT2,08:10:00,08:10:00,S2,2\n"))), true, vec!["trip T1", "stop_id NOPE does not exist"]),
        ("stop time with unknown trip", Make::Set("stop_times.txt", stop_times(&format!("{base_st}GHOST,08:00:00,08:00:00,S1,1\n"))), true, vec!["trip_id GHOST does not exist"]),
        ("trip with unknown route", Make::Set("trips.txt", "route_id,service_id,trip_id\nR,WK,T1\nNOPE,WK,T2\n".into()), true, vec!["trips.txt:3", "route_id NOPE"]),
        ("trip with unknown service", Make::Set("trips.txt", "route_id,service_id,trip_id\nR,WK,T1\nR,NOPE,T2\n".into()), true, vec!["trips.txt:3", "service_id NOPE"]),
        ("duplicate stop_id", Make::Set("stops.txt", "stop_id,stop_name,stop_lat,stop_lon\nS1,One,45.52,-122.67\nS1,Again,45.53,-122.66\nS2,Two,45.53,-122.66\nST,Station,45.52,-122.67\n".into()), true, vec!["stops.txt:3", "duplicate stop_id S1"]),
        ("coordinates out of range and at 0,0", Make::Set("stops.txt", "stop_id,stop_name,stop_lat,stop_lon\nS1,One,95.0,-122.67\nS2,Two,0,0\nST,Station,45.52,-122.67\n".into()), true, vec!["stops.txt:2", "stop S1 has no usable coordinates", "stop S2"]),
        ("unknown time zone", Make::Set("agency.txt", "agency_id,agency_name,agency_url,agency_timezone\nA,A,https://a.example,Mars/Olympus_Mons\n".into()), false, vec!["Mars/Olympus_Mons", "not a known IANA time zone"]),
        ("calendar with no active day", Make::Set("calendar.txt", "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nWK,1,1,1,1,1,0,0,20211101,20211130\nNEVER,0,0,0,0,0,0,0,20211101,20211130\n".into()), true, vec!["calendar.txt:3", "service NEVER runs on no day"]),
        ("transfers naming an unknown route or trip", Make::Set("transfers.txt", "from_stop_id,to_stop_id,from_route_id,to_route_id,from_trip_id,to_trip_id,transfer_type,min_transfer_time\nS1,S1,NOPE,,,,3,\nS1,S2,,,T1,GHOST,1,\n,,,,T1,T2,4,\nS1,S1,,,,,7,\n".into()), true, vec!["transfers.txt:2: route_id NOPE does not exist", "transfers.txt:3: trip_id GHOST does not exist", "transfers.txt:5: transfer_type 7"]),
        ("transfers.txt with a bad min_transfer_time", Make::Set("transfers.txt", "from_stop_id,to_stop_id,transfer_type,min_transfer_time\nS1,S2,2,soon\n".into()), true, vec!["transfers.txt:2"]),
        ("huge field", Make::Set("stops.txt", format!("stop_id,stop_name,stop_lat,stop_lon\nS1,{},45.52,-122.67\nS2,Two,45.53,-122.66\nST,Station,45.52,-122.67\n", "x".repeat(1 << 20))), true, vec![]),
        ("truncated zip", Make::Zip(|mut b| { b.truncate(b.len() * 2 / 3); b }), false, vec!["zip"]),
        ("not a zip", Make::Zip(|_| b"<html><body>Service Unavailable</body></html>".to_vec()), false, vec!["not a readable zip"]),
        ("zip with a corrupted entry", Make::Zip(|mut b| { for x in &mut b[60..90] { *x ^= 0x5a; } b }), false, vec!["zip"]),
    ]
}

#[test]
fn every_broken_feed_is_strict_or_lenient_never_a_panic() {
    let mut report = Vec::new();
    for (name, make, usable, words) in corpus() {
        let dir = tempfile::tempdir().unwrap();
        let feed = build(dir.path(), &make);
        let mut c = gethere_on(&feed);
        c.env("GETHERE_CACHE_DIR", dir.path().join("cache"))
            .args(["feed", "check", "--format", "json"]);
        let (code, out, err) = run(c);
        let v: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{name}: {e}: {out} {err}"));
        let text = format!("{} {}", v["errors"], v["warnings"]);
        assert_eq!(v["usable"], usable, "{name}: {text}");
        assert_eq!(code, if usable { 0 } else { 2 }, "{name}: {text}");
        for w in &words {
            assert!(text.contains(w), "{name}: expected {w:?} in {text}");
        }
        let mut c = gethere_on(&feed);
        c.env("GETHERE_CACHE_DIR", dir.path().join("cache"))
            .args(["feed", "info"]);
        let (code, _, err) = run(c);
        assert_eq!(code, if usable { 0 } else { 2 }, "{name}: {err}");
        if !usable {
            assert_eq!(
                err.lines().filter(|l| l.starts_with("error:")).count(),
                1,
                "{name}: {err}"
            );
        }
        report.push(format!(
            "{name}: {}",
            if usable {
                "lenient (usable)"
            } else {
                "strict (unusable)"
            }
        ));
    }
    eprintln!("{}", report.join("\n"));
}

#[test]
fn a_feed_that_expands_past_the_limit_is_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let feed = build(dir.path(), &Make::Zip(|b| b));
    let mut c = gethere_on(&feed);
    c.env("GETHERE_CACHE_DIR", dir.path().join("cache"))
        .env("GETHERE_MAX_FEED_BYTES", "1000")
        .args(["feed", "info"]);
    let (code, _, err) = run(c);
    assert_eq!(code, 2);
    assert!(err.contains("more than the 1000-byte limit"), "{err}");
}
