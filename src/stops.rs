//! `gethere stops --near PLACE`: the stops near a place with walking distance, grouped under
//! their station, each with the lines serving it and (with `--at`) the departures in a window.
//! One serializable report serves JSON and text.

use crate::itinerary::minutes;
use crate::nearby::StopIndex;
use crate::place::Resolved;
use crate::router::raptor::walk_secs;
use crate::service::{departures, lines_at};
use crate::time::{Instant, format_hm, format_iso, local_date, to_local};
use crate::timetable::{StopIdx, Timetable, Wheelchair};
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct StationRef {
    pub stop_id: String,
    pub name: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct LineEntry {
    pub route_id: String,
    pub short_name: Option<String>,
    pub long_name: Option<String>,
    pub mode: &'static str,
    pub color: Option<String>,
    pub headsign: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct DepartureEntry {
    pub time: String,
    pub route_id: String,
    pub route: String,
    pub headsign: String,
    pub trip_id: String,
    /// Realtime: the scheduled time and delay (absent without realtime input).
    #[serde(flatten)]
    pub live: crate::realtime::view::DepartureLive,
    #[serde(skip)]
    t: Instant,
}

#[derive(Clone, Debug, Serialize)]
pub struct StopEntry {
    pub stop_id: String,
    /// The stop's feed, when several feeds make the timetable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feed: Option<String>,
    /// How to name it as `stop:…` (`KEY:ID` when another feed has the same id).
    #[serde(skip)]
    pub reference: String,
    pub name: String,
    pub code: Option<String>,
    pub platform_code: Option<String>,
    pub lat: f64,
    pub lon: f64,
    pub distance_m: u32,
    pub walk_s: u32,
    /// "yes", "no" or "unknown" (after inheriting the station's value).
    pub wheelchair_boarding: &'static str,
    pub station: Option<StationRef>,
    pub lines: Vec<LineEntry>,
    /// Only with `--at`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub departures: Option<Vec<DepartureEntry>>,
    /// Realtime service alerts about this stop or its lines (active in the window when --at
    /// is given).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<crate::realtime::AlertView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct StopsReport {
    pub near: NearPoint,
    pub radius_m: u32,
    /// Departures are listed for `[at, at + window_s]` when `at` is given.
    pub at: Option<String>,
    pub window_s: u32,
    pub wheelchair: bool,
    /// `false` when nothing was within the radius and `stops` are the nearest few instead.
    pub within_radius: bool,
    pub stops: Vec<StopEntry>,
    #[serde(skip)]
    at_t: Option<Instant>,
}

#[derive(Clone, Debug, Serialize)]
pub struct NearPoint {
    pub name: String,
    pub venue: Option<String>,
    pub lat: f64,
    pub lon: f64,
}

/// Parameters of a stops request.
pub struct StopsRequest {
    pub radius_m: u32,
    pub limit: usize,
    pub at: Option<Instant>,
    pub window_s: u32,
    pub wheelchair: bool,
    pub walk_speed_mps: f64,
    /// The place's `access` was walked along a street map: report its distances and times
    /// (sorted by walking time) instead of straight-line ones.
    pub along_streets: bool,
}

fn wheelchair_word(w: Wheelchair) -> &'static str {
    match w {
        Wheelchair::Accessible => "yes",
        Wheelchair::NotAccessible => "no",
        Wheelchair::Unknown => "unknown",
    }
}

/// Builds the report for the stops near `place`.
pub fn report(
    tt: &Timetable,
    index: &StopIndex,
    place: &Resolved,
    req: &StopsRequest,
) -> StopsReport {
    let tz = tt.tz();
    // (stop, metres, walking seconds)
    let straight = |v: Vec<(StopIdx, u32)>| -> Vec<(StopIdx, u32, u32)> {
        v.into_iter()
            .map(|(s, d)| (s, d, walk_secs(d, req.walk_speed_mps)))
            .collect()
    };
    let mut found = if req.along_streets {
        let mut v: Vec<_> = place
            .access
            .iter()
            .map(|a| (a.stop, a.metres, a.secs))
            .collect();
        v.sort_by_key(|&(s, d, t)| (t, d, s));
        v
    } else {
        straight(index.within(tt, place.lat, place.lon, req.radius_m))
    };
    if req.wheelchair {
        found.retain(|&(s, _, _)| tt.stop(s).wheelchair == Wheelchair::Accessible);
    }
    let within_radius = !found.is_empty();
    if !within_radius {
        // The nearest few anyway, under the same filter.
        found = straight(index.nearest(
            tt,
            place.lat,
            place.lon,
            if req.wheelchair { 200 } else { 3 },
        ));
        if req.wheelchair {
            found.retain(|&(s, _, _)| tt.stop(s).wheelchair == Wheelchair::Accessible);
            found.truncate(3);
        }
    }
    found.truncate(req.limit);
    let stops = found
        .into_iter()
        .map(|(s, d, t)| entry(tt, s, d, t, req))
        .collect();
    StopsReport {
        near: NearPoint {
            name: place.name.clone(),
            venue: place.venue.clone(),
            lat: place.lat,
            lon: place.lon,
        },
        radius_m: req.radius_m,
        at: req.at.map(|t| format_iso(tz, t)),
        window_s: req.window_s,
        wheelchair: req.wheelchair,
        within_radius,
        stops,
        at_t: req.at,
    }
}

fn entry(tt: &Timetable, s: StopIdx, d: u32, walk_s: u32, req: &StopsRequest) -> StopEntry {
    let tz = tt.tz();
    let st = tt.stop(s);
    let lines = lines_at(tt, s)
        .into_iter()
        .map(|l| {
            let r = &tt.routes[l.route.ix()];
            LineEntry {
                route_id: r.id.clone(),
                short_name: r.short_name.clone(),
                long_name: r.long_name.clone(),
                mode: r.mode_name(),
                color: r.color.clone(),
                headsign: l.headsign,
            }
        })
        .collect();
    let deps = req.at.map(|at| {
        departures(tt, &[s], at, at + req.window_s as i64, req.wheelchair)
            .into_iter()
            .map(|d| {
                let r = &tt.routes[d.line.route.ix()];
                DepartureEntry {
                    time: format_iso(tz, d.time),
                    route_id: r.id.clone(),
                    route: r.display_name(),
                    headsign: d.line.headsign,
                    trip_id: tt.trip_id(d.trip).to_string(),
                    live: crate::realtime::view::departure(tt, d.trip, d.day, d.stop, d.time),
                    t: d.time,
                }
            })
            .collect()
    });
    StopEntry {
        stop_id: st.id.clone(),
        feed: tt.feed_key_of_stop(s),
        reference: tt.stop_ref(s),
        name: st.name.clone(),
        code: st.code.clone(),
        platform_code: st.platform_code.clone(),
        lat: st.lat,
        lon: st.lon,
        distance_m: d,
        walk_s,
        wheelchair_boarding: wheelchair_word(st.wheelchair),
        station: st.parent.map(|p| StationRef {
            stop_id: tt.stop(p).id.clone(),
            name: tt.stop(p).name.clone(),
        }),
        lines,
        departures: deps,
        alerts: crate::realtime::view::stop_alerts(tt, s, req.at, req.window_s),
    }
}

impl StopsReport {
    /// The report as an attendee reads it: stations with their platforms, nearest first.
    pub fn render_text(&self, tt: &Timetable) -> String {
        let tz = tt.tz();
        let mut s = String::new();
        if self.within_radius {
            s.push_str(&format!(
                "Stops within {} m of {}",
                self.radius_m, self.near.name
            ));
        } else if self.stops.is_empty() && self.wheelchair {
            s.push_str(&format!(
                "No stop near {} is marked wheelchair accessible in this feed",
                self.near.name
            ));
        } else {
            s.push_str(&format!(
                "No stop within {} m of {}; the nearest ones",
                self.radius_m, self.near.name
            ));
        }
        if self.wheelchair && !self.stops.is_empty() {
            s.push_str(" (wheelchair accessible only)");
        }
        s.push('\n');
        if let Some(at) = self.at_t {
            let end = at + self.window_s as i64;
            s.push_str(&format!(
                "Departures {}–{} on {} (times in {})\n",
                format_hm(tz, at),
                format_hm(tz, end),
                to_local(tz, at).format("%a %-d %b %Y"),
                tt.timezone
            ));
        }
        // Group platforms under their station, in order of the nearest platform.
        let mut groups: Vec<(Option<&StationRef>, Vec<&StopEntry>)> = Vec::new();
        for e in &self.stops {
            let key = e.station.as_ref().map(|x| &x.stop_id);
            match groups
                .iter_mut()
                .find(|(st, _)| st.map(|x| &x.stop_id) == key && key.is_some())
            {
                Some(g) => g.1.push(e),
                None => groups.push((e.station.as_ref(), vec![e])),
            }
        }
        for (station, entries) in groups {
            s.push('\n');
            let indent = if let Some(st) = station {
                s.push_str(&format!("{} (station {})\n", st.name, st.stop_id));
                "  "
            } else {
                ""
            };
            for e in entries {
                let code = match (&e.platform_code, &e.code) {
                    (Some(p), _) => format!(", platform {p}"),
                    (None, Some(c)) if *c != e.stop_id => format!(", code {c}"),
                    _ => String::new(),
                };
                let access = match e.wheelchair_boarding {
                    "yes" => " · step-free",
                    "no" => " · not wheelchair accessible",
                    _ => "",
                };
                s.push_str(&format!(
                    "{indent}{} (stop {}{code}) · {} m, {} walk{access}\n",
                    e.name,
                    e.reference,
                    e.distance_m,
                    minutes(e.walk_s as i64)
                ));
                if e.lines.is_empty() {
                    s.push_str(&format!("{indent}    no boarding here (end of line)\n"));
                }
                for l in &e.lines {
                    let name = crate::timetable::route_label(
                        l.short_name.as_deref(),
                        l.long_name.as_deref(),
                        &l.route_id,
                    );
                    s.push_str(&format!(
                        "{indent}    {name} ({}) towards {}\n",
                        l.mode, l.headsign
                    ));
                }
                for a in &e.alerts {
                    s.push_str(&format!("{indent}    ! {}\n", a.line()));
                }
                if let Some(deps) = &e.departures {
                    if deps.is_empty() {
                        s.push_str(&format!("{indent}    no departures in this window\n"));
                    }
                    let day0 = self.at_t.map(|t| local_date(tz, t));
                    for d in deps {
                        let day = if Some(local_date(tz, d.t)) != day0 {
                            format!(" ({})", to_local(tz, d.t).format("%a"))
                        } else {
                            String::new()
                        };
                        let live = &d.live;
                        let note = match (live.realtime, live.sched_t) {
                            (Some(true), Some(st)) if (d.t - st).abs() >= 60 => format!(
                                " (scheduled {}, {}{} min)",
                                format_hm(tz, st),
                                if d.t > st { '+' } else { '-' },
                                ((d.t - st).abs() + 30) / 60
                            ),
                            (Some(true), None) => " (added trip)".to_string(),
                            _ => String::new(),
                        };
                        s.push_str(&format!(
                            "{indent}    {}{day}{note}  {} towards {}\n",
                            format_hm(tz, d.t),
                            d.route,
                            d.headsign
                        ));
                    }
                }
            }
        }
        s
    }
}
