//! Compiling a raw feed into the flat [`Timetable`]: the one place where GTFS strings are
//! resolved into indices, service calendars into day bitsets, frequencies into trips, empty
//! times into interpolated ones, and trips into FIFO patterns.
//!
//! Lenient by design, because real feeds are messy: a row that cannot be used (a trip whose
//! route does not exist, a stop time with an unknown stop, times that run backwards) is
//! skipped with a warning kept in [`FeedMeta::warnings`]; only problems that make the whole feed
//! unusable (a required file missing or unparsable, an unknown time zone, no service dates) are
//! errors. `gethere feed check` reports the same problems in detail.

use super::rules::{self, Rules};
use super::*;
use crate::error::{Error, Result};
use crate::feed::load::describe;
use crate::time::service_day_start;
use gtfs_structures as gtfs;
use std::collections::HashMap;

/// Generated walking links are kept up to this straight-line distance; `--walk-radius` may not
/// exceed it.
pub const MAX_WALK_LINK_M: u32 = 1000;

/// A feed whose calendar claims to run longer than this many days is clamped (some feeds put
/// end_date 2099-12-31): the compiled form stays small and queries past it say so.
const MAX_DAYS: i64 = 3 * 366;

/// Stop times beyond a week are malformed (long-distance feeds reach ~90 h). This also catches
/// absurd hour counts that overflowed in the CSV reader.
const MAX_STOP_TIME: u32 = 7 * 24 * 3600;

/// One frequencies.txt row may expand to at most this many trips (a day at one-minute
/// headways is 1,440); more is a malformed row, not a timetable.
const MAX_FREQUENCY_RUNS: u32 = 5000;

/// At most this many warnings of one kind are kept verbatim; the rest are counted.
const MAX_WARNINGS_PER_KIND: usize = 5;

/// Collects warnings, keeping a few examples of each kind and counting the rest.
#[derive(Default)]
struct Warnings {
    kinds: Vec<(&'static str, Vec<String>, usize)>,
}

impl Warnings {
    fn add(&mut self, kind: &'static str, msg: String) {
        match self.kinds.iter_mut().find(|(k, _, _)| *k == kind) {
            Some((_, ex, n)) => {
                *n += 1;
                if ex.len() < MAX_WARNINGS_PER_KIND {
                    ex.push(msg);
                }
            }
            None => self.kinds.push((kind, vec![msg], 1)),
        }
    }

    fn finish(self) -> Vec<String> {
        let mut out = Vec::new();
        for (kind, examples, n) in self.kinds {
            out.extend(examples.iter().cloned());
            if n > examples.len() {
                out.push(format!("… and {} more: {kind}", n - examples.len()));
            }
        }
        out
    }
}

fn naive(d: jiff::civil::Date) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year() as i32, d.month() as u32, d.day() as u32)
        .unwrap_or(NaiveDate::MIN)
}

fn required<'a, T>(r: &'a std::result::Result<Vec<T>, gtfs::Error>, feed: &str) -> Result<&'a [T]> {
    r.as_deref().map_err(|e| Error::FeedUnusable {
        feed: feed.to_string(),
        reason: describe(e),
    })
}

fn optional<'a, T>(
    r: &'a Option<std::result::Result<Vec<T>, gtfs::Error>>,
    feed: &str,
) -> Result<&'a [T]> {
    match r {
        None => Ok(&[]),
        Some(r) => required(r, feed),
    }
}

fn wheelchair(a: gtfs::Availability) -> Wheelchair {
    match a {
        gtfs::Availability::Available => Wheelchair::Accessible,
        gtfs::Availability::NotAvailable => Wheelchair::NotAccessible,
        _ => Wheelchair::Unknown,
    }
}

fn route_type(t: gtfs::RouteType) -> i32 {
    use gtfs::RouteType as R;
    match t {
        R::Tramway => 0,
        R::Subway => 1,
        R::Rail => 2,
        R::Bus => 3,
        R::Ferry => 4,
        R::CableCar => 5,
        R::Gondola => 6,
        R::Funicular => 7,
        R::Extended(e) => e as i16 as i32,
        R::Other(i) => i as i32,
    }
}

fn location_type(t: &gtfs::LocationType) -> u8 {
    use gtfs::LocationType as L;
    match t {
        L::StopPoint => 0,
        L::StopArea => 1,
        L::StationEntrance => 2,
        L::GenericNode => 3,
        L::BoardingArea => 4,
        L::Unknown(_) => 0,
    }
}

/// Regular pickups and "coordinate with the driver" are usable by a planner; "none" and
/// "phone the agency" (which needs advance booking) are not.
fn allowed(p: gtfs::PickupDropOffType) -> bool {
    matches!(
        p,
        gtfs::PickupDropOffType::Regular | gtfs::PickupDropOffType::CoordinateWithDriver
    )
}

fn rgb_hex(c: Option<rgb::RGB8>) -> Option<String> {
    c.map(|c| format!("{:02X}{:02X}{:02X}", c.r, c.g, c.b))
}

/// Straight-line distance in metres: the walking model lives in [`crate::walk`].
pub use crate::walk::distance_m;

/// A stop's coordinate is usable if present, in range, and not the 0,0 placeholder.
fn valid_coord(lat: Option<f64>, lon: Option<f64>) -> Option<(f64, f64)> {
    let (lat, lon) = (lat?, lon?);
    let ok = lat.is_finite()
        && lon.is_finite()
        && (-90.0..=90.0).contains(&lat)
        && (-180.0..=180.0).contains(&lon)
        && !(lat.abs() < 1e-6 && lon.abs() < 1e-6);
    ok.then_some((lat, lon))
}

/// One feed of a region, as [`compile_region`] takes it.
pub struct FeedInput<'a> {
    /// The feed's short key (`trimet`, `durham`): ids are unique within a key.
    pub key: String,
    /// How messages name the feed (its path or URL).
    pub name: String,
    pub raw: &'a crate::feed::load::RawFeed,
    /// blake3 of the feed (see [`crate::feed::load::content_hash`]).
    pub content_hash: String,
}

/// The key a feed gets from its file name when none is given: the name without `.zip` /
/// `.gtfs`, lowercased, with anything but letters, digits, `-` and `_` turned into `-`
/// (`data/trimet-2021-max-green-streetcar.gtfs.zip` → `trimet-2021-max-green-streetcar`).
pub fn feed_key_from_name(name: &str) -> String {
    let base = name
        .trim_end_matches(['/', '\\'])
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(name);
    let base = base.split(['?', '#']).next().unwrap_or(base);
    let mut stem = base.to_ascii_lowercase();
    for ext in [".zip", ".gtfs"] {
        if let Some(s) = stem.strip_suffix(ext) {
            stem = s.to_string();
        }
    }
    let key: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let key = key.trim_matches('-').to_string();
    if key.is_empty() { "feed".into() } else { key }
}

/// Compiles one feed: [`compile_region`] with that feed alone, keyed by its file name.
pub fn compile(
    raw: &crate::feed::load::RawFeed,
    feed: &str,
    content_hash: String,
) -> Result<Timetable> {
    compile_region(
        &[FeedInput {
            key: feed_key_from_name(feed),
            name: feed.to_string(),
            raw,
            content_hash,
        }],
        false,
    )
}

