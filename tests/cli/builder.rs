//! Random small timetables for property tests: a [`Spec`] says what the feed means (stops,
//! trips with their times and rules, the dates each service runs, transfer rules), a proptest
//! strategy generates specs, and [`Spec::write_gtfs`] writes one as a GTFS directory so the
//! real reader and compiler see it exactly as they would a published feed.
//!
//! The oracle ([`super::oracle`]) reads the spec, never the compiled timetable, so a property
//! that compares the router with the oracle checks the compiler and the router together.
//!
//! Ids are positional: platform `i` is `S{i}`, station `j` is `P{j}`, trip `t` is `T{t}`,
//! route `r` is `R{r}`, service `v` is `V{v}`.

use chrono::{Datelike, NaiveDate};
use proptest::collection::vec;
use proptest::prelude::*;
use std::fmt::Write as _;
use std::path::Path;

/// Pioneer Courthouse Square: every spec's stops lie within about 1.5 km of it.
pub const CENTRE: (f64, f64) = (45.5189, -122.6793);
/// Degrees per grid step of stop coordinates (about 10 m north–south, 7 m east–west).
pub const GRID_DEG: f64 = 0.00009;
/// The agency time zone of every spec.
pub const TZ: &str = "America/Los_Angeles";

/// A platform (location_type 0): where trips stop.
#[derive(Clone, Debug)]
pub struct StopSpec {
    pub lat: f64,
    pub lon: f64,
    /// wheelchair_boarding as written: 0 (unknown, inherit from the station), 1 yes, 2 no.
    pub wheelchair: u8,
    /// Index into [`Spec::stations`].
    pub parent: Option<usize>,
}

/// A station (location_type 1): no trip stops at it; rules given for it apply to its platforms
/// and its wheelchair_boarding is inherited by platforms that say 0.
#[derive(Clone, Debug)]
pub struct StationSpec {
    pub lat: f64,
    pub lon: f64,
    pub wheelchair: u8,
}

/// One frequencies.txt row for a trip: departures `start + k·headway` for `start <= t < end`,
/// each a copy of the trip's stop times shifted so the first departure is `t`.
#[derive(Clone, Debug)]
pub struct FreqSpec {
    pub start: u32,
    pub end: u32,
    pub headway: u32,
    pub exact: bool,
}

#[derive(Clone, Debug)]
pub struct TripSpec {
    pub route: usize,
    pub service: usize,
    /// Platform indices, distinct, in order.
    pub stops: Vec<usize>,
    /// Seconds since "noon minus 12h" of the service day.
    pub arr: Vec<u32>,
    pub dep: Vec<u32>,
    /// pickup_type / drop_off_type as written: 0 regular, 1 none.
    pub pickup: Vec<u8>,
    pub drop_off: Vec<u8>,
    /// wheelchair_accessible as written: 0 unknown, 1 yes, 2 no.
    pub wheelchair: u8,
    pub frequency: Option<FreqSpec>,
    /// block_id `B{b}`.
    pub block: Option<usize>,
}

/// How a service's dates are written: the meaning (`active`) is the same either way.
#[derive(Clone, Debug)]
pub struct ServiceSpec {
    /// The dates the service runs (non-empty, sorted, within `first ..= last`).
    pub active: Vec<NaiveDate>,
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// false: calendar_dates.txt with exception_type 1 for each active date.
    /// true: a calendar.txt row over `first ..= last` whose weekday flags are set for the
    /// active dates and for the inactive dates in `removed`, which calendar_dates.txt then
    /// removes (exception_type 2).
    pub with_calendar: bool,
    pub removed: Vec<NaiveDate>,
}

/// One end of a transfers.txt row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    Stop(usize),
    Station(usize),
}

/// Which trips one end of a transfers.txt row is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sel {
    Any,
    Route(usize),
    Trip(usize),
}

#[derive(Clone, Debug)]
pub struct TransferSpec {
    pub from: Place,
    pub to: Place,
    /// transfer_type 0..=3.
    pub kind: u8,
    pub min_time: Option<u32>,
    /// from_route_id / from_trip_id (a trip wins if both would be written).
    pub from_sel: Sel,
    pub to_sel: Sel,
}

/// A transfers.txt row of type 4 (allowed: true) or 5 between two trips.
#[derive(Clone, Debug)]
pub struct InSeatSpec {
    pub from_trip: usize,
    pub to_trip: usize,
    pub allowed: bool,
}

