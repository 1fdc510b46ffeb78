//! The compiled timetable: the *resolved* form of a feed that the router reads.
//!
//! Everything is a flat `Vec` addressed by `u32` newtype indices; stop times are `u32` seconds
//! of their service day. Trips with the same stop sequence (and the same pickup/drop-off rules)
//! form a *pattern*; inside a pattern trips are sorted and never overtake each other (FIFO at
//! every stop), which is what lets RAPTOR pick "the earliest trip at this stop" by binary search.
//! Trips that would overtake are split into another pattern at compile time.
//!
//! Times of a pattern are stored stop-major: `times[start + pos * num_trips + trip]`, so the
//! column of departures at one stop is contiguous for the binary search.
//!
//! Service days are a dense range `first_day ..= first_day + num_days - 1`; each has the UTC
//! instant of its "noon minus 12h" (`day_start`) and each service a bitset over those days.

pub mod cache;
pub mod cells;
mod check;
pub mod compile;
pub mod flat;
pub mod freq;
pub mod frontcode;
pub mod links;
pub mod rules;
pub mod shapes;
pub mod stop_patterns;
pub mod stops;

use crate::time::Instant;
use chrono::NaiveDate;
use chrono_tz::Tz;
pub use flat::{NO_STRING, Pod, Store, StrTable};
pub use freq::{Column, FreqWindow};
use serde::{Deserialize, Serialize};

macro_rules! index_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        #[repr(transparent)]
        pub struct $name(pub u32);
        // SAFETY: a transparent u32.
        unsafe impl Pod for $name {}
        impl $name {
            /// The index as a `usize`, for indexing the timetable's vectors.
            #[inline]
            pub fn ix(self) -> usize {
                self.0 as usize
            }
        }
    };
}

index_type!(
    /// A stop, platform or station in [`Timetable::stops`].
    StopIdx
);
index_type!(
    /// A GTFS route (a line as riders know it) in [`Timetable::routes`].
    RouteIdx
);
index_type!(
    /// A trip as the router sees it: `trips_start + k` of its pattern. A run of a frequency
    /// pattern is one too (its record, shared by all runs, is [`Timetable::trip`]).
    TripIdx
);
index_type!(
    /// A pattern (RAPTOR "route"): trips sharing a stop sequence, sorted, never overtaking.
    PatternIdx
);

macro_rules! pair_pod {
    ($($a:ty, $b:ty);*) => {$(
        // SAFETY: two 4-byte Pod values: 8 bytes, no padding (asserted in `pair_layout`).
        unsafe impl Pod for ($a, $b) {
            fn layout() -> String {
                flat::pair_layout::<$a, $b>()
            }
        }
    )*};
}
pair_pod!(PatternIdx, u32; StopIdx, u32; TripIdx, u32);

/// Wheelchair accessibility as GTFS states it, after parent-station inheritance for stops.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Wheelchair {
    #[default]
    Unknown,
    Accessible,
    NotAccessible,
}

/// Feed-level facts kept for `feed info` and for output attribution.
#[derive(Clone, Debug, Serialize, Deserialize, Default)]
pub struct FeedMeta {
    /// blake3 of the feed's bytes (zip) or of its files (directory), hex.
    pub content_hash: String,
    pub publisher: Option<String>,
    pub publisher_url: Option<String>,
    pub version: Option<String>,
    /// feed_info.txt's declared validity, if any.
    pub declared_start: Option<NaiveDate>,
    pub declared_end: Option<NaiveDate>,
    pub counts: FeedCounts,
    /// Problems found while compiling that the user should see (rows skipped, etc.).
    pub warnings: Vec<String>,
}

