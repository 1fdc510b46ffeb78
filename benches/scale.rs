//! Scale figures for issue 17, per feed: compile time and peak memory of a compiling process,
//! cache size (and its sections of 1% or more), time to open the cache, a whole warm `gethere
//! plan` process (wall time and peak RSS), and search latency (arrive-by, depart-at, 2-hour
//! range) over random served stop pairs.
//!
//! Feeds: the bundled TriMet feed, Charlotte CATS (../shared/data) and the generated
//! country-size feed (`examples/country_feed.rs`; path in `GETHERE_COUNTRY_FEED`, default
//! `target/country.gtfs.zip`). `benches/scale.sh` generates that feed and runs this.
//! Peak RSS comes from GNU time (`/usr/bin/time`), which forks the measured process itself, so
//! this (large) process's memory is not charged to it. `GETHERE_SCALE_FEEDS=trimet,charlotte`
//! limits the feeds.

#[path = "support/mod.rs"]
mod common;

use gethere::feed::load::content_hash;
use gethere::router::{Query, QueryKind, plan};
use gethere::time::parse_user_time;
use gethere::timetable::cache::{cache_path, read_cache, section_sizes};
use gethere::timetable::{StopIdx, Timetable};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Random stop pairs per search kind (`GETHERE_SCALE_PAIRS` overrides).
fn pairs() -> usize {
    std::env::var("GETHERE_SCALE_PAIRS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

struct Feed {
    name: &'static str,
    path: PathBuf,
    date: &'static str,
}

fn feeds() -> Vec<Feed> {
    let only = std::env::var("GETHERE_SCALE_FEEDS").unwrap_or_default();
    let wanted = |n: &str| only.is_empty() || only.split(',').any(|x| x.trim() == n);
    let mut v = Vec::new();
    if wanted("trimet") {
        v.push(Feed {
            name: "trimet",
            path: common::bundled_trimet(),
            date: "2021-11-02",
        });
    }
    if wanted("charlotte") {
        match common::shared(common::CHARLOTTE) {
            Some(p) => v.push(Feed {
                name: "charlotte",
                path: p,
                date: "2018-10-10",
            }),
            None => eprintln!("../shared/data absent: Charlotte skipped"),
        }
    }
    if wanted("country") {
        let p = std::env::var_os("GETHERE_COUNTRY_FEED")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/country.gtfs.zip")
            });
        if p.exists() {
            v.push(Feed {
                name: "country",
                path: p,
                date: "2018-10-10",
            });
        } else {
            eprintln!(
                "{} absent: country feed skipped (run benches/scale.sh)",
                p.display()
            );
        }
    }
    v
}

/// Runs `gethere ARGS` under GNU time: (wall ms measured here, peak RSS MB, stderr, exit code).
fn timed(args: &[String]) -> (f64, f64, String, i32) {
    let t = Instant::now();
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(env!("CARGO_BIN_EXE_gethere"))
        .args(args)
        .output()
        .expect("/usr/bin/time runs");
    let wall = t.elapsed().as_secs_f64() * 1000.0;
    let err = String::from_utf8_lossy(&out.stderr);
    let rss = err
        .lines()
        .last()
        .and_then(|l| l.trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0);
    (wall, rss, err.into_owned(), out.status.code().unwrap_or(-1))
}

fn query(
    tt: &Timetable,
    date: &str,
    kind: QueryKind,
    hm: &str,
    w: u32,
    a: StopIdx,
    b: StopIdx,
) -> Query {
    let time = parse_user_time(&format!("{date}T{hm}"), tt.tz()).expect("valid time");
    common::stop_query(kind, time, w, a, b, 60, 400)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    // `cargo bench` passes --bench; nothing else is read from the command line.
    for f in feeds() {
        run(&f);
    }
}