/// A whole random timetable.
#[derive(Clone, Debug)]
pub struct Spec {
    /// The first date any service may run; the DST regime is chosen through it.
    pub base_date: NaiveDate,
    pub stops: Vec<StopSpec>,
    pub stations: Vec<StationSpec>,
    pub num_routes: usize,
    pub trips: Vec<TripSpec>,
    pub services: Vec<ServiceSpec>,
    pub transfers: Vec<TransferSpec>,
    /// Type 4 and 5 rows, written after `transfers`.
    pub in_seat: Vec<InSeatSpec>,
    /// Walking links between platforms along a street map, when the test lays one over the
    /// compiled timetable (not written to the feed): `(from, to) → metres`, all ways and
    /// step-free ways.
    pub street_links: Option<StreetLinks>,
}

/// See [`Spec::street_links`].
#[derive(Clone, Debug, Default)]
pub struct StreetLinks {
    pub any: std::collections::BTreeMap<(usize, usize), u32>,
    pub step_free: std::collections::BTreeMap<(usize, usize), u32>,
}

/// `HH:MM:SS`, hours may exceed 24.
pub fn hms(s: u32) -> String {
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

impl Place {
    pub fn id(self) -> String {
        match self {
            Place::Stop(i) => format!("S{i}"),
            Place::Station(j) => format!("P{j}"),
        }
    }
}

impl Spec {
    /// Number of stop_times rows written.
    pub fn num_stop_times(&self) -> usize {
        self.trips.iter().map(|t| t.stops.len()).sum()
    }

    /// Writes the spec as a GTFS directory at `dir` (which must exist).
    pub fn write_gtfs(&self, dir: &Path) -> std::io::Result<()> {
        let mut files: Vec<(&str, String)> = Vec::new();
        files.push((
            "agency.txt",
            format!(
                "agency_id,agency_name,agency_url,agency_timezone\nA,Test Transit,https://example.invalid,{TZ}\n"
            ),
        ));

        let mut s = String::from(
            "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station,wheelchair_boarding\n",
        );
        for (j, st) in self.stations.iter().enumerate() {
            let _ = writeln!(
                s,
                "P{j},Station {j},{},{},1,,{}",
                st.lat, st.lon, st.wheelchair
            );
        }
        for (i, st) in self.stops.iter().enumerate() {
            let parent = st.parent.map(|p| format!("P{p}")).unwrap_or_default();
            let _ = writeln!(
                s,
                "S{i},Stop {i},{},{},0,{parent},{}",
                st.lat, st.lon, st.wheelchair
            );
        }
        files.push(("stops.txt", s));

        let mut s =
            String::from("route_id,agency_id,route_short_name,route_long_name,route_type\n");
        for r in 0..self.num_routes {
            let _ = writeln!(s, "R{r},A,{r},Route {r},3");
        }
        files.push(("routes.txt", s));

        let mut s = String::from("route_id,service_id,trip_id,wheelchair_accessible,block_id\n");
        for (t, tr) in self.trips.iter().enumerate() {
            let block = tr.block.map(|b| format!("B{b}")).unwrap_or_default();
            let _ = writeln!(
                s,
                "R{},V{},T{t},{},{block}",
                tr.route, tr.service, tr.wheelchair
            );
        }
        files.push(("trips.txt", s));

        let mut s = String::from(
            "trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type,drop_off_type\n",
        );
        for (t, tr) in self.trips.iter().enumerate() {
            for k in 0..tr.stops.len() {
                // Sequence numbers need only increase; gaps exercise that.
                let _ = writeln!(
                    s,
                    "T{t},{},{},S{},{},{},{}",
                    hms(tr.arr[k]),
                    hms(tr.dep[k]),
                    tr.stops[k],
                    k * 10 + 1,
                    tr.pickup[k],
                    tr.drop_off[k]
                );
            }
        }
        files.push(("stop_times.txt", s));

        let mut cal = String::from(
            "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n",
        );
        let mut cal_dates = String::from("service_id,date,exception_type\n");
        let mut any_calendar = false;
        for (v, sv) in self.services.iter().enumerate() {
            if sv.with_calendar {
                any_calendar = true;
                let mut days = [0u8; 7];
                for d in sv.active.iter().chain(&sv.removed) {
                    days[d.weekday().num_days_from_monday() as usize] = 1;
                }
                let flags: Vec<String> = days.iter().map(|d| d.to_string()).collect();
                let _ = writeln!(
                    cal,
                    "V{v},{},{},{}",
                    flags.join(","),
                    ymd(sv.first),
                    ymd(sv.last)
                );
                for d in &sv.removed {
                    let _ = writeln!(cal_dates, "V{v},{},2", ymd(*d));
                }
            } else {
                for d in &sv.active {
                    let _ = writeln!(cal_dates, "V{v},{},1", ymd(*d));
                }
            }
        }
        if any_calendar {
            files.push(("calendar.txt", cal));
        }
        files.push(("calendar_dates.txt", cal_dates));

        if !self.transfers.is_empty() || !self.in_seat.is_empty() {
            let mut s = String::from(
                "from_stop_id,to_stop_id,from_route_id,to_route_id,from_trip_id,to_trip_id,transfer_type,min_transfer_time\n",
            );
            let sel = |x: Sel| match x {
                Sel::Any => ",".to_string(),
                Sel::Route(r) => format!("R{r},"),
                Sel::Trip(t) => format!(",T{t}"),
            };
            for x in &self.transfers {
                let time = x.min_time.map(|t| t.to_string()).unwrap_or_default();
                let (fr, ft) = sel(x.from_sel)
                    .split_once(',')
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .unwrap_or_default();
                let (tr, tt) = sel(x.to_sel)
                    .split_once(',')
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .unwrap_or_default();
                let _ = writeln!(
                    s,
                    "{},{},{fr},{tr},{ft},{tt},{},{time}",
                    x.from.id(),
                    x.to.id(),
                    x.kind
                );
            }
            for x in &self.in_seat {
                let _ = writeln!(
                    s,
                    ",,,,T{},T{},{},",
                    x.from_trip,
                    x.to_trip,
                    if x.allowed { 4 } else { 5 }
                );
            }
            files.push(("transfers.txt", s));
        }

        if self.trips.iter().any(|t| t.frequency.is_some()) {
            let mut s = String::from("trip_id,start_time,end_time,headway_secs,exact_times\n");
            for (t, tr) in self.trips.iter().enumerate() {
                if let Some(f) = &tr.frequency {
                    let _ = writeln!(
                        s,
                        "T{t},{},{},{},{}",
                        hms(f.start),
                        hms(f.end),
                        f.headway,
                        u8::from(f.exact)
                    );
                }
            }
            files.push(("frequencies.txt", s));
        }

        for (name, body) in files {
            std::fs::write(dir.join(name), body)?;
        }
        Ok(())
    }

    /// Writes the spec into a fresh temporary directory, reads it with the library's reader and
    /// compiles it. The directory is returned so a failing case can be inspected while it lives.
    pub fn compile(&self) -> Result<(tempfile::TempDir, gethere::timetable::Timetable), String> {
        let dir =
            tempfile::tempdir().map_err(|e| format!("creating a temporary directory: {e}"))?;
        self.write_gtfs(dir.path())
            .map_err(|e| format!("writing {}: {e}", dir.path().display()))?;
        let raw = gethere::feed::load::read_raw(dir.path()).map_err(|e| e.to_string())?;
        let mut tt = gethere::timetable::compile::compile(&raw, "test", "0".repeat(64))
            .map_err(|e| e.to_string())?;
        // Cells of the size a city feed's would be hold all of a spec's few stops (one cell:
        // no pruning); small ones give most stops their own, so that every property test
        // also runs the router's goal-directed pruning (`router::lower`).
        tt.cells = gethere::timetable::cells::build(&tt, Some(TEST_CELL_M));
        Ok((dir, tt))
    }
}

/// The cell size of a compiled spec's cell graph (see [`Spec::compile`]).
pub const TEST_CELL_M: u32 = 100;

// --- hand-built specs ------------------------------------------------------------------------

impl Spec {
    /// An empty spec (one route, no stops) starting on `base_date`, for hand-written tests.
    pub fn empty(base_date: NaiveDate) -> Spec {
        Spec {
            base_date,
            stops: Vec::new(),
            stations: Vec::new(),
            num_routes: 1,
            trips: Vec::new(),
            services: Vec::new(),
            transfers: Vec::new(),
            in_seat: Vec::new(),
            street_links: None,
        }
    }

    /// Adds a platform `north_m`/`east_m` metres from [`CENTRE`]; returns its index.
    pub fn stop(&mut self, north_m: f64, east_m: f64) -> usize {
        let lat = CENTRE.0 + north_m / 111_195.0;
        let lon = CENTRE.1 + east_m / (111_195.0 * CENTRE.0.to_radians().cos());
        self.stops.push(StopSpec {
            lat,
            lon,
            wheelchair: 0,
            parent: None,
        });
        self.stops.len() - 1
    }

    /// Adds a service running on `dates` (written to calendar_dates.txt); returns its index.
    pub fn service(&mut self, dates: &[NaiveDate]) -> usize {
        let mut active = dates.to_vec();
        active.sort();
        self.services.push(ServiceSpec {
            first: active[0],
            last: active[active.len() - 1],
            active,
            with_calendar: false,
            removed: Vec::new(),
        });
        self.services.len() - 1
    }

    /// Adds a trip of route 0 calling at `(stop, arrival, departure)`; returns its index.
    pub fn trip(&mut self, service: usize, calls: &[(usize, u32, u32)]) -> usize {
        self.trips.push(TripSpec {
            route: 0,
            service,
            stops: calls.iter().map(|c| c.0).collect(),
            arr: calls.iter().map(|c| c.1).collect(),
            dep: calls.iter().map(|c| c.2).collect(),
            pickup: vec![0; calls.len()],
            drop_off: vec![0; calls.len()],
            wheelchair: 0,
            frequency: None,
            block: None,
        });
        self.trips.len() - 1
    }

    /// Adds a transfers.txt row.
    pub fn transfer(&mut self, from: Place, to: Place, kind: u8, min_time: Option<u32>) {
        self.transfers.push(TransferSpec {
            from,
            to,
            kind,
            min_time,
            from_sel: Sel::Any,
            to_sel: Sel::Any,
        });
    }

    /// Adds a transfers.txt row limited to routes or trips.
    pub fn transfer_between(
        &mut self,
        (from, from_sel): (Place, Sel),
        (to, to_sel): (Place, Sel),
        kind: u8,
        min_time: Option<u32>,
    ) {
        self.transfers.push(TransferSpec {
            from,
            to,
            kind,
            min_time,
            from_sel,
            to_sel,
        });
    }
}

// --- strategies ------------------------------------------------------------------------------
//
// Strategies generate small plain numbers (indices reduced modulo a count, offsets, bit masks)
// that `assemble` turns into a valid spec, so proptest shrinks towards fewer, earlier, simpler
// things without ever producing an invalid feed.

/// The dates a spec may start on: around the fall-back day, around the spring-forward day, and
/// an ordinary summer week.
pub fn base_dates() -> [NaiveDate; 3] {
    [
        NaiveDate::from_ymd_opt(2021, 11, 5).expect("valid date"),
        NaiveDate::from_ymd_opt(2021, 3, 12).expect("valid date"),
        NaiveDate::from_ymd_opt(2021, 6, 1).expect("valid date"),
    ]
}

/// Raw numbers for one trip; see [`assemble`].
#[derive(Clone, Debug)]
struct RawTrip {
    service: usize,
    /// None: fresh times from `first_dep`; Some(shift): the previous trip of this sequence,
    /// shifted by `shift` seconds (0 gives equal times), with `hops` added on top.
    copy_shift: Option<i32>,
    first_dep: u32,
    hops: Vec<u32>,
    dwells: Vec<u32>,
    no_pickup: u8,
    no_drop_off: u8,
    wheelchair: u8,
    frequency: Option<(u32, u32, bool)>,
}

fn raw_trip() -> impl Strategy<Value = RawTrip> {
    (
        0usize..3,
        prop_oneof![
            6 => Just(None),
            1 => Just(Some(0)),
            1 => (-5i32..=5).prop_map(|m| Some(m * 60)),
            1 => (-300i32..=300).prop_map(Some),
        ],
        // Mostly a busy morning (so trips connect), some at any time, some around midnight;
        // often on whole minutes, as timetables are, so that times tie and changes have
        // exactly zero slack.
        // and a few starting past 24:00 (written on the previous service day).
        prop_oneof![
            6 => (7 * 60u32..=9 * 60).prop_map(|m| m * 60),
            2 => 7 * 3600u32..=9 * 3600,
            2 => 0u32..=26 * 3600,
            2 => (23 * 60u32..=25 * 60).prop_map(|m| m * 60),
            1 => (24 * 60u32..=30 * 60).prop_map(|m| m * 60),
        ],
        // Hops of minutes, and now and then of hours (an intercity train through the night):
        // such trips run past 48:00 and make journeys of two or three days.
        vec(
            prop_oneof![
                2 => Just(0u32),
                8 => (0u32..=20).prop_map(|m| m * 60),
                4 => 0u32..=1200,
                1 => (1u32..=20).prop_map(|h| h * 3600),
            ],
            4,
        ),
        vec(
            prop_oneof![3 => Just(0u32), 1 => Just(60u32), 1 => 0u32..=120],
            5,
        ),
        // Bit masks over stop positions; mostly zero.
        prop_oneof![3 => Just(0u8), 1 => any::<u8>()],
        prop_oneof![3 => Just(0u8), 1 => any::<u8>()],
        0u8..=2,
        prop_oneof![
            5 => Just(None),
            1 => (300u32..=1800, 1u32..=3, any::<bool>()).prop_map(Some)
        ],
    )
        .prop_map(
            |(service, copy_shift, first_dep, hops, dwells, np, nd, wheelchair, frequency)| {
                RawTrip {
                    service,
                    copy_shift,
                    first_dep,
                    hops,
                    dwells,
                    no_pickup: np,
                    no_drop_off: nd,
                    wheelchair,
                    frequency,
                }
            },
        )
}

/// One stop sequence of a route with its trips.
#[derive(Clone, Debug)]
struct RawSequence {
    /// A permutation of all stops; the first `len` form the sequence.
    order: Vec<usize>,
    len: usize,
    trips: Vec<RawTrip>,
}

fn raw_sequence(n: usize) -> impl Strategy<Value = RawSequence> {
    (
        Just((0..n).collect::<Vec<usize>>()).prop_shuffle(),
        2usize..=5,
        vec(raw_trip(), 1..=3),
    )
        .prop_map(|(order, len, trips)| RawSequence { order, len, trips })
}

#[derive(Clone, Debug)]
struct RawService {
    offset: u64,
    len: u64,
    /// Bit k: runs on `first + k`; reduced to a non-empty mask.
    mask: u8,
    with_calendar: bool,
    /// Bit k: an inactive date whose weekday flag is set anyway, then removed.
    removal_mask: u8,
}

fn raw_service() -> impl Strategy<Value = RawService> {
    (0u64..=2, 2u64..=4, any::<u8>(), any::<bool>(), any::<u8>()).prop_map(
        |(offset, len, mask, with_calendar, removal_mask)| RawService {
            offset,
            len,
            mask,
            with_calendar,
            removal_mask,
        },
    )
}

#[derive(Clone, Debug)]
struct RawTransfer {
    from: (bool, usize),
    to: (bool, usize),
    same: bool,
    kind: u8,
    time: u32,
    /// (0 any, 1 route, 2 trip; index) for each end.
    from_sel: (u8, usize),
    to_sel: (u8, usize),
}

fn raw_sel() -> impl Strategy<Value = (u8, usize)> {
    (
        prop_oneof![4 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)],
        0usize..64,
    )
}

