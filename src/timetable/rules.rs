//! What a change of vehicle is, as GTFS defines it: `transfers.txt` read in full (stop, route
//! and trip pairs, types 0–5) and *in-seat continuations* (trips sharing a `block_id`, or named
//! by a type 4 row, on which a rider stays seated).
//!
//! **Specific rules.** A transfers.txt row that names routes or trips applies only to changes
//! between those routes or trips; among the rows matching one change, the most specific wins,
//! in the order of the GTFS reference: both trips; a trip and a route; one trip; both routes;
//! one route; only the stops. Rows of equal specificity are combined, the stricter winning
//! (forbidden over a time, the longer time over the shorter). Stop-only rows keep their compact
//! form ([`super::TransferRule`] lists in the timetable); rows naming routes or trips are
//! [`SpecificRule`]s.
//!
//! **Exact search with specific rules: label slots.** RAPTOR keeps one label per stop, which is
//! exact only while the cost of a change depends on the stops alone. With a rule about route R
//! at stop A, an arrival by R and an arrival by another route are no longer comparable, so each
//! stop named by a specific rule gets extra *slots*: one per class of trips the rules single
//! out there ([`Class`]: a named trip, a named route, or "any other", which is the stop's own
//! slot). Arrivals are kept per (stop, class of the arriving trip) and boarding times per (stop,
//! class of the departing trip). Trips named by a trip-level rule get a pattern of their own at
//! compile time, so every pattern stop has one arrival slot and one boarding slot. A feed
//! without specific rules has no extra slots and the search is the plain per-stop one.
//!
//! **In-seat continuations.** On a service day, the trips of one `block_id` are one vehicle:
//! sorted by first departure, each trip's continuation is the next trip of the block running
//! that day, provided it starts at the stop (or station) where the first ends and not before it
//! arrives there. A type 4 row adds a continuation between two trips (checked the same way); a
//! type 5 row forbids one. A rider on board stays seated through a continuation: no transfer is
//! counted and no change time applies. Blocks are defined per service day (the reference says
//! so): a vehicle running past midnight is written with times past 24:00 on the same service
//! day, which works; a trip of the *next* service day is never a continuation. Frequency-based
//! trips (frequencies.txt) are not linked: which run continues into which is not defined.
//!
//! Each trip stores its candidate continuations in order (type 4 rows first, then the later
//! trips of its block up to the first one with the trip's own service, which runs whenever the
//! trip does); on a given day the first candidate that runs decides, and it is a continuation
//! only if it is valid (meets the trip in place and time, not forbidden by type 5).

use super::*;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Which trips one end of a transfers.txt row is about.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Sel {
    Any,
    Route(RouteIdx),
    /// A trip by its [`Trip::key`] (frequency-based runs of one trip_id share it).
    Trip(u32),
}

impl Sel {
    fn matches(self, c: Class) -> bool {
        match self {
            Sel::Any => true,
            Sel::Route(r) => c.route == Some(r),
            Sel::Trip(k) => c.trip == Some(k),
        }
    }

    fn weight(self) -> u8 {
        match self {
            Sel::Any => 0,
            Sel::Route(_) => 1,
            Sel::Trip(_) => 3,
        }
    }
}

/// The GTFS reference's order of specificity, as a number (larger is more specific): both
/// trips; a trip and a route; one trip; both routes; one route; stops only.
fn specificity(from: Sel, to: Sel) -> u8 {
    match (from.weight(), to.weight()) {
        (3, 3) => 6,
        (3, 1) | (1, 3) => 5,
        (3, 0) | (0, 3) => 4,
        (1, 1) => 3,
        (1, 0) | (0, 1) => 2,
        _ => 1,
    }
}

/// A transfers.txt rule limited to routes or trips, between two platforms.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecificRule {
    pub from_stop: StopIdx,
    pub to_stop: StopIdx,
    pub from: Sel,
    pub to: Sel,
    pub rule: TransferRule,
}

/// The trips a label slot stands for at its stop: a named trip (with its route), a named
/// route, or neither (every trip no rule at this stop singles out).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Class {
    pub trip: Option<u32>,
    pub route: Option<RouteIdx>,
}

impl Class {
    pub const ANY: Class = Class {
        trip: None,
        route: None,
    };
}