/// Counts of what the feed contains, as read (before expansion).
#[derive(Clone, Debug, Serialize, Deserialize, Default, PartialEq, Eq)]
pub struct FeedCounts {
    pub agencies: usize,
    pub stops: usize,
    pub routes: usize,
    pub trips: usize,
    pub stop_times: usize,
    pub frequency_trips: usize,
    pub transfers: usize,
    pub services: usize,
    /// Trips after expanding frequencies.txt (what the router sees).
    pub trips_expanded: usize,
    pub patterns: usize,
    /// Stop times whose arrival/departure were empty and were interpolated.
    pub interpolated_stop_times: usize,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Agency {
    pub id: Option<String>,
    pub name: String,
    pub url: String,
    pub timezone: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Stop {
    pub id: String,
    pub code: Option<String>,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    /// The parent station, if this is a platform/entrance of one.
    pub parent: Option<StopIdx>,
    /// GTFS location_type: 0 stop/platform, 1 station, 2 entrance, 3 generic node, 4 boarding area.
    pub location_type: u8,
    pub wheelchair: Wheelchair,
    pub platform_code: Option<String>,
    /// stop_timezone, for display only: stop_times are always in the agency zone.
    pub timezone: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Route {
    pub id: String,
    /// Index into [`Timetable::agencies`].
    pub agency: u32,
    pub short_name: Option<String>,
    pub long_name: Option<String>,
    /// GTFS route_type (0 tram/light rail, 1 subway, 2 rail, 3 bus, …, or extended types).
    pub route_type: i32,
    /// `RRGGBB`, as in routes.txt.
    pub color: Option<String>,
    pub text_color: Option<String>,
}

impl Route {
    /// What riders call the line: "MAX Green Line", "5 W. Main St – Duke/VA", "10".
    pub fn display_name(&self) -> String {
        route_label(
            self.short_name.as_deref(),
            self.long_name.as_deref(),
            &self.id,
        )
    }

    /// The mode in words, from route_type (basic and extended types).
    pub fn mode_name(&self) -> &'static str {
        match self.route_type {
            0 | 900..=999 => "light rail",
            1 | 400..=499 => "subway",
            2 | 100..=199 => "train",
            3 | 700..=799 | 200..=299 => "bus",
            4 | 1000..=1099 | 1200 => "ferry",
            5 => "cable car",
            6 | 1300..=1399 => "gondola",
            7 | 1400..=1499 => "funicular",
            11 | 800..=899 => "trolleybus",
            12 => "monorail",
            _ => "transit",
        }
    }
}

/// A route's name as riders know it: the short name (often a number) and the long name when
/// both exist and differ, else whichever exists, else the id.
pub fn route_label(short: Option<&str>, long: Option<&str>, id: &str) -> String {
    let short = short.filter(|s| !s.is_empty());
    let long = long.filter(|s| !s.is_empty());
    match (short, long) {
        (Some(s), Some(l)) if l.starts_with(s) => l.to_string(),
        (Some(s), Some(l)) => format!("{s} {l}"),
        (Some(x), None) | (None, Some(x)) => x.to_string(),
        (None, None) => id.to_string(),
    }
}

/// Is `h` a bare direction ("Inbound", "outbound", "Northbound") rather than a destination?
pub fn is_direction_word(h: &str) -> bool {
    const WORDS: [&str; 6] = [
        "inbound",
        "outbound",
        "northbound",
        "southbound",
        "eastbound",
        "westbound",
    ];
    let h = h.trim();
    WORDS.iter().any(|w| h.eq_ignore_ascii_case(w))
}

/// How a frequency-based trip was expanded (frequencies.txt), kept for honest output.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Frequency {
    pub headway_secs: u32,
    /// exact_times=1: the schedule is exactly start + k·headway. Otherwise "about every
    /// headway": the expanded times are an estimate and output says "every N min".
    pub exact: bool,
}

/// A trip as the router reads it: plain data (its strings live in [`Timetable::trip_strings`],
/// read through [`Timetable::trip_id`], [`Timetable::trip_headsign`] and
/// [`Timetable::trip_short_name`]), so a cached timetable's trips are mapped, not decoded.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct Trip {
    /// The trip's row in trips.txt: runs expanded from one frequencies.txt trip share it, and
    /// transfer rules name trips by it.
    pub key: u32,
    pub route: RouteIdx,
    /// Index into the service bitsets.
    pub service: u32,
    /// The GTFS trip_id (shared by all trips expanded from one frequencies.txt template), in
    /// `trip_strings`.
    pub id: u32,
    /// trip_headsign in `trip_strings`, or [`NO_STRING`].
    pub headsign: u32,
    /// trip_short_name in `trip_strings`, or [`NO_STRING`].
    pub short_name: u32,
    /// frequencies.txt headway of an expanded run; 0 for a scheduled trip.
    pub headway_secs: u32,
    /// direction_id, or [`Trip::NO_DIRECTION`].
    pub direction_id: u8,
    /// [`Wheelchair`] as a number (see [`Trip::wheelchair`]).
    pub wheelchair_code: u8,
    /// frequencies.txt exact_times (1) of an expanded run.
    pub exact_times: u8,
    pub reserved: u8,
}

// SAFETY: repr(C), eight u32s.then four u8s: integers only, no padding (32 bytes).
unsafe impl Pod for Trip {}
const _: () = assert!(std::mem::size_of::<Trip>() == 32);

impl Trip {
    pub const NO_DIRECTION: u8 = u8::MAX;

    /// How the trip was expanded from frequencies.txt, if it was.
    pub fn frequency(&self) -> Option<Frequency> {
        (self.headway_secs > 0).then_some(Frequency {
            headway_secs: self.headway_secs,
            exact: self.exact_times != 0,
        })
    }

    pub fn set_frequency(&mut self, f: Option<&Frequency>) {
        self.headway_secs = f.map_or(0, |f| f.headway_secs.max(1));
        self.exact_times = f.is_some_and(|f| f.exact) as u8;
    }

    /// direction_id (0 or 1), if given.
    pub fn direction(&self) -> Option<u8> {
        (self.direction_id != Self::NO_DIRECTION).then_some(self.direction_id)
    }

    pub fn wheelchair(&self) -> Wheelchair {
        match self.wheelchair_code {
            1 => Wheelchair::Accessible,
            2 => Wheelchair::NotAccessible,
            _ => Wheelchair::Unknown,
        }
    }