/// Compiles the feeds of a region into one timetable, as a pipeline of stages:
///
/// 1. per feed ([`compile_feed`]): agencies → stops → routes → trips → calendar → transfers.txt
///    → stop times (interpolated, frequencies expanded), each in the feed's own ids;
/// 2. [`merge`]: one index space for all feeds (ids stay per feed), one range of service days,
///    a day start per time zone;
/// 3. [`patterns`]: trips into FIFO patterns, the stop-major time columns;
/// 4. [`stop_patterns`], [`transfer_rules`] (stop rules, specific rules' label slots,
///    continuations), [`walk_links`] (between stops of any feed), stop sequences for realtime.
///
/// With one feed the result is exactly that feed's timetable, keyed by its content hash.
///
/// A feed that cannot be used fails the whole region, naming the feed — unless `skip_broken`,
/// when it is left out with a warning (at least one feed must remain).
pub fn compile_region(feeds: &[FeedInput], skip_broken: bool) -> Result<Timetable> {
    for (i, f) in feeds.iter().enumerate() {
        if let Some(g) = feeds[..i].iter().find(|g| g.key == f.key) {
            return Err(Error::bad_input(
                "feed key",
                &f.key,
                format!(
                    "two feeds have this key ({} and {}); give one another key with --feed KEY=PATH",
                    g.name, f.name
                ),
            ));
        }
    }
    let mut headsigns = Interner::default();
    let mut parts = Vec::with_capacity(feeds.len());
    let mut skipped = Vec::new();
    for f in feeds {
        match compile_feed(f, &mut headsigns) {
            Ok(p) => parts.push(p),
            Err(e) if skip_broken && feeds.len() > 1 => skipped.push(format!(
                "feed {} left out (--skip-broken-feeds): {e}",
                f.key
            )),
            Err(e) => return Err(e),
        }
    }
    if parts.is_empty() {
        return Err(Error::FeedUnusable {
            feed: feeds
                .iter()
                .map(|f| f.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            reason: format!("no feed could be used: {}", skipped.join("; ")),
        });
    }
    let mut region = merge(parts);
    let built = patterns(&region)?;
    let stop_patterns = super::stop_patterns::StopPatterns::build(
        region.stops.len(),
        &built.patterns,
        &built.pattern_stops,
    );
    let mut warn = Warnings::default();
    let rules_c = transfer_rules(&mut region, &built, &mut |k, m| warn.add(k, m));
    let served: Vec<bool> = (0..region.stops.len())
        .map(|s| !stop_patterns.at(StopIdx(s as u32)).is_empty())
        .collect();
    let (walk_start, walk) = walk_links(&region.stops, &served);
    let stop_seqs =
        crate::realtime::seq::stop_sequences(&built.trips, &built.patterns, &region.order);
    let freq_windows = built.freq_windows;
    let shapes = {
        let raws: Vec<(&crate::feed::load::RawFeed, std::ops::Range<u32>)> = region
            .feeds
            .iter()
            .filter_map(|p| {
                let f = feeds.iter().find(|f| f.key == p.key)?;
                Some((f.raw, p.trip_keys.clone()))
            })
            .collect();
        super::shapes::compile_shapes(&raws, &built.trips, &built.patterns)
    };

    // Per-feed and region facts.
    let mut feeds_out = region.feeds;
    for f in &mut feeds_out {
        let routes = f.routes.clone();
        let in_feed = |r: RouteIdx| routes.contains(&r.0);
        f.meta.counts.trips_expanded = built.run_trips.iter().filter(|t| in_feed(t.route)).count();
        f.meta.counts.patterns = built.patterns.iter().filter(|p| in_feed(p.route)).count();
    }
    let single = feeds_out.len() == 1;
    let mut meta = if single {
        feeds_out[0].meta.clone()
    } else {
        region_meta(&feeds_out)
    };
    let region_warnings = warn.finish();
    meta.warnings.extend(skipped);
    for f in &mut feeds_out {
        f.meta.warnings.extend(region_warnings.iter().cloned());
    }
    meta.warnings.extend(region_warnings);
    meta.counts.trips_expanded = built.run_trips.len();
    meta.counts.patterns = built.patterns.len();
    let timezone = region.zones[0].clone();
    let mut tt = Timetable {
        shapes,
        meta,
        timezone,
        agencies: region.agencies,
        first_day: region.calendar.first_day,
        day_start: region.day_start.into(),
        service_ids: region.service_ids,
        service_bits: region.calendar.bits.into(),
        words_per_service: region.calendar.words as u32,
        stops: region.stops.into(),
        routes: region.routes,
        trips: built.trips.into(),
        trip_strings: built.trip_strings,
        patterns: built.patterns.into(),
        pattern_stops: built.pattern_stops.into(),
        pattern_flags: built.pattern_flags.into(),
        // Columns that would hold nothing are left empty (see their fields).
        pattern_headsigns: if built.pattern_headsigns.iter().all(|&h| h == NO_HEADSIGN) {
            Vec::new()
        } else {
            built.pattern_headsigns
        }
        .into(),
        headsigns: headsigns.list,
        arr: unless_equal(built.arr, &built.dep).into(),
        dep: built.dep.into(),
        freq_windows: freq_windows.into(),
        freq_arr: unless_equal(built.freq_arr, &built.freq_dep).into(),
        freq_dep: built.freq_dep.into(),
        stop_patterns,
        transfers_start: csr_if_any(rules_c.1, &rules_c.2).into(),
        transfers: rules_c.2,
        transfers_to_start: csr_if_any(rules_c.3, &rules_c.4).into(),
        transfers_to: rules_c.4,
        walk_start: walk_start.into(),
        walk: walk.into(),
        max_time: built.max_time,
        scheduled_trips: built.scheduled_trips,
        rules: rules_c.0,
        street_links: None,
        fares: Default::default(),
        stop_seqs,
        realtime: None,
        zones: region.zones,
        feeds: feeds_out,
        cells: Default::default(),
    };
    // The last phase: it reads the resolved timetable (patterns, rules, links' stops).
    tt.cells = super::cells::build(&tt, None);
    Ok(tt)
}

/// The facts of a region of several feeds: counts summed, warnings named by feed, the content
/// hash of all the feeds' hashes (sorted, so the order feeds are given in does not matter).
fn region_meta(feeds: &[FeedPart]) -> FeedMeta {
    let mut c = FeedCounts::default();
    let mut warnings = Vec::new();
    for f in feeds {
        let x = &f.meta.counts;
        c.agencies += x.agencies;
        c.stops += x.stops;
        c.routes += x.routes;
        c.trips += x.trips;
        c.stop_times += x.stop_times;
        c.frequency_trips += x.frequency_trips;
        c.transfers += x.transfers;
        c.services += x.services;
        c.interpolated_stop_times += x.interpolated_stop_times;
        warnings.extend(f.meta.warnings.iter().map(|w| format!("{}: {w}", f.key)));
    }
    FeedMeta {
        content_hash: region_hash(
            feeds
                .iter()
                .map(|f| (f.key.as_str(), f.meta.content_hash.as_str())),
        ),
        publisher: None,
        publisher_url: None,
        version: None,
        declared_start: None,
        declared_end: None,
        counts: c,
        warnings,
    }
}

/// The cache key of a region: blake3 over the sorted (key, content hash) pairs. A single feed's
/// key is its own content hash, so `--feed X` alone shares its cache with earlier versions.
pub fn region_hash<'a>(feeds: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut v: Vec<(&str, &str)> = feeds.collect();
    if v.len() == 1 {
        return v[0].1.to_string();
    }
    v.sort_unstable();
    let mut h = blake3::Hasher::new();
    h.update(b"gethere region\0");
    for (k, c) in v {
        h.update(k.as_bytes());
        h.update(b"\0");
        h.update(c.as_bytes());
        h.update(b"\0");
    }
    h.finalize().to_hex().to_string()
}

/// Strings kept once (stop_headsign values), shared by all feeds of a region.
#[derive(Default)]
struct Interner {
    list: Vec<String>,
    index: HashMap<String, u32>,
}

impl Interner {
    fn get(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.list.len() as u32;
        self.list.push(s.to_string());
        self.index.insert(s.to_string(), i);
        i
    }
}

/// One trip's resolved stop times, before patterns are formed.
struct TripRec {
    /// The trip's [`Trip::key`]: its trips.txt row (after merging: plus the rows of the feeds
    /// before its own).
    trip: usize,
    stops: Vec<StopIdx>,
    flags: Vec<u8>,
    headsigns: Vec<u32>,
    arr: Vec<u32>,
    dep: Vec<u32>,
    frequency: Option<Frequency>,
    /// A compact frequency template (see [`super::freq`]): `arr`/`dep` are offsets from the
    /// run's start and these are its windows, sorted and not overlapping. Empty for a scheduled
    /// trip or an expanded run.
    windows: Vec<FreqWindow>,
}

impl TripRec {
    /// The trips the router sees: 1, or the runs of a compact template.
    fn runs(&self) -> usize {
        self.windows
            .iter()
            .map(|w| w.runs as usize)
            .sum::<usize>()
            .max(1)
    }
}

/// What later stages need of a trips.txt row that can be used.
#[derive(Clone)]
struct TripMeta {
    id: String,
    route: RouteIdx,
    service: u32,
    headsign: Option<String>,
    short_name: Option<String>,
    direction: Option<u8>,
    wheelchair: Wheelchair,
    /// block_id, qualified by the feed (blocks never span feeds).
    block: Option<String>,
}

/// Service days as bitsets over a dense range of dates.
struct Calendar {
    first_day: NaiveDate,
    num_days: usize,
    /// `num_days.div_ceil(64)`.
    words: usize,
    /// `bits[service * words + day / 64]` bit `day % 64`.
    bits: Vec<u64>,
}