/// The compiled change rules and continuations (see the module docs).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Rules {
    /// Specific rules by from stop (CSR), sorted by to stop.
    pub specific_start: Vec<u32>,
    pub specific: Vec<SpecificRule>,
    /// The same rules by to stop (CSR), for the backward search.
    pub specific_into_start: Vec<u32>,
    pub specific_into: Vec<SpecificRule>,
    /// Slot `num_stops + i` is `(stop, class)` = `extra[i]`; slot `s < num_stops` is stop s for
    /// trips of no particular class.
    pub extra: Vec<(StopIdx, Class)>,
    /// Extra slots for arriving trips at each stop (CSR).
    pub from_slots_start: Vec<u32>,
    pub from_slots: Vec<u32>,
    /// Extra slots for departing trips at each stop (CSR).
    pub to_slots_start: Vec<u32>,
    pub to_slots: Vec<u32>,
    /// Per pattern stop (indexed like `pattern_stops`): the slot of an arrival there and of a
    /// boarding there. Empty when there are no extra slots (the slot is then the stop).
    #[serde(skip)]
    pub pattern_from_slot: Store<u32>,
    #[serde(skip)]
    pub pattern_to_slot: Store<u32>,
    /// Candidate continuations of each trip (CSR over trips): (trip, valid).
    #[serde(skip)]
    pub cont_start: Store<u32>,
    /// (trip, 1 if valid else 0).
    #[serde(skip)]
    pub cont: Store<(TripIdx, u32)>,
    /// The trips that may continue into each trip (CSR over trips).
    #[serde(skip)]
    pub prev_start: Store<u32>,
    #[serde(skip)]
    pub prev: Store<TripIdx>,
}

fn csr_slice<'a, T>(start: &[u32], items: &'a [T], k: usize) -> &'a [T] {
    if start.is_empty() {
        return &[];
    }
    &items[start[k] as usize..start[k + 1] as usize]
}

impl Timetable {
    /// Label slots: one per stop plus the extra (stop, class) slots of specific rules.
    #[inline]
    pub fn num_slots(&self) -> usize {
        self.stops.len() + self.rules.extra.len()
    }

    /// The stop of a label slot.
    #[inline]
    pub fn slot_stop(&self, slot: u32) -> StopIdx {
        let n = self.stops.len() as u32;
        if slot < n {
            StopIdx(slot)
        } else {
            self.rules.extra[(slot - n) as usize].0
        }
    }

    /// The class of a label slot.
    #[inline]
    pub fn slot_class(&self, slot: u32) -> Class {
        let n = self.stops.len() as u32;
        if slot < n {
            Class::ANY
        } else {
            self.rules.extra[(slot - n) as usize].1
        }
    }

    /// The slot of an arrival by pattern `p` at position `pos`.
    #[inline]
    pub fn arrive_slot(&self, p: &Pattern, pos: usize) -> u32 {
        let i = p.stops_start as usize + pos;
        match self.rules.pattern_from_slot.get(i) {
            Some(&s) => s,
            None => self.pattern_stops[i].0,
        }
    }

    /// The slot of a boarding of pattern `p` at position `pos`.
    #[inline]
    pub fn board_slot(&self, p: &Pattern, pos: usize) -> u32 {
        let i = p.stops_start as usize + pos;
        match self.rules.pattern_to_slot.get(i) {
            Some(&s) => s,
            None => self.pattern_stops[i].0,
        }
    }

    /// Extra slots of arriving trips at stop `s`.
    #[inline]
    pub fn from_slots_at(&self, s: StopIdx) -> &[u32] {
        csr_slice(&self.rules.from_slots_start, &self.rules.from_slots, s.ix())
    }

    /// Extra slots of departing trips at stop `s`.
    #[inline]
    pub fn to_slots_at(&self, s: StopIdx) -> &[u32] {
        csr_slice(&self.rules.to_slots_start, &self.rules.to_slots, s.ix())
    }

    /// Specific rules from stop `a` (sorted by target stop).
    #[inline]
    pub fn specific_from(&self, a: StopIdx) -> &[SpecificRule] {
        csr_slice(&self.rules.specific_start, &self.rules.specific, a.ix())
    }

    /// Specific rules into stop `b`.
    #[inline]
    pub fn specific_into(&self, b: StopIdx) -> &[SpecificRule] {
        csr_slice(
            &self.rules.specific_into_start,
            &self.rules.specific_into,
            b.ix(),
        )
    }

