//! The timetable's stops, as flat columns decoded into a [`Stop`] only when a query reads one.
//!
//! A country has hundreds of thousands of stops; decoding all of them on every start would
//! cost more than the search, and storing each as a self-contained record repeated what the
//! columns already hold. So every field is a column of plain data borrowed from the mapped
//! cache: stop ids, coordinates (in 1e-7 degrees when that is exact) and parent stations
//! (what whole-network passes read: the spatial index, the street-map area test, validation
//! on open), location type and wheelchair boarding, and indices into one interned string
//! table for names (a name shared by the stops on both sides of a street is stored once) and,
//! for the few stops that have them, codes, platform codes and zones. A [`Stop`] is assembled
//! from the columns on first access (`stops[i]`, [`Stops::iter`]). `by_id` lists the stops
//! sorted by stop_id, so a `stop:<id>` argument is a binary search, not a scan of every id.
//! The compiler's stops are all decoded already (built from a `Vec<Stop>`).

use super::flat::{NO_STRING, Store, StrTable};
use super::frontcode::FrontCoded;
use super::{Stop, StopIdx, Trip, Wheelchair};
use std::sync::OnceLock;

/// Stops per block of assembled stops.
const BLOCK: usize = 256;
type Block = [OnceLock<Box<Stop>>; BLOCK];

fn empty_block() -> Box<Block> {
    Box::new(std::array::from_fn(|_| OnceLock::new()))
}

/// No parent station (in [`Stops::parents`]).
const NO_PARENT: u32 = u32::MAX;
/// A missing (NaN) coordinate in [`Stops::lats_e7`]: `i32::MIN`.
pub const NO_COORD: u32 = 0x8000_0000;

/// `x` in 1e-7 degrees, if that gives back exactly `x` (a NaN gives [`NO_COORD`]).
fn to_e7(x: f64) -> Option<u32> {
    if x.is_nan() {
        return Some(NO_COORD);
    }
    let n = (x * 1e7).round();
    (n.abs() < i32::MAX as f64 && from_e7(n as i32 as u32).to_bits() == x.to_bits())
        .then_some(n as i32 as u32)
}

fn from_e7(w: u32) -> f64 {
    if w == NO_COORD {
        f64::NAN
    } else {
        w as i32 as f64 / 1e7
    }
}

#[derive(Clone, Default)]
pub struct Stops {
    /// stop_id per stop.
    pub ids: StrTable,
    /// Stop indices sorted by (stop_id bytes, index): the id lookup. Empty when that is the
    /// stops' own order (stops.txt sorted by id, as many feeds are).
    pub by_id: Store<u32>,
    /// Coordinates in 1e-7 degrees (`i32` bits; [`NO_COORD`] for a stop without) when every
    /// stop's round-trips exactly — stops.txt rarely gives more than 7 decimals — else empty.
    pub lats_e7: Store<u32>,
    pub lons_e7: Store<u32>,
    /// Coordinates as parsed, when they do not all fit the 1e-7 columns (else empty).
    pub lats: Store<f64>,
    pub lons: Store<f64>,
    /// Parent stations: per stop (`u32::MAX` for none) when more than half the stops have one
    /// (`child_stops` empty); else only for the stops in `child_stops` (ascending), most feeds
    /// giving a parent to few stops or none.
    pub parents: Store<u32>,
    pub child_stops: Store<u32>,
    /// Names, codes, platform codes and time zones, each distinct string once, sorted and
    /// front-coded (names of one street share their prefix).
    pub strings: FrontCoded,
    /// Per stop, its name's index into `strings`.
    pub names: Store<u32>,
    /// The stops that have a stop_code, platform_code or stop_timezone (ascending; most
    /// feeds give none or not all), and per such stop three indices into `strings`: code,
    /// platform code, zone ([`NO_STRING`] when absent).
    pub extra_stops: Store<u32>,
    pub extras: Store<u32>,
    /// GTFS location_type per stop; empty when every stop's is 0.
    pub kinds: Store<u8>,
    /// Wheelchair boarding per stop (the code of [`Trip::wheelchair_to_code`]); empty when
    /// every stop's is 0 (unknown).
    pub wheelchair: Store<u8>,
    /// Assembled stops, in blocks of [`BLOCK`] allocated when one of theirs is first read: so
    /// opening a country's timetable does not allocate (and free) a cell per stop.
    decoded: Vec<OnceLock<Box<Block>>>,
}

