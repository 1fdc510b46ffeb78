//! Street-map figures for issue 10 on the bundled central-Portland extract and TriMet feed:
//! building the pedestrian graph, loading it from the cache, an access search (snap + bounded
//! Dijkstra + the stops within 15 minutes), computing the stop links; one-off figures for the
//! cache size and for a map ten times larger (the extract tiled ten times northwards).
//! Run with `cargo bench --bench walk`.

#[path = "support/mod.rs"]
mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use gethere::nearby::StopIndex;
use gethere::timetable::cache::load_or_compile;
use gethere::walk::osm::{OsmData, Way};
use gethere::walk::{BUNDLED_MAP, Profile, StreetGraph, build_graph, load_graph, walk_from};
use std::time::{Duration, Instant};

/// The extract tiled `n` times, each copy 0.1° further north with fresh ids.
fn tiled(n: usize) -> OsmData {
    let base = gethere::walk::osm::read(BUNDLED_MAP).expect("bundled map reads");
    let mut out = OsmData::default();
    for k in 0..n as i64 {
        let off = k * 10_000_000_000;
        for (id, &(lat, lon)) in &base.nodes {
            out.nodes.insert(id + off, (lat + 0.1 * k as f64, lon));
        }
        for w in &base.ways {
            out.ways.push(Way {
                id: w.id + off,
                nodes: w.nodes.iter().map(|n| n + off).collect(),
                tags: w.tags.clone(),
            });
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let cache = tempfile::tempdir().expect("tempdir");
    let (streets, _) = load_graph(BUNDLED_MAP, "bundled", cache.path()).expect("builds");
    let graph_file = gethere::walk::store::graph_path(cache.path(), &streets.map_hash);
    let size = std::fs::metadata(&graph_file).map(|m| m.len()).unwrap_or(0);
    let g = &streets.graph;
    eprintln!(
        "bundled map: {} bytes .osm.pbf → {} nodes, {} edges, {} walkable ways; cached graph {} bytes",
        BUNDLED_MAP.len(),
        g.lat.len(),
        g.edges.len(),
        g.ways,
        size
    );
    for n in [1usize, 10] {
        let data = tiled(n);
        let t = Instant::now();
        let big = StreetGraph::build(&data).expect("builds");
        let build = t.elapsed();
        let bytes = postcard::to_stdvec(&big).map(|v| v.len()).unwrap_or(0);
        let t = Instant::now();
        let _: StreetGraph = postcard::from_bytes(&postcard::to_stdvec(&big).unwrap()).unwrap();
        eprintln!(
            "map ×{n}: {} nodes, {} edges: graph build (from parsed OSM) {:.1} ms, graph {} bytes, decode {:.1} ms",
            big.lat.len(),
            big.edges.len(),
            build.as_secs_f64() * 1000.0,
            bytes,
            t.elapsed().as_secs_f64() * 1000.0
        );
    }

    let (tt, _) = load_or_compile(&common::bundled_trimet(), cache.path()).expect("feed");
    let t = Instant::now();
    let links = gethere::walk::links::compute(g, &tt);
    eprintln!(
        "stop links (both profiles) for {} served stops, {} on the map: {:.1} ms",
        links.stops_served,
        links.stops_on_map,
        t.elapsed().as_secs_f64() * 1000.0
    );

    let mut grp = c.benchmark_group("walk");
    grp.measurement_time(Duration::from_secs(3));
    grp.sample_size(20);
    grp.bench_function("build_graph_from_pbf", |b| {
        b.iter(|| build_graph(BUNDLED_MAP, "bundled").expect("builds"))
    });
    grp.bench_function("load_cached_graph", |b| {
        b.iter(|| load_graph(BUNDLED_MAP, "bundled", cache.path()).expect("loads"))
    });
    grp.bench_function("load_cached_links", |b| {
        b.iter(|| gethere::walk::load_links(&streets, &tt, cache.path()))
    });
    let index = StopIndex::new(&tt);
    // Union Station, 15 minutes at 1.2 m/s: the access search of a plan.
    let (lat, lon) = (45.52893, -122.67646);
    grp.bench_function("access_search_15min", |b| {
        b.iter(|| {
            let w = walk_from(Some(&streets), lat, lon, 1080.0, Profile::default());
            index
                .within(&tt, lat, lon, 1080)
                .into_iter()
                .filter_map(|(s, _)| w.to(tt.stop(s).lat, tt.stop(s).lon, 1.2))
                .count()
        })
    });
    grp.bench_function("walk_path_union_station_new_relic", |b| {
        b.iter(|| {
            walk_from(Some(&streets), lat, lon, f64::INFINITY, Profile::default())
                .path_to(45.52175, -122.67590, 1.2)
        })
    });
    grp.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