fn raw_transfer() -> impl Strategy<Value = RawTransfer> {
    (
        (prop::bool::weighted(0.15), 0usize..8),
        (prop::bool::weighted(0.15), 0usize..8),
        prop::bool::weighted(0.5),
        prop_oneof![3 => Just(2u8), 2 => Just(3u8), 1 => Just(1u8), 1 => Just(0u8)],
        prop_oneof![
            1 => Just(0u32),
            2 => (0u32..=15).prop_map(|m| m * 60),
            2 => 0u32..=900,
        ],
        raw_sel(),
        raw_sel(),
    )
        .prop_map(
            |(from, to, same, kind, time, from_sel, to_sel)| RawTransfer {
                from,
                to,
                same,
                kind,
                time,
                from_sel,
                to_sel,
            },
        )
}

/// A trip made to continue another: it starts where trip `source` (reduced modulo the trips)
/// ends, `gap` seconds after it arrives, and goes on to `len` more stops of `order`; `kind`
/// 0 links them by a shared block, 1 by a type 4 row, 2 by a block and a type 5 row, 3 by a
/// block on another service.
#[derive(Clone, Debug)]
struct RawContinuation {
    source: usize,
    gap: u32,
    order: Vec<usize>,
    len: usize,
    hops: Vec<u32>,
    kind: u8,
    route: usize,
    wheelchair: u8,
}