impl Stops {
    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Makes room for lazily decoded stops after the columns were loaded.
    pub(super) fn reset(&mut self) {
        self.decoded = (0..self.len().div_ceil(BLOCK))
            .map(|_| OnceLock::new())
            .collect();
    }

    /// Stop `i`, assembled from the columns on first use. The columns' lengths are checked
    /// on open; string indices out of range (a damaged cache) read as "".
    pub fn get(&self, i: usize) -> Option<&Stop> {
        if i >= self.len() {
            return None;
        }
        let cell = &self.decoded.get(i / BLOCK)?.get_or_init(empty_block)[i % BLOCK];
        Some(cell.get_or_init(|| Box::new(self.decode(i))))
    }

    fn decode(&self, i: usize) -> Stop {
        let extra = self
            .extra_stops
            .binary_search(&(i as u32))
            .ok()
            .and_then(|k| self.extras.get(3 * k..3 * k + 3));
        let opt = |j: usize| {
            let s = extra.map_or(NO_STRING, |e| e[j]);
            self.strings.opt(s)
        };
        Stop {
            id: self.id(i).to_string(),
            code: opt(0),
            name: self.strings.get(self.names[i]),
            lat: self.lat(i),
            lon: self.lon(i),
            parent: self.parent(i),
            location_type: self.kinds.get(i).copied().unwrap_or(0),
            wheelchair: match self.wheelchair.get(i).copied().unwrap_or(0) {
                1 => Wheelchair::Accessible,
                2 => Wheelchair::NotAccessible,
                _ => Wheelchair::Unknown,
            },
            platform_code: opt(1),
            timezone: opt(2),
        }
    }

    /// The stop_code of stop `i`, if it has one (without assembling the stop).
    pub fn code(&self, i: usize) -> Option<String> {
        let k = self.extra_stops.binary_search(&(i as u32)).ok()?;
        self.strings.opt(*self.extras.get(3 * k)?)
    }

    /// The stop_id of stop `i`.
    pub fn id(&self, i: usize) -> &str {
        self.ids.get(i as u32)
    }

    /// The stops whose stop_id is exactly `id`, ascending: a binary search of `by_id`.
    pub fn with_id(&self, id: &str) -> impl Iterator<Item = StopIdx> + '_ {
        let n = self.len();
        let sorted = |r: usize| {
            if self.by_id.is_empty() {
                r as u32
            } else {
                self.by_id[r]
            }
        };
        let key = |r: usize| self.ids.get(sorted(r));
        // partition_point over ranks 0..n.
        let first = |pred: &dyn Fn(&str) -> bool, mut lo: usize| {
            let mut hi = n;
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if pred(key(mid)) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            lo
        };
        let a = first(&|k| k < id, 0);
        let b = first(&|k| k == id, a);
        (a..b).map(move |r| StopIdx(sorted(r)))
    }

    pub fn lat(&self, i: usize) -> f64 {
        match self.lats.get(i) {
            Some(&x) => x,
            None => from_e7(self.lats_e7[i]),
        }
    }

    pub fn lon(&self, i: usize) -> f64 {
        match self.lons.get(i) {
            Some(&x) => x,
            None => from_e7(self.lons_e7[i]),
        }
    }

    pub fn parent(&self, i: usize) -> Option<StopIdx> {
        let p = if self.child_stops.is_empty() {
            self.parents.get(i).copied()?
        } else {
            let k = self.child_stops.binary_search(&(i as u32)).ok()?;
            self.parents[k]
        };
        (p != NO_PARENT).then_some(StopIdx(p))
    }

    /// The stops whose parent station is `s`, ascending: a pass over the parent column, which
    /// in the sparse form holds only the stops that have a parent.
    pub fn children(&self, s: StopIdx) -> impl Iterator<Item = StopIdx> + '_ {
        let sparse = !self.child_stops.is_empty();
        (0..self.parents.len())
            .filter(move |&k| self.parents[k] == s.0)
            .map(move |k| {
                StopIdx(if sparse {
                    self.child_stops[k]
                } else {
                    k as u32
                })
            })
    }

    /// Are the parent columns consistent (checked on open: every parent a stop, the sparse
    /// form's stops ascending)?
    pub(super) fn parents_valid(&self) -> bool {
        let ns = self.len();
        let dense = self.child_stops.is_empty() && self.parents.len() == ns;
        let sparse = self.child_stops.len() == self.parents.len()
            && self.child_stops.windows(2).all(|w| w[0] < w[1])
            && self.child_stops.last().is_none_or(|&s| (s as usize) < ns);
        (dense || sparse)
            && self
                .parents
                .iter()
                .all(|&p| p == NO_PARENT || (p as usize) < ns)
    }

    /// Does any stop lie in the box `[south, west, north, east]` (degrees, inclusive)? A
    /// whole-network pass on every run (is a street map's area served?), so the 1e-7 columns
    /// are compared as integers, against the box's exact integer bounds.
    pub fn any_within(&self, [s, w, n, e]: [f64; 4]) -> bool {
        if self.lats_e7.is_empty() {
            return (0..self.len()).any(|i| {
                let (lat, lon) = (self.lats[i], self.lons[i]);
                lat >= s && lat <= n && lon >= w && lon <= e
            });
        }
        // The integer range whose coordinates (from_e7, which is monotonic) lie in [lo, hi].
        let range = |lo: f64, hi: f64| -> (i64, i64) {
            let at = |k: i64| k as f64 / 1e7;
            let mut a = (lo * 1e7).ceil() as i64;
            while at(a - 1) >= lo {
                a -= 1;
            }
            while at(a) < lo {
                a += 1;
            }
            let mut b = (hi * 1e7).floor() as i64;
            while at(b + 1) <= hi {
                b += 1;
            }
            while at(b) > hi {
                b -= 1;
            }
            (a, b)
        };
        let ((la, lb), (oa, ob)) = (range(s, n), range(w, e));
        self.lats_e7
            .iter()
            .zip(self.lons_e7.iter())
            .any(|(&y, &x)| {
                let (y, x) = (y as i32 as i64, x as i32 as i64);
                y != NO_COORD as i32 as i64 && (la..=lb).contains(&y) && (oa..=ob).contains(&x)
            })
    }

    /// Every stop, decoding those not read yet.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &Stop> + '_ {
        (0..self.len()).map(|i| &self[i])
    }
}