    pub fn wheelchair_to_code(w: Wheelchair) -> u8 {
        match w {
            Wheelchair::Unknown => 0,
            Wheelchair::Accessible => 1,
            Wheelchair::NotAccessible => 2,
        }
    }
}

#[derive(Copy, Clone, Debug, Serialize, Deserialize)]
#[repr(C)]
pub struct Pattern {
    pub route: RouteIdx,
    /// Into `pattern_stops` / `pattern_flags`.
    pub stops_start: u32,
    pub num_stops: u32,
    /// Trips (as [`TripIdx`]) `trips_start .. trips_start + num_trips`, sorted.
    pub trips_start: u32,
    pub num_trips: u32,
    /// Into `arr` / `dep`, stop-major; a frequency pattern has one row of offsets there.
    pub times_start: u32,
    /// The latest arrival time of any trip at any stop, to bound the service days searched.
    pub max_time: u32,
    /// The time zone of its feed, into [`Timetable::zones`]: its trips' times count from that
    /// zone's service-day starts.
    pub zone: u32,
    /// Its trips' records in [`Timetable::trips`]: `rec_start + k` for trip k of a scheduled
    /// pattern; `rec_start` for every run of a frequency pattern.
    pub rec_start: u32,
    /// A frequency pattern's windows, into [`Timetable::freq_windows`] (see [`freq`]);
    /// `num_windows == 0` for a scheduled pattern.
    pub windows_start: u32,
    pub num_windows: u32,
}

// SAFETY: repr(C), eleven u32s.
unsafe impl Pod for Pattern {}

impl Pattern {
    /// Are its trips the runs of one frequencies.txt template ([`freq`])?
    #[inline]
    pub fn is_frequency(&self) -> bool {
        self.num_windows > 0
    }

    /// How many trip records it has (one for a frequency pattern).
    #[inline]
    pub fn num_records(&self) -> u32 {
        if self.is_frequency() {
            1
        } else {
            self.num_trips
        }
    }

    /// The width of its stop-major time rows in `arr`/`dep`.
    #[inline]
    fn row_len(&self) -> usize {
        self.num_records() as usize
    }
}

/// Bit flags per pattern stop.
pub const CAN_BOARD: u8 = 1;
/// Bit flags per pattern stop.
pub const CAN_ALIGHT: u8 = 2;

/// No stop_headsign at this pattern stop.
pub const NO_HEADSIGN: u32 = u32::MAX;

/// A transfers.txt rule from one stop to another (or the same) stop.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TransferRule {
    /// type 2, or type 1 (a timed transfer, as 0 s): changing takes exactly this long; between
    /// different stops this is a footpath of that duration.
    MinTime(u32),
    /// type 3: changing here is not possible.
    Forbidden,
    /// type 0 (recommended) or type 2 without a time: no time of its own; generated walking
    /// links and the default change time apply.
    Recommended,
}

/// One feed of a region: its key, facts, time zone and the index ranges its stops, routes,
/// agencies and trips occupy in the merged timetable (feeds are laid out one after another).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FeedPart {
    /// Short key (`trimet`, `durham`): `stop:<key>:<id>` names a stop of this feed.
    pub key: String,
    /// The path or URL it was read from, for messages.
    pub name: String,
    pub timezone: String,
    /// Into [`Timetable::zones`].
    pub zone: u32,
    pub agencies: std::ops::Range<u32>,
    pub stops: std::ops::Range<u32>,
    pub routes: std::ops::Range<u32>,
    /// [`Trip::key`]s of its trips.txt rows.
    pub trip_keys: std::ops::Range<u32>,
    /// Its services, into [`Timetable::service_ids`].
    pub services: std::ops::Range<u32>,
    /// Its calendar's first and last service date.
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub meta: FeedMeta,
}

