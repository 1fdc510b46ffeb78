//! Map figures for issue 13 on the bundled TriMet feed, street map and venues: the venue map
//! alone (scene → model → SVG), an announcement with and without its maps (the venue map
//! plus a last-mile map per suggested journey), and the sizes of the SVGs.
//! Run with `cargo bench --bench map`.

#[path = "support/mod.rs"]
mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use gethere::announce::{AnnounceRequest, build};
use gethere::map::{Map, scenes};
use gethere::nearby::StopIndex;
use gethere::timetable::cache::load_or_compile;
use gethere::venues::{Venues, bundled_venues};
use gethere::walk::{BUNDLED_MAP, load_graph};
use std::sync::Arc;

fn bench(c: &mut Criterion) {
    let cache = tempfile::tempdir().expect("tempdir");
    let (mut tt, _) = load_or_compile(&common::bundled_trimet(), cache.path()).expect("feed");
    let (streets, _) = load_graph(BUNDLED_MAP, "bundled", cache.path()).expect("map");
    let links = gethere::walk::load_links(&streets, &tt, cache.path());
    gethere::walk::apply_links(&mut tt, links);
    let streets = Arc::new(streets);
    let venues = Venues::load(&bundled_venues()).expect("venues");
    let index = StopIndex::new(&tt);
    let tz = tt.tz();
    let start = gethere::time::parse_user_time("2021-11-02T17:30", tz).expect("time");
    let req = |key: &str, maps: bool| AnnounceRequest {
        venue: key.to_string(),
        start,
        end: None,
        from: Vec::new(),
        allow_stale: false,
        radius_m: 400,
        walk_speed_mps: 1.2,
        max_transfers: 5,
        min_transfer_secs: 60,
        streets: Some(streets.clone()),
        rider: gethere::fares::Rider::Default,
        maps,
    };
    for key in [
        "new-relic",
        "oregon-convention-center",
        "portland-art-museum",
    ] {
        let a = build(&tt, &venues, &index, &req(key, true), None).expect("announcement");
        let m = a.maps.as_ref().expect("maps");
        let last: Vec<usize> = m.last_mile.iter().flatten().map(|s| s.len()).collect();
        eprintln!(
            "{key}: venue map {} bytes; {} last-mile maps, {} bytes in all",
            m.venue.len(),
            last.len(),
            last.iter().sum::<usize>()
        );
    }

    let key = "new-relic";
    let venue = venues.get(key).expect("venue");
    let a = build(&tt, &venues, &index, &req(key, false), None).expect("announcement");
    let near: Vec<_> = a
        .stops
        .iter()
        .flat_map(|s| s.stop_ids.iter())
        .filter_map(|id| tt.find_stop_id(id))
        .collect();
    let scene = scenes::venue_scene("gh-new-relic", venue, &near, &[]);
    c.bench_function("venue map new-relic (scene → model → svg)", |b| {
        b.iter(|| Map::build(&tt, Some(&streets.graph), &scene).to_svg())
    });
    c.bench_function("announce new-relic without maps", |b| {
        b.iter(|| build(&tt, &venues, &index, &req(key, false), None).expect("ok"))
    });
    c.bench_function("announce new-relic with maps", |b| {
        b.iter(|| build(&tt, &venues, &index, &req(key, true), None).expect("ok"))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