fn raw_continuation(n: usize) -> impl Strategy<Value = RawContinuation> {
    (
        0usize..64,
        prop_oneof![2 => Just(0u32), 2 => (0u32..=5).prop_map(|m| m * 60), 1 => 0u32..=400],
        Just((0..n).collect::<Vec<usize>>()).prop_shuffle(),
        1usize..=3,
        vec(
            prop_oneof![1 => Just(0u32), 3 => (1u32..=15).prop_map(|m| m * 60)],
            3,
        ),
        prop_oneof![5 => Just(0u8), 2 => Just(1u8), 1 => Just(2u8), 1 => Just(3u8)],
        0usize..4,
        prop_oneof![3 => Just(0u8), 1 => 0u8..=2],
    )
        .prop_map(
            |(source, gap, order, len, hops, kind, route, wheelchair)| RawContinuation {
                source,
                gap,
                order,
                len,
                hops,
                kind,
                route,
                wheelchair,
            },
        )
}

/// A random spec: 3–8 stops, 0–2 stations, 1–4 routes of 1–3 sequences of 1–3 trips, 1–3
/// services, 0–8 transfer rules.
pub fn spec() -> impl Strategy<Value = Spec> {
    (3usize..=8, 0usize..3).prop_flat_map(|(n, regime)| {
        (
            Just(regime),
            vec(
                // Grid steps of about 10 m: anywhere within 1.5 km, or close to the centre
                // (so that some stops are a short walk apart).
                (
                    prop_oneof![1 => -150i32..=150, 1 => -15i32..=15],
                    prop_oneof![1 => -150i32..=150, 1 => -15i32..=15],
                    0u8..=2,
                    prop_oneof![3 => Just(None), 1 => (0usize..2).prop_map(Some)],
                ),
                n,
            ),
            vec((0u8..=2, any::<bool>()), 0..=2),
            vec(vec(raw_sequence(n), 1..=3), 1..=4),
            vec(raw_service(), 1..=3),
            vec(raw_transfer(), 0..=8),
            prop_oneof![1 => vec(raw_continuation(n), 0..=1), 3 => vec(raw_continuation(n), 1..=3)],
            vec(
                prop_oneof![4 => Just(None), 1 => (0usize..2).prop_map(Some)],
                12,
            ),
        )
            .prop_map(
                |(regime, stops, stations, routes, services, transfers, conts, blocks)| {
                    let mut s = assemble(regime, stops, stations, routes, services, transfers);
                    add_blocks(&mut s, &blocks, &conts);
                    s
                },
            )
    })
}

