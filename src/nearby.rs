//! A spatial index over the stops riders can board at, so "stops near here" never scans every
//! stop. Coordinates are projected to a local equirectangular plane (accurate to well under 1%
//! over a city) for the R-tree; reported distances are haversine metres, rounded up.

use crate::timetable::{StopIdx, Timetable};
use crate::walk::{Projection, distance_m};
use rstar::{RTree, primitives::GeomWithData};

/// An R-tree of the timetable's served stops, built the first time a place needs it: a query
/// between two `stop:` ids never builds it (on a country-size timetable it is most of a
/// process's work).
pub struct StopIndex {
    built: std::sync::OnceLock<Built>,
}

struct Built {
    tree: RTree<GeomWithData<[f64; 2], u32>>,
    proj: Projection,
}

impl StopIndex {
    /// An index over `tt`'s served stops; every method must be given the same timetable.
    pub fn new(_tt: &Timetable) -> StopIndex {
        StopIndex {
            built: std::sync::OnceLock::new(),
        }
    }

    fn get(&self, tt: &Timetable) -> &Built {
        self.built.get_or_init(|| Self::build(tt))
    }

    /// Indexes every stop that at least one trip serves and that has coordinates.
    fn build(tt: &Timetable) -> Built {
        let served: Vec<StopIdx> = (0..tt.stops.len() as u32)
            .map(StopIdx)
            .filter(|&s| !tt.patterns_at(s).is_empty() && tt.stops.lat(s.ix()).is_finite())
            .collect();
        // Coordinates from the stops' columns: no stop record is decoded here.
        let (lat, lon) = (
            |s: StopIdx| tt.stops.lat(s.ix()),
            |s: StopIdx| tt.stops.lon(s.ix()),
        );
        let proj = Projection::around_mean(served.iter().map(|&s| lat(s)));
        let tree = RTree::bulk_load(
            served
                .iter()
                .map(|&s| GeomWithData::new(proj.xy(lat(s), lon(s)), s.0))
                .collect(),
        );
        Built { tree, proj }
    }

    /// Served stops within `radius_m` of the point, nearest first, with metres.
    pub fn within(&self, tt: &Timetable, lat: f64, lon: f64, radius_m: u32) -> Vec<(StopIdx, u32)> {
        let r = radius_m as f64 * 1.02 + 1.0;
        let b = self.get(tt);
        let mut v: Vec<(StopIdx, u32)> = b
            .tree
            .locate_within_distance(b.proj.xy(lat, lon), r * r)
            .filter_map(|g| {
                let s = tt.stop(StopIdx(g.data));
                let d = distance_m(lat, lon, s.lat, s.lon).ceil();
                (d <= radius_m as f64).then_some((StopIdx(g.data), d as u32))
            })
            .collect();
        v.sort_unstable_by_key(|&(s, d)| (d, s));
        v
    }

    /// The `n` served stops nearest to the point, with metres.
    pub fn nearest(&self, tt: &Timetable, lat: f64, lon: f64, n: usize) -> Vec<(StopIdx, u32)> {
        // Take a few more than asked from the projected order, then order by true distance.
        let b = self.get(tt);
        let mut v: Vec<(StopIdx, u32)> = b
            .tree
            .nearest_neighbor_iter(b.proj.xy(lat, lon))
            .take(n + 4)
            .map(|g| {
                let s = tt.stop(StopIdx(g.data));
                (
                    StopIdx(g.data),
                    distance_m(lat, lon, s.lat, s.lon).ceil() as u32,
                )
            })
            .collect();
        v.sort_unstable_by_key(|&(s, d)| (d, s));
        v.truncate(n);
        v
    }
}