/// The whole compiled timetable.
///
/// Fields marked `#[serde(skip)]` of type [`Store`] (and [`StrTable`]) are *flat*: the cache
/// stores them as aligned sections that a loaded timetable borrows from the mapped file (listed
/// in `cache.rs`'s `flat_fields!`); every other field is in the cache's small postcard part. A new
/// field is postcard by default; make it flat when it grows with trips or stop times.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Timetable {
    pub meta: FeedMeta,
    /// The IANA zone of the (first) feed's agencies: the zone times are read and shown in unless
    /// a place has its own (see [`Timetable::zones`]).
    pub timezone: String,
    pub agencies: Vec<Agency>,
    /// The first service day; `day_start[0]` is its "noon minus 12h" in the first zone.
    pub first_day: NaiveDate,
    /// `day_start[zone * num_days + day]`: the "noon minus 12h" of each service day in each of
    /// [`Timetable::zones`] (read through [`Timetable::day_base`]).
    #[serde(skip)]
    pub day_start: Store<Instant>,
    /// The service_id of each service, for display and validation.
    pub service_ids: Vec<String>,
    /// `service_bits[service * words_per_service + day / 64]` bit `day % 64`.
    #[serde(skip)]
    pub service_bits: Store<u64>,
    pub words_per_service: u32,

    /// Decoded on first access from a loaded cache ([`stops::Stops`]).
    #[serde(skip)]
    pub stops: stops::Stops,
    pub routes: Vec<Route>,
    /// Trip records: one per scheduled trip, one per frequency template (see
    /// [`Pattern::rec_start`]); read through [`Timetable::trip`] / [`Timetable::trip_rec`].
    #[serde(skip)]
    pub trips: Store<Trip>,
    /// trip_id, trip_headsign and trip_short_name strings of [`Trip`]s.
    #[serde(skip)]
    pub trip_strings: StrTable,
    #[serde(skip)]
    pub patterns: Store<Pattern>,
    #[serde(skip)]
    pub pattern_stops: Store<StopIdx>,
    #[serde(skip)]
    pub pattern_flags: Store<u8>,
    /// stop_times.txt's stop_headsign per pattern stop, as an index into `headsigns`
    /// ([`NO_HEADSIGN`] when empty). It is part of the pattern key, so all trips agree. Empty
    /// when no pattern stop has one (read it through [`Timetable::pattern_headsign`]).
    #[serde(skip)]
    pub pattern_headsigns: Store<u32>,
    pub headsigns: Vec<String>,
    /// Arrivals, laid out like `dep`; empty when every arrival equals its departure (most bus
    /// feeds), then `dep` is read for both ([`Timetable::stop_time`]).
    #[serde(skip)]
    pub arr: Store<u32>,
    #[serde(skip)]
    pub dep: Store<u32>,
    /// Headway windows of frequency patterns ([`Pattern::windows_start`]).
    #[serde(skip)]
    pub freq_windows: Store<FreqWindow>,
    /// A frequency pattern's template, stop by stop from [`Pattern::times_start`]: its
    /// departures as seconds after the first stop's departure. Two bytes a stop time (the
    /// compiler expands a template whose offsets do not fit, see `compact_windows`), so an
    /// all-frequency feed's times weigh half of what `dep` rows would.
    #[serde(skip)]
    pub freq_dep: Store<u16>,
    /// Arrivals likewise; empty when every one equals its departure.
    #[serde(skip)]
    pub freq_arr: Store<u16>,

    /// For each stop, the (pattern, position) pairs serving it ([`Timetable::patterns_at`]).
    pub stop_patterns: stop_patterns::StopPatterns,

    /// transfers.txt rules from each stop, sorted by target: CSR with `transfers_start`
    /// (both offset arrays are empty when there are no rules).
    #[serde(skip)]
    pub transfers_start: Store<u32>,
    pub transfers: Vec<(StopIdx, TransferRule)>,
    /// The same rules indexed by their target stop (for the backward search): CSR.
    #[serde(skip)]
    pub transfers_to_start: Store<u32>,
    pub transfers_to: Vec<(StopIdx, TransferRule)>,

    /// Generated walking links: for each stop, the other stops within
    /// [`compile::MAX_WALK_LINK_M`] metres (straight line), nearest first. CSR of byte
    /// offsets into `walk`, each stop's links encoded by [`links::encode`].
    #[serde(skip)]
    pub walk_start: Store<u32>,
    #[serde(skip)]
    pub walk: Store<u8>,

    /// The largest stop time in the feed (seconds): how many service days back a query looks.
    pub max_time: u32,
    /// Trips `0..scheduled_trips` are the scheduled patterns' (compiled before any frequency
    /// pattern) and their records are `trips[t]`: [`Timetable::record_of`] is O(1) there.
    pub scheduled_trips: u32,

    /// Route- and trip-specific transfer rules, their label slots, and in-seat continuations.
    pub rules: rules::Rules,
    /// Walking links along a street map, laid over `walk` at load time by
    /// [`crate::walk::apply_links`] (cached separately, keyed by map and feed).
    #[serde(skip)]
    pub street_links: Option<std::sync::Arc<crate::walk::links::Links>>,
    /// Fare tables (v1 and v2), compiled by [`crate::fares::compile_feed`].
    pub fares: crate::fares::Fares,

    /// GTFS stop_sequence values per trip (for realtime updates keyed by sequence).
    pub stop_seqs: crate::realtime::StopSeqs,
    /// Simplified shapes.txt lines per pattern, for maps ([`shapes::compile_shapes`]).
    pub shapes: shapes::Shapes,
    /// Realtime applied to this query's copy (never cached: it is per query).
    #[serde(skip)]
    pub realtime: Option<Box<crate::realtime::Overlay>>,
    /// The IANA zones of the feeds, first feed's first; patterns name theirs.
    pub zones: Vec<String>,
    /// The feeds this timetable was compiled from, in the order given.
    pub feeds: Vec<FeedPart>,
    /// The coarse cell graph the search's lower bounds come from ([`cells`]).
    pub cells: cells::Cells,
}

impl Timetable {
    /// The agencies' time zone.
    pub fn tz(&self) -> Tz {
        // Validated when compiled; a cache from a newer chrono-tz that knows a zone we don't is
        // rebuilt on load, so this cannot fail in practice. UTC is the harmless fallback.
        self.timezone.parse().unwrap_or(chrono_tz::UTC)
    }

