//! Journeys as riders read them: names instead of indices, local times with offsets. One
//! serializable structure serves the JSON output (a stable, documented schema) and the text
//! rendering, so the two never disagree.

use crate::place::Resolved;
use crate::router::{Journey, Leg, Query, QueryKind};
use crate::time::{Instant, format_hm, format_iso, local_date, to_local};
use crate::timetable::{StopIdx, Timetable};
use serde::Serialize;

/// A point of a leg: a stop, or the query's own coordinate (`stop_id: null`).
#[derive(Clone, Debug, Serialize)]
pub struct Point {
    pub stop_id: Option<String>,
    /// The stop's feed, when several feeds make the timetable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feed: Option<String>,
    pub name: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RouteInfo {
    pub id: String,
    pub short_name: Option<String>,
    pub long_name: Option<String>,
    #[serde(rename = "type")]
    pub route_type: i32,
    pub agency: String,
    /// The route's feed, when several feeds make the timetable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feed: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct LegView {
    /// `walk` or `transit`.
    pub mode: &'static str,
    pub from: Point,
    pub to: Point,
    pub departure: String,
    pub arrival: String,
    /// Walking legs: metres along the streets with a street map, else straight-line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_m: Option<u32>,
    /// Walking legs with a street map: the streets in order (consecutive repeats merged,
    /// unnamed ways by their kind).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub streets: Vec<String>,
    /// Walking legs with a street map: GeoJSON LineString coordinates, [lon, lat].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geometry: Option<Vec<[f64; 2]>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<RouteInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trip_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headsign: Option<String>,
    /// Stops passed between boarding and alighting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intermediate_stops: Option<u32>,
    /// For frequency-based trips: the headway, and whether times are exact or approximate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headway_s: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approximate: Option<bool>,
    /// Transit legs: the rider stays on board from the previous leg (the vehicle continues as
    /// this trip: same block, or an in-seat transfer). Present only when true; not a transfer.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stay_on_board: bool,
    /// Realtime: scheduled times, delay, alerts (absent without realtime input).
    #[serde(flatten)]
    pub live: crate::realtime::view::LegLive,
    #[serde(skip)]
    pub(crate) dep_t: Instant,
    #[serde(skip)]
    pub(crate) arr_t: Instant,
    /// The zones of the places it leaves from and arrives at (times are shown in them).
    #[serde(skip)]
    pub(crate) dep_tz: chrono_tz::Tz,
    #[serde(skip)]
    pub(crate) arr_tz: chrono_tz::Tz,
    /// Transit legs: the pattern and stop positions ridden, for maps.
    #[serde(skip)]
    pub ride: Option<crate::map::Ride>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Itinerary {
    pub departure: String,
    pub arrival: String,
    pub duration_s: i64,
    pub transfers: u32,
    pub walk_s: i64,
    pub walk_m: u32,
    pub legs: Vec<LegView>,
    /// What the journey costs (set by [`PlanView::price`]; absent for walking-only journeys).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fare: Option<crate::fares::FareView>,
    #[serde(skip)]
    pub(crate) dep_t: Instant,
    #[serde(skip)]
    pub(crate) arr_t: Instant,
}

#[derive(Clone, Debug, Serialize)]
pub struct QueryView {
    pub kind: QueryKind,
    pub time: String,
    pub timezone: String,
    pub from: Point,
    pub to: Point,
    pub window_s: u32,
    pub max_transfers: u32,
    pub min_transfer_time_s: u32,
    pub walk_radius_m: u32,
    pub walk_speed_mps: f64,
    pub wheelchair: bool,
}

/// The whole `plan` answer.
#[derive(Clone, Debug, Serialize)]
pub struct PlanView {
    pub query: QueryView,
    pub itineraries: Vec<Itinerary>,
    /// Realtime: scheduled options that no longer run (cancelled trips, skipped stops).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cancelled: Vec<crate::realtime::view::CancelledView>,
}

fn stop_point(tt: &Timetable, s: StopIdx) -> Point {
    let st = tt.stop(s);
    Point {
        stop_id: Some(st.id.clone()),
        feed: tt.feed_key_of_stop(s),
        name: st.name.clone(),
        lat: st.lat.is_finite().then_some(st.lat),
        lon: st.lon.is_finite().then_some(st.lon),
    }
}

/// The time zone of a place: its stop's, else that of the nearest stop it can walk to, else
/// the timetable's.
pub fn place_tz(p: &Resolved, tt: &Timetable) -> chrono_tz::Tz {
    p.stop
        .or_else(|| p.access.iter().min_by_key(|a| a.secs).map(|a| a.stop))
        .map_or_else(|| tt.tz(), |s| tt.stop_tz(s))
}

pub fn place_point(p: &Resolved, tt: &Timetable) -> Point {
    match p.stop {
        Some(s) => stop_point(tt, s),
        None => Point {
            stop_id: None,
            feed: None,
            name: p.name.clone(),
            lat: Some(p.lat),
            lon: Some(p.lon),
        },
    }
}

/// Builds the view of a plan.
pub fn view(
    tt: &Timetable,
    q: &Query,
    from: &Resolved,
    to: &Resolved,
    journeys: &[Journey],
) -> PlanView {
    let tz = match q.kind {
        QueryKind::ArriveBy => place_tz(to, tt),
        QueryKind::DepartAt => place_tz(from, tt),
    };
    let (from_tz, to_tz) = (place_tz(from, tt), place_tz(to, tt));
    let from_pt = place_point(from, tt);
    let to_pt = place_point(to, tt);
    let itineraries = journeys
        .iter()
        .map(|j| {
            let legs = j
                .legs
                .iter()
                .map(|l| match *l {
                    Leg::Walk {
                        from: a,
                        to: b,
                        departure,
                        arrival,
                        metres,
                    } => LegView {
                        mode: "walk",
                        from: a
                            .map(|s| stop_point(tt, s))
                            .unwrap_or_else(|| from_pt.clone()),
                        to: b
                            .map(|s| stop_point(tt, s))
                            .unwrap_or_else(|| to_pt.clone()),
                        departure: format_iso(a.map_or(from_tz, |s| tt.stop_tz(s)), departure),
                        arrival: format_iso(b.map_or(to_tz, |s| tt.stop_tz(s)), arrival),
                        distance_m: Some(metres),
                        streets: Vec::new(),
                        geometry: None,
                        route: None,
                        trip_id: None,
                        headsign: None,
                        intermediate_stops: None,
                        headway_s: None,
                        approximate: None,
                        stay_on_board: false,
                        live: Default::default(),
                        dep_t: departure,
                        arr_t: arrival,
                        dep_tz: a.map_or(from_tz, |s| tt.stop_tz(s)),
                        arr_tz: b.map_or(to_tz, |s| tt.stop_tz(s)),
                        ride: None,
                    },
                    Leg::Transit {
                        trip,
                        from: a,
                        to: b,
                        board_pos,
                        alight_pos,
                        departure,
                        arrival,
                        stay_on_board,
                        day,
                    } => {
                        let t = tt.trip(trip);
                        let r = &tt.routes[t.route.ix()];
                        let headsign = tt
                            .headsign(trip, tt.pattern_of(trip), board_pos as usize)
                            .to_string();
                        LegView {
                            mode: "transit",
                            from: stop_point(tt, a),
                            to: stop_point(tt, b),
                            departure: format_iso(tt.stop_tz(a), departure),
                            arrival: format_iso(tt.stop_tz(b), arrival),
                            distance_m: None,
                            streets: Vec::new(),
                            geometry: None,
                            route: Some(RouteInfo {
                                id: r.id.clone(),
                                short_name: r.short_name.clone(),
                                long_name: r.long_name.clone(),
                                route_type: r.route_type,
                                agency: tt
                                    .agencies
                                    .get(r.agency as usize)
                                    .map(|a| a.name.clone())
                                    .unwrap_or_default(),
                                feed: tt.feed_key_of_route(t.route),
                            }),
                            trip_id: Some(tt.trip_id(trip).to_string()),
                            headsign: Some(headsign),
                            intermediate_stops: Some(alight_pos.saturating_sub(board_pos + 1)),
                            headway_s: t.frequency().map(|f| f.headway_secs),
                            approximate: t.frequency().map(|f| !f.exact),
                            stay_on_board,
                            live: crate::realtime::view::leg(
                                tt, trip, day, a, b, board_pos, alight_pos, departure, arrival,
                            ),
                            dep_t: departure,
                            arr_t: arrival,
                            dep_tz: tt.stop_tz(a),
                            arr_tz: tt.stop_tz(b),
                            ride: Some(crate::map::Ride {
                                pattern: tt.pattern_index_of(trip),
                                from: board_pos,
                                to: alight_pos,
                            }),
                        }
                    }
                })
                .collect();
            Itinerary {
                departure: format_iso(from_tz, j.departure),
                arrival: format_iso(to_tz, j.arrival),
                duration_s: j.arrival - j.departure,
                transfers: j.transfers(),
                walk_s: j.walk_secs(),
                walk_m: j.walk_metres(),
                legs,
                fare: None,
                dep_t: j.departure,
                arr_t: j.arrival,
            }
        })
        .collect();
    PlanView {
        query: QueryView {
            kind: q.kind,
            time: format_iso(tz, q.time),
            timezone: tz.name().to_string(),
            from: from_pt,
            to: to_pt,
            window_s: q.window_secs,
            max_transfers: q.max_transfers,
            min_transfer_time_s: q.min_transfer_secs,
            walk_radius_m: q.walk_radius_m,
            walk_speed_mps: q.walk_speed_mps,
            wheelchair: q.wheelchair,
        },
        itineraries,
        cancelled: Vec::new(),
    }
}

/// "12 min", "1 h 05 min": a duration in seconds, rounded up to the minute.
pub fn minutes(secs: i64) -> String {
    whole_minutes((secs + 59) / 60)
}

/// The minutes between two clock times as shown (to the minute, seconds dropped), so that a
/// summary agrees with its own clock times: "leave 17:03, arrive 17:21 · 18 min" for 17:03:20
/// to 17:21:59 (18 min 39 s, which [`minutes`] rounds up to 19). Two instants within one shown
/// minute read as the rounded-up duration ("1 min"), never "0 min".
pub fn clock_minutes(from: Instant, to: Instant) -> String {
    whole_minutes(shown_minutes(from, to))
}

/// The number [`clock_minutes`] shows.
pub fn shown_minutes(from: Instant, to: Instant) -> i64 {
    let m = to.div_euclid(60) - from.div_euclid(60);
    if m <= 0 { (to - from + 59) / 60 } else { m }
}

/// "12 min", "1 h 05 min" for a whole number of minutes.
pub fn whole_minutes(m: i64) -> String {
    if m >= 60 {
        format!("{} h {:02} min", m / 60, m % 60)
    } else {
        format!("{m} min")
    }
}

impl PlanView {
    /// Prices each itinerary (`journeys` in the order the view was built from) for `rider`.
    pub fn price(&mut self, tt: &Timetable, journeys: &[Journey], rider: &crate::fares::Rider) {
        for (it, j) in self.itineraries.iter_mut().zip(journeys) {
            it.fare = crate::fares::view(tt, j, rider);
        }
    }

    /// The plan as a meetup attendee reads it.
    pub fn render_text(&self, tt: &Timetable, q: &Query) -> String {
        let tz: chrono_tz::Tz = self.query.timezone.parse().unwrap_or_else(|_| tt.tz());
        let qdate = local_date(tz, q.time);
        let mut s = String::new();
        let verb = match q.kind {
            QueryKind::ArriveBy => "Arrive by",
            QueryKind::DepartAt => "Leave at",
        };
        s.push_str(&format!(
            "{verb} {} on {}",
            when_in(tt, q.time, tz, qdate),
            to_local(tz, q.time).format("%a %-d %b %Y")
        ));
        if q.window_secs > 0 {
            s.push_str(&format!(" (window {})", minutes(q.window_secs as i64)));
        }
        s.push_str(&format!(" · times in {}", tt.timezone));
        if tt.zones.len() > 1 {
            s.push_str(" unless marked");
        }
        s.push('\n');
        s.push_str(&format!(
            "from {}\nto   {}\n",
            self.query.from.name, self.query.to.name
        ));
        for (i, it) in self.itineraries.iter().enumerate() {
            let (head, legs) = it.text_lines(tt, qdate);
            s.push_str(&format!("\n{}. {head}\n", i + 1));
            if let Some(f) = &it.fare {
                s.push_str(&format!("   {}\n", f.text));
            }
            for l in legs {
                s.push_str(&format!("   {l}\n"));
            }
        }
        for c in &self.cancelled {
            s.push_str(&format!(
                "\n{}: the {} {} from {} (scheduled option leaving {})\n",
                c.reason,
                when(tt, c.dep_t, qdate),
                c.route,
                c.from,
                when(tt, c.leave_t, qdate),
            ));
        }
        s
    }
}

/// What riders call the vehicle of a route type, for "the train continues as …".
fn vehicle_word(route_type: i32) -> &'static str {
    match route_type {
        3 | 11 | 700..=799 | 200..=299 | 800..=899 => "bus",
        4 | 1000..=1099 | 1200 => "boat",
        5 | 6 | 7 | 1300..=1499 => "car",
        _ => "train",
    }
}

/// `17:04`, with the day added when it is not `day`: `00:19 (Sun 7 Nov)`.
pub fn when(tt: &Timetable, t: Instant, day: chrono::NaiveDate) -> String {
    let tz = tt.tz();
    if local_date(tz, t) == day {
        format_hm(tz, t)
    } else {
        format!(
            "{} ({})",
            format_hm(tz, t),
            to_local(tz, t).format("%a %-d %b")
        )
    }
}

/// `when` for a time at a place in zone `tz`: a zone other than the timetable's carries its
/// abbreviation (`08:10 MST`), so a journey through two zones reads unambiguously.
pub fn when_in(tt: &Timetable, t: Instant, tz: chrono_tz::Tz, day: chrono::NaiveDate) -> String {
    if tz == tt.tz() {
        return when(tt, t, day);
    }
    let local = to_local(tz, t);
    let hm = format!("{} {}", format_hm(tz, t), local.format("%Z"));
    if local.date_naive() == day {
        hm
    } else {
        format!("{hm} ({})", local.format("%a %-d %b"))
    }
}

impl Itinerary {
    pub fn departure_t(&self) -> Instant {
        self.dep_t
    }