/// Random block ids on some trips (they link only where trips happen to meet), then trips made
/// to continue others (see [`RawContinuation`]); specific transfer rows are re-aimed at the
/// final routes and trips.
fn add_blocks(s: &mut Spec, blocks: &[Option<usize>], conts: &[RawContinuation]) {
    for (t, b) in s.trips.iter_mut().zip(blocks) {
        if t.frequency.is_none() {
            t.block = b.map(|b| b + 100);
        }
    }
    let mut next_block = 0usize;
    for c in conts {
        let src = c.source % s.trips.len();
        if s.trips[src].frequency.is_some() {
            continue;
        }
        let x = s.trips[src].clone();
        let last = *x.stops.last().expect("trips have stops");
        let mut stops_v = vec![last];
        stops_v.extend(c.order.iter().copied().filter(|&o| o != last).take(c.len));
        if stops_v.len() < 2 {
            continue;
        }
        let mut t = x.arr[x.arr.len() - 1] + c.gap;
        let mut arr = Vec::new();
        for k in 0..stops_v.len() {
            if k > 0 {
                t += c.hops[(k - 1) % c.hops.len()];
            }
            arr.push(t);
        }
        let service = if c.kind == 3 {
            (x.service + 1) % s.services.len()
        } else {
            x.service
        };
        let block = match c.kind {
            1 => None,
            _ => Some(x.block.unwrap_or_else(|| {
                next_block += 1;
                next_block - 1
            })),
        };
        if c.kind != 1 {
            s.trips[src].block = block;
        }
        let n = stops_v.len();
        s.trips.push(TripSpec {
            route: c.route % s.num_routes,
            service,
            stops: stops_v,
            dep: arr.clone(),
            arr,
            pickup: vec![0; n],
            drop_off: vec![0; n],
            wheelchair: c.wheelchair,
            frequency: None,
            block,
        });
        let y = s.trips.len() - 1;
        match c.kind {
            1 => s.in_seat.push(InSeatSpec {
                from_trip: src,
                to_trip: y,
                allowed: true,
            }),
            2 => s.in_seat.push(InSeatSpec {
                from_trip: src,
                to_trip: y,
                allowed: false,
            }),
            _ => {}
        }
    }
    let (routes, trips) = (s.num_routes, s.trips.len());
    for x in &mut s.transfers {
        for sel in [&mut x.from_sel, &mut x.to_sel] {
            *sel = match *sel {
                Sel::Any => Sel::Any,
                Sel::Route(r) => Sel::Route(r % routes),
                Sel::Trip(t) => Sel::Trip(t % trips),
            };
        }
    }
}

