//! Router figures for issue 4, on the largest feed in ../shared/data (Charlotte CATS, 310k stop
//! times): per-query latency distributions (median, p90, max) over random stop pairs for
//! arrive-by, depart-at and 2-hour window queries, the same as criterion groups, the
//! published `vulture` RAPTOR crate on the same depart-at pairs, and `gethere plan` as a whole
//! process with a warm cache. Run with `cargo bench --bench router`.

#[path = "support/mod.rs"]
mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use gethere::router::{Query, QueryKind, plan};
use gethere::time::parse_user_time;
use gethere::timetable::cache::load_or_compile;
use gethere::timetable::{StopIdx, Timetable};
use std::time::{Duration, Instant};

const PAIRS: usize = 300;
const DATE: &str = "2018-10-10";

fn query(tt: &Timetable, kind: QueryKind, hm: &str, window: u32, a: StopIdx, b: StopIdx) -> Query {
    let time = parse_user_time(&format!("{DATE}T{hm}"), tt.tz()).expect("valid time");
    common::stop_query(kind, time, window, a, b, 60, 400)
}

fn latency(
    tt: &Timetable,
    ps: &[(StopIdx, StopIdx)],
    kind: QueryKind,
    hm: &str,
    window: u32,
) -> (Vec<f64>, usize) {
    let mut times = Vec::with_capacity(ps.len());
    let mut answered = 0;
    for &(a, b) in ps {
        let q = query(tt, kind, hm, window, a, b);
        let t = Instant::now();
        let p = plan(tt, &q);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        answered += usize::from(!p.journeys.is_empty());
    }
    (times, answered)
}