    pub fn num_days(&self) -> usize {
        self.day_start.len() / self.zones.len().max(1)
    }

    /// The instant service day `day` starts ("noon minus 12h") in zone `zone`: a trip of a
    /// pattern with that zone runs at `day_base(p.zone, day) + seconds`.
    #[inline]
    pub fn day_base(&self, zone: u32, day: usize) -> Instant {
        self.day_start[zone as usize * self.num_days() + day]
    }

    /// The service-day starts in zone `zone`, one per day.
    pub fn day_starts(&self, zone: u32) -> &[Instant] {
        let n = self.num_days();
        &self.day_start[zone as usize * n..(zone as usize + 1) * n]
    }

    /// The feed a stop belongs to.
    pub fn feed_of_stop(&self, s: StopIdx) -> &FeedPart {
        self.feed_of_stop_opt(s).unwrap_or(&self.feeds[0])
    }

    /// The key of stop `s`'s feed when the timetable has several feeds (for JSON), else `None`.
    pub fn feed_key_of_stop(&self, s: StopIdx) -> Option<String> {
        (self.feeds.len() > 1).then(|| self.feed_of_stop(s).key.clone())
    }

    /// The key of route `r`'s feed when the timetable has several feeds, else `None`.
    pub fn feed_key_of_route(&self, r: RouteIdx) -> Option<String> {
        (self.feeds.len() > 1).then(|| self.feed_of_route(r).key.clone())
    }

    /// The time zone times at stop `s` are shown in: its stop_timezone (or its station's), else
    /// its feed's agency zone.
    pub fn stop_tz(&self, s: StopIdx) -> Tz {
        let st = &self.stops[s.ix()];
        st.timezone
            .as_deref()
            .or_else(|| {
                st.parent
                    .and_then(|p| self.stops[p.ix()].timezone.as_deref())
            })
            .and_then(|z| z.parse().ok())
            .or_else(|| {
                self.feed_of_stop_opt(s)
                    .and_then(|f| f.timezone.parse().ok())
            })
            .unwrap_or_else(|| self.tz())
    }

    fn feed_of_stop_opt(&self, s: StopIdx) -> Option<&FeedPart> {
        self.feeds.iter().find(|f| f.stops.contains(&s.0))
    }

    /// The feed a route belongs to.
    pub fn feed_of_route(&self, r: RouteIdx) -> &FeedPart {
        self.feeds
            .iter()
            .find(|f| f.routes.contains(&r.0))
            .unwrap_or(&self.feeds[0])
    }

    /// This run's times are read and shown in `tz`, the zone of the place asked about: with
    /// feeds in several zones `timezone` (what [`Timetable::tz`] gives text and user input)
    /// becomes it; with one zone nothing changes. The router never reads it.
    pub fn show_times_in(&mut self, tz: Tz) {
        if self.zones.len() > 1 {
            self.timezone = tz.name().to_string();
        }
    }

    /// The time zone of a pattern's trips.
    pub fn pattern_tz(&self, p: &Pattern) -> Tz {
        self.zones
            .get(p.zone as usize)
            .and_then(|z| z.parse().ok())
            .unwrap_or_else(|| self.tz())
    }

    /// The last service day of the feed.
    pub fn last_day(&self) -> NaiveDate {
        self.first_day + chrono::Days::new(self.num_days().saturating_sub(1) as u64)
    }

    /// The date of service-day index `day`.
    pub fn date_of(&self, day: usize) -> NaiveDate {
        self.first_day + chrono::Days::new(day as u64)
    }

    /// The service-day index of `date`, if within the feed.
    pub fn day_index(&self, date: NaiveDate) -> Option<usize> {
        let d = (date - self.first_day).num_days();
        (d >= 0 && (d as usize) < self.num_days()).then_some(d as usize)
    }

    /// Is `service` running on service-day index `day`?
    #[inline]
    pub fn service_active(&self, service: u32, day: usize) -> bool {
        let i = service as usize * self.words_per_service as usize + day / 64;
        self.service_bits
            .get(i)
            .is_some_and(|w| w >> (day % 64) & 1 == 1)
    }

    /// Does trip `t` run on service-day index `day`?
    #[inline]
    pub fn trip_active(&self, t: TripIdx, day: usize) -> bool {
        self.service_active(self.trips[self.record_of(t)].service, day)
    }

    /// Does any trip run on service-day index `day`?
    pub fn any_service_on(&self, day: usize) -> bool {
        (0..self.service_ids.len() as u32).any(|s| self.service_active(s, day))
    }

    pub fn stop(&self, s: StopIdx) -> &Stop {
        &self.stops[s.ix()]
    }

    pub fn pattern(&self, p: PatternIdx) -> &Pattern {
        &self.patterns[p.ix()]
    }

    /// The stops of pattern `p`, in order.
    #[inline]
    pub fn pattern_stops(&self, p: &Pattern) -> &[StopIdx] {
        let s = p.stops_start as usize;
        &self.pattern_stops[s..s + p.num_stops as usize]
    }

