//! Realtime figures for issue 15 on Charlotte CATS (the largest shared feed): decoding and
//! applying a TripUpdates message that updates every trip of one service day (a delay from the
//! middle stop on, by stop_sequence), and the router's plan on the realtime timetable next to
//! the schedule-only plan. Run with `cargo bench --bench realtime`.

#[path = "support/mod.rs"]
mod common;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use gethere::realtime::proto::*;
use gethere::realtime::{Decoded, apply::apply, decode};
use gethere::router::{Query, QueryKind, plan};
use gethere::timetable::cache::load_or_compile;
use gethere::timetable::{StopIdx, Timetable, TripIdx};
use prost::Message;

const DATE: &str = "2018-10-10";

/// A FULL_DATASET message updating every trip running on `DATE`.
fn day_message(tt: &Timetable) -> Vec<u8> {
    let date = chrono::NaiveDate::parse_from_str(DATE, "%Y-%m-%d").expect("date");
    let day = tt.day_index(date).expect("in the feed");
    let mut entity = Vec::new();
    for i in 0..tt.num_trip_ids() {
        let ti = TripIdx(i as u32);
        let t = tt.trip(ti);
        if !tt.trip_active(ti, day) || t.frequency().is_some() {
            continue;
        }
        let n = tt.pattern_of(ti).num_stops as usize;
        let seq = tt.stop_seqs.seq_of(tt.record_of(ti), n, n / 2);
        entity.push(FeedEntity {
            id: Some(i.to_string()),
            trip_update: Some(TripUpdate {
                trip: Some(TripDescriptor {
                    trip_id: Some(tt.trip_strings.get(t.id).to_string()),
                    start_date: Some("20181010".into()),
                    ..Default::default()
                }),
                stop_time_update: vec![StopTimeUpdate {
                    stop_sequence: seq,
                    arrival: Some(StopTimeEvent {
                        delay: Some(((i % 13) * 60) as i32),
                        time: None,
                    }),
                    ..Default::default()
                }],
                ..Default::default()
            }),
            ..Default::default()
        });
    }
    FeedMessage {
        header: Some(FeedHeader {
            gtfs_realtime_version: Some("2.0".into()),
            incrementality: Some(FULL_DATASET),
            // 2018-10-10 16:55 EDT.
            timestamp: Some(1_539_204_900),
        }),
        entity,
    }
    .encode_to_vec()
}

fn query(tt: &Timetable, a: StopIdx, b: StopIdx) -> Query {
    let time =
        gethere::time::parse_user_time(&format!("{DATE}T17:00"), tt.tz()).expect("valid time");
    common::stop_query(QueryKind::ArriveBy, time, 0, a, b, 60, 400)
}

fn bench(c: &mut Criterion) {
    let Some(path) = common::shared(common::CHARLOTTE) else {
        eprintln!("../shared/data absent: realtime benchmarks skipped");
        return;
    };
    let cache = tempfile::tempdir().expect("tempdir");
    let (tt, _) = load_or_compile(&path, cache.path()).expect("Charlotte compiles");
    let bytes = day_message(&tt);
    let msg = decode(&bytes).expect("decodes");
    // For timing `gethere plan --realtime FILE` as a whole process.
    if let Some(p) = std::env::var_os("GETHERE_BENCH_WRITE_RT") {
        std::fs::write(p, &bytes).expect("write the message");
    }
    eprintln!(
        "message: {} trip updates, {} bytes",
        msg.entity.len(),
        bytes.len()
    );
    let mut g = c.benchmark_group("realtime/charlotte");
    g.sample_size(20);
    g.bench_function("decode+apply every trip of a day", |b| {
        b.iter_batched(
            || tt.clone(),
            |mut t| {
                let m = decode(&bytes).expect("decodes");
                apply(
                    &mut t,
                    &[Decoded {
                        source: "bench".into(),
                        feed: None,
                        msg: m,
                    }],
                );
                t
            },
            BatchSize::LargeInput,
        )
    });
    let mut rt = tt.clone();
    apply(
        &mut rt,
        &[Decoded {
            source: "bench".into(),
            feed: None,
            msg,
        }],
    );
    eprintln!(
        "applied: {:?}",
        rt.realtime.as_ref().map(|o| o.stats.clone())
    );
    let served: Vec<StopIdx> = (0..tt.stops.len() as u32)
        .map(StopIdx)
        .filter(|&s| !tt.patterns_at(s).is_empty())
        .collect();
    let mut rng = common::Rng::new(15);
    let pairs: Vec<(StopIdx, StopIdx)> = (0..50)
        .map(|_| {
            (
                served[rng.below(served.len())],
                served[rng.below(served.len())],
            )
        })
        .filter(|(a, b)| a != b)
        .collect();
    g.bench_function("plan 50 arrive-by queries, schedule", |b| {
        b.iter(|| {
            for &(x, y) in &pairs {
                std::hint::black_box(plan(&tt, &query(&tt, x, y)));
            }
        })
    });
    g.bench_function("plan 50 arrive-by queries, realtime timetable", |b| {
        b.iter(|| {
            for &(x, y) in &pairs {
                std::hint::black_box(plan(&rt, &query(&rt, x, y)));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