type RawStop = (i32, i32, u8, Option<usize>);

fn assemble(
    regime: usize,
    raw_stops: Vec<RawStop>,
    raw_stations: Vec<(u8, bool)>,
    routes: Vec<Vec<RawSequence>>,
    raw_services: Vec<RawService>,
    raw_transfers: Vec<RawTransfer>,
) -> Spec {
    let base_date = base_dates()[regime % 3];
    let coord = |dy: i32, dx: i32| {
        (
            CENTRE.0 + dy as f64 * GRID_DEG,
            CENTRE.1 + dx as f64 * GRID_DEG * 1.4,
        )
    };
    let stops: Vec<StopSpec> = raw_stops
        .iter()
        .map(|&(dy, dx, wheelchair, parent)| {
            let (lat, lon) = coord(dy, dx);
            StopSpec {
                lat,
                lon,
                wheelchair,
                parent: parent.filter(|&p| p < raw_stations.len()),
            }
        })
        .collect();
    // A station sits at its first platform (or the centre if it has none).
    let stations: Vec<StationSpec> = raw_stations
        .iter()
        .enumerate()
        .map(|(j, &(wheelchair, _))| {
            let (lat, lon) = stops
                .iter()
                .find(|s| s.parent == Some(j))
                .map(|s| (s.lat, s.lon))
                .unwrap_or(CENTRE);
            StationSpec {
                lat,
                lon,
                wheelchair,
            }
        })
        .collect();

    let services: Vec<ServiceSpec> = raw_services
        .iter()
        .map(|r| {
            let first = base_date + chrono::Days::new(r.offset);
            let last = first + chrono::Days::new(r.len - 1);
            let full = (1u8 << r.len) - 1;
            let mut mask = r.mask & full;
            if mask == 0 {
                mask = 1;
            }
            let day = |k: u64| first + chrono::Days::new(k);
            let active = (0..r.len)
                .filter(|&k| mask >> k & 1 == 1)
                .map(day)
                .collect();
            let removed = if r.with_calendar {
                (0..r.len)
                    .filter(|&k| mask >> k & 1 == 0 && r.removal_mask >> k & 1 == 1)
                    .map(day)
                    .collect()
            } else {
                Vec::new()
            };
            ServiceSpec {
                active,
                first,
                last,
                with_calendar: r.with_calendar,
                removed,
            }
        })
        .collect();

    let mut trips = Vec::new();
    for (route, seqs) in routes.iter().enumerate() {
        for seq in seqs {
            let len = seq.len.min(seq.order.len());
            let stops_v: Vec<usize> = seq.order[..len].to_vec();
            let mut prev: Option<(Vec<u32>, Vec<u32>)> = None;
            for rt in &seq.trips {
                let (arr, dep) = trip_times(rt, len, prev.as_ref());
                prev = Some((arr.clone(), dep.clone()));
                let frequency = rt.frequency.map(|(headway, count, exact)| FreqSpec {
                    start: dep[0],
                    // `count` departures: the last at start + (count-1)·headway < end.
                    end: dep[0] + headway * (count - 1) + 1 + headway / 2,
                    headway,
                    exact,
                });
                trips.push(TripSpec {
                    route,
                    service: rt.service % services.len(),
                    stops: stops_v.clone(),
                    arr,
                    dep,
                    pickup: (0..len).map(|k| rt.no_pickup >> k & 1).collect(),
                    drop_off: (0..len).map(|k| rt.no_drop_off >> k & 1).collect(),
                    wheelchair: rt.wheelchair,
                    frequency,
                    block: None,
                });
            }
        }
    }

    let place = |(station, i): (bool, usize)| {
        if station && !stations.is_empty() {
            Place::Station(i % stations.len())
        } else {
            Place::Stop(i % stops.len())
        }
    };
    let transfers = raw_transfers
        .iter()
        .map(|r| {
            let from = place(r.from);
            let to = if r.same { from } else { place(r.to) };
            let sel = |(k, i): (u8, usize)| match k {
                1 => Sel::Route(i),
                2 => Sel::Trip(i),
                _ => Sel::Any,
            };
            TransferSpec {
                from,
                to,
                kind: r.kind,
                // Type 2 always carries a time here; others sometimes carry one, which must be
                // ignored.
                min_time: (r.kind == 2 || r.time % 2 == 1).then_some(r.time),
                // Indices are reduced to real routes and trips in `add_blocks`.
                from_sel: sel(r.from_sel),
                to_sel: sel(r.to_sel),
            }
        })
        .collect();

    Spec {
        base_date,
        stops,
        stations,
        num_routes: routes.len(),
        trips,
        services,
        transfers,
        in_seat: Vec::new(),
        street_links: None,
    }
}