fn bench(c: &mut Criterion) {
    let Some(path) = common::shared(common::CHARLOTTE) else {
        eprintln!("../shared/data absent: router benchmarks skipped");
        return;
    };
    let cache = tempfile::tempdir().expect("tempdir");
    let (tt, _) = load_or_compile(&path, cache.path()).expect("compiles");
    let ps = common::served_pairs(&tt, PAIRS, 20181010);

    println!(
        "Charlotte CATS, {} stop times, {PAIRS} random stop pairs, {DATE}, ≤5 transfers, 400 m walks:",
        tt.dep.len()
    );
    for (label, kind, hm, w) in [
        ("arrive-by 17:30", QueryKind::ArriveBy, "17:30", 0),
        ("depart-at 08:00", QueryKind::DepartAt, "08:00", 0),
        (
            "arrive-by 17:30, 2 h window",
            QueryKind::ArriveBy,
            "17:30",
            7200,
        ),
        (
            "depart-at 08:00, 2 h window",
            QueryKind::DepartAt,
            "08:00",
            7200,
        ),
    ] {
        let (t, answered) = latency(&tt, &ps, kind, hm, w);
        println!(
            "  gethere {label}: {} ({answered} answered)",
            common::summary(t)
        );
    }

    // vulture on the same pairs (depart-at only: it has no arrive-by).
    let gtfs =
        gtfs_structures_047::Gtfs::from_path(&path).expect("vulture's gtfs-structures reads");
    let date = jiff::civil::date(2018, 10, 10);
    let vt = vulture::gtfs::GtfsTimetable::new(&gtfs, date)
        .expect("vulture timetable")
        .with_walking_footpaths(&gtfs, 400.0, 1.2);
    let vps: Vec<_> = ps
        .iter()
        .filter_map(|&(a, b)| Some((vt.stop_idx(&tt.stop(a).id)?, vt.stop_idx(&tt.stop(b).id)?)))
        .collect();
    let mut vcache = vulture::RaptorCache::for_timetable(&vt);
    let mut vtimes = Vec::new();
    let mut vanswered = 0;
    use vulture::Timetable as _;
    for &(a, b) in &vps {
        let t = Instant::now();
        let j = vt
            .query()
            .from(a)
            .to(b)
            .max_transfers(5)
            .depart_at(vulture::SecondOfDay(8 * 3600))
            .run_with_cache(&mut vcache);
        vtimes.push(t.elapsed().as_secs_f64() * 1000.0);
        vanswered += usize::from(!j.is_empty());
    }
    println!(
        "  vulture depart-at 08:00: {} ({vanswered} answered)",
        common::summary(vtimes)
    );
    // vulture range query over the real departures at the origin in 08:00–10:00.
    let mut vwin = Vec::new();
    for (&(a, b), &(va, vb)) in ps.iter().zip(&vps) {
        let q = query(&tt, QueryKind::DepartAt, "08:00", 7200, a, b);
        let deps = departures_at(&tt, a, q.time, q.time + 7200);
        let t = Instant::now();
        let _ = vt
            .query()
            .from(va)
            .to(vb)
            .max_transfers(5)
            .depart_in_window(deps.into_iter().map(vulture::SecondOfDay))
            .run_with_cache(&mut vcache);
        vwin.push(t.elapsed().as_secs_f64() * 1000.0);
        let _ = b;
    }
    println!(
        "  vulture depart-at 08:00, 2 h window: {}",
        common::summary(vwin)
    );

    // The whole process, warm cache.
    let exe = env!("CARGO_BIN_EXE_gethere");
    let feed = path.display().to_string();
    let mut proc_times = Vec::new();
    for &(a, b) in ps.iter().take(50) {
        let t = Instant::now();
        let out = std::process::Command::new(exe)
            .args(["--feed", &feed, "--cache-dir"])
            .arg(cache.path())
            .args([
                "plan",
                "--from",
                &format!("stop:{}", tt.stop(a).id),
                "--to",
                &format!("stop:{}", tt.stop(b).id),
            ])
            .args(["--arrive-by", &format!("{DATE}T17:30")])
            .output()
            .expect("runs");
        proc_times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    println!(
        "  `gethere plan --arrive-by` whole process, warm cache: {}",
        common::summary(proc_times)
    );

    let mut g = c.benchmark_group("router/charlotte");
    g.sample_size(20).measurement_time(Duration::from_secs(5));
    let mut i = 0;
    g.bench_function("arrive-by single", |b| {
        b.iter(|| {
            let (a, z) = ps[i % ps.len()];
            i += 1;
            plan(&tt, &query(&tt, QueryKind::ArriveBy, "17:30", 0, a, z))
        })
    });
    g.bench_function("arrive-by 2h window", |b| {
        b.iter(|| {
            let (a, z) = ps[i % ps.len()];
            i += 1;
            plan(&tt, &query(&tt, QueryKind::ArriveBy, "17:30", 7200, a, z))
        })
    });
    g.bench_function("vulture depart-at single", |b| {
        b.iter(|| {
            let (a, z) = vps[i % vps.len()];
            i += 1;
            vt.query()
                .from(a)
                .to(z)
                .max_transfers(5)
                .depart_at(vulture::SecondOfDay(8 * 3600))
                .run_with_cache(&mut vcache)
        })
    });
    g.bench_function("depart-at single", |b| {
        b.iter(|| {
            let (a, z) = ps[i % ps.len()];
            i += 1;
            plan(&tt, &query(&tt, QueryKind::DepartAt, "08:00", 0, a, z))
        })
    });
    g.finish();
}

/// Seconds of the service day of every departure at `s` in `[lo, hi]` on the benchmark date.
fn departures_at(tt: &Timetable, s: StopIdx, lo: i64, hi: i64) -> Vec<u32> {
    let date = gethere::time::parse_date(DATE).expect("date");
    let Some(d) = tt.day_index(date) else {
        return Vec::new();
    };
    let base = tt.day_start[d];
    let mut v = Vec::new();
    for (p, pos) in tt.patterns_at(s) {
        let p = tt.pattern(p);
        for (k, t) in tt.dep_column(p, pos as usize).iter().enumerate() {
            let abs = base + t as i64;
            if abs >= lo
                && abs <= hi
                && tt.trip_active(gethere::timetable::TripIdx(p.trips_start + k as u32), d)
            {
                v.push(t);
            }
        }
    }
    v
}

criterion_group!(benches, bench);
criterion_main!(benches);