    /// Does trip `t` have any candidate continuation?
    #[inline]
    pub fn has_continuations(&self, t: TripIdx) -> bool {
        !self.rules.cont_start.is_empty()
            && self.rules.cont_start[t.ix()] < self.rules.cont_start[t.ix() + 1]
    }

    /// Can trip `t` continue from another (is it in any trip's candidate list)?
    #[inline]
    pub fn has_predecessors(&self, t: TripIdx) -> bool {
        !self.rules.prev_start.is_empty()
            && self.rules.prev_start[t.ix()] < self.rules.prev_start[t.ix() + 1]
    }

    /// The most specific rule about changing from an arrival in slot `from` to a boarding in
    /// slot `to`, if a route- or trip-level rule matches; `None` leaves the change to the
    /// stop-level rules.
    pub fn specific_rule(&self, from: u32, to: u32) -> Option<TransferRule> {
        let (a, b) = (self.slot_stop(from), self.slot_stop(to));
        let list = self.specific_from(a);
        if list.is_empty() {
            return None;
        }
        let (fc, tc) = (self.slot_class(from), self.slot_class(to));
        let lo = list.partition_point(|r| r.to_stop < b);
        let mut best: Option<(u8, TransferRule)> = None;
        for r in list[lo..].iter().take_while(|r| r.to_stop == b) {
            if !(r.from.matches(fc) && r.to.matches(tc)) {
                continue;
            }
            let w = specificity(r.from, r.to);
            best = match best {
                Some((bw, _)) if bw > w => best,
                Some((bw, br)) if bw == w => Some((w, stronger(br, r.rule))),
                _ => Some((w, r.rule)),
            };
        }
        best.map(|(_, r)| r)
    }

    /// The trip that trip `t` continues as on service day `day`, if a rider may stay on board.
    pub fn continuation(&self, t: TripIdx, day: usize) -> Option<TripIdx> {
        for &(c, valid) in csr_slice(&self.rules.cont_start, &self.rules.cont, t.ix()) {
            if self.trip_active(c, day) {
                return (valid != 0).then_some(c);
            }
        }
        None
    }

    /// The trips that continue as trip `t` on service day `day` (at most one in a consistent
    /// feed; type 4 rows may name more).
    pub fn continued_from(&self, t: TripIdx, day: usize) -> impl Iterator<Item = TripIdx> + '_ {
        csr_slice(&self.rules.prev_start, &self.rules.prev, t.ix())
            .iter()
            .copied()
            .filter(move |&a| self.trip_active(a, day) && self.continuation(a, day) == Some(t))
    }
}

/// Of two rules for the same change, the stricter wins: forbidden over a time, a longer time
/// over a shorter, any time over "recommended".
pub fn stronger(a: TransferRule, b: TransferRule) -> TransferRule {
    use TransferRule::*;
    match (a, b) {
        (Forbidden, _) | (_, Forbidden) => Forbidden,
        (MinTime(x), MinTime(y)) => MinTime(x.max(y)),
        (MinTime(x), Recommended) | (Recommended, MinTime(x)) => MinTime(x),
        (Recommended, Recommended) => Recommended,
    }
}

/// transfers.txt, resolved: what the compiler's later phases need.
#[derive(Default)]
pub(super) struct ParsedTransfers {
    /// Stop-only rules (station rows already expanded to platforms).
    pub stop_rules: HashMap<(StopIdx, StopIdx), TransferRule>,
    pub specific: Vec<SpecificRule>,
    /// Type 4 (true) and 5 (false) rows: (from trip key, to trip key, allowed).
    pub in_seat: Vec<(u32, u32, bool)>,
    /// Trip keys named by a specific rule (they get patterns of their own).
    pub named_trips: HashSet<u32>,
    /// Data rows read.
    pub rows: usize,
}

/// The platforms a transfers.txt stop names: a station's platforms, else the stop itself.
pub(super) fn platforms(stops: &[Stop], s: StopIdx) -> Vec<StopIdx> {
    if stops[s.ix()].location_type == 1 {
        let kids: Vec<StopIdx> = (0..stops.len() as u32)
            .map(StopIdx)
            .filter(|&c| stops[c.ix()].parent == Some(s))
            .collect();
        if !kids.is_empty() {
            return kids;
        }
    }
    vec![s]
}

