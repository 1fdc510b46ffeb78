//! The lines vehicles follow, for maps: shapes.txt compiled into small simplified polylines,
//! one per shape a pattern uses, and the pattern → shape table.
//!
//! A compile stage of its own ([`compile_shapes`]), run after the patterns exist. Shapes are
//! simplified to map resolution (Douglas–Peucker at [`SIMPLIFY_M`] metres in a local
//! projection) and stored as quantized coordinates (1e-5°, about a metre), each point as the
//! difference to the one before. A pattern whose trips have no usable shape (a feed
//! without shapes.txt, a trip without shape_id, a shape_id with no points) has
//! [`NO_SHAPE`]: [`Shapes::pattern_line`] then draws it stop to stop.

use super::flat::StrTable;
use super::links::{put_varint, take_varint};
use super::{Pattern, PatternIdx, Store, Timetable, Trip};
use crate::walk::Projection;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A pattern without a shape: drawn stop to stop.
pub const NO_SHAPE: u32 = u32::MAX;

/// Points closer than this to the simplified line are dropped: finer than any map gethere
/// draws (a 640 px map of 1.5 km is 2.3 m a pixel).
pub const SIMPLIFY_M: f64 = 3.0;

/// Coordinates are stored in units of 1e-5 degrees.
const Q: f64 = 1e5;

/// A stop farther than this from its pattern's shape means the shape does not fit the stops
/// (a wrong shape_id): that leg is drawn stop to stop.
const MAX_STOP_OFF_SHAPE_M: f64 = 150.0;

/// Simplified shapes and which pattern uses which: flat sections of the cache (mapped, not
/// decoded, when a query process opens it: the table grows with the patterns).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Shapes {
    /// The GTFS shape_id of each compiled shape.
    #[serde(skip)]
    pub ids: StrTable,
    /// Shape `k`'s points are the bytes `coords[start[k] .. start[k + 1]]` (CSR,
    /// `ids.len() + 1`).
    #[serde(skip)]
    pub start: Store<u32>,
    /// (lat, lon) pairs in 1e-5°, each shape's first point absolute and the others as the
    /// difference to the point before, as zigzag LEB128 varints (one to three bytes a
    /// coordinate on city shapes, against four as `i32`s).
    #[serde(skip)]
    pub coords: Store<u8>,
    /// The shape of each pattern, or [`NO_SHAPE`].
    #[serde(skip)]
    pub pattern_shape: Store<u32>,
}

impl Shapes {
    /// Shape `k` as (lat, lon) points (a damaged stream ends early, never panics).
    pub fn points(&self, k: u32) -> Vec<(f64, f64)> {
        let k = k as usize;
        let (Some(&a), Some(&b)) = (self.start.get(k), self.start.get(k + 1)) else {
            return Vec::new();
        };
        let mut bytes = self.coords.get(a as usize..b as usize).unwrap_or(&[]);
        let unzig = |z: u64| (z >> 1) as i64 ^ -((z & 1) as i64);
        let (mut la, mut lo) = (0i64, 0i64);
        let mut out = Vec::new();
        while let (Some(x), Some(y)) = (take_varint(&mut bytes), take_varint(&mut bytes)) {
            la = la.wrapping_add(unzig(x));
            lo = lo.wrapping_add(unzig(y));
            out.push((la as f64 / Q, lo as f64 / Q));
        }
        out
    }

    /// The shape of pattern `p`, if it has one.
    pub fn shape_of(&self, p: PatternIdx) -> Option<u32> {
        self.pattern_shape
            .get(p.ix())
            .copied()
            .filter(|&s| s != NO_SHAPE)
    }

    /// The line pattern `p` follows: its shape, else its stops in order.
    pub fn pattern_line(&self, tt: &Timetable, p: PatternIdx) -> Vec<(f64, f64)> {
        match self.shape_of(p) {
            Some(k) => self.points(k),
            None => stop_line(tt, tt.pattern(p), 0, tt.pattern(p).num_stops as usize - 1),
        }
    }

    /// The part of pattern `p`'s line between stop positions `from` and `to` (a ride): the
    /// shape cut at the points nearest the two stops (searched in order along the shape, so a
    /// loop is cut at the right pass), else stop to stop.
    pub fn ride_line(
        &self,
        tt: &Timetable,
        p: PatternIdx,
        from: usize,
        to: usize,
    ) -> Vec<(f64, f64)> {
        let pat = tt.pattern(p);
        if from > to || to >= pat.num_stops as usize {
            return Vec::new();
        }
        let fallback = || stop_line(tt, pat, from, to);
        let Some(k) = self.shape_of(p) else {
            return fallback();
        };
        let pts = self.points(k);
        if pts.len() < 2 {
            return fallback();
        }
        let proj = Projection::around(pts[0].0);
        let xy: Vec<[f64; 2]> = pts.iter().map(|&(la, lo)| proj.xy(la, lo)).collect();
        let stops = tt.pattern_stops(pat);
        // Walk the stops from the pattern's start so that each is matched after the one
        // before it (a loop passes some places twice).
        let mut seg = 0usize;
        let mut cut = Vec::with_capacity(2);
        for (pos, &s) in stops.iter().enumerate().take(to + 1) {
            let st = tt.stop(s);
            let q = proj.xy(st.lat, st.lon);
            let Some((i, t, d)) = nearest_from(&xy, seg, q) else {
                return fallback();
            };
            if d > MAX_STOP_OFF_SHAPE_M {
                return fallback();
            }
            seg = i;
            if pos == from || pos == to {
                cut.push((i, t));
            }
        }
        let [(i0, t0), (i1, t1)] = [cut[0], cut[cut.len() - 1]];
        let at = |i: usize, t: f64| {
            let (a, b) = (xy[i], xy[i + 1]);
            proj.latlon([a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t])
        };
        let mut line = vec![at(i0, t0)];
        line.extend(pts[i0 + 1..=i1].iter().copied());
        line.push(at(i1, t1));
        line.dedup();
        line
    }
}