impl std::ops::Index<usize> for Stops {
    type Output = Stop;
    fn index(&self, i: usize) -> &Stop {
        match self.get(i) {
            Some(s) => s,
            None => panic!("stop index {i} out of range ({} stops)", self.len()),
        }
    }
}

impl From<Vec<Stop>> for Stops {
    fn from(v: Vec<Stop>) -> Self {
        let mut ids = StrTable::default();
        // Every distinct string, sorted (so neighbours share prefixes), then each stop's
        // indices into that order.
        let mut distinct: Vec<&str> = Vec::new();
        let (mut extra_stops, mut with_extras) = (Vec::new(), Vec::new());
        for (i, s) in v.iter().enumerate() {
            ids.push(&s.id);
            distinct.push(&s.name);
            let e = [&s.code, &s.platform_code, &s.timezone].map(|x| x.as_deref());
            if e.iter().any(Option::is_some) {
                extra_stops.push(i as u32);
                with_extras.push(e);
                distinct.extend(e.into_iter().flatten());
            }
        }
        distinct.sort_unstable();
        distinct.dedup();
        let index = |s: &str| distinct.binary_search(&s).map_or(NO_STRING, |k| k as u32);
        let names: Vec<u32> = v.iter().map(|s| index(&s.name)).collect();
        let extras: Vec<u32> = with_extras
            .iter()
            .flat_map(|e| e.map(|x| x.map_or(NO_STRING, index)))
            .collect();
        let mut by_id: Vec<u32> = (0..v.len() as u32).collect();
        by_id.sort_by(|&a, &b| v[a as usize].id.cmp(&v[b as usize].id).then(a.cmp(&b)));
        if by_id.iter().enumerate().all(|(r, &s)| r == s as usize) {
            by_id.clear();
        }
        // A column of zeros is left out.
        let col = |f: &dyn Fn(&Stop) -> u8| {
            let c: Vec<u8> = v.iter().map(f).collect();
            if c.iter().all(|&x| x == 0) {
                Vec::new()
            } else {
                c
            }
            .into()
        };
        let parent_of: Vec<u32> = v
            .iter()
            .map(|s| s.parent.map_or(NO_PARENT, |p| p.0))
            .collect();
        let children = parent_of.iter().filter(|&&p| p != NO_PARENT).count();
        let (parents, child_stops): (Vec<u32>, Vec<u32>) = if children * 2 > v.len() {
            (parent_of, Vec::new())
        } else {
            let kids = (0..v.len() as u32).filter(|&i| parent_of[i as usize] != NO_PARENT);
            (
                kids.clone().map(|i| parent_of[i as usize]).collect(),
                kids.collect(),
            )
        };
        let e7: Option<(Vec<u32>, Vec<u32>)> = v
            .iter()
            .map(|s| Some((to_e7(s.lat)?, to_e7(s.lon)?)))
            .collect::<Option<Vec<_>>>()
            .map(|v| v.into_iter().unzip());
        let ((lats_e7, lons_e7), (lats, lons)) = match e7 {
            Some(e7) => (e7, Default::default()),
            None => (
                Default::default(),
                v.iter()
                    .map(|s| (s.lat, s.lon))
                    .unzip::<_, _, Vec<_>, Vec<_>>(),
            ),
        };
        Stops {
            ids,
            by_id: by_id.into(),
            lats_e7: lats_e7.into(),
            lons_e7: lons_e7.into(),
            lats: lats.into(),
            lons: lons.into(),
            parents: parents.into(),
            child_stops: child_stops.into(),
            strings: FrontCoded::build(&distinct),
            names: names.into(),
            extra_stops: extra_stops.into(),
            extras: extras.into(),
            kinds: col(&|s| s.location_type),
            wheelchair: col(&|s| Trip::wheelchair_to_code(s.wheelchair)),
            decoded: {
                let mut blocks = Vec::with_capacity(v.len().div_ceil(BLOCK));
                for (i, s) in v.into_iter().enumerate() {
                    if i % BLOCK == 0 {
                        blocks.push(OnceLock::from(empty_block()));
                    }
                    if let Some(b) = blocks.last_mut().and_then(OnceLock::get_mut) {
                        b[i % BLOCK] = OnceLock::from(Box::new(s));
                    }
                }
                blocks
            },
        }
    }
}