/// Times of one trip over `len` stops: hops of 0–20 min (now and then hours) between stops,
/// dwells of 0–2 min.
fn trip_times(
    rt: &RawTrip,
    len: usize,
    prev: Option<&(Vec<u32>, Vec<u32>)>,
) -> (Vec<u32>, Vec<u32>) {
    let mut arr = Vec::with_capacity(len);
    let mut dep = Vec::with_capacity(len);
    match (rt.copy_shift, prev) {
        (Some(shift), Some((pa, pd))) => {
            // A near copy of the previous trip: shifted, then each hop stretched by 0–2 min
            // (or a few seconds), so trips of one sequence tie at some stops and not at others,
            // or overtake.
            let mut extra = 0u32;
            for k in 0..len {
                if k > 0 {
                    let h = rt.hops[k - 1];
                    extra += if h.is_multiple_of(60) {
                        h / 60 % 3 * 60
                    } else {
                        h % 31
                    };
                }
                let shifted = |x: u32| (x as i64 + shift as i64 + extra as i64).max(0) as u32;
                arr.push(shifted(pa[k]));
                dep.push(shifted(pd[k]));
            }
            // max(0) can only break order at the start; restore arr <= dep <= next arr.
            for k in 0..len {
                if k > 0 && arr[k] < dep[k - 1] {
                    arr[k] = dep[k - 1];
                }
                if dep[k] < arr[k] {
                    dep[k] = arr[k];
                }
            }
        }
        _ => {
            let mut t = rt.first_dep;
            for k in 0..len {
                if k > 0 {
                    t += rt.hops[k - 1];
                }
                arr.push(t);
                // Dwell (departure after arrival) at intermediate stops only.
                if k > 0 && k + 1 < len {
                    t += rt.dwells[k];
                }
                dep.push(t);
            }
        }
    }
    (arr, dep)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oracle;
    use gethere::timetable::TripIdx;

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 64,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// The written feed compiles without warnings, and what the compiler kept matches the
        /// spec: counts, the expanded trips, and the dates each trip runs.
        #[test]
        fn written_feed_compiles_to_the_spec(spec in spec()) {
            let (_dir, tt) = spec.compile().map_err(TestCaseError::fail)?;
            // The one warning a spec may cause: a type 4 row between trips whose order ties
            // the wrong way round (equal times, trip ids compared as text).
            prop_assert!(
                tt.meta.warnings.iter().all(|w| w.starts_with("transfers.txt: transfer_type 4")),
                "warnings: {:?}",
                tt.meta.warnings
            );
            let c = &tt.meta.counts;
            prop_assert_eq!(c.stops, spec.stops.len() + spec.stations.len());
            prop_assert_eq!(c.trips, spec.trips.len());
            prop_assert_eq!(c.stop_times, spec.num_stop_times());
            prop_assert_eq!(c.transfers, spec.transfers.len() + spec.in_seat.len());
            let runs: usize = (0..spec.trips.len()).map(|t| oracle::runs(&spec, t).len()).sum();
            prop_assert_eq!(c.trips_expanded, runs);
            for i in 0..tt.num_trip_ids() {
                let trip = tt.trip(TripIdx(i as u32));
                let t: usize = tt.trip_strings.get(trip.id)[1..].parse().map_err(|_| TestCaseError::fail("trip id"))?;
                let active = &spec.services[spec.trips[t].service].active;
                for day in 0..tt.num_days() {
                    prop_assert_eq!(
                        tt.trip_active(TripIdx(i as u32), day),
                        active.contains(&tt.date_of(day)),
                        "trip {} on {}", trip.id, tt.date_of(day)
                    );
                    prop_assert_eq!(tt.day_start[day], oracle::day_start(tt.date_of(day)));
                }
            }
        }
    }
}