impl Calendar {
    fn active(&self, service: usize, day: usize) -> bool {
        self.bits[service * self.words + day / 64] >> (day % 64) & 1 == 1
    }
}

/// Everything compiled from one feed, in its own index space.
struct FeedCompiled {
    part: FeedPart,
    tz: chrono_tz::Tz,
    agencies: Vec<Agency>,
    stops: Vec<Stop>,
    routes: Vec<Route>,
    /// By trips.txt row; `None` for rows that cannot be used.
    trips: Vec<Option<TripMeta>>,
    service_ids: Vec<String>,
    calendar: Calendar,
    transfers: rules::ParsedTransfers,
    recs: Vec<TripRec>,
    /// (trip row, stop_sequence, stop_times row) of every usable stop time, sorted.
    order: Vec<(u32, u32, u32)>,
}

/// Stage 1: one feed, from its raw tables to trips with resolved stop times.
fn compile_feed(f: &FeedInput, headsigns: &mut Interner) -> Result<FeedCompiled> {
    let (raw, feed) = (f.raw, f.name.as_str());
    let mut warn = Warnings::default();
    let (agencies, timezone, tz) = agencies(raw, feed, &mut warn)?;
    let (stops, stop_index) = stops(raw, feed, &mut warn)?;
    let (routes, route_index) = routes(raw, feed, &agencies, &mut warn)?;
    let trips = trips(raw, feed, &route_index, &mut warn)?;
    let calendar = calendar(raw, feed, &trips, &mut warn)?;
    let transfer_rows = match &raw.transfers {
        None => &[][..],
        Some(Ok(rows)) => rows.as_slice(),
        Some(Err(why)) => {
            return Err(Error::FeedUnusable {
                feed: feed.to_string(),
                reason: format!("transfers.txt cannot be read: {why}"),
            });
        }
    };
    let transfers = rules::parse_transfers(
        transfer_rows,
        &stops,
        &stop_index,
        &route_index,
        &trips.index,
        &mut |k, m| warn.add(k, m),
    );
    let times = stop_times(raw, feed, &stop_index, &stops, &trips, headsigns, &mut warn)?;

    let feed_info = optional(&raw.feed_info, feed)?.first();
    let counts = FeedCounts {
        agencies: agencies.len(),
        stops: required(&raw.stops, feed)?.len(),
        routes: required(&raw.routes, feed)?.len(),
        trips: trips.meta.len(),
        stop_times: required(&raw.stop_times, feed)?.len(),
        frequency_trips: times.frequency_trips,
        transfers: transfers.rows,
        services: trips.service_ids.len(),
        trips_expanded: times.recs.iter().map(TripRec::runs).sum(),
        patterns: 0,
        interpolated_stop_times: times.interpolated,
    };
    let last_day = calendar.first_day + chrono::Days::new(calendar.num_days as u64 - 1);
    let part = FeedPart {
        key: f.key.clone(),
        name: f.name.clone(),
        timezone: timezone.clone(),
        zone: 0,
        agencies: 0..0,
        stops: 0..0,
        routes: 0..0,
        trip_keys: 0..0,
        services: 0..0,
        first_day: calendar.first_day,
        last_day,
        meta: FeedMeta {
            content_hash: f.content_hash.clone(),
            publisher: feed_info.map(|f| f.name.clone()),
            publisher_url: feed_info.map(|f| f.url.clone()),
            version: feed_info.and_then(|f| f.version.clone()),
            declared_start: feed_info.and_then(|f| f.start_date).map(naive),
            declared_end: feed_info.and_then(|f| f.end_date).map(naive),
            counts,
            warnings: warn.finish(),
        },
    };
    Ok(FeedCompiled {
        part,
        tz,
        agencies,
        stops,
        routes,
        trips: trips.meta,
        service_ids: trips.service_ids,
        calendar,
        transfers,
        recs: times.recs,
        order: times.order,
    })
}

/// Stage "agencies": the agencies and the feed's time zone (the first agency's; GTFS requires
/// one zone per feed).
fn agencies(
    raw: &crate::feed::load::RawFeed,
    feed: &str,
    warn: &mut Warnings,
) -> Result<(Vec<Agency>, String, chrono_tz::Tz)> {
    let unusable = |reason: String| Error::FeedUnusable {
        feed: feed.to_string(),
        reason,
    };
    let raw_agencies = required(&raw.agencies, feed)?;
    if raw_agencies.is_empty() {
        return Err(unusable("agency.txt has no agencies".into()));
    }
    let timezone = raw_agencies[0].timezone.trim().to_string();
    let tz: chrono_tz::Tz = timezone.parse().map_err(|_| {
        unusable(format!(
            "agency.txt: agency_timezone '{timezone}' is not a known IANA time zone (e.g. America/Los_Angeles)"
        ))
    })?;
    for a in &raw_agencies[1..] {
        if a.timezone.trim() != timezone {
            warn.add(
                "agencies with another time zone",
                format!(
                    "agency.txt: agency {} has time zone {} but the feed uses {timezone} (GTFS requires one zone per feed; {timezone} is used for all times)",
                    a.id.as_deref().unwrap_or(&a.name),
                    a.timezone
                ),
            );
        }
    }
    let agencies = raw_agencies
        .iter()
        .map(|a| Agency {
            id: a.id.clone(),
            name: a.name.clone(),
            url: a.url.clone(),
            timezone: a.timezone.clone(),
        })
        .collect();
    Ok((agencies, timezone, tz))
}

/// Stage "stops": stops with usable coordinates, parent stations resolved, wheelchair boarding
/// inherited from the station.
fn stops<'a>(
    raw: &'a crate::feed::load::RawFeed,
    feed: &str,
    warn: &mut Warnings,
) -> Result<(Vec<Stop>, HashMap<&'a str, StopIdx>)> {
    let raw_stops = required(&raw.stops, feed)?;
    let mut stop_index: HashMap<&str, StopIdx> = HashMap::with_capacity(raw_stops.len());
    let mut stops: Vec<Stop> = Vec::with_capacity(raw_stops.len());
    let mut raw_of_stop: Vec<usize> = Vec::with_capacity(raw_stops.len());
    for (row, s) in raw_stops.iter().enumerate() {
        if stop_index.contains_key(s.id.as_str()) {
            warn.add(
                "duplicate stop_id",
                format!("stops.txt:{}: duplicate stop_id {} ignored", row + 2, s.id),
            );
            continue;
        }
        let (lat, lon) = match valid_coord(s.latitude, s.longitude) {
            Some(c) => c,
            None => {
                let lt = location_type(&s.location_type);
                if lt <= 2 {
                    warn.add(
                        "stop without usable coordinates",
                        format!(
                            "stops.txt:{}: stop {} has no usable coordinates ({:?}, {:?}); it cannot be walked to",
                            row + 2,
                            s.id,
                            s.latitude,
                            s.longitude
                        ),
                    );
                }
                (f64::NAN, f64::NAN)
            }
        };
        stop_index.insert(s.id.as_str(), StopIdx(stops.len() as u32));
        raw_of_stop.push(row);
        stops.push(Stop {
            id: s.id.clone(),
            code: s.code.clone().filter(|c| !c.is_empty()),
            name: s.name.clone().unwrap_or_else(|| s.id.clone()),
            lat,
            lon,
            parent: None,
            location_type: location_type(&s.location_type),
            wheelchair: wheelchair(s.wheelchair_boarding),
            platform_code: s.platform_code.clone().filter(|c| !c.is_empty()),
            timezone: s.timezone.clone().filter(|c| !c.is_empty()),
        });
    }
    for i in 0..stops.len() {
        let s = &raw_stops[raw_of_stop[i]];
        if let Some(p) = s.parent_station.as_deref().filter(|p| !p.is_empty()) {
            match stop_index.get(p) {
                Some(&pi) if pi.ix() != i => stops[i].parent = Some(pi),
                _ => warn.add(
                    "unknown parent_station",
                    format!(
                        "stops.txt:{}: stop {} names parent_station {p}, which does not exist",
                        raw_of_stop[i] + 2,
                        s.id
                    ),
                ),
            }
        }
    }
    // A platform that says nothing about wheelchair boarding inherits its station's value.
    for i in 0..stops.len() {
        if stops[i].wheelchair == Wheelchair::Unknown
            && let Some(p) = stops[i].parent
        {
            stops[i].wheelchair = stops[p.ix()].wheelchair;
        }
    }
    Ok((stops, stop_index))
}

