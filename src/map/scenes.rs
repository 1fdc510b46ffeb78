//! The scenes gethere draws: a venue with its nearest stops and lines (`announce`), the last
//! mile of a suggested journey (`announce --format html`), a whole itinerary (`plan --map`) and
//! the stops near a place (`stops --map`). Each turns an answer that already exists (the
//! announcement, the plan view, the stops report) into a [`Scene`]; nothing is searched again.

use super::{PlaceKind, PlaceMark, Scene};
use crate::itinerary::{Itinerary, LegView, Point};
use crate::timetable::{StopIdx, Timetable};
use crate::venues::Venue;

/// Venue maps: 480 × 360 px, beside "Nearest stops".
pub const VENUE_SIZE: (u32, u32) = (480, 360);
/// Last-mile maps: 280 × 210 px, beside each suggested journey.
pub const LAST_MILE_SIZE: (u32, u32) = (280, 210);
/// Itinerary and stops maps.
pub const FULL_SIZE: (u32, u32) = (640, 480);

/// The venue, marked with its entrances.
pub fn venue_mark(venue: &Venue) -> PlaceMark {
    PlaceMark {
        name: venue.name.clone(),
        kind: PlaceKind::Venue,
        lat: venue.lat,
        lon: venue.lon,
        entrances: venue
            .entrances
            .iter()
            .map(|e| (e.name.clone(), e.lat, e.lon))
            .collect(),
    }
}