/// Phase "transfers": reads every transfers.txt row into stop rules, specific rules and in-seat
/// rows. Rows naming a stop, route or trip that does not exist are skipped with a warning
/// (file:line); `warn(kind, message)` records it.
pub(super) fn parse_transfers(
    rows: &[crate::feed::load::TransferRowResult],
    stops: &[Stop],
    stop_index: &HashMap<&str, StopIdx>,
    route_index: &HashMap<&str, RouteIdx>,
    trip_key: &HashMap<&str, usize>,
    warn: &mut dyn FnMut(&'static str, String),
) -> ParsedTransfers {
    let mut out = ParsedTransfers {
        rows: rows.len(),
        ..Default::default()
    };
    for row in rows {
        let t = match row {
            Ok(t) => t,
            Err((line, why)) => {
                warn(
                    "unreadable transfers.txt row",
                    format!("transfers.txt:{line}: {why}; row skipped"),
                );
                continue;
            }
        };
        let line = t.line;
        let some = |x: &Option<String>| x.as_deref().filter(|s| !s.is_empty()).map(str::to_string);
        let kind = t.transfer_type.unwrap_or(0);
        if kind > 5 {
            warn(
                "unknown transfer_type",
                format!("transfers.txt:{line}: transfer_type {kind} is not 0–5; row skipped"),
            );
            continue;
        }
        let mut bad = |what: &str, id: &str| {
            warn(
                "transfer naming something unknown",
                format!("transfers.txt:{line}: {what} {id} does not exist; row skipped"),
            );
        };
        let stop =
            |id: Option<String>, bad: &mut dyn FnMut(&str, &str)| -> Result<Option<StopIdx>, ()> {
                match id {
                    None => Ok(None),
                    Some(id) => match stop_index.get(id.as_str()) {
                        Some(&s) => Ok(Some(s)),
                        None => {
                            bad("stop_id", &id);
                            Err(())
                        }
                    },
                }
            };
        let Ok(from_stop) = stop(some(&t.from_stop_id), &mut bad) else {
            continue;
        };
        let Ok(to_stop) = stop(some(&t.to_stop_id), &mut bad) else {
            continue;
        };
        let mut sel = |trip: Option<String>, route: Option<String>| -> Result<Sel, ()> {
            if let Some(id) = trip {
                return match trip_key.get(id.as_str()) {
                    Some(&k) => Ok(Sel::Trip(k as u32)),
                    None => {
                        bad("trip_id", &id);
                        Err(())
                    }
                };
            }
            if let Some(id) = route {
                return match route_index.get(id.as_str()) {
                    Some(&r) => Ok(Sel::Route(r)),
                    None => {
                        bad("route_id", &id);
                        Err(())
                    }
                };
            }
            Ok(Sel::Any)
        };
        let Ok(from) = sel(some(&t.from_trip_id), some(&t.from_route_id)) else {
            continue;
        };
        let Ok(to) = sel(some(&t.to_trip_id), some(&t.to_route_id)) else {
            continue;
        };
        if kind >= 4 {
            let (Sel::Trip(a), Sel::Trip(b)) = (from, to) else {
                warn(
                    "in-seat transfer without trips",
                    format!(
                        "transfers.txt:{line}: transfer_type {kind} needs from_trip_id and to_trip_id; row skipped"
                    ),
                );
                continue;
            };
            out.in_seat.push((a, b, kind == 4));
            continue;
        }
        let (Some(a), Some(b)) = (from_stop, to_stop) else {
            warn(
                "transfer without stops",
                format!(
                    "transfers.txt:{line}: transfer_type {kind} needs from_stop_id and to_stop_id; row skipped"
                ),
            );
            continue;
        };
        let rule = match kind {
            3 => TransferRule::Forbidden,
            // A timed transfer: the departing vehicle waits, so the change is always possible
            // when it leaves at or after the arrival; between different stops it is a walk the
            // agency guarantees.
            1 => TransferRule::MinTime(0),
            2 => t
                .min_transfer_time
                .map(TransferRule::MinTime)
                .unwrap_or(TransferRule::Recommended),
            _ => TransferRule::Recommended,
        };
        for &x in &platforms(stops, a) {
            for &y in &platforms(stops, b) {
                if from == Sel::Any && to == Sel::Any {
                    let e = out.stop_rules.entry((x, y)).or_insert(rule);
                    *e = stronger(*e, rule);
                } else {
                    out.specific.push(SpecificRule {
                        from_stop: x,
                        to_stop: y,
                        from,
                        to,
                        rule,
                    });
                }
            }
        }
        for s in [from, to] {
            if let Sel::Trip(k) = s {
                out.named_trips.insert(k);
            }
        }
    }
    out.specific
        .sort_by_key(|r| (r.from_stop, r.to_stop, r.from, r.to));
    out
}

/// What the continuation phase needs to know of a compiled trip.
pub(super) struct TripEnds {
    pub block: Option<String>,
    pub first_stop: StopIdx,
    pub last_stop: StopIdx,
    pub first_dep: u32,
    pub last_arr: u32,
}

/// Phase "continuations": the candidate continuations of every trip (see the module docs),
/// into `rules`. `ends[t]` is `None` for trips that cannot be linked (frequency-based runs).
pub(super) fn continuations(
    rules: &mut Rules,
    trips: &[Trip],
    strings: &StrTable,
    ends: &[Option<TripEnds>],
    stops: &[Stop],
    in_seat: &[(u32, u32, bool)],
    warn: &mut dyn FnMut(&'static str, String),
) {
    let n = trips.len();
    // One compiled trip per key for linkable trips.
    let mut by_key: HashMap<u32, TripIdx> = HashMap::new();
    for (i, t) in trips.iter().enumerate() {
        if ends[i].is_some() {
            by_key.insert(t.key, TripIdx(i as u32));
        }
    }
    // Block order: first departure, then last arrival, then trip_id (ties are rare; the id makes
    // the order independent of how trips were grouped into patterns).
    let order = |t: TripIdx| {
        let e = ends[t.ix()].as_ref().expect("linkable trips have ends");
        (e.first_dep, e.last_arr, strings.get(trips[t.ix()].id))
    };
    let station = |s: StopIdx| stops[s.ix()].parent.unwrap_or(s);
    let meets = |a: TripIdx, b: TripIdx| {
        let (x, y) = (
            ends[a.ix()].as_ref().expect("linkable"),
            ends[b.ix()].as_ref().expect("linkable"),
        );
        station(x.last_stop) == station(y.first_stop)
            && y.first_dep >= x.last_arr
            && order(b) > order(a)
    };
    let forbidden: HashSet<(TripIdx, TripIdx)> = in_seat
        .iter()
        .filter(|r| !r.2)
        .filter_map(|&(a, b, _)| Some((*by_key.get(&a)?, *by_key.get(&b)?)))
        .collect();
    let mut cands: Vec<Vec<(TripIdx, bool)>> = vec![Vec::new(); n];
    for &(a, b, allowed) in in_seat {
        if !allowed {
            continue;
        }
        let (Some(&x), Some(&y)) = (by_key.get(&a), by_key.get(&b)) else {
            warn(
                "in-seat transfer between frequency-based trips",
                format!(
                    "transfers.txt: transfer_type 4 from trip {} to trip {}: one of them is frequency-based; staying on board is not modelled for those",
                    trips
                        .iter()
                        .find(|t| t.key == a)
                        .map_or("?", |t| strings.get(t.id)),
                    trips
                        .iter()
                        .find(|t| t.key == b)
                        .map_or("?", |t| strings.get(t.id))
                ),
            );
            continue;
        };
        let ok = meets(x, y) && !forbidden.contains(&(x, y));
        if !meets(x, y) {
            warn(
                "in-seat transfer between trips that do not meet",
                format!(
                    "transfers.txt: transfer_type 4 from trip {} to trip {}: the second does not start where and after the first ends; ignored",
                    strings.get(trips[x.ix()].id),
                    strings.get(trips[y.ix()].id)
                ),
            );
        }
        cands[x.ix()].push((y, ok));
    }
    let mut blocks: BTreeMap<&str, Vec<TripIdx>> = BTreeMap::new();
    for (i, e) in ends.iter().enumerate() {
        if let Some(b) = e.as_ref().and_then(|e| e.block.as_deref()) {
            blocks.entry(b).or_default().push(TripIdx(i as u32));
        }
    }
    for list in blocks.values_mut() {
        list.sort_by_key(|&t| order(t));
        for (i, &a) in list.iter().enumerate() {
            for &c in &list[i + 1..] {
                cands[a.ix()].push((c, meets(a, c) && !forbidden.contains(&(a, c))));
                // A later trip of the same service runs whenever `a` does: nothing after it
                // can be the next trip on any day.
                if trips[c.ix()].service == trips[a.ix()].service {
                    break;
                }
            }
        }
    }
    let mut cont_start = vec![0u32; n + 1];
    let mut cont = Vec::new();
    let mut prev_of: Vec<Vec<TripIdx>> = vec![Vec::new(); n];
    for (i, c) in cands.iter().enumerate() {
        for &(t, valid) in c {
            if valid && !prev_of[t.ix()].contains(&TripIdx(i as u32)) {
                prev_of[t.ix()].push(TripIdx(i as u32));
            }
        }
        cont.extend(c.iter().map(|&(t, valid)| (t, u32::from(valid))));
        cont_start[i + 1] = cont.len() as u32;
    }
    let mut prev_start = vec![0u32; n + 1];
    let mut prev = Vec::new();
    for (i, p) in prev_of.iter().enumerate() {
        prev.extend_from_slice(p);
        prev_start[i + 1] = prev.len() as u32;
    }
    if !cont.is_empty() {
        rules.cont_start = cont_start.into();
        rules.cont = cont.into();
        rules.prev_start = prev_start.into();
        rules.prev = prev.into();
    }
}

/// Phase "slots": the extra label slots of specific rules and the slot of every pattern stop.
pub(super) fn slots(
    rules: &mut Rules,
    num_stops: usize,
    patterns: &[Pattern],
    pattern_stops: &[StopIdx],
    trips: &[Trip],
) {
    if rules.specific.is_empty() {
        return;
    }
    let mut from_set: std::collections::BTreeSet<(StopIdx, Class)> = Default::default();
    let mut to_set: std::collections::BTreeSet<(StopIdx, Class)> = Default::default();
    let route_of: HashMap<u32, RouteIdx> = trips.iter().map(|t| (t.key, t.route)).collect();
    let class_of = |s: Sel| match s {
        Sel::Any => None,
        Sel::Route(r) => Some(Class {
            trip: None,
            route: Some(r),
        }),
        Sel::Trip(k) => Some(Class {
            trip: Some(k),
            route: route_of.get(&k).copied(),
        }),
    };
    for r in &rules.specific {
        if let Some(c) = class_of(r.from) {
            from_set.insert((r.from_stop, c));
        }
        if let Some(c) = class_of(r.to) {
            to_set.insert((r.to_stop, c));
        }
    }
    let mut extra = Vec::new();
    let mut index: HashMap<(bool, StopIdx, Class), u32> = HashMap::new();
    for (side, set) in [(true, &from_set), (false, &to_set)] {
        for &(s, c) in set.iter() {
            index.insert((side, s, c), (num_stops + extra.len()) as u32);
            extra.push((s, c));
        }
    }
    // Extra slots are numbered from-side first, each side in stop order: CSR by stop.
    let csr_of = |offset: usize, set: &std::collections::BTreeSet<(StopIdx, Class)>| {
        let mut start = vec![0u32; num_stops + 1];
        for &(s, _) in set.iter() {
            start[s.ix() + 1] += 1;
        }
        for s in 0..num_stops {
            start[s + 1] += start[s];
        }
        let items = (0..set.len())
            .map(|i| (num_stops + offset + i) as u32)
            .collect();
        (start, items)
    };
    let (fs, f) = csr_of(0, &from_set);
    let (ts, t) = csr_of(from_set.len(), &to_set);
    let mut pfrom = vec![0u32; pattern_stops.len()];
    let mut pto = vec![0u32; pattern_stops.len()];
    for p in patterns {
        let first = &trips[p.trips_start as usize];
        let one_trip = (p.trips_start..p.trips_start + p.num_trips)
            .all(|i| trips[i as usize].key == first.key);
        for pos in 0..p.num_stops as usize {
            let i = p.stops_start as usize + pos;
            let s = pattern_stops[i];
            let pick = |side: bool| -> u32 {
                if one_trip {
                    let c = Class {
                        trip: Some(first.key),
                        route: Some(p.route),
                    };
                    if let Some(&slot) = index.get(&(side, s, c)) {
                        return slot;
                    }
                }
                let c = Class {
                    trip: None,
                    route: Some(p.route),
                };
                index.get(&(side, s, c)).copied().unwrap_or(s.0)
            };
            pfrom[i] = pick(true);
            pto[i] = pick(false);
        }
    }
    rules.extra = extra;
    rules.from_slots_start = fs;
    rules.from_slots = f;
    rules.to_slots_start = ts;
    rules.to_slots = t;
    rules.pattern_from_slot = pfrom.into();
    rules.pattern_to_slot = pto.into();
}