/// Stage "routes": routes with their agency.
fn routes<'a>(
    raw: &'a crate::feed::load::RawFeed,
    feed: &str,
    agencies: &[Agency],
    warn: &mut Warnings,
) -> Result<(Vec<Route>, HashMap<&'a str, RouteIdx>)> {
    let raw_routes = required(&raw.routes, feed)?;
    let mut route_index: HashMap<&str, RouteIdx> = HashMap::with_capacity(raw_routes.len());
    let mut routes = Vec::with_capacity(raw_routes.len());
    for (row, r) in raw_routes.iter().enumerate() {
        if route_index.contains_key(r.id.as_str()) {
            warn.add(
                "duplicate route_id",
                format!(
                    "routes.txt:{}: duplicate route_id {} ignored",
                    row + 2,
                    r.id
                ),
            );
            continue;
        }
        let agency = match r.agency_id.as_deref().filter(|a| !a.is_empty()) {
            None => 0,
            Some(a) => match agencies.iter().position(|x| x.id.as_deref() == Some(a)) {
                Some(i) => i as u32,
                None => {
                    warn.add(
                        "unknown agency_id",
                        format!(
                            "routes.txt:{}: route {} names agency_id {a}, which does not exist",
                            row + 2,
                            r.id
                        ),
                    );
                    0
                }
            },
        };
        route_index.insert(r.id.as_str(), RouteIdx(routes.len() as u32));
        routes.push(Route {
            id: r.id.clone(),
            agency,
            short_name: r.short_name.clone().filter(|s| !s.is_empty()),
            long_name: r.long_name.clone().filter(|s| !s.is_empty()),
            route_type: route_type(r.route_type),
            color: rgb_hex(r.color),
            text_color: rgb_hex(r.text_color),
        });
    }
    Ok((routes, route_index))
}

/// What stage "trips" resolves.
struct Trips<'a> {
    /// trips.txt row of each trip_id (first occurrence).
    index: HashMap<&'a str, usize>,
    /// By trips.txt row.
    meta: Vec<Option<TripMeta>>,
    service_ids: Vec<String>,
    service_index: HashMap<&'a str, u32>,
}

/// Stage "trips": trips with a known route and a service that some calendar file names; the
/// services in order of first use.
fn trips<'a>(
    raw: &'a crate::feed::load::RawFeed,
    feed: &str,
    route_index: &HashMap<&str, RouteIdx>,
    warn: &mut Warnings,
) -> Result<Trips<'a>> {
    let calendar = optional(&raw.calendar, feed)?;
    let calendar_dates = optional(&raw.calendar_dates, feed)?;
    let known_services: std::collections::HashSet<&str> = calendar
        .iter()
        .map(|c| c.id.as_str())
        .chain(calendar_dates.iter().map(|c| c.service_id.as_str()))
        .collect();
    let raw_trips = required(&raw.trips, feed)?;
    let mut out = Trips {
        index: HashMap::with_capacity(raw_trips.len()),
        meta: vec![None; raw_trips.len()],
        service_ids: Vec::new(),
        service_index: HashMap::new(),
    };
    for (row, t) in raw_trips.iter().enumerate() {
        if out.index.contains_key(t.id.as_str()) {
            warn.add(
                "duplicate trip_id",
                format!("trips.txt:{}: duplicate trip_id {} ignored", row + 2, t.id),
            );
            continue;
        }
        out.index.insert(t.id.as_str(), row);
        let Some(&route) = route_index.get(t.route_id.as_str()) else {
            warn.add(
                "trip with unknown route",
                format!(
                    "trips.txt:{}: trip {} names route_id {}, which does not exist; trip skipped",
                    row + 2,
                    t.id,
                    t.route_id
                ),
            );
            continue;
        };
        if !known_services.contains(t.service_id.as_str()) {
            warn.add(
                "trip with unknown service",
                format!(
                    "trips.txt:{}: trip {} names service_id {}, which is in neither calendar.txt nor calendar_dates.txt; trip skipped",
                    row + 2,
                    t.id,
                    t.service_id
                ),
            );
            continue;
        }
        let next = out.service_ids.len() as u32;
        let service_ids = &mut out.service_ids;
        let service = *out
            .service_index
            .entry(t.service_id.as_str())
            .or_insert_with(|| {
                service_ids.push(t.service_id.clone());
                next
            });
        out.meta[row] = Some(TripMeta {
            id: t.id.clone(),
            route,
            service,
            headsign: t.trip_headsign.clone().filter(|h| !h.is_empty()),
            short_name: t.trip_short_name.clone().filter(|h| !h.is_empty()),
            direction: t.direction_id.map(|d| match d {
                gtfs::DirectionType::Outbound => 0,
                gtfs::DirectionType::Inbound => 1,
            }),
            wheelchair: wheelchair(t.wheelchair_accessible),
            block: t.block_id.clone().filter(|b| !b.is_empty()),
        });
    }
    Ok(out)
}

/// Stage "calendar": calendar.txt and calendar_dates.txt as day bitsets per service, over the
/// feed's range of service dates (clamped to [`MAX_DAYS`]).
fn calendar(
    raw: &crate::feed::load::RawFeed,
    feed: &str,
    trips: &Trips,
    warn: &mut Warnings,
) -> Result<Calendar> {
    let unusable = |reason: String| Error::FeedUnusable {
        feed: feed.to_string(),
        reason,
    };
    let calendar = optional(&raw.calendar, feed)?;
    let calendar_dates = optional(&raw.calendar_dates, feed)?;
    let service_index = &trips.service_index;
    let mut first: Option<NaiveDate> = None;
    let mut last: Option<NaiveDate> = None;
    let mut widen = |d: NaiveDate| {
        first = Some(first.map_or(d, |f| f.min(d)));
        last = Some(last.map_or(d, |l| l.max(d)));
    };
    for c in calendar
        .iter()
        .filter(|c| service_index.contains_key(c.id.as_str()))
    {
        let (s, e) = (naive(c.start_date), naive(c.end_date));
        if s <= e {
            widen(s);
            widen(e);
        }
    }
    for c in calendar_dates
        .iter()
        .filter(|c| service_index.contains_key(c.service_id.as_str()))
    {
        if c.exception_type == gtfs::Exception::Added {
            widen(naive(c.date));
        }
    }
    let (Some(first_day), Some(mut last_day)) = (first, last) else {
        return Err(unusable(
            "no trip has a service date: calendar.txt and calendar_dates.txt give no day on which any trip runs".into(),
        ));
    };
    if (last_day - first_day).num_days() >= MAX_DAYS {
        let clamp = first_day + chrono::Days::new(MAX_DAYS as u64 - 1);
        warn.add(
            "calendar clamped",
            format!(
                "calendar runs to {last_day}; only the {MAX_DAYS} days to {clamp} are compiled"
            ),
        );
        last_day = clamp;
    }
    let num_days = (last_day - first_day).num_days() as usize + 1;
    let words = num_days.div_ceil(64);
    let mut service_bits = vec![0u64; words * trips.service_ids.len()];
    let day_of = |d: NaiveDate| -> Option<usize> {
        let i = (d - first_day).num_days();
        (i >= 0 && (i as usize) < num_days).then_some(i as usize)
    };
    for (row, c) in calendar.iter().enumerate() {
        let Some(&svc) = service_index.get(c.id.as_str()) else {
            continue;
        };
        let (s, e) = (naive(c.start_date), naive(c.end_date));
        if s > e {
            warn.add(
                "calendar ends before it starts",
                format!(
                    "calendar.txt:{}: service {} ends before it starts",
                    row + 2,
                    c.id
                ),
            );
            continue;
        }
        let flags = [
            c.monday,
            c.tuesday,
            c.wednesday,
            c.thursday,
            c.friday,
            c.saturday,
            c.sunday,
        ];
        let mut d = s.max(first_day);
        while d <= e.min(last_day) {
            use chrono::Datelike;
            if flags[d.weekday().num_days_from_monday() as usize]
                && let Some(i) = day_of(d)
            {
                service_bits[svc as usize * words + i / 64] |= 1 << (i % 64);
            }
            d = d.succ_opt().unwrap_or(d);
            if d == NaiveDate::MAX {
                break;
            }
        }
    }
    for c in calendar_dates {
        let Some(&svc) = service_index.get(c.service_id.as_str()) else {
            continue;
        };
        let Some(i) = day_of(naive(c.date)) else {
            continue;
        };
        let w = &mut service_bits[svc as usize * words + i / 64];
        match c.exception_type {
            gtfs::Exception::Added => *w |= 1 << (i % 64),
            gtfs::Exception::Deleted => *w &= !(1 << (i % 64)),
        }
    }
    if service_bits.iter().all(|&w| w == 0) {
        return Err(unusable(
            "no trip runs on any day: calendar.txt switches on no weekday and calendar_dates.txt adds no date for the trips' services".into(),
        ));
    }
    Ok(Calendar {
        first_day,
        num_days,
        words,
        bits: service_bits,
    })
}