/// The venue map: the venue and its entrances, the stops near it with the whole lines serving
/// them. `stops_text` are "Name (120 m)" items for the description.
pub fn venue_scene(id: &str, venue: &Venue, stops: &[StopIdx], stops_text: &[String]) -> Scene {
    let mut s = Scene::new(
        id,
        format!("Map: {} and the nearest transit stops", venue.name),
        VENUE_SIZE.0,
        VENUE_SIZE.1,
    );
    s.desc.push(format!(
        "The venue, {}{}, is the black square{}.",
        venue.name,
        venue
            .address
            .as_ref()
            .map(|a| format!(" ({a})"))
            .unwrap_or_default(),
        match venue.entrances.len() {
            0 => String::new(),
            _ => format!(
                "; entrances (diamonds): {}",
                venue
                    .entrances
                    .iter()
                    .map(|e| e.name.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        }
    ));
    if stops_text.is_empty() {
        s.desc
            .push("No transit stop is within walking distance.".into());
        s.note = Some("No transit stop within walking distance".into());
    } else {
        s.desc.push(format!(
            "Nearest stops (white circles): {}.",
            stops_text.join(", ")
        ));
    }
    s.places.push(venue_mark(venue));
    s.stops = stops.to_vec();
    s.lines_at_stops = true;
    s.min_span_m = 350.0;
    s
}

fn point_ll(p: &Point) -> Option<(f64, f64)> {
    Some((p.lat?, p.lon?))
}

/// A leg's line on foot: its street geometry, else straight.
fn walk_line(l: &LegView) -> Vec<(f64, f64)> {
    match &l.geometry {
        Some(g) => g.iter().map(|c| (c[1], c[0])).collect(),
        None => [point_ll(&l.from), point_ll(&l.to)]
            .into_iter()
            .flatten()
            .collect(),
    }
}

/// Where a place is on the map: the venue's mark when it is the venue, else a start or end
/// point (nothing for a stop: its symbol says it).
fn end_mark(p: &Point, kind: PlaceKind, venue: Option<&Venue>) -> Option<PlaceMark> {
    if p.stop_id.is_some() {
        return None;
    }
    let (lat, lon) = point_ll(p)?;
    if let Some(v) = venue {
        return Some(PlaceMark {
            kind: if kind == PlaceKind::End {
                PlaceKind::Venue
            } else {
                kind
            },
            ..venue_mark(v)
        });
    }
    Some(PlaceMark {
        name: p.name.clone(),
        kind,
        lat,
        lon,
        entrances: Vec::new(),
    })
}

/// The stops where a leg starts and ends (rides only).
fn ride_stops(tt: &Timetable, l: &LegView) -> Vec<StopIdx> {
    [&l.from, &l.to]
        .iter()
        .filter_map(|p| p.stop_id.as_deref())
        .filter_map(|id| tt.find_stop_id(id))
        .collect()
}

/// A whole itinerary (`plan --map`): its walks and rides, the stops where the rider boards and
/// alights, the start and the destination (a venue with its entrances).
pub fn itinerary_scene(
    tt: &Timetable,
    id: &str,
    it: &Itinerary,
    from_venue: Option<&Venue>,
    to_venue: Option<&Venue>,
) -> Scene {
    let (Some(first), Some(last)) = (it.legs.first(), it.legs.last()) else {
        return Scene::new(id, "Map: empty itinerary".into(), FULL_SIZE.0, FULL_SIZE.1);
    };
    let mut s = Scene::new(
        id,
        format!("Map: from {} to {}", first.from.name, last.to.name),
        FULL_SIZE.0,
        FULL_SIZE.1,
    );
    s.places
        .extend(end_mark(&first.from, PlaceKind::Start, from_venue));
    s.places
        .extend(end_mark(&last.to, PlaceKind::End, to_venue));
    for l in &it.legs {
        match (l.mode, l.ride) {
            ("transit", Some(r)) => {
                s.rides.push(r);
                for st in ride_stops(tt, l) {
                    if !s.stops.contains(&st) {
                        s.stops.push(st);
                    }
                }
            }
            _ => s.walks.push(walk_line(l)),
        }
    }
    s.desc.push(format!(
        "The journey leaves at {} and arrives at {}.",
        hm(&it.departure),
        hm(&it.arrival)
    ));
    s.desc.extend(it.legs.iter().map(leg_sentence));
    s.min_span_m = 300.0;
    s
}

/// The last mile of a suggested journey to a venue: from the last stop the rider alights at
/// (with the end of the ride) along the final walk to the venue. A journey on foot is drawn
/// whole.
pub fn last_mile_scene(tt: &Timetable, id: &str, it: &Itinerary, venue: &Venue) -> Scene {
    let mut s = Scene::new(
        id,
        format!("Map: the last mile to {}", venue.name),
        LAST_MILE_SIZE.0,
        LAST_MILE_SIZE.1,
    );
    s.places.push(venue_mark(venue));
    let last_ride = it
        .legs
        .iter()
        .rposition(|l| l.mode == "transit" && l.ride.is_some());
    let start = last_ride.unwrap_or(0);
    for l in it.legs.iter().skip(start) {
        match (l.mode, l.ride) {
            ("transit", Some(r)) => {
                // The ride is drawn but the view is fitted around where it ends.
                s.rides.push(r);
                s.rides_in_focus = false;
                if let Some(st) = l.to.stop_id.as_deref().and_then(|id| tt.find_stop_id(id)) {
                    s.stops.push(st);
                }
            }
            _ => s.walks.push(walk_line(l)),
        }
    }
    if last_ride.is_none() {
        s.places
            .extend(end_mark(&it.legs[0].from, PlaceKind::Start, None));
    }
    s.desc.extend(it.legs.iter().skip(start).map(leg_sentence));
    s.min_span_m = 250.0;
    s.legend_symbols = false;
    s
}

/// The stops found near a place (`stops --map`), the lines serving them and the place.
pub fn stops_scene(
    tt: &Timetable,
    id: &str,
    report: &crate::stops::StopsReport,
    venue: Option<&Venue>,
) -> Scene {
    let n = &report.near;
    let mut s = Scene::new(
        id,
        format!("Map: transit stops near {}", n.name),
        FULL_SIZE.0,
        FULL_SIZE.1,
    );
    s.places.push(match venue {
        Some(v) => venue_mark(v),
        None => PlaceMark {
            name: n.name.clone(),
            kind: PlaceKind::Start,
            lat: n.lat,
            lon: n.lon,
            entrances: Vec::new(),
        },
    });
    for e in &report.stops {
        if let Some(st) = tt.find_stop_id(&e.stop_id)
            && !s.stops.contains(&st)
        {
            s.stops.push(st);
        }
    }
    s.desc.push(format!(
        "{} is marked {}; stops found (white circles): {}.",
        n.name,
        if venue.is_some() {
            "with a black square"
        } else {
            "with a ring"
        },
        report
            .stops
            .iter()
            .map(|e| format!("{} ({} m)", e.name, e.distance_m))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    s.lines_at_stops = true;
    s.min_span_m = 300.0;
    s
}

/// "17:02" from an ISO time.
fn hm(iso: &str) -> &str {
    iso.get(11..16).unwrap_or(iso)
}

fn leg_sentence(l: &LegView) -> String {
    match &l.route {
        Some(r) => format!(
            "Ride {} from {} at {} to {} at {}.",
            crate::timetable::route_label(r.short_name.as_deref(), r.long_name.as_deref(), &r.id),
            l.from.name,
            hm(&l.departure),
            l.to.name,
            hm(&l.arrival)
        ),
        None => format!(
            "Walk{} from {} to {}{} (dotted line).",
            l.distance_m.map(|m| format!(" {m} m")).unwrap_or_default(),
            l.from.name,
            l.to.name,
            if l.streets.is_empty() {
                String::new()
            } else {
                format!(" {}", crate::walk::along_text(&l.streets))
            }
        ),
    }
}

/// A venue map shows the walks to this many of the nearest stations.
const NEAREST_WALKS: usize = 2;

/// The walks from the venue's points to the nearest platform of each of the `n` nearest
/// stations (stops of one parent station count once): along the streets when the map has
/// them, else straight.
fn walks_to_nearest(
    tt: &Timetable,
    streets: Option<&crate::walk::Streets>,
    points: &[(f64, f64)],
    near: &[StopIdx],
    n: usize,
) -> Vec<Vec<(f64, f64)>> {
    let mut stations: Vec<StopIdx> = Vec::new();
    let mut targets: Vec<StopIdx> = Vec::new();
    for &s in near {
        let key = tt.stop(s).parent.unwrap_or(s);
        if !stations.contains(&key) && stations.len() < n {
            stations.push(key);
            targets.push(s);
        }
    }
    let profile = crate::walk::Profile::default();
    let starts: Vec<crate::walk::WalkFrom> = points
        .iter()
        .map(|&(la, lo)| crate::walk::walk_from(streets, la, lo, 2000.0, profile))
        .collect();
    targets
        .iter()
        .filter_map(|&t| {
            let st = tt.stop(t);
            starts
                .iter()
                .filter_map(|w| w.path_to(st.lat, st.lon, 1.2))
                .min_by_key(|p| p.metres)
                .map(|p| p.geometry.iter().map(|c| (c[1], c[0])).collect())
        })
        .collect()
}

/// The maps of an announcement: the venue map and a last-mile map per suggested journey
/// (SVG documents), and the file the venue map was written to, for markdown to link.
#[derive(Clone, Debug, Default)]
pub struct VenueMaps {
    pub venue: String,
    /// `last_mile[origin][option]`, in the announcement's order.
    pub last_mile: Vec<Vec<String>>,
    /// Set by the caller when the venue map is written to a file (`--map`).
    pub file: Option<String>,
}

impl VenueMaps {
    /// Draws the maps of an announcement being built.
    ///
    /// `near` are the stops near the venue, nearest first; `points` the venue's entrances (or
    /// itself), where walks start.
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        tt: &Timetable,
        streets: Option<&crate::walk::Streets>,
        key: &str,
        venue: &Venue,
        points: &[(f64, f64)],
        near: &[StopIdx],
        stops_text: &[String],
        journeys: &[crate::announce::OriginView],
    ) -> VenueMaps {
        let slug: String = key
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let mut scene = venue_scene(&format!("gh-{slug}"), venue, near, stops_text);
        scene.walks = walks_to_nearest(tt, streets, points, near, NEAREST_WALKS);
        if !scene.walks.is_empty() {
            scene.desc.push(format!(
                "Dotted lines: the walk{} from the venue to the nearest {}.",
                if scene.walks.len() > 1 { "s" } else { "" },
                if scene.walks.len() > 1 {
                    format!("{} stations", scene.walks.len())
                } else {
                    "station".into()
                }
            ));
        }
        let streets = streets.map(|s| &s.graph);
        let venue_svg = super::Map::build(tt, streets, &scene).to_svg();
        let last_mile = journeys
            .iter()
            .enumerate()
            .map(|(i, o)| {
                o.options
                    .iter()
                    .enumerate()
                    .map(|(k, opt)| {
                        let id = format!("gh-{slug}-j{}-{}", i + 1, k + 1);
                        let scene = last_mile_scene(tt, &id, &opt.itinerary, venue);
                        super::Map::build(tt, streets, &scene).to_svg()
                    })
                    .collect()
            })
            .collect();
        VenueMaps {
            venue: venue_svg,
            last_mile,
            file: None,
        }
    }
}