    pub fn arrival_t(&self) -> Instant {
        self.arr_t
    }

    /// A one-line summary ("leave 17:03, arrive 17:20 · 17 min · no transfers") and one line
    /// per step ("17:03  board MAX Green Line towards … at …"). Times carry their day when it
    /// is not `day`.
    pub fn text_lines(&self, tt: &Timetable, day: chrono::NaiveDate) -> (String, Vec<String>) {
        let when = |t: Instant, tz: chrono_tz::Tz| when_in(tt, t, tz, day);
        let (first_tz, last_tz) = (
            self.legs.first().map_or(tt.tz(), |l| l.dep_tz),
            self.legs.last().map_or(tt.tz(), |l| l.arr_tz),
        );
        let on_foot = self.legs.iter().all(|l| l.mode == "walk");
        let transfers = match self.transfers {
            0 if on_foot => "on foot".to_string(),
            0 => "no transfers".to_string(),
            1 => "1 transfer".to_string(),
            n => format!("{n} transfers"),
        };
        let mut head = format!(
            "leave {}, arrive {} · {} · {}",
            when(self.dep_t, first_tz),
            when(self.arr_t, last_tz),
            clock_minutes(self.dep_t, self.arr_t),
            transfers
        );
        if self.walk_s > 0 {
            head.push_str(&format!(" · {} walking", minutes(self.walk_s)));
        }
        let mut lines = Vec::new();
        for (i, l) in self.legs.iter().enumerate() {
            let continues = self.legs.get(i + 1).is_some_and(|n| n.stay_on_board);
            if l.mode == "walk" {
                let along = crate::walk::along_text(&l.streets);
                lines.push(format!(
                    "{:>5}  walk {} ({} m) to {}{}{along}",
                    when(l.dep_t, l.dep_tz),
                    minutes(l.arr_t - l.dep_t),
                    l.distance_m.unwrap_or(0),
                    l.to.name,
                    if along.is_empty() { "" } else { " " },
                ));
                continue;
            }
            let route = l
                .route
                .as_ref()
                .map(|r| {
                    crate::timetable::route_label(
                        r.short_name.as_deref(),
                        r.long_name.as_deref(),
                        &r.id,
                    )
                })
                .unwrap_or_default();
            let towards = l
                .headsign
                .as_ref()
                .map(|h| format!(" towards {h}"))
                .unwrap_or_default();
            let freq = match (l.headway_s, l.approximate) {
                (Some(h), Some(true)) => {
                    format!(
                        " (runs about every {}; times approximate)",
                        minutes(h as i64)
                    )
                }
                (Some(h), _) => format!(" (every {})", minutes(h as i64)),
                _ => String::new(),
            };
            if l.stay_on_board {
                let vehicle = l
                    .route
                    .as_ref()
                    .map_or("vehicle", |r| vehicle_word(r.route_type));
                lines.push(format!(
                    "{:>5}  stay on board at {}: the {vehicle} continues as {route}{towards}{freq}",
                    when(l.dep_t, l.dep_tz),
                    l.from.name
                ));
            } else {
                lines.push(format!(
                    "{:>5}{}  board {route}{towards} at {}{freq}",
                    when(l.dep_t, l.dep_tz),
                    crate::realtime::view::note(tt.tz(), &l.live, l.dep_t, l.live.sched_dep_t),
                    l.from.name
                ));
            }
            for a in &l.live.alerts {
                lines.push(format!("       ! {}", a.line()));
            }
            if continues {
                continue;
            }
            let stops = match l.intermediate_stops.unwrap_or(0) + 1 {
                1 => "next stop".to_string(),
                n => format!("{n} stops"),
            };
            lines.push(format!(
                "{:>5}{}  alight at {} ({stops})",
                when(l.arr_t, l.arr_tz),
                crate::realtime::view::note(tt.tz(), &l.live, l.arr_t, l.live.sched_arr_t),
                l.to.name
            ));
        }
        (head, lines)
    }
}

impl PlanView {
    /// Adds the streets and geometry of every walking leg, from the street map. A leg from or
    /// to a venue uses the entrance the walk is shortest from.
    pub fn describe_walks(
        &mut self,
        streets: &crate::walk::Streets,
        from: &Resolved,
        to: &Resolved,
        speed: f64,
        wheelchair: bool,
    ) {
        let profile = crate::walk::Profile { wheelchair };
        let ends = |p: &Point, place: &Resolved| -> Vec<(f64, f64)> {
            match (p.lat, p.lon) {
                // The place itself (a coordinate, an address, a venue's entrances).
                _ if p.stop_id.is_none() && !place.points.is_empty() => place.points.clone(),
                (Some(la), Some(lo)) => vec![(la, lo)],
                _ => Vec::new(),
            }
        };
        for it in &mut self.itineraries {
            for l in it.legs.iter_mut().filter(|l| l.mode == "walk") {
                let starts = ends(&l.from, from);
                let finishes = ends(&l.to, to);
                // The leg's own length bounds the search (it was found by the same walk).
                let limit = l.distance_m.map_or(f64::INFINITY, |m| m as f64 + 10.0);
                let best = starts
                    .iter()
                    .filter_map(|&(la, lo)| {
                        let w = crate::walk::walk_from(Some(streets), la, lo, limit, profile);
                        finishes
                            .iter()
                            .filter_map(|&(tla, tlo)| w.path_to(tla, tlo, speed))
                            .min_by_key(|p| p.metres)
                    })
                    .min_by_key(|p| p.metres);
                if let Some(p) = best {
                    l.streets = p.streets;
                    l.geometry = Some(p.geometry);
                }
            }
        }
    }