/// What stage "stop times" produces.
struct StopTimes {
    recs: Vec<TripRec>,
    order: Vec<(u32, u32, u32)>,
    interpolated: usize,
    frequency_trips: usize,
}

/// Stage "stop times": each usable trip's stop times resolved (stops, boarding flags, empty
/// times interpolated) and frequency-based trips expanded into runs.
fn stop_times(
    raw: &crate::feed::load::RawFeed,
    feed: &str,
    stop_index: &HashMap<&str, StopIdx>,
    stops: &[Stop],
    trips: &Trips,
    headsigns: &mut Interner,
    warn: &mut Warnings,
) -> Result<StopTimes> {
    let raw_st = required(&raw.stop_times, feed)?;
    let mut order: Vec<(u32, u32, u32)> = Vec::with_capacity(raw_st.len());
    let mut st_unknown_trip = 0usize;
    for (i, st) in raw_st.iter().enumerate() {
        match trips.index.get(st.trip_id.as_str()) {
            Some(&t) => order.push((t as u32, st.stop_sequence, i as u32)),
            None => {
                st_unknown_trip += 1;
                if st_unknown_trip <= MAX_WARNINGS_PER_KIND {
                    warn.add(
                        "stop time with unknown trip",
                        format!(
                            "stop_times.txt:{}: trip_id {} does not exist; row skipped",
                            i + 2,
                            st.trip_id
                        ),
                    );
                }
            }
        }
    }
    order.sort_unstable();

    let freqs = optional(&raw.frequencies, feed)?;
    let mut freq_of: HashMap<&str, Vec<&gtfs::RawFrequency>> = HashMap::new();
    for f in freqs {
        freq_of.entry(f.trip_id.as_str()).or_default().push(f);
    }

    let mut recs: Vec<TripRec> = Vec::with_capacity(trips.meta.len());
    let mut interpolated = 0usize;
    let mut frequency_trips = 0usize;
    let mut i = 0;
    while i < order.len() {
        let t = order[i].0 as usize;
        let mut j = i;
        while j < order.len() && order[j].0 as usize == t {
            j += 1;
        }
        let rows: Vec<&gtfs::RawStopTime> = order[i..j]
            .iter()
            .map(|&(_, _, r)| &raw_st[r as usize])
            .collect();
        let first_row = order[i].2 as usize + 2;
        i = j;
        let Some(meta) = &trips.meta[t] else {
            continue;
        };
        let trip_id = &meta.id;
        match resolve_trip(&rows, stop_index, stops) {
            Ok((stops_v, flags, arr, dep, n_interp)) => {
                interpolated += n_interp;
                let hs: Vec<u32> = rows
                    .iter()
                    .map(|r| match r.stop_headsign.as_deref().map(str::trim) {
                        Some(h) if !h.is_empty() => headsigns.get(h),
                        _ => NO_HEADSIGN,
                    })
                    .collect();
                match freq_of.get(trip_id.as_str()) {
                    None => recs.push(TripRec {
                        trip: t,
                        stops: stops_v,
                        flags,
                        headsigns: hs,
                        arr,
                        dep,
                        frequency: None,
                        windows: Vec::new(),
                    }),
                    Some(fs) => {
                        frequency_trips += 1;
                        let base = dep[0];
                        let mut windows: Vec<FreqWindow> = Vec::new();
                        for f in fs {
                            let runs = (f.end_time.saturating_sub(f.start_time))
                                .checked_div(f.headway_secs)
                                .unwrap_or(0);
                            if f.headway_secs == 0
                                || f.end_time <= f.start_time
                                || f.end_time > MAX_STOP_TIME
                                || runs > MAX_FREQUENCY_RUNS
                            {
                                warn.add(
                                    "unusable frequencies.txt row",
                                    format!(
                                        "frequencies.txt: trip {trip_id}: headway {} from {} to {} is not a usable service pattern; row skipped",
                                        f.headway_secs,
                                        crate::time::format_gtfs_time(f.start_time),
                                        crate::time::format_gtfs_time(f.end_time)
                                    ),
                                );
                                continue;
                            }
                            let exact = f.exact_times == Some(gtfs::ExactTimes::ScheduleBased);
                            windows.push(FreqWindow {
                                start: f.start_time,
                                headway: f.headway_secs,
                                runs: (f.end_time - f.start_time).div_ceil(f.headway_secs),
                                first_run: 0,
                                exact: exact as u32,
                            });
                        }
                        match compact_windows(windows.clone(), &arr, &dep) {
                            // The runs kept as the template and its windows.
                            Some(compact) => recs.push(TripRec {
                                trip: t,
                                stops: stops_v,
                                flags,
                                headsigns: hs,
                                arr: arr.iter().map(|&x| x - base).collect(),
                                dep: dep.iter().map(|&x| x - base).collect(),
                                frequency: None,
                                windows: compact,
                            }),
                            // Departures start + k·headway for start <= t < end, as
                            // OpenTripPlanner and most consumers read the spec, one trip each.
                            None => {
                                for w in &windows {
                                    for j in 0..w.runs {
                                        let start = w.start + j * w.headway;
                                        let shift = |v: &Vec<u32>| -> Vec<u32> {
                                            v.iter()
                                                .map(|&x| {
                                                    (x as i64 - base as i64 + start as i64).max(0)
                                                        as u32
                                                })
                                                .collect()
                                        };
                                        recs.push(TripRec {
                                            trip: t,
                                            stops: stops_v.clone(),
                                            flags: flags.clone(),
                                            headsigns: hs.clone(),
                                            arr: shift(&arr),
                                            dep: shift(&dep),
                                            frequency: Some(Frequency {
                                                headway_secs: w.headway,
                                                exact: w.exact != 0,
                                            }),
                                            windows: Vec::new(),
                                        });
                                    }
                                }
                            }
                        }
                    }
                }
            }
            Err(why) => warn.add(
                "unusable trip",
                format!("stop_times.txt:{first_row}: trip {trip_id}: {why}; trip skipped"),
            ),
        }
    }
    if st_unknown_trip > MAX_WARNINGS_PER_KIND {
        warn.add(
            "stop time with unknown trip",
            format!("{st_unknown_trip} stop_times rows in all name a trip that does not exist"),
        );
    }
    if recs.is_empty() {
        return Err(Error::FeedUnusable {
            feed: feed.to_string(),
            reason: "no trip has usable stop times (see `gethere feed check`)".into(),
        });
    }
    Ok(StopTimes {
        recs,
        order,
        interpolated,
        frequency_trips,
    })
}

/// A frequency template's windows in compact form ([`super::freq`]), or `None` when its runs
/// must be expanded into trips to stay exact: a stop time before the first departure (the
/// expansion clamps it at 0), one more than 18 hours after it (offsets are stored in two
/// bytes, [`Timetable::freq_dep`]), or windows whose runs interleave (overlapping rows),
/// which the arithmetic over sorted windows cannot number in departure order.
fn compact_windows(mut w: Vec<FreqWindow>, arr: &[u32], dep: &[u32]) -> Option<Vec<FreqWindow>> {
    let base = *dep.first()?;
    let fits = |x: u32| x >= base && x - base <= u16::MAX as u32;
    if w.is_empty() || !arr.iter().chain(dep).all(|&x| fits(x)) {
        return None;
    }
    w.sort_by_key(|w| (w.start, w.headway, w.runs));
    let mut first_run = 0u32;
    for i in 0..w.len() {
        if i > 0 && (w[i].start as u64) < w[i - 1].last_start() {
            return None;
        }
        w[i].first_run = first_run;
        first_run = first_run.checked_add(w[i].runs)?;
    }
    Some(w)
}

/// The feeds in one index space.
struct Region {
    feeds: Vec<FeedPart>,
    zones: Vec<String>,
    /// Zone index of each route.
    route_zone: Vec<u32>,
    agencies: Vec<Agency>,
    stops: Vec<Stop>,
    routes: Vec<Route>,
    /// By trip key.
    trips: Vec<Option<TripMeta>>,
    service_ids: Vec<String>,
    calendar: Calendar,
    /// `day_start[zone * num_days + day]`.
    day_start: Vec<Instant>,
    transfers: rules::ParsedTransfers,
    recs: Vec<TripRec>,
    order: Vec<(u32, u32, u32)>,
}