impl std::fmt::Debug for Stops {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stop(id: &str, name: &str) -> Stop {
        Stop {
            id: id.into(),
            code: None,
            name: name.into(),
            lat: 45.0,
            lon: -122.0,
            parent: None,
            location_type: 0,
            wheelchair: Wheelchair::Unknown,
            platform_code: None,
            timezone: None,
        }
    }

    #[test]
    fn ids_are_found_by_binary_search_and_names_stored_once() {
        let mut coded = stop("c", "Oak");
        coded.code = Some("77".into());
        coded.timezone = Some("America/New_York".into());
        let stops = Stops::from(vec![
            stop("b", "Main St"),
            stop("a", "Main St"),
            coded,
            stop("a", "Elm"),
        ]);
        let found = |id: &str| stops.with_id(id).map(|s| s.0).collect::<Vec<_>>();
        assert_eq!(found("a"), [1, 3]);
        assert_eq!(found("b"), [0]);
        assert_eq!(found("c"), [2]);
        assert!(found("").is_empty() && found("aa").is_empty() && found("d").is_empty());
        // Stops already in id order: no index, the same answers.
        let sorted = Stops::from(vec![
            stop("a", "A"),
            stop("a", "A"),
            stop("b", "B"),
            stop("d", "D"),
        ]);
        assert!(sorted.by_id.is_empty());
        let found = |id: &str| sorted.with_id(id).map(|s| s.0).collect::<Vec<_>>();
        assert_eq!(
            (found("a"), found("b"), found("d")),
            (vec![0, 1], vec![2], vec![3])
        );
        assert!(found("").is_empty() && found("c").is_empty() && found("e").is_empty());
        assert_eq!(stops.strings.capacity(), 16);
        assert_eq!(
            (0..6).map(|i| stops.strings.get(i)).collect::<Vec<_>>(),
            ["77", "America/New_York", "Elm", "Main St", "Oak", ""]
        );
        assert_eq!((&*stops.extra_stops, stops.extras.len()), (&[2][..], 3));
        assert_eq!(stops.extras[1], NO_STRING);
        let mut fresh = stops.clone();
        fresh.reset();
        assert_eq!(fresh[1].name, "Main St");
        assert_eq!(fresh[2].code.as_deref(), Some("77"));
        assert_eq!(fresh[3].code, None);
        assert_eq!(format!("{fresh:?}"), format!("{stops:?}"));
        assert!(stops.lats.is_empty() && stops.lats_e7.len() == 4);
    }