/// The stops of pattern `p` from position `from` to `to`, as (lat, lon).
fn stop_line(tt: &Timetable, p: &Pattern, from: usize, to: usize) -> Vec<(f64, f64)> {
    tt.pattern_stops(p)[from..=to]
        .iter()
        .map(|&s| (tt.stop(s).lat, tt.stop(s).lon))
        .filter(|(la, lo)| la.is_finite() && lo.is_finite())
        .collect()
}

/// The segment of `xy` nearest to `q`, among segments `from..`: (segment, position on it
/// 0..1, metres). Later segments win only when nearer by more than a metre, so a stop on a
/// route that passes it twice is matched to the first pass from `from` on.
fn nearest_from(xy: &[[f64; 2]], from: usize, q: [f64; 2]) -> Option<(usize, f64, f64)> {
    let mut best: Option<(usize, f64, f64)> = None;
    for i in from..xy.len().saturating_sub(1) {
        let (t, d) = seg_dist(xy[i], xy[i + 1], q);
        if best.is_none_or(|(_, _, bd)| d + 1.0 < bd) {
            best = Some((i, t, d));
        }
    }
    best
}

/// Position along segment a→b (0..1) of the point nearest to q, and the distance to it.
fn seg_dist(a: [f64; 2], b: [f64; 2], q: [f64; 2]) -> (f64, f64) {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let l2 = dx * dx + dy * dy;
    let t = if l2 > 0.0 {
        (((q[0] - a[0]) * dx + (q[1] - a[1]) * dy) / l2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (px, py) = (a[0] + dx * t, a[1] + dy * t);
    (t, ((q[0] - px).powi(2) + (q[1] - py).powi(2)).sqrt())
}

/// Douglas–Peucker: the indices of `xy` to keep so that no dropped point is farther than
/// `tol` from the kept line (iterative, so long shapes cannot overflow the stack).
pub fn simplify(xy: &[[f64; 2]], tol: f64) -> Vec<usize> {
    if xy.len() <= 2 {
        return (0..xy.len()).collect();
    }
    let mut keep = vec![false; xy.len()];
    keep[0] = true;
    keep[xy.len() - 1] = true;
    let mut stack = vec![(0usize, xy.len() - 1)];
    while let Some((a, b)) = stack.pop() {
        let mut far = (0usize, 0.0f64);
        for i in a + 1..b {
            let d = seg_dist(xy[a], xy[b], xy[i]).1;
            if d > far.1 {
                far = (i, d);
            }
        }
        if far.1 > tol {
            keep[far.0] = true;
            stack.push((a, far.0));
            stack.push((far.0, b));
        }
    }
    (0..xy.len()).filter(|&i| keep[i]).collect()
}

/// Compiles the shapes the patterns use. `feeds` are the raw feeds of the region with the
/// [`Trip::key`]s of their trips.txt rows; `trips` and `patterns` are the compiled ones. A
/// pattern takes the shape of its first trip (shape_ids are per feed). Unreadable shapes.txt,
/// points with bad coordinates and unknown shape_ids only mean "drawn stop to stop".
pub fn compile_shapes(
    feeds: &[(&crate::feed::load::RawFeed, std::ops::Range<u32>)],
    trips: &[Trip],
    patterns: &[Pattern],
) -> Shapes {
    // The points (sequence, lat, lon) of each (feed, shape_id), in shape_pt_sequence order.
    type Points = Vec<(usize, f64, f64)>;
    let mut by_id: HashMap<(usize, &str), Points> = HashMap::new();
    for (fi, (raw, _)) in feeds.iter().enumerate() {
        let raw_shapes = match &raw.shapes {
            Some(Ok(s)) => s.as_slice(),
            _ => &[],
        };
        for s in raw_shapes {
            let ok = s.latitude.is_finite()
                && s.longitude.is_finite()
                && (-90.0..=90.0).contains(&s.latitude)
                && (-180.0..=180.0).contains(&s.longitude)
                && !(s.latitude == 0.0 && s.longitude == 0.0);
            if ok {
                by_id.entry((fi, s.id.as_str())).or_default().push((
                    s.sequence,
                    s.latitude,
                    s.longitude,
                ));
            }
        }
    }
    // The feed and trips.txt row of a trip key.
    let raw_trip = |key: u32| {
        let fi = feeds.iter().position(|(_, r)| r.contains(&key))?;
        let (raw, r) = &feeds[fi];
        let t = raw.trips.as_ref().ok()?.get((key - r.start) as usize)?;
        Some((fi, t))
    };
    let mut out = Shapes {
        start: vec![0].into(),
        ..Shapes::default()
    };
    let mut index: HashMap<(usize, &str), u32> = HashMap::new();
    for p in patterns {
        let shape_id = trips
            .get(p.rec_start as usize)
            .and_then(|t| raw_trip(t.key))
            .and_then(|(fi, t)| Some((fi, t.shape_id.as_deref()?)))
            .filter(|(_, id)| !id.is_empty());
        let k = match shape_id {
            None => NO_SHAPE,
            Some(id) => match index.get(&id) {
                Some(&k) => k,
                None => match by_id.get_mut(&id) {
                    Some(pts) if pts.len() >= 2 => {
                        pts.sort_by_key(|&(seq, _, _)| seq);
                        let k = out.ids.len() as u32;
                        push_shape(&mut out, pts);
                        out.ids.push(id.1);
                        index.insert(id, k);
                        k
                    }
                    _ => NO_SHAPE,
                },
            },
        };
        out.pattern_shape.push(k);
    }
    out
}

/// Simplifies, quantizes and appends one shape's points.
fn push_shape(out: &mut Shapes, pts: &[(usize, f64, f64)]) {
    let proj = Projection::around(pts[0].1);
    let xy: Vec<[f64; 2]> = pts.iter().map(|&(_, la, lo)| proj.xy(la, lo)).collect();
    let q = |x: f64| (x * Q).round() as i64;
    let zig = |d: i64| ((d << 1) ^ (d >> 63)) as u64;
    let (mut pla, mut plo) = (0i64, 0i64);
    let mut bytes = Vec::new();
    for (n, i) in simplify(&xy, SIMPLIFY_M).into_iter().enumerate() {
        let (la, lo) = (q(pts[i].1), q(pts[i].2));
        if n > 0 && la == pla && lo == plo {
            continue;
        }
        put_varint(&mut bytes, zig(la - pla));
        put_varint(&mut bytes, zig(lo - plo));
        (pla, plo) = (la, lo);
    }
    for b in bytes {
        out.coords.push(b);
    }
    out.start.push(out.coords.len() as u32);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simplify_keeps_corners_and_drops_collinear_points() {
        let xy: Vec<[f64; 2]> = vec![
            [0.0, 0.0],
            [10.0, 0.5],
            [20.0, 0.0],
            [30.0, 0.0],
            [30.0, 10.0],
            [30.0, 20.0],
        ];
        assert_eq!(simplify(&xy, 3.0), vec![0, 3, 5]);
        assert_eq!(simplify(&xy, 0.1), vec![0, 1, 2, 3, 5]);
    }

    #[test]
    fn bundled_feed_patterns_follow_their_shapes() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("data/trimet-2021-max-green-streetcar.gtfs.zip");
        let raw = crate::feed::load::read_raw(&path).unwrap();
        let tt = crate::timetable::compile::compile(&raw, "trimet", String::new()).unwrap();
        let sh = &tt.shapes;
        assert_eq!(sh.pattern_shape.len(), tt.patterns.len());
        assert!(sh.pattern_shape.iter().all(|&k| k != NO_SHAPE));
        assert_eq!(sh.start.len(), sh.ids.len() + 1);
        // Simplified: far fewer points than shapes.txt rows, yet every stop within a few
        // metres of its line.
        let rows = raw.shapes.as_ref().unwrap().as_ref().unwrap().len();
        let points: usize = (0..sh.ids.len() as u32).map(|k| sh.points(k).len()).sum();
        assert!(points < rows / 4, "{points} of {rows}");
        for p in 0..tt.patterns.len() as u32 {
            let p = PatternIdx(p);
            let n = tt.pattern(p).num_stops as usize;
            let line = sh.ride_line(&tt, p, 0, n - 1);
            let stops = tt.pattern_stops(tt.pattern(p));
            for (end, s) in [(line[0], stops[0]), (line[line.len() - 1], stops[n - 1])] {
                let st = tt.stop(s);
                let d = crate::walk::distance_m(end.0, end.1, st.lat, st.lon);
                assert!(d < 60.0, "pattern {p:?}: {d} m from {}", st.name);
            }
        }
    }

    #[test]
    fn quantized_deltas_round_trip() {
        let mut s = Shapes {
            start: vec![0].into(),
            ..Shapes::default()
        };
        push_shape(
            &mut s,
            &[
                (1, 45.52193, -122.67611),
                (2, 45.53, -122.66),
                (3, 45.5, -122.7),
            ],
        );
        s.ids.push("a");
        let p = s.points(0);
        assert_eq!(p.len(), 3);
        assert!((p[2].0 - 45.5).abs() < 1e-9 && (p[2].1 + 122.7).abs() < 1e-9);
        assert!((p[0].0 - 45.52193).abs() < 1e-9);
    }
}