fn run(f: &Feed) {
    let cache = tempfile::tempdir().expect("tempdir");
    let dir = cache.path().display().to_string();
    let feed = f.path.display().to_string();
    let base = |cmd: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = vec![
            "--feed".into(),
            feed.clone(),
            "--cache-dir".into(),
            dir.clone(),
        ];
        v.extend(cmd.iter().map(|s| s.to_string()));
        v
    };
    println!("== {} ({})", f.name, f.path.display());
    let (wall, rss, _, code) = timed(&base(&["feed", "info"]));
    assert_eq!(code, 0, "feed info fails on {}", f.name);
    println!(
        "  compile (hash + read + compile + write cache, `feed info`): {:.1} s, peak RSS {rss:.0} MB",
        wall / 1000.0
    );

    let hash = content_hash(&f.path).expect("hash");
    let file = cache_path(cache.path(), &hash);
    let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    println!("  cache file: {:.1} MB", size as f64 / 1e6);
    // The sections that weigh: 1% of the file or more.
    for (name, n) in section_sizes(&file).unwrap_or_default() {
        if n * 100 >= size.max(1) {
            println!("    {name:<24} {:>8.2} MB", n as f64 / 1e6);
        }
    }

    let mut opens = Vec::new();
    let mut hashes = Vec::new();
    for _ in 0..9 {
        let t = Instant::now();
        let _ = content_hash(&f.path).expect("hash");
        hashes.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        let tt =
            read_cache(&file, &hash).unwrap_or_else(|_| panic!("cache of {} readable", f.name));
        opens.push(t.elapsed().as_secs_f64() * 1000.0);
        drop(tt);
    }
    println!(
        "  open cache (read_cache, warm page cache): median {:.2} ms; hashing the feed: median {:.1} ms",
        median(opens),
        median(hashes)
    );

    let tt = read_cache(&file, &hash).expect("readable");
    let ps = common::served_pairs(&tt, pairs(), 20181010);
    println!(
        "  {} stop times (rows; a frequency template's is one), {} trips, {} stops",
        tt.dep.len(),
        tt.num_trip_ids(),
        tt.stops.len()
    );

    // Whole warm `plan` processes: the first pairs, arrive-by 17:30.
    let mut walls = Vec::new();
    let mut rsss = Vec::new();
    let (mut loads, mut searches) = (Vec::new(), Vec::new());
    for &(a, b) in ps.iter().take(15) {
        let args = base(&[
            "plan",
            "--from",
            &format!("stop:{}", tt.stop(a).id),
            "--to",
            &format!("stop:{}", tt.stop(b).id),
            "--arrive-by",
            &format!("{}T17:30", f.date),
            "--stats",
        ]);
        let (wall, rss, err, code) = timed(&args);
        assert!(code == 0 || code == 1, "plan fails on {}", f.name);
        walls.push(wall);
        rsss.push(rss);
        // `--stats`: one JSON line with the process's own load (hash + open) and search times.
        if let Some(v) = err
            .lines()
            .find_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        {
            loads.extend(v["load_ms"].as_f64());
            searches.extend(v["search_ms"].as_f64());
        }
    }
    println!(
        "  warm `plan --arrive-by` process: wall {}; peak RSS median {:.0} MB, max {:.0} MB",
        common::summary(walls),
        median(rsss.clone()),
        rsss.iter().cloned().fold(0.0, f64::max)
    );
    if !loads.is_empty() && !searches.is_empty() {
        println!(
            "    of which (--stats) load: median {:.2} ms; search: median {:.2} ms",
            median(loads),
            median(searches)
        );
    }

    for (label, kind, hm, w) in [
        ("arrive-by 17:30", QueryKind::ArriveBy, "17:30", 0),
        ("depart-at 08:00", QueryKind::DepartAt, "08:00", 0),
        (
            "depart-at 08:00, 2 h range",
            QueryKind::DepartAt,
            "08:00",
            7200,
        ),
    ] {
        let mut times = Vec::new();
        let mut answered = 0;
        for &(a, b) in &ps {
            let q = query(&tt, f.date, kind, hm, w, a, b);
            let t = Instant::now();
            let p = plan(&tt, &q);
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            answered += usize::from(!p.journeys.is_empty());
        }
        println!(
            "  search {label}: {} ({answered} answered)",
            common::summary(times)
        );
    }
    let _ = Path::new(&dir);
}
