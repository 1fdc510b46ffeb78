//! `gethere meet` figures for issue 16, on the largest shared feed (Charlotte CATS, 310k stop
//! times): the whole process for 200 people × 10 venues with a warm cache, the table alone
//! as people and venues grow (shared: one backward search per venue), and the per-cell
//! reference (one `plan` per cell) at the same size. Run with `cargo bench --bench meet`.

#[path = "support/mod.rs"]
mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use gethere::app::Routing;
use gethere::meet::{MeetOptions, Sharing, table};
use gethere::nearby::StopIndex;
use gethere::place::{Place, Resolved, Resolver};
use gethere::time::parse_user_time;
use gethere::timetable::cache::load_or_compile;
use gethere::timetable::{StopIdx, Timetable};
use std::time::{Duration, Instant};

const TIME: &str = "2018-10-10T17:30";

/// `n` coordinates about 80 m north of random served stops (deterministic).
fn points(tt: &Timetable, n: usize, seed: u64) -> Vec<(f64, f64)> {
    let served: Vec<StopIdx> = (0..tt.stops.len() as u32)
        .map(StopIdx)
        .filter(|&s| !tt.patterns_at(s).is_empty())
        .collect();
    let mut rng = common::Rng::new(seed);
    (0..n)
        .map(|_| {
            let s = tt.stop(served[rng.below(served.len())]);
            (s.lat + 0.0007, s.lon)
        })
        .collect()
}

fn resolve(tt: &Timetable, index: &StopIndex, pts: &[(f64, f64)]) -> Vec<Resolved> {
    let r = Resolver {
        tt,
        index,
        venues: None,
        radius_m: 400,
        speed_mps: 1.2,
        geocoder: None,
        allow_no_stops: true,
        // Charlotte is outside any street map here: straight-line walks, as `meet` uses there.
        streets: None,
        max_walk_secs: u32::MAX,
        wheelchair: false,
    };
    pts.iter()
        .map(|&(lat, lon)| r.resolve(&Place::Coord { lat, lon }).expect("resolves"))
        .collect()
}

fn options(tt: &Timetable) -> MeetOptions {
    MeetOptions {
        time: parse_user_time(TIME, tt.tz()).expect("time"),
        window_secs: 0,
        max_secs: 7200,
        routing: Routing {
            max_transfers: 5,
            min_transfer_secs: 60,
            walk_radius_m: 400,
            walk_radius_given: None,
            max_walk_secs: 15 * 60,
            walk_speed_mps: 1.2,
            wheelchair: false,
            max_duration_secs: Some(gethere::router::FIRST_HORIZON_SECS as u32),
        },
    }
}

fn ms<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let t = Instant::now();
    let x = f();
    (t.elapsed().as_secs_f64() * 1000.0, x)
}

/// Median of `runs` timings of `f`, in milliseconds.
fn median_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut v: Vec<f64> = (0..runs).map(|_| ms(&mut f).0).collect();
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn bench(c: &mut Criterion) {
    let Some(path) = common::shared(common::CHARLOTTE) else {
        eprintln!("../shared/data absent: meet benchmarks skipped");
        return;
    };
    let cache = tempfile::tempdir().expect("tempdir");
    let (tt, _) = load_or_compile(&path, cache.path()).expect("compiles");
    let index = StopIndex::new(&tt);
    let o = options(&tt);
    let all_people = resolve(&tt, &index, &points(&tt, 400, 16));
    let all_venues = resolve(&tt, &index, &points(&tt, 20, 1610));
    println!(
        "Charlotte CATS, {} stop times, arrive by {TIME}, ≤5 transfers, 400 m walks, 2 h bound:",
        tt.dep.len()
    );

    // The whole process, warm cache: 200 people (an origins file) × 10 venues.
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("people.csv");
    let mut text = String::from("label,lat,lon\n");
    for (i, (lat, lon)) in points(&tt, 200, 16).iter().enumerate() {
        text.push_str(&format!("p{i},{lat:.6},{lon:.6}\n"));
    }
    std::fs::write(&csv, text).expect("writes");
    let exe = env!("CARGO_BIN_EXE_gethere");
    let feed = path.display().to_string();
    let process = |people: &std::path::Path, venues: usize| {
        let mut cmd = std::process::Command::new(exe);
        cmd.args(["--feed", &feed, "--cache-dir"])
            .arg(cache.path())
            .args(["meet", "--arrive-by", TIME, "--origins"])
            .arg(people);
        for (lat, lon) in points(&tt, venues, 1610) {
            cmd.args(["--venue", &format!("{lat:.6},{lon:.6}")]);
        }
        let out = cmd.output().expect("runs");
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    process(&csv, 10); // warm the cache
    let times: Vec<f64> = (0..10).map(|_| ms(|| process(&csv, 10)).0).collect();
    println!(
        "  `gethere meet` 200 people × 10 venues, whole process, warm cache: {}",
        common::summary(times)
    );

    // The table alone as people grow (10 venues) and as venues grow (200 people).
    for n in [25, 50, 100, 200, 400] {
        let t = median_ms(5, || {
            table(
                &tt,
                &all_venues[..10],
                &all_people[..n],
                &o,
                Sharing::Shared,
            );
        });
        println!("  table, {n:>3} people × 10 venues, shared: {t:.1} ms");
    }
    for v in [1, 2, 5, 10, 20] {
        let t = median_ms(5, || {
            table(
                &tt,
                &all_venues[..v],
                &all_people[..200],
                &o,
                Sharing::Shared,
            );
        });
        println!("  table, 200 people × {v:>2} venues, shared: {t:.1} ms");
    }
    let (t, _) = ms(|| {
        table(
            &tt,
            &all_venues[..10],
            &all_people[..200],
            &o,
            Sharing::PerCell,
        )
    });
    println!("  table, 200 people × 10 venues, one plan per cell (reference): {t:.1} ms");

    let mut g = c.benchmark_group("meet/charlotte");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    g.bench_function("table 200x10 shared", |b| {
        b.iter(|| {
            table(
                &tt,
                &all_venues[..10],
                &all_people[..200],
                &o,
                Sharing::Shared,
            )
        })
    });
    g.bench_function("process 200x10 warm cache", |b| {
        b.iter(|| process(&csv, 10))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