    #[inline]
    pub fn pattern_flags(&self, p: &Pattern) -> &[u8] {
        let s = p.stops_start as usize;
        &self.pattern_flags[s..s + p.num_stops as usize]
    }

    /// Departures of all trips of `p` at stop position `pos` (sorted ascending).
    #[inline]
    pub fn dep_column(&self, p: &Pattern, pos: usize) -> Column<'_> {
        self.column(true, p, pos)
    }

    /// Arrivals of all trips of `p` at stop position `pos` (sorted ascending).
    #[inline]
    pub fn arr_column(&self, p: &Pattern, pos: usize) -> Column<'_> {
        self.column(false, p, pos)
    }

    /// The arrival column as stored, or the departures when arrivals were left out as equal.
    #[inline(always)]
    fn arrivals(&self) -> &[u32] {
        if self.arr.is_empty() {
            &self.dep
        } else {
            &self.arr
        }
    }

    /// The stop_headsign at position `pos` of `p`, as an index into `headsigns`, or
    /// [`NO_HEADSIGN`].
    pub fn pattern_headsign(&self, p: &Pattern, pos: usize) -> u32 {
        self.pattern_headsigns
            .get(p.stops_start as usize + pos)
            .copied()
            .unwrap_or(NO_HEADSIGN)
    }

    /// Writes out the columns the compiler leaves empty when they hold nothing (arrivals equal
    /// to departures, no stop_headsign), for code that appends patterns to this timetable
    /// (realtime overlays).
    pub fn materialize_elided(&mut self) {
        if self.arr.is_empty() && !self.dep.is_empty() {
            self.arr = self.dep.to_vec().into();
        }
        if self.pattern_headsigns.is_empty() && !self.pattern_stops.is_empty() {
            self.pattern_headsigns = vec![NO_HEADSIGN; self.pattern_stops.len()].into();
        }
    }

    #[inline]
    fn column(&self, departure: bool, p: &Pattern, pos: usize) -> Column<'_> {
        if p.is_frequency() {
            Column::Runs {
                windows: self.windows(p),
                offset: self.template_offset(p, pos, departure),
                len: p.num_trips as usize,
            }
        } else {
            let w = p.row_len();
            let s = p.times_start as usize + pos * w;
            Column::Rows(&self.scheduled_times(departure)[s..s + w])
        }
    }

    /// A frequency pattern's template time at position `pos`: seconds after its first
    /// departure.
    #[inline]
    fn template_offset(&self, p: &Pattern, pos: usize, departure: bool) -> u32 {
        let times = if departure || self.freq_arr.is_empty() {
            &self.freq_dep
        } else {
            &self.freq_arr
        };
        times[p.times_start as usize + pos] as u32
    }

    /// The time of trip `k` of `p` at stop position `pos` (departure or arrival), in seconds of
    /// its service day: the one way to read a stop time, for both kinds of pattern.
    #[inline(always)]
    pub fn stop_time(&self, p: &Pattern, k: usize, pos: usize, departure: bool) -> u32 {
        if p.is_frequency() {
            return self.run_time(p, k, pos, departure);
        }
        self.scheduled_times(departure)[p.times_start as usize + pos * p.num_trips as usize + k]
    }

    /// Scheduled patterns' departure rows, or arrival rows.
    #[inline(always)]
    fn scheduled_times(&self, departure: bool) -> &[u32] {
        if departure {
            &self.dep
        } else {
            self.arrivals()
        }
    }

    /// The stored time rows of a scheduled pattern `p`: (departures, arrivals), each indexed
    /// `pos * p.num_trips + k` as [`Timetable::stop_time`] reads them (for a loop over one
    /// pattern that reads many of its times); `None` for a frequency pattern.
    #[inline]
    pub fn scheduled_rows(&self, p: &Pattern) -> Option<(&[u32], &[u32])> {
        if p.is_frequency() {
            return None;
        }
        let r = p.times_start as usize
            ..p.times_start as usize + p.num_stops as usize * p.num_trips as usize;
        Some((&self.dep[r.clone()], &self.arrivals()[r]))
    }

    /// [`Timetable::stop_time`] of a frequency pattern's run, out of line so that the
    /// scheduled case stays a plain array read where it is inlined.
    #[inline(never)]
    fn run_time(&self, p: &Pattern, k: usize, pos: usize, departure: bool) -> u32 {
        freq::run_start(self.windows(p), k).wrapping_add(self.template_offset(p, pos, departure))
    }

    /// Departure of trip `k` of `p` at position `pos`.
    #[inline]
    pub fn dep_at(&self, p: &Pattern, k: usize, pos: usize) -> u32 {
        self.stop_time(p, k, pos, true)
    }

    /// Arrival of trip `k` of `p` at position `pos`.
    #[inline]
    pub fn arr_at(&self, p: &Pattern, k: usize, pos: usize) -> u32 {
        self.stop_time(p, k, pos, false)
    }

    /// The headway windows of a frequency pattern (empty for a scheduled one).
    #[inline]
    pub fn windows(&self, p: &Pattern) -> &[FreqWindow] {
        let s = p.windows_start as usize;
        &self.freq_windows[s..s + p.num_windows as usize]
    }

    /// The record of trip `k` of `p` (a frequency pattern's runs share their template's).
    #[inline(always)]
    pub fn trip_rec(&self, p: &Pattern, k: usize) -> &Trip {
        let r = if p.is_frequency() { 0 } else { k };
        &self.trips[p.rec_start as usize + r]
    }

    /// The index in [`Timetable::trips`] of trip `t`'s record.
    #[inline]
    pub fn record_of(&self, t: TripIdx) -> usize {
        if t.0 < self.scheduled_trips {
            return t.ix();
        }
        self.record_of_slow(t)
    }

    fn record_of_slow(&self, t: TripIdx) -> usize {
        let p = self.pattern_of(t);
        let k = t.0.saturating_sub(p.trips_start) as usize;
        p.rec_start as usize + if p.is_frequency() { 0 } else { k }
    }

    /// How many [`TripIdx`] there are (runs of frequency patterns counted one each).
    pub fn num_trip_ids(&self) -> usize {
        self.patterns
            .last()
            .map_or(0, |p| (p.trips_start + p.num_trips) as usize)
    }

    /// The (pattern, position) pairs at stop `s`.
    #[inline]
    pub fn patterns_at(&self, s: StopIdx) -> stop_patterns::PatternsAt<'_> {
        self.stop_patterns.at(s)
    }

    /// transfers.txt rules from stop `s`, sorted by target stop.
    #[inline]
    pub fn transfers_from(&self, s: StopIdx) -> &[(StopIdx, TransferRule)] {
        if self.transfers.is_empty() {
            return &[];
        }
        let a = self.transfers_start[s.ix()] as usize;
        let b = self.transfers_start[s.ix() + 1] as usize;
        &self.transfers[a..b]
    }

    /// transfers.txt rules *into* stop `s`, as (from stop, rule), sorted by source stop.
    #[inline]
    pub fn transfers_into(&self, s: StopIdx) -> &[(StopIdx, TransferRule)] {
        if self.transfers_to.is_empty() {
            return &[];
        }
        let a = self.transfers_to_start[s.ix()] as usize;
        let b = self.transfers_to_start[s.ix() + 1] as usize;
        &self.transfers_to[a..b]
    }

    /// The transfers.txt rule from `a` to `b`, if any.
    #[inline]
    pub fn transfer_rule(&self, a: StopIdx, b: StopIdx) -> Option<TransferRule> {
        let list = self.transfers_from(a);
        list.binary_search_by_key(&b, |&(t, _)| t)
            .ok()
            .map(|i| list[i].1)
    }

    /// Generated walking links from `s` (nearest first), with straight-line metres.
    #[inline]
    pub fn walk_links(&self, s: StopIdx) -> links::WalkLinks<'_> {
        let a = self.walk_start[s.ix()] as usize;
        let b = self.walk_start[s.ix() + 1] as usize;
        links::WalkLinks::stream(&self.walk[a..b], s, self.stops.len())
    }

    /// The child stops of a station (stops whose parent is `s`), or just `s` itself.
    pub fn stop_and_children(&self, s: StopIdx) -> Vec<StopIdx> {
        let mut v: Vec<StopIdx> = self.stops.children(s).collect();
        if v.is_empty() || self.stops[s.ix()].location_type == 0 {
            v.insert(0, s);
        }
        v
    }

    /// What the vehicle shows when boarding trip `t` at position `pos` of its pattern: the
    /// stop_headsign there, else the trip_headsign, else the name of the last stop. A
    /// trip_headsign that is only a direction ("Outbound", as Charlotte's feed writes) tells a
    /// rider nothing: the last stop's name is shown instead.
    pub fn headsign(&self, t: TripIdx, pattern: &Pattern, pos: usize) -> &str {
        let h = self.pattern_headsign(pattern, pos);
        if h != NO_HEADSIGN {
            return &self.headsigns[h as usize];
        }
        if let Some(h) = self.trip_headsign(t)
            && !is_direction_word(h)
        {
            return h;
        }
        let last = self.pattern_stops(pattern)[pattern.num_stops as usize - 1];
        &self.stops[last.ix()].name
    }

    /// The pattern a trip belongs to (trips are stored pattern by pattern).
    pub fn pattern_of(&self, t: TripIdx) -> &Pattern {
        &self.patterns[self.pattern_index_of(t).ix()]
    }

    /// The index of the pattern a trip belongs to.
    pub fn pattern_index_of(&self, t: TripIdx) -> PatternIdx {
        let i = self
            .patterns
            .partition_point(|p| p.trips_start + p.num_trips <= t.0);
        PatternIdx(i.min(self.patterns.len() - 1) as u32)
    }

    /// Looks a stop up by its GTFS stop_id, or `<feed key>:<stop_id>` (a binary search of the
    /// id index). `None` when there is no such stop, or when the bare id is in several feeds
    /// (see [`Timetable::stops_with_id`]).
    pub fn find_stop_id(&self, id: &str) -> Option<StopIdx> {
        match self.stops_with_id(id).as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }

    /// Every stop a user's stop id can mean: the stops with exactly this stop_id (one per feed
    /// that has it), else — for `<feed key>:<stop_id>` — that feed's stop. Ascending.
    pub fn stops_with_id(&self, id: &str) -> Vec<StopIdx> {
        let exact: Vec<StopIdx> = self.stops.with_id(id).collect();
        if !exact.is_empty() {
            return exact;
        }
        let Some((key, rest)) = id.split_once(':') else {
            return exact;
        };
        let Some(f) = self.feeds.iter().find(|f| f.key == key) else {
            return exact;
        };
        self.stops
            .with_id(rest)
            .filter(|s| f.stops.contains(&s.0))
            .collect()
    }

    /// How a user names stop `s` unambiguously: its stop_id, prefixed with its feed's key when
    /// another feed has a stop with the same id.
    pub fn stop_ref(&self, s: StopIdx) -> String {
        let id = self.stops.id(s.ix());
        if self.feeds.len() > 1 && self.stops_with_id(id).len() > 1 {
            format!("{}:{id}", self.feed_of_stop(s).key)
        } else {
            id.to_string()
        }
    }

    /// Trip `t`: its record, with a frequency run's own window's headway and exact_times.
    pub fn trip(&self, t: TripIdx) -> Trip {
        let p = self.pattern_of(t);
        let k = t.0.saturating_sub(p.trips_start) as usize;
        let mut trip = *self.trip_rec(p, k);
        if p.is_frequency() {
            let w = freq::window_of(self.windows(p), k);
            trip.set_frequency(Some(&Frequency {
                headway_secs: w.headway,
                exact: w.exact != 0,
            }));
        }
        trip
    }

    /// The GTFS trip_id of trip `t`.
    pub fn trip_id(&self, t: TripIdx) -> &str {
        self.trip_strings.get(self.trips[self.record_of(t)].id)
    }

    /// trip_headsign of trip `t`, if given.
    pub fn trip_headsign(&self, t: TripIdx) -> Option<&str> {
        self.trip_strings
            .opt(self.trips[self.record_of(t)].headsign)
    }

    /// trip_short_name of trip `t`, if given.
    pub fn trip_short_name(&self, t: TripIdx) -> Option<&str> {
        self.trip_strings
            .opt(self.trips[self.record_of(t)].short_name)
    }

    /// Days in the feed's range on which no trip runs at all.
    pub fn days_without_service(&self) -> Vec<NaiveDate> {
        (0..self.num_days())
            .filter(|&d| !self.any_service_on(d))
            .map(|d| self.date_of(d))
            .collect()
    }

    /// The first and last day on which a trip of feed `f` runs.
    pub fn feed_service_range(&self, f: &FeedPart) -> Option<(NaiveDate, NaiveDate)> {
        let on = |d: usize| f.services.clone().any(|s| self.service_active(s, d));
        let first = (0..self.num_days()).find(|&d| on(d))?;
        let last = (0..self.num_days()).rev().find(|&d| on(d))?;
        Some((self.date_of(first), self.date_of(last)))
    }

    /// With several feeds: a warning for each feed whose service range does not include `date`
    /// while another's does (its trips cannot be in the answer).
    pub fn feed_date_warnings(&self, date: NaiveDate) -> Vec<String> {
        if self.feeds.len() < 2 {
            return Vec::new();
        }
        let ranges: Vec<_> = self
            .feeds
            .iter()
            .map(|f| self.feed_service_range(f))
            .collect();
        let inside =
            |r: &Option<(NaiveDate, NaiveDate)>| r.is_some_and(|(a, b)| a <= date && date <= b);
        if !ranges.iter().any(inside) {
            return Vec::new();
        }
        self.feeds
            .iter()
            .zip(&ranges)
            .filter(|(_, r)| !inside(r))
            .map(|(f, r)| match r {
                Some((a, b)) => format!(
                    "feed {} has no service on {date} (it runs {a} to {b}): the answer uses the other feeds only",
                    f.key
                ),
                None => format!("feed {} has no service at all", f.key),
            })
            .collect()
    }

    /// The first and last day on which at least one trip runs.
    pub fn service_range(&self) -> Option<(NaiveDate, NaiveDate)> {
        let first = (0..self.num_days()).find(|&d| self.any_service_on(d))?;
        let last = (0..self.num_days())
            .rev()
            .find(|&d| self.any_service_on(d))?;
        Some((self.date_of(first), self.date_of(last)))
    }
}

#[cfg(test)]
mod tests {
    use super::is_direction_word;

    #[test]
    fn bare_directions_are_not_destinations() {
        assert!(is_direction_word("Outbound"));
        assert!(is_direction_word(" inbound "));
        assert!(is_direction_word("Northbound"));
        assert!(!is_direction_word("City Center/PSU"));
        assert!(!is_direction_word("Outbound to UNC Charlotte"));
    }
}
