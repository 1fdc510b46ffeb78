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
pub mod compile;
pub mod rules;
pub mod shapes;

use crate::time::Instant;
use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

macro_rules! index_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u32);
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
    /// A trip in [`Timetable::trips`] (frequency-based trips are expanded into one each).
    TripIdx
);
index_type!(
    /// A pattern (RAPTOR "route"): trips sharing a stop sequence, sorted, never overtaking.
    PatternIdx
);

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

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Trip {
    /// The trip's row in trips.txt: runs expanded from one frequencies.txt trip share it, and
    /// transfer rules name trips by it.
    pub key: u32,
    /// The GTFS trip_id (shared by all trips expanded from one frequencies.txt template).
    pub id: String,
    pub route: RouteIdx,
    /// Index into the service bitsets.
    pub service: u32,
    pub headsign: Option<String>,
    pub short_name: Option<String>,
    pub direction: Option<u8>,
    pub wheelchair: Wheelchair,
    pub frequency: Option<Frequency>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Pattern {
    pub route: RouteIdx,
    /// Into `pattern_stops` / `pattern_flags`.
    pub stops_start: u32,
    pub num_stops: u32,
    /// Trips `trips_start .. trips_start + num_trips` in [`Timetable::trips`], sorted.
    pub trips_start: u32,
    pub num_trips: u32,
    /// Into `arr` / `dep`, stop-major.
    pub times_start: u32,
    /// The latest arrival time of any trip at any stop, to bound the service days searched.
    pub max_time: u32,
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

/// The whole compiled timetable.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Timetable {
    pub meta: FeedMeta,
    /// The IANA zone of the agencies: all GTFS times are in it.
    pub timezone: String,
    pub agencies: Vec<Agency>,
    /// The first service day; `day_start[0]` is its "noon minus 12h".
    pub first_day: NaiveDate,
    pub day_start: Vec<Instant>,
    /// The service_id of each service, for display and validation.
    pub service_ids: Vec<String>,
    /// `service_bits[service * words_per_service + day / 64]` bit `day % 64`.
    pub service_bits: Vec<u64>,
    pub words_per_service: u32,

    pub stops: Vec<Stop>,
    pub routes: Vec<Route>,
    pub trips: Vec<Trip>,
    pub patterns: Vec<Pattern>,
    pub pattern_stops: Vec<StopIdx>,
    pub pattern_flags: Vec<u8>,
    /// stop_times.txt's stop_headsign per pattern stop, as an index into `headsigns`
    /// ([`NO_HEADSIGN`] when empty). It is part of the pattern key, so all trips agree.
    pub pattern_headsigns: Vec<u32>,
    pub headsigns: Vec<String>,
    pub arr: Vec<u32>,
    pub dep: Vec<u32>,

    /// For each stop, the (pattern, position) pairs serving it: CSR with `stop_patterns_start`.
    pub stop_patterns_start: Vec<u32>,
    pub stop_patterns: Vec<(PatternIdx, u32)>,

    /// transfers.txt rules from each stop, sorted by target: CSR with `transfers_start`.
    pub transfers_start: Vec<u32>,
    pub transfers: Vec<(StopIdx, TransferRule)>,
    /// The same rules indexed by their target stop (for the backward search): CSR.
    pub transfers_to_start: Vec<u32>,
    pub transfers_to: Vec<(StopIdx, TransferRule)>,

    /// Generated walking links: for each stop, the other stops within
    /// [`compile::MAX_WALK_LINK_M`] metres (straight line), nearest first. CSR.
    pub walk_start: Vec<u32>,
    pub walk: Vec<(StopIdx, u32)>,

    /// The largest stop time in the feed (seconds): how many service days back a query looks.
    pub max_time: u32,

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
}

impl Timetable {
    /// The agencies' time zone.
    pub fn tz(&self) -> Tz {
        // Validated when compiled; a cache from a newer chrono-tz that knows a zone we don't is
        // rebuilt on load, so this cannot fail in practice. UTC is the harmless fallback.
        self.timezone.parse().unwrap_or(chrono_tz::UTC)
    }

    pub fn num_days(&self) -> usize {
        self.day_start.len()
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
        let w = self.service_bits[service as usize * self.words_per_service as usize + day / 64];
        w >> (day % 64) & 1 == 1
    }

    /// Does trip `t` run on service-day index `day`?
    #[inline]
    pub fn trip_active(&self, t: TripIdx, day: usize) -> bool {
        self.service_active(self.trips[t.ix()].service, day)
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
    pub fn dep_column(&self, p: &Pattern, pos: usize) -> &[u32] {
        let s = p.times_start as usize + pos * p.num_trips as usize;
        &self.dep[s..s + p.num_trips as usize]
    }

    /// Arrivals of all trips of `p` at stop position `pos` (sorted ascending).
    #[inline]
    pub fn arr_column(&self, p: &Pattern, pos: usize) -> &[u32] {
        let s = p.times_start as usize + pos * p.num_trips as usize;
        &self.arr[s..s + p.num_trips as usize]
    }

    /// The (pattern, position) pairs at stop `s`.
    #[inline]
    pub fn patterns_at(&self, s: StopIdx) -> &[(PatternIdx, u32)] {
        let a = self.stop_patterns_start[s.ix()] as usize;
        let b = self.stop_patterns_start[s.ix() + 1] as usize;
        &self.stop_patterns[a..b]
    }

    /// transfers.txt rules from stop `s`, sorted by target stop.
    #[inline]
    pub fn transfers_from(&self, s: StopIdx) -> &[(StopIdx, TransferRule)] {
        let a = self.transfers_start[s.ix()] as usize;
        let b = self.transfers_start[s.ix() + 1] as usize;
        &self.transfers[a..b]
    }

    /// transfers.txt rules *into* stop `s`, as (from stop, rule), sorted by source stop.
    #[inline]
    pub fn transfers_into(&self, s: StopIdx) -> &[(StopIdx, TransferRule)] {
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
    pub fn walk_links(&self, s: StopIdx) -> &[(StopIdx, u32)] {
        let a = self.walk_start[s.ix()] as usize;
        let b = self.walk_start[s.ix() + 1] as usize;
        &self.walk[a..b]
    }

    /// The child stops of a station (stops whose parent is `s`), or just `s` itself.
    pub fn stop_and_children(&self, s: StopIdx) -> Vec<StopIdx> {
        let mut v: Vec<StopIdx> = (0..self.stops.len() as u32)
            .map(StopIdx)
            .filter(|&c| self.stops[c.ix()].parent == Some(s))
            .collect();
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
        let h = self.pattern_headsigns[pattern.stops_start as usize + pos];
        if h != NO_HEADSIGN {
            return &self.headsigns[h as usize];
        }
        if let Some(h) = &self.trips[t.ix()].headsign
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

    /// Looks a stop up by its GTFS stop_id (linear; used when resolving user input only).
    pub fn find_stop_id(&self, id: &str) -> Option<StopIdx> {
        self.stops
            .iter()
            .position(|s| s.id == id)
            .map(|i| StopIdx(i as u32))
    }

    /// Trip `t`.
    pub fn trip(&self, t: TripIdx) -> &Trip {
        &self.trips[t.ix()]
    }

    /// Days in the feed's range on which no trip runs at all.
    pub fn days_without_service(&self) -> Vec<NaiveDate> {
        (0..self.num_days())
            .filter(|&d| !self.any_service_on(d))
            .map(|d| self.date_of(d))
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