/// Stage 2, "merge": the feeds' stops, routes, trips and services one after the other (each
/// feed's indices shifted by the sizes of the feeds before it), one calendar over the union of
/// their dates, and each service day's start in every time zone the feeds use. Nothing is
/// merged by name: equal ids in two feeds stay two things.
fn merge(parts: Vec<FeedCompiled>) -> Region {
    let first_day = parts
        .iter()
        .map(|p| p.calendar.first_day)
        .min()
        .expect("a region has at least one feed");
    let last_day = parts
        .iter()
        .map(|p| p.calendar.first_day + chrono::Days::new(p.calendar.num_days as u64 - 1))
        .max()
        .expect("a region has at least one feed");
    let num_days = (last_day - first_day).num_days() as usize + 1;
    let words = num_days.div_ceil(64);
    let services: usize = parts.iter().map(|p| p.service_ids.len()).sum();
    let mut r = Region {
        feeds: Vec::with_capacity(parts.len()),
        zones: Vec::new(),
        route_zone: Vec::new(),
        agencies: Vec::new(),
        stops: Vec::new(),
        routes: Vec::new(),
        trips: Vec::new(),
        service_ids: Vec::new(),
        calendar: Calendar {
            first_day,
            num_days,
            words,
            bits: vec![0; words * services],
        },
        day_start: Vec::new(),
        transfers: rules::ParsedTransfers::default(),
        recs: Vec::new(),
        order: Vec::new(),
    };
    let mut tzs: Vec<chrono_tz::Tz> = Vec::new();
    for (fi, p) in parts.into_iter().enumerate() {
        let so = r.stops.len() as u32;
        let ro = r.routes.len() as u32;
        let ao = r.agencies.len() as u32;
        let to = r.trips.len() as u32;
        let vo = r.service_ids.len() as u32;
        let zone = match r.zones.iter().position(|z| *z == p.part.timezone) {
            Some(z) => z as u32,
            None => {
                r.zones.push(p.part.timezone.clone());
                tzs.push(p.tz);
                r.zones.len() as u32 - 1
            }
        };
        let mut part = p.part;
        part.zone = zone;
        part.agencies = ao..ao + p.agencies.len() as u32;
        part.stops = so..so + p.stops.len() as u32;
        part.routes = ro..ro + p.routes.len() as u32;
        part.trip_keys = to..to + p.trips.len() as u32;
        part.services = vo..vo + p.service_ids.len() as u32;
        r.feeds.push(part);

        r.agencies.extend(p.agencies);
        r.stops.extend(p.stops.into_iter().map(|mut s| {
            s.parent = s.parent.map(|x| StopIdx(x.0 + so));
            s
        }));
        r.route_zone.extend(p.routes.iter().map(|_| zone));
        r.routes.extend(p.routes.into_iter().map(|mut x| {
            x.agency += ao;
            x
        }));
        r.trips.extend(p.trips.into_iter().map(|m| {
            m.map(|mut m| {
                m.route = RouteIdx(m.route.0 + ro);
                m.service += vo;
                m.block = m.block.map(|b| format!("{fi}\u{1f}{b}"));
                m
            })
        }));
        // The feed's services on the region's days.
        let shift = (p.calendar.first_day - first_day).num_days() as usize;
        for s in 0..p.service_ids.len() {
            for d in 0..p.calendar.num_days {
                if p.calendar.active(s, d) {
                    let (gs, gd) = (vo as usize + s, shift + d);
                    r.calendar.bits[gs * words + gd / 64] |= 1 << (gd % 64);
                }
            }
        }
        r.service_ids.extend(p.service_ids);

        let t = p.transfers;
        let st = |x: StopIdx| StopIdx(x.0 + so);
        let sel = |x: rules::Sel| match x {
            rules::Sel::Any => rules::Sel::Any,
            rules::Sel::Route(q) => rules::Sel::Route(RouteIdx(q.0 + ro)),
            rules::Sel::Trip(k) => rules::Sel::Trip(k + to),
        };
        r.transfers.stop_rules.extend(
            t.stop_rules
                .into_iter()
                .map(|((a, b), x)| ((st(a), st(b)), x)),
        );
        r.transfers
            .specific
            .extend(t.specific.into_iter().map(|x| rules::SpecificRule {
                from_stop: st(x.from_stop),
                to_stop: st(x.to_stop),
                from: sel(x.from),
                to: sel(x.to),
                rule: x.rule,
            }));
        r.transfers
            .in_seat
            .extend(t.in_seat.into_iter().map(|(a, b, ok)| (a + to, b + to, ok)));
        r.transfers
            .named_trips
            .extend(t.named_trips.into_iter().map(|k| k + to));
        r.transfers.rows += t.rows;

        r.recs.extend(p.recs.into_iter().map(|mut x| {
            x.trip += to as usize;
            for s in &mut x.stops {
                *s = st(*s);
            }
            x
        }));
        r.order
            .extend(p.order.into_iter().map(|(k, q, row)| (k + to, q, row)));
    }
    r.transfers
        .specific
        .sort_by_key(|x| (x.from_stop, x.to_stop, x.from, x.to));
    r.day_start = tzs
        .iter()
        .flat_map(|&tz| {
            (0..num_days)
                .map(move |i| service_day_start(tz, first_day + chrono::Days::new(i as u64)))
        })
        .collect();
    r
}

/// Arrivals as stored: empty when every one equals its departure (then departures are read
/// for both).
fn unless_equal<T: PartialEq>(arr: Vec<T>, dep: &[T]) -> Vec<T> {
    if arr == dep { Vec::new() } else { arr }
}

/// What stage "patterns" builds.
struct Built {
    patterns: Vec<Pattern>,
    pattern_stops: Vec<StopIdx>,
    pattern_flags: Vec<u8>,
    pattern_headsigns: Vec<u32>,
    arr: Vec<u32>,
    dep: Vec<u32>,
    /// Trip records ([`Pattern::rec_start`]).
    trips: Vec<Trip>,
    /// One per [`TripIdx`] (a frequency run's is its template's, with the run's headway), for
    /// the compile stages that index trips by it (continuations, slots).
    run_trips: Vec<Trip>,
    freq_windows: Vec<FreqWindow>,
    /// Frequency templates' offsets ([`Timetable::freq_dep`]).
    freq_arr: Vec<u16>,
    freq_dep: Vec<u16>,
    /// trip_id, trip_headsign and trip_short_name strings of `trips`.
    trip_strings: super::flat::StrTable,
    /// Per [`TripIdx`].
    trip_ends: Vec<Option<rules::TripEnds>>,
    max_time: u32,
    /// [`Timetable::scheduled_trips`].
    scheduled_trips: u32,
}