    /// The itineraries as a GeoJSON FeatureCollection: one LineString feature per leg, with
    /// the itinerary number, mode, times, and for walks the distance and streets, for transit
    /// the route and headsign. Transit legs are drawn through the stops they pass.
    pub fn geojson(&self, tt: &Timetable, journeys: &[Journey], osm: bool) -> serde_json::Value {
        use serde_json::json;
        let mut features = Vec::new();
        for (i, (it, j)) in self.itineraries.iter().zip(journeys).enumerate() {
            for (k, (l, leg)) in it.legs.iter().zip(&j.legs).enumerate() {
                let coords: Vec<[f64; 2]> = match leg {
                    Leg::Transit {
                        trip,
                        board_pos,
                        alight_pos,
                        ..
                    } => tt
                        .pattern_stops(tt.pattern_of(*trip))
                        .iter()
                        .skip(*board_pos as usize)
                        .take((*alight_pos - *board_pos) as usize + 1)
                        .map(|&s| [tt.stop(s).lon, tt.stop(s).lat])
                        .collect(),
                    Leg::Walk { .. } => l.geometry.clone().unwrap_or_else(|| {
                        [(l.from.lon, l.from.lat), (l.to.lon, l.to.lat)]
                            .iter()
                            .filter_map(|&(lo, la)| Some([lo?, la?]))
                            .collect()
                    }),
                };
                let mut props = json!({
                    "itinerary": i + 1,
                    "leg": k + 1,
                    "mode": l.mode,
                    "from": l.from.name,
                    "to": l.to.name,
                    "departure": l.departure,
                    "arrival": l.arrival,
                });
                if let Some(d) = l.distance_m {
                    props["distance_m"] = json!(d);
                }
                if !l.streets.is_empty() {
                    props["streets"] = json!(l.streets);
                }
                if let Some(r) = &l.route {
                    props["route"] = json!(crate::timetable::route_label(
                        r.short_name.as_deref(),
                        r.long_name.as_deref(),
                        &r.id
                    ));
                    props["headsign"] = json!(l.headsign);
                }
                features.push(json!({
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": coords},
                    "properties": props,
                }));
            }
        }
        let mut fc = json!({"type": "FeatureCollection", "features": features});
        if osm {
            fc["attribution"] = json!(crate::walk::OSM_ATTRIBUTION);
        }
        fc
    }
}

#[cfg(test)]
mod tests {
    use super::{clock_minutes, minutes};

    #[test]
    fn a_summary_counts_the_minutes_its_clock_times_show() {
        // 17:03:20 → 17:21:59: the clocks read 17:03 and 17:21.
        let (dep, arr) = (17 * 3600 + 3 * 60 + 20, 17 * 3600 + 21 * 60 + 59);
        assert_eq!(minutes(arr - dep), "19 min");
        assert_eq!(clock_minutes(dep, arr), "18 min");
        // Within one shown minute: the rounded-up duration, never "0 min".
        assert_eq!(clock_minutes(dep, dep + 30), "1 min");
        assert_eq!(clock_minutes(dep, dep), "0 min");
        assert_eq!(clock_minutes(0, 65 * 60), "1 h 05 min");
        // Before 1970 (negative instants) minutes still floor.
        assert_eq!(clock_minutes(-90, 30), "2 min");
    }
}