    #[test]
    fn parents_and_zero_columns_take_the_smaller_form() {
        let with = |parents: &[Option<u32>]| {
            let v: Vec<Stop> = parents
                .iter()
                .enumerate()
                .map(|(i, &p)| {
                    let mut s = stop(&i.to_string(), "S");
                    s.parent = p.map(StopIdx);
                    s
                })
                .collect();
            let stops = Stops::from(v);
            assert!(stops.parents_valid());
            for (i, &p) in parents.iter().enumerate() {
                assert_eq!(stops.parent(i), p.map(StopIdx), "stop {i}");
                let kids: Vec<usize> = (0..parents.len())
                    .filter(|&c| parents[c] == Some(i as u32))
                    .collect();
                let got: Vec<usize> = stops.children(StopIdx(i as u32)).map(|c| c.ix()).collect();
                assert_eq!(got, kids, "children of {i}");
            }
            let mut fresh = stops.clone();
            fresh.reset();
            assert_eq!(format!("{fresh:?}"), format!("{stops:?}"));
            stops
        };
        // None, few (sparse: only the children), most (one per stop).
        let none = with(&[None, None, None]);
        assert!(none.parents.is_empty() && none.child_stops.is_empty());
        let few = with(&[None, Some(0), None, None, Some(0)]);
        assert_eq!(
            (&*few.child_stops, &*few.parents),
            (&[1, 4][..], &[0, 0][..])
        );
        let most = with(&[Some(2), Some(2), None]);
        assert_eq!((most.child_stops.len(), most.parents.len()), (0, 3));
        assert!(with(&[]).parents_valid());
        // A parent outside the stops, or sparse stops out of order: invalid.
        let mut bad = few.clone();
        bad.parents.modify(|p| p[0] = 5);
        assert!(!bad.parents_valid());
        let mut bad = few.clone();
        bad.child_stops.modify(|c| c.swap(0, 1));
        assert!(!bad.parents_valid());
        // All-zero location types and wheelchair codes are left out and read as 0.
        assert!(none.kinds.is_empty() && none.wheelchair.is_empty());
        assert_eq!(
            (none[1].location_type, none[1].wheelchair),
            (0, Wheelchair::Unknown)
        );
        let mut station = stop("p", "P");
        station.location_type = 1;
        let mixed = Stops::from(vec![stop("a", "A"), station]);
        assert_eq!(&*mixed.kinds, &[0, 1]);
        assert!(mixed.wheelchair.is_empty());
    }

    #[test]
    fn coordinates_are_kept_exactly() {
        for x in [
            45.530095,
            -122.662224,
            35.227375,
            0.0,
            -0.0000001,
            179.9999999,
            -90.0,
        ] {
            assert_eq!(
                to_e7(x).map(|w| from_e7(w).to_bits()),
                Some(x.to_bits()),
                "{x}"
            );
        }
        assert!(from_e7(to_e7(f64::NAN).unwrap()).is_nan());
        // More than 7 decimals, or -0: kept as f64 for the whole feed.
        assert_eq!(to_e7(45.53009512), None);
        assert_eq!(to_e7(-0.0), None);
        let mut fine = stop("x", "X");
        fine.lat = 45.12345678;
        let stops = Stops::from(vec![stop("a", "A"), fine]);
        assert!(stops.lats_e7.is_empty() && stops.lats.len() == 2);
        assert_eq!((stops.lat(1), stops.lon(0)), (45.12345678, -122.0));
    }

    #[test]
    fn box_test_agrees_with_the_coordinates() {
        let at = |lat: f64, lon: f64| {
            let mut s = stop("a", "A");
            (s.lat, s.lon) = (lat, lon);
            s
        };
        let edge = Stops::from(vec![at(45.5, -122.7), at(f64::NAN, f64::NAN)]);
        let wide = Stops::from(vec![at(45.50000001, -122.7)]);
        assert!(!edge.lats_e7.is_empty() && wide.lats_e7.is_empty());
        for b in [
            [45.5, -122.7, 45.6, -122.6],
            [45.4, -122.8, 45.5, -122.7],
            [45.5000001, -122.8, 45.6, -122.6],
            [45.4, -122.8, 45.4999999, -122.6],
            [45.4, -122.69999999, 45.6, -122.6],
            [-90.0, -180.0, 90.0, 180.0],
        ] {
            let want = |st: &Stops| {
                (0..st.len()).any(|i| {
                    let (y, x) = (st.lat(i), st.lon(i));
                    y >= b[0] && y <= b[2] && x >= b[1] && x <= b[3]
                })
            };
            assert_eq!(edge.any_within(b), want(&edge), "{b:?}");
            assert_eq!(wide.any_within(b), want(&wide), "{b:?}");
        }
    }
}