/// Stage 3, "patterns": trips grouped by (route, stops, flags, stop headsigns) in order of first
/// appearance (deterministic), sorted by first departure and split so that no trip overtakes
/// another; times stored stop-major. A trip named by a route/trip-specific transfer rule gets a
/// pattern of its own, so that every pattern stop has one label slot (see `rules`).
fn patterns(region: &Region) -> Result<Built> {
    let recs = &region.recs;
    let meta = |k: usize| region.trips[k].as_ref().expect("recs are of usable trips");
    type Key<'a> = (
        RouteIdx,
        &'a [StopIdx],
        &'a [u8],
        &'a [u32],
        Option<usize>,
        Option<usize>,
    );
    let mut group_of: HashMap<Key, usize> = HashMap::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (k, r) in recs.iter().enumerate() {
        let g = *group_of
            .entry((
                meta(r.trip).route,
                r.stops.as_slice(),
                r.flags.as_slice(),
                r.headsigns.as_slice(),
                region
                    .transfers
                    .named_trips
                    .contains(&(r.trip as u32))
                    .then_some(r.trip),
                // A compact frequency template is a pattern of its own.
                (!r.windows.is_empty()).then_some(k),
            ))
            .or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
        groups[g].push(k);
    }
    let stop_times: usize = recs.iter().map(|r| r.stops.len()).sum();
    let mut b = Built {
        patterns: Vec::new(),
        pattern_stops: Vec::new(),
        pattern_flags: Vec::new(),
        pattern_headsigns: Vec::new(),
        arr: Vec::with_capacity(stop_times),
        dep: Vec::with_capacity(stop_times),
        trips: Vec::with_capacity(recs.len()),
        run_trips: Vec::with_capacity(recs.len()),
        freq_windows: Vec::new(),
        freq_arr: Vec::new(),
        freq_dep: Vec::new(),
        trip_strings: Default::default(),
        trip_ends: Vec::with_capacity(recs.len()),
        max_time: 0,
        scheduled_trips: 0,
    };
    let mut strings = super::flat::StrInterner::default();
    // Scheduled patterns first, so that their trips' records are `trips[t]` (see
    // `Timetable::scheduled_trips`); then one pattern per compact frequency template.
    let mut templates = Vec::new();
    for mut g in groups {
        if let [k] = g[..]
            && !recs[k].windows.is_empty()
        {
            templates.push(k);
            continue;
        }
        g.sort_by(|&a, &b| {
            let (ra, rb) = (&recs[a], &recs[b]);
            ra.dep[0]
                .cmp(&rb.dep[0])
                .then_with(|| ra.arr.last().cmp(&rb.arr.last()))
                .then_with(|| ra.dep.cmp(&rb.dep))
                .then_with(|| ra.arr.cmp(&rb.arr))
                .then_with(|| meta(ra.trip).id.cmp(&meta(rb.trip).id))
        });
        // Split into sub-patterns in which no trip overtakes the one before it.
        let mut subs: Vec<Vec<usize>> = Vec::new();
        for k in g {
            let r = &recs[k];
            let fits = |s: &Vec<usize>| {
                let last = &recs[*s.last().expect("sub-patterns are never empty")];
                last.arr.iter().zip(&r.arr).all(|(a, b)| a <= b)
                    && last.dep.iter().zip(&r.dep).all(|(a, b)| a <= b)
            };
            match subs.iter().position(fits) {
                Some(s) => subs[s].push(k),
                None => subs.push(vec![k]),
            }
        }
        for sub in subs {
            let r0 = &recs[sub[0]];
            let n = r0.stops.len();
            let route = meta(r0.trip).route;
            let p = Pattern {
                route,
                stops_start: b.pattern_stops.len() as u32,
                num_stops: n as u32,
                trips_start: b.run_trips.len() as u32,
                num_trips: sub.len() as u32,
                times_start: b.arr.len() as u32,
                max_time: sub
                    .iter()
                    .map(|&k| *recs[k].arr.last().unwrap_or(&0))
                    .max()
                    .unwrap_or(0),
                zone: region.route_zone[route.ix()],
                rec_start: b.trips.len() as u32,
                windows_start: 0,
                num_windows: 0,
            };
            b.max_time = b.max_time.max(p.max_time);
            b.pattern_stops.extend_from_slice(&r0.stops);
            b.pattern_flags.extend_from_slice(&r0.flags);
            b.pattern_headsigns.extend_from_slice(&r0.headsigns);
            for pos in 0..n {
                for &k in &sub {
                    b.arr.push(recs[k].arr[pos]);
                    b.dep.push(recs[k].dep[pos]);
                }
            }
            for &k in &sub {
                let r = &recs[k];
                let m = meta(r.trip);
                b.trip_ends
                    .push(r.frequency.is_none().then(|| rules::TripEnds {
                        block: m.block.clone(),
                        first_stop: r.stops[0],
                        last_stop: r.stops[r.stops.len() - 1],
                        first_dep: r.dep[0],
                        last_arr: r.arr[r.arr.len() - 1],
                    }));
                let trip = trip_record(r.trip, m, &mut strings, r.frequency.as_ref());
                b.trips.push(trip);
                b.run_trips.push(trip);
            }
            b.patterns.push(p);
        }
    }
    b.scheduled_trips = b.run_trips.len() as u32;
    for k in templates {
        frequency_pattern(&mut b, &mut strings, &recs[k], meta(recs[k].trip), region);
    }
    if b.arr.len() > u32::MAX as usize {
        return Err(Error::FeedUnusable {
            feed: region
                .feeds
                .iter()
                .map(|f| f.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            reason: "more than 4 billion stop times".into(),
        });
    }
    b.trip_strings = strings.finish();
    Ok(b)
}

/// A compact frequency template as a frequency pattern: one row of offsets, its windows, one
/// trip record; its runs are its trips (see [`super::freq`]). Runs are never linked in-seat.
fn frequency_pattern(
    b: &mut Built,
    strings: &mut super::flat::StrInterner,
    r: &TripRec,
    m: &TripMeta,
    region: &Region,
) {
    let n = r.stops.len();
    let runs = r.runs() as u32;
    let last = r.windows.last().map_or(0, |w| w.last_start()) as u32;
    let p = Pattern {
        route: m.route,
        stops_start: b.pattern_stops.len() as u32,
        num_stops: n as u32,
        trips_start: b.run_trips.len() as u32,
        num_trips: runs,
        times_start: b.freq_dep.len() as u32,
        // The last run's arrival at the last stop, as the expanded trips had it.
        max_time: last + r.arr.last().copied().unwrap_or(0),
        zone: region.route_zone[m.route.ix()],
        rec_start: b.trips.len() as u32,
        windows_start: b.freq_windows.len() as u32,
        num_windows: r.windows.len() as u32,
    };
    b.max_time = b.max_time.max(p.max_time);
    b.pattern_stops.extend_from_slice(&r.stops);
    b.pattern_flags.extend_from_slice(&r.flags);
    b.pattern_headsigns.extend_from_slice(&r.headsigns);
    // `compact_windows` kept only templates whose offsets fit.
    let offset = |&x: &u32| u16::try_from(x).expect("compact_windows checked the offsets");
    b.freq_arr.extend(r.arr.iter().map(offset));
    b.freq_dep.extend(r.dep.iter().map(offset));
    b.freq_windows.extend_from_slice(&r.windows);
    let freq = |w: &FreqWindow| Frequency {
        headway_secs: w.headway,
        exact: w.exact != 0,
    };
    let trip = trip_record(r.trip, m, strings, r.windows.first().map(freq).as_ref());
    b.trips.push(trip);
    for w in &r.windows {
        let mut run = trip;
        run.set_frequency(Some(&freq(w)));
        for _ in 0..w.runs {
            b.run_trips.push(run);
            b.trip_ends.push(None);
        }
    }
    b.patterns.push(p);
}

/// The record of trips.txt row `key` (a scheduled trip, or a frequency template with the
/// headway of `frequency`).
fn trip_record(
    key: usize,
    m: &TripMeta,
    strings: &mut super::flat::StrInterner,
    frequency: Option<&Frequency>,
) -> Trip {
    let mut trip = Trip {
        key: key as u32,
        route: m.route,
        service: m.service,
        id: strings.intern(&m.id),
        headsign: strings.intern_opt(m.headsign.as_deref()),
        short_name: strings.intern_opt(m.short_name.as_deref()),
        headway_secs: 0,
        direction_id: m.direction.unwrap_or(Trip::NO_DIRECTION),
        wheelchair_code: Trip::wheelchair_to_code(m.wheelchair),
        exact_times: 0,
        reserved: 0,
    };
    trip.set_frequency(frequency);
    trip
}

type StopRuleCsr = (Vec<u32>, Vec<(StopIdx, TransferRule)>);

