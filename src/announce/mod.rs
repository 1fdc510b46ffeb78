//! "How to get here" announcements: one [`Announcement`] computed from the timetable, rendered
//! as markdown, text, HTML, JSON or iCalendar. Organizers run this from cron, so it is
//! deterministic (no clock: everything derives from the request and the feed, output sorted)
//! and honest (frequencies and last trips come from the timetable for that date; a date outside
//! the feed is refused unless the caller opts into a clearly marked stand-in date).

pub mod html;
pub mod ics;
pub mod text;

use crate::error::{Error, Result};
use crate::itinerary::{Itinerary, minutes};
use crate::nearby::StopIndex;
use crate::place::{Place, Resolved, Resolver};
use crate::router::{self, Query, QueryKind};
use crate::service::{Line, departures, lines_at};
use crate::time::{Instant, format_hm, format_iso, local_date, to_local};
use crate::timetable::{StopIdx, Timetable, Wheelchair};
use crate::venues::Venues;
use chrono::{Datelike, NaiveDate, TimeZone};
use serde::Serialize;

/// What the organizer asked for, resolved.
#[derive(Clone, Debug)]
pub struct AnnounceRequest {
    pub venue: String,
    pub start: Instant,
    pub end: Option<Instant>,
    /// Extra origins (`--from`), in the order given.
    pub from: Vec<Place>,
    /// Use the same weekday inside the feed when the event date is outside it.
    pub allow_stale: bool,
    pub radius_m: u32,
    pub walk_speed_mps: f64,
    pub max_transfers: u32,
    pub min_transfer_secs: u32,
    /// The street map walks follow, if any (its links already laid over the timetable).
    pub streets: Option<std::sync::Arc<crate::walk::Streets>>,
    /// The rider category suggested journeys are priced for.
    pub rider: crate::fares::Rider,
    /// Draw the venue map and the last-mile maps ([`Announcement::maps`]).
    pub maps: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct VenueView {
    pub key: String,
    pub name: String,
    pub address: Option<String>,
    pub lat: f64,
    pub lon: f64,
    pub notes: Option<String>,
    pub entrances: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct EventView {
    pub start: String,
    pub end: Option<String>,
    pub timezone: String,
    /// "Tuesday 2 November 2021"
    pub date_text: String,
    /// "17:30" or "17:30–19:30"
    pub time_text: String,
    /// "19:30", when the event has an end.
    pub end_text: Option<String>,
    #[serde(skip)]
    pub(crate) start_t: Instant,
    #[serde(skip)]
    pub(crate) end_t: Option<Instant>,
}

/// The event date is outside the feed and a stand-in date was used (`--allow-stale`).
#[derive(Clone, Debug, Serialize)]
pub struct StaleNote {
    pub event_date: NaiveDate,
    pub timetable_date: NaiveDate,
    pub message: String,
}

/// The announcement's headline when no transit reaches the venue that day: with no stop
/// within walking distance, "the stops near this venue" would name stops there are not.
pub fn unreachable_text(a: &Announcement) -> &'static str {
    if a.stops.is_empty() {
        "No transit reaches this venue."
    } else {
        "No transit serves the stops near this venue on this day."
    }
}

/// A nearby station (its platforms together) or a stop without a station.
#[derive(Clone, Debug, Serialize)]
pub struct StopView {
    pub name: String,
    /// The platforms/stops within the radius, nearest first.
    pub stop_ids: Vec<String>,
    /// To the nearest of them.
    pub distance_m: u32,
    pub walk_min: i64,
    /// "yes" if every platform is marked step-free, "no" if any is marked not, else "unknown".
    pub wheelchair_boarding: &'static str,
    /// Stops of one name close together (no station), rather than a station's platforms.
    #[serde(skip)]
    pub corner: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct DirectionView {
    pub headsign: String,
    /// The nearby stop this direction is timed at (the nearest one serving it).
    pub stop: String,
    /// Departures in the hour before the start.
    pub departures_in_hour_before: usize,
    /// Median minutes between those departures.
    pub headway_min: Option<i64>,
    /// "every 15 min", "once in the hour before", "no service in the hour before".
    pub frequency_text: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct LineView {
    pub route_id: String,
    pub name: String,
    pub mode: &'static str,
    pub color: Option<String>,
    pub directions: Vec<DirectionView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct JourneyOption {
    /// "latest departure" or "fewest transfers".
    pub label: &'static str,
    pub itinerary: Itinerary,
}

#[derive(Clone, Debug, Serialize)]
pub struct OriginView {
    pub key: Option<String>,
    pub name: String,
    pub options: Vec<JourneyOption>,
    /// Why there is no journey, when there is none.
    pub note: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct LastDeparture {
    pub line: String,
    pub headsign: String,
    /// Where the last departure leaves from (`None` when there is none tonight).
    pub stop: Option<String>,
    /// The last departure of the event's service day (`None`: none after the end).
    pub time: Option<String>,
    /// What to print: "23:26 from SW 5th & Oak MAX Station", "none after the event (next:
    /// 04:32 (Sun 7 Nov))".
    pub text: String,
    pub warning: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AgencyView {
    pub name: String,
    pub url: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Attribution {
    pub agencies: Vec<AgencyView>,
    pub publisher: Option<String>,
    pub feed_version: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub text: String,
    /// The street map's attribution, when walks followed an OpenStreetMap map.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street_map: Option<String>,
}

/// The whole announcement. Its JSON form is the `--format json` output.
#[derive(Clone, Debug, Serialize)]
pub struct Announcement {
    pub venue: VenueView,
    pub event: EventView,
    pub stale: Option<StaleNote>,
    /// `false` when no stop near the venue has service that day (exit 1).
    pub reachable: bool,
    pub stops: Vec<StopView>,
    pub lines: Vec<LineView>,
    pub arrive_by: String,
    pub journeys: Vec<OriginView>,
    /// With an end time: the last departures from the nearby stops, per line and direction.
    pub last_departures: Option<Vec<LastDeparture>>,
    pub accessibility: Vec<String>,
    /// What the suggested journeys cost, what to pay with, where to buy.
    pub fares: Option<crate::fares::announce::FaresSection>,
    pub attribution: Attribution,
    /// Realtime service alerts about the nearby stops, their lines or the journeys, active
    /// around the event (absent without realtime input).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<crate::realtime::AlertView>,
    /// The venue map and last-mile maps, when the request asked for them.
    #[serde(skip)]
    pub maps: Option<crate::map::scenes::VenueMaps>,
}

impl Announcement {
    /// The (possibly stand-in) start instant.
    pub fn event_start(&self) -> Instant {
        self.event.start_t
    }
}

/// The event's start and end moved to `date` at the same wall-clock times.
fn move_to(tz: chrono_tz::Tz, t: Instant, date: NaiveDate) -> Option<Instant> {
    let local = to_local(tz, t).naive_local().time();
    tz.from_local_datetime(&date.and_time(local))
        .earliest()
        .map(|x| x.timestamp())
}

/// Builds the announcement.
pub fn build(
    tt: &Timetable,
    venues: &Venues,
    index: &StopIndex,
    req: &AnnounceRequest,
    geocoder: Option<crate::place::Geocoder>,
) -> Result<Announcement> {
    let tz = tt.tz();
    let Some(venue) = venues.get(&req.venue) else {
        let similar = venues.similar(&req.venue);
        let hint = if similar.is_empty() {
            format!(
                "known venues: {}",
                venues.venues.keys().cloned().collect::<Vec<_>>().join(", ")
            )
        } else {
            format!("did you mean {}?", similar.join(", "))
        };
        return Err(Error::bad_input(
            "--venue",
            &req.venue,
            format!("no such venue in the venues file; {hint}"),
        ));
    };
    if let Some(end) = req.end
        && end <= req.start
    {
        return Err(Error::bad_input(
            "--end",
            &format_iso(tz, end),
            "the event must end after it starts",
        ));
    }
    let (first, last) = tt.service_range().ok_or_else(|| Error::FeedUnusable {
        feed: "the feed".into(),
        reason: "it has no day with service".into(),
    })?;
    let event_date = local_date(tz, req.start);
    let (start, end, stale) = if event_date >= first && event_date <= last {
        (req.start, req.end, None)
    } else if !req.allow_stale {
        return Err(Error::BadInput {
            what: "--start",
            input: event_date.to_string(),
            why: format!(
                "the event date is outside the feed's service ({first} to {last}); fetch a newer feed, or pass --allow-stale to use the same weekday inside the feed (the announcement then says so)"
            ),
        });
    } else {
        // The latest date in the feed with the same weekday and any service.
        let mut d = last;
        while d.weekday() != event_date.weekday()
            || !tt.day_index(d).is_some_and(|i| tt.any_service_on(i))
        {
            d = d.pred_opt().unwrap_or(first);
            if d < first {
                return Err(Error::bad_input(
                    "--start",
                    &event_date.to_string(),
                    "the feed has no day with service on that weekday",
                ));
            }
        }
        let s = move_to(tz, req.start, d).unwrap_or(req.start);
        let shift = chrono::TimeDelta::days((d - event_date).num_days());
        let e = req
            .end
            .and_then(|e| move_to(tz, e, local_date(tz, e) + shift));
        let message = format!(
            "The timetable does not cover {}. These directions use the timetable for {} (the same weekday) and may be out of date: check {} before you travel.",
            event_date.format("%A %-d %B %Y"),
            d.format("%A %-d %B %Y"),
            tt.agencies
                .first()
                .map(|a| a.url.as_str())
                .unwrap_or("the agency's website")
        );
        (
            s,
            e,
            Some(StaleNote {
                event_date,
                timetable_date: d,
                message,
            }),
        )
    };

    let resolver = Resolver {
        tt,
        index,
        venues: Some(venues),
        radius_m: req.radius_m,
        speed_mps: req.walk_speed_mps,
        geocoder,
        allow_no_stops: true,
        streets: req.streets.as_deref(),
        max_walk_secs: u32::MAX,
        wheelchair: false,
    };
    let place = resolver.resolve(&Place::Text(req.venue.clone()))?;

    // Stops near the venue, platforms of one station together, and so the stops of one name
    // on both sides of a street (as a PLACE names them: `place::is_corner`), so a list never
    // shows one name twice (access is nearest first).
    let mut stops: Vec<(StopIdx, StopView)> = Vec::new();
    let mut members: Vec<Vec<StopIdx>> = Vec::new();
    for a in &place.access {
        let st = tt.stop(a.stop);
        let key = st.parent.unwrap_or(a.stop);
        let w = st.wheelchair;
        // A group of stops without a station is keyed by its first stop.
        let corner = || {
            stops.iter().zip(&members).position(|((k, _), m)| {
                m[0] == *k && {
                    let mut all = m.clone();
                    all.push(a.stop);
                    crate::place::is_corner(tt, &all)
                }
            })
        };
        let group = match stops.iter().position(|(k, _)| *k == key) {
            Some(g) => Some(g),
            None if st.parent.is_none() => corner(),
            None => None,
        };
        if let Some(g) = group {
            members[g].push(a.stop);
        } else {
            members.push(vec![a.stop]);
        }
        match group.map(|g| &mut stops[g]) {
            Some((_, v)) => {
                v.corner = st.parent.is_none();
                v.stop_ids.push(st.id.clone());
                v.wheelchair_boarding = match (v.wheelchair_boarding, w) {
                    ("no", _) | (_, Wheelchair::NotAccessible) => "no",
                    ("yes", Wheelchair::Accessible) => "yes",
                    _ => "unknown",
                };
            }
            None => stops.push((
                key,
                StopView {
                    name: tt.stop(key).name.clone(),
                    stop_ids: vec![st.id.clone()],
                    distance_m: a.metres,
                    walk_min: (a.secs as i64 + 59) / 60,
                    wheelchair_boarding: match w {
                        Wheelchair::Accessible => "yes",
                        Wheelchair::NotAccessible => "no",
                        Wheelchair::Unknown => "unknown",
                    },
                    corner: false,
                },
            )),
        }
    }
    let stops: Vec<StopView> = stops.into_iter().map(|(_, v)| v).collect();
    let near: Vec<StopIdx> = place.access.iter().map(|a| a.stop).collect();

    let lines = line_views(tt, &near, start);
    let day = tt.day_index(local_date(tz, start));
    let reachable = day.is_some()
        && !departures(tt, &near, start - 12 * 3600, start + 12 * 3600, false).is_empty();

    // Journeys from the origins.
    let mut origins: Vec<(Option<String>, Place)> = venue
        .origins
        .iter()
        .map(|k| (Some(k.clone()), Place::Text(k.clone())))
        .collect();
    origins.extend(req.from.iter().map(|p| (None, p.clone())));
    let mut journeys = Vec::new();
    for (key, p) in origins {
        journeys.push(origin_view(tt, &resolver, key, &p, &place, start, req)?);
    }

    let event_day = tt.day_index(local_date(tz, start));
    let last_departures = end.map(|e| last_departures(tt, &near, e, event_day));
    let accessibility = accessibility(tt, &near);
    let fares = crate::fares::announce::section(tt, &journeys);
    let mut attribution = attribution(tt, first, last);
    if req.streets.is_some() {
        attribution.text.push(' ');
        attribution.text.push_str(crate::walk::OSM_ATTRIBUTION);
        attribution.text.push('.');
        attribution.street_map = Some(crate::walk::OSM_ATTRIBUTION.to_string());
    }
    let event = EventView {
        start: format_iso(tz, start),
        end: end.map(|e| format_iso(tz, e)),
        timezone: tt.timezone.clone(),
        date_text: to_local(tz, req.start).format("%A %-d %B %Y").to_string(),
        time_text: match end {
            Some(e) => format!("{}–{}", format_hm(tz, start), format_hm(tz, e)),
            None => format_hm(tz, start),
        },
        end_text: end.map(|e| format_hm(tz, e)),
        start_t: start,
        end_t: end,
    };
    let alerts = crate::realtime::view::announce_alerts(tt, &stops, &lines, &journeys, start, end);
    let maps = req.maps.then(|| {
        let stops_text: Vec<String> = stops
            .iter()
            .map(|s| format!("{} ({} m)", s.name, s.distance_m))
            .collect();
        crate::map::scenes::VenueMaps::build(
            tt,
            req.streets.as_deref(),
            &req.venue,
            venue,
            &place.points,
            &near,
            &stops_text,
            &journeys,
        )
    });
    Ok(Announcement {
        maps,
        alerts,
        venue: VenueView {
            key: req.venue.clone(),
            name: venue.name.clone(),
            address: venue.address.clone(),
            lat: venue.lat,
            lon: venue.lon,
            notes: venue.notes.clone(),
            entrances: venue.entrances.iter().map(|e| e.name.clone()).collect(),
        },
        event,
        stale,
        reachable,
        stops,
        lines,
        arrive_by: format_hm(tz, start),
        journeys,
        last_departures,
        accessibility,
        fares,
        attribution,
    })
}

/// Lines at the nearby stops, grouped by route, each direction timed at the nearest stop
/// serving it over the hour before `start`.
fn line_views(tt: &Timetable, near: &[StopIdx], start: Instant) -> Vec<LineView> {
    // (line, nearest stop serving it) in order of stop distance.
    let mut seen: Vec<(Line, StopIdx)> = Vec::new();
    for &s in near {
        for l in lines_at(tt, s) {
            if !seen.iter().any(|(x, _)| *x == l) {
                seen.push((l, s));
            }
        }
    }
    let mut out: Vec<LineView> = Vec::new();
    for (line, stop) in seen {
        let deps: Vec<Instant> = departures(tt, &[stop], start - 3600, start - 1, false)
            .into_iter()
            .filter(|d| d.line == line)
            .map(|d| d.time)
            .collect();
        let mut gaps: Vec<i64> = deps.windows(2).map(|w| w[1] - w[0]).collect();
        gaps.sort_unstable();
        let headway_min = gaps.get(gaps.len() / 2).map(|g| (g + 30) / 60);
        let frequency_text = match (deps.len(), headway_min) {
            (0, _) => "no service in the hour before".to_string(),
            (1, _) => "once in the hour before".to_string(),
            (_, Some(h)) => format!("every {h} min"),
            (n, None) => format!("{n} times in the hour before"),
        };
        let r = &tt.routes[line.route.ix()];
        let dir = DirectionView {
            headsign: line.headsign.clone(),
            stop: tt.stop(stop).name.clone(),
            departures_in_hour_before: deps.len(),
            headway_min,
            frequency_text,
        };
        match out.iter_mut().find(|l| l.route_id == r.id) {
            Some(l) => l.directions.push(dir),
            None => out.push(LineView {
                route_id: r.id.clone(),
                name: r.display_name(),
                mode: r.mode_name(),
                color: r.color.clone(),
                directions: vec![dir],
            }),
        }
    }
    for l in &mut out {
        l.directions.sort_by(|a, b| a.headsign.cmp(&b.headsign));
    }
    out.sort_by(|a, b| {
        crate::service::line_name_cmp(&a.name, &b.name).then(a.route_id.cmp(&b.route_id))
    });
    out
}

/// The longest walk offered as a way to the venue on foot (as `plan`'s default `--max-walk`).
const ANNOUNCE_MAX_WALK_SECS: u32 = 15 * 60;

fn origin_view(
    tt: &Timetable,
    resolver: &Resolver,
    key: Option<String>,
    p: &Place,
    venue: &Resolved,
    start: Instant,
    req: &AnnounceRequest,
) -> Result<OriginView> {
    let from = resolver.resolve(p)?;
    let name = from.name.clone();
    let mut targets = venue.access.clone();
    targets.retain(|t| !from.access.iter().any(|o| o.stop == t.stop));
    if from.access.is_empty() || targets.is_empty() {
        let note = if from.access.is_empty() {
            format!("no stop within {} m of {name}", req.radius_m)
        } else {
            format!("{name} is next to the venue: walk")
        };
        return Ok(OriginView {
            key,
            name,
            options: Vec::new(),
            note: Some(note),
        });
    }
    let q = Query {
        kind: QueryKind::ArriveBy,
        time: start,
        window_secs: 0,
        origins: from.access.clone(),
        targets,
        max_transfers: req.max_transfers,
        min_transfer_secs: req.min_transfer_secs,
        walk_radius_m: req.radius_m,
        walk_speed_mps: req.walk_speed_mps,
        wheelchair: false,
        max_duration_secs: None,
    };
    let mut journeys = router::plan(tt, &q).journeys;
    // Walking the whole way, along the streets and within plan's default --max-walk, is one
    // of the options like in `plan`.
    if let Some(s) = &req.streets {
        let walk = crate::walk::whole_walk(
            Some(s.as_ref()),
            &from.points,
            &venue.points,
            ANNOUNCE_MAX_WALK_SECS,
            req.walk_speed_mps,
            crate::walk::Profile::default(),
        );
        if let Some(w) = walk.filter(|w| w.along_streets) {
            router::add_walk_only(&mut journeys, &q, from.stop, venue.stop, w.secs, w.metres);
        }
    }
    let mut view = crate::itinerary::view(tt, &q, &from, venue, &journeys);
    if let Some(s) = &req.streets {
        view.describe_walks(s, &from, venue, req.walk_speed_mps, false);
    }
    view.price(tt, &journeys, &req.rider);
    let on_foot = |j: &router::Journey| {
        !j.legs
            .iter()
            .any(|l| matches!(l, router::Leg::Transit { .. }))
    };
    let walk_only: Vec<bool> = journeys.iter().map(on_foot).collect();
    let mut its: Vec<Option<Itinerary>> = view.itineraries.into_iter().map(Some).collect();
    let mut options = Vec::new();
    if let Some(latest) = its.first_mut().and_then(Option::take) {
        let fewest = its
            .iter()
            .enumerate()
            .filter_map(|(i, it)| it.as_ref().map(|it| (i, it)))
            .filter(|(_, it)| it.transfers < latest.transfers)
            .min_by_key(|(_, it)| (it.transfers, -it.departure_t()))
            .map(|(i, _)| i);
        let latest_on_foot = walk_only.first().copied().unwrap_or(false);
        options.push(JourneyOption {
            label: if latest_on_foot {
                "on foot"
            } else {
                "latest departure"
            },
            itinerary: latest,
        });
        if let Some(f) = fewest.and_then(|i| its[i].take()) {
            options.push(JourneyOption {
                label: "fewest transfers",
                itinerary: f,
            });
        }
        // Walking the whole way when it rivals transit but is not already shown.
        if let Some(w) = walk_only
            .iter()
            .position(|&w| w)
            .and_then(|i| its.get_mut(i).and_then(Option::take))
        {
            options.push(JourneyOption {
                label: "on foot",
                itinerary: w,
            });
        }
    }
    let note = options.is_empty().then(|| {
        format!(
            "no transit journey arrives by {} that day",
            format_hm(tt.tz(), start)
        )
    });
    Ok(OriginView {
        key,
        name,
        options,
        note,
    })
}

/// The last trips home per line and direction from the nearby stops: the last departure after
/// the end among the trips of the event's service day (which includes that day's trips past
/// 24:00); later departures belong to the next service day. None after the end → say when the
/// next one is.
fn last_departures(
    tt: &Timetable,
    near: &[StopIdx],
    end: Instant,
    service_day: Option<usize>,
) -> Vec<LastDeparture> {
    let tz = tt.tz();
    let deps = departures(tt, near, end, end + 30 * 3600, false);
    let mut per_line: Vec<(Line, Vec<&crate::service::Departure>)> = Vec::new();
    for d in &deps {
        match per_line.iter_mut().find(|(l, _)| *l == d.line) {
            Some((_, v)) => v.push(d),
            None => per_line.push((d.line.clone(), vec![d])),
        }
    }
    let end_day = local_date(tz, end);
    let when = |t: Instant| crate::itinerary::when(tt, t, end_day);
    let mut out: Vec<LastDeparture> = per_line
        .into_iter()
        .map(|(line, v)| {
            let last = v
                .iter()
                .filter(|d| Some(d.day as usize) == service_day)
                .max_by_key(|d| (d.time, std::cmp::Reverse(d.stop)));
            let (stop, time, text, warning) = match last {
                None => (
                    None,
                    None,
                    format!("none after the event (next: {})", when(v[0].time)),
                    Some("no departure in this direction after the event".to_string()),
                ),
                Some(d) => {
                    let name = tt.stop(d.stop).name.clone();
                    let after = d.time - end;
                    let warning = (after < 30 * 60).then(|| {
                        format!("the last one leaves only {} after the end", minutes(after))
                    });
                    (
                        Some(name.clone()),
                        Some(format_iso(tz, d.time)),
                        format!("{} from {name}", when(d.time)),
                        warning,
                    )
                }
            };
            LastDeparture {
                line: tt.routes[line.route.ix()].display_name(),
                headsign: line.headsign.clone(),
                stop,
                time,
                text,
                warning,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        crate::service::line_name_cmp(&a.line, &b.line).then(a.headsign.cmp(&b.headsign))
    });
    out
}

fn accessibility(tt: &Timetable, near: &[StopIdx]) -> Vec<String> {
    let has_stop_data = tt.stops.iter().any(|s| s.wheelchair != Wheelchair::Unknown);
    let has_trip_data = tt
        .trips
        .iter()
        .any(|t| t.wheelchair() != Wheelchair::Unknown);
    let mut notes = Vec::new();
    if !has_stop_data && !has_trip_data {
        return notes;
    }
    if has_stop_data {
        let mut yes = Vec::new();
        let mut no = Vec::new();
        for &s in near {
            let st = tt.stop(s);
            match st.wheelchair {
                Wheelchair::Accessible => yes.push(st.name.clone()),
                Wheelchair::NotAccessible => no.push(st.name.clone()),
                Wheelchair::Unknown => {}
            }
        }
        yes.dedup();
        no.dedup();
        if !yes.is_empty() {
            notes.push(format!("Step-free boarding: {}.", yes.join(", ")));
        }
        if !no.is_empty() {
            notes.push(format!("Not wheelchair accessible: {}.", no.join(", ")));
        }
    } else {
        notes.push("The timetable does not say which stops are step-free.".into());
    }
    if has_trip_data {
        let mut routes: Vec<(String, usize, usize)> = Vec::new();
        for &s in near {
            for (p, _) in tt.patterns_at(s) {
                let pat = tt.pattern(p);
                let name = tt.routes[pat.route.ix()].display_name();
                let nt = pat.num_trips as usize;
                let acc = (0..nt)
                    .filter(|&k| tt.trip_rec(pat, k).wheelchair() == Wheelchair::Accessible)
                    .count();
                match routes.iter_mut().find(|r| r.0 == name) {
                    Some(r) => {
                        r.1 += acc;
                        r.2 += nt;
                    }
                    None => routes.push((name, acc, nt)),
                }
            }
        }
        routes.sort();
        for (name, acc, all) in routes {
            if acc == all {
                notes.push(format!(
                    "All {name} trips are marked wheelchair accessible."
                ));
            } else if acc > 0 {
                notes.push(format!(
                    "{name}: {}% of trips are marked wheelchair accessible.",
                    acc * 100 / all
                ));
            }
        }
    }
    notes
}

/// Every agency of every feed, once each (a region may hold two feeds of one agency).
fn attribution(tt: &Timetable, first: NaiveDate, last: NaiveDate) -> Attribution {
    let mut agencies: Vec<AgencyView> = Vec::new();
    for a in &tt.agencies {
        if !agencies.iter().any(|x| x.name == a.name && x.url == a.url) {
            agencies.push(AgencyView {
                name: a.name.clone(),
                url: a.url.clone(),
            });
        }
    }
    let names: Vec<&str> = agencies.iter().map(|a| a.name.as_str()).collect();
    let text = format!(
        "Transit data: {}. Timetable valid {} to {}{}. Directions by gethere; check the agency's website before you travel.",
        names.join(", "),
        first.format("%-d %B %Y"),
        last.format("%-d %B %Y"),
        tt.meta
            .version
            .as_ref()
            .map(|v| format!(" (feed version {v})"))
            .unwrap_or_default()
    );
    Attribution {
        agencies,
        publisher: tt.meta.publisher.clone(),
        feed_version: tt.meta.version.clone(),
        valid_from: Some(first),
        valid_until: Some(last),
        text,
        street_map: None,
    }
}