/// Stage "transfers": in-seat continuations, specific rules with their label slots, and the
/// stop-only rules from each stop and into each stop (CSR).
#[allow(clippy::type_complexity)]
fn transfer_rules(
    region: &mut Region,
    built: &Built,
    warn: &mut dyn FnMut(&'static str, String),
) -> (
    Rules,
    Vec<u32>,
    Vec<(StopIdx, TransferRule)>,
    Vec<u32>,
    Vec<(StopIdx, TransferRule)>,
) {
    let stops = &region.stops;
    let parsed = &mut region.transfers;
    let mut rules_c = Rules::default();
    rules::continuations(
        &mut rules_c,
        &built.run_trips,
        &built.trip_strings,
        &built.trip_ends,
        stops,
        &parsed.in_seat,
        warn,
    );
    if !parsed.specific.is_empty() {
        let (start, list) = csr(
            stops.len(),
            parsed.specific.iter().map(|r| (r.from_stop, *r)),
        );
        rules_c.specific_start = start;
        rules_c.specific = list;
        let mut by_to = parsed.specific.clone();
        by_to.sort_by_key(|r| (r.to_stop, r.from_stop, r.from, r.to));
        let (start, list) = csr(stops.len(), by_to.iter().map(|r| (r.to_stop, *r)));
        rules_c.specific_into_start = start;
        rules_c.specific_into = list;
    }
    rules::slots(
        &mut rules_c,
        stops.len(),
        &built.patterns,
        &built.pattern_stops,
        &built.run_trips,
    );
    let mut rule_list: Vec<((StopIdx, StopIdx), TransferRule)> =
        std::mem::take(&mut parsed.stop_rules).into_iter().collect();
    rule_list.sort_unstable_by_key(|&(k, _)| k);
    let from: StopRuleCsr = csr(
        stops.len(),
        rule_list.iter().map(|&((a, b), r)| (a, (b, r))),
    );
    rule_list.sort_unstable_by_key(|&((a, b), _)| (b, a));
    let into: StopRuleCsr = csr(
        stops.len(),
        rule_list.iter().map(|&((a, b), r)| (b, (a, r))),
    );
    (rules_c, from.0, from.1, into.0, into.1)
}

/// Builds a compressed-sparse-row index: `start[k]..start[k+1]` are the items of key `k`.
/// Items keep their input order within a key.
fn csr<T>(keys: usize, items: impl Iterator<Item = (StopIdx, T)>) -> (Vec<u32>, Vec<T>) {
    let mut pairs: Vec<(StopIdx, T)> = items.collect();
    pairs.sort_by_key(|&(k, _)| k);
    let mut start = vec![0u32; keys + 1];
    for (k, _) in &pairs {
        start[k.ix() + 1] += 1;
    }
    for k in 0..keys {
        start[k + 1] += start[k];
    }
    (start, pairs.into_iter().map(|(_, v)| v).collect())
}

type Resolved = (Vec<StopIdx>, Vec<u8>, Vec<u32>, Vec<u32>, usize);

/// Resolves one trip's stop_times rows (sorted by stop_sequence): stop indices, boarding flags,
/// and arrival/departure seconds with empty times interpolated.
///
/// Interpolation (non-timepoint rows with empty times, 89% of GoDurham's rows): between the two
/// surrounding timed rows, proportionally to `shape_dist_traveled` when every row in the gap has
/// it and it increases; otherwise to straight-line distance between consecutive stops; otherwise
/// evenly by position. Interpolated times are rounded to whole seconds.
fn resolve_trip(
    rows: &[&gtfs::RawStopTime],
    stop_index: &HashMap<&str, StopIdx>,
    stops: &[Stop],
) -> std::result::Result<Resolved, String> {
    if rows.len() < 2 {
        return Err("fewer than two stop times".into());
    }
    let mut sv = Vec::with_capacity(rows.len());
    let mut flags = Vec::with_capacity(rows.len());
    let mut arr: Vec<Option<u32>> = Vec::with_capacity(rows.len());
    let mut dep: Vec<Option<u32>> = Vec::with_capacity(rows.len());
    for (k, r) in rows.iter().enumerate() {
        if k > 0 && rows[k - 1].stop_sequence == r.stop_sequence {
            return Err(format!("stop_sequence {} appears twice", r.stop_sequence));
        }
        let Some(&s) = stop_index.get(r.stop_id.as_str()) else {
            return Err(format!("stop_id {} does not exist", r.stop_id));
        };
        sv.push(s);
        let mut f = 0;
        if allowed(r.pickup_type) {
            f |= CAN_BOARD;
        }
        if allowed(r.drop_off_type) {
            f |= CAN_ALIGHT;
        }
        flags.push(f);
        let (a, d) = match (r.arrival_time, r.departure_time) {
            (Some(a), Some(d)) => (Some(a), Some(d)),
            (Some(a), None) => (Some(a), Some(a)),
            (None, Some(d)) => (Some(d), Some(d)),
            (None, None) => (None, None),
        };
        arr.push(a);
        dep.push(d);
    }
    let n = rows.len();
    if dep[0].is_none() || arr[n - 1].is_none() {
        return Err("the first and last stop must have times".into());
    }
    let mut interpolated = 0;
    let mut k = 0;
    while k < n {
        if arr[k].is_some() {
            k += 1;
            continue;
        }
        let a = k - 1; // last timed row (row 0 is timed)
        let mut b = k;
        while arr[b].is_none() {
            b += 1; // the last row is timed, so this stops
        }
        let t0 = dep[a].unwrap_or(0) as f64;
        let t1 = arr[b].unwrap_or(0) as f64;
        let shape: Option<Vec<f64>> = (a..=b)
            .map(|i| rows[i].shape_dist_traveled.map(|d| d as f64))
            .collect();
        let cum: Vec<f64> = match shape {
            Some(d) if d.windows(2).all(|w| w[1] >= w[0]) && d[d.len() - 1] > d[0] => d,
            _ => {
                let mut c = vec![0.0];
                for i in a..b {
                    let (p, q) = (&stops[sv[i].ix()], &stops[sv[i + 1].ix()]);
                    let step = distance_m(p.lat, p.lon, q.lat, q.lon);
                    c.push(c[c.len() - 1] + if step.is_finite() { step } else { 0.0 });
                }
                if c[c.len() - 1] > 0.0 {
                    c
                } else {
                    (0..=(b - a)).map(|i| i as f64).collect()
                }
            }
        };
        let span = cum[cum.len() - 1] - cum[0];
        for i in k..b {
            let frac = (cum[i - a] - cum[0]) / span;
            let t = (t0 + (t1 - t0) * frac).round() as u32;
            arr[i] = Some(t);
            dep[i] = Some(t);
            interpolated += 1;
        }
        k = b;
    }
    let arr: Vec<u32> = arr.into_iter().map(|x| x.unwrap_or(0)).collect();
    let dep: Vec<u32> = dep.into_iter().map(|x| x.unwrap_or(0)).collect();
    for i in 0..n {
        if arr[i].max(dep[i]) > MAX_STOP_TIME {
            return Err(format!(
                "at stop_sequence {} a time is beyond {} (malformed)",
                rows[i].stop_sequence,
                crate::time::format_gtfs_time(MAX_STOP_TIME)
            ));
        }
        if dep[i] < arr[i] {
            return Err(format!(
                "at stop_sequence {} it departs ({}) before it arrives ({})",
                rows[i].stop_sequence,
                crate::time::format_gtfs_time(dep[i]),
                crate::time::format_gtfs_time(arr[i])
            ));
        }
        if i + 1 < n && arr[i + 1] < dep[i] {
            return Err(format!(
                "times run backwards between stop_sequence {} ({}) and {} ({})",
                rows[i].stop_sequence,
                crate::time::format_gtfs_time(dep[i]),
                rows[i + 1].stop_sequence,
                crate::time::format_gtfs_time(arr[i + 1])
            ));
        }
    }
    Ok((sv, flags, arr, dep, interpolated))
}

/// A CSR offset array over every stop, or nothing when it indexes no items (most feeds have
/// no transfers.txt: that saves 8 bytes a stop in the cache).
fn csr_if_any<T>(start: Vec<u32>, items: &[T]) -> Vec<u32> {
    if items.is_empty() { Vec::new() } else { start }
}

/// Walking links between served stops within [`MAX_WALK_LINK_M`], nearest first, found with an
/// R-tree over a local equirectangular projection and measured with haversine. Each stop's
/// list is encoded by [`super::links::encode`]; `start` holds byte offsets.
fn walk_links(stops: &[Stop], served: &[bool]) -> (Vec<u32>, Vec<u8>) {
    use rstar::{RTree, primitives::GeomWithData};
    let pts: Vec<usize> = (0..stops.len())
        .filter(|&i| served[i] && stops[i].lat.is_finite())
        .collect();
    let mut start = vec![0u32; stops.len() + 1];
    if pts.is_empty() {
        return (start, Vec::new());
    }
    let proj = crate::walk::Projection::around_mean(pts.iter().map(|&i| stops[i].lat));
    let xy = |s: &Stop| proj.xy(s.lat, s.lon);
    let tree = RTree::bulk_load(
        pts.iter()
            .map(|&i| GeomWithData::new(xy(&stops[i]), i as u32))
            .collect(),
    );
    // The projection is accurate to well under 1% over a city; search a little wider and keep
    // what haversine says is within the limit.
    let r = MAX_WALK_LINK_M as f64 * 1.02;
    let mut out = Vec::new();
    for i in 0..stops.len() {
        if served[i] && stops[i].lat.is_finite() {
            let s = &stops[i];
            let mut near: Vec<(StopIdx, u32)> = tree
                .locate_within_distance(xy(s), r * r)
                .filter(|g| g.data as usize != i)
                .filter_map(|g| {
                    let o = &stops[g.data as usize];
                    let d = distance_m(s.lat, s.lon, o.lat, o.lon).ceil();
                    (d <= MAX_WALK_LINK_M as f64).then_some((StopIdx(g.data), d as u32))
                })
                .collect();
            near.sort_unstable_by_key(|&(s, d)| (d, s));
            super::links::encode(StopIdx(i as u32), &near, &mut out);
        }
        start[i + 1] = out.len() as u32;
    }
    (start, out)
}
